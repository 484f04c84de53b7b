"""The pytest runner of python_test: pytest from the test's closure collects the test files.

pytest collects files from disk (paths, assertion rewriting), so the test files are taken
from the working directory, Bazel's runfiles root, where python_test puts them; run by hand
elsewhere, they are copied out of the archive into a temporary directory. Their imports
resolve through the archive's sys.path like any other code of the test, and
--import-mode=importlib keeps the runfiles root off sys.path.
"""

import os
import sys

from __par__ import _messages, _testrunner

_NO_TESTS_COLLECTED = 5  # pytest.ExitCode.NO_TESTS_COLLECTED


def run(label, config, argv, shard, only, env):
    try:
        import pytest
    except ImportError:
        raise SystemExit(_messages.no_pytest(label))

    root = _test_root(label, config["files"], env)
    args = [
        "--rootdir=" + root,
        "-p", "no:cacheprovider",  # it writes .pytest_cache into the read-only runfiles
        "--import-mode=importlib",
        "-o", "junit_suite_name=" + label,
    ]
    tmp = env.get("TEST_TMPDIR")
    if tmp:
        args.append("--basetemp=" + os.path.join(tmp, "pytest"))
    if env.get("XML_OUTPUT_FILE"):
        args.append("--junitxml=" + env["XML_OUTPUT_FILE"])
    node_ids = []
    if only:
        # A node id (pkg/test_x.py::test_y) selects; anything else is a -k expression.
        if "::" in only:
            node_ids = [os.path.join(root, n) for n in only.split(",") if n]
        else:
            args += ["-k", only]
    _import_parents(config["modules"])
    # Assertion rewriting would write __pycache__ beside the runfiles' test files.
    sys.dont_write_bytecode = True
    selected = node_ids or [os.path.join(root, f) for f in config["files"]]
    count, sharder = _plugins(pytest, shard)
    code = pytest.main(args + list(argv) + selected, plugins=[count, sharder])
    if code == _NO_TESTS_COLLECTED:
        if count.collected and (shard or only):
            where = "shard %d of %d" % (shard[0] + 1, shard[1]) if shard else ""
            if only:
                why = "--test_filter %s matched none of %d tests" % (only, count.collected) + (" in " + where if where else "")
            else:
                why = "%s got none of the %d tests" % (where, count.collected)
            sys.stderr.write(_messages.nothing_selected(label, why) + "\n")
            return 0
        sys.stderr.write(_messages.no_tests(label, "pytest", config["files"]) + "\n")
    return int(code)


def _import_parents(modules):
    """Imports the packages above each test module from the archive. pytest names a test file
    it cannot place on sys.path by its path below the rootdir (pkg/tests/test_x.py is
    pkg.tests.test_x) and makes the missing parents from the runfiles' folders, which hold
    only the test files: `pkg` would then hide the archive's `pkg` from the test's imports."""
    import importlib

    for module in modules:
        parts = module.split(".")[:-1]
        for n in range(1, len(parts) + 1):
            try:
                importlib.import_module(".".join(parts[:n]))
            except ImportError:
                break


def _plugins(pytest, shard):
    """pytest plugins: one counts the collected items before any deselection (-k), one keeps
    this shard's part of what the filters left (last, so shards share the filtered tests)."""

    class Count(object):
        collected = 0

        @pytest.hookimpl(tryfirst=True)
        def pytest_collection_modifyitems(self, items):
            self.collected = len(items)

    class Shard(object):
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, config, items):
            keep = set(_testrunner.select([i.nodeid for i in items], shard))
            dropped = [it for n, it in enumerate(items) if n not in keep]
            items[:] = [it for n, it in enumerate(items) if n in keep]
            if dropped:
                config.hook.pytest_deselected(items=dropped)

    return Count(), Shard()


def _test_root(label, files, env):
    """A directory holding the test files at their archive paths."""
    cwd = os.getcwd()
    if all(os.path.isfile(os.path.join(cwd, f)) for f in files):
        return cwd
    import tempfile
    import zipfile

    import __par__

    root = tempfile.mkdtemp(prefix="par-pytest-", dir=env.get("TEST_TMPDIR") or None)
    with zipfile.ZipFile(__par__.archive) as z:
        names = set(z.namelist())
        for f in files:
            if f not in names:
                raise SystemExit(_messages.test_file_missing(label, f))
            z.extract(f, root)
    return root
