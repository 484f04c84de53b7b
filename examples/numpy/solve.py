"""Solves a small linear system with numpy.linalg and prints the checked result."""
import sys

import numpy as np


def main():
    a = np.array([[3.0, 1.0, 2.0], [1.0, 4.0, 1.0], [2.0, 1.0, 5.0]])
    b = np.array([9.0, 12.0, 17.0])
    x = np.linalg.solve(a, b)
    assert np.allclose(a @ x, b)
    print("x =", " ".join("%.6f" % v for v in x))
    print("det =", "%.6f" % np.linalg.det(a))
    print("numpy", np.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
