"""Bytecode cache for interpreters other than the build one, and for the build one when the
archive ships no .pyc of the program (compile = False: DATA["bytecode_cache"], install() from
_boot.main(); then nothing is preloaded, and the bundle holds the program's modules only).

The archive's .pyc are for the toolchain's Python; any other minor rejects them and zipimport
compiles every module from source at every launch (hello under 3.13: 1.65x `python3.13 -c
pass`; in a fresh process each bootstrap file costs ~2 ms to compile). Two ways in, both only
then, so the build interpreter's launch pays nothing:

- preload(): the launcher's first line (launcher.sh, `par_boot_bc`) reads the bundle itself
  and runs this module's code from it, before `__par__` is imported: a warm launch compiles
  nothing at all. Used when the sh launcher cannot tell that it picked the build minor.
- install(): from __par__/__init__.py when that was compiled from source (re-exec by
  _select.py, `python ARCHIVE`): this module, __init__ and _manifest are compiled (~5 ms),
  everything after them comes from the cache.

One bundle per archive build and interpreter: <cache>/bytecode/<fingerprint>-<cache_tag>/bundle,
marshal'd (MAGIC_NUMBER, code of this module, FORMAT, {archive path: (crc32, size, marshal'd
code)}), read with one open/fstat/read/close. Entries are checked against the zip directory
zipimport has already read (CRC-32 and size of the source entry: no hashing, no syscall), so a
bootstrap or _stamp.py that changed under the same fingerprint is compiled again, never run
stale. The writer is _bytecode_write.py, loaded only when something new was compiled.
"""

import sys

FORMAT = 2
# Loaded before install() can serve anything; the writer adds them for preload().
BOOTSTRAP = ("__par__/__init__.py", "__par__/_bytecode.py", "__par__/_manifest.py")
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
    """_cache.py's root, found without importing it (~1 ms to compile on this path); the
    same rule as _cache._candidate, launcher.sh and src/cli/cache.ts cacheRoot, which
    tests/unit/cache-root.test.ts holds together."""
    explicit = _env("PAR_ROOT")
    if explicit:  # relative: refused by _cache.py; no bytecode cache here (never cwd-relative)
        return (explicit.rstrip("/") or "/") if explicit.startswith("/") else None
    xdg = _env("XDG_CACHE_HOME")
    if xdg and xdg.startswith("/"):
        return xdg.rstrip("/") + "/par"
    home = _env("HOME")
    if not home:
        import posix
        import pwd  # only without $HOME

        home = pwd.getpwuid(posix.getuid()).pw_dir
    return home.rstrip("/") + "/.cache/par"


def fallback_root():
    """_cache.py's private temp fallback (tempfile.gettempdir() without importing tempfile);
    when another user squatted it, _cache.temp_root() uses this + "-2"."""
    import posix

    return "%s/par-%d" % ((_env("TMPDIR") or "/tmp").rstrip("/") or "/tmp", posix.getuid())


def private(path, follow=True):
    """A directory we own that nobody else can write to: code read from it is ours.
    follow=False for the temp fallback, where a symlink may be another user's plant."""
    import posix

    try:
        st = posix.stat(path) if follow else posix.lstat(path)
    except (OSError, TypeError):
        return False
    return (st.st_mode & 0o170000) == 0o040000 and st.st_uid == posix.getuid() and not st.st_mode & 0o022


def _read(entry):
    """The bundle in the entry directory, unmarshalled; None if absent, not ours or damaged."""
    import marshal
    import posix

    try:
        fd = posix.open(entry + "/bundle", posix.O_RDONLY | getattr(posix, "O_CLOEXEC", 0))
    except OSError:
        return None
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
        return marshal.loads(b"".join(chunks)) if st.st_uid == posix.getuid() else None
    except Exception:  # noqa: B902 -- a damaged bundle is ignored, then rewritten
        return None


def _entries_of(bundle):
    from _frozen_importlib_external import MAGIC_NUMBER

    ok = isinstance(bundle, tuple) and len(bundle) == 4 and bundle[0] == MAGIC_NUMBER and bundle[2] == FORMAT
    return bundle[3] if ok and isinstance(bundle[3], dict) else {}


def _fresh(cached, info):
    """Was the cached (crc32, size, code) compiled from the source the zip directory lists?"""
    return cached is not None and info is not None and cached[0] == info[7] and cached[1] == info[3]


