"""wordcount [--top N] [FILE...]: the most frequent words of the files (or of stdin)."""

import argparse
import sys

import textfmt
from examples.monorepo.libs.words import tokens


def main(argv=None):
    parser = argparse.ArgumentParser(prog="wordcount", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("--top", type=int, default=10, help="how many words to show (default 10)")
    parser.add_argument("files", nargs="*", help="files to read; stdin when none")
    args = parser.parse_args(argv)
    texts = []
    for name in args.files or ["-"]:
        if name == "-":
            texts.append(sys.stdin.read())
            continue
        try:
            with open(name, encoding="utf-8") as f:
                texts.append(f.read())
        except OSError as e:
            print("wordcount: %s: %s" % (name, e.strerror), file=sys.stderr)
            return 1
    counts = tokens.most_common("\n".join(texts), args.top)
    if counts:
        print(textfmt.table(counts))
    return 0
