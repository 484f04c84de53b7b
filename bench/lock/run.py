"""par_wheels fetch + analysis of a lock file vs `pip download` of the same wheels.

    python3 bench/lock/run.py [--dists 50] [--runs 3]

Needs pyenv's Python 3.11 (its site-packages are the wheels, rebuilt by
tests/helpers/rebuild_wheel.py) and its pip. Picks up to --dists installed distributions whose
Requires-Dist (for 3.11 on Linux, no extras) are all among them, serves them on loopback
(tests/helpers/serve.py: files/ and a PEP 503 simple/), and times, --runs times each (median):

  par cold    `bazel build --nobuild @pypi//...` in a fresh output base with an empty
              repository cache: server start, fetch of every wheel, the hub, loading + analysis
  server      `bazel info` in a fresh output base: the server start alone (subtract it)
  par no-op   the same build again on the warm server (re-analysis, nothing fetched)
  pip         `pip download --no-deps --only-binary=:all: --require-hashes -r requirements.txt`
              from the same server, no pip cache
"""

import argparse
import glob
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PICK = r'''
import importlib.metadata as md, sys
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name as n
env = {"extra": ""}
dists = {}
for d in md.distributions():
    name = n(d.metadata["Name"])
    if name in ("pip", "setuptools", "wheel") or name in dists:
        continue
    reqs = []
    for r in d.requires or []:
        r = Requirement(r)
        if r.marker is None or r.marker.evaluate(env):
            reqs.append(n(r.name))
    dists[name] = reqs
def closure(name, seen):
    if name in seen:
        return True
    if name not in dists:
        return False
    seen.add(name)
    return all(closure(r, seen) for r in dists[name])
chosen = set()
for name in sorted(dists):
    c = set()
    if closure(name, c) and len(chosen | c) <= int(sys.argv[1]):
        chosen |= c
print("\n".join(sorted(chosen)))
'''


