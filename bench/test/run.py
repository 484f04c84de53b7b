#!/usr/bin/env python3
"""python_test's overhead, in two parts; prints a markdown table (also bench/.cache/test/latest.md).

1. Launch: a trivial test target's archive, run as `bazel test` runs it (runfiles root as the
   working directory, TEST_TMPDIR, XML_OUTPUT_FILE), against the same test file run directly
   by `python3 -m unittest` and, with pyenv's 3.11 (which has pytest installed), by
   `python -m pytest` against the pytest archive run by that same interpreter (PAR_PYTHON).
   hyperfine -N, warm; ratios of mean wall times.
2. `bazel test //examples/monorepo/...` in a copy of this repository with its own output base:
   cold (fresh output base, server already up), no-op, and after a one-line change to
   libs/words/tokens.py: wall time and which tests ran (not "(cached)").

    python3 bench/test/run.py [--runs 40]
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BAZEL = os.path.join(ROOT, "scripts", "bazel")
PY311 = (sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.11.*/bin/python"))) or [None])[-1]
TRIVIAL_UT = "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        self.assertEqual(1 + 1, 2)\n"
TRIVIAL_PT = "def test_ok():\n    assert 1 + 1 == 2\n"
PYTEST_DEPS = ["pluggy", "iniconfig", "packaging", "pygments"]


def sh(args, cwd, env=None):
    r = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if r.returncode not in (0, 3):
        sys.exit("%s failed (%d):\n%s" % (" ".join(args), r.returncode, r.stderr[-3000:]))
    return r.stdout + r.stderr


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def workspace(ws):
    stubs = os.path.join(ROOT, "third_party", "offline_stubs")
    write(os.path.join(ws, "WORKSPACE"), "\n".join([
        'workspace(name = "bench")',
        'local_repository(name = "rules_par", path = %s)' % json.dumps(ROOT),
        'local_repository(name = "rules_java", path = %s)' % json.dumps(os.path.join(stubs, "rules_java")),
        'local_repository(name = "rules_cc", path = %s)' % json.dumps(os.path.join(stubs, "rules_cc")),
        'load("@rules_par//rules:repositories.bzl", "rules_par_dependencies", "rules_par_register_toolchains")',
        "rules_par_dependencies()",
        "rules_par_register_toolchains()",
        "",
    ]))
    write(os.path.join(ws, ".bazelrc"), "build --incompatible_strict_action_env\n"
          "build --coverage_report_generator=@rules_par//rules/private/tools:coverage_report_generator.sh\n")
    write(os.path.join(ws, "BUILD"), "")
    build = ['load("@rules_par//rules:defs.bzl", "python_test", "python_wheel")',
             'python_test(name = "trivial_ut", srcs = ["test_trivial.py"])']
    write(os.path.join(ws, "t", "test_trivial.py"), TRIVIAL_UT)
    if PY311:
        out = sh([PY311, os.path.join(ROOT, "tests", "helpers", "rebuild_wheel.py"), os.path.join(ws, "t"), "pytest"] + PYTEST_DEPS, ws)
        wheels = {os.path.basename(p).split("-")[0].lower(): os.path.basename(p) for p in out.split()}
        build += ['python_wheel(name = "%s", wheel = "%s")' % (n, wheels[n]) for n in PYTEST_DEPS]
        build.append('python_wheel(name = "pytest", wheel = "%s", deps = [%s])' % (wheels["pytest"], ", ".join('":%s"' % n for n in PYTEST_DEPS)))
        build.append('python_test(name = "trivial_pt", srcs = ["test_trivial_pt.py"], deps = [":pytest"], python = ">=3.11")')
        write(os.path.join(ws, "t", "test_trivial_pt.py"), TRIVIAL_PT)
    write(os.path.join(ws, "t", "BUILD"), "\n".join(build) + "\n")


def hyperfine(commands, cwd, env, runs):
    out = os.path.join(cwd, "..", "hyperfine.json")
    args = ["hyperfine", "-N", "--warmup", "3", "--runs", str(runs), "--export-json", out]
    for name, cmd in commands:
        args += ["-n", name, cmd]
    sh(args, cwd, env)
    with open(out) as f:
        return {r["command"]: r for r in json.load(f)["results"]}


def launch(ws, scratch, runs):
    bin_dir = sh([BAZEL, "--output_base=" + os.path.join(scratch, "ob"), "info", "bazel-bin"], ws).strip().splitlines()[-1]
    runfiles = os.path.join(bin_dir, "t", "trivial_ut.runfiles", "bench")
    tmp = os.path.join(scratch, "testtmp")
    os.makedirs(tmp, exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "TEST_TMPDIR": tmp, "XML_OUTPUT_FILE": os.path.join(tmp, "test.xml"), "LANG": "C.UTF-8"}
    rows = []
    res = hyperfine([
        ("archive (unittest)", os.path.join(bin_dir, "t", "trivial_ut")),
        ("python3 -m unittest", "/usr/bin/python3 -m unittest t.test_trivial"),
    ], runfiles, env, runs)
    rows.append(("unittest", res["archive (unittest)"], "python3 -m unittest", res["python3 -m unittest"]))
    if PY311:
        runfiles = os.path.join(bin_dir, "t", "trivial_pt.runfiles", "bench")
        direct = "%s -m pytest -q -p no:cacheprovider t/test_trivial_pt.py" % PY311
        # pyenv's site-packages hold pytest plugins (hypothesis, pytest-benchmark ...) that
        # pytest loads through entry points; the archive has pytest and its deps only.
        res = hyperfine([
            ("archive (pytest)", os.path.join(bin_dir, "t", "trivial_pt")),
            ("python -m pytest", direct),
        ], runfiles, dict(env, PAR_PYTHON=PY311), runs)
        rows.append(("pytest", res["archive (pytest)"], "python -m pytest", res["python -m pytest"]))
        res = hyperfine([
            ("archive (pytest)", os.path.join(bin_dir, "t", "trivial_pt")),
            ("python -m pytest, no plugin autoload", direct),
        ], runfiles, dict(env, PAR_PYTHON=PY311, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1"), runs)
        rows.append(("pytest", res["archive (pytest)"], "python -m pytest, PYTEST_DISABLE_PLUGIN_AUTOLOAD=1", res["python -m pytest, no plugin autoload"]))
    return rows


def monorepo(scratch):
    repo = os.path.join(scratch, "repo")
    for p in ["WORKSPACE", "BUILD", ".bazelrc", "rules", "toolchains", "src/bootstrap", "third_party/offline_stubs", "tests/helpers", "examples/monorepo"]:
        src, dst = os.path.join(ROOT, p), os.path.join(repo, p)
        if os.path.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("bazel-*", "__pycache__"))
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)
    if PY311:  # pytest's wheels for examples/monorepo/tests (else that test is SKIPPED)
        sh([os.path.join(repo, "examples", "monorepo", "make_wheels.sh"), PY311], repo)
    base = [BAZEL, "--output_base=" + os.path.join(scratch, "ob-mono"), "--max_idle_secs=120"]
    sh(base + ["info", "output_base"], repo)  # the server's start is not the build's
    rows = []

    def test(step):
        t = time.monotonic()
        out = sh(base + ["test", "//examples/monorepo/..."], repo)
        wall = time.monotonic() - t
        ran = sorted(m.group(1) for m in re.finditer(r"^(//\S+)\s+PASSED", out, re.M))
        cached = sorted(m.group(1) for m in re.finditer(r"^(//\S+)\s+\(cached\) PASSED", out, re.M))
        skipped = sorted(m.group(1) for m in re.finditer(r"^(//\S+)\s+SKIPPED", out, re.M))
        rows.append((step, wall, ran, cached, skipped))

    test("cold")
    test("no-op")
    tokens = os.path.join(repo, "examples", "monorepo", "libs", "words", "tokens.py")
    with open(tokens, "a") as f:
        f.write("\n# a one-line change\n")
    test("one-line change in libs/words/tokens.py")
    sh(base + ["shutdown"], repo)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args()
    scratch = tempfile.mkdtemp(prefix="par-bench-test-")
    ws = os.path.join(scratch, "ws")
    workspace(ws)
    ob = "--output_base=" + os.path.join(scratch, "ob")
    sh([BAZEL, ob, "--max_idle_secs=120", "build", "//t:all"], ws)
    lines = ["## python_test launch (hyperfine -N, %d warm runs; means)" % args.runs, "",
             "| runner | baseline | archive wall | baseline wall | ratio | archive CPU | baseline CPU | ratio |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    cpu = lambda r: (r["user"] + r["system"]) * 1e3  # noqa: E731 -- steadier than wall on a loaded machine
    for name, archive, label, direct in launch(ws, scratch, args.runs):
        lines.append("| %s | `%s` | %.1f ms | %.1f ms | %.2fx | %.1f ms | %.1f ms | %.2fx |" % (
            name, label, archive["mean"] * 1e3, direct["mean"] * 1e3, archive["mean"] / direct["mean"],
            cpu(archive), cpu(direct), cpu(archive) / cpu(direct)))
    if not PY311:
        lines.append("| pytest | skipped: no pyenv 3.11 with pytest | | | | | | |")
    sh([BAZEL, ob, "shutdown"], ws)
    lines += ["", "## bazel test //examples/monorepo/... (own output base)", "",
              "| step | wall | tests run | cached | skipped |", "| --- | --- | --- | --- | --- |"]
    for step, wall, ran, cached, skipped in monorepo(scratch):
        lines.append("| %s | %.1f s | %s | %s | %s |" % (step, wall, " ".join(ran) or "-", " ".join(cached) or "-", " ".join(skipped) or "-"))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    out = os.path.join(ROOT, "bench", ".cache", "test")
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "latest.md"), text)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
