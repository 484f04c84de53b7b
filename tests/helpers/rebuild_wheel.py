"""Rebuilds real wheels from distributions installed in the running interpreter.

PyPI is unreachable on CI, but pyenv's Python 3.11 has numpy, requests, pydantic ... installed.
An installed distribution's RECORD lists every file pip unpacked from the original wheel with
its sha256; this script zips exactly those files (verifying each hash, so the result is the
published content), the original WHEEL and METADATA, and a fresh RECORD. Files pip adds at
install time (INSTALLER, REQUESTED, direct_url.json, __pycache__) and files outside
site-packages (console scripts) are left out. The zip is deterministic (fixed timestamps,
sorted entries), so a rebuilt wheel has the same sha256 on every machine with the same
installed version.

    python3.11 tests/helpers/rebuild_wheel.py OUT_DIR DIST [DIST ...]   # prints the wheel paths
    python3 tests/helpers/rebuild_wheel.py OUT_DIR --debian              # copies /usr/share/python-wheels/*.whl
"""

import base64
import csv
import hashlib
import importlib.metadata
import io
import os
import shutil
import sys
import zipfile

SKIP = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}
EPOCH = (1980, 1, 1, 0, 0, 0)


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_tags(wheel_text):
    tags = [line.split(":", 1)[1].strip() for line in wheel_text.splitlines() if line.startswith("Tag:")]
    py, abi, plat = [], [], []
    for t in tags:
        p, a, pl = t.split("-")
        for lst, v in ((py, p), (abi, a), (plat, pl)):
            if v not in lst:
                lst.append(v)
    return "-".join(".".join(x) for x in (py, abi, plat))


def rebuild(dist_name, out_dir):
    dist = importlib.metadata.distribution(dist_name)
    info_dir = os.path.basename(str(dist._path))  # e.g. numpy-2.4.6.dist-info
    site = os.path.dirname(str(dist._path))
    name = dist.metadata["Name"]
    files = []
    for row in csv.reader(io.StringIO(dist.read_text("RECORD"))):
        path, digest = row[0], row[1] if len(row) > 1 else ""
        parts = path.split("/")
        if path.startswith("..") or "__pycache__" in parts:
            continue
        if parts[0] == info_dir and parts[-1] in SKIP:
            continue
        with open(os.path.join(site, path), "rb") as f:
            data = f.read()
        if digest and record_hash(data) != digest:
            # Locally patched after install (e.g. a CA bundle replaced by the distribution's
            # certificates): the wheel carries the installed bytes, with a matching new RECORD.
            sys.stderr.write("rebuild_wheel: %s: %s differs from its RECORD hash; using the installed bytes\n" % (dist_name, path))
        if not digest and parts[0] != info_dir:
            raise SystemExit("%s: %s has no RECORD hash" % (dist_name, path))
        mode = os.stat(os.path.join(site, path)).st_mode & 0o777
        files.append((path, data, mode))
    normalized = name.replace("-", "_").replace(".", "_")
    filename = "%s-%s-%s.whl" % (normalized, dist.version, wheel_tags(dist.read_text("WHEEL")))
    record_rows = [(p, record_hash(d), str(len(d))) for p, d, _ in files] + [(info_dir + "/RECORD", "", "")]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(sorted(record_rows))
    files.append((info_dir + "/RECORD", buf.getvalue().encode(), 0o644))
    os.makedirs(out_dir, exist_ok=True)
    target = os.path.join(out_dir, filename)
    tmp = target + ".tmp-%d" % os.getpid()
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        # .dist-info last, as `wheel` writes it (installers may stream the metadata at the end).
        for path, data, mode in sorted(files, key=lambda f: (f[0].startswith(info_dir + "/"), f[0])):
            zi = zipfile.ZipInfo(path, EPOCH)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = (0o100000 | (mode or 0o644)) << 16
            z.writestr(zi, data)
    os.replace(tmp, target)
    return target


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    out_dir, names = argv[0], argv[1:]
    for n in names:
        if n == "--debian":
            for w in sorted(os.listdir("/usr/share/python-wheels")):
                if w.endswith(".whl"):
                    shutil.copyfile(os.path.join("/usr/share/python-wheels", w), os.path.join(out_dir, w))
                    print(os.path.join(out_dir, w))
        else:
            print(rebuild(n, out_dir))


if __name__ == "__main__":
    main(sys.argv[1:])
