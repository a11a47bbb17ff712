# cython: language_level=3
"""Interface of the native core: its typedefs, structs and every cdef class.

The pure-Python twin is ``tokenlab/_pycore.py``; both expose the same surface. The
classes are declared grouped by the file that defines them (``_core.pyx`` and its
includes), each after the structs and classes its fields use.
"""

cimport cython
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libcpp.string cimport string
from libcpp.unordered_map cimport unordered_map
from libcpp.utility cimport pair
from libcpp.vector cimport vector
from cpython.ref cimport PyObject

ctypedef int32_t sym_t      # a symbol (token) id
ctypedef uint64_t key_t     # a pair packed as (left << 32) | right
ctypedef int64_t count_t    # pair and symbol counts: 64-bit, never 32


cdef struct HeapEntry:
    count_t count           # pair count when pushed
    count_t fl              # count(left) when pushed (likelihood), else 1
    count_t fr              # count(right) when pushed (likelihood), else 1
    sym_t left
    sym_t right
    int64_t gen             # LikelihoodIndex: owner's generation << 1 | (owner is right)


cdef struct LxSymbol:
    # A symbol's part of LikelihoodIndex (see _likelihood.pxi).
    int64_t rank            # who owns a pair: the side with the higher rank (left on ties)
    int64_t gen             # bumped whenever this symbol's entry in the main heap changes
    bint listed             # it has a valid entry in the main heap: top
    HeapEntry top
    vector[HeapEntry] heap  # the pairs it owns, by count(pair) / count(partner)
    vector[key_t] foreign   # its pairs owned by the partner, and its pair with itself


# The merge loops' queue: a binary min-heap of (key, position), see _common.pxi.
cdef extern from *:
    """
    #include <algorithm>
    #include <functional>
    #include <vector>
    struct TLMergeEntry {
        uint64_t key;
        int64_t pos;
        bool operator>(const TLMergeEntry& o) const {
            return key != o.key ? key > o.key : pos > o.pos;
        }
    };
    static inline void tl_merge_push(std::vector<TLMergeEntry>& heap, uint64_t key,
                                     int64_t pos) {
        heap.push_back(TLMergeEntry{key, pos});
        std::push_heap(heap.begin(), heap.end(), std::greater<TLMergeEntry>());
    }
    static inline void tl_merge_heapify(std::vector<TLMergeEntry>& heap) {
        std::make_heap(heap.begin(), heap.end(), std::greater<TLMergeEntry>());
    }
    static inline TLMergeEntry tl_merge_pop(std::vector<TLMergeEntry>& heap) {
        std::pop_heap(heap.begin(), heap.end(), std::greater<TLMergeEntry>());
        TLMergeEntry top = heap.back();
        heap.pop_back();
        return top;
    }
    """
    cdef struct MergeEntry "TLMergeEntry":
        uint64_t key
        int64_t pos
    void _merge_push "tl_merge_push"(vector[MergeEntry]& heap, uint64_t key,
                                     int64_t pos) noexcept nogil
    void _merge_heapify "tl_merge_heapify"(vector[MergeEntry]& heap) noexcept nogil
    MergeEntry _merge_pop "tl_merge_pop"(vector[MergeEntry]& heap) noexcept nogil


# The ranked-merge loops' queue (_encode.pxi, _merge.pxi): a 4-ary min-heap of packed
# keys, rank << _PACK_SHIFT | position, so one integer compare orders by rank, then
# leftmost. Half the bytes of a MergeEntry, half the levels of a binary heap, and no
# branch on a tie: the pop that every merge pays is several times cheaper.
cdef extern from *:
    """
    #include <cstdint>
    #include <vector>
    static inline void tl_packed_sift_down(uint64_t* a, size_t n, size_t i, uint64_t key) {
        for (;;) {
            size_t c = 4 * i + 1;
            if (c >= n) break;
            size_t m = c;
            uint64_t mv = a[c];
            if (c + 4 <= n) {
                // All four children: the smallest by two rounds of selects, no branches
                // (which child wins is a coin toss the branch predictor keeps losing).
                const uint64_t v0 = a[c], v1 = a[c + 1], v2 = a[c + 2], v3 = a[c + 3];
                const bool b01 = v1 < v0, b23 = v3 < v2;
                const uint64_t x01 = b01 ? v1 : v0, x23 = b23 ? v3 : v2;
                const size_t m01 = c + b01, m23 = c + 2 + b23;
                const bool right = x23 < x01;
                mv = right ? x23 : x01;
                m = right ? m23 : m01;
            } else {
                for (size_t j = c + 1; j < n; ++j) {
                    if (a[j] < mv) { mv = a[j]; m = j; }
                }
            }
            if (key <= mv) break;
            a[i] = mv;
            i = m;
        }
        a[i] = key;
    }
    static inline void tl_packed_push(std::vector<uint64_t>& h, uint64_t key) {
        size_t i = h.size();
        h.push_back(key);
        uint64_t* a = h.data();
        while (i > 0) {
            size_t p = (i - 1) >> 2;
            if (a[p] <= key) break;
            a[i] = a[p];
            i = p;
        }
        a[i] = key;
    }
    static inline void tl_packed_pop(std::vector<uint64_t>& h) {
        uint64_t last = h.back();
        h.pop_back();
        if (!h.empty()) tl_packed_sift_down(h.data(), h.size(), 0, last);
    }
    // Replace the top by key: a pop and a push in one pass down.
    static inline void tl_packed_replace_top(std::vector<uint64_t>& h, uint64_t key) {
        tl_packed_sift_down(h.data(), h.size(), 0, key);
    }
    static inline void tl_packed_heapify(std::vector<uint64_t>& h) {
        size_t n = h.size();
        if (n < 2) return;
        for (size_t i = (n - 2) / 4 + 1; i-- > 0;) tl_packed_sift_down(h.data(), n, i, h[i]);
    }
    """
    void _packed_push "tl_packed_push"(vector[uint64_t]& heap, uint64_t key) noexcept nogil
    void _packed_pop "tl_packed_pop"(vector[uint64_t]& heap) noexcept nogil
    void _packed_replace_top "tl_packed_replace_top"(vector[uint64_t]& heap,
                                                     uint64_t key) noexcept nogil
    void _packed_heapify "tl_packed_heapify"(vector[uint64_t]& heap) noexcept nogil


