"""The smallest rules_par program: prints a greeting and its arguments."""

import sys

if __name__ == "__main__":
    print("Hello from rules_par!", *sys.argv[1:])
