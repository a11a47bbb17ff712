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
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "MAX_ID",
    "MAX_TOTAL",
    "LikelihoodIndex",
    "MergeTable",
    "PairCounter",
    "WordPieceEncoder",
]

#: Largest symbol id either core accepts (ids are stored as int32).
MAX_ID = 2**31 - 2
#: Largest total of count x word length; every pair or symbol count is bounded
#: by it, so 64-bit counts can never overflow.
MAX_TOTAL = 2**63 - 1
_TOTAL_MESSAGE = (
    "the corpus is too large: the sum of count x word length exceeds 2**63-1; scale the counts down"
)
_SCORINGS = ("count", "likelihood")
_TIES = ("ids", "piece")


def _check_id(value: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0 or value > MAX_ID:
        raise ValueError(f"{what} must be between 0 and {MAX_ID}, got {value}")
    return value


def _check_count(value: int, what: str) -> int:
    """An entry check shared with the native twin: a count is an int in [0, MAX_TOTAL]."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0 or value > MAX_TOTAL:
        raise ValueError(f"{what} must be between 0 and {MAX_TOTAL}, got {value}")
    return value


def _check_corpus(words: Sequence[str], freqs: Sequence[int]) -> None:
    """Entry checks for (unique words, frequencies) arguments, as the native twin does."""
    if len(words) != len(freqs):
        raise ValueError(f"got {len(words)} words but {len(freqs)} freqs")
    for word in words:
        if not isinstance(word, str):
            raise TypeError(f"words must be str, got {type(word).__name__}")
    for freq in freqs:
        _check_count(freq, "a word frequency")


class _Entry:
    """A heap entry; ``__lt__`` means "better", so heapq's min-heap pops the best."""

    __slots__ = ("count", "fl", "fr", "gen", "left", "piece", "right")

    def __init__(
        self,
        count: int,
        left: int,
        right: int,
        fl: int,
        fr: int,
        piece: str | None = None,
        gen: int = 0,
    ) -> None:
        self.count = count
        self.left = left
        self.right = right
        self.fl = fl
        self.fr = fr
        self.piece = piece
        self.gen = gen  # LikelihoodIndex: the owner's generation << 1 | (owner is right)

    def __lt__(self, other: _Entry) -> bool:
        # Likelihood: compare c1/(fl1*fr1) with c2/(fl2*fr2) exactly. In count mode
        # fl = fr = 1, so this reduces to comparing counts.
        lhs = self.count * other.fl * other.fr
        rhs = other.count * self.fl * self.fr
        if lhs != rhs:
            return lhs > rhs
        if self.count != other.count:
            return self.count > other.count
        if self.piece is not None and other.piece is not None and self.piece != other.piece:
            if len(self.piece) != len(other.piece):
                return len(self.piece) < len(other.piece)
            return self.piece < other.piece
        if self.left != other.left:
            return self.left < other.left
        return self.right < other.right


# Stale heap entries allowed beyond twice the live ones before they are all dropped.
_LX_SLACK = 1 << 16


class _Owner:
    """A symbol's part of :class:`LikelihoodIndex`."""

    __slots__ = ("foreign", "gen", "heap", "rank", "top")

    def __init__(self, rank: int) -> None:
        self.rank = rank  # owns a pair when its rank is higher than the partner's (left on ties)
        self.gen = 0  # bumped whenever its entry in the main heap changes
        self.top: _Entry | None = None  # its valid entry in the main heap, if any
        self.heap: list[_Entry] = []  # the pairs it owns, by count(pair) / count(partner)
        self.foreign: set[tuple[int, int]] = set()  # its pairs the partner owns; its self pair


class LikelihoodIndex:
    """The best pair by ``count(ab) / (count(a) * count(b))``, kept up to date cheaply.

    When ``count(a)`` falls, the score of EVERY pair containing ``a`` rises, so a plain
    heap of scores would have to re-score them all (thousands for a common symbol
    such as ``##e``, at nearly every merge). Here each candidate pair is owned by one
    of its two symbols, and the owner keeps its pairs in a heap of its own ordered by
    ``count(pair) / count(partner)``: the score divided by the owner's count, which is
    the same for all of them. So a change of the owner's count moves none of its pairs;
    only the owner's entry in the main heap (its best pair, fully scored) is replaced.
    A change of a partner's count or of a pair's count re-keys that one pair.

    Ownership is fixed when a pair becomes a candidate: the symbol with the higher
    rank owns it (the left one on ties), and a symbol's rank is the number of
    candidate pairs that hold it when it is first seen in one. A symbol in many
    pairs thus owns most of them, and a change of its count costs almost nothing;
    the pairs it does not own (and its pair with itself) are re-keyed.

    Entries are invalidated lazily: an owner's entry is dropped when the pair's
    count or the partner's count differs from the one it was keyed with, and a
    main-heap entry when its owner's generation moved on. Ties and exact
    comparisons are the ones of :class:`PairCounter` (higher score, then higher
    ``count(ab)``, then with ``tie="piece"`` the shorter and smaller merged
    piece, then the smallest ``(left, right)``).

    Args:
        min_count: pairs with a lower count are not candidates.

    Raises:
        ValueError: ``min_count`` is not an integer >= 1.

    >>> index = LikelihoodIndex()
    >>> for s, c in [(0, 5), (1, 4), (2, 3)]:
    ...     index.set_symbol(s, c)
    >>> index.set_pair(0, 1, 4)
    >>> index.set_pair(0, 2, 1)
    >>> index.best()
    (0, 1, 4)
    """

    def __init__(self, min_count: int = 1) -> None:
        if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
        self._min_count = min_count
        self._pairs: dict[tuple[int, int], int] = {}
        self._sym: dict[int, int] = {}
        self._strings: dict[int, str] | None = None
        self._owner: dict[tuple[int, int], int] = {}
        self._syms: dict[int, _Owner] = {}
        self._heap: list[_Entry] = []
        self._dirty_pairs: set[tuple[int, int]] = set()
        self._dirty_syms: set[int] = set()
        self._gen = 0
        self._entries = 0

    def _attach(
        self,
        pairs: dict[tuple[int, int], int],
        sym: dict[int, int],
        strings: dict[int, str] | None,
    ) -> None:
        """Read a PairCounter's counts (and piece strings) instead of its own."""
        self._pairs = pairs
        self._sym = sym
        self._strings = strings

    def set_symbol(self, symbol: int, count: int) -> None:
        """Tell the index that ``symbol`` now occurs ``count`` times."""
        s = _check_id(symbol, "symbol")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_TOTAL:
            raise ValueError(f"count must be an int between 0 and {MAX_TOTAL}, got {count!r}")
        self._sym[s] = count
        self._dirty_syms.add(s)

    def set_pair(self, left: int, right: int, count: int) -> None:
        """Tell the index that the pair ``left right`` now occurs ``count`` times."""
        pair = (_check_id(left, "left"), _check_id(right, "right"))
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_TOTAL:
            raise ValueError(f"count must be an int between 0 and {MAX_TOTAL}, got {count!r}")
        if count:
            self._pairs[pair] = count
        else:
            self._pairs.pop(pair, None)
        self._dirty_pairs.add(pair)

    def best(self) -> tuple[int, int, int] | None:
        """The best candidate pair as ``(left, right, count)``, or None.

        Raises:
            ValueError: a candidate pair has a symbol whose count is 0.
        """
        self._flush()
        heap = self._heap
        while heap:
            top = heap[0]
            owner = top.right if top.gen & 1 else top.left
            if self._syms[owner].gen == top.gen >> 1:
                if top.fl == 0 or top.fr == 0:
                    raise ValueError(f"pair ({top.left}, {top.right}) has a symbol with count 0")
                return (top.left, top.right, top.count)
            heapq.heappop(heap)
        return None

    def compact(self) -> None:
        """Drop the stale entries now (done by itself when they pile up)."""
        self._flush()
        self._compact()

    def _piece(self, pair: tuple[int, int]) -> str | None:
        if self._strings is None:
            return None
        return self._strings.get(pair[0], "") + self._strings.get(pair[1], "")

    def _valid(self, owner: int, e: _Entry) -> bool:
        if self._pairs.get((e.left, e.right), 0) != e.count:
            return False
        if e.left == owner:
            return self._sym.get(e.right, 0) == e.fr
        return self._sym.get(e.left, 0) == e.fl

    def _flush(self) -> None:
        if not self._dirty_pairs and not self._dirty_syms:
            return
        pairs, sym, syms, owner_of = self._pairs, self._sym, self._syms, self._owner
        least = self._min_count
        dirty = sorted(self._dirty_pairs)
        degree: dict[int, int] = {}
        for pair in dirty:
            if pairs.get(pair, 0) >= least and pair not in owner_of:
                for s in {pair[0], pair[1]}:
                    if s not in syms:
                        degree[s] = degree.get(s, 0) + 1
        for s, d in degree.items():
            syms[s] = _Owner(d)
        push: set[tuple[int, int]] = set()
        owners: set[int] = set()
        for pair in dirty:
            left, right = pair
            if pairs.get(pair, 0) >= least:
                if pair not in owner_of:
                    o = left if syms[left].rank >= syms[right].rank else right
                    owner_of[pair] = o
                    syms[right if o == left else left].foreign.add(pair)
                push.add(pair)
            elif pair in owner_of:
                owners.add(owner_of.pop(pair))
        for s in sorted(self._dirty_syms):
            if s not in syms:
                continue
            owners.add(s)
            st = syms[s]
            st.foreign = {p for p in st.foreign if p in owner_of}
            push |= st.foreign
        for pair in sorted(push):
            o = owner_of[pair]
            left, right = pair
            if o == left:
                e = _Entry(pairs[pair], left, right, 1, sym.get(right, 0), self._piece(pair))
            else:
                e = _Entry(pairs[pair], left, right, sym.get(left, 0), 1, self._piece(pair))
            heapq.heappush(syms[o].heap, e)
            self._entries += 1
            owners.add(o)
        for o in sorted(owners):
            st = syms[o]
            while st.heap and not self._valid(o, st.heap[0]):
                heapq.heappop(st.heap)
                self._entries -= 1
            if not st.heap:
                if st.top is not None:
                    self._gen += 1  # its entry in the main heap goes stale
                    st.gen = self._gen
                    st.top = None
                continue
            top = st.heap[0]
            if top.left == o:
                e = _Entry(top.count, top.left, top.right, sym.get(o, 0), top.fr, top.piece)
            else:
                e = _Entry(top.count, top.left, top.right, top.fl, sym.get(o, 0), top.piece)
            old = st.top
            if old is not None and (e.count, e.fl, e.fr, e.left, e.right) == (
                old.count,
                old.fl,
                old.fr,
                old.left,
                old.right,
            ):
                continue  # its entry in the main heap is still exact
            self._gen += 1
            st.gen = self._gen
            e.gen = (self._gen << 1) | (0 if e.left == o else 1)
            st.top = e
            heapq.heappush(self._heap, e)
        self._dirty_pairs.clear()
        self._dirty_syms.clear()
        if (
            self._entries > 2 * len(owner_of) + _LX_SLACK
            or len(self._heap) > 2 * len(syms) + _LX_SLACK
        ):
            self._compact()

    def _compact(self) -> None:
        # Stale entries pile up between pops; drop them once they outnumber the
        # live ones by far, to bound memory.
        self._entries = 0
        for o, st in self._syms.items():
            st.heap = [e for e in st.heap if self._valid(o, e)]
            heapq.heapify(st.heap)
            self._entries += len(st.heap)
        self._heap = [
            e for e in self._heap if self._syms[e.right if e.gen & 1 else e.left].gen == e.gen >> 1
        ]
        heapq.heapify(self._heap)


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
        sym = self._sym
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
        return merged

    def pair_count(self, left: int, right: int) -> int:
        """Current count of the adjacent pair ``left right`` (0 if absent)."""
        return self._pairs.get((_check_id(left, "left"), _check_id(right, "right")), 0)

    def symbol_count(self, symbol: int) -> int:
        """Current frequency of ``symbol`` over the corpus (occurrences x word count)."""
        return self._sym.get(_check_id(symbol, "symbol"), 0)

    def get_words(self) -> list[list[int]]:
        """The current segmentation of every word (a copy)."""
        return [list(w) for w in self._words]

    @property
    def num_pairs(self) -> int:
        """Number of distinct pairs with a positive count."""
        return sum(1 for c in self._pairs.values() if c > 0)


class MergeTable:
    """Ranked merges for BPE encoding.

    Args:
        merges: ``(left_id, right_id, new_id)`` in rank order (rank = index). A
            pair listed twice keeps its first (lowest) rank.

    >>> table = MergeTable([(0, 1, 3), (3, 2, 4)])
    >>> table.apply([0, 1, 2, 0, 1])
    [4, 3]
    """

    def __init__(self, merges: Sequence[tuple[int, int, int]]) -> None:
        self._ranks: dict[tuple[int, int], tuple[int, int]] = {}
        for rank, (left, right, new_id) in enumerate(merges):
            _check_id(left, "left")
            _check_id(right, "right")
            _check_id(new_id, "new_id")
            self._ranks.setdefault((left, right), (rank, new_id))

    def __len__(self) -> int:
        return len(self._ranks)

    def apply(self, ids: Sequence[int]) -> list[int]:
        """Merge ``ids`` by rank: lowest-rank adjacent pair first, leftmost on ties.

        Args:
            ids: the initial symbol ids of one word.

        Returns:
            The merged ids.
        """
        return self.split(ids)[0]

    def split(self, ids: Sequence[int]) -> tuple[list[int], list[int]]:
        """Like :meth:`apply`, also returning how many input symbols each output covers.

        >>> MergeTable([(0, 1, 3)]).split([2, 0, 1])
        ([2, 3], [1, 2])
        """
        n = len(ids)
        sym = [_check_id(x, "symbol id") for x in ids]
        sizes = [1] * n
        if n < 2:
            return sym, sizes
        ranks = self._ranks
        nxt = list(range(1, n + 1))
        prv = list(range(-1, n - 1))
        alive = [True] * n
        heap: list[tuple[int, int, int, int]] = []
        for i in range(n - 1):
            hit = ranks.get((sym[i], sym[i + 1]))
            if hit is not None:
                heap.append((hit[0], i, sym[i], sym[i + 1]))
        heapq.heapify(heap)
        while heap:
            _rank, i, left, right = heapq.heappop(heap)
            j = nxt[i]
            # Stale: a neighbour was merged since this entry was pushed.
            if not alive[i] or j >= n or sym[i] != left or sym[j] != right:
                continue
            sym[i] = ranks[(left, right)][1]
            sizes[i] += sizes[j]
            alive[j] = False
            nxt[i] = nxt[j]
            if nxt[j] < n:
                prv[nxt[j]] = i
            p = prv[i]
            if p >= 0:
                hit = ranks.get((sym[p], sym[i]))
                if hit is not None:
                    heapq.heappush(heap, (hit[0], p, sym[p], sym[i]))
            k = nxt[i]
            if k < n:
                hit = ranks.get((sym[i], sym[k]))
                if hit is not None:
                    heapq.heappush(heap, (hit[0], i, sym[i], sym[k]))
        keep = [i for i in range(n) if alive[i]]
        return [sym[i] for i in keep], [sizes[i] for i in keep]


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


# -- Unigram language model: lattice, Viterbi, forward-backward, n-best, sampling ------

import math  # noqa: E402  (kept with the Unigram code it serves)

#: Character classes of ``top_substrings`` (SentencePiece's piece-validity rules).
#: Classes >= 0 are scripts: a piece may not mix two of them.
CLASS_FORBIDDEN = -1  # never inside a piece of two or more chars (U+2047, NUL, ...)
CLASS_SPACE = -2  # the word-boundary mark "▁": only as the first char of a piece
CLASS_INHERITED = -3  # combining marks: take the script of the char before
CLASS_ANY = -4  # matches every script (digits when split_by_number is off)
CLASS_ALONE = -5  # only as a piece of its own (digits with split_digits)

#: The penalty SentencePiece gives an unknown char below the lowest piece score.
UNK_PENALTY = 10.0

_MASK64 = (1 << 64) - 1
_NEG_INF = float("-inf")


def splitmix64(state: int) -> tuple[int, int]:
    """One step of the SplitMix64 generator (Steele, Lea and Flood, 2014).

    Args:
        state: the generator state, an int in ``[0, 2**64)``.

    Returns:
        ``(value, new_state)``: a uniformly distributed 64-bit value and the
        state to pass next time. Both cores compute the same sequence.

    >>> splitmix64(0)[0]
    16294208416658607535
    """
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31), state