cdef class LikelihoodIndex:
    cdef count_t _min_count
    cdef unordered_map[key_t, count_t] _own_pairs       # standalone use: the counts told
    cdef vector[count_t] _own_fdense
    cdef unordered_map[sym_t, count_t] _own_fsparse
    cdef unordered_map[key_t, count_t]* _pairs          # current pair counts (absent: 0)
    cdef vector[count_t]* _fdense                       # current symbol counts, as PairCounter
    cdef unordered_map[sym_t, count_t]* _fsparse
    cdef unordered_map[sym_t, vector[uint32_t]]* _strings   # piece tie, or NULL
    cdef unordered_map[key_t, sym_t] _owner             # candidate pair -> its owner
    cdef unordered_map[sym_t, LxSymbol] _syms
    cdef vector[HeapEntry] _heap                        # each owner's best pair
    cdef vector[key_t] _dirty_pairs                     # pairs whose count changed
    cdef vector[sym_t] _dirty_syms                      # symbols whose count changed
    cdef int64_t _gen
    cdef int64_t _entries                               # entries in the owners' heaps

    cdef void _attach(self, unordered_map[key_t, count_t]* pairs, vector[count_t]* fdense,
                      unordered_map[sym_t, count_t]* fsparse,
                      unordered_map[sym_t, vector[uint32_t]]* strings) noexcept nogil
    cdef count_t _f(self, sym_t s) noexcept nogil
    cdef count_t _count(self, key_t k) noexcept nogil
    cdef bint _better(self, const HeapEntry* x, const HeapEntry* y) noexcept nogil
    cdef void _heap_push(self, vector[HeapEntry]* heap, HeapEntry e) noexcept nogil
    cdef void _heap_pop(self, vector[HeapEntry]* heap) noexcept nogil
    cdef bint _sub_valid(self, sym_t owner, const HeapEntry* e) noexcept nogil
    cdef void _pair_changed(self, key_t k) noexcept nogil
    cdef void _symbol_changed(self, sym_t s) noexcept nogil
    cdef void _flush(self) noexcept nogil
    cdef bint _best(self, HeapEntry* out) noexcept nogil
    cdef void _compact(self) noexcept nogil


cdef class PairCounter:
    cdef vector[sym_t] _symbols                 # every word's symbols, concatenated
    cdef vector[int64_t] _starts                # word w starts at _symbols[_starts[w]]
    cdef vector[int32_t] _lens                  # current length of word w
    cdef vector[count_t] _freqs                 # frequency of word w
    cdef unordered_map[key_t, count_t] _pairs   # live pairs (count != 0)
    cdef unordered_map[key_t, vector[int32_t]] _where   # pair -> words that may hold it
    cdef vector[count_t] _fdense                # count of each symbol id below _DENSE
    cdef unordered_map[sym_t, count_t] _fsparse  # count of each larger symbol id
    cdef unordered_map[sym_t, int64_t] _sym_lengths
    cdef LikelihoodIndex _index                 # likelihood: finds the best pair (None: count)
    cdef vector[HeapEntry] _heap
    cdef bint _likelihood
    cdef bint _piece_tie                        # SentencePiece: shorter, then smaller piece
    cdef unordered_map[sym_t, vector[uint32_t]] _strings  # code points, for _piece_tie
    cdef int64_t _max_len                       # 0: no limit
    cdef count_t _min_count                     # pairs below it are not candidates

    cdef bint _better(self, const HeapEntry* x, const HeapEntry* y) noexcept nogil
    cdef int _cmp_pieces(self, const HeapEntry* x, const HeapEntry* y) noexcept nogil

    cdef int _add_word(self, pyfreq, int64_t start, Py_ssize_t n, total) except -1
    cdef int _load_words(self, words, counts) except -1
    cdef int _load_flat(self, ids, ends, counts) except -1
    cdef void _count_pairs(self) noexcept nogil
    cdef int64_t _length(self, sym_t s) noexcept nogil
    cdef count_t* _fref(self, sym_t s) noexcept nogil
    cdef count_t _f(self, sym_t s) noexcept nogil
    cdef bint _pair_ok(self, sym_t a, sym_t b) noexcept nogil
    cdef HeapEntry _entry(self, key_t key, count_t count) noexcept nogil
    cdef bint _valid(self, const HeapEntry* e) noexcept nogil
    cdef void _push(self, HeapEntry e) noexcept nogil
    cdef void _pop(self) noexcept nogil
    cdef count_t _merge(self, sym_t a, sym_t b, sym_t z) noexcept nogil
    cdef void _build_heap(self) noexcept nogil


