"""`bazel coverage` of a python_test: coverage.py (bundled in coverage builds) measures the
first-party sources and this module writes LCOV to $COVERAGE_OUTPUT_FILE.

Which files: those Bazel lists in $COVERAGE_MANIFEST (the instrumented files, chosen by
--instrumentation_filter through the rules' InstrumentedFilesInfo), else the test's srcs.
The archive's modules run from bytecode compiled with their repository-relative path as
file name, so the tracer sees `pkg/x.py`, which is the runfiles copy in the working
directory (python_test adds every source to the runfiles under coverage): coverage.py
reads the source there to find the executable lines, and the LCOV names the path as the
manifest spells it. collect_coverage.sh then runs rules_par's merger, which keeps the file.
"""

import os
import sys

from __par__ import _messages


def start(label, config, env):
    if not config.get("coverage"):
        raise SystemExit(_messages.no_coverage_tool(label))
    import coverage

    root = os.getcwd()
    files = _instrumented(env.get("COVERAGE_MANIFEST"), root) or list(config["files"])
    cov = coverage.Coverage(
        data_file=None,
        config_file=False,
        include=[os.path.join(root, f) for f in files],
    )
    cov.start()
    return _Session(cov, root, files, env["COVERAGE_OUTPUT_FILE"])


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
    def __init__(self, cov, root, files, output):
        self.cov, self.root, self.files, self.output = cov, root, files, output

    def finish(self):
        self.cov.stop()
        records = []
        for path in self.files:
            try:
                _, statements, _, missing, _ = self.cov.analysis2(os.path.join(self.root, path))
            except Exception as e:  # noqa: B902 -- an unparsable file is reported, not fatal
                sys.stderr.write("par coverage: cannot analyse %s: %s\n" % (path, e))
                continue
            missing = set(missing)
            lines = ["SF:%s" % path]
            lines += ["DA:%d,%d" % (n, 0 if n in missing else 1) for n in statements]
            lines += ["LH:%d" % (len(statements) - len(missing)), "LF:%d" % len(statements), "end_of_record"]
            records.append("\n".join(lines) + "\n")
        with open(self.output, "w", encoding="utf-8") as f:
            f.write("".join(records))
