"""Pure twin of ``_spsegment.pxi``: SentencePiece BPE's words cut where no piece can cross."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["SEGMENT_ALONE", "SEGMENT_ANY", "SEGMENT_INHERITED", "SEGMENT_SPACE", "sum_segments"]

#: Packed char info of sum_segments: bit 0: the char is a piece of its own; bit 1: it is
#: the "▁"; bits 2 and up: its script class (see SEGMENT_INHERITED and SEGMENT_ANY).
SEGMENT_ALONE = 1
SEGMENT_SPACE = 2
#: Script class of a char that takes the script of the char before it (Inherited).
SEGMENT_INHERITED = 0
#: Script class of a char that fits any script (digits without split_by_number).
SEGMENT_ANY = 1


def sum_segments(
    counts: dict[str, int],
    info: dict[str, int],
    suffix: bool,
    by_script: bool,
    classify: Callable[[str], int] | None = None,
) -> dict[str, int]:
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

    >>> sum_segments({"ab,c": 2}, {"a": 8, "b": 8, ",": 1, "c": 8}, False, True)
    {'ab': 2}
    """
    if not isinstance(counts, dict) or not isinstance(info, dict):
        raise TypeError("counts and info must be dicts")
    for ch in info:
        if not isinstance(ch, str) or len(ch) != 1:
            raise ValueError(f"info keys must be single chars, got {ch!r}")
    info = dict(info)
    out: dict[str, int] = {}
    get = out.get
    for word, count in counts.items():
        if not isinstance(word, str):
            raise TypeError(f"words must be str, got {type(word).__name__}")
        if len(word) < 2 or count <= 0:
            continue
        start = 0
        prev = SEGMENT_ANY
        before_alone = before_space = False
        cuts: list[int] = []
        for i, ch in enumerate(word):
            packed = info.get(ch, -1)
            if packed < 0:
                if classify is None:
                    raise KeyError(ch)
                packed = info[ch] = classify(ch)
                if packed < 0:
                    raise ValueError(f"classify({ch!r}) gave {packed}, not an info value")
            alone, space, script = bool(packed & 1), bool(packed & 2), packed >> 2
            cut = i > 0 and (alone or before_alone or (before_space if suffix else space))
            before_alone, before_space = alone, space
            if cut:
                cuts.append(i)
                prev = SEGMENT_ANY
            if space:
                continue
            if script == SEGMENT_INHERITED:
                script = prev
            elif by_script and not cut and SEGMENT_ANY not in (script, prev) and script != prev:
                cuts.append(i)
            prev = script
        cuts.append(len(word))
        for end in cuts:
            if end - start > 1:
                part = word[start:end]
                out[part] = get(part, 0) + count
            start = end
    return out
