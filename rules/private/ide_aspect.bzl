"""par_ide_aspect: tells editors where the code of a Python target lives.

For every target with PythonInfo along `deps`, writes `<name>.par_ide.json` (output group
`par_ide_info`) from the same PythonInfo the archive is packed from, so the editor sees what
the binary ships. python_wheel targets also unpack their wheel into
bazel-bin/<package>/_par_ide/<name>/ (a build output, never the user's tree), so editors can
index it like a site-packages directory. `par ide` (src/ide/) merges the files.

The JSON is written lazily (Args + map_each), so analysis never flattens a depset. Paths in
it are execution-root relative (File.path): main-repository sources are therefore
workspace-relative, external ones start with `external/<repo>/` and outputs with
`bazel-out/`; both resolve through `$(bazel info execution_root)` (the bazel-<workspace>
symlink). docs/ide.md documents the format.
"""

load(":actions.bzl", "emit_unpack_wheel")
load(":paths.bzl", "archive_path")
load(":providers.bzl", "PythonInfo")
load("//toolchains:toolchain_types.bzl", "PYTHON_TOOLCHAIN_TYPE")

IDE_JSON_VERSION = 1

ParIdeInfo = provider(
    doc = "What par_ide_aspect collected below a target.",
    fields = {
        "json": "depset[File]: the .par_ide.json files of this target and its deps (each lists its deps' in `closure_json`).",
        "wheel_dirs": "depset[struct]: unpacked wheels, each struct(label = str, dir = File (a directory), info = File).",
        "wheel_dir_files": "depset[File]: the `dir` of each wheel_dirs entry, for the output group.",
    },
)

def _path(f):
    return json.encode(f.path)

def _source(f):
    return json.encode({"path": f.path, "archive_path": archive_path(f)})

def _string(s):
    return json.encode(s)

def _wheel(w):
    return json.encode({"label": w.label, "dir": w.dir.path, "info": w.info.path})

def _add_list(args, key, values, map_each):
    # One line `"key": [a,b,...],`: Args joins the depset lazily at execution time.
    args.add_joined(values, join_with = ",", map_each = map_each, format_joined = '"' + key + '": [%s],', omit_if_empty = False)

def _own_wheels(target, ctx):
    """The wheels a python_wheel target itself provides; its PythonInfo also lists its deps'.

    to_list() here runs once per wheel target on a depset of that wheel and its
    requirements, never on a binary's closure.
    """
    if ctx.rule.kind != "python_wheel":
        return []
    label = str(target.label)
    own = [w for w in target[PythonInfo].transitive_wheels.to_list() if str(w.label) == label]
    if len(own) > 1:
        # Several builds (wheels = [...]): editors get one, the toolchain minor's when there is one.
        version = ctx.toolchains[PYTHON_TOOLCHAIN_TYPE].par_python.version.split(".")
        tag = "-cp%s%s-" % (version[0], version[1])
        own = ([w for w in own if tag in w.wheel.basename] + own)[:1]
    return own

def _unpack(ctx, wheel):
    out = ctx.actions.declare_directory("_par_ide/%s" % ctx.label.name)
    emit_unpack_wheel(ctx, ctx.toolchains[PYTHON_TOOLCHAIN_TYPE].par_python, ctx.file._unpack_wheel, wheel.wheel, out)
    return struct(label = str(wheel.label), dir = out, info = wheel.info)

def _par_ide_aspect_impl(target, ctx):
    deps = [d[ParIdeInfo] for d in getattr(ctx.rule.attr, "deps", []) if ParIdeInfo in d]
    if PythonInfo not in target:
        return [ParIdeInfo(
            json = depset(transitive = [d.json for d in deps]),
            wheel_dirs = depset(transitive = [d.wheel_dirs for d in deps]),
            wheel_dir_files = depset(transitive = [d.wheel_dir_files for d in deps]),
        )]
    info = target[PythonInfo]
    own_dirs = [_unpack(ctx, w) for w in _own_wheels(target, ctx)]
    wheel_dirs = depset(own_dirs, transitive = [d.wheel_dirs for d in deps])
    wheel_dir_files = depset([w.dir for w in own_dirs], transitive = [d.wheel_dir_files for d in deps])

    py = ctx.toolchains[PYTHON_TOOLCHAIN_TYPE].par_python
    python = getattr(ctx.rule.attr, "python", None)
    out = ctx.actions.declare_file("%s.par_ide.json" % ctx.label.name)
    args = ctx.actions.args()
    args.set_param_file_format("multiline")
    args.add("{")
    _add_list(args, "sources", depset(getattr(ctx.rule.files, "srcs", [])), _source)
    _add_list(args, "transitive_sources", info.transitive_sources, _path)
    _add_list(args, "import_roots", info.import_roots, _string)
    _add_list(args, "foreign_import_roots", info.foreign_import_roots, _string)
    _add_list(args, "wheels", wheel_dirs, _wheel)
    _add_list(args, "closure_json", depset(transitive = [d.json for d in deps]), _path)
    header = json.encode({
        "version": IDE_JSON_VERSION,
        "label": str(target.label),
        "kind": ctx.rule.kind,
        "repository": target.label.workspace_root,
        "workspace_name": ctx.workspace_name,
        "python": python if type(python) == "string" else None,
        "interpreter": {"version": py.version, "cache_tag": py.cache_tag},
        # The directory holding __par__/__init__.pyi, so editors resolve `import __par__`.
        "stubs": ctx.file._par_stub.dirname.rsplit("/", 1)[0],
    })
    args.add(header[1:])  # the static fields close the object: `"version": 1, ...}`
    ctx.actions.write(out, args)

    json_files = depset([out], transitive = [d.json for d in deps])
    return [
        ParIdeInfo(json = json_files, wheel_dirs = wheel_dirs, wheel_dir_files = wheel_dir_files),
        # The unpacked wheels are built together with the JSON that names them.
        OutputGroupInfo(par_ide_info = depset(transitive = [json_files, wheel_dir_files])),
    ]

par_ide_aspect = aspect(
    implementation = _par_ide_aspect_impl,
    doc = "Writes one JSON per Python target (output group par_ide_info) for editors; see docs/ide.md.",
    attr_aspects = ["deps"],
    attrs = {
        "_unpack_wheel": attr.label(default = Label("//rules/private/tools:unpack_wheel.py"), allow_single_file = True),
        "_par_stub": attr.label(default = Label("//src/bootstrap:stubs/__par__/__init__.pyi"), allow_single_file = True),
    },
    toolchains = [PYTHON_TOOLCHAIN_TYPE],
)
