"""Tests for tokenlab.pre_tokenizers: golden cases, properties, and parity with `tokenizers`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.errors import ConfigError, ModelFileError
from tokenlab.pre_tokenizers import (
    PATTERNS,
    BertPreTokenizer,
    ByteLevel,
    Metaspace,
    PreToken,
    PreTokenizer,
    Sequence,
    Split,
    Whitespace,
    WhitespaceSplit,
    bytes_to_unicode,
    get_pre_tokenizer,
    pre_tokenizer_from_dict,
    unicode_to_bytes,
)

BEHAVIORS = ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]


def _doc_lines() -> list[str]:
    """A deterministic sample of real text: ~300 lines of the docs every CPython ships."""
    from pydoc_data.topics import topics

    lines = [ln for key in sorted(topics) for ln in topics[key].splitlines(keepends=True)]
    step = max(1, len(lines) // 300)
    return lines[::step]


DOC_LINES = _doc_lines()

# Text for property/parity tests. Code points unassigned in Python's Unicode 14 database
# (category Cn) are excluded: the `regex` module's Unicode tables are newer than those of
# Oniguruma (HF's engine), so chars assigned in the latest versions (e.g. U+0558) are \w /
# \p{L} for us and not for HF; every char assigned up to Unicode 14 agrees (checked code
# point by code point). Surrogates cannot be encoded as UTF-8 at all.
_CHARS = st.characters(exclude_categories=("Cs", "Cn"))
_PIECES = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u0301", "e\u0301", "😀", "👍🏽", "é",
     "'s", "'ll", "'T", "123", "1234567", "...", "/", "a", "Z", "ß", "中文", "\x1c", "\x85"]
)  # fmt: skip
TEXT = st.lists(st.one_of(_CHARS, _PIECES), max_size=30).map("".join)


def _all_ours() -> list[PreTokenizer]:
    out: list[PreTokenizer] = [Whitespace(), WhitespaceSplit(), BertPreTokenizer()]
    for aps in (False, True):
        for ur in (False, True):
            out.append(ByteLevel(add_prefix_space=aps, use_regex=ur))
    for name in PATTERNS:
        out.append(Split(PATTERNS[name], "isolated"))
        out.append(get_pre_tokenizer(name))
    for scheme in ("always", "never", "first"):
        for split in (True, False):
            out.append(Metaspace("▁", scheme, split))
    out.append(Sequence([WhitespaceSplit(), Metaspace(prepend_scheme="first")]))
    return out


# ---------------------------------------------------------------------------------------------
# Golden cases (expected values derived by hand)


def test_bytes_to_unicode_table() -> None:
    table = bytes_to_unicode()
    assert len(table) == 256 and len(set(table.values())) == 256
    # Printable bytes map to themselves.
    assert table[ord("!")] == "!" and table[ord("~")] == "~" and table[0xE9] == "é"
    # Non-printable bytes in order: 0x00..0x20 are the first 33 -> U+0100..U+0120,
    # 0x7F..0xA0 the next 34 -> U+0121..U+0142, 0xAD the last -> U+0143.
    assert table[0x00] == "\u0100"
    assert table[0x0A] == "Ċ"  # U+010A
    assert table[0x20] == "Ġ"  # U+0120
    assert table[0x7F] == "\u0121"
    assert table[0xA0] == "\u0142"
    assert table[0xAD] == "Ń"  # U+0143
    assert unicode_to_bytes() == {c: b for b, c in table.items()}
    assert ByteLevel.alphabet() == [table[b] for b in range(256)]


def test_whitespace_golden() -> None:
    # \w+ takes "Hello", [^\w\s]+ takes ",", "world", "!?" is one run of non-word chars,
    # "don" / "'" / "t": the apostrophe is not a word char.
    assert Whitespace().pre_tokenize_str("Hello, world!? don't") == [
        ("Hello", (0, 5)),
        (",", (5, 6)),
        ("world", (7, 12)),
        ("!?", (12, 14)),
        ("don", (15, 18)),
        ("'", (18, 19)),
        ("t", (19, 20)),
    ]


def test_whitespace_split_golden() -> None:
    # U+00A0 is Unicode whitespace; U+001C is whitespace for str.split() but not for Unicode.
    text = "a,b\u00a0c\x1cd\r\n e"
    assert WhitespaceSplit().pre_tokenize_str(text) == [
        ("a,b", (0, 3)),
        ("c\x1cd", (4, 7)),
        ("e", (10, 11)),
    ]
    assert WhitespaceSplit().words(text) == ["a,b", "c\x1cd", "e"]


def test_byte_level_golden() -> None:
    # "Hi  é!": regex pieces "Hi", " " (\s+(?!\S) leaves one space for the next word),
    # " é" (" ?\p{L}+"), "!"; é is C3 A9 -> "Ã©", space -> "Ġ".
    toks = ByteLevel().split("Hi  é!")
    assert [(t.text, t.offsets) for t in toks] == [
        ("Hi", (0, 2)),
        ("Ġ", (2, 3)),
        ("ĠÃ©", (3, 5)),
        ("!", (5, 6)),
    ]
    # Two mapped chars come from input char 4 (é).
    assert toks[2].char_map == (3, 4, 4)
    assert toks[0].char_map is None


def test_byte_level_prefix_space() -> None:
    # The added space has no source (-1); the offsets cover only the real chars.
    (tok,) = ByteLevel(add_prefix_space=True).split("Hi")
    assert tok == PreToken("ĠHi", 0, 2, (-1, 0, 1))
    # Already starting with " ": nothing added.
    assert ByteLevel(add_prefix_space=True).words(" Hi") == ["ĠHi"]
    # HF only checks for " ": a leading tab still gets the space, which becomes its own
    # word because "\s+(?!\S)" stops before the tab's successor.
    assert ByteLevel(add_prefix_space=True).pre_tokenize_str("\tx") == [
        ("Ġ", (0, 1)),
        ("ĉ", (0, 1)),
        ("x", (1, 2)),
    ]
    assert ByteLevel(add_prefix_space=True).split("") == []


def test_byte_level_no_regex() -> None:
    # Whole input is one word. "€" is E2 82 AC: 0xE2 maps to itself ("â"); 0x82 lies in the
    # non-printable run 0x7F..0xA0 that starts at U+0121, so it maps to U+0121 + 3 = "Ĥ";
    # 0xAC maps to itself ("¬").
    (tok,) = ByteLevel(use_regex=False).split("a €")
    assert tok.text == "aĠâĤ¬"
    assert tok.char_map == (0, 1, 2, 2, 2)
    assert tok.offsets == (0, 3)


def test_split_behaviors_golden() -> None:
    # "a-b--c" with delimiter "-": spans a | - | b | - | - | c (the two dashes are separate
    # matches of a one-char pattern).
    text = "a-b--c"
    expected = {
        "removed": ["a", "b", "c"],
        "isolated": ["a", "-", "b", "-", "-", "c"],
        # a match joins the span before it unless that span was itself a match
        "merged_with_previous": ["a-", "b-", "-", "c"],
        # mirror image: a match joins the span after it unless that one is a match
        "merged_with_next": ["a", "-b", "-", "-c"],
        # consecutive matches glued together
        "contiguous": ["a", "-", "b", "--", "c"],
    }
    for behavior, words in expected.items():
        assert Split("-", behavior).words(text) == words, behavior
    # invert: the NON-matching spans become the delimiters, so with the pattern [a-z]
    # "removed" drops the dashes and keeps the letters.
    assert Split("[a-z]", "removed", invert=True).words(text) == ["a", "b", "c"]
    assert Split("-", "removed", invert=True).words(text) == ["-", "-", "-"]


def test_split_literal_and_errors() -> None:
    assert Split(".", "removed", literal=True).words("a.b") == ["a", "b"]
    assert Split(".", "removed").words("a.b") == []
    with pytest.raises(ConfigError, match="behavior"):
        Split("-", "sideways")
    with pytest.raises(ConfigError, match="valid regex"):
        Split("(", "isolated")
    assert Split("-", "MergedWithNext").behavior == "merged_with_next"


def test_split_possessive_patterns() -> None:
    # r50k: "Hello world  42" -> "Hello", " world", " " (\s+(?!\S) keeps one space back),
    # " 42".
    assert Split(PATTERNS["gpt2"]).words("Hello world  42") == ["Hello", " world", " ", " 42"]
    # cl100k: digits in groups of at most three, and "'S" matches case-insensitively.
    assert Split(PATTERNS["cl100k_base"]).words("IT'S 12345") == ["IT", "'S", " ", "123", "45"]


def test_sequence_composes_offsets_and_char_maps() -> None:
    # WhitespaceSplit gives "xé" at (2, 4); ByteLevel maps é to two chars, both from input 3.
    seq = Sequence([WhitespaceSplit(), ByteLevel(add_prefix_space=True, use_regex=False)])
    toks = seq.split("a xé")
    assert toks == [
        PreToken("Ġa", 0, 1, (-1, 0)),
        PreToken("ĠxÃ©", 2, 4, (-1, 2, 3, 3)),
    ]
    # Splitting the byte-mapped text between the two bytes of é keeps pointing at é.
    seq2 = Sequence([ByteLevel(use_regex=False), Split("©", "isolated")])
    assert seq2.pre_tokenize_str("hé") == [("hÃ", (0, 2)), ("©", (1, 2))]


def test_get_pre_tokenizer() -> None:
    assert get_pre_tokenizer("whitespace") == Whitespace()
    assert get_pre_tokenizer("whitespace-split") == WhitespaceSplit()
    assert get_pre_tokenizer("byte-level") == ByteLevel(add_prefix_space=False)
    gpt2 = get_pre_tokenizer("gpt2")
    assert gpt2 == Sequence([Split(PATTERNS["gpt2"]), ByteLevel(use_regex=False)])
    assert gpt2.words("Hello world") == ["Hello", "Ġworld"]
    with pytest.raises(ConfigError, match="o200k_base"):
        get_pre_tokenizer("gpt5")


def test_patterns_are_the_reference_ones() -> None:
    assert PATTERNS["gpt2"] == (
        r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
    )
    assert PATTERNS["cl100k_base"].startswith(r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+""")
    assert PATTERNS["o200k_base"].count("|") == 6 + 2 * 6  # 7 parts, 6 alternations in each
    assert PATTERNS["o200k_base"].endswith(r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")


# ---------------------------------------------------------------------------------------------
# to_dict / from_dict


@pytest.mark.parametrize("pre", [*_all_ours(), Split("x", "contiguous", True, literal=True)])
def test_dict_round_trip(pre: PreTokenizer) -> None:
    d = json.loads(json.dumps(pre.to_dict()))
    again = pre_tokenizer_from_dict(d)
    assert again == pre
    assert again is not None and again.to_dict() == d


def test_from_dict_errors() -> None:
    assert pre_tokenizer_from_dict(None) is None
    with pytest.raises(ModelFileError, match="Metaspace"):
        pre_tokenizer_from_dict({"type": "Unheard"})
    with pytest.raises(ModelFileError):
        pre_tokenizer_from_dict({"type": "Split", "pattern": "x", "behavior": "Isolated"})
    with pytest.raises(ModelFileError, match="behavior"):
        pre_tokenizer_from_dict(
            {"type": "Split", "pattern": {"String": "x"}, "behavior": "Odd", "invert": False}
        )
    with pytest.raises(ModelFileError):
        pre_tokenizer_from_dict({"type": "ByteLevel", "add_prefix_space": "yes"})
    # Missing ByteLevel fields take HF's defaults.
    assert pre_tokenizer_from_dict({"type": "ByteLevel"}) == ByteLevel(True, True, True)


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_words_equals_split_and_char_maps_valid(text: str) -> None:
    for pre in _all_ours():
        toks = pre.split(text)
        assert pre.words(text) == [t.text for t in toks]
        for t in toks:
            assert 0 <= t.start < t.end <= len(text)
            cm = t.sources()
            assert len(cm) == len(t.text)
            assert all(i == -1 or t.start <= i < t.end for i in cm)


@settings(max_examples=150, deadline=None)
@given(TEXT, st.booleans(), st.booleans())
def test_byte_level_is_lossless(text: str, prefix: bool, use_regex: bool) -> None:
    table = unicode_to_bytes()
    toks = ByteLevel(add_prefix_space=prefix, use_regex=use_regex).split(text)
    data = bytes(table[c] for t in toks for c in t.text)
    expected = " " + text if prefix and text and not text.startswith(" ") else text
    assert data.decode("utf-8") == expected
    # Each mapped char is a byte of the input char its char_map points at.
    for t in toks:
        for c, i in zip(t.text, t.sources()):
            src = " " if i == -1 else text[i]
            assert table[c] in src.encode("utf-8")


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_sequence_of_named_patterns_covers_text(text: str) -> None:
    # The tiktoken patterns match every char, so the words re-join to the mapped text.
    for name in PATTERNS:
        words = get_pre_tokenizer(name).words(text)
        assert "".join(words) == "".join(ByteLevel(use_regex=False).words(text))


# ---------------------------------------------------------------------------------------------
# Parity with Hugging Face tokenizers


def _onig(pattern: str) -> str:
    r"""The pattern spelled so that Oniguruma (HF's regex engine) reads it as tiktoken does.

    In Oniguruma's Ruby syntax ``X{1,3}+`` is NOT possessive: it means ``(X{1,3})+``, so HF
    would read cl100k's ``\p{N}{1,3}+`` as "any run of digits". Nothing follows it inside
    its alternative, so plain ``{1,3}`` is the possessive version's exact equivalent.
    """
    return pattern.replace("{1,3}+", "{1,3}")


def _hf_pairs() -> list[tuple[str, Any, PreTokenizer]]:
    tk = pytest.importorskip(
        "tokenizers", reason="parity tests need the `tokenizers` package (pip install tokenizers)"
    )
    P = tk.pre_tokenizers
    pairs: list[tuple[str, Any, PreTokenizer]] = [
        ("Whitespace", P.Whitespace(), Whitespace()),
        ("WhitespaceSplit", P.WhitespaceSplit(), WhitespaceSplit()),
        ("BertPreTokenizer", P.BertPreTokenizer(), BertPreTokenizer()),
    ]
    for aps in (False, True):
        for ur in (False, True):
            pairs.append(
                (
                    f"ByteLevel(aps={aps}, regex={ur})",
                    P.ByteLevel(add_prefix_space=aps, use_regex=ur),
                    ByteLevel(add_prefix_space=aps, use_regex=ur),
                )
            )
    for name, pat in PATTERNS.items():
        hf_pat = tk.Regex(_onig(pat))
        pairs.append((f"Split({name})", P.Split(hf_pat, "isolated"), Split(pat)))
        hf_seq = P.Sequence(
            [P.Split(hf_pat, "isolated"), P.ByteLevel(add_prefix_space=False, use_regex=False)]
        )
        pairs.append((f"get_pre_tokenizer({name})", hf_seq, get_pre_tokenizer(name)))
    for scheme in ("always", "never", "first"):
        for split in (True, False):
            pairs.append(
                (
                    f"Metaspace({scheme}, split={split})",
                    P.Metaspace(prepend_scheme=scheme, split=split),
                    Metaspace(prepend_scheme=scheme, split=split),
                )
            )
    # "first" inside a Sequence: only the piece at offset 0 gets the prefix.
    pairs.append(
        (
            "Sequence(Split(' '), Metaspace(first))",
            P.Sequence([P.Split(" ", "isolated"), P.Metaspace(prepend_scheme="first")]),
            Sequence([Split(" ", literal=True), Metaspace(prepend_scheme="first")]),
        )
    )
    # A Sequence with a prefix space per piece, composed offsets through multi-byte chars.
    pairs.append(
        (
            "Sequence(WhitespaceSplit, ByteLevel)",
            P.Sequence([P.WhitespaceSplit(), P.ByteLevel(add_prefix_space=True)]),
            Sequence([WhitespaceSplit(), ByteLevel(add_prefix_space=True)]),
        )
    )
    return pairs


def test_parity_on_python_docs() -> None:
    pairs = _hf_pairs()
    assert len(DOC_LINES) >= 250
    for label, hf, ours in pairs:
        for line in DOC_LINES:
            assert ours.pre_tokenize_str(line) == hf.pre_tokenize_str(line), (label, line)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_parity_on_generated_text(text: str) -> None:
    for label, hf, ours in _hf_pairs():
        assert ours.pre_tokenize_str(text) == hf.pre_tokenize_str(text), label


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="ab-", max_size=12),
    st.sampled_from(["-", "-+", "a*", "a|-", "(?=b)"]),
    st.sampled_from(BEHAVIORS),
    st.booleans(),
)
def test_split_behavior_parity(text: str, pattern: str, behavior: str, invert: bool) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity tests need the `tokenizers` package")
    hf = tk.pre_tokenizers.Split(tk.Regex(pattern), behavior, invert=invert)
    assert Split(pattern, behavior, invert).pre_tokenize_str(text) == hf.pre_tokenize_str(text)


