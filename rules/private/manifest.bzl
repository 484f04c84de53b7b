"""The packaging manifest: JSON lines the packager validates (src/packager/manifest.ts).

Written lazily from depsets with Args + map_each, so analysis never flattens the
transitive closure; the packager sees one JSON object per line.
"""

load(":paths.bzl", "archive_path")

MANIFEST_VERSION = 1

def _file_line(kind, f):
    return json.encode({"t": kind, "path": archive_path(f), "file": f.path, "owner": str(f.owner)})

def _src_line(f):
    return _file_line("src", f)

def _data_line(f):
    return _file_line("data", f)

def _fragment_line(f):
    # A fragment's owner is the target that made it (python_library, or the binary for its srcs).
    return json.encode({"t": "fragment", "kind": "src", "file": f.path, "owner": str(f.owner)})

def _root_line(r):
    return json.encode({"t": "root", "path": r})

def _foreign_root_line(r):
    # PyInfo spells roots "repo/path"; repositories share one tree in the archive.
    return json.encode({"t": "root", "path": r[r.find("/") + 1:] if "/" in r else ""})

def _wheel_line(w):
    # The copy recompressed once by the python_wheel target (same entries), when it made one.
    packed = getattr(w, "packed", None)
    line = {"t": "wheel", "label": w.label, "file": (packed or w.wheel).path, "info": w.info.path}
    if getattr(w, "bytecode", None):
        line["bytecode"] = w.bytecode.path
    if getattr(w, "variant", False):
        line["variant"] = True  # one of several builds of w.label (python_wheel wheels = [...])
    return json.encode(line)

def _owner_line(line):
    path, label = line.split("\t")
    return json.encode({"t": "owner", "path": path, "label": label})

def write_manifest(ctx, output, header, info, launcher, bootstrap_fragment, owners = None):
    """Writes the manifest for one binary: a header line, then one line per fragment, file or root.

    Sources in fragments (info.transitive_fragments) are listed by fragment; only the loose
    ones (native PyInfo deps') get a line each.

    `owners` (depset[str] of 'archive_path<TAB>label', imports_check.bzl's closure_owners)
    names the target of each source, for the shadowed-module check's messages.
    """
    args = ctx.actions.args()
    args.set_param_file_format("multiline")
    header = dict(header)
    header["t"] = "header"
    header["manifest_version"] = MANIFEST_VERSION
    args.add(json.encode(header))
    args.add(json.encode({"t": "boot", "path": "launcher.sh", "file": launcher.path}))
    args.add(json.encode({"t": "fragment", "kind": "boot", "file": bootstrap_fragment.path, "owner": str(bootstrap_fragment.owner)}))
    args.add_all(info.transitive_fragments, map_each = _fragment_line)
    args.add_all(info.transitive_loose_sources, map_each = _src_line)
    args.add_all(info.transitive_data, map_each = _data_line)
    args.add_all(info.import_roots, map_each = _root_line)
    args.add_all(info.foreign_import_roots, map_each = _foreign_root_line)
    args.add_all(info.transitive_wheels, map_each = _wheel_line)
    if owners != None:
        args.add_all(owners, map_each = _owner_line)
    ctx.actions.write(output, args)
