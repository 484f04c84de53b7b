"""Writes a small, valid pure-Python wheel (for dependency-edge tests of par_wheels).

    python3 tests/helpers/make_demo_wheel.py OUT_DIR NAME VERSION [--requires 'REQ'...] [--script NAME=MOD:FN...] [--tag PY-ABI-PLAT]

The wheel holds one module (NAME with - as _) whose main() prints its name, METADATA with the
Requires-Dist lines given, entry_points.txt for the scripts, and a correct RECORD, tagged
py3-none-any unless --tag says otherwise (several builds of one distribution). Prints its path.
"""

import base64
import hashlib
import os
import sys
import zipfile


def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main(argv):
    out, name, version = argv[:3]
    requires, scripts, tags = [], [], []
    rest = argv[3:]
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        {"--requires": requires, "--script": scripts, "--tag": tags}[flag].append(value)
    tag = tags[-1] if tags else "py3-none-any"
    mod = name.replace("-", "_")
    info = "%s-%s.dist-info" % (mod, version)
    files = [
        ("%s/__init__.py" % mod, "def main():\n    print(%r)\n" % mod),
        ("%s/METADATA" % info, "Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s\n" % (name, version, "".join("Requires-Dist: %s\n" % r for r in requires))),
        ("%s/WHEEL" % info, "Wheel-Version: 1.0\nGenerator: make_demo_wheel\nRoot-Is-Purelib: true\nTag: %s\n" % tag),
    ]
    if scripts:
        files.append(("%s/entry_points.txt" % info, "[console_scripts]\n" + "".join("%s = %s\n" % tuple(s.split("=", 1)) for s in scripts)))
    record = "".join("%s,%s,%d\n" % (p, digest(d.encode()), len(d.encode())) for p, d in files) + "%s/RECORD,,\n" % info
    files.append(("%s/RECORD" % info, record))
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "%s-%s-%s.whl" % (mod, version, tag))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files:
            zi = zipfile.ZipInfo(p, (1980, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, d)
    print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