def test_onig_interval_quirk_is_documented() -> None:
    # The one place where HF's engine and ours read the same pattern text differently.
    tk = pytest.importorskip("tokenizers", reason="parity tests need the `tokenizers` package")
    hf = tk.pre_tokenizers.Split(tk.Regex(r"\p{N}{1,3}+"), "isolated")
    assert hf.pre_tokenize_str("12345") == [("12345", (0, 5))]
    assert Split(r"\p{N}{1,3}+").words("12345") == ["123", "45"]


def test_from_dict_of_hf_written_json() -> None:
    tk = pytest.importorskip("tokenizers", reason="parity tests need the `tokenizers` package")
    literal = tk.pre_tokenizers.Split("x", "merged_with_next", invert=True)
    for _label, hf, ours in [*_hf_pairs(), ("literal Split", literal, None)]:
        tok = tk.Tokenizer(tk.models.BPE())
        tok.pre_tokenizer = hf
        d = json.loads(tok.to_str())["pre_tokenizer"]
        built = pre_tokenizer_from_dict(d)
        assert built is not None
        assert built.to_dict() == d
        if ours is not None and isinstance(
            ours, (Whitespace, WhitespaceSplit, BertPreTokenizer, ByteLevel, Metaspace)
        ):
            assert built == ours
        for line in DOC_LINES[:40]:
            assert built.pre_tokenize_str(line) == hf.pre_tokenize_str(line)


