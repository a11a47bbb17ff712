"""Pure-Python twin of the native core (``tokenlab/_core.pyx``).

Both modules export the same names with the same behaviour, bit for bit; the
Cython one is the fast path and this one is the fallback
(``TOKENLAB_PURE_PYTHON=1``, or no compiler at install time). Only
``tokenlab/_backend.py`` imports either.

``PairCounter`` holds a corpus as words (lists of symbol ids) with frequencies
and keeps pair counts, symbol counts and pair -> words-containing-it up to date
as merges are applied, so a merge touches only the words that contain the pair.
The best pair is found with a max-heap and lazy invalidation: an entry records
the state it was scored in, and is discarded when popped if that state changed.

Scoring rules (``scoring=``):

* ``"count"`` (BPE): highest pair count; ties go to the smallest
  ``(left, right)`` pair of ids (Hugging Face's rule).
* ``tie="piece"`` (SentencePiece's BPE rule) puts two extra keys between the
  score and the ids: the shorter merged piece first, then the smaller string
  (code-point order). It needs ``symbol_strings``.
* ``"likelihood"`` (WordPiece): highest ``count(ab) / (count(a) * count(b))``,
  compared exactly by integer cross-multiplication; ties go to the higher
  ``count(ab)``, then the smallest ``(left, right)``. Because a merge lowers
  ``count(a)`` and ``count(b)``, it RAISES the score of every other pair that
  contains ``a`` or ``b``; :class:`LikelihoodIndex` keeps the best pair exact
  without re-scoring all of them.

``MergeTable`` applies ranked merges to a word: repeatedly the adjacent pair with
the lowest rank, leftmost on ties (the BPE encoding rule).

``WordPieceEncoder`` splits a word by greedy longest-match-first against a
vocabulary (the WordPiece encoding rule); a word with a position that matches
nothing becomes one unknown token.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import cast

from ._pybertencode import BertEncoder, WordPieceEncoder
from ._pycommon import _TOTAL_MESSAGE, MAX_ID, MAX_TOTAL, _check_id
from ._pyencode import ByteLevelEncoder
from ._pylikelihood import LikelihoodIndex, _Entry
from ._pymerge import ByteRankMerger, MergeTable
from ._pyscan import SCAN_NAMES, ByteWordCounter, PatternScanner, SpaceWordCounter
from ._pyspencode import SentencePieceEncoder
from ._pyspsegment import (
    SEGMENT_ALONE,
    SEGMENT_ANY,
    SEGMENT_INHERITED,
    SEGMENT_SPACE,
    sum_segments,
)
from ._pyunigram import (
    CLASS_ALONE,
    CLASS_ANY,
    CLASS_FORBIDDEN,
    CLASS_INHERITED,
    CLASS_SPACE,
    UNK_PENALTY,
    UnigramLattice,
    splitmix64,
    top_substrings,
)

__all__ = [
    "CLASS_ALONE",
    "CLASS_ANY",
    "CLASS_FORBIDDEN",
    "CLASS_INHERITED",
    "CLASS_SPACE",
    "MAX_ID",
    "MAX_TOTAL",
    "SCAN_NAMES",
    "SEGMENT_ALONE",
    "SEGMENT_ANY",
    "SEGMENT_INHERITED",
    "SEGMENT_SPACE",
    "UNK_PENALTY",
    "BertEncoder",
    "ByteLevelEncoder",
    "ByteRankMerger",
    "ByteWordCounter",
    "LikelihoodIndex",
    "MergeTable",
    "PairCounter",
    "PatternScanner",
    "SentencePieceEncoder",
    "SpaceWordCounter",
    "UnigramLattice",
    "WordPieceEncoder",
    "splitmix64",
    "sum_segments",
    "top_substrings",
]

_SCORINGS = ("count", "likelihood")
_TIES = ("ids", "piece")


def _split_flat(ids: Sequence[int], ends: Sequence[int], n_counts: int) -> list[Sequence[int]]:
    """The words of a flat id sequence cut at ``ends``, checked as the native core does."""
    if len(ends) != n_counts:
        raise ValueError(f"got {len(ends)} words but {n_counts} counts")
    words: list[Sequence[int]] = []
    start = 0
    for end in ends:
        if end < start or end > len(ids):
            raise ValueError(f"word ends must rise within the {len(ids)} ids, got {end}")
        words.append(ids[start:end])
        start = end
    if start != len(ids):
        raise ValueError(f"the last word ends at {start}, not at the {len(ids)} ids")
    return words


class PairCounter:
    """Incremental adjacent-pair statistics over a corpus of symbol-id words.

    Args:
        words: one sequence of symbol ids per unique word.
        counts: the frequency of each word (any non-negative int; kept exact).
        scoring: ``"count"`` (BPE) or ``"likelihood"`` (WordPiece).
        symbol_lengths: length in characters of each initial symbol id (index =
            id); ids not listed have length 1. Only used with ``max_token_length``.
        tie: ``"ids"`` (smallest pair of ids) or ``"piece"`` (SentencePiece:
            shorter merged piece, then smaller string, then ids).
        symbol_strings: the string of each initial symbol id (index = id); needed
            with ``tie="piece"``. A merged symbol's string is left + right.
        ends: if given, ``words`` is every word's ids in one flat sequence (the
            native core takes a buffer of unsigned 32-bit ints without a Python
            object per word) and word ``w`` ends at ``ends[w]``.
        min_count: pairs seen fewer times are not candidates (``best`` skips
            them until their count reaches it). With ``"count"`` scoring this is
            the same as stopping at the first pair below it; with
            ``"likelihood"`` it keeps rare pairs, which score highest, out.
        max_token_length: if set, pairs whose merged length would exceed it are
            never counted, so they are never chosen.

    Raises:
        ValueError: mismatched lengths, negative counts, ids out of range, or an
            unknown scoring rule.

    >>> pc = PairCounter([[0, 1, 2], [1, 2]], [3, 4])
    >>> pc.best()
    (1, 2, 7)
    >>> pc.merge(1, 2, 3)
    7
    >>> pc.get_words()
    [[0, 3], [3]]
    """

    def __init__(
        self,
        words: Sequence[Sequence[int]],
        counts: Sequence[int],
        *,
        scoring: str = "count",
        symbol_lengths: Sequence[int] | None = None,
        max_token_length: int | None = None,
        tie: str = "ids",
        symbol_strings: Sequence[str] | None = None,
        min_count: int = 1,
        ends: Sequence[int] | None = None,
    ) -> None:
        if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
        self._min_count = min_count
        if scoring not in _SCORINGS:
            raise ValueError(f"scoring must be one of {_SCORINGS}, got {scoring!r}")
        if tie not in _TIES:
            raise ValueError(f"tie must be one of {_TIES}, got {tie!r}")
        self._strings: dict[int, str] | None = None
        if tie == "piece":
            if symbol_strings is None:
                raise ValueError("tie='piece' needs symbol_strings")
            self._strings = {}
            for sym, text in enumerate(symbol_strings):
                if not isinstance(text, str):
                    raise TypeError(f"symbol_strings must be str, got {type(text).__name__}")
                self._strings[sym] = text
        if ends is not None:
            words = _split_flat(cast("Sequence[int]", words), ends, len(counts))
        if len(words) != len(counts):
            raise ValueError(f"got {len(words)} words but {len(counts)} counts")
        if max_token_length is not None and max_token_length < 1:
            raise ValueError(f"max_token_length must be >= 1, got {max_token_length}")
        self._likelihood = scoring == "likelihood"
        self._max_len = max_token_length
        self._lengths: dict[int, int] = {}
        if symbol_lengths is not None:
            for sym, length in enumerate(symbol_lengths):
                if length < 0:
                    raise ValueError(f"symbol length must be >= 0, got {length}")
                self._lengths[sym] = int(length)
        self._words: list[list[int]] = []
        self._freqs: list[int] = []
        self._pairs: dict[tuple[int, int], int] = {}
        self._where: dict[tuple[int, int], list[int]] = {}
        self._sym: dict[int, int] = {}
        self._heap: list[_Entry] = []  # count scoring; likelihood uses self._index
        self._index: LikelihoodIndex | None = None
        if self._likelihood:
            self._index = LikelihoodIndex(min_count)
            self._index._attach(self._pairs, self._sym, self._strings)
        total = 0
        for w, (word, freq) in enumerate(zip(words, counts)):
            if not isinstance(freq, int) or isinstance(freq, bool) or freq < 0:
                raise ValueError(f"word counts must be non-negative ints, got {freq!r}")
            # the size check before the ids, in the same order as the native twin
            total += freq * len(word)
            if total > MAX_TOTAL:
                raise ValueError(_TOTAL_MESSAGE)
            ids = [_check_id(s, "symbol id") for s in word]
            self._words.append(ids)
            self._freqs.append(freq)
            for s in ids:
                self._sym[s] = self._sym.get(s, 0) + freq
            for i in range(len(ids) - 1):
                pair = (ids[i], ids[i + 1])
                if not self._pair_ok(pair):
                    continue
                self._pairs[pair] = self._pairs.get(pair, 0) + freq
                where = self._where.setdefault(pair, [])
                if not where or where[-1] != w:
                    where.append(w)
        for pair in [p for p, c in self._pairs.items() if c == 0]:
            del self._pairs[pair]  # words of frequency 0
        if self._index is not None:
            self._index._dirty_pairs.update(self._pairs)
        else:
            for pair, count in self._pairs.items():
                if count >= self._min_count:
                    self._heap.append(self._entry(pair, count))
            heapq.heapify(self._heap)

    # -- helpers ---------------------------------------------------------------

    def _length(self, sym: int) -> int:
        return self._lengths.get(sym, 1)

    def _pair_ok(self, pair: tuple[int, int]) -> bool:
        if self._max_len is None:
            return True
        return self._length(pair[0]) + self._length(pair[1]) <= self._max_len

    def _entry(self, pair: tuple[int, int], count: int) -> _Entry:
        piece = None
        if self._strings is not None:
            piece = self._strings.get(pair[0], "") + self._strings.get(pair[1], "")
        return _Entry(count, pair[0], pair[1], 1, 1, piece)

    def _valid(self, e: _Entry) -> bool:
        return self._pairs.get((e.left, e.right), 0) == e.count

    # -- public surface ----------------------------------------------------------

    def best(self) -> tuple[int, int, int] | None:
        """The best pair under the scoring rule, or None when no pair has a count.

        Returns:
            ``(left, right, count)``; the pair is not removed.
        """
        if self._index is not None:
            return self._index.best()
        heap = self._heap
        while heap:
            top = heap[0]
            if self._valid(top):
                return (top.left, top.right, top.count)
            heapq.heappop(heap)
            pair = (top.left, top.right)
            current = self._pairs.get(pair, 0)
            # Count mode only lowers existing pairs' counts, so a stale entry is
            # re-pushed with its current count (Hugging Face's lazy scheme).
            if current >= self._min_count:
                heapq.heappush(heap, self._entry(pair, current))
        return None

    def merge(self, left: int, right: int, new_id: int) -> int:
        """Replace every non-overlapping ``left right`` (left to right) by ``new_id``.

        Args:
            left: left symbol id.
            right: right symbol id.
            new_id: id of the merged symbol (may be an existing id).

        Returns:
            The number of occurrences replaced, weighted by word frequency.
        """
        a = _check_id(left, "left")
        b = _check_id(right, "right")
        z = _check_id(new_id, "new_id")
        target = (a, b)
        self._lengths[z] = self._length(a) + self._length(b)
        if self._strings is not None:
            self._strings[z] = self._strings.get(a, "") + self._strings.get(b, "")
        pairs = self._pairs
        changed: dict[tuple[int, int], None] = {}
        merged = 0

        def add(pair: tuple[int, int], delta: int, w: int, formed: bool) -> None:
            if not self._pair_ok(pair):
                return
            pairs[pair] = pairs.get(pair, 0) + delta
            changed[pair] = None
            # Record the word even when its frequency is 0, so that every word's
            # segmentation follows every merge.
            if formed:
                where = self._where.setdefault(pair, [])
                if not where or where[-1] != w:
                    where.append(w)

        for w in self._where.get(target, ()):
            word = self._words[w]
            n = len(word)
            freq = self._freqs[w]
            i = 0
            o = 0
            found = False
            while i < n:
                if i + 1 < n and word[i] == a and word[i + 1] == b:
                    found = True
                    if o > 0:
                        prev = word[o - 1]
                        add((prev, a), -freq, w, False)
                        add((prev, z), freq, w, True)
                    if i + 2 < n:
                        nxt = word[i + 2]
                        add((b, nxt), -freq, w, False)
                        add((z, nxt), freq, w, True)
                    word[o] = z
                    merged += freq
                    o += 1
                    i += 2
                else:
                    word[o] = word[i]
                    o += 1
                    i += 1
            if found:
                del word[o:]
        self._settle(target, z, merged, changed)
        return merged

    def _settle(
        self, target: tuple[int, int], z: int, merged: int, changed: dict[tuple[int, int], None]
    ) -> None:
        """After a merge: the pair is gone, symbol counts move, changed pairs re-rank."""
        a, b = target
        pairs = self._pairs
        sym = self._sym
        self._where.pop(target, None)
        pairs.pop(target, None)
        changed.pop(target, None)
        if merged:
            sym[a] = sym.get(a, 0) - merged
            sym[b] = sym.get(b, 0) - merged
            sym[z] = sym.get(z, 0) + merged
        for pair in [p for p in changed if pairs.get(p, 0) == 0]:
            pairs.pop(pair, None)
        if self._index is not None:
            # Only the pairs and symbols whose counts changed: the index re-scores
            # what they affect.
            self._index._dirty_pairs.add(target)
            self._index._dirty_pairs.update(changed)
            if merged:
                self._index._dirty_syms.update((a, b, z))
        else:
            for pair in changed:
                count = pairs.get(pair, 0)
                if count >= self._min_count:
                    heapq.heappush(self._heap, self._entry(pair, count))

    def pair_count(self, left: int, right: int) -> int:
        """Current count of the adjacent pair ``left right`` (0 if absent)."""
        return self._pairs.get((_check_id(left, "left"), _check_id(right, "right")), 0)

    def symbol_count(self, symbol: int) -> int:
        """Current frequency of ``symbol`` over the corpus (occurrences x word count)."""
        return self._sym.get(_check_id(symbol, "symbol"), 0)

    def release(self) -> None:
        """Drop the words and pairs (the native twin frees them without the GIL);
        the counter is empty after."""
        self._words, self._freqs, self._where, self._heap = [], [], {}, []
        self._pairs.clear()  # the likelihood index reads this very dict
        if self._index is not None:
            self._index = LikelihoodIndex(self._min_count)
            self._index._attach(self._pairs, self._sym, self._strings)

    def get_words(self) -> list[list[int]]:
        """The current segmentation of every word (a copy)."""
        return [list(w) for w in self._words]

    @property
    def num_pairs(self) -> int:
        """Number of distinct pairs with a positive count."""
        return sum(1 for c in self._pairs.values() if c > 0)
