# Included at the end of _core.pyx: the native scanner for the fixed split patterns.
#
# The pure twin is tokenlab/_pyscan.py, which runs the same patterns through the
# `regex` module; tests/test_scan.py and tests/test_scan_families.py check that both give
# exactly `regex.findall`.
#
# Each pattern is a hand-written matcher that reproduces the `regex` module's
# backtracking result: at position i it returns the end of the match that the first
# successful alternative gives. Every pattern matches at every position (each char is a
# letter, a number, whitespace or "other", and some alternative takes each kind), so
# the matches tile the text and a scan is just i = next(i) until the end.
#
# The character classes come from `regex` itself: on first use, each class is run over
# one string holding every code point (surrogates included) and the result is stored in
# a table of 0x110000 flag words, built once per process.

from cpython.unicode cimport (
    PyUnicode_READ,
    PyUnicode_1BYTE_KIND,
    PyUnicode_2BYTE_KIND,
    PyUnicode_4BYTE_KIND,
    PyUnicode_DATA,
    PyUnicode_FromKindAndData,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
    PyUnicode_Substring,
)
cimport cython
from libc.stdint cimport uint8_t, uint16_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memchr, memcmp, memcpy
from libcpp.algorithm cimport sort
from libcpp.utility cimport pair


cdef enum:
    _CL_L = 1           # \p{L}
    _CL_N = 2           # \p{N}
    _CL_S = 4           # \s
    _CL_UP = 8          # [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]   (o200k)
    _CL_LO = 16         # [\p{Ll}\p{Lm}\p{Lo}\p{M}]         (o200k)
    _CL_M = 32          # \p{M}                             (qwen3_5)
    _CL_LNS = 7
    # The high byte holds the ASCII letter a char matches under (?i) when that letter is
    # one of the contractions' s d m t l v e r (so U+017F LONG S holds 's'), else 0.

cdef enum:
    _PAT_BYTE_LEVEL = 0
    _PAT_GPT2 = 1
    _PAT_CL100K = 2
    _PAT_O200K = 3
    _PAT_LLAMA3 = 4
    _PAT_QWEN2 = 5
    _PAT_QWEN3_5 = 6
    _PAT_TEKKEN = 7

from tokenlab._patterns import SCAN_PATTERNS

#: Names of the fixed patterns the scanner knows (one source: tokenlab/_patterns.py).
SCAN_NAMES = tuple(SCAN_PATTERNS)
# The hand-written matcher of each name. A name in SCAN_PATTERNS without one makes the
# import fail, so the backend falls back to the pure core and says so: never a core that
# refuses a pattern its twin takes.
_SCAN_KERNEL = {"byte_level": _PAT_BYTE_LEVEL, "gpt2": _PAT_GPT2, "cl100k_base": _PAT_CL100K,
                "o200k_base": _PAT_O200K, "llama3": _PAT_LLAMA3, "qwen2": _PAT_QWEN2,
                "qwen3_5": _PAT_QWEN3_5, "tekken": _PAT_TEKKEN}
if set(_SCAN_KERNEL) != set(SCAN_NAMES):
    raise ImportError(
        "tokenlab._patterns.SCAN_PATTERNS and this build's matchers differ "
        f"({sorted(set(_SCAN_KERNEL) ^ set(SCAN_NAMES))}): rebuild tokenlab._core"
    )

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)

cdef uint16_t* _SCAN_CLASS = NULL
cdef uint16_t _BYTE_CHAR[256]      # GPT-2's byte -> printable char table


