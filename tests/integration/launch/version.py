"""Prints the version and path of the interpreter that runs it."""

import sys

if __name__ == "__main__":
    print("%d.%d %s" % (sys.version_info[0], sys.version_info[1], sys.executable))
