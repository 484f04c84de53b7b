"""The unittest runner of python_test: loads the tests of the test's srcs modules from the
archive, keeps those the filter, --test_arg values and the shard select, runs them, and
writes the JUnit XML Bazel reads (unittest has no writer of its own)."""

import fnmatch
import sys
import time
import unittest

from __par__ import _messages, _testrunner


def run(label, config, argv, shard, only, env):
    opts = _parse(label, argv)
    loader = unittest.TestLoader()
    # Import failures become one failing test each (unittest's _FailedTest), so a broken
    # module shows in the XML instead of aborting the run.
    tests = [t for m in config["modules"] for t in _flatten(loader.loadTestsFromName(m))]
    if not tests:
        sys.stderr.write(_messages.no_tests(label, "unittest", config["files"]) + "\n")
        return 1
    patterns = opts["patterns"] + ([p for p in only.split(",") if p] if only else [])
    matched = [t for t in tests if _matches(t.id(), patterns, opts["names"])]
    chosen = [matched[i] for i in _testrunner.select([t.id() for t in matched], shard)]
    if not chosen:
        if matched:
            why = "shard %d of %d got none of the %d selected tests" % (shard[0] + 1, shard[1], len(matched))
        else:
            why = "--test_filter/--test_arg matched none of %d tests" % len(tests)
        sys.stderr.write(_messages.nothing_selected(label, why) + "\n")
        _write_xml(env.get("XML_OUTPUT_FILE"), label, [])
        return 0
    result = unittest.TextTestRunner(
        stream=sys.stderr, verbosity=opts["verbosity"], failfast=opts["failfast"], resultclass=_Recorder
    ).run(unittest.TestSuite(chosen))
    _write_xml(env.get("XML_OUTPUT_FILE"), label, result.records)
    return 0 if result.wasSuccessful() else 1


def _parse(label, argv):
    opts = {"verbosity": 2, "failfast": False, "patterns": [], "names": []}
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--":
            break  # the rest is for the tests themselves (they read sys.argv)
        if a in ("-v", "--verbose"):
            opts["verbosity"] = 2
        elif a in ("-q", "--quiet"):
            opts["verbosity"] = 0
        elif a in ("-f", "--failfast"):
            opts["failfast"] = True
        elif a == "-k" or a.startswith("-k"):
            value = a[2:] or (args.pop(0) if args else None)
            if not value:
                raise SystemExit(_messages.test_usage(label, "-k needs a pattern"))
            opts["patterns"].append(value)
        elif a.startswith("-"):
            raise SystemExit(_messages.test_usage(label, "unknown option %s" % a))
        else:
            opts["names"].append(a)
    return opts


def _flatten(suite):
    if isinstance(suite, unittest.TestSuite):
        for t in suite:
            for leaf in _flatten(t):
                yield leaf
    else:
        yield suite


def _matches(test_id, patterns, names):
    """unittest's -k semantics for patterns (any may match); names select an id or its prefix."""
    if names and not any(test_id == n or test_id.startswith(n + ".") for n in names):
        return False
    if not patterns:
        return True
    return any(fnmatch.fnmatchcase(test_id, p if "*" in p else "*%s*" % p) for p in patterns)


class _Recorder(unittest.TextTestResult):
    """Records each test's outcome, time, message and traceback for the XML."""

    def __init__(self, *args, **kwargs):
        super(_Recorder, self).__init__(*args, **kwargs)
        self.records = []
        self._started = {}

    def startTest(self, test):
        self._started[test.id()] = time.time()
        super(_Recorder, self).startTest(test)

    def _record(self, test, outcome, err=None, detail=None):
        start = self._started.pop(test.id(), None)
        elapsed = time.time() - start if start is not None else 0.0
        message, text = detail or ("", "")
        if err is not None:
            message = "%s: %s" % (err[0].__name__, err[1])
            text = self._exc_info_to_string(err, test)  # unittest's frames left out, as it prints
        self.records.append((test.id(), outcome, elapsed, message, text))

    def addSuccess(self, test):
        super(_Recorder, self).addSuccess(test)
        if test.id() in self._started:  # a failed subtest already recorded the test
            self._record(test, "passed")

    def addFailure(self, test, err):
        super(_Recorder, self).addFailure(test, err)
        self._record(test, "failure", err)

    def addError(self, test, err):
        super(_Recorder, self).addError(test, err)
        self._record(test, "error", err)

    def addSkip(self, test, reason):
        super(_Recorder, self).addSkip(test, reason)
        self._record(test, "skipped", detail=(reason, ""))

    def addExpectedFailure(self, test, err):
        super(_Recorder, self).addExpectedFailure(test, err)
        self._record(test, "passed")

    def addUnexpectedSuccess(self, test):
        super(_Recorder, self).addUnexpectedSuccess(test)
        self._record(test, "failure", detail=("unexpected success (the test is marked expectedFailure)", ""))

    def addSubTest(self, test, subtest, err):
        super(_Recorder, self).addSubTest(test, subtest, err)
        if err is not None and test.id() in self._started:
            kind = "failure" if issubclass(err[0], test.failureException) else "error"
            self._record(test, kind, err)


def _split_id(test_id):
    classname, _, name = test_id.rpartition(".")
    return classname or test_id, name or test_id


def _write_xml(path, label, records):
    if not path:
        return
    count = {"failure": 0, "error": 0, "skipped": 0}
    cases = []
    for test_id, outcome, elapsed, message, text in records:
        classname, name = _split_id(test_id)
        case = '  <testcase classname=%s name=%s time="%.3f"' % (_attr(classname), _attr(name), elapsed)
        if outcome == "passed":
            cases.append(case + "/>")
            continue
        count[outcome] += 1
        cases.append(
            "%s>\n    <%s message=%s>%s</%s>\n  </testcase>"
            % (case, outcome, _attr(message), _escape(text), outcome)
        )
    total = sum(r[2] for r in records)
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites tests="%d" failures="%d" errors="%d" skipped="%d" time="%.3f">\n'
        ' <testsuite name=%s tests="%d" failures="%d" errors="%d" skipped="%d" time="%.3f">\n%s\n </testsuite>\n</testsuites>\n'
        % (
            len(records), count["failure"], count["error"], count["skipped"], total,
            _attr(label), len(records), count["failure"], count["error"], count["skipped"], total,
            "\n".join(cases),
        )
    )
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc)


# Escaped here: xml.sax.saxutils imports urllib.request, http.client and email (~30 ms).
def _escape(s):
    """Element text. XML 1.0 cannot carry most control characters, even escaped: shown as \\xNN."""
    s = "".join(c if c in "\t\n\r" or c >= " " else "\\x%02x" % ord(c) for c in s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(s):
    """A quoted attribute value; newlines and tabs kept as character references."""
    s = _escape(s).replace('"', "&quot;")
    return '"%s"' % s.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
