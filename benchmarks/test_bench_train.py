"""Training benchmark: byte-level BPE, tokenlab (both cores) against tokenizers.

One group, ``train-bpe-<vocab>``: each variant trains on the same uncompressed
training file (see ``conftest.py``). Before timing, each variant's merge list is
checked against the anchor's.
"""

from __future__ import annotations

from typing import Any

import _common
import pytest


@pytest.mark.benchmark(group=f"train-bpe-{_common.VOCAB_SIZE}")
@pytest.mark.parametrize("variant", _common.VARIANTS)
def test_train(
    benchmark: Any,
    request: pytest.FixtureRequest,
    variant: str,
    corpus: _common.CorpusSlice,
    anchor_merges: list[tuple[str, str]],
) -> None:
    path = corpus.train_path
    benchmark.extra_info.update(
        corpus=corpus.source, train_bytes=corpus.train_bytes, vocab_size=_common.VOCAB_SIZE
    )
    if variant == "tokenizers":

        def run() -> Any:
            return _common.hf_train(path, _common.VOCAB_SIZE)

        assert _common.hf_merges(run()) == anchor_merges, "tokenizers is not deterministic"
    elif variant == "tokenlab-cython":
        request.getfixturevalue("native_tokenlab")

        def run() -> Any:
            return _common.tokenlab_train(path, _common.VOCAB_SIZE)

        assert list(run().model.merges) == anchor_merges, "tokenlab (cython) merges differ"
    else:
        worker: _common.Worker = request.getfixturevalue("pure_worker")

        def run() -> Any:
            return worker.request("train", path=path, vocab_size=_common.VOCAB_SIZE)

        run()
        got = worker.request("merges_digest")
        assert got["n_merges"] == len(anchor_merges), "tokenlab (python) merge count differs"
        assert got["digest"] == _common.merges_digest(anchor_merges), (
            "tokenlab (python) merges differ"
        )
    benchmark.pedantic(run, rounds=_common.ROUNDS, iterations=1, warmup_rounds=0)
