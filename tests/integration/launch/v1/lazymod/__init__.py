"""Build 1 of the lazily imported package (see survivor.py)."""

BUILD = "v1"
