"""par_python_configure: finds the build-time Python and declares it as a toolchain."""

load("//toolchains:find_tool.bzl", "find_tool")

# One line per fact, so the output is trivial to parse and needs no json on old Pythons.
_PROBE = "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3]); print(sys.implementation.cache_tag)"

def _impl(rctx):
    found, how = find_tool(rctx, "Python interpreter", rctx.attr.interpreter, "PAR_PYTHON_BIN", ["python3", "python"])

    # Run it once: resolves version-manager shims to the real executable, and checks it works.
    res = rctx.execute([found, "-S", "-c", _PROBE])
    if res.return_code != 0:
        fail("rules_par: the Python interpreter %s (found via %s) does not run: %s" % (found, how, res.stderr.strip()))
    lines = res.stdout.strip().split("\n")
    if len(lines) != 3:
        fail("rules_par: the Python interpreter %s (found via %s) printed an unexpected probe result: %r" % (found, how, res.stdout))
    real, version, cache_tag = lines[0].strip(), lines[1].strip(), lines[2].strip()
    rctx.symlink(real, "python3")
    rctx.file("BUILD.bazel", """\
load("@rules_par//toolchains/python:toolchain.bzl", "par_python_toolchain")

package(default_visibility = ["//visibility:public"])

# Found via {how}. Re-detected when PAR_PYTHON_BIN or PATH change.
par_python_toolchain(
    name = "runtime",
    interpreter = "python3",
    version = "{version}",
    cache_tag = "{cache_tag}",
)

toolchain(
    name = "toolchain",
    toolchain = ":runtime",
    toolchain_type = "@rules_par//toolchains/python:toolchain_type",
)
""".format(how = how, version = version, cache_tag = cache_tag))

par_python_configure = repository_rule(
    implementation = _impl,
    doc = "Finds a Python 3.8+ interpreter for build actions: `interpreter`, else $PAR_PYTHON_BIN, else python3 on PATH.",
    attrs = {"interpreter": attr.string(doc = "Absolute path of the interpreter to use.")},
    environ = ["PAR_PYTHON_BIN", "PATH"],
    local = True,
)
