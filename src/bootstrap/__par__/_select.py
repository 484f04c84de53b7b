"""Re-targets to a compatible interpreter when the running one does not satisfy `python`.

Only reached on a mismatch (the launcher normally picks a fitting interpreter before Python
starts), so it may import what it likes.
"""

import os
import sys

from __par__ import _messages


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


def reexec_or_exit(data, archive, boot_code):
    py = data["python"]
    version = "%d.%d.%d" % sys.version_info[:3]
    prog = sys.argv[0]
    tried = ["the running interpreter %s (Python %s)" % (sys.executable, version)]
    if os.environ.get("PAR_PYTHON"):
        tried.append("$PAR_PYTHON=%s (set explicitly, so nothing else is tried)" % os.environ["PAR_PYTHON"])
    elif os.environ.get("PAR_REEXEC") == "1":
        tried.append("a re-exec already chose this interpreter")
    else:
        found = False
        for minor, path in _candidates(py["minors"]):
            found = True
            if _same_file(path, sys.executable):
                continue
            env = dict(os.environ, PAR_REEXEC="1")
            args = [path, "-S", "-c", boot_code, archive, prog] + sys.argv[1:]
            try:
                os.execve(path, args, env)
            except OSError as e:
                tried.append("%s (%s)" % (path, e.strerror))
        if not py["minors"]:
            tried.append("no python3.X known to this build satisfies it, so none was searched for")
        elif not found:
            tried.append("python{%s} on PATH (none found)" % ",".join(py["minors"]))
    sys.stderr.write(_messages.wrong_python(prog, data["label"], py["spec"], version, sys.executable, tried) + "\n")
    sys.exit(1)
