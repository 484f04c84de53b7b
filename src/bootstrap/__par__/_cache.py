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

Root: $PAR_ROOT (absolute; a relative one is refused), else $XDG_CACHE_HOME/par, else
~/.cache/par. It must be owned by the user; it is created 0700 and tightened to 0700 if looser.
If it is not ours or not writable, a private directory in the temp dir is used instead:
$TMPDIR/par-<uid>, else (when another user squatted that name) $TMPDIR/par-<uid>-2, each
opened without following a symlink and used only if ours (tightened to 0700); as a last resort
a mkdtemp() directory for this process, removed when it exits.

Trust: an entry is code this user will run, so it is used only if nobody else can have
written it. Checked on every lookup (cheap: two lstat() and reading a marker of a few bytes):
  - the kind directory <root>/<kind> is ours, a real directory, writable by nobody else;
  - the entry directory is ours, a real directory, mode 0700 (nobody else may even enter it);
  - its marker file .par-entry, written last before the entry was published, holds the key.
The tree below is checked only once, when the marker is written (publish() after fill(), or
when an entry of an older version without a marker is first adopted): every file and
directory ours, regular, and tightened to 0700/0600. Why that suffices afterwards: the root
is ours and 0700 (checked, and tightened, by every process), so nobody else can create,
rename or replace a kind directory in it; a kind directory that is ours and not writable by
others likewise protects the entry names in it; an entry directory that is ours and 0700
cannot be entered by anyone else, so nothing below it can be written, linked or opened for
writing by another (non-root) user, whatever the modes inside. What fails is set aside:
renamed to .set-aside-<name>-<pid> beside it (under the publish lock) and removed as far as
we can, with one line on stderr saying why, and the entry is unpacked afresh. Fills run
under umask 077: directories 0700, files 0600 (0700 when executable) whatever the user's.

Concurrency: publish() fills a private temp dir beside the entry and renames it into place,
under an flock on <root>/<kind>/.<key>.lock so concurrent first launches unpack once and the
others wait. A process killed mid-fill leaves only a .tmp-* dir, which is never used: the
next publisher (holding the lock, so the dead one cannot be still writing) removes it.

In use: use() also takes a shared flock on <root>/<kind>/.<key>.use and keeps it until the
process exits; `par cache gc` removes an entry only under an exclusive non-blocking flock
(renaming it away first), so it never removes what a running program uses, e.g. modules of an
extracted tree that the program has not imported yet (the gc also skips entries that
/proc/*/maps or /proc/*/fd reference).

Cost: lookup() of a present entry is two lstat() calls (the kind directory's once per
process), open/read/close of the marker and one utime() (the last-use time that `par cache
gc` evicts by) with builtin modules only; os/fcntl/shutil are imported only on the cold path.
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
        if not explicit.startswith("/"):
            from __par__ import _messages

            raise SystemExit(_messages.relative_root(sys.argv[0], explicit))
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


def _private(path, follow=True):
    """True if path is a directory we own with mode 0700 (tightened if it was looser).

    follow=False (the shared temp dir, where anyone may plant a name): a symlink is refused,
    and the directory is judged and tightened through the descriptor that opened it."""
    import posix

    flags = posix.O_RDONLY | posix.O_DIRECTORY | posix.O_CLOEXEC | (0 if follow else posix.O_NOFOLLOW)
    try:
        fd = posix.open(path, flags)
    except OSError:
        return False
    try:
        st = posix.fstat(fd)
        if st.st_uid != _uid():
            return False
        if st.st_mode & 0o077:
            posix.fchmod(fd, 0o700)
    except OSError:
        return False
    finally:
        posix.close(fd)
    return posix.access(path, 7)  # rwx: we can create entries in it


