"""PAR_INTERPRETER=1: the archive behaves as `python` with its code importable.

Used as PYSPARK_PYTHON or a Dask worker's interpreter. The launcher already handed leading
interpreter options (-u, -E, -W ...) to Python itself; when started as `python ARCHIVE`
instead, the options that can still take effect are applied here.
"""

import sys

from __par__ import _messages


def _fresh_main(**names):
    main = type(sys)("__main__")
    main.__dict__.update(__builtins__=__builtins__, __spec__=None, __loader__=None, __package__=None)
    main.__dict__.update(names)
    sys.modules["__main__"] = main
    return main.__dict__


def _apply_late_option(opt, value):
    if opt == "-u":
        for stream in (sys.stdout, sys.stderr):
            stream.reconfigure(write_through=True)
    elif opt == "-W":
        import warnings

        sys.warnoptions.append(value)
        warnings._processoptions([value])
    # -E -s -S -I -B -O -b -q -v -X: meaningful only at interpreter start; accepted and ignored.


def _split_options(argv):
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-W", "-X"):
            if i + 1 >= len(argv):
                raise SystemExit(_messages.interpreter_usage(sys.argv[0]))
            _apply_late_option(a, argv[i + 1])
            i += 2
        elif a.startswith(("-W", "-X")) and len(a) > 2:
            _apply_late_option(a[:2], a[2:])
            i += 1
        elif len(a) >= 2 and a[0] == "-" and a[1] != "-" and a not in ("-c", "-m") and not a.startswith(("-c", "-m")):
            for flag in a[1:]:
                _apply_late_option("-" + flag, None)
            i += 1
        else:
            break
    return argv[i:]


def _interact():
    import code
    import site  # under -S importing site runs nothing; it lends exit(), quit() and help()

    site.setquit()
    site.sethelper()
    site.setcopyright()
    namespace = _fresh_main(__name__="__main__")
    code.interact(banner="Python %s on %s (archive %s)" % (sys.version, sys.platform, sys.path[0]), local=namespace)


def run(archive):
    rest = _split_options(sys.argv[1:])
    if not rest or rest[0] == "-":
        sys.argv = [""] if not rest else ["-"] + rest[1:]
        if not rest and sys.stdin.isatty():
            _interact()
            return
        source = sys.stdin.read()
        exec(compile(source, "<stdin>", "exec"), _fresh_main(__name__="__main__"))
        return
    first = rest[0]
    if first.startswith("-c"):
        command = first[2:] or (rest[1] if len(rest) > 1 else None)
        if command is None:
            raise SystemExit(_messages.interpreter_usage(sys.argv[0]))
        sys.argv = ["-c"] + rest[(1 if first[2:] else 2):]
        exec(compile(command, "<string>", "exec"), _fresh_main(__name__="__main__"))
        return
    import runpy

    if first.startswith("-m"):
        module = first[2:] or (rest[1] if len(rest) > 1 else None)
        if module is None:
            raise SystemExit(_messages.interpreter_usage(sys.argv[0]))
        sys.argv = ["-m"] + rest[(1 if first[2:] else 2):]
        runpy._run_module_as_main(module, alter_argv=True)
        return
    # A script: like python, its directory goes first on sys.path.
    sys.argv = rest
    sys.path.insert(0, first.rpartition("/")[0] or ".")
    runpy.run_path(first, run_name="__main__")
