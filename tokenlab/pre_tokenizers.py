"""Pre-tokenizers: cut normalized text into the words a subword model sees.

Each pre-tokenizer mirrors a Hugging Face ``tokenizers`` component of the same name and
reads/writes the same ``tokenizer.json`` dict (``to_dict`` / :func:`pre_tokenizer_from_dict`):

- :class:`Whitespace` -- ``\\w+|[^\\w\\s]+``.
- :class:`WhitespaceSplit` -- split on Unicode whitespace.
- :class:`ByteLevel` -- optional GPT-2 regex split, then every UTF-8 byte mapped to a
  printable char through :func:`bytes_to_unicode`.
- :class:`Split` -- split on a regex with one of HF's five delimiter behaviours.
- :class:`BertPreTokenizer` -- split on whitespace, then isolate each punctuation char.
- :class:`Metaspace` -- SentencePiece's whitespace: spaces become ``"▁"`` (U+2581), one is
  prepended, and the text is cut before each ``"▁"``.
- :class:`Sequence` -- each stage splits the pieces of the previous one.

:func:`get_pre_tokenizer` builds the named set-ups ("whitespace", "whitespace-split", "bert",
"byte-level", "gpt2", "cl100k_base", "o200k_base"); :data:`PATTERNS` holds tiktoken's split
regexes.

Offsets are char offsets (Python ``str`` indices) into the string given to ``split``, as
``tokenizers``' ``pre_tokenize_str`` reports them. ``words`` is the fast path used by
training: it returns the same texts as ``split`` without building offsets.

Differences from ``tokenizers`` (0.23), all deliberate or out of scope:

- Regexes run on the ``regex`` module, not Oniguruma. The character classes (``\\w``,
  ``\\s``, ``\\p{L}``, ``\\p{N}``) agree on every code point assigned up to Unicode 14
  (checked one by one against tokenizers 0.23 for Whitespace, WhitespaceSplit, ByteLevel and
  the three tiktoken patterns). The ``regex`` module's tables are newer than Oniguruma's,
  so about 17,500 code points assigned only in the latest Unicode versions (e.g. U+0558) are
  word chars or letters for us but not for HF.
- Oniguruma (Ruby syntax) reads ``X{n,m}+`` as ``(X{n,m})+``, not as a possessive
  interval, so HF splits cl100k's ``\\p{N}{1,3}+`` into runs of ANY number of digits. We
  follow the ``regex`` module and tiktoken (possessive: at most three digits). A
  ``tokenizer.json`` whose Split pattern relies on Oniguruma's reading splits differently.
  ``Split.to_dict`` writes such an interval as an atomic group, ``(?>\\p{N}{1,3})``,
  which both engines read as tiktoken does, so a written file encodes the same in
  ``tokenizers``; reading it back gives the named pattern again (and its native scanner).
- ``ByteLevel(add_prefix_space=True)`` follows HF: a space is added unless the piece
  already starts with ``" "`` -- a piece starting with a tab or newline still gets one.
- ``trim_offsets`` is stored and round-tripped only; like HF it affects post-processing,
  not pre-tokenization.
- ``BertPreTokenizer``: HF tests punctuation with an old Unicode category table (roughly
  Unicode 8). We reproduce it: ``regex``'s ``\\p{P}`` corrected by exception lists found by
  running every code point through tokenizers 0.23 (so, like HF, U+2E43..U+2E4F are not
  isolated, and U+166D, now a symbol, still is).
- ``Metaspace(prepend_scheme="first")`` prepends only to a piece that starts at offset 0 of
  the string given to ``split`` (inside a :class:`Sequence`: of the Sequence's input). HF
  tests offset 0 of the ORIGINAL, pre-normalization string, so with a normalizer that
  removes leading chars HF prepends nothing where we prepend one.
- ``Metaspace`` from an old ``tokenizer.json`` with ``"add_prefix_space": false`` and no
  ``prepend_scheme`` loads as ``prepend_scheme="never"`` (what such files meant);
  tokenizers 0.23 refuses that dict ("add_prefix_space does not match declared
  prepend_scheme").
- ``Punctuation`` uses BertPreTokenizer's punctuation class (HF: the same predicate);
  ``Digits`` splits on Unicode category N (Rust's ``char::is_numeric``);
  ``UnicodeScripts`` takes each char's script from the ``regex`` module's tables (HF has
  its own table), with HF's fixes: a space belongs to every script, Hiragana, Katakana
  and U+30FC count as Han.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass
from typing import Any

import regex
import regex._regex_core as regex_core

from tokenlab._backend import BACKEND, ByteWordCounter, PatternScanner
from tokenlab._component import Component, dict_field
from tokenlab._patterns import BYTE_LEVEL_PATTERN as _BYTE_LEVEL_PATTERN
from tokenlab._patterns import PATTERNS, SCAN_PATTERNS, SCAN_SPELLINGS
from tokenlab.errors import ConfigError, ModelFileError

__all__ = [
    "PATTERNS",
    "PRE_TOKENIZER_TYPES",
    "BertPreTokenizer",
    "ByteLevel",
    "ByteLevelSetup",
    "CharDelimiterSplit",
    "Digits",
    "FixedLength",
    "Metaspace",
    "PreToken",
    "PreTokenizer",
    "Punctuation",
    "Sequence",
    "Split",
    "UnicodeScripts",
    "Whitespace",
    "WhitespaceSplit",
    "byte_level_setup",
    "bytes_to_unicode",
    "get_pre_tokenizer",
    "pre_tokenizer_from_dict",
    "unicode_to_bytes",
]

# tiktoken's split patterns and Hugging Face's ByteLevel regex: tokenlab/_patterns.py.

_WHITESPACE_RE = regex.compile(r"\w+|[^\w\s]+")
_NON_SPACE_RE = regex.compile(r"\S+")
# Chars Python's str.split() treats as whitespace but Unicode (and Rust) does not.
_PY_ONLY_SPACE_RE = regex.compile(r"[\x1c-\x1f]")
_BYTE_LEVEL_RE = regex.compile(_BYTE_LEVEL_PATTERN)

# The fixed patterns the native core matches without a regex engine (_scan.pxi), with
# results identical to the `regex` module's: pattern -> scanner name. Those of
# SCAN_PATTERNS and the other published spellings of them (SCAN_SPELLINGS), matched as
# exact strings: any other pattern runs on the regex engine.
_SCAN_NAME_OF = {**SCAN_SPELLINGS, **{p: n for n, p in SCAN_PATTERNS.items()}}


@functools.cache
def _native_scanner(name: str) -> Any:
    return PatternScanner(name) if BACKEND == "cython" else None


def _scanner(pattern: str) -> Any:
    """The native scanner of ``pattern``, or None (another pattern, or the pure core).

    On the pure core the pre-tokenizers keep calling ``regex`` themselves, which is all
    its scanner would do.
    """
    name = _SCAN_NAME_OF.get(pattern)
    return None if name is None else _native_scanner(name)


@functools.lru_cache(maxsize=1)
def _byte_table() -> tuple[str, ...]:
    # GPT-2's table: printable Latin-1 bytes map to themselves, the other 68 bytes (controls,
    # space, DEL, NBSP, soft hyphen) map in order to U+0100, U+0101, ...
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    table = [""] * 256
    for b in printable:
        table[b] = chr(b)
    n = 0
    for b in range(256):
        if not table[b]:
            table[b] = chr(0x100 + n)
            n += 1
    return tuple(table)


def bytes_to_unicode() -> dict[int, str]:
    """Return GPT-2's byte -> printable char table (256 entries).

    Returns:
        A new dict from every byte value to a single char.

    >>> t = bytes_to_unicode()
    >>> t[ord("a")], t[0x20], t[0x0A]
    ('a', 'Ġ', 'Ċ')
    """
    return dict(enumerate(_byte_table()))


def unicode_to_bytes() -> dict[str, int]:
    """Return the inverse of :func:`bytes_to_unicode` (mapped char -> byte value).

    >>> unicode_to_bytes()["Ġ"]
    32
    """
    return {ch: b for b, ch in enumerate(_byte_table())}


# str.translate table: a Latin-1 decoded byte string -> the mapped chars, all in C.
_LATIN1_TO_MAPPED = {b: ch for b, ch in enumerate(_byte_table())}


def _utf8_len(ch: str) -> int:
    cp = ord(ch)
    return 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4


def _byte_map(text: str) -> str:
    """Map the UTF-8 bytes of ``text`` to GPT-2 chars (one char per byte)."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1").translate(_LATIN1_TO_MAPPED)


