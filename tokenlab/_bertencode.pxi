# Included at the end of _core.pyx: the fast encoder of BERT pipelines (BertNormalizer,
# BertPreTokenizer, WordPiece).
#
# The pure twin is tokenlab/_pybertencode.py; tests/test_encode_bert.py
# checks both against the general pipeline and against tokenizers.
#
# Both BERT components treat almost every char on its own (tokenlab.corpus.bert_char_rule
# finds what they do to each one by running them): a char is dropped, separates words,
# belongs to a word (as its normalized form: "É" -> "e") or is a word of its own. So one
# pass over a text gives its words, each normalized char keeping the place of the char
# it comes from (the offsets), and each word is split by the WordPiece model's native
# splitter, with a word cache. ASCII rules are a table; other chars are asked of the
# rule function once each. A char whose fate depends on its neighbours (the rule gives
# None) sends the stretch around it, from the ASCII whitespace before it to the one after
# it, to ``fallback``, the general pipeline; the rest of the text stays on the fast path
# (a whole-text fallback made one such char cost a 1,000-line document 30x).

from cpython.bytes cimport PyBytes_AS_STRING


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


# A BertEncoder forgets its cached words when it holds more than this.
cdef size_t _BERT_CACHE_MAX_WORDS = 1 << 18


cdef class BertEncoder:
    """Text to WordPiece ids, offsets and word indices in one call.

    Same surface as :class:`ByteLevelEncoder` (``encode``, ``encode_columns``,
    ``encode_many``, ``encode_many_columns``).

    Args:
        table: 128 entries, as :func:`tokenlab.corpus.bert_word_rules` gives them.
        wordpiece: the model's splitter.
        fallback: ``(text, base, word_base) -> (ids, columns, words)``: the general
            pipeline, for texts the rules do not cover.
        rule: char -> ``""``, ``" "``, its normalized form or ``" c "``, or None (see
            :func:`tokenlab.corpus.bert_char_rule`), for chars outside ASCII; None: the
            stretch around such a char goes to ``fallback``.

    Raises:
        ValueError: ``table`` is malformed.
    """

    def __init__(self, table, WordPieceEncoder wordpiece not None, fallback, rule=None):
        self._rules = _CharRules()
        self._rules.set_table(table)
        self._rules.rule = rule
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
        cdef Py_ssize_t n = self._chars, k, pieces, s, e
        if n == 0:
            return 0
        it = self._cache.find(self._word)
        if it != self._cache.end():
            entry = deref(it).second
        else:
            if self._cache.size() >= _BERT_CACHE_MAX_WORDS:
                self.clear_cache()
            entry.start = <int64_t>self._cache_ids.size()
            pieces = 0 if n > self._wp._max_chars else self._wp._split(
                self._word.data(), <Py_ssize_t>self._word.size(), n)
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
        self._chars = 0
        return 1

    cdef int64_t _encode_range(self, _EncodeWork w, int ukind, const void* data,
                               Py_ssize_t lo, Py_ssize_t hi, int64_t base,
                               int64_t word) except -1:
        # Append the tokens of text[lo:hi] (every char there has a rule); returns the
        # index of the next word.
        cdef _CharRules rules = self._rules
        cdef Py_ssize_t i, k
        cdef uint32_t c
        cdef int32_t r
        cdef uint8_t kind
        self._word.clear()
        self._pos.clear()
        self._chars = 0
        for i in range(lo, hi):
            c = PyUnicode_READ(ukind, data, i)
            if c < 128:
                kind = rules.kind[c]
                r = -1
            else:
                r = rules.lookup(c)
                kind = rules.rkind[r]
            if kind == _SW_WORD:
                if r < 0:
                    self._word.push_back(rules.chars[c])
                    self._pos.push_back(i)
                    self._chars += 1
                else:
                    self._word.append(rules.rout[r])
                    for k in range(rules.rchars[r]):
                        self._pos.push_back(i)
                    self._chars += rules.rchars[r]
            elif kind == _SW_SEP:
                word += self._flush(w, base, word)
            elif kind == _SW_ALONE:
                word += self._flush(w, base, word)
                if r < 0:
                    self._word.push_back(rules.chars[c])
                else:
                    self._word.append(rules.rout[r])
                self._pos.push_back(i)
                self._chars = 1
                word += self._flush(w, base, word)
        word += self._flush(w, base, word)
        return word

    cdef bint _is_cut(self, int ukind, const void* data, Py_ssize_t i):
        # An ASCII whitespace separator: no normalizer context and no word crosses it.
        cdef uint32_t c = PyUnicode_READ(ukind, data, i)
        return (c == 32 or c == 9 or c == 10 or c == 13) and self._rules.kind[c] == _SW_SEP

    cdef int _context_spans(self, str text, vector[Py_ssize_t]& spans) except -1:
        # The stretches of text the general pipeline must encode, as start, end pairs:
        # around each char without a rule, back to the last cut before it and on to the
        # first one after it, both included (see _pybertencode._context_spans).
        cdef int ukind = PyUnicode_KIND(text)
        cdef const void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, end, cut = 0
        cdef uint32_t c
        spans.clear()
        if PyUnicode_IS_ASCII(text):
            return 0
        while i < n:
            c = PyUnicode_READ(ukind, data, i)
            if c >= 128 and self._rules.rkind[self._rules.lookup(c)] == _SW_CONTEXT:
                end = i + 1
                while end < n and not self._is_cut(ukind, data, end):
                    end += 1
                end = min(end + 1, n)
                if spans.size() > 0 and cut < spans.back():
                    spans[spans.size() - 1] = end
                else:
                    spans.push_back(cut)
                    spans.push_back(end)
                cut = end - 1
                i = end
                continue
            if c < 128 and self._is_cut(ukind, data, i):
                cut = i
            i += 1
        return 0

    cdef int64_t _append_general(self, _EncodeWork w, str text, int64_t base,
                                 int64_t word_base) except -1:
        # Append the general pipeline's tokens of text; returns its number of words.
        cdef Py_ssize_t n, k
        cdef const int64_t* col
        _, columns, words = self._fallback(text, base, word_base)
        col = <const int64_t*>PyBytes_AS_STRING(columns)
        n = len(columns) // 32
        for k in range(n):
            w.out_ids.push_back(col[k])
            w.out_start.push_back(col[n + k])
            w.out_end.push_back(col[2 * n + k])
            w.out_word.push_back(col[3 * n + k])
        return words

    cdef int _append(self, _EncodeWork w, str text, int64_t base,
                     int64_t word_base) except -1:
        # Append the tokens of any text to w's output: by the rules, but the stretches
        # around chars without one by the general pipeline.
        cdef vector[Py_ssize_t] spans
        cdef size_t before = w.out_ids.size(), k
        cdef int ukind = PyUnicode_KIND(text)
        cdef const void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t done = 0
        cdef int64_t word = word_base
        self._context_spans(text, spans)
        for k in range(0, spans.size(), 2):
            word = self._encode_range(w, ukind, data, done, spans[k], base, word)
            word += self._append_general(w, text[spans[k]:spans[k + 1]],
                                         base + spans[k], word)
            done = spans[k + 1]
        word = self._encode_range(w, ukind, data, done, PyUnicode_GET_LENGTH(text), base, word)
        w.out_count.push_back(<int64_t>(w.out_ids.size() - before))
        w.out_words.push_back(word - word_base)
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
            return (_id_list(w.out_ids.data(), <Py_ssize_t>w.out_ids.size()),
                    _columns(w.out_ids, w.out_start, w.out_end, w.out_word), w.out_words[0])
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
            return _columns(w.out_ids, w.out_start, w.out_end, w.out_word), counts
        finally:
            self._pool.append(w)


__all__ += ["BertEncoder", "WordPieceEncoder"]
