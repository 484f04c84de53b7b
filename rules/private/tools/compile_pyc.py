"""Compiles Python sources to deterministic PEP 552 unchecked-hash .pyc for the packager.

Protocol: stdin is a JSON list of {"src": path on disk, "dfile": archive-relative path}
(or {"source": text, ...} for a file the packager generated).
stdout gets, per item in order, a 4-byte big-endian length and the .pyc bytes, or length
0xFFFFFFFF, a 4-byte length and a UTF-8 JSON error {"file", "line", "msg"}.
The order of compilation is the order given (sorted by the packager), so one run is
reproducible: marshal's reference flags depend on the objects alive in the process.
"""

import importlib.util
import json
import marshal
import struct
import sys

_UNCHECKED_HASH = 0b01  # PEP 552: hash-based, source not checked at import


def _pyc(source, dfile):
    code = compile(source, dfile, "exec", dont_inherit=True, optimize=0)
    return b"".join([
        importlib.util.MAGIC_NUMBER,
        struct.pack("<I", _UNCHECKED_HASH),
        importlib.util.source_hash(source),
        marshal.dumps(code),
    ])


def main():
    items = json.load(sys.stdin)
    out = sys.stdout.buffer
    for item in items:
        if "source" in item:
            source = item["source"].encode("utf-8")
        else:
            with open(item["src"], "rb") as f:
                source = f.read()
        try:
            data = _pyc(source, item["dfile"])
        except SyntaxError as e:
            err = json.dumps({"file": item["dfile"], "line": e.lineno, "msg": e.msg}).encode()
            out.write(struct.pack(">II", 0xFFFFFFFF, len(err)) + err)
            continue
        out.write(struct.pack(">I", len(data)) + data)
    out.flush()


if __name__ == "__main__":
    main()
