"""The fixed-pattern scanner (``_scan.pxi`` / ``_pyscan.py``) equals the ``regex`` module.

The oracle is always ``regex`` running the pattern strings of :mod:`tokenlab._patterns`
(Hugging Face's ByteLevel regex, tiktoken's gpt2 / cl100k_base / o200k_base, and the
published models' llama3 / qwen2 / qwen3_5 / tekken, tests/test_scan_families.py). Both cores
are checked: the pure one runs ``regex`` itself, the native one hand-written matchers over
a class table built from ``regex``.
"""

from __future__ import annotations

from collections import Counter
from types import ModuleType
from typing import Any

import pytest
import regex
from conftest import multilingual_lines, pydoc_lines
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab import _pyscan, corpus, pre_tokenizers
from tokenlab._patterns import SCAN_PATTERNS
from tokenlab.pre_tokenizers import (
    _BYTE_LEVEL_PATTERN,
    PATTERNS,
    ByteLevel,
    Sequence,
    Split,
    _byte_map,
    get_pre_tokenizer,
)

ORACLE = {"byte_level": _BYTE_LEVEL_PATTERN, **PATTERNS, **SCAN_PATTERNS}
COMPILED = {name: regex.compile(p) for name, p in ORACLE.items()}
NAMES = list(ORACLE)

# Pieces that exercise every branch of the four patterns: contractions in both cases and
# U+017F (LONG S, which (?i) matches as "s"), each whitespace kind incl. \r\n and the
# non-whitespace \x1c, letters of every category (Lu Ll Lt Lm Lo), combining marks
# (Mn Mc Me), numbers (Nd Nl No), CJK, emoji with modifiers, private-use, unassigned and
# noncharacter code points, and a lone surrogate.
_PIECES = st.sampled_from(
    ["'", "'s", "'S", "'t", "'T", "'re", "'RE", "'rE", "'ve", "'Ve", "'m", "'M", "'ll",
     "'lL", "'LL", "'d", "'D", "'x", "'ſ", "ſ", "'l", "'r", "'v", "''", " '", "K", "İ",
     " ", "  ", "   ", "\t", "\n", "\r", "\r\n", "\n\n", " \n", "\n ", "\x0b", "\x0c",
     "\x1c", "\x1f", "\x85", "\u00a0", "\u1680", "\u2003", "\u2028", "\u2029", "\u3000",
     "a", "z", "A", "Z", "é", "É", "ß", "ǅ", "ǈ", "ʰ", "ˆ", "ª", "中", "文", "ア", "ー",
     "가", "א", "ع", "\u0301", "\u0308", "\u0903", "\u20dd", "e\u0301", "A\u0301",
     "0", "1", "9", "123", "12345", "٣", "Ⅻ", "½", "²", "😀", "👍🏽", "\U0001f3fb",
     "/", "//", "!", ".", ",", "-", "$", "…", "«", "\u200b", "\u200d", "\ufeff",
     "\ue000", "\U000f0000", "\U0010ffff", "\u0378", "\U000e0001", "\ufdd0", "\ud800"]
)  # fmt: skip
_CHARS = st.characters(min_codepoint=0, max_codepoint=0x10FFFF)
TEXT = st.lists(st.one_of(_PIECES, _PIECES, _CHARS), max_size=40).map("".join)


@pytest.fixture(scope="module")
def scanners(core: ModuleType) -> dict[str, Any]:
    return {name: core.PatternScanner(name) for name in NAMES}


def _check(scanners: dict[str, Any], text: str) -> None:
    for name in NAMES:
        found = [m.span() for m in COMPILED[name].finditer(text)]
        scanner = scanners[name]
        assert scanner.spans(text) == found, (name, text)
        words = [text[s:e] for s, e in found]
        assert scanner.words(text) == words, (name, text)
        assert scanner.byte_words(text) == [_byte_map(w) for w in words], (name, text)


# ---------------------------------------------------------------------------------------------
# Surface


