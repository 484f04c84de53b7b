"""emit_* functions: every action the rules register, one function each."""

load(":paths.bzl", "archive_path")
load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE", "PYTHON_TOOLCHAIN_TYPE")

def _node(ctx):
    return ctx.toolchains[NODE_TOOLCHAIN_TYPE].par_node.node

def python_runtime(ctx):
    return ctx.toolchains[PYTHON_TOOLCHAIN_TYPE].par_python

# The packager runs as a persistent worker (JSON protocol) when the strategy allows it, and
# as one process per action otherwise (--strategy=ParPack=sandboxed, or remote execution).
# A worker's request is a @flagfile, so every per-action argument goes into the param file;
# the startup arguments (the bundle) identify the worker. The bundle, the bytecode compiler
# and the build interpreter are `tools`: Bazel hashes tools into the worker key, so changing
# any of them restarts the worker instead of serving requests with stale code. The runtimes'
# `files` (a hermetic interpreter's tree; just the executable when autodetected) are tools
# too, so a remote executor receives them and nothing is looked up on its host.
_WORKER_REQUIREMENTS = {"supports-workers": "1", "requires-worker-protocol": "json"}

def run_node_worker(ctx, node, packager, verb_args, inputs, tools, outputs, mnemonic, progress_message, python = None):
    """Runs one verb of the packager bundle as a persistent-worker action (one process per action when workers are off).

    python: the ParPythonRuntimeInfo the verb runs, whose files become tools too.
    """
    startup = ctx.actions.args()

    # A young generation of 32 MB instead of V8's default: a pack allocates a few MB of
    # short-lived buffers, and scavenging them was ~10% of a warm worker's pack time.
    startup.add("--max-semi-space-size=32")
    startup.add(packager)
    verb_args.set_param_file_format("multiline")
    verb_args.use_param_file("@%s", use_always = True)
    ctx.actions.run(
        executable = node,
        arguments = [startup, verb_args],
        inputs = inputs,
        tools = depset(
            [packager] + tools,
            transitive = [ctx.toolchains[NODE_TOOLCHAIN_TYPE].par_node.files] + ([python.files] if python else []),
        ),
        outputs = outputs,
        mnemonic = mnemonic,
        progress_message = progress_message,
        execution_requirements = _WORKER_REQUIREMENTS,
    )

def _run_packager(ctx, verb_args, inputs, tools, outputs, mnemonic, progress_message, python = None):
    run_node_worker(ctx, _node(ctx), ctx.file._packager, verb_args, inputs, tools, outputs, mnemonic, progress_message, python)

def emit_pack(ctx, manifest, output, info, bootstrap_files, validations = None):
    """Packs the archive body: launcher, then a zip spliced from fragments + data + wheels.

    Its inputs are fragments, not the sources inside them: a binary is re-packed when a
    fragment's bytes change, and a remote cache ships fragments, not source trees.

    validations: depset[File] that must build first (the imports_check report), because
    Bazel 4.2 runs `_validation` output groups only with --experimental_run_validations.
    """
    py = python_runtime(ctx)
    args = ctx.actions.args()
    args.add("pack")
    args.add("--manifest", manifest)
    args.add("--out", output)
    args.add("--python", py.interpreter)
    args.add("--compiler", ctx.file._compile_pyc)
    _run_packager(
        ctx,
        args,
        inputs = depset(
            [manifest] + bootstrap_files,
            transitive = [
                info.transitive_fragments,
                info.transitive_loose_sources,
                info.transitive_data,
                info.transitive_wheel_files,
                info.transitive_wheel_bytecode,
                validations or depset(),
            ],
        ),
        tools = [ctx.file._compile_pyc],
        outputs = [output],
        mnemonic = "ParPack",
        progress_message = "Packaging Python archive %s" % ctx.label,
        python = py,
    )

def _fragment_src(f):
    return "%s\t%s" % (archive_path(f), f.path)

def emit_fragment(ctx, label, srcs, output, paths = None):
    """Compiles one target's sources once into a fragment: sources and .pyc as ready zip entries.

    Every binary containing the target splices the fragment's entries as they are (ParPack),
    so a library used by a hundred binaries is compiled and deflated once, and editing it
    re-runs this action and the packs, nothing else.
    paths: "archive path<TAB>file" strings when the files do not land at their repository path
    (the bootstrap); else each source's archive_path.
    """
    py = python_runtime(ctx)
    args = ctx.actions.args()
    args.add("fragment")
    args.add("--label", str(label))
    args.add("--python", py.interpreter)
    args.add("--cache-tag", py.cache_tag)
    args.add("--compiler", ctx.file._compile_pyc)
    args.add("--out", output)
    if paths != None:
        args.add_all(paths, before_each = "--src")
    else:
        args.add_all(srcs, map_each = _fragment_src, before_each = "--src")
    _run_packager(
        ctx,
        args,
        inputs = srcs,
        tools = [ctx.file._compile_pyc],
        outputs = [output],
        mnemonic = "ParFragment",
        progress_message = "Compiling Python fragment of %s" % label,
        python = py,
    )
    return output

