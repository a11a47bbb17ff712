"""Pure twin of ``_merge.pxi``: the two ranked-merge encoding rules of BPE.

:class:`MergeTable` applies a merge list (Hugging Face's and GPT-2's rule);
:class:`ByteRankMerger` applies tiktoken's rule over a table of ranked byte strings.
Both merge the adjacent pair of lowest rank first, leftmost on ties.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

from ._pycommon import MAX_ID, _check_id

__all__ = ["ByteRankMerger", "MergeTable"]

# Pieces of at most this many bytes are merged by tiktoken's scan, faster for them than
# the heap; longer ones by the heap (the native twin has the same split).
_MERGE_SCAN_MAX = 64


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
        none = MAX_ID + 1  # "no merge": above every rank
        top = none if limit is None else max(0, min(limit, none))
        if len(piece) <= _MERGE_SCAN_MAX:
            bounds = self._merge_scan(piece, top)
        else:
            bounds = self._merge_heap(piece, top)
        out = []
        for i in range(len(bounds) - 1):
            part = piece[bounds[i] : bounds[i + 1]]
            r = self._ranks.get(part)
            if r is None:
                raise ValueError(f"byte {part!r} has no rank: the rank table lacks it")
            out.append(r)
        return out

    def _merge_scan(self, piece: bytes, top: int) -> list[int]:
        """The parts' bounds by tiktoken's scan: quadratic, and fastest for short pieces."""
        ranks = self._ranks
        none = MAX_ID + 1
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
        return bounds

    def _merge_heap(self, piece: bytes, top: int) -> list[int]:
        """The same bounds as :meth:`_merge_scan` in O(n log n).

        A part is named by the byte it starts at and ends where the next one starts
        (``nxt[i]``); ``pair[i]`` ranks it joined with the next one (None: no merge, or
        merged away). The heap holds ``(rank, start)``: it pops the lowest rank, leftmost
        on ties, and an entry whose start no longer holds that rank is stale.
        """
        ranks = self._ranks
        n = len(piece)
        nxt = list(range(1, n + 1))
        prv = list(range(-1, n - 1))
        pair: list[int | None] = [None] * n
        heap: list[tuple[int, int]] = []

        def rank_of(start: int, end: int) -> int | None:
            r = ranks.get(piece[start:end])
            return None if r is None or r >= top else r

        for i in range(n - 1):
            r = pair[i] = rank_of(i, i + 2)
            if r is not None:
                heap.append((r, i))
        heapq.heapify(heap)
        while heap:
            r, i = heapq.heappop(heap)
            if pair[i] != r:
                continue  # stale: the pair at i changed since
            j = nxt[i]
            k = nxt[j]
            pair[j] = None
            nxt[i] = k
            pair[i] = None
            if k < n:
                prv[k] = i
                q = pair[i] = rank_of(i, nxt[k])
                if q is not None:
                    heapq.heappush(heap, (q, i))
            p = prv[i]
            if p >= 0:
                q = pair[p] = rank_of(p, k)
                if q is not None:
                    heapq.heappush(heap, (q, p))
        bounds = []
        i = 0
        while i < n:
            bounds.append(i)
            i = nxt[i]
        bounds.append(n)
        return bounds