# ---------------------------------------------------------------------------------------------
# BertPreTokenizer

# Generated text rich in punctuation and symbols of every kind, whitespace that is and is
# not Unicode White_Space, CJK and combining marks. Cn and Cs are excluded as for TEXT.
_BERT_PIECES = st.sampled_from(
    ["Hello", "don't", "$5.00", "a+b=c", "^_^", "`x`", "|", "~", "¿", "¡", "—", "–", "…", "«»",
     "「」", "、。", "٪", "§", "©", "€", "°", "\u2e43", "\u166d", "\U000111c9", "\u0f14",
     " ", "\t", "\r\n", "\xa0", "\u3000", "\u2028", "\x85", "\x1c", "\x1f", "中文", "é",
     "e\u0301", "\u0301", "😀", "_"]
)  # fmt: skip
BERT_TEXT = st.lists(st.one_of(_CHARS, _BERT_PIECES), max_size=30).map("".join)


def test_bert_pre_tokenizer_golden() -> None:
    # Whitespace (space, NBSP, IDEOGRAPHIC SPACE) separates and is dropped; each ASCII
    # punctuation char is a word of its own, symbols like "$" and "+" included; "_" is
    # ASCII punctuation too (Pc). "¿" (Po) and "—" (Pd) are Unicode punctuation; "€" (Sc)
    # and "©" (So) are not, so they stay inside their word. U+001C is not whitespace.
    text = "Don't\xa0pay $5+tax—¿ok?\u3000a_b €1©\x1cz"
    assert BertPreTokenizer().pre_tokenize_str(text) == [
        ("Don", (0, 3)),
        ("'", (3, 4)),
        ("t", (4, 5)),
        ("pay", (6, 9)),
        ("$", (10, 11)),
        ("5", (11, 12)),
        ("+", (12, 13)),
        ("tax", (13, 16)),
        ("—", (16, 17)),
        ("¿", (17, 18)),
        ("ok", (18, 20)),
        ("?", (20, 21)),
        ("a", (22, 23)),
        ("_", (23, 24)),
        ("b", (24, 25)),
        ("€1©\x1cz", (26, 31)),
    ]
    # Runs of punctuation are NOT grouped: "..." is three words.
    assert BertPreTokenizer().words("no...") == ["no", ".", ".", "."]
    assert BertPreTokenizer().words(" \t ") == []
    assert get_pre_tokenizer("bert") == BertPreTokenizer()


