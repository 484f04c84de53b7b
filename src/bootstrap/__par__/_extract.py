"""Unpacking archive entries into the cache: native wheels (_wheels.py), the program's own
extension modules (_native.py) and layout = "extract".

layout = "extract" unpacks the whole archive once (except the bootstrap, __par__/, which keeps
running from the archive, so a stamp is always this archive's own) into
<cache>/extract/<key>/, key computed at build time (src/packager/extract-layout.ts), and the
program then runs from local disk with bytecode from __pycache__/ (placed there at build time).
Warm path: one _cache.use() (three stat(), one utime(), a shared flock: ~0.5 ms); zipfile (~5 ms of imports) only
on a cold launch.
"""

import sys

from __par__ import _cache


def unpacked(archive, data):
    """The directory holding this archive's unpacked contents (made once, shared)."""
    key = data["extract"]["key"]
    return _cache.use("extract", key, _filler(archive, data["label"]))


def _filler(archive, label):
    def fill(tmp):
        unpack(archive, "", tmp, label, skip="__par__/")

    return fill


def unpack(archive, prefix, dest, what, skip=None, only=None):
    """Unpacks the archive entries under prefix (except those under skip; only those in the
    set `only`, when given) into dest. Entry
    names were validated at build time (no '..', no absolute paths, no links); the archive
    itself is trusted code. Says so on stderr (a terminal only) when it takes over a second.

    A damaged entry (CRC-32 or compression error) or a failed write (a full disk) ends the
    launch with one paragraph (SystemExit) naming the archive and the entry; _cache.publish()
    then removes the half-filled temp dir, so nothing is published. Modes: _cache.publish()
    fills under umask 077 (files 0600, directories 0700); executables and .so are made 0700."""
    import os
    import shutil
    import time
    import zipfile
    import zlib

    from __par__ import _messages

    start = time.monotonic()
    announce = sys.stderr.isatty()
    announced = False
    made = set()
    try:
        z = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise SystemExit(_messages.damaged_entry(sys.argv[0], archive, "zip directory", e))
    with z:
        chosen = []
        for info in z.infolist():
            name = info.filename
            if not name.startswith(prefix) or name.endswith("/") or (skip and name.startswith(skip)):
                continue
            if only is not None and name not in only:
                continue
            chosen.append(info)
        for info in chosen:
            name = info.filename
            target = dest + "/" + name[len(prefix):]
            parent = target.rpartition("/")[0]
            try:
                if parent not in made:
                    os.makedirs(parent, 0o700, exist_ok=True)
                    made.add(parent)
                with z.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                if (info.external_attr >> 16) & 0o111 or name.endswith(".so") or ".so." in name:
                    os.chmod(target, 0o700)  # executables and shared objects (some loaders want x)
            except (zipfile.BadZipFile, zlib.error, EOFError) as e:
                raise SystemExit(_messages.damaged_entry(sys.argv[0], archive, "entry " + name, e))
            except OSError as e:
                root = _cache.root()
                if e.errno in (28, 122):  # ENOSPC, EDQUOT
                    needed = sum(i.file_size for i in chosen)
                    raise SystemExit(_messages.unpack_no_space(sys.argv[0], what, archive, root, name, needed))
                raise SystemExit(_messages.unpack_failed(sys.argv[0], what, archive, root, name, e.strerror or e))
            if announce and not announced and time.monotonic() - start > 1.0:
                sys.stderr.write(_messages.extracting(sys.argv[0], what, _cache.root()) + "\n")
                announced = True
    if announced:
        sys.stderr.write(_messages.extracted(sys.argv[0], time.monotonic() - start) + "\n")