def _log_add(a: float, b: float) -> float:
    # log(exp(a) + exp(b)) without overflow; the same expression as the native core.
    if a > b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))


class UnigramLattice:
    """Unigram-LM segmentation of words against a table of scored pieces.

    Every segmentation of a word is a path through its lattice: a node per
    piece that occurs at a position. A position where no one-char piece starts
    gets an unknown node of one char scored ``unk_score`` (SentencePiece's rule),
    so every word has a path. Node order, and so every tie-break, is fixed:
    start positions ascending, then piece length ascending, the unknown node
    last.

    Args:
        pieces: the piece of each id; ``None`` or ``""`` for an id that is never
            matched (control tokens). A piece listed twice matches its last id.
        scores: the log-probability of each id.
        unk_id: the id an unknown node reports.
        unk_score: the score of an unknown node (SentencePiece and Hugging Face
            use the lowest piece score minus ``UNK_PENALTY``).

    Raises:
        TypeError, ValueError: malformed pieces, scores or ids.

    >>> lat = UnigramLattice(["<unk>", "a", "b", "ab"], [0.0, -2.0, -2.0, -3.0], 0, -13.0)
    >>> lat.encode("abc")
    ([3, 0], [(0, 2), (2, 3)])
    """

    def __init__(
        self,
        pieces: Sequence[str | None],
        scores: Sequence[float],
        unk_id: int,
        unk_score: float,
    ) -> None:
        if len(pieces) != len(scores):
            raise ValueError(f"got {len(pieces)} pieces but {len(scores)} scores")
        self._unk = _check_id(unk_id, "unk_id")
        self._unk_score = float(unk_score)
        if not math.isfinite(self._unk_score):
            raise ValueError(f"unk_score must be finite, got {unk_score!r}")
        self._table: dict[str, tuple[int, float]] = {}
        self._prefixes: set[str] = set()
        self._pieces: list[str | None] = []
        self._max_len = 0
        for i, (piece, score) in enumerate(zip(pieces, scores)):
            if piece is not None and not isinstance(piece, str):
                raise TypeError(f"pieces must be str or None, got {type(piece).__name__}")
            score = float(score)
            if not math.isfinite(score):
                raise ValueError(f"piece scores must be finite, got {score!r} for id {i}")
            _check_id(i, "piece id")
            self._pieces.append(piece or None)
            if piece:
                self._table[piece] = (i, score)
                for k in range(1, len(piece) + 1):
                    self._prefixes.add(piece[:k])
                self._max_len = max(self._max_len, len(piece))

    def __len__(self) -> int:
        return len(self._pieces)

    # -- the lattice ---------------------------------------------------------------------

    def _nodes(self, word: str) -> list[list[tuple[int, int, float]]]:
        """Per start position, its nodes as ``(end, id, score)``; id -1 is unknown."""
        n = len(word)
        table = self._table
        prefixes = self._prefixes
        max_len = self._max_len
        out: list[list[tuple[int, int, float]]] = []
        for i in range(n):
            here: list[tuple[int, int, float]] = []
            single = False
            for j in range(i + 1, min(n, i + max_len) + 1):
                s = word[i:j]
                if s not in prefixes:
                    break
                hit = table.get(s)
                if hit is not None:
                    here.append((j, hit[0], hit[1]))
                    if j == i + 1:
                        single = True
            if not single:
                here.append((i + 1, -1, self._unk_score))
            out.append(here)
        return out

    @staticmethod
    def _viterbi(
        n: int, nodes: list[list[tuple[int, int, float]]], skip_whole: bool = False
    ) -> list[tuple[int, int, int]]:
        """The best path as ``(start, end, id)``; ties go to the earliest start."""
        best = [0.0] * (n + 1)
        back: list[tuple[int, int] | None] = [None] * (n + 1)
        for i in range(n):
            if i > 0 and back[i] is None:
                continue
            base = best[i]
            for j, pid, sc in nodes[i]:
                if skip_whole and i == 0 and j == n:
                    continue
                cand = base + sc
                if back[j] is None or cand > best[j]:
                    best[j] = cand
                    back[j] = (i, pid)
        path: list[tuple[int, int, int]] = []
        j = n
        while j > 0:
            entry = back[j]
            if entry is None:
                return []
            path.append((entry[0], j, entry[1]))
            j = entry[0]
        path.reverse()
        return path

    def _output(
        self, path: Sequence[tuple[int, int, int]], fuse_unk: bool
    ) -> tuple[list[int], list[tuple[int, int]]]:
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        prev_unk = False
        for start, end, pid in path:
            if pid < 0:
                if fuse_unk and prev_unk:
                    spans[-1] = (spans[-1][0], end)
                    continue
                ids.append(self._unk)
                prev_unk = True
            else:
                ids.append(pid)
                prev_unk = False
            spans.append((start, end))
        return ids, spans

    # -- public surface ----------------------------------------------------------------

    def encode(self, word: str, fuse_unk: bool = True) -> tuple[list[int], list[tuple[int, int]]]:
        """The Viterbi (best-scoring) segmentation of ``word``.

        Args:
            word: the text to segment.
            fuse_unk: report a run of unknown chars as one unknown token (what
                SentencePiece and Hugging Face do).

        Returns:
            ``(ids, spans)``: piece ids and their ``(start, end)`` char offsets.
        """
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        n = len(word)
        return self._output(self._viterbi(n, self._nodes(word)), fuse_unk)

    def nbest(self, word: str, size: int) -> list[tuple[list[int], list[tuple[int, int]], float]]:
        """The ``size`` best segmentations, best first, as ``(ids, spans, score)``.

        Unknown chars are not fused (each is a node of the lattice). Among
        paths of equal score the order is fixed: the one whose last differing
        piece starts earlier comes first.
        """
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"size must be an int >= 1, got {size!r}")
        n = len(word)
        if n == 0:
            return [([], [], 0.0)]
        nodes = self._nodes(word)
        # lists[j]: up to `size` entries (score, start, rank in lists[start], id).
        lists: list[list[tuple[float, int, int, int]]] = [[] for _ in range(n + 1)]
        lists[0] = [(0.0, -1, -1, -1)]
        for i in range(n):
            src = lists[i]
            if i > 0:
                src.sort(key=_neg_score)
                del src[size:]
            for j, pid, sc in nodes[i]:
                dst = lists[j]
                for r, entry in enumerate(src):
                    dst.append((entry[0] + sc, i, r, pid))
        final = lists[n]
        final.sort(key=_neg_score)
        del final[size:]
        out = []
        for top in final:
            path: list[tuple[int, int, int]] = []
            j = n
            entry = top
            while j > 0:
                path.append((entry[1], j, entry[3]))
                j, entry = entry[1], lists[entry[1]][entry[2]]
            path.reverse()
            ids, spans = self._output(path, False)
            out.append((ids, spans, top[0]))
        return out

    def sample(
        self, word: str, theta: float, state: int
    ) -> tuple[list[int], list[tuple[int, int]], int]:
        """Draw a segmentation with probability proportional to ``exp(theta * score)``.

        Forward filtering, backward sampling over the whole lattice (the
        ``nbest_size < 0`` mode of SentencePiece's subword regularization), with
        the SplitMix64 generator: one draw per emitted piece.

        Args:
            word: the text to segment.
            theta: the inverse temperature (SentencePiece's ``alpha``).
            state: the generator state, an int in ``[0, 2**64)``.

        Returns:
            ``(ids, spans, new_state)``; unknown chars are not fused.
        """
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if not isinstance(state, int) or not 0 <= state <= _MASK64:
            raise ValueError(f"state must be an int in [0, 2**64), got {state!r}")
        theta = float(theta)
        n = len(word)
        nodes = self._nodes(word)
        alpha = [_NEG_INF] * (n + 1)
        alpha[0] = 0.0
        ends: list[list[tuple[int, int, float]]] = [[] for _ in range(n + 1)]
        for i in range(n):
            base = alpha[i]
            for j, pid, sc in nodes[i]:
                ends[j].append((i, pid, sc))
                x = base + theta * sc
                alpha[j] = x if alpha[j] == _NEG_INF else _log_add(alpha[j], x)
        path: list[tuple[int, int, int]] = []
        j = n
        while j > 0:
            cands = ends[j]
            probs = [math.exp(alpha[i] + theta * sc - alpha[j]) for i, _, sc in cands]
            total = 0.0
            for p in probs:
                total += p
            value, state = splitmix64(state)
            target = (value >> 11) * (1.0 / 9007199254740992.0) * total
            pick = len(cands) - 1
            acc = 0.0
            for k, p in enumerate(probs):
                acc += p
                if target < acc:
                    pick = k
                    break
            i, pid, _ = cands[pick]
            path.append((i, j, pid))
            j = i
        path.reverse()
        ids, spans = self._output(path, False)
        return ids, spans, state

    def expected_counts(
        self, words: Sequence[str], freqs: Sequence[int]
    ) -> tuple[list[float], float]:
        """The E-step: expected piece counts over a corpus, by forward-backward.

        Args:
            words: the unique words.
            freqs: the frequency of each word.

        Returns:
            ``(expected, log_likelihood)``: the expected count of each piece id
            (unknown nodes count for nothing), and the sum over words of
            ``freq * log Z(word)``.
        """
        _check_corpus(words, freqs)
        expected = [0.0] * len(self._pieces)
        loglik = self._add_marginals(zip(words, freqs), expected)
        return expected, loglik

    def expected_counts_part(
        self,
        cps: Any,
        offsets: Any,
        freqs: Any,
        start: int,
        step: int,
        out: Any,
    ) -> float:
        """The E-step over every ``step``-th word of a packed table, added to ``out``.

        Args:
            cps: the code points of all words, concatenated (a uint32 array).
            offsets: word ``w`` is ``cps[offsets[w]:offsets[w + 1]]`` (int64).
            freqs: the frequency of each word (float64).
            start, step: the words ``start, start + step, ...`` are done.
            out: a float64 array, one entry per id; the expected counts are
                added to it, word after word (the native core releases the GIL
                meanwhile, so several parts can run in threads).

        Returns:
            The sum over those words of ``freq * log Z(word)``.
        """
        nw = len(offsets) - 1
        if len(freqs) != nw or len(out) != len(self._pieces) or step < 1 or start < 0:
            raise ValueError("expected_counts_part: inconsistent table, out size or range")
        acc = out.tolist()
        loglik = self._add_marginals(_packed_words(cps, offsets, freqs, start, step), acc)
        out[:] = acc
        return loglik

    def viterbi_counts_part(
        self, cps: Any, offsets: Any, freqs: Any, start: int, step: int, out: Any
    ) -> None:
        """:meth:`viterbi_counts` over every ``step``-th word of a packed table, into ``out``."""
        nw = len(offsets) - 1
        if len(freqs) != nw or len(out) != len(self._pieces) or step < 1 or start < 0:
            raise ValueError("viterbi_counts_part: inconsistent table, out size or range")
        acc = out.tolist()
        for word, freq in _packed_words(cps, offsets, freqs, start, step):
            for _, _, pid in self._viterbi(len(word), self._nodes(word)):
                if pid >= 0:
                    acc[pid] += freq
        out[:] = acc

    def _add_marginals(self, items: Iterable[tuple[str, Any]], expected: list[float]) -> float:
        """Add freq x the marginal of every piece node to ``expected``; return log-likelihood."""
        loglik = 0.0
        for word, freq in items:
            n = len(word)
            if n == 0:
                continue
            nodes = self._nodes(word)
            alpha = [_NEG_INF] * (n + 1)
            beta = [_NEG_INF] * (n + 1)
            alpha[0] = 0.0
            beta[n] = 0.0
            for i in range(n):
                base = alpha[i]
                for j, _, sc in nodes[i]:
                    x = base + sc
                    alpha[j] = x if alpha[j] == _NEG_INF else _log_add(alpha[j], x)
            for i in range(n - 1, -1, -1):
                acc = _NEG_INF
                for j, _, sc in nodes[i]:
                    x = sc + beta[j]
                    acc = x if acc == _NEG_INF else _log_add(acc, x)
                beta[i] = acc
            z = alpha[n]
            f = float(freq)
            for i in range(n):
                a = alpha[i]
                for j, pid, sc in nodes[i]:
                    if pid >= 0:
                        expected[pid] += f * math.exp(a + sc + beta[j] - z)
            loglik += f * z
        return loglik

    def viterbi_counts(self, words: Sequence[str], freqs: Sequence[int]) -> list[int]:
        """How often each piece id is on the Viterbi path, weighted by word frequency."""
        _check_corpus(words, freqs)
        counts = [0] * len(self._pieces)
        for word, freq in zip(words, freqs):
            for _, _, pid in self._viterbi(len(word), self._nodes(word)):
                if pid >= 0:
                    counts[pid] += freq
        return counts

    def alternatives(self) -> list[list[int] | None]:
        """For each piece, how it is segmented once it is removed (for pruning).

        Returns:
            Per id: ``None`` if the piece's own best segmentation is not the piece
            itself (it can go at no cost); ``[]`` if it has no other
            segmentation (a single char, or an unmatched id); else the ids of its
            best segmentation without it (-1 for an unknown char).
        """
        out: list[list[int] | None] = []
        for piece in self._pieces:
            if piece is None or len(piece) == 1:
                out.append([])
                continue
            n = len(piece)
            nodes = self._nodes(piece)
            best = self._viterbi(n, nodes)
            if len(best) != 1:
                out.append(None)
                continue
            out.append([pid for _, _, pid in self._viterbi(n, nodes, skip_whole=True)])
        return out


