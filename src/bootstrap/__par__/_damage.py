"""A module of the archive that does not load (a flipped byte, a bad copy or disk): one
paragraph naming the archive and the entry instead of a traceback through zipimport.

Imported only when the program has already failed, so it may cost what it likes.
"""

import sys

from __par__ import _messages

# zipimport's functions that read an entry (3.8+, pure Python) and the local naming it, and
# _boot.py's own reader (_pinned_get_data): where a damaged entry first raises.
_READERS = {
    "_unmarshal_code": lambda f: f.f_locals.get("pathname"),
    "_get_data": lambda f: (f.f_locals.get("toc_entry") or (None,))[0],
    "get_data": lambda f: (f.f_locals.get("toc_entry") or (None,))[0],
}


def entry_of(error, archive):
    """The archive entry whose reading raised `error`, or None when it came from elsewhere."""
    if isinstance(error, (ImportError, MemoryError, RecursionError)):
        return None  # zipimport's own ImportErrors already name what is missing
    tb, frame = error.__traceback__, None
    while tb is not None:
        frame, tb = tb.tb_frame, tb.tb_next
    if frame is None or frame.f_globals.get("__name__") not in ("zipimport", "__par__._boot"):
        return None
    read = _READERS.get(frame.f_code.co_name)
    path = read(frame) if read else None
    if not isinstance(path, str) or not path.startswith(archive + "/"):
        return None
    return path[len(archive) + 1:]


def exit_if_damaged(error, archive):
    entry = entry_of(error, archive)
    if entry is None:
        return
    kind = type(error)
    name = kind.__name__ if kind.__module__ == "builtins" else "%s.%s" % (kind.__module__, kind.__name__)
    detail = "%s: %s" % (name, error)
    sys.stderr.write(_messages.unloadable_entry(archive, entry, detail) + "\n")
    sys.exit(1)
