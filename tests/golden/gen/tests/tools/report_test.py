import pytest

from tools import report


def test_total():
    assert report.total([1, 2]) == 3