_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"


def _packed_words(
    cps: Any, offsets: Any, freqs: Any, start: int, step: int
) -> Iterator[tuple[str, Any]]:
    """``(word, freq)`` for the words ``start, start + step, ...`` of a packed table."""
    raw = bytes(memoryview(cps).cast("B"))
    for w in range(start, len(offsets) - 1, step):
        a, b = int(offsets[w]), int(offsets[w + 1])
        yield raw[4 * a : 4 * b].decode(_UTF32), freqs[w].item()


def _neg_score(entry: tuple[float, int, int, int]) -> float:
    return -entry[0]


def _check_substring_options(char_classes: Mapping[str, int], max_len: int, limit: int) -> None:
    for name, value in (("max_len", max_len), ("limit", limit)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if not -1 <= value <= MAX_ID:
            raise ValueError(f"{name} must be between 0 and {MAX_ID}, got {value}")
    for ch, cls in char_classes.items():
        if not isinstance(ch, str) or not isinstance(cls, int) or isinstance(cls, bool):
            raise TypeError(f"char_classes must map str -> int, got {ch!r}: {cls!r}")
        if len(ch) != 1 or not CLASS_ALONE <= cls <= MAX_ID:
            raise ValueError(f"char_classes: bad entry {ch!r}: {cls!r}")


_NEXT_WORD = "▁▁"  # what follows a word inside a sentence (never a char)


def top_substrings(
    words: Sequence[str],
    freqs: Sequence[int],
    char_classes: Mapping[str, int],
    max_len: int,
    limit: int,
    ends: Sequence[int] | None = None,
) -> list[tuple[str, int]]:
    """The most frequent valid substrings of a corpus: SentencePiece's seed pieces.

    A candidate is a substring of two to ``max_len`` chars that is a valid piece
    under ``char_classes`` (see the ``CLASS_*`` constants; a char missing from the
    map is ``CLASS_FORBIDDEN``) and is followed, over its occurrences, by at
    least two different things: the internal nodes of a suffix tree, which is
    what SentencePiece enumerates over its sentences. Here the text is unique
    words, and what follows the end of a word is what SentencePiece sees in the
    sentences: the ``▁`` of the next word, or the end of the sentence for the
    ``ends[w]`` occurrences of word ``w`` that end a sentence (None: none do).
    So a substring seen only at the end of words, never at a sentence end, is
    not a candidate. (Counting each word end as a different follower instead
    seeds about 10% more pieces, mostly whole words, and after training
    compresses held-out English about 1.9% worse.) Its frequency counts every
    occurrence (overlapping ones too), weighted by word frequency.

    Args:
        words: the unique words.
        freqs: the frequency of each word.
        char_classes: char -> class.
        max_len: the longest piece, in chars.
        limit: how many candidates to return.
        ends: per word, how many of its occurrences end a sentence.

    Returns:
        Up to ``limit`` ``(substring, frequency)`` pairs, by frequency x length
        descending, then by substring (code-point order).
    """
    _check_corpus(words, freqs)
    _check_substring_options(char_classes, max_len, limit)
    if max_len < 1 or limit < 0:
        raise ValueError(f"max_len must be >= 1 and limit >= 0, got {max_len}, {limit}")
    if ends is not None and len(ends) != len(words):
        raise ValueError(f"got {len(words)} words but {len(ends)} ends")
    # stats[substring] = [frequency, first follower, branching]; after a word: "▁"
    # (the next word) or "" (the end of the sentence).
    stats: dict[str, list] = {}
    for w, (word, freq) in enumerate(zip(words, freqs)):
        n = len(word)
        end = ends[w] if ends is not None else 0
        after = _NEXT_WORD if end < freq else ""
        cls = [char_classes.get(ch, CLASS_FORBIDDEN) for ch in word]
        for i in range(n):
            first = cls[i]
            if first in (CLASS_FORBIDDEN, CLASS_ALONE):
                continue
            prev = CLASS_ANY
            if first != CLASS_SPACE:
                prev = first if first != CLASS_INHERITED else CLASS_ANY
            for j in range(i + 1, min(n, i + max_len)):
                c = cls[j]
                if c in (CLASS_FORBIDDEN, CLASS_SPACE, CLASS_ALONE):
                    break
                s = prev if c == CLASS_INHERITED else c
                if s != CLASS_ANY and prev != CLASS_ANY and s != prev:
                    break
                prev = s
                key = word[i : j + 1]
                nxt = word[j + 1] if j + 1 < n else after
                # A word that ends some sentences but not all has both followers.
                both = j + 1 == n and 0 < end < freq
                entry = stats.get(key)
                if entry is None:
                    stats[key] = [freq, nxt, both]
                else:
                    entry[0] += freq
                    if not entry[2] and (entry[1] != nxt or both):
                        entry[2] = True
    cands = [(-(e[0] * len(k)), k, e[0]) for k, e in stats.items() if e[2]]
    cands.sort()
    return [(k, f) for _, k, f in cands[:limit]]


__all__ += [
    "CLASS_ALONE",
    "CLASS_ANY",
    "CLASS_FORBIDDEN",
    "CLASS_INHERITED",
    "CLASS_SPACE",
    "UNK_PENALTY",
    "UnigramLattice",
    "splitmix64",
    "top_substrings",
]


# -- tiktoken's byte-pair rule -----------------------------------------------------------


class ByteRankMerger:
    """tiktoken's encoding rule over a table of byte strings and their ranks.

    A piece that is itself in the table is its own token. Otherwise the piece
    starts as single bytes and the adjacent pair whose CONCATENATION has the
    lowest rank is merged, leftmost on ties, until no adjacent concatenation is
    in the table. Unlike :class:`MergeTable` there is no merge list: any two
    parts whose bytes join into a ranked token may merge. The ids returned are
    the ranks (tiktoken's token ids).

    Args:
        ranks: byte string -> rank (0 <= rank <= ``MAX_ID``); keys non-empty.

    Raises:
        TypeError: a key is not bytes or a rank not an int.
        ValueError: an empty key or a rank out of range.

    >>> m = ByteRankMerger({b"a": 0, b"b": 1, b"c": 2, b"ab": 3, b"bc": 4, b"abc": 5})
    >>> m.encode(b"abc"), m.merge(b"abc"), m.merge(b"abc", 5), m.encode(b"cab")
    ([5], [5], [3, 2], [2, 3])
    """

    def __init__(self, ranks: Mapping[bytes, int]) -> None:
        self._ranks: dict[bytes, int] = {}
        for token, rank in ranks.items():
            if not isinstance(token, bytes):
                raise TypeError(f"rank table keys must be bytes, got {type(token).__name__}")
            if not token:
                raise ValueError("rank table keys must be non-empty byte strings")
            self._ranks[token] = _check_id(rank, "rank")

    def __len__(self) -> int:
        return len(self._ranks)

    def encode(self, piece: bytes) -> list[int]:
        """Encode one pre-tokenized piece: itself if ranked, else :meth:`merge`.

        Raises:
            TypeError: ``piece`` is not bytes.
            ValueError: a byte of ``piece`` has no rank.
        """
        if not isinstance(piece, bytes):
            raise TypeError(f"piece must be bytes, got {type(piece).__name__}")
        hit = self._ranks.get(piece)
        if hit is not None:
            return [hit]
        return self.merge(piece)

    def merge(self, piece: bytes, limit: int | None = None) -> list[int]:
        """Merge the bytes of ``piece`` by rank (no whole-piece lookup).

        Args:
            piece: the bytes.
            limit: only concatenations with rank < ``limit`` merge (None: all).

        Returns:
            The ranks of the final parts.

        Raises:
            TypeError: ``piece`` is not bytes.
            ValueError: a final part (a single byte) has no rank.
        """
        if not isinstance(piece, bytes):
            raise TypeError(f"piece must be bytes, got {type(piece).__name__}")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise TypeError(f"limit must be an int or None, got {type(limit).__name__}")
        ranks = self._ranks
        none = MAX_ID + 1  # "no merge": above every rank
        top = none if limit is None else max(0, min(limit, none))
        # bounds[i] is where part i starts; pair[i] ranks parts i and i + 1 joined.
        bounds = list(range(len(piece) + 1))

        def pair_rank(i: int) -> int:
            r = ranks.get(piece[bounds[i] : bounds[i + 2]])
            return none if r is None or r >= top else r

        pair = [pair_rank(i) for i in range(len(piece) - 1)]
        while pair:
            best = min(pair)
            if best == none:
                break
            i = pair.index(best)  # leftmost of the lowest
            del bounds[i + 1]
            del pair[i]
            if i < len(pair):
                pair[i] = pair_rank(i)
            if i > 0:
                pair[i - 1] = pair_rank(i - 1)
        out = []
        for i in range(len(bounds) - 1):
            part = piece[bounds[i] : bounds[i + 1]]
            r = ranks.get(part)
            if r is None:
                raise ValueError(f"byte {part!r} has no rank: the rank table lacks it")
            out.append(r)
        return out


__all__ += ["ByteRankMerger"]

# -- SentencePiece BPE: cutting words into parts (twin of _spsegment.pxi) ---------------

#: Packed char info of sum_segments: bit 0: the char is a piece of its own; bit 1: it is
#: the "▁"; bits 2 and up: its script class (see SEGMENT_INHERITED and SEGMENT_ANY).
SEGMENT_ALONE = 1
SEGMENT_SPACE = 2
#: Script class of a char that takes the script of the char before it (Inherited).
SEGMENT_INHERITED = 0
#: Script class of a char that fits any script (digits without split_by_number).
SEGMENT_ANY = 1

__all__ += ["SEGMENT_ALONE", "SEGMENT_ANY", "SEGMENT_INHERITED", "SEGMENT_SPACE", "sum_segments"]


def sum_segments(
    counts: dict[str, int],
    info: dict[str, int],
    suffix: bool,
    by_script: bool,
    classify: Callable[[str], int] | None = None,
) -> dict[str, int]:
    """The words of ``counts`` cut where no SentencePiece piece can cross, parts summed.

    Args:
        counts: word -> count; words of one char or with a count <= 0 are skipped.
        info: char -> ``alone | space << 1 | script << 2`` for every char of the words
            (``alone``: the char is a piece of its own; ``space``: it is the "▁";
            ``script``: SEGMENT_INHERITED, SEGMENT_ANY or a script number >= 2).
        suffix: treat_whitespace_as_suffix (a "▁" ends a part instead of starting one).
        by_script: split_by_unicode_script (a change of script is a cut).
        classify: char -> packed info, asked once for each char not in ``info``.

    Returns:
        part -> summed count, for the parts of two chars or more, first seen first.

    Raises:
        KeyError: a char of a word is not in ``info`` and there is no ``classify``.

    >>> sum_segments({"ab,c": 2}, {"a": 8, "b": 8, ",": 1, "c": 8}, False, True)
    {'ab': 2}
    """
    if not isinstance(counts, dict) or not isinstance(info, dict):
        raise TypeError("counts and info must be dicts")
    for ch in info:
        if not isinstance(ch, str) or len(ch) != 1:
            raise ValueError(f"info keys must be single chars, got {ch!r}")
    info = dict(info)
    out: dict[str, int] = {}
    get = out.get
    for word, count in counts.items():
        if not isinstance(word, str):
            raise TypeError(f"words must be str, got {type(word).__name__}")
        if len(word) < 2 or count <= 0:
            continue
        start = 0
        prev = SEGMENT_ANY
        before_alone = before_space = False
        cuts: list[int] = []
        for i, ch in enumerate(word):
            packed = info.get(ch, -1)
            if packed < 0:
                if classify is None:
                    raise KeyError(ch)
                packed = info[ch] = classify(ch)
                if packed < 0:
                    raise ValueError(f"classify({ch!r}) gave {packed}, not an info value")
            alone, space, script = bool(packed & 1), bool(packed & 2), packed >> 2
            cut = i > 0 and (alone or before_alone or (before_space if suffix else space))
            before_alone, before_space = alone, space
            if cut:
                cuts.append(i)
                prev = SEGMENT_ANY
            if space:
                continue
            if script == SEGMENT_INHERITED:
                script = prev
            elif by_script and not cut and SEGMENT_ANY not in (script, prev) and script != prev:
                cuts.append(i)
            prev = script
        cuts.append(len(word))
        for end in cuts:
            if end - start > 1:
                part = word[start:end]
                out[part] = get(part, 0) + count
            start = end
    return out


from ._pyencode import *  # noqa: E402, F403  (the fast byte-level encoder: ByteLevelEncoder)
from ._pyscan import *  # noqa: E402, F403  (the fixed-pattern scanner: SCAN_NAMES, ...)
from ._pyspencode import *  # noqa: E402, F403  (the fast Unigram encoder: SentencePieceEncoder)
