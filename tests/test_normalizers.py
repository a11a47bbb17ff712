"""Tests for tokenlab.normalizers: golden alignments, properties, and parity with `tokenizers`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.errors import ConfigError, ModelFileError
from tokenlab.normalizers import (
    NFC,
    NFD,
    NFKC,
    NFKD,
    Lowercase,
    NormalizedString,
    Normalizer,
    Replace,
    Sequence,
    Strip,
    normalizer_from_dict,
)


def _doc_lines() -> list[str]:
    """A deterministic sample of real text: ~300 lines of the docs every CPython ships."""
    from pydoc_data.topics import topics

    lines = [ln for key in sorted(topics) for ln in topics[key].splitlines(keepends=True)]
    step = max(1, len(lines) // 300)
    return lines[::step]


DOC_LINES = _doc_lines()

# Unassigned code points (Cn in Python's Unicode 14 database) are excluded: the Rust side
# uses a newer Unicode version, so chars assigned since then decompose/lowercase differently.
# Surrogates cannot appear in Rust strings.
_CHARS = st.characters(exclude_categories=("Cs", "Cn"))
_PIECES = st.sampled_from(
    ["e\u0301", "\u0301\u0316", "\u1100\u1161\u11a8", "가\u11a8", "ﬁ", "Ǆ", "İ", "ΟΔΟΣ", "ß",
     "\u0f73\u0f80", "a\u0f80\u0f73", "Å", "½", "①", " ", "\t", "\r\n", "😀", "\u00a0", "Ａ"]
)  # fmt: skip
TEXT = st.lists(st.one_of(_CHARS, _PIECES), max_size=25).map("".join)

ALL: list[Normalizer] = [
    NFC(),
    NFD(),
    NFKC(),
    NFKD(),
    Lowercase(),
    Strip(),
    Strip(left=False),
    Replace("a", "XY"),
    Replace(r"\s+", " ", is_regex=True),
    Sequence([NFKD(), Lowercase(), NFC()]),
    Sequence([Strip(), Replace("e", ""), NFD()]),
]


def _norm(n: Normalizer, text: str) -> NormalizedString:
    return n.normalize(NormalizedString.from_str(text))


# ---------------------------------------------------------------------------------------------
# Golden cases (expected values derived by hand)


def test_from_str_is_identity() -> None:
    ns = NormalizedString.from_str("ab")
    assert (ns.original, ns.normalized, ns.alignments) == ("ab", "ab", [(0, 1), (1, 2)])


def test_nfc_composes_and_points_at_both_chars() -> None:
    # "e" + COMBINING ACUTE is one segment (the accent has combining class 230) -> "é".
    ns = _norm(NFC(), "xe\u0301")
    assert ns.normalized == "xé"
    assert ns.alignments == [(0, 1), (1, 3)]


def test_nfd_decomposes_onto_the_source_char() -> None:
    ns = _norm(NFD(), "é!")
    assert ns.normalized == "e\u0301!"
    assert ns.alignments == [(0, 1), (0, 1), (1, 2)]


def test_nfc_hangul_jamo_segments_are_merged() -> None:
    # L, V and T jamo all have combining class 0, so they start three segments; NFC composes
    # them into one syllable, so the three segments must merge into one span (0, 3).
    ns = _norm(NFC(), "\u1100\u1161\u11a8z")
    assert ns.normalized == "각z"
    assert ns.alignments == [(0, 3), (3, 4)]


def test_nfd_reordering_across_segments_is_merged() -> None:
    # U+0F73 has combining class 0 but decomposes to U+0F71 (129) U+0F72 (130); after
    # "a" U+0F80 (130) canonical ordering moves U+0F71 before U+0F80, across the segment
    # boundary, so "a\u0f80" and "\u0f73" share one span.
    ns = _norm(NFD(), "a\u0f80\u0f73")
    assert ns.normalized == "a\u0f71\u0f80\u0f72"
    assert ns.alignments == [(0, 3)] * 4


def test_nfkc_ligature() -> None:
    # U+FB01 LATIN SMALL LIGATURE FI -> "fi": both letters come from the ligature.
    ns = _norm(NFKC(), "aﬁ")
    assert ns.normalized == "afi"
    assert ns.alignments == [(0, 1), (1, 2), (1, 2)]


def test_lowercase_golden() -> None:
    # İ (U+0130) lowercases to "i" + COMBINING DOT ABOVE: two chars from one.
    ns = _norm(Lowercase(), "İA")
    assert ns.normalized == "i\u0307a"
    assert ns.alignments == [(0, 1), (0, 1), (1, 2)]
    # Char by char: a word-final capital sigma becomes σ, not the ς of str.lower().
    assert Lowercase().normalize_str("ΟΔΟΣ ΟΔΟΣ") == "οδοσ οδοσ"


def test_strip_and_replace_golden() -> None:
    ns = _norm(Strip(), " \u3000Ab\t")
    assert ns.normalized == "Ab" and ns.alignments == [(2, 3), (3, 4)]
    # U+001C is not Unicode whitespace: HF keeps it, so do we.
    assert Strip().normalize_str("\x1cx ") == "\x1cx"
    # "cabab": each "ab" becomes one "X" that points at the whole match.
    ns = _norm(Replace("ab", "X"), "cabab")
    assert ns.normalized == "cXX"
    assert ns.alignments == [(0, 1), (1, 3), (3, 5)]
    with pytest.raises(ConfigError):
        Replace("", "x")


def test_sequence_composes_alignments_onto_the_original() -> None:
    # Strip removes the leading space (offsets shift by one), NFKC turns Ａ (U+FF21) into
    # "A" and ﬁ into "fi", Lowercase keeps the spans.
    ns = _norm(Sequence([Strip(), NFKC(), Lowercase()]), " Ａﬁ")
    assert ns.normalized == "afi"
    assert ns.alignments == [(1, 2), (2, 3), (2, 3)]
    assert ns.original == " Ａﬁ"


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_normalize_str_equals_normalize(text: str) -> None:
    for n in ALL:
        ns = _norm(n, text)
        assert n.normalize_str(text) == ns.normalized
        assert len(ns.alignments) == len(ns.normalized)
        prev = 0
        for s, e in ns.alignments:
            assert 0 <= s <= e <= len(text)
            assert s >= prev  # spans never go backwards
            prev = s


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_unicode_form_spans_reproduce_the_output(text: str) -> None:
    # Normalizing the source span of a run of output chars gives back those chars, i.e. the
    # spans are real segments of the input, not approximations.
    for n in (NFC(), NFD(), NFKC(), NFKD()):
        ns = _norm(n, text)
        i = 0
        while i < len(ns.normalized):
            span = ns.alignments[i]
            j = i
            while j < len(ns.normalized) and ns.alignments[j] == span:
                j += 1
            assert n.normalize_str(text[span[0] : span[1]]) == ns.normalized[i:j]
            i = j


# ---------------------------------------------------------------------------------------------
# to_dict / from_dict


@pytest.mark.parametrize("n", ALL)
def test_dict_round_trip(n: Normalizer) -> None:
    d = json.loads(json.dumps(n.to_dict()))
    again = normalizer_from_dict(d)
    assert again == n
    assert again is not None and again.to_dict() == d


def test_from_dict_errors() -> None:
    assert normalizer_from_dict(None) is None
    # BertNormalizer is supported now; Precompiled (SentencePiece's charsmap) is not.
    with pytest.raises(ModelFileError, match="BertNormalizer"):
        normalizer_from_dict({"type": "Precompiled", "precompiled_charsmap": ""})
    with pytest.raises(ModelFileError):
        normalizer_from_dict({"type": "Sequence"})
    with pytest.raises(ModelFileError):
        normalizer_from_dict({"type": "Replace", "pattern": "a", "content": "b"})
    with pytest.raises(ModelFileError):
        normalizer_from_dict({"type": "Strip", "strip_left": 1})


# ---------------------------------------------------------------------------------------------
# Parity with Hugging Face tokenizers


def _hf_pairs() -> list[tuple[Any, Normalizer]]:
    tk = pytest.importorskip(
        "tokenizers", reason="parity tests need the `tokenizers` package (pip install tokenizers)"
    )
    N = tk.normalizers
    return [
        (N.NFC(), NFC()),
        (N.NFD(), NFD()),
        (N.NFKC(), NFKC()),
        (N.NFKD(), NFKD()),
        (N.Lowercase(), Lowercase()),
        (N.Strip(), Strip()),
        (N.Strip(left=False, right=True), Strip(left=False)),
        (N.Replace("a", "XY"), Replace("a", "XY")),
        (N.Replace(tk.Regex(r"\s+"), " "), Replace(r"\s+", " ", is_regex=True)),
        (N.Sequence([N.NFKD(), N.Lowercase(), N.NFC()]), Sequence([NFKD(), Lowercase(), NFC()])),
    ]


def test_parity_on_python_docs() -> None:
    pairs = _hf_pairs()
    assert len(DOC_LINES) >= 250
    for hf, ours in pairs:
        for line in DOC_LINES:
            assert ours.normalize_str(line) == hf.normalize_str(line), (ours, line)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_parity_on_generated_text(text: str) -> None:
    for hf, ours in _hf_pairs():
        assert ours.normalize_str(text) == hf.normalize_str(text), ours


def test_from_dict_of_hf_written_json() -> None:
    tk = pytest.importorskip("tokenizers", reason="parity tests need the `tokenizers` package")
    for hf, ours in _hf_pairs():
        tok = tk.Tokenizer(tk.models.BPE())
        tok.normalizer = hf
        d = json.loads(tok.to_str())["normalizer"]
        built = normalizer_from_dict(d)
        assert built == ours
