"""Normalizers: rewrite text before pre-tokenization, keeping track of where each char came from.

Supported components (Hugging Face ``tokenizer.json`` names, read and written by ``to_dict``
/ :func:`normalizer_from_dict`): ``NFC``, ``NFD``, ``NFKC``, ``NFKD``, ``Lowercase``,
``Strip`` (``strip_left`` / ``strip_right``), ``Replace`` (a ``String`` or ``Regex`` pattern
with literal replacement content), ``BertNormalizer``, ``Precompiled`` (a SentencePiece
charsmap applied the way ``tokenizers`` applies it) and ``Sequence``. Two SentencePiece
normalizers have no ``tokenizer.json`` counterpart and are written under tokenlab's own type
names, which only tokenlab reads: ``NmtNfkc`` (SentencePiece's default rules) and
``SentencePieceNormalizer`` (a charsmap plus SentencePiece's whitespace handling, exactly
``sentencepiece.SentencePieceProcessor.normalize``).

Every normalizer has two paths that always agree on the text:

- :meth:`Normalizer.normalize_str` -- the fast path, text only (training uses it);
- :meth:`Normalizer.normalize` -- returns a :class:`NormalizedString` whose ``alignments``
  give, for every normalized char, the span of the ORIGINAL string it came from.

Alignment rules: ``Lowercase`` maps each output char of ``c.lower()`` to the span of ``c``.
The Unicode forms align as ``tokenizers``' NormalizedString does: the first char of a
decomposition keeps the span of its source char and the others share the span of the
char before them; a composed char keeps the span of its starter (``"e"`` + U+0301 ->
``"é"`` at ``(0, 1)``); canonical reordering moves spans with their chars. ``Replace``
maps the replacement chars to the span of the match. ``BertNormalizer`` maps every kept
char to itself, the spaces it puts around a CJK ideograph to that ideograph, and its
accent stripping follows the NFD rules.

Differences from ``tokenizers`` (0.23):

- Unicode data comes from Python's :mod:`unicodedata` (Unicode 14 on Python 3.11); the Rust
  side uses a newer Unicode version, so chars assigned after that version may normalize or
  lowercase differently. Among assigned chars the NFDs differ on one only: HF leaves
  U+11938 whole, Unicode decomposes it to U+11935 U+11930 (checked code point by code point).
- ``Lowercase`` lowercases char by char like HF (so a final capital sigma becomes ``σ``,
  not the ``ς`` that ``str.lower()`` would give).
- ``Replace`` with a regex ignores empty matches.
- ``BertNormalizer``: HF decides "control char" and "nonspacing mark" with an old Unicode
  category table (roughly Unicode 8), not the data its NFD and lowercasing use. We
  reproduce that table: our classes are the ``regex`` module's ``\\p{Cc}``, ``\\p{Cf}``,
  ``\\p{Co}`` and ``\\p{Mn}`` corrected by exception lists found by running every code point
  through tokenizers 0.23. So, like HF, ``strip_accents`` keeps marks assigned since then
  (e.g. U+1ABF..U+1ACE) and ``clean_text`` keeps U+0890, U+08E2, U+13430.. (format chars).
  NFD comes from :mod:`unicodedata` (see the first point).
- ``Precompiled`` splits text into extended grapheme clusters with the ``regex`` module's
  ``\\X``; HF uses the ``unicode-segmentation`` crate, whose Unicode version may differ for
  chars assigned recently. Like HF it rejects an empty charsmap.
- ``StripAccents`` removes the chars of Unicode category M (Mn, Mc, Me, ``regex``'s
  tables) without decomposing first, as HF does (put an ``NFD`` or ``NFKD`` before it).
- ``Prepend`` aligns the prepended text with the first char (HF: the same); ``Nmt`` is
  HF's fixed list of deleted control chars and of chars mapped to a space (not
  SentencePiece's ``nmt_nfkc``: no NFKC); the ``ByteLevel`` normalizer maps every UTF-8
  byte to the GPT-2 char, each aligned with the char it comes from.

SentencePiece (0.2.3) differences: :class:`NmtNfkc` builds its rules from Python's Unicode
data (Unicode 14 on Python 3.11) while sentencepiece's table was made with Unicode 16, so
the 477 rules for chars assigned in Unicode 15.0-16.0 are missing: alone, 99 code points
(U+A7F1, U+1CCD6..U+1CCF9, U+1E030..U+1E06D) normalize differently; every other rule is
identical (see :func:`tokenlab.charsmap.nmt_nfkc_mapping`). User-defined symbols are
protected from normalization as SentencePiece does (``user_defined_symbols`` of
:class:`SentencePieceNormalizer`).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Callable, Iterator
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from typing import Any, Literal

import regex

from tokenlab._component import Component, dict_field
from tokenlab.charsmap import CharsMap
from tokenlab.errors import ConfigError, ModelFileError
from tokenlab.pre_tokenizers import _byte_map as byte_map

__all__ = [
    "NFC",
    "NFD",
    "NFKC",
    "NFKD",
    "NORMALIZER_TYPES",
    "BertNormalizer",
    "ByteLevel",
    "Lowercase",
    "Nmt",
    "NmtNfkc",
    "NormalizedString",
    "Normalizer",
    "Precompiled",
    "Prepend",
    "Replace",
    "SentencePieceNormalization",
    "SentencePieceNormalizer",
    "Sequence",
    "Strip",
    "StripAccents",
    "normalizer_from_dict",
]

Span = tuple[int, int]

# Unicode White_Space (what Rust's char::is_whitespace tests); str.strip() would also strip
# U+001C..U+001F, which HF keeps.
_WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@dataclass
class NormalizedString:
    """Normalized text plus, for each normalized char, its span in the original string.

    Attributes:
        original: The text before any normalization.
        normalized: The text after normalization.
        alignments: ``alignments[i] == (start, end)`` means ``normalized[i]`` comes from
            ``original[start:end]`` (char offsets); ``len(alignments) == len(normalized)``.

    >>> ns = Lowercase().normalize(NormalizedString.from_str("Ab"))
    >>> ns.normalized, ns.alignments
    ('ab', [(0, 1), (1, 2)])
    """

    original: str
    normalized: str
    alignments: list[Span] = field(default_factory=list)

    @classmethod
    def from_str(cls, text: str) -> NormalizedString:
        """Wrap ``text`` unchanged: every char aligned to itself, ``(i, i + 1)``."""
        return cls(text, text, [(i, i + 1) for i in range(len(text))])

    def original_span(self, start: int, end: int) -> Span:
        """Map a span of ``normalized`` to the span of ``original`` it comes from.

        Args:
            start: Start char offset in ``normalized``.
            end: End char offset in ``normalized`` (exclusive).

        Returns:
            ``(start, end)`` char offsets in ``original``.
        """
        if end > start:
            return (self.alignments[start][0], self.alignments[end - 1][1])
        return self._point(start)

    def _point(self, pos: int) -> Span:
        # An empty span sits where the char at `pos` starts (or where the text ends).
        if pos < len(self.alignments):
            s = self.alignments[pos][0]
        elif self.alignments:
            s = self.alignments[-1][1]
        else:
            s = len(self.original)
        return (s, s)

    def _transform(self, changes: list[tuple[str, int]], skip: int = 0) -> NormalizedString:
        """tokenizers' ``NormalizedString::transform``: the next string from
        ``(char, change)`` pairs, aligned the way tokenizers aligns them.

        Walking the current text after its first ``skip`` chars: a char with
        ``change <= 0`` replaces the next current char and takes its span, then skips
        ``-change`` more (removed: their spans go with them); a char with
        ``change > 0`` is inserted and takes the span of the current char before it
        (``(0, 0)`` at the start). So ``"e\u0301\u0301"`` -> ``"é"`` is aligned with
        ``e`` alone, as tokenizers gives it.
        """
        al = self.alignments
        out: list[Span] = []
        pos = skip
        for _, change in changes:
            if change > 0:
                out.append(al[pos - 1] if pos >= 1 else (0, 0))
                continue
            out.append(al[pos] if pos < len(al) else self._point(pos))
            pos += 1 - change
        return NormalizedString(self.original, "".join(c for c, _ in changes), out)

    def _derive(self, normalized: str, spans: list[Span]) -> NormalizedString:
        """Build the next string, ``spans`` being in the coordinates of ``self.normalized``."""
        al = self.alignments
        out: list[Span] = []
        for s, e in spans:
            out.append((al[s][0], al[e - 1][1]) if e > s else self._point(s))
        return NormalizedString(self.original, normalized, out)


class Normalizer(Component):
    """Base class of all normalizers."""

    def normalize_str(self, text: str) -> str:
        """Return the normalized text (fast path, no alignments).

        Args:
            text: Input text.

        Returns:
            The normalized text; always equal to ``normalize(...).normalized``.
        """
        raise NotImplementedError

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        """Normalize ``ns.normalized`` and compose the alignments onto ``ns.original``.

        Args:
            ns: The string so far (use :meth:`NormalizedString.from_str` for raw text).

        Returns:
            A new :class:`NormalizedString`; ``ns`` is not modified.
        """
        raise NotImplementedError


def _identity(ns: NormalizedString) -> NormalizedString:
    return NormalizedString(ns.original, ns.normalized, list(ns.alignments))


_Form = Literal["NFC", "NFD", "NFKC", "NFKD"]


class _UnicodeForm(Normalizer):
    form: _Form

    def normalize_str(self, text: str) -> str:
        return unicodedata.normalize(self.form, text)

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        text = ns.normalized
        form = self.form
        if unicodedata.is_normalized(form, text):
            return _identity(ns)
        full = unicodedata.normalize(form, text)
        aligned = _decompose_aligned(ns, form, full)
        if aligned is not None:
            return aligned
        return ns._derive(full, _segment_spans(text, form, full))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.form}


def _decompose_aligned(ns: NormalizedString, form: _Form, full: str) -> NormalizedString | None:
    """Normalize and align like ``tokenizers``' NormalizedString (its normalization crate
    reports, for every output char, how it changes the char count).

    Decomposition: the first char of a decomposition replaces its source char, the
    others are inserted. Canonical ordering moves chars with their marks. Composition
    folds a char into its starter; the starter then consumes the chars that char
    consumed. The spans follow tokenizers' transform: a replacing char takes the span of
    the next unconsumed source char, an inserted one the span of the char before it.
    None when the chars do not add up to ``full`` (never seen).
    """
    decompose: _Form = "NFD" if form in ("NFD", "NFC") else "NFKD"
    items: list[tuple[str, int]] = []  # (char, change): 0 replaces, 1 inserts, -k removes k
    for c in ns.normalized:
        d = unicodedata.normalize(decompose, c) if c >= "\xa0" else c
        items.append((d[0], 0))
        items.extend((extra, 1) for extra in d[1:])
    _canonical_order(items)
    if form in ("NFC", "NFKC"):
        items = _compose(items)
    if "".join(c for c, _ in items) != full:
        return None
    al = ns.alignments
    spans: list[Span] = []
    offset = 0  # source chars consumed so far
    for _, change in items:
        if change > 0:
            spans.append(al[offset - 1] if offset else (al[0][0], al[0][0]))
        else:
            spans.append(al[offset])
            offset += 1 - change
    return NormalizedString(ns.original, full, spans)


def _canonical_order(items: list[tuple[str, int]]) -> None:
    """Sort every run of non-starters by combining class (stable), in place."""
    k, n = 0, len(items)
    while k < n:
        if unicodedata.combining(items[k][0]) == 0:
            k += 1
            continue
        j = k
        while j < n and unicodedata.combining(items[j][0]) != 0:
            j += 1
        items[k:j] = sorted(items[k:j], key=lambda it: unicodedata.combining(it[0]))
        k = j


def _consumed(change: int) -> int:
    return 0 if change > 0 else 1 - change


def _compose(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Canonical composition (UAX #15), carrying each char's change in count."""
    out: list[tuple[str, int]] = []
    starter = -1  # index in out of the last starter, -1: none yet
    last_ccc = -1  # combining class of the last char kept after it, -1: none
    for c, change in items:
        ccc = unicodedata.combining(c)
        if starter >= 0 and (last_ccc == -1 or (last_ccc != 0 and last_ccc < ccc)):
            base, base_change = out[starter]
            both = unicodedata.normalize("NFC", base + c)
            if len(both) == 1 and both != base + c:
                used = _consumed(base_change) + _consumed(change)
                out[starter] = (both, 1 - used if used else 1)
                continue
        if ccc == 0:
            starter, last_ccc = len(out), -1
        else:
            last_ccc = ccc
        out.append((c, change))
    return out


