"""The twin cores against the naive reference, and against each other.

The property tests draw random small corpora (few symbols, so pairs collide and
ties are common) and check that every merge, in order, equals what the
recount-everything reference in ``tokenlab._reference`` picks.
"""

from __future__ import annotations

import array
import itertools
from fractions import Fraction
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab import _reference as ref

words_strategy = st.lists(
    st.tuples(st.lists(st.integers(0, 4), max_size=9), st.integers(0, 6)),
    min_size=1,
    max_size=8,
)


def run_merges(
    core: ModuleType,
    words: list[list[int]],
    counts: list[int],
    n: int,
    scoring: str,
    max_token_length: int | None = None,
) -> tuple[list[tuple[int, int, int]], list[list[int]]]:
    pc = core.PairCounter(words, counts, scoring=scoring, max_token_length=max_token_length)
    base = 1 + max((s for w in words for s in w), default=0)
    out = []
    for k in range(n):
        best = pc.best()
        if best is None:
            break
        pc.merge(best[0], best[1], base + k)
        out.append(best)
    return out, pc.get_words()


@settings(max_examples=150, deadline=None)
@given(data=words_strategy, n=st.integers(0, 12), scoring=st.sampled_from(["count", "likelihood"]))
def test_cores_equal_reference(core: ModuleType, data: list, n: int, scoring: str) -> None:
    words = [w for w, _ in data]
    counts = [c for _, c in data]
    base = 1 + max((s for w in words for s in w), default=0)
    got, segs = run_merges(core, words, counts, n, scoring)
    expected = ref.train_merges(words, counts, list(range(base, base + n)), scoring=scoring)
    assert got == expected
    # The segmentation after the merges is what the reference gets by replaying them.
    replay = [list(w) for w in words]
    for k, (a, b, _) in enumerate(got):
        replay = [ref.merge_word(w, a, b, base + k) for w in replay]
    assert segs == replay


@settings(max_examples=80, deadline=None)
@given(
    data=words_strategy,
    n=st.integers(0, 10),
    max_len=st.integers(1, 5),
    scoring=st.sampled_from(["count", "likelihood"]),
)
def test_max_token_length_equals_reference(
    core: ModuleType, data: list, n: int, max_len: int, scoring: str
) -> None:
    words = [w for w, _ in data]
    counts = [c for _, c in data]
    base = 1 + max((s for w in words for s in w), default=0)
    got, _ = run_merges(core, words, counts, n, scoring, max_token_length=max_len)
    expected = ref.train_merges(
        words, counts, list(range(base, base + n)), scoring=scoring, max_token_length=max_len
    )
    assert got == expected


@settings(max_examples=60, deadline=None)
@given(data=words_strategy, n=st.integers(0, 10), scoring=st.sampled_from(["count", "likelihood"]))
def test_both_cores_identical(data: list, n: int, scoring: str) -> None:
    try:
        from tokenlab import _core
    except ImportError:
        pytest.skip("native core not built")
    from tokenlab import _pycore

    words = [w for w, _ in data]
    counts = [c for _, c in data]
    assert run_merges(_pycore, words, counts, n, scoring) == run_merges(
        _core, words, counts, n, scoring
    )


def test_overlapping_pairs_count_twice_merge_once(core: ModuleType) -> None:
    # "a a a" (ids 0 0 0) holds the window (0, 0) twice: count 2 x freq 3 = 6.
    # Merging left to right, non-overlapping, gives [new, 0]: one occurrence, weight 3.
    pc = core.PairCounter([[0, 0, 0]], [3])
    assert pc.best() == (0, 0, 6)
    assert pc.merge(0, 0, 1) == 3
    assert pc.get_words() == [[1, 0]]
    assert pc.pair_count(1, 0) == 3
    assert pc.pair_count(0, 0) == 0