def test_both_cores_have_the_scanner(core: ModuleType) -> None:
    assert core.SCAN_NAMES == (
        "byte_level", "gpt2", "cl100k_base", "o200k_base", "llama3", "qwen2", "qwen3_5", "tekken"
    )  # fmt: skip
    scanner = core.PatternScanner("gpt2")
    assert scanner.name == "gpt2" and repr(scanner) == "PatternScanner('gpt2')"
    with pytest.raises(ValueError, match="cl100k_base"):
        core.PatternScanner("p50k_base")


def test_pure_patterns_are_the_pre_tokenizer_ones() -> None:
    assert _pyscan.SCAN_PATTERNS == ORACLE


def test_byte_table_is_gpt2s() -> None:
    everything = "".join(map(chr, range(256)))
    assert _pyscan._byte_chars(everything) == _byte_map(everything)


# ---------------------------------------------------------------------------------------------
# Golden cases (derived by hand from the patterns)


def test_golden(scanners: dict[str, Any]) -> None:
    text = "IT'S ſ'ſ 12345  x\r\n\n  y"
    assert scanners["byte_level"].words(text) == [
        "IT", "'", "S", " ſ", "'", "ſ", " 12345", " ", " x", "\r\n\n ", " y"
    ]  # fmt: skip
    assert scanners["gpt2"].words(text) == scanners["byte_level"].words(text)
    # cl100k: (?i) contractions ("'S", and "'ſ" since ſ folds to s), at most 3 digits,
    # whitespace up to the last newline, then "\s+(?!\S)" leaves a space for " y".
    assert scanners["cl100k_base"].words(text) == [
        "IT", "'S", " ſ", "'ſ", " ", "123", "45", " ", " x", "\r\n\n", " ", " y"
    ]  # fmt: skip
    # o200k: an upper run then a lower run form one word; the contraction joins it.
    assert scanners["o200k_base"].words("HELLOworld's CamelCase\u0301 x/\n/") == [
        "HELLOworld's", " Camel", "Case\u0301", " x", "/\n/"
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Properties


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_scanner_equals_regex(scanners: dict[str, Any], text: str) -> None:
    _check(scanners, text)


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXT, max_size=8), st.booleans())
def test_counter_equals_counter_of_byte_words(
    core: ModuleType, texts: list[str], add_prefix_space: bool
) -> None:
    for name in NAMES:
        counter = core.ByteWordCounter(core.PatternScanner(name), add_prefix_space)
        counter.add(texts[:3])
        counter.add(iter(texts[3:]))
        expected: Counter[str] = Counter()
        for text in texts:
            if add_prefix_space and text and not text.startswith(" "):
                text = " " + text
            expected.update(_byte_map(w) for w in COMPILED[name].findall(text))
        got = counter.to_dict()
        assert got == expected and list(got) == list(expected)  # first-seen order too
        assert len(counter) == len(expected)


def test_counter_refuses_non_str(core: ModuleType) -> None:
    counter = core.ByteWordCounter(core.PatternScanner("gpt2"))
    with pytest.raises(TypeError, match="bytes"):
        counter.add(["ok", b"no"])


def test_counter_grows_past_its_first_table(core: ModuleType) -> None:
    counter = core.ByteWordCounter(core.PatternScanner("cl100k_base"))
    texts = [f"w{i} w{i % 7}" for i in range(5000)]
    counter.add(texts)
    expected = Counter(_byte_map(w) for t in texts for w in COMPILED["cl100k_base"].findall(t))
    assert counter.to_dict() == expected


