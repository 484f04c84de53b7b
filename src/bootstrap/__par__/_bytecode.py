"""Bytecode cache for interpreters other than the build one.

The archive's .pyc are for the toolchain's Python; any other minor rejects them and zipimport
compiles every module from source at every launch (hello under 3.13: 1.65x `python3.13 -c
pass`, _boot.py alone ~3 ms). __par__/__init__.py calls install() only then (it was itself
compiled from source: its __file__ ends in .py), so the build interpreter's launch pays
nothing. This module is compiled from source on each such launch too (~0.5 ms): keep it
small; the writer is _bytecode_write.py, loaded only when something new was compiled.

One bundle per archive build and interpreter: <cache>/bytecode/<fingerprint>-<cache_tag>/bundle,
marshal'd (FORMAT, MAGIC_NUMBER, {archive path: (crc32, size, marshal'd code)}), read with one
open/fstat/read/close at install. Entries are checked against the zip directory zipimport has
already read (CRC-32 and size of the source entry: no hashing, no syscall), so a bootstrap or
_stamp.py that changed under the same fingerprint is compiled again, never run stale.
"""

import sys

FORMAT = 1
_entries = {}  # archive path -> (crc32, size, marshal'd code), as read from the bundle
_pending = {}  # compiled during this run, written at exit
_stats = [0, 0]  # loaded, compiled
_state = {}  # root, key, archives, debug, registered
_last = [None, None]  # the last (archive path, (code, is package, file)): asked for twice in a row


def _env(name):
    import posix  # builtin, already loaded

    value = posix.environ.get(name.encode())
    return None if value is None else value.decode("utf-8", "surrogateescape")


def candidate_root():
    """_cache.py's root, found without importing it (~1 ms to compile on this path)."""
    explicit = _env("PAR_ROOT")
    if explicit:
        return explicit.rstrip("/") or "/"
    xdg = _env("XDG_CACHE_HOME")
    if xdg and xdg.startswith("/"):
        return xdg.rstrip("/") + "/par"
    home = _env("HOME")
    return home.rstrip("/") + "/.cache/par" if home else None


def fallback_root():
    """_cache.py's private temp fallback (tempfile.gettempdir() without importing tempfile)."""
    import posix

    return "%s/par-%d" % ((_env("TMPDIR") or "/tmp").rstrip("/") or "/tmp", posix.getuid())


def private(path):
    """A directory we own that nobody else can write to: code read from it is ours."""
    import posix

    try:
        st = posix.stat(path)
    except (OSError, TypeError):
        return False
    return (st.st_mode & 0o170000) == 0o040000 and st.st_uid == posix.getuid() and not st.st_mode & 0o022


def _read(root, key):
    import marshal
    import posix

    entry = "%s/bytecode/%s" % (root, key)
    try:
        fd = posix.open(entry + "/bundle", posix.O_RDONLY | getattr(posix, "O_CLOEXEC", 0))
    except OSError:
        return {}
    try:
        st = posix.fstat(fd)
        chunks, left = [], st.st_size
        while left > 0:
            chunk = posix.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        posix.close(fd)
    try:
        posix.utime(entry)  # last use, for `par cache gc`
    except OSError:
        pass  # read-only cache: still usable
    if st.st_uid != posix.getuid():
        return {}
    try:
        fmt, magic, entries = marshal.loads(b"".join(chunks))
    except Exception:  # noqa: B902 -- a damaged bundle is ignored, then rewritten
        return {}
    from _frozen_importlib_external import MAGIC_NUMBER

    return entries if fmt == FORMAT and magic == MAGIC_NUMBER and isinstance(entries, dict) else {}


def install(archive):
    """Serves the archive's modules from the cache, and caches what had to be compiled."""
    tag = sys.implementation.cache_tag
    if sys.version_info < (3, 8) or tag is None or _env("PAR_BYTECODE_CACHE") == "0" or _state:
        return  # 3.6/3.7: C zipimport, no hook to serve code through
    try:
        _install(archive, tag)
    except Exception as e:  # noqa: B902 -- without the cache the program still runs, compiled
        if _env("PAR_DEBUG_STARTUP") == "1":
            sys.stderr.write("par: bytecode cache off: %r\n" % (e,))


def _install(archive, tag):
    import zipimport
    from __par__ import _manifest

    debug = _env("PAR_DEBUG_STARTUP") == "1"
    root = candidate_root()
    if not private(root):
        root = fallback_root()
        root = root if private(root) else None  # the writer may create one at exit
    key = "%s-%s" % (_manifest.DATA["fingerprint"], tag)
    _state.update(root=root, key=key, archives=[archive], debug=debug, registered=False)
    if root is not None:
        _entries.update(_read(root, key))
    get_module_code = zipimport._get_module_code
    directories = zipimport._zip_directory_cache

    def cached_module_code(self, fullname):
        """zipimport's _get_module_code(): a module cached for this build comes from the bundle
        without reading the archive (its .pyc would be read, rejected, then its .py read)."""
        a = self.archive
        if a != archive and a != getattr(sys.modules.get("__par__"), "archive", None):
            return get_module_code(self, fullname)  # another zip on sys.path
        toc = directories.get(a) or {}
        path = self.prefix + fullname.rpartition(".")[2]
        rel, info = path + "/__init__.py", toc.get(path + "/__init__.py")
        if info is None:
            rel, info = path + ".py", toc.get(path + ".py")
        if info is None:
            return get_module_code(self, fullname)  # not there, or bytecode only
        if _last[0] == rel:  # 3.10+: spec_from_loader() and exec_module() each ask for the code
            return _last[1]
        hit = _entries.get(rel)
        if hit is not None:
            try:
                if hit[0] == info[7] and hit[1] == info[3]:  # CRC-32 and size of the source
                    import marshal
                    import _imp

                    code = marshal.loads(hit[2])
                    _imp._fix_co_filename(code, info[0])  # the archive may have moved
                    _stats[0] += 1
                    _last[:] = rel, (code, rel.endswith("/__init__.py"), info[0])
                    return _last[1]
            except Exception:  # noqa: B902 -- a damaged entry: compiled and rewritten
                pass
        found = get_module_code(self, fullname)
        _last[:] = rel, found
        if found[2] != info[0]:
            return found  # from a .pyc this interpreter accepts: nothing to cache
        _stats[1] += 1
        import marshal

        _pending[rel] = (info[7], info[3], marshal.dumps(found[0]))
        if not _state["registered"]:
            _state["registered"] = True
            from __par__ import _bytecode_write  # itself compiled here, once, and cached

            _bytecode_write.at_exit()
        return found

    zipimport._get_module_code = cached_module_code
    if debug:
        sys.stderr.write("par: bytecode cache: %d modules for %s in %s\n" % (len(_entries), tag, root))
        _state["registered"] = True  # the summary at exit: what was loaded, compiled, written
        from __par__ import _bytecode_write

        _bytecode_write.at_exit()
