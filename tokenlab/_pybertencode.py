"""Pure twin of ``_bertencode.pxi``: WordPiece's longest-match rule and BERT's encoder.

:class:`WordPieceEncoder` splits one word by greedy longest-match-first;
:class:`BertEncoder` runs a whole BERT pipeline (its char rules, then WordPiece per
word) from a text to ids, offsets and word indices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._pycommon import _check_id, _Columns
from ._pyscan import check_word_table

__all__ = ["BertEncoder", "WordPieceEncoder"]

# Words kept in the per-encoder cache before it is cleared.
_CACHE_LIMIT = 1 << 18
# Separators that bound the general pipeline's stretches (see _context_spans).
_CUTS = frozenset(" \t\n\r")


class WordPieceEncoder:
    """Greedy longest-match-first WordPiece splitting of one word.

    From each position the longest piece in the vocabulary is taken (the first
    piece as is, later ones with ``prefix`` in front). A word longer than
    ``max_chars`` chars, or with a position where no piece matches, becomes the
    single token ``unk_id`` spanning the whole word.

    Args:
        vocab: token -> id.
        prefix: continuing-subword prefix (``"##"``; may be empty).
        unk_id: id emitted for a word that cannot be split.
        max_chars: longest word, in chars, that is split at all.

    Raises:
        TypeError: a token, the prefix or an id has the wrong type.
        ValueError: an id is out of range, or ``max_chars`` is negative.

    >>> enc = WordPieceEncoder({"un": 0, "##aff": 1, "##able": 2, "[UNK]": 3}, "##", 3, 100)
    >>> enc.encode("unaffable")
    ([0, 1, 2], [(0, 2), (2, 5), (5, 9)])
    >>> enc.encode("unknown")
    ([3], [(0, 7)])
    """

    def __init__(self, vocab: Mapping[str, int], prefix: str, unk_id: int, max_chars: int) -> None:
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
        if not isinstance(max_chars, int) or isinstance(max_chars, bool):
            raise TypeError(f"max_chars must be an int, got {type(max_chars).__name__}")
        if max_chars < 0:
            raise ValueError(f"max_chars must be >= 0, got {max_chars}")
        self._unk = _check_id(unk_id, "unk_id")
        self._max_chars = max_chars
        self._first: dict[str, int] = {}
        self._next: dict[str, int] = {}
        # No piece is longer than the longest token, so the search for the longest
        # match can start there instead of at the end of the word.
        self._longest = 0
        for token, tid in vocab.items():
            if not isinstance(token, str):
                raise TypeError(f"vocabulary tokens must be str, got {type(token).__name__}")
            _check_id(tid, "token id")
            self._first[token] = tid
            if token.startswith(prefix):
                self._next[token[len(prefix) :]] = tid
            self._longest = max(self._longest, len(token))

    def encode(self, word: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Split ``word`` into token ids and their ``(start, end)`` char spans.

        Args:
            word: one pre-tokenized word.

        Returns:
            ``(ids, spans)``; ``([unk_id], [(0, len(word))])`` if the word cannot
            be split, ``([], [])`` for the empty word.
        """
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        n = len(word)
        if n > self._max_chars:
            return [self._unk], [(0, n)]
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        table = self._first
        start = 0
        while start < n:
            end = min(n, start + self._longest)
            while end > start:
                tid = table.get(word[start:end])
                if tid is not None:
                    break
                end -= 1
            else:
                return [self._unk], [(0, n)]
            ids.append(tid)
            spans.append((start, end))
            table = self._next
            start = end
        return ids, spans