def _make_private(path, follow=True):
    """Creates path (and parents) for the cache; True if it ends up private to us."""
    import os

    try:
        parent = os.path.dirname(path)
        if parent and follow and not os.path.isdir(parent):
            os.makedirs(parent, 0o700)
        os.mkdir(path, 0o700)  # never follows a symlink at path: EEXIST
    except OSError:
        pass  # exists (maybe created concurrently) or cannot be created: judged below
    return _private(path, follow)


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


def temp_root():
    """$TMPDIR/par-<uid>, else $TMPDIR/par-<uid>-2 (when another user squatted the first
    name: one fixed alternative, reused, rather than a new directory per launch), if it is a
    private directory of ours; else None. Never through a symlink."""
    import tempfile

    first = "%s/par-%d" % (tempfile.gettempdir(), _uid())
    for path in (first, first + "-2"):
        if _private(path, False) or _make_private(path, False):
            return path
    return None


def _fallback(rejected):
    tmp = temp_root()
    if tmp is None:
        import atexit
        import tempfile

        tmp = tempfile.mkdtemp(prefix="par-")  # 0700 by construction, this process only
        atexit.register(_rmtree, tmp)
    from __par__ import _messages

    sys.stderr.write(_messages.cache_fallback(sys.argv[0], rejected, tmp) + "\n")
    return tmp


def entry_path(kind, key):
    return "%s/%s/%s" % (root(), kind, key)


MARKER = ".par-entry"  # written last into a filled entry: its key
_ABSENT = ""  # _verdict(): no entry at all (nothing to set aside)
_NO_MARKER = "it has no completion marker"
_kinds_ok = set()  # kind directories found trustworthy by this process


def _not_ours(st, mask):
    """Why a directory stat()ed without following links is not ours alone, or None."""
    if (st.st_mode & 0o170000) != 0o040000:
        return "it is a symbolic link" if (st.st_mode & 0o170000) == 0o120000 else "it is not a directory"
    if st.st_uid != _uid():
        return "it is owned by uid %d, not by you, uid %d" % (st.st_uid, _uid())
    if st.st_mode & mask:
        if mask == 0o022:
            return "others can write to it: mode 0%o" % (st.st_mode & 0o7777)
        return "others have access to it: mode 0%o, not 0700" % (st.st_mode & 0o7777)
    return None


def _kind_verdict(base):
    """Why <root>/<kind> cannot be trusted; None when it can (or is absent: created later)."""
    if base in _kinds_ok:
        return None
    import posix

    try:
        st = posix.lstat(base)
    except OSError:
        return None
    why = _not_ours(st, 0o022)
    if why is None:
        _kinds_ok.add(base)
    return why


def _verdict(base, key):
    """None when the entry <base>/<key> can be used; _ABSENT; else why not (see the docstring)."""
    import posix

    path = base + "/" + key
    try:
        st = posix.lstat(path)
    except OSError:
        return _ABSENT
    why = _not_ours(st, 0o077)
    if why is not None:
        return why
    try:
        fd = posix.open(path + "/" + MARKER, posix.O_RDONLY | posix.O_NOFOLLOW | posix.O_CLOEXEC)
    except OSError:
        return _NO_MARKER
    try:
        found = posix.read(fd, 256)
    finally:
        posix.close(fd)
    return None if found == key.encode() else "its completion marker names another entry"


