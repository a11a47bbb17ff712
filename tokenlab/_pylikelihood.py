"""Pure twin of ``_likelihood.pxi``: the best pair by likelihood, kept up to date cheaply.

Also the heap entry both of :class:`~tokenlab._pycore.PairCounter`'s scorings use
(``_Entry``: its ``__lt__`` is the one ordering of candidate pairs).
"""

from __future__ import annotations

import heapq

from ._pycommon import MAX_TOTAL, _check_id

__all__ = ["LikelihoodIndex"]


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
