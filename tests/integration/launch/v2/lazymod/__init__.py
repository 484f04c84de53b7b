"""Build 2 of the lazily imported package: a different build of the same program."""

BUILD = "v2"
EXTRA = "padding so that the two archives' offsets differ " * 40
