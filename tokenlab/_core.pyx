# cython: language_level=3
# distutils: language = c++
"""Native core: pair counting for training, ranked merges and WordPiece for encoding.

This is the fast twin of ``tokenlab/_pycore.py``; see that module for the
algorithm and the scoring rules, which are the same here bit for bit. The
public ``def`` methods validate and convert their arguments; the ``cdef``
kernels after them work on C++ containers only and run without the GIL.
"""

from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libcpp.algorithm cimport sort, unique
from libcpp.string cimport string
from libcpp.unordered_map cimport unordered_map
from libcpp.vector cimport vector
from cython.operator cimport dereference as deref, preincrement as inc

from array import array

__all__ = ["PairCounter"]

include "_common.pxi"

# Symbol counts are a plain array for ids below this (the likelihood rescan reads
# millions of them), a hash map above it (ids may go up to MAX_ID).
cdef sym_t _DENSE = 1 << 22


cdef class PairCounter:
    """Incremental adjacent-pair statistics over a corpus of symbol-id words.

    Same surface and results as ``tokenlab._pycore.PairCounter``.

    Args:
        words: one sequence of symbol ids per unique word.
        counts: the frequency of each word (0 <= count < 2**63).
        scoring: ``"count"`` (BPE) or ``"likelihood"`` (WordPiece).
        symbol_lengths: length in characters of each initial symbol id.
        max_token_length: if set, pairs whose merged length would exceed it are
            never counted.
        ends: if given, ``words`` is every word's ids in one flat buffer of unsigned
            32-bit ints (a memoryview cast to ``"I"``, an ``array("I")``; any other
            sequence is converted), copied in C, and word ``w`` ends at ``ends[w]``.

    >>> pc = PairCounter([[0, 1, 2], [1, 2]], [3, 4])
    >>> pc.best()
    (1, 2, 7)
    """

    def __init__(self, words, counts, *, str scoring="count", symbol_lengths=None,
                 max_token_length=None, str tie="ids", symbol_strings=None,
                 min_count=1, ends=None):
        if scoring not in ("count", "likelihood"):
            raise ValueError(
                f"scoring must be one of ('count', 'likelihood'), got {scoring!r}")
        nw = len(words) if ends is None else len(ends)
        if nw != len(counts):
            raise ValueError(f"got {nw} words but {len(counts)} counts")
        if max_token_length is not None and max_token_length < 1:
            raise ValueError(f"max_token_length must be >= 1, got {max_token_length}")
        if tie not in ("ids", "piece"):
            raise ValueError(f"tie must be one of ('ids', 'piece'), got {tie!r}")
        if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
        self._min_count = min(min_count, _MAX_COUNT)
        self._likelihood = scoring == "likelihood"
        self._piece_tie = tie == "piece"
        if self._piece_tie:
            if symbol_strings is None:
                raise ValueError("tie='piece' needs symbol_strings")
            for i, text in enumerate(symbol_strings):
                if not isinstance(text, str):
                    raise TypeError(
                        f"symbol_strings must be str, got {type(text).__name__}")
                self._strings[<sym_t>i] = [ord(ch) for ch in text]
        self._max_len = 0 if max_token_length is None else max_token_length
        if symbol_lengths is not None:
            for i, length in enumerate(symbol_lengths):
                if length < 0:
                    raise ValueError(f"symbol length must be >= 0, got {length}")
                self._sym_lengths[<sym_t>i] = length
        if ends is None:
            self._load_words(words, counts)
        else:
            self._load_flat(words, ends, counts)
        if self._likelihood:
            self._index = LikelihoodIndex(self._min_count)
            self._index._attach(&self._pairs, &self._fdense, &self._fsparse,
                                &self._strings if self._piece_tie else NULL)
        with nogil:
            self._count_pairs()
            self._build_heap()

    cdef int _add_word(self, pyfreq, int64_t start, Py_ssize_t n, total) except -1:
        """Check a word's count and the running size; record where its ids are."""
        if not isinstance(pyfreq, int) or isinstance(pyfreq, bool) or pyfreq < 0:
            raise ValueError(f"word counts must be non-negative ints, got {pyfreq!r}")
        if total > MAX_TOTAL:
            raise ValueError(
                "the corpus is too large: the sum of count x word length exceeds "
                "2**63-1; scale the counts down")
        self._starts.push_back(start)
        self._lens.push_back(<int32_t>n)
        self._freqs.push_back(pyfreq if pyfreq <= _MAX_COUNT else 0)
        return 0

    cdef int _load_words(self, words, counts) except -1:
        """One sequence of ids per word."""
        cdef Py_ssize_t w, i, n
        self._starts.reserve(len(words))
        self._lens.reserve(len(words))
        self._freqs.reserve(len(words))
        total = 0
        for w in range(len(words)):
            pyfreq = counts[w]
            word = words[w]
            n = len(word)
            if isinstance(pyfreq, int):
                total += pyfreq * n
            self._add_word(pyfreq, self._symbols.size(), n, total)
            for i in range(n):
                self._symbols.push_back(_check_id(word[i], "symbol id"))
        return 0

    cdef int _load_flat(self, ids, ends, counts) except -1:
        """Every word's ids in one buffer of unsigned 32-bit ints; word w ends at ends[w].

        The ids are copied in C: no Python object per word or per id.
        """
        cdef const uint32_t[::1] flat
        cdef Py_ssize_t w, i, start = 0, end, nw = len(ends)
        try:
            flat = ids
        except (TypeError, ValueError, BufferError):
            flat = array("I", [_check_id(s, "symbol id") for s in ids])
        for i in range(flat.shape[0]):
            if flat[i] > <uint32_t>_MAX_ID:
                raise ValueError(f"symbol id must be between 0 and {_MAX_ID}, got {flat[i]}")
        self._starts.reserve(nw)
        self._lens.reserve(nw)
        self._freqs.reserve(nw)
        self._symbols.resize(flat.shape[0])
        if flat.shape[0]:  # ids <= _MAX_ID: the same bits as int32
            memcpy(self._symbols.data(), &flat[0], flat.shape[0] * sizeof(uint32_t))
        total = 0
        for w in range(nw):
            end = ends[w]
            if end < start or end > flat.shape[0]:
                raise ValueError(f"word ends must rise within the {flat.shape[0]} ids, got {end}")
            pyfreq = counts[w]
            if isinstance(pyfreq, int):
                total += pyfreq * (end - start)
            self._add_word(pyfreq, start, end - start, total)
            start = end
        if start != flat.shape[0]:
            raise ValueError(f"the last word ends at {start}, not at the {flat.shape[0]} ids")
        return 0

    cdef void _count_pairs(self) noexcept nogil:
        cdef Py_ssize_t w, i, n
        cdef sym_t s, prev
        cdef count_t freq
        cdef key_t k
        cdef vector[int32_t]* where
        for w in range(<Py_ssize_t>self._starts.size()):
            freq = self._freqs[w]
            n = self._lens[w]
            prev = -1
            for i in range(n):
                s = self._symbols[self._starts[w] + i]
                self._fref(s)[0] += freq
                if i > 0 and self._pair_ok(prev, s):
                    k = _key(prev, s)
                    self._pairs[k] += freq
                    where = &self._where[k]
                    if where.empty() or where.back() != w:
                        where.push_back(<int32_t>w)
                prev = s

    cdef void _build_heap(self) noexcept nogil:
        cdef unordered_map[key_t, count_t].iterator it = self._pairs.begin()
        cdef vector[key_t] dead
        self._heap.clear()
        while it != self._pairs.end():
            if deref(it).second > 0:
                if self._likelihood:
                    self._index._pair_changed(deref(it).first)
                elif deref(it).second >= self._min_count:
                    self._push(self._entry(deref(it).first, deref(it).second))
            else:
                dead.push_back(deref(it).first)
            inc(it)
        for k in dead:
            self._pairs.erase(k)
        if self._likelihood:
            self._index._flush()

    # -- kernels ------------------------------------------------------------------

    cdef int _cmp_pieces(self, const HeapEntry* x, const HeapEntry* y) noexcept nogil:
        """Compare the merged strings: shorter first, then code-point order."""
        cdef vector[uint32_t]* xl = &self._strings[x.left]
        cdef vector[uint32_t]* xr = &self._strings[x.right]
        cdef vector[uint32_t]* yl = &self._strings[y.left]
        cdef vector[uint32_t]* yr = &self._strings[y.right]
        cdef size_t nx = xl.size() + xr.size()
        cdef size_t ny = yl.size() + yr.size()
        cdef size_t i
        cdef uint32_t cx, cy
        if nx != ny:
            return -1 if nx < ny else 1
        for i in range(nx):
            cx = deref(xl)[i] if i < xl.size() else deref(xr)[i - xl.size()]
            cy = deref(yl)[i] if i < yl.size() else deref(yr)[i - yl.size()]
            if cx != cy:
                return -1 if cx < cy else 1
        return 0

    cdef bint _better(self, const HeapEntry* x, const HeapEntry* y) noexcept nogil:
        """True if x ranks above y (x is popped first); count scoring (see _index)."""
        cdef int s
        if x.count != y.count:
            return x.count > y.count
        if self._piece_tie:
            s = self._cmp_pieces(x, y)
            if s != 0:
                return s < 0
        if x.left != y.left:
            return x.left < y.left
        return x.right < y.right

    cdef count_t* _fref(self, sym_t s) noexcept nogil:
        if s < _DENSE:
            if <size_t>s >= self._fdense.size():
                self._fdense.resize(s + 1, 0)
            return &self._fdense[s]
        return &self._fsparse[s]

    cdef count_t _f(self, sym_t s) noexcept nogil:
        cdef unordered_map[sym_t, count_t].iterator it
        if <size_t>s < self._fdense.size():
            return self._fdense[s]
        if s < _DENSE:
            return 0
        it = self._fsparse.find(s)
        return 0 if it == self._fsparse.end() else deref(it).second

    cdef int64_t _length(self, sym_t s) noexcept nogil:
        cdef unordered_map[sym_t, int64_t].iterator it = self._sym_lengths.find(s)
        if it == self._sym_lengths.end():
            return 1
        return deref(it).second

    cdef bint _pair_ok(self, sym_t a, sym_t b) noexcept nogil:
        if self._max_len == 0:
            return True
        return self._length(a) + self._length(b) <= self._max_len

    cdef HeapEntry _entry(self, key_t key, count_t count) noexcept nogil:
        cdef HeapEntry e
        e.count = count
        e.left = _left(key)
        e.right = _right(key)
        e.gen = 0
        e.fl = 1
        e.fr = 1
        return e

    cdef bint _valid(self, const HeapEntry* e) noexcept nogil:
        cdef unordered_map[key_t, count_t].iterator it = self._pairs.find(_key(e.left, e.right))
        return it != self._pairs.end() and deref(it).second == e.count

    cdef void _push(self, HeapEntry e) noexcept nogil:
        cdef Py_ssize_t i = self._heap.size()
        cdef Py_ssize_t parent
        self._heap.push_back(e)
        while i > 0:
            parent = (i - 1) >> 1
            if not self._better(&e, &self._heap[parent]):
                break
            self._heap[i] = self._heap[parent]
            i = parent
        self._heap[i] = e

    cdef void _pop(self) noexcept nogil:
        cdef Py_ssize_t n = self._heap.size() - 1
        cdef Py_ssize_t i = 0
        cdef Py_ssize_t child
        cdef HeapEntry last = self._heap[n]
        self._heap.pop_back()
        if n == 0:
            return
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            if child + 1 < n and self._better(&self._heap[child + 1], &self._heap[child]):
                child += 1
            if not self._better(&self._heap[child], &last):
                break
            self._heap[i] = self._heap[child]
            i = child
        self._heap[i] = last

    cdef count_t _merge(self, sym_t a, sym_t b, sym_t z) noexcept nogil:
        cdef key_t target = _key(a, b)
        cdef vector[int32_t] words
        cdef vector[key_t] changed
        cdef vector[key_t] grown
        cdef count_t merged = 0
        cdef count_t freq
        cdef unordered_map[key_t, count_t].iterator pit
        cdef count_t* cnt
        cdef int64_t start
        cdef Py_ssize_t i, o, n, j
        cdef int32_t w
        cdef sym_t prev, nxt
        cdef key_t k
        cdef bint found
        cdef sym_t* word
        cdef vector[int32_t]* where
        cdef unordered_map[key_t, vector[int32_t]].iterator wit = self._where.find(target)
        if wit != self._where.end():
            words.swap(deref(wit).second)
            self._where.erase(wit)
        self._sym_lengths[z] = self._length(a) + self._length(b)
        if self._piece_tie:
            joined = self._strings[a]
            joined.insert(joined.end(), self._strings[b].begin(), self._strings[b].end())
            self._strings[z] = joined
        for w in words:
            start = self._starts[w]
            word = &self._symbols[start]
            n = self._lens[w]
            freq = self._freqs[w]
            i = 0
            o = 0
            found = False
            while i < n:
                if i + 1 < n and word[i] == a and word[i + 1] == b:
                    found = True
                    # The four neighbour pairs, in the same order as the pure core.
                    for j in range(4):
                        if j == 0 or j == 1:
                            if o == 0:
                                continue
                            prev = word[o - 1]
                            if j == 0:
                                if not self._pair_ok(prev, a):
                                    continue
                                k = _key(prev, a)
                            else:
                                if not self._pair_ok(prev, z):
                                    continue
                                k = _key(prev, z)
                        else:
                            if i + 2 >= n:
                                continue
                            nxt = word[i + 2]
                            if j == 2:
                                if not self._pair_ok(b, nxt):
                                    continue
                                k = _key(b, nxt)
                            else:
                                if not self._pair_ok(z, nxt):
                                    continue
                                k = _key(z, nxt)
                        if self._likelihood:
                            changed.push_back(k)
                        # A pair is erased as soon as its count is 0 (it may come back
                        # later in this merge): no list of changed pairs to sort after.
                        cnt = &self._pairs[k]
                        if j == 0 or j == 2:
                            cnt[0] -= freq
                        else:
                            cnt[0] += freq
                            grown.push_back(k)
                            where = &self._where[k]
                            if where.empty() or where.back() != w:
                                where.push_back(w)
                        if cnt[0] == 0:
                            self._pairs.erase(k)
                    word[o] = z
                    merged += freq
                    o += 1
                    i += 2
                else:
                    word[o] = word[i]
                    o += 1
                    i += 1
            if found:
                self._lens[w] = <int32_t>o
        self._pairs.erase(target)
        if merged:
            self._fref(a)[0] -= merged
            self._fref(b)[0] -= merged
            self._fref(z)[0] += merged
        if self._likelihood:
            sort(changed.begin(), changed.end())
            changed.erase(unique(changed.begin(), changed.end()), changed.end())
            # Only the pairs and symbols whose counts changed: the index re-scores
            # what they affect.
            self._index._pair_changed(target)
            for k in changed:
                self._index._pair_changed(k)
            if merged:
                self._index._symbol_changed(a)
                self._index._symbol_changed(b)
                self._index._symbol_changed(z)
            self._index._flush()
        else:
            sort(grown.begin(), grown.end())
            grown.erase(unique(grown.begin(), grown.end()), grown.end())
            for k in grown:
                pit = self._pairs.find(k)
                if (k != target and pit != self._pairs.end()
                        and deref(pit).second >= self._min_count):
                    self._push(self._entry(k, deref(pit).second))
        return merged

    # -- public surface ---------------------------------------------------------------

    def best(self):
        """The best pair under the scoring rule, or None when no pair has a count.

        Returns:
            ``(left, right, count)``; the pair is not removed.
        """
        cdef HeapEntry top
        cdef key_t k
        cdef count_t current
        cdef bint found = False
        with nogil:
            if self._likelihood:
                found = self._index._best(&top)
            else:
                while not self._heap.empty():
                    top = self._heap[0]
                    if self._valid(&top):
                        found = True
                        break
                    self._pop()
                    k = _key(top.left, top.right)
                    if self._pairs.count(k):
                        current = self._pairs[k]
                        if current >= self._min_count:
                            self._push(self._entry(k, current))
        if not found:
            return None
        return (top.left, top.right, top.count)

    def merge(self, left, right, new_id):
        """Replace every non-overlapping ``left right`` (left to right) by ``new_id``.

        Returns:
            The number of occurrences replaced, weighted by word frequency.
        """
        cdef sym_t a = _check_id(left, "left")
        cdef sym_t b = _check_id(right, "right")
        cdef sym_t z = _check_id(new_id, "new_id")
        cdef count_t merged
        with nogil:
            merged = self._merge(a, b, z)
        return merged

    def pair_count(self, left, right):
        """Current count of the adjacent pair ``left right`` (0 if absent)."""
        cdef key_t k = _key(_check_id(left, "left"), _check_id(right, "right"))
        if self._pairs.count(k):
            return self._pairs[k]
        return 0

    def symbol_count(self, symbol):
        """Current frequency of ``symbol`` over the corpus."""
        cdef sym_t s = _check_id(symbol, "symbol")
        return self._f(s)

    def release(self):
        """Free the words and pairs without holding the GIL; the counter is empty after.

        After a 30 MB corpus's merges the pair table holds about 10^6 small blocks,
        a tenth of a second to free: the BPE trainer calls this on a thread of its
        own, so that the freeing overlaps with building the model.
        """
        cdef unordered_map[key_t, vector[int32_t]]* where = (
            new unordered_map[key_t, vector[int32_t]]())
        cdef unordered_map[key_t, count_t]* pairs = new unordered_map[key_t, count_t]()
        cdef vector[sym_t]* symbols = new vector[sym_t]()
        cdef vector[HeapEntry]* heap = new vector[HeapEntry]()
        where.swap(self._where)
        pairs.swap(self._pairs)
        symbols.swap(self._symbols)
        heap.swap(self._heap)
        self._starts.clear()
        self._lens.clear()
        self._freqs.clear()
        if self._likelihood:  # a fresh index: the old one scored the pairs swapped out
            self._index = LikelihoodIndex(self._min_count)
            self._index._attach(&self._pairs, &self._fdense, &self._fsparse,
                                &self._strings if self._piece_tie else NULL)
        with nogil:
            del where
            del pairs
            del symbols
            del heap

    def get_words(self):
        """The current segmentation of every word (a copy)."""
        cdef Py_ssize_t w, i
        out = []
        for w in range(<Py_ssize_t>self._starts.size()):
            out.append([self._symbols[self._starts[w] + i] for i in range(self._lens[w])])
        return out

    @property
    def num_pairs(self):
        """Number of distinct pairs with a positive count."""
        cdef Py_ssize_t n = 0
        for item in self._pairs:
            if item.second > 0:
                n += 1
        return n


include "_likelihood.pxi"
include "_merge.pxi"
include "_unigram.pxi"
include "_scan.pxi"
include "_encode.pxi"
include "_spencode.pxi"
include "_spsegment.pxi"
include "_bertencode.pxi"
