"""Fetches a URL and says what came back."""

import sys

from app.report import describe


def main():
    ok, text = describe(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765/")
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
