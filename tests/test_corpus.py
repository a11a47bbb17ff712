"""Corpus reading: line endings kept, gzip, stdin, and clear errors for bad input."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pytest

import tokenlab
from tokenlab import ConfigError, CorpusError
from tokenlab.corpus import count_words, default_corpus, iter_lines
from tokenlab.pre_tokenizers import Whitespace


def test_lines_keep_their_endings(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"one\ntwo\r\nthree")
    assert list(iter_lines(str(path))) == ["one\n", "two\r\n", "three"]


def test_gzip_is_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "c.txt.gz"
    with gzip.open(path, "wb") as f:
        f.write("héllo\nwörld\n".encode())
    assert list(iter_lines(str(path))) == ["héllo\n", "wörld\n"]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(b"a b\nc\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    assert list(iter_lines("-")) == ["a b\n", "c\n"]


def test_invalid_utf8_names_file_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    # "ok\n" is 3 bytes, then "ab" (2 bytes): the bad byte 0xff is at offset 5, line 2.
    path.write_bytes(b"ok\nab\xffcd\n")
    with pytest.raises(CorpusError) as info:
        list(iter_lines(str(path)))
    message = str(info.value)
    assert str(path) in message and "byte 5" in message and "line 2" in message
    assert "errors='replace'" in message
    assert list(iter_lines(str(path), errors="replace")) == ["ok\n", "ab\ufffdcd\n"]
    assert list(iter_lines(str(path), errors="ignore")) == ["ok\n", "abcd\n"]


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt.gz"
    data = gzip.compress(b"hello world\n" * 1000)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorpusError, match=r"cut\.txt\.gz"):
        list(iter_lines(str(path)))


@pytest.mark.parametrize("name", ["missing.txt", "."])
def test_unreadable_inputs(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with pytest.raises(CorpusError, match=r"no such file|directory"):
        list(iter_lines(str(path)))


def test_unknown_errors_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        list(iter_lines(str(tmp_path / "x"), errors="bogus"))


def test_count_words() -> None:
    counts = count_words(["a b a\n", "b c"], pre_tokenizer=Whitespace())
    assert counts == {"a": 2, "b": 2, "c": 1}
    # bytes items are UTF-8 text: the same counts as the str items
    assert count_words(["a b a\n".encode(), b"b c"], pre_tokenizer=Whitespace()) == counts
    with pytest.raises(CorpusError, match="must be str or bytes"):
        count_words([3])  # type: ignore[list-item]


def test_default_corpus_is_real_text() -> None:
    lines = list(default_corpus())
    assert len(lines) > 5000
    assert sum(map(len, lines)) > 300_000
    assert all(line.endswith("\n") for line in lines)


def test_train_on_file_equals_train_on_lines(tmp_path: Path) -> None:
    lines = list(default_corpus())[:1500]
    path = tmp_path / "corpus.txt"
    path.write_text("".join(lines), encoding="utf-8")
    from_file = tokenlab.train(str(path), vocab_size=500, show_progress=False)
    from_lines = tokenlab.train(iter(lines), vocab_size=500, show_progress=False)
    assert from_file.to_str() == from_lines.to_str()


def test_parallel_counting_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenlab import corpus
    from tokenlab.pre_tokenizers import get_pre_tokenizer

    lines = list(default_corpus())[:3000]
    path = tmp_path / "c.txt"
    path.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(corpus, "_CHUNK_BYTES", 4096)  # many chunks, cut mid-file
    assert len(corpus._chunks([str(path)])) > 10
    pre = get_pre_tokenizer("byte-level")
    serial = corpus.count_words_in_files(str(path), None, pre, processes=1)
    parallel = corpus.count_words_in_files(str(path), None, pre, processes=2)
    assert parallel == serial == count_words(lines, None, pre)


def test_parallel_counting_reports_bad_utf8_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tokenlab import corpus

    good = b"hello world\n" * 1000  # 12,000 bytes, 1,000 lines
    path = tmp_path / "bad.txt"
    path.write_bytes(good + b"ab\xc3(\n" + good)
    monkeypatch.setattr(corpus, "_CHUNK_BYTES", 1000)
    # The bad byte 0xc3 starts at 12,000 + 2 = 12,002, on line 1,001.
    with pytest.raises(CorpusError, match=r"byte 12002 \(line 1001\)"):
        corpus.count_words_in_files(str(path), processes=2)
    with pytest.raises(CorpusError, match=r"byte 12002 \(line 1001\)"):
        corpus.count_words_in_files(str(path), processes=1)
    counts = corpus.count_words_in_files(str(path), errors="replace", processes=2)
    assert counts["ab\ufffd(\n"] == 1
