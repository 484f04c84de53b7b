"""Wheels that need the launcher: tag check against the running interpreter, then extraction
of native wheels into the per-user cache (keyed by each wheel's sha256 from build time).

Imported only when the archive bundles such wheels (DATA["wheels"]); an archive without them
never loads this module. A wheel with several builds (python_wheel(wheels = [...])) gets the
one whose tags fit best, in packaging.tags order, each build its own cache entry. Warm path per native wheel: one use() of the cache (three stat(), one
utime(), a shared flock: ~0.5 ms); zipfile (~5 ms of imports) only on a cold extraction.
"""

import sys

from __par__ import _cache


def prepare(data, archive, unpacked=None):
    """Checks every wheel's tags (picking the best fitting build of a wheel that has several),
    then points sys.path at the extracted copies of native ones. unpacked: layout = "extract",
    which puts the whole archive on disk afterwards (sys.path is not set yet: data["roots"]
    is what changes)."""
    wheels = data["wheels"]
    checked = [w for w in wheels if w["tags"]]
    if checked:
        from __par__ import _tags

        for i, w in enumerate(wheels):
            if "variants" in w:
                chosen = _tags.best(w["variants"])
                if chosen is None:
                    _incompatible_or_reexec(data, archive, w, _tags)
                _choose(data, archive, w["dir"], chosen, unpacked)
                wheels[i] = chosen
            elif w["tags"] and not _tags.compatible(w["tags"]):
                _incompatible_or_reexec(data, archive, w, _tags)
    for w in wheels:
        if w["extract"] and not unpacked:
            # key: the wheel's sha256, plus a digest of the build-time .pyc packed with it
            path = _cache.use("wheels", w["key"], _filler(archive, w))
            inside = archive + "/" + w["dir"]
            sys.path[:] = [path if p == inside else p for p in sys.path]


def _choose(data, archive, root, chosen, unpacked):
    """A wheel with several builds has one import root (root: its group's directory, which the
    archive does not hold); the chosen build's directory takes its place."""
    roots = data["roots"]
    roots[roots.index(root)] = chosen["dir"]
    if not unpacked:
        inside = archive + "/" + root
        sys.path[:] = [archive + "/" + chosen["dir"] if p == inside else p for p in sys.path]


def _filler(archive, w):
    def fill(tmp):
        from __par__ import _extract

        _extract.unpack(archive, w["dir"] + "/", tmp, "%s %s" % (w["name"], w["version"]))
        _compile(tmp)

    return fill


def _compile(root):
    """Bytecode for this interpreter, written into the new entry before it is published, for
    the modules the archive brought none for (a build for another minor than the toolchain's,
    or an abi3/pure wheel run by another minor). Without it Python writes __pycache__ on the
    first import, or, under PYTHONDONTWRITEBYTECODE, compiles them at every launch: measured
    on 150 modules under 3.8, 297 ms per warm launch against 48 ms with the bytecode
    (docs/PERFORMANCE.md). Unchecked-hash (PEP 552): the entry never changes under its key.
    Modules under tests/ stay source-only, as at build time; files that do not compile on this
    Python are left to fail at import, as they would in site-packages."""
    import os
    import py_compile  # only on a first extraction (~2 ms of imports)
    from importlib.util import cache_from_source

    mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ("tests", "__pycache__")]
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            pyc = cache_from_source(path)
            if os.path.exists(pyc):
                continue  # shipped by the archive (the toolchain's minor)
            try:
                py_compile.compile(path, cfile=pyc, dfile=os.path.relpath(path, root), doraise=True, invalidation_mode=mode)
            except (py_compile.PyCompileError, SyntaxError, ValueError):
                pass


def _incompatible_or_reexec(data, archive, w, tags):
    """Re-executes under a python3.X from PATH that the wheels fit (the same search as for a
    `python` mismatch, _select.py), or exits with the message."""
    from __par__ import _messages, _select

    running = tags.describe_running()
    tried = ["the running interpreter %s" % running]
    _select.reexec(data["python"]["minors"], archive, tried)
    if "variants" in w:
        wheel = "%s %s in %d builds (%s)" % (w["name"], w["version"], len(w["variants"]), w["filename"])
    else:
        wheel = "%s %s (%s)" % (w["name"], w["version"], w["filename"])
    sys.stderr.write(_messages.incompatible_wheel(sys.argv[0], data["label"], wheel, w["needs"], running, tried) + "\n")
    sys.exit(1)