def test_bert_pre_tokenizer_old_category_table() -> None:
    # HF's punctuation table is old: U+2E43 (Po since Unicode 10) is not isolated, U+166D
    # (Po in the old table, So now) is.
    assert BertPreTokenizer().words("a\u2e43b\u166dc") == ["a\u2e43b", "\u166d", "c"]


def test_bert_pre_tokenizer_in_a_sequence() -> None:
    # Offsets compose: WhitespaceSplit yields "x,y" at 2..5, which BertPreTokenizer splits
    # into three words whose offsets point into the original string.
    seq = Sequence([WhitespaceSplit(), BertPreTokenizer()])
    assert seq.pre_tokenize_str("a x,y") == [
        ("a", (0, 1)),
        ("x", (2, 3)),
        (",", (3, 4)),
        ("y", (4, 5)),
    ]


def _hf_bert() -> Any:
    tk = pytest.importorskip(
        "tokenizers", reason="parity tests need the `tokenizers` package (pip install tokenizers)"
    )
    return tk.pre_tokenizers.BertPreTokenizer()


def test_bert_parity_on_python_docs() -> None:
    hf = _hf_bert()
    ours = BertPreTokenizer()
    for line in DOC_LINES:
        assert ours.pre_tokenize_str(line) == hf.pre_tokenize_str(line), line
        assert ours.words(line) == [w for w, _ in hf.pre_tokenize_str(line)]


