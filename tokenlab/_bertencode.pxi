# Included at the end of _core.pyx: the fast encoder of BERT pipelines (BertNormalizer,
# BertPreTokenizer, WordPiece) for ASCII text.
#
# The pure twin is ``BertAsciiEncoder`` in tokenlab/_pyencode.py; tests/test_encode_fast.py
# checks both against the general pipeline.

from cpython.bytes cimport PyBytes_AS_STRING
#
# Both BERT components treat each ASCII char on its own (tokenlab.corpus.ascii_word_table
# finds what they do to each one by running them): a char is dropped, separates words,
# belongs to a word (lowercased, say) or is a word of its own. So one pass over an ASCII
# text gives its words, each char keeping its place in the text (the offsets), and each
# word is split by the WordPiece model's native splitter, with a word cache. Texts that
# are not ASCII go to ``fallback``, the general pipeline, which gives the same columns.

cdef struct _WordEntry:
    int64_t start           # offset of the word's pieces in the cache arenas
    int64_t count           # pieces


# A BertAsciiEncoder forgets its cached words when it holds more than this.
cdef size_t _BERT_CACHE_MAX_WORDS = 1 << 18


cdef class BertAsciiEncoder:
    """Text to WordPiece ids, offsets and word indices in one call (ASCII text natively).

    Same surface as :class:`ByteLevelEncoder` (``encode``, ``encode_columns``,
    ``encode_many``, ``encode_many_columns``).

    Args:
        table: 128 entries, as :func:`tokenlab.corpus.ascii_word_table` gives them.
        wordpiece: the model's splitter.
        fallback: ``(text, base, word_base) -> (ids, columns, words)`` for texts that
            are not ASCII (the general pipeline).

    Raises:
        ValueError: ``table`` is malformed.
    """

    cdef WordPieceEncoder _wp
    cdef object _fallback
    cdef uint8_t _kind[128]
    cdef char _char[128]
    cdef list _pool                     # idle output buffers (one per concurrent call)
    cdef unordered_map[string, _WordEntry] _cache
    cdef vector[int32_t] _cache_ids
    cdef vector[int32_t] _cache_ends
    cdef string _word                   # the normalized word being read
    cdef vector[int64_t] _pos           # the text position of each of its chars

    def __init__(self, table, WordPieceEncoder wordpiece not None, fallback):
        _parse_word_table(table, self._kind, self._char)
        self._wp = wordpiece
        self._fallback = fallback
        self._pool = []

    cdef _EncodeWork _take(self):
        # Output buffers of this call alone: a fallback may let another thread in.
        if self._pool:
            return self._pool.pop()
        return _EncodeWork()

    def clear_cache(self):
        """Forget the cached words (they never change results, only speed)."""
        self._cache.clear()
        self._cache_ids.clear()
        self._cache_ends.clear()

    cdef int _flush(self, _EncodeWork w, int64_t base, int64_t word) except -1:
        # Emit the pieces of the word in self._word (if any); returns 1 if there was one.
        cdef unordered_map[string, _WordEntry].iterator it
        cdef _WordEntry entry
        cdef Py_ssize_t n = <Py_ssize_t>self._word.size(), k, pieces, s, e
        if n == 0:
            return 0
        it = self._cache.find(self._word)
        if it != self._cache.end():
            entry = deref(it).second
        else:
            if self._cache.size() >= _BERT_CACHE_MAX_WORDS:
                self.clear_cache()
            entry.start = <int64_t>self._cache_ids.size()
            pieces = 0 if n > self._wp._max_chars else self._wp._split(self._word.data(), n, n)
            if pieces == 0:     # the whole word is the unknown token
                self._cache_ids.push_back(self._wp._unk)
                self._cache_ends.push_back(<int32_t>n)
                entry.count = 1
            else:
                for k in range(pieces):
                    self._cache_ids.push_back(self._wp._ids[k])
                    self._cache_ends.push_back(<int32_t>self._wp._ends[k])
                entry.count = pieces
            self._cache[self._word] = entry
        s = 0
        for k in range(entry.count):
            e = self._cache_ends[entry.start + k]
            w.out_ids.push_back(self._cache_ids[entry.start + k])
            w.out_start.push_back(base + self._pos[s])
            w.out_end.push_back(base + self._pos[e - 1] + 1)
            w.out_word.push_back(word)
            s = e
        self._word.clear()
        self._pos.clear()
        return 1

    cdef int _encode_ascii(self, _EncodeWork w, str text, int64_t base,
                           int64_t word_base) except -1:
        # Append the tokens of an ASCII text to w's output.
        cdef const uint8_t* p = <const uint8_t*>PyUnicode_DATA(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i
        cdef int64_t word = word_base
        cdef size_t before = w.out_ids.size()
        cdef uint8_t c, kind
        self._word.clear()
        self._pos.clear()
        for i in range(n):
            c = p[i]
            kind = self._kind[c]
            if kind == _SW_WORD:
                self._word.push_back(self._char[c])
                self._pos.push_back(i)
            elif kind == _SW_SEP:
                word += self._flush(w, base, word)
            elif kind == _SW_ALONE:
                word += self._flush(w, base, word)
                self._word.push_back(self._char[c])
                self._pos.push_back(i)
                word += self._flush(w, base, word)
        word += self._flush(w, base, word)
        w.out_count.push_back(<int64_t>(w.out_ids.size() - before))
        w.out_words.push_back(word - word_base)
        return 0

    cdef int _append(self, _EncodeWork w, str text, int64_t base,
                     int64_t word_base) except -1:
        # Append the tokens of any text to w's output (not ASCII: the fallback).
        cdef Py_ssize_t n, k
        cdef const int64_t* col
        if PyUnicode_IS_ASCII(text):
            return self._encode_ascii(w, text, base, word_base)
        _, columns, words = self._fallback(text, base, word_base)
        col = <const int64_t*>PyBytes_AS_STRING(columns)
        n = len(columns) // 32
        for k in range(n):
            w.out_ids.push_back(col[k])
            w.out_start.push_back(col[n + k])
            w.out_end.push_back(col[2 * n + k])
            w.out_word.push_back(col[3 * n + k])
        w.out_count.push_back(n)
        w.out_words.push_back(words)
        return 0

    def encode(self, str text not None):
        """The token ids of ``text``."""
        cdef _EncodeWork w = self._take()
        try:
            w._clear_out()
            self._append(w, text, 0, 0)
            return _id_list(w.out_ids.data(), <Py_ssize_t>w.out_ids.size())
        finally:
            self._pool.append(w)

    def encode_columns(self, str text not None, Py_ssize_t base=0, Py_ssize_t word_base=0):
        """Ids, offsets and word indices of ``text`` (see ByteLevelEncoder.encode_columns)."""
        cdef _EncodeWork w = self._take()
        try:
            w._clear_out()
            self._append(w, text, base, word_base)
            return (_id_list(w.out_ids.data(), <Py_ssize_t>w.out_ids.size()), _columns(w),
                    w.out_words[0])
        finally:
            self._pool.append(w)

    def encode_many(self, list texts not None):
        """``[self.encode(t) for t in texts]``."""
        return [self.encode(t) for t in texts]

    def encode_many_columns(self, list texts not None):
        """:meth:`encode_columns` of every text (see ByteLevelEncoder.encode_many_columns)."""
        cdef _EncodeWork w = self._take()
        try:
            w._clear_out()
            for text in texts:
                if not isinstance(text, str):
                    raise TypeError(f"texts must be str, got {type(text).__name__}")
                self._append(w, text, 0, 0)
            counts = PyBytes_FromStringAndSize(
                <const char*>w.out_count.data(), <Py_ssize_t>(w.out_count.size() * 8)
            )
            return _columns(w), counts
        finally:
            self._pool.append(w)


__all__ += ["BertAsciiEncoder"]
