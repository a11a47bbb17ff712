"""Fuzzing the entry points of the two cores: no crash, and the same outcome on both.

Every call is made on the pure core and on the native one with the same
(often malformed) arguments: empty words, huge and negative ids, out-of-range
merges, wrong types. Each must either return the same value on both, or raise
an exception of the same type on both; the interpreter must never crash (a crash
here kills the test run). The native core is skipped when it is not built; the
pure core alone still must not raise anything but ``ValueError``/``TypeError``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=int(os.environ.get("TOKENLAB_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

PURE = importlib.import_module("tokenlab._pycore")
PURE_SCAN = importlib.import_module("tokenlab._pyscan")
try:
    NATIVE: ModuleType | None = importlib.import_module("tokenlab._core")
except ImportError:  # pragma: no cover - the pure-only build
    NATIVE = None

ALLOWED = (ValueError, TypeError, OverflowError)

# Ints that probe every boundary: negative, 32/64-bit limits, beyond.
ODD_INTS = st.sampled_from(
    [
        -(2**64),
        -(2**63),
        -(2**31),
        -1,
        0,
        1,
        2,
        3,
        2**31 - 2,
        2**31 - 1,
        2**31,
        2**32,
        2**63 - 1,
        2**63,
        2**64,
    ]
)
SMALL_IDS = st.integers(0, 6)
IDS = st.one_of(SMALL_IDS, SMALL_IDS, ODD_INTS)
JUNK = st.sampled_from([None, "x", 1.5, b"x", [1], (), {}, True])
ANY_ID = st.one_of(IDS, IDS, IDS, JUNK)
HASHABLE_JUNK = st.sampled_from([None, "x", 1.5, b"x", (), True])
WORD = st.lists(ANY_ID, max_size=6)
TEXT = st.text(alphabet="ab c\u0301😀\x00", max_size=8)


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", call()
    except ALLOWED as e:
        return "error", type(e)


def both(name: str, build: Callable[[ModuleType], Any]) -> Any:
    """Run ``build(core)`` on both cores; same result or same error type."""
    pure = outcome(lambda: build(PURE if name != "scan" else PURE_SCAN))
    if NATIVE is None:
        return pure
    native = outcome(lambda: build(NATIVE))
    assert pure[0] == native[0], (pure, native)
    if pure[0] == "error":
        assert pure[1] is native[1], (pure, native)
    return pure


def _same_objects(make: Callable[[ModuleType], Any]) -> tuple[Any, Any] | None:
    """Construct on both cores; None when construction fails (same error on both)."""
    kind, _ = both("core", make)
    if kind == "error":
        return None
    return make(PURE), (make(NATIVE) if NATIVE is not None else None)


def _calls(objs: tuple[Any, Any], method: str, *args: Any) -> None:
    pure_obj, native_obj = objs
    pure = outcome(lambda: getattr(pure_obj, method)(*args))
    if native_obj is None:
        return
    native = outcome(lambda: getattr(native_obj, method)(*args))
    assert pure[0] == native[0], (method, args, pure, native)
    if pure[0] == "error":
        assert pure[1] is native[1], (method, args, pure, native)
    else:
        assert pure[1] == native[1], (method, args, pure, native)


@FUZZ
@given(
    words=st.lists(WORD, max_size=4),
    counts=st.lists(st.one_of(ODD_INTS, st.integers(0, 5), JUNK), max_size=4),
    scoring=st.sampled_from(["count", "likelihood", "nope"]),
    merges=st.lists(st.tuples(ANY_ID, ANY_ID, ANY_ID), max_size=4),
    min_count=st.one_of(st.integers(-1, 3), JUNK),
)
def test_pair_counter(
    words: list, counts: list, scoring: str, merges: list, min_count: Any
) -> None:
    objs = _same_objects(
        lambda core: core.PairCounter(words, counts, scoring=scoring, min_count=min_count)
    )
    if objs is None:
        return
    for left, right, new_id in merges:
        _calls(objs, "best")
        _calls(objs, "merge", left, right, new_id)
        _calls(objs, "pair_count", left, right)
        _calls(objs, "symbol_count", left)
    _calls(objs, "get_words")
    _calls(objs, "num_pairs")


@FUZZ
@given(merges=st.lists(st.tuples(ANY_ID, ANY_ID, ANY_ID), max_size=5), word=WORD)
def test_merge_table(merges: list, word: list) -> None:
    objs = _same_objects(lambda core: core.MergeTable(merges))
    if objs is not None:
        _calls(objs, "apply", word)
        _calls(objs, "split", word)
        _calls(objs, "__len__")


@FUZZ
@given(
    vocab=st.dictionaries(st.one_of(TEXT, HASHABLE_JUNK), ANY_ID, max_size=5),
    prefix=st.one_of(st.sampled_from(["##", ""]), JUNK),
    unk=ANY_ID,
    max_chars=st.one_of(ODD_INTS, st.integers(0, 10), JUNK),
    word=st.one_of(TEXT, JUNK),
)
def test_wordpiece_encoder(vocab: dict, prefix: Any, unk: Any, max_chars: Any, word: Any) -> None:
    objs = _same_objects(lambda core: core.WordPieceEncoder(vocab, prefix, unk, max_chars))
    if objs is not None:
        _calls(objs, "encode", word)


@FUZZ
@given(
    pieces=st.lists(st.one_of(TEXT, st.none(), JUNK), max_size=5),
    scores=st.lists(
        st.one_of(st.floats(-20, 0), st.sampled_from([float("nan"), float("inf"), "x"])),
        max_size=5,
    ),
    unk=ANY_ID,
    unk_score=st.one_of(st.floats(-30, 0), st.sampled_from([float("-inf"), None])),
    word=st.one_of(TEXT, JUNK),
    size=st.one_of(st.integers(-1, 4), ODD_INTS, JUNK),
    state=st.one_of(st.integers(0, 2**64 - 1), ODD_INTS, JUNK),
    freqs=st.lists(st.one_of(st.integers(0, 3), ODD_INTS, JUNK), max_size=3),
)
def test_unigram_lattice(
    pieces: list,
    scores: list,
    unk: Any,
    unk_score: Any,
    word: Any,
    size: Any,
    state: Any,
    freqs: list,
) -> None:
    objs = _same_objects(lambda core: core.UnigramLattice(pieces, scores, unk, unk_score))
    if objs is None:
        return
    _calls(objs, "encode", word)
    _calls(objs, "nbest", word, size)
    _calls(objs, "sample", word, 0.5, state)
    words = [word] * len(freqs)
    _calls(objs, "expected_counts", words, freqs)
    _calls(objs, "viterbi_counts", words, freqs)
    _calls(objs, "alternatives")


@FUZZ
@given(
    ranks=st.dictionaries(st.one_of(st.binary(max_size=3), HASHABLE_JUNK), ANY_ID, max_size=6),
    piece=st.one_of(st.binary(max_size=6), JUNK),
    limit=st.one_of(st.none(), ODD_INTS, st.integers(0, 5), JUNK),
)
def test_byte_rank_merger(ranks: dict, piece: Any, limit: Any) -> None:
    objs = _same_objects(lambda core: core.ByteRankMerger(ranks))
    if objs is not None:
        _calls(objs, "encode", piece)
        _calls(objs, "merge", piece, limit)


@FUZZ
@given(
    words=st.lists(st.one_of(TEXT, JUNK), max_size=4),
    freqs=st.lists(st.one_of(st.integers(0, 5), ODD_INTS, JUNK), max_size=4),
    classes=st.dictionaries(st.one_of(st.sampled_from("abc "), HASHABLE_JUNK), ANY_ID, max_size=4),
    max_len=st.one_of(st.integers(-1, 5), ODD_INTS, JUNK),
    limit=st.one_of(st.integers(-1, 5), ODD_INTS, JUNK),
)
def test_top_substrings(words: list, freqs: list, classes: dict, max_len: Any, limit: Any) -> None:
    both("core", lambda core: core.top_substrings(words, freqs, classes, max_len, limit))


@FUZZ
@given(
    name=st.one_of(st.sampled_from(["gpt2", "cl100k_base", "o200k_base", "byte-level", "x"]), JUNK),
    text=st.one_of(st.text(max_size=12), JUNK),
    texts=st.lists(st.one_of(st.text(max_size=8), JUNK), max_size=3),
)
def test_pattern_scanner(name: Any, text: Any, texts: list) -> None:
    objs = _same_objects(lambda core: core.PatternScanner(name))
    if objs is None:
        return
    _calls(objs, "spans", text)
    _calls(objs, "words", text)
    _calls(objs, "byte_words", text)
    counters = _same_objects(
        lambda core: core.ByteWordCounter(
            objs[0] if core is PURE else objs[1], add_prefix_space=False
        )
    )
    if counters is not None:
        _calls(counters, "add", texts)
        _calls(counters, "to_dict")
