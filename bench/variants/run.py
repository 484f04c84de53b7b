"""Fat archive (one python_wheel(wheels = [...]) with six builds of a C extension, 3.8-3.13)
against single-build archives: launch under 3.8, 3.11 and 3.13 (warm and cold) and size.

    python3 bench/variants/run.py [--runs 20] [--cold-runs 8]
    python3 bench/variants/run.py --bytecode [--runs 20] [--cold-runs 8]

Builds the extension with gcc against each pyenv interpreter's headers into six wheels (as
tests/integration/wheel-variants.test.ts does), a workspace under bench/.cache/variants with
//:fat (all six builds) and //:single_3X (python_wheel(wheel = ...) of that minor's build,
python = "==3.X.*"), builds them with Bazel and runs each archive with PAR_PYTHON set to
that interpreter (hyperfine -N, empty environment). Warm: the per-user cache filled first;
cold: a fresh PAR_ROOT for every run (the build's extraction included; the page cache kept).
Output: a Markdown table on stdout.

--bytecode: where the 3.8 build's bytecode comes from. The wheels also hold 150 generated
modules (40 functions each) that the extension's package imports; //:fat is built twice, once
with the default toolchain (python3, 3.11: the 3.8 build ships .py only) and once with pyenv 3.8 as the toolchain
(the 3.8 build ships build-time .pyc); the launcher compiles what the archive brings no
bytecode for into the cache entry when it extracts it (_wheels.py _compile). Both run under 3.8: cold, warm, and warm with
PYTHONDONTWRITEBYTECODE=1 (the cache filled with the variable set: Python itself writes nothing).
"""

import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORK = os.path.join(ROOT, "bench", ".cache", "variants")
MINORS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]
MEASURED = ["3.8", "3.11", "3.13"]
C_SOURCE = open(os.path.join(ROOT, "tests", "integration", "wheel-variants.test.ts")).read().split("const C_SOURCE = `")[1].split("`;")[0]


def pyenv(minor):
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s.*/bin/python" % minor)))
    if not found:
        sys.exit("needs pyenv Python %s" % minor)
    return found[-1]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, universal_newlines=True, **kw).stdout


def build_wheel(minor, out, modules=0):
    py = pyenv(minor)
    suffix, include = run([py, "-c", "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX')); print(sysconfig.get_paths()['include'])"]).split()
    pkg = os.path.join(WORK, "src", minor, "fastmath")
    os.makedirs(pkg, exist_ok=True)
    with open(os.path.join(pkg, "__init__.py"), "w") as f:
        f.write("from fastmath._speed import triple\n" + "".join("from fastmath import m%d\n" % i for i in range(modules)))
    body = "".join("def f%d(x, y=%d):\n    if x > y:\n        return [i * y for i in range(x)]\n    return {'x': x, 'y': y}\n\n" % (j, j) for j in range(40))
    for i in range(modules):
        with open(os.path.join(pkg, "m%d.py" % i), "w") as f:
            f.write(body)
    c = os.path.join(WORK, "src", "_speed.c")
    with open(c, "w") as f:
        f.write(C_SOURCE)
    run(["gcc", "-shared", "-fPIC", "-O1", "-I" + include, "-o", os.path.join(pkg, "_speed" + suffix), c])
    tag = "cp3%s-cp3%s-linux_x86_64" % (minor[2:], minor[2:])
    return os.path.basename(run([sys.executable, os.path.join(ROOT, "tests/helpers/wheel_from_files.py"), out, "fastmath", "1.0", tag, pkg]).strip())


def hyperfine(cmds, env, runs, prepare=None):
    out = os.path.join(WORK, "hf.json")
    args = ["hyperfine", "-N", "--runs", str(runs), "--export-json", out]
    if prepare:
        args += ["--prepare", prepare]
    else:
        args += ["--warmup", "3"]
    subprocess.run(args + cmds, check=True, env=env, stdout=subprocess.DEVNULL)
    return [r["median"] * 1000 for r in json.load(open(out))["results"]]


