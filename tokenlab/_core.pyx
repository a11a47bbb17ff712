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

__all__ = ["MAX_ID", "MAX_TOTAL", "MergeTable", "PairCounter", "WordPieceEncoder"]

#: Largest symbol id either core accepts (ids are stored as int32).
MAX_ID = 2 ** 31 - 2
#: Largest total of count x word length (bounds every count: no overflow).
MAX_TOTAL = 2 ** 63 - 1
cdef int64_t _MAX_ID = 2 ** 31 - 2
#: Largest total of count x word length (bounds every count: no overflow).
MAX_TOTAL = 2 ** 63 - 1
cdef object _MAX_COUNT = 2 ** 63 - 1
cdef uint64_t _LOW32 = 0xFFFFFFFFu
# Symbol counts are a plain array for ids below this (the likelihood rescan reads
# millions of them), a hash map above it (ids may go up to MAX_ID).
cdef sym_t _DENSE = 1 << 22

cdef extern from *:
    """
    #include <stdint.h>
    /* Sign of c1*fl2*fr2 - c2*fl1*fr1 for non-negative 64-bit inputs, computed
       exactly in 192 bits: a likelihood tie is a true tie, never a rounding. */
    static inline void tl_mul192(uint64_t a, uint64_t b, uint64_t c,
                                 uint64_t* hi, uint64_t* mid, uint64_t* lo) {
        unsigned __int128 ab = (unsigned __int128)a * b;
        unsigned __int128 p0 = (unsigned __int128)(uint64_t)ab * c;
        unsigned __int128 p1 = (unsigned __int128)(uint64_t)(ab >> 64) * c;
        unsigned __int128 m = (p0 >> 64) + (uint64_t)p1;
        *lo = (uint64_t)p0;
        *mid = (uint64_t)m;
        *hi = (uint64_t)(p1 >> 64) + (uint64_t)(m >> 64);
    }
    static inline int tl_cmp_ratio(uint64_t c1, uint64_t fl1, uint64_t fr1,
                                   uint64_t c2, uint64_t fl2, uint64_t fr2) {
        uint64_t h1, m1, l1, h2, m2, l2, d1, d2;
        /* Usual case: both denominators fit 64 bits, so 128-bit products do. */
        if (!__builtin_mul_overflow(fl1, fr1, &d1) && !__builtin_mul_overflow(fl2, fr2, &d2)) {
            unsigned __int128 x = (unsigned __int128)c1 * d2;
            unsigned __int128 y = (unsigned __int128)c2 * d1;
            return x > y ? 1 : (x < y ? -1 : 0);
        }
        tl_mul192(c1, fl2, fr2, &h1, &m1, &l1);
        tl_mul192(c2, fl1, fr1, &h2, &m2, &l2);
        if (h1 != h2) return h1 > h2 ? 1 : -1;
        if (m1 != m2) return m1 > m2 ? 1 : -1;
        if (l1 != l2) return l1 > l2 ? 1 : -1;
        return 0;
    }
    """
    int tl_cmp_ratio(uint64_t c1, uint64_t fl1, uint64_t fr1,
                     uint64_t c2, uint64_t fl2, uint64_t fr2) noexcept nogil


cdef inline key_t _key(sym_t a, sym_t b) noexcept nogil:
    return ((<key_t>a) << 32) | (<key_t>(<uint64_t>b & _LOW32))


cdef inline sym_t _left(key_t k) noexcept nogil:
    return <sym_t>(k >> 32)


cdef inline sym_t _right(key_t k) noexcept nogil:
    return <sym_t>(k & _LOW32)


cdef sym_t _check_id(object value, str what) except -1:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0 or value > _MAX_ID:
        raise ValueError(f"{what} must be between 0 and {MAX_ID}, got {value}")
    return <sym_t>value


def _check_corpus(words, freqs):
    """Entry checks for (unique words, frequencies), as ``_pycore._check_corpus``."""
    if len(words) != len(freqs):
        raise ValueError(f"got {len(words)} words but {len(freqs)} freqs")
    for word in words:
        if not isinstance(word, str):
            raise TypeError(f"words must be str, got {type(word).__name__}")
    for freq in freqs:
        if not isinstance(freq, int) or isinstance(freq, bool):
            raise TypeError(f"a word frequency must be an int, got {type(freq).__name__}")
        if freq < 0 or freq > MAX_TOTAL:
            raise ValueError(f"a word frequency must be between 0 and {MAX_TOTAL}, got {freq}")