def _space_words_oracle(texts: list[str]) -> tuple[Counter[str], Counter[str]]:
    # Written out line by line (the cores split the joined text in one pass).
    words: Counter[str] = Counter()
    lasts: Counter[str] = Counter()
    for text in texts:
        for line in text.split("\n"):
            found = [w for w in line.split(" ") if w]
            words.update(found)
            if found:
                lasts[found[-1]] += 1
    return words, lasts


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "ab", " ", "  ", "\n", "\t", ".", "\r"])).map("".join),
        max_size=5,
    ),
    st.booleans(),
)
def test_space_word_counter_equals_split_lines(
    core: ModuleType, texts: list[str], sentence_ends: bool
) -> None:
    counter = core.SpaceWordCounter(sentence_ends)
    for text in texts:
        counter.add(text)
    words, lasts = counter.to_dicts()
    want_words, want_lasts = _space_words_oracle(texts)
    assert words == want_words and list(words) == list(want_words)  # first-seen order too
    if sentence_ends:
        assert lasts == want_lasts and list(lasts) == list(want_lasts)
    else:
        assert lasts == {}


_TABLE_CHARS = "ab.,xX \t\x00"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from([*_TABLE_CHARS, "\n"])).map("".join), max_size=4),
    st.lists(
        st.sampled_from(["", " ", "a", "z", " . ", " q ", None]),
        min_size=len(_TABLE_CHARS),
        max_size=len(_TABLE_CHARS),
    ),
    st.booleans(),
)
def test_space_word_counter_with_a_table(
    core: ModuleType, texts: list[str], choices: list[str | None], sentence_ends: bool
) -> None:
    """With a table, the words are those of each line translated, then split at spaces."""
    table = [chr(c) for c in range(128)]
    for ch, out in zip(_TABLE_CHARS, choices):
        table[ord(ch)] = ch if out is None else out
    table[10] = " "
    counter = core.SpaceWordCounter(sentence_ends, table)
    for text in texts:
        counter.add(text)
    words, lasts = counter.to_dicts()
    mapping = dict(enumerate(table))
    lines = ["\n".join(t.translate(mapping) for t in text.split("\n")) for text in texts]
    want_words, want_lasts = _space_words_oracle(lines)
    assert words == want_words and list(words) == list(want_words)
    assert lasts == (want_lasts if sentence_ends else {})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(st.sampled_from(list("ab ,\néÉ中ßx")), max_size=20), max_size=5))
def test_space_word_counter_with_rules_outside_ascii(core: ModuleType, texts: list[str]) -> None:
    """Chars outside ASCII follow the rule function; a text with an uncovered char (rule
    None: here "x" is not, but "ß" is) is refused whole, and nothing of it is counted."""
    rules = {"é": "e", "É": "ee", "中": " 中 ", "ß": None}
    table = [chr(c) for c in range(128)]
    table[ord(",")] = " , "
    table[10] = " "
    counter = core.SpaceWordCounter(False, table, rules.get)
    taken = []
    for text in texts:
        assert counter.add(text) == ("ß" not in text)
        if "ß" not in text:
            taken.append(
                "".join(str(rules.get(ch, table[ord(ch)] if ch.isascii() else ch)) for ch in text)
            )
    assert counter.to_dicts()[0] == dict(_space_words_oracle(taken)[0])
    assert len(counter) == len(_space_words_oracle(taken)[0])
    with pytest.raises(ValueError, match="not a rule"):
        core.SpaceWordCounter(False, table, lambda ch: "a b").add("é")
    with pytest.raises(ValueError, match="needs a table"):
        core.SpaceWordCounter(False, None, rules.get)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([" "] * 127, "128 entries"),
        ([" "] * 127 + ["ab"], "a char or ' c '"),
        ([" "] * 127 + ["\u00e9"], "ASCII"),
        ([" "] * 127 + ["\n"], "newline"),
        (["a"] * 128, "newline"),
    ],
)
def test_space_word_counter_refuses_bad_tables(
    core: ModuleType, table: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        core.SpaceWordCounter(False, table)


def test_space_word_counter_refuses_non_ascii_and_grows(core: ModuleType) -> None:
    counter = core.SpaceWordCounter(True)
    with pytest.raises(ValueError, match="ASCII"):
        counter.add("caf\u00e9")
    texts = [" ".join(f"w{i} w{i % 7}" for i in range(j, j + 50)) for j in range(0, 5000, 50)]
    for text in texts:
        counter.add(text)
    assert counter.to_dicts() == tuple(map(dict, _space_words_oracle(texts)))


# ---------------------------------------------------------------------------------------------
# Every code point: the class table must equal `regex`'s


def _code_points() -> list[str]:
    # Every code point up to the end of the last assigned plane-3 block and the tags block,
    # then every 97th of the rest (unassigned and private use); surrogates included.
    cps = [*range(0x32400), *range(0xE0000, 0xE0200), *range(0x32400, 0x110000, 97)]
    return [chr(c) for c in cps]


@pytest.mark.parametrize("sep", [" ", "a", "A", "1", "'", "\n", "\u0301", "'l"])
def test_every_code_point_in_context(core: ModuleType, scanners: dict[str, Any], sep: str) -> None:
    if core.__name__.endswith("_pycore"):
        pytest.skip("the pure core is regex itself")
    text = sep.join(_code_points())
    for name in NAMES:
        assert scanners[name].spans(text) == [m.span() for m in COMPILED[name].finditer(text)]


# ---------------------------------------------------------------------------------------------
# Real text


def test_every_pydoc_line(scanners: dict[str, Any]) -> None:
    for line in pydoc_lines():
        _check(scanners, line)


def test_every_multilingual_line(scanners: dict[str, Any]) -> None:
    for line in multilingual_lines(keepends=True):
        _check(scanners, line)


# ---------------------------------------------------------------------------------------------
# Wiring: the pre-tokenizers and the word counter give what the regex paths give


@pytest.fixture
def no_scanner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pre_tokenizers, "_scanner", lambda pattern: None)


