"""Writes the bytecode bundle of _bytecode.py at exit (only after a run compiled something).

Atomic: a temp file beside the bundle, renamed over it; concurrent writers each rename a
whole file and the last one wins (a module it lacks is compiled and added by a later run).
Any failure (read-only or full cache, no home) is reported as a note for PAR_DEBUG_STARTUP
and otherwise ignored: the program has already run, from source-compiled code.
"""

import sys


def at_exit():
    """Called by _bytecode.py on the first module it had to compile (or with PAR_DEBUG_STARTUP)."""
    import atexit  # builtin

    atexit.register(_flush)


def _flush():
    """Rewrites the bundle when this run compiled something. Never fails the program."""
    try:
        from __par__ import _bytecode as b

        required = () if b._state["build"] else b.BOOTSTRAP  # the build interpreter preloads nothing
        missing = b._pending or [rel for rel in required if rel not in b._entries]
        note = write(b._state["root"], b._state["key"], b._entries, b._pending) if missing else "nothing new to write"
        if b._state["debug"]:
            sys.stderr.write("par: bytecode cache: %d loaded, %d compiled; %s\n" % (b._stats[0], b._stats[1], note))
    except BaseException:  # noqa: B902 -- the cache must never change how the program ends
        pass


def _root(found):
    """The reader's root, else _cache.py's candidate or temp fallback created private; None."""
    if found is not None:
        return found
    from __par__ import _bytecode, _cache

    path = _bytecode.candidate_root()
    if path and (_cache._private(path) or _cache._make_private(path)):
        return path
    return _cache.temp_root()  # never through a symlink


def _bootstrap_entries(entries, pending):
    """The modules loaded before the cache could serve them (when __par__/__init__.py installed
    it) are compiled now, through the cache's own hook, so the next launch needs none of them."""
    import zipimport
    from __par__ import _bytecode

    archive = _bytecode._state["archives"][0]
    for rel in _bytecode.BOOTSTRAP:
        if rel not in entries and rel not in pending:
            folder, _, name = rel[:-3].replace("/__init__", "").rpartition("/")
            zipimport.zipimporter(archive + "/" + folder + "/" if folder else archive).get_code(name)


def write(root, key, entries, pending):
    """Returns what happened, as a note for PAR_DEBUG_STARTUP."""
    import marshal
    import posix
    from _frozen_importlib_external import MAGIC_NUMBER
    from __par__ import _bytecode

    root = _root(root)
    if root is None:
        return "not written: no private cache directory"
    build = _bytecode._state["build"]
    if not build:
        _bootstrap_entries(entries, pending)
    merged = dict(entries)
    merged.update(pending)
    # The launcher's first line runs the second item before anything is imported (preload());
    # never for the build interpreter's bundle (the line checks the cache_tag first).
    code = None if build else marshal.loads(merged["__par__/_bytecode.py"][2])
    data = marshal.dumps((MAGIC_NUMBER, code, _bytecode.FORMAT, merged))
    base = root + "/bytecode"
    entry = "%s/%s" % (base, key)
    tmp = "%s/.tmp-%d" % (entry, posix.getpid())
    try:
        for d in (base, entry):
            try:
                posix.mkdir(d, 0o700)
            except FileExistsError:
                pass
        fd = posix.open(tmp, posix.O_WRONLY | posix.O_CREAT | posix.O_TRUNC | getattr(posix, "O_CLOEXEC", 0), 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[posix.write(fd, view):]
        finally:
            posix.close(fd)
        posix.rename(tmp, entry + "/bundle")
    except OSError as e:
        try:
            posix.unlink(tmp)
        except OSError:
            pass
        return "not written to %s: %s" % (entry, e.strerror or e)
    return "wrote %d modules to %s/bundle" % (len(merged), entry)

