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

def rules_par_register_toolchains(python_interpreter = "", node = ""):
    """Detects the build-time Python and Node.js and registers them as toolchains.

    Args:
      python_interpreter: absolute path of a Python 3.8+ for build actions (default: $PAR_PYTHON_BIN, then PATH).
      node: absolute path of node (default: $PAR_NODE_BIN, then PATH).
    """
    if not native.existing_rule("par_python"):
        par_python_configure(name = "par_python", interpreter = python_interpreter)
    if not native.existing_rule("par_node"):
        par_node_configure(name = "par_node", node = node)
    native.register_toolchains("@par_python//:toolchain", "@par_node//:toolchain")

# Third-party wheels from a lock file: par_wheels(name = "pypi", lock = "//third_party:pylock.toml").
par_wheels = _par_wheels
