"""The scanner's ASCII fast path (``_scan.pxi``) cuts exactly where ``regex`` does.

The native letter runs skip ASCII letters 8 chars (1-byte text) or 4 chars (2-byte text)
per 64-bit word before the per-char loop goes on. These tests build text where that
matters: long ASCII runs at every alignment, in each of the three string kinds, cut by
the ASCII chars next to the letters ('@' '[' '`' '{'), by apostrophes, digit runs, spaces
before newlines, tabs and ``\\r\\n``, and by non-ASCII chars right after an ASCII run,
including those whose low byte or low 7 bits read as an ASCII letter but which are not
letters (U+00D7, U+00F7, U+2061, U+2161 is a number) or are letters of another case
(U+00E1, U+017F, U+0161, U+1E61, U+FF41). The oracle is ``regex`` on every published
pattern (tests/test_scan.py covers the short, mixed pieces).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab._patterns import SCAN_PATTERNS
from tokenlab.pre_tokenizers import _BYTE_LEVEL_PATTERN, PATTERNS

ORACLE = {"byte_level": _BYTE_LEVEL_PATTERN, **PATTERNS, **SCAN_PATTERNS}
COMPILED = {name: regex.compile(p) for name, p in ORACLE.items()}

_LOWER = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20)
_UPPER = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=20)
_MIXED = st.text("abcxyzABCXYZ", min_size=1, max_size=20)
# Non-ASCII chars that look like ASCII letters to a careless mask, and letters of both
# cases (o200k's [UP]*[LO]+ runs), marks, and chars that set a 2- or 4-byte kind.
_NON_ASCII = st.sampled_from(
    ["\u00d7", "\u00f7", "\u00e1", "\u00c1", "\u00e9", "\u017f", "\u0161", "\u0141",
     "\u1e61", "\u2061", "\u2161", "\uff41", "\uff21", "\u0301", "\u00a0", "\u3000",
     "\u4e2d", "\U0001f600", "\U0001d41a", "\u0100", "\u0080", "\u00ff"]
)  # fmt: skip
_ASCII_BITS = st.sampled_from(
    ["'", "'s", "'S", "'re", "'ll", "'ve", "'d", "'t", "'m", "'x", "@", "[", "`", "{", "\x7f",
     "_", "0", "12", "123", "1234", "12345", " ", "  ", "    ", "         ", "\t", "\n",
     " \n", "  \n", "\r\n", " \r\n", "\n\n", ".", "...", "()", "->", "/", "//", "\x00"]
)  # fmt: skip
_PIECE = st.one_of(
    _LOWER,
    _LOWER,
    _UPPER,
    _MIXED,
    _MIXED,
    _ASCII_BITS,
    _ASCII_BITS,
    _NON_ASCII,
    _LOWER.map(lambda w: " " + w),
)
# A lead of 0-7 chars shifts the runs across the 8-char word; the kind char sets the
# string's kind (none: 1-byte ASCII; U+00E9: 1-byte Latin-1; U+0101: 2-byte; an
# astral char: 4-byte) and goes first or last.
TEXT = st.tuples(
    st.text("a A.", max_size=7),
    st.lists(_PIECE, max_size=30).map("".join),
    st.sampled_from(["", "\u00e9", "\u0101", "\U0001f600"]),
    st.booleans(),
).map(lambda t: t[0] + (t[2] + t[1] if t[3] else t[1] + t[2]))


@pytest.fixture(scope="module")
def scanners(core: ModuleType) -> dict[str, Any]:
    return {name: core.PatternScanner(name) for name in ORACLE}


def _check(scanners: dict[str, Any], text: str) -> None:
    for name, compiled in COMPILED.items():
        assert scanners[name].spans(text) == [m.span() for m in compiled.finditer(text)], (
            name,
            text,
        )


@settings(max_examples=600, deadline=None)
@given(TEXT)
def test_ascii_runs_equal_regex(scanners: dict[str, Any], text: str) -> None:
    _check(scanners, text)


@pytest.mark.parametrize("kind", ["", "\u00e9", "\u0101", "\U0001f600"])
def test_every_run_length_and_stop_char(
    core: ModuleType, scanners: dict[str, Any], kind: str
) -> None:
    if core.__name__.endswith("_pycore"):
        pytest.skip("the pure core is regex itself")
    # Every run length 0-17 of each letter class and of spaces, at every alignment 0-7,
    # followed by every stop char the text's kind allows (0-0xFF for 1-byte text, to
    # 0x17F and a few beyond for wider kinds; a wider stop would widen the text and skip
    # the path under test): every lane the word check can stop in, ASCII or not.
    stops = [chr(c) for c in range(0x100)]
    if kind in ("\u0101", "\U0001f600"):
        stops += [chr(c) for c in range(0x100, 0x180)] + ["\u2061", "\u1e61", "\uff41"]
    if kind == "\U0001f600":
        stops.append("\U0001d41a")
    for word in ("helloworldabcdefgh", "HELLOWORLDABCDEFG", "HelloWorldAbcdeFG", " " * 18):
        for lead in range(8):
            for length in range(18):
                base = kind + "x" * lead + " " + word[:length]
                _check(scanners, "".join(base + stop for stop in stops))
