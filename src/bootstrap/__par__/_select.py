"""Re-targets to a compatible interpreter: when the running one does not satisfy `python`
(reexec_or_exit), or when a bundled wheel does not fit it (_wheels.py, through reexec).

Only reached on a mismatch (the launcher normally picks a fitting interpreter before Python
starts), so it may import what it likes.
"""

import os
import sys

from __par__ import _messages

# What the re-executed interpreter runs: the bootstrap, imported from the archive (argv[1]).
BOOT_CODE = "import sys;sys.path[0]=sys.argv[1];del sys.argv[:2];from __par__._boot import main;main()"


def _candidates(minors):
    """python3.X on PATH, best first; version-manager shim directories skipped (slow)."""
    seen = set()
    for minor in minors:
        for d in os.environ.get("PATH", "").split(os.pathsep):
            if not d or d.rstrip("/").endswith("/shims"):
                continue
            path = os.path.join(d, "python" + minor)
            if path not in seen and os.path.isfile(path) and os.access(path, os.X_OK):
                seen.add(path)
                yield minor, path
                break


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def reexec(minors, archive, tried):
    """Runs the archive again under the best python3.X of `minors` on PATH that is not this
    interpreter; PAR_REEXEC=1 in its environment stops a loop. Returns only when none could
    be run, with what it tried added to `tried`."""
    if os.environ.get("PAR_PYTHON"):
        tried.append("$PAR_PYTHON=%s (set explicitly, so nothing else is tried)" % os.environ["PAR_PYTHON"])
        return
    if os.environ.get("PAR_REEXEC") == "1":
        tried.append("a re-exec already chose this interpreter")
        return
    found = False
    for minor, path in _candidates(minors):
        found = True
        if _same_file(path, sys.executable):
            continue
        env = dict(os.environ, PAR_REEXEC="1")
        try:
            os.execve(path, [path, "-S", "-c", BOOT_CODE, archive, sys.argv[0]] + sys.argv[1:], env)
        except OSError as e:
            tried.append("%s (%s)" % (path, e.strerror))
    if not minors:
        tried.append("no python3.X known to this build satisfies it, so none was searched for")
    elif not found:
        tried.append("python{%s} on PATH (none found)" % ",".join(minors))


def reexec_or_exit(data, archive):
    py = data["python"]
    version = "%d.%d.%d" % sys.version_info[:3]
    prog = sys.argv[0]
    tried = ["the running interpreter %s (Python %s)" % (sys.executable, version)]
    reexec(py["minors"], archive, tried)
    sys.stderr.write(_messages.wrong_python(prog, data["label"], py["spec"], version, sys.executable, tried) + "\n")
    sys.exit(1)