cdef int _scan_build_tables() except -1:
    """Fill the class table from the `regex` module (once) and the GPT-2 byte table."""
    global _SCAN_CLASS
    if _SCAN_CLASS != NULL:
        return 0
    import regex

    cdef uint16_t* table = <uint16_t*>calloc(0x110000, sizeof(uint16_t))
    cdef uint32_t* cps = <uint32_t*>malloc(0x110000 * sizeof(uint32_t))
    if table == NULL or cps == NULL:
        free(table)
        free(cps)
        raise MemoryError("no memory for the scanner's class table")
    cdef Py_ssize_t cp, i, n = 0
    cdef uint16_t bit
    try:
        # Every code point, surrogates included, in order: char i of ``every`` is U+i.
        for cp in range(0x110000):
            cps[cp] = <uint32_t>cp
        every = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, cps, 0x110000)
        # The classes below are all inside [\p{L}\p{N}\s\p{M}], which holds about a
        # tenth of the code points (most are unassigned or private use): one pass finds
        # them, and each class then runs over those chars only (a class is a property of
        # one char, so it matches the same chars in the shorter string). This keeps the
        # first encode of a process at tens of milliseconds instead of 150.
        for m in regex.finditer(r"[\p{L}\p{N}\s\p{M}]+", every):
            for cp in range(m.start(), m.end()):
                cps[n] = <uint32_t>cp
                n += 1
        some = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, cps, n)
        classes = (
            (_CL_L, r"\p{L}+"),
            (_CL_N, r"\p{N}+"),
            (_CL_S, r"\s+"),
            (_CL_UP, r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+"),
            (_CL_LO, r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"),
            (_CL_M, r"\p{M}+"),
        )
        for bit, pattern in classes:
            for m in regex.finditer(pattern, some):
                for i in range(m.start(), m.end()):
                    table[cps[i]] |= bit
        # The contraction letters under (?i) may in principle be any char: search all of
        # them at once, then ask which letters each (rare) hit stands for.
        for m in regex.finditer("(?i:[sdmtlver])", every):
            ch = m.group()
            for letter in "sdmtlver":
                if regex.fullmatch(f"(?i:{letter})", ch):
                    table[m.start()] |= <uint16_t>(ord(letter) << 8)
    except BaseException:
        free(table)
        raise
    finally:
        free(cps)
    cdef int b, extra = 0
    for b in range(256):
        if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b:
            _BYTE_CHAR[b] = b
        else:
            _BYTE_CHAR[b] = 0x100 + extra
            extra += 1
    _SCAN_CLASS = table
    return 0


# ---- small helpers (T is the class table) ------------------------------------------

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* How many of the 8 chars at p (1-byte text) are ASCII in [lo, hi] once ORed with
       fold (0x20 folds A-Z onto a-z, 0 folds nothing), counted from p[0]: one 64-bit
       load instead of a class-table lookup and a branch per char. Each byte's low 7
       bits y give y + (0x80 - lo), whose top bit says y >= lo, and y + (0x7F - hi),
       whose top bit says y > hi; neither sum carries into the next byte (y <= 0x7F,
       1 <= lo <= hi <= 0x7F). A byte >= 0x80 is never counted. Big-endian machines
       count nothing: the callers' per-char loops then do all the work. */
    static inline int tl_ascii_run8(const uint8_t* p, unsigned lo, unsigned hi,
                                    unsigned fold) {
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        const uint64_t L = 0x0101010101010101ULL, H = 0x8080808080808080ULL;
        uint64_t x, y, out;
        memcpy(&x, p, 8);
        y = (x & ~H) | (fold * L);
        out = ~((y + (0x80 - lo) * L) & ~(y + (0x7F - hi) * L) & ~x) & H;
        return out ? __builtin_ctzll(out) >> 3 : 8;
    #else
        return 0;
    #endif
    }
    /* The same over the 4 chars at p of 2-byte text (16-bit lanes, top bit 15): a char
       >= 0x80 has bit 15 or one of bits 7-14 set, and (x & 0x7F80) + 0x7F80 carries
       any of bits 7-14 into bit 15 without leaving the lane. */
    static inline int tl_ascii_run16(const uint16_t* p, unsigned lo, unsigned hi,
                                     unsigned fold) {
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        const uint64_t L = 0x0001000100010001ULL, T = 0x8000800080008000ULL;
        const uint64_t W = 0x7F80ULL * L;
        uint64_t x, y, wide, out;
        memcpy(&x, p, 8);
        wide = ((x & W) + W) | x;
        y = (x & (0x7FULL * L)) | (fold * L);
        out = ~((y + (0x8000 - lo) * L) & ~(y + (0x7FFF - hi) * L) & ~wide) & T;
        return out ? __builtin_ctzll(out) >> 4 : 4;
    #else
        return 0;
    #endif
    }
    """
    int tl_ascii_run8(const uint8_t* p, unsigned lo, unsigned hi, unsigned fold) noexcept nogil
    int tl_ascii_run16(const uint16_t* p, unsigned lo, unsigned hi, unsigned fold) noexcept nogil


cdef inline Py_ssize_t _skip_ascii(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i, unsigned lo, unsigned hi, unsigned fold
) noexcept nogil:
    # Past the ASCII chars in [lo, hi] (after | fold) from i, a word at a time, stopping
    # at the first other char or near the end; the caller's per-char loop goes on from
    # there. Only a prefix of a run it would take anyway is skipped, so no boundary moves.
    cdef int k
    if scan_char_t is uint8_t:
        while i + 8 <= n:
            k = tl_ascii_run8(s + i, lo, hi, fold)
            i += k
            if k < 8:
                break
    elif scan_char_t is uint16_t:
        while i + 4 <= n:
            k = tl_ascii_run16(s + i, lo, hi, fold)
            i += k
            if k < 4:
                break
    return i


cdef inline Py_ssize_t _run_letters(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i, uint16_t bits
) noexcept nogil:
    # _run(bits) for a letter class: ASCII [a-zA-Z] (or [a-z] for _CL_LO alone, [A-Z]
    # for _CL_UP alone: o200k's cased classes) a word at a time first. Every ASCII
    # letter has _CL_L, a-z _CL_LO and A-Z _CL_UP (and no ASCII char has one of the
    # others), so the skipped chars are ones _run would take. A run that takes no char
    # (o200k tries [UP]* on every lowercase word) costs one lookup, not a word check.
    if i >= n or not (_SCAN_CLASS[s[i]] & bits):
        return i
    i += 1
    if bits == _CL_LO:
        i = _skip_ascii(s, n, i, 97, 122, 0)
    elif bits == _CL_UP:
        i = _skip_ascii(s, n, i, 65, 90, 0)
    else:
        i = _skip_ascii(s, n, i, 97, 122, 0x20)
    return _run(s, n, i, bits)


cdef inline Py_ssize_t _run(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i, uint16_t bits
) noexcept nogil:
    # End of the run of chars having any of ``bits``.
    while i < n and _SCAN_CLASS[s[i]] & bits:
        i += 1
    return i


cdef inline Py_ssize_t _run_not(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i, uint16_t bits
) noexcept nogil:
    # End of the run of chars having none of ``bits``.
    while i < n and not (_SCAN_CLASS[s[i]] & bits):
        i += 1
    return i


cdef inline Py_ssize_t _run_other(const scan_char_t* s, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    # End of the run of [^\s\p{L}\p{N}].
    while i < n and not (_SCAN_CLASS[s[i]] & _CL_LNS):
        i += 1
    return i


cdef inline bint _is_other(uint32_t c) noexcept nogil:
    return not (_SCAN_CLASS[c] & _CL_LNS)


cdef inline Py_ssize_t _run_crlf(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i, bint slash
) noexcept nogil:
    # End of the run of [\r\n] (or [\r\n/] when ``slash``).
    while i < n and (s[i] == 13 or s[i] == 10 or (slash and s[i] == 47)):
        i += 1
    return i


cdef inline Py_ssize_t _contraction(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i, bint fold
) noexcept nogil:
    # s[i] is "'": the end of 's 't 're 've 'm 'll 'd starting there, or 0 if none.
    # ``fold``: letters match case-insensitively, as `regex` does under (?i).
    cdef uint32_t a, b
    if i + 1 >= n:
        return 0
    a = (_SCAN_CLASS[s[i + 1]] >> 8) if fold else s[i + 1]
    if a == 115 or a == 116 or a == 109 or a == 100:   # s t m d
        return i + 2
    if i + 2 >= n:
        return 0
    b = (_SCAN_CLASS[s[i + 2]] >> 8) if fold else s[i + 2]
    if (a == 114 and b == 101) or (a == 118 and b == 101) or (a == 108 and b == 108):
        return i + 3                                    # re ve ll
    return 0


cdef inline Py_ssize_t _space_run_tail(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i, Py_ssize_t j
) noexcept nogil:
    # \s+(?!\S) over the whitespace run [i, j), falling back to one char (\s or \s+ of
    # one char): the whole run at the end of the text, else all but its last char.
    if j == n or j - i == 1:
        return j
    return j - 1


cdef inline Py_ssize_t _last_crlf(
    const scan_char_t* s, Py_ssize_t i, Py_ssize_t j
) noexcept nogil:
    # \s*[\r\n] (and \s*[\r\n]+) over the whitespace run [i, j): up to its last \r or \n.
    while j > i:
        j -= 1
        if s[j] == 13 or s[j] == 10:
            return j + 1
    return 0


cdef inline Py_ssize_t _run_spaces(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i
) noexcept nogil:
    # _run(_CL_S), with runs of ASCII spaces (code's indentation) a word at a time.
    if i < n and s[i] == 32:
        i = _skip_ascii(s, n, i + 1, 32, 32, 0)
    return _run(s, n, i, _CL_S)


# ---- the patterns -------------------------------------------------------------------

cdef Py_ssize_t _next_gpt2(const scan_char_t* s, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    # HF ByteLevel: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    # tiktoken gpt2 (the same splits): '(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++|
    #   ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s
    cdef uint32_t c = s[i]
    cdef uint16_t k = _SCAN_CLASS[c], k1
    cdef Py_ssize_t e
    if c == 39:
        e = _contraction(s, n, i, False)
        if e:
            return e
    elif c == 32 and i + 1 < n:
        k1 = _SCAN_CLASS[s[i + 1]]
        if k1 & _CL_L:
            return _run_letters(s, n, i + 2, _CL_L)
        if k1 & _CL_N:
            return _run(s, n, i + 2, _CL_N)
        if not (k1 & _CL_LNS):
            return _run_other(s, n, i + 2)
    if k & _CL_L:
        return _run_letters(s, n, i + 1, _CL_L)
    if k & _CL_N:
        return _run(s, n, i + 1, _CL_N)
    if not (k & _CL_S):
        return _run_other(s, n, i + 1)
    return _space_run_tail(s, n, i, _run_spaces(s, n, i + 1))


cdef inline Py_ssize_t _next_cl100k_like(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i,
    bint end_run, Py_ssize_t digits, uint16_t letters
) noexcept nogil:
    # cl100k_base and the patterns written like it (Llama 3, Qwen 2, Qwen 3.5), which
    # differ only in the three parameters:
    #   '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+L++|\p{N}{1,digits}+|
    #    ?[^\s L \p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s
    # L is \p{L} (``letters`` = _CL_L) or [\p{L}\p{M}] (_CL_L | _CL_M, Qwen 3.5).
    # ``end_run``: the `\s++$` alternative (cl100k_base only; the others write
    # `\s*[\r\n]+|\s+(?!\S)|\s+`, which cuts whitespace ending the text after its last
    # newline). Without possessive quantifiers the other alternatives match the same: no
    # alternative has anything after the quantifier that could make it give chars back.
    cdef uint32_t c = s[i]
    cdef uint16_t k = _SCAN_CLASS[c]
    cdef uint16_t lns = _CL_N | _CL_S | letters
    cdef Py_ssize_t e, j
    if c == 39:
        e = _contraction(s, n, i, True)
        if e:
            return e
    if k & letters:
        return _run_letters(s, n, i + 1, letters)
    if k & _CL_N:
        e = i + 1
        while e < n and e < i + digits and _SCAN_CLASS[s[e]] & _CL_N:
            e += 1
        return e
    # c is now whitespace or other. The optional prefix takes it (unless it is \r or
    # \n) and the match needs a letter right after it.
    if c != 13 and c != 10 and i + 1 < n and _SCAN_CLASS[s[i + 1]] & letters:
        return _run_letters(s, n, i + 2, letters)
    if c == 32 and i + 1 < n and not (_SCAN_CLASS[s[i + 1]] & lns):
        return _run_crlf(s, n, _run_not(s, n, i + 2, lns), False)
    if not (k & _CL_S):
        return _run_crlf(s, n, _run_not(s, n, i + 1, lns), False)
    j = _run_spaces(s, n, i + 1)
    if end_run and j == n:
        return n
    e = _last_crlf(s, i, j)
    if e:
        return e
    return _space_run_tail(s, n, i, j)


cdef Py_ssize_t _next_cl100k(const scan_char_t* s, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    return _next_cl100k_like(s, n, i, True, 3, _CL_L)


cdef Py_ssize_t _next_llama3(const scan_char_t* s, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    # (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
    #  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    return _next_cl100k_like(s, n, i, False, 3, _CL_L)


cdef Py_ssize_t _next_qwen2(const scan_char_t* s, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    # Llama 3's with \p{N} for \p{N}{1,3}.
    return _next_cl100k_like(s, n, i, False, 1, _CL_L)


cdef Py_ssize_t _next_qwen3_5(const scan_char_t* s, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    # Qwen 2's with [\p{L}\p{M}] for \p{L} (and [^\s\p{L}\p{M}\p{N}] for the others).
    # A mark may be the prefix char too, but then it starts a letter run anyway.
    return _next_cl100k_like(s, n, i, False, 1, _CL_L | _CL_M)


cdef inline Py_ssize_t _o200k_lower_first(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t st
) noexcept nogil:
    # [UP]*[LO]+ from st (UP = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], LO = [\p{Ll}\p{Lm}\p{Lo}\p{M}]):
    # the end `regex` finds, or -1. Greedy [UP]* gives back chars until a LO char follows.
    cdef Py_ssize_t u = _run_letters(s, n, st, _CL_UP)
    if u < n and _SCAN_CLASS[s[u]] & _CL_LO:
        return _run_letters(s, n, u + 1, _CL_LO)
    # Backtrack into the UP run: the last char there that is also LO ends the match
    # (the char after it is not LO, so [LO]+ takes that one char only).
    while u > st:
        u -= 1
        if _SCAN_CLASS[s[u]] & _CL_LO:
            return u + 1
    return -1


cdef inline Py_ssize_t _o200k_upper_first(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t st
) noexcept nogil:
    # [UP]+[LO]* from st, or -1.
    if st >= n or not (_SCAN_CLASS[s[st]] & _CL_UP):
        return -1
    return _run_letters(s, n, _run_letters(s, n, st + 1, _CL_UP), _CL_LO)


cdef inline Py_ssize_t _next_o200k_like(
    const scan_char_t* s, Py_ssize_t n, Py_ssize_t i, bint contractions, Py_ssize_t digits
) noexcept nogil:
    # o200k_base (``contractions``, ``digits`` 3) and Mistral's tekken (neither, 1):
    # [^\r\n\p{L}\p{N}]?[UP]*[LO]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
    # [^\r\n\p{L}\p{N}]?[UP]+[LO]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
    # \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
    cdef uint32_t c = s[i]
    cdef uint16_t k = _SCAN_CLASS[c]
    cdef bint prefix = c != 13 and c != 10 and not (k & (_CL_L | _CL_N))
    cdef Py_ssize_t e = -1, j
    # Both letter alternatives try "with the prefix char" before "without".
    if prefix:
        e = _o200k_lower_first(s, n, i + 1)
    if e < 0:
        e = _o200k_lower_first(s, n, i)
    if e < 0 and prefix:
        e = _o200k_upper_first(s, n, i + 1)
    if e < 0:
        e = _o200k_upper_first(s, n, i)
    if e >= 0:
        if contractions and e < n and s[e] == 39:
            j = _contraction(s, n, e, True)
            if j:
                return j
        return e
    if k & _CL_N:
        e = i + 1
        while e < n and e < i + digits and _SCAN_CLASS[s[e]] & _CL_N:
            e += 1
        return e
    if c == 32 and i + 1 < n and _is_other(s[i + 1]):
        return _run_crlf(s, n, _run_other(s, n, i + 2), True)
    if not (k & _CL_S):
        return _run_crlf(s, n, _run_other(s, n, i + 1), True)
    j = _run_spaces(s, n, i + 1)
    e = _last_crlf(s, i, j)
    if e:
        return e
    return _space_run_tail(s, n, i, j)


cdef Py_ssize_t _next_o200k(const scan_char_t* s, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    return _next_o200k_like(s, n, i, True, 3)


cdef Py_ssize_t _next_tekken(const scan_char_t* s, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    # o200k_base without the contraction suffixes, and \p{N} for \p{N}{1,3}.
    return _next_o200k_like(s, n, i, False, 1)


cdef inline Py_ssize_t _next_piece(
    int pattern, const scan_char_t* s, Py_ssize_t n, Py_ssize_t i
) noexcept nogil:
    # The end of the match of ``pattern`` (a _PAT_ number) starting at i: the one dispatch
    # from pattern numbers to matchers, for every caller.
    if pattern == _PAT_CL100K:
        return _next_cl100k(s, n, i)
    if pattern == _PAT_O200K:
        return _next_o200k(s, n, i)
    if pattern == _PAT_LLAMA3:
        return _next_llama3(s, n, i)
    if pattern == _PAT_QWEN2:
        return _next_qwen2(s, n, i)
    if pattern == _PAT_QWEN3_5:
        return _next_qwen3_5(s, n, i)
    if pattern == _PAT_TEKKEN:
        return _next_tekken(s, n, i)
    return _next_gpt2(s, n, i)


cdef int _scan_kernel(
    int pattern, const scan_char_t* s, Py_ssize_t n, vector[Py_ssize_t]& ends
) except -1:
    cdef Py_ssize_t i = 0
    ends.clear()
    while i < n:
        i = _next_piece(pattern, s, n, i)
        ends.push_back(i)
    return 0


cdef int _scan(int pattern, str text, vector[Py_ssize_t]& ends) except -1:
    """Put the end of every match of ``pattern`` in ``text`` into ``ends``."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    if kind == PyUnicode_1BYTE_KIND:
        return _scan_kernel(pattern, <const uint8_t*>data, n, ends)
    if kind == PyUnicode_2BYTE_KIND:
        return _scan_kernel(pattern, <const uint16_t*>data, n, ends)
    return _scan_kernel(pattern, <const uint32_t*>data, n, ends)


cdef inline void _utf8_append(string& out, uint32_t cp) noexcept:
    # UTF-8 bytes of cp; a lone surrogate gets its 3-byte form ("surrogatepass").
    if cp < 0x80:
        out.push_back(<char>cp)
    elif cp < 0x800:
        out.push_back(<char>(0xC0 | (cp >> 6)))
        out.push_back(<char>(0x80 | (cp & 0x3F)))
    elif cp < 0x10000:
        out.push_back(<char>(0xE0 | (cp >> 12)))
        out.push_back(<char>(0x80 | ((cp >> 6) & 0x3F)))
        out.push_back(<char>(0x80 | (cp & 0x3F)))
    else:
        out.push_back(<char>(0xF0 | (cp >> 18)))
        out.push_back(<char>(0x80 | ((cp >> 12) & 0x3F)))
        out.push_back(<char>(0x80 | ((cp >> 6) & 0x3F)))
        out.push_back(<char>(0x80 | (cp & 0x3F)))


cdef int _utf8_span(
    const void* data, int kind, Py_ssize_t a, Py_ssize_t b, string& out
) except -1:
    # Append the UTF-8 bytes of text[a:b] (text given by its PEP 393 kind and data).
    cdef Py_ssize_t i
    if kind == PyUnicode_1BYTE_KIND:
        for i in range(a, b):
            _utf8_append(out, (<const uint8_t*>data)[i])
    elif kind == PyUnicode_2BYTE_KIND:
        for i in range(a, b):
            _utf8_append(out, (<const uint16_t*>data)[i])
    else:
        for i in range(a, b):
            _utf8_append(out, (<const uint32_t*>data)[i])
    return 0


cdef str _byte_chars(const string& raw, vector[uint16_t]& buf):
    """Map bytes to GPT-2's printable chars (one char per byte)."""
    cdef size_t i
    buf.resize(raw.size())
    for i in range(raw.size()):
        buf[i] = _BYTE_CHAR[<uint8_t>raw[i]]
    return PyUnicode_FromKindAndData(PyUnicode_2BYTE_KIND, buf.data(), <Py_ssize_t>buf.size())


cdef class PatternScanner:
    """Native matcher for one of the fixed split patterns (``SCAN_NAMES``).

    Gives exactly what the `regex` module gives for that pattern, without running a
    regex engine. Names: ``"byte_level"`` (Hugging Face's ByteLevel regex), ``"gpt2"``,
    ``"cl100k_base"``, ``"o200k_base"`` (tiktoken's), ``"llama3"``, ``"qwen2"``,
    ``"qwen3_5"``, ``"tekken"`` (those models' own; tokenlab/_patterns.py).

    Raises:
        ValueError: ``name`` is not one of ``SCAN_NAMES``.
    """

    def __init__(self, str name not None):
        if name not in SCAN_NAMES:
            raise ValueError(
                f"no fixed-pattern scanner for {name!r}; use one of {', '.join(SCAN_NAMES)}"
            )
        _scan_build_tables()
        self.name = name
        self._pattern = _SCAN_KERNEL[name]

    def __repr__(self):
        return f"PatternScanner({self.name!r})"

    def spans(self, str text not None):
        """Return the ``(start, end)`` of every match (``[m.span() for m in finditer]``)."""
        # Buffers are per call, not per scanner: one scanner may serve several threads.
        cdef vector[Py_ssize_t] ends
        _scan(self._pattern, text, ends)
        cdef Py_ssize_t start = 0, end
        cdef list out = []
        for end in ends:
            out.append((start, end))
            start = end
        return out

    def words(self, str text not None):
        """Return the matched strings (``regex.findall``)."""
        cdef vector[Py_ssize_t] ends
        _scan(self._pattern, text, ends)
        cdef Py_ssize_t start = 0, end
        cdef list out = []
        for end in ends:
            out.append(PyUnicode_Substring(text, start, end))
            start = end
        return out

    def byte_words(self, str text not None):
        """Return the matches with their UTF-8 bytes mapped to GPT-2's printable chars."""
        cdef vector[Py_ssize_t] ends
        cdef string raw
        cdef vector[uint16_t] buf
        _scan(self._pattern, text, ends)
        cdef int kind = PyUnicode_KIND(text)
        cdef const void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t start = 0, end
        cdef list out = []
        for end in ends:
            raw.clear()
            _utf8_span(data, kind, start, end, raw)
            out.append(_byte_chars(raw, buf))
            start = end
        return out


cdef inline uint64_t _hash_bytes(const char* p, size_t n) noexcept nogil:
    # A multiply-xorshift hash, 8 bytes per step; the final mix spreads every input bit
    # over the low bits the open-addressing table uses.
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xFF51AFD7ED558CCDULL)
    cdef uint64_t v
    while n >= 8:
        memcpy(&v, p, 8)
        h = (h ^ v) * 0x9FB21C651E98DF25ULL
        h ^= h >> 29
        p += 8
        n -= 8
    v = 0
    memcpy(&v, p, n)
    h = (h ^ v) * 0x9FB21C651E98DF25ULL
    h ^= h >> 32
    h *= 0xD6E8FEB86659FD93ULL
    h ^= h >> 32
    return h


cdef extern from *:
    """
    #define TL_PREFETCH(p) __builtin_prefetch((p))
    """
    void TL_PREFETCH(const void* p) noexcept nogil


cdef inline uint64_t _load_le(const char* p, size_t n) noexcept nogil:
    # The n <= 8 bytes at p as a zero-padded integer, from at most three loads: copying
    # a variable number of bytes into a variable and reading it back stalls the CPU.
    cdef uint32_t lo, hi
    cdef const uint8_t* b = <const uint8_t*>p
    if n >= 4:  # two 4-byte loads that overlap; the bytes they share are equal
        memcpy(&lo, p, 4)
        memcpy(&hi, p + n - 4, 4)
        return <uint64_t>lo | (<uint64_t>hi << (8 * (n - 4)))
    if n == 0:
        return 0
    return (
        <uint64_t>b[0]
        | (<uint64_t>b[n >> 1] << (8 * (n >> 1)))
        | (<uint64_t>b[n - 1] << (8 * (n - 1)))
    )


cdef inline uint64_t _word_hash(const char* p, size_t n, uint64_t* head) noexcept nogil:
    # The counters' hash of a word (_hash_bytes' mixing, with _load_le for the tail);
    # *head gets the word's first 8 bytes, zero-padded (what a slot compares first).
    cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xFF51AFD7ED558CCDULL)
    cdef uint64_t v
    if n >= 8:
        memcpy(head, p, 8)
    else:
        head[0] = _load_le(p, n)
    while n >= 8:
        memcpy(&v, p, 8)
        h = (h ^ v) * 0x9FB21C651E98DF25ULL
        h ^= h >> 29
        p += 8
        n -= 8
    h = (h ^ _load_le(p, n)) * 0x9FB21C651E98DF25ULL
    h ^= h >> 32
    h *= 0xD6E8FEB86659FD93ULL
    h ^= h >> 32
    return h