def build_workspace(ws, build, targets, toolchain=""):
    """Writes the workspace (BUILD lines `build`), builds `targets` and copies the archives to <ws>/out."""
    stubs = os.path.join(ROOT, "third_party/offline_stubs")
    files = {
        "WORKSPACE": 'workspace(name = "variants")\nlocal_repository(name = "rules_par", path = "%s")\n'
        'local_repository(name = "rules_java", path = "%s/rules_java")\nlocal_repository(name = "rules_cc", path = "%s/rules_cc")\n'
        'load("@rules_par//rules:repositories.bzl", "rules_par_dependencies", "rules_par_register_toolchains")\n'
        'rules_par_dependencies()\nrules_par_register_toolchains(python_interpreter = "%s")\n' % (ROOT, stubs, stubs, toolchain),
        "BUILD": "\n".join(build) + "\n",
        "main.py": "import sys\nfrom fastmath import triple\nsys.exit(0 if triple(7) == 21 else 1)\n",
        ".bazelrc": "build --incompatible_strict_action_env\n",
    }
    for name, text in files.items():
        with open(os.path.join(ws, name), "w") as f:
            f.write(text)
    startup = ["--output_base=" + ws + "-ob", "--max_idle_secs=60"]
    bazel = os.path.join(ROOT, "scripts/bazel")
    subprocess.run([bazel] + startup + ["build"] + targets, check=True, cwd=ws, stderr=subprocess.DEVNULL)
    out = os.path.join(ws, "out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for t in targets:
        shutil.copy(os.path.join(ws, "bazel-bin", t[3:]), out)
    subprocess.run([bazel] + startup + ["shutdown"], cwd=ws)
    return out


def wheels(ws, modules=0):
    shutil.rmtree(os.path.join(ws, "wheels"), ignore_errors=True)
    os.makedirs(os.path.join(ws, "wheels"))
    return {m: build_wheel(m, os.path.join(ws, "wheels"), modules) for m in MINORS}


def bytecode(a):
    rows = []
    for toolchain in ("", pyenv("3.8")):
        ws = os.path.join(WORK, "ws-bytecode-" + ("3.8" if toolchain else "default"))
        os.makedirs(ws, exist_ok=True)
        names = wheels(ws, modules=150)
        build = ['load("@rules_par//rules:defs.bzl", "python_binary", "python_wheel")',
                 'python_wheel(name = "fastmath", wheels = [%s])' % ", ".join('"wheels/%s"' % n for n in names.values()),
                 'python_binary(name = "fat", main = "main.py", srcs = ["main.py"], deps = [":fastmath"])']
        fat = os.path.join(build_workspace(ws, build, ["//:fat"], toolchain), "fat")
        root = os.path.join(WORK, "bc-root")
        env = {"PATH": "/usr/bin:/bin", "HOME": WORK, "PAR_PYTHON": pyenv("3.8"), "PAR_ROOT": root}
        cold = hyperfine([fat], env, a.cold_runs, prepare="rm -rf " + root)[0]
        shutil.rmtree(root, ignore_errors=True)
        warm = hyperfine([fat], env, a.runs)[0]
        shutil.rmtree(root, ignore_errors=True)
        nowrite = hyperfine([fat], dict(env, PYTHONDONTWRITEBYTECODE="1"), a.runs)[0]
        what = "3.8 (the build's .pyc shipped)" if toolchain else "3.11 (3.8 build compiled when extracted)"
        rows.append("| %s | %.1f | %.1f | %.1f |" % (what, cold, warm, nowrite))
    print("| toolchain | cold ms | warm ms | warm, PYTHONDONTWRITEBYTECODE=1 ms |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--cold-runs", type=int, default=8)
    ap.add_argument("--bytecode", action="store_true")
    a = ap.parse_args()
    if a.bytecode:
        return bytecode(a)
    ws = os.path.join(WORK, "ws")
    os.makedirs(ws, exist_ok=True)
    names = wheels(ws)
    build = ['load("@rules_par//rules:defs.bzl", "python_binary", "python_wheel")',
             'python_wheel(name = "fastmath", wheels = [%s])' % ", ".join('"wheels/%s"' % n for n in names.values()),
             'python_binary(name = "fat", main = "main.py", srcs = ["main.py"], deps = [":fastmath"])']
    for m, n in names.items():
        s = m.replace(".", "")
        build.append('python_wheel(name = "fastmath_%s", wheel = "wheels/%s")' % (s, n))
        build.append('python_binary(name = "single_%s", main = "main.py", srcs = ["main.py"], deps = [":fastmath_%s"], python = "==%s.*")' % (s, s, m))
    targets = ["//:fat"] + ["//:single_%s" % m.replace(".", "") for m in MINORS]
    bin_dir = build_workspace(ws, build, targets)
    arch = lambda n: os.path.join(bin_dir, n)
    rows = []
    for m in MEASURED:
        single = arch("single_" + m.replace(".", ""))
        warm_root = os.path.join(WORK, "warm-" + m)
        shutil.rmtree(warm_root, ignore_errors=True)
        env = {"PATH": "/usr/bin:/bin", "HOME": WORK, "PAR_PYTHON": pyenv(m), "PAR_ROOT": warm_root}
        warm = hyperfine([arch("fat"), single], env, a.runs)
        cold_root = os.path.join(WORK, "cold-" + m)
        cold = hyperfine([arch("fat"), single], dict(env, PAR_ROOT=cold_root), a.cold_runs, prepare="rm -rf " + cold_root)
        rows.append("| %s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f |" % (m, warm[0], warm[1], warm[0] / warm[1], cold[0], cold[1], cold[0] / cold[1]))
    print("| Python | fat warm ms | single warm ms | ratio | fat cold ms | single cold ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    fat = os.path.getsize(arch("fat"))
    singles = sum(os.path.getsize(arch("single_" + m.replace(".", ""))) for m in MINORS)
    print("\nfat archive %d B; the six single-build archives %d B together (%.2fx); one single-build archive ~%d B" % (fat, singles, fat / singles, singles // 6))


if __name__ == "__main__":
    main()
