# Included at the end of _core.pyx, after _encode.pxi: the fast encoder of
# SentencePiece-style pipelines (Unigram, and SentencePiece BPE).
#
# The pure twin is tokenlab/_pyspencode.py; tests/test_sp_encode_fast.py checks that both
# give exactly what the general pipeline (NormalizedString, the pre-tokenizer objects,
# then the model word by word) gives, and what sentencepiece gives.
#
# One call goes from a str to token ids (and, when asked, char offsets and word indices)
# without a Python object per step or word:
# 1. SentencePiece's normalization (tokenlab.normalizers.SentencePieceNormalizer): the
#    precompiled charsmap is walked over the UTF-8 bytes of the text exactly as
#    CharsMap._segments_exact walks it (longest key at each byte; else one char copied,
#    or U+FFFD for a byte that starts no valid char), then SentencePiece's whitespace
#    loop (strip, collapse, dummy prefix, spaces as U+2581), each output char keeping
#    the span of original chars it came from;
# 2. the Metaspace pre-tokenizer: cut before each replacement char;
# 3. each word: a word cache (code points -> ids and spans), else the Viterbi of the
#    model's own UnigramLattice (its _build and _viterbi, on this workspace's buffers),
#    unknown runs fused and, with byte fallback, spelt as their UTF-8 byte pieces; for
#    a model without a lattice (SentencePiece BPE), its own word function, called with
#    the GIL on a cache miss only.
# All of it runs without the GIL (but those calls), so `encode_many` calls from several
# threads run in parallel.

from cpython.list cimport PyList_GET_ITEM
from cpython.unicode cimport PyUnicode_4BYTE_KIND
from libc.string cimport memcmp

import sys

cdef uint32_t _SP_HAS_LEAF = 1u << 8
cdef uint32_t _SP_LABEL_MASK = (1u << 31) | 0xFFu
cdef uint32_t _SP_VALUE_MASK = (1u << 31) - 1
# How many words ahead the encoder fetches cache slots (half as far: arena entries).
cdef Py_ssize_t _SP_AHEAD = 8

cdef extern from *:
    """
    static inline void _sp_prefetch(const void* p) { __builtin_prefetch(p); }
    """
    void _sp_prefetch(const void* p) noexcept nogil

# Words longer than this (in chars) are segmented every time instead of cached.
cdef size_t _SP_CACHE_MAX_WORD = 64
# A workspace clears its cache when it holds more words than this.
cdef size_t _SP_CACHE_MAX_WORDS = 1 << 18


cdef inline uint64_t _score_key(double score) noexcept nogil:
    # A merge-heap key that sorts higher scores first: the IEEE-754 bits of the score made
    # monotone (negative scores flipped), then inverted. Adding 0.0 turns -0.0 into 0.0,
    # so equal scores give equal keys (and the position breaks the tie, as in the scan).
    cdef double x = score + 0.0
    cdef uint64_t bits
    memcpy(&bits, &x, 8)
    if bits >> 63:
        bits = ~bits
    else:
        bits |= (<uint64_t>1) << 63
    return ~bits


cdef inline bint _sp_safe(double acc, double margin, double best, Py_ssize_t k,
                          Py_ssize_t n, double unk_score) noexcept nogil:
    # Whether the exact best path of a word (k pieces of n chars, score `best`, ahead
    # of every other path by `margin`; no score above 0) is also what sentencepiece's
    # float32 Viterbi picks from the running total `acc`. No rebase may happen inside
    # the word: every position is reached by a path of single chars, each at least
    # the unknown score. Every float32 sum along a path is off by at most half a step
    # (2 ** (e - 24) below 2 ** e, e bounding every partial sum of the paths within
    # reach); the picked path Q and the best P then satisfy exact(P) - exact(Q) <=
    # err(P) + err(Q) <= (k + n) / 2 steps (Q has at most n pieces). Paths further
    # behind than |acc| + |best| have more slack than error. The last term covers
    # the double sums the margin was computed with.
    cdef uint64_t bits
    cdef double step
    cdef double x = 2.0 * (fabs(acc) + fabs(best)) * (1.0 + 1e-6) + 1e-30
    if fabs(acc) + <double>n * fabs(unk_score) * (1.0 + 1e-6) + 1.0 > _SP_RESET:
        return False
    # x in [2 ** E, 2 ** (E + 1)): the half step below 2 ** (E + 1) is 2 ** (E - 24),
    # made from x's exponent bits (frexp and ldexp were a fortieth of the encoding).
    memcpy(&bits, &x, 8)
    bits = ((bits >> 52) - 24) << 52
    memcpy(&step, &bits, 8)
    return margin > <double>(k + n) * step + x * 1e-12


cdef inline double _sp_fold(double acc, const double* scores, double unk_score,
                            const int32_t* raw, Py_ssize_t k) noexcept nogil:
    # The running total after the path raw[:k] (-1: an unknown char), each step
    # rounded to float32 as sentencepiece keeps it.
    cdef Py_ssize_t i
    for i in range(k):
        acc = <double><float>(acc + (scores[raw[i]] if raw[i] >= 0 else unk_score))
    return acc


cdef inline uint32_t _sp_offset(uint32_t unit) noexcept nogil:
    # darts-clone: bits 10-31 hold the XOR offset, shifted left by 8 more when bit 9 is set.
    return (unit >> 10) << ((unit & (1u << 9)) >> 6)


cdef inline uint64_t _sp_span(int32_t start, int32_t end) noexcept nogil:
    # A normalized char's source chars [start, end), packed in one word (two 32-bit
    # fields written and then read as a struct stall the store buffer).
    return (<uint64_t><uint32_t>start) | ((<uint64_t><uint32_t>end) << 32)


cdef inline int32_t _sp_start(uint64_t span) noexcept nogil:
    return <int32_t><uint32_t>(span & 0xFFFFFFFFu)


cdef inline int32_t _sp_end(uint64_t span) noexcept nogil:
    return <int32_t><uint32_t>(span >> 32)


