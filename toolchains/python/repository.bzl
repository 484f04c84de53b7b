"""par_python_configure: finds the build-time Python and declares it as a toolchain."""

load("//toolchains:find_tool.bzl", "find_tool", "label_text")

# One line per fact, so the output is trivial to parse and needs no json on old Pythons.
_PROBE = "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3]); print(sys.implementation.cache_tag)"

def _impl(rctx):
    if rctx.attr.interpreter_target:
        # A hermetic interpreter: a file of another repository (new_local_repository,
        # http_archive of a standalone build). Actions run it by label, with `files` as inputs,
        # so nothing is looked up on the host; the probe below only reads its version.
        found, how = rctx.path(rctx.attr.interpreter_target), "interpreter_target"
    else:
        found, how = find_tool(rctx, "Python interpreter", rctx.attr.interpreter, "PAR_PYTHON_BIN", ["python3", "python"])

    # Run it once: resolves version-manager shims to the real executable, and checks it works.
    res = rctx.execute([found, "-S", "-c", _PROBE])
    if res.return_code != 0:
        fail("rules_par: the Python interpreter %s (found via %s) does not run: %s" % (found, how, res.stderr.strip()))
    lines = res.stdout.strip().split("\n")
    if len(lines) != 3:
        fail("rules_par: the Python interpreter %s (found via %s) printed an unexpected probe result: %r" % (found, how, res.stdout))
    real, version, cache_tag = lines[0].strip(), lines[1].strip(), lines[2].strip()
    if rctx.attr.interpreter_target:
        interpreter = label_text(rctx.attr.interpreter_target)
        files = label_text(rctx.attr.files or rctx.attr.interpreter_target)
    else:
        rctx.symlink(real, "python3")
        interpreter, files = "python3", "python3"
    rctx.file("BUILD.bazel", """\
load("@rules_par//toolchains/python:toolchain.bzl", "par_python_toolchain")

package(default_visibility = ["//visibility:public"])

# Found via {how}. Re-detected when PAR_PYTHON_BIN or PATH change.
par_python_toolchain(
    name = "runtime",
    interpreter = "{interpreter}",
    files = ["{files}"],
    version = "{version}",
    cache_tag = "{cache_tag}",
)

toolchain(
    name = "toolchain",
    toolchain = ":runtime",
    toolchain_type = "@rules_par//toolchains/python:toolchain_type",
)
""".format(how = how, interpreter = interpreter, files = files, version = version, cache_tag = cache_tag))

par_python_configure = repository_rule(
    implementation = _impl,
    doc = "Declares the Python 3.8+ interpreter for build actions: `interpreter_target` (hermetic), else `interpreter`, else $PAR_PYTHON_BIN, else python3 on PATH.",
    attrs = {
        "interpreter": attr.string(doc = "Absolute path of the interpreter to use."),
        "interpreter_target": attr.label(
            allow_single_file = True,
            doc = "The interpreter as a file of a repository (e.g. @python_3_12//:bin/python3). Wins over `interpreter` and the environment.",
        ),
        "files": attr.label(doc = "Everything the interpreter_target needs to run (its lib/ tree, shared libraries), e.g. a filegroup; declared as inputs of every action that runs it."),
    },
    environ = ["PAR_PYTHON_BIN", "PATH"],
    local = True,
)