def _segment_spans(text: str, form: _Form, full: str) -> list[Span]:
    """Spans for a composing form: each segment (from a char of combining class 0) is
    normalized on its own and its output chars map to the whole segment; neighbouring
    segments merge where composition or reordering crosses their boundary."""
    starts = [i for i, c in enumerate(text) if i == 0 or unicodedata.combining(c) == 0]
    starts.append(len(text))
    spans: list[Span] = []
    pos = 0  # how much of `full` is accounted for
    k = 0
    while k < len(starts) - 1:
        seg_start = starts[k]
        j = k + 1
        # Grow the group until its normalization is what the whole-text normalization
        # has at this position; composition/reordering across a boundary breaks that.
        while True:
            out = unicodedata.normalize(form, text[seg_start : starts[j]])
            if full.startswith(out, pos) or j == len(starts) - 1:
                break
            j += 1
        if not full.startswith(out, pos) or (j == len(starts) - 1 and pos + len(out) != len(full)):
            # Never seen in practice; keep the invariant with one coarse group.
            spans.extend([(seg_start, len(text))] * (len(full) - pos))
            break
        spans.extend([(seg_start, starts[j])] * len(out))
        pos += len(out)
        k = j
    return spans


class NFC(_UnicodeForm):
    """Unicode canonical composition (NFC).

    >>> NFC().normalize_str("e\\u0301")
    'é'
    """

    form: _Form = "NFC"


