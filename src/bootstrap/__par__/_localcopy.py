"""Runs the archive from a local copy in the cache.

_boot._pin() keeps a deleted or replaced archive readable through an open descriptor on
every launch. That is not enough when the file system itself may go away or does not keep a
deleted file's inode alive for other hosts (NFS, SMB, sshfs, 9p ...), so there (detected by
_boot._local_copy_reason from the mount type), or when forced (PAR_LOCAL_COPY=1, or the
binary's local_copy = True), the program runs from a copy in the cache: made once per build
(key: fingerprint + size + mtime, nothing hashed at launch) and published atomically by
_cache, so concurrent first launches are safe and an interrupted copy is never used. A warm
launch pays a cache lookup (~4 syscalls) and reads the copy's zip directory once more (~0.1 ms
for hello, ~1 ms for 300 modules). PAR_LOCAL_COPY=0 turns the detection off.

Only imported when a copy is wanted: it may cost what it likes.
"""

import sys

import posix


def _copy_into(fd, size):
    """fill() for _cache.publish: copies the pinned archive (the running build's inode)."""

    def fill(directory):
        out = posix.open(directory + "/archive", posix.O_WRONLY | posix.O_CREAT | posix.O_EXCL | posix.O_CLOEXEC, 0o500)
        try:
            offset = 0
            while offset < size:
                chunk = posix.pread(fd, min(1 << 20, size - offset), offset)
                if not chunk:
                    raise OSError("the archive shrank while it was copied (%d of %d bytes)" % (offset, size))
                view = memoryview(chunk)
                while view:
                    view = view[posix.write(out, view):]
                offset += len(chunk)
            posix.fsync(out)
        finally:
            posix.close(out)

    return fill


def switch(archive, data, st):
    """Returns the local copy's path (pinned, and the bootstrap's own package re-pointed to
    it), or `archive` when no copy can be made: a full disk or read-only cache is reported
    and the program runs in place, less resilient but never broken.
    """
    from __par__ import _boot, _cache

    # The fingerprint names the code; size and mtime tell two stampings of it apart.
    key = "%s-%x-%x" % (data["fingerprint"][:32], st.st_size, st.st_mtime_ns)
    try:
        # Copy the inode this process started from, even if the path now names another build.
        pinned = _boot._PINNED.get(archive)
        fd = posix.dup(pinned) if pinned is not None else posix.open(archive, posix.O_RDONLY | posix.O_CLOEXEC)
        try:
            found = _cache.lookup("copies", key) or _cache.publish("copies", key, _copy_into(fd, st.st_size))
        finally:
            posix.close(fd)
    except OSError as e:
        sys.stderr.write("par: cannot make a local copy of %s, running it in place: %s\n" % (archive, e))
        return archive
    dest = found + "/archive"
    _boot._pin(dest)
    import __par__

    __par__.__path__[:] = [dest + "/__par__"]
    return dest
