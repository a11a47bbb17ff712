"""A ``.model``'s Unigram gives sentencepiece's ids on whole documents, not only on lines.

sentencepiece (0.2.3, ``EncodeOptimized``) scores a whole text as one lattice: a running
float32 total, each sum rounded, rebased to 0 when it passes 1e5 in size. So a near tie
in a word (``---`` as ``-- -`` or ``- --``) can fall one way at the start of a text and
the other way deep in it. tokenlab caches words, and a cached word stands only where its
exact margin over every other path is larger than the rounding at the running total can
change; elsewhere it is segmented again at that total. These tests compare with
sentencepiece on long texts built from the test data and on texts built for near ties.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from conftest import multilingual_lines, pydoc_lines

from tokenlab import Tokenizer

spm = pytest.importorskip("sentencepiece", reason="parity with sentencepiece needs it")

#: Words whose segmentations tie exactly or nearly: runs of one char, repeated words.
TIE_WORDS = [ch * k for ch in "=-#~*_.0" for k in range(2, 12)] + ["aaaa", "ababab", "xxxx"]


def _train(**options: Any) -> bytes:
    lines = pydoc_lines()[:3000] + multilingual_lines()[:1500]
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=out,
        model_type="unigram",
        vocab_size=2000,
        byte_fallback=True,
        num_threads=1,
        minloglevel=2,
        **options,
    )
    return out.getvalue()


def _documents() -> list[str]:
    """Long texts: 1,000-line documents of the test data (multilingual, English), and
    texts of near ties between ordinary lines, long enough to pass sentencepiece's
    rebase of its running total (1e5) more than once."""
    multi = multilingual_lines()
    english = pydoc_lines()[:3000]
    docs = ["\n".join(multi[i : i + 1000]) for i in range(0, len(multi), 1000)]
    docs += ["\n".join(english[i : i + 1000]) for i in range(0, len(english), 1000)]
    mixed = []
    for i, line in enumerate(english[:2500]):
        mixed.append(line)
        mixed.append(" ".join(TIE_WORDS[(i * 7 + k) % len(TIE_WORDS)] for k in range(6)))
    docs.append("\n".join(mixed))
    return docs


@pytest.fixture(scope="module")
def unigram(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Tokenizer]:
    blob = _train()
    path = tmp_path_factory.mktemp("doc") / "m.model"
    path.write_bytes(blob)
    return spm.SentencePieceProcessor(model_proto=blob), Tokenizer.from_file(path)


@pytest.fixture(scope="module")
def documents() -> list[str]:
    return _documents()


def test_documents_equal_sentencepiece(
    unigram: tuple[Any, Tokenizer], documents: list[str]
) -> None:
    sp, tok = unigram
    for doc in documents:
        assert tok.encode(doc, add_special_tokens=False).ids == sp.encode(doc)


def test_batches_of_documents_equal_sentencepiece(
    unigram: tuple[Any, Tokenizer], documents: list[str]
) -> None:
    sp, tok = unigram
    got = [e.ids for e in tok.encode_batch(documents, add_special_tokens=False)]
    assert got == sp.encode(documents)


def test_lines_and_tie_words_equal_sentencepiece(unigram: tuple[Any, Tokenizer]) -> None:
    sp, tok = unigram
    texts = [*TIE_WORDS, " ".join(TIE_WORDS), *multilingual_lines()[:300]]
    assert [tok.encode(t, add_special_tokens=False).ids for t in texts] == sp.encode(texts)


def test_the_documents_do_depend_on_context(
    unigram: tuple[Any, Tokenizer], documents: list[str]
) -> None:
    # Without this, the tests above could pass with each line (or word) scored from 0:
    # sentencepiece itself segments some line otherwise inside a document than alone.
    sp, _ = unigram
    differ = 0
    for doc in documents:
        lines = [line for line in doc.split("\n") if line.strip() == line and line]
        alone = [i for line in lines for i in sp.encode(line)]
        differ += alone != sp.encode("\n".join(lines))
    assert differ


def test_user_defined_symbols_in_documents(tmp_path: Path) -> None:
    # User-defined pieces score 0.1 * (UTF-8 bytes - 1) in sentencepiece 0.2.3 (above 0:
    # every word is then segmented in the running total, never from the cache).
    blob = _train(user_defined_symbols=["<tab>", "§§", "->"])
    path = tmp_path / "u.model"
    path.write_bytes(blob)
    sp = spm.SentencePieceProcessor(model_proto=blob)
    tok = Tokenizer.from_file(path)
    lines = pydoc_lines()[:600]
    text = "\n".join(f"{line} <tab>§§ -> ---" for line in lines)
    assert tok.encode(text, add_special_tokens=False).ids == sp.encode(text)
    assert [tok.encode(t, add_special_tokens=False).ids for t in lines[:100]] == sp.encode(
        lines[:100]
    )


#: ASCII next to what the charsmap rewrites: a combining mark after an ASCII letter
#: (one key of nmt_nfkc), tabs and control chars, full-width and non-ASCII letters.
CHARSMAP_EDGES = [
    "abc\u0301def",
    "e\u0301e\u0300 cafe\u0301",
    "tab\there\u000bvt",
    "ＡＢＣabc",
    "x\u00a0y  z",
    "naïve résumé",
    "a\u0308\u0301b" * 5,
    "plain ascii then ä",
    "\u0301abc",
]


def test_ascii_runs_next_to_charsmap_rules(unigram: tuple[Any, Tokenizer]) -> None:
    # The encoder copies runs of plain ASCII in one step; the char before a rewrite
    # (a combining mark) must not be copied with the run.
    sp, tok = unigram
    texts = [*CHARSMAP_EDGES, " ".join(CHARSMAP_EDGES)]
    got = [tok.encode(t, add_special_tokens=False) for t in texts]
    assert [e.ids for e in got] == sp.encode(texts)
    assert [e.tokens for e in got] == sp.encode(texts, out_type=str)
