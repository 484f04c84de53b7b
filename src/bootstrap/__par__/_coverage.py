"""`bazel coverage` of a python_test: coverage.py (bundled in coverage builds) measures the
first-party sources and this module writes LCOV to $COVERAGE_OUTPUT_FILE.

Which files: those Bazel lists in $COVERAGE_MANIFEST (the instrumented files, chosen by
--instrumentation_filter through the rules' InstrumentedFilesInfo), else the test's srcs.
coverage.py names a module by its __file__: ARCHIVE/pkg/x.py for the archive's modules
(EXTRACTED/pkg/x.py with layout = "extract"), RUNFILES/pkg/x.py for test files pytest
collected from the runfiles. All three spellings are measured and merged per source; the
executable lines come from the runfiles copy (python_test puts the closure's sources in
its runfiles), as coverage.py cannot read a source inside an archive without a
.zip name. The LCOV names each file by its repository-relative path. collect_coverage.sh
then runs rules_par's merger (rules/private/tools/lcov_merger.sh), which keeps the file.
"""

import os
import sys

from __par__ import _messages


def start(label, config, env):
    if not config.get("coverage"):
        raise SystemExit(_messages.no_coverage_tool(label))
    import coverage

    import __par__

    root = os.getcwd()
    files = _instrumented(env.get("COVERAGE_MANIFEST"), root) or list(config["files"])
    # The archive, or the directory it was unpacked to (sys.path[0]), and the runfiles.
    bases = sorted(set(os.path.realpath(b) for b in (__par__.archive, sys.path[0], root)))
    cov = coverage.Coverage(
        data_file=None,
        config_file=False,
        include=[os.path.join(b, f) for b in bases for f in files],
    )
    cov.start()
    return _Session(cov, root, bases, files, env["COVERAGE_OUTPUT_FILE"])


def _instrumented(manifest, root):
    """Repository-relative .py paths from Bazel's coverage manifest (exec paths), those of
    this repository that the runfiles hold."""
    if not manifest or not os.path.isfile(manifest):
        return []
    out = []
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            path = line.strip()
            if not path.endswith(".py") or path.startswith("external/"):
                continue
            if path.startswith("bazel-out/"):  # a generated source: bazel-out/<config>/bin/pkg/x.py
                parts = path.split("/", 3)
                path = parts[3] if len(parts) == 4 else path
            if os.path.isfile(os.path.join(root, path)):
                out.append(path)
    return sorted(set(out))


class _Session(object):
    def __init__(self, cov, root, bases, files, output):
        self.cov, self.root, self.bases, self.files, self.output = cov, root, bases, files, output

    def finish(self):
        self.cov.stop()
        data = self.cov.get_data()
        spelled = {}  # measured file name -> repository-relative path
        for path in self.files:
            spelled[os.path.realpath(os.path.join(self.root, path))] = path
            for base in self.bases:
                spelled[os.path.join(base, path)] = path
        executed = {}
        for name in data.measured_files():
            path = spelled.get(name)
            if path is not None:
                executed.setdefault(path, set()).update(data.lines(name) or ())
        records = []
        for path in self.files:
            try:
                _, statements, _, _, _ = self.cov.analysis2(os.path.join(self.root, path))
            except Exception as e:  # noqa: B902 -- an unparsable file is reported, not fatal
                sys.stderr.write("par coverage: cannot analyse %s: %s\n" % (path, e))
                continue
            missing = set(statements) - executed.get(path, set())
            lines = ["SF:%s" % path]
            lines += ["DA:%d,%d" % (n, 0 if n in missing else 1) for n in statements]
            lines += ["LH:%d" % (len(statements) - len(missing)), "LF:%d" % len(statements), "end_of_record"]
            records.append("\n".join(lines) + "\n")
        with open(self.output, "w", encoding="utf-8") as f:
            f.write("".join(records))
