"""python_library: a set of Python sources with their deps, data and import roots."""

load(":collect.bzl", "DEP_PROVIDERS", "collect_python_info")

def _python_library_impl(ctx):
    info = collect_python_info(ctx, ctx.files.srcs, ctx.attr.deps, ctx.files.data, ctx.attr.imports)
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
    },
)