@dataclass(frozen=True)
class PreToken:
    """One word produced by a pre-tokenizer.

    Attributes:
        text: The word as the model sees it (for ByteLevel: the byte-mapped chars).
        start: Char offset of the word's first source char in the input string.
        end: Char offset one past the word's last source char.
        char_map: For each char of ``text``, the index in the input string of the char it
            comes from; ``None`` means identity (``text[i]`` comes from ``input[start + i]``).
            A char with no source (the space added by ``add_prefix_space``) maps to -1.

    >>> PreToken("hi", 3, 5).offsets
    (3, 5)
    """

    text: str
    start: int
    end: int
    char_map: tuple[int, ...] | None = None

    @property
    def offsets(self) -> tuple[int, int]:
        """``(start, end)``, the shape ``tokenizers`` uses."""
        return (self.start, self.end)

    def sources(self) -> tuple[int, ...]:
        """Return the explicit char map (materializing the identity when it is ``None``)."""
        if self.char_map is not None:
            return self.char_map
        return tuple(range(self.start, self.start + len(self.text)))


class PreTokenizer(Component):
    """Base class: subclasses implement :meth:`split` and usually a faster :meth:`words`."""

    def split(self, text: str) -> list[PreToken]:
        """Cut ``text`` into words with offsets into ``text``.

        Args:
            text: The (normalized) input.

        Returns:
            The words in order; never empty strings.
        """
        raise NotImplementedError

    def words(self, text: str) -> list[str]:
        """Return ``[p.text for p in self.split(text)]``, faster (the training path)."""
        return [p.text for p in self.split(text)]

    def _split_from(self, text: str, at_origin: bool) -> list[PreToken]:
        # ``split`` for a piece of a larger input: ``at_origin`` tells whether the piece
        # starts at offset 0 of it. Only Metaspace(prepend_scheme="first") cares.
        return self.split(text)

    def pre_tokenize_str(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Return ``[(word, (start, end)), ...]`` like ``tokenizers``' ``pre_tokenize_str``."""
        return [(p.text, (p.start, p.end)) for p in self.split(text)]


def _regex_tokens(pattern: regex.Pattern[str], text: str) -> list[PreToken]:
    return [PreToken(m.group(), m.start(), m.end()) for m in pattern.finditer(text)]


class Whitespace(PreTokenizer):
    r"""Split into runs of word chars and runs of other non-space chars (``\w+|[^\w\s]+``).

    >>> Whitespace().pre_tokenize_str("Hi, you!")
    [('Hi', (0, 2)), (',', (2, 3)), ('you', (4, 7)), ('!', (7, 8))]
    """

    def split(self, text: str) -> list[PreToken]:
        return _regex_tokens(_WHITESPACE_RE, text)

    def words(self, text: str) -> list[str]:
        return _WHITESPACE_RE.findall(text)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Whitespace"}


class WhitespaceSplit(PreTokenizer):
    """Split on whitespace only (Unicode ``White_Space``, as Rust's ``char::is_whitespace``).

    >>> WhitespaceSplit().pre_tokenize_str("Hi, you!")
    [('Hi,', (0, 3)), ('you!', (4, 8))]
    """

    def split(self, text: str) -> list[PreToken]:
        return _regex_tokens(_NON_SPACE_RE, text)

    def words(self, text: str) -> list[str]:
        # str.split() is the fastest splitter, but it also splits on U+001C..U+001F, which
        # are not Unicode whitespace; only then take the regex path.
        if _PY_ONLY_SPACE_RE.search(text) is None:
            return text.split()
        return _NON_SPACE_RE.findall(text)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "WhitespaceSplit"}


