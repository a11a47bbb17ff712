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
# rule function once each and kept in a dense table by code point. A char whose fate
# depends on its neighbours (the rule gives None: in practice only marks kept through
# accent stripping) sends the stretch around it, from the ASCII whitespace before it to
# the one after it, to ``fallback``, the general pipeline; the rest of the text stays on
# the fast path (a whole-text fallback made one such char cost a 1,000-line document 30x).
#
# Where the time goes (perf, English documents): the word cache's slot (one 32-byte
# slot per word, see TLBertCache in _core.pxd), the per-char loop, and the result list
# (one prebuilt int object per id, so building it allocates only the list).

from cpython.bytes cimport PyBytes_AS_STRING
from cpython.object cimport PyObject

import gc as _bert_gc


cdef extern from "Python.h":
    # Borrowed-pointer forms, so that placing a prebuilt int in a list costs one
    # increment (Cython's casts to object would add and drop a reference).
    void _bert_incref "Py_INCREF"(PyObject* item) noexcept
    void _bert_list_set "PyList_SET_ITEM"(object out, Py_ssize_t i, PyObject* item) noexcept

# A single encode of an ASCII text up to this many chars keeps the GIL.
cdef Py_ssize_t _BERT_NOGIL_CHARS = 4096

# Ids below this get a prebuilt int object (every BERT vocabulary published fits; a
# sparse vocabulary's huge ids get new ones instead of a table of millions).
cdef int64_t _BERT_LONGS_MAX = 1 << 18


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
        pieces = self._split(data, len(data), n, self._key, self._bounds, self._ids,
                             self._ends)
        if pieces == 0:
            return [self._unk], [(0, n)]
        ids = [self._ids[k] for k in range(pieces)]
        spans = []
        start = 0
        for k in range(pieces):
            spans.append((start, self._ends[k]))
            start = self._ends[k]
        return ids, spans

    cdef Py_ssize_t _split(self, const char* data, Py_ssize_t nbytes, Py_ssize_t n,
                           string& key, vector[Py_ssize_t]& bound, vector[sym_t]& ids,
                           vector[Py_ssize_t]& ends) except -1 nogil:
        # Returns the number of pieces (in ids and ends), or 0 when some position matches
        # nothing. The scratch is the caller's: threads encoding at once never share it.
        cdef Py_ssize_t i, j, start, end
        cdef Py_ssize_t* bounds
        cdef unordered_map[string, sym_t]* table = &self._first
        cdef unordered_map[string, sym_t].iterator it
        bound.resize(n + 1)
        bounds = bound.data()
        j = 0
        for i in range(nbytes):
            # Every byte that is not a UTF-8 continuation byte starts a char.
            if (<unsigned char>data[i] & 0xC0) != 0x80:
                bounds[j] = i
                j += 1
        bounds[n] = nbytes
        ids.clear()
        ends.clear()
        start = 0
        while start < n:
            end = start + self._longest
            if end > n:
                end = n
            while end > start:
                key.assign(data + bounds[start], bounds[end] - bounds[start])
                it = deref(table).find(key)
                if it != deref(table).end():
                    ids.push_back(deref(it).second)
                    ends.push_back(end)
                    break
                end -= 1
            if end == start:
                return 0
            table = &self._next
            start = end
        return <Py_ssize_t>ids.size()


# A workspace forgets its cached words when it holds more than this.
cdef size_t _BERT_CACHE_MAX_WORDS = 1 << 18


cdef inline uint32_t _bert_char(int kind, const void* data, Py_ssize_t i) noexcept nogil:
    # PyUnicode_READ without the GIL.
    if kind == PyUnicode_1BYTE_KIND:
        return (<const uint8_t*>data)[i]
    if kind == PyUnicode_2BYTE_KIND:
        return (<const uint16_t*>data)[i]
    return (<const uint32_t*>data)[i]