@cython.final
cdef class _ByteTable:
    """Counts keyed by byte strings, in an open-addressing table; first-seen order kept.

    The words' bytes live in one arena, so a counter holds no Python object per word.
    """

    def __cinit__(self):
        cdef _WordSlot empty
        empty.hash = 0
        empty.start = -1
        empty.count = 0
        empty.size = 0
        empty.head = 0
        self.slots.assign(1024, empty)
        self.words = 0

    cdef int grow(self) except -1 nogil:
        cdef _WordSlot empty
        empty.hash = 0
        empty.start = -1
        empty.count = 0
        empty.size = 0
        empty.head = 0
        cdef vector[_WordSlot] old
        old.swap(self.slots)
        self.slots.assign(old.size() * 2, empty)
        cdef uint64_t mask = self.slots.size() - 1, pos
        cdef size_t i
        for i in range(old.size()):
            if old[i].start >= 0:
                pos = old[i].hash & mask
                while self.slots[pos].start >= 0:
                    pos = (pos + 1) & mask
                self.slots[pos] = old[i]
        return 0

    cdef inline int count(self, const char* key, size_t n) except -1 nogil:
        cdef uint64_t head
        cdef uint32_t h = <uint32_t>_word_hash(key, n, &head)
        return self.count_hashed(key, n, h, head)

    cdef inline void prefetch(self, uint32_t h) noexcept nogil:
        # Start loading the slot a word with hash h is looked up in first.
        TL_PREFETCH(self.slots.data() + (h & (self.slots.size() - 1)))

    cdef inline int count_hashed(
        self, const char* key, size_t n, uint32_t h, uint64_t head
    ) except -1 nogil:
        # Count one more of the word key[:n], whose _word_hash is h (low 32 bits) and head.
        return self.add_hashed(key, n, h, head, 1)

    cdef inline int add_hashed(
        self, const char* key, size_t n, uint32_t h, uint64_t head, int64_t times
    ) except -1 nogil:
        # Count ``times`` more of the word key[:n] (hash h, first bytes head).
        cdef uint64_t mask, pos
        cdef _WordSlot* slot
        if (self.words + 1) * 10 > self.slots.size() * 7:
            self.grow()
        mask = self.slots.size() - 1
        pos = h & mask
        while True:
            slot = &self.slots[pos]
            if slot.start < 0:
                break
            # bytes 8.. are compared only when the first 8 (and the length) agree
            if slot.hash == h and slot.size == n and slot.head == head and (
                n <= 8 or memcmp(self.arena.data() + slot.start + 8, key + 8, n - 8) == 0
            ):
                slot.count += times
                return 0
            pos = (pos + 1) & mask
        slot.hash = h
        slot.head = head
        slot.start = <int64_t>self.arena.size()
        slot.count = times
        slot.size = <uint32_t>n
        self.arena.append(key, n)
        self.words += 1
        return 0

    cdef vector[size_t] order(self):
        # The used slots, the word seen first first (arena offsets grow with first sight).
        cdef vector[pair[int64_t, size_t]] by_start
        cdef vector[size_t] out
        cdef size_t i
        for i in range(self.slots.size()):
            if self.slots[i].start >= 0:
                by_start.push_back(pair[int64_t, size_t](self.slots[i].start, i))
        sort(by_start.begin(), by_start.end())
        for i in range(by_start.size()):
            out.push_back(by_start[i].second)
        return out

    cdef dict text_dict(self):
        # {word: count}, first seen first, for words of UTF-8 bytes ("surrogatepass").
        cdef dict out = {}
        cdef _WordSlot* slot
        for i in self.order():
            slot = &self.slots[i]
            word = self.arena.substr(slot.start, slot.size)
            out[(<bytes>word).decode("utf-8", "surrogatepass")] = slot.count
        return out


