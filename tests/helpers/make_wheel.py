"""make_wheel.py OUT.whl NAME VERSION [PATH=TEXT ...]: a pure-Python wheel whose RECORD matches its files.

Entries carry a fixed 1980 timestamp, so the same arguments give the same bytes.
"""
import base64
import hashlib
import sys
import zipfile


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main(out, name, version, *entries):
    info = "%s-%s.dist-info/" % (name, version)
    files = [(path, text.encode()) for path, _, text in (e.partition("=") for e in entries)]
    files += [
        (info + "METADATA", ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)).encode()),
        (info + "WHEEL", b"Wheel-Version: 1.0\nGenerator: make_wheel.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    record = "".join("%s,%s,%d\n" % (n, _hash(d), len(d)) for n, d in files) + info + "RECORD,,\n"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files + [(info + "RECORD", record.encode())]:
            z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), d)


if __name__ == "__main__":
    main(*sys.argv[1:])