class ByteLevel(PreTokenizer):
    """GPT-2 byte-level pre-tokenizer: optional regex split, then bytes mapped to chars.

    Every UTF-8 byte of a word becomes one char of :func:`bytes_to_unicode`, so a model over
    these chars never meets an unknown char. ``char_map`` gives, for every mapped char, the
    index of the input char whose byte it is.

    Args:
        add_prefix_space: Prepend a space to a piece that does not start with ``" "`` (so the
            first word is treated like the others). HF's default is ``True``; ours is
            ``False`` because that is what GPT-2-style training wants by default.
        trim_offsets: Stored for ``tokenizer.json``; it only matters in post-processing.
        use_regex: Split with the GPT-2 regex first; otherwise the whole piece is one word.

    >>> ByteLevel().pre_tokenize_str("Hi é")
    [('Hi', (0, 2)), ('ĠÃ©', (2, 4))]
    >>> ByteLevel(add_prefix_space=True).words("Hi")
    ['ĠHi']
    """

    def __init__(
        self, add_prefix_space: bool = False, trim_offsets: bool = True, use_regex: bool = True
    ) -> None:
        self.add_prefix_space = bool(add_prefix_space)
        self.trim_offsets = bool(trim_offsets)
        self.use_regex = bool(use_regex)

    @staticmethod
    def alphabet() -> list[str]:
        """Return the 256 mapped chars, in byte order."""
        return list(_byte_table())

    def _prepare(self, text: str) -> tuple[str, int]:
        # HF checks for a literal " ", not for any whitespace.
        if self.add_prefix_space and not text.startswith(" "):
            return " " + text, 1
        return text, 0

    def split(self, text: str) -> list[PreToken]:
        if not text:
            return []
        work, shift = self._prepare(text)
        scanner = _scanner(_BYTE_LEVEL_PATTERN) if self.use_regex else None
        if scanner is not None:
            spans = scanner.spans(work)
            mapped_words = scanner.byte_words(work)
        else:
            if self.use_regex:
                spans = [m.span() for m in _BYTE_LEVEL_RE.finditer(work)]
            else:
                spans = [(0, len(work))]
            mapped_words = [_byte_map(work[s:e]) for s, e in spans]
        out = []
        for (s, e), mapped in zip(spans, mapped_words):
            start = s - shift
            if start < 0:
                # The added space has no source; for offsets HF aligns it with the first char.
                start = 0
            end = max(e - shift, start + 1)
            char_map: tuple[int, ...] | None = None
            if len(mapped) != e - s or s - shift < 0:
                cm: list[int] = []
                for i, ch in enumerate(work[s:e], s - shift):
                    if ch < "\x80":
                        cm.append(i)
                    else:
                        cm.extend([i] * _utf8_len(ch))
                char_map = tuple(cm)
            out.append(PreToken(mapped, start, end, char_map))
        return out

    def words(self, text: str) -> list[str]:
        if not text:
            return []
        work, _ = self._prepare(text)
        if not self.use_regex:
            return [_byte_map(work)]
        scanner = _scanner(_BYTE_LEVEL_PATTERN)
        if scanner is not None:
            return scanner.byte_words(work)
        return [_byte_map(piece) for piece in _BYTE_LEVEL_RE.findall(work)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "ByteLevel",
            "add_prefix_space": self.add_prefix_space,
            "trim_offsets": self.trim_offsets,
            "use_regex": self.use_regex,
        }


# HF's BertPreTokenizer tests punctuation with an old Unicode table (about Unicode 8). These
# are the differences from the `regex` module's \p{P}, found by running every code point
# through tokenizers 0.23: chars it does not isolate, and two it still isolates although
# Unicode has since recategorized them (U+166D is now So, U+111C9 Mn).
_HF_NOT_PUNCT = (
    "61D 9FD A76 C77 C84 1B4E-1B4F 1B7D-1B7F 2E43-2E4F 2E52-2E5D 2E60-2E63 10D6E 10EAD "
    "10ED0 10F55-10F59 10F86-10F89 113D4-113D5 113D7-113D8 1144B-1144F 1145A-1145B 1145D "
    "11660-1166C 116B9 1183B 11944-11946 119E2 11A3F-11A46 11A9A-11A9C 11A9E-11AA2 "
    "11B00-11B09 11BE1 11C41-11C45 11C70-11C71 11EF7-11EF8 11F43-11F4F 11FFF 12FF1-12FF2 "
    "16D6D-16D6F 16E97-16E9A 16FE2 1E5FF 1E95E-1E95F"
)
_HF_EXTRA_PUNCT = "166D 111C9"


def _hex_class(ranges: str) -> str:
    """Turn ``"5C8-5C9 7FD"`` (hex code points and ranges) into regex class items."""
    items = []
    for item in ranges.split():
        lo, _, hi = item.partition("-")
        items.append(f"\\U{int(lo, 16):08X}" + (f"-\\U{int(hi, 16):08X}" if hi else ""))
    return "".join(items)


