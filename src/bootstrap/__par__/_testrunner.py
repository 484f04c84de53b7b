"""python_test's entry point: runs the test's srcs under Bazel's test protocol.

- exit status 0 only when every selected test passed;
- JUnit XML at $XML_OUTPUT_FILE, one <testcase> per test (written here for unittest,
  by pytest's --junitxml for pytest);
- sharding: $TEST_TOTAL_SHARDS/$TEST_SHARD_INDEX; $TEST_SHARD_STATUS_FILE is touched to say
  this runner shards. Tests are sorted by id and dealt round-robin, so every shard, having
  collected the same tests, keeps a disjoint part and together they run each exactly once;
- --test_filter ($TESTBRIDGE_TEST_ONLY) and --test_arg (sys.argv) for both runners;
- `bazel coverage` ($COVERAGE_OUTPUT_FILE): LCOV from coverage.py (bundled in coverage
  builds only) with repository-relative paths (_coverage.py).

Only python_test archives run this module, so its imports cost nothing elsewhere; it uses
the standard library only (pytest and coverage come from the test's own closure).
"""

import os
import sys

RUNNERS = ("pytest", "unittest")


def main():
    from __par__ import _manifest

    config = _manifest.DATA["test"]
    label = _manifest.DATA["label"]
    env = os.environ
    if env.get("TEST_TMPDIR") and not env.get("HOME"):
        env["HOME"] = env["TEST_TMPDIR"]  # test-setup.sh does the same; also when run by hand
    shard = _shard(env)
    only = env.get("TESTBRIDGE_TEST_ONLY") or None
    coverage = None
    if env.get("COVERAGE_OUTPUT_FILE"):
        from __par__ import _coverage

        coverage = _coverage.start(label, config, env)  # before any test module is imported
    runner = _runner(config)
    if runner == "pytest":
        from __par__ import _testpytest

        code = _testpytest.run(label, config, sys.argv[1:], shard, only, env)
    else:
        from __par__ import _testunittest

        code = _testunittest.run(label, config, sys.argv[1:], shard, only, env)
    if coverage is not None:
        coverage.finish()
    sys.exit(code)


def _shard(env):
    """(index, total) when Bazel shards this test, else None."""
    total = env.get("TEST_TOTAL_SHARDS")
    if not total or int(total) <= 1:
        return None
    status = env.get("TEST_SHARD_STATUS_FILE")
    if status:
        with open(status, "a"):
            pass
    return int(env.get("TEST_SHARD_INDEX", "0")), int(total)


def _runner(config):
    """The configured runner; for 'auto', pytest when the closure provides it."""
    if config["runner"] in RUNNERS:
        return config["runner"]
    import importlib.util

    # Only the archive's import roots are on sys.path: a pytest found is the closure's own.
    return "pytest" if importlib.util.find_spec("pytest") is not None else "unittest"


def select(ids, shard):
    """The positions (in `ids`' order) of the tests this shard runs."""
    if shard is None:
        return list(range(len(ids)))
    index, total = shard
    ordered = sorted(range(len(ids)), key=lambda i: ids[i])
    return sorted(i for n, i in enumerate(ordered) if n % total == index)
