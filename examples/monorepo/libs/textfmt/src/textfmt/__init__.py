"""Plain-text formatting shared by the monorepo's tools."""

from textfmt.table import table

__all__ = ["banner", "table"]


def banner(text):
    """`text` framed by a line of '=' as wide as it is."""
    rule = "=" * len(text)
    return "%s\n%s\n%s" % (rule, text, rule)
