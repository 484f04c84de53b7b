# The first code of the launch blob (src/archive/launch-blob.ts). The launcher's line
# (launcher.sh) read the blob into `d` from the archive it opened as `f`, and runs this in
# its own namespace: compiled at build time, it costs the line no compiling at each start.
# Never imported. If the bootstrap's code cannot run from the blob, zipimport's way is taken.
a = sys.argv[1]  # noqa: F821 -- sys, m, f, b and d are the launcher line's (b, its read, is rebound below)
del sys.argv[:2]  # noqa: F821
b = type(sys)("__par__._boot")  # noqa: F821
sys.modules[b.__name__] = b  # noqa: F821
try:
    exec(m.loads(d[2]), b.__dict__)  # noqa: F821
except Exception:  # noqa: B902
    b = None
if b is not None:
    # Handed over in a box and dropped here: this namespace outlives the program (it is the
    # frame of `python -c`), and the blob (~30 KB plus the directory) is not needed after
    # start-up.
    box = [d]  # noqa: F821
    del d
    b.fast(a, f, box)  # noqa: F821
else:
    del sys.modules["__par__._boot"]  # noqa: F821
    sys.path[0] = a  # noqa: F821
    from __par__._boot import main

    main()
