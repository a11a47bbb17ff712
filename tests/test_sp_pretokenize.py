"""Tests for tokenlab.sp_pretokenize: hand-derived goldens, and parity with sentencepiece
(word splitting, character coverage, piece validity by Unicode script) when it is installed."""

from __future__ import annotations

import io
import random
import unicodedata

import pytest

from tokenlab.corpus import default_corpus
from tokenlab.sp_pretokenize import (
    char_script,
    count_sentence_words,
    escape_whitespace,
    is_valid_piece,
    piece_boundaries,
    required_chars,
    split_at_boundaries,
)


def _sp():
    return pytest.importorskip("sentencepiece", reason="parity tests need sentencepiece")


def _train_pieces(lines, vocab_size, **kw):
    spm = _sp()
    f = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=f,
        model_type="bpe",
        vocab_size=vocab_size,
        minloglevel=2,
        **kw,
    )
    sp = spm.SentencePieceProcessor(model_proto=f.getvalue())
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


# -- hand-derived goldens --------------------------------------------------------


def test_escape_whitespace_rules():
    assert escape_whitespace("  Hello   world ") == "▁Hello▁world"
    assert escape_whitespace("  a  b ", remove_extra_whitespaces=False) == "▁▁▁a▁▁b▁"
    assert escape_whitespace(" ", remove_extra_whitespaces=False) == "▁▁"
    assert escape_whitespace(" ") == ""
    assert escape_whitespace("a b", add_dummy_prefix=False) == "a▁b"
    assert escape_whitespace("a b", treat_whitespace_as_suffix=True) == "a▁b▁"


def test_count_sentence_words_golden():
    lines = ["a b a\n", "", "b", "x\u2585y", "c<s>d", "z" * 20]
    counts = count_sentence_words(
        lines, normalize=str.lower, meta_pieces=["<s>"], max_sentence_length=19
    )
    # the U+2585 line and the 20-byte line are skipped; "<s>" becomes a TAB boundary
    assert counts == {"▁a": 2, "▁b": 2, "▁c\td": 1}
    suffix = count_sentence_words(["a b"], normalize=None, treat_whitespace_as_suffix=True)
    assert suffix == {"a▁": 1, "b▁": 1}
    whole = count_sentence_words(["a b", "a b"], normalize=None, split_by_whitespace=False)
    assert whole == {"▁a▁b": 2}


def test_required_chars_order_and_coverage():
    counts = {"▁aab": 3, "▁c": 1}  # a:6 ▁:4 b:3 c:1 of 14
    assert required_chars(counts, 1.0) == ["a", "▁", "b", "c"]
    # coverage is tested BEFORE adding a char: 13/14 = 0.9286 < 0.95, so c is kept
    assert required_chars(counts, 0.95) == ["a", "▁", "b", "c"]
    assert required_chars(counts, 0.9) == ["a", "▁", "b"]
    # TAB is counted but never kept
    assert required_chars({"a\tb": 1}, 1.0) == ["a", "b"]


def test_is_valid_piece_rules():
    assert is_valid_piece("▁abc")
    assert not is_valid_piece("a▁")
    assert is_valid_piece("a▁", treat_whitespace_as_suffix=True)
    assert not is_valid_piece("▁a", treat_whitespace_as_suffix=True)
    assert not is_valid_piece("a" * 17)
    assert is_valid_piece("a" * 17, max_piece_length=17)
    assert not is_valid_piece("a1")
    assert is_valid_piece("12")
    assert not is_valid_piece("12", split_digits=True)
    assert is_valid_piece("a1,", split_by_number=False)  # digits reset the script
    assert not is_valid_piece("a,")
    assert is_valid_piece("a,", split_by_unicode_script=False)
    assert is_valid_piece("漢字ひらがなカタカナー")  # Hiragana/Katakana/U+30FC count as Han
    assert is_valid_piece("e\u0301")  # Inherited takes the previous script
    assert is_valid_piece("\u0301,")  # ... and none at the start
    assert not is_valid_piece("e\u0301,")
    for bad in ("a\tb", "a b", "a\x00", "a\u2585", ""):
        assert not is_valid_piece(bad)


def test_char_script():
    assert char_script("a") == "Latin"
    assert char_script("ж") == "Cyrillic"
    assert char_script(",") == "Common"
    assert char_script("\u0301") == "Inherited"
    assert char_script("\u20bf") == "Common"  # assigned in Unicode 10: Common for SentencePiece
    assert char_script("\u0589") == "Common"  # Armenian since Unicode 12; Common in 9.0
    assert char_script("\u0953") == "Devanagari"