def median_time(fn, runs):
    times = []
    for i in range(runs):
        t = fn(i)
        times.append(t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dists", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="also write a Bazel profile of one cold fetch and print its slowest phases")
    a = ap.parse_args()
    pys = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.11.*/bin/python")))
    if not pys:
        sys.exit("bench/lock: needs pyenv's Python 3.11")
    py = pys[-1]
    tmp = tempfile.mkdtemp(prefix="par-bench-lock-")
    files = os.path.join(tmp, "srv", "files")
    os.makedirs(files)
    names = subprocess.run([py, "-c", PICK, str(a.dists)], check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        r = subprocess.run([py, os.path.join(ROOT, "tests/helpers/rebuild_wheel.py"), files, name], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("bench/lock: cannot rebuild %s: %s" % (name, r.stderr.strip()[-300:]))
    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/helpers/serve.py"), os.path.join(tmp, "srv")], stdout=subprocess.PIPE, text=True)
    port = server.stdout.readline().strip()
    try:
        ws = os.path.join(tmp, "ws")
        os.makedirs(ws)
        lock, reqs = ['lock-version = "1.0"', 'created-by = "bench/lock"', ""], []
        for f in sorted(os.listdir(files)):
            dist, version = f.split("-")[0].replace("_", "-").lower(), f.split("-")[1]
            sha = hashlib.sha256(open(os.path.join(files, f), "rb").read()).hexdigest()
            os.makedirs(os.path.join(tmp, "srv", "simple", dist), exist_ok=True)
            with open(os.path.join(tmp, "srv", "simple", dist, "index.html"), "w") as out:
                out.write('<a href="../../files/%s#sha256=%s">%s</a>\n' % (f, sha, f))
            lock += ["[[packages]]", 'name = "%s"' % dist, 'version = "%s"' % version,
                     'wheels = [{ url = "http://127.0.0.1:%s/files/%s", hashes = { sha256 = "%s" } }]' % (port, f, sha), ""]
            reqs.append("%s==%s --hash=sha256:%s" % (dist, version, sha))
        open(os.path.join(ws, "pylock.toml"), "w").write("\n".join(lock))
        open(os.path.join(ws, "requirements.txt"), "w").write("\n".join(reqs) + "\n")
        stubs = os.path.join(ROOT, "third_party/offline_stubs")
        open(os.path.join(ws, "WORKSPACE"), "w").write(
            'local_repository(name = "rules_par", path = "%s")\n' % ROOT
            + 'local_repository(name = "rules_java", path = "%s/rules_java")\n' % stubs
            + 'local_repository(name = "rules_cc", path = "%s/rules_cc")\n' % stubs
            + 'load("@rules_par//rules:repositories.bzl", "par_wheels", "rules_par_dependencies", "rules_par_register_toolchains")\n'
            + 'rules_par_dependencies()\nrules_par_register_toolchains()\npar_wheels(name = "pypi", lock = "//:pylock.toml")\n')
        open(os.path.join(ws, "BUILD"), "w").write('exports_files(["pylock.toml"])\n')
        bazel = os.path.join(ROOT, "scripts/bazel")
        env = dict(os.environ, PAR_PYTHON_BIN=py)

        def bz(base, *args):
            t = time.monotonic()
            subprocess.run([bazel, "--output_base=" + os.path.join(tmp, base), "--max_idle_secs=60"] + list(args), cwd=ws, env=env, check=True, capture_output=True)
            return time.monotonic() - t

        def shutdown(base):
            subprocess.run([bazel, "--output_base=" + os.path.join(tmp, base), "shutdown"], cwd=ws, capture_output=True)

        noop = []

        def par_cold(i):
            base = "ob%d" % i
            t = bz(base, "build", "--nobuild", "--repository_cache=" + os.path.join(tmp, "rc%d" % i), "@pypi//...")
            noop.append(bz(base, "build", "--nobuild", "--repository_cache=" + os.path.join(tmp, "rc%d" % i), "@pypi//..."))
            shutdown(base)
            return t

        def server_start(i):
            base = "info%d" % i
            t = bz(base, "info", "output_base")
            shutdown(base)
            return t

        def pip(i):
            out = os.path.join(tmp, "pip%d" % i)
            t = time.monotonic()
            subprocess.run([py, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "--require-hashes", "--no-cache-dir",
                            "--disable-pip-version-check", "-r", os.path.join(ws, "requirements.txt"), "-d", out,
                            "--index-url", "http://127.0.0.1:%s/simple/" % port, "--trusted-host", "127.0.0.1"], check=True, capture_output=True)
            return time.monotonic() - t

        if a.profile:
            prof = os.path.join(tmp, "profile.gz")
            bz("obp", "build", "--nobuild", "--repository_cache=" + os.path.join(tmp, "rcp"), "--profile=" + prof, "@pypi//...")
            shutdown("obp")
            print(subprocess.run([bazel, "analyze-profile", prof], cwd=ws, capture_output=True, text=True).stdout[-3000:])
        n = len(os.listdir(files))
        size = sum(os.path.getsize(os.path.join(files, f)) for f in os.listdir(files)) / 1e6
        cold = median_time(par_cold, a.runs)
        start = median_time(server_start, a.runs)
        p = median_time(pip, a.runs)
        print("bench/lock: %d distributions, %.1f MB of wheels, median of %d runs" % (n, size, a.runs))
        print("  par cold (fetch + hub + analysis, incl. server start)  %6.2f s" % cold)
        print("  bazel server start alone                               %6.2f s" % start)
        print("  par cold minus server start                            %6.2f s" % (cold - start))
        print("  par no-op re-analysis                                  %6.2f s" % statistics.median(noop))
        print("  pip download (same index, no cache)                    %6.2f s" % p)
        print("  ratio par/pip: %.2fx (minus server start: %.2fx)" % (cold / p, (cold - start) / p))
    finally:
        server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