class BertEncoder(_Columns):
    """Text to WordPiece ids, offsets and word indices in one call.

    Same surface as :class:`ByteLevelEncoder`. BERT's normalizer and pre-tokenizer treat
    almost every char on its own: dropped (``""``), a separator (``" "``), chars of a
    word (its normalized form) or a word of its own (``" c "``), as ``table`` says for
    ASCII and ``rule`` for other chars (see :func:`tokenlab.corpus.bert_char_rule`). Each
    word is split by ``wordpiece``; around a char the rules do not cover (``rule`` gives
    None, or there is no ``rule``), the stretch between the ASCII whitespace on each side
    goes to ``fallback`` (see :func:`_context_spans`).

    Args:
        table: 128 entries, as :func:`tokenlab.corpus.bert_word_rules` gives them.
        wordpiece: the model's splitter (``encode(word) -> (ids, spans)``).
        fallback: ``(text, base, word_base) -> (ids, columns, words)``: the general
            pipeline.
        rule: char -> rule string or None, for chars outside ASCII.

    Raises:
        ValueError: ``table`` is malformed, or ``rule`` gives something that is not a rule.
    """

    def __init__(
        self,
        table: Sequence[str],
        wordpiece: Any,
        fallback: Callable[[str, int, int], tuple[list[int], bytes, int]],
        rule: Callable[[str], str | None] | None = None,
    ) -> None:
        check_word_table(table)
        self._rules: dict[str, str | None] = {chr(c): out for c, out in enumerate(table)}
        self._rule = rule
        self._wp = wordpiece
        self._fallback = fallback
        self._cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}

    def clear_cache(self) -> None:
        """Forget the cached words (they never change results, only speed)."""
        self._cache.clear()

    def _rule_of(self, ch: str) -> str | None:
        if ch in self._rules:
            return self._rules[ch]
        out = None if self._rule is None else self._rule(ch)
        if out is not None:
            alone = len(out) == 3 and out[0] == " " == out[2] and out[1] != " "
            if not isinstance(out, str) or "\n" in out or (" " in out and out != " " and not alone):
                raise ValueError(f"rule({ch!r}) gave {out!r}, not a rule")
        self._rules[ch] = out
        return out

    def _encode(self, text: str, base: int, word_base: int, out: list[list[int]]) -> int:
        rules = [self._rule_of(ch) for ch in text]
        word = word_base
        done = 0
        # Only the stretch around a char without a rule goes to the general pipeline,
        # so one such char costs its neighbourhood, not the whole document.
        for start, end in _context_spans(text, rules):
            word = self._encode_covered(text, rules, done, start, base, word, out)
            word += self._encode_general(text[start:end], base + start, word, out)
            done = end
        word = self._encode_covered(text, rules, done, len(text), base, word, out)
        return word - word_base

    def _encode_general(self, text: str, base: int, word_base: int, out: list[list[int]]) -> int:
        _, columns, words = self._fallback(text, base, word_base)
        col = memoryview(columns).cast("q").tolist()
        n = len(col) // 4
        for k, column in enumerate(out):
            column += col[k * n : (k + 1) * n]
        return int(words)

    def _encode_covered(
        self,
        text: str,
        rules: list[str | None],
        lo: int,
        hi: int,
        base: int,
        word: int,
        out: list[list[int]],
    ) -> int:
        # text[lo:hi] by the per-char rules (every char there has one); returns the
        # index of the next word.
        chars: list[str] = []
        pos: list[int] = []

        def flush() -> None:
            nonlocal word
            if not chars:
                return
            key = "".join(chars)
            hit = self._cache.get(key)
            if hit is None:
                if len(self._cache) >= _CACHE_LIMIT:
                    self._cache.clear()
                hit = self._cache[key] = self._wp.encode(key)
            for tid, (s, e) in zip(*hit):
                for column, value in zip(out, (tid, base + pos[s], base + pos[e - 1] + 1, word)):
                    column.append(value)
            word += 1
            chars.clear()
            pos.clear()

        for i in range(lo, hi):
            rule = rules[i]
            if rule is None:
                raise AssertionError("_context_spans left a char without a rule")
            if rule == " ":
                flush()
            elif len(rule) == 3 and rule[0] == " " == rule[2]:
                flush()
                chars.append(rule[1])
                pos.append(i)
                flush()
            else:  # chars of a word ("" adds none)
                chars.extend(rule)
                pos.extend([i] * len(rule))
        flush()
        return word


def _context_spans(text: str, rules: Sequence[str | None]) -> list[tuple[int, int]]:
    """The stretches of ``text`` the general pipeline must encode: ``(start, end)`` pairs.

    A char without a rule (None: its fate depends on its neighbours) takes with it the
    text back to the last ASCII whitespace separator before it and on to the first one
    after it, both included (or the text's ends). No normalizer context crosses such a
    char (it is a starter, neither cased nor case-ignorable) and no word does, and the
    separator on each side keeps what a dropped char does to its neighbour's offsets
    as in the whole text. Overlapping or touching stretches are merged.

    Args:
        text: the text.
        rules: the rule of each char of ``text``.

    Returns:
        The stretches, in order, disjoint.

    >>> _context_spans("ab c\u200cd ef", ["a", "b", " ", "c", None, "d", " ", "e", "f"])
    [(2, 7)]
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    cut = 0
    i = 0
    while i < n:
        rule = rules[i]
        if rule is None:
            end = i + 1
            while end < n and not (rules[end] == " " and text[end] in _CUTS):
                end += 1
            end = min(end + 1, n)
            if spans and cut < spans[-1][1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((cut, end))
            cut = end - 1
            i = end
            continue
        if rule == " " and text[i] in _CUTS:
            cut = i
        i += 1
    return spans