class NFD(_UnicodeForm):
    """Unicode canonical decomposition (NFD).

    >>> NFD().normalize(NormalizedString.from_str("é")).alignments
    [(0, 1), (0, 1)]
    """

    form: _Form = "NFD"


class NFKC(_UnicodeForm):
    """Unicode compatibility composition (NFKC).

    >>> NFKC().normalize_str("ﬁ")
    'fi'
    """

    form: _Form = "NFKC"


class NFKD(_UnicodeForm):
    """Unicode compatibility decomposition (NFKD).

    >>> NFKD().normalize_str("ﬁé")
    'fie\u0301'
    """

    form: _Form = "NFKD"


class Lowercase(Normalizer):
    """Lowercase char by char (full Unicode case mapping, no context rules).

    >>> Lowercase().normalize_str("HELLO ΟΔΟΣ")
    'hello οδοσ'
    >>> Lowercase().normalize(NormalizedString.from_str("İ")).alignments
    [(0, 1), (0, 1)]
    """

    def normalize_str(self, text: str) -> str:
        # str.lower() applies the Final_Sigma context rule (Σ -> ς at a word end), the only
        # context rule CPython has; lowering Σ to σ first makes it per-char like HF.
        if "Σ" in text:
            text = text.replace("Σ", "σ")
        return text.lower()

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        text = ns.normalized
        lowered = self.normalize_str(text)
        if len(lowered) == len(text):
            # Every c.lower() is at least one char, so equal lengths mean one char each.
            return NormalizedString(ns.original, lowered, list(ns.alignments))
        spans: list[Span] = []
        for i, c in enumerate(text):
            n = len(c.lower()) if c >= "\x80" else 1
            spans.extend([(i, i + 1)] * n)
        return ns._derive(lowered, spans)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Lowercase"}


class Strip(Normalizer):
    """Remove leading and/or trailing whitespace.

    Args:
        left: Strip at the start (HF ``strip_left``).
        right: Strip at the end (HF ``strip_right``).

    >>> Strip().normalize_str("  hi \\n")
    'hi'
    """

    def __init__(self, left: bool = True, right: bool = True) -> None:
        self.left = bool(left)
        self.right = bool(right)

    def _bounds(self, text: str) -> Span:
        start, end = 0, len(text)
        if self.left:
            start = end - len(text.lstrip(_WHITE_SPACE))
        if self.right:
            end = start + len(text[start:].rstrip(_WHITE_SPACE))
        return start, end

    def normalize_str(self, text: str) -> str:
        s, e = self._bounds(text)
        return text[s:e]

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        s, e = self._bounds(ns.normalized)
        return NormalizedString(ns.original, ns.normalized[s:e], ns.alignments[s:e])

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Strip", "strip_left": self.left, "strip_right": self.right}


class Replace(Normalizer):
    """Replace every match of a pattern with a literal string.

    Args:
        pattern: The text to find (or a regex when ``is_regex``).
        content: The replacement, inserted literally (no group references).
        is_regex: ``pattern`` is a regex (HF ``{"Regex": ...}``) rather than a string.

    Raises:
        ConfigError: The pattern is empty or does not compile.

    >>> Replace("``", '"').normalize_str("``hi''")
    '"hi\\'\\''
    """

    def __init__(self, pattern: str, content: str, is_regex: bool = False) -> None:
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(f"Replace pattern must be a non-empty string, got {pattern!r}")
        if not isinstance(content, str):
            raise ConfigError(f"Replace content must be a string, got {content!r}")
        try:
            self._re = regex.compile(pattern if is_regex else regex.escape(pattern))
        except regex.error as e:
            raise ConfigError(f"Replace pattern {pattern!r} is not a valid regex: {e}") from e
        self.pattern = pattern
        self.content = content
        self.is_regex = bool(is_regex)

    def _matches(self, text: str) -> Iterator[Span]:
        for m in self._re.finditer(text):
            if m.end() > m.start():
                yield m.span()

    def normalize_str(self, text: str) -> str:
        if not self.is_regex:
            return text.replace(self.pattern, self.content)
        parts: list[str] = []
        prev = 0
        for s, e in self._matches(text):
            parts.append(text[prev:s])
            parts.append(self.content)
            prev = e
        parts.append(text[prev:])
        return "".join(parts)

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        text = ns.normalized
        parts: list[str] = []
        spans: list[Span] = []
        prev = 0
        n = len(self.content)
        for s, e in self._matches(text):
            parts.append(text[prev:s])
            spans.extend((i, i + 1) for i in range(prev, s))
            parts.append(self.content)
            # tokenizers inserts the content after the removed match: each of its
            # chars takes the span of the match's last char.
            spans.extend([(e - 1, e) if e > s else (s, s)] * n)
            prev = e
        parts.append(text[prev:])
        spans.extend((i, i + 1) for i in range(prev, len(text)))
        return ns._derive("".join(parts), spans)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "Replace",
            "pattern": {"Regex" if self.is_regex else "String": self.pattern},
            "content": self.content,
        }


def _hex_class(ranges: str) -> str:
    """Turn ``"5C8-5C9 7FD"`` (hex code points and ranges) into regex class items."""
    items = []
    for item in ranges.split():
        lo, _, hi = item.partition("-")
        items.append(f"\\U{int(lo, 16):08X}" + (f"-\\U{int(hi, 16):08X}" if hi else ""))
    return "".join(items)


# HF's BertNormalizer tests categories with an old table (about Unicode 8). These lists are
# the differences from the `regex` module's own (newer) tables, found by running every
# code point through tokenizers 0.23: marks it does not strip, marks it strips although
# Unicode now calls them spacing (Mc), and format chars (Cf) it does not remove.
_HF_NOT_MN = (
    "5C8-5C9 7FD 897-89F 8CA-8E1 9FE AFA-AFF B53-B55 C04 C3C D00 D3B-D3C D81 EBA ECE 180F "
    "1885-1886 1ABF-1AF0 1DF6-1DFB A82C A8C5 A8FF A9BD 10D24-10D27 10D69-10D6D "
    "10EAB-10EAC 10ECB-10ECF 10EF0-10EFF 10F46-10F50 10F82-10F85 11070 11073-11074 110C2 "
    "111C9 111CF 1123E 11241 1133B 113BB-113C0 113CE 113D0 113D2 113E1-113E2 11438-1143F "
    "11442-11444 11446 1145E 1182F-11837 11839-1183A 1193B-1193C 1193E 11943 119D4-119D7 "
    "119DA-119DB 119E0 11A01-11A0A 11A33-11A38 11A3B-11A3E 11A47 11A51-11A56 11A59-11A5B "
    "11A8A-11A96 11A98-11A99 11B60 11B62-11B64 11B66 11C30-11C36 11C38-11C3D 11C3F "
    "11C92-11CA7 11CAA-11CB0 11CB2-11CB3 11CB5-11CB6 11D31-11D36 11D3A 11D3C-11D3D "
    "11D3F-11D45 11D47 11D90-11D91 11D95 11D97 11DF0 11EF3-11EF4 11F00-11F01 11F36-11F3A "
    "11F40 11F42 11F5A 13440 13447-13455 1611E-16129 1612D-1612F 16F4F 16FE4 1CF00-1CF2D "
    "1CF30-1CF46 1D127-1D128 1D25B-1D25C 1E000-1E006 1E008-1E018 1E01B-1E021 1E023-1E024 "
    "1E026-1E02A 1E08F 1E130-1E136 1E2AE 1E2EC-1E2EF 1E4EC-1E4EF 1E5EE-1E5EF 1E6E3 1E6E6 "
    "1E6EE-1E6EF 1E6F5 1E944-1E94A"
)
_HF_EXTRA_MN = "1734 1171E"
_HF_NOT_CONTROL = "890-891 8E2 110CD 13430-1343F"

