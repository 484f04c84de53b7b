"""par_stdlib_modules: the standard library's top-level names, for imports_check."""

load(":actions.bzl", "emit_stdlib_modules")
load("//toolchains:toolchain_types.bzl", "PYTHON_TOOLCHAIN_TYPE")

def _par_stdlib_modules_impl(ctx):
    py = ctx.toolchains[PYTHON_TOOLCHAIN_TYPE].par_python
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    emit_stdlib_modules(ctx, py, ctx.file._script, out)
    return [DefaultInfo(files = depset([out]))]

par_stdlib_modules = rule(
    implementation = _par_stdlib_modules_impl,
    doc = "The toolchain interpreter's standard-library top-level names, one per line.",
    attrs = {"_script": attr.label(default = Label("//rules/private/tools:stdlib_modules.py"), allow_single_file = True)},
    toolchains = [PYTHON_TOOLCHAIN_TYPE],
)
