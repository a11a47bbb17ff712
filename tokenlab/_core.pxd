# cython: language_level=3
"""Interface of the native core: types, heap entries and the three classes.

The pure-Python twin is ``tokenlab/_pycore.py``; both expose the same surface.
"""

from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libcpp.string cimport string
from libcpp.unordered_map cimport unordered_map
from libcpp.utility cimport pair
from libcpp.vector cimport vector

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
    cdef vector[int64_t] _rank_buf

    cdef Py_ssize_t _load(self, ids) except -1

    cdef Py_ssize_t _apply(self, Py_ssize_t n) noexcept nogil
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

    cdef Py_ssize_t _split(self, const char* data, Py_ssize_t nbytes,
                           Py_ssize_t n) except -1 nogil


# -- Unigram language model ------------------------------------------------------------

cdef struct LatticeNode:
    int32_t end             # char position where the piece ends
    int32_t id              # piece id, -1 for an unknown char
    double score


cdef extern from *:
    """
    #include <vector>
    #include <cstdint>
    // Open addressing with linear probing: uint64 keys (never all ones) -> int32.
    // One probe sequence in one array: far fewer cache misses than a node-based map.
    struct TLFlatMap64 {
        std::vector<uint64_t> keys;
        std::vector<int32_t> vals;
        uint64_t mask = 0;
        size_t used = 0;
        static inline uint64_t mix(uint64_t k) {
            k ^= k >> 33; k *= 0xff51afd7ed558ccdULL; k ^= k >> 33; return k;
        }
        int32_t find(uint64_t k) const {
            if (keys.empty()) return -1;
            uint64_t i = mix(k) & mask;
            for (;;) {
                const uint64_t x = keys[i];
                if (x == k) return vals[i];
                if (x == ~0ULL) return -1;
                i = (i + 1) & mask;
            }
        }
        void put(uint64_t k, int32_t v) {
            if ((used + 1) * 2 > keys.size()) grow();
            uint64_t i = mix(k) & mask;
            while (keys[i] != ~0ULL && keys[i] != k) i = (i + 1) & mask;
            if (keys[i] == ~0ULL) ++used;
            keys[i] = k;
            vals[i] = v;
        }
        void grow() {
            std::vector<uint64_t> old_keys;
            std::vector<int32_t> old_vals;
            old_keys.swap(keys);
            old_vals.swap(vals);
            const size_t cap = old_keys.empty() ? 64 : old_keys.size() * 2;
            keys.assign(cap, ~0ULL);
            vals.assign(cap, -1);
            mask = cap - 1;
            used = 0;
            for (size_t i = 0; i < old_keys.size(); ++i)
                if (old_keys[i] != ~0ULL) put(old_keys[i], old_vals[i]);
        }
    };
    """
    cdef cppclass FlatMap64 "TLFlatMap64":
        int32_t find(uint64_t key) nogil
        void put(uint64_t key, int32_t value) nogil


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
    cdef int32_t _max_len
    cdef vector[int32_t] _root                  # root child per code point < _ROOT_SPAN, or -1
    cdef LatticeWork _w                         # buffers of the calls that hold the GIL

    cdef Py_ssize_t _load(self, str word) except -1
    cdef _output(self, Py_ssize_t count, bint fuse_unk)
    cdef void _build(self, LatticeWork* w, Py_ssize_t n) noexcept nogil
    cdef Py_ssize_t _viterbi(self, LatticeWork* w, Py_ssize_t n, bint skip_whole) noexcept nogil
    cdef double _forward_backward(self, LatticeWork* w, Py_ssize_t n, double freq,
                                  double* expected) noexcept nogil


# -- tiktoken's byte-pair rule -----------------------------------------------------------

cdef class ByteRankMerger:
    cdef unordered_map[string, sym_t] _ranks    # byte string -> rank
    cdef string _key                            # lookup buffer, reused across lookups
    cdef vector[Py_ssize_t] _bounds             # start of each part, then the end
    cdef vector[int64_t] _pair                  # rank of parts i, i + 1 joined (or "none")

    cdef int64_t _find(self, const char* data, Py_ssize_t start,
                       Py_ssize_t end) noexcept nogil
    cdef Py_ssize_t _merge(self, const char* data, Py_ssize_t n, int64_t top) noexcept nogil