# Removed by clean_text: NUL, U+FFFD and "other" chars (Cc, Cf, Co; Cs cannot occur in a
# str that Rust accepts), except tab, newline and carriage return, which BERT counts as
# whitespace. Unassigned code points (Cn) are kept, as in HF.
_BERT_CONTROL_RE = regex.compile(
    f"[[\\x00\\uFFFD\\p{{Cc}}\\p{{Cf}}\\p{{Co}}]--[\\t\\n\\r{_hex_class(_HF_NOT_CONTROL)}]]",
    regex.V1,
)
_BERT_MN_RE = regex.compile(
    f"[[\\p{{Mn}}--[{_hex_class(_HF_NOT_MN)}]]{_hex_class(_HF_EXTRA_MN)}]", regex.V1
)
# After clean_text every Unicode White_Space char is a plain space.
_TO_SPACE = {ord(c): " " for c in _WHITE_SPACE}
# The CJK blocks BERT isolates: Unified Ideographs and Extensions A-F, and the two
# Compatibility Ideographs blocks (checked code point by code point against tokenizers).
_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df\U0002a700-\U0002b81f"
    "\U0002b920-\U0002ceaf\U0002f800-\U0002fa1f"
)
_CJK_RE = regex.compile(f"[{_CJK}]")


class BertNormalizer(Normalizer):
    """BERT's text cleanup, as ``tokenizers``' ``BertNormalizer`` does it.

    The steps, in order:

    1. ``clean_text``: remove NUL, U+FFFD and control/format/private-use chars; turn every
       whitespace char (tab and newline included) into ``" "``.
    2. ``handle_chinese_chars``: put a space on each side of every CJK ideograph.
    3. ``strip_accents``: NFD, then remove nonspacing marks (Mn).
    4. ``lowercase``: :class:`Lowercase`.

    Alignments: a kept char maps to its source, the two added spaces map to their
    ideograph, NFD output maps to the char it decomposes.

    Args:
        clean_text: Run step 1.
        handle_chinese_chars: Run step 2.
        strip_accents: Run step 3; ``None`` means "same as ``lowercase``" (HF's rule).
        lowercase: Run step 4.

    >>> BertNormalizer().normalize_str("Héllo\\t中文!")
    'hello  中  文 !'
    >>> BertNormalizer().normalize(NormalizedString.from_str("É")).alignments
    [(0, 1)]
    """

    def __init__(
        self,
        clean_text: bool = True,
        handle_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        lowercase: bool = True,
    ) -> None:
        for name, value in (
            ("clean_text", clean_text),
            ("handle_chinese_chars", handle_chinese_chars),
            ("lowercase", lowercase),
        ):
            if not isinstance(value, bool):
                raise ConfigError(f"BertNormalizer {name} must be True or False, got {value!r}")
        if strip_accents is not None and not isinstance(strip_accents, bool):
            raise ConfigError(
                f"BertNormalizer strip_accents must be True, False or None, got {strip_accents!r}"
            )
        self.clean_text = clean_text
        self.handle_chinese_chars = handle_chinese_chars
        self.strip_accents = strip_accents
        self.lowercase = lowercase

    @property
    def _strips(self) -> bool:
        return self.lowercase if self.strip_accents is None else self.strip_accents

    def normalize_str(self, text: str) -> str:
        if self.clean_text:
            text = _BERT_CONTROL_RE.sub("", text).translate(_TO_SPACE)
        if self.handle_chinese_chars and not text.isascii():
            text = _CJK_RE.sub(r" \g<0> ", text)
        if self._strips and not text.isascii():
            text = _BERT_MN_RE.sub("", unicodedata.normalize("NFD", text))
        if self.lowercase:
            text = Lowercase().normalize_str(text)
        return text

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        ns = _identity(ns)
        if self.clean_text:
            ns = _keep(ns, _BERT_CONTROL_RE)
            ns.normalized = ns.normalized.translate(_TO_SPACE)  # one char for one char
        if self.handle_chinese_chars and _CJK_RE.search(ns.normalized):
            parts: list[str] = []
            spans: list[Span] = []
            for i, c in enumerate(ns.normalized):
                n = 3 if _CJK_RE.match(c) else 1
                parts.append(f" {c} " if n == 3 else c)
                spans.extend([(i, i + 1)] * n)
            ns = ns._derive("".join(parts), spans)
        if self._strips:
            ns = _keep(NFD().normalize(ns), _BERT_MN_RE)
        if self.lowercase:
            ns = Lowercase().normalize(ns)
        return ns

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "BertNormalizer",
            "clean_text": self.clean_text,
            "handle_chinese_chars": self.handle_chinese_chars,
            "strip_accents": self.strip_accents,
            "lowercase": self.lowercase,
        }


def _keep(ns: NormalizedString, drop: regex.Pattern[str]) -> NormalizedString:
    """Remove the chars matching ``drop`` (one-char pattern), keeping the others' spans."""
    text = ns.normalized
    if drop.search(text) is None:
        return ns
    kept = [i for i, c in enumerate(text) if drop.match(c) is None]
    return NormalizedString(
        ns.original, "".join(text[i] for i in kept), [ns.alignments[i] for i in kept]
    )


class Sequence(Normalizer):
    """Apply normalizers in order.

    Args:
        normalizers: The stages.

    Raises:
        ConfigError: A stage is not a :class:`Normalizer`.

    >>> Sequence([NFKC(), Lowercase()]).normalize_str("ＡＢ")
    'ab'
    """

    def __init__(self, normalizers: SequenceABC[Normalizer]) -> None:
        stages = list(normalizers)
        for stage in stages:
            if not isinstance(stage, Normalizer):
                raise ConfigError(
                    f"Sequence stages must be Normalizer objects, got {type(stage).__name__}"
                )
        self.normalizers = stages

    def __iter__(self) -> Iterator[Normalizer]:
        return iter(self.normalizers)

    def normalize_str(self, text: str) -> str:
        for n in self.normalizers:
            text = n.normalize_str(text)
        return text

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        ns = _identity(ns)
        for n in self.normalizers:
            ns = n.normalize(ns)
        return ns

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "normalizers": [n.to_dict() for n in self.normalizers]}


