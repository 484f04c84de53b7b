"""Maps work over a pool of spawned workers; prints the results and how many processes ran them."""

import multiprocessing
import os

from workers.square import square

if __name__ == "__main__":
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.map(square, range(6))
    print("squares", [r for r, _ in results])
    print("worker pids distinct from parent:", all(pid != os.getpid() for _, pid in results))
