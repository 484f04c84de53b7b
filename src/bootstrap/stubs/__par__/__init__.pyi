# Type stub for `__par__`, the package every rules_par archive ships (its code:
# src/bootstrap/__par__/__init__.py). Never packed: editors find it because `par ide` puts
# this directory on pyright's extraPaths. Keep it in step with the runtime module and with
# the build info the packager writes (src/packager/pack.ts) and the stamp adds (stamp.ts).
from typing import Dict, List, Optional, TypedDict

class WheelInfo(TypedDict):
    """One bundled distribution."""

    name: str
    version: str
    sha256: str
    label: str

class _Stamped(TypedDict, total=False):
    # Only in stamped archives: the workspace status command's other STABLE_* keys.
    status: Dict[str, str]

class BuildInfo(_Stamped):
    """`__par__.build_info` (also printed by `PAR_INFO=1 ./archive`)."""

    label: str
    revision: Optional[str]  # None unless stamped; "unknown" outside a checkout
    dirty: Optional[bool]
    branch: Optional[str]
    stamped: bool
    timestamp: Optional[str]  # ISO 8601 UTC, e.g. "2026-12-06T05:30:00Z"; None unless stamped
    python: str  # the PEP 440 specifier the launching interpreter must satisfy
    build_python: str  # the toolchain interpreter that compiled the bytecode, e.g. "3.11.2"
    fingerprint: str
    wheels: List[WheelInfo]

class CodeMismatchError(RuntimeError):
    """Raised by require_fingerprint when this process runs different code than expected."""

build_info: BuildInfo
fingerprint: str
"""Content hash of the archive's code, computed at build time."""
archive: Optional[str]
"""Absolute path of the running archive (set by the launcher before the program runs)."""

def require_fingerprint(expected: str) -> None:
    """Fails with CodeMismatchError unless this archive's code is `expected` (another process's fingerprint)."""