cdef class MergeTable:
    cdef unordered_map[key_t, uint64_t] _ranks  # pair -> (rank << 32) | new_id
    cdef vector[sym_t] _buf
    cdef vector[int32_t] _size_buf
    cdef vector[int64_t] _rank_buf              # rank of each symbol and the next (-1: none)
    cdef vector[int64_t] _next                  # the linked list of symbols (heap path)
    cdef vector[int64_t] _prev
    cdef vector[uint64_t] _heap                 # packed: rank << _PACK_SHIFT | position

    cdef Py_ssize_t _load(self, ids) except -1

    cdef Py_ssize_t _apply(self, Py_ssize_t n) noexcept nogil
    cdef Py_ssize_t _apply_scan(self, Py_ssize_t n) noexcept nogil
    cdef Py_ssize_t _apply_heap(self, Py_ssize_t n) noexcept nogil
    cdef int64_t _rank(self, sym_t a, sym_t b) noexcept nogil


cdef class WordPieceEncoder:
    cdef unordered_map[string, sym_t] _first    # token (UTF-8) -> id: a word's first piece
    cdef unordered_map[string, sym_t] _next     # token without the prefix -> id: later pieces
    cdef sym_t _unk
    cdef Py_ssize_t _max_chars
    cdef Py_ssize_t _longest                    # longest token, in chars
    cdef string _key                            # lookup buffer, reused across lookups
    cdef vector[Py_ssize_t] _bounds             # byte offset of each char of the word
    cdef vector[sym_t] _ids                     # pieces found
    cdef vector[Py_ssize_t] _ends               # end char of each piece

    cdef Py_ssize_t _split(self, const char* data, Py_ssize_t nbytes, Py_ssize_t n,
                           string& key, vector[Py_ssize_t]& bound, vector[sym_t]& ids,
                           vector[Py_ssize_t]& ends) except -1 nogil


# -- Unigram language model ------------------------------------------------------------

cdef struct LatticeNode:
    int32_t end             # char position where the piece ends
    int32_t id              # piece id, -1 for an unknown char
    double score


cdef extern from *:
    """
    #include <vector>
    #include <cstdint>
    // The core's one open-addressing table: linear probing, uint64 keys (never all ones)
    // -> V, at most half full. One probe sequence in one array: far fewer cache misses
    // than a node-based map. The Unigram trie maps (node << 21) | code point -> child
    // (V = int32); the byte-level encoder maps a pair -> (rank << 32) | new id (V = uint64).
    template <class V> struct TLFlatMap {
        // Key and value side by side: a probe that finds its key touches one cache line.
        struct Slot { uint64_t key; V val; };
        std::vector<Slot> slots;
        uint64_t mask = 0;
        size_t used = 0;
        static inline uint64_t mix(uint64_t k) {
            k ^= k >> 33; k *= 0xff51afd7ed558ccdULL; k ^= k >> 33; return k;
        }
        V find(uint64_t k, V missing) const {
            if (slots.empty()) return missing;
            uint64_t i = mix(k) & mask;
            for (;;) {
                const Slot& s = slots[i];
                if (s.key == k) return s.val;
                if (s.key == ~0ULL) return missing;
                i = (i + 1) & mask;
            }
        }
        void put(uint64_t k, V v) {
            if ((used + 1) * 2 > slots.size()) rehash(slots.empty() ? 64 : slots.size() * 2);
            uint64_t i = mix(k) & mask;
            while (slots[i].key != ~0ULL && slots[i].key != k) i = (i + 1) & mask;
            if (slots[i].key == ~0ULL) ++used;
            slots[i].key = k;
            slots[i].val = v;
        }
        size_t size() const { return used; }
        // A one-hash Bloom filter over the keys (8 bits a key: 12% false positives), in
        // a few hundred KiB that stay in cache while the table does not: most pairs a
        // merge loop asks about have no merge, and the filter answers those without a
        // cache miss. Built once, after the last put; the filter uses the high bits of
        // mix(k), the slots the low ones.
        std::vector<uint64_t> filter;
        unsigned fshift = 0;
        void build_filter() {
            unsigned b = 6;
            while ((size_t(1) << b) < 8 * used) ++b;
            fshift = 64 - b;
            filter.assign((size_t(1) << b) / 64, 0);
            for (const Slot& s : slots) {
                if (s.key == ~0ULL) continue;
                const uint64_t f = mix(s.key) >> fshift;
                filter[f >> 6] |= 1ULL << (f & 63);
            }
        }
        inline bool maybe(uint64_t h) const {
            if (filter.empty()) return true;
            const uint64_t f = h >> fshift;
            return (filter[f >> 6] >> (f & 63)) & 1;
        }
        V find_filtered(uint64_t k, V missing) const {
            const uint64_t h = mix(k);
            if (slots.empty() || !maybe(h)) return missing;
            uint64_t i = h & mask;
            for (;;) {
                const Slot& s = slots[i];
                if (s.key == k) return s.val;
                if (s.key == ~0ULL) return missing;
                i = (i + 1) & mask;
            }
        }
        // Start loading the filter word and the slot k hashes to: a merge loop asks for
        // the two pairs a merge makes at once, so their cache misses overlap instead of
        // adding up.
        void prefetch(uint64_t k) const {
            const uint64_t h = mix(k);
            if (slots.empty()) return;
            if (!filter.empty()) __builtin_prefetch(&filter[(h >> fshift) >> 6]);
            __builtin_prefetch(&slots[h & mask]);
        }
        // Room for n keys without growing (one allocation instead of a doubling series).
        void reserve(size_t n) {
            size_t cap = 64;
            while (cap < 2 * n) cap *= 2;
            if (cap > slots.size()) rehash(cap);
        }
        void rehash(size_t cap) {
            std::vector<Slot> old;
            old.swap(slots);
            slots.assign(cap, Slot{~0ULL, V()});
            mask = cap - 1;
            used = 0;
            for (size_t i = 0; i < old.size(); ++i)
                if (old[i].key != ~0ULL) put(old[i].key, old[i].val);
        }
    };
    """
    cdef cppclass FlatMap64 "TLFlatMap<int32_t>":
        int32_t find(uint64_t key, int32_t missing) nogil
        void put(uint64_t key, int32_t value) nogil
        size_t size() nogil
        void reserve(size_t n) nogil
    cdef cppclass PairTable "TLFlatMap<uint64_t>":
        uint64_t find(uint64_t key, uint64_t missing) nogil
        void put(uint64_t key, uint64_t value) nogil
        size_t size() nogil
        void reserve(size_t n) nogil
        void prefetch(uint64_t key) nogil
        void build_filter() nogil
        uint64_t find_filtered(uint64_t key, uint64_t missing) nogil


