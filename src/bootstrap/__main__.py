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

from __par__._boot import main as _par_main

del sys
_par_main(direct=True)