# BERT punctuation: all of ASCII's punctuation (Rust's is_ascii_punctuation, which includes
# symbols such as $ + < = > ^ ` | ~) plus Unicode P* (in HF's table).
_BERT_PUNCT = (
    f"[[\\p{{P}}--[{_hex_class(_HF_NOT_PUNCT)}]]{_hex_class(_HF_EXTRA_PUNCT)}!-/:-@\\[-`{{-~]"
)
# Unicode White_Space (Rust's char::is_whitespace); U+001C..U+001F are not whitespace.
_UNICODE_SPACE = (
    "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
_BERT_RE = regex.compile(f"[^{_UNICODE_SPACE}{_BERT_PUNCT[1:-1]}]+|{_BERT_PUNCT}", regex.V1)


class BertPreTokenizer(PreTokenizer):
    """BERT's pre-tokenizer: split on whitespace (dropped), then isolate every punctuation char.

    Punctuation is ASCII punctuation (symbols such as ``$`` and ``+`` included) or Unicode
    category P*, as ``tokenizers`` defines it; each such char is a word of its own.

    >>> BertPreTokenizer().pre_tokenize_str("Hi, $5!")
    [('Hi', (0, 2)), (',', (2, 3)), ('$', (4, 5)), ('5', (5, 6)), ('!', (6, 7))]
    """

    def split(self, text: str) -> list[PreToken]:
        return _regex_tokens(_BERT_RE, text)

    def words(self, text: str) -> list[str]:
        return _BERT_RE.findall(text)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BertPreTokenizer"}


# An atom (\p{..}, an escape, a class or a plain char) with a possessive interval
# quantifier X{n,m}+, which Oniguruma reads as (X{n,m})+.
_POSSESSIVE_INTERVAL = regex.compile(
    r"(\\[pP]\{[^}]*\}|\\.|\[(?:\\.|[^\]\\])*\]|[^\\\[\](){}|?*+])(\{\d+(?:,\d*)?\})\+"
)


def onig_pattern(pattern: str) -> str:
    r"""``pattern`` with every possessive interval ``X{n,m}+`` written ``(?>X{n,m})``.

    Both ``regex`` and Oniguruma read the atomic group as tiktoken reads the possessive
    interval; Oniguruma alone reads ``X{n,m}+`` as ``(X{n,m})+``.

    >>> print(onig_pattern(r"\p{N}{1,3}+|a"))
    (?>\p{N}{1,3})|a
    """
    return _POSSESSIVE_INTERVAL.sub(r"(?>\1\2)", pattern)


#: The written (Oniguruma-safe) form of each named pattern -> the named pattern.
_FROM_ONIG = {onig_pattern(p): p for p in (*PATTERNS.values(), *SCAN_PATTERNS.values())}


_BEHAVIORS = {
    "removed": "Removed",
    "isolated": "Isolated",
    "merged_with_previous": "MergedWithPrevious",
    "merged_with_next": "MergedWithNext",
    "contiguous": "Contiguous",
}
_BEHAVIOR_KEYS = {k.replace("_", ""): k for k in _BEHAVIORS}


class Split(PreTokenizer):
    """Split on a regex, with Hugging Face's delimiter behaviours.

    The text is cut into alternating non-matching and matching spans (``invert`` swaps the
    two roles), then:

    - ``removed``: drop the matches;
    - ``isolated``: every span is a word;
    - ``merged_with_previous`` / ``merged_with_next``: a match is glued to the span before /
      after it;
    - ``contiguous``: consecutive matches are merged into one word.

    Args:
        pattern: A regex for the ``regex`` module (possessive quantifiers and ``\\p{..}``
            work), or a plain string when ``literal`` is true.
        behavior: One of the five names above (``"MergedWithNext"`` spelling is accepted too).
        invert: Treat the non-matching spans as the delimiters.
        literal: ``pattern`` is a plain string, written as ``{"String": ...}`` in JSON.

    Raises:
        ConfigError: Unknown behaviour, empty pattern, or a regex that does not compile.

    >>> Split(r"-", "removed").words("a-b--c")
    ['a', 'b', 'c']
    >>> Split(r"-", "merged_with_previous").words("a-b--c")
    ['a-', 'b-', '-', 'c']
    """

    def __init__(
        self,
        pattern: str,
        behavior: str = "isolated",
        invert: bool = False,
        *,
        literal: bool = False,
    ) -> None:
        key = _BEHAVIOR_KEYS.get(str(behavior).replace("_", "").lower())
        if key is None:
            raise ConfigError(
                f"unknown Split behavior {behavior!r}; use one of {', '.join(_BEHAVIORS)}"
            )
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(f"Split pattern must be a non-empty string, got {pattern!r}")
        if not literal:
            pattern = _FROM_ONIG.get(pattern, pattern)
        try:
            self._re = regex.compile(regex.escape(pattern) if literal else pattern)
        except regex.error as e:
            raise ConfigError(f"Split pattern {pattern!r} is not a valid regex: {e}") from e
        self.pattern = pattern
        self.behavior = key
        self.invert = bool(invert)
        self.literal = bool(literal)

    def _spans(self, text: str) -> list[tuple[int, int]]:
        if not text:
            return []
        invert = self.invert
        scanner = None if self.literal else _scanner(self.pattern)
        if scanner is not None:
            # A fixed pattern matches every char and never matches empty: no gaps.
            spans = scanner.spans(text)
            return _apply_behavior([(s, e, not invert) for s, e in spans], self.behavior)
        parts: list[tuple[int, int, bool]] = []
        prev = 0
        last_end = -1
        for m in self._re.finditer(text):
            s, e = m.span()
            # Rust/Oniguruma iterators never yield an empty match right where the previous
            # match ended; Python's do. Skipping it keeps the split points identical.
            if s == e == last_end:
                continue
            if s != prev:
                parts.append((prev, s, invert))
            parts.append((s, e, not invert))
            prev = last_end = e
        if prev != len(text):
            parts.append((prev, len(text), invert))
        return [(s, e) for s, e in _apply_behavior(parts, self.behavior) if e > s]

    def split(self, text: str) -> list[PreToken]:
        return [PreToken(text[s:e], s, e) for s, e in self._spans(text)]

    def words(self, text: str) -> list[str]:
        if self.behavior == "isolated" and not self.invert:
            scanner = None if self.literal else _scanner(self.pattern)
            if scanner is not None:
                return scanner.words(text)
            # Fast path for the tiktoken patterns, which match every char: when the matches
            # cover the whole text there are no gaps, and the words are just the matches.
            found = self._re.findall(text)
            if sum(map(len, found)) == len(text):
                return [w for w in found if w]
        return [text[s:e] for s, e in self._spans(text)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "Split",
            "pattern": {"String": self.pattern}
            if self.literal
            else {"Regex": onig_pattern(self.pattern)},
            "behavior": _BEHAVIORS[self.behavior],
            "invert": self.invert,
        }


def _apply_behavior(parts: list[tuple[int, int, bool]], behavior: str) -> list[tuple[int, int]]:
    """Turn (start, end, is_delimiter) spans into word spans, following HF's rules."""
    if behavior == "removed":
        return [(s, e) for s, e, m in parts if not m]
    if behavior == "isolated":
        return [(s, e) for s, e, _ in parts]
    out: list[tuple[int, int]] = []
    prev_match = False
    if behavior == "merged_with_previous":
        for s, e, m in parts:
            if m and not prev_match and out:
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
            prev_match = m
    elif behavior == "merged_with_next":
        for s, e, m in reversed(parts):
            if m and not prev_match and out:
                out[-1] = (s, out[-1][1])
            else:
                out.append((s, e))
            prev_match = m
        out.reverse()
    else:  # contiguous
        for s, e, m in parts:
            if m == prev_match and out:
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
            prev_match = m
    return out


def _char_spans(text: str, pattern: regex.Pattern[str], behavior: str) -> list[PreToken]:
    """Split where single chars match ``pattern`` (every such char is a delimiter of its
    own, as in tokenizers' char-predicate split), then apply ``behavior``."""
    parts: list[tuple[int, int, bool]] = []
    prev = 0
    for m in pattern.finditer(text):
        s = m.start()
        if s != prev:
            parts.append((prev, s, False))
        parts.append((s, s + 1, True))
        prev = s + 1
    if prev != len(text):
        parts.append((prev, len(text), False))
    return [PreToken(text[s:e], s, e) for s, e in _apply_behavior(parts, behavior) if e > s]


def _behavior_key(behavior: str) -> str:
    key = _BEHAVIOR_KEYS.get(str(behavior).replace("_", "").lower())
    if key is None:
        raise ConfigError(f"unknown behavior {behavior!r}; use one of {', '.join(_BEHAVIORS)}")
    return key


class Punctuation(PreTokenizer):
    """Split on punctuation chars (ASCII punctuation or Unicode P*, as BERT counts them).

    Args:
        behavior: What to do with each punctuation char (see :class:`Split`).

    Raises:
        ConfigError: Unknown behaviour.

    >>> Punctuation().words("Hi, you!")
    ['Hi', ',', ' you', '!']
    """

    def __init__(self, behavior: str = "isolated") -> None:
        self.behavior = _behavior_key(behavior)

    def split(self, text: str) -> list[PreToken]:
        return _char_spans(text, _PUNCT_RE, self.behavior)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Punctuation", "behavior": _BEHAVIORS[self.behavior]}


_NUMERIC_RE = regex.compile(r"\p{N}")
_PUNCT_RE = regex.compile(_BERT_PUNCT, regex.V1)


class Digits(PreTokenizer):
    """Split numbers off the text: runs of digits, or each digit alone.

    Args:
        individual_digits: One word per digit (else a run of digits is one word).

    >>> Digits().words("a123b")
    ['a', '123', 'b']
    >>> Digits(individual_digits=True).words("a12")
    ['a', '1', '2']
    """

    def __init__(self, individual_digits: bool = False) -> None:
        self.individual_digits = bool(individual_digits)

    def split(self, text: str) -> list[PreToken]:
        behavior = "isolated" if self.individual_digits else "contiguous"
        return _char_spans(text, _NUMERIC_RE, behavior)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Digits", "individual_digits": self.individual_digits}


class CharDelimiterSplit(PreTokenizer):
    """Split on one delimiter char, which is removed.

    Args:
        delimiter: The char.

    Raises:
        ConfigError: ``delimiter`` is not exactly one char.

    >>> CharDelimiterSplit("|").words("a|b||c")
    ['a', 'b', 'c']
    """

    def __init__(self, delimiter: str) -> None:
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise ConfigError(f"CharDelimiterSplit needs one char, got {delimiter!r}")
        self.delimiter = delimiter
        self._re = regex.compile(regex.escape(delimiter))

    def split(self, text: str) -> list[PreToken]:
        return _char_spans(text, self._re, "removed")

    def to_dict(self) -> dict[str, Any]:
        return {"type": "CharDelimiterSplit", "delimiter": self.delimiter}


class FixedLength(PreTokenizer):
    """Cut the text into pieces of ``length`` chars (the last one may be shorter).

    Args:
        length: Chars per piece (HF's default: 5).

    Raises:
        ConfigError: ``length`` is not a positive integer.

    >>> FixedLength(2).words("abcde")
    ['ab', 'cd', 'e']
    """

    def __init__(self, length: int = 5) -> None:
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            raise ConfigError(f"FixedLength length must be an integer >= 1, got {length!r}")
        self.length = length

    def split(self, text: str) -> list[PreToken]:
        n = self.length
        return [PreToken(text[i : i + n], i, min(i + n, len(text))) for i in range(0, len(text), n)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "FixedLength", "length": self.length}


# Chars that tokenizers' own (older) script table does not list: they get its "Any"
# script, like a space. Found by running every code point through tokenizers 0.23.
_HF_SCRIPTLESS = (
    "558 560 588 58B-58C 5C8-5C9 5EF 61D 7FD-7FF 860-86A 870-891 897-89F 8B5 8BE-8D3 "
    "9FC-9FE A76 AFA-AFF B53-B55 C04 C3C C5C-C5D C77 C84 CDC-CDD CF3 D00 D04 D3B-D3C D81 "
    "E86 E89 E8C E8E-E93 E98 EA0 EA8-EA9 EAC EBA ECE 170D 1715 171F 180F 1878 1ABF-1AF0 "
    "1B4C 1B4E-1B4F 1B7D-1B7F 1C89-1C8A 1C90-1CBA 1CBD-1CBF 1CF7 1CFA 1DF6-1DFA 208F "
    "209D-209F 20BF-20C4 23FF 2427-2429 2B96-2B97 2BBA-2BBC 2BC9 2BD2-2BEB 2BF0-2BFF 2C2F "
    "2C5F 2E45-2E5D 2E60-2E63 2FFC-2FFF 312E-312F 31BB-31BF 31E4-31E5 31EF 32FF 4DB6-4DBF "
    "9FD6-9FFF A7AF A7B8-A7DD A7E2 A7F1-A7F6 A82C A8FE-A8FF AB66-AB6D FBC2-FBD2 FD40-FD4F "
    "FD90-FD91 FDC8-FDCF FDFE-FDFF 1019C 1032D-1032F 10570-1057A 1057C-1058A 1058C-10592 "
    "10594-10595 10597-105A1 105A3-105B1 105B3-105B9 105BB-105BC 105C0-105F3 10780-10785 "
    "10787-107B0 107B2-107BF 10940-10959 10A34-10A35 10A48 10D00-10D27 10D30-10D39 "
    "10D40-10D65 10D69-10D85 10D8E-10D8F 10E80-10EA9 10EAB-10EAD 10EB0-10EB1 10EC2-10EC7 "
    "10EC9-10EEE 10EF0-10F27 10F30-10F59 10F70-10F89 10FB0-10FCB 10FE0-10FF6 11070-11075 "
    "110C2 110CD 11144-11147 111CE-111CF 1123F-11241 1133B 11380-11389 1138B 1138E "
    "11390-113B5 113B7-113C0 113C2 113C5 113C7-113CA 113CC-113D5 113D7-113D8 113E1-113E2 "
    "1145A 1145E-11461 116B8-116B9 116D0-116E3 1171A 11740-11746 11800-1183B 11900-11906 "
    "11909 1190C-11913 11915-11916 11918-11935 11937-11938 1193B-11946 11950-11959 "
    "119A0-119A7 119AA-119D7 119DA-119E4 11A00-11A47 11A50-11AA2 11AB0-11ABF 11B00-11B0A "
    "11B60-11B67 11BC0-11BE1 11BF0-11BF9 11D00-11D06 11D08-11D09 11D0B-11D36 11D3A "
    "11D3C-11D3D 11D3F-11D47 11D50-11D59 11D60-11D65 11D67-11D68 11D6A-11D8E 11D90-11D91 "
    "11D93-11D98 11DA0-11DA9 11DB0-11DDB 11DE0-11DE9 11DF0-11DF1 11EE0-11EF8 11F00-11F10 "
    "11F12-11F3A 11F3E-11F5A 11FB0 11FC0-11FF1 11FFF 1246F 12475-1247F 12550-12686 "
    "12F90-12FF2 1342F-13455 13460-143FA 16100-16139 16A70-16ABE 16AC0-16AC9 16D40-16D79 "
    "16E40-16E9A 16EA0-16EB8 16EBB-16ED3 16F45-16F4A 16F4F 16F7F-16F87 16FE1-16FE4 "
    "16FF0-16FF6 187ED-187FF 18AF3-18CDA 18CFF-18D20 18D80-18DF2 18E00-19191 191A0-191D2 "
    "1AFF0-1AFF3 1AFF5-1AFFB 1AFFD-1AFFE 1B002-1B128 1B132 1B150-1B152 1B155 1B164-1B168 "
    "1B170-1B2FB 1CC00-1CCFC 1CD00-1CEB3 1CEBA-1CED0 1CED2-1CED4 1CEDD-1CEFD 1CF00-1CF2D "
    "1CF30-1CF46 1CF50-1CFC3 1D127-1D128 1D1E9-1D1FF 1D250-1D281 1D2C0-1D2D3 1D2E0-1D2F3 "
    "1D372-1D378 1D6A6 1DB00-1DB1C 1DF00-1DF81 1DF90-1DF96 1DFCD-1DFFF 1E030-1E06D 1E08F "
    "1E100-1E12C 1E130-1E13D 1E140-1E149 1E14E-1E14F 1E290-1E2AE 1E2C0-1E2F9 1E2FF "
    "1E4D0-1E4F9 1E5D0-1E5FA 1E5FF 1E6C0-1E6DE 1E6E0-1E6F5 1E6FE-1E6FF 1E7E0-1E7E6 "
    "1E7E8-1E7EB 1E7ED-1E7EE 1E7F0-1E7FE 1E94B 1EC71-1ECB4 1ED01-1ED3D 1F10D-1F10F 1F12F "
    "1F16C-1F16F 1F1AD-1F1AE 1F260-1F265 1F6D3-1F6D9 1F6DC-1F6DF 1F6F7-1F6FC 1F774-1F77F "
    "1F7D5-1F7DB 1F7E0-1F7EB 1F7F0-1F7FF 1F8B0-1F8BB 1F8C0-1F8C1 1F8D0-1F8D8 1F900-1F90F "
    "1F91F 1F928-1F92F 1F931-1F932 1F93F 1F94C-1F94F 1F95F-1F97F 1F992-1F9BF 1F9C1-1FA57 "
    "1FA60-1FA6D 1FA70-1FA7C 1FA80-1FAC6 1FAC8 1FACC-1FADD 1FADF-1FAEB 1FAEF-1FAFA "
    "1FB00-1FB92 1FB94-1FBFA 2A6D7-2A6DF 2B735-2B73F 2B81E 2CEA2-2CEAD 2CEB0-2EBE0 "
    "2EBF0-2EE5D 30000-3134A 31350-33479 3D000-3FC3F"
)
_SCRIPTLESS_RE = regex.compile(f"[{_hex_class(_HF_SCRIPTLESS)}]")
# Chars whose script Unicode changed since tokenizers' table was made (found likewise).
_HF_SCRIPT_OF = {
    "\u0589": "COMMON",
    "\u061c": "COMMON",
    "\u0953": "DEVANAGARI",
    "\u0954": "DEVANAGARI",
}


@functools.lru_cache(maxsize=1)
def _script_re() -> regex.Pattern[str]:
    # One alternative per script, so ``lastgroup`` names a char's script in one match.
    # The script names are the ``regex`` module's own (its property table), so they
    # always match the Unicode version it was built with.
    values: dict[str, int] = regex_core.PROPERTIES["SCRIPT"][1]
    names: dict[int, str] = {}
    for name, value in values.items():  # the long name comes first
        if name.isalpha():
            names.setdefault(value, name)
    return regex.compile("|".join(f"(?P<{n}>\\p{{Script={n}}})" for n in names.values()))


@functools.lru_cache(maxsize=65536)
def _script_of(c: str) -> str:
    # HF's fixes of SentencePiece's script rule: a space joins any script; kana and the
    # prolonged sound mark U+30FC count as Han.
    if c == " " or _SCRIPTLESS_RE.match(c):
        return "Any"
    if c == "\u30fc":
        return "HAN"
    if c in _HF_SCRIPT_OF:
        return _HF_SCRIPT_OF[c]
    m = _script_re().match(c)
    if m is None or not m.lastgroup or m.lastgroup == "UNKNOWN":
        return "Any"  # unassigned: tokenizers' table has no script for it either
    name = m.lastgroup
    return "HAN" if name in ("HIRAGANA", "KATAKANA") else name


class UnicodeScripts(PreTokenizer):
    """Split where the Unicode script changes (Latin, Han, Cyrillic, Common, ...).

    A space belongs to every script; Hiragana, Katakana and U+30FC count as Han. As in
    ``tokenizers``, spaces before the first char that has a script are dropped.

    >>> UnicodeScripts().words("Apples are りんご 林檎")
    ['Apples are ', 'りんご 林檎']
    """

    def split(self, text: str) -> list[PreToken]:
        # Like tokenizers, the first piece starts at the first char that has a script:
        # spaces before it are dropped (and an all-space text gives no piece).
        cuts = []
        last = None
        for i, c in enumerate(text):
            script = _script_of(c)
            if script == "Any":
                continue
            if last != script:
                cuts.append(i)
            last = script
        cuts.append(len(text))
        return [PreToken(text[s:e], s, e) for s, e in zip(cuts, cuts[1:]) if e > s]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "UnicodeScripts"}