def _check_substring_options(char_classes, max_len, limit):
    """Entry checks of ``top_substrings``, as ``_pycore._check_substring_options``."""
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

    >>> pc = PairCounter([[0, 1, 2], [1, 2]], [3, 4])
    >>> pc.best()
    (1, 2, 7)
    """

    def __init__(self, words, counts, *, str scoring="count", symbol_lengths=None,
                 max_token_length=None, str tie="ids", symbol_strings=None,
                 min_count=1):
        cdef Py_ssize_t w, i, n
        cdef sym_t s, prev
        cdef count_t freq
        cdef key_t k
        cdef vector[int32_t]* where
        if scoring not in ("count", "likelihood"):
            raise ValueError(
                f"scoring must be one of ('count', 'likelihood'), got {scoring!r}")
        if len(words) != len(counts):
            raise ValueError(f"got {len(words)} words but {len(counts)} counts")
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
        self._starts.reserve(len(words))
        self._lens.reserve(len(words))
        self._freqs.reserve(len(words))
        total = 0
        for w in range(len(words)):
            pyfreq = counts[w]
            if not isinstance(pyfreq, int) or isinstance(pyfreq, bool) or pyfreq < 0:
                raise ValueError(f"word counts must be non-negative ints, got {pyfreq!r}")
            word = words[w]
            n = len(word)
            total += pyfreq * n
            if total > MAX_TOTAL:
                raise ValueError(
                    "the corpus is too large: the sum of count x word length exceeds "
                    "2**63-1; scale the counts down")
            freq = pyfreq if pyfreq <= _MAX_COUNT else 0
            self._starts.push_back(self._symbols.size())
            self._lens.push_back(<int32_t>n)
            self._freqs.push_back(freq)
            for i in range(n):
                s = _check_id(word[i], "symbol id")
                self._symbols.push_back(s)
        if self._likelihood:
            self._index = LikelihoodIndex(self._min_count)
            self._index._attach(&self._pairs, &self._fdense, &self._fsparse,
                                &self._strings if self._piece_tie else NULL)
        with nogil:
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
            self._build_heap()

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
        cdef count_t freq, before
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
                        changed.push_back(k)
                        if j == 0 or j == 2:
                            self._pairs[k] -= freq
                        else:
                            before = self._pairs[k]
                            self._pairs[k] = before + freq
                            grown.push_back(k)
                            where = &self._where[k]
                            if where.empty() or where.back() != w:
                                where.push_back(w)
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
        sort(changed.begin(), changed.end())
        changed.erase(unique(changed.begin(), changed.end()), changed.end())
        for k in changed:
            if k != target and self._pairs.count(k) and self._pairs[k] == 0:
                self._pairs.erase(k)
        if self._likelihood:
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
                if k != target and self._pairs.count(k) and self._pairs[k] >= self._min_count:
                    self._push(self._entry(k, self._pairs[k]))
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


cdef class MergeTable:
    """Ranked merges for BPE encoding; same surface as ``_pycore.MergeTable``.

    Args:
        merges: ``(left_id, right_id, new_id)`` in rank order (rank = index). A
            pair listed twice keeps its first (lowest) rank.

    >>> MergeTable([(0, 1, 3), (3, 2, 4)]).apply([0, 1, 2, 0, 1])
    [4, 3]
    """

    def __init__(self, merges):
        cdef Py_ssize_t rank = 0
        cdef key_t k
        for left, right, new_id in merges:
            k = _key(_check_id(left, "left"), _check_id(right, "right"))
            if not self._ranks.count(k):
                self._ranks[k] = ((<uint64_t>rank) << 32) | <uint64_t>_check_id(new_id, "new_id")
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
        self._buf.resize(n)
        self._size_buf.resize(n)
        self._rank_buf.resize(n)
        for i in range(n):
            self._buf[i] = _check_id(ids[i], "symbol id")
            self._size_buf[i] = 1
        return n

    cdef Py_ssize_t _apply(self, Py_ssize_t n) noexcept nogil:
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

    cdef inline int64_t _rank(self, sym_t a, sym_t b) noexcept nogil:
        cdef unordered_map[key_t, uint64_t].iterator it = self._ranks.find(_key(a, b))
        if it == self._ranks.end():
            return -1
        return <int64_t>(deref(it).second >> 32)


cdef class WordPieceEncoder:
    """Greedy longest-match-first WordPiece splitting; same surface as ``_pycore``'s.

    Tokens are stored as UTF-8 (``surrogatepass``, so any Python str works) in two
    hash tables: whole tokens for a word's first piece, tokens with the prefix
    removed for the later ones. A word is encoded once and every candidate piece is
    a byte range of it, looked up without allocating.

    Args:
        vocab: token -> id.
        prefix: continuing-subword prefix (``"##"``; may be empty).
        unk_id: id emitted for a word that cannot be split.
        max_chars: longest word, in chars, that is split at all.

    >>> enc = WordPieceEncoder({"un": 0, "##aff": 1, "##able": 2, "[UNK]": 3}, "##", 3, 100)
    >>> enc.encode("unaffable")
    ([0, 1, 2], [(0, 2), (2, 5), (5, 9)])
    """

    def __init__(self, vocab, prefix, unk_id, max_chars):
        cdef sym_t tid
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
        if not isinstance(max_chars, int) or isinstance(max_chars, bool):
            raise TypeError(f"max_chars must be an int, got {type(max_chars).__name__}")
        if max_chars < 0:
            raise ValueError(f"max_chars must be >= 0, got {max_chars}")
        self._unk = _check_id(unk_id, "unk_id")
        # Words longer than the address space cannot exist: clamp huge limits.
        self._max_chars = min(max_chars, 2 ** 62)
        self._longest = 0
        for token, pyid in vocab.items():
            if not isinstance(token, str):
                raise TypeError(f"vocabulary tokens must be str, got {type(token).__name__}")
            tid = _check_id(pyid, "token id")
            self._first[token.encode("utf-8", "surrogatepass")] = tid
            if token.startswith(prefix):
                self._next[token[len(prefix):].encode("utf-8", "surrogatepass")] = tid
            if len(token) > self._longest:
                self._longest = len(token)

    def encode(self, word):
        """Split ``word`` into token ids and their ``(start, end)`` char spans.

        Returns:
            ``(ids, spans)``; ``([unk_id], [(0, len(word))])`` if the word cannot
            be split, ``([], [])`` for the empty word.
        """
        cdef Py_ssize_t n, k, pieces, start
        cdef bytes data
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        n = len(word)
        if n > self._max_chars:
            return [self._unk], [(0, n)]
        if n == 0:
            return [], []
        data = word.encode("utf-8", "surrogatepass")
        pieces = self._split(data, len(data), n)
        if pieces == 0:
            return [self._unk], [(0, n)]
        ids = [self._ids[k] for k in range(pieces)]
        spans = []
        start = 0
        for k in range(pieces):
            spans.append((start, self._ends[k]))
            start = self._ends[k]
        return ids, spans

    cdef Py_ssize_t _split(self, const char* data, Py_ssize_t nbytes,
                           Py_ssize_t n) except -1 nogil:
        # Returns the number of pieces, or 0 when some position matches nothing.
        cdef Py_ssize_t i, j, start, end
        cdef Py_ssize_t* bounds
        cdef unordered_map[string, sym_t]* table = &self._first
        cdef unordered_map[string, sym_t].iterator it
        self._bounds.resize(n + 1)
        bounds = self._bounds.data()
        j = 0
        for i in range(nbytes):
            # Every byte that is not a UTF-8 continuation byte starts a char.
            if (<unsigned char>data[i] & 0xC0) != 0x80:
                bounds[j] = i
                j += 1
        bounds[n] = nbytes
        self._ids.clear()
        self._ends.clear()
        start = 0
        while start < n:
            end = start + self._longest
            if end > n:
                end = n
            while end > start:
                self._key.assign(data + bounds[start], bounds[end] - bounds[start])
                it = deref(table).find(self._key)
                if it != deref(table).end():
                    self._ids.push_back(deref(it).second)
                    self._ends.push_back(end)
                    break
                end -= 1
            if end == start:
                return 0
            table = &self._next
            start = end
        return <Py_ssize_t>self._ids.size()


# -- Unigram language model: lattice, Viterbi, forward-backward, n-best, sampling ------
# The algorithms and every tie-break are documented in ``_pycore.UnigramLattice``;
# here the same arithmetic runs on C++ containers, in the same order, so both
# cores return the same floats bit for bit.

from libc.math cimport INFINITY, exp, isfinite, log1p
from libc.stdint cimport uint8_t
from libcpp.algorithm cimport nth_element

CLASS_FORBIDDEN = -1
CLASS_SPACE = -2
CLASS_INHERITED = -3
CLASS_ANY = -4
CLASS_ALONE = -5
UNK_PENALTY = 10.0

cdef uint32_t _ROOT_SPAN = 0x3000   # code points whose root child sits in an array
cdef int32_t _C_FORBIDDEN = -1
cdef int32_t _C_SPACE = -2
cdef int32_t _C_INHERITED = -3
cdef int32_t _C_ANY = -4
cdef int32_t _C_ALONE = -5
cdef double _INV_2_53 = 1.0 / 9007199254740992.0
cdef object _MASK64 = (1 << 64) - 1


cdef inline uint64_t _splitmix64(uint64_t* state) noexcept nogil:
    cdef uint64_t z
    state[0] += <uint64_t>0x9E3779B97F4A7C15
    z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
    return z ^ (z >> 31)


cdef inline double _log_add(double a, double b) noexcept nogil:
    if a > b:
        return a + log1p(exp(b - a))
    return b + log1p(exp(a - b))


def splitmix64(state):
    """One step of SplitMix64: ``(value, new_state)``; see ``_pycore.splitmix64``.

    >>> splitmix64(0)[0]
    16294208416658607535
    """
    if not isinstance(state, int) or not 0 <= state <= _MASK64:
        raise ValueError(f"state must be an int in [0, 2**64), got {state!r}")
    cdef uint64_t s = state
    cdef uint64_t value = _splitmix64(&s)
    return value, s


cdef class UnigramLattice:
    """Unigram-LM segmentation against scored pieces; same surface as ``_pycore``'s.

    Pieces live in a trie of code points (a hash of ``(node, code point)`` ->
    child), so the nodes starting at a position are found in one walk.

    >>> lat = UnigramLattice(["<unk>", "a", "b", "ab"], [0.0, -2.0, -2.0, -3.0], 0, -13.0)
    >>> lat.encode("abc")
    ([3, 0], [(0, 2), (2, 3)])
    """

    def __init__(self, pieces, scores, unk_id, unk_score):
        cdef Py_ssize_t i
        cdef int32_t node, length, child
        cdef uint64_t key
        cdef double score
        cdef Py_UCS4 ch
        if len(pieces) != len(scores):
            raise ValueError(f"got {len(pieces)} pieces but {len(scores)} scores")
        self._unk = _check_id(unk_id, "unk_id")
        self._unk_score = float(unk_score)
        if not isfinite(self._unk_score):
            raise ValueError(f"unk_score must be finite, got {unk_score!r}")
        self._pieces = []
        self._max_len = 0
        self._node_id.push_back(-1)  # the root
        self._root.assign(_ROOT_SPAN, -1)
        for i in range(len(pieces)):
            piece = pieces[i]
            if piece is not None and not isinstance(piece, str):
                raise TypeError(f"pieces must be str or None, got {type(piece).__name__}")
            score = float(scores[i])
            if not isfinite(score):
                raise ValueError(f"piece scores must be finite, got {score!r} for id {i}")
            _check_id(i, "piece id")
            self._scores.push_back(score)
            self._pieces.append(piece or None)
            if not piece:
                continue
            node = 0
            length = 0
            for ch in <str>piece:
                key = ((<uint64_t>node) << 21) | <uint64_t>ch
                child = self._trie.find(key)
                if child >= 0:
                    node = child
                else:
                    self._trie.put(key, <int32_t>self._node_id.size())
                    if node == 0 and ch < _ROOT_SPAN:
                        self._root[ch] = <int32_t>self._node_id.size()
                    node = <int32_t>self._node_id.size()
                    self._node_id.push_back(-1)
                length += 1
            self._node_id[node] = <int32_t>i
            if length > self._max_len:
                self._max_len = length

    def __len__(self):
        return len(self._pieces)

    # -- kernels ------------------------------------------------------------------------

    cdef Py_ssize_t _load(self, str word) except -1:
        cdef Py_UCS4 ch
        cdef LatticeWork* wk = &self._w
        wk.cps.clear()
        for ch in word:
            wk.cps.push_back(<uint32_t>ch)
        return <Py_ssize_t>wk.cps.size()

    cdef void _build(self, LatticeWork* wk, Py_ssize_t n) noexcept nogil:
        cdef Py_ssize_t i, j, stop
        cdef int32_t node, pid
        cdef bint single
        cdef LatticeNode* nd_at
        wk.nodes.clear()
        wk.first.resize(n + 1)
        for i in range(n):
            wk.first[i] = <int32_t>wk.nodes.size()
            node = 0
            single = False
            stop = i + self._max_len
            if stop > n:
                stop = n
            for j in range(i, stop):
                if j == i and wk.cps[j] < _ROOT_SPAN:
                    # The first step, the most frequent lookup, without hashing.
                    node = self._root[wk.cps[j]]
                    if node < 0:
                        break
                else:
                    node = self._trie.find(((<uint64_t>node) << 21) | <uint64_t>wk.cps[j])
                    if node < 0:
                        break
                pid = self._node_id[node]
                if pid >= 0:
                    # Fields written in place: a struct built on the stack and then
                    # copied whole stalls on the store buffer (measured: a third of
                    # the time of encoding new words).
                    wk.nodes.resize(wk.nodes.size() + 1)
                    nd_at = &wk.nodes.back()
                    nd_at.end = <int32_t>(j + 1)
                    nd_at.id = pid
                    nd_at.score = self._scores[pid]
                    if j == i:
                        single = True
            if not single:
                wk.nodes.resize(wk.nodes.size() + 1)
                nd_at = &wk.nodes.back()
                nd_at.end = <int32_t>(i + 1)
                nd_at.id = -1
                nd_at.score = self._unk_score
        wk.first[n] = <int32_t>wk.nodes.size()

    cdef Py_ssize_t _viterbi(self, LatticeWork* wk, Py_ssize_t n, bint skip_whole) noexcept nogil:
        # Fills _path with (start, end, id) triples; returns the number of pieces
        # (0 if there is no path).
        cdef Py_ssize_t i, j, k, count
        cdef double cand
        cdef LatticeNode* nd
        wk.alpha.resize(n + 1)
        wk.back_start.assign(n + 1, -1)
        wk.back_id.resize(n + 1)
        wk.alpha[0] = 0.0
        for i in range(n):
            if i > 0 and wk.back_start[i] < 0:
                continue
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                if skip_whole and i == 0 and nd.end == n:
                    continue
                cand = wk.alpha[i] + nd.score
                if wk.back_start[nd.end] < 0 or cand > wk.alpha[nd.end]:
                    wk.alpha[nd.end] = cand
                    wk.back_start[nd.end] = <int32_t>i
                    wk.back_id[nd.end] = nd.id
        wk.path.clear()
        j = n
        count = 0
        while j > 0:
            if wk.back_start[j] < 0:
                wk.path.clear()
                return 0
            wk.path.push_back(wk.back_start[j])
            wk.path.push_back(<int32_t>j)
            wk.path.push_back(wk.back_id[j])
            j = wk.back_start[j]
            count += 1
        return count

    cdef double _forward_backward(self, LatticeWork* wk, Py_ssize_t n, double freq,
                                  double* expected) noexcept nogil:
        # Adds freq x the marginal of every piece node to expected; returns log Z.
        cdef Py_ssize_t i, k
        cdef double x, acc, z, a
        cdef LatticeNode* nd
        cdef double neg_inf = -INFINITY
        wk.alpha.assign(n + 1, neg_inf)
        wk.beta.assign(n + 1, neg_inf)
        wk.alpha[0] = 0.0
        wk.beta[n] = 0.0
        for i in range(n):
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                x = wk.alpha[i] + nd.score
                if wk.alpha[nd.end] == neg_inf:
                    wk.alpha[nd.end] = x
                else:
                    wk.alpha[nd.end] = _log_add(wk.alpha[nd.end], x)
        for i in range(n - 1, -1, -1):
            acc = neg_inf
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                x = nd.score + wk.beta[nd.end]
                if acc == neg_inf:
                    acc = x
                else:
                    acc = _log_add(acc, x)
            wk.beta[i] = acc
        z = wk.alpha[n]
        for i in range(n):
            a = wk.alpha[i]
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                if nd.id >= 0:
                    expected[nd.id] += freq * exp(a + nd.score + wk.beta[nd.end] - z)
        return z

    cdef _output(self, Py_ssize_t count, bint fuse_unk):
        cdef LatticeWork* wk = &self._w
        # _path holds the pieces last to first.
        cdef Py_ssize_t k
        cdef int32_t start, end, pid
        cdef bint prev_unk = False
        ids = []
        spans = []
        for k in range(count - 1, -1, -1):
            start = wk.path[3 * k]
            end = wk.path[3 * k + 1]
            pid = wk.path[3 * k + 2]
            if pid < 0:
                if fuse_unk and prev_unk:
                    spans[len(spans) - 1] = (spans[len(spans) - 1][0], end)
                    continue
                ids.append(self._unk)
                prev_unk = True
            else:
                ids.append(pid)
                prev_unk = False
            spans.append((start, end))
        return ids, spans

    # -- public surface -------------------------------------------------------------------

    def encode(self, word, fuse_unk=True):
        """The Viterbi segmentation of ``word`` as ``(ids, spans)``."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t n, count
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        n = self._load(word)
        with nogil:
            self._build(wk, n)
            count = self._viterbi(wk, n, False)
        return self._output(count, bool(fuse_unk))

    def nbest(self, word, size):
        """The ``size`` best segmentations as ``(ids, spans, score)``, best first."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t n, i, j, k, r, m, q
        cdef vector[vector[NBestEntry]] lists
        cdef NBestEntry e, cur
        cdef LatticeNode* nd
        cdef int32_t cap
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"size must be an int >= 1, got {size!r}")
        n = self._load(word)
        if n == 0:
            return [([], [], 0.0)]
        cap = <int32_t>min(size, 2 ** 30)
        with nogil:
            self._build(wk, n)
            lists.resize(n + 1)
            e.score = 0.0
            e.start = -1
            e.rank = -1
            e.id = -1
            lists[0].push_back(e)
            for i in range(n + 1):
                if i > 0:
                    # Stable insertion sort, best score first, then keep `cap`.
                    m = <Py_ssize_t>lists[i].size()
                    for j in range(1, m):
                        cur = lists[i][j]
                        q = j
                        while q > 0 and lists[i][q - 1].score < cur.score:
                            lists[i][q] = lists[i][q - 1]
                            q -= 1
                        lists[i][q] = cur
                    if m > cap:
                        lists[i].resize(cap)
                if i == n:
                    break
                for k in range(wk.first[i], wk.first[i + 1]):
                    nd = &wk.nodes[k]
                    for r in range(<Py_ssize_t>lists[i].size()):
                        e.score = lists[i][r].score + nd.score
                        e.start = <int32_t>i
                        e.rank = <int32_t>r
                        e.id = nd.id
                        lists[nd.end].push_back(e)
        out = []
        for r in range(<Py_ssize_t>lists[n].size()):
            wk.path.clear()
            j = n
            e = lists[n][r]
            while j > 0:
                wk.path.push_back(e.start)
                wk.path.push_back(<int32_t>j)
                wk.path.push_back(e.id)
                j = e.start
                e = lists[j][e.rank]
            ids, spans = self._output(<Py_ssize_t>(wk.path.size() // 3), False)
            out.append((ids, spans, lists[n][r].score))
        return out

    def sample(self, word, theta, state):
        """Draw a segmentation by forward filtering, backward sampling.

        Returns:
            ``(ids, spans, new_state)``; see ``_pycore.UnigramLattice.sample``.
        """
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t n, i, j, k, pick, count
        cdef double th, x, total, target, acc
        cdef uint64_t s, value
        cdef LatticeNode* nd
        cdef vector[vector[int32_t]] ends   # node indices ending at j, starts ascending
        cdef vector[int32_t] starts
        cdef vector[double] probs
        cdef double neg_inf = -INFINITY
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if not isinstance(state, int) or not 0 <= state <= _MASK64:
            raise ValueError(f"state must be an int in [0, 2**64), got {state!r}")
        th = float(theta)
        s = state
        n = self._load(word)
        with nogil:
            self._build(wk, n)
            starts.resize(wk.nodes.size())
            ends.resize(n + 1)
            wk.alpha.assign(n + 1, neg_inf)
            wk.alpha[0] = 0.0
            for i in range(n):
                for k in range(wk.first[i], wk.first[i + 1]):
                    nd = &wk.nodes[k]
                    starts[k] = <int32_t>i
                    ends[nd.end].push_back(<int32_t>k)
                    x = wk.alpha[i] + th * nd.score
                    if wk.alpha[nd.end] == neg_inf:
                        wk.alpha[nd.end] = x
                    else:
                        wk.alpha[nd.end] = _log_add(wk.alpha[nd.end], x)
            wk.path.clear()
            j = n
            count = 0
            while j > 0:
                probs.clear()
                total = 0.0
                for k in range(<Py_ssize_t>ends[j].size()):
                    nd = &wk.nodes[ends[j][k]]
                    x = exp(wk.alpha[starts[ends[j][k]]] + th * nd.score - wk.alpha[j])
                    probs.push_back(x)
                for k in range(<Py_ssize_t>probs.size()):
                    total += probs[k]
                value = _splitmix64(&s)
                target = <double>(value >> 11) * _INV_2_53 * total
                pick = <Py_ssize_t>probs.size() - 1
                acc = 0.0
                for k in range(<Py_ssize_t>probs.size()):
                    acc += probs[k]
                    if target < acc:
                        pick = k
                        break
                k = ends[j][pick]
                i = starts[k]
                wk.path.push_back(<int32_t>i)
                wk.path.push_back(<int32_t>j)
                wk.path.push_back(wk.nodes[k].id)
                j = i
                count += 1
        ids, spans = self._output(count, False)
        return ids, spans, s

    def expected_counts(self, words, freqs):
        """The E-step: ``(expected count per id, sum of freq x log Z)``."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t w, n
        cdef double f, loglik = 0.0
        cdef vector[double] expected
        _check_corpus(words, freqs)
        expected.assign(len(self._pieces), 0.0)
        for w in range(len(words)):
            word = words[w]
            if not isinstance(word, str):
                raise TypeError(f"words must be str, got {type(word).__name__}")
            f = float(freqs[w])
            n = self._load(word)
            if n == 0:
                continue
            with nogil:
                self._build(wk, n)
                loglik += f * self._forward_backward(wk, n, f, expected.data())
        return [expected[w] for w in range(<Py_ssize_t>expected.size())], loglik

    def viterbi_counts(self, words, freqs):
        """How often each id is on the Viterbi path, weighted by word frequency."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t w, n, k, count
        cdef int64_t f
        cdef int32_t pid
        cdef vector[int64_t] counts
        _check_corpus(words, freqs)
        counts.assign(len(self._pieces), 0)
        for w in range(len(words)):
            word = words[w]
            if not isinstance(word, str):
                raise TypeError(f"words must be str, got {type(word).__name__}")
            f = freqs[w]
            n = self._load(word)
            with nogil:
                self._build(wk, n)
                count = self._viterbi(wk, n, False)
                for k in range(count):
                    pid = wk.path[3 * k + 2]
                    if pid >= 0:
                        counts[pid] += f
        return [counts[w] for w in range(<Py_ssize_t>counts.size())]

    def expected_counts_part(self, const uint32_t[::1] cps, const int64_t[::1] offsets,
                             const double[::1] freqs, Py_ssize_t start, Py_ssize_t step,
                             double[::1] out):
        """E-step over words ``start, start + step, ...`` of a packed table, without the GIL.

        See ``_pycore.UnigramLattice.expected_counts_part``.
        """
        cdef LatticeWork work
        cdef Py_ssize_t nw, wi, n, j
        cdef int64_t base
        cdef double loglik = 0.0
        nw = offsets.shape[0] - 1
        if freqs.shape[0] != nw or out.shape[0] != len(self._pieces) or step < 1 or start < 0:
            raise ValueError("expected_counts_part: inconsistent table, out size or range")
        with nogil:
            wi = start
            while wi < nw:
                base = offsets[wi]
                n = <Py_ssize_t>(offsets[wi + 1] - base)
                if n > 0:
                    work.cps.resize(n)
                    for j in range(n):
                        work.cps[j] = cps[base + j]
                    self._build(&work, n)
                    loglik += freqs[wi] * self._forward_backward(&work, n, freqs[wi], &out[0])
                wi += step
        return loglik

    def viterbi_counts_part(self, const uint32_t[::1] cps, const int64_t[::1] offsets,
                            const int64_t[::1] freqs, Py_ssize_t start, Py_ssize_t step,
                            int64_t[::1] out):
        """Viterbi counts over words ``start, start + step, ...``, added to ``out``, no GIL."""
        cdef LatticeWork work
        cdef Py_ssize_t nw, wi, n, j, k, count
        cdef int64_t base
        cdef int32_t pid
        nw = offsets.shape[0] - 1
        if freqs.shape[0] != nw or out.shape[0] != len(self._pieces) or step < 1 or start < 0:
            raise ValueError("viterbi_counts_part: inconsistent table, out size or range")
        with nogil:
            wi = start
            while wi < nw:
                base = offsets[wi]
                n = <Py_ssize_t>(offsets[wi + 1] - base)
                work.cps.resize(n)
                for j in range(n):
                    work.cps[j] = cps[base + j]
                self._build(&work, n)
                count = self._viterbi(&work, n, False)
                for k in range(count):
                    pid = work.path[3 * k + 2]
                    if pid >= 0:
                        out[pid] += freqs[wi]
                wi += step

    def alternatives(self):
        """Per id: None (removable), [] (no alternative) or its second segmentation."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t i, n, count, k
        out = []
        for i in range(len(self._pieces)):
            piece = self._pieces[i]
            if piece is None or len(piece) == 1:
                out.append([])
                continue
            n = self._load(piece)
            with nogil:
                self._build(wk, n)
                count = self._viterbi(wk, n, False)
            if count != 1:
                out.append(None)
                continue
            with nogil:
                count = self._viterbi(wk, n, True)
            out.append([wk.path[3 * k + 2] for k in range(count - 1, -1, -1)])
        return out


