"""A stretch no pre-tokenizer can cut is counted in chunks, in bounded memory, and the
same way whatever the read sizes or the number of processes.

The limits are made tiny here (a run is over 100 chars, chunks of 4, at most 8 distinct
per line) so that the rule shows on small text; benchmarks/peak_memory.py measures it
on a 200 MB line.
"""

from __future__ import annotations

import random
import warnings
from collections import Counter
from pathlib import Path

import pytest

import tokenlab
from tokenlab import corpus
from tokenlab.corpus import count_words_in_files, cut_rule, iter_lines
from tokenlab.pre_tokenizers import ByteLevel, get_pre_tokenizer


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "READ_BYTES", 16)
    monkeypatch.setattr(corpus, "MAX_RUN_CHARS", 100)
    monkeypatch.setattr(corpus, "RUN_CHUNK_CHARS", 4)
    monkeypatch.setattr(corpus, "MAX_RUN_CHUNKS", 8)
    monkeypatch.setattr(corpus, "_CHUNK_BYTES", 256)  # several ranges for 2 processes


def _letters(n: int, seed: int) -> str:
    return "".join(random.Random(seed).choices("abcdefghijklmnopqrstuvwxyz", k=n))


def _pieces(path: Path, pre: str = "byte-level") -> list[str]:
    cut = cut_rule(None, get_pre_tokenizer(pre))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(iter_lines(str(path), cut=cut))


def test_repeated_run_is_one_chunk_and_loses_nothing(tmp_path: Path, small_limits: None) -> None:
    path = tmp_path / "a.txt"
    path.write_text("a" * 1000)
    cut = cut_rule(None, get_pre_tokenizer("byte-level"))
    with pytest.warns(UserWarning, match="counted as chunks of 4 characters"):
        pieces = list(iter_lines(str(path), cut=cut))
    assert set(pieces) == {"aaaa"} and "".join(pieces) == "a" * 1000


def test_random_run_keeps_at_most_the_distinct_chunk_cap(
    tmp_path: Path, small_limits: None
) -> None:
    path = tmp_path / "r.txt"
    path.write_text(_letters(5000, 1) + "\n" + _letters(5000, 2) + "\n")
    pieces = _pieces(path)
    chunks = [p for p in pieces if p != "\n"]
    first_line = chunks[: len(chunks) // 2]
    assert all(len(p) == 4 for p in chunks)
    assert len(set(chunks)) <= 2 * 8  # per line: at most 8 distinct
    assert len(set(first_line)) <= 8
    assert len(chunks) < 5000 // 4  # new chunks past the cap are dropped


def test_text_after_the_run_is_counted_exactly(tmp_path: Path, small_limits: None) -> None:
    path = tmp_path / "t.txt"
    run = "x" * 400
    path.write_text(f"{run} hello world hello\nplain words here\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        counts = count_words_in_files(str(path), pre_tokenizer=ByteLevel(), processes=1)
    assert counts["xxxx"] == 100
    assert counts["Ġhello"] == 2 and counts["Ġworld"] == 1
    assert counts["plain"] == 1 and counts["Ġhere"] == 1
    assert counts["Ċ"] == 2  # each line's newline


def test_short_stretches_are_counted_whole(tmp_path: Path, small_limits: None) -> None:
    path = tmp_path / "s.txt"
    word = "y" * 90  # under MAX_RUN_CHARS: one word, as without the rule
    path.write_text(f"{word} {word}\n")
    counts = count_words_in_files(str(path), pre_tokenizer=ByteLevel(), processes=1)
    assert counts == Counter({word: 1, "Ġ" + word: 1, "Ċ": 1})


def _hostile_corpus(path: Path) -> None:
    rng = random.Random(5)
    lines = []
    for i in range(40):
        kind = i % 4
        if kind == 0:
            lines.append(_letters(rng.randint(50, 900), i))  # around the run limit
        elif kind == 1:
            lines.append(_letters(rng.randint(90, 120), i) + " tail words " + "z" * 300)
        elif kind == 2:
            lines.append(" ".join(_letters(rng.randint(1, 8), i * 7 + k) for k in range(60)))
        else:
            lines.append("ab" * rng.randint(40, 400) + " end")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("pre", ["byte-level", "whitespace"])
def test_counts_do_not_depend_on_read_sizes_or_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_limits: None, pre: str
) -> None:
    path = tmp_path / "h.txt"
    _hostile_corpus(path)
    pre_tokenizer = get_pre_tokenizer(pre)
    results = []
    for read_bytes in (7, 16, 61):
        monkeypatch.setattr(corpus, "READ_BYTES", read_bytes)
        for processes in (1, 2):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results.append(
                    count_words_in_files(
                        str(path), pre_tokenizer=pre_tokenizer, processes=processes
                    )
                )
    assert all(r == results[0] for r in results[1:])


def test_training_on_a_long_run_warns_and_trains(tmp_path: Path, small_limits: None) -> None:
    path = tmp_path / "l.txt"
    path.write_text(_letters(3000, 9) + " normal text after it\n")
    with pytest.warns(UserWarning, match="no place where the pre-tokenizer surely splits"):
        tok = tokenlab.train([str(path)], vocab_size=280, show_progress=False)
    assert all(len(t) <= 4 or not t.isalpha() for t in tok.get_vocab() if "Ġ" not in t)
    assert tok.decode(tok.encode("normal text").ids) == "normal text"