def _regex_results(text: str) -> list[Any]:
    out: list[Any] = []
    for aps in (False, True):
        out.append(ByteLevel(add_prefix_space=aps).words(text))
        out.append(ByteLevel(add_prefix_space=aps).split(text))
    for name, pattern in {**PATTERNS, **SCAN_PATTERNS}.items():
        if name in PATTERNS:
            pre = get_pre_tokenizer(name)
            out += [pre.words(text), pre.split(text)]
        for behavior in ("removed", "isolated", "merged_with_next", "contiguous"):
            for invert in (False, True):
                split = Split(pattern, behavior, invert)
                out += [split.words(text), split.split(text)]
    return out


@settings(max_examples=60, deadline=None)
@given(TEXT)
def test_pre_tokenizers_unchanged(text: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pre_tokenizers, "_scanner", lambda pattern: None)
        expected = _regex_results(text)
    assert _regex_results(text) == expected


def test_native_paths_are_taken() -> None:
    from tokenlab import _backend

    if _backend.BACKEND != "cython":
        pytest.skip("pure core: the pre-tokenizers call regex directly")
    assert pre_tokenizers._byte_word_scanner(ByteLevel()) is not None
    assert pre_tokenizers._byte_word_scanner(get_pre_tokenizer("o200k_base")) is not None
    assert pre_tokenizers._byte_word_scanner(ByteLevel(use_regex=False)) is None
    # A literal Split whose text happens to be a pattern is not that pattern.
    literal = Sequence([Split(PATTERNS["gpt2"], literal=True), ByteLevel(use_regex=False)])
    assert pre_tokenizers._byte_word_scanner(literal) is None


@pytest.mark.parametrize("setup", ["byte-level", "prefix", "gpt2", "cl100k_base", "o200k_base"])
def test_count_words_unchanged(monkeypatch: pytest.MonkeyPatch, setup: str) -> None:
    pre = ByteLevel(add_prefix_space=True) if setup == "prefix" else get_pre_tokenizer(setup)
    lines = [*pydoc_lines(3000), "", "x\U0001f600 \ud800'S\r\n", "ab" * 3000]
    got = corpus.count_words(lines, None, pre)
    monkeypatch.setattr(pre_tokenizers, "_scanner", lambda pattern: None)
    expected = corpus.count_words(lines, None, pre)
    assert got == expected and list(got) == list(expected)
