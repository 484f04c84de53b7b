"""greeter [--lang CODE] NAME...: greets each NAME in a language listed in greetings.txt."""

import argparse
import sys

import textfmt

_PACKAGE = "examples.monorepo.tools.greeter"


def greetings():
    """{language: greeting} from the data file shipped beside this package."""
    try:
        from importlib.resources import files
    except ImportError:  # Python 3.8
        from importlib.resources import read_text

        text = read_text(_PACKAGE, "greetings.txt", encoding="utf-8")
    else:
        text = files(_PACKAGE).joinpath("greetings.txt").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            lang, greeting = line.split(None, 1)
            table[lang] = greeting.strip()
    return table


def main():
    parser = argparse.ArgumentParser(prog="greeter")
    parser.add_argument("--lang", default="en")
    parser.add_argument("names", nargs="+")
    args = parser.parse_args()
    known = greetings()
    if args.lang not in known:
        print("greeter: unknown language %r (known: %s)" % (args.lang, ", ".join(sorted(known))), file=sys.stderr)
        return 2
    print(textfmt.banner("%d greeting(s)" % len(args.names)))
    for name in args.names:
        print("%s, %s!" % (known[args.lang], name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
