"""Where files land inside an archive, and how import roots are spelled."""

def archive_path(f):
    """Repository-relative path of a File: sources of every repository share one tree.

    short_path is "pkg/x.py" in the main repository and "../repo/pkg/x.py" in an external one.
    """
    p = f.short_path
    if p.startswith("../"):
        p = p[3:]
        p = p[p.find("/") + 1:]
    return p

def normalize_import_root(label, package, imp, kind = "python_library"):
    """Resolves an `imports` entry against the package; fails on paths that leave the repository.

    kind: the rule whose attribute it is, for the message.
    """
    if imp.startswith("/"):
        fail("%s %s: imports entry '%s' is absolute. Give a path relative to the package %s, e.g. 'src'." % (kind, label, imp, package or "(root)"))
    parts = []
    for seg in (package.split("/") if package else []) + imp.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if not parts:
                fail("%s %s: imports entry '%s' leaves the repository root. Import roots must stay inside it." % (kind, label, imp))
            parts.pop()
        else:
            parts.append(seg)
    return "/".join(parts)

def module_name(path):
    """'tools/foo/main.py' -> 'tools.foo.main'."""
    return path[:-len(".py")].replace("/", ".")
