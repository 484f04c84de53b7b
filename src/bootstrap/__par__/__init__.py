"""Facts about the running archive.

    import __par__
    __par__.build_info      # dict: label, revision, dirty, branch, stamped, timestamp, python, wheels, ...
    __par__.fingerprint     # content hash of the archive's code, computed at build time
    __par__.archive         # absolute path of the running archive
    __par__.require_fingerprint(expected)   # for cluster workers: same code as the driver?

Nothing is read until a program asks: the launcher imports this package on every start.
"""

import sys

archive = None  # set by the launcher before the program runs

# This file was compiled from source, so the archive's .pyc do not fit this interpreter:
# serve the archive's modules from the per-user bytecode cache (_bytecode.py). With the
# build interpreter __file__ ends in .pyc and this costs nothing.
if __file__.endswith(".py") and hasattr(__loader__, "archive"):
    try:
        from __par__ import _bytecode
    except ImportError:  # a hand-made zip with only part of the bootstrap: no cache
        pass
    else:
        _bytecode.install(__loader__.archive)


def _load_build_info():
    from __par__ import _manifest

    info = dict(_manifest.DATA["build_info"])
    try:
        from __par__ import _stamp  # added by the late stamping action only
    except ImportError:
        pass
    else:
        info.update(_stamp.DATA)
    return info


def require_fingerprint(expected):
    """Fails unless this archive's code is `expected` (another process's __par__.fingerprint).

    A driver sends its fingerprint with the work; each worker calls this before unpickling,
    so code mismatches surface as one clear error rather than an AttributeError deep in pickle.
    """
    from __par__ import _manifest

    actual = _manifest.DATA["fingerprint"]
    if expected != actual:
        from __par__ import _messages
        from __par__._errors import CodeMismatchError

        raise CodeMismatchError(_messages.code_mismatch(_manifest.DATA["label"], expected, actual, archive))


def __getattr__(name):  # PEP 562: computed on first access, then cached in the module
    if name == "build_info":
        value = _load_build_info()
    elif name == "fingerprint":
        from __par__ import _manifest

        value = _manifest.DATA["fingerprint"]
    elif name == "CodeMismatchError":  # raised by require_fingerprint (__par__/_errors.py)
        from __par__._errors import CodeMismatchError as value
    else:
        raise AttributeError("module '__par__' has no attribute %r" % (name,))
    globals()[name] = value
    return value


if sys.version_info < (3, 7):  # no module __getattr__ before 3.7
    from __par__._errors import CodeMismatchError
    build_info = _load_build_info()
    fingerprint = build_info["fingerprint"]
