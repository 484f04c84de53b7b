"""Quotations shipped as a data file of this package."""


def load():
    """The quotations in quotes.txt, one per line."""
    try:
        from importlib.resources import files
    except ImportError:  # Python 3.8
        from importlib.resources import read_text

        text = read_text(__name__, "quotes.txt", encoding="utf-8")
    else:
        text = files(__name__).joinpath("quotes.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]