def _per_char(ns: NormalizedString, rewrite: Callable[[str], str]) -> NormalizedString:
    """Rewrite ``ns`` char by char: each output char keeps the span of its source char."""
    text = ns.normalized
    parts: list[str] = []
    spans: list[Span] = []
    for i, c in enumerate(text):
        out = rewrite(c)
        parts.append(out)
        spans.extend([(i, i + 1)] * len(out))
    return ns._derive("".join(parts), spans)


# HF's StripAccents tests "combining mark" with an old table (unicode-normalization-
# alignments); the differences from the ``regex`` module's \p{M}, found by running every
# code point through tokenizers 0.23: marks it keeps, and two it strips that are now So.
_HF_KEPT_MARKS = (
    "5C8-5C9 7FD 897-89F 8CA-8D3 9FE AFA-AFF B53-B55 C04 C3C CF3 D00 D3B-D3C D81 EBA ECE 1715 "
    "180F 1ABF-1AF0 1CF7 1DF6-1DFA A82C A8FF 10D24-10D27 10D69-10D6D 10EAB-10EAC 10ECB-10ECF "
    "10EF0-10EFF 10F46-10F50 10F82-10F85 11070 11073-11074 110C2 11145-11146 111C9 "
    "111CE-111CF 11241 1133B 113B8-113C0 113C2 113C5 113C7-113CA 113CC-113D0 113D2 "
    "113E1-113E2 1145E 1182C-1183A 11930-11935 11937-11938 1193B-1193E 11940 11942-11943 "
    "119D1-119D7 119DA-119E0 119E4 11A01-11A0A 11A33-11A39 11A3B-11A3E 11A47 11A51-11A5B "
    "11A8A-11A99 11B60-11B67 11D31-11D36 11D3A 11D3C-11D3D 11D3F-11D45 11D47 11D8A-11D8E "
    "11D90-11D91 11D93-11D97 11DF0 11EF3-11EF6 11F00-11F01 11F03 11F34-11F3A 11F3E-11F42 "
    "11F5A 13440 13447-13455 1611E-1612F 16F4F 16F7F-16F87 16FE4 16FF0-16FF1 1CF00-1CF2D "
    "1CF30-1CF46 1D127-1D128 1D250-1D252 1D25B-1D25C 1D25F 1D280-1D281 1E08F 1E130-1E136 "
    "1E2AE 1E2EC-1E2EF 1E4EC-1E4EF 1E5EE-1E5EF 1E6E3 1E6E6 1E6EE-1E6EF 1E6F5"
)
_HF_EXTRA_MARKS = "1CF2-1CF3"
_MARK_RE = regex.compile(
    f"[[\\p{{M}}--[{_hex_class(_HF_KEPT_MARKS)}]]{_hex_class(_HF_EXTRA_MARKS)}]", regex.V1
)


class StripAccents(Normalizer):
    """Remove every combining mark (Unicode category M, in HF's older table), as
    ``tokenizers`` does.

    It does not decompose: put :class:`NFD` or :class:`NFKD` first to strip the accents
    of precomposed chars.

    >>> StripAccents().normalize_str("e\u0301\u0301o é")
    'eo é'
    """

    def normalize_str(self, text: str) -> str:
        return text if text.isascii() else _MARK_RE.sub("", text)

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        return _keep(_identity(ns), _MARK_RE)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "StripAccents"}


class Prepend(Normalizer):
    """Put ``prepend`` in front of a non-empty text (aligned with its first char).

    Args:
        prepend: The text to put in front (Llama 2 / Mistral files use ``"▁"``).

    Raises:
        ConfigError: ``prepend`` is not a string.

    >>> Prepend("▁").normalize(NormalizedString.from_str("ab")).alignments
    [(0, 1), (0, 1), (1, 2)]
    """

    def __init__(self, prepend: str) -> None:
        if not isinstance(prepend, str):
            raise ConfigError(f"Prepend needs a string, got {prepend!r}")
        self.prepend = prepend

    def normalize_str(self, text: str) -> str:
        return self.prepend + text if text else text

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        text = ns.normalized
        if not text or not self.prepend:
            return _identity(ns)
        spans = [(0, 1)] * len(self.prepend) + [(i, i + 1) for i in range(len(text))]
        return ns._derive(self.prepend + text, spans)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Prepend", "prepend": self.prepend}


# tokenizers' Nmt normalizer: these control chars are deleted, those become a space.
_NMT_DELETE = "\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f"
_NMT_DELETE_RE = regex.compile(f"[{_NMT_DELETE}]")
_NMT_TO_SPACE = {
    ord(c): " "
    for c in "\t\n\x0c\r\u1680\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u2581\ufeff\ufffd"
}


class Nmt(Normalizer):
    r"""``tokenizers``' ``Nmt``: delete C0 controls (but tab, LF, FF, CR), DEL, U+008F and
    U+009F; turn tab, LF, FF, CR, U+1680, U+200B..U+200F, U+2028, U+2029, U+2581, U+FEFF
    and U+FFFD into a space. No Unicode normalization (compare :class:`NmtNfkc`).

    >>> Nmt().normalize_str("a\x01b\x7fc\u200bd\ne")
    'abc d e'
    """

    def normalize_str(self, text: str) -> str:
        return _NMT_DELETE_RE.sub("", text).translate(_NMT_TO_SPACE)

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        ns = _keep(_identity(ns), _NMT_DELETE_RE)
        ns.normalized = ns.normalized.translate(_NMT_TO_SPACE)  # one char for one char
        return ns

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Nmt"}


class ByteLevel(Normalizer):
    """Write every UTF-8 byte as its GPT-2 char (see ``pre_tokenizers.bytes_to_unicode``).

    >>> ByteLevel().normalize(NormalizedString.from_str("é ")).normalized
    'Ã©Ġ'
    """

    def normalize_str(self, text: str) -> str:
        return byte_map(text)

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        return _per_char(ns, self.normalize_str)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteLevel"}


def _charsmap_from(blob: Any, who: str) -> CharsMap:
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise ConfigError(f"{who} needs the charsmap as bytes, got {type(blob).__name__}")
    return CharsMap.from_bytes(bytes(blob))


def _apply_charsmap(cm: CharsMap, ns: NormalizedString) -> NormalizedString:
    text, spans = cm.normalize(ns.normalized)
    return ns._derive(text, spans)