cdef struct LatticeWork:
    # One segmentation's buffers; a thread working without the GIL has its own.
    vector[uint32_t] cps            # the word being segmented
    vector[int32_t] first           # nodes starting at i: nodes[first[i]:first[i+1]]
    vector[LatticeNode] nodes
    vector[double] alpha
    vector[double] beta
    vector[int32_t] back_start
    vector[int32_t] back_id
    vector[int32_t] path            # Viterbi output: start, end, id triples


cdef struct NBestEntry:
    double score            # total score of the partial path
    int32_t start           # where its last piece starts
    int32_t rank            # which entry of the list at `start` it extends
    int32_t id              # id of its last piece (-1: unknown)


cdef class UnigramLattice:
    cdef FlatMap64 _trie                        # (node << 21) | code point -> child node
    cdef vector[int32_t] _node_id               # piece id at a trie node, or -1
    cdef vector[double] _scores                 # score of each piece id
    cdef list _pieces                           # piece of each id (None: unmatched)
    cdef sym_t _unk
    cdef double _unk_score
    cdef bint _f32                              # Viterbi sums rounded to float32
    cdef int32_t _max_len
    cdef vector[int32_t] _root                  # root child per code point < _ROOT_SPAN, or -1
    cdef LatticeWork _w                         # buffers of the calls that hold the GIL

    cdef Py_ssize_t _load(self, str word) except -1
    cdef _output(self, Py_ssize_t count, bint fuse_unk)
    cdef void _build(self, LatticeWork* w, Py_ssize_t n) noexcept nogil
    cdef Py_ssize_t _viterbi(self, LatticeWork* w, Py_ssize_t n, bint skip_whole) noexcept nogil
    cdef Py_ssize_t _viterbi_sp(self, LatticeWork* w, Py_ssize_t n, bint skip_whole,
                                double start) noexcept nogil
    cdef double _margin(self, LatticeWork* w, Py_ssize_t n) noexcept nogil
    cdef Py_ssize_t _backtrack(self, LatticeWork* w, Py_ssize_t n) noexcept nogil
    cdef double _forward_backward(self, LatticeWork* w, Py_ssize_t n, double freq,
                                  double* expected) noexcept nogil


# -- tiktoken's byte-pair rule -----------------------------------------------------------

cdef class ByteRankMerger:
    cdef unordered_map[string, sym_t] _ranks    # byte string -> rank
    cdef string _key                            # lookup buffer, reused across lookups
    cdef vector[Py_ssize_t] _bounds             # start of each part, then the end
    cdef vector[int64_t] _pair                  # rank of parts i, i + 1 joined (or "none")
    cdef vector[int64_t] _next                  # heap path: part at byte i ends at _next[i]
    cdef vector[int64_t] _prev
    cdef vector[uint64_t] _heap                 # packed: rank << _PACK_SHIFT | position

    cdef int64_t _find(self, const char* data, Py_ssize_t start,
                       Py_ssize_t end) noexcept nogil
    cdef Py_ssize_t _merge(self, const char* data, Py_ssize_t n, int64_t top) noexcept nogil
    cdef Py_ssize_t _merge_scan(self, const char* data, Py_ssize_t n, int64_t top) noexcept nogil
    cdef Py_ssize_t _merge_heap(self, const char* data, Py_ssize_t n, int64_t top) noexcept nogil


# -- _scan.pxi ---------------------------------------------------------------------

ctypedef fused scan_char_t:
    uint8_t
    uint16_t
    uint32_t


cdef class PatternScanner:
    cdef readonly str name
    cdef int _pattern


cdef struct _WordSlot:
    # Everything a lookup needs in 32 bytes: a word of up to 8 bytes (most words) is
    # matched in the slot alone, without touching the arena (a cache miss per lookup).
    uint32_t hash           # the low 32 bits of the word's hash (the table's index bits)
    uint32_t size           # length of the word in bytes
    int64_t start           # offset of the word's bytes in the arena; -1: empty slot
    int64_t count
    uint64_t head           # the word's first 8 bytes (zero-padded): compared first


@cython.final
cdef class _ByteTable:
    cdef vector[_WordSlot] slots        # size is a power of two, at most 70% full
    cdef string arena                   # the bytes of every distinct word, first seen first
    cdef size_t words                   # distinct words so far

    cdef int grow(self) except -1 nogil
    cdef int count(self, const char* key, size_t n) except -1 nogil
    cdef int count_hashed(self, const char* key, size_t n, uint32_t h,
                          uint64_t head) except -1 nogil
    cdef int add_hashed(self, const char* key, size_t n, uint32_t h, uint64_t head,
                        int64_t times) except -1 nogil
    cdef void prefetch(self, uint32_t h) noexcept nogil
    cdef vector[size_t] order(self)
    cdef dict text_dict(self)


