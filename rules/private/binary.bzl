"""python_binary: packs a Python program and its closure into one launchable archive."""

load(":actions.bzl", "emit_build_info", "emit_fragment", "emit_pack", "emit_stamp", "python_runtime")
load(":collect.bzl", "DEP_PROVIDERS", "collect_python_info")
load(":imports_check.bzl", "closure_owners", "imports_validation", "par_imports_aspect")
load(":manifest.bzl", "write_manifest")
load(":paths.bzl", "archive_path", "module_name")
load(":stamp.bzl", "is_stamping")
load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE", "PYTHON_TOOLCHAIN_TYPE")

_COMPRESSIONS = ["deflate", "stored"]
_LAYOUTS = ["zip", "extract"]
_IMPORTS_CHECKS = ["error", "warn", "off"]

def _fail(ctx, attr, msg):
    # The message already names the attribute (`attr`); fail() would append extra arguments to it.
    # python_test shares this implementation; only tests have `runner`.
    fail("%s %s: %s" % ("python_test" if hasattr(ctx.attr, "runner") else "python_binary", ctx.label, msg))

def _is_identifier(s):
    if not s or s[0].isdigit():
        return False
    for c in s.elems():
        if not (c.isalnum() or c == "_"):
            return False
    return True

def _is_dotted(s):
    return all([_is_identifier(p) for p in s.split(".")])

def _entry(ctx, default_entry_point):
    """Returns (main archive path or None, main module or None, entry_point or None)."""
    main, ep, script = ctx.file.main, ctx.attr.entry_point, getattr(ctx.attr, "script", "")
    if script:
        if main or ep:
            _fail(ctx, "script", "set one of main, entry_point and script (script = '%s' runs a wheel's console script)." % script)
        return None, None, None
    if not main and not ep:
        ep = default_entry_point
    if main and ep:
        _fail(ctx, "main", "set either main or entry_point, not both (main = %s, entry_point = '%s')." % (ctx.attr.main.label, ep))
    if not main and not ep:
        _fail(ctx, "main", "neither main nor entry_point is set. Name the script to run (main = \"x.py\", listed in srcs), a function (entry_point = \"pkg.module:function\") or a wheel's console script (script = \"name\").")
    if ep:
        mod, sep, fn = ep.partition(":")
        if not sep or not _is_dotted(mod) or not _is_dotted(fn):
            _fail(ctx, "entry_point", "entry_point '%s' is not of the form 'pkg.module:function' (console_scripts syntax)." % ep)
        return None, None, ep
    if main not in ctx.files.srcs:
        _fail(ctx, "main", "main names %s, which is not in srcs. Add it to srcs or set entry_point." % main.short_path)
    path = archive_path(main)
    return path, module_name(path), None

