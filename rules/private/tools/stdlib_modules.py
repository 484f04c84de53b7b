"""Writes the top-level module names of this interpreter's standard library, one per line.

    python -S -B stdlib_modules.py [OUT]      (stdout without OUT)

Run by the par_stdlib_modules rule (rules/private/imports_check.bzl) with the toolchain
interpreter. 3.10+ has sys.stdlib_module_names (every platform's names); older versions
list the stdlib directory, the built-in modules and the platform-specific names below.
"""
import os
import sys

# Modules that exist only on some platforms, so a Linux listing of 3.8/3.9 misses them.
_PLATFORM_ONLY = (
    "_overlapped", "_winapi", "_winreg", "msilib", "msvcrt", "nt", "winreg", "winsound", "_msi",
    "_scproxy", "_osx_support", "_aix_support", "_bootsubprocess", "posix", "pwd", "grp",
    "termios", "fcntl", "resource", "syslog", "_posixsubprocess", "spwd", "crypt", "nis", "ossaudiodev",
    "readline", "curses", "_curses", "_curses_panel", "_tkinter", "tkinter", "turtle", "turtledemo",
    "_dbm", "_gdbm", "dbm", "_sqlite3", "sqlite3", "_ssl", "ssl", "_lzma", "lzma", "_bz2", "bz2",
    "_ctypes", "ctypes", "_uuid", "zlib", "_decimal", "idlelib", "ensurepip", "venv", "lib2to3",
    "distutils", "asyncore", "asynchat", "smtpd", "imp", "__future__", "__main__",
)


def names():
    found = set(getattr(sys, "stdlib_module_names", ()))
    found.update(sys.builtin_module_names)
    found.update(_PLATFORM_ONLY)
    if not hasattr(sys, "stdlib_module_names"):
        import sysconfig
        stdlib = sysconfig.get_paths()["stdlib"]
        for d in (stdlib, os.path.join(stdlib, "lib-dynload")):
            for entry in os.listdir(d) if os.path.isdir(d) else ():
                name = entry.split(".")[0]
                full = os.path.join(d, entry)
                if entry in ("site-packages", "dist-packages", "__pycache__") or not name.isidentifier():
                    continue
                if os.path.isdir(full) or entry.endswith((".py", ".so")):
                    found.add(name)
    return sorted(found)


if __name__ == "__main__":
    text = "".join(n + "\n" for n in names())
    if len(sys.argv) > 1:
        # The action runs the interpreter itself, with no shell to redirect stdout: a remote
        # executor then needs nothing but the toolchain's files.
        with open(sys.argv[1], "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
