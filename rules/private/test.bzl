"""python_test: a python_binary archive whose entry point runs the tests under Bazel's test protocol.

The archive is built exactly as python_binary builds one (same closure, hermetic sys.path,
imports check, wheels); only its entry point differs: `main` when given (a hand-written
runner), else __par__._testrunner, which drives unittest or pytest, writes the JUnit XML,
shards, filters and, under `bazel coverage`, writes LCOV (src/bootstrap/__par__/_testrunner.py).
"""

load(":binary.bzl", "BINARY_ATTRS", "build_archive")
load(":paths.bzl", "archive_path", "module_name")
load(":providers.bzl", "PythonInfo")
load("//toolchains:toolchain_types.bzl", "NODE_TOOLCHAIN_TYPE", "PYTHON_TOOLCHAIN_TYPE")

_RUNNERS = ["auto", "pytest", "unittest"]
_RUNNER_ENTRY_POINT = "__par__._testrunner:main"
COVERAGE_TOOL_FLAG = "@rules_par//rules:coverage_tool"

def _coverage_deps(ctx):
    """The coverage tool's target under `bazel coverage`, else nothing."""
    if not ctx.configuration.coverage_enabled:
        return []
    tool = ctx.attr._coverage_tool
    if PythonInfo not in tool:
        if tool.label.name == "no_coverage_tool":
            problem = "no coverage tool is set"
        else:
            problem = "%s names %s, which is no python_wheel or python_library" % (COVERAGE_TOOL_FLAG, tool.label)
        fail(("python_test %s: `bazel coverage` needs coverage.py, and %s. Add a python_wheel of " +
              "coverage (e.g. @pypi//coverage) and point %s at it, e.g. in .bazelrc:\n" +
              "    coverage --%s=//third_party:coverage\nSee docs/testing.md.") %
             (ctx.label, problem, COVERAGE_TOOL_FLAG, COVERAGE_TOOL_FLAG))
    return [tool]

def _python_test_impl(ctx):
    if ctx.attr.runner not in _RUNNERS:
        fail("python_test %s: runner = '%s' is not one of 'auto', 'pytest', 'unittest'." % (ctx.label, ctx.attr.runner))
    if not ctx.files.srcs:
        fail("python_test %s: srcs is empty. List the test files (test_*.py or *_test.py) in srcs." % ctx.label)
    coverage_deps = _coverage_deps(ctx)
    paths = [archive_path(f) for f in ctx.files.srcs]
    test = {
        "runner": ctx.attr.runner,
        "files": paths,
        "modules": [module_name(p) for p in paths],
        "coverage": bool(coverage_deps),
    }
    archive = build_archive(ctx, default_entry_point = _RUNNER_ENTRY_POINT, test = test, extra_deps = coverage_deps)
    info = archive.info

    # The archive is self-contained; runfiles add what tests read by path from their working
    # directory (the runfiles root): data files, and the sources, because pytest collects the
    # test files and their conftest.py files from disk and coverage.py reads what it measured.
    runfiles = ctx.runfiles(transitive_files = depset(ctx.files.srcs, transitive = [info.transitive_sources, info.transitive_data]))
    env = {k: ctx.expand_location(v, ctx.attr.data) for k, v in ctx.attr.env.items()}
    return archive.providers + [
        DefaultInfo(executable = archive.executable, files = depset([archive.executable]), runfiles = runfiles),
        coverage_common.instrumented_files_info(ctx, source_attributes = ["srcs"], dependency_attributes = ["deps"], extensions = ["py"]),
        testing.TestEnvironment(env),
    ]

python_test = rule(
    implementation = _python_test_impl,
    test = True,
    doc = "A test run from a python_binary-style archive: unittest or pytest under Bazel's test protocol, LCOV under `bazel coverage`.",
    attrs = dict(BINARY_ATTRS, **{
        "main": attr.label(allow_single_file = [".py"], doc = "Optional: a file in srcs run as __main__ (a hand-written runner) instead of the built-in one."),
        "runner": attr.string(default = "auto", doc = "'auto' (pytest when a pytest distribution is in the closure, else unittest), 'pytest' or 'unittest'."),
        "env": attr.string_dict(doc = "Environment of the test under `bazel test` ($(location) expanded against data)."),
        "_coverage_tool": attr.label(default = COVERAGE_TOOL_FLAG),
        # collect_coverage.sh runs this after the test (LCOV_MERGER); the runner already
        # wrote LCOV, so it only has to keep it (tools/lcov_merger.sh). A label of our own
        # rather than --coverage_output_generator, whose default is downloaded.
        "_lcov_merger": attr.label(default = "@rules_par//rules/private/tools:lcov_merger.sh", allow_single_file = True, executable = True, cfg = "exec"),
    }),
    toolchains = [PYTHON_TOOLCHAIN_TYPE, NODE_TOOLCHAIN_TYPE],
)