@cython.final
cdef class _SentencePieceWork:
    """Scratch buffers and the word cache of one thread of Unigram encoding."""

    def __cinit__(self):
        self._reset_cache()

    cdef void _reset_cache(self) noexcept nogil:
        cdef _SpSlot empty
        empty.hash = 0
        empty.at = 0
        empty.key_size = 0
        empty.val_size = 0
        self.slots.assign(4096, empty)
        self.arena.clear()
        self.words = 0

    cdef void _grow(self) noexcept nogil:
        cdef _SpSlot empty
        empty.hash = 0
        empty.at = 0
        empty.key_size = 0
        empty.val_size = 0
        cdef vector[_SpSlot] old
        old.swap(self.slots)
        self.slots.assign(old.size() * 2, empty)
        cdef uint64_t mask = self.slots.size() - 1, pos
        cdef size_t i
        for i in range(old.size()):
            if old[i].key_size:
                pos = old[i].hash & mask
                while self.slots[pos].key_size:
                    pos = (pos + 1) & mask
                self.slots[pos] = old[i]

    cdef void _copy_cache(self, _SentencePieceWork other) noexcept:
        self.slots = other.slots
        self.arena = other.arena
        self.words = other.words

    cdef void _clear_out(self) noexcept nogil:
        self.out_ids.clear()
        self.out_start.clear()
        self.out_end.clear()
        self.out_word.clear()
        self.out_count.clear()
        self.out_words.clear()


