"""quote [--n N]: prints the first N quotations, then the label this archive was built from."""

import argparse

import __par__
from lib import quotes

parser = argparse.ArgumentParser(prog="quote")
parser.add_argument("--n", type=int, default=1)
args = parser.parse_args()
for line in quotes.load()[: args.n]:
    print(line)
print("built from %s" % __par__.build_info["label"])
