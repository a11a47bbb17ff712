"""Training benchmarks: tokenlab (both cores) against the anchor, one table per algorithm.

Groups ``train-<algorithm>-<vocab>`` for ``bpe`` and ``wordpiece`` (anchor:
``tokenizers``), ``sp-bpe`` and ``unigram`` (anchor: ``sentencepiece``). Each
variant trains on the same uncompressed file with the options ``tokenlab
compare`` uses (``tokenlab._compare_worker.train``). ``bpe`` and ``wordpiece``
train on the first ``$TOKENLAB_BENCH_MB`` MB (default 5); ``sp-bpe`` and
``unigram``, which are slow in pure Python, on the first
``$TOKENLAB_BENCH_SLOW_MB`` MB (default 1).

Before timing, outputs are checked to agree: both tokenlab cores must produce the
same vocabulary (and merges), and with the anchor

* ``bpe``: the same merge list (tokenlab's byte-level BPE is Hugging Face's);
* ``sp-bpe``: at least 95% of the anchor's pieces (the tests check 98% on
  en_medium; SentencePiece's own ties are not reproducible exactly);
* ``wordpiece`` and ``unigram``: the same vocabulary size (Hugging Face's
  WordPiece trainer merges by frequency, not likelihood, and in hash order;
  Unigram's EM is compared by compression in ``tokenlab compare``).
"""

from __future__ import annotations

from typing import Any

import _common
import pytest

ALGORITHMS = ("bpe", "wordpiece", "sp-bpe", "unigram")
CASES = [
    (algorithm, variant)
    for algorithm in ALGORITHMS
    for variant in (_common.TRAIN_ANCHORS[algorithm], "tokenlab-cython", "tokenlab-python")
]


@pytest.fixture(scope="session")
def anchor_outputs() -> dict[tuple[str, str], dict[str, Any]]:
    """The anchor's output per (algorithm, training file), computed once."""
    return {}


@pytest.mark.parametrize(("algorithm", "variant"), CASES, ids=[f"{a}-{v}" for a, v in CASES])
def test_train(
    benchmark: Any,
    request: pytest.FixtureRequest,
    algorithm: str,
    variant: str,
    anchor_outputs: dict[tuple[str, str], dict[str, Any]],
) -> None:
    vocab = _common.VOCAB_SIZE
    benchmark.group = f"train-{algorithm}-{vocab}"
    slow = algorithm in ("sp-bpe", "unigram")
    corpus: _common.CorpusSlice = request.getfixturevalue("slow_corpus" if slow else "corpus")
    path = corpus.train_path
    anchor = _common.TRAIN_ANCHORS[algorithm]
    pytest.importorskip(anchor, reason=f"the {algorithm} benchmark compares with {anchor}")
    benchmark.extra_info.update(
        corpus=corpus.source, train_bytes=corpus.train_bytes, vocab_size=vocab
    )
    key = (algorithm, path)
    if key not in anchor_outputs:
        model = _common.train_side(anchor, algorithm, path, vocab)
        anchor_outputs[key] = _common.train_output(anchor, algorithm, model)
    expected = anchor_outputs[key]

    if variant == anchor:

        def run() -> Any:
            return _common.train_side(anchor, algorithm, path, vocab)

    elif variant == "tokenlab-cython":
        request.getfixturevalue("native_tokenlab")

        def run() -> Any:
            return _common.train_side("tokenlab", algorithm, path, vocab)

        got = _common.train_output("tokenlab", algorithm, run())
        _check_agrees(algorithm, got, expected)
        # the pure core must give the very same output (checked in its own case)
        anchor_outputs[(algorithm, path, "cython")] = got
    else:
        worker: _common.Worker = request.getfixturevalue("pure_worker")

        def run() -> Any:
            return worker.request("train_algo", algorithm=algorithm, path=path, vocab_size=vocab)

        run()
        got = worker.request("output")["output"]
        _check_agrees(algorithm, got, expected)
        cython = anchor_outputs.get((algorithm, path, "cython"))
        if cython is not None:
            assert got == cython, f"{algorithm}: the pure-Python core trained another model"
    benchmark.pedantic(run, rounds=_common.ROUNDS, iterations=1, warmup_rounds=0)


def _check_agrees(algorithm: str, got: dict[str, Any], expected: dict[str, Any]) -> None:
    if algorithm == "bpe":
        assert got["merges"] == expected["merges"], "bpe: merges differ from tokenizers'"
    elif algorithm == "sp-bpe":
        common = len(set(got["vocab"]) & set(expected["vocab"]))
        assert common >= 0.95 * len(expected["vocab"]), (
            f"sp-bpe: only {common} of sentencepiece's {len(expected['vocab'])} pieces"
        )
    assert len(got["vocab"]) == len(expected["vocab"]), (
        f"{algorithm}: vocabulary size {len(got['vocab'])}, anchor {len(expected['vocab'])}"
    )
