"""numpy benchmark: launch, size and packaging time of examples/numpy, printed as Markdown.

    python3 bench/numpy/run.py [--runs 20] [--cold-runs 5] [--pack-runs 5]

Run it in an empty environment (env -i PATH=/usr/bin:/bin HOME=$HOME python3 bench/numpy/run.py).
Every program runs under the same interpreter, pyenv's Python 3.11 (the one whose installed
numpy examples/numpy/make_wheels.sh turns into the wheel), reached through a python3.11 link
first on an otherwise empty PATH, so the archives' launcher picks it by itself:
  site-packages   python3.11 solve.py, numpy imported from that Python's site-packages;
  par zip         //:solve (layout = "zip": numpy extracted once into the cache);
  par extract     //:solve_extracted (layout = "extract": the whole archive unpacked once);
  pex, shiv       when buildable: PEX_SRC / SHIV_SRC (default ../shared/anchor-bench/.cache/src/*)
                  or pex / shiv on PATH, resolving numpy from the same wheel.
Warm = hyperfine median after warm-up; CPU = user + system (steadier than wall time on a
shared machine). Cold = every run after wiping the caches (PAR cache, ~/.pex, ~/.shiv) and,
when permitted, the page cache; site-packages keeps its installed __pycache__ (its "cold" is
the page cache only).
Packaging: `par pack` of //:solve as Bazel runs it (one process per action; same manifest,
from the execroot), and the same with numpy's entries recompressed instead of copied raw
(a copy of the wheel with stored entries, so every entry is deflated again).
Output: stdout and bench/.cache/numpy/latest.md.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLE = os.path.join(ROOT, "examples", "numpy")
WORK = os.path.join(ROOT, "bench", ".cache", "numpy")
HOME = os.path.join(WORK, "home")
BIN = os.path.join(WORK, "bin")
PAR = os.path.join(ROOT, "rules", "private", "tools", "par.js")
COMPILER = os.path.join(ROOT, "rules", "private", "tools", "compile_pyc.py")
SHARED_SRC = os.path.join(os.path.dirname(ROOT), "shared", "anchor-bench", ".cache", "src")
EXPECTED = "x = 0.400000 2.200000 2.800000\ndet = 40.000000\n"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def out(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, universal_newlines=True, **kw).stdout


def py311():
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", "3.11.*", "bin", "python")))
    if not found:
        sys.exit("bench: needs pyenv's Python 3.11 with numpy installed")
    return found[-1]


def run_env():
    return {"PATH": BIN + ":/usr/bin:/bin", "HOME": HOME, "LANG": "C.UTF-8"}


def env_argv():
    return ["env", "-i"] + ["%s=%s" % kv for kv in sorted(run_env().items())]


def build(py):
    if not glob.glob(os.path.join(EXAMPLE, "third_party", "numpy-*.whl")):
        sh([os.path.join(EXAMPLE, "make_wheels.sh"), py], stdout=subprocess.DEVNULL)
    bazel = [os.path.join(ROOT, "scripts", "bazel"), "--output_base=" + os.path.join(WORK, "ob")]
    sh(bazel + ["build", "//:solve", "//:solve_extracted"], cwd=EXAMPLE, stderr=subprocess.DEVNULL)
    bin_dir = out(bazel + ["info", "bazel-bin"], cwd=EXAMPLE, stderr=subprocess.DEVNULL).strip()
    execroot = out(bazel + ["info", "execution_root"], cwd=EXAMPLE, stderr=subprocess.DEVNULL).strip()
    return bazel, bin_dir, execroot


def pex_command(py):
    src = os.environ.get("PEX_SRC") or os.path.join(SHARED_SRC, "pex")
    if os.path.isdir(os.path.join(src, "pex")):
        return [py, "-m", "pex"], dict(os.environ, PYTHONPATH=src)
    exe = shutil.which("pex")
    return ([exe], None) if exe else (None, None)


def shiv_command(py):
    src = os.environ.get("SHIV_SRC") or os.path.join(SHARED_SRC, "shiv")
    if os.path.isdir(os.path.join(src, "src", "shiv")):
        return [py, "-m", "shiv"], dict(os.environ, PYTHONPATH=os.path.join(src, "src"))
    exe = shutil.which("shiv")
    return ([exe], None) if exe else (None, None)


def other_tools(py, wheel_dir):
    """(label, argv, file, build seconds) of PEX and shiv builds of the same program; failures are reported."""
    tools = []
    tree = os.path.join(WORK, "src")
    os.makedirs(tree, exist_ok=True)
    shutil.copy(os.path.join(EXAMPLE, "solve.py"), tree)
    with open(os.path.join(tree, "shiv_entry.py"), "w") as f:  # shiv runs functions, not scripts
        f.write("def run():\n    import runpy\n    runpy.run_module('solve', run_name='__main__')\n")
    cmd, env = pex_command(py)
    if cmd:
        dest = os.path.join(WORK, "solve.pex")
        t = time.time()
        try:
            sh(cmd + ["numpy", "--no-pypi", "-f", wheel_dir, "-D", tree, "-m", "solve", "-o", dest, "--python", py],
               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            tools.append(("pex", [dest], dest, time.time() - t))
        except subprocess.CalledProcessError as e:
            sys.stderr.write("bench: pex build failed: %s\n" % e.stderr.decode()[-800:])
    cmd, env = shiv_command(py)
    if cmd:
        dest = os.path.join(WORK, "solve.pyz")
        t = time.time()
        try:
            sh(cmd + ["--site-packages", tree, "-e", "shiv_entry:run", "-o", dest, "-p", os.path.join(BIN, "python3.11"),
                      "--no-index", "--find-links", wheel_dir, "numpy"],
               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            tools.append(("shiv", [dest], dest, time.time() - t))
        except subprocess.CalledProcessError as e:
            sys.stderr.write("bench: shiv build failed: %s\n" % e.stderr.decode()[-800:])
    return tools


CLEAN = """#!/bin/sh
rm -rf "{home}/.cache" "{home}/.pex" "{home}/.shiv"
sync; (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null || true
"""


def hyperfine(commands, runs, cold, env=None, cwd=None):
    res = os.path.join(WORK, "hf.json")
    argv = ["hyperfine", "-N", "--style", "none", "--export-json", res, "--runs", str(runs)]
    argv += ["--prepare", "sh " + os.path.join(WORK, "clean.sh")] if cold else ["--warmup", "3"]
    for label, cmd in commands:
        argv += ["-n", label, " ".join(cmd)]
    sh((env or env_argv()) + argv, stdout=subprocess.DEVNULL, cwd=cwd)
    with open(res) as f:
        results = json.load(f)["results"]
    return {r["command"]: (statistics.median(r["times"]) * 1e3, (r["user"] + r["system"]) * 1e3) for r in results}


def verified(commands):
    kept = []
    for label, cmd in commands:
        r = subprocess.run(env_argv() + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, cwd=WORK)
        if r.returncode != 0 or EXPECTED not in r.stdout:
            sys.stderr.write("bench: %s FAILED (exit %s), not measured: %s\n" % (label, r.returncode, r.stderr.strip()[-300:]))
            continue
        kept.append((label, cmd))
    return kept


def stored_copy(wheel, dest):
    """The same wheel with every entry stored: packing it into a deflate archive compresses all."""
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            info2 = zipfile.ZipInfo(info.filename, info.date_time)
            info2.external_attr = info.external_attr
            dst.writestr(info2, src.read(info))


def packaging(bin_dir, execroot, runs):
    manifest = os.path.join(bin_dir, "_par", "solve.manifest.jsonl")
    with open(manifest) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    wheel_line = [l for l in lines if l["t"] == "wheel"][0]
    # Recompress variant: a stored copy of the wheel, described by `par wheel` like Bazel would.
    stored = os.path.join(WORK, "stored", os.path.basename(wheel_line["file"]))
    os.makedirs(os.path.dirname(stored), exist_ok=True)
    stored_copy(os.path.join(execroot, wheel_line["file"]), stored)
    info = os.path.join(WORK, "stored", "numpy.wheel.json")
    sh(["node", PAR, "wheel", "--wheel", stored, "--label", wheel_line["label"], "--out", info])
    variant = os.path.join(WORK, "recompress.manifest.jsonl")
    with open(variant, "w") as f:
        for l in lines:
            if l["t"] == "wheel":
                l = dict(l, file=stored, info=info)
            f.write(json.dumps(l) + "\n")
    python = "/usr/bin/python3"
    cmds = []
    for label, m in (("par pack, numpy copied raw", manifest), ("par pack, numpy recompressed", variant)):
        cmds.append((label, ["node", PAR, "pack", "--manifest", m, "--out", os.path.join(WORK, "packed-" + label.split()[-1]), "--python", python, "--compiler", COMPILER]))
    env = ["env", "-i", "PATH=/usr/bin:/bin", "HOME=" + HOME]
    return hyperfine(cmds, runs, cold=False, env=env, cwd=execroot), cmds


def mib(n):
    return "%.1f MiB" % (n / 1048576.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--pack-runs", type=int, default=5)
    args = ap.parse_args()
    py = py311()
    if os.path.isdir(WORK):
        for d in ("home", "bin", "src", "stored"):
            shutil.rmtree(os.path.join(WORK, d), ignore_errors=True)
    os.makedirs(HOME)
    os.makedirs(BIN)
    os.symlink(py, os.path.join(BIN, "python3.11"))
    with open(os.path.join(WORK, "clean.sh"), "w") as f:
        f.write(CLEAN.format(home=HOME))
    bazel, bin_dir, execroot = build(py)
    try:
        apps = {}
        for name in ("solve", "solve_extracted"):
            dest = os.path.join(WORK, name)
            shutil.copy(os.path.join(bin_dir, name), dest)
            os.chmod(dest, 0o755)
            apps[name] = dest
        shutil.copy(os.path.join(EXAMPLE, "solve.py"), os.path.join(WORK, "solve.py"))
        wheel = glob.glob(os.path.join(EXAMPLE, "third_party", "numpy-*.whl"))[0]
        commands = [
            ("python3.11 -c pass", ["python3.11", "-c", "pass"]),
            ("site-packages", ["python3.11", os.path.join(WORK, "solve.py")]),
            ("par zip", [apps["solve"]]),
            ("par extract", [apps["solve_extracted"]]),
        ]
        tools = other_tools(py, os.path.dirname(wheel))
        commands += [(label, ["python3.11"] + argv) for label, argv, _, _ in tools]
        commands = [(l, c) for l, c in commands if l.endswith("pass")] + verified([(l, c) for l, c in commands if not l.endswith("pass")])
        warm = hyperfine(commands, args.runs, cold=False)
        cold = hyperfine(commands, args.cold_runs, cold=True)
        pack, pack_cmds = packaging(bin_dir, execroot, args.pack_runs)
    finally:
        sh(bazel + ["shutdown"], cwd=EXAMPLE, stderr=subprocess.DEVNULL)

    site = "site-packages"
    lines = ["## numpy app (examples/numpy), Python %s" % out([py, "-c", "import sys; print(sys.version.split()[0])"]).strip(), "",
             "| command | warm wall ms | warm CPU ms | CPU x site-packages | cold wall ms |", "|---|---:|---:|---:|---:|"]
    for label, _ in commands:
        w, cpu = warm[label]
        lines.append("| %s | %.1f | %.1f | %.2f | %.1f |" % (label, w, cpu, cpu / warm[site][1], cold[label][0]))
    sizes = [("numpy wheel (.whl)", os.path.getsize(wheel)), ("par zip archive", os.path.getsize(apps["solve"])),
             ("par extract archive", os.path.getsize(apps["solve_extracted"]))]
    sizes += [(label, os.path.getsize(path)) for label, _, path, _ in tools]
    lines += ["", "| file | size | x wheel |", "|---|---:|---:|"]
    lines += ["| %s | %s | %.2f |" % (label, mib(n), n / float(sizes[0][1])) for label, n in sizes]
    with zipfile.ZipFile(apps["solve"]) as z:
        pycs = sum(1 for n in z.namelist() if n.startswith("_w/") and n.endswith(".pyc"))
    lines += ["", "| packaging //:solve (%d numpy .pyc compiled) | wall ms | CPU ms |" % pycs, "|---|---:|---:|"]
    lines += ["| %s | %.0f | %.0f |" % (label, pack[label][0], pack[label][1]) for label, _ in pack_cmds]
    lines += ["| %s build (one run, resolves numpy from the wheel) | %.0f | - |" % (label, secs * 1e3) for label, _, _, secs in tools]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(WORK, "latest.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
