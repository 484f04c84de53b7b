"""Wheel compatibility tags (PEP 425) against the running interpreter: python, ABI and
platform, including manylinux (glibc), musllinux and, on macOS hosts, macosx. Builtin modules
only (posix, sys)."""

import sys

_LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


def _glibc():
    import posix

    try:
        text = posix.confstr("CS_GNU_LIBC_VERSION")  # "glibc 2.36"
    except (AttributeError, ValueError, OSError):
        return None
    if not text or not text.startswith("glibc "):
        return None
    try:
        major, minor = text[6:].split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        return None


def _machine():
    import posix

    m = posix.uname().machine
    if sys.maxsize <= 2 ** 32 and m == "x86_64":  # 32-bit Python on a 64-bit kernel
        return "i686"
    if m in ("arm64",):
        return "aarch64"
    return m


def _python_ok(py, abi):
    impl, ver = py[:2], py[2:]
    if impl not in ("py", "cp") or not ver or ver[0] != "3":
        return False
    if impl == "cp" and sys.implementation.name != "cpython":
        return False
    if len(ver) == 1:
        return True
    minor = int(ver[1:])
    exact = impl == "cp" and abi not in ("abi3", "none")
    return sys.version_info[1] == minor if exact else sys.version_info[1] >= minor


def _abi_ok(abi):
    if abi == "none":
        return True
    if abi == "abi3":
        return sys.implementation.name == "cpython" and not getattr(sys, "abiflags", "").count("t")
    return abi == "cp%d%d%s" % (sys.version_info[0], sys.version_info[1], getattr(sys, "abiflags", ""))


# Binary formats a macOS build may carry, per machine, in packaging.tags' order.
_MAC_FORMATS = {"arm64": ("arm64", "universal2"), "x86_64": ("x86_64", "intel", "fat64", "fat32", "universal2", "universal")}


def _mac():
    """(macOS (major, minor), machine) from the Darwin kernel release: Darwin 20 is macOS 11,
    Darwin 19 is 10.15. The minor of macOS 11+ is taken as 0 (platform.mac_ver() would read a
    plist through plistlib: too dear for every launch), so a build for 12.3 is not used on 12.5."""
    import posix

    u = posix.uname()
    major = int(u.release.split(".")[0])
    return ((major - 9, 0) if major >= 20 else (10, major - 4)), u.machine


def _mac_tag(plat):
    """(version, format) of a macosx_X_Y_FORMAT tag, or None."""
    parts = plat.split("_", 3)
    if len(parts) != 4 or parts[0] != "macosx" or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    return (int(parts[1]), int(parts[2])), parts[3]


def _mac_ok(plat):
    tag = _mac_tag(plat)
    if tag is None:
        return False
    version, machine = _mac()
    if tag[1] == "arm64" and tag[0] < (11, 0):
        return False  # no arm64 macOS before 11 (universal2 builds claim older versions)
    return tag[0] <= version and tag[1] in _MAC_FORMATS.get(machine, (machine,))


def _platform_ok(plat):
    if plat == "any":
        return True
    if sys.platform == "darwin":
        return _mac_ok(plat)
    if not sys.platform.startswith("linux"):
        return False  # wheels for Windows, or another host: not supported
    arch = _machine()
    if plat == "linux_" + arch:
        return True
    for legacy, version in _LEGACY.items():
        if plat == legacy + "_" + arch:
            glibc = _glibc()
            return glibc is not None and glibc >= version
    parts = plat.split("_", 3)
    if len(parts) == 4 and parts[3] == arch and parts[0] in ("manylinux", "musllinux"):
        try:
            need = (int(parts[1]), int(parts[2]))
        except ValueError:
            return False
        if parts[0] == "manylinux":
            glibc = _glibc()
            return glibc is not None and glibc >= need
        return _glibc() is None  # musllinux: a musl host (version not probed)
    return False


def compatible(tags):
    """True if any (python, abi, platform) triple fits this interpreter and host."""
    return any(_python_ok(py, abi) and _abi_ok(abi) and _platform_ok(plat) for py, abi, plat in tags)


def _platform_rank(plat):
    """packaging.tags' platform order on Linux: manylinux newest glibc first (a legacy alias
    right after its manylinux_2_N), then musllinux, then linux_<arch>; "any" comes last."""
    if plat == "any":
        return (3, 0, 0)
    mac = _mac_tag(plat)
    if mac is not None:  # newest macOS version first, then the formats in their order
        formats = _MAC_FORMATS.get(_mac()[1], ())
        return (0, -(mac[0][0] * 100 + mac[0][1]), formats.index(mac[1]) if mac[1] in formats else 9)
    parts = plat.split("_", 3)
    for legacy, version in _LEGACY.items():
        if plat.startswith(legacy + "_"):
            return (0, -version[1], 1)
    if len(parts) == 4 and parts[0] in ("manylinux", "musllinux"):
        try:
            return (0 if parts[0] == "manylinux" else 1, -int(parts[2]), 0)
        except ValueError:
            pass
    return (2, 0, 0)


def _interpreter_rank(py, abi, plat):
    """Position of (python, abi) in packaging.tags.sys_tags() for this CPython 3.X: cp3X with
    its own ABI, abi3, none; then cp3Y-abi3 for Y < X newest first; then py3X, py3, py3Y
    with a platform; then cp3X-none-any, py3X, py3, py3Y -none-any."""
    minor = sys.version_info[1]
    ver = py[2:]
    y = int(ver[1:]) if len(ver) > 1 else None
    if plat != "any":
        if py[:2] == "cp" and y == minor:
            return 0 if abi not in ("abi3", "none") else 1 if abi == "abi3" else 2
        if py[:2] == "cp" and abi == "abi3":
            return 3 + minor - (y or 0)
        base = 100
    else:
        if py[:2] == "cp":
            return 200 + (minor - y if y is not None else 0)
        base = 201
    # py3X first, then py3, then py3Y (Y < X) newest first
    return base + (0 if y == minor else 1 if y is None else 2 + minor - y)


def rank(tag):
    """Sort key of a tag that fits (lower is better, as packaging.tags orders them), or None."""
    py, abi, plat = tag
    if not (_python_ok(py, abi) and _abi_ok(abi) and _platform_ok(plat)):
        return None
    return (_interpreter_rank(py, abi, plat), _platform_rank(plat))


def best(variants):
    """The variant (a dict with "tags") whose best-fitting tag ranks first, or None."""
    chosen, key = None, None
    for v in variants:
        for t in v["tags"]:
            r = rank(t)
            if r is not None and (key is None or r < key):
                chosen, key = v, r
    return chosen


def describe_running():
    glibc = _glibc()
    return "%s %d.%d.%d (%s) on %s %s%s" % (
        "CPython" if sys.implementation.name == "cpython" else sys.implementation.name,
        sys.version_info[0], sys.version_info[1], sys.version_info[2],
        sys.executable, sys.platform, _machine(),
        " with glibc %d.%d" % glibc if glibc else "",
    )