def test_piece_boundaries_golden():
    assert piece_boundaries("▁ab1c,d") == [3, 4, 5, 6]
    assert piece_boundaries("▁ab▁c") == [3]
    assert piece_boundaries("a▁b▁", treat_whitespace_as_suffix=True) == [2]
    assert piece_boundaries("a12b", split_digits=True) == [1, 2, 3]
    assert piece_boundaries("a12b", split_by_number=False) == []
    assert piece_boundaries("axb", known=lambda c: c != "x") == [1, 2]
    assert split_at_boundaries("▁ab,c", [3, 4]) == ["▁ab", ",", "c"]


def _substrings(word):
    for i in range(len(word)):
        for j in range(i + 2, len(word) + 1):
            yield i, j


@pytest.mark.parametrize(
    "options",
    [{}, {"split_digits": True}, {"split_by_number": False}, {"split_by_unicode_script": False}],
)
def test_boundaries_allow_exactly_the_valid_pieces(options):
    # The claim piece_boundaries documents: a substring that crosses no cut is a
    # valid piece (length aside), and every valid piece crosses no cut -- except
    # pieces that start inside an Inherited run, which the text below avoids.
    rng = random.Random(7)
    alphabet = "ab,.1290жз漢ひカー-_"
    for _ in range(400):
        word = "▁" + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9)))
        cuts = set(piece_boundaries(word, **options))
        for i, j in _substrings(word):
            crosses = any(i < c < j for c in cuts)
            assert is_valid_piece(word[i:j], **options) == (not crosses), (word, i, j)


# -- parity with sentencepiece ----------------------------------------------------


def test_required_chars_match_sentencepiece():
    lines = list(default_corpus())
    counts = count_sentence_words(lines, normalize=None)
    for coverage in (0.9995, 0.98, 1.0):
        pieces = _train_pieces(
            lines, 2000, normalization_rule_name="identity", character_coverage=coverage
        )
        chars = required_chars(counts, coverage)
        assert pieces[-len(chars) :] == chars


def test_words_match_sentencepiece_single_word_pieces():
    # At a vocabulary big enough for every merge, each word seen once becomes one
    # piece in sentencepiece; so do ours (words from count_sentence_words).
    lines = ["Hello  world", " tab\tinside", "x<sep>y", "dummy"]
    pieces = set(
        _train_pieces(
            lines,
            60,
            normalization_rule_name="identity",
            user_defined_symbols=["<sep>"],
            hard_vocab_limit=False,
        )
    )
    words = count_sentence_words(lines, normalize=None, meta_pieces=["<sep>", "<unk>"])
    for word in words:
        for part in word.split("\t"):
            assert part in pieces or len(part) < 2, part


def test_script_table_matches_sentencepiece_sample():
    # A sample of the probe the table was checked with: a char paired with a letter
    # of its own class must merge; with a letter of another class it must not
    # (unless it is Inherited, which takes any script).
    spm = _sp()
    rng = random.Random(11)
    chars = [
        chr(cp)
        for cp in range(0x21, 0x20000)
        if not 0xD800 <= cp <= 0xDFFF
        and unicodedata.category(chr(cp)) not in ("Cc", "Cs", "Zs", "Zl", "Zp")
        and chr(cp) not in ("\u2581", "\u2585")
    ]
    sample = [*rng.sample(chars, 1500), "\u0589", "\u061c", "\u0953", "\u0954", "\u30fc"]
    reps: dict[str, str] = {"Latin": "a", "Common": "!", "Han": "漢"}
    for cp in range(0x41, 0x20000):
        ch = chr(cp)
        if unicodedata.category(ch).startswith("L"):
            reps.setdefault(char_script(ch), ch)
    lines, expect = [], {}
    for ch in sample:
        s = char_script(ch)
        cls = "Han" if s in ("Hiragana", "Katakana") or ch == "\u30fc" else s
        own = reps["Latin"] if cls == "Inherited" else reps.get(cls)
        if own is None:
            continue
        other = "a" if cls != "Latin" else "!"
        expect[own + ch] = True
        expect[other + ch] = cls == "Inherited"
    lines = list(expect)
    f = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=f,
        model_type="bpe",
        vocab_size=len(set("".join(lines))) + len(lines) + 3,
        hard_vocab_limit=False,
        add_dummy_prefix=False,
        character_coverage=1.0,
        normalization_rule_name="identity",
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_proto=f.getvalue())
    pieces = {sp.id_to_piece(i) for i in range(sp.get_piece_size())}
    wrong = [w for w, valid in expect.items() if (w in pieces) != valid]
    assert not wrong, [" ".join(f"U+{ord(c):04X}" for c in w) for w in wrong]