def _touch(entry):
    import posix

    try:
        posix.utime(entry)  # last use, for `par cache gc`
    except OSError:
        pass  # read-only cache: still usable


def preload(prefix, bundle):
    """Called by the launcher's first line with "<root>/bytecode/<fingerprint>-" and the bundle
    it read (after checking <root> is private and the magic number), having run this module
    from the bundle. The code may be stale (another bootstrap, same fingerprint): it is used
    only if the archive's own _bytecode.py has the CRC-32 and size it was compiled from."""
    archive = sys.path[0]
    try:
        if not _hookable():
            raise ImportError("untested zipimport")
        import zipimport

        toc = zipimport._zip_directory_cache.get(archive)
        if toc is None:
            zipimport.zipimporter(archive)  # reads the zip directory, as the first import would
            toc = zipimport._zip_directory_cache[archive]
        entries = _entries_of(bundle)
        if _state or not _fresh(entries.get("__par__/_bytecode.py"), toc.get("__par__/_bytecode.py")):
            raise ImportError("stale")
    except Exception:  # noqa: B902 -- __par__/__init__.py then installs the archive's own copy
        del sys.modules[__name__]
        return
    root, _, fingerprint = prefix.rpartition("/bytecode/")
    key = fingerprint + sys.implementation.cache_tag
    _touch("%s/bytecode/%s" % (root, key))
    _entries.update(entries)
    _setup(archive, root, key)


def _hookable():
    """zipimport of 3.8 to _boot.NEWEST_TESTED (spelled again: _boot is not loaded before
    this module; tests/unit/zipimport-guard.test.ts checks both say the same)."""
    return (3, 8) <= sys.version_info[:2] <= (3, 13)


def install(archive):
    """Serves the archive's modules from the cache, and caches what had to be compiled."""
    tag = sys.implementation.cache_tag
    if not _hookable() or tag is None or _env("PAR_BYTECODE_CACHE") == "0" or _state:
        return  # 3.6/3.7: C zipimport, no hook to serve code through; newer: untested
    try:
        _install(archive, tag)
    except Exception as e:  # noqa: B902 -- without the cache the program still runs, compiled
        if _env("PAR_DEBUG_STARTUP") == "1":
            sys.stderr.write("par: bytecode cache off: %r\n" % (e,))


def _install(archive, tag):
    from __par__ import _manifest

    root = candidate_root()
    if not private(root):  # _cache.temp_root()'s choice; the writer may create one at exit
        first = fallback_root()
        root = next((p for p in (first, first + "-2") if private(p, False)), None)
    key = "%s-%s" % (_manifest.DATA["fingerprint"], tag)
    if root is not None:
        entry = "%s/bytecode/%s" % (root, key)
        bundle = _read(entry)
        if bundle is not None:
            _touch(entry)
            _entries.update(_entries_of(bundle))
    import zipimport

    toc = zipimport._zip_directory_cache.get(archive) or {}
    # Loaded from its .pyc: the build interpreter (only it accepts the archive's .pyc), whose
    # bootstrap came from the blob or .pyc: none to cache, and the launcher line never
    # preloads this bundle (it checks the cache_tag first), so it holds no code to preload.
    build = globals().get("__file__", "").endswith(".pyc")
    stale = [] if build else [rel for rel in BOOTSTRAP if not _fresh(_entries.get(rel), toc.get(rel))]
    for rel in stale:
        _entries.pop(rel, None)  # absent, or another bootstrap under the same fingerprint
    _setup(archive, root, key, build)
    if stale and not _state["registered"]:  # written at exit, compiled then
        _state["registered"] = True
        from __par__ import _bytecode_write

        _bytecode_write.at_exit()


def _setup(archive, root, key, build=False):
    import zipimport

    debug = _env("PAR_DEBUG_STARTUP") == "1"
    _state.update(root=root, key=key, archives=[archive], debug=debug, registered=False, build=build)
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
                if _fresh(hit, info):  # CRC-32 and size of the source
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
        how = "read by the launcher" if "__par__" not in sys.modules else "read by __par__, build interpreter" if build else "read by __par__"
        sys.stderr.write("par: bytecode cache: %d modules for %s in %s (%s)\n" % (len(_entries), sys.implementation.cache_tag, root, how))
        _state["registered"] = True  # the summary at exit: what was loaded, compiled, written
        from __par__ import _bytecode_write

        _bytecode_write.at_exit()