cdef enum:
    _WINDOW = 16  # words hashed (and their slots prefetched) before they are counted


cdef int _count_ascii(
    _ByteTable table, const char* data, Py_ssize_t start, vector[Py_ssize_t]& ends
) except -1 nogil:
    # Count the words data[start:ends[0]], data[ends[0]:ends[1]], ... (UTF-8 bytes).
    # A lookup is mostly a wait for its slot to come from memory: the words are taken
    # _WINDOW at a time, all hashed and their slots prefetched first, so the waits overlap.
    cdef uint32_t hs[_WINDOW]
    cdef uint64_t heads[_WINDOW]
    cdef size_t w0 = 0, w, k, m, nw = ends.size()
    cdef Py_ssize_t first
    while w0 < nw:
        m = min(<size_t>_WINDOW, nw - w0)
        first = start
        for k in range(m):
            w = w0 + k
            hs[k] = <uint32_t>_word_hash(data + start, ends[w] - start, &heads[k])
            table.prefetch(hs[k])
            start = ends[w]
        start = first
        for k in range(m):
            w = w0 + k
            table.count_hashed(data + start, ends[w] - start, hs[k], heads[k])
            start = ends[w]
        w0 += m
    return 0


cdef inline bint _is_ascii(const uint8_t* p, Py_ssize_t n) noexcept nogil:
    # Whether p[:n] is all ASCII, 8 bytes at a time.
    cdef uint64_t acc = 0, v
    cdef Py_ssize_t i = 0
    while i + 8 <= n:
        memcpy(&v, p + i, 8)
        acc |= v
        i += 8
    while i < n:
        acc |= p[i]
        i += 1
    return (acc & 0x8080808080808080ULL) == 0


