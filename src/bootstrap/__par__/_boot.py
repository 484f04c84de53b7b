"""The launcher: checks the interpreter, builds sys.path once, runs the program.

Two ways in. fast(): the launcher's line read the launch blob (one pread, see
src/archive/launch-blob.ts) and ran this module's code from it; the package `__par__`, its
build facts and zipimport's directory of the archive come from the same blob, so nothing is
read twice and the zip directory is not parsed. main() alone: imported through zipimport
(another interpreter minor, `python ARCHIVE`, a re-exec).

Start-up budget: this module imports nothing beyond what a bare `python -S` has already
loaded (sys, posix, marshal, zipimport, _frozen_importlib); everything else is imported only
on the path that needs it (errors, PAR_INFO, interpreter mode, debug timings, local copies).
Rarely used code lives in other modules: every byte here is unmarshalled on every start.
"""

import sys

# The zipimport internals that _pin, _prefill and _single_load_importer (and _bytecode.py's
# hook) reach into are those of the Pythons the tests run: 3.8 to NEWEST_TESTED. A newer
# minor runs on plain zipimport: slower to start (no launch blob, no pinned reads, modules
# loaded twice, no bytecode cache), but never broken by a change inside zipimport.
NEWEST_TESTED = (3, 13)


def zipimport_tested():
    return (3, 8) <= sys.version_info[:2] <= NEWEST_TESTED


def _env(name):
    import posix  # builtin, already loaded: os.environ would import os (~1 ms under -S)

    value = posix.environ.get(name.encode())
    return None if value is None else value.decode("utf-8", "surrogateescape")


def _no_phase(phase):
    pass


def _phases():
    """PAR_DEBUG_STARTUP=1: a function that prints phase timings on stderr; else a no-op.
    Timed from the bootstrap's first line on (the interpreter's own start is for
    `python -X importtime` or perf to show)."""
    if _env("PAR_DEBUG_STARTUP") != "1":
        return _no_phase
    import time

    clock = time.perf_counter
    times = [clock()] * 2  # start, last mark

    def mark(phase):
        now = clock()
        sys.stderr.write("par: %-22s %7.3f ms (total %7.3f ms)\n" % (phase, (now - times[1]) * 1e3, (now - times[0]) * 1e3))
        times[1] = now

    return mark


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


# Archive path -> a descriptor held for the life of the process: the archive's inode stays
# readable when the file is deleted or replaced by another build.
_PINNED = {}


def _pin(archive, fd=None):
    """Reads the archive through one descriptor from now on; `fd` when the launcher opened it.

    zipimport (pure Python since 3.8) reopens the archive by path for every module and stats
    it for every new package: after `rm app` those fail, after `mv new-build app` they read
    the new build at the old build's offsets. Only its `_io.open_code`, `_path_stat` and
    `_get_data` are redirected, and only for pinned paths. Python 3.6/3.7 have a C zipimport
    that cannot be redirected: there only PAR_LOCAL_COPY protects. Returns the archive's
    stat, or None.
    """
    import posix

    if fd is None:
        try:
            fd = posix.open(archive, posix.O_RDONLY | getattr(posix, "O_CLOEXEC", 0))
        except OSError:
            return None
    zi = sys.modules.get("zipimport")
    if zi is not None and zipimport_tested() and archive not in _PINNED:
        if not _PINNED:
            io, paths = zi._io, zi._bootstrap_external
            io_view, paths_view = type(sys)("_io"), type(sys)("_bootstrap_external")
            io_view.__dict__.update(io.__dict__)
            paths_view.__dict__.update(paths.__dict__)
            get = _PINNED.get
            io_view.open_code = lambda path: io.open_code(path) if get(path) is None else _reopen(io, get(path))
            paths_view._path_stat = lambda path: paths._path_stat(path) if get(path) is None else posix.fstat(get(path))
            zi._io, zi._bootstrap_external = io_view, paths_view
            zi._get_data = _pinned_get_data(zi._get_data, get)
        _PINNED[archive] = fd
    return posix.fstat(fd)


def _reopen(io, fd):
    """A file object of the pinned inode, for zipimport's rare reads of the whole directory
    (invalidate_caches(), a new path spelling): /proc/self/fd reopens even a deleted file,
    with an offset of its own; elsewhere a duplicate descriptor."""
    try:
        return io.open_code("/proc/self/fd/%d" % fd)
    except OSError:
        import posix

        return io.open(posix.dup(fd), "rb")


