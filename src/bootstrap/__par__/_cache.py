"""The per-user cache for content unpacked from archives (native wheels, layout = "extract",
local copies). Small API, used by several launch features:

    from __par__ import _cache
    _cache.root()                       # str: the private cache directory (created on demand)
    _cache.lookup(kind, key)            # str path of a published entry, or None
    _cache.publish(kind, key, fill)     # str path; fill(tmp_dir) populates a new entry once
    _cache.use(kind, key, fill)         # lookup() or publish(), then held in use until exit

An entry lives at <root>/<kind>/<key>/ (kind: "wheels", "extract", "copies", ...; key: a
content hash computed at build time, so nothing is hashed at launch). Entries are immutable
once published and shared by every archive that carries the same content.

Root: $PAR_ROOT, else $XDG_CACHE_HOME/par, else ~/.cache/par. It must be owned by the user;
it is created 0700 and tightened to 0700 if looser. If it is not ours or not writable, a
private directory in the temp dir is used instead (/tmp/par-<uid>, same checks), and as a
last resort a fresh mkdtemp() for this process.

Concurrency: publish() fills a private temp dir beside the entry and renames it into place,
under an flock on <root>/<kind>/.<key>.lock so concurrent first launches unpack once and the
others wait. A process killed mid-fill leaves only a .tmp-* dir, which is never used: the
next publisher (holding the lock, so the dead one cannot be still writing) removes it.

In use: use() also takes a shared flock on <root>/<kind>/.<key>.use and keeps it until the
process exits; `par cache gc` removes an entry only under an exclusive non-blocking flock
(renaming it away first), so it never removes what a running program uses, e.g. modules of an
extracted tree that the program has not imported yet (the gc also skips entries that
/proc/*/maps or /proc/*/fd reference).

Cost: lookup() of a present entry is three stat() calls and one utime() (the last-use time
that `par cache gc` evicts by) with builtin modules only; os/fcntl/shutil are imported only
on the cold path.
"""

import sys

_root = None


def _env(name):
    import posix  # builtin and already loaded; os.environ would import os

    value = posix.environ.get(name.encode())
    return None if value is None else value.decode("utf-8", "surrogateescape")


def _candidate():
    explicit = _env("PAR_ROOT")
    if explicit:
        return explicit.rstrip("/") or "/"
    xdg = _env("XDG_CACHE_HOME")
    if xdg and xdg.startswith("/"):
        return xdg.rstrip("/") + "/par"
    home = _env("HOME")
    if not home:
        import pwd  # only without $HOME

        home = pwd.getpwuid(_uid()).pw_dir
    return home.rstrip("/") + "/.cache/par"


def _uid():
    import posix

    return posix.getuid()


def _private(path):
    """True if path is a directory we own with mode 0700 (tightened if it was looser)."""
    import posix

    try:
        st = posix.stat(path)
    except OSError:
        return False
    if (st.st_mode & 0o170000) != 0o040000 or st.st_uid != _uid():
        return False
    if st.st_mode & 0o077:
        try:
            posix.chmod(path, 0o700)
        except OSError:
            return False
    return posix.access(path, 7)  # rwx: we can create entries in it


def _make_private(path):
    """Creates path (and parents) for the cache; True if it ends up private to us."""
    import os

    try:
        parent = os.path.dirname(path)
        if parent and not os.path.isdir(parent):
            os.makedirs(parent, 0o700)
        os.mkdir(path, 0o700)
    except OSError:
        pass  # exists (maybe created concurrently) or cannot be created: judged below
    return _private(path)


def root():
    """The cache root for this user, created on first use. Never shared with another user."""
    global _root
    if _root is not None:
        return _root
    path = _candidate()
    if not (_private(path) or _make_private(path)):
        path = _fallback(path)
    _root = path
    return path


