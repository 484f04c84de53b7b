"""Module extensions for bzlmod users (MODULE.bazel); WORKSPACE users call rules/repositories.bzl.

    par = use_extension("@rules_par//rules:extensions.bzl", "par")
    par.wheels(name = "pypi", lock = "//third_party:pylock.toml")
    use_repo(par, "pypi")
"""

load("//toolchains/node:repository.bzl", "par_node_configure")
load("//toolchains/python:repository.bzl", "par_python_configure")
load("//rules/private/pypi:wheels.bzl", "par_wheels")

def _toolchains_impl(_mctx):
    par_python_configure(name = "par_python")
    par_node_configure(name = "par_node")

toolchains = module_extension(implementation = _toolchains_impl)

_wheels = tag_class(
    doc = "One hub repository @NAME//<dist> of python_wheel targets from a lock file (see par_wheels in rules/repositories.bzl).",
    attrs = {
        "name": attr.string(mandatory = True, doc = "The hub's name, e.g. 'pypi' (then use_repo(par, \"pypi\"))."),
        "lock": attr.label(mandatory = True, doc = "pylock.toml (PEP 751), or a requirements file pinned with == and --hash=sha256:."),
        "index_url": attr.string(doc = "Simple API for a requirements file."),
        "platforms": attr.string_list(doc = "Platform tags to keep wheels for besides 'any'."),
        "python_versions": attr.string_list(doc = "Python minors to keep wheels for."),
    },
)

def _par_impl(mctx):
    declared = {}
    for mod in mctx.modules:
        for w in mod.tags.wheels:
            if w.name in declared:
                fail("par.wheels(name = \"%s\") is declared twice (modules %s and %s); give each lock its own hub name." % (w.name, declared[w.name], mod.name))
            declared[w.name] = mod.name
            par_wheels(
                name = w.name,
                lock = w.lock,
                index_url = w.index_url,
                platforms = w.platforms,
                python_versions = w.python_versions,
                hub_name = w.name,
            )

par = module_extension(implementation = _par_impl, tag_classes = {"wheels": _wheels})
