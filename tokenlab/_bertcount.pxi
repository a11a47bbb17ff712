# BERT word counting for ASCII text without a regex or a Python object per word: clean
# (drop control chars), lowercase, split on whitespace, isolate punctuation. Included
# from _core.pyx after _scan.pxi (it reuses its word table); the pure twin is
# _pybertcount.BertWordCounter.

cdef enum:
    _BC_WORD = 0        # letters and digits: part of a word
    _BC_SPACE = 1       # tab, newline, carriage return, space: ends a word
    _BC_PUNCT = 2       # ASCII punctuation and symbols: a word of its own
    _BC_DROP = 3        # other control chars: removed (the chars around them join)

cdef uint8_t _BC_CLASS[128]


cdef void _bc_init() noexcept:
    cdef int c
    for c in range(128):
        if c in (9, 10, 13, 32):
            _BC_CLASS[c] = _BC_SPACE
        elif c < 32 or c == 127:
            _BC_CLASS[c] = _BC_DROP
        elif (48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122):
            _BC_CLASS[c] = _BC_WORD
        else:
            _BC_CLASS[c] = _BC_PUNCT


_bc_init()


@cython.final
cdef class BertWordCounter:
    """Count the words of BERT's normalizer and pre-tokenizer over many texts.

    Equivalent to ``Counter(w for t in texts for w in words(t))``, keys in first-seen
    order, for ``words`` = ``BertNormalizer(clean_text=True, lowercase=lowercase)``
    then ``BertPreTokenizer``. An ASCII text is split here (its chars are its UTF-8
    bytes, and for ASCII the normalizer only drops control chars, turns tab, newline
    and carriage return into spaces and lowercases); any other text goes to
    ``words``. Words are keyed by their UTF-8 bytes and become Python strings once
    each, in :meth:`to_dict`.

    Args:
        words: the BERT words of one text (normalizer, then pre-tokenizer).
        lowercase: the normalizer's option.

    >>> from tokenlab.normalizers import BertNormalizer
    >>> from tokenlab.pre_tokenizers import BertPreTokenizer
    >>> norm, pre = BertNormalizer(), BertPreTokenizer()
    >>> counter = BertWordCounter(lambda t: pre.words(norm.normalize_str(t)), True)
    >>> counter.add(["Hi, hi!", "Ünï hi"])
    >>> counter.to_dict()
    {'hi': 3, ',': 1, '!': 1, 'uni': 1}
    """

    cdef object _words
    cdef bint _lower
    cdef vector[_WordSlot] _slots       # size is a power of two, at most 70% full
    cdef string _arena                  # the bytes of every distinct word, first seen first
    cdef size_t _count_words            # distinct words so far
    cdef string _key

    def __init__(self, words, bint lowercase=True):
        if not callable(words):
            raise TypeError(f"words must be callable, got {type(words).__name__}")
        self._words = words
        self._lower = lowercase
        cdef _WordSlot empty
        empty.hash = 0
        empty.start = -1
        empty.count = 0
        empty.size = 0
        self._slots.assign(1024, empty)
        self._count_words = 0

    def __len__(self):
        return self._count_words

    cdef int _grow(self) except -1:
        cdef _WordSlot empty
        empty.hash = 0
        empty.start = -1
        empty.count = 0
        empty.size = 0
        cdef vector[_WordSlot] old
        old.swap(self._slots)
        self._slots.assign(old.size() * 2, empty)
        cdef uint64_t mask = self._slots.size() - 1, pos
        cdef size_t i
        for i in range(old.size()):
            if old[i].start >= 0:
                pos = old[i].hash & mask
                while self._slots[pos].start >= 0:
                    pos = (pos + 1) & mask
                self._slots[pos] = old[i]
        return 0

    cdef int _count(self, const char* key, size_t n) except -1:
        cdef uint64_t h = _hash_bytes(key, n)
        cdef uint64_t mask, pos
        cdef _WordSlot* slot
        if (self._count_words + 1) * 10 > self._slots.size() * 7:
            self._grow()
        mask = self._slots.size() - 1
        pos = h & mask
        while True:
            slot = &self._slots[pos]
            if slot.start < 0:
                break
            if slot.hash == h and slot.size == n and (
                n == 0 or memcmp(self._arena.data() + slot.start, key, n) == 0
            ):
                slot.count += 1
                return 0
            pos = (pos + 1) & mask
        slot.hash = h
        slot.start = <int64_t>self._arena.size()
        slot.count = 1
        slot.size = <uint32_t>n
        self._arena.append(key, n)
        self._count_words += 1
        return 0

    cdef int _scan_ascii(self, const uint8_t* data, Py_ssize_t n) except -1:
        cdef Py_ssize_t i
        cdef uint8_t c, cls
        cdef char ch
        self._key.clear()
        for i in range(n):
            c = data[i]
            cls = _BC_CLASS[c]
            if cls == _BC_WORD:
                if self._lower and 65 <= c <= 90:
                    c += 32
                self._key.push_back(<char>c)
            elif cls == _BC_DROP:
                continue
            else:
                if not self._key.empty():
                    self._count(self._key.data(), self._key.size())
                    self._key.clear()
                if cls == _BC_PUNCT:
                    ch = <char>c
                    self._count(&ch, 1)
        if not self._key.empty():
            self._count(self._key.data(), self._key.size())
            self._key.clear()
        return 0

    def add(self, texts):
        """Count the words of each text of ``texts`` (an iterable of str).

        Raises:
            TypeError: an item of ``texts`` is not a str, or ``words`` returned
                something other than strs.
        """
        cdef bytes raw
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
            if PyUnicode_IS_ASCII(text):
                self._scan_ascii(<const uint8_t*>PyUnicode_DATA(text),
                                 PyUnicode_GET_LENGTH(text))
                continue
            for word in self._words(text):
                if not isinstance(word, str):
                    raise TypeError(f"words must return strs, got {type(word).__name__}")
                raw = (<str>word).encode("utf-8", "surrogatepass")
                self._count(raw, len(raw))

    def to_dict(self):
        """Return ``{word: count}`` in first-seen order."""
        cdef dict out = {}
        cdef vector[pair[int64_t, size_t]] order     # (arena offset, slot): first seen first
        cdef size_t i
        cdef _WordSlot* slot
        for i in range(self._slots.size()):
            if self._slots[i].start >= 0:
                order.push_back(pair[int64_t, size_t](self._slots[i].start, i))
        sort(order.begin(), order.end())
        for i in range(order.size()):
            slot = &self._slots[order[i].second]
            word = self._arena.data()[slot.start:slot.start + slot.size].decode(
                "utf-8", "surrogatepass")
            out[word] = slot.count
        return out


__all__ += ["BertWordCounter"]