_PREPEND_SCHEMES = ("always", "never", "first")


class Metaspace(PreTokenizer):
    """SentencePiece-style whitespace: spaces become ``replacement``, words start with it.

    Every ``" "`` is replaced by ``replacement`` (one char for one char, so offsets do not
    move); then one ``replacement`` is prepended unless the text already starts with it;
    then, if ``split``, the text is cut before every ``replacement`` (HF's
    ``MergedWithNext``), so ``"a  b"`` gives ``"▁a"``, ``"▁"``, ``"▁b"``.

    Args:
        replacement: The single char that stands for a space (SentencePiece's ``"▁"``,
            U+2581).
        prepend_scheme: ``"always"``; ``"never"``; ``"first"``: only to a piece that starts
            at offset 0 (this matters inside a :class:`Sequence`, whose later pieces are not
            the start of the text).
        split: Cut before each ``replacement``; otherwise the text stays one word.

    Raises:
        ConfigError: ``replacement`` is not one char, or ``prepend_scheme`` is unknown.

    The prepended char has no source: its ``char_map`` entry is -1 and the word's offsets
    cover only real chars.

    >>> Metaspace().pre_tokenize_str("Hey  you")
    [('▁Hey', (0, 3)), ('▁', (3, 4)), ('▁you', (4, 8))]
    >>> Metaspace(prepend_scheme="never", split=False).words("Hey you")
    ['Hey▁you']
    """

    def __init__(
        self, replacement: str = "\u2581", prepend_scheme: str = "always", split: bool = True
    ) -> None:
        if not isinstance(replacement, str) or len(replacement) != 1:
            raise ConfigError(
                f"Metaspace replacement must be exactly one char, got {replacement!r}"
            )
        if prepend_scheme not in _PREPEND_SCHEMES:
            raise ConfigError(
                f"unknown Metaspace prepend_scheme {prepend_scheme!r}; use one of "
                + ", ".join(_PREPEND_SCHEMES)
            )
        self.replacement = replacement
        self.prepend_scheme = prepend_scheme
        # ``split`` is the method every pre-tokenizer has; the flag gets another name.
        self.split_words = bool(split)

    def _prepends(self, work: str, at_origin: bool) -> bool:
        scheme = self.prepend_scheme
        if scheme == "never" or (scheme == "first" and not at_origin):
            return False
        return not work.startswith(self.replacement)

    def split(self, text: str) -> list[PreToken]:
        return self._split_from(text, True)

    def _split_from(self, text: str, at_origin: bool) -> list[PreToken]:
        if not text:
            return []
        rep = self.replacement
        work = text.replace(" ", rep)
        if self.split_words:
            cuts = [i for i, ch in enumerate(work) if ch == rep and i]
            bounds = list(zip([0, *cuts], [*cuts, len(work)]))
        else:
            bounds = [(0, len(work))]
        out = [PreToken(work[s:e], s, e) for s, e in bounds]
        if self._prepends(work, at_origin):
            first = out[0]
            char_map = (-1, *range(first.start, first.end))
            out[0] = PreToken(rep + first.text, first.start, first.end, char_map)
        return out

    def words(self, text: str) -> list[str]:
        if not text:
            return []
        rep = self.replacement
        work = text.replace(" ", rep)
        if self._prepends(work, True):
            work = rep + work
        if not self.split_words:
            return [work]
        head, *rest = work.split(rep)
        return ([head] if head else []) + [rep + w for w in rest]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "Metaspace",
            "replacement": self.replacement,
            "prepend_scheme": self.prepend_scheme,
            "split": self.split_words,
        }