def top_substrings(words, freqs, char_classes, max_len, limit, ends=None):
    """The most frequent valid substrings (seed pieces); see ``_pycore.top_substrings``."""
    cdef vector[int64_t] wend
    cdef unordered_map[uint32_t, int32_t] classes
    cdef vector[uint32_t] cps
    cdef vector[int32_t] cls
    cdef vector[int64_t] offsets
    cdef vector[int64_t] wfreq
    cdef unordered_map[uint64_t, int32_t] child
    cdef unordered_map[uint64_t, int32_t].iterator it
    cdef vector[int64_t] nfreq
    cdef vector[int32_t] nnext         # first follower: -2 none yet, -1 end of word
    cdef vector[uint8_t] nbranch
    cdef vector[int32_t] ndepth
    cdef vector[int32_t] nword
    cdef vector[int32_t] nstart
    cdef vector[int64_t] scores
    cdef Py_ssize_t w, i, j, n, nw, stop
    cdef int64_t base, f, threshold
    cdef int32_t node, c, s, prev, first, follower
    cdef uint64_t key
    cdef Py_UCS4 ch
    cdef unordered_map[uint32_t, int32_t].iterator it_c
    _check_corpus(words, freqs)
    _check_substring_options(char_classes, max_len, limit)
    if max_len < 1 or limit < 0:
        raise ValueError(f"max_len must be >= 1 and limit >= 0, got {max_len}, {limit}")
    cdef Py_ssize_t mlen = max_len
    cdef Py_ssize_t lim = limit
    for key_ch, value in char_classes.items():
        classes[<uint32_t>ord(key_ch)] = <int32_t>value
    nw = len(words)
    if ends is not None and len(ends) != len(words):
        raise ValueError(f"got {len(words)} words but {len(ends)} ends")
    for w in range(nw):
        offsets.push_back(<int64_t>cps.size())
        wfreq.push_back(freqs[w])
        wend.push_back(ends[w] if ends is not None else 0)
        for ch in <str>words[w]:
            cps.push_back(<uint32_t>ch)
            it_c = classes.find(<uint32_t>ch)
            cls.push_back(deref(it_c).second if it_c != classes.end() else _C_FORBIDDEN)
    offsets.push_back(<int64_t>cps.size())
    with nogil:
        nfreq.push_back(0)
        nnext.push_back(-2)
        nbranch.push_back(0)
        ndepth.push_back(0)
        nword.push_back(-1)
        nstart.push_back(-1)
        for w in range(nw):
            base = offsets[w]
            n = offsets[w + 1] - base
            f = wfreq[w]
            for i in range(n):
                first = cls[base + i]
                if first == _C_FORBIDDEN or first == _C_ALONE:
                    continue
                prev = _C_ANY
                if first != _C_SPACE and first != _C_INHERITED:
                    prev = first
                key = <uint64_t>cps[base + i]
                it = child.find(key)
                if it == child.end():
                    # A one-char node: never a candidate, but the root of longer ones.
                    node = <int32_t>nfreq.size()
                    child[key] = node
                    nfreq.push_back(0)
                    nnext.push_back(-2)
                    nbranch.push_back(0)
                    ndepth.push_back(1)
                    nword.push_back(<int32_t>w)
                    nstart.push_back(<int32_t>i)
                else:
                    node = deref(it).second
                stop = i + mlen
                if stop > n:
                    stop = n
                for j in range(i + 1, stop):
                    c = cls[base + j]
                    if c == _C_FORBIDDEN or c == _C_SPACE or c == _C_ALONE:
                        break
                    s = prev if c == _C_INHERITED else c
                    if s != _C_ANY and prev != _C_ANY and s != prev:
                        break
                    prev = s
                    key = ((<uint64_t>node) << 21) | <uint64_t>cps[base + j]
                    it = child.find(key)
                    if it == child.end():
                        node = <int32_t>nfreq.size()
                        child[key] = node
                        nfreq.push_back(0)
                        nnext.push_back(-2)
                        nbranch.push_back(0)
                        ndepth.push_back(<int32_t>(j - i + 1))
                        nword.push_back(<int32_t>w)
                        nstart.push_back(<int32_t>i)
                    else:
                        node = deref(it).second
                    nfreq[node] += f
                    # A word end is followed by the next word's "▁" (-1) or by the
                    # end of the sentence (-3), or both (see _pycore).
                    if j + 1 < n:
                        follower = <int32_t>cps[base + j + 1]
                    elif wend[w] == 0:
                        follower = -1
                    elif wend[w] >= f:
                        follower = -3
                    else:
                        follower = -1
                        nbranch[node] = 1
                    if nnext[node] == -2:
                        nnext[node] = follower
                    elif nnext[node] != follower:
                        nbranch[node] = 1
        for i in range(<Py_ssize_t>nfreq.size()):
            if nbranch[i] and ndepth[i] >= 2:
                scores.push_back(-(nfreq[i] * ndepth[i]))
    threshold = 0
    if lim == 0:
        return []
    if <Py_ssize_t>scores.size() > lim:
        nth_element(scores.begin(), scores.begin() + (lim - 1), scores.end())
        threshold = -scores[lim - 1]
    cands = []
    for i in range(<Py_ssize_t>nfreq.size()):
        if nbranch[i] and ndepth[i] >= 2 and nfreq[i] * ndepth[i] >= threshold:
            word = words[nword[i]]
            piece = word[nstart[i]:nstart[i] + ndepth[i]]
            cands.append((-(nfreq[i] * ndepth[i]), piece, nfreq[i]))
    cands.sort()
    return [(k, fr) for _, k, fr in cands[:limit]]


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

cdef int64_t _NO_RANK = _MAX_ID + 1


cdef class ByteRankMerger:
    """tiktoken's encoding rule over a rank table; same surface as ``_pycore``'s.

    The scan is tiktoken's: keep the rank of every adjacent pair of parts, merge
    the leftmost lowest, refresh its two neighbours. Quadratic in the piece
    length, like tiktoken, which is fine for regex-split pieces.

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


__all__ += ["ByteRankMerger"]


include "_scan.pxi"
include "_likelihood.pxi"
include "_encode.pxi"
include "_spencode.pxi"
include "_spsegment.pxi"
include "_bertencode.pxi"
