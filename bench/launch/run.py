"""Launch benchmark: builds the apps and prints ratios measured side by side in one run.

    python3 bench/launch/run.py [--runs 40] [--rounds 1] [--cold-runs 10] [--py /usr/bin/python3] [--numpy]

Apps: hello; wide (320 first-party modules, bench/launch/gen_wide.py); hello_newer (an
archive only Python >= 3.12 satisfies, started with a 3.11 python3 first on PATH: measures the
launcher's choice of a non-default interpreter); numpy (examples/numpy, with --numpy).
For each app, one hyperfine invocation (-N, no shell, empty environment: env -i PATH HOME)
holds the archive and its baselines: `PY -c pass`, `PY -S -c pass`, the loose source tree,
a stdlib zipapp, and PEX / shiv when available (pex or shiv on PATH, or PEX_SRC / SHIV_SRC
naming a source checkout, e.g. ../shared/anchor-bench/.cache/src/pex). Warm = median after
warm-up; cold = every run after wiping the caches (PAR cache, __pycache__, pex/shiv homes)
and, when permitted, the page cache. Also file-system syscalls of one launch (strace -f -c,
classes %file and %desc) and peak RSS (/usr/bin/time -f %M, median of 5).
Output: a Markdown table on stdout and in bench/.cache/launch/latest.md.
"""

import argparse
import glob
import json
import os
import random
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORK = os.path.join(ROOT, "bench", ".cache", "launch")
HOME = os.path.join(WORK, "home")
BASE_PATH = "/usr/bin:/bin"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def pyenv_bin(minor):
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", minor + ".*", "bin")))
    return found[-1] if found else None