cdef Py_ssize_t _utf8_decode(
    const uint8_t* p, Py_ssize_t n, vector[uint32_t]& cps, vector[Py_ssize_t]& offs
) except -2 nogil:
    # Decode p[:n] as strict UTF-8 (exactly what bytes.decode("utf-8") accepts: no
    # overlong forms, no surrogates, nothing above U+10FFFF) into code points, with the
    # byte offset of each and n after the last. -1, or the offset of the first byte of
    # the first invalid sequence.
    cdef Py_ssize_t i = 0
    cdef uint32_t c, b1, b2, b3
    cps.clear()
    offs.clear()
    while i < n:
        c = p[i]
        offs.push_back(i)
        if c < 0x80:
            cps.push_back(c)
            i += 1
        elif 0xC2 <= c <= 0xDF:
            if i + 1 >= n or (p[i + 1] & 0xC0) != 0x80:
                return i
            cps.push_back(((c & 0x1F) << 6) | (p[i + 1] & 0x3F))
            i += 2
        elif 0xE0 <= c <= 0xEF:
            if i + 2 >= n:
                return i
            b1 = p[i + 1]
            b2 = p[i + 2]
            if (b1 & 0xC0) != 0x80 or (b2 & 0xC0) != 0x80:
                return i
            if (c == 0xE0 and b1 < 0xA0) or (c == 0xED and b1 >= 0xA0):
                return i  # overlong, or a surrogate
            cps.push_back(((c & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F))
            i += 3
        elif 0xF0 <= c <= 0xF4:
            if i + 3 >= n:
                return i
            b1 = p[i + 1]
            b2 = p[i + 2]
            b3 = p[i + 3]
            if (b1 & 0xC0) != 0x80 or (b2 & 0xC0) != 0x80 or (b3 & 0xC0) != 0x80:
                return i
            if (c == 0xF0 and b1 < 0x90) or (c == 0xF4 and b1 >= 0x90):
                return i  # overlong, or above U+10FFFF
            cps.push_back(
                ((c & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F)
            )
            i += 4
        else:
            return i
    offs.push_back(n)
    return -1


cdef class ByteWordCounter:
    """Count the byte-mapped words of many texts without a Python object per word.

    Equivalent to ``Counter(w for t in texts for w in scanner.byte_words(t))`` (with
    ``" "`` prepended to a non-empty text that does not start with one when
    ``add_prefix_space``), keys in first-seen order. Words are keyed by their UTF-8 bytes
    in an open-addressing hash table and become Python strings once each, in
    :meth:`to_dict`.

    Args:
        scanner: The pattern to split with.
        add_prefix_space: ByteLevel's option.
    """

    def __init__(self, PatternScanner scanner not None, bint add_prefix_space=False):
        self._scanner = scanner
        self._prefix = add_prefix_space
        self._table = _ByteTable()

    def __len__(self):
        return self._table.words

    def add(self, texts):
        """Count the words of each text of ``texts`` (an iterable of str).

        Raises:
            TypeError: an item of ``texts`` is not a str.
        """
        cdef int pattern = self._scanner._pattern
        cdef int kind
        cdef const void* data
        cdef Py_ssize_t start, end
        cdef size_t w
        cdef _ByteTable table = self._table
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
            if self._prefix and text and not (<str>text).startswith(" "):
                text = " " + text
            _scan(pattern, <str>text, self._ends)
            kind = PyUnicode_KIND(text)
            data = PyUnicode_DATA(text)
            start = 0
            if PyUnicode_IS_ASCII(text):
                # The chars are the UTF-8 bytes: count straight from the string.
                _count_ascii(table, <const char*>data, 0, self._ends)
                continue
            for w in range(self._ends.size()):
                end = self._ends[w]
                self._key.clear()
                _utf8_span(data, kind, start, end, self._key)
                table.count(self._key.data(), self._key.size())
                start = end

    def add_lines(self, data):
        """Count the words of each line of ``data``, UTF-8 bytes, line endings kept.

        The same counts as :meth:`add` over the decoded lines, each with its ``"\\n"``
        (the last line may lack one), without a Python string per line. The GIL is
        released while counting, so counters in different threads run in parallel;
        a counter must not be used by two threads at once.

        Args:
            data: a bytes-like object of whole lines.

        Returns:
            -1; or the offset of the first invalid UTF-8 sequence in ``data`` (what
            ``bytes.decode("utf-8")`` refuses), after which the counts are partial:
            the caller discards the counter.
        """
        cdef const uint8_t[::1] view = data
        cdef Py_ssize_t n = view.shape[0], bad
        if n == 0:
            return -1
        with nogil:
            bad = self._count_block(&view[0], n)
        return bad

    def update(self, ByteWordCounter other not None):
        """Add the counts of ``other`` (its new words come after this counter's).

        Raises:
            ValueError: ``other`` splits with another pattern or prefix option.
        """
        if other._scanner._pattern != self._scanner._pattern or other._prefix != self._prefix:
            raise ValueError("update needs a counter with the same pattern and prefix option")
        cdef _ByteTable table = other._table
        cdef _WordSlot* slot
        cdef const char* key
        cdef uint64_t head
        cdef uint32_t h
        for i in table.order():
            slot = &table.slots[i]
            key = table.arena.data() + slot.start
            h = <uint32_t>_word_hash(key, slot.size, &head)
            self._table.add_hashed(key, slot.size, h, head, slot.count)

    cdef Py_ssize_t _count_block(self, const uint8_t* p, Py_ssize_t n) except -2 nogil:
        # Count the words of each line of p[:n]: -1, or the offset of invalid UTF-8.
        # Without a prefix space the lines' words tile the block, so their ends are
        # gathered over many lines and counted in long runs (the prefetch window fills).
        cdef Py_ssize_t pos = 0, end, bad, start = 0
        cdef const uint8_t* nl
        self._ends.clear()
        while pos < n:
            nl = <const uint8_t*>memchr(p + pos, 10, n - pos)
            end = n if nl == NULL else (nl - p) + 1
            if self._prefix and p[pos] != 32:
                # the line with its " " before it, from a copy
                _count_ascii(self._table, <const char*>p, start, self._ends)
                self._ends.clear()
                self._key.assign(1, 32)
                self._key.append(<const char*>(p + pos), end - pos)
                bad = self._scan_bytes(<const uint8_t*>self._key.data(), self._key.size(), 0)
                if bad >= 0:
                    return pos + max(bad - 1, 0)
                _count_ascii(self._table, self._key.data(), 0, self._ends)
                self._ends.clear()
                start = end
            else:
                bad = self._scan_bytes(p + pos, end - pos, pos)
                if bad >= 0:
                    return pos + bad
                if self._ends.size() >= 4096:
                    _count_ascii(self._table, <const char*>p, start, self._ends)
                    start = self._ends.back()
                    self._ends.clear()
            pos = end
        _count_ascii(self._table, <const char*>p, start, self._ends)
        self._ends.clear()
        return -1

    cdef Py_ssize_t _scan_bytes(
        self, const uint8_t* p, Py_ssize_t n, Py_ssize_t at
    ) except -2 nogil:
        # Append at + the byte offset of the end of each word of the text p[:n] to
        # self._ends: -1, or the offset in p of invalid UTF-8. An ASCII text is scanned
        # as it is (its bytes are its chars); another is decoded to code points first.
        cdef int pattern = self._scanner._pattern
        cdef Py_ssize_t i = 0, m, bad
        cdef const uint32_t* cs
        if _is_ascii(p, n):
            while i < n:
                i = _next_piece(pattern, p, n, i)
                self._ends.push_back(at + i)
            return -1
        bad = _utf8_decode(p, n, self._cps, self._offs)
        if bad >= 0:
            return bad
        m = <Py_ssize_t>self._cps.size()
        cs = self._cps.data()
        while i < m:
            i = _next_piece(pattern, cs, m, i)
            self._ends.push_back(at + self._offs[i])
        return -1

    def to_dict(self, into=None):
        """Return ``{byte-mapped word: count}`` in first-seen order.

        Args:
            into: a dict (e.g. a ``Counter``) to add the counts to and return, so that a
                large result is not built twice; None: a new dict.
        """
        out = {} if into is None else into
        cdef bint add = into is not None
        cdef vector[uint16_t] buf
        cdef string word
        cdef _WordSlot* slot
        for i in self._table.order():
            slot = &self._table.slots[i]
            word = self._table.arena.substr(slot.start, slot.size)
            key = _byte_chars(word, buf)
            out[key] = out.get(key, 0) + slot.count if add else slot.count
        return out


cdef enum:
    _SW_DROP = 0        # the char is removed (it does not end a word)
    _SW_SEP = 1         # the char ends a word and is removed
    _SW_WORD = 2        # the char is part of a word (as its table char)
    _SW_ALONE = 3       # the char is a word of its own (as its table char)


cdef int _parse_word_table(table, uint8_t* kind, char* chars) except -1:
    # A 128-entry table of ASCII word rules ("", " ", "c" or " c ") into kinds and chars.
    cdef int c
    if len(table) != 128:
        raise ValueError(f"table must have 128 entries, got {len(table)}")
    for c in range(128):
        out = table[c]
        if not isinstance(out, str) or not out.isascii() or "\n" in out:
            raise ValueError(f"table[{c}] must be an ASCII str without a newline, got {out!r}")
        if out == "":
            kind[c] = _SW_DROP
        elif out == " ":
            kind[c] = _SW_SEP
        elif len(out) == 1:
            kind[c] = _SW_WORD
            chars[c] = <char>ord(out)
        elif len(out) == 3 and out[0] == " " == out[2] and out[1] != " ":
            kind[c] = _SW_ALONE
            chars[c] = <char>ord(out[1])
        else:
            raise ValueError(f"table[{c}] must be '', ' ', a char or ' c ', got {out!r}")
    return 0


cdef enum:
    _SW_CONTEXT = 4     # the char's fate depends on its neighbours: not covered


cdef class _CharRules:
    """Word rules per char: a 128-entry table for ASCII, a function for the others.

    A rule says what happens to a char: dropped, a separator, chars of a word (its
    normalized form, UTF-8) or a word of its own; or _SW_CONTEXT when no rule holds
    whatever its neighbours are (the function gave None, or there is no function).
    """

    def __cinit__(self):
        cdef int c
        for c in range(128):
            self.kind[c] = _SW_WORD
            self.chars[c] = <char>c
        self.kind[32] = _SW_SEP
        self.kind[10] = _SW_SEP

    cdef int set_table(self, table) except -1:
        _parse_word_table(table, self.kind, self.chars)
        return 0

    cdef int32_t lookup(self, uint32_t cp) except -1:
        # The rule number of a char outside ASCII (asked of self.rule on first sight).
        cdef unordered_map[uint32_t, int32_t].iterator it = self.index.find(cp)
        cdef uint8_t kind
        if it != self.index.end():
            return deref(it).second
        out = None if self.rule is None else self.rule(chr(cp))
        if out is None:
            kind = _SW_CONTEXT
            out = ""
        elif not isinstance(out, str) or "\n" in out:
            raise ValueError(f"rule({chr(cp)!r}) gave {out!r}, not a rule")
        elif out == "":
            kind = _SW_DROP
        elif out == " ":
            kind = _SW_SEP
        elif len(out) == 3 and out[0] == " " == out[2] and out[1] != " ":
            kind = _SW_ALONE
            out = out[1]
        elif " " not in out:
            kind = _SW_WORD
        else:
            raise ValueError(f"rule({chr(cp)!r}) gave {out!r}, not a rule")
        self.rkind.push_back(kind)
        self.rout.push_back((<str>out).encode("utf-8", "surrogatepass"))
        self.rchars.push_back(<int32_t>len(out))
        self.index[cp] = <int32_t>(self.rkind.size() - 1)
        return <int32_t>(self.rkind.size() - 1)

    cdef bint covers(self, str text) except -1:
        # Whether every char of text has a rule (asking for the rules not known yet).
        cdef int ukind = PyUnicode_KIND(text)
        cdef void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t i
        cdef uint32_t c
        if PyUnicode_IS_ASCII(text):
            return True
        for i in range(PyUnicode_GET_LENGTH(text)):
            c = PyUnicode_READ(ukind, data, i)
            if c >= 128 and self.rkind[self.lookup(c)] == _SW_CONTEXT:
                return False
        return True


cdef class SpaceWordCounter:
    """Count the space-separated words of lines, and the last word of each line.

    Each text is lines joined by ``"\\n"``; with no ``table``, the text must be ASCII
    and the words are the non-empty runs between spaces and newlines: counting ``w for
    line in text.split("\\n") for w in line.split(" ") if w`` (and, with
    ``sentence_ends``, the last such ``w`` of each line), keys in first-seen order.
    SentencePiece's word counting uses it for the lines it can take in bulk
    (tokenlab.sp_pretokenize).

    A ``table`` maps each of the 128 ASCII chars to ``""`` (dropped), ``" "`` (a
    separator), one char (that char, inside a word) or ``" c "`` (``c`` as a word of its
    own): each char is replaced by its entry first, then the text is split as above. A
    newline must map to ``" "``. With a ``rule`` too, other chars get theirs from it
    (the same forms, a word's part may be several chars; None: not covered, see
    :meth:`add`). The BERT word counter uses them (tokenlab.corpus.bert_char_rule).

    Args:
        sentence_ends: also count the last word of each line.
        table: the ASCII rules, or None (identity).
        rule: char -> rule or None, for chars outside ASCII (only with a table).

    Raises:
        ValueError: ``table`` is malformed, or a rule without a table.

    >>> c = SpaceWordCounter(True)
    >>> c.add("a b  a\\n\\nb a ")
    True
    >>> c.to_dicts()
    ({'a': 3, 'b': 2}, {'a': 2})
    """

    def __init__(self, bint sentence_ends=False, table=None, rule=None):
        self._words = _ByteTable()
        self._lasts = _ByteTable()
        self._want_ends = sentence_ends
        self._rules = _CharRules()
        if table is not None:
            self._rules.set_table(table)
            if self._rules.kind[10] != _SW_SEP:
                raise ValueError("table must map the newline to ' ' (lines are joined by it)")
            self._rules.rule = rule
        elif rule is not None:
            raise ValueError("a rule for chars outside ASCII needs a table")
        self._any_text = table is not None

    def __len__(self):
        return self._words.words

    cdef inline int _end_word(self, Py_ssize_t* last_size) except -1:
        # Count the word in self._word (if any) and remember it as the line's last.
        if self._word.size():
            self._words.count(self._word.data(), self._word.size())
            last_size[0] = 1
            if self._want_ends:
                self._last_word.assign(self._word)
            self._word.clear()
        return 0

    def add(self, str text not None):
        """Count the words of ``text`` (lines joined by newlines).

        Returns:
            True; False (and nothing counted) when a char of ``text`` has no rule
            (the caller counts that text some other way).

        Raises:
            ValueError: ``text`` is not ASCII and there is no table.
        """
        if not self._any_text and not PyUnicode_IS_ASCII(text):
            raise ValueError("SpaceWordCounter takes ASCII text only (without a table)")
        cdef _CharRules rules = self._rules
        if not rules.covers(text):
            return False
        cdef int ukind = PyUnicode_KIND(text)
        cdef void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i
        cdef Py_ssize_t has_last = 0
        cdef uint32_t c
        cdef int32_t r = -1
        cdef uint8_t kind
        self._word.clear()
        for i in range(n):
            c = PyUnicode_READ(ukind, data, i)
            if c < 128:
                kind = rules.kind[c]
            else:
                r = rules.lookup(c)
                kind = rules.rkind[r]
            if kind == _SW_WORD:
                if c < 128:
                    self._word.push_back(rules.chars[c])
                else:
                    self._word.append(rules.rout[r])
            elif kind == _SW_SEP:
                self._end_word(&has_last)
                if c == 10:
                    if has_last and self._want_ends:
                        self._lasts.count(self._last_word.data(), self._last_word.size())
                    has_last = 0
            elif kind == _SW_ALONE:
                self._end_word(&has_last)
                if c < 128:
                    self._word.push_back(rules.chars[c])
                else:
                    self._word.append(rules.rout[r])
                self._end_word(&has_last)
        self._end_word(&has_last)
        if has_last and self._want_ends:
            self._lasts.count(self._last_word.data(), self._last_word.size())
        return True

    def to_dicts(self):
        """Return ``({word: count}, {last word: count})``, each in first-seen order."""
        return self._words.text_dict(), self._lasts.text_dict()


__all__ += ["SCAN_NAMES", "ByteWordCounter", "PatternScanner", "SpaceWordCounter"]
