"""The obviously-correct naive algorithms, used only as the test oracle.

Every step recounts everything from scratch: quadratic, slow, and easy to check
by eye. The two real cores (``_core.pyx`` and ``_pycore.py``) must produce
exactly the same merges as these functions on any corpus; the property tests in
``tests/test_core.py`` check that. Nothing in tokenlab calls this module for
real work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

__all__ = ["apply_merges", "byte_rank_merge", "merge_word", "train_merges"]


def merge_word(word: Sequence[int], left: int, right: int, new_id: int) -> list[int]:
    """Replace non-overlapping ``left right`` occurrences, scanning left to right.

    >>> merge_word([1, 1, 1, 1, 1], 1, 1, 9)
    [9, 9, 1]
    """
    out: list[int] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == left and word[i + 1] == right:
            out.append(new_id)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def _lengths_ok(
    pair: tuple[int, int], lengths: dict[int, int], max_token_length: int | None
) -> bool:
    if max_token_length is None:
        return True
    return lengths.get(pair[0], 1) + lengths.get(pair[1], 1) <= max_token_length


def train_merges(
    words: Sequence[Sequence[int]],
    counts: Sequence[int],
    new_ids: Sequence[int],
    *,
    scoring: str = "count",
    symbol_lengths: Sequence[int] | None = None,
    max_token_length: int | None = None,
    min_count: int = 1,
    tie: str = "ids",
    symbol_strings: Sequence[str] | None = None,
) -> list[tuple[int, int, int]]:
    """Learn up to ``len(new_ids)`` merges, recounting everything at every step.

    The k-th merge gets id ``new_ids[k]``. Rules (the same as the cores'):
    ``count`` picks the highest pair count, ties to the smallest (left, right);
    ``likelihood`` picks the highest count(ab) / (count(a) * count(b)) as an exact
    fraction, ties to the higher count(ab), then the smallest (left, right).
    Only pairs with a count of at least ``min_count`` are candidates; training
    stops early when there are none. With
    ``tie="piece"`` equal scores go first to the shorter merged string, then the
    smaller string (``symbol_strings`` gives the initial ones), then the ids.

    Returns:
        ``(left, right, count)`` for each merge, in order.
    """
    segs = [list(w) for w in words]
    lengths = dict(enumerate(symbol_lengths or ()))
    strings = dict(enumerate(symbol_strings or ()))

    def piece_key(pair: tuple[int, int]) -> tuple[int, str]:
        if tie != "piece":
            return (0, "")
        text = strings.get(pair[0], "") + strings.get(pair[1], "")
        return (len(text), text)

    result: list[tuple[int, int, int]] = []
    for new_id in new_ids:
        pairs: dict[tuple[int, int], int] = {}
        symbols: dict[int, int] = {}
        for word, freq in zip(segs, counts):
            for s in word:
                symbols[s] = symbols.get(s, 0) + freq
            for i in range(len(word) - 1):
                pair = (word[i], word[i + 1])
                if _lengths_ok(pair, lengths, max_token_length):
                    pairs[pair] = pairs.get(pair, 0) + freq
        live = [(p, c) for p, c in pairs.items() if c >= max(1, min_count)]
        if not live:
            break
        if scoring == "count":
            best, count = min(live, key=lambda pc: (-pc[1], piece_key(pc[0]), pc[0]))
        elif scoring == "likelihood":
            best, count = min(
                live,
                key=lambda pc: (
                    -Fraction(pc[1], symbols[pc[0][0]] * symbols[pc[0][1]]),
                    -pc[1],
                    piece_key(pc[0]),
                    pc[0],
                ),
            )
        else:
            raise ValueError(f"unknown scoring {scoring!r}")
        lengths[new_id] = lengths.get(best[0], 1) + lengths.get(best[1], 1)
        strings[new_id] = strings.get(best[0], "") + strings.get(best[1], "")
        segs = [merge_word(w, best[0], best[1], new_id) for w in segs]
        result.append((best[0], best[1], count))
    return result


def apply_merges(word: Sequence[int], merges: Sequence[tuple[int, int, int]]) -> list[int]:
    """Encode one word: merge the lowest-rank adjacent pair, leftmost first, until none.

    Args:
        word: initial symbol ids.
        merges: ``(left, right, new_id)`` in rank order; a repeated pair keeps its
            first rank.
    """
    ranks: dict[tuple[int, int], tuple[int, int]] = {}
    for rank, (left, right, new_id) in enumerate(merges):
        ranks.setdefault((left, right), (rank, new_id))
    seq = list(word)
    while True:
        best_i = -1
        best_rank = -1
        for i in range(len(seq) - 1):
            hit = ranks.get((seq[i], seq[i + 1]))
            if hit is not None and (best_i < 0 or hit[0] < best_rank):
                best_i, best_rank = i, hit[0]
        if best_i < 0:
            return seq
        seq[best_i : best_i + 2] = [ranks[(seq[best_i], seq[best_i + 1])][1]]


def byte_rank_merge(
    ranks: Mapping[bytes, int], piece: bytes, limit: int | None = None
) -> list[int]:
    """tiktoken's rule: join the adjacent parts whose concatenation ranks lowest, leftmost.

    Starts from single bytes; only concatenations ranked below ``limit`` (None: any)
    join. Returns the ranks of the final parts (a part without a rank: ValueError).

    >>> byte_rank_merge({b"a": 0, b"b": 1, b"ab": 2, b"bb": 3}, b"abb")
    [2, 1]
    """
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while True:
        best_i, best_rank = -1, -1
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (limit is None or r < limit) and (best_i < 0 or r < best_rank):
                best_i, best_rank = i, r
        if best_i < 0:
            break
        parts[best_i : best_i + 2] = [parts[best_i] + parts[best_i + 1]]
    if any(p not in ranks for p in parts):
        raise ValueError("a byte has no rank")
    return [ranks[p] for p in parts]