def emit_stamp(ctx, body, output):
    """Adds the build stamp to a packed body: bytes copied, one entry appended, nothing recompressed."""
    args = ctx.actions.args()
    args.add("stamp")
    args.add("--in", body)
    args.add("--out", output)
    args.add("--label", str(ctx.label))
    args.add("--stable-status", ctx.info_file)
    args.add("--volatile-status", ctx.version_file)
    _run_packager(
        ctx,
        args,
        inputs = [body, ctx.info_file, ctx.version_file],
        tools = [],
        outputs = [output],
        mnemonic = "ParStamp",
        progress_message = "Stamping Python archive %s" % ctx.label,
    )

def emit_build_info(ctx, archive, output):
    """Writes the archive's build info as JSON (output group par_build_info; built only on request)."""
    args = ctx.actions.args()
    args.add(ctx.file._packager)
    args.add("build-info")
    args.add("--archive", archive)
    args.add("--out", output)
    ctx.actions.run(
        executable = _node(ctx),
        arguments = [args],
        inputs = depset([archive, ctx.file._packager], transitive = [ctx.toolchains[NODE_TOOLCHAIN_TYPE].par_node.files]),
        outputs = [output],
        mnemonic = "ParBuildInfo",
        progress_message = "Reading build info of %s" % ctx.label,
    )

def emit_wheel_info(ctx, wheel, output, requires_check, zip_safe):
    """Validates a .whl (tags, metadata, RECORD hashes, hostile entries) and describes it as JSON."""
    args = ctx.actions.args()
    args.add("wheel")
    args.add("--wheel", wheel)
    args.add("--label", str(ctx.label))
    args.add("--out", output)
    args.add("--requires-check", requires_check)
    if not zip_safe:
        args.add("--not-zip-safe")
    _run_packager(
        ctx,
        args,
        inputs = [wheel],
        tools = [],
        outputs = [output],
        mnemonic = "ParWheel",
        progress_message = "Checking wheel %s" % ctx.label,
    )

def emit_wheel_bytecode(ctx, wheel, info, output, variant = False):
    """Compiles a wheel's modules once with the toolchain interpreter, for every binary that bundles it.

    variant: one of several builds of the target (wheels = [...]), bundled under its own directory.
    """
    py = python_runtime(ctx)
    args = ctx.actions.args()
    args.add("wheel-bytecode")
    args.add("--wheel", wheel)
    args.add("--info", info)
    args.add("--label", str(ctx.label))
    args.add("--python", py.interpreter)
    args.add("--python-version", py.version)
    args.add("--cache-tag", py.cache_tag)
    args.add("--compiler", ctx.file._compile_pyc)
    args.add("--out", output)
    if variant:
        args.add("--variant")
    _run_packager(
        ctx,
        args,
        inputs = [wheel, info],
        tools = [ctx.file._compile_pyc],
        outputs = [output],
        mnemonic = "ParWheelBytecode",
        progress_message = "Compiling wheel %s" % ctx.label,
        python = py,
    )

def emit_wheel_deflate(ctx, wheel, output):
    """Recompresses a wheel's deflate streams at level 9 once (deflate_wheel.py), for every
    binary that bundles it to copy raw: numpy's 16.9 MB wheel -119 KB for ~6 s of CPU."""
    py = python_runtime(ctx)
    ctx.actions.run(
        executable = py.interpreter,
        arguments = ["-S", "-B", ctx.file._deflate_wheel.path, wheel.path, output.path],
        inputs = [wheel, ctx.file._deflate_wheel],
        tools = py.files,
        outputs = [output],
        mnemonic = "ParWheelDeflate",
        progress_message = "Recompressing wheel %s" % ctx.label,
    )

# imports_check (imports_check.bzl wires these into the aspect and the binary).

def _src(f):
    return "src\t%s\t%s" % (f.path, archive_path(f))

def _closure(f):
    return "closure\t" + archive_path(f)

def _native_closure(f):
    # Extension modules shipped as data (a compiled _speedups.cpython-311-x86_64-linux-gnu.so)
    # provide a module too; other data files do not.
    return "closure\t" + archive_path(f) if f.extension in ("so", "pyd") else None

def _root(r):
    return "root\t" + r

