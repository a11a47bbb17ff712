"""Normalizers: rewrite text before pre-tokenization, keeping track of where each char came from.

Supported components (Hugging Face ``tokenizer.json`` names, read and written by ``to_dict``
/ :func:`normalizer_from_dict`): ``NFC``, ``NFD``, ``NFKC``, ``NFKD``, ``Lowercase``,
``Strip`` (``strip_left`` / ``strip_right``), ``Replace`` (a ``String`` or ``Regex`` pattern
with literal replacement content) and ``Sequence``.

Every normalizer has two paths that always agree on the text:

- :meth:`Normalizer.normalize_str` -- the fast path, text only (training uses it);
- :meth:`Normalizer.normalize` -- returns a :class:`NormalizedString` whose ``alignments``
  give, for every normalized char, the span of the ORIGINAL string it came from.

Alignment rules: ``Lowercase`` maps each output char of ``c.lower()`` to the span of ``c``.
The Unicode forms normalize each segment starting at a char of canonical combining class 0
on its own and map every output char to its segment's span; where that does not reproduce
the normalization of the whole text (composition or reordering across segments, e.g.
Hangul jamo) neighbouring segments are merged. ``Replace`` maps the replacement chars to
the span of the match.

Differences from ``tokenizers`` (0.23):

- Unicode data comes from Python's :mod:`unicodedata` (Unicode 14 on Python 3.11); the Rust
  side uses a newer Unicode version, so chars assigned after that version may normalize or
  lowercase differently.
- ``Lowercase`` lowercases char by char like HF (so a final capital sigma becomes ``σ``,
  not the ``ς`` that ``str.lower()`` would give).
- ``Replace`` with a regex ignores empty matches.
- Other HF normalizers (Bert, Prepend, StripAccents, Precompiled, ...) are not supported;
  :func:`normalizer_from_dict` rejects them with :class:`~tokenlab.errors.ModelFileError`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from typing import Any, Literal

import regex

from tokenlab.errors import ConfigError, ModelFileError

__all__ = [
    "NFC",
    "NFD",
    "NFKC",
    "NFKD",
    "Lowercase",
    "NormalizedString",
    "Normalizer",
    "Replace",
    "Sequence",
    "Strip",
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

    def _derive(self, normalized: str, spans: list[Span]) -> NormalizedString:
        """Build the next string, ``spans`` being in the coordinates of ``self.normalized``."""
        al = self.alignments
        out: list[Span] = []
        for s, e in spans:
            out.append((al[s][0], al[e - 1][1]) if e > s else self._point(s))
        return NormalizedString(self.original, normalized, out)


class Normalizer:
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

    def to_dict(self) -> dict[str, Any]:
        """Return the Hugging Face ``tokenizer.json`` dict of this component."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Normalizer):
            return NotImplemented
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self))


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
        # Segment starts: chars of combining class 0 (the first char always starts one).
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
            if not full.startswith(out, pos) or (
                j == len(starts) - 1 and pos + len(out) != len(full)
            ):
                # Never seen in practice; keep the invariant with one coarse group.
                spans.extend([(seg_start, len(text))] * (len(full) - pos))
                pos = len(full)
                break
            spans.extend([(seg_start, starts[j])] * len(out))
            pos += len(out)
            k = j
        return ns._derive(full, spans)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.form}


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
            spans.extend([(s, e)] * n)
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


_FORMS: dict[str, type[_UnicodeForm]] = {"NFC": NFC, "NFD": NFD, "NFKC": NFKC, "NFKD": NFKD}


def _flag(d: dict[str, Any], key: str, default: bool) -> bool:
    value = d.get(key, default)
    if not isinstance(value, bool):
        raise ModelFileError(
            f"{d.get('type')} normalizer: {key!r} must be true/false, got {value!r}"
        )
    return value


def normalizer_from_dict(d: dict[str, Any] | None) -> Normalizer | None:
    """Build a normalizer from its ``tokenizer.json`` dict.

    Args:
        d: The ``"normalizer"`` value of a ``tokenizer.json`` (``None`` allowed).

    Returns:
        The normalizer, or ``None`` when ``d`` is ``None``.

    Raises:
        ModelFileError: ``d`` is malformed or names a normalizer tokenlab does not support.

    >>> normalizer_from_dict({"type": "Sequence", "normalizers": [{"type": "NFC"}]})
    Sequence({'type': 'Sequence', 'normalizers': [{'type': 'NFC'}]})
    """
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ModelFileError(f"a normalizer must be a JSON object or null, got {d!r}")
    kind = d.get("type")
    if isinstance(kind, str) and kind in _FORMS:
        return _FORMS[kind]()
    if kind == "Lowercase":
        return Lowercase()
    if kind == "Strip":
        return Strip(_flag(d, "strip_left", True), _flag(d, "strip_right", True))
    if kind == "Replace":
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
    if kind == "Sequence":
        stages = d.get("normalizers")
        if not isinstance(stages, list):
            raise ModelFileError(f'Sequence normalizer needs a "normalizers" list, got {d!r}')
        built = [normalizer_from_dict(s) for s in stages]
        return Sequence([s for s in built if s is not None])
    raise ModelFileError(
        f"unsupported normalizer type {kind!r}; tokenlab supports NFC, NFD, NFKC, NFKD, "
        "Lowercase, Strip, Replace and Sequence"
    )