def test_tie_goes_to_smallest_pair(core: ModuleType) -> None:
    # (2, 3) and (0, 1) both count 5; (0, 1) is the smaller pair of ids.
    pc = core.PairCounter([[2, 3], [0, 1]], [5, 5])
    assert pc.best() == (0, 1, 5)


def test_likelihood_rescoring_after_frequency_drop(core: ModuleType) -> None:
    # Words: "x y" x4, "x z" x1, "w z" x2 (ids x=0, y=1, z=2, w=3).
    # counts: x 5, y 4, z 3, w 2. Scores: (x,y) 4/(5*4) = 1/5, (x,z) 1/(5*3) = 1/15,
    # (w,z) 2/(2*3) = 1/3. Best: (w,z). After it z falls to 1, so (x,z) rises to
    # 1/(5*1) = 1/5 and ties (x,y) at 1/5; the tie goes to the higher count (x,y), 4 > 1.
    # A core that only rechecked popped entries would still hold (x,z) at 1/15.
    pc = core.PairCounter([[0, 1], [0, 2], [3, 2]], [4, 1, 2], scoring="likelihood")
    assert pc.best() == (3, 2, 2)
    pc.merge(3, 2, 4)
    assert pc.symbol_count(2) == 1
    assert pc.best() == (0, 1, 4)
    pc.merge(0, 1, 5)
    # x falls to 1: (x,z) = 1/(1*1) = 1, the only pair left.
    assert pc.best() == (0, 2, 1)


def test_likelihood_exact_tie_with_huge_counts(core: ModuleType) -> None:
    # Two pairs whose scores differ by less than a double can resolve:
    # (0,1): c=F,   count(0)=F+1, count(1)=F   -> 1/(F+1)
    # (2,3): c=F-1, count(2)=F,   count(3)=F-1 -> 1/F  (larger: must win)
    F = 2**40
    words = [[0, 1], [0], [2, 3], [2]]
    counts = [F, 1, F - 1, 1]
    pc = core.PairCounter(words, counts, scoring="likelihood")
    assert pc.best() == (2, 3, F - 1)


def test_counts_above_32_bits(core: ModuleType) -> None:
    big = 3 * 2**31 + 7
    pc = core.PairCounter([[0, 1, 0, 1], [1, 0]], [big, big])
    assert pc.best() == (0, 1, 2 * big)
    assert pc.pair_count(1, 0) == 2 * big
    pc.merge(0, 1, 2)
    assert pc.pair_count(2, 2) == big
    assert pc.symbol_count(2) == 2 * big


@pytest.mark.parametrize(
    ("words", "counts", "error"),
    [
        ([[0, -1]], [1], ValueError),
        ([[0, 2**31]], [1], ValueError),
        ([[0, "a"]], [1], TypeError),
        ([[0, 1]], [-1], ValueError),
        ([[0, 1]], [1.5], ValueError),
        ([[0, 1]], [1, 2], ValueError),
        ([[0, 1, 2]], [2**62], ValueError),  # total above 2**63: refused, never overflows
    ],
)
def test_bad_input_is_refused(core: ModuleType, words: list, counts: list, error: type) -> None:
    with pytest.raises(error):
        core.PairCounter(words, counts)


def test_bad_merge_ids_are_refused(core: ModuleType) -> None:
    pc = core.PairCounter([[0, 1]], [1])
    with pytest.raises(ValueError):
        pc.merge(0, 1, -5)
    with pytest.raises(ValueError):
        pc.merge(2**40, 1, 3)
    with pytest.raises(ValueError):
        core.PairCounter([[0, 1]], [1], scoring="nope")
    # Merging a pair that does not occur is harmless.
    assert pc.merge(5, 6, 7) == 0
    assert pc.get_words() == [[0, 1]]


def test_empty_corpus(core: ModuleType) -> None:
    pc = core.PairCounter([], [])
    assert pc.best() is None
    pc = core.PairCounter([[], [3]], [5, 5])
    assert pc.best() is None
    assert pc.num_pairs == 0


