"""Aligned columns: text left-aligned, numbers right-aligned."""


def _cell(value, width):
    text = str(value)
    return text.rjust(width) if isinstance(value, (int, float)) else text.ljust(width)


def table(rows):
    """Renders rows (sequences of equal length) as lines of aligned columns."""
    rows = [list(r) for r in rows]
    if not rows:
        return ""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(_cell(v, w) for v, w in zip(r, widths)).rstrip() for r in rows)