def build_archive(ctx, default_entry_point = None, test = None, extra_deps = []):
    """Validates the attributes and registers the actions of one archive.

    Args:
      ctx: the rule context of a python_binary or python_test.
      default_entry_point: str: what runs when neither main nor entry_point is set (python_test's runner).
      test: dict: python_test's settings for the manifest header (runner, files, modules, coverage).
      extra_deps: list[Target]: deps beyond the `deps` attribute (the coverage tool).

    Returns:
      struct(executable = File, info = PythonInfo, providers = list without DefaultInfo,
      which each rule makes with its own runfiles).
    """
    if not ctx.attr.sources and not ctx.attr.compile:
        _fail(ctx, "sources", "sources = False ships bytecode instead of sources, so it needs compile = True.")
    if not ctx.attr.sources and ctx.attr.layout != "zip":
        _fail(ctx, "sources", "sources = False needs layout = \"zip\": run from disk, Python wants the sources beside __pycache__.")
    if ctx.attr.compression_level < 1 or ctx.attr.compression_level > 9:
        _fail(ctx, "compression_level", "compression_level = %d; use 1 (fastest) to 9 (smallest), default 6." % ctx.attr.compression_level)
    if ctx.attr.stamp not in (-1, 0, 1):
        _fail(ctx, "stamp", "stamp = %d; use -1 (follow --stamp), 0 (never) or 1 (always)." % ctx.attr.stamp)
    if not ctx.attr.shebang.startswith("#!") or "\n" in ctx.attr.shebang:
        _fail(ctx, "shebang", "shebang '%s' must be one line starting with '#!'." % ctx.attr.shebang)
    for v in ctx.attr.target_pythons:
        if not v.startswith("3.") or not v[2:].isdigit():
            _fail(ctx, "target_pythons", "target_pythons lists '%s'; name Python minors like \"3.11\"." % v)
    for p in ctx.attr.target_platforms:
        if not p or not all([c.isalnum() or c == "_" for c in p.elems()]) or p != p.lower():
            _fail(ctx, "target_platforms", "target_platforms lists '%s'; name platform tags like \"manylinux_2_28_x86_64\" or \"macosx_11_0_arm64\"." % p)
    main_path, main_module, entry_point = _entry(ctx, default_entry_point)

    kind = "python_binary" if test == None else "python_test"
    fragment = None
    if ctx.files.srcs:
        fragment = emit_fragment(ctx, ctx.label, ctx.files.srcs, ctx.actions.declare_file("_par/%s.srcs.parf" % ctx.label.name))
    info = collect_python_info(ctx, ctx.files.srcs, ctx.attr.deps + extra_deps, ctx.files.data, ctx.attr.imports, kind, fragment = fragment)
    runtime = python_runtime(ctx)
    header = {
        "label": str(ctx.label),
        "main": main_path,
        "main_module": main_module,
        "entry_point": entry_point,
        "script": getattr(ctx.attr, "script", "") or None,
        "python": ctx.attr.python,
        "compression": ctx.attr.compression,
        "compression_level": ctx.attr.compression_level,
        "compile": ctx.attr.compile,
        "sources": ctx.attr.sources,
        "layout": ctx.attr.layout,
        "shebang": ctx.attr.shebang,
        "imports_check": ctx.attr.imports_check,
        "local_copy": ctx.attr.local_copy,
        "allow_shadowed_modules": ctx.attr.allow_shadowed_modules,
        "target_pythons": ctx.attr.target_pythons,
        "target_platforms": ctx.attr.target_platforms,
        "build_python": {"version": runtime.version, "cache_tag": runtime.cache_tag},
    }
    if test:
        header["test"] = test
    manifest = ctx.actions.declare_file("_par/%s.manifest.jsonl" % ctx.label.name)
    bootstrap = [ctx.file._launcher, ctx.file._bootstrap_fragment]
    owners = closure_owners(ctx)
    write_manifest(ctx, manifest, header, info, ctx.file._launcher, ctx.file._bootstrap_fragment, owners)

    body = ctx.actions.declare_file("_par/%s.unstamped" % ctx.label.name)
    validations = imports_validation(ctx, info, owners)
    emit_pack(ctx, manifest, body, info, bootstrap, validations)

    executable = ctx.actions.declare_file(ctx.label.name)
    if is_stamping(ctx):
        emit_stamp(ctx, body, executable)
    else:
        # The unstamped body is the archive; a symlink keeps the pack action's cache key
        # independent of --stamp.
        ctx.actions.symlink(output = executable, target_file = body, is_executable = True)

    build_info = ctx.actions.declare_file("_par/%s.build_info.json" % ctx.label.name)
    emit_build_info(ctx, executable, build_info)

    return struct(executable = executable, info = info, providers = [
        info,
        OutputGroupInfo(par_manifest = depset([manifest]), par_build_info = depset([build_info]), _validation = validations),
    ])

def _python_binary_impl(ctx):
    archive = build_archive(ctx)
    return archive.providers + [DefaultInfo(executable = archive.executable, files = depset([archive.executable]))]