def _origin_sensitive(pre: PreTokenizer) -> bool:
    """Whether ``pre`` splits differently depending on where its input starts."""
    if isinstance(pre, Metaspace):
        return pre.prepend_scheme == "first"
    if isinstance(pre, Sequence):
        return any(map(_origin_sensitive, pre.pre_tokenizers))
    return False


def _compose(outer: PreToken, inner: PreToken) -> PreToken:
    """Express ``inner`` (a token of ``outer.text``) in the coordinates of outer's input."""
    pm = outer.char_map
    if pm is None:
        base = outer.start
        cm = None
        if inner.char_map is not None:
            cm = tuple(i if i < 0 else base + i for i in inner.char_map)
        return PreToken(inner.text, base + inner.start, base + inner.end, cm)
    if inner.char_map is None:
        cm = pm[inner.start : inner.start + len(inner.text)]
    else:
        cm = tuple(i if i < 0 else pm[i] for i in inner.char_map)
    sources = [i for i in pm[inner.start : inner.end] if i >= 0]
    if sources:
        start, end = min(sources), max(sources) + 1
    else:
        # Only the added prefix space: HF aligns it with the first char of the piece.
        start, end = outer.start, min(outer.start + 1, outer.end)
    return PreToken(inner.text, start, end, cm)