cdef class ByteWordCounter:
    cdef PatternScanner _scanner
    cdef bint _prefix
    cdef _ByteTable _table
    cdef vector[Py_ssize_t] _ends
    cdef string _key
    cdef vector[uint32_t] _cps          # add_lines: a non-ASCII line's code points
    cdef vector[Py_ssize_t] _offs       # ... and the byte offset of each of them

    cdef Py_ssize_t _scan_bytes(self, const uint8_t* p, Py_ssize_t n, Py_ssize_t at) except -2 nogil
    cdef Py_ssize_t _count_block(self, const uint8_t* p, Py_ssize_t n) except -2 nogil


cdef class _CharRules:
    cdef uint8_t kind[128]
    cdef char chars[128]
    cdef object rule
    cdef unordered_map[uint32_t, int32_t] index     # char -> its rule, asked once
    cdef vector[uint8_t] rkind
    cdef vector[string] rout                        # the normalized chars (UTF-8)
    cdef vector[int32_t] rchars                     # ... and how many

    cdef int set_table(self, table) except -1
    cdef int32_t lookup(self, uint32_t cp) except -1
    cdef bint covers(self, str text) except -1


cdef class SpaceWordCounter:
    cdef _ByteTable _words
    cdef _ByteTable _lasts
    cdef bint _want_ends
    cdef _CharRules _rules
    cdef bint _any_text
    cdef string _word                   # the word being read
    cdef string _last_word              # the last word of the current line

    cdef int _end_word(self, Py_ssize_t* last_size) except -1


# -- _encode.pxi -------------------------------------------------------------------

cdef struct _CacheSlot:
    # One cached piece in 32 bytes, so that a hit on a piece of up to 16 bytes of one
    # token (most of them) reads this slot and nothing else: the piece's bytes are the
    # key (zero padded), its one id is here. A longer piece keeps its hash in k1 and
    # its bytes in the key arena, at ``id0``.
    uint64_t k0             # bytes 0..7 of the piece
    uint64_t k1             # bytes 8..15, or the hash of a piece longer than 16 bytes
    int64_t val_start       # offset of its ids (and byte lengths) in the value arenas
    # id0: its id when it is one token of at most 16 bytes; for a longer piece, the
    # offset of its bytes in the key arena.
    int32_t id0
    uint16_t key_size       # the piece's byte length; 0: an empty slot
    uint16_t val_size       # its token count


@cython.final
cdef class _EncodeWork:
    cdef vector[_CacheSlot] slots       # power-of-two size, at most 70% full
    cdef string keys
    cdef vector[int32_t] val_ids
    cdef vector[int32_t] val_lens
    cdef size_t words
    cdef vector[uint32_t] prefixed      # " " + text, when the pre-tokenizer adds a space
    cdef string piece                   # UTF-8 bytes of the current piece
    cdef string whole_key               # lookup buffer of the whole-token table
    cdef vector[int64_t] piece_char     # char index of each byte (-1: the added space)
    cdef vector[sym_t] buf              # merge scratch
    cdef vector[int32_t] sizes
    cdef vector[uint64_t] merges         # the merge of each adjacent pair (or _NO_MERGE)
    cdef vector[int64_t] next           # heap merging: the linked list of symbols
    cdef vector[int64_t] prev
    cdef vector[uint64_t] heap          # packed: rank << _PACK_SHIFT | position
    cdef int32_t one_id                 # the ids and length of a one-token piece read
    cdef int32_t one_len                # from its cache slot
    # Output, appended to by every text of a call.
    cdef vector[int64_t] out_ids
    cdef vector[int64_t] out_start
    cdef vector[int64_t] out_end
    cdef vector[int64_t] out_word
    cdef vector[int64_t] out_count      # tokens per text
    cdef vector[int64_t] out_words      # words per text

    cdef void _reset_cache(self) noexcept
    cdef void _clear_out(self) noexcept nogil
    cdef int _grow(self) except -1 nogil


@cython.final
cdef class ByteLevelEncoder:
    cdef readonly object pattern
    cdef readonly bint add_prefix_space
    cdef int _pattern
    cdef sym_t _byte_ids[256]
    cdef unordered_map[key_t, uint64_t] _pairs     # pair -> (rank << 32) | new id (building)
    # The same pairs in the flat open-addressing table, which the merge loop probes: a
    # node-based map costs a cache miss or two per probe, and a word that misses the
    # cache probes it a dozen times or more.
    cdef PairTable _table
    cdef unordered_map[string, sym_t] _whole
    cdef list _pool                               # idle workspaces
    cdef int64_t _max_id                          # the largest id the encoder gives
    cdef vector[PyObject*] _ints                  # the int of each id (NULL: not yet)

    cdef int _setup(self, pattern, bint add_prefix_space) except -1
    cdef void _freeze(self) noexcept
    cdef uint64_t _lookup(self, sym_t a, sym_t b) noexcept nogil
    cdef Py_ssize_t _merge(self, _EncodeWork w, const char* data, Py_ssize_t n) except -1 nogil
    cdef Py_ssize_t _merge_scan(self, _EncodeWork w, Py_ssize_t n) noexcept nogil
    cdef Py_ssize_t _merge_heap(self, _EncodeWork w, Py_ssize_t n) noexcept nogil
    cdef Py_ssize_t _piece_ids(self, _EncodeWork w, const char* data, size_t n,
                               const int32_t** ids, const int32_t** lens) except -1 nogil
    cdef Py_ssize_t _merged_ids(self, _EncodeWork w, const char* data, size_t n,
                                const int32_t** ids, const int32_t** lens) except -1 nogil
    cdef Py_ssize_t _cached_ids(self, _EncodeWork w, const char* data, size_t n, uint64_t h,
                                uint64_t k0, uint64_t k1, const int32_t** ids,
                                const int32_t** lens) except -1 nogil
    cdef int _encode_ids(self, _EncodeWork w, const scan_char_t* s, Py_ssize_t n,
                         bint ascii) except -1 nogil
    cdef Py_ssize_t _next_end(self, const scan_char_t* s, Py_ssize_t n,
                              Py_ssize_t i) noexcept nogil
    cdef int _encode_chars(self, _EncodeWork w, const scan_char_t* s, Py_ssize_t n,
                           Py_ssize_t shift, int64_t base, int64_t word_base,
                           bint offsets) except -1 nogil
    cdef int _encode_text(self, _EncodeWork w, const void* data, int kind, Py_ssize_t n,
                          int64_t base, int64_t word_base, bint offsets) except -1 nogil
    cdef list _id_list(self, const int64_t* ids, Py_ssize_t n)
    cdef object _encode_one(self, str text, bint unicode_only)
    cdef int _kind(self, str text) noexcept
    cdef _EncodeWork _take(self)
    cdef int _gather(self, texts, vector[const void*]& datas, vector[int]& kinds,
                     vector[Py_ssize_t]& lens) except -1


