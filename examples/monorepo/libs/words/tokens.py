"""Splits text into lower-case words and counts them."""

import re
from collections import Counter

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def words(text):
    """The words of `text`, lower-cased (letters of any script; apostrophes inside words)."""
    return [w.lower() for w in _WORD.findall(text)]


def most_common(text, n):
    """The n most frequent words as (word, count), ties in order of first appearance."""
    return Counter(words(text)).most_common(n)
