"""Work done in spawned worker processes: they must import it from the archive."""

import os


def square(x):
    return x * x, os.getpid()