def build(args):
    sh([sys.executable, os.path.join(HERE, "gen_wide.py")])
    sh([os.path.join(ROOT, "scripts", "bazel"), "build", "//bench/launch/..."], cwd=ROOT)
    bin_dir = subprocess.run([os.path.join(ROOT, "scripts", "bazel"), "info", "bazel-bin"], cwd=ROOT, check=True,
                             stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    if os.path.isdir(WORK):
        shutil.rmtree(WORK)
    os.makedirs(HOME)
    apps = {}
    # Archives are copied out of bazel-bin: a plain file, as users run them.
    for name, target in (("hello", "hello"), ("wide", "wide/wide"), ("wide_stored", "wide/wide_stored"), ("hello_newer", "hello_newer")):
        dest = os.path.join(WORK, "par", name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(os.path.join(bin_dir, "bench", "launch", target), dest)
        os.chmod(dest, 0o755)
        apps[name] = dest
    # Loose trees: the same sources as files (the baseline: a checkout or a virtualenv).
    loose_hello = os.path.join(WORK, "loose", "hello")
    os.makedirs(loose_hello)
    shutil.copy(os.path.join(HERE, "hello.py"), os.path.join(loose_hello, "main.py"))
    shutil.copytree(os.path.join(HERE, "wide", "src"), os.path.join(WORK, "loose", "wide"))
    return apps


def zipapp(py, tree, out):
    staging = out + ".d"
    shutil.copytree(tree, staging)
    shutil.copy(os.path.join(tree, "main.py"), os.path.join(staging, "__main__.py"))
    sh([py, "-m", "zipapp", staging, "-o", out, "-p", "/usr/bin/env python3"])
    shutil.rmtree(staging)
    return out


def pex_command(py):
    if os.environ.get("PEX_SRC"):
        return [py, "-m", "pex"], dict(os.environ, PYTHONPATH=os.environ["PEX_SRC"])
    exe = shutil.which("pex")
    return ([exe], None) if exe else (None, None)


def shiv_command(py):
    if os.environ.get("SHIV_SRC"):
        return [py, "-m", "shiv"], dict(os.environ, PYTHONPATH=os.path.join(os.environ["SHIV_SRC"], "src"))
    exe = shutil.which("shiv")
    return ([exe], None) if exe else (None, None)


def tools(py, name, tree):
    """Extra (label, argv) of the optional tools; a tool that fails to build is reported, not fatal."""
    out = []
    cmd, env = pex_command(py)
    if cmd:
        dest = os.path.join(WORK, "pex", name + ".pex")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        try:
            sh(cmd + ["-D", tree, "-m", "main", "-o", dest, "--python", py], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            out.append(("pex", [py, dest]))
        except subprocess.CalledProcessError as e:
            sys.stderr.write("bench: pex build failed for %s: %s\n" % (name, e.stderr.decode()[-500:]))
    cmd, env = shiv_command(py)
    if cmd:
        dest = os.path.join(WORK, "shiv", name + ".pyz")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        site = dest + ".site"
        shutil.copytree(tree, site)
        with open(os.path.join(site, "shiv_entry.py"), "w") as f:  # shiv runs functions, not scripts
            f.write("def run():\n    import runpy\n    runpy.run_module('main', run_name='__main__')\n")
        try:
            sh(cmd + ["--site-packages", site, "-e", "shiv_entry:run", "-o", dest, "-p", py], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            out.append(("shiv", [py, dest]))
        except subprocess.CalledProcessError as e:
            sys.stderr.write("bench: shiv build failed for %s: %s\n" % (name, e.stderr.decode()[-500:]))
    return out


CLEAN = """#!/bin/sh
# Cold launch: no PAR cache, no __pycache__, no pex/shiv caches; the page cache too if allowed.
rm -rf "{home}/.cache" "{home}/.pex" "{home}/.shiv"
find "{work}/loose" -name __pycache__ -prune -exec rm -rf {{}} +
sync; (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null || true
"""


def hyperfine(commands, env_path, runs, cold, rounds=1):
    """Medians of wall time and mean CPU time per command. With rounds > 1, the runs are
    split into that many hyperfine invocations, each with the commands in a fresh shuffled
    order, so slow drifts of a shared machine hit every command alike."""
    out = os.path.join(WORK, "hf.json")
    times = dict((label, []) for label, _ in commands)
    cpu = dict((label, []) for label, _ in commands)
    order = list(commands)
    shuffler = random.Random(1)
    for _ in range(rounds):
        if rounds > 1:
            shuffler.shuffle(order)
        argv = ["hyperfine", "-N", "--style", "none", "--export-json", out, "--runs", str(runs)]
        argv += ["--prepare", "sh " + os.path.join(WORK, "clean.sh")] if cold else ["--warmup", "5" if rounds == 1 else "2"]
        for label, cmd in order:
            argv += ["-n", label, " ".join(cmd)]
        env = {"PATH": env_path, "HOME": HOME, "LANG": "C.UTF-8"}
        sh(["env", "-i"] + ["%s=%s" % kv for kv in env.items()] + argv, stdout=subprocess.DEVNULL)
        with open(out) as f:
            for r in json.load(f)["results"]:
                times[r["command"]] += r["times"]
                cpu[r["command"]].append(r["user"] + r["system"])
    # Wall time, and CPU time (user + system): on a loaded machine the latter is the steadier.
    return dict((k, (statistics.median(times[k]) * 1e3, statistics.mean(cpu[k]) * 1e3)) for k in times)


def syscalls(cmd, env_path):
    out = os.path.join(WORK, "strace.txt")
    env = {"PATH": env_path, "HOME": HOME, "LANG": "C.UTF-8"}
    subprocess.run(["env", "-i"] + ["%s=%s" % kv for kv in env.items()] + ["strace", "-f", "-qq", "-c", "-e", "trace=%file,%desc", "-o", out] + cmd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        for line in f:
            if line.strip().endswith("total"):
                return int(line.split()[3])  # % time, seconds, usecs/call, calls, [errors,] total
    return None


def peak_rss(cmd, env_path):
    env = {"PATH": env_path, "HOME": HOME, "LANG": "C.UTF-8"}
    values = []
    for _ in range(5):
        r = subprocess.run(["env", "-i"] + ["%s=%s" % kv for kv in env.items()] + ["/usr/bin/time", "-f", "%M"] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, universal_newlines=True)
        values.append(int(r.stderr.strip().splitlines()[-1]))
    return statistics.median(values) / 1024.0


def verified(commands, env_path):
    """Drops (and reports) a command that does not print what the plain program prints."""
    env = {"PATH": env_path, "HOME": HOME, "LANG": "C.UTF-8"}
    want, kept = None, []
    for label, cmd in commands:
        r = subprocess.run(["env", "-i"] + ["%s=%s" % kv for kv in env.items()] + cmd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        if "pass" not in cmd and want is None:
            want = r.stdout
        if r.returncode != 0 or ("pass" not in cmd and r.stdout != want):
            sys.stderr.write("bench: %s FAILED (exit %s), not measured: %s\n" % (label, r.returncode, r.stderr.strip()[-300:]))
            continue
        kept.append((label, cmd))
    return kept


def measure(title, commands, env_path, args, ref, loose=None):
    commands = verified(commands, env_path)
    warm = hyperfine(commands, env_path, args.runs, cold=False, rounds=args.rounds)
    cold = hyperfine(commands, env_path, args.cold_runs, cold=True)
    rows = []
    for label, cmd in commands:
        rows.append((label, warm[label][0], warm[label][1], cold[label][0], syscalls(cmd, env_path), peak_rss(cmd, env_path)))
    base = dict((r[0], r) for r in rows)
    lines = ["", "### %s" % title, "",
             "| command | warm ms | x `-c pass` | x `-S -c pass` | x %s | warm CPU ms | CPU x `-c pass` | CPU x `-S -c pass` | CPU x %s | cold ms | fs syscalls | x %s syscalls | peak RSS MB |" % ((loose or "-",) * 3),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, w, cpu, c, n, mem in rows:
        vs = lambda key, i, v: "%.2f" % (v / base[key][i]) if key in base else "-"
        nl = "%.2f" % (n / base[loose][4]) if loose in base and n and base[loose][4] else "-"
        lines.append("| %s | %.1f | %s | %s | %s | %.1f | %s | %s | %s | %.1f | %s | %s | %.1f |" % (
            label, w, vs(ref + " -c pass", 1, w), vs(ref + " -S -c pass", 1, w), vs(loose, 1, w),
            cpu, vs(ref + " -c pass", 2, cpu), vs(ref + " -S -c pass", 2, cpu), vs(loose, 2, cpu), c, n, nl, mem))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40, help="warm runs per command (per round with --rounds)")
    ap.add_argument("--rounds", type=int, default=1, help="warm runs split into this many shuffled hyperfine invocations (interleaving)")
    ap.add_argument("--cold-runs", type=int, default=10)
    ap.add_argument("--py", default="/usr/bin/python3", help="the host interpreter the archives and baselines use")
    ap.add_argument("--numpy", action="store_true", help="also the numpy app (examples/numpy, built in its own workspace)")
    args = ap.parse_args()
    py = args.py
    apps = build(args)
    with open(os.path.join(WORK, "clean.sh"), "w") as f:
        f.write(CLEAN.format(home=HOME, work=WORK))
    report = ["# Launch benchmark", "", "`python3 bench/launch/run.py --runs %d --rounds %d --cold-runs %d --py %s%s`" % (
        args.runs, args.rounds, args.cold_runs, py, " --numpy" if args.numpy else ""), "",
        "Medians. Python: %s. Host: %s, %d cores." % (
            subprocess.run([py, "-c", "import sys; print(sys.version.split()[0])"], stdout=subprocess.PIPE, universal_newlines=True).stdout.strip(),
            os.uname().release, os.cpu_count())]

    for name in ("hello", "wide"):
        tree = os.path.join(WORK, "loose", name)
        commands = [("%s -c pass" % "PY", [py, "-c", "pass"]), ("PY -S -c pass", [py, "-S", "-c", "pass"]),
                    ("loose", [py, os.path.join(tree, "main.py")]),
                    ("zipapp", [py, zipapp(py, tree, os.path.join(WORK, "zipapp", name + ".pyz"))])]
        commands += tools(py, name, tree)
        commands.append(("par", [apps[name]]))
        if name == "wide":
            commands.append(("par (compression = stored)", [apps["wide_stored"]]))
        report += measure(name, commands, BASE_PATH, args, "PY", loose="loose")

    # A non-default interpreter: python3 first on PATH is 3.11, the archive needs >= 3.12.
    old, new = pyenv_bin("3.11"), pyenv_bin("3.13") or pyenv_bin("3.12")
    if old and new:
        newpy = sorted(glob.glob(os.path.join(new, "python3.1[2-9]")))[0]
        path = "%s:%s:%s" % (old, new, BASE_PATH)
        commands = [("PY3.x -c pass", [newpy, "-c", "pass"]), ("PY3.x -S -c pass", [newpy, "-S", "-c", "pass"]),
                    ("PY3.x ARCHIVE (interpreter given)", [newpy, apps["hello_newer"]]),
                    ("par (launcher picks %s)" % os.path.basename(newpy), [apps["hello_newer"]])]
        report += measure("hello_newer: selecting a non-default interpreter (%s)" % newpy, commands, path, args, "PY3.x")
    else:
        report += ["", "(hello_newer skipped: needs pyenv 3.11 and 3.12/3.13)"]

    if args.numpy:
        report += numpy_rows(args)
    text = "\n".join(report) + "\n"
    with open(os.path.join(WORK, "latest.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


def numpy_rows(args):
    ws = os.path.join(ROOT, "examples", "numpy")
    sh([os.path.join(ROOT, "scripts", "bazel"), "build", "//:solve"], cwd=ws)
    archive = os.path.join(WORK, "par", "numpy")
    shutil.copy(os.path.realpath(os.path.join(ws, "bazel-bin", "solve")), archive)
    os.chmod(archive, 0o755)
    pybin = pyenv_bin("3.11")
    py = os.path.join(pybin, "python3")  # pyenv 3.11 has numpy in its site-packages
    path = "%s:%s" % (pybin, BASE_PATH)
    commands = [("PY -c pass", [py, "-c", "pass"]), ("PY -S -c pass", [py, "-S", "-c", "pass"]),
                ("site-packages", [py, os.path.join(ws, "solve.py")]), ("par", [archive])]
    return measure("numpy (interpreter %s; the archive is started with it first on PATH)" % py, commands, path, args, "PY", loose="site-packages")


if __name__ == "__main__":
    main()