# -- _spencode.pxi -----------------------------------------------------------------

cdef struct _SpSlot:
    uint32_t hash
    uint32_t at             # where the word sits in the arena: its code points, then
    uint16_t key_size       # its token ids, starts and ends; key_size 0: an empty slot
    uint16_t val_size


@cython.final
cdef class _SentencePieceWork:
    cdef LatticeWork lat
    cdef vector[uint32_t] src           # the text's code points
    cdef string u8                      # its UTF-8 bytes (surrogatepass)
    cdef vector[int32_t] byte_char      # char index of each byte, then len(src)
    cdef vector[uint32_t] value_buf     # one replacement's chars
    cdef vector[uint32_t] norm          # the normalized text (spaces as the Metaspace char)
    cdef vector[uint64_t] al            # the source span of each normalized char
    cdef vector[int32_t] tok_ids        # one word's tokens, spans in word chars
    cdef vector[int32_t] tok_start
    cdef vector[int32_t] tok_end
    cdef vector[int32_t] m_end          # BPE merging: each symbol's end (it starts at its
    cdef vector[int32_t] m_next         # index), its neighbours, its piece id and the piece
    cdef vector[int32_t] m_prev         # id of it joined with the next one (-1: none)
    cdef vector[int32_t] m_sym
    cdef vector[int32_t] m_pair
    cdef vector[MergeEntry] m_heap      # BPE merging of long words
    cdef vector[_SpSlot] slots          # power-of-two size, at most 70% full
    cdef vector[int32_t] arena          # the cached words and their tokens, side by side
    cdef size_t words
    cdef double acc                     # a .model Unigram's float32 total of the text so far
    cdef vector[int64_t] wb             # the text's word bounds (normalized chars)
    cdef vector[uint32_t] wh            # each word's hash (0: too long to be cached)
    # Output, appended to by every text of a call.
    cdef vector[int64_t] out_ids
    cdef vector[int64_t] out_start
    cdef vector[int64_t] out_end
    cdef vector[int64_t] out_word
    cdef vector[int64_t] out_count      # tokens per text
    cdef vector[int64_t] out_words      # words per text

    cdef void _reset_cache(self) noexcept nogil
    cdef void _grow(self) noexcept nogil
    cdef void _copy_cache(self, _SentencePieceWork other) noexcept
    cdef void _clear_out(self) noexcept nogil


@cython.final
cdef class SentencePieceEncoder:
    cdef UnigramLattice _lat
    cdef object _tokenize               # word -> (ids, spans), when there is no lattice
    cdef bint _merges                   # merge the lattice's pieces by score (BPE)
    cdef int32_t _unk
    cdef bint _byte_fallback
    cdef int32_t _byte_ids[256]
    cdef bint _normalize
    cdef bint _dummy
    cdef bint _remove_ws
    cdef bint _escape
    cdef bint _suffix
    cdef bint _collapse_last            # a collapsed run of spaces keeps its last one's span
    cdef vector[uint32_t] _units
    cdef string _values
    cdef bint _root_fail[256]           # no key starts with this byte
    cdef bint _ascii_copy[128]          # no key is this byte, or it plus an ASCII byte
    cdef bint _plain[128]               # copied as it is before an ASCII byte, no space
    cdef vector[string] _user_u8        # user-defined symbols (UTF-8), longest first
    cdef vector[vector[uint32_t]] _user_cps  # the same symbols as code points
    cdef bint _user_first[256]          # some symbol starts with this byte
    cdef bint _metaspace
    cdef uint32_t _rep
    cdef bint _prepend
    cdef bint _split
    cdef bint _ctx                      # float32 Unigram: words scored in the text's total
    cdef bint _bounded                  # no matched score above 0: cached paths can stand
    cdef list _ints                     # the int of each vocabulary id, prebuilt
    cdef list _pool                     # idle workspaces
    cdef _SentencePieceWork _seed       # a copy of a warm cache, for new workspaces

    cdef void _tables(self) noexcept
    cdef int64_t _longest(self, const uint8_t* u8, Py_ssize_t stop,
                          Py_ssize_t pos) noexcept nogil
    cdef int _user_symbols(self, symbols) except -1
    cdef Py_ssize_t _user_match(self, const uint8_t* u8, Py_ssize_t stop,
                                Py_ssize_t pos) noexcept nogil
    cdef void _value(self, _SentencePieceWork w, int64_t where) noexcept nogil
    cdef void _normalize_text(self, _SentencePieceWork w, const uint8_t* ascii) noexcept nogil
    cdef int _segment(self, _SentencePieceWork w, Py_ssize_t n) except -1 nogil
    cdef list _ids(self, const int64_t* ids, Py_ssize_t n)
    cdef int _finish(self, _SentencePieceWork w, Py_ssize_t count) except -1 nogil
    cdef _SpSlot* _find(self, _SentencePieceWork w, const uint32_t* key, Py_ssize_t n,
                        uint32_t h) noexcept nogil
    cdef size_t _store(self, _SentencePieceWork w, uint32_t h, Py_ssize_t n,
                       size_t extra) noexcept nogil
    cdef int _word_in_text(self, _SentencePieceWork w, const uint32_t* key, Py_ssize_t n,
                           uint32_t h, int64_t* vstart, int64_t* vcount) except -1 nogil
    cdef void _look_ahead(self, _SentencePieceWork w, const uint32_t* text,
                          Py_ssize_t j, bint arena) noexcept nogil
    cdef int32_t _piece(self, const uint32_t* cps, Py_ssize_t a,
                        Py_ssize_t c) noexcept nogil
    cdef int _merge(self, _SentencePieceWork w, Py_ssize_t n) except -1 nogil
    cdef void _merge_scan(self, _SentencePieceWork w) noexcept nogil
    cdef void _merge_heap(self, _SentencePieceWork w, Py_ssize_t n) noexcept nogil
    cdef int _call(self, _SentencePieceWork w, Py_ssize_t n) except -1
    cdef int _word(self, _SentencePieceWork w, const uint32_t* key, Py_ssize_t n,
                   uint32_t h, int64_t* vstart, int64_t* vcount) except -1 nogil
    cdef int _encode_text(self, _SentencePieceWork w, const void* data, int kind, bint ascii,
                          Py_ssize_t n, int64_t base, int64_t word_base,
                          int mode) except -1 nogil
    cdef _SentencePieceWork _take(self)
    cdef void _give(self, _SentencePieceWork w)
    cdef int _gather(self, texts, vector[const void*]& datas, vector[int]& kinds,
                     vector[bint]& asciis, vector[Py_ssize_t]& lens) except -1