class Sequence(PreTokenizer):
    """Apply pre-tokenizers in turn, each one splitting the words of the previous one.

    Offsets and ``char_map`` are composed, so they always point into the original input.

    Args:
        pre_tokenizers: The stages, in order.

    Raises:
        ConfigError: A stage is not a :class:`PreTokenizer`.

    >>> seq = Sequence([WhitespaceSplit(), ByteLevel(use_regex=False)])
    >>> seq.pre_tokenize_str("a é")
    [('a', (0, 1)), ('Ã©', (2, 3))]
    """

    def __init__(self, pre_tokenizers: SequenceABC[PreTokenizer]) -> None:
        stages = list(pre_tokenizers)
        for stage in stages:
            if not isinstance(stage, PreTokenizer):
                raise ConfigError(
                    f"Sequence stages must be PreTokenizer objects, got {type(stage).__name__}"
                )
        self.pre_tokenizers = stages

    def __iter__(self) -> Iterator[PreTokenizer]:
        return iter(self.pre_tokenizers)

    def split(self, text: str) -> list[PreToken]:
        return self._split_from(text, True)

    def _split_from(self, text: str, at_origin: bool) -> list[PreToken]:
        if not text:
            return []
        if not self.pre_tokenizers:
            return [PreToken(text, 0, len(text))]
        tokens = self.pre_tokenizers[0]._split_from(text, at_origin)
        for stage in self.pre_tokenizers[1:]:
            tokens = [
                _compose(outer, inner)
                for outer in tokens
                for inner in stage._split_from(outer.text, at_origin and outer.start == 0)
            ]
        return tokens

    def _needs_offsets(self) -> bool:
        # Metaspace(prepend_scheme="first") after the first stage must know which word
        # starts at offset 0, which plain words do not tell.
        first, *rest = self.pre_tokenizers
        return any(map(_origin_sensitive, rest)) or (
            isinstance(first, Sequence) and _origin_sensitive(first)
        )

    def words(self, text: str) -> list[str]:
        if not text:
            return []
        if not self.pre_tokenizers:
            return [text]
        found = _byte_word_scanner(self)
        if found is not None:
            return found[0].byte_words(text)
        if self._needs_offsets():
            return [p.text for p in self.split(text)]
        words = self.pre_tokenizers[0].words(text)
        for stage in self.pre_tokenizers[1:]:
            if isinstance(stage, ByteLevel) and not stage.use_regex and not stage.add_prefix_space:
                # The tiktoken-style set-ups: byte-map each word, skipping per-word calls.
                table = _LATIN1_TO_MAPPED
                words = [
                    w.encode("utf-8", "surrogatepass").decode("latin-1").translate(table)
                    for w in words
                ]
                continue
            stage_words = stage.words
            words = [w for outer in words for w in stage_words(outer)]
        return words

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "pretokenizers": [p.to_dict() for p in self.pre_tokenizers]}


@dataclass(frozen=True)
class ByteLevelSetup:
    """What a byte-level pre-tokenizer set-up does to a text.

    Split it with ``pattern`` (``None``: the whole text is one piece), after putting a
    space in front when ``add_prefix_space``, then map every piece's UTF-8 bytes to
    GPT-2's byte symbols. ``scan_name`` names the native scanner of ``pattern`` when it
    is one of the fixed patterns (:data:`tokenlab._patterns.SCAN_PATTERNS`: ByteLevel's,
    tiktoken's and the published models' own, Llama 3, Qwen, tekken) or another
    spelling of one (``SCAN_SPELLINGS``).
    """

    pattern: str | None
    add_prefix_space: bool

    @property
    def scan_name(self) -> str | None:
        return None if self.pattern is None else _SCAN_NAME_OF.get(self.pattern)


def byte_level_setup(pre: PreTokenizer | None) -> ByteLevelSetup | None:
    """The byte-level set-up ``pre`` is, or None: the ONE recognizer of such set-ups.

    Two forms are byte-level: ``ByteLevel`` alone (its GPT-2 regex when ``use_regex``),
    and an isolating ``Split`` followed by ``ByteLevel`` without regex or prefix space
    (the tiktoken set-ups of :func:`get_pre_tokenizer`), or a ``Split`` keeping only
    the matches (``invert`` and ``removed``) of a pattern with a native scanner. Exact
    types only: a subclass may change what a stage does.

    >>> byte_level_setup(get_pre_tokenizer("gpt2")).scan_name
    'gpt2'
    >>> byte_level_setup(Whitespace()) is None
    True
    """
    if type(pre) is ByteLevel:
        pattern = _BYTE_LEVEL_PATTERN if pre.use_regex else None
        return ByteLevelSetup(pattern, pre.add_prefix_space)
    if type(pre) is not Sequence or len(pre.pre_tokenizers) != 2:
        return None
    split, last = pre.pre_tokenizers
    if (
        type(split) is not Split
        or type(last) is not ByteLevel
        or last.use_regex
        or last.add_prefix_space
    ):
        return None
    pattern = re.escape(split.pattern) if split.literal else split.pattern
    if split.behavior == "isolated" and not split.invert:
        return ByteLevelSetup(pattern, False)
    # Keeping the matches and removing the rest (OLMo 2's file) is the same split when
    # the pattern matches at every char: the fixed patterns with a scanner all do.
    if split.behavior == "removed" and split.invert and pattern in _SCAN_NAME_OF:
        return ByteLevelSetup(pattern, False)
    return None


