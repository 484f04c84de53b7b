"""Every message the bootstrap shows a user, in one place: what was expected, what was
found, and what to do."""


def wrong_python(prog, label, spec, version, executable, tried):
    return (
        "%s: %s needs Python %s, but this is Python %s (%s). Tried: %s. "
        "Install a Python that satisfies %s (a python3.X on PATH is found automatically), "
        "or set PAR_PYTHON to one." % (prog, label, spec, version, executable, "; ".join(tried), spec)
    )


def code_mismatch(label, expected, actual, archive):
    return (
        "%s: this process runs code %s from %s, but the caller expects %s. Ship the same "
        "archive to every worker (e.g. PYSPARK_PYTHON pointing at one copy of it) and retry."
        % (label, actual, archive, expected)
    )


def bad_entry_point(label, entry_point, error):
    return "%s: cannot load entry point %s: %s" % (label, entry_point, error)


def interpreter_usage(prog):
    return (
        "%s: PAR_INTERPRETER=1 takes python's arguments: [options] (-c CMD | -m MODULE | SCRIPT | -) [ARGS]"
        % (prog,)
    )
