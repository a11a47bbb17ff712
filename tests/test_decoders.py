"""Tests for tokenlab.decoders: golden cases, round trips, and parity with `tokenizers`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.decoders import BPEDecoder, ByteLevel, Decoder, Sequence, decoder_from_dict
from tokenlab.errors import ModelFileError
from tokenlab.pre_tokenizers import ByteLevel as ByteLevelPre
from tokenlab.pre_tokenizers import bytes_to_unicode, get_pre_tokenizer


def _doc_lines() -> list[str]:
    """A deterministic sample of real text: ~300 lines of the docs every CPython ships."""
    from pydoc_data.topics import topics

    lines = [ln for key in sorted(topics) for ln in topics[key].splitlines(keepends=True)]
    step = max(1, len(lines) // 300)
    return lines[::step]


DOC_LINES = _doc_lines()
MAPPED = "".join(bytes_to_unicode().values())

# Surrogates cannot appear in Rust strings; everything else is fair game for decoders.
_ANY_CHAR = st.characters(exclude_categories=("Cs",))
# Tokens mostly made of byte-table chars (so invalid UTF-8 sequences arise), sometimes with
# a char outside the table (which switches HF to the token's own UTF-8).
_TOKEN = st.text(alphabet=st.one_of(st.sampled_from(MAPPED), _ANY_CHAR), max_size=6)
TOKENS = st.lists(_TOKEN, max_size=12)
_SUFFIX_TOKEN = st.lists(st.sampled_from(["a", "b", "</w>", "é", " ", "</", "w>"]), max_size=5).map(
    "".join
)


# ---------------------------------------------------------------------------------------------
# Golden cases (expected values derived by hand)


def test_byte_level_golden() -> None:
    # "Ġ" is byte 0x20; "Ã¶" are the bytes C3 B6, i.e. "ö" in UTF-8.
    assert ByteLevel().decode(["Hello", "Ġw", "Ã¶rld"]) == "Hello wörld"
    # A token split inside a multi-byte char still decodes once the bytes are joined.
    assert ByteLevel().decode(["Ã", "¶"]) == "ö"
    # A lone C3 byte is invalid UTF-8 -> one U+FFFD.
    assert ByteLevel().decode(["aÃ"]) == "a\ufffd"
    # "中" is not in the byte table: the whole token "中Ġ" is taken as its own UTF-8, so its
    # "Ġ" stays a literal "Ġ"; the next token's "Ġ" is a space.
    assert ByteLevel().decode(["中Ġ", "Ġ"]) == "中Ġ "
    # A plain space is not a table char either (space maps to Ġ).
    assert ByteLevel().decode(["a b", "Ġc"]) == "a b c"
    assert ByteLevel().decode([]) == ""


def test_bpe_decoder_golden() -> None:
    # Each suffix becomes a space, except in the last token where it is dropped.
    assert BPEDecoder().decode(["hu", "g</w>", "pu", "n</w>"]) == "hug pun"
    # Every occurrence is replaced, not only a trailing one (HF's str::replace).
    assert BPEDecoder().decode(["a</w>b", "c</w>", "d</w>"]) == "a bc d"
    assert BPEDecoder("@@").decode(["x@@", "y"]) == "x y"


def test_sequence_golden() -> None:
    # Stage 1 turns "a@" into "a " and "b#" stays; stage 2 turns "b#" into "b " -> "a b c".
    assert Sequence([BPEDecoder("@"), BPEDecoder("#")]).decode(["a@", "b#", "c"]) == "a b c"
    # ByteLevel first yields ONE string, so BPEDecoder then treats it as the last token.
    assert Sequence([ByteLevel(), BPEDecoder()]).decode(["a</w>", "b</w>"]) == "ab"


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40))
def test_byte_level_round_trip(text: str) -> None:
    for pre in (ByteLevelPre(), get_pre_tokenizer("cl100k_base"), get_pre_tokenizer("gpt2")):
        assert ByteLevel().decode(pre.words(text)) == text


# ---------------------------------------------------------------------------------------------
# to_dict / from_dict


@pytest.mark.parametrize(
    "dec",
    [
        ByteLevel(),
        ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        BPEDecoder(),
        BPEDecoder("@@"),
        Sequence([ByteLevel(), BPEDecoder()]),
    ],
)
def test_dict_round_trip(dec: Decoder) -> None:
    d = json.loads(json.dumps(dec.to_dict()))
    again = decoder_from_dict(d)
    assert again == dec
    assert again is not None and again.to_dict() == d


def test_from_dict_defaults_and_errors() -> None:
    assert decoder_from_dict(None) is None
    assert decoder_from_dict({"type": "ByteLevel"}) == ByteLevel(True, True, True)
    assert decoder_from_dict({"type": "BPEDecoder"}) == BPEDecoder("</w>")
    # WordPiece is supported now; Metaspace is not (the message lists what is).
    with pytest.raises(ModelFileError, match="WordPiece"):
        decoder_from_dict({"type": "Metaspace", "replacement": "▁"})
    with pytest.raises(ModelFileError):
        decoder_from_dict({"type": "Sequence"})
    with pytest.raises(ModelFileError):
        decoder_from_dict({"type": "BPEDecoder", "suffix": 3})


# ---------------------------------------------------------------------------------------------
# Parity with Hugging Face tokenizers


def _tk() -> Any:
    return pytest.importorskip(
        "tokenizers", reason="parity tests need the `tokenizers` package (pip install tokenizers)"
    )


def _hf_pairs() -> list[tuple[Any, Decoder]]:
    D = _tk().decoders
    return [
        (D.ByteLevel(), ByteLevel()),
        (D.BPEDecoder(), BPEDecoder()),
        (D.BPEDecoder(suffix="w>"), BPEDecoder("w>")),
        (D.Sequence([D.ByteLevel(), D.BPEDecoder()]), Sequence([ByteLevel(), BPEDecoder()])),
        (D.Sequence([D.BPEDecoder(), D.ByteLevel()]), Sequence([BPEDecoder(), ByteLevel()])),
    ]


def test_parity_on_python_docs() -> None:
    # Real text through the byte-level pre-tokenizer (and through plain whitespace words),
    # then decoded by both libraries.
    pairs = _hf_pairs()
    assert len(DOC_LINES) >= 250
    gpt2 = get_pre_tokenizer("gpt2")
    for line in DOC_LINES:
        for tokens in (gpt2.words(line), line.split()):
            for hf, ours in pairs:
                assert ours.decode(tokens) == hf.decode(tokens), (ours, tokens)


@settings(max_examples=300, deadline=None)
@given(TOKENS)
def test_parity_on_generated_tokens(tokens: list[str]) -> None:
    for hf, ours in _hf_pairs():
        assert ours.decode(tokens) == hf.decode(tokens), ours


@settings(max_examples=200, deadline=None)
@given(st.lists(_SUFFIX_TOKEN, max_size=6))
def test_bpe_decoder_parity_on_suffix_heavy_tokens(tokens: list[str]) -> None:
    for hf, ours in _hf_pairs():
        assert ours.decode(tokens) == hf.decode(tokens), ours


def test_from_dict_of_hf_written_json() -> None:
    tk = _tk()
    for hf, ours in _hf_pairs():
        tok = tk.Tokenizer(tk.models.BPE())
        tok.decoder = hf
        d = json.loads(tok.to_str())["decoder"]
        built = decoder_from_dict(d)
        assert built == ours
        assert built is not None and built.to_dict() == d