class NmtNfkc(Normalizer):
    """SentencePiece's default ``nmt_nfkc`` normalization (NFKC plus NMT rules).

    NFKC, except that C0 controls (but tab, LF, FF, CR), DEL, U+008F and U+009F are
    deleted, tab/LF/FF/CR and a few invisible or space-like chars (U+200B, U+200C, U+FEFF,
    U+2581, U+FFFD, ...) become a space, and U+FF5E FULLWIDTH TILDE is kept. Matching is
    SentencePiece's: the longest rule at each position, so ``"e" + U+0301`` composes.
    No whitespace cleanup: that is :class:`SentencePieceNormalizer`'s job.

    ``to_dict`` gives ``{"type": "NmtNfkc"}``, a tokenlab-only type; HF expresses these
    rules as ``Precompiled`` with :meth:`tokenlab.charsmap.CharsMap.nmt_nfkc`'s blob.

    >>> NmtNfkc().normalize_str("ﬁ\\tＡ\\x7f")
    'fi A'
    >>> NmtNfkc().normalize(NormalizedString.from_str("ﬁx")).alignments
    [(0, 1), (0, 1), (1, 2)]
    """

    @property
    def charsmap(self) -> CharsMap:
        """The compiled rules (built on first use, about 3 s, then cached)."""
        return CharsMap.nmt_nfkc()

    def normalize_str(self, text: str) -> str:
        return self.charsmap.normalize_str(text)

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        return _apply_charsmap(self.charsmap, ns)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "NmtNfkc"}


_DOUBLE_SPACE = re.compile("  +")


class SentencePieceNormalizer(Normalizer):
    """Everything ``sentencepiece.SentencePieceProcessor.normalize`` does, with alignments.

    SentencePiece's loop: apply the charsmap (longest match, one step per rule or copied
    char); with ``remove_extra_whitespaces`` drop leading spaces, drop a step's leading
    spaces when the previous output ended in a space, and drop trailing spaces; with
    ``add_dummy_prefix`` put one space in front (or at the end with
    ``treat_whitespace_as_suffix``); with ``escape_whitespaces`` write every space as
    ``▁`` (U+2581). Empty or all-space input gives ``""``.

    Alignments: a char maps to the source of its step; an escaped space to the char it
    came from; the dummy prefix to an empty span where the kept text starts.

    Args:
        charsmap: A ``precompiled_charsmap`` blob (from a ``.model``); ``None`` or empty
            means no rules (SentencePiece's ``identity``).
        add_dummy_prefix: Prepend a space.
        remove_extra_whitespaces: Strip and collapse spaces.
        escape_whitespaces: Write spaces as ``▁``.
        treat_whitespace_as_suffix: Put the dummy space at the end instead.
        user_defined_symbols: The model's user-defined pieces: where SentencePiece's walk
            finds one (longest first, before the charsmap), it is copied unchanged (a
            user-defined tab stays a tab under ``nmt_nfkc``).

    Raises:
        ConfigError: An option has the wrong type.
        ModelFileError: The charsmap is malformed.

    >>> SentencePieceNormalizer(None).normalize_str("  Hello   world ")
    '▁Hello▁world'
    >>> ns = SentencePieceNormalizer(None).normalize(NormalizedString.from_str(" ab"))
    >>> ns.normalized, ns.alignments
    ('▁ab', [(1, 1), (1, 2), (2, 3)])
    """

    def __init__(
        self,
        charsmap: bytes | None,
        add_dummy_prefix: bool = True,
        remove_extra_whitespaces: bool = True,
        escape_whitespaces: bool = True,
        treat_whitespace_as_suffix: bool = False,
        user_defined_symbols: SequenceABC[str] = (),
    ) -> None:
        if isinstance(user_defined_symbols, str) or not all(
            isinstance(x, str) and x for x in user_defined_symbols
        ):
            raise ConfigError(
                "SentencePieceNormalizer user_defined_symbols must be a list of non-empty "
                f"strings, got {user_defined_symbols!r}"
            )
        self.user_defined_symbols = tuple(dict.fromkeys(user_defined_symbols))
        self._user: dict[str, list[str]] = {}
        for sym in sorted(
            self.user_defined_symbols, key=lambda x: -len(x.encode("utf-8", "surrogatepass"))
        ):
            self._user.setdefault(sym[0], []).append(sym)
        for name, value in (
            ("add_dummy_prefix", add_dummy_prefix),
            ("remove_extra_whitespaces", remove_extra_whitespaces),
            ("escape_whitespaces", escape_whitespaces),
            ("treat_whitespace_as_suffix", treat_whitespace_as_suffix),
        ):
            if not isinstance(value, bool):
                raise ConfigError(
                    f"SentencePieceNormalizer {name} must be True or False, got {value!r}"
                )
        self.charsmap = _charsmap_from(
            b"" if charsmap is None else charsmap, "SentencePieceNormalizer"
        )
        self.add_dummy_prefix = add_dummy_prefix
        self.remove_extra_whitespaces = remove_extra_whitespaces
        self.escape_whitespaces = escape_whitespaces
        self.treat_whitespace_as_suffix = treat_whitespace_as_suffix
        # Collapsing spaces over the whole output equals SentencePiece's per-step rule
        # unless a replacement itself holds two spaces in a row.
        self._collapse_exact = not self.charsmap.may_write_double_spaces

    def _has_symbols(self, text: str) -> bool:
        return any(c in text for c in self._user)

    def _steps(self, text: str) -> Iterator[tuple[int, int, str]]:
        # One (start, end, output) per SentencePiece step: unmatched runs split per char.
        if self._has_symbols(text):
            yield from self._steps_with_symbols(text)
            return
        for start, end, out, matched in self.charsmap.segments(text):
            if matched or end - start == 1:
                yield start, end, out
            else:
                for i in range(start, end):
                    yield i, i + 1, text[i]

    def _steps_with_symbols(self, text: str) -> Iterator[tuple[int, int, str]]:
        # SentencePiece's prefix matcher goes first at each position its walk reaches:
        # the longest user-defined symbol there is one step that writes itself; else
        # the charsmap's step(s) there (a lone surrogate is three steps of one char),
        # from a window of the text widened while the step reaches the window's end.
        pos = 0
        n = len(text)
        while pos < n:
            sym = next((x for x in self._user.get(text[pos], ()) if text.startswith(x, pos)), None)
            if sym is not None:
                yield pos, pos + len(sym), sym
                pos += len(sym)
                continue
            size = 16
            while True:
                window = text[pos : pos + size]
                first = []
                for start, end, out, matched in self.charsmap.segments(window):
                    if start:
                        break
                    first.append(
                        (pos, pos + (end if matched else 1), out if matched else text[pos])
                    )
                if first[-1][1] - pos < len(window) or pos + len(window) >= n:
                    break
                size *= 2
            yield from first
            pos = first[-1][1]

    def normalize_str(self, text: str) -> str:
        if not self._collapse_exact or (self._user and self._has_symbols(text)):
            return self._run(text)[0]
        if not text:
            return ""
        space = "▁" if self.escape_whitespaces else " "
        out = self.charsmap.normalize_str(text)
        if self.remove_extra_whitespaces:
            out = _DOUBLE_SPACE.sub(" ", out.lstrip(" "))
            if not out and all(o == " " for _, _, o in self._steps(text)):
                return ""  # everything was leading space: no dummy prefix either
        if self.escape_whitespaces:
            out = out.replace(" ", "▁")
        if self.add_dummy_prefix and not self.treat_whitespace_as_suffix:
            out = space + out
        if self.remove_extra_whitespaces:
            out = out.rstrip(space)
        if self.add_dummy_prefix and self.treat_whitespace_as_suffix:
            out += space
        return out

    def _run(self, text: str) -> tuple[str, list[Span]]:
        """SentencePiece's normalization loop, step by step, with char spans."""
        if not text:
            return "", []
        space = "▁" if self.escape_whitespaces else " "
        steps = list(self._steps(text))
        k = 0
        if self.remove_extra_whitespaces:
            while k < len(steps) and steps[k][2] == " ":
                k += 1
            if k == len(steps):
                return "", []
        consumed = steps[k][0]
        chars: list[str] = []
        spans: list[Span] = []
        if self.add_dummy_prefix and not self.treat_whitespace_as_suffix:
            chars.append(space)
            spans.append((consumed, consumed))
        prev_space = self.remove_extra_whitespaces
        for start, end, out in steps[k:]:
            if prev_space:
                out = out.lstrip(" ")
            if out:
                for c in out:
                    chars.append(space if c == " " else c)
                    spans.append((start, end))
                prev_space = out.endswith(" ")
            if not self.remove_extra_whitespaces:
                prev_space = False
            consumed = end
        if self.remove_extra_whitespaces:
            while chars and chars[-1] == space:
                chars.pop()
                consumed = spans.pop()[0]
        if self.add_dummy_prefix and self.treat_whitespace_as_suffix:
            chars.append(space)
            spans.append((consumed, consumed))
        return "".join(chars), spans

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        text, spans = self._run(ns.normalized)
        return ns._derive(text, spans)

    def to_dict(self) -> dict[str, Any]:
        blob = self.charsmap.to_bytes()
        return {
            "type": "SentencePieceNormalizer",
            "precompiled_charsmap": base64.b64encode(blob).decode("ascii") if blob else None,
            "add_dummy_prefix": self.add_dummy_prefix,
            "remove_extra_whitespaces": self.remove_extra_whitespaces,
            "escape_whitespaces": self.escape_whitespaces,
            "treat_whitespace_as_suffix": self.treat_whitespace_as_suffix,
            "user_defined_symbols": list(self.user_defined_symbols),
        }