@settings(max_examples=200, deadline=None)
@given(
    word=st.lists(st.integers(0, 5), max_size=14),
    merges=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), max_size=10),
)
def test_merge_table_equals_reference(core: ModuleType, word: list[int], merges: list) -> None:
    triples = [(a, b, 6 + k) for k, (a, b) in enumerate(merges)]
    table = core.MergeTable(triples)
    expected = ref.apply_merges(word, triples)
    assert table.apply(word) == expected
    ids, sizes = table.split(word)
    assert ids == expected
    assert sum(sizes) == len(word)
    assert all(s >= 1 for s in sizes)


def test_merge_table_golden(core: ModuleType) -> None:
    # merges: (0,1)->3 rank 0, (3,2)->4 rank 1. "0 1 2 0 1": rank 0 applies at both
    # places (leftmost first) -> [3, 2, 3]; then (3,2) -> [4, 3].
    table = core.MergeTable([(0, 1, 3), (3, 2, 4)])
    assert table.split([0, 1, 2, 0, 1]) == ([4, 3], [3, 2])
    assert table.apply([]) == []
    with pytest.raises(ValueError):
        table.apply([0, -1])


@settings(max_examples=120, deadline=None)
@given(
    data=words_strategy,
    n=st.integers(0, 12),
    scoring=st.sampled_from(["count", "likelihood"]),
    strings=st.lists(
        st.sampled_from(["a", "b", "cc", "d", "ee", "é", "日"]), min_size=5, max_size=5
    ),
)
def test_piece_tie_equals_reference(
    core: ModuleType, data: list, n: int, scoring: str, strings: list[str]
) -> None:
    words = [w for w, _ in data]
    counts = [c for _, c in data]
    pc = core.PairCounter(words, counts, scoring=scoring, tie="piece", symbol_strings=strings)
    got = []
    for k in range(n):
        best = pc.best()
        if best is None:
            break
        pc.merge(best[0], best[1], 5 + k)
        got.append(best)
    expected = ref.train_merges(
        words, counts, list(range(5, 5 + n)), scoring=scoring, tie="piece", symbol_strings=strings
    )
    assert got == expected


def test_piece_tie_golden(core: ModuleType) -> None:
    # Symbols: 0 "ab", 1 "c", 2 "x", 3 "y". Pairs (0,1) "abc" and (2,3) "xy" both count 4.
    # The id rule would take (0, 1); the piece rule takes the shorter piece "xy".
    # Among equal lengths ("c"+"x" = "cx" vs "x"+"y" = "xy"), the smaller string wins.
    words = [[0, 1], [2, 3], [1, 2]]
    counts = [4, 4, 4]
    strings = ["ab", "c", "x", "y"]
    assert core.PairCounter(words, counts).best() == (0, 1, 4)
    pc = core.PairCounter(words, counts, tie="piece", symbol_strings=strings)
    assert pc.best() == (1, 2, 4)  # "cx" < "xy", both shorter than "abc"
    with pytest.raises(ValueError, match="symbol_strings"):
        core.PairCounter(words, counts, tie="piece")
    with pytest.raises(ValueError):
        core.PairCounter(words, counts, tie="nope")


@settings(max_examples=100, deadline=None)
@given(
    data=words_strategy,
    n=st.integers(0, 10),
    min_count=st.integers(1, 6),
    scoring=st.sampled_from(["count", "likelihood"]),
)
def test_min_count_filters_candidates_like_reference(
    core: ModuleType, data: list, n: int, min_count: int, scoring: str
) -> None:
    words = [w for w, _ in data]
    counts = [c for _, c in data]
    pc = core.PairCounter(words, counts, scoring=scoring, min_count=min_count)
    got = []
    for k in range(n):
        best = pc.best()
        if best is None:
            break
        assert best[2] >= min_count
        pc.merge(best[0], best[1], 5 + k)
        got.append(best)
    expected = ref.train_merges(
        words, counts, list(range(5, 5 + n)), scoring=scoring, min_count=min_count
    )
    assert got == expected


