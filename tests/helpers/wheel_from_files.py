"""Builds a wheel from an installed package directory that has no RECORD to rebuild from.

Debian installs coverage.py as /usr/lib/python3/dist-packages/coverage plus an .egg-info, so
rebuild_wheel.py (which replays a dist-info RECORD) cannot rebuild it. This zips the package
directory's files (no __pycache__) with a fresh METADATA, WHEEL and RECORD. Deterministic:
fixed timestamps, sorted entries.

    python3 tests/helpers/wheel_from_files.py OUT_DIR NAME VERSION TAG PACKAGE_DIR [REQUIRES_DIST...]
    e.g. ... /tmp/w coverage 6.5.0 cp311-cp311-linux_x86_64 /usr/lib/python3/dist-packages/coverage
"""

import base64
import hashlib
import os
import sys
import zipfile

EPOCH = (1980, 1, 1, 0, 0, 0)


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build(out_dir, name, version, tag, package_dir, *requires):
    top = os.path.basename(os.path.normpath(package_dir))
    files = []
    for folder, dirs, names in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            if n.endswith(".pyc"):
                continue
            path = os.path.join(folder, n)
            with open(path, "rb") as f:
                files.append((top + "/" + os.path.relpath(path, package_dir).replace(os.sep, "/"), f.read()))
    info = "%s-%s.dist-info" % (name, version)
    metadata = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
    files.append((info + "/METADATA", (metadata + "".join("Requires-Dist: %s\n" % r for r in requires)).encode()))
    purelib = "true" if tag.endswith("-none-any") else "false"
    wheel = "Wheel-Version: 1.0\nGenerator: rules_par tests\nRoot-Is-Purelib: %s\nTag: %s\n" % (purelib, tag)
    files.append((info + "/WHEEL", wheel.encode()))
    record = "".join("%s,%s,%d\n" % (p, record_hash(d), len(d)) for p, d in files) + info + "/RECORD,,\n"
    files.append((info + "/RECORD", record.encode()))
    out = os.path.join(out_dir, "%s-%s-%s.whl" % (name, version, tag))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            zi = zipfile.ZipInfo(path, EPOCH)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return out


if __name__ == "__main__":
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    print(build(*sys.argv[1:]))
