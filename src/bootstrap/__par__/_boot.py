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


class _PinnedFile(object):
    """What zipimport gets for a pinned archive instead of a file opened by path: reads at
    its own position with pread on the shared descriptor (safe for threads and forked
    children), ~3 us per module against ~12 us for open+fstat+read+close.

    zipimport reads a module as two reads at adjacent offsets (the 30-byte local header,
    then the data right after it); a small read fetches _AHEAD bytes at once, so most
    modules cost one pread instead of two (halves the wide app's file syscalls)."""

    __slots__ = ("_fd", "_pos", "_buf", "_buf_at")
    _AHEAD = 32768

    def __init__(self, fd):
        self._fd = fd
        self._pos = 0
        self._buf = b""
        self._buf_at = 0

    def seek(self, offset, whence=0):
        import posix

        if whence == 1:
            offset += self._pos
        elif whence == 2:
            offset += posix.fstat(self._fd).st_size
        if offset < 0:
            raise OSError(22, "Invalid argument")
        self._pos = offset
        return offset

    def tell(self):
        return self._pos

    def read(self, n=-1):
        import posix

        if n is None or n < 0:
            n = max(0, posix.fstat(self._fd).st_size - self._pos)
        start = self._pos - self._buf_at
        if 0 <= start and start + n <= len(self._buf):
            data = self._buf[start:start + n]
        else:
            if n < self._AHEAD:
                self._buf = posix.pread(self._fd, self._AHEAD, self._pos)
                self._buf_at = self._pos
                data = self._buf[:n]
            else:
                data = posix.pread(self._fd, n, self._pos)
            while 0 < len(data) < n:  # short reads: only at EOF on regular files, but be exact
                more = posix.pread(self._fd, n - len(data), self._pos + len(data))
                if not more:
                    break
                data += more
        self._pos += len(data)
        return data

    def close(self):
        pass  # the descriptor lives as long as the process

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# Archive path -> a descriptor held for the life of the process: the archive's inode stays
# readable when the file is deleted or replaced by another build.
_PINNED = {}

# Mount types whose files can vanish under a running program (server gone; another client's
# delete or replace is not held open for us): a launch from them runs from a local copy.
NETWORK_FS = (
    b"nfs", b"nfs4", b"cifs", b"smb3", b"smbfs", b"ncpfs", b"9p", b"ceph", b"afs", b"lustre", b"gpfs",
    b"beegfs", b"glusterfs", b"fuse.sshfs", b"fuse.glusterfs", b"fuse.s3fs", b"fuse.gcsfuse",
    b"fuse.rclone", b"fuse.juicefs", b"fuse.cephfs", b"davfs", b"fuse.davfs2",
)


def _pin(archive):
    """Opens the archive once; zipimport then reads and stats it through that descriptor.

    zipimport (pure Python since 3.8) reopens the archive by path for every module and stats
    it for every new package: after `rm app` those fail, after `mv new-build app` they read
    the new build at the old build's offsets. Only its `_io.open_code` and `_path_stat` are
    redirected, and only for pinned paths. Cost ~40 us (open, fstat, two small module views),
    repaid after ~5 imports. Python 3.6/3.7 have a C zipimport that cannot be redirected:
    there only PAR_LOCAL_COPY protects. Returns the archive's stat, or None.
    """
    import posix

    try:
        fd = posix.open(archive, posix.O_RDONLY | getattr(posix, "O_CLOEXEC", 0))
    except OSError:
        return None
    zi = sys.modules.get("zipimport")
    if zi is not None and sys.version_info >= (3, 8) and archive not in _PINNED:
        if not _PINNED:
            io, paths = zi._io, zi._bootstrap_external
            io_view, paths_view = type(sys)("_io"), type(sys)("_bootstrap_external")
            io_view.__dict__.update(io.__dict__)
            paths_view.__dict__.update(paths.__dict__)
            get = _PINNED.get
            io_view.open_code = lambda path: io.open_code(path) if get(path) is None else _PinnedFile(get(path))
            paths_view._path_stat = lambda path: paths._path_stat(path) if get(path) is None else posix.fstat(get(path))
            zi._io, zi._bootstrap_external = io_view, paths_view
            zi._get_data = _pinned_get_data(zi._get_data, get)
        _PINNED[archive] = fd
    return posix.fstat(fd)


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


def fs_type(dev, mountinfo="/proc/self/mountinfo"):
    """The mount type (b'nfs4', b'ext4' ...) of device `dev` from mountinfo; None if unknown."""
    import posix

    want = ("%d:%d" % (posix.major(dev), posix.minor(dev))).encode()
    try:
        fd = posix.open(mountinfo, posix.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while True:
            chunk = posix.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        posix.close(fd)
    for line in b"".join(chunks).split(b"\n"):
        fields = line.split(b" ")
        if len(fields) > 6 and fields[2] == want and b"-" in fields[6:]:
            i = fields.index(b"-", 6)
            return fields[i + 1] if i + 1 < len(fields) else None
    return None


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
        kind = fs_type(st.st_dev)
        if kind in NETWORK_FS:
            return "network file system " + kind.decode()
    return None


def _single_load_importer(archive):
    """zipimport (3.10-3.13) loads every module twice: spec_from_loader() asks get_filename(),
    which reads, decompresses and unmarshals the code only to name the file, and then
    exec_module() calls get_code(), which does it all again. This subclass hands the first
    result to the second. Measured on the wide app (320 modules): import time of its code
    -30 %; the class costs ~30 us per launch. Only paths inside the archive use it.
    """
    if sys.version_info < (3, 10):
        return  # 3.8/3.9 load through load_module(): one more load, left as it is
    import zipimport

    base, load = zipimport.zipimporter, zipimport._get_module_code

    class _ArchiveImporter(base):
        def get_filename(self, fullname):
            code, _, path = load(self, fullname)
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


def _select_interpreter_or_exit(data, archive):
    from __par__ import _select

    _select.reexec_or_exit(data, archive, _BOOT_CODE)


def _print_info():
    import json

    sys.stdout.write(json.dumps(__par__.build_info, indent=2, sort_keys=True) + "\n")
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
    pinned = _pin(archive)
    phases.mark("pin archive")

    if _env("PAR_INFO") == "1":
        _print_info()
    if not _satisfies(data["python"]["clauses"], sys.version_info):
        _select_interpreter_or_exit(data, archive)
    if _env("PAR_REEXEC") is not None:
        import posix  # the loop guard of a re-exec must not leak into the program's children

        posix.unsetenv(b"PAR_REEXEC")
        posix.environ.pop(b"PAR_REEXEC", None)
    phases.mark("interpreter check")

    local_copy = _local_copy_reason(data, pinned)
    if local_copy:
        from __par__ import _localcopy

        archive = sys.path[0] = __par__.archive = _localcopy.switch(archive, data, pinned)
        phases.mark("local copy (%s)" % local_copy)

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
        _single_load_importer(archive)
        if "wheels" in data:  # native wheels: tag check + extraction into the cache (_wheels.py)
            from __par__ import _wheels

            _wheels.prepare(data, archive)
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
        _run_main_module(archive, entry["module"], entry["path"], unpacked)