# -- _bertencode.pxi ---------------------------------------------------------------

cdef extern from *:
    """
    #include <cstring>
    #include <string>
    #include <vector>
    #include <cstdint>
    // The BERT encoder's word cache: open addressing, linear probing, one 32-byte slot
    // per word, so that a hit on a word of up to 16 bytes and one piece (most words)
    // reads that slot and nothing else: its bytes (zero padded) are the key and its
    // id is in the slot. A longer word keeps its hash in k0 and its bytes in the key
    // arena at k1; a word of several pieces keeps them in the id and end arenas.
    struct TLBertSlot {
        uint64_t k0, k1;
        int32_t start;      // offset of its pieces in ids/ends (count > 1)
        int32_t id0;        // its id (count == 1)
        uint16_t len;       // its byte length; 0: an empty slot
        uint16_t count;     // its pieces
        uint32_t unused;
    };
    static inline uint64_t tl_bert_mix(uint64_t k) {
        k ^= k >> 33; k *= 0xff51afd7ed558ccdULL; k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53ULL; k ^= k >> 33; return k;
    }
    // The key of a word: (k0, k1) its bytes when it has at most 16, and its hash.
    // 16 bytes at p must be readable (the caller's buffer has room for 32): two
    // fixed-size loads and masks instead of a variable-length copy.
    static inline uint64_t tl_bert_low(uint64_t v, size_t n) {
        return n >= 8 ? v : v & ((1ULL << (8 * n)) - 1);
    }
    static inline void tl_bert_key(const char* p, size_t n, uint64_t* k0, uint64_t* k1,
                                   uint64_t* h) {
        uint64_t a = 0, b = 0;
        if (n <= 16) {
            std::memcpy(&a, p, 8);
            std::memcpy(&b, p + 8, 8);
            a = tl_bert_low(a, n);
            b = n > 8 ? tl_bert_low(b, n - 8) : 0;
            *k0 = a; *k1 = b; *h = tl_bert_mix(a ^ tl_bert_mix(b + n));
            return;
        }
        uint64_t x = n * 0x9E3779B97F4A7C15ULL;
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            std::memcpy(&a, p + i, 8);
            x = (x ^ a) * 0xBF58476D1CE4E5B9ULL; x ^= x >> 29;
        }
        std::memcpy(&a, p + n - 8, 8);  // the last 8 bytes (n > 16)
        x = (x ^ a) * 0xBF58476D1CE4E5B9ULL;
        *h = tl_bert_mix(x); *k0 = *h; *k1 = 0;
    }
    struct TLBertCache {
        std::vector<TLBertSlot> slots;
        uint64_t mask = 0;
        size_t used = 0;
        std::string keys;
        std::vector<int32_t> ids, ends;
        const TLBertSlot* find(const char* p, size_t n, uint64_t k0, uint64_t k1,
                               uint64_t h) const {
            if (slots.empty()) return nullptr;
            for (uint64_t i = h & mask;; i = (i + 1) & mask) {
                const TLBertSlot& s = slots[i];
                if (s.len == 0) return nullptr;
                if (s.len == n && s.k0 == k0 &&
                    (n <= 16 ? s.k1 == k1 : std::memcmp(keys.data() + s.k1, p, n) == 0))
                    return &s;
            }
        }
        // Cache a word that find() did not find (words over 65535 bytes or pieces
        // are not cached).
        void put(const char* p, size_t n, uint64_t k0, uint64_t k1, uint64_t h,
                 const int32_t* pids, const int32_t* pends, size_t count) {
            if (n == 0 || n > 65535 || count == 0 || count > 65535) return;
            if ((used + 1) * 2 > slots.size()) grow();
            uint64_t i = h & mask;
            while (slots[i].len != 0) i = (i + 1) & mask;
            TLBertSlot& s = slots[i];
            s.k0 = k0;
            s.k1 = n <= 16 ? k1 : (uint64_t)keys.size();
            if (n > 16) keys.append(p, n);
            s.len = (uint16_t)n;
            s.count = (uint16_t)count;
            s.id0 = pids[0];
            s.start = (int32_t)ids.size();
            if (count > 1) {
                ids.insert(ids.end(), pids, pids + count);
                ends.insert(ends.end(), pends, pends + count);
            }
            ++used;
        }
        void grow() {
            std::vector<TLBertSlot> old;
            old.swap(slots);
            size_t cap = old.empty() ? 1024 : old.size() * 2;
            slots.assign(cap, TLBertSlot());
            mask = cap - 1;
            for (const TLBertSlot& s : old) {
                if (s.len == 0) continue;
                uint64_t h = s.len > 16 ? s.k0 : tl_bert_mix(s.k0 ^ tl_bert_mix(s.k1 + s.len));
                uint64_t i = h & mask;
                while (slots[i].len != 0) i = (i + 1) & mask;
                slots[i] = s;
            }
        }
        void clear() {
            slots.clear(); mask = 0; used = 0; keys.clear(); ids.clear(); ends.clear();
        }
        size_t size() const { return used; }
    };
    """
    cdef cppclass TLBertSlot:
        uint64_t k0, k1
        int32_t start, id0
        uint16_t len, count
    cdef cppclass TLBertCache:
        vector[int32_t] ids, ends
        const TLBertSlot* find(const char* p, size_t n, uint64_t k0, uint64_t k1,
                               uint64_t h) nogil
        void put(const char* p, size_t n, uint64_t k0, uint64_t k1, uint64_t h,
                 const int32_t* pids, const int32_t* pends, size_t count) nogil
        void clear() nogil
        size_t size() nogil
    void tl_bert_key(const char* p, size_t n, uint64_t* k0, uint64_t* k1,
                     uint64_t* h) nogil