def test_min_count_skips_rare_likelihood_winners(core: ModuleType) -> None:
    # (2,3) occurs once and its symbols nowhere else: score 1/(1*1) = 1, the maximum.
    # (0,1) occurs 10 times in "0 1" x10 plus 0 alone x10: 10/(20*10) = 1/20.
    # With min_count 2 the rare pair is not a candidate; training goes on with (0,1).
    words = [[0, 1], [0], [2, 3]]
    counts = [10, 10, 1]
    assert core.PairCounter(words, counts, scoring="likelihood").best() == (2, 3, 1)
    pc = core.PairCounter(words, counts, scoring="likelihood", min_count=2)
    assert pc.best() == (0, 1, 10)
    with pytest.raises(ValueError):
        core.PairCounter(words, counts, min_count=0)


# -- LikelihoodIndex: the structure behind likelihood scoring, against a naive oracle ----


def naive_likelihood_best(
    symbols: dict[int, int], pairs: dict[tuple[int, int], int], min_count: int
) -> tuple[int, int, int] | None:
    """Score every candidate pair exactly and take the best (the rules of _reference)."""
    live = [(p, c) for p, c in pairs.items() if c >= min_count]
    if not live:
        return None
    (left, right), count = min(
        live,
        key=lambda pc: (-Fraction(pc[1], symbols[pc[0][0]] * symbols[pc[0][1]]), -pc[1], pc[0]),
    )
    return (left, right, count)


