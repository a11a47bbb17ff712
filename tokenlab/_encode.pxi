# Included at the end of _core.pyx, after _scan.pxi: the fast encoder of byte-level BPE.
#
# The pure twin is tokenlab/_pyencode.py; tests/test_encode_fast.py checks that both give
# exactly what the general pipeline (pre-tokenizer objects, then the model per word)
# gives, and what tiktoken and tokenizers give.
#
# One call goes from a str to token ids (and, when asked, char offsets and word indices)
# without a Python object per word: the fixed-pattern scanner of _scan.pxi cuts the text,
# each piece is UTF-8 encoded into a scratch buffer (an ASCII text's pieces are read in
# place), looked up in a word cache (piece bytes -> ids and the byte length of each id)
# and, on a miss, merged. Without offsets, pieces go _ENC_WINDOW at a time: all cut and
# hashed, their cache slots prefetched, then looked up, so the cache misses overlap. The
# result list takes its ints from a table of one int per id. All of it runs without the
# GIL (but for short texts, see _NOGIL_MIN), so `encode_many` calls from several threads
# run in parallel.
#
# Both model kinds are one merge rule over a pair table (left id, right id) -> (rank,
# new id), applied as MergeTable does (lowest rank first, leftmost on ties):
# - BPE: the merge list; rank = position in the list.
# - tiktoken ranks: a pair of ranked byte strings may merge when their concatenation is
#   ranked, and tiktoken always merges the adjacent pair whose concatenation has the
#   lowest rank. Every part tiktoken ever holds is a ranked byte string (single bytes
#   are ranked, and a merge yields a ranked string), so the pair table holds, for every
#   token t and every split t = a + b with a and b ranked, (rank a, rank b) -> rank t,
#   with rank t as the merge's rank. Then the two rules take the same steps.
#   A piece that is itself ranked is that one token (tiktoken's shortcut, and BPE's
#   ignore_merges): the `whole` table.

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF
from libc.string cimport memset
from cpython.ref cimport Py_XDECREF


cdef extern from "Python.h":
    # The raw forms, on PyObject*: the list's item table holds references it owns.
    PyObject* _tl_new_int "PyLong_FromLongLong"(long long value) except NULL
    void _tl_list_set "PyList_SET_ITEM"(object items, Py_ssize_t i, PyObject* item)
    void _tl_incref "Py_INCREF"(PyObject* item)


cdef enum:
    # The kind _encode_text takes for an ASCII str (beside PyUnicode_1BYTE_KIND, 2, 4):
    # its chars are its UTF-8 bytes.
    _KIND_ASCII = 8
    # Pieces cut and hashed (their cache slots prefetched) before any is looked up.
    _ENC_WINDOW = 32
    # How far ahead of the token it puts in a list _id_list prefetches (ids in the table;
    # half as far, the ints themselves).
    _LIST_AHEAD = 16
    # A text of fewer chars is encoded holding the GIL: letting it go and taking it back
    # costs more than the encoding (and other threads gain next to nothing).
    _NOGIL_MIN = 2048


# What a lookup of a pair without a merge gives: above every (rank << 32) | id.
cdef uint64_t _NO_MERGE = 0xFFFFFFFFFFFFFFFFu

# Pieces longer than this are merged every time instead of cached (they are rare, and
# they would fill the cache with bytes that do not repeat).
cdef size_t _ENC_CACHE_MAX_PIECE = 256
# A workspace clears its cache when it holds more pieces than this.
cdef size_t _ENC_CACHE_MAX_WORDS = 1 << 18


@cython.final
cdef class _EncodeWork:
    """Scratch buffers and the word cache of one thread of encoding."""

    def __cinit__(self):
        self._reset_cache()

    cdef void _reset_cache(self) noexcept:
        cdef _CacheSlot empty
        memset(&empty, 0, sizeof(empty))
        self.slots.assign(4096, empty)
        self.keys.clear()
        self.val_ids.clear()
        self.val_lens.clear()
        self.words = 0

    cdef void _clear_out(self) noexcept nogil:
        self.out_ids.clear()
        self.out_start.clear()
        self.out_end.clear()
        self.out_word.clear()
        self.out_count.clear()
        self.out_words.clear()

    cdef int _grow(self) except -1 nogil:
        cdef _CacheSlot empty
        memset(&empty, 0, sizeof(empty))
        cdef vector[_CacheSlot] old
        old.swap(self.slots)
        self.slots.assign(old.size() * 2, empty)
        cdef uint64_t mask = self.slots.size() - 1, pos
        cdef size_t i
        for i in range(old.size()):
            if old[i].key_size:
                pos = _slot_hash(&old[i]) & mask
                while self.slots[pos].key_size:
                    pos = (pos + 1) & mask
                self.slots[pos] = old[i]
        return 0


cdef inline uint64_t _short_hash(uint64_t k0, uint64_t k1, size_t n) noexcept nogil:
    # The hash of a piece of at most 16 bytes, from its two zero-padded words.
    cdef uint64_t h = (k0 * 0x9FB21C651E98DF25ULL) ^ (k1 + n) * 0xD6E8FEB86659FD93ULL
    h ^= h >> 32
    h *= 0x9E3779B97F4A7C15ULL
    h ^= h >> 29
    return h


