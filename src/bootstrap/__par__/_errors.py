"""Exceptions of the `__par__` API, made only when first used: creating a class costs a
launch ~15 us, and most programs never raise these. They present themselves as `__par__.X`
(tracebacks, pickling: `__par__.__getattr__` hands out the same class)."""


class CodeMismatchError(RuntimeError):
    """Raised by require_fingerprint when this process runs different code than expected."""


CodeMismatchError.__module__ = "__par__"