def _pinned_get_data(original, pinned_fd):
    """zipimport's _get_data for pinned archives: the local header, name and data in one
    pread, zlib bound once. zipimport's own version pays a file object, two seeks, two
    reads, struct helpers and a `from zlib import decompress` per module: on the wide app
    (320 modules) that made a deflated archive ~11% slower to start than a stored one.
    Anything unusual (a bad signature, a short read) goes to the original for its errors."""
    import posix

    decompress = []

    def get_data(archive, toc_entry):
        fd = pinned_fd(archive)
        if fd is None:
            return original(archive, toc_entry)
        compress, data_size, offset = toc_entry[1], toc_entry[2], toc_entry[4]
        buf = posix.pread(fd, data_size + 512, offset)  # 512: room for the name (and extra)
        if data_size < 0 or buf[:4] != b"PK\x03\x04" or len(buf) < 30:
            return original(archive, toc_entry)
        start = 30 + (buf[26] | buf[27] << 8) + (buf[28] | buf[29] << 8)
        data = buf[start:start + data_size]
        if len(data) != data_size:
            data = posix.pread(fd, data_size, offset + start)
            if len(data) != data_size:
                return original(archive, toc_entry)
        if compress == 0:
            return data
        if not decompress:
            import zlib

            decompress.append(zlib.decompress)
        return decompress[0](data, -15)

    return get_data


# The launch blob's copy of zipimport's directory of the archive (names and entries without
# the archive path); kept for a local copy, which has the same bytes under another path.
_INDEX = []


def _prefill(archive, index):
    """Gives zipimport the archive's directory: what its _read_directory would build (~0.2 ms
    for hello, ~2.6 ms for 700 entries, all in Python), made from the blob in ~1/20 of that.
    One dict shared by every zipimporter of the archive, as zipimport itself does."""
    import zipimport

    prefix = archive + "/"
    # A directory's path has no trailing slash (zipimport joins with _path_join).
    zipimport._zip_directory_cache[archive] = {
        n: (prefix + n if n[-1] != "/" else prefix + n[:-1], c, ds, fs, o, t, d, crc) for n, c, ds, fs, o, t, d, crc in index
    }


def _local_copy_reason(data, st):
    """Why this launch runs from a local copy (for PAR_DEBUG_STARTUP), or None."""
    forced = _env("PAR_LOCAL_COPY")
    if forced is not None and forced != "":
        return "PAR_LOCAL_COPY=1" if forced == "1" else None
    if data.get("local_copy"):
        return "local_copy = True"
    # A file system on a block device (major != 0) is a local disk: decided from the stat we
    # have. Only anonymous devices (overlay, tmpfs, nfs, fuse ...) read mountinfo, ~60 us.
    import posix

    if st is not None and posix.major(st.st_dev) == 0:
        from __par__ import _localcopy

        kind = _localcopy.on_network_fs(st)
        if kind:
            return "network file system " + kind
    return None


def _single_load_importer(archive):
    """zipimport (3.10-3.13) loads every module twice: spec_from_loader() asks get_filename(),
    which reads, decompresses and unmarshals the code only to name the file, and then
    exec_module() calls get_code(), which does it all again. This subclass hands the first
    result to the second. Measured on the wide app (320 modules): import time of its code
    -30 %; the class costs ~30 us per launch. Only paths inside the archive use it.
    Returns what makes the importer of a path inside the archive.
    """
    import zipimport

    if sys.version_info < (3, 10) or not zipimport_tested():
        return zipimport.zipimporter  # 3.8/3.9 load through load_module(): one more load, left as it is

    base = zipimport.zipimporter

    class _ArchiveImporter(base):
        def get_filename(self, fullname):
            # Looked up at each call: _bytecode.py's hook may replace it after this class is made.
            code, _, path = zipimport._get_module_code(self, fullname)
            self._par_code = (fullname, code)
            return path

        def get_code(self, fullname):
            memo = self.__dict__.pop("_par_code", None)
            return memo[1] if memo is not None and memo[0] == fullname else base.get_code(self, fullname)

    prefix = archive + "/"

    def hook(path):
        if path == archive or path.startswith(prefix):
            return _ArchiveImporter(path)
        raise ImportError("not inside the archive")

    sys.path_hooks.insert(0, hook)
    cache = sys.path_importer_cache
    for path in [p for p in cache if p == archive or p.startswith(prefix)]:
        del cache[path]  # made again through the hook on next use
    return _ArchiveImporter


