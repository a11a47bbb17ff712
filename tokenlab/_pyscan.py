"""Pure twin of the native scanner (``_scan.pxi``): the fixed split patterns on ``regex``.

:class:`PatternScanner` gives the matches of one of the fixed patterns of
``tokenlab._patterns.SCAN_PATTERNS`` -- Hugging Face's ByteLevel regex, tiktoken's gpt2,
cl100k_base and o200k_base, and the published models' llama3, qwen2, qwen3_5 and tekken -- and
:class:`ByteWordCounter` counts their byte-mapped words. Here both simply run the pattern
through the ``regex`` module, which is the definition the native core is tested against;
the native core matches the same patterns with hand-written matchers and gets the same
results without a regex engine.

Only these patterns are supported; any other regex goes through ``regex`` directly in
:mod:`tokenlab.pre_tokenizers`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import regex

from ._patterns import SCAN_PATTERNS

__all__ = ["SCAN_NAMES", "ByteWordCounter", "PatternScanner", "SpaceWordCounter"]

#: Names of the fixed patterns the scanner knows (one source: tokenlab/_patterns.py).
SCAN_NAMES = tuple(SCAN_PATTERNS)


def _gpt2_byte_chars() -> dict[int, str]:
    # GPT-2's byte -> printable char table, as a str.translate table over Latin-1 chars.
    table: dict[int, str] = {}
    extra = 0
    for b in range(256):
        if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or b >= 0xAE:
            table[b] = chr(b)
        else:
            table[b] = chr(0x100 + extra)
            extra += 1
    return table


_BYTE_CHARS = _gpt2_byte_chars()


def _byte_chars(word: str) -> str:
    return word.encode("utf-8", "surrogatepass").decode("latin-1").translate(_BYTE_CHARS)


class PatternScanner:
    """Matcher for one of the fixed split patterns (``SCAN_NAMES``), on ``regex``.

    Args:
        name: ``"byte_level"`` (Hugging Face's ByteLevel regex), ``"gpt2"``,
            ``"cl100k_base"``, ``"o200k_base"`` (tiktoken's), ``"llama3"``, ``"qwen2"``,
            ``"qwen3_5"`` or ``"tekken"`` (those models' own).

    Raises:
        ValueError: ``name`` is not one of ``SCAN_NAMES``.

    >>> PatternScanner("cl100k_base").words("I'M 12345 ok\\n")
    ['I', "'M", ' ', '123', '45', ' ok', '\\n']
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):  # as the native twin: a wrong type is a TypeError
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        if name not in SCAN_PATTERNS:
            raise ValueError(
                f"no fixed-pattern scanner for {name!r}; use one of {', '.join(SCAN_NAMES)}"
            )
        self.name = name
        self._re = regex.compile(SCAN_PATTERNS[name])

    def __repr__(self) -> str:
        return f"PatternScanner({self.name!r})"

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return the ``(start, end)`` of every match."""
        return [m.span() for m in self._re.finditer(text)]

    def words(self, text: str) -> list[str]:
        """Return the matched strings (``regex.findall``)."""
        return self._re.findall(text)

    def byte_words(self, text: str) -> list[str]:
        """Return the matches with their UTF-8 bytes mapped to GPT-2's printable chars."""
        return [_byte_chars(w) for w in self._re.findall(text)]


class ByteWordCounter:
    """Count the byte-mapped words of many texts.

    Equivalent to ``Counter(w for t in texts for w in scanner.byte_words(t))`` (with
    ``" "`` prepended to a non-empty text that does not start with one when
    ``add_prefix_space``), keys in first-seen order.

    Args:
        scanner: The pattern to split with.
        add_prefix_space: ByteLevel's option.
    """

    def __init__(self, scanner: PatternScanner, add_prefix_space: bool = False) -> None:
        if not isinstance(scanner, PatternScanner):
            raise TypeError(f"scanner must be a PatternScanner, got {type(scanner).__name__}")
        self._scanner = scanner
        self._prefix = bool(add_prefix_space)
        self._counts: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._counts)

    def add(self, texts: Iterable[str]) -> None:
        """Count the words of each text of ``texts``.

        Raises:
            TypeError: an item of ``texts`` is not a str.
        """
        findall = self._scanner._re.findall
        counts = self._counts
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
            if self._prefix and text and not text.startswith(" "):
                text = " " + text
            counts.update(map(_byte_chars, findall(text)))

    def add_lines(self, data: bytes | bytearray | memoryview) -> int:
        """Count the words of each line of ``data``, UTF-8 bytes, line endings kept.

        The same counts as :meth:`add` over the decoded lines, each with its ``"\\n"``
        (the last line may lack one).

        Returns:
            -1; or the offset of the first invalid UTF-8 sequence in ``data``, after
            which the counts are partial: the caller discards the counter.
        """
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            return e.start
        lines = text.split("\n")
        last = lines.pop()
        self.add([line + "\n" for line in lines])
        if last:
            self.add([last])
        return -1

    def update(self, other: ByteWordCounter) -> None:
        """Add the counts of ``other`` (its new words come after this counter's).

        Raises:
            ValueError: ``other`` splits with another pattern or prefix option.
        """
        if other._scanner.name != self._scanner.name or other._prefix != self._prefix:
            raise ValueError("update needs a counter with the same pattern and prefix option")
        self._counts.update(other._counts)

    def to_dict(self, into: dict[str, int] | None = None) -> dict[str, int]:
        """Return ``{byte-mapped word: count}`` in first-seen order.

        Args:
            into: a dict (e.g. a ``Counter``) to add the counts to and return, so that a
                large result is not built twice; None: a new dict.
        """
        if into is None:
            return dict(self._counts)
        for word, count in self._counts.items():
            into[word] = into.get(word, 0) + count
        return into


def check_word_table(table: Sequence[str]) -> None:
    """Raise ValueError unless ``table`` is 128 ASCII word rules ("", " ", "c" or " c ")."""
    if len(table) != 128:
        raise ValueError(f"table must have 128 entries, got {len(table)}")
    for c, out in enumerate(table):
        if not isinstance(out, str) or not out.isascii() or "\n" in out:
            raise ValueError(f"table[{c}] must be an ASCII str without a newline, got {out!r}")
        alone = len(out) == 3 and out[0] == " " == out[2] and out[1] != " "
        if len(out) > 1 and not alone:
            raise ValueError(f"table[{c}] must be '', ' ', a char or ' c ', got {out!r}")


class SpaceWordCounter:
    """Count the space-separated words of lines, and the last word of each line.

    Each text is lines joined by ``"\\n"``; with no ``table``, the text must be ASCII
    and the words are the non-empty runs between spaces and newlines, keys in
    first-seen order. SentencePiece's word counting uses it for the lines it can take
    in bulk (:mod:`tokenlab.sp_pretokenize`).

    A ``table`` maps each of the 128 ASCII chars to ``""`` (dropped), ``" "`` (a
    separator), one char (that char, inside a word) or ``" c "`` (``c`` as a word of its
    own): the text is translated by it first, then split as above. A newline must map
    to ``" "``. With a ``rule`` too, other chars get theirs from it (the same forms, a
    word's part may be several chars; None: not covered, see :meth:`add`). The BERT
    word counter uses them (:func:`tokenlab.corpus.bert_char_rule`).

    Args:
        sentence_ends: also count the last word of each line.
        table: the ASCII rules, or None (identity).
        rule: char -> rule or None, for chars outside ASCII (only with a table).

    Raises:
        ValueError: ``table`` is malformed, or a rule without a table.

    >>> c = SpaceWordCounter(True)
    >>> c.add("a b  a\\n\\nb a ")
    True
    >>> c.to_dicts()
    ({'a': 3, 'b': 2}, {'a': 2})
    """

    def __init__(
        self,
        sentence_ends: bool = False,
        table: Sequence[str] | None = None,
        rule: Callable[[str], str | None] | None = None,
    ) -> None:
        self._words: Counter[str] = Counter()
        self._lasts: Counter[str] = Counter()
        self._want_ends = bool(sentence_ends)
        self._table: dict[int, str | None] | None = None
        self._rule = rule
        if table is None:
            if rule is not None:
                raise ValueError("a rule for chars outside ASCII needs a table")
            return
        check_word_table(table)
        if table[10] != " ":
            raise ValueError("table must map the newline to ' ' (lines are joined by it)")
        self._table = dict(enumerate(table))
        self._table[10] = "\n"  # a separator that also ends the line (for sentence ends)

    def __len__(self) -> int:
        return len(self._words) - ("" in self._words)

    def _covers(self, text: str) -> bool:
        # Whether every char has a rule; rules of chars outside ASCII asked once each.
        table = self._table
        assert table is not None
        for ch in set(text):
            cp = ord(ch)
            if cp not in table:
                out = self._rule(ch) if self._rule is not None else None
                if out is not None:
                    alone = len(out) == 3 and out[0] == " " == out[2] and out[1] != " "
                    if "\n" in out or (" " in out and out != " " and not alone):
                        raise ValueError(f"rule({ch!r}) gave {out!r}, not a rule")
                table[cp] = out
            if table[cp] is None:
                return False
        return True

    def add(self, text: str) -> bool:
        """Count the words of ``text`` (lines joined by newlines).

        Returns:
            True; False (and nothing counted) when a char of ``text`` has no rule
            (the caller counts that text some other way).

        Raises:
            TypeError: ``text`` is not a str.
            ValueError: ``text`` is not ASCII and there is no table.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if self._table is None:
            if not text.isascii():
                raise ValueError("SpaceWordCounter takes ASCII text only (without a table)")
        else:
            if not text.isascii() and not self._covers(text):
                return False
            text = text.translate(self._table)
        # str.split and Counter run in C; the empty strings between separators are
        # counted too and dropped in to_dicts, which keeps the others' order.
        self._words.update(text.replace("\n", " ").split(" "))
        if self._want_ends:
            self._lasts.update([line.rstrip(" ").rpartition(" ")[2] for line in text.split("\n")])
        return True

    def to_dicts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Return ``({word: count}, {last word: count})``, each in first-seen order."""
        words = {w: n for w, n in self._words.items() if w}
        lasts = {w: n for w, n in self._lasts.items() if w}
        return words, lasts