def _fallback(rejected):
    import os
    import tempfile

    tmp = "%s/par-%d" % (tempfile.gettempdir(), _uid())
    if not (_private(tmp) or _make_private(tmp)):
        tmp = tempfile.mkdtemp(prefix="par-")  # 0700 by construction, this process only
    from __par__ import _messages

    sys.stderr.write(_messages.cache_fallback(sys.argv[0], rejected, tmp) + "\n")
    return tmp


def entry_path(kind, key):
    return "%s/%s/%s" % (root(), kind, key)


def lookup(kind, key):
    """The path of a published entry, or None. Marks it used now (for least-recently-used gc)."""
    import posix

    path = entry_path(kind, key)
    try:
        posix.stat(path)
    except OSError:
        return None
    try:
        posix.utime(path)
    except OSError:
        pass  # read-only cache: still usable, only the gc ordering suffers
    return path


# Shared flocks on the entries this process uses, held until it exits (see the docstring).
_held = []


def use(kind, key, fill):
    """lookup() or publish(), then marks the entry in use for the life of the process.

    Costs ~0.5 ms over lookup() (importing fcntl, a shared library on most builds: 0.4-0.5 ms
    measured on pyenv 3.11; open; flock), paid only by archives that have cache entries.
    """
    import posix

    path = None
    for _ in range(3):
        path = lookup(kind, key) or publish(kind, key, fill)
        fd = _shared_lock(kind, key)
        if fd is None:
            return path  # no locking here: only the /proc check protects it
        try:
            posix.stat(path)
        except OSError:
            posix.close(fd)  # gc removed it between lookup and lock: publish it again
            continue
        _held.append(fd)
        return path
    return path


def _shared_lock(kind, key):
    """A shared flock on <root>/<kind>/.<key>.use (waits while gc holds it). Not the publish
    lock (.<key>.lock): a concurrent first launch must not wait for this one to exit."""
    import posix

    try:
        import fcntl

        fd = posix.open("%s/%s/.%s.use" % (root(), kind, key), posix.O_RDWR | posix.O_CREAT | getattr(posix, "O_CLOEXEC", 0), 0o600)
    except (ImportError, OSError):
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:
        posix.close(fd)
        return None
    return fd


def publish(kind, key, fill):
    """Returns the entry <root>/<kind>/<key>, calling fill(tmp_dir) to create it if absent.

    fill() writes into an empty private directory; when it returns the directory is renamed
    into place atomically. If fill() raises, nothing is published and the error propagates.
    """
    found = lookup(kind, key)
    if found is not None:
        return found
    import os

    base = "%s/%s" % (root(), kind)
    try:
        os.makedirs(base, 0o700)
    except OSError:
        pass
    final = "%s/%s" % (base, key)
    lock = _lock(base, key)
    try:
        found = lookup(kind, key)  # another process published it while we waited
        if found is not None:
            return found
        if lock is not None:  # only the lock holder may judge other temp dirs abandoned
            _remove_leftovers(base, key)
        tmp = "%s/.tmp-%s-%d" % (base, key, os.getpid())
        os.mkdir(tmp, 0o700)
        try:
            fill(tmp)
            os.rename(tmp, final)
        except OSError:
            if os.path.isdir(final):  # lost a race on a filesystem without working locks
                _rmtree(tmp)
                return final
            _rmtree(tmp)
            raise
        except BaseException:
            _rmtree(tmp)
            raise
        return final
    finally:
        if lock is not None:
            os.close(lock)  # releases the flock


def _lock(base, key):
    """An exclusive flock on <base>/.<key>.lock (blocks while another process fills the entry)."""
    import os

    try:
        import fcntl

        fd = os.open("%s/.%s.lock" % (base, key), os.O_RDWR | os.O_CREAT, 0o600)
    except (ImportError, OSError):
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        pass  # no locking on this filesystem: the rename below still keeps entries whole
    return fd


def _remove_leftovers(base, key):
    import os

    prefix = ".tmp-%s-" % key
    for name in os.listdir(base):
        if name.startswith(prefix):
            _rmtree(base + "/" + name)


def _rmtree(path):
    import shutil

    shutil.rmtree(path, ignore_errors=True)