def _foreign_root(r):
    # PyInfo spells roots 'repo/path'; sources of every repository share one archive tree.
    return "root\t" + (r.split("/", 1)[1] if "/" in r else "")

def _wheel(w):
    return "wheel\t%s\t%s" % (w.info.path, w.label)

def _result(f):
    return "result\t" + f.path

def emit_imports_check(ctx, label, srcs, info, stdlib, node, packager, out_name):
    """Registers ParImportsCheck for `srcs` against `info` (their target's PythonInfo); returns the result File."""
    request = ctx.actions.declare_file(out_name + ".imports_request")
    args = ctx.actions.args()
    args.set_param_file_format("multiline")
    args.add("label\t" + str(label))
    args.add("stdlib\t" + stdlib.path)
    args.add_all(srcs, map_each = _src)
    args.add_all(info.transitive_sources, map_each = _closure)
    args.add_all(info.transitive_data, map_each = _native_closure)
    args.add_all(info.import_roots, map_each = _root)
    args.add_all(info.foreign_import_roots, map_each = _foreign_root)
    args.add_all(info.transitive_wheels, map_each = _wheel)
    ctx.actions.write(request, args)
    result = ctx.actions.declare_file(out_name + ".imports.json")
    run_args = ctx.actions.args()
    run_args.add("imports-check")
    run_args.add("--request", request)
    run_args.add("--out", result)

    # A persistent worker like ParPack: a monorepo has one check per library, and a Node
    # start-up each (~50 ms of bundle loading) dominated full builds of bench/scale.
    run_node_worker(
        ctx,
        node,
        packager,
        run_args,
        # The closure is described by paths in the request; its contents are no input, so
        # editing one file re-checks only the library that owns it.
        inputs = depset([request, stdlib] + srcs, transitive = [info.transitive_wheel_files]),
        tools = [],
        outputs = [result],
        mnemonic = "ParImportsCheck",
        progress_message = "Checking imports of %s" % label,
    )
    return result

def emit_imports_report(ctx, info, results, owner_lines, node, index = None):
    """Registers ParImportsReport of a binary over its closure's check `results`; returns the report File.

    owner_lines: depset[str] 'archive_path<TAB>label' of every library source, for suggestions.
    index: the workspace's module index File (@rules_par//:module_index), or None.
    """
    request = ctx.actions.declare_file("_par/%s.imports_report_request" % ctx.label.name)
    args = ctx.actions.args()
    args.set_param_file_format("multiline")
    args.add("label\t" + str(ctx.label))
    args.add("mode\t" + ctx.attr.imports_check)
    args.add_all(ctx.attr.imports_ignore, format_each = "ignore\t%s")
    args.add_all(info.import_roots, map_each = _root)
    args.add_all(info.foreign_import_roots, map_each = _foreign_root)
    args.add_all(owner_lines, format_each = "owner\t%s")
    args.add_all(results, map_each = _result)
    if index:
        args.add("index\t%s\t%s" % (index.path, index.owner))
    ctx.actions.write(request, args)

    report = ctx.actions.declare_file("_par/%s.imports_report" % ctx.label.name)
    run_args = ctx.actions.args()
    run_args.add("imports-report")
    run_args.add("--request", request)
    run_args.add("--out", report)

    # A worker too: one per binary, and a Node start-up each was ~0.27 s of bench/scale's
    # full build per binary (100 binaries: 27 s of 46 s summed action time).
    run_node_worker(
        ctx,
        node,
        ctx.file._packager,
        run_args,
        inputs = depset([request] + ([index] if index else []), transitive = [results]),
        tools = [],
        outputs = [report],
        mnemonic = "ParImportsReport",
        progress_message = "Reporting unresolved imports of %s" % ctx.label,
    )
    return report

def emit_stdlib_modules(ctx, py, script, out):
    """Lists the standard library's top-level names of the toolchain interpreter `py` into `out`."""
    ctx.actions.run(
        executable = py.interpreter,
        arguments = ["-S", "-B", script.path, out.path],
        inputs = [script],
        tools = py.files,
        outputs = [out],
        mnemonic = "ParStdlibModules",
        progress_message = "Listing the standard library of Python %s" % py.version,
    )

def emit_unpack_wheel(ctx, py, script, wheel, out):
    """Unpacks the .whl `wheel` into the directory `out` for editors (par_ide_aspect)."""
    ctx.actions.run(
        executable = py.interpreter,
        arguments = ["-S", "-B", script.path, wheel.path, out.path],
        inputs = [wheel, script],
        tools = py.files,
        outputs = [out],
        mnemonic = "ParIdeUnpackWheel",
        progress_message = "Unpacking wheel of %s for editors" % ctx.label,
    )