@cython.final
cdef class _BertWork:
    """What one thread of BERT encoding owns: output, word cache, rules, scratch.

    The rules of chars outside ASCII are a copy of the encoder's (taken with the GIL
    held, after the chars of the call were looked up), so the encoding itself reads
    nothing another thread may be writing.
    """

    cdef void _clear_out(self) noexcept nogil:
        self.out_ids.clear()
        self.out_start.clear()
        self.out_end.clear()
        self.out_word.clear()
        self.out_count.clear()
        self.out_words.clear()
        self.spans.clear()
        self.span_at.clear()
        self.gen_cols.clear()
        self.gen_count.clear()
        self.gen_words.clear()

    def __cinit__(self):
        # tl_bert_key reads 16 bytes at the start of the word, whatever its length.
        self.word.reserve(32)

    cdef void _clear_cache(self) noexcept nogil:
        self.cache.clear()


cdef class BertEncoder:
    """Text to WordPiece ids, offsets and word indices in one call.

    Same surface as :class:`ByteLevelEncoder` (``encode``, ``encode_columns``,
    ``encode_many``, ``encode_many_columns``); the encoding runs without the GIL, only
    the rules of chars not seen before and the stretches around chars without a rule
    (see ``_context_spans``) take it.

    Args:
        table: 128 entries, as :func:`tokenlab.corpus.bert_word_rules` gives them.
        wordpiece: the model's splitter.
        fallback: ``(text, base, word_base) -> (ids, columns, words)``: the general
            pipeline, for the stretches the rules do not cover.
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
        self._longs = []

    cdef _BertWork _take(self):
        # A workspace of this call alone: concurrent calls (threads) never share one.
        if self._pool:
            return self._pool.pop()
        return _BertWork()

    def clear_cache(self):
        """Forget the cached words (they never change results, only speed)."""
        cdef _BertWork w
        for w in self._pool:
            w._clear_cache()

    cdef int _emit(self, _BertWork w, const int32_t* ids, const int32_t* ends,
                   Py_ssize_t count, int64_t base, int64_t word) except -1 nogil:
        # Append the pieces of the word in w.word (ids, and the end char of each).
        cdef Py_ssize_t k, s = 0, e
        cdef const int64_t* pos
        if w.ids_only:
            for k in range(count):
                w.out_ids.push_back(ids[k])
            return 0
        pos = w.pos.data()
        for k in range(count):
            e = ends[k]
            w.out_ids.push_back(ids[k])
            w.out_start.push_back(base + pos[s])
            w.out_end.push_back(base + pos[e - 1] + 1)
            w.out_word.push_back(word)
            s = e
        return 0

    cdef int _flush(self, _BertWork w, int64_t base, int64_t word) except -1 nogil:
        # Emit the pieces of the word in w.word (if any); returns 1 if there was one.
        cdef Py_ssize_t n = w.chars, k, pieces
        cdef size_t size = w.word.size()
        cdef const char* data = w.word.data()
        cdef uint64_t k0, k1, h
        cdef const TLBertSlot* slot
        cdef int32_t one_end = <int32_t>n
        if n == 0:
            return 0
        tl_bert_key(data, size, &k0, &k1, &h)
        slot = w.cache.find(data, size, k0, k1, h)
        if slot != NULL:
            if slot.count == 1:
                self._emit(w, &slot.id0, &one_end, 1, base, word)
            else:
                self._emit(w, w.cache.ids.data() + slot.start,
                           w.cache.ends.data() + slot.start, slot.count, base, word)
            self._clear_word(w)
            return 1
        pieces = 0 if n > self._wp._max_chars else self._wp._split(
            data, <Py_ssize_t>size, n, w.key, w.bounds, w.ids, w.ends)
        w.piece_ids.clear()
        w.piece_ends.clear()
        if pieces == 0:     # the whole word is the unknown token
            w.piece_ids.push_back(self._wp._unk)
            w.piece_ends.push_back(one_end)
        else:
            for k in range(pieces):
                w.piece_ids.push_back(w.ids[k])
                w.piece_ends.push_back(<int32_t>w.ends[k])
        if w.cache.size() >= _BERT_CACHE_MAX_WORDS:
            w._clear_cache()
        w.cache.put(data, size, k0, k1, h, w.piece_ids.data(), w.piece_ends.data(),
                    w.piece_ids.size())
        self._emit(w, w.piece_ids.data(), w.piece_ends.data(),
                   <Py_ssize_t>w.piece_ids.size(), base, word)
        self._clear_word(w)
        return 1

    cdef void _clear_word(self, _BertWork w) noexcept nogil:
        w.word.clear()
        w.pos.clear()
        w.chars = 0

    cdef int64_t _encode_range(self, _BertWork w, int ukind, const void* data,
                               Py_ssize_t lo, Py_ssize_t hi, int64_t base,
                               int64_t word) except -1 nogil:
        # Append the tokens of text[lo:hi] (every char there has a rule, in w's copy);
        # returns the index of the next word.
        cdef Py_ssize_t i, k
        cdef uint32_t c
        cdef int32_t r
        cdef uint8_t kind
        cdef bint ids_only = w.ids_only
        cdef const uint8_t* ascii_kind = self._rules.kind
        cdef const int32_t* dense = w.dense.data()
        self._clear_word(w)
        for i in range(lo, hi):
            c = _bert_char(ukind, data, i)
            if c < 128:
                kind = ascii_kind[c]    # the ASCII table never changes after __init__
                if kind == _SW_WORD:
                    # The commonest case first: an ASCII char of a word.
                    w.word.push_back(self._rules.chars[c])
                    if not ids_only:
                        w.pos.push_back(i)
                    w.chars += 1
                    continue
                r = -1
            else:
                r = dense[c]
                kind = w.rkind[r]
            if kind == _SW_WORD:
                w.word.append(w.rout[r])
                if not ids_only:
                    for k in range(w.rchars[r]):
                        w.pos.push_back(i)
                w.chars += w.rchars[r]
            elif kind == _SW_SEP:
                word += self._flush(w, base, word)
            elif kind == _SW_ALONE:
                word += self._flush(w, base, word)
                if r < 0:
                    w.word.push_back(self._rules.chars[c])
                else:
                    w.word.append(w.rout[r])
                w.pos.push_back(i)
                w.chars = 1
                word += self._flush(w, base, word)
        word += self._flush(w, base, word)
        return word

    cdef bint _is_cut(self, int ukind, const void* data, Py_ssize_t i) noexcept nogil:
        # An ASCII whitespace separator: no normalizer context and no word crosses it.
        cdef uint32_t c = _bert_char(ukind, data, i)
        return (c == 32 or c == 9 or c == 10 or c == 13) and self._rules.kind[c] == _SW_SEP

    cdef int _context_spans(self, str text, vector[Py_ssize_t]& spans) except -1:
        # Append to spans the stretches of text the general pipeline must encode, as
        # start, end pairs: around each char without a rule, back to the last cut before
        # it and on to the first one after it, both included (see
        # _pybertencode._context_spans). Looks up the rule of every char outside ASCII.
        cdef int ukind = PyUnicode_KIND(text)
        cdef const void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, end, cut = 0
        cdef size_t first = spans.size()
        cdef uint32_t c
        if PyUnicode_IS_ASCII(text):
            return 0
        while i < n:
            c = _bert_char(ukind, data, i)
            if c >= 128 and self._rules.rkind[self._rule_of(c)] == _SW_CONTEXT:
                end = i + 1
                while end < n and not self._is_cut(ukind, data, end):
                    end += 1
                end = min(end + 1, n)
                if spans.size() > first and cut < spans.back():
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

    cdef int32_t _rule_of(self, uint32_t c) except -2:
        # The rule number of a char outside ASCII, from the dense table (asked of
        # _rules on first sight). With the GIL.
        cdef int32_t r
        if c < self._dense.size():
            r = self._dense[c]
            if r >= 0:
                return r
        r = self._rules.lookup(c)
        if c >= self._dense.size():
            self._dense.resize(c + 1, -1)
        self._dense[c] = r
        return r

    cdef void _sync(self, _BertWork w) noexcept:
        # w's copy of the rules; they only grow, so a copy of the same size is the same.
        if w.rkind.size() != self._rules.rkind.size() or w.dense.size() != self._dense.size():
            w.dense = self._dense
            w.rkind = self._rules.rkind
            w.rout = self._rules.rout
            w.rchars = self._rules.rchars

    cdef bint _covered(self, _BertWork w, int ukind, const void* data,
                       Py_ssize_t n) noexcept nogil:
        # Whether w's copy of the rules covers every char of a text outside ASCII: then
        # it needs no stretch scan with the GIL held (the usual case once warm).
        cdef Py_ssize_t i
        cdef uint32_t c
        cdef size_t size = w.dense.size()
        cdef const int32_t* dense = w.dense.data()
        cdef int32_t r
        for i in range(n):
            c = _bert_char(ukind, data, i)
            if c < 128:
                continue
            if c >= size:
                return False
            r = dense[c]
            if r < 0 or w.rkind[r] == _SW_CONTEXT:
                return False
        return True

    cdef list _prepare(self, _BertWork w, list texts, int64_t base,
                       vector[const void*]& datas, vector[int]& kinds,
                       vector[Py_ssize_t]& lens):
        # Every text's data, kind and length; its stretches for the general pipeline
        # and their columns (returned, to keep them alive); w's copy of the rules. Only
        # texts with a char the copy does not cover are scanned with the GIL held.
        cdef list general = []
        cdef size_t k
        cdef Py_ssize_t t, count = len(texts)
        cdef const char* col
        cdef vector[uint8_t] scan
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
            datas.push_back(PyUnicode_DATA(text))
            kinds.push_back(PyUnicode_KIND(text))
            lens.push_back(PyUnicode_GET_LENGTH(text))
            scan.push_back(not PyUnicode_IS_ASCII(text))
        self._sync(w)
        with nogil:
            for t in range(count):
                if scan[t]:
                    scan[t] = not self._covered(w, kinds[t], datas[t], lens[t])
        for t in range(count):
            w.span_at.push_back(w.spans.size())
            if not scan[t]:
                continue
            text = texts[t]
            k = w.spans.size()
            self._context_spans(text, w.spans)
            while k < w.spans.size():
                # word_base 0: _encode_one adds the index of the stretch's first word.
                _, columns, words = self._fallback(
                    text[w.spans[k]:w.spans[k + 1]], base + w.spans[k], 0)
                general.append(columns)
                col = PyBytes_AS_STRING(columns)
                w.gen_cols.push_back(<const int64_t*>col)
                w.gen_count.push_back(len(columns) // 32)
                w.gen_words.push_back(words)
                k += 2
        w.span_at.push_back(w.spans.size())
        self._sync(w)
        return general

    cdef int _encode_one(self, _BertWork w, Py_ssize_t t, int ukind, const void* data,
                         Py_ssize_t n, int64_t base, int64_t word_base) except -1 nogil:
        # Append the tokens of text t of the call (after _prepare) to w's output.
        cdef size_t before = w.out_ids.size(), k
        cdef Py_ssize_t done = 0, m, j, g
        cdef int64_t word = word_base
        cdef const int64_t* col
        for k in range(w.span_at[t], w.span_at[t + 1], 2):
            word = self._encode_range(w, ukind, data, done, w.spans[k], base, word)
            g = <Py_ssize_t>(k // 2)
            col = w.gen_cols[g]
            m = w.gen_count[g]
            for j in range(m):
                w.out_ids.push_back(col[j])
                w.out_start.push_back(col[m + j])
                w.out_end.push_back(col[2 * m + j])
                w.out_word.push_back(col[3 * m + j] + word)
            word += w.gen_words[g]
            done = w.spans[k + 1]
        word = self._encode_range(w, ukind, data, done, n, base, word)
        w.out_count.push_back(<int64_t>(w.out_ids.size() - before))
        w.out_words.push_back(word - word_base)
        return 0

    cdef int _run(self, _BertWork w, list texts, int64_t base, int64_t word_base,
                  bint ids_only) except -1:
        # Encode texts into w's output: rules and general stretches with the GIL, the
        # rest without it.
        cdef vector[const void*] datas
        cdef vector[int] kinds
        cdef vector[Py_ssize_t] lens
        cdef Py_ssize_t t
        w._clear_out()
        w.ids_only = ids_only
        general = self._prepare(w, texts, base, datas, kinds, lens)
        with nogil:
            for t in range(<Py_ssize_t>datas.size()):
                self._encode_one(w, t, kinds[t], datas[t], lens[t], base, word_base)
        del general
        return 0

    cdef list _ids(self, const int64_t* ids, Py_ssize_t n):
        # The list of ids, each item the one int object of its id (built on first use),
        # so that building the result allocates nothing but the list.
        cdef list out = PyList_New(n)
        cdef Py_ssize_t i
        cdef int64_t tid
        cdef PyObject* item
        for i in range(n):
            tid = ids[i]
            if tid >= <int64_t>self._long_ptrs.size():
                if tid >= _BERT_LONGS_MAX:
                    big = PyLong_FromLongLong(tid)
                    Py_INCREF(big)
                    PyList_SET_ITEM(out, i, big)
                    continue
                self._grow_longs(tid)
            item = <PyObject*>self._long_ptrs[tid]
            _bert_incref(item)
            _bert_list_set(out, i, item)
        return out

    cdef int _grow_longs(self, int64_t tid) except -1:
        # The int objects of ids up to tid; _longs owns them.
        cdef Py_ssize_t k
        for k in range(len(self._longs), tid + 1):
            item = PyLong_FromLongLong(k)
            self._longs.append(item)
            self._long_ptrs.push_back(<void*>item)
        return 0

    def encode(self, str text not None):
        """The token ids of ``text``."""
        cdef _BertWork w = self._take()
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
        cdef int ukind = PyUnicode_KIND(text)
        cdef const void* data = PyUnicode_DATA(text)
        try:
            if n > _BERT_NOGIL_CHARS or not PyUnicode_IS_ASCII(text):
                self._run(w, [text], 0, 0, True)
            else:
                # A short ASCII text (one call per line): no stretches for the general
                # pipeline, no rules to copy, and releasing the GIL would cost more
                # than it lets others do.
                w._clear_out()
                w.ids_only = True
                w.span_at.push_back(0)
                w.span_at.push_back(0)
                self._encode_one(w, 0, ukind, data, n, 0, 0)
            return self._ids(w.out_ids.data(), <Py_ssize_t>w.out_ids.size())
        finally:
            self._pool.append(w)

    def encode_columns(self, str text not None, Py_ssize_t base=0, Py_ssize_t word_base=0):
        """Ids, offsets and word indices of ``text`` (see ByteLevelEncoder.encode_columns)."""
        cdef _BertWork w = self._take()
        try:
            self._run(w, [text], base, word_base, False)
            return (self._ids(w.out_ids.data(), <Py_ssize_t>w.out_ids.size()),
                    _columns(w.out_ids, w.out_start, w.out_end, w.out_word), w.out_words[0])
        finally:
            self._pool.append(w)

    def encode_many(self, list texts not None):
        """``[self.encode(t) for t in texts]``, the encoding done without the GIL."""
        cdef _BertWork w = self._take()
        cdef Py_ssize_t i, pos = 0, count
        cdef bint paused = False
        try:
            self._run(w, texts, 0, 0, True)
            # Thousands of new lists would set the cyclic GC off again and again (a
            # tenth of a batch's time), and lists of ints never form a cycle.
            if w.out_count.size() > 256 and _bert_gc.isenabled():
                _bert_gc.disable()
                paused = True
            out = []
            for i in range(<Py_ssize_t>w.out_count.size()):
                count = w.out_count[i]
                out.append(self._ids(w.out_ids.data() + pos, count))
                pos += count
            return out
        finally:
            if paused:
                _bert_gc.enable()
            self._pool.append(w)

    def encode_many_columns(self, list texts not None):
        """:meth:`encode_columns` of every text (see ByteLevelEncoder.encode_many_columns)."""
        cdef _BertWork w = self._take()
        try:
            self._run(w, texts, 0, 0, False)
            counts = PyBytes_FromStringAndSize(
                <const char*>w.out_count.data(), <Py_ssize_t>(w.out_count.size() * 8)
            )
            return _columns(w.out_ids, w.out_start, w.out_end, w.out_word), counts
        finally:
            self._pool.append(w)


__all__ += ["BertEncoder", "WordPieceEncoder"]