@settings(max_examples=300, deadline=None)
@given(BERT_TEXT)
def test_bert_parity_on_generated_text(text: str) -> None:
    hf = _hf_bert()
    assert BertPreTokenizer().pre_tokenize_str(text) == hf.pre_tokenize_str(text)


def test_bert_parity_code_point_by_code_point() -> None:
    # Every punctuation/symbol/separator/control char (where the category tables matter),
    # each placed between letters and after a space, in one call per char.
    import regex

    hf = _hf_bert()
    ours = BertPreTokenizer()
    classes = regex.compile(r"[\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\p{Mn}]")
    for cp in range(0x30000):
        c = chr(cp)
        if classes.match(c) or cp in (0x166D, 0x111C9):
            text = f"a{c}b {c}"
            assert ours.pre_tokenize_str(text) == hf.pre_tokenize_str(text), hex(cp)


# ---------------------------------------------------------------------------------------------
# Metaspace

# Text rich in what Metaspace looks at: runs of spaces, the replacement char itself, other
# whitespace (which it must leave alone) and a second candidate replacement "_".
_META_PIECES = st.sampled_from(
    [" ", "  ", "▁", "▁▁", "_", "\t", "\n", "\xa0", "a", "Hey", "é", "中文", "😀", "e\u0301"]
)
META_TEXT = st.lists(st.one_of(_CHARS, _META_PIECES), max_size=20).map("".join)


