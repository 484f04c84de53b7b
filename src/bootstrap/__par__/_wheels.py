"""Wheels that need the launcher: tag check against the running interpreter, then extraction
of native wheels into the per-user cache (keyed by each wheel's sha256 from build time).

Imported only when the archive bundles such wheels (DATA["wheels"]); an archive without them
never loads this module. Warm path per native wheel: one use() of the cache (three stat(), one
utime(), a shared flock: ~0.5 ms); zipfile (~5 ms of imports) only on a cold extraction.
"""

import sys

from __par__ import _cache


def prepare(data, archive, unpacked=False):
    """Checks every wheel's tags, then points sys.path at the extracted copies of native ones
    (unpacked: layout = "extract" already put the whole archive on disk)."""
    wheels = data["wheels"]
    checked = [w for w in wheels if w["tags"]]
    if checked:
        from __par__ import _tags

        for w in checked:
            if not _tags.compatible(w["tags"]):
                _incompatible_or_reexec(data, archive, w, _tags)
    for w in wheels:
        if w["extract"] and not unpacked:
            # key: the wheel's sha256, plus a digest of the build-time .pyc packed with it
            path = _cache.use("wheels", w["key"], _filler(archive, w))
            inside = archive + "/" + w["dir"]
            sys.path[:] = [path if p == inside else p for p in sys.path]


def _filler(archive, w):
    def fill(tmp):
        from __par__ import _extract

        _extract.unpack(archive, w["dir"] + "/", tmp, "%s %s" % (w["name"], w["version"]))

    return fill


def _incompatible_or_reexec(data, archive, w, tags):
    """Re-executes under a python3.X from PATH that the wheels fit (the same search as for a
    `python` mismatch, _select.py), or exits with the message."""
    from __par__ import _messages, _select

    running = tags.describe_running()
    tried = ["the running interpreter %s" % running]
    _select.reexec(data["python"]["minors"], archive, tried)
    wheel = "%s %s (%s)" % (w["name"], w["version"], w["filename"])
    sys.stderr.write(_messages.incompatible_wheel(sys.argv[0], data["label"], wheel, w["needs"], running, tried) + "\n")
    sys.exit(1)
