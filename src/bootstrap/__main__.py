# Entry when an archive is started as `python ARCHIVE` (the launcher's fast path does not
# come here). Python 2-compatible syntax on purpose: an ancient interpreter must reach the
# version message instead of a SyntaxError.
import sys

if sys.version_info < (3, 6):
    from __par__ import _manifest

    sys.stderr.write(
        "%s: %s needs Python %s, but this is Python %d.%d.%d (%s). Set PAR_PYTHON to a "
        "matching interpreter or run the file directly (./%s) so it can choose one.\n"
        % (sys.argv[0], _manifest.DATA["label"], _manifest.DATA["python"]["spec"],
           sys.version_info[0], sys.version_info[1], sys.version_info[2], sys.executable,
           sys.argv[0].rsplit("/", 1)[-1])
    )
    sys.exit(1)


def _par_blob():
    """The launch blob's first code, read as the launcher's line reads it, when this file was
    loaded from its .pyc (so this is the build interpreter, whose code the blob holds): the
    archive ships the blob's modules only there (src/packager/boot-files.ts). None otherwise:
    another minor, an archive without a blob, PAR_LAUNCH_BLOB=0, anything unusual."""
    import posix

    if not __file__.endswith(".pyc") or posix.environ.get(b"PAR_LAUNCH_BLOB") == b"0":
        return None
    try:
        import marshal
        import zipimport
        import zlib

        archive = sys.path[0]
        toc = zipimport._zip_directory_cache[archive]["__par__/_launch.blob"]
        if toc[1] != 0:
            return None
        if not archive.startswith("/"):  # a later chdir must not break imports
            archive = posix.getcwd() + "/" + archive
        fd = posix.open(archive, posix.O_RDONLY | posix.O_CLOEXEC)
        head = posix.pread(fd, 30, toc[4])
        start = toc[4] + 30 + (head[26] | head[27] << 8) + (head[28] | head[29] << 8)
        blob = marshal.loads(zlib.decompress(posix.pread(fd, toc[2], start), -15))
        return archive, fd, blob, marshal.loads(blob[1])
    except Exception:  # noqa: B902 -- zipimport's way then reports what is wrong
        return None


_par_fast = _par_blob()
if _par_fast is not None:
    # _blob_start.py runs in the launcher line's names: sys, m (marshal), f (the descriptor),
    # d (the blob); its argv[1] is the archive and argv[:2] goes (the line's "-c ARCHIVE").
    sys.argv[:0] = ["-c", _par_fast[0]]
    _par_code = _par_fast[3]
    _par_names = {"sys": sys, "m": __import__("marshal"), "f": _par_fast[1], "d": _par_fast[2], "__builtins__": __builtins__}
    del _par_fast
    exec(_par_code, _par_names)
else:
    from __par__._boot import main as _par_main

    del sys
    _par_main(direct=True)
