"""Unpacks a wheel into a directory laid out like site-packages, for editors to index.

Run by par_ide_aspect with the build-time Python: unpack_wheel.py WHEEL OUT_DIR.
Files under <name>.data/purelib and <name>.data/platlib land at the top, as pip installs
them; other .data schemes (scripts, headers, data) are not importable and are skipped.
Deterministic: entries are written in sorted order with a fixed mtime.
"""

import os
import sys
import zipfile

_IMPORTABLE_SCHEMES = ("purelib", "platlib")
_EPOCH = 315532800  # 1980-01-01, the zip format's earliest time


def _target(name):
    """Where a wheel entry lands relative to OUT_DIR, or None to skip it."""
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts[:-1]) or name.startswith("/"):
        raise ValueError("unsafe path in wheel: %r" % name)
    if parts[0].endswith(".data") and len(parts) > 1:
        if parts[1] not in _IMPORTABLE_SCHEMES or len(parts) < 3:
            return None
        parts = parts[2:]
    if not parts[-1]:
        return None  # a directory entry
    return os.path.join(*parts)


def unpack(wheel, out):
    os.makedirs(out, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            rel = _target(info.filename)
            if rel is None:
                continue
            dest = os.path.join(out, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(info) as src, open(dest, "wb") as dst:
                dst.write(src.read())
            mode = (info.external_attr >> 16) & 0o777
            os.chmod(dest, 0o755 if mode & 0o111 else 0o644)
            os.utime(dest, (_EPOCH, _EPOCH))


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: unpack_wheel.py WHEEL OUT_DIR\n")
        return 2
    try:
        unpack(argv[1], argv[2])
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        sys.stderr.write("par_ide_aspect: cannot unpack wheel %s: %s\n" % (argv[1], e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
