# Included from _core.pyx: the two ranked-merge encoding rules of BPE. Twin of _pymerge.py.
#
# MergeTable applies a merge list; ByteRankMerger applies tiktoken's rule over ranked
# byte strings. Both merge the adjacent pair of lowest rank first, leftmost on ties.

cdef class MergeTable:
    """Ranked merges for BPE encoding; same surface as ``_pymerge.MergeTable``.

    Args:
        merges: ``(left_id, right_id, new_id)`` in rank order (rank = index). A
            pair listed twice keeps its first (lowest) rank.

    >>> MergeTable([(0, 1, 3), (3, 2, 4)]).apply([0, 1, 2, 0, 1])
    [4, 3]
    """

    def __init__(self, merges):
        cdef Py_ssize_t rank = 0
        cdef key_t k
        cdef sym_t new
        for left, right, new_id in merges:
            k = _key(_check_id(left, "left"), _check_id(right, "right"))
            new = _check_id(new_id, "new_id")  # a repeated pair's too, as the pure core
            if not self._ranks.count(k):
                self._ranks[k] = ((<uint64_t>rank) << 32) | <uint64_t>new
            rank += 1

    def __len__(self):
        return self._ranks.size()

    def apply(self, ids):
        """Merge ``ids`` by rank: lowest-rank adjacent pair first, leftmost on ties.

        Returns:
            The merged ids as a list.
        """
        cdef Py_ssize_t n = self._load(ids)
        cdef Py_ssize_t i
        with nogil:
            n = self._apply(n)
        return [self._buf[i] for i in range(n)]

    def split(self, ids):
        """Like ``apply``, also returning how many input symbols each output covers.

        >>> MergeTable([(0, 1, 3)]).split([2, 0, 1])
        ([2, 3], [1, 2])
        """
        cdef Py_ssize_t n = self._load(ids)
        cdef Py_ssize_t i
        with nogil:
            n = self._apply(n)
        return ([self._buf[i] for i in range(n)], [self._size_buf[i] for i in range(n)])

    cdef Py_ssize_t _load(self, ids) except -1:
        cdef Py_ssize_t n = len(ids)
        cdef Py_ssize_t i
        if <uint64_t>n > _PACK_POS:
            raise ValueError(f"{n} symbols are more than the merge loop allows ({_PACK_POS})")
        self._buf.resize(n)
        self._size_buf.resize(n)
        self._rank_buf.resize(n)
        for i in range(n):
            self._buf[i] = _check_id(ids[i], "symbol id")
            self._size_buf[i] = 1
        return n

    cdef Py_ssize_t _apply(self, Py_ssize_t n) noexcept nogil:
        # Merges self._buf[:n] in place; returns the number of symbols left.
        if n <= _MERGE_SCAN_MAX:
            return self._apply_scan(n)
        return self._apply_heap(n)

    cdef Py_ssize_t _apply_scan(self, Py_ssize_t n) noexcept nogil:
        # Keep the rank of each adjacent pair (-1: no merge); each step merges the
        # leftmost lowest rank and refreshes only the two neighbouring ranks.
        cdef Py_ssize_t i, best_i
        cdef int64_t best_rank
        cdef uint64_t hit
        cdef sym_t* buf = self._buf.data()
        cdef int32_t* sizes = self._size_buf.data()
        cdef int64_t* ranks = self._rank_buf.data()
        if n < 2:
            return n
        for i in range(n - 1):
            ranks[i] = self._rank(buf[i], buf[i + 1])
        while n > 1:
            best_i = -1
            best_rank = -1
            for i in range(n - 1):
                if ranks[i] >= 0 and (best_i < 0 or ranks[i] < best_rank):
                    best_i = i
                    best_rank = ranks[i]
            if best_i < 0:
                break
            hit = self._ranks[_key(buf[best_i], buf[best_i + 1])]
            buf[best_i] = <sym_t>(hit & _LOW32)
            sizes[best_i] += sizes[best_i + 1]
            for i in range(best_i + 1, n - 1):
                buf[i] = buf[i + 1]
                sizes[i] = sizes[i + 1]
                ranks[i] = ranks[i + 1]
            n -= 1
            if best_i > 0:
                ranks[best_i - 1] = self._rank(buf[best_i - 1], buf[best_i])
            if best_i < n - 1:
                ranks[best_i] = self._rank(buf[best_i], buf[best_i + 1])
        return n

    cdef Py_ssize_t _apply_heap(self, Py_ssize_t n) noexcept nogil:
        # The same merges as _apply_scan in O(n log n): symbols in a linked list, the
        # pairs' ranks in the packed merge heap (_core.pxd), keyed
        # rank << _PACK_SHIFT | position. ranks[i] is the rank of symbol i and the next
        # one, -1 for none and for merged-away symbols; an entry whose rank its position
        # no longer has is stale and skipped.
        cdef Py_ssize_t i, j, k, p, o
        cdef uint64_t top, hit
        cdef sym_t* buf = self._buf.data()
        cdef int32_t* sizes = self._size_buf.data()
        cdef int64_t* ranks = self._rank_buf.data()
        self._next.resize(n)
        self._prev.resize(n)
        cdef int64_t* nxt = self._next.data()
        cdef int64_t* prv = self._prev.data()
        self._heap.clear()
        for i in range(n):
            nxt[i] = i + 1
            prv[i] = i - 1
            ranks[i] = self._rank(buf[i], buf[i + 1]) if i + 1 < n else -1
            if ranks[i] >= 0:
                self._heap.push_back((<uint64_t>ranks[i] << _PACK_SHIFT) | <uint64_t>i)
        _packed_heapify(self._heap)         # O(n), where n pushes cost O(n log n)
        while not self._heap.empty():
            top = self._heap[0]
            i = <Py_ssize_t>(top & _PACK_POS)
            if ranks[i] != <int64_t>(top >> _PACK_SHIFT):
                _packed_pop(self._heap)     # stale: the pair at i changed since
                continue
            j = nxt[i]
            hit = self._ranks[_key(buf[i], buf[j])]
            buf[i] = <sym_t>(hit & _LOW32)
            sizes[i] += sizes[j]
            ranks[j] = -1
            k = nxt[j]
            nxt[i] = k
            ranks[i] = -1
            if k < n:
                prv[k] = i
                ranks[i] = self._rank(buf[i], buf[k])
            if ranks[i] >= 0:               # the top's new pair takes its place
                _packed_replace_top(self._heap, (<uint64_t>ranks[i] << _PACK_SHIFT) | <uint64_t>i)
            else:
                _packed_pop(self._heap)
            p = prv[i]
            if p >= 0:
                ranks[p] = self._rank(buf[p], buf[i])
                if ranks[p] >= 0:
                    _packed_push(self._heap, (<uint64_t>ranks[p] << _PACK_SHIFT) | <uint64_t>p)
        o = 0
        i = 0
        while i < n:
            buf[o] = buf[i]
            sizes[o] = sizes[i]
            o += 1
            i = nxt[i]
        return o

    cdef inline int64_t _rank(self, sym_t a, sym_t b) noexcept nogil:
        cdef unordered_map[key_t, uint64_t].iterator it = self._ranks.find(_key(a, b))
        if it == self._ranks.end():
            return -1
        return <int64_t>(deref(it).second >> 32)


