"""python_library: a set of Python sources with their deps, data and import roots."""

load(":actions.bzl", "emit_fragment")
load(":collect.bzl", "DEP_PROVIDERS", "collect_python_info")
load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE", "PYTHON_TOOLCHAIN_TYPE")

def _python_library_impl(ctx):
    # Compiled and deflated once here, spliced as is by every binary that contains it.
    fragment = None
    if ctx.files.srcs:
        fragment = emit_fragment(ctx, ctx.label, ctx.files.srcs, ctx.actions.declare_file("_par/%s.parf" % ctx.label.name))
    info = collect_python_info(ctx, ctx.files.srcs, ctx.attr.deps, ctx.files.data, ctx.attr.imports, fragment = fragment)
    files = depset(ctx.files.srcs)
    return [
        info,
        DefaultInfo(
            files = files,
            runfiles = ctx.runfiles(transitive_files = depset(transitive = [info.transitive_sources, info.transitive_data])),
        ),
        # `bazel coverage`: these sources are measured when --instrumentation_filter matches.
        coverage_common.instrumented_files_info(ctx, source_attributes = ["srcs"], dependency_attributes = ["deps"], extensions = ["py"]),
    ]

python_library = rule(
    implementation = _python_library_impl,
    doc = "Python sources importable by their repository-relative path (//a/b:c with x.py is `import a.b.x`).",
    attrs = {
        "srcs": attr.label_list(allow_files = [".py"], doc = "Python sources."),
        "deps": attr.label_list(providers = DEP_PROVIDERS, doc = "python_library, python_wheel, or PyInfo targets."),
        "data": attr.label_list(allow_files = True, doc = "Files shipped beside the sources, readable with importlib.resources."),
        "imports": attr.string_list(doc = "Extra import roots, relative to this package."),
        "_packager": attr.label(default = Label("//rules/private/tools:par.js"), allow_single_file = True, cfg = "exec"),
        "_compile_pyc": attr.label(default = Label("//rules/private/tools:compile_pyc.py"), allow_single_file = True, cfg = "exec"),
    },
    toolchains = [PYTHON_TOOLCHAIN_TYPE, NODE_TOOLCHAIN_TYPE],
)
