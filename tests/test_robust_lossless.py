"""Losslessness: decode(encode(x)) == x, and offsets index the original string.

For every model type that is lossless by design: byte-level BPE (GPT-2 style),
tiktoken-style BPE (cl100k pattern, and the same model read back from a
``.tiktoken`` file), and SentencePiece BPE and Unigram with ``byte_fallback`` on
text that their (identity) normalization leaves alone. The texts are arbitrary
Unicode (surrogates excluded) mixed with combining marks, emoji sequences,
right-to-left scripts and control characters.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import Tokenizer

SETTINGS = settings(
    max_examples=int(os.environ.get("TOKENLAB_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

SPECIAL = [
    *"\u0301\u0308\u20dd\u0e31",  # combining marks
    *["👩\u200d👩\u200d👧", "🇫🇷", "👍🏽", "\ufe0f"],  # ZWJ sequence, flag, skin tone, VS16
    *"שלום مرحبا\u200f\u200e\u202e",  # Hebrew, Arabic, RLM/LRM, RLO
    *"\x00\x01\t\n\r\x0b\x0c\x1c\x7f\x85\u2028\ufeff",  # controls, separators, BOM
    *" \u00a0\u3000",
]
TEXT = st.lists(
    st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from(SPECIAL),
        st.sampled_from(["the ", "hello", " world", "123", "'s"]),
    ),
    max_size=25,
).map("".join)

LINES = [
    "Hello world! The quick brown fox, it's 2024. naïve café résumé\n",
    "Привет мир. Γειά σου κόσμε. שלום עולם. مرحبا بالعالم. 你好，世界。\n",
    "emoji 👍🏽 and flags 🇫🇷, tabs\tand  spaces.\n",
] * 20


@pytest.fixture(scope="module")
def byte_level() -> Tokenizer:
    return tokenlab.train(iter(LINES), vocab_size=400, show_progress=False)


@pytest.fixture(scope="module")
def cl100k(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tokenizer, Tokenizer]:
    from tokenlab.export.tiktoken import write_tiktoken

    tok = tokenlab.train(
        iter(LINES), vocab_size=400, pre_tokenizer="cl100k_base", show_progress=False
    )
    path = tmp_path_factory.mktemp("tt") / "mine.tiktoken"
    write_tiktoken(tok, str(path))
    return tok, Tokenizer.from_file(str(path))


@pytest.fixture(scope="module", params=["sp-bpe", "unigram"])
def sentencepiece(request: pytest.FixtureRequest) -> Tokenizer:
    return tokenlab.train(
        iter(LINES),
        algorithm=request.param,
        vocab_size=380,
        byte_fallback=True,
        normalizer="identity",
        show_progress=False,
    )


def check_offsets(tok: Tokenizer, text: str) -> None:
    """Offsets are spans of ``text``, in order, and cover every character of it.

    Only spaces that SentencePiece's normalization drops may be left uncovered.
    """
    enc = tok.encode(text)
    covered = [False] * len(text)
    for start, end in enc.offsets:
        assert 0 <= start <= end <= len(text), (text, enc.offsets)
        for i in range(start, end):
            covered[i] = True
    starts = [s for s, e in enc.offsets if e > s]
    assert starts == sorted(starts), (text, enc.offsets)
    missing = [text[i] for i, c in enumerate(covered) if not c]
    assert all(ch == " " for ch in missing), (text, missing, enc.offsets)


@SETTINGS
@given(text=TEXT)
def test_byte_level_bpe(byte_level: Tokenizer, text: str) -> None:
    assert byte_level.decode(byte_level.encode(text).ids) == text
    check_offsets(byte_level, text)


@SETTINGS
@given(text=TEXT)
def test_tiktoken_style_bpe(cl100k: tuple[Tokenizer, Tokenizer], text: str) -> None:
    trained, loaded = cl100k
    ids = trained.encode(text).ids
    assert trained.decode(ids) == text
    assert loaded.decode(loaded.encode(text).ids) == text
    check_offsets(trained, text)


def sp_normalized(text: str) -> str:
    """What SentencePiece's identity normalization keeps: spaces collapsed and stripped.

    A "▁" (U+2581) in the input is SentencePiece's own whitespace mark, so it is a
    space too (as in SentencePiece itself).
    """
    return " ".join(part for part in text.replace("\u2581", " ").split(" ") if part)


@SETTINGS
@given(text=TEXT)
def test_sentencepiece_byte_fallback(sentencepiece: Tokenizer, text: str) -> None:
    text = sp_normalized(text)
    ids = sentencepiece.encode(text).ids
    assert sentencepiece.decode(ids) == text
    check_offsets(sentencepiece, text)


def test_byte_fallback_is_what_makes_it_lossless(tmp_path: Path) -> None:
    """Without byte fallback an unseen character is lost: the property can fail."""
    tok = tokenlab.train(
        iter(LINES),
        algorithm="unigram",
        vocab_size=300,
        normalizer="identity",
        show_progress=False,
    )
    assert tok.decode(tok.encode("a ☃ b").ids) != "a ☃ b"