def _byte_word_scanner(pre: PreTokenizer) -> tuple[Any, bool] | None:
    """``(scanner, add_prefix_space)`` when ``pre.words`` is a native scanner's byte words."""
    setup = byte_level_setup(pre)
    if setup is None or setup.pattern is None:
        return None
    scanner = _scanner(setup.pattern)
    return None if scanner is None else (scanner, setup.add_prefix_space)


def _byte_word_counter(pre: PreTokenizer | None) -> Any:
    """A native ``ByteWordCounter`` giving the counts of ``pre.words``, or None.

    For :func:`tokenlab.corpus.count_words`: it counts without a Python string per word.
    """
    found = None if pre is None else _byte_word_scanner(pre)
    return None if found is None else ByteWordCounter(*found)


_NAMES = ("whitespace", "whitespace-split", "bert", "byte-level", *PATTERNS)


def get_pre_tokenizer(name: str) -> PreTokenizer:
    """Build a named pre-tokenizer set-up.

    Args:
        name: ``"whitespace"``, ``"whitespace-split"``, ``"bert"`` (:class:`BertPreTokenizer`),
            ``"byte-level"`` (ByteLevel without prefix space), or a tiktoken pattern name
            (``"gpt2"``, ``"cl100k_base"``, ``"o200k_base"``: that regex split, then
            byte-level mapping without a regex).

    Returns:
        A new pre-tokenizer.

    Raises:
        ConfigError: ``name`` is not one of the names above.

    >>> get_pre_tokenizer("gpt2").words("Hello world")
    ['Hello', 'Ġworld']
    """
    if name == "whitespace":
        return Whitespace()
    if name == "whitespace-split":
        return WhitespaceSplit()
    if name == "bert":
        return BertPreTokenizer()
    if name == "byte-level":
        return ByteLevel(add_prefix_space=False)
    if name in PATTERNS:
        return Sequence(
            [
                Split(PATTERNS[name], "isolated"),
                ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
    raise ConfigError(f"unknown pre-tokenizer {name!r}; valid names: {', '.join(_NAMES)}")


def _byte_level_from_dict(d: dict[str, Any]) -> ByteLevel:
    return ByteLevel(
        add_prefix_space=dict_field(d, "add_prefix_space", bool, True),
        trim_offsets=dict_field(d, "trim_offsets", bool, True),
        use_regex=dict_field(d, "use_regex", bool, True),
    )


def _split_from_dict(d: dict[str, Any]) -> Split:
    pattern = d.get("pattern")
    if not (isinstance(pattern, dict) and len(pattern) == 1):
        raise ModelFileError(
            f'Split pattern must be {{"Regex": ...}} or {{"String": ...}}, got {pattern!r}'
        )
    ((ptype, ptext),) = pattern.items()
    if ptype not in ("Regex", "String") or not isinstance(ptext, str):
        raise ModelFileError(f"Split pattern {pattern!r}: expected a Regex or String")
    try:
        return Split(
            ptext,
            dict_field(d, "behavior", str, "Isolated"),
            dict_field(d, "invert", bool, False),
            literal=ptype == "String",
        )
    except ConfigError as e:
        raise ModelFileError(f"bad Split pre_tokenizer: {e}") from e


def _sequence_from_dict(d: dict[str, Any]) -> Sequence:
    stages = dict_field(d, "pretokenizers", list)
    built = [pre_tokenizer_from_dict(s) for s in stages]
    return Sequence([s for s in built if s is not None])


def pre_tokenizer_from_dict(d: dict[str, Any] | None) -> PreTokenizer | None:
    """Build a pre-tokenizer from its ``tokenizer.json`` dict.

    Args:
        d: The ``"pre_tokenizer"`` value of a ``tokenizer.json`` (``None`` allowed).

    Returns:
        The pre-tokenizer, or ``None`` when ``d`` is ``None``.

    Raises:
        ModelFileError: ``d`` is malformed or names a pre-tokenizer tokenlab does not
            support (the message lists those of :data:`PRE_TOKENIZER_TYPES`).

    >>> pre_tokenizer_from_dict({"type": "Whitespace"})
    Whitespace({'type': 'Whitespace'})
    """
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ModelFileError(f"a pre_tokenizer must be a JSON object or null, got {d!r}")
    kind = d.get("type")
    build = PRE_TOKENIZER_TYPES.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise ModelFileError(
            f"unsupported pre_tokenizer type {kind!r}; tokenlab supports "
            f"{', '.join(PRE_TOKENIZER_TYPES)}"
        )
    return build(d)


def _metaspace_from_dict(d: dict[str, Any]) -> Metaspace:
    """Read a Metaspace dict, current (``prepend_scheme``) or older (``add_prefix_space``)."""
    if "replacement" not in d:
        raise ModelFileError(f'Metaspace component needs a "replacement" char, got {d!r}')
    replacement = dict_field(d, "replacement", str)
    scheme = d.get("prepend_scheme")
    add_prefix_space = d.get("add_prefix_space")
    if add_prefix_space is not None and not isinstance(add_prefix_space, bool):
        raise ModelFileError(
            f"Metaspace component: field 'add_prefix_space' must be bool, got {add_prefix_space!r}"
        )
    if scheme is None:
        # Files written before prepend_scheme existed only have add_prefix_space.
        scheme = "never" if add_prefix_space is False else "always"
    elif not isinstance(scheme, str):
        raise ModelFileError(
            f"Metaspace component: prepend_scheme must be a string, got {scheme!r}"
        )
    elif add_prefix_space is False and scheme != "never":
        raise ModelFileError(
            f"Metaspace component: add_prefix_space=false contradicts prepend_scheme={scheme!r}"
        )
    try:
        return Metaspace(replacement, scheme, dict_field(d, "split", bool, True))
    except ConfigError as e:
        raise ModelFileError(f"bad Metaspace component: {e}") from e


#: ``tokenizer.json`` pre-tokenizer ``type`` -> the builder of that pre-tokenizer from
#: its dict: the one table :func:`pre_tokenizer_from_dict` reads.
PRE_TOKENIZER_TYPES: dict[str, Callable[[dict[str, Any]], PreTokenizer]] = {
    "Whitespace": lambda d: Whitespace(),
    "WhitespaceSplit": lambda d: WhitespaceSplit(),
    "BertPreTokenizer": lambda d: BertPreTokenizer(),
    "ByteLevel": _byte_level_from_dict,
    "Split": _split_from_dict,
    "Metaspace": _metaspace_from_dict,
    "Sequence": _sequence_from_dict,
    "Punctuation": lambda d: Punctuation(dict_field(d, "behavior", str, "Isolated")),
    "Digits": lambda d: Digits(dict_field(d, "individual_digits", bool, False)),
    "CharDelimiterSplit": lambda d: CharDelimiterSplit(dict_field(d, "delimiter", str)),
    "FixedLength": lambda d: FixedLength(dict_field(d, "length", int, 5)),
    "UnicodeScripts": lambda d: UnicodeScripts(),
}
