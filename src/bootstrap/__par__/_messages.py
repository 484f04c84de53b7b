"""Every message the bootstrap shows a user, in one place: what was expected, what was
found, and what to do."""


def wrong_python(prog, label, spec, version, executable, tried):
    return (
        "%s: %s needs Python %s, but this is Python %s (%s). Tried: %s. "
        "Install a Python that satisfies %s (a python3.X on PATH is found automatically), "
        "or set PAR_PYTHON to one." % (prog, label, spec, version, executable, "; ".join(tried), spec)
    )


def code_mismatch(label, expected, actual, archive):
    return (
        "%s: this process runs code %s from %s, but the caller expects %s. Ship the same "
        "archive to every worker (e.g. PYSPARK_PYTHON pointing at one copy of it) and retry."
        % (label, actual, archive, expected)
    )


def bad_entry_point(label, entry_point, error):
    return "%s: cannot load entry point %s: %s" % (label, entry_point, error)


def interpreter_usage(prog):
    return (
        "%s: PAR_INTERPRETER=1 takes python's arguments: [options] (-c CMD | -m MODULE | SCRIPT | -) [ARGS]"
        % (prog,)
    )


# --- cache and wheels (src/bootstrap/__par__/_cache.py, _wheels.py) ---


def cache_fallback(prog, rejected, used):
    return (
        "%s: warning: the cache %s is not a private directory of this user (it must be owned "
        "by you and writable; it is made 0700); using %s instead. Set PAR_ROOT to a directory "
        "you own to keep extracted files between runs." % (prog, rejected, used)
    )


def relative_root(prog, value):
    return (
        "%s: PAR_ROOT=%s is a relative path; set it to an absolute one (a relative path would "
        "give every working directory its own cache)" % (prog, value)
    )


def cache_set_aside(prog, what, path, why):
    return "%s: warning: cannot trust the cache %s %s (%s); set it aside and unpacking it afresh" % (prog, what, path, why)


def unpack_no_space(prog, what, archive, root, entry, needed):
    return (
        "%s: cannot unpack %s from %s into the cache %s: no space left on device while writing %s "
        "(the unpacked files need %.1f MiB in all). Nothing was kept. Free some space there "
        "(`par cache gc` removes entries unused for 30 days) or set PAR_ROOT to a directory on a "
        "disk with room, then run it again." % (prog, what, archive, root, entry, needed / 1048576.0)
    )


def unpack_failed(prog, what, archive, root, entry, error):
    return (
        "%s: cannot unpack %s from %s into the cache %s: writing %s failed: %s. Nothing was kept. "
        "Check that the cache is writable (or set PAR_ROOT to a directory that is), then run it again."
        % (prog, what, archive, root, entry, error)
    )


def cache_entry_failed(prog, path, error):
    return (
        "%s: cannot make the cache entry %s: %s. Nothing was kept. Check that the cache is "
        "writable and has room (`par cache gc` removes entries unused for 30 days), or set "
        "PAR_ROOT to a directory that is, then run it again." % (prog, path, error)
    )


def damaged_entry(prog, archive, entry, error):
    return (
        "%s: %s is damaged: its %s cannot be read back (%s); nothing was unpacked from it. "
        "Copy or build the archive again." % (prog, archive, entry, error)
    )


def incompatible_wheel(prog, label, wheel, needs, running, tried):
    return (
        "%s: %s bundles %s, which needs %s, but this is %s. Tried: %s. Run it with a matching "
        "interpreter (set PAR_PYTHON to one, or put it on PATH as python3.X), or rebuild the "
        "archive with a wheel built for this platform." % (prog, label, wheel, needs, running, "; ".join(tried))
    )


def extracting(prog, what, where):
    return "%s: first run: unpacking %s into %s (done once, shared by later runs)..." % (prog, what, where)


def extracted(prog, seconds):
    return "%s: unpacked in %.1f s." % (prog, seconds)


def unloadable_entry(archive, entry, detail):
    return (
        "%s is damaged: its entry %s does not load (%s); copy it again, or rebuild it. "
        "`par inspect %s` lists every entry whose CRC does not match." % (archive, entry, detail, archive)
    )


# python_test (_testrunner.py and the modules it drives)


def test_usage(label, problem):
    return (
        "%s: %s. The unittest runner takes --test_arg values: -v, -q, -f/--failfast, "
        "-k PATTERN (fnmatch on the test id, *PATTERN* without wildcards) and test ids or "
        "their prefixes (pkg.test_x.Case.test_y); what follows -- is left to the tests (sys.argv)." % (label, problem)
    )


def no_tests(label, runner, files):
    return (
        "%s: %s found no tests in %s. Name test methods test_* in unittest.TestCase "
        "subclasses (pytest: test_* functions), or check that srcs lists the test files."
        % (label, runner, ", ".join(files))
    )


def nothing_selected(label, why):
    return "%s: no test selected (%s); nothing to run." % (label, why)


def no_coverage_tool(label):
    return (
        "%s: `bazel coverage` ran this test, but it has no coverage.py bundled (it was "
        "built without the coverage tool). Set --@rules_par//rules:coverage_tool to a "
        "python_wheel of coverage in .bazelrc (docs/testing.md)." % (label,)
    )


def no_pytest(label):
    return (
        "%s: runner = \"pytest\", but pytest is not in the test's closure. Add a python_wheel "
        "of pytest (and its dependencies) to deps, e.g. \"@pypi//pytest\", or use runner = "
        "\"unittest\"." % (label,)
    )


def test_file_missing(label, path):
    return (
        "%s: pytest collects test files from disk, but %s is neither in the working "
        "directory (Bazel's runfiles) nor in the archive." % (label, path)
    )
