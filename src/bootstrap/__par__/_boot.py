"""The launcher: checks the interpreter, builds sys.path once, runs the program.

Start-up budget: this module imports nothing beyond what a bare `python -S` has already
loaded (sys, posix, zipimport, _frozen_importlib); everything else is imported only on the
path that needs it (errors, PAR_INFO, interpreter mode, debug timings).
"""

import sys

import __par__

_BOOT_CODE = "import sys;sys.path[0]=sys.argv[1];del sys.argv[:2];from __par__._boot import main;main()"


def _env(name):
    import posix  # builtin, already loaded: os.environ would import os (~1 ms under -S)

    value = posix.environ.get(name.encode())
    return None if value is None else value.decode("utf-8", "surrogateescape")


class _Phases(object):
    """PAR_DEBUG_STARTUP=1: phase timings on stderr. Costs nothing when off."""

    def __init__(self, enabled):
        self.enabled = enabled
        if enabled:
            import time

            self._clock = time.perf_counter
            self._last = self._start = self._clock()

    def mark(self, phase):
        if self.enabled:
            now = self._clock()
            sys.stderr.write("par: %-22s %7.3f ms (total %7.3f ms)\n" % (phase, (now - self._last) * 1e3, (now - self._start) * 1e3))
            self._last = now


def _satisfies(clauses, version):
    """Evaluates a PEP 440 specifier the packager pre-parsed into (op, release, wildcard) clauses."""
    for op, release, wildcard in clauses:
        n = len(release)
        have = tuple(version[:n]) if wildcard else tuple(version[:3]) + (0,) * max(0, n - 3)
        want = tuple(release) if wildcard else tuple(release) + (0,) * max(0, 3 - n)
        if op == "==":
            ok = have == want
        elif op == "!=":
            ok = have != want
        elif op == ">=":
            ok = have >= want
        elif op == "<=":
            ok = have <= want
        elif op == ">":
            ok = have > want
        else:  # "<"
            ok = have < want
        if not ok:
            return False
    return True


def _absolute(path):
    if path.startswith("/"):
        return path
    import posix

    cwd = posix.getcwd()
    while path.startswith("./"):
        path = path[2:]
    return cwd + "/" + path


def _hermetic_path(archive, roots):
    """The archive's import roots first; then PYTHONPATH; then the standard library only.

    Site-packages of the host (and of a virtualenv) are dropped: they are under neither the
    base prefixes nor PYTHONPATH, or are named *-packages.
    """
    pythonpath = _env("PYTHONPATH") if not sys.flags.ignore_environment else None
    explicit = set(pythonpath.split(":")) if pythonpath else ()
    prefixes = (sys.base_prefix, sys.base_exec_prefix)
    keep = [
        p
        for p in sys.path[1:]
        if p in explicit or (p.startswith(prefixes) and "site-packages" not in p and "dist-packages" not in p)
    ]
    sys.path[:] = [archive + "/" + r if r else archive for r in roots] + keep


def _select_interpreter_or_exit(data, archive):
    from __par__ import _select

    _select.reexec_or_exit(data, archive, _BOOT_CODE)


def _print_info():
    import json

    sys.stdout.write(json.dumps(__par__.build_info, indent=2, sort_keys=True) + "\n")
    sys.exit(0)


def _run_main_module(archive, name, path):
    import zipimport
    import _frozen_importlib

    package, _, leaf = name.rpartition(".")
    folder = path.rpartition("/")[0]
    # A zipimporter rooted at the module's folder reuses zipimport's cached directory of the
    # archive, and loads the .pyc (falling back to the source if the magic differs).
    loader = zipimport.zipimporter(archive + "/" + folder + "/" if folder else archive)
    code = loader.get_code(leaf)
    main = type(sys)("__main__")
    spec = _frozen_importlib.ModuleSpec(name, loader, origin=archive + "/" + path)
    spec.has_location = True
    main.__dict__.update(
        __file__=archive + "/" + path,
        __spec__=spec,
        __loader__=loader,
        __package__=package,
        __cached__=None,
        __builtins__=__builtins__,
    )
    sys.modules["__main__"] = main
    _call(exec, code, main.__dict__)


def _run_entry_point(entry_point):
    modname, _, attrs = entry_point.partition(":")
    __import__(modname)
    target = sys.modules[modname]
    for attr in attrs.split("."):
        target = getattr(target, attr)
    sys.exit(target())


def _call(fn, *args):
    """Runs the program; uncaught exceptions print as for a plain script (exit code 1)."""
    try:
        fn(*args)
    except (SystemExit, KeyboardInterrupt):
        # KeyboardInterrupt keeps Python's own handling: exit by SIGINT, as the shell expects.
        raise
    except BaseException as e:  # noqa: B902 -- reported exactly as Python would
        tb = e.__traceback__
        while tb is not None and tb.tb_next is not None and tb.tb_frame.f_globals is globals():
            tb = tb.tb_next  # launcher frames: a traceback starts at the program, as for a script
        # excepthook prints e.__traceback__ when set, not its tb argument.
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        sys.exit(1)


def main(direct=False):
    phases = _Phases(_env("PAR_DEBUG_STARTUP") == "1")
    from __par__ import _manifest

    data = _manifest.DATA
    archive = sys.path[0]
    if direct:
        # `python ARCHIVE`: runpy put the path as typed; a later chdir must not break imports.
        archive = sys.path[0] = _absolute(archive)
    __par__.archive = archive
    phases.mark("manifest")

    if _env("PAR_INFO") == "1":
        _print_info()
    if not _satisfies(data["python"]["clauses"], sys.version_info):
        _select_interpreter_or_exit(data, archive)
    if _env("PAR_REEXEC") is not None:
        import posix  # the loop guard of a re-exec must not leak into the program's children

        posix.unsetenv(b"PAR_REEXEC")
        posix.environ.pop(b"PAR_REEXEC", None)
    phases.mark("interpreter check")

    _hermetic_path(archive, data["roots"])
    phases.mark("sys.path")

    if _env("PAR_INTERPRETER") == "1":
        from __par__ import _interpreter

        _interpreter.run(archive)
        return
    entry = data["entry"]
    if "entry_point" in entry:
        phases.mark("run entry point")
        _call(_run_entry_point, entry["entry_point"])
    else:
        phases.mark("run main")
        _run_main_module(archive, entry["module"], entry["path"])