# Shared with python_test (test.bzl), which adds its own.
BINARY_ATTRS = {
    "main": attr.label(allow_single_file = [".py"], doc = "Script in srcs run as __main__."),
    "entry_point": attr.string(doc = "'pkg.module:function' to call instead of main (console_scripts form)."),
    "srcs": attr.label_list(allow_files = [".py"]),
    "deps": attr.label_list(providers = DEP_PROVIDERS, aspects = [par_imports_aspect]),
    "data": attr.label_list(allow_files = True),
    "imports": attr.string_list(doc = "Extra import roots, relative to this package."),
    "python": attr.string(default = ">=3.8", doc = "PEP 440 specifier the launching interpreter must satisfy."),
    "target_platforms": attr.string_list(doc = "Platform tags (\"manylinux_2_28_x86_64\", \"macosx_11_0_arm64\") the archive is built for, whatever the build host: each needs a fitting build of every bundled wheel (builds for none of them are left out), and Requires-Dist markers are evaluated for them. Default: Linux, checked at launch."),
    "target_pythons": attr.string_list(doc = "Python minors (\"3.8\", ...) the archive must run on: the build fails when one that `python` admits has no fitting build of a bundled wheel, naming the wheel and the missing tag."),
    "compression": attr.string(default = "deflate", values = _COMPRESSIONS, doc = "'deflate' or 'stored'."),
    "compression_level": attr.int(default = 6, doc = "zlib level 1-9 for what the packager deflates (1: fastest, ~15% bigger; wheels are copied as they are)."),
    "compile": attr.bool(default = True, doc = "Ship .pyc compiled by the toolchain interpreter."),
    "sources": attr.bool(default = True, doc = "False: ship the program's own modules as bytecode only (needs compile = True and layout = 'zip'): a smaller archive; tracebacks then show no source lines."),
    "layout": attr.string(default = "zip", values = _LAYOUTS, doc = "'zip': import from the archive; 'extract': unpack once and run from disk."),
    "stamp": attr.int(default = -1, doc = "-1 follow --stamp, 0 never, 1 always."),
    "shebang": attr.string(default = "#!/usr/bin/env python3", doc = "Names the preferred interpreter; the launcher falls back to compatible ones."),
    "imports_check": attr.string(default = "error", values = _IMPORTS_CHECKS, doc = "'error', 'warn' or 'off': first-party imports must resolve."),
    "allow_shadowed_modules": attr.string_list(doc = "Modules (and their submodules) that two providers may both give, the first on sys.path winning: a deliberate override such as a patched copy of a wheel's package. Any other module provided twice fails the build (whatever imports_check says), naming both targets and files."),
    "imports_ignore": attr.string_list(doc = "Modules (and their submodules) imports_check accepts although nothing provides them, e.g. optional features' third-party imports."),
    "_stdlib_modules": attr.label(default = Label("//rules/private:stdlib_modules"), allow_single_file = True),
    "_module_index": attr.label(default = Label("//:module_index"), allow_files = True),
    "local_copy": attr.bool(default = False, doc = "Always run from a local copy in the cache (as PAR_LOCAL_COPY=1), e.g. for archives kept on network storage."),
    "_launcher": attr.label(default = Label("//src/bootstrap:launcher.sh"), allow_single_file = True),
    "_bootstrap_fragment": attr.label(default = Label("//src/bootstrap:fragment"), allow_single_file = True),
    "_packager": attr.label(default = Label("//rules/private/tools:par.js"), allow_single_file = True, cfg = "exec"),
    "_compile_pyc": attr.label(default = Label("//rules/private/tools:compile_pyc.py"), allow_single_file = True, cfg = "exec"),
    "_stamp_setting": attr.label(default = Label("//rules/private:stamp_detect")),
}

python_binary = rule(
    implementation = _python_binary_impl,
    executable = True,
    doc = "A launchable single-file archive of a Python program: bazel-bin/<package>/<name>.",
    attrs = dict(BINARY_ATTRS, script = attr.string(doc = "A console_scripts name of a wheel in deps (its entry_points.txt) to run, instead of main or entry_point; the build fails listing the scripts the wheels have when none is called so.")),
    toolchains = [PYTHON_TOOLCHAIN_TYPE, NODE_TOOLCHAIN_TYPE],
)
