"""Module extensions for bzlmod users (MODULE.bazel); WORKSPACE users call rules/repositories.bzl.

Hermetic runtimes (docs/remote.md), from the root module:

    toolchains = use_extension("@rules_par//rules:extensions.bzl", "toolchains")
    toolchains.hermetic(
        python_interpreter_target = "@python_3_12//:bin/python3",
        python_files = "@python_3_12//:files",
        node_target = "@nodejs//:bin/node",
    )

Third-party wheels from a lock file (docs/wheels.md):

    par = use_extension("@rules_par//rules:extensions.bzl", "par")
    par.wheels(name = "pypi", lock = "//third_party:pylock.toml")
    use_repo(par, "pypi")
"""

load("//toolchains/node:repository.bzl", "par_node_configure")
load("//toolchains/python:repository.bzl", "par_python_configure")
load("//rules/private/pypi:wheels.bzl", "par_wheels")

_hermetic = tag_class(attrs = {
    "python_interpreter_target": attr.label(doc = "The interpreter's executable as a file of a repository."),
    "python_files": attr.label(doc = "Everything that interpreter needs (its lib/ tree, libpython), e.g. a filegroup."),
    "node_target": attr.label(doc = "node as a file of a repository."),
    "node_files": attr.label(doc = "What that node needs besides itself."),
})

def _toolchains_impl(mctx):
    # The root module decides; a library module's choice of runtimes must not leak into its users' builds.
    tags = [t for m in mctx.modules if m.is_root for t in m.tags.hermetic]
    if len(tags) > 1:
        fail("rules_par: toolchains.hermetic(...) is given %d times in the root MODULE.bazel; give it once." % len(tags))
    tag = tags[0] if tags else None
    if tag and tag.python_files and not tag.python_interpreter_target:
        fail("rules_par: toolchains.hermetic(python_files = %s) needs python_interpreter_target, the executable among those files." % tag.python_files)
    if tag and tag.node_files and not tag.node_target:
        fail("rules_par: toolchains.hermetic(node_files = %s) needs node_target, the executable among those files." % tag.node_files)
    par_python_configure(
        name = "par_python",
        interpreter_target = tag.python_interpreter_target if tag else None,
        files = tag.python_files if tag else None,
    )
    par_node_configure(
        name = "par_node",
        node_target = tag.node_target if tag else None,
        files = tag.node_files if tag else None,
    )

toolchains = module_extension(implementation = _toolchains_impl, tag_classes = {"hermetic": _hermetic})

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
