"""WORKSPACE entry points for users of rules_par.

    load("@rules_par//rules:repositories.bzl", "rules_par_dependencies", "rules_par_register_toolchains")
    rules_par_dependencies()
    rules_par_register_toolchains()
"""

load("//toolchains/node:repository.bzl", "par_node_configure")
load("//toolchains/python:repository.bzl", "par_python_configure")
load("//rules/private/pypi:wheels.bzl", _par_wheels = "par_wheels")

def rules_par_dependencies():
    """rules_par needs no external repositories: the packager bundle is checked in."""
    pass

def rules_par_register_toolchains(
        python_interpreter = "",
        node = "",
        python_interpreter_target = None,
        python_files = None,
        node_target = None,
        node_files = None):
    """Detects the build-time Python and Node.js (or takes hermetic ones) and registers them as toolchains.

    Hermetic runtimes (docs/remote.md) are files of repositories, e.g. a new_local_repository
    or an http_archive of a standalone interpreter: every action that runs one declares
    its files as inputs, so a remote executor receives them with the input tree.

    Args:
      python_interpreter: absolute path of a Python 3.8+ for build actions (default: $PAR_PYTHON_BIN, then PATH).
      node: absolute path of node (default: $PAR_NODE_BIN, then PATH).
      python_interpreter_target: label of a hermetic interpreter's executable, e.g. "@python_3_12//:bin/python3".
      python_files: label (e.g. a filegroup) of everything that interpreter needs: its lib/ tree, libpython.
      node_target: label of a hermetic node executable.
      node_files: label of what that node needs besides itself (usually nothing: a Node release's bin/node is one file).
    """
    for path_arg, path, target_arg, target, files_arg, files in [
        ("python_interpreter", python_interpreter, "python_interpreter_target", python_interpreter_target, "python_files", python_files),
        ("node", node, "node_target", node_target, "node_files", node_files),
    ]:
        if path and target:
            fail("rules_par_register_toolchains: %s = %r is a host path and %s = %r a hermetic runtime; give one of them." % (path_arg, path, target_arg, target))
        if files and not target:
            fail("rules_par_register_toolchains: %s = %r needs %s, the executable among those files; a runtime found on the host takes no files." % (files_arg, files, target_arg))
    if not native.existing_rule("par_python"):
        par_python_configure(
            name = "par_python",
            interpreter = python_interpreter,
            interpreter_target = python_interpreter_target,
            files = python_files,
        )
    if not native.existing_rule("par_node"):
        par_node_configure(name = "par_node", node = node, node_target = node_target, files = node_files)
    native.register_toolchains("@par_python//:toolchain", "@par_node//:toolchain")

# Third-party wheels from a lock file: par_wheels(name = "pypi", lock = "//third_party:pylock.toml").
par_wheels = _par_wheels