def _select_interpreter_or_exit(data, archive):
    from __par__ import _select

    _select.reexec_or_exit(data, archive)


def _print_info():
    import json

    sys.stdout.write(json.dumps(sys.modules["__par__"].build_info, indent=2, sort_keys=True) + "\n")
    sys.exit(0)


def _run_main_module(archive, name, path, unpacked=None):
    import zipimport
    import _frozen_importlib

    package, _, leaf = name.rpartition(".")
    folder = path.rpartition("/")[0]
    if unpacked is not None:  # layout = "extract": bytecode from __pycache__ beside the source
        import _frozen_importlib_external

        archive = unpacked
        loader = _frozen_importlib_external.SourceFileLoader(name, unpacked + "/" + path)
        code = loader.get_code(name)
    else:
        # A zipimporter rooted at the module's folder reuses zipimport's cached directory of the
        # archive, and loads the .pyc (falling back to the source if the magic differs).
        loader = zipimport.zipimporter(archive + "/" + folder + "/" if folder else archive)
        try:
            code = loader.get_code(leaf)
        except Exception as e:  # noqa: B902 -- a damaged entry gets its paragraph (_damage.py)
            _exit_if_damaged(e)
            raise
        _MAIN_SOURCE[:] = [code.co_filename, loader, leaf]
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


# The program's main module run from the zip: (its code's file name, loader, name in the
# loader), for the traceback's source lines (_call).
_MAIN_SOURCE = []


def _call(fn, *args):
    """Runs the program; uncaught exceptions print as for a plain script (exit code 1)."""
    try:
        fn(*args)
    except (SystemExit, KeyboardInterrupt):
        # KeyboardInterrupt keeps Python's own handling: exit by SIGINT, as the shell expects.
        raise
    except BaseException as e:  # noqa: B902 -- reported exactly as Python would
        _exit_if_damaged(e)
        tb = e.__traceback__
        while tb is not None and tb.tb_next is not None and tb.tb_frame.f_globals is globals():
            tb = tb.tb_next  # launcher frames: a traceback starts at the program, as for a script
        # excepthook prints e.__traceback__ when set, not its tb argument.
        e = e.with_traceback(tb)
        if sys.excepthook is sys.__excepthook__ and sys.version_info < (3, 13):
            # Python's own hook (C, before 3.13) prints a frame's source line only from a
            # file on disk, so a zip's modules showed none. The traceback module prints the
            # same text and reads the lines through each module's loader (linecache), as
            # 3.13's own hook does. Imported only when the program failed.
            import traceback

            if _MAIN_SOURCE:  # named __main__, it is not the module its loader knows by name
                import linecache

                filename, loader, leaf = _MAIN_SOURCE
                try:
                    lines = loader.get_source(leaf).splitlines(True)
                    linecache.cache[filename] = (sum(map(len, lines)), None, lines, filename)
                except Exception:  # noqa: B902 -- the traceback then goes without this file's lines
                    pass
            traceback.print_exception(type(e), e, tb)
        else:
            sys.excepthook(type(e), e, tb)
        sys.exit(1)


# Exits with one paragraph when `error` is an entry of the archive that does not load (a
# comment, not a docstring: this module's code is unmarshalled at every start).
def _exit_if_damaged(error):
    if isinstance(error, Exception):
        try:
            from __par__ import _damage
        except Exception:  # noqa: B902 -- damaged as well: the traceback follows
            return
        _damage.exit_if_damaged(error, sys.modules["__par__"].archive)


