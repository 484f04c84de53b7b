"""Runs the archive from a local copy in the cache.

_boot._pin() keeps a deleted or replaced archive readable through an open descriptor on
every launch. That is not enough when the file system itself may go away or does not keep a
deleted file's inode alive for other hosts (NFS, SMB, sshfs, 9p ...), so there (detected by
on_network_fs() from the mount type), or when forced (PAR_LOCAL_COPY=1, or the
binary's local_copy = True), the program runs from a copy in the cache: made once per build
(key: fingerprint + size + mtime, nothing hashed at launch) and published atomically by
_cache, so concurrent first launches are safe and an interrupted copy is never used. A warm
launch pays a cache lookup (~4 syscalls) and reads the copy's zip directory once more (~0.1 ms
for hello, ~1 ms for 300 modules). PAR_LOCAL_COPY=0 turns the detection off.

Only imported when a copy is wanted: it may cost what it likes.
"""

import sys

import posix

# Mount types whose files can vanish under a running program (server gone; another client's
# delete or replace is not held open for us): a launch from them runs from a local copy.
NETWORK_FS = (
    b"nfs", b"nfs4", b"cifs", b"smb3", b"smbfs", b"ncpfs", b"9p", b"ceph", b"afs", b"lustre", b"gpfs",
    b"beegfs", b"glusterfs", b"fuse.sshfs", b"fuse.glusterfs", b"fuse.s3fs", b"fuse.gcsfuse",
    b"fuse.rclone", b"fuse.juicefs", b"fuse.cephfs", b"davfs", b"fuse.davfs2",
)


def fs_type(dev, mountinfo="/proc/self/mountinfo"):
    """The mount type (b'nfs4', b'ext4' ...) of device `dev` from mountinfo; None if unknown."""
    want = ("%d:%d" % (posix.major(dev), posix.minor(dev))).encode()
    try:
        fd = posix.open(mountinfo, posix.O_RDONLY | posix.O_CLOEXEC)
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


def on_network_fs(st):
    """The network file system `st` (a stat) lives on, as text, or None."""
    kind = fs_type(st.st_dev)
    return kind.decode() if kind in NETWORK_FS else None


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
    if _boot._INDEX:  # same bytes, same directory: zipimport need not parse the copy's
        _boot._prefill(dest, _boot._INDEX[0])
    sys.modules["__par__"].__path__[:] = [dest + "/__par__"]
    return dest
