"""pytest tests of the wordcount tool, run from an archive like the tool itself."""

import io

import pytest

from examples.monorepo.tools.wordcount import cli


@pytest.fixture
def stdin(monkeypatch):
    def feed(text):
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    return feed


def test_top_words_from_stdin(stdin, capsys):
    stdin("to be or not to be")
    assert cli.main(["--top", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["to", "2"]


@pytest.mark.parametrize("text", ["", "123 456"])
def test_no_words_prints_nothing(stdin, capsys, text):
    stdin(text)
    assert cli.main([]) == 0
    assert capsys.readouterr().out == ""


def test_missing_file_fails(tmp_path, capsys):
    assert cli.main([str(tmp_path / "nothere.txt")]) == 1
    assert "nothere.txt: No such file or directory" in capsys.readouterr().err
