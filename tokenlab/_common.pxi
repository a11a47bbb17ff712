# Included first by _core.pyx: what every native part shares. Twin of _pycommon.py.
#
# The id and count bounds and their entry checks, pairs packed in one 64-bit key, the
# exact likelihood comparison, and the encoders' output helpers (UTF-8 writer, id lists,
# the column buffer).

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.long cimport PyLong_FromLongLong
from cpython.ref cimport Py_INCREF
from libc.string cimport memcpy

__all__ += ["MAX_ID", "MAX_TOTAL"]

#: Largest symbol id either core accepts (ids are stored as int32).
MAX_ID = 2 ** 31 - 2
#: Largest total of count x word length (bounds every count: no overflow).
MAX_TOTAL = 2 ** 63 - 1
cdef int64_t _MAX_ID = 2 ** 31 - 2
cdef object _MAX_COUNT = 2 ** 63 - 1
cdef uint64_t _LOW32 = 0xFFFFFFFFu

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
    """Entry checks for (unique words, frequencies), as ``_pycommon._check_corpus``."""
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


cdef inline Py_ssize_t _utf8_len(uint32_t cp) noexcept nogil:
    if cp < 0x80:
        return 1
    if cp < 0x800:
        return 2
    if cp < 0x10000:
        return 3
    return 4


cdef inline Py_ssize_t _utf8_put(char* out, uint32_t cp) noexcept nogil:
    # Write the UTF-8 bytes of cp (a lone surrogate: its 3-byte form, "surrogatepass").
    if cp < 0x80:
        out[0] = <char>cp
        return 1
    if cp < 0x800:
        out[0] = <char>(0xC0 | (cp >> 6))
        out[1] = <char>(0x80 | (cp & 0x3F))
        return 2
    if cp < 0x10000:
        out[0] = <char>(0xE0 | (cp >> 12))
        out[1] = <char>(0x80 | ((cp >> 6) & 0x3F))
        out[2] = <char>(0x80 | (cp & 0x3F))
        return 3
    out[0] = <char>(0xF0 | (cp >> 18))
    out[1] = <char>(0x80 | ((cp >> 12) & 0x3F))
    out[2] = <char>(0x80 | ((cp >> 6) & 0x3F))
    out[3] = <char>(0x80 | (cp & 0x3F))
    return 4


cdef list _id_list(const int64_t* ids, Py_ssize_t n):
    cdef list out = PyList_New(n)
    cdef Py_ssize_t i
    for i in range(n):
        item = PyLong_FromLongLong(ids[i])
        Py_INCREF(item)
        PyList_SET_ITEM(out, i, item)
    return out


cdef bytes _columns(const vector[int64_t]& ids, const vector[int64_t]& starts,
                    const vector[int64_t]& ends, const vector[int64_t]& words):
    # The four int64 columns of an encoder's output in one buffer (see encode_columns).
    cdef Py_ssize_t n = <Py_ssize_t>ids.size()
    cdef bytes out = PyBytes_FromStringAndSize(NULL, n * 32)
    cdef char* p = out
    if n:
        memcpy(p, ids.data(), n * 8)
        memcpy(p + n * 8, starts.data(), n * 8)
        memcpy(p + n * 16, ends.data(), n * 8)
        memcpy(p + n * 24, words.data(), n * 8)
    return out


# -- the merge loops' queue ---------------------------------------------------------------
# Every ranked-merge loop (MergeTable, ByteRankMerger, ByteLevelEncoder) merges, among the
# adjacent pairs of a doubly linked list of symbols, the pair of lowest key (its rank),
# leftmost on ties. A min-heap of (key, position) pops exactly that pair: positions keep
# the list's order (a merged symbol keeps its left part's position), and an entry whose
# position no longer holds that key is stale and skipped (lazy invalidation). So a piece
# of n symbols takes O(n log n) instead of the scan's O(n^2). Those three loops pack the
# entry into one integer (rank << _PACK_SHIFT | position) in a 4-ary heap; the
# SentencePiece one (_spencode.pxi) keys by score and keeps the (key, position) pairs of
# a binary heap.

# (Both heaps are declared in _core.pxd, which the workspaces' fields need.)

# Pieces of at most this many symbols are merged by the plain scan, which is faster for
# them than the heap (no allocation, better locality); longer ones use the heap.
cdef Py_ssize_t _MERGE_SCAN_MAX = 64

# The packed merge heap's keys (_core.pxd): rank << _PACK_SHIFT | position. Ranks are ids
# or below _MAX_ID + 2 < 2 ** 31, so 33 bits remain for the position: pieces of up to
# 8 GiB.
cdef int _PACK_SHIFT = 33
cdef uint64_t _PACK_POS = (<uint64_t>1 << 33) - 1
