"""Recompresses a wheel's deflate streams at level 9, once per wheel, for every binary that
bundles it to copy as they are (python_wheel's ParWheelDeflate action; packing never
recompresses).

    python3 -S -B deflate_wheel.py IN.whl OUT

OUT is a zip with IN's entries in IN's order: the same names, CRC-32, sizes, times, flags
and modes. Each deflated entry's data is the smaller of its own stream and this
interpreter's zlib at level 9 (default window and memLevel); stored entries stay as they
are. numpy 2.4.6 (16.9 MB): -119 KB for ~6 s of CPU (docs/PERFORMANCE.md "Size").

Deterministic for one zlib build: the same wheel gives the same bytes. Another build of
zlib (zlib-ng, Chromium's as bundled with Node) may choose other matches: still valid
streams of the same data, but other bytes (Node's level 9 saves numpy only 50 KB). A wheel
this does not handle (zip64, encrypted entries, a stream that does not inflate to its size)
is copied unchanged; the packer checks every entry against the wheel's description anyway.
"""

import shutil
import struct
import sys
import zipfile
import zlib

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_LIMIT = 0xFFFFFFFF


def _dos(date_time):
    y, mo, d, h, mi, s = date_time
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def _raw(f, info):
    """The entry's data as stored (after its local header)."""
    f.seek(info.header_offset)
    head = f.read(_LOCAL.size)
    if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
        raise ValueError("no local header for %r" % info.filename)
    fields = _LOCAL.unpack(head)
    f.seek(info.header_offset + _LOCAL.size + fields[9] + fields[10])
    data = f.read(info.compress_size)
    if len(data) != info.compress_size:
        raise ValueError("%r is cut short" % info.filename)
    return data


def _smaller(info, raw):
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return raw
    data = zlib.decompress(raw, -15)
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise ValueError("%r does not inflate to its size and CRC" % info.filename)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    again = c.compress(data) + c.flush()
    return again if len(again) < len(raw) else raw


def recompress(src, dst):
    """Writes OUT entry by entry (a large wheel is never held in memory); False: not handled."""
    with zipfile.ZipFile(src) as z, open(src, "rb") as f, open(dst, "wb") as w:
        infos = z.infolist()
        if len(infos) >= 0xFFFF or any(i.flag_bits & 1 or i.file_size >= _LIMIT or i.compress_size >= _LIMIT for i in infos):
            return False
        central = []
        offset = 0
        for info in infos:
            data = _smaller(info, _raw(f, info))
            name = info.filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
            flags = info.flag_bits & ~0x8  # sizes in the local header, no data descriptor
            time, date = _dos(info.date_time)
            local = _LOCAL.pack(0x04034B50, 20, flags, info.compress_type, time, date, info.CRC, len(data), info.file_size, len(name), 0)
            w.write(local + name)
            w.write(data)
            version = (info.create_system << 8) | (info.create_version & 0xFF)
            central.append(
                _CENTRAL.pack(0x02014B50, version, 20, flags, info.compress_type, time, date, info.CRC, len(data), info.file_size, len(name), 0, 0, 0, info.internal_attr, info.external_attr, offset)
                + name
            )
            offset += len(local) + len(name) + len(data)
            if offset >= _LIMIT:
                raise ValueError("too large for a zip without zip64")
        directory = b"".join(central)
        w.write(directory)
        w.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0))
    return True


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: deflate_wheel.py IN.whl OUT")
    src, dst = argv[1], argv[2]
    try:
        done = recompress(src, dst)
    except (ValueError, zlib.error, zipfile.BadZipFile) as e:
        sys.stderr.write("deflate_wheel.py: %s: %s; copied unchanged\n" % (src, e))
        done = False
    if not done:
        shutil.copyfile(src, dst)


if __name__ == "__main__":
    main(sys.argv)