@cython.final
cdef class SentencePieceEncoder:
    """Text -> token ids (and offsets) of a SentencePiece-style pipeline in one native call.

    Same surface as ``_pyspencode.SentencePieceEncoder``. The pipeline is:
    optionally SentencePiece's normalizer; optionally the Metaspace pre-tokenizer
    (else the whole normalized text is one word); then each word is either
    segmented by a Unigram ``lattice`` (Viterbi; runs of unknown chars fused into
    one ``unk_id`` token or, with ``byte_ids``, spelt as the byte pieces of their
    UTF-8), or given to a word function (a model's ``tokenize``). Words are cached.

    Args:
        lattice: the model's ``UnigramLattice`` (of this core), or a function
            ``word -> (ids, spans)`` giving a word's tokens and their char spans in it.
        unk_id: the id of the unknown token (lattices only).
        byte_ids: None (no byte fallback), or the id of each of the 256 byte pieces
            (None for a missing one: a run with such a byte stays unknown); lattices only.
        normalizer: None, or ``(charsmap, add_dummy_prefix, remove_extra_whitespaces,
            escape_whitespaces, treat_whitespace_as_suffix)``; ``charsmap`` is a
            ``precompiled_charsmap`` blob (empty: identity) or a ``CharsMap``.
            Optionally two more: the user-defined symbols (kept out of normalization,
            longest first at each step, as SentencePiece's prefix matcher), and
            ``collapse_last``: a collapsed run of spaces keeps the span of its last
            space (``tokenizers``' Replace), not its first (SentencePiece).
        metaspace: None, or ``(replacement, prepend, split)``: spaces become the one
            char ``replacement``, which is put in front of a text that does not start
            with it when ``prepend``, and the text is cut before each one when ``split``.

    Raises:
        TypeError, ValueError: malformed arguments.

    >>> lat = UnigramLattice(["<unk>", "▁a", "b", "▁"], [0.0, -1.0, -2.0, -3.0], 0, -12.0)
    >>> enc = SentencePieceEncoder(lat, 0, None, (b"", True, True, True, False), ("▁", True, True))
    >>> enc.encode("  a b c ")
    [1, 3, 2, 3, 0]
    """

    def __init__(self, lattice, unk_id, byte_ids, normalizer, metaspace):
        cdef Py_ssize_t b, size
        cdef bytes blob
        if isinstance(lattice, tuple) and len(lattice) == 2:
            lattice, self._tokenize = lattice
            self._merges = True
            if not isinstance(lattice, UnigramLattice) or not callable(self._tokenize):
                raise TypeError("a merging segmenter is (UnigramLattice, word function)")
        if isinstance(lattice, UnigramLattice):
            self._lat = lattice
        elif callable(lattice):
            self._tokenize = lattice
        else:
            raise TypeError(
                "lattice must be a UnigramLattice, a word function or both, got "
                f"{type(lattice).__name__}"
            )
        self._unk = _check_id(unk_id, "unk_id")
        self._pool = []
        self._ints = list(range(len(self._lat))) if self._lat is not None else []
        # A .model's Unigram: words scored in the text's running float32 total.
        self._ctx = self._lat is not None and not self._merges and self._lat._f32
        self._bounded = self._ctx and self._lat._unk_score <= 0.0
        if self._ctx:
            for b in range(len(self._lat._pieces)):
                if self._lat._pieces[b] is not None and self._lat._scores[b] > 0.0:
                    self._bounded = False
        self._byte_fallback = byte_ids is not None
        for b in range(256):
            self._byte_ids[b] = -1
        if byte_ids is not None:
            if len(byte_ids) != 256:
                raise ValueError(f"byte_ids must hold 256 ids, got {len(byte_ids)}")
            for b in range(256):
                if byte_ids[b] is not None:
                    self._byte_ids[b] = _check_id(byte_ids[b], "byte id")
        self._normalize = normalizer is not None
        for b in range(256):
            self._user_first[b] = False
        if normalizer is not None:
            if not isinstance(normalizer, tuple) or len(normalizer) not in (5, 6, 7):
                raise ValueError("normalizer must be a tuple of 5 to 7 items")
            charsmap, dummy, remove_ws, escape, suffix = normalizer[:5]
            self._user_symbols(normalizer[5] if len(normalizer) > 5 else ())
            self._collapse_last = len(normalizer) > 6 and bool(normalizer[6])
            self._dummy = bool(dummy)
            self._remove_ws = bool(remove_ws)
            self._escape = bool(escape)
            self._suffix = bool(suffix)
            blob = charsmap if isinstance(charsmap, bytes) else charsmap.to_bytes()
            if blob:
                if len(blob) < 8:
                    raise ValueError("precompiled charsmap is truncated")
                size = int.from_bytes(blob[:4], "little")
                if size == 0 or size % 4 or size > len(blob) - 4:
                    raise ValueError("precompiled charsmap has an inconsistent trie size")
                if sys.byteorder != "little":  # pragma: no cover
                    raise ValueError("the native Unigram encoder needs a little-endian host")
                self._units.resize(size // 4)
                memcpy(self._units.data(), <const char*>blob + 4, size)
                self._values = blob[4 + size :]
        self._tables()
        for b in range(128):
            # Copied as it is wherever an ASCII byte follows: no user symbol, no space.
            self._plain[b] = b != 32 and not self._user_first[b] and (
                self._root_fail[b] or self._ascii_copy[b]
            )
        self._metaspace = metaspace is not None
        if metaspace is not None:
            rep, prepend, split = metaspace
            if not isinstance(rep, str) or len(rep) != 1:
                raise ValueError(f"the Metaspace replacement must be one char, got {rep!r}")
            self._rep = ord(rep)
            self._prepend = bool(prepend)
            self._split = bool(split)

    cdef int _user_symbols(self, symbols) except -1:
        # SentencePiece's prefix matcher of user-defined pieces: at each step of the
        # charsmap walk the longest symbol found there is copied as it is.
        cdef bytes u8
        cdef list ordered
        if isinstance(symbols, str) or not all(isinstance(x, str) and x for x in symbols):
            raise TypeError("user-defined symbols must be non-empty strs")
        ordered = sorted(set(symbols), key=lambda x: (-len(x.encode("utf-8", "surrogatepass")), x))
        for sym in ordered:
            u8 = sym.encode("utf-8", "surrogatepass")
            self._user_u8.push_back(u8)
            self._user_cps.push_back([ord(ch) for ch in sym])
            self._user_first[u8[0]] = True
        return 0

    cdef Py_ssize_t _user_match(self, const uint8_t* u8, Py_ssize_t stop,
                                Py_ssize_t pos) noexcept nogil:
        # The index of the longest user-defined symbol at byte pos, or -1.
        cdef size_t k, size
        for k in range(self._user_u8.size()):
            size = self._user_u8[k].size()
            if <size_t>(stop - pos) >= size and memcmp(
                u8 + pos, self._user_u8[k].data(), size
            ) == 0:
                return <Py_ssize_t>k
        return -1

    def __repr__(self):
        return (f"SentencePieceEncoder(normalize={bool(self._normalize)}, "
                f"metaspace={bool(self._metaspace)}, byte_fallback={bool(self._byte_fallback)})")

    def clear_cache(self):
        """Forget the cached words (they never change results, only speed)."""
        for w in self._pool:
            (<_SentencePieceWork>w)._reset_cache()
        self._seed = None

    # -- 1. normalization ----------------------------------------------------------------

    cdef void _tables(self) noexcept:
        # Shortcuts of _longest for the common bytes: a byte no key starts with, and an
        # ASCII byte that matches nothing when an ASCII byte (or the end) follows it: it is
        # not a key, and no key goes on from it with an ASCII byte.
        cdef uint32_t n = <uint32_t>self._units.size(), node, u, c, d, first
        for c in range(256):
            node = (_sp_offset(self._units[0]) ^ c) if n else 0
            self._root_fail[c] = n == 0 or node >= n or (self._units[node] & _SP_LABEL_MASK) != c
        for c in range(128):
            self._ascii_copy[c] = True
            if self._root_fail[c]:
                continue
            u = self._units[_sp_offset(self._units[0]) ^ c]
            first = (_sp_offset(self._units[0]) ^ c) ^ _sp_offset(u)     # c's node
            if u & _SP_HAS_LEAF:
                self._ascii_copy[c] = False                             # c is a key
                continue
            for d in range(128):
                node = first ^ d
                if node < n and (self._units[node] & _SP_LABEL_MASK) == d:
                    self._ascii_copy[c] = False                         # a key goes on
                    break

    cdef int64_t _longest(self, const uint8_t* u8, Py_ssize_t stop,
                          Py_ssize_t pos) noexcept nogil:
        # CharsMap._longest_match: the longest key at byte pos as (its length in bytes
        # << 32) | the offset of its value, or -1.
        cdef Py_ssize_t n = <Py_ssize_t>self._units.size(), i
        cdef uint32_t node, u, c
        cdef int64_t best = -1
        if n == 0:
            return -1
        node = _sp_offset(self._units[0])
        for i in range(pos, stop):
            c = u8[i]
            node ^= c
            if node >= <uint32_t>n:
                break
            u = self._units[node]
            if (u & _SP_LABEL_MASK) != c:
                break
            node ^= _sp_offset(u)
            if (u & _SP_HAS_LEAF) and node < <uint32_t>n:
                best = ((<int64_t>(i + 1 - pos)) << 32) | (self._units[node] & _SP_VALUE_MASK)
        return best

    cdef void _value(self, _SentencePieceWork w, int64_t where) noexcept nogil:
        # Append the replacement at byte `where` of the strings (UTF-8, NUL-terminated)
        # to value_buf as code points; the reader checked it is valid UTF-8.
        cdef Py_ssize_t i = <Py_ssize_t>where, stop = <Py_ssize_t>self._values.size()
        cdef uint32_t c, cp
        cdef int more
        while i < stop:
            c = <uint8_t>self._values[i]
            if c == 0:
                break
            if c < 0x80:
                cp = c
                more = 0
            elif c < 0xE0:
                cp = c & 0x1F
                more = 1
            elif c < 0xF0:
                cp = c & 0x0F
                more = 2
            else:
                cp = c & 0x07
                more = 3
            i += 1
            while more and i < stop:
                cp = (cp << 6) | (<uint8_t>self._values[i] & 0x3F)
                i += 1
                more -= 1
            w.value_buf.push_back(cp)

    cdef void _normalize_text(self, _SentencePieceWork w, const uint8_t* ascii) noexcept nogil:
        # SentencePieceNormalizer._run over w.src, streamed: each step of the charsmap
        # walk (CharsMap._segments_exact: the longest key at a byte, else one char
        # copied, or U+FFFD for a byte that starts no valid char) goes straight through
        # the whitespace loop into w.norm, with its source span in w.al. `ascii` is the
        # text itself when it is ASCII (then it is its own UTF-8), else NULL.
        cdef Py_ssize_t n = <Py_ssize_t>w.src.size(), i, pos, size, length, a, z, user
        cdef int64_t value
        cdef uint32_t ch, c
        cdef uint32_t space = 0x2581 if self._escape else 32
        cdef const uint8_t* u8
        cdef const uint32_t* out
        cdef Py_ssize_t out_len
        cdef int32_t start, end, consumed = 0
        cdef bint started = not self._remove_ws, prev_space = self._remove_ws
        cdef uint64_t span
        cdef char buf[4]
        w.norm.clear()
        w.al.clear()
        if n == 0:
            return
        w.norm.reserve(n + 2)
        w.al.reserve(n + 2)
        if ascii != NULL:
            u8 = ascii
            size = n
        else:
            # Written in place into buffers sized for the longest UTF-8 (appending byte
            # by byte cost a twentieth of encoding a document).
            if w.u8.size() < <size_t>(4 * n):
                w.u8.resize(4 * n)      # grown only: resizing each time zero-fills it
            if w.byte_char.size() < <size_t>(4 * n + 1):
                w.byte_char.resize(4 * n + 1)
            size = 0
            for i in range(n):
                a = _utf8_put(&w.u8[size], w.src[i])
                for z in range(a):
                    w.byte_char[size + z] = <int32_t>i
                size += a
            w.byte_char[size] = <int32_t>n
            u8 = <const uint8_t*>w.u8.data()
        if started and self._dummy and not self._suffix:
            span = _sp_span(0, 0)
            w.norm.push_back(space)
            w.al.push_back(span)
        pos = 0
        while pos < size:
            if started and u8[pos] < 128 and self._plain[u8[pos]]:
                # A run of ASCII chars that are copied as they are and are no space:
                # written in one step (most of an English text).
                z = pos + 1
                while z < size and u8[z] < 128 and self._plain[u8[z]]:
                    z += 1
                if self._ascii_copy[u8[z - 1]] and not self._root_fail[u8[z - 1]]:
                    if z < size and u8[z] >= 128:
                        z -= 1  # some key is this char and a non-ASCII byte: not plain
                if z > pos:
                    i = pos if ascii != NULL else w.byte_char[pos]
                    a = <Py_ssize_t>w.norm.size()
                    w.norm.resize(a + z - pos)
                    w.al.resize(a + z - pos)
                    for length in range(z - pos):
                        w.norm[a + length] = u8[pos + length]
                        w.al[a + length] = _sp_span(<int32_t>(i + length), <int32_t>(i + length + 1))
                    consumed = <int32_t>(i + z - pos)
                    prev_space = False
                    pos = z
                    continue
            # -- the next step: src[start:end] -> one char ch, or a replacement
            i = pos if ascii != NULL else w.byte_char[pos]
            start = <int32_t>i
            c = u8[pos]
            user = self._user_match(u8, size, pos) if self._user_first[c] else -1
            if user >= 0:
                value = 0
            elif self._root_fail[c] or (
                c < 128 and self._ascii_copy[c] and (pos + 1 == size or u8[pos + 1] < 128)
            ):
                value = -1
            else:
                value = self._longest(u8, size, pos)
            if value < 0:
                end = start + 1
                ch = w.src[i]
                if ascii != NULL or (
                    (pos == 0 or w.byte_char[pos - 1] != i) and not (0xD800 <= ch <= 0xDFFF)
                ):
                    # the first byte of a valid char: the char is copied
                    pos += _utf8_len(ch)
                else:
                    # a byte that starts no valid UTF-8 char (lone surrogates)
                    ch = 0xFFFD
                    pos += 1
                # -- the whitespace loop, for a step of one char
                if not started:
                    if ch == 32:
                        continue        # leading space
                    started = True
                    if self._dummy and not self._suffix:
                        w.norm.push_back(space)
                        w.al.push_back(_sp_span(start, start))
                if not (prev_space and ch == 32):
                    w.norm.push_back(space if ch == 32 else ch)
                    w.al.push_back(_sp_span(start, end))
                    prev_space = ch == 32 and self._remove_ws
                elif self._collapse_last and w.norm.size() and w.norm.back() == space:
                    w.al[w.al.size() - 1] = _sp_span(start, end)
                consumed = end
                continue
            if user >= 0:
                # a user-defined symbol: one step that writes the symbol itself
                length = <Py_ssize_t>self._user_u8[user].size()
                w.value_buf.assign(self._user_cps[user].begin(), self._user_cps[user].end())
            else:
                length = <Py_ssize_t>(value >> 32)
                w.value_buf.clear()
                self._value(w, value & <int64_t>0xFFFFFFFF)
            end = <int32_t>(pos + length if ascii != NULL else w.byte_char[pos + length - 1] + 1)
            out = w.value_buf.data()
            out_len = <Py_ssize_t>w.value_buf.size()
            pos += length
            # -- the whitespace loop
            if not started:
                if out_len == 1 and out[0] == 32:
                    continue        # leading space
                started = True
                if self._dummy and not self._suffix:
                    w.norm.push_back(space)
                    w.al.push_back(_sp_span(start, start))
            a = 0
            if prev_space:
                while a < out_len and out[a] == 32:
                    a += 1
                if a and self._collapse_last and w.norm.size() and w.norm.back() == space:
                    w.al[w.al.size() - 1] = _sp_span(start, end)
            if a < out_len:
                span = _sp_span(start, end)
                for z in range(a, out_len):
                    c = out[z]
                    w.norm.push_back(space if c == 32 else c)
                    w.al.push_back(span)
                prev_space = out[out_len - 1] == 32
            if not self._remove_ws:
                prev_space = False
            consumed = end
        if not started:
            return                  # only spaces: no dummy prefix either
        if self._remove_ws:
            while w.norm.size() and w.norm.back() == space:
                w.norm.pop_back()
                consumed = _sp_start(w.al.back())
                w.al.pop_back()
        if self._dummy and self._suffix:
            span = _sp_span(consumed, consumed)
            w.norm.push_back(space)
            w.al.push_back(span)

    # -- 3. one word ---------------------------------------------------------------------

    cdef int _segment(self, _SentencePieceWork w, Py_ssize_t n) except -1 nogil:
        # The tokens of w.lat.cps[:n] into w.tok_*: Viterbi, unknown runs fused, bytes.
        cdef Py_ssize_t count
        w.tok_ids.clear()
        w.tok_start.clear()
        w.tok_end.clear()
        if self._lat is None:
            with gil:
                self._call(w, n)
            return 0
        if self._merges:
            return self._merge(w, n)
        self._lat._build(&w.lat, n)
        if self._ctx:
            # In the text's running total, as sentencepiece's one lattice over the text.
            count = self._lat._viterbi_sp(&w.lat, n, False, w.acc)
            w.acc = w.lat.alpha[n]
        else:
            count = self._lat._viterbi(&w.lat, n, False)
        return self._finish(w, count)

    cdef int _finish(self, _SentencePieceWork w, Py_ssize_t count) except -1 nogil:
        # The Viterbi path in w.lat.path (count pieces) as tokens in w.tok_*: unknown
        # runs fused, spelt as byte pieces with byte fallback.
        cdef Py_ssize_t k, b, q, size
        cdef int32_t start, end, pid
        cdef bint all_bytes
        cdef char buf[4]
        w.tok_ids.clear()
        w.tok_start.clear()
        w.tok_end.clear()
        k = count - 1
        while k >= 0:           # the path is stored last piece first
            start = w.lat.path[3 * k]
            end = w.lat.path[3 * k + 1]
            pid = w.lat.path[3 * k + 2]
            k -= 1
            # Unigram._finish: every unknown id is fused, also a matched piece whose id
            # is the unknown one (a general Unigram can match "<unk>" in the text).
            if pid >= 0 and pid != self._unk:
                w.tok_ids.push_back(pid)
                w.tok_start.push_back(start)
                w.tok_end.push_back(end)
                continue
            while k >= 0 and (w.lat.path[3 * k + 2] < 0 or w.lat.path[3 * k + 2] == self._unk):
                end = w.lat.path[3 * k + 1]
                k -= 1
            if self._byte_fallback:
                # Unigram._finish: a fused run that spells a piece (a typed "<unk>") is it.
                pid = self._piece(w.lat.cps.data(), start, end)
                if pid >= 0:
                    w.tok_ids.push_back(pid)
                    w.tok_start.push_back(start)
                    w.tok_end.push_back(end)
                    continue
                all_bytes = True
                for b in range(start, end):
                    size = _utf8_put(buf, w.lat.cps[b])
                    for q in range(size):
                        if self._byte_ids[<uint8_t>buf[q]] < 0:
                            all_bytes = False
                if all_bytes:
                    for b in range(start, end):
                        size = _utf8_put(buf, w.lat.cps[b])
                        for q in range(size):
                            w.tok_ids.push_back(self._byte_ids[<uint8_t>buf[q]])
                            w.tok_start.push_back(start)
                            w.tok_end.push_back(end)
                    continue
            w.tok_ids.push_back(self._unk)
            w.tok_start.push_back(start)
            w.tok_end.push_back(end)
        return 0

    cdef inline int32_t _piece(self, const uint32_t* cps, Py_ssize_t a,
                               Py_ssize_t c) noexcept nogil:
        # The id of the piece cps[a:c] in the lattice's trie, or -1.
        cdef int32_t node
        cdef Py_ssize_t j
        if cps[a] < _ROOT_SPAN:
            node = self._lat._root[cps[a]]
        else:
            node = self._lat._trie.find(<uint64_t>cps[a], -1)
        j = a + 1
        while node >= 0 and j < c:
            node = self._lat._trie.find(((<uint64_t>node) << 21) | <uint64_t>cps[j], -1)
            j += 1
        return self._lat._node_id[node] if node >= 0 else -1

    cdef int _merge(self, _SentencePieceWork w, Py_ssize_t n) except -1 nogil:
        # SentencePieceBPE.tokenize for a model of normal pieces only: from the chars,
        # merge the adjacent pair whose concatenation is a piece of the highest score,
        # leftmost on ties (its heap pops the same pairs), until none is; then unknown
        # chars: their bytes, or runs of them as one unknown token.
        cdef const uint32_t* cps = w.lat.cps.data()
        cdef Py_ssize_t i, b, size
        cdef int32_t pid
        cdef bint prev_unk = False
        cdef char buf[4]
        w.m_end.resize(n)
        w.m_next.resize(n)
        w.m_prev.resize(n)
        w.m_sym.resize(n)
        w.m_pair.resize(n)
        for i in range(n):
            w.m_end[i] = <int32_t>(i + 1)
            w.m_next[i] = <int32_t>(i + 1) if i + 1 < n else -1
            w.m_prev[i] = <int32_t>(i - 1)
            w.m_sym[i] = self._piece(cps, i, i + 1)
        for i in range(n - 1):
            w.m_pair[i] = self._piece(cps, i, i + 2)
        if n:
            w.m_pair[n - 1] = -1
        if n <= _MERGE_SCAN_MAX:
            self._merge_scan(w)
        else:
            self._merge_heap(w, n)
        i = 0 if n else -1
        while i >= 0:
            pid = w.m_sym[i]
            if pid >= 0:
                w.tok_ids.push_back(pid)
                w.tok_start.push_back(<int32_t>i)
                w.tok_end.push_back(w.m_end[i])
                prev_unk = False
            elif self._byte_fallback:
                # an unknown symbol is one char (merges only make pieces)
                size = _utf8_put(buf, cps[i])
                for b in range(size):
                    w.tok_ids.push_back(self._byte_ids[<uint8_t>buf[b]])
                    w.tok_start.push_back(<int32_t>i)
                    w.tok_end.push_back(w.m_end[i])
                prev_unk = False
            elif prev_unk:
                w.tok_end[w.tok_end.size() - 1] = w.m_end[i]
            else:
                w.tok_ids.push_back(self._unk)
                w.tok_start.push_back(<int32_t>i)
                w.tok_end.push_back(w.m_end[i])
                prev_unk = True
            i = w.m_next[i]
        return 0

    cdef void _merge_scan(self, _SentencePieceWork w) noexcept nogil:
        # Merge the best pair (highest score, leftmost on ties) until none: scan them all.
        cdef const uint32_t* cps = w.lat.cps.data()
        cdef Py_ssize_t i, j, best
        cdef int32_t pid
        cdef double top
        while True:
            best = -1
            top = 0.0
            i = 0
            while i >= 0:
                pid = w.m_pair[i]
                if pid >= 0 and (best < 0 or self._lat._scores[pid] > top):
                    best = i
                    top = self._lat._scores[pid]
                i = w.m_next[i]
            if best < 0:
                break
            j = w.m_next[best]
            w.m_sym[best] = w.m_pair[best]
            w.m_end[best] = w.m_end[j]
            w.m_next[best] = w.m_next[j]
            if w.m_next[j] >= 0:
                w.m_prev[w.m_next[j]] = <int32_t>best
            w.m_pair[best] = -1
            if w.m_next[best] >= 0:
                w.m_pair[best] = self._piece(cps, best, w.m_end[w.m_next[best]])
            if w.m_prev[best] >= 0:
                w.m_pair[w.m_prev[best]] = self._piece(cps, w.m_prev[best], w.m_end[best])

    cdef void _merge_heap(self, _SentencePieceWork w, Py_ssize_t n) noexcept nogil:
        # The same merges as _merge_scan in O(n log n): the pairs in the merge heap (see
        # _common.pxi) keyed by their score, highest first (_score_key), then position.
        # An entry is stale when the pair now at its position has another score.
        cdef const uint32_t* cps = w.lat.cps.data()
        cdef const double* scores = self._lat._scores.data()
        cdef Py_ssize_t i, j, k, p
        cdef int32_t pid
        cdef MergeEntry e
        w.m_heap.clear()
        for i in range(n - 1):
            if w.m_pair[i] >= 0:
                e.key = _score_key(scores[w.m_pair[i]])
                e.pos = i
                w.m_heap.push_back(e)
        _merge_heapify(w.m_heap)
        while not w.m_heap.empty():
            e = _merge_pop(w.m_heap)
            i = <Py_ssize_t>e.pos
            pid = w.m_pair[i]
            if pid < 0 or _score_key(scores[pid]) != e.key:
                continue                    # stale: the pair at i changed since
            j = w.m_next[i]
            k = w.m_next[j]
            w.m_sym[i] = pid
            w.m_end[i] = w.m_end[j]
            w.m_next[i] = <int32_t>k
            w.m_pair[j] = -1
            w.m_pair[i] = -1
            if k >= 0:
                w.m_prev[k] = <int32_t>i
                w.m_pair[i] = self._piece(cps, i, w.m_end[k])
                if w.m_pair[i] >= 0:
                    _merge_push(w.m_heap, _score_key(scores[w.m_pair[i]]), i)
            p = w.m_prev[i]
            if p >= 0:
                w.m_pair[p] = self._piece(cps, p, w.m_end[i])
                if w.m_pair[p] >= 0:
                    _merge_push(w.m_heap, _score_key(scores[w.m_pair[p]]), p)
        if w.m_heap.capacity() > 1 << 16:   # a huge word: give its memory back
            w.m_heap.clear()
            w.m_heap.shrink_to_fit()

    cdef int _call(self, _SentencePieceWork w, Py_ssize_t n) except -1:
        # The model's own word function, on a cache miss (the model has no lattice).
        cdef Py_ssize_t k
        word = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, w.lat.cps.data(), n)
        ids, spans = self._tokenize(word)
        if len(ids) != len(spans):
            raise ValueError("the word function gave as many ids as spans")
        for k in range(len(ids)):
            start, end = spans[k]
            w.tok_ids.push_back(_check_id(ids[k], "token id"))
            w.tok_start.push_back(start)
            w.tok_end.push_back(end)
        return 0

    cdef void _look_ahead(self, _SentencePieceWork w, const uint32_t* text,
                          Py_ssize_t j, bint arena) noexcept nogil:
        # Word j: its hash into w.wh[j] and its first cache slot fetched; or (arena)
        # that slot's arena entry fetched, the slot having arrived by now.
        cdef Py_ssize_t a = w.wb[j], n = w.wb[j + 1] - w.wb[j]
        cdef _SpSlot* slot
        if <size_t>n > _SP_CACHE_MAX_WORD:
            w.wh[j] = 0
            return
        if not arena:
            w.wh[j] = <uint32_t>_hash_bytes(<const char*>(text + a), 4 * n)
            _sp_prefetch(&w.slots[w.wh[j] & (w.slots.size() - 1)])
            return
        slot = &w.slots[w.wh[j] & (w.slots.size() - 1)]
        if slot.key_size:
            _sp_prefetch(w.arena.data() + slot.at)

    cdef _SpSlot* _find(self, _SentencePieceWork w, const uint32_t* key, Py_ssize_t n,
                        uint32_t h) noexcept nogil:
        # The cache slot of the word key[:n] (hash h), or NULL.
        cdef uint64_t mask = w.slots.size() - 1
        cdef uint64_t pos = h & mask
        cdef _SpSlot* slot
        cdef const int32_t* cached
        cdef Py_ssize_t i
        while True:
            slot = &w.slots[pos]
            if slot.key_size == 0:
                return NULL
            if slot.hash == h and slot.key_size == n:
                cached = w.arena.data() + slot.at
                i = 0
                while i < n and <uint32_t>cached[i] == key[i]:
                    i += 1
                if i == n:
                    return slot
            pos = (pos + 1) & mask

    cdef size_t _store(self, _SentencePieceWork w, uint32_t h, Py_ssize_t n,
                       size_t extra) noexcept nogil:
        # Caches w.lat.cps[:n] with the tokens in w.tok_* and `extra` more ints after
        # them (left for the caller); returns where the word sits in the arena.
        cdef Py_ssize_t i, m = <Py_ssize_t>w.tok_ids.size()
        cdef uint64_t mask, pos
        cdef _SpSlot* slot
        cdef size_t at
        if w.words >= _SP_CACHE_MAX_WORDS:
            w._reset_cache()
        if (w.words + 1) * 10 > w.slots.size() * 7:
            w._grow()
        mask = w.slots.size() - 1
        pos = h & mask
        while w.slots[pos].key_size:
            pos = (pos + 1) & mask
        slot = &w.slots[pos]
        at = w.arena.size()
        slot.hash = h
        slot.at = <uint32_t>at
        slot.key_size = <uint16_t>n
        slot.val_size = <uint16_t>m
        w.arena.resize(at + n + 3 * m + extra)
        for i in range(n):
            w.arena[at + i] = <int32_t>w.lat.cps[i]
        for i in range(m):
            w.arena[at + n + i] = w.tok_ids[i]
            w.arena[at + n + m + i] = w.tok_start[i]
            w.arena[at + n + 2 * m + i] = w.tok_end[i]
        w.words += 1
        return at

    cdef int _word(self, _SentencePieceWork w, const uint32_t* key, Py_ssize_t n,
                   uint32_t h, int64_t* vstart, int64_t* vcount) except -1 nogil:
        # The tokens of the word key[:n] (hash h when it is short enough to be cached):
        # cached, ids at w.arena[vstart:vstart + vcount] and their starts and ends
        # right after; or (vstart = -1) in w.tok_*.
        cdef _SpSlot* slot
        cdef size_t at
        if self._ctx:
            return self._word_in_text(w, key, n, h, vstart, vcount)
        if <size_t>n > _SP_CACHE_MAX_WORD:
            if key != w.lat.cps.data():
                w.lat.cps.assign(key, key + n)
            self._segment(w, n)
            vstart[0] = -1
            vcount[0] = <int64_t>w.tok_ids.size()
            return 0
        slot = self._find(w, key, n, h)
        if slot != NULL:
            vstart[0] = slot.at + n
            vcount[0] = slot.val_size
            return 0
        if key != w.lat.cps.data():
            w.lat.cps.assign(key, key + n)
        self._segment(w, n)
        at = self._store(w, h, n, 0)
        vstart[0] = <int64_t>(at + n)
        vcount[0] = <int64_t>w.tok_ids.size()
        return 0

    cdef int _word_in_text(self, _SentencePieceWork w, const uint32_t* key, Py_ssize_t n,
                           uint32_t h, int64_t* vstart, int64_t* vcount) except -1 nogil:
        # A .model's Unigram word at the text's running total w.acc. sentencepiece
        # scores the whole text as one float32 lattice, so a near tie in a word can
        # fall otherwise deep in a text than at its start. The cache keeps each word's
        # exact best path, its score and its margin over every other path: the float32
        # sums of any path are off by at most half a float32 step per piece, so when the
        # margin is larger than the steps at this total can add up to (_sp_safe), the
        # lattice at w.acc picks the same path and the cached tokens stand; else the
        # word is segmented again in the running total. Arena entry after the tokens:
        # k, the path's k piece ids first to last (-1: unknown), the margin, the score.
        cdef _SpSlot* slot = NULL
        cdef size_t at, extra
        cdef Py_ssize_t k, count
        cdef double margin, best
        cdef int32_t* raw
        if w.acc < -_SP_RESET or w.acc > _SP_RESET:
            w.acc = 0.0     # sentencepiece's rebase at this position (_viterbi_sp)
        if <size_t>n <= _SP_CACHE_MAX_WORD and self._bounded:
            slot = self._find(w, key, n, h)
            if slot != NULL:
                extra = slot.at + n + 3 * <size_t>slot.val_size
                raw = w.arena.data() + extra + 1
                k = w.arena[extra]
                memcpy(&margin, raw + k, sizeof(double))
                memcpy(&best, raw + k + 2, sizeof(double))
                if _sp_safe(w.acc, margin, best, k, n, self._lat._unk_score):
                    w.acc = _sp_fold(w.acc, self._lat._scores.data(), self._lat._unk_score,
                                     raw, k)
                    vstart[0] = slot.at + n
                    vcount[0] = slot.val_size
                    return 0
        if key != w.lat.cps.data():
            w.lat.cps.assign(key, key + n)
        if <size_t>n > _SP_CACHE_MAX_WORD or slot != NULL or not self._bounded:
            self._segment(w, n)
            vstart[0] = -1
            vcount[0] = <int64_t>w.tok_ids.size()
            return 0
        self._lat._build(&w.lat, n)
        margin = self._lat._margin(&w.lat, n)
        best = w.lat.alpha[n]
        count = <Py_ssize_t>(w.lat.path.size() // 3)
        self._finish(w, count)
        at = self._store(w, h, n, 1 + count + 4)
        extra = at + n + 3 * w.tok_ids.size()
        w.arena[extra] = <int32_t>count
        for k in range(count):   # the path is stored last piece first
            w.arena[extra + 1 + k] = w.lat.path[3 * (count - 1 - k) + 2]
        raw = w.arena.data() + extra + 1
        memcpy(raw + count, &margin, sizeof(double))
        memcpy(raw + count + 2, &best, sizeof(double))
        if _sp_safe(w.acc, margin, best, count, n, self._lat._unk_score):
            w.acc = _sp_fold(w.acc, self._lat._scores.data(), self._lat._unk_score, raw, count)
            vstart[0] = <int64_t>(at + n)
            vcount[0] = <int64_t>w.tok_ids.size()
            return 0
        # The lattice is still built: its float32 Viterbi at the running total.
        count = self._lat._viterbi_sp(&w.lat, n, False, w.acc)
        w.acc = w.lat.alpha[n]
        self._finish(w, count)
        vstart[0] = -1
        vcount[0] = <int64_t>w.tok_ids.size()
        return 0

    # -- the whole text ------------------------------------------------------------------

    cdef int _encode_text(self, _SentencePieceWork w, const void* data, int kind, bint ascii,
                          Py_ssize_t n, int64_t base, int64_t word_base,
                          int mode) except -1 nogil:
        # mode 0: ids; 1: ids, offsets and word indices; 2: for each token of the
        # unknown id, its span in w.norm (start -1: from the prepended replacement char)
        # into out_start/out_end.
        cdef Py_ssize_t i, m, ws, we, j, nw
        cdef uint32_t h
        cdef int64_t vstart, vcount, t, words = 0, tokens = 0, s, e, ns0, ns1
        cdef const int32_t* ids
        cdef const int32_t* starts
        cdef const int32_t* ends
        cdef uint32_t* text
        cdef const uint32_t* key
        cdef uint32_t rep = self._rep
        cdef bint prepended
        w.acc = 0.0
        w.src.resize(n)
        if kind == PyUnicode_1BYTE_KIND:
            for i in range(n):
                w.src[i] = (<const uint8_t*>data)[i]
        elif kind == PyUnicode_2BYTE_KIND:
            for i in range(n):
                w.src[i] = (<const uint16_t*>data)[i]
        else:
            for i in range(n):
                w.src[i] = (<const uint32_t*>data)[i]
        if self._normalize:
            self._normalize_text(w, <const uint8_t*>data if ascii else NULL)
        else:
            w.norm.assign(w.src.begin(), w.src.end())
        text = w.norm.data()
        m = <Py_ssize_t>w.norm.size()
        if self._metaspace:
            for i in range(m):
                if text[i] == 32:
                    text[i] = rep
        # 2. the words: [wb[j], wb[j + 1]) of the normalized text
        w.wb.clear()
        ws = 0
        while ws < m:
            we = m
            if self._metaspace and self._split:
                we = ws + 1
                while we < m and text[we] != rep:
                    we += 1
            w.wb.push_back(ws)
            ws = we
        w.wb.push_back(m)
        nw = <Py_ssize_t>w.wb.size() - 1
        w.wh.resize(nw)
        for j in range(nw if nw < _SP_AHEAD else _SP_AHEAD):
            self._look_ahead(w, text, j, False)
        for j in range(nw):
            # The cache slots of later words are fetched while this one is looked up
            # (a slot and its arena entry are two cache misses a word on a document).
            if j + _SP_AHEAD < nw:
                self._look_ahead(w, text, j + _SP_AHEAD, False)
            if j + _SP_AHEAD // 2 < nw:
                self._look_ahead(w, text, j + _SP_AHEAD // 2, True)
            ws = w.wb[j]
            we = w.wb[j + 1]
            prepended = self._metaspace and self._prepend and ws == 0 and text[0] != rep
            if prepended:
                w.lat.cps.resize(we + 1)
                w.lat.cps[0] = rep
                for i in range(we):
                    w.lat.cps[i + 1] = text[i]
                key = w.lat.cps.data()
                h = <uint32_t>_hash_bytes(<const char*>key, 4 * (we + 1))
                self._word(w, key, we + 1, h, &vstart, &vcount)
            else:
                self._word(w, text + ws, we - ws, w.wh[j], &vstart, &vcount)
            if vstart >= 0:
                ids = w.arena.data() + vstart
                starts = ids + vcount
                ends = ids + 2 * vcount
            else:
                ids = w.tok_ids.data()
                starts = w.tok_start.data()
                ends = w.tok_end.data()
            for t in range(vcount):
                if mode == 2:
                    if ids[t] == self._unk:
                        w.out_start.push_back(ws + starts[t] - prepended)
                        w.out_end.push_back(ws + ends[t] - prepended)
                    continue
                w.out_ids.push_back(ids[t])
                if mode == 1:
                    s = starts[t]
                    e = ends[t]
                    if not prepended:
                        ns0 = ws + s
                        ns1 = ws + e
                    elif e <= 1:
                        # Only the added replacement char: aligned with the first char.
                        ns0 = ws
                        ns1 = ws + 1
                    else:
                        ns0 = ws + (s if s > 1 else 1) - 1
                        ns1 = ws + e - 1
                    if self._normalize:
                        w.out_start.push_back(base + _sp_start(w.al[ns0]))
                        w.out_end.push_back(base + _sp_end(w.al[ns1 - 1]))
                    else:
                        w.out_start.push_back(base + ns0)
                        w.out_end.push_back(base + ns1)
                    w.out_word.push_back(word_base + words)
            tokens += vcount
            words += 1
        w.out_count.push_back(tokens)
        w.out_words.push_back(words)
        return 0

    # -- the Python surface --------------------------------------------------------------

    cdef _SentencePieceWork _take(self):
        # A workspace of this call alone: concurrent calls (threads) never share one. A
        # new one starts from the seed's cache: the threads of encode_batch then do not
        # segment again every word that single encode calls have seen.
        cdef _SentencePieceWork w
        if self._pool:
            return self._pool.pop()
        w = _SentencePieceWork()
        if self._seed is not None:
            w._copy_cache(self._seed)
        return w

    cdef void _give(self, _SentencePieceWork w):
        # Back to the pool (the GIL is held: no call uses w now). The seed is refreshed
        # each time a cache has doubled since, so copying costs little in all.
        if w.words >= 1024 and (self._seed is None or w.words >= 2 * self._seed.words):
            if self._seed is None:
                self._seed = _SentencePieceWork()
            self._seed._copy_cache(w)
        self._pool.append(w)

    def encode(self, str text not None):
        """The token ids of ``text``."""
        cdef _SentencePieceWork w = self._take()
        cdef const void* data = PyUnicode_DATA(text)
        cdef int kind = PyUnicode_KIND(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
        cdef bint ascii = PyUnicode_IS_ASCII(text)
        try:
            w._clear_out()
            with nogil:
                self._encode_text(w, data, kind, ascii, n, 0, 0, 0)
            return self._ids(w.out_ids.data(), <Py_ssize_t>w.out_ids.size())
        finally:
            self._give(w)

    cdef list _ids(self, const int64_t* ids, Py_ssize_t n):
        # The ids as a list of the prebuilt int of each vocabulary id: no int object
        # made and freed per token (a tenth of encoding a document).
        cdef list out = PyList_New(n)
        cdef Py_ssize_t i, size = len(self._ints)
        for i in range(n):
            if 0 <= ids[i] < size:
                item = <object>PyList_GET_ITEM(self._ints, ids[i])
            else:
                item = PyLong_FromLongLong(ids[i])
            Py_INCREF(item)
            PyList_SET_ITEM(out, i, item)
        return out

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
        cdef _SentencePieceWork w = self._take()
        cdef const void* data = PyUnicode_DATA(text)
        cdef int kind = PyUnicode_KIND(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
        cdef bint ascii = PyUnicode_IS_ASCII(text)
        try:
            w._clear_out()
            with nogil:
                self._encode_text(w, data, kind, ascii, n, base, word_base, 1)
            return (_id_list(w.out_ids.data(), <Py_ssize_t>w.out_ids.size()),
                    _columns(w.out_ids, w.out_start, w.out_end, w.out_word), w.out_words[0])
        finally:
            self._give(w)

    def unknown_surfaces(self, str text not None):
        """The text each unknown token of ``text`` stands for, in order.

        That is the token's span of the word the model segmented: normalized text,
        spaces as the Metaspace char, the prepended one included (what ``tokenizers``
        and ``sentencepiece`` show as the token).
        """
        cdef _SentencePieceWork w = self._take()
        cdef const void* data = PyUnicode_DATA(text)
        cdef int kind = PyUnicode_KIND(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
        cdef bint ascii = PyUnicode_IS_ASCII(text)
        cdef Py_ssize_t k, a, z
        cdef list out = []
        try:
            w._clear_out()
            with nogil:
                self._encode_text(w, data, kind, ascii, n, 0, 0, 2)
            for k in range(<Py_ssize_t>w.out_start.size()):
                a = <Py_ssize_t>w.out_start[k]
                z = <Py_ssize_t>w.out_end[k]
                head = chr(self._rep) if a < 0 else ""
                a = a if a > 0 else 0
                out.append(head + PyUnicode_FromKindAndData(
                    PyUnicode_4BYTE_KIND, w.norm.data() + a, z - a))
            return out
        finally:
            self._give(w)

    cdef int _gather(self, texts, vector[const void*]& datas, vector[int]& kinds,
                     vector[bint]& asciis, vector[Py_ssize_t]& lens) except -1:
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
            datas.push_back(PyUnicode_DATA(text))
            kinds.push_back(PyUnicode_KIND(text))
            asciis.push_back(PyUnicode_IS_ASCII(text))
            lens.push_back(PyUnicode_GET_LENGTH(text))
        return 0

    def encode_many(self, list texts not None):
        """``[self.encode(t) for t in texts]``, the work done without the GIL."""
        cdef vector[const void*] datas
        cdef vector[int] kinds
        cdef vector[bint] asciis
        cdef vector[Py_ssize_t] lens
        cdef Py_ssize_t i, pos = 0, count
        self._gather(texts, datas, kinds, asciis, lens)
        cdef _SentencePieceWork w = self._take()
        try:
            w._clear_out()
            with nogil:
                for i in range(<Py_ssize_t>datas.size()):
                    self._encode_text(w, datas[i], kinds[i], asciis[i], lens[i], 0, 0, 0)
            out = PyList_New(<Py_ssize_t>datas.size())
            for i in range(<Py_ssize_t>datas.size()):
                count = w.out_count[i]
                item = self._ids(w.out_ids.data() + pos, count)
                Py_INCREF(item)
                PyList_SET_ITEM(out, i, item)
                pos += count
            return out
        finally:
            self._give(w)

    def encode_many_columns(self, list texts not None):
        """:meth:`encode_columns` of every text (base 0), the work done without the GIL.

        Returns:
            ``(columns, counts)``: the four columns over all tokens of all texts, in
            order, and ``counts``, the int64 number of tokens of each text.
        """
        cdef vector[const void*] datas
        cdef vector[int] kinds
        cdef vector[bint] asciis
        cdef vector[Py_ssize_t] lens
        cdef Py_ssize_t i
        self._gather(texts, datas, kinds, asciis, lens)
        cdef _SentencePieceWork w = self._take()
        try:
            w._clear_out()
            with nogil:
                for i in range(<Py_ssize_t>datas.size()):
                    self._encode_text(w, datas[i], kinds[i], asciis[i], lens[i], 0, 0, 1)
            counts = PyBytes_FromStringAndSize(
                <const char*>w.out_count.data(), <Py_ssize_t>(w.out_count.size() * 8)
            )
            return _columns(w.out_ids, w.out_start, w.out_end, w.out_word), counts
        finally:
            self._give(w)


__all__ += ["SentencePieceEncoder"]