class Precompiled(Normalizer):
    """Hugging Face's ``Precompiled``: a SentencePiece charsmap applied the way
    ``tokenizers`` does it.

    That is NOT SentencePiece's own loop: HF splits the text into extended grapheme
    clusters; a cluster of fewer than 6 UTF-8 bytes is replaced whole by the rule of the
    SHORTEST key that is a prefix of it (the rest of the cluster is dropped); otherwise,
    or when no key matches, each char is replaced by its rule or kept. So ``"ﬁ"`` + U+0301
    gives ``"fi"`` here and ``"fí"`` in SentencePiece. (Use
    :class:`SentencePieceNormalizer` for SentencePiece's behaviour.)

    Args:
        precompiled_charsmap: The blob (``normalizer_spec.precompiled_charsmap``).

    Raises:
        ModelFileError: The blob is empty or malformed (HF rejects an empty one too).

    >>> from tokenlab.charsmap import CharsMap
    >>> Precompiled(CharsMap.build({"ﬁ": "fi"})).normalize_str("ﬁ\\u0301ﬁ")
    'fifi'
    """

    def __init__(self, precompiled_charsmap: bytes) -> None:
        self.charsmap = _charsmap_from(precompiled_charsmap, "Precompiled")
        if not self.charsmap.to_bytes():
            raise ModelFileError(
                "Precompiled needs a non-empty precompiled_charsmap (tokenizers cannot parse "
                "an empty one); leave the normalizer out for SentencePiece's identity rules"
            )
        # Read once: CharsMap.longest_source scans every rule.
        self._longest = self.charsmap.longest_source

    def _transform(self, chunk: str) -> str | None:
        get = self.charsmap.get
        for size in range(1, min(len(chunk), self._longest) + 1):
            out = get(chunk[:size])
            if out is not None:
                return out
        return None

    def _pieces(self, text: str) -> Iterator[tuple[int, int, str]]:
        for m in _GRAPHEME_RE.finditer(text):
            g = m.group()
            start = m.start()
            if len(g) == 1 or len(g.encode("utf-8", "surrogatepass")) < 6:
                out = self._transform(g)
                if out is not None:
                    yield start, m.end(), out
                    continue
                if len(g) == 1:
                    yield start, start + 1, g
                    continue
            for i, c in enumerate(g, start):
                out = self._transform(c)
                yield i, i + 1, c if out is None else out

    def normalize_str(self, text: str) -> str:
        return "".join(out for _, _, out in self._pieces(text))

    def normalize(self, ns: NormalizedString) -> NormalizedString:
        # tokenizers' `replace` in precompiled.rs: a piece of k chars written as m chars
        # is m chars of change 0, then the last m - k marked inserted (m > k), or the
        # last char so far (maybe an earlier piece's) told to skip k - m (m < k).
        changes: list[list[Any]] = []
        for start, end, out in self._pieces(ns.normalized):
            k, m = end - start, len(out)
            changes.extend([c, 0] for c in out)
            if m > k:
                for item in changes[len(changes) - (m - k) :]:
                    item[1] = 1
            elif m < k and changes:
                changes[-1][1] += m - k
        return ns._transform([(c, change) for c, change in changes])

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "Precompiled",
            "precompiled_charsmap": base64.b64encode(self.charsmap.to_bytes()).decode("ascii"),
        }


# What the SentencePiece whitespace cleanup is in tokenizers' terms: strip spaces at
# both ends (lookarounds, because onig's ^ and $ also match at line breaks), then
# collapse runs. Only U+0020 counts, as in SentencePiece.
_STRIP_SPACES = "(?<![\\s\\S]) +| +(?![\\s\\S])"
_COLLAPSE_SPACES = " {2,}"