def test_metaspace_golden() -> None:
    # Spaces become "▁" in place (offsets unchanged); "▁" is prepended to the first word and
    # has no source (-1), so that word's offsets start at its first real char; the text is
    # cut before every "▁", so two spaces give a lone "▁" word.
    toks = Metaspace().split("Hey  you")
    assert toks == [
        PreToken("▁Hey", 0, 3, (-1, 0, 1, 2)),
        PreToken("▁", 3, 4),
        PreToken("▁you", 4, 8),
    ]
    # Nothing is prepended when the text already starts with the replacement (a space).
    assert Metaspace().pre_tokenize_str(" a") == [("▁a", (0, 2))]
    assert Metaspace().words("▁a") == ["▁a"]
    # A "▁" already in the text is a cut point like a space; a tab is not a space.
    assert Metaspace().words("a▁b\tc d") == ["▁a", "▁b\tc", "▁d"]
    assert Metaspace(prepend_scheme="never").words("a b") == ["a", "▁b"]
    assert Metaspace(split=False).pre_tokenize_str("a b") == [("▁a▁b", (0, 3))]
    assert Metaspace("_").words("a b_c") == ["_a", "_b", "_c"]
    assert Metaspace().split("") == [] and Metaspace().words("") == []


def test_metaspace_prepend_first_in_a_sequence() -> None:
    # "first": only the piece at offset 0 of the input gets the prefix. Alone, Metaspace sees
    # the whole text, so "first" is "always".
    assert Metaspace(prepend_scheme="first").words("a b") == ["▁a", "▁b"]
    seq = Sequence([Split(" ", "isolated", literal=True), Metaspace(prepend_scheme="first")])
    assert seq.pre_tokenize_str("a b") == [("▁a", (0, 1)), ("▁", (1, 2)), ("b", (2, 3))]
    # Words (the training path) agree with split, also for a nested Sequence.
    nested = Sequence([WhitespaceSplit(), Sequence([Metaspace(prepend_scheme="first")])])
    assert nested.words("x y z") == [t.text for t in nested.split("x y z")] == ["▁x", "y", "z"]
    always = Sequence([WhitespaceSplit(), Metaspace()])
    assert always.words("x y") == ["▁x", "▁y"]