cdef inline uint64_t _piece_key(const char* data, size_t n, uint64_t* k0,
                                uint64_t* k1) noexcept nogil:
    # A piece's cache key: its first 16 bytes, zero padded, in k0 and k1 (a piece of
    # more than 16 bytes: its first 8 in k0 and its hash in k1), and its hash.
    cdef uint64_t h
    if n <= 8:
        k0[0] = _load_le(data, n)
        k1[0] = 0
        return _short_hash(k0[0], 0, n)
    memcpy(k0, data, 8)
    if n <= 16:
        k1[0] = _load_le(data + 8, n - 8)
        return _short_hash(k0[0], k1[0], n)
    h = _hash_bytes(data, n)
    k1[0] = h
    return h


cdef inline bint _has_surrogate(const void* data, int kind, Py_ssize_t n) noexcept nogil:
    # Whether a 2- or 4-byte str holds a code point in U+D800..U+DFFF. Branch-free per
    # char (an OR over the text), so the compiler vectorizes it.
    cdef Py_ssize_t i
    cdef uint32_t hit = 0
    cdef const uint16_t* s2 = <const uint16_t*>data
    cdef const uint32_t* s4 = <const uint32_t*>data
    if kind == PyUnicode_2BYTE_KIND:
        for i in range(n):
            hit |= <uint32_t>((s2[i] & 0xF800) == 0xD800)
    else:
        for i in range(n):
            hit |= <uint32_t>((s4[i] & 0xFFFFF800u) == 0xD800)
    return hit != 0


cdef inline uint64_t _slot_hash(const _CacheSlot* slot) noexcept nogil:
    if slot.key_size > 16:
        return slot.k1
    return _short_hash(slot.k0, slot.k1, slot.key_size)


# Building tiktoken's pair table: every split of every ranked token into two ranked
# parts. A token's prefixes are hashed incrementally and each suffix's hash follows from
# its token's and its prefix's (a polynomial hash), so each cut costs two probes of a flat
# index of the tokens, checked against their bytes, and builds no string: cl100k_base has
# 100k tokens and 650k cuts.
cdef uint64_t _POLY = 0x100000001B3u
# The heap merge's first pass prefetches the pair this many positions ahead.
cdef Py_ssize_t _PREFETCH_AHEAD = 8
cdef int32_t _IX_SHARED = -2      # the index value of a hash two tokens share


cdef inline uint64_t _poly_key(uint64_t h) noexcept nogil:
    # A hash as a flat-table key (all ones means an empty slot there).
    return h - 1 if h == 0xFFFFFFFFFFFFFFFFu else h


cdef struct _TokenIndex:
    FlatMap64 slots                 # _poly_key(hash) -> token number, or _IX_SHARED
    vector[const char*] data        # the bytes of token number t (the map's own keys)
    vector[size_t] size
    vector[sym_t] rank
    vector[uint64_t] hash


cdef int64_t _index_rank(_TokenIndex* ix, unordered_map[string, sym_t]* table,
                         uint64_t h, const char* p, size_t n) noexcept nogil:
    # The rank of the bytes p[:n], whose hash is h; -1 if they are not a token.
    cdef int32_t t = ix.slots.find(_poly_key(h), -1)
    cdef unordered_map[string, sym_t].iterator it
    if t == _IX_SHARED:             # rare: ask the map itself
        it = table.find(string(p, n))
        return -1 if it == table.end() else deref(it).second
    if t >= 0 and ix.size[t] == n and memcmp(ix.data[t], p, n) == 0:
        return ix.rank[t]
    return -1


cdef void _rank_pairs(unordered_map[string, sym_t]& table, PairTable& out) noexcept nogil:
    # out: (rank a, rank b) -> (rank t << 32) | rank t for every ranked t = a + b.
    cdef _TokenIndex ix
    cdef unordered_map[string, sym_t].iterator it = table.begin()
    cdef vector[uint64_t] power
    cdef size_t t, i, n, cut, longest = 0
    cdef uint64_t h, prefix, merge
    cdef int32_t seen
    cdef int64_t ra, rb
    cdef const char* p
    ix.slots.reserve(table.size())
    while it != table.end():
        p = deref(it).first.data()
        n = deref(it).first.size()
        h = 0
        for i in range(n):
            h = h * _POLY + <uint8_t>p[i] + 1
        t = ix.data.size()
        seen = ix.slots.find(_poly_key(h), -1)
        ix.slots.put(_poly_key(h), <int32_t>t if seen == -1 else _IX_SHARED)
        ix.data.push_back(p)
        ix.size.push_back(n)
        ix.rank.push_back(deref(it).second)
        ix.hash.push_back(h)
        longest = max(longest, n)
        inc(it)
    power.push_back(1)
    for i in range(longest):
        power.push_back(power.back() * _POLY)
    out.reserve(2 * ix.data.size())
    for t in range(ix.data.size()):
        p = ix.data[t]
        n = ix.size[t]
        prefix = 0
        for cut in range(1, n):
            prefix = prefix * _POLY + <uint8_t>p[cut - 1] + 1
            ra = _index_rank(&ix, &table, prefix, p, cut)
            if ra < 0:
                continue
            rb = _index_rank(&ix, &table, ix.hash[t] - prefix * power[n - cut], p + cut, n - cut)
            if rb < 0:
                continue
            merge = ((<uint64_t>ix.rank[t]) << 32) | <uint64_t>ix.rank[t]
            out.put(_key(<sym_t>ra, <sym_t>rb), merge)