class SentencePieceNormalization(SentencePieceNormalizer):
    """SentencePiece's normalization, exactly; saved in Hugging Face's form.

    Behaves as :class:`SentencePieceNormalizer`.
    ``to_dict`` writes what ``tokenizers`` can load (a ``Sequence`` of
    ``Precompiled``, a ``Replace`` stripping spaces at both ends and a
    ``Replace`` collapsing runs of spaces; the dummy prefix and the ``▁`` come
    from the ``Metaspace`` pre-tokenizer). That form differs from SentencePiece
    only where ``tokenizers``' ``Precompiled`` does (it applies the charsmap per
    grapheme cluster); a tokenizer loaded back from it behaves as ``tokenizers``.

    >>> SentencePieceNormalization(None).normalize_str("  a  b ")
    '▁a▁b'
    """

    def __init__(
        self,
        charsmap: bytes | CharsMap | None,
        add_dummy_prefix: bool = True,
        remove_extra_whitespaces: bool = True,
        escape_whitespaces: bool = True,
        treat_whitespace_as_suffix: bool = False,
        user_defined_symbols: SequenceABC[str] = (),
    ) -> None:
        compiled = charsmap if isinstance(charsmap, CharsMap) else None
        super().__init__(
            None if isinstance(charsmap, CharsMap) else charsmap,
            add_dummy_prefix=add_dummy_prefix,
            remove_extra_whitespaces=remove_extra_whitespaces,
            escape_whitespaces=escape_whitespaces,
            treat_whitespace_as_suffix=treat_whitespace_as_suffix,
            user_defined_symbols=user_defined_symbols,
        )
        if compiled is not None:
            # Already compiled (nmt_nfkc is built once per process): reading its blob
            # back would cost about a second.
            self.charsmap = compiled
            self._collapse_exact = not compiled.may_write_double_spaces

    @property
    def charsmap_bytes(self) -> bytes:
        """The precompiled charsmap (empty: SentencePiece's ``identity``)."""
        return self.charsmap.to_bytes()

    def to_dict(self) -> dict[str, Any] | None:  # type: ignore[override]
        if self.treat_whitespace_as_suffix or not self.escape_whitespaces:
            raise ConfigError(
                "tokenizer.json cannot express SentencePiece's treat_whitespace_as_suffix or "
                "escape_whitespaces=False; export the tokenizer as a .model file instead"
            )
        if self.user_defined_symbols:
            raise ConfigError(
                "tokenizer.json cannot express SentencePiece's user-defined symbols (kept "
                "out of normalization); export the tokenizer as a .model file instead"
            )
        parts: list[Normalizer] = []
        blob = self.charsmap_bytes
        if blob:
            parts.append(Precompiled(blob))
        if self.remove_extra_whitespaces:
            parts.append(Replace(_STRIP_SPACES, "", is_regex=True))
            parts.append(Replace(_COLLAPSE_SPACES, " ", is_regex=True))
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0].to_dict()
        return Sequence(parts).to_dict()


_GRAPHEME_RE = regex.compile(r"\X", regex.DOTALL)


def _b64_charsmap(d: dict[str, Any], allow_null: bool) -> bytes:
    value = d.get("precompiled_charsmap")
    if value is None and allow_null:
        return b""
    if not isinstance(value, str):
        raise ModelFileError(
            f'{d.get("type")} normalizer needs "precompiled_charsmap" as a base64 string, '
            f"got {type(value).__name__}"
        )
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ModelFileError(
            f"{d.get('type')} normalizer: precompiled_charsmap is not valid base64: {e}"
        ) from e


def _strip_from_dict(d: dict[str, Any]) -> Strip:
    return Strip(dict_field(d, "strip_left", bool, True), dict_field(d, "strip_right", bool, True))


def _replace_from_dict(d: dict[str, Any]) -> Replace:
    pattern = d.get("pattern")
    content = d.get("content")
    if not (isinstance(pattern, dict) and len(pattern) == 1) or not isinstance(content, str):
        raise ModelFileError(
            'Replace normalizer needs "pattern": {"String"|"Regex": ...} and a string '
            f'"content", got {d!r}'
        )
    ((ptype, ptext),) = pattern.items()
    if ptype not in ("String", "Regex"):
        raise ModelFileError(f"Replace pattern {pattern!r}: expected a Regex or String")
    try:
        return Replace(ptext, content, is_regex=ptype == "Regex")
    except ConfigError as e:
        raise ModelFileError(f"bad Replace normalizer: {e}") from e


def _bert_from_dict(d: dict[str, Any]) -> BertNormalizer:
    strip_accents = d.get("strip_accents")
    if strip_accents is not None and not isinstance(strip_accents, bool):
        raise ModelFileError(
            f"BertNormalizer: 'strip_accents' must be true/false/null, got {strip_accents!r}"
        )
    return BertNormalizer(
        clean_text=dict_field(d, "clean_text", bool, True),
        handle_chinese_chars=dict_field(d, "handle_chinese_chars", bool, True),
        strip_accents=strip_accents,
        lowercase=dict_field(d, "lowercase", bool, True),
    )


def _sentencepiece_from_dict(d: dict[str, Any]) -> SentencePieceNormalizer:
    return SentencePieceNormalizer(
        _b64_charsmap(d, allow_null=True),
        add_dummy_prefix=dict_field(d, "add_dummy_prefix", bool, True),
        remove_extra_whitespaces=dict_field(d, "remove_extra_whitespaces", bool, True),
        escape_whitespaces=dict_field(d, "escape_whitespaces", bool, True),
        treat_whitespace_as_suffix=dict_field(d, "treat_whitespace_as_suffix", bool, False),
        user_defined_symbols=dict_field(d, "user_defined_symbols", list, []),
    )


def _sequence_from_dict(d: dict[str, Any]) -> Sequence:
    stages = d.get("normalizers")
    if not isinstance(stages, list):
        raise ModelFileError(f'Sequence normalizer needs a "normalizers" list, got {d!r}')
    built = [normalizer_from_dict(s) for s in stages]
    return Sequence([s for s in built if s is not None])


#: ``tokenizer.json`` normalizer ``type`` -> the builder of that normalizer from its
#: dict: the one table :func:`normalizer_from_dict` reads. ``NmtNfkc`` and
#: ``SentencePieceNormalizer`` are tokenlab's own types.
NORMALIZER_TYPES: dict[str, Callable[[dict[str, Any]], Normalizer]] = {
    "NFC": lambda d: NFC(),
    "NFD": lambda d: NFD(),
    "NFKC": lambda d: NFKC(),
    "NFKD": lambda d: NFKD(),
    "Lowercase": lambda d: Lowercase(),
    "Strip": _strip_from_dict,
    "Replace": _replace_from_dict,
    "BertNormalizer": _bert_from_dict,
    "Precompiled": lambda d: Precompiled(_b64_charsmap(d, allow_null=False)),
    "Sequence": _sequence_from_dict,
    "StripAccents": lambda d: StripAccents(),
    "Prepend": lambda d: Prepend(dict_field(d, "prepend", str)),
    "Nmt": lambda d: Nmt(),
    "ByteLevel": lambda d: ByteLevel(),
    "NmtNfkc": lambda d: NmtNfkc(),
    "SentencePieceNormalizer": _sentencepiece_from_dict,
}


def normalizer_from_dict(d: dict[str, Any] | None) -> Normalizer | None:
    """Build a normalizer from its ``tokenizer.json`` dict.

    Args:
        d: The ``"normalizer"`` value of a ``tokenizer.json`` (``None`` allowed).

    Returns:
        The normalizer, or ``None`` when ``d`` is ``None``.

    Raises:
        ModelFileError: ``d`` is malformed or names a normalizer tokenlab does not
            support (the message lists those of :data:`NORMALIZER_TYPES`).

    >>> normalizer_from_dict({"type": "Sequence", "normalizers": [{"type": "NFC"}]})
    Sequence({'type': 'Sequence', 'normalizers': [{'type': 'NFC'}]})
    """
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ModelFileError(f"a normalizer must be a JSON object or null, got {d!r}")
    kind = d.get("type")
    build = NORMALIZER_TYPES.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise ModelFileError(
            f"unsupported normalizer type {kind!r}; tokenlab supports {', '.join(NORMALIZER_TYPES)}"
        )
    return build(d)
