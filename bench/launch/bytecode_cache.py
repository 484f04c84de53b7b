"""Non-default interpreter: an archive under a Python its .pyc do not fit, vs that Python alone.

    python3 bench/launch/bytecode_cache.py ARCHIVE [BEFORE_ARCHIVE] [--py python3.13] [--rounds 80]

ARCHIVE is e.g. bazel-bin/bench/launch/hello_newer (python = ">=3.12"). PATH = pyenv 3.11's
bin, then the --py interpreter's bin, then /usr/bin:/bin: the launcher skips the 3.11
python3 and execs the newer python3.X, as in bench/launch/run.py's hello_newer row. Each
round runs every command once in shuffled order (a loaded machine drifts less between
commands than with one command's runs back to back); medians of wall and CPU (user+system,
from wait4) per command, ratios to `PY -c pass`. Warm: the bytecode cache is filled by a
first launch. A cold row wipes the cache before every launch (compile + write). Also the
file-system syscalls of one warm launch (strace -f -c, %file and %desc).
"""

import argparse
import glob
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def pyenv_bin(minor):
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", minor + ".*", "bin")))
    return found[-1] if found else None


def timed(argv, env, prepare=None):
    if prepare:
        prepare()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: output to /dev/null, then the command
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.execve(argv[0], argv, env)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit("bench: %s failed (status %d)" % (" ".join(argv), status))
    return wall * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3


def syscalls(argv, env):
    out = tempfile.mktemp()
    subprocess.run(["strace", "-f", "-qq", "-c", "-e", "trace=%file,%desc", "-o", out] + argv, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        for line in f:
            if line.strip().endswith("total"):
                os.unlink(out)
                return int(line.split()[3])
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archive")
    ap.add_argument("before", nargs="?", help="the same app built without the bytecode cache")
    ap.add_argument("--py", default=None, help="the newer interpreter (default: pyenv 3.13's python3.13)")
    ap.add_argument("--rounds", type=int, default=80)
    args = ap.parse_args()
    py = args.py or os.path.join(pyenv_bin("3.13") or "/nonexistent", "python3.13")
    old = pyenv_bin("3.11")
    if not (os.path.exists(py) and old):
        sys.exit("bench: needs pyenv 3.11 and %s" % py)
    work = tempfile.mkdtemp(prefix="par-bc-bench-")
    home = os.path.join(work, "home")
    os.makedirs(home)
    apps = {}
    for label, path in (("par", args.archive), ("par before", args.before)):
        if path:  # plain copies, as users run them
            apps[label] = os.path.join(work, label.replace(" ", "_"))
            shutil.copy(path, apps[label])
            os.chmod(apps[label], 0o755)
    env = {"PATH": "%s:%s:/usr/bin:/bin" % (old, os.path.dirname(py)), "HOME": home, "LANG": "C.UTF-8"}
    wipe = lambda: shutil.rmtree(os.path.join(home, ".cache"), ignore_errors=True)  # noqa: E731
    commands = [("PY -c pass", [py, "-c", "pass"], None), ("PY -S -c pass", [py, "-S", "-c", "pass"], None)]
    commands += [(label, [path], None) for label, path in sorted(apps.items())]
    commands.append(("par, cold (cache wiped)", [apps["par"]], wipe))
    for _, argv, _ in commands:  # warm-up; fills the bytecode cache
        for _ in range(3):
            timed(argv, env)
    results = dict((label, []) for label, _, _ in commands)
    for _ in range(args.rounds):
        random.shuffle(commands)
        for label, argv, prepare in commands:
            results[label].append(timed(argv, env, prepare))
    timed([apps["par"]], env)  # the warm syscall count below needs a filled cache
    base_wall = statistics.median(w for w, _ in results["PY -c pass"])
    base_cpu = statistics.median(c for _, c in results["PY -c pass"])
    print("`python3 bench/launch/bytecode_cache.py ARCHIVE%s --rounds %d`; interpreter %s; PATH: pyenv 3.11, then %s\n" % (
        " BEFORE" if args.before else "", args.rounds, py, os.path.dirname(py)))
    print("| command | wall ms | x `PY -c pass` | CPU ms | CPU x `PY -c pass` | fs syscalls |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, argv, prepare in sorted(commands, key=lambda c: c[0]):
        wall = statistics.median(w for w, _ in results[label])
        cpu = statistics.median(c for _, c in results[label])
        n = syscalls(argv, env) if prepare is None else "-"
        print("| %s | %.1f | %.2f | %.1f | %.2f | %s |" % (label, wall, wall / base_wall, cpu, cpu / base_cpu, n))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
