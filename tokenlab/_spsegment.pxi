# Included at the end of _core.pyx: SentencePiece BPE's cutting of words into parts.
#
# The pure twin is tokenlab/_pyspsegment.py; tests/test_sp_speed_paths.py
# checks both against sp_pretokenize.piece_boundaries, the definition.

from cpython.unicode cimport PyUnicode_READ

#: Packed char info of sum_segments: bit 0: the char is a piece of its own; bit 1: it is
#: the "▁"; bits 2 and up: its script class (see SEGMENT_INHERITED and SEGMENT_ANY).
cdef enum:
    _SEG_ALONE = 1
    _SEG_SPACE = 2
    _SEG_INHERITED = 0
    _SEG_ANY = 1

SEGMENT_ALONE = _SEG_ALONE
SEGMENT_SPACE = _SEG_SPACE
#: Script class of a char that takes the script of the char before it (Inherited).
SEGMENT_INHERITED = _SEG_INHERITED
#: Script class of a char that fits any script (digits without split_by_number).
SEGMENT_ANY = _SEG_ANY


def sum_segments(dict counts not None, dict info not None, bint suffix, bint by_script,
                 classify=None):
    """The words of ``counts`` cut where no SentencePiece piece can cross, parts summed.

    Args:
        counts: word -> count; words of one char or with a count <= 0 are skipped.
        info: char -> ``alone | space << 1 | script << 2`` for every char of the words
            (``alone``: the char is a piece of its own; ``space``: it is the "▁";
            ``script``: SEGMENT_INHERITED, SEGMENT_ANY or a script number >= 2).
        suffix: treat_whitespace_as_suffix (a "▁" ends a part instead of starting one).
        by_script: split_by_unicode_script (a change of script is a cut).
        classify: char -> packed info, asked once for each char not in ``info``.

    Returns:
        part -> summed count, for the parts of two chars or more, first seen first.

    Raises:
        KeyError: a char of a word is not in ``info`` and there is no ``classify``.
    """
    cdef dict out = {}
    cdef vector[int32_t] table
    cdef uint32_t cp, top = 0
    cdef Py_ssize_t i, n, start
    cdef int32_t packed, script, prev
    cdef bint alone, space, cut, before_alone, before_space
    cdef int kind
    cdef void* data
    for ch, value in info.items():
        if not isinstance(ch, str) or len(ch) != 1:
            raise ValueError(f"info keys must be single chars, got {ch!r}")
        cp = ord(ch)
        if cp >= table.size():
            table.resize(cp + 1, -1)
        table[cp] = <int32_t>value
    for word, count in counts.items():
        if not isinstance(word, str):
            raise TypeError(f"words must be str, got {type(word).__name__}")
        n = PyUnicode_GET_LENGTH(word)
        if n < 2 or count <= 0:
            continue
        kind = PyUnicode_KIND(word)
        data = PyUnicode_DATA(word)
        start = 0
        prev = _SEG_ANY
        before_alone = before_space = False
        for i in range(n):
            cp = PyUnicode_READ(kind, data, i)
            packed = table[cp] if cp < table.size() else -1
            if packed < 0:
                if classify is None:
                    raise KeyError(chr(cp))
                packed = classify(chr(cp))
                if packed < 0:
                    raise ValueError(f"classify({chr(cp)!r}) gave {packed}, not an info value")
                if cp >= table.size():
                    table.resize(cp + 1, -1)
                table[cp] = packed
            alone = packed & _SEG_ALONE
            space = packed & _SEG_SPACE
            script = packed >> 2
            cut = i > 0 and (alone or before_alone or (before_space if suffix else space))
            before_alone, before_space = alone, space
            if cut:
                _add_part(out, word, start, i, count)
                start = i
                prev = _SEG_ANY
            if space:
                continue
            if script == _SEG_INHERITED:
                script = prev
            elif (by_script and not cut and script != _SEG_ANY and prev != _SEG_ANY
                  and script != prev):
                _add_part(out, word, start, i, count)
                start = i
            prev = script
        _add_part(out, word, start, n, count)
    return out


cdef inline int _add_part(dict out, str word, Py_ssize_t start, Py_ssize_t end,
                          object count) except -1:
    cdef object part
    if end - start < 2:
        return 0
    part = word if start == 0 and end == PyUnicode_GET_LENGTH(word) else (
        PyUnicode_Substring(word, start, end))
    old = out.get(part)
    out[part] = count if old is None else old + count
    return 0


__all__ += ["SEGMENT_ALONE", "SEGMENT_ANY", "SEGMENT_INHERITED", "SEGMENT_SPACE", "sum_segments"]