def test_metaspace_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="one char"):
        Metaspace("__")
    with pytest.raises(ConfigError, match="prepend_scheme"):
        Metaspace(prepend_scheme="First")


def test_metaspace_from_dict_old_and_new() -> None:
    new = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False}
    assert pre_tokenizer_from_dict(new) == Metaspace("▁", "first", False)
    # Files written before prepend_scheme existed: add_prefix_space (and str_rep).
    old = {"type": "Metaspace", "replacement": "▁", "str_rep": "▁", "add_prefix_space": True}
    assert pre_tokenizer_from_dict(old) == Metaspace()
    old_off = {"type": "Metaspace", "replacement": "▁", "add_prefix_space": False}
    assert pre_tokenizer_from_dict(old_off) == Metaspace(prepend_scheme="never")
    # Both given: prepend_scheme wins unless add_prefix_space=false contradicts it.
    both = {**old, "prepend_scheme": "never"}
    assert pre_tokenizer_from_dict(both) == Metaspace(prepend_scheme="never")
    with pytest.raises(ModelFileError, match="contradicts"):
        pre_tokenizer_from_dict({**old_off, "prepend_scheme": "first"})
    with pytest.raises(ModelFileError, match="replacement"):
        pre_tokenizer_from_dict({"type": "Metaspace"})
    with pytest.raises(ModelFileError, match="one char"):
        pre_tokenizer_from_dict({"type": "Metaspace", "replacement": "ab"})
    with pytest.raises(ModelFileError, match="prepend_scheme"):
        pre_tokenizer_from_dict({"type": "Metaspace", "replacement": "▁", "prepend_scheme": 1})


def test_metaspace_old_dicts_load_like_tokenizers() -> None:
    # tokenizers itself reads these older dicts; what it builds must split as ours does.
    tk = pytest.importorskip("tokenizers", reason="parity tests need the `tokenizers` package")
    base = json.loads(tk.Tokenizer(tk.models.BPE()).to_str())
    old_dicts: list[dict[str, Any]] = [
        {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True},
        {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True, "str_rep": "▁"},
        {"type": "Metaspace", "replacement": "_", "add_prefix_space": True, "split": False},
        {"type": "Metaspace", "replacement": "▁"},
    ]
    for d in old_dicts:
        hf = tk.Tokenizer.from_str(json.dumps({**base, "pre_tokenizer": d})).pre_tokenizer
        ours = pre_tokenizer_from_dict(d)
        assert ours is not None
        for line in [*DOC_LINES[:40], "a_b c", " x"]:
            assert ours.pre_tokenize_str(line) == hf.pre_tokenize_str(line), d


@settings(max_examples=200, deadline=None)
@given(META_TEXT, st.sampled_from(["▁", "_"]), st.sampled_from(["always", "never", "first"]))
def test_metaspace_parity_on_generated_text(text: str, replacement: str, scheme: str) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity tests need the `tokenizers` package")
    P = tk.pre_tokenizers
    for split in (True, False):
        hf = P.Metaspace(replacement=replacement, prepend_scheme=scheme, split=split)
        ours = Metaspace(replacement, scheme, split)
        expected = hf.pre_tokenize_str(text)
        assert ours.pre_tokenize_str(text) == expected
        assert ours.words(text) == [w for w, _ in expected]
        hf_seq = P.Sequence([P.WhitespaceSplit(), hf])
        seq = Sequence([WhitespaceSplit(), ours])
        assert seq.pre_tokenize_str(text) == hf_seq.pre_tokenize_str(text)