def fast(archive, fd, box):
    """Entry from the launcher's line, which opened the archive as `fd`, read the launch blob
    ("par-launch-2", inflated, the code of _blob_start, of this module, of __par__/__init__, of
    __par__/_manifest, the zip directory) with one pread, and ran this module's code from it
    (_blob_start.py). Sets up what importing through zipimport would have: the package, its
    build facts, the modules' specs."""
    blob = box.pop()  # the only reference: gone when this frame drops it
    if not zipimport_tested():
        # As _blob_start does when this code cannot run: the bootstrap again, through zipimport.
        del blob, sys.modules[__name__]
        sys.path[0] = archive
        from __par__._boot import main as zipimport_main

        zipimport_main()
        return
    import marshal
    import _frozen_importlib

    sys.path[0] = archive
    _prefill(archive, blob[5])
    _INDEX.append(blob[5])
    pinned = _pin(archive, fd)
    here = archive + "/__par__"
    loader = sys.path_importer_cache[here] = _single_load_importer(archive)(here)
    spec = _frozen_importlib.ModuleSpec
    package = type(sys)("__par__")
    package.__dict__.update(
        __path__=[here],
        __package__="__par__",
        __file__=here + "/__init__.pyc",
        __loader__=loader,
        __spec__=spec("__par__", loader, origin=here + "/__init__.pyc", is_package=True),
        __cached__=None,
    )
    sys.modules["__par__"] = package
    this = sys.modules[__name__]
    facts = sys.modules["__par__._manifest"] = type(sys)("__par__._manifest")
    for module, leaf in ((this, "_boot"), (facts, "_manifest")):
        module.__dict__.update(
            __package__="__par__",
            __file__=here + "/" + leaf + ".pyc",
            __loader__=loader,
            __spec__=spec("__par__." + leaf, loader, origin=here + "/" + leaf + ".pyc"),
            __cached__=None,
        )
        module.__spec__.has_location = True
        setattr(package, leaf, module)
    package.__spec__.has_location = True
    package.__spec__.submodule_search_locations = package.__path__
    mark = _phases()
    exec(marshal.loads(blob[3]), package.__dict__)
    exec(marshal.loads(blob[4]), facts.__dict__)
    del blob
    mark("launch blob")
    main(pinned=pinned, mark=mark)


def main(direct=False, pinned=None, mark=None):
    """`pinned`: the archive's stat, when fast() has already pinned it and set sys.path up."""
    mark = mark or _phases()
    from __par__ import _manifest

    package = sys.modules["__par__"]
    data = _manifest.DATA
    archive = sys.path[0]
    if direct:
        # `python ARCHIVE`: runpy put the path as typed; a later chdir must not break imports.
        archive = sys.path[0] = _absolute(archive)
    package.archive = archive
    mark("manifest")
    fast = pinned is not None
    if not fast:
        pinned = _pin(archive)
        mark("pin archive")

    if _env("PAR_INFO") == "1":
        _print_info()
    if not _satisfies(data["python"]["clauses"], sys.version_info):
        _select_interpreter_or_exit(data, archive)
    if _env("PAR_REEXEC") is not None:
        import posix  # the loop guard of a re-exec must not leak into the program's children

        posix.unsetenv(b"PAR_REEXEC")
        posix.environ.pop(b"PAR_REEXEC", None)
    mark("interpreter check")

    local_copy = _local_copy_reason(data, pinned)
    if local_copy:
        from __par__ import _localcopy

        archive = sys.path[0] = package.archive = _localcopy.switch(archive, data, pinned)
        mark("local copy (%s)" % local_copy)
        fast = False  # the hook of _single_load_importer names the old path
    del _INDEX[:]  # only a local copy could use it

    unpacked = None
    if "extract" in data:  # layout = "extract": runs from a copy unpacked once into the cache
        if "wheels" in data:
            from __par__ import _wheels

            _wheels.prepare(data, archive, unpacked=True)  # tag check before unpacking
        from __par__ import _extract

        unpacked = _extract.unpacked(archive, data)
        _hermetic_path(unpacked, data["roots"])
    else:
        _hermetic_path(archive, data["roots"])
        if not fast:
            _single_load_importer(archive)
        if "bytecode_cache" in data:
            # compile = False: the archive holds no .pyc of the program; the build interpreter
            # compiles it at the first launch into the per-user cache and loads it from there.
            from __par__ import _bytecode

            _bytecode.install(archive)
        if "wheels" in data:  # native wheels: tag check + extraction into the cache (_wheels.py)
            from __par__ import _wheels

            _wheels.prepare(data, archive)
        if "native" in data:  # the program's own extension modules, unpacked (_native.py)
            from __par__ import _native

            _native.install(archive, data)
    mark("sys.path")

    if _env("PAR_INTERPRETER") == "1":
        from __par__ import _interpreter

        _interpreter.run(archive)
        return
    entry = data["entry"]
    if "entry_point" in entry:
        mark("run entry point")
        _call(_run_entry_point, entry["entry_point"])
    else:
        mark("run main")
        _run_main_module(archive, entry["module"], entry["path"], unpacked)
