"""python_wheel: a third-party distribution kept in the tree as a .whl file.

The wheel is validated once, at build time, by the `par wheel` action (name, version, tags,
Requires-Dist, every entry against RECORD, and hostile content), and its modules are compiled
once by `par wheel-bytecode` (built when a binary needs them); binaries that depend on it
bundle its files at their install paths by copying the compressed entries as they are, and
that bytecode beside them.
"""

load(":collect.bzl", "DEP_PROVIDERS", "collect_python_info")
load(":providers.bzl", "PythonInfo")
load(":actions.bzl", "emit_wheel_bytecode", "emit_wheel_info")
load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE", "PYTHON_TOOLCHAIN_TYPE")

_REQUIRES_CHECKS = ["error", "warn", "off"]

def _python_wheel_impl(ctx):
    wheel = ctx.file.wheel
    if not wheel.basename.endswith(".whl"):
        fail("python_wheel %s: wheel = %s is not a .whl file. Point it at a wheel (name-version-python-abi-platform.whl)." % (ctx.label, wheel.short_path))
    info_file = ctx.actions.declare_file("_par/%s.wheel.json" % ctx.label.name)
    emit_wheel_info(ctx, wheel, info_file, ctx.attr.requires_check, ctx.attr.zip_safe)
    bytecode = ctx.actions.declare_file("_par/%s.wheel.pyc" % ctx.label.name)
    emit_wheel_bytecode(ctx, wheel, info_file, bytecode)
    deps_info = collect_python_info(ctx, [], ctx.attr.deps, [], [])
    own = struct(label = str(ctx.label), wheel = wheel, info = info_file, bytecode = bytecode)
    info = PythonInfo(
        transitive_sources = deps_info.transitive_sources,
        transitive_data = deps_info.transitive_data,
        import_roots = deps_info.import_roots,
        foreign_import_roots = deps_info.foreign_import_roots,
        transitive_wheels = depset([own], transitive = [deps_info.transitive_wheels]),
        transitive_wheel_files = depset([wheel, info_file], transitive = [deps_info.transitive_wheel_files]),
        transitive_wheel_bytecode = depset([bytecode], transitive = [deps_info.transitive_wheel_bytecode]),
    )
    return [
        info,
        # Building the target runs the validation.
        DefaultInfo(files = depset([info_file])),
    ]

python_wheel = rule(
    implementation = _python_wheel_impl,
    doc = "A third-party distribution from a .whl file in the tree; bundled by every python_binary that depends on it.",
    attrs = {
        "wheel": attr.label(allow_single_file = True, mandatory = True, doc = "The .whl file (e.g. third_party/numpy/numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.whl)."),
        "deps": attr.label_list(providers = DEP_PROVIDERS, doc = "Other python_wheel / python_library targets it needs (its Requires-Dist)."),
        "requires_check": attr.string(default = "error", values = _REQUIRES_CHECKS, doc = "'error', 'warn' or 'off': what a binary does when its closure lacks a distribution this wheel's Requires-Dist names."),
        "zip_safe": attr.bool(default = True, doc = "False: extract the wheel to the cache at launch even though it has no native code (for code that reads its own files by path)."),
        "_packager": attr.label(default = Label("//rules/private/tools:par.js"), allow_single_file = True, cfg = "exec"),
        "_compile_pyc": attr.label(default = Label("//rules/private/tools:compile_pyc.py"), allow_single_file = True, cfg = "exec"),
    },
    toolchains = [NODE_TOOLCHAIN_TYPE, PYTHON_TOOLCHAIN_TYPE],
)