index_ops = st.lists(
    st.one_of(
        st.tuples(st.just("symbol"), st.integers(0, 5), st.integers(0, 5), st.integers(1, 40)),
        st.tuples(st.just("pair"), st.integers(0, 5), st.integers(0, 5), st.integers(0, 12)),
        st.tuples(st.just("compact"), st.just(0), st.just(0), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(ops=index_ops, min_count=st.integers(1, 4))
def test_likelihood_index_equals_naive_best(core: ModuleType, ops: list, min_count: int) -> None:
    # Every symbol starts with a count, so every pair has a score; then counts of
    # symbols (the owner's or the partner's side) and of pairs change in any order.
    index = core.LikelihoodIndex(min_count)
    symbols = {s: 7 + s for s in range(6)}
    pairs: dict[tuple[int, int], int] = {}
    for s, c in symbols.items():
        index.set_symbol(s, c)
    for kind, x, y, count in ops:
        if kind == "symbol":
            symbols[x] = count
            index.set_symbol(x, count)
        elif kind == "pair":
            pairs[(x, y)] = count
            index.set_pair(x, y, count)
        else:
            index.compact()
        assert index.best() == naive_likelihood_best(symbols, pairs, min_count)


def test_likelihood_index_rescores_on_owner_and_partner_changes(core: ModuleType) -> None:
    # Symbol 0 is in three pairs, so it owns them all: (0,1), (0,2), (2,0).
    # counts: 0 -> 100, 1 -> 10, 2 -> 50. Scores: (0,1) 5/(100*10) = 1/200,
    # (0,2) 20/(100*50) = 1/250, (2,0) 10/(50*100) = 1/500. Best: (0,1).
    index = core.LikelihoodIndex()
    for s, c in [(0, 100), (1, 10), (2, 50)]:
        index.set_symbol(s, c)
    for (a, b), c in [((0, 1), 5), ((0, 2), 20), ((2, 0), 10)]:
        index.set_pair(a, b, c)
    assert index.best() == (0, 1, 5)
    # The partner of (0,2) falls: 2 -> 20. (0,2) = 20/(100*20) = 1/100 now leads.
    index.set_symbol(2, 20)
    assert index.best() == (0, 2, 20)
    # The owner falls: 0 -> 25. Every score rises 4x; the order is kept:
    # (0,1) 1/50, (0,2) 1/25, (2,0) 10/(20*25) = 1/50.
    index.set_symbol(0, 25)
    assert index.best() == (0, 2, 20)
    # (0,2) drops to count 1: 1/500. (0,1) and (2,0) tie at 1/50; higher count wins.
    index.set_pair(0, 2, 1)
    assert index.best() == (2, 0, 10)
    # With min_count 6, (0,1) (count 5) and (0,2) are not candidates.
    strict = core.LikelihoodIndex(6)
    for s, c in [(0, 25), (1, 10), (2, 20)]:
        strict.set_symbol(s, c)
    for (a, b), c in [((0, 1), 5), ((0, 2), 1)]:
        strict.set_pair(a, b, c)
    assert strict.best() is None
    strict.set_pair(0, 1, 6)
    assert strict.best() == (0, 1, 6)


def test_likelihood_index_checks_its_input(core: ModuleType) -> None:
    index = core.LikelihoodIndex()
    with pytest.raises(ValueError):
        core.LikelihoodIndex(0)
    with pytest.raises(ValueError, match="count"):
        index.set_symbol(0, -1)
    with pytest.raises(ValueError, match="count"):
        index.set_pair(0, 1, "3")
    with pytest.raises(TypeError):
        index.set_pair(0.5, 1, 3)
    with pytest.raises(ValueError):
        index.set_symbol(-1, 3)
    index.set_pair(0, 1, 3)  # symbols never given a count
    with pytest.raises(ValueError, match="count 0"):
        index.best()


@settings(max_examples=100, deadline=None)
@given(data=words_strategy, n=st.integers(0, 12), scoring=st.sampled_from(["count", "likelihood"]))
def test_flat_words_equal_reference(core: ModuleType, data: list, n: int, scoring: str) -> None:
    # The words given as one uint32 buffer and their ends (as the BPE trainer does)
    # merge exactly as the reference merges the lists.
    words = [w for w, _ in data]
    counts = [c for _, c in data]
    base = 1 + max((s for w in words for s in w), default=0)
    flat = array.array("I", [s for w in words for s in w])
    ends = list(itertools.accumulate(map(len, words)))
    for ids in (memoryview(flat), list(flat)):  # a buffer, and any other sequence
        pc = core.PairCounter(ids, counts, scoring=scoring, ends=ends)
        got = []
        for k in range(n):
            best = pc.best()
            if best is None:
                break
            pc.merge(best[0], best[1], base + k)
            got.append(best)
        expected = ref.train_merges(words, counts, list(range(base, base + n)), scoring=scoring)
        assert got == expected


@pytest.mark.parametrize(
    ("ids", "ends", "counts", "match"),
    [
        ([0, 1, 2], [1, 3, 2], [1, 1, 1], "must rise"),
        ([0, 1, 2], [1, 4], [1, 1], "must rise"),
        ([0, 1, 2], [1, 2], [1, 1], "last word ends at 2"),
        ([0, 1, 2], [3], [1, 1], "1 words but 2 counts"),
        ([0, -1, 2], [3], [1], "symbol id"),
        ([0, 2**31, 2], [3], [1], "symbol id"),
        (array.array("I", [0, 2**31, 2]), [3], [1], "symbol id"),  # checked in C
        ([0, 1, 2], [3], [-1], "non-negative"),
    ],
)
def test_flat_words_bad_input_is_refused(
    core: ModuleType, ids: list, ends: list, counts: list, match: str
) -> None:
    with pytest.raises((ValueError, OverflowError), match=match):
        core.PairCounter(ids, counts, ends=ends)


@pytest.mark.parametrize("scoring", ["count", "likelihood"])
def test_release_empties_the_counter(core: ModuleType, scoring: str) -> None:
    pc = core.PairCounter([[0, 1, 2], [1, 2]], [3, 4], scoring=scoring)
    assert pc.best() is not None
    pc.merge(1, 2, 3)
    pc.release()
    assert (pc.best(), pc.get_words(), pc.num_pairs, pc.pair_count(0, 3)) == (None, [], 0, 0)
    pc.release()  # twice is harmless
    assert pc.best() is None
