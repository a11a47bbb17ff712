"""Batch encoding gives the same output on 1, 2 and 4 threads, for every native pipeline.

A batch is cut into runs of texts (``_threads.chunks``) that the pool's threads encode
at once; neither the cut nor the thread that takes a run (each thread's word cache
differs) may change a result. Each pipeline kind is checked on multilingual text, code
and adversarial texts against the home library that loads it (tokenizers for
byte-level BPE and BERT WordPiece, sentencepiece for its models) and against the
general pipeline (tiktoken's rule, where a lone surrogate is repaired first).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import general_path, multilingual_lines, pydoc_lines

import tokenlab
from tokenlab import Tokenizer, _threads
from tokenlab.export.tiktoken import write_tiktoken
from tokenlab.models import TiktokenBPE

ADVERSARIAL = [
    "",
    " " * 3000,
    "\n" * 500 + "x",
    "a" * 5000,
    "漢字" * 1500,
    "😀👍🏽" * 700,
    "e\u0301" * 1000,
    "1234567890" * 300,
]


def _batch() -> list[str]:
    # Multilingual (24 languages), code-like lines (pydoc), adversarial texts: the
    # adversarial ones in the middle and at the end, where the runs are cut.
    lines = multilingual_lines() + pydoc_lines(3000)
    lines[len(lines) // 2 : len(lines) // 2] = ADVERSARIAL
    return lines + ADVERSARIAL


@pytest.fixture(scope="module")
def batch() -> list[str]:
    texts = _batch()
    assert _threads._large(texts) and len(texts) > 4 * 8  # really spread over the threads
    return texts


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Tokenizer, Any]]:
    """Each native pipeline kind, with its home library's encode of one text (or None)."""
    train = multilingual_lines()[::2] + pydoc_lines(2000)
    out: dict[str, tuple[Tokenizer, Any]] = {}
    hf = pytest.importorskip("tokenizers", reason="parity with tokenizers needs it")
    for name, algorithm, size in (("byte-level", "bpe", 1200), ("bert", "wordpiece", 1200)):
        tok = tokenlab.train(iter(train), algorithm=algorithm, vocab_size=size, show_progress=False)
        home = hf.Tokenizer.from_str(tok.to_str())
        out[name] = (tok, lambda t, h=home: h.encode(t, add_special_tokens=False).ids)
    tmp: Path = tmp_path_factory.mktemp("threads")
    write_tiktoken(out["byte-level"][0], tmp / "bl.tiktoken")
    out["tiktoken"] = (Tokenizer.from_file(tmp / "bl.tiktoken"), None)
    assert isinstance(out["tiktoken"][0].model, TiktokenBPE)
    spm = pytest.importorskip("sentencepiece", reason="parity with sentencepiece needs it")
    (tmp / "corpus.txt").write_text("\n".join(train) + "\n", encoding="utf-8")
    for kind in ("unigram", "bpe"):
        spm.SentencePieceTrainer.train(
            input=str(tmp / "corpus.txt"),
            model_prefix=str(tmp / kind),
            model_type=kind,
            vocab_size=1500,
            num_threads=1,
            minloglevel=2,
        )
        sp = spm.SentencePieceProcessor(model_file=str(tmp / f"{kind}.model"))
        out["sp-" + kind] = (Tokenizer.from_file(tmp / f"{kind}.model"), sp.encode)
    for name, (tok, _) in out.items():
        assert tok._fast_encoder() is not None, name
    return out


@pytest.mark.parametrize("name", ["byte-level", "bert", "tiktoken", "sp-unigram", "sp-bpe"])
def test_one_two_four_threads_agree(
    pipelines: dict[str, tuple[Tokenizer, Any]], batch: list[str], name: str
) -> None:
    tok, home = pipelines[name]
    if home is None:  # tiktoken's rule: the general pipeline is the reference
        slow = general_path(tok)
        expected = [slow.encode_ordinary(t) for t in batch]
    else:
        expected = [home(t) for t in batch]
    reference = None
    for threads in (1, 2, 4):
        assert tok.encode_ordinary_batch(batch, num_threads=threads) == expected, threads
        encodings = tok.encode_batch(batch, num_threads=threads)
        assert len(encodings) == len(batch)
        # Ids and offsets (made from each run's columns) the same on every thread count.
        got = [(e.ids, e.offsets) for e in encodings]
        if reference is None:
            reference = got
        assert got == reference, threads


def test_tiktoken_rule_repairs_surrogates_on_threads(
    pipelines: dict[str, tuple[Tokenizer, Any]], batch: list[str]
) -> None:
    tok = pipelines["tiktoken"][0]
    texts = list(batch)
    # Lone and paired surrogates in the first and the last run.
    texts[1] = "a\ud800b"
    texts[-2] = "\ud83d\ude00 \udfff"
    repaired = ["a\ufffdb", "😀 \ufffd"]
    for threads in (1, 2, 4):
        got = tok.encode_ordinary_batch(texts, num_threads=threads)
        assert got[1] == tok.encode_ordinary(repaired[0]), threads
        assert got[-2] == tok.encode_ordinary(repaired[1]), threads
        assert got[2:-2] == tok.encode_ordinary_batch(batch[2:-2], num_threads=1)
        ids = [e.ids for e in tok.encode_batch(texts, num_threads=threads)]
        assert ids[1] == got[1] and ids[-2] == got[-2], threads


def test_non_str_in_a_batch_is_named(pipelines: dict[str, tuple[Tokenizer, Any]]) -> None:
    tok = pipelines["byte-level"][0]
    texts = ["x" * 100] * 1000 + [3]  # type: ignore[list-item]
    for threads in (1, 2):
        with pytest.raises(TypeError, match="takes a str, got int"):
            tok.encode_ordinary_batch(texts, num_threads=threads)  # type: ignore[arg-type]


class _Str(str):
    pass


def test_str_subclasses_and_tuples_of_texts(pipelines: dict[str, tuple[Tokenizer, Any]]) -> None:
    tok = pipelines["byte-level"][0]
    texts = multilingual_lines()[:2000]
    wrapped = tuple(_Str(t) for t in texts)
    expected = tok.encode_ordinary_batch(texts, num_threads=1)
    assert tok.encode_ordinary_batch(wrapped, num_threads=2) == expected
    assert [e.ids for e in tok.encode_batch(wrapped, num_threads=2)] == expected


@pytest.mark.parametrize("parts", [1, 2, 3, 8, 16, 64])
@pytest.mark.parametrize("n", [0, 1, 5, 17, 100])
def test_chunks_cover_the_batch_in_order(n: int, parts: int) -> None:
    texts = [str(i) for i in range(n)]
    runs = _threads.chunks(texts, parts)
    assert [t for run in runs for t in run] == texts
    assert all(runs) or n == 0
    assert len(runs) == max(1, min(parts, n))
    sizes = [len(run) for run in runs]
    assert max(sizes) - min(sizes) <= 1  # by count: as even as a cut can be


def test_large_stops_at_the_threshold() -> None:
    limit = _threads.PARALLEL_MIN_CHARS
    assert not _threads._large(["x" * (limit - 1)])
    assert _threads._large(["x" * (limit - 1), "y"])
    assert not _threads._large([])
