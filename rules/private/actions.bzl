"""emit_* functions: each registers one Node action of the packager bundle."""

load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE", "PYTHON_TOOLCHAIN_TYPE")

def _node(ctx):
    return ctx.toolchains[NODE_TOOLCHAIN_TYPE].par_node.node

def python_runtime(ctx):
    return ctx.toolchains[PYTHON_TOOLCHAIN_TYPE].par_python

def emit_pack(ctx, manifest, output, info, bootstrap_files):
    """Packs the archive body: launcher, zip of bootstrap + sources + data + wheels, bytecode."""
    py = python_runtime(ctx)
    args = ctx.actions.args()
    args.add(ctx.file._packager)
    args.add("pack")
    args.add("--manifest", manifest)
    args.add("--out", output)
    args.add("--python", py.interpreter)
    args.add("--compiler", ctx.file._compile_pyc)
    ctx.actions.run(
        executable = _node(ctx),
        arguments = [args],
        inputs = depset(
            [manifest, ctx.file._packager, ctx.file._compile_pyc, py.interpreter] + bootstrap_files,
            transitive = [
                info.transitive_sources,
                info.transitive_data,
                info.transitive_wheel_files,
            ],
        ),
        outputs = [output],
        mnemonic = "ParPack",
        progress_message = "Packaging Python archive %s" % ctx.label,
    )

def emit_stamp(ctx, body, output):
    """Adds the build stamp to a packed body: bytes copied, one entry appended, nothing recompressed."""
    args = ctx.actions.args()
    args.add(ctx.file._packager)
    args.add("stamp")
    args.add("--in", body)
    args.add("--out", output)
    args.add("--label", str(ctx.label))
    args.add("--stable-status", ctx.info_file)
    args.add("--volatile-status", ctx.version_file)
    ctx.actions.run(
        executable = _node(ctx),
        arguments = [args],
        inputs = [body, ctx.file._packager, ctx.info_file, ctx.version_file],
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
        inputs = [archive, ctx.file._packager],
        outputs = [output],
        mnemonic = "ParBuildInfo",
        progress_message = "Reading build info of %s" % ctx.label,
    )