@cython.final
cdef class _BertWork:
    # Output, appended to by every text of a call (as _EncodeWork's).
    cdef vector[int64_t] out_ids
    cdef vector[int64_t] out_start
    cdef vector[int64_t] out_end
    cdef vector[int64_t] out_word
    cdef vector[int64_t] out_count
    cdef vector[int64_t] out_words
    cdef bint ids_only                  # the call wants ids: no offsets or word indices
    # The call's stretches for the general pipeline and their columns.
    cdef vector[Py_ssize_t] spans       # start, end pairs of all texts
    cdef vector[size_t] span_at         # where each text's pairs begin in spans
    cdef vector[const int64_t*] gen_cols
    cdef vector[Py_ssize_t] gen_count
    cdef vector[int64_t] gen_words
    cdef TLBertCache cache              # the word cache
    cdef vector[int32_t] piece_ids      # a word's pieces, as the cache takes them
    cdef vector[int32_t] piece_ends
    # A copy of the encoder's rules of chars outside ASCII (see BertEncoder._dense).
    cdef vector[int32_t] dense
    cdef vector[uint8_t] rkind
    cdef vector[string] rout
    cdef vector[int32_t] rchars
    # The word being read and WordPiece's scratch.
    cdef string word                    # the normalized word (UTF-8)
    cdef Py_ssize_t chars               # its length in chars
    cdef vector[int64_t] pos            # the text position of each of its chars
    cdef string key
    cdef vector[Py_ssize_t] bounds
    cdef vector[sym_t] ids
    cdef vector[Py_ssize_t] ends

    cdef void _clear_out(self) noexcept nogil
    cdef void _clear_cache(self) noexcept nogil


cdef class BertEncoder:
    cdef WordPieceEncoder _wp
    cdef object _fallback
    cdef _CharRules _rules
    # Code point -> its rule in _rules (-1: not asked yet); grows with the largest
    # char seen. Written with the GIL held; workspaces read their own copy.
    cdef vector[int32_t] _dense
    cdef list _pool                     # idle workspaces (one per concurrent call)
    cdef list _longs                    # id -> its int object, built once
    cdef vector[void*] _long_ptrs       # ... and their addresses

    cdef _BertWork _take(self)
    cdef int _emit(self, _BertWork w, const int32_t* ids, const int32_t* ends,
                   Py_ssize_t count, int64_t base, int64_t word) except -1 nogil
    cdef int _flush(self, _BertWork w, int64_t base, int64_t word) except -1 nogil
    cdef void _clear_word(self, _BertWork w) noexcept nogil
    cdef list _ids(self, const int64_t* ids, Py_ssize_t n)
    cdef int _grow_longs(self, int64_t tid) except -1
    cdef int32_t _rule_of(self, uint32_t c) except -2
    cdef int64_t _encode_range(self, _BertWork w, int ukind, const void* data,
                               Py_ssize_t lo, Py_ssize_t hi, int64_t base,
                               int64_t word) except -1 nogil
    cdef bint _is_cut(self, int ukind, const void* data, Py_ssize_t i) noexcept nogil
    cdef int _context_spans(self, str text, vector[Py_ssize_t]& spans) except -1
    cdef void _sync(self, _BertWork w) noexcept
    cdef bint _covered(self, _BertWork w, int ukind, const void* data,
                       Py_ssize_t n) noexcept nogil
    cdef list _prepare(self, _BertWork w, list texts, int64_t base,
                       vector[const void*]& datas, vector[int]& kinds,
                       vector[Py_ssize_t]& lens)
    cdef int _encode_one(self, _BertWork w, Py_ssize_t t, int ukind, const void* data,
                         Py_ssize_t n, int64_t base, int64_t word_base) except -1 nogil
    cdef int _run(self, _BertWork w, list texts, int64_t base, int64_t word_base,
                  bint ids_only) except -1
