"""par_fragment: a fragment of files that land under a package's directory, not their repository path.

The bootstrap (src/bootstrap/) is compiled once into a fragment like any python_library, but its
files land at the archive root (__main__.py, __par__/...): their paths are taken relative to the
rule's package.
"""

load(":actions.bzl", "emit_fragment")
load(":paths.bzl", "archive_path")
load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE", "PYTHON_TOOLCHAIN_TYPE")

def _par_fragment_impl(ctx):
    prefix = ctx.label.package + "/" if ctx.label.package else ""
    paths = []
    for f in ctx.files.srcs:
        p = archive_path(f)
        if not p.startswith(prefix):
            fail("par_fragment %s: %s is not under the package %s." % (ctx.label, f.short_path, ctx.label.package))
        paths.append("%s\t%s" % (p[len(prefix):], f.path))
    out = ctx.actions.declare_file("_par/%s.parf" % ctx.label.name)
    emit_fragment(ctx, ctx.label, ctx.files.srcs, out, paths = paths)
    return [DefaultInfo(files = depset([out]))]

par_fragment = rule(
    implementation = _par_fragment_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".py"]),
        "_packager": attr.label(default = Label("//rules/private/tools:par.js"), allow_single_file = True, cfg = "exec"),
        "_compile_pyc": attr.label(default = Label("//rules/private/tools:compile_pyc.py"), allow_single_file = True, cfg = "exec"),
    },
    toolchains = [PYTHON_TOOLCHAIN_TYPE, NODE_TOOLCHAIN_TYPE],
)