# -- tiktoken's byte-pair rule -----------------------------------------------------------

cdef int64_t _NO_RANK = _MAX_ID + 1


cdef class ByteRankMerger:
    """tiktoken's encoding rule over a rank table; same surface as ``_pycore``'s.

    Short pieces use tiktoken's scan: keep the rank of every adjacent pair of parts,
    merge the leftmost lowest, refresh its two neighbours (quadratic, and fastest for
    them); longer ones the merge heap, which pops the same pairs in O(n log n).

    >>> m = ByteRankMerger({b"a": 0, b"b": 1, b"c": 2, b"ab": 3, b"bc": 4, b"abc": 5})
    >>> m.encode(b"abc"), m.merge(b"abc"), m.merge(b"abc", 5), m.encode(b"cab")
    ([5], [5], [3, 2], [2, 3])
    """

    def __init__(self, ranks):
        for token, rank in ranks.items():
            if not isinstance(token, bytes):
                raise TypeError(f"rank table keys must be bytes, got {type(token).__name__}")
            if not token:
                raise ValueError("rank table keys must be non-empty byte strings")
            self._ranks[<string>token] = _check_id(rank, "rank")

    def __len__(self):
        return self._ranks.size()

    def encode(self, piece):
        """Encode one piece: itself if ranked, else ``merge``."""
        cdef int64_t hit
        if not isinstance(piece, bytes):
            raise TypeError(f"piece must be bytes, got {type(piece).__name__}")
        hit = self._find(piece, 0, len(piece))
        if hit >= 0:
            return [hit]
        return self.merge(piece)

    def merge(self, piece, limit=None):
        """Merge the bytes of ``piece`` by rank; only ranks < ``limit`` if given."""
        cdef int64_t top = _NO_RANK
        cdef int64_t r
        cdef Py_ssize_t n, parts, i
        cdef const char* data
        if not isinstance(piece, bytes):
            raise TypeError(f"piece must be bytes, got {type(piece).__name__}")
        if limit is not None:
            if not isinstance(limit, int) or isinstance(limit, bool):
                raise TypeError(f"limit must be an int or None, got {type(limit).__name__}")
            top = max(0, min(limit, _NO_RANK))
        data = piece
        n = len(piece)
        if <uint64_t>n > _PACK_POS:
            raise ValueError(f"a piece of {n} bytes is more than the merge loop allows")
        with nogil:
            parts = self._merge(data, n, top)
        out = []
        for i in range(parts):
            r = self._find(data, self._bounds[i], self._bounds[i + 1])
            if r < 0:
                part = piece[self._bounds[i]:self._bounds[i + 1]]
                raise ValueError(f"byte {part!r} has no rank: the rank table lacks it")
            out.append(r)
        return out

    cdef inline int64_t _find(self, const char* data, Py_ssize_t start,
                              Py_ssize_t end) noexcept nogil:
        cdef unordered_map[string, sym_t].iterator it
        self._key.assign(data + start, end - start)
        it = self._ranks.find(self._key)
        if it == self._ranks.end():
            return -1
        return deref(it).second

    cdef Py_ssize_t _merge(self, const char* data, Py_ssize_t n, int64_t top) noexcept nogil:
        # Returns the number of parts; part i is data[_bounds[i]:_bounds[i + 1]].
        if n <= _MERGE_SCAN_MAX:
            return self._merge_scan(data, n, top)
        return self._merge_heap(data, n, top)

    cdef Py_ssize_t _merge_scan(self, const char* data, Py_ssize_t n,
                                int64_t top) noexcept nogil:
        # Returns the number of parts; part i is data[_bounds[i]:_bounds[i + 1]].
        cdef Py_ssize_t i, j, best_i, m
        cdef int64_t best, r
        cdef Py_ssize_t* bounds
        cdef int64_t* pair
        self._bounds.resize(n + 1)
        self._pair.resize(n)
        bounds = self._bounds.data()
        pair = self._pair.data()
        for i in range(n + 1):
            bounds[i] = i
        m = n  # parts
        for i in range(m - 1):
            r = self._find(data, i, i + 2)
            pair[i] = r if 0 <= r < top else _NO_RANK
        while m > 1:
            best = _NO_RANK
            best_i = -1
            for i in range(m - 1):
                if pair[i] < best:
                    best = pair[i]
                    best_i = i
            if best_i < 0:
                break
            for j in range(best_i + 1, m):
                bounds[j] = bounds[j + 1]
            for j in range(best_i, m - 2):
                pair[j] = pair[j + 1]
            m -= 1
            if best_i < m - 1:
                r = self._find(data, bounds[best_i], bounds[best_i + 2])
                pair[best_i] = r if 0 <= r < top else _NO_RANK
            if best_i > 0:
                r = self._find(data, bounds[best_i - 1], bounds[best_i + 1])
                pair[best_i - 1] = r if 0 <= r < top else _NO_RANK
        return m

    cdef Py_ssize_t _merge_heap(self, const char* data, Py_ssize_t n,
                                int64_t top) noexcept nogil:
        # The same merges as _merge_scan in O(n log n) (the packed merge heap of
        # _core.pxd, keyed rank << _PACK_SHIFT | position). A part is named by the byte
        # it starts at and ends where the next one starts (_next[i]; n at the end);
        # pair[i] ranks part i joined with the next one (_NO_RANK: none, or merged away).
        cdef Py_ssize_t i, j, k, p, m
        cdef int64_t r
        cdef uint64_t head
        self._bounds.resize(n + 1)
        self._pair.resize(n)
        self._next.resize(n)
        self._prev.resize(n)
        cdef int64_t* pair = self._pair.data()
        cdef int64_t* nxt = self._next.data()
        cdef int64_t* prv = self._prev.data()
        self._heap.clear()
        for i in range(n):
            nxt[i] = i + 1
            prv[i] = i - 1
            pair[i] = _NO_RANK
            if i + 1 < n:
                r = self._find(data, i, i + 2)
                if 0 <= r < top:
                    pair[i] = r
                    self._heap.push_back((<uint64_t>r << _PACK_SHIFT) | <uint64_t>i)
        _packed_heapify(self._heap)         # O(n), where n pushes cost O(n log n)
        while not self._heap.empty():
            head = self._heap[0]
            i = <Py_ssize_t>(head & _PACK_POS)
            if pair[i] != <int64_t>(head >> _PACK_SHIFT):
                _packed_pop(self._heap)     # stale: the pair at i changed since
                continue
            j = nxt[i]
            k = nxt[j]
            pair[j] = _NO_RANK
            nxt[i] = k
            pair[i] = _NO_RANK
            if k < n:
                prv[k] = i
                r = self._find(data, i, nxt[k])
                if 0 <= r < top:
                    pair[i] = r
            if pair[i] != _NO_RANK:         # the top's new pair takes its place
                _packed_replace_top(self._heap, (<uint64_t>pair[i] << _PACK_SHIFT) | <uint64_t>i)
            else:
                _packed_pop(self._heap)
            p = prv[i]
            if p >= 0:
                r = self._find(data, p, k)
                pair[p] = r if 0 <= r < top else _NO_RANK
                if pair[p] != _NO_RANK:
                    _packed_push(self._heap, (<uint64_t>r << _PACK_SHIFT) | <uint64_t>p)
        m = 0
        i = 0
        while i < n:
            self._bounds[m] = i
            m += 1
            i = nxt[i]
        self._bounds[m] = n
        return m


__all__ += ["ByteRankMerger", "MergeTable"]
