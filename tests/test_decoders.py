"""Tests for tokenlab.decoders: golden cases, round trips, and parity with `tokenizers`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.decoders import (
    BPEDecoder,
    ByteFallback,
    ByteLevel,
    Decoder,
    Fuse,
    Metaspace,
    Replace,
    Sequence,
    Strip,
    WordPiece,
    decoder_from_dict,
)
from tokenlab.errors import ConfigError, ModelFileError
from tokenlab.pre_tokenizers import BertPreTokenizer, bytes_to_unicode, get_pre_tokenizer
from tokenlab.pre_tokenizers import ByteLevel as ByteLevelPre


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
        WordPiece(),
        WordPiece("@@", cleanup=False),
        Metaspace(),
        Metaspace("_", "first", split=False),
        ByteFallback(),
        Fuse(),
        Strip(" ", 1, 0),
        Strip("x", 0, 3),
        Replace("▁", " "),
        Replace("a+", "b", literal=False),
        Sequence([Replace("▁", " "), ByteFallback(), Fuse(), Strip(" ", 1, 0)]),
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
    # An unknown type: the message lists the supported ones.
    with pytest.raises(ModelFileError, match="WordPiece"):
        decoder_from_dict({"type": "Unheard"})
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
        (D.WordPiece(), WordPiece()),
        (D.WordPiece(prefix="@@", cleanup=False), WordPiece("@@", cleanup=False)),
        *_hf_sentencepiece_pairs(),
    ]


def _hf_sentencepiece_pairs() -> list[tuple[Any, Decoder]]:
    """The decoders of SentencePiece-converted tokenizer.json files, and their parts."""
    D = _tk().decoders
    pairs: list[tuple[Any, Decoder]] = [
        (D.Metaspace(prepend_scheme=s), Metaspace(prepend_scheme=s))
        for s in ("always", "never", "first")
    ]
    return [
        *pairs,
        (D.Metaspace(replacement="_", split=False), Metaspace("_", split=False)),
        (D.ByteFallback(), ByteFallback()),
        (D.Fuse(), Fuse()),
        (D.Strip(" ", 1, 0), Strip(" ", 1, 0)),
        (D.Strip("a", 2, 1), Strip("a", 2, 1)),
        (D.Replace("▁", " "), Replace("▁", " ")),
        (D.Replace(_tk().Regex("a*|▁"), "-"), Replace("a*|▁", "-", literal=False)),
        (
            D.Sequence([D.Replace("▁", " "), D.ByteFallback(), D.Fuse(), D.Strip(" ", 1, 0)]),
            Sequence([Replace("▁", " "), ByteFallback(), Fuse(), Strip(" ", 1, 0)]),
        ),
    ]


def _hf_decode(hf: Any, tokens: list[str]) -> str | None:
    """HF's decode, or None where it panics (Strip with stop past a token's start)."""
    try:
        return str(hf.decode(tokens))
    except BaseException as e:  # pyo3's PanicException derives from BaseException
        if type(e).__name__ != "PanicException":
            raise
        return None


def test_parity_on_python_docs() -> None:
    # Real text through the byte-level pre-tokenizer (and through plain whitespace words),
    # then decoded by both libraries.
    pairs = _hf_pairs()
    assert len(DOC_LINES) >= 250
    gpt2 = get_pre_tokenizer("gpt2")
    for line in DOC_LINES:
        for tokens in (gpt2.words(line), line.split()):
            for hf, ours in pairs:
                expected = _hf_decode(hf, tokens)
                if expected is not None:
                    assert ours.decode(tokens) == expected, (ours, tokens)


@settings(max_examples=300, deadline=None)
@given(TOKENS)
def test_parity_on_generated_tokens(tokens: list[str]) -> None:
    for hf, ours in _hf_pairs():
        expected = _hf_decode(hf, tokens)
        if expected is not None:
            assert ours.decode(tokens) == expected, ours


@settings(max_examples=200, deadline=None)
@given(st.lists(_SUFFIX_TOKEN, max_size=6))
def test_bpe_decoder_parity_on_suffix_heavy_tokens(tokens: list[str]) -> None:
    for hf, ours in _hf_pairs():
        expected = _hf_decode(hf, tokens)
        if expected is not None:
            assert ours.decode(tokens) == expected, ours


def test_from_dict_of_hf_written_json() -> None:
    tk = _tk()
    for hf, ours in _hf_pairs():
        tok = tk.Tokenizer(tk.models.BPE())
        tok.decoder = hf
        d = json.loads(tok.to_str())["decoder"]
        built = decoder_from_dict(d)
        assert built == ours
        assert built is not None and built.to_dict() == d


# ---------------------------------------------------------------------------------------------
# WordPiece

# Fragments that exercise the prefix and every cleanup rule, alone and in combinations.
_WP_FRAGMENT = st.sampled_from(
    ["##", "#", "@@", " ", "  ", "'", ".", "?", "!", ",", ":", ";", "-", '"', "(", ")",
     "n't", "'m", "'s", "'ve", "'re", "'ll", "'d", "do", "not", "don", "t", "s", "m", "n",
     "re", "ve", "a", "I", "Do", "é", "中"]
)  # fmt: skip
WP_TOKENS = st.lists(st.lists(_WP_FRAGMENT, max_size=4).map("".join), max_size=10)


def test_wordpiece_golden() -> None:
    # "##aff" and "##able" join "un"; "do" starts a new word; "n't" gets the joining space
    # " n't", which cleanup turns into "n't"; " !" becomes "!".
    assert WordPiece().decode(["un", "##aff", "##able", "do", "n't", "!"]) == "unaffable don't!"
    # Without cleanup the spaces stay.
    assert WordPiece(cleanup=False).decode(["do", "n't", "!"]) == "do n't !"
    # The first token keeps its prefix; only a LEADING prefix is removed ("###b" -> "#b").
    assert WordPiece().decode(["##a", "###b", "c##d"]) == "##a#b c##d"
    # Prefix "": every token "starts with" it, so nothing gets a space.
    assert WordPiece("").decode(["a", "b"]) == "ab"
    assert WordPiece().decode([]) == ""


def test_wordpiece_cleanup_rules() -> None:
    wp = WordPiece()
    # The joining space before . ? ! , goes; not before : ; ) % (HF's list is short).
    assert wp.decode(["a", ".", "b", "?", "c", "!", "d", ","]) == "a. b? c! d,"
    assert wp.decode(["a", ":", "b", ";", "c", ")"]) == "a : b ; c )"
    # Contractions: n't 'm 's 've 're lose the space; 'll and 'd do not (not in HF's list).
    assert wp.decode(["I", "'m", "it", "'s", "we", "'ve", "you", "'re"]) == "I'm it's we've you're"
    assert wp.decode(["he", "'ll", "she", "'d"]) == "he 'll she 'd"
    # Rules work inside one token only: a lone "'" token is " '" after joining, and " ' "
    # never spans two tokens, so the spaces around it stay ...
    assert wp.decode(["a", "'", "b"]) == "a ' b"
    # ... but inside a token " ' " becomes "'" and " do not" becomes " don't".
    assert wp.decode(["x ' y do not"]) == "x'y don't"
    # Order: " ." runs before " ' " ("a ' ." -> "a '."), and " ' " before " n't"
    # ("a ' n't" -> "a'n't", where " n't" no longer matches).
    assert wp.decode(["a ' ."]) == "a '."
    assert wp.decode(["a ' n't"]) == "a'n't"
    # One pass per rule: "a  ." loses one space only.
    assert wp.decode(["a  ."]) == "a ."


@settings(max_examples=300, deadline=None)
@given(WP_TOKENS)
def test_wordpiece_parity_on_generated_tokens(tokens: list[str]) -> None:
    D = _tk().decoders
    for prefix in ("##", "@@", ""):
        for cleanup in (True, False):
            hf = D.WordPiece(prefix=prefix, cleanup=cleanup)
            ours = WordPiece(prefix, cleanup)
            assert ours.decode(tokens) == hf.decode(tokens), (prefix, cleanup)


def test_wordpiece_parity_on_python_docs() -> None:
    # Real text: BERT words, then each word cut into 3-char pieces, all but the first
    # spelled "##..." as a WordPiece model would produce them.
    D = _tk().decoders
    pairs = [(D.WordPiece(), WordPiece()), (D.WordPiece(cleanup=False), WordPiece(cleanup=False))]
    pre = BertPreTokenizer()
    for line in DOC_LINES:
        words = pre.words(line)
        pieces = [("##" if i else "") + w[i : i + 3] for w in words for i in range(0, len(w), 3)]
        for tokens in (words, pieces):
            for hf, ours in pairs:
                assert ours.decode(tokens) == hf.decode(tokens), tokens


def test_wordpiece_from_dict() -> None:
    d = {"type": "WordPiece", "prefix": "##", "cleanup": True}
    assert WordPiece().to_dict() == d
    assert decoder_from_dict(d) == WordPiece()
    assert decoder_from_dict({"type": "WordPiece"}) == WordPiece()
    with pytest.raises(ModelFileError):
        decoder_from_dict({"type": "WordPiece", "prefix": 2})
    with pytest.raises(ModelFileError):
        decoder_from_dict({"type": "WordPiece", "cleanup": "yes"})


# ---------------------------------------------------------------------------------------------
# SentencePiece-style decoders: Metaspace, ByteFallback, Fuse, Strip, Replace

# Tokens as a SentencePiece model with byte fallback produces them: pieces with "▁",
# byte tokens (valid and invalid UTF-8 runs, lowercase, the "+" Rust accepts), near misses.
_SP_FRAGMENT = st.sampled_from(
    ["▁", "▁▁", " ", "a", "é", "中", "<0x41>", "<0xC3>", "<0xA9>", "<0xE2>", "<0x82>",
     "<0xAC>", "<0xF0>", "<0xff>", "<0x+F>", "<0x-0>", "<0x F>", "<0X41>", "<0x4>", "<0x",
     ">", "<0xé>", "<0x41> ", "x"]
)  # fmt: skip
SP_TOKENS = st.lists(st.lists(_SP_FRAGMENT, max_size=3).map("".join), max_size=10)
SP_DECODER = Sequence([Replace("▁", " "), ByteFallback(), Fuse(), Strip(" ", 1, 0)])


def test_metaspace_decoder_golden() -> None:
    # "▁" -> " ", but in the first token every "▁" is dropped (not only the leading one).
    assert Metaspace().decode(["▁Hey", "▁", "▁you"]) == "Hey  you"
    assert Metaspace().decode(["▁▁a▁", "▁b"]) == "a b"
    assert Metaspace(prepend_scheme="first").decode(["▁a", "▁b"]) == "a b"
    assert Metaspace(prepend_scheme="never").decode(["▁a", "▁b"]) == " a b"
    assert Metaspace().decode([]) == ""
    with pytest.raises(ConfigError):
        Metaspace("ab")


def test_byte_fallback_golden() -> None:
    bf = ByteFallback()
    # C3 A9 is "é"; the run is decoded as a whole, other tokens pass through.
    assert bf.decode_chain(["<0x41>", "<0xC3>", "<0xA9>", "x"]) == ["Aé", "x"]
    # An invalid run gives one U+FFFD per byte, even for the valid 0x41 inside it.
    assert bf.decode(["<0xC3>", "<0x41>"]) == "\ufffd\ufffd"
    # A run is cut by any other token: "é" split around "a" is two invalid runs.
    assert bf.decode(["<0xC3>", "a", "<0xA9>"]) == "\ufffda\ufffd"
    # Rust's from_str_radix: either case, a leading "+"; not "-", not a space, 6 bytes.
    assert bf.decode(["<0xff>", "<0x+F>"]) == "\ufffd\ufffd"
    assert bf.decode(["<0x2b>", "<0x+9>"]) == "+\t"
    assert bf.decode(["<0x-0>", "<0x F>", "<0X41>", "<0x4>", "<0x41> "]) == (
        "<0x-0><0x F><0X41><0x4><0x41> "
    )


def test_fuse_strip_replace_golden() -> None:
    assert Fuse().decode_chain(["a", "b"]) == ["ab"] and Fuse().decode_chain([]) == [""]
    # At most `start` leading and `stop` trailing content chars, per token.
    assert Strip(" ", 1, 0).decode_chain(["  a  ", "b "]) == [" a  ", "b "]
    assert Strip("a", 2, 1).decode_chain(["aaabaa", "ba"]) == ["aba", "b"]
    # Where tokenizers panics (stop reaching past the start) we strip what there is.
    assert Strip(" ", 1, 3).decode_chain([" ", ""]) == ["", ""]
    assert Replace("▁", " ").decode_chain(["▁a▁", "b"]) == [" a ", "b"]
    # Regex: empty matches count, but not right after a match; an empty token stays empty.
    assert Replace("x*", "-", literal=False).decode_chain(["axxb", ""]) == ["-a-b-", ""]
    assert Replace("", "-").decode(["ab"]) == "-a-b-"
    with pytest.raises(ConfigError, match="valid regex"):
        Replace("(", "", literal=False)
    with pytest.raises(ConfigError):
        Strip("  ")
    with pytest.raises(ConfigError):
        Strip(" ", -1)


def test_sentencepiece_sequence_golden() -> None:
    # What tokenizers writes for SentencePiece models: "▁" to spaces, bytes to text, one
    # string, then the dummy-prefix space removed.
    assert SP_DECODER.decode(["▁Hello", "▁w", "<0xC3>", "<0xB6>", "rld", "▁", "▁!"]) == (
        "Hello wörld  !"
    )


def test_sentencepiece_decoders_from_dict() -> None:
    d = {
        "type": "Sequence",
        "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0},
        ],
    }
    assert decoder_from_dict(d) == SP_DECODER
    assert SP_DECODER.to_dict() == d
    old = {"type": "Metaspace", "replacement": "▁", "add_prefix_space": False}
    assert decoder_from_dict(old) == Metaspace(prepend_scheme="never")
    bad_dicts: list[dict[str, Any]] = [
        {"type": "Replace", "pattern": "▁", "content": " "},
        {"type": "Replace", "pattern": {"Regex": "("}, "content": " "},
        {"type": "Replace", "pattern": {"String": "▁"}, "content": 1},
        {"type": "Strip", "content": " ", "start": -1, "stop": 0},
        {"type": "Strip", "content": "ab", "start": 1, "stop": 0},
        {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "sometimes"},
    ]
    for bad in bad_dicts:
        with pytest.raises(ModelFileError):
            decoder_from_dict(bad)


def test_sentencepiece_decoders_from_hf_written_json() -> None:
    tk = _tk()
    for hf, ours in _hf_sentencepiece_pairs():
        tok = tk.Tokenizer(tk.models.BPE())
        tok.decoder = hf
        d = json.loads(tok.to_str())["decoder"]
        built = decoder_from_dict(d)
        assert built == ours
        assert built is not None and built.to_dict() == d


@settings(max_examples=300, deadline=None)
@given(SP_TOKENS)
def test_sentencepiece_decoders_parity_on_generated_tokens(tokens: list[str]) -> None:
    for hf, ours in _hf_sentencepiece_pairs():
        expected = _hf_decode(hf, tokens)
        if expected is not None:
            assert ours.decode(tokens) == expected, ours


def test_sentencepiece_decoders_parity_on_python_docs() -> None:
    # Real text as a SentencePiece model would cut it: Metaspace words, in 3-char pieces,
    # with non-ASCII chars spelled as byte-fallback tokens.
    from tokenlab.pre_tokenizers import Metaspace as MetaspacePre

    pre = MetaspacePre()
    pairs = _hf_sentencepiece_pairs()
    for line in DOC_LINES:
        pieces = [w[i : i + 3] for w in pre.words(line) for i in range(0, len(w), 3)]
        tokens = [
            t
            for p in pieces
            for t in ([p] if p.isascii() else [f"<0x{b:02X}>" for b in p.encode()])
        ]
        for hf, ours in pairs:
            expected = _hf_decode(hf, tokens)
            if expected is not None:
                assert ours.decode(tokens) == expected, (ours, tokens)