def lookup(kind, key):
    """The path of a published entry we can trust, or None (absent, or to be set aside by
    publish()). Marks it used now (for least-recently-used gc)."""
    import posix

    base = "%s/%s" % (root(), kind)
    if _kind_verdict(base) is not None or _verdict(base, key) is not None:
        return None
    path = base + "/" + key
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
        try:
            path = lookup(kind, key) or publish(kind, key, fill)
        except OSError as e:  # the cache itself failed (fill() reports its own errors)
            from __par__ import _messages

            raise SystemExit(_messages.cache_entry_failed(sys.argv[0], entry_path(kind, key), e.strerror or e))
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

        flags = posix.O_RDWR | posix.O_CREAT | posix.O_NOFOLLOW | posix.O_CLOEXEC
        fd = posix.open("%s/%s/.%s.use" % (root(), kind, key), flags, 0o600)
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
    if _kind_verdict(base) is not None:  # e.g. made by another user while the root was open to all
        held = _lock(root(), kind)  # <root>/.<kind>.lock: one process sets it aside, not each
        try:
            why = _kind_verdict(base)
            if why is not None:
                _set_aside(base, why, "directory")
            try:
                os.mkdir(base, 0o700)
            except OSError:
                pass
        finally:
            if held is not None:
                os.close(held)
    try:
        os.mkdir(base, 0o700)
    except OSError:
        pass
    why = _kind_verdict(base)
    if why is not None:  # recreated by someone else in between: give up rather than trust it
        raise OSError("the cache directory %s cannot be trusted (%s)" % (base, why))
    final = "%s/%s" % (base, key)
    lock = _lock(base, key)
    try:
        # Judged again under the lock: another process may have published it (or set aside
        # what we saw) while we waited; only the lock holder renames anything away.
        why = _verdict(base, key)
        if why == _NO_MARKER and _seal(final, key, adopt=True):
            why = None  # an older version's entry, checked once and kept
        if why is None:
            return lookup(kind, key) or final
        if why != _ABSENT:
            _set_aside(final, why, "entry")
        if lock is not None:  # only the lock holder may judge other temp dirs abandoned
            _remove_leftovers(base, key)
        tmp = "%s/.tmp-%s-%d" % (base, key, os.getpid())
        mask = os.umask(0o077)  # the user's umask must not widen (or narrow) what we write
        try:
            os.mkdir(tmp, 0o700)
            fill(tmp)
            _seal(tmp, key)
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
        finally:
            os.umask(mask)
        return final
    finally:
        if lock is not None:
            os.close(lock)  # releases the flock


def _seal(path, key, adopt=False):
    """Checks the tree at path once (every file and directory ours, regular, tightened to
    0700/0600/0700), then writes the marker last. adopt: an existing entry without a marker;
    False when it fails the check (it is then set aside). Otherwise a failure raises OSError."""
    import os

    def walk(d):
        with os.scandir(d) as it:
            for e in it:
                st = e.stat(follow_symlinks=False)
                kind = st.st_mode & 0o170000
                rel = e.path[len(path) + 1:]
                if kind not in (0o040000, 0o100000):
                    return "%s is not a regular file or directory" % rel
                if st.st_uid != _uid():
                    return "%s is owned by uid %d" % (rel, st.st_uid)
                if st.st_mode & 0o077:
                    os.chmod(e.path, st.st_mode & 0o700)  # a regular file or directory (checked above)
                if kind == 0o040000:
                    why = walk(e.path)
                    if why:
                        return why
        return None

    try:
        why = walk(path)
    except OSError as e:  # e.g. a directory of ours we may not read
        if not adopt:
            raise
        why = str(e)
    if why is not None:
        if adopt:
            return False
        raise OSError("the unpacked tree %s cannot be trusted: %s" % (path, why))
    fd = os.open(path + "/" + MARKER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, key.encode())
    finally:
        os.close(fd)
    return True


def _set_aside(path, why, what):
    """Renames an untrusted entry (or kind directory) away, removes what we can of it, and
    says so in one line. Renaming within a directory of ours works whoever owns it."""
    import os

    parent, _, name = path.rpartition("/")
    aside = "%s/.set-aside-%s-%d" % (parent, name, os.getpid())
    os.rename(path, aside)
    _rmtree(aside)  # what is left (not ours to remove) `par cache gc` removes later
    from __par__ import _messages

    sys.stderr.write(_messages.cache_set_aside(sys.argv[0], what, path, why) + "\n")


def _lock(base, key):
    """An exclusive flock on <base>/.<key>.lock (blocks while another process fills the entry)."""
    import os

    try:
        import fcntl

        fd = os.open("%s/.%s.lock" % (base, key), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
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
