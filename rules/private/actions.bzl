"""emit_* functions: each registers one Node action of the packager bundle."""

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
    """Packs the archive body: launcher, zip of bootstrap + sources + data + wheels, bytecode.

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
                info.transitive_sources,
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
