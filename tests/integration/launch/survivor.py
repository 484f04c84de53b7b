"""Runs while its archive is deleted or replaced, then imports code it had not yet imported.

Prints `ready <fingerprint>`, waits for one line on stdin, then imports lazymod (a package,
so zipimport stats and reads the archive again) and prints what it found.
"""

import sys

import __par__

if __name__ == "__main__":
    print("ready", __par__.fingerprint, flush=True)
    sys.stdin.readline()
    import lazymod
    import lazymod.deep

    print("after", lazymod.BUILD, lazymod.deep.DEEP, __par__.fingerprint, __par__.build_info["fingerprint"], flush=True)