@cython.final
cdef class ByteLevelEncoder:
    """Text -> token ids (and offsets) of a byte-level BPE pipeline in one native call.

    Same surface as ``_pyencode.ByteLevelEncoder``. The pipeline is: no normalizer;
    the fixed split pattern ``pattern`` (a ``SCAN_NAMES`` name, or None: the text is
    one piece), with a space put in front of a text that does not start with one when
    ``add_prefix_space``; each piece's UTF-8 bytes encoded by the merge rule.

    Args:
        pattern: the split pattern's scanner name, or None.
        add_prefix_space: ByteLevel's option.
        byte_ids: the id of each of the 256 single bytes.
        merges: ``(left_id, right_id, new_id)`` in rank order (rank = index); a pair
            listed twice keeps its first rank.
        whole: byte string -> id: a piece equal to a key is that one token (None: none).

    Raises:
        ValueError: an unknown pattern, or not 256 byte ids.

    >>> enc = ByteLevelEncoder.from_ranks("gpt2", {bytes([b]): b for b in range(256)})
    >>> enc.encode("hi!")
    [104, 105, 33]
    """

    def __init__(self, pattern, bint add_prefix_space, byte_ids, merges, whole=None):
        self._setup(pattern, add_prefix_space)
        cdef Py_ssize_t rank = 0, b
        cdef key_t k
        if len(byte_ids) != 256:
            raise ValueError(f"byte_ids must hold 256 ids, got {len(byte_ids)}")
        for b in range(256):
            self._byte_ids[b] = _check_id(byte_ids[b], "byte id")
            self._max_id = max(self._max_id, self._byte_ids[b])
        for left, right, new_id in merges:
            k = _key(_check_id(left, "left"), _check_id(right, "right"))
            if not self._pairs.count(k):
                self._pairs[k] = ((<uint64_t>rank) << 32) | <uint64_t>_check_id(new_id, "new_id")
                self._max_id = max(self._max_id, <sym_t>new_id)
            rank += 1
        self._freeze()
        if whole is not None:
            for token, tid in whole.items():
                if not isinstance(token, bytes):
                    raise TypeError(f"whole keys must be bytes, got {type(token).__name__}")
                self._whole[<string>token] = _check_id(tid, "id")
                self._max_id = max(self._max_id, <sym_t>tid)

    cdef int _setup(self, pattern, bint add_prefix_space) except -1:
        if pattern is not None and pattern not in SCAN_NAMES:
            raise ValueError(
                f"no fixed-pattern scanner for {pattern!r}; use None or one of "
                f"{', '.join(SCAN_NAMES)}"
            )
        _scan_build_tables()
        self.pattern = pattern
        self._pattern = -1 if pattern is None else _SCAN_KERNEL[pattern]
        self.add_prefix_space = add_prefix_space
        self._pool = []
        return 0

    @classmethod
    def from_ranks(cls, pattern, ranks, bint add_prefix_space=False):
        """The encoder of tiktoken's rule over ``ranks`` (byte string -> rank = id).

        Raises:
            ValueError: a single byte has no rank.
        """
        cdef ByteLevelEncoder self = cls.__new__(cls)
        self._setup(pattern, add_prefix_space)
        cdef unordered_map[string, sym_t] table
        cdef unordered_map[string, sym_t].iterator ia
        cdef string token
        cdef int b
        table.reserve(len(ranks))
        for tok, rank in ranks.items():
            if not isinstance(tok, bytes) or not tok:
                raise TypeError(f"rank keys must be non-empty bytes, got {tok!r}")
            table[<string>tok] = _check_id(rank, "rank")
            self._max_id = max(self._max_id, <sym_t>rank)
        for b in range(256):
            token.assign(1, <char>b)
            ia = table.find(token)
            if ia == table.end():
                raise ValueError(f"byte {bytes([b])!r} has no rank: the rank table lacks it")
            self._byte_ids[b] = deref(ia).second
        with nogil:
            _rank_pairs(table, self._table)
            self._table.build_filter()
            self._whole.swap(table)
        return self

    def __repr__(self):
        return (
            f"ByteLevelEncoder(pattern={self.pattern!r}, add_prefix_space="
            f"{bool(self.add_prefix_space)}, pairs={self._table.size()})"
        )

    def clear_cache(self):
        """Forget the cached words (they never change results, only speed)."""
        self._pool = []

    # -- the kernel ------------------------------------------------------------------

    cdef void _freeze(self) noexcept:
        # Move the pairs into the flat table (_core.pxd: TLFlatMap), in the map's order:
        # the slots a key lands in may differ, what a lookup finds never does.
        for item in self._pairs:
            self._table.put(item.first, item.second)
        self._pairs.clear()
        self._pairs.rehash(0)
        self._table.build_filter()

    cdef inline uint64_t _lookup(self, sym_t a, sym_t b) noexcept nogil:
        # (rank << 32) | new id of the merge of a and b, or _NO_MERGE.
        return self._table.find_filtered(_key(a, b), _NO_MERGE)

    cdef Py_ssize_t _merge(self, _EncodeWork w, const char* data, Py_ssize_t n) except -1 nogil:
        # Merge the bytes data[:n] into w.buf / w.sizes (byte lengths); returns the count.
        # Merges are compared as (rank << 32) | new id: the same order as by rank alone,
        # as pairs with equal ranks (tiktoken's splits of one token) have equal ids too.
        cdef unordered_map[string, sym_t].iterator wit
        cdef Py_ssize_t i
        cdef sym_t* buf
        cdef int32_t* sizes
        w.buf.resize(n)
        w.sizes.resize(n)
        w.merges.resize(n)
        buf = w.buf.data()
        sizes = w.sizes.data()
        if n > 1 and not self._whole.empty():
            w.whole_key.assign(data, n)
            wit = self._whole.find(w.whole_key)
            if wit != self._whole.end():
                buf[0] = deref(wit).second
                sizes[0] = <int32_t>n
                return 1
        for i in range(n):
            buf[i] = self._byte_ids[<uint8_t>data[i]]
            sizes[i] = 1
        if n < 2:
            return n
        if n <= _MERGE_SCAN_MAX:
            return self._merge_scan(w, n)
        if <uint64_t>n > _PACK_POS:
            with gil:
                raise ValueError(
                    f"a piece of {n} bytes is longer than the merge loop allows "
                    f"({_PACK_POS}); split the text"
                )
        return self._merge_heap(w, n)

    cdef Py_ssize_t _merge_scan(self, _EncodeWork w, Py_ssize_t n) noexcept nogil:
        # Merge w.buf[:n] (w.sizes: byte lengths) by scanning all pairs at each step.
        cdef Py_ssize_t i, best_i
        cdef uint64_t best
        cdef sym_t* buf = w.buf.data()
        cdef int32_t* sizes = w.sizes.data()
        cdef uint64_t* merges = w.merges.data()
        for i in range(n - 1):
            merges[i] = self._lookup(buf[i], buf[i + 1])
        while n > 1:
            best_i = 0
            best = merges[0]
            for i in range(1, n - 1):
                if merges[i] < best:    # strict: the leftmost of equal merges
                    best_i = i
                    best = merges[i]
            if best == _NO_MERGE:
                break
            buf[best_i] = <sym_t>(best & _LOW32)
            sizes[best_i] += sizes[best_i + 1]
            for i in range(best_i + 1, n - 1):
                buf[i] = buf[i + 1]
                sizes[i] = sizes[i + 1]
                merges[i] = merges[i + 1]
            n -= 1
            if best_i > 0:
                merges[best_i - 1] = self._lookup(buf[best_i - 1], buf[best_i])
            if best_i < n - 1:
                merges[best_i] = self._lookup(buf[best_i], buf[best_i + 1])
        return n

    cdef Py_ssize_t _merge_heap(self, _EncodeWork w, Py_ssize_t n) noexcept nogil:
        # The same merges as _merge_scan in O(n log n): symbols in a linked list, their
        # pairs in the packed merge heap (_core.pxd), keyed rank << _PACK_SHIFT | position;
        # merges[i] is the merge ((rank << 32) | new id) of symbol i and the next one,
        # _NO_MERGE for none and for merged-away symbols. An entry whose rank is no
        # longer that of its position is stale and skipped: the bytes a position's pair
        # spans only grow, so a rank it lost never comes back (and equal ranks are
        # equal merges: one rank per pair of a merge list, one per token of tiktoken).
        cdef Py_ssize_t i, j, k, p, o
        cdef uint64_t top, m
        cdef sym_t* buf = w.buf.data()
        cdef int32_t* sizes = w.sizes.data()
        cdef uint64_t* merges = w.merges.data()
        w.next.resize(n)
        w.prev.resize(n)
        cdef int64_t* nxt = w.next.data()
        cdef int64_t* prv = w.prev.data()
        w.heap.clear()
        for i in range(n):
            nxt[i] = i + 1
            prv[i] = i - 1
            if i + _PREFETCH_AHEAD + 1 < n:
                self._table.prefetch(_key(buf[i + _PREFETCH_AHEAD], buf[i + _PREFETCH_AHEAD + 1]))
            m = self._lookup(buf[i], buf[i + 1]) if i + 1 < n else _NO_MERGE
            merges[i] = m
            if m != _NO_MERGE:
                w.heap.push_back(((m >> 32) << _PACK_SHIFT) | <uint64_t>i)
        _packed_heapify(w.heap)             # O(n), where n pushes cost O(n log n)
        while not w.heap.empty():
            top = w.heap[0]
            i = <Py_ssize_t>(top & _PACK_POS)
            if (merges[i] >> 32) != (top >> _PACK_SHIFT):
                _packed_pop(w.heap)         # stale: the pair at i changed since
                continue
            j = nxt[i]
            k = nxt[j]
            p = prv[i]
            buf[i] = <sym_t>(merges[i] & _LOW32)
            if k < n:
                self._table.prefetch(_key(buf[i], buf[k]))
            if p >= 0:
                self._table.prefetch(_key(buf[p], buf[i]))
            sizes[i] += sizes[j]
            merges[j] = _NO_MERGE
            nxt[i] = k
            m = _NO_MERGE
            if k < n:
                prv[k] = i
                m = self._lookup(buf[i], buf[k])
            merges[i] = m
            # The top is done with: its new pair takes its place in one pass down.
            if m != _NO_MERGE:
                _packed_replace_top(w.heap, ((m >> 32) << _PACK_SHIFT) | <uint64_t>i)
            else:
                _packed_pop(w.heap)
            if p >= 0:
                m = self._lookup(buf[p], buf[i])
                merges[p] = m
                if m != _NO_MERGE:
                    _packed_push(w.heap, ((m >> 32) << _PACK_SHIFT) | <uint64_t>p)
        o = 0
        i = 0
        while i < n:
            buf[o] = buf[i]
            sizes[o] = sizes[i]
            o += 1
            i = nxt[i]
        if w.heap.capacity() > 1 << 16:    # a huge piece: give its memory back
            w.heap.clear()
            w.heap.shrink_to_fit()
            w.next.clear()
            w.next.shrink_to_fit()
            w.prev.clear()
            w.prev.shrink_to_fit()
        return o

    cdef Py_ssize_t _piece_ids(self, _EncodeWork w, const char* data, size_t n,
                               const int32_t** ids, const int32_t** lens) except -1 nogil:
        # The ids and byte lengths of the tokens of one piece (n >= 1 bytes), from the
        # cache (a miss merges and remembers it); returns their count. The pointers
        # hold until the next piece.
        cdef uint64_t k0, k1
        cdef uint64_t h
        if n > _ENC_CACHE_MAX_PIECE:
            return self._merged_ids(w, data, n, ids, lens)
        h = _piece_key(data, n, &k0, &k1)
        return self._cached_ids(w, data, n, h, k0, k1, ids, lens)

    cdef Py_ssize_t _merged_ids(self, _EncodeWork w, const char* data, size_t n,
                                const int32_t** ids, const int32_t** lens) except -1 nogil:
        # A piece too long to cache: merged every time.
        cdef Py_ssize_t m = self._merge(w, data, n)
        ids[0] = w.buf.data()
        lens[0] = w.sizes.data()
        return m

    cdef Py_ssize_t _cached_ids(self, _EncodeWork w, const char* data, size_t n, uint64_t h,
                                uint64_t k0, uint64_t k1, const int32_t** ids,
                                const int32_t** lens) except -1 nogil:
        # _piece_ids of a piece of 2.._ENC_CACHE_MAX_PIECE bytes whose _piece_key is
        # (h, k0, k1).
        cdef _CacheSlot* slot
        cdef Py_ssize_t m, i
        cdef uint64_t mask = w.slots.size() - 1
        cdef uint64_t pos = h & mask
        while True:
            slot = &w.slots[pos]
            if not slot.key_size:
                break
            if slot.k0 == k0 and slot.k1 == k1 and slot.key_size == n and (
                n <= 16 or memcmp(w.keys.data() + slot.id0, data, n) == 0
            ):
                if slot.val_size == 1 and n <= 16:
                    w.one_id = slot.id0
                    w.one_len = <int32_t>n
                    ids[0] = &w.one_id
                    lens[0] = &w.one_len
                    return 1
                ids[0] = &w.val_ids[slot.val_start]
                lens[0] = &w.val_lens[slot.val_start]
                return slot.val_size
            pos = (pos + 1) & mask
        # A miss: merge, then remember.
        m = self._merge(w, data, n)
        if w.words >= _ENC_CACHE_MAX_WORDS:
            with gil:
                w._reset_cache()
        if (w.words + 1) * 10 > w.slots.size() * 7:
            w._grow()
        mask = w.slots.size() - 1
        pos = h & mask
        while w.slots[pos].key_size:
            pos = (pos + 1) & mask
        slot = &w.slots[pos]
        slot.k0 = k0
        slot.k1 = k1
        slot.key_size = <uint16_t>n
        slot.val_size = <uint16_t>m
        slot.val_start = <int64_t>w.val_ids.size()
        slot.id0 = w.buf[0]
        if n > 16:
            slot.id0 = <int32_t>w.keys.size()
            w.keys.append(data, n)
        for i in range(m):
            w.val_ids.push_back(w.buf[i])
            w.val_lens.push_back(w.sizes[i])
        w.words += 1
        ids[0] = &w.val_ids[slot.val_start]
        lens[0] = &w.val_lens[slot.val_start]
        return m

    cdef int _encode_ids(self, _EncodeWork w, const scan_char_t* s, Py_ssize_t n,
                         bint ascii) except -1 nogil:
        # The ids of s[:n] onto w.out_ids (no offsets), _ENC_WINDOW pieces at a time: a
        # window's pieces are cut and hashed and their cache slots prefetched first, then
        # looked up, so that the cache misses of a window overlap instead of queueing.
        # ``ascii``: s is ASCII text of one byte per char, so a piece's UTF-8 bytes are
        # its chars, read in place.
        cdef Py_ssize_t i = 0, e, k, t, count, used, vcount, tokens = 0, words = 0
        cdef size_t size
        cdef Py_ssize_t starts[_ENC_WINDOW]
        cdef size_t sizes[_ENC_WINDOW]
        cdef uint64_t hashes[_ENC_WINDOW]
        cdef uint64_t k0s[_ENC_WINDOW]
        cdef uint64_t k1s[_ENC_WINDOW]
        cdef const char* base
        cdef const char* data
        cdef const int32_t* ids
        cdef const int32_t* lens
        cdef const _CacheSlot* slot
        while i < n:
            count = 0
            used = 0
            while count < _ENC_WINDOW and i < n:
                e = self._next_end(s, n, i)
                if ascii:
                    starts[count] = i
                    size = <size_t>(e - i)
                else:
                    if w.piece.size() < <size_t>(used + 4 * (e - i)):
                        w.piece.resize(2 * (used + 4 * (e - i)))
                    starts[count] = used
                    for k in range(i, e):
                        used += _utf8_put(w.piece.data() + used, s[k])
                    size = <size_t>(used - starts[count])
                sizes[count] = size
                if 1 < size <= _ENC_CACHE_MAX_PIECE:
                    base = (<const char*>s if ascii else w.piece.data()) + starts[count]
                    hashes[count] = _piece_key(base, size, &k0s[count], &k1s[count])
                    TL_PREFETCH(&w.slots[hashes[count] & (w.slots.size() - 1)])
                count += 1
                i = e
            base = <const char*>s if ascii else w.piece.data()
            for k in range(count):
                data = base + starts[k]
                size = sizes[k]
                if size == 1:
                    w.out_ids.push_back(self._byte_ids[<uint8_t>data[0]])
                    tokens += 1
                    continue
                if size > _ENC_CACHE_MAX_PIECE:
                    vcount = self._merged_ids(w, data, size, &ids, &lens)
                else:
                    # Most pieces are one token found in the slot they hash to: read it
                    # here; anything else (a probe further, a miss) in _cached_ids.
                    slot = &w.slots[hashes[k] & (w.slots.size() - 1)]
                    if (slot.k0 == k0s[k] and slot.k1 == k1s[k] and slot.key_size == size
                            and slot.val_size == 1 and size <= 16):
                        w.out_ids.push_back(slot.id0)
                        tokens += 1
                        continue
                    vcount = self._cached_ids(w, data, size, hashes[k], k0s[k], k1s[k],
                                              &ids, &lens)
                for t in range(vcount):
                    w.out_ids.push_back(ids[t])
                tokens += vcount
            words += count
        w.out_count.push_back(tokens)
        w.out_words.push_back(words)
        return 0

    cdef Py_ssize_t _next_end(self, const scan_char_t* s, Py_ssize_t n,
                              Py_ssize_t i) noexcept nogil:
        # The end of the piece that starts at i.
        if self._pattern == _PAT_CL100K:
            return _next_cl100k(s, n, i)
        if self._pattern == _PAT_O200K:
            return _next_o200k(s, n, i)
        if self._pattern < 0:
            return n
        return _next_piece(self._pattern, s, n, i)

    cdef int _encode_chars(self, _EncodeWork w, const scan_char_t* s, Py_ssize_t n,
                           Py_ssize_t shift, int64_t base, int64_t word_base,
                           bint offsets) except -1 nogil:
        # Encode s[:n] (the text, with ``shift`` added chars in front) onto w's output.
        cdef Py_ssize_t i = 0, e, k, t, a, b, pos
        cdef int64_t vcount, words = 0, tokens = 0, st, en
        cdef const int32_t* ids
        cdef const int32_t* lens
        cdef const char* data
        while i < n:
            e = self._next_end(s, n, i)
            # The scratch buffers only grow: resizing them per piece zero-fills them.
            if w.piece.size() < <size_t>(4 * (e - i)):
                w.piece.resize(4 * (e - i))
            if offsets and w.piece_char.size() < <size_t>(4 * (e - i)):
                w.piece_char.resize(4 * (e - i))
            pos = 0
            for k in range(i, e):
                a = _utf8_put(w.piece.data() + pos, s[k])
                if offsets:
                    for b in range(pos, pos + a):
                        w.piece_char[b] = k - shift
                pos += a
            data = w.piece.data()
            if pos == 1:
                # One byte: its id, no lookup needed.
                w.one_id = self._byte_ids[<uint8_t>data[0]]
                w.one_len = 1
                ids = &w.one_id
                lens = &w.one_len
                vcount = 1
            else:
                vcount = self._piece_ids(w, data, <size_t>pos, &ids, &lens)
            pos = 0
            for t in range(vcount):
                w.out_ids.push_back(ids[t])
                if offsets:
                    a = pos
                    b = pos + lens[t] - 1
                    while a <= b and w.piece_char[a] < 0:
                        a += 1
                    if a > b:
                        # Only the added space: Hugging Face aligns it with the first char.
                        st = i - shift if i - shift > 0 else 0
                        en = st + 1
                    else:
                        st = w.piece_char[a]
                        en = w.piece_char[b] + 1
                    w.out_start.push_back(base + st)
                    w.out_end.push_back(base + en)
                    w.out_word.push_back(word_base + words)
                pos += lens[t]
            tokens += vcount
            words += 1
            i = e
        w.out_count.push_back(tokens)
        w.out_words.push_back(words)
        return 0

    cdef int _encode_text(self, _EncodeWork w, const void* data, int kind, Py_ssize_t n,
                          int64_t base, int64_t word_base, bint offsets) except -1 nogil:
        # Encode the text (``kind``: a PyUnicode kind, or _KIND_ASCII) onto w's output.
        cdef Py_ssize_t i
        cdef uint32_t first
        if n == 0:
            w.out_count.push_back(0)
            w.out_words.push_back(0)
            return 0
        if kind == _KIND_ASCII or kind == PyUnicode_1BYTE_KIND:
            first = (<const uint8_t*>data)[0]
        elif kind == PyUnicode_2BYTE_KIND:
            first = (<const uint16_t*>data)[0]
        else:
            first = (<const uint32_t*>data)[0]
        if self.add_prefix_space and first != 32:
            # HF checks for a literal " ": the piece starts with an added space, which
            # has no source char (its offsets fall on the first char).
            w.prefixed.resize(n + 1)
            w.prefixed[0] = 32
            for i in range(n):
                if kind == _KIND_ASCII or kind == PyUnicode_1BYTE_KIND:
                    w.prefixed[i + 1] = (<const uint8_t*>data)[i]
                elif kind == PyUnicode_2BYTE_KIND:
                    w.prefixed[i + 1] = (<const uint16_t*>data)[i]
                else:
                    w.prefixed[i + 1] = (<const uint32_t*>data)[i]
            if not offsets:
                return self._encode_ids(w, <const uint32_t*>w.prefixed.data(), n + 1, False)
            return self._encode_chars(w, <const uint32_t*>w.prefixed.data(), n + 1, 1, base,
                                      word_base, offsets)
        if not offsets:
            if kind == _KIND_ASCII or kind == PyUnicode_1BYTE_KIND:
                return self._encode_ids(w, <const uint8_t*>data, n, kind == _KIND_ASCII)
            if kind == PyUnicode_2BYTE_KIND:
                return self._encode_ids(w, <const uint16_t*>data, n, False)
            return self._encode_ids(w, <const uint32_t*>data, n, False)
        if kind == _KIND_ASCII or kind == PyUnicode_1BYTE_KIND:
            return self._encode_chars(w, <const uint8_t*>data, n, 0, base, word_base, offsets)
        if kind == PyUnicode_2BYTE_KIND:
            return self._encode_chars(w, <const uint16_t*>data, n, 0, base, word_base, offsets)
        return self._encode_chars(w, <const uint32_t*>data, n, 0, base, word_base, offsets)

    cdef list _id_list(self, const int64_t* ids, Py_ssize_t n):
        # A list of the ids n ids, each an int of the table of every id's int (filled on
        # first use): no int is allocated per token, and freeing the list frees none.
        cdef list out = PyList_New(n)
        cdef Py_ssize_t i
        cdef int64_t tid
        cdef PyObject* item
        if self._ints.empty():
            self._ints.assign(<size_t>self._max_id + 1, NULL)
        cdef PyObject** ints = self._ints.data()
        cdef int64_t limit = <int64_t>self._ints.size()
        for i in range(n):
            # The table entry and the int a few tokens ahead are cache misses (the ids
            # of a text jump all over the table): start loading them now.
            if i + _LIST_AHEAD < n and ids[i + _LIST_AHEAD] < limit:
                TL_PREFETCH(ints + ids[i + _LIST_AHEAD])
                tid = ids[i + _LIST_AHEAD // 2]
                if tid < limit and ints[tid] != NULL:
                    TL_PREFETCH(ints[tid])
            tid = ids[i]
            if tid < limit:
                item = ints[tid]
                if item == NULL:
                    # Made on first use: the ints of a text's frequent tokens are made
                    # early and side by side in memory.
                    item = _tl_new_int(tid)
                    ints[tid] = item            # the table's reference
                _tl_incref(item)
            else:
                item = _tl_new_int(tid)
            _tl_list_set(out, i, item)          # steals the reference
        return out

    def __dealloc__(self):
        cdef size_t i
        for i in range(self._ints.size()):
            Py_XDECREF(self._ints[i])

    # -- the Python surface ----------------------------------------------------------

    cdef int _kind(self, str text) noexcept:
        return _KIND_ASCII if PyUnicode_IS_ASCII(text) else PyUnicode_KIND(text)

    cdef _EncodeWork _take(self):
        # A workspace of this call alone: concurrent calls (threads) never share one.
        if self._pool:
            return self._pool.pop()
        return _EncodeWork()

    def encode(self, str text not None):
        """The token ids of ``text``.

        >>> ByteLevelEncoder.from_ranks(None, {bytes([b]): b for b in range(256)}).encode("é")
        [195, 169]
        """
        return self._encode_one(text, False)

    def encode_unicode(self, str text not None):
        """:meth:`encode` of ``text``, or None when it holds a surrogate code point.

        A str may hold U+D800..U+DFFF, which UTF-8 text cannot: a caller that repairs
        them first (as tiktoken does) calls this and repairs only on None.

        >>> enc = ByteLevelEncoder.from_ranks(None, {bytes([b]): b for b in range(256)})
        >>> enc.encode_unicode("a\\ud800") is None, enc.encode_unicode("é")
        (True, [195, 169])
        """
        return self._encode_one(text, True)

    cdef object _encode_one(self, str text, bint unicode_only):
        # encode (unicode_only: encode_unicode) of one text.
        cdef int kind = self._kind(text)
        cdef const void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
        if unicode_only and kind != _KIND_ASCII and kind != PyUnicode_1BYTE_KIND:
            if _has_surrogate(data, kind, n):
                return None
        cdef _EncodeWork w = self._take()
        try:
            w._clear_out()
            if n < _NOGIL_MIN:
                self._encode_text(w, data, kind, n, 0, 0, False)
            else:
                with nogil:
                    self._encode_text(w, data, kind, n, 0, 0, False)
            return self._id_list(w.out_ids.data(), <Py_ssize_t>w.out_ids.size())
        finally:
            self._pool.append(w)

    def encode_columns(self, str text not None, Py_ssize_t base=0, Py_ssize_t word_base=0):
        """Ids, offsets and word indices of ``text``, as four int64 columns in one buffer.

        Args:
            text: the text.
            base: added to every offset (where ``text`` starts in a larger input).
            word_base: added to every word index.

        Returns:
            ``(ids, columns, words)``: the n ids as a list; ``columns`` holds the n
            ids again, then n start offsets, n end offsets (chars) and n word
            indices, native-endian int64 (so ``memoryview(columns).cast("q")``);
            ``words`` is the number of words.
        """
        cdef _EncodeWork w = self._take()
        cdef const void* data = PyUnicode_DATA(text)
        cdef int kind = self._kind(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
        try:
            w._clear_out()
            with nogil:
                self._encode_text(w, data, kind, n, base, word_base, True)
            return (self._id_list(w.out_ids.data(), <Py_ssize_t>w.out_ids.size()),
                    _columns(w.out_ids, w.out_start, w.out_end, w.out_word), w.out_words[0])
        finally:
            self._pool.append(w)

    cdef int _gather(self, texts, vector[const void*]& datas, vector[int]& kinds,
                     vector[Py_ssize_t]& lens) except -1:
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
            datas.push_back(PyUnicode_DATA(text))
            kinds.push_back(self._kind(text))
            lens.push_back(PyUnicode_GET_LENGTH(text))
        return 0

    def encode_many(self, list texts not None):
        """``[self.encode(t) for t in texts]``, the work done without the GIL."""
        cdef vector[const void*] datas
        cdef vector[int] kinds
        cdef vector[Py_ssize_t] lens
        cdef Py_ssize_t i, pos = 0, count
        self._gather(texts, datas, kinds, lens)
        cdef _EncodeWork w = self._take()
        try:
            w._clear_out()
            with nogil:
                for i in range(<Py_ssize_t>datas.size()):
                    self._encode_text(w, datas[i], kinds[i], lens[i], 0, 0, False)
            out = PyList_New(<Py_ssize_t>datas.size())
            for i in range(<Py_ssize_t>datas.size()):
                count = w.out_count[i]
                item = self._id_list(w.out_ids.data() + pos, count)
                Py_INCREF(item)
                PyList_SET_ITEM(out, i, item)
                pos += count
            return out
        finally:
            self._pool.append(w)

    def encode_many_columns(self, list texts not None):
        """:meth:`encode_columns` of every text (base 0), the work done without the GIL.

        Returns:
            ``(columns, counts)``: the four columns over all tokens of all texts, in
            order, and ``counts``, the int64 number of tokens of each text.
        """
        cdef vector[const void*] datas
        cdef vector[int] kinds
        cdef vector[Py_ssize_t] lens
        cdef Py_ssize_t i
        self._gather(texts, datas, kinds, lens)
        cdef _EncodeWork w = self._take()
        try:
            w._clear_out()
            with nogil:
                for i in range(<Py_ssize_t>datas.size()):
                    self._encode_text(w, datas[i], kinds[i], lens[i], 0, 0, True)
            counts = PyBytes_FromStringAndSize(
                <const char*>w.out_count.data(), <Py_ssize_t>(w.out_count.size() * 8)
            )
            return _columns(w.out_ids, w.out_start, w.out_end, w.out_word), counts
        finally:
            self._pool.append(w)


__all__ += ["ByteLevelEncoder"]
