"""Encoding benchmarks: one tokenizer trained once, encoded by tokenlab and tokenizers.

tokenlab's trained tokenizer is saved as ``tokenizer.json`` and loaded by
``tokenlab.Tokenizer.from_file`` (both cores) and ``tokenizers.Tokenizer.from_file``,
so all variants run the same model. Before timing, every variant's ids for every
held-out line are checked against the anchor's.

Groups:

``encode-bpe``
    ``encode(line)`` for each held-out line in a Python loop: one thread each.
``encode-bpe-batch``
    ``encode_batch(lines)``: tokenlab encodes in order on one thread; tokenizers
    spreads the batch over its thread pool (``TOKENIZERS_PARALLELISM`` and
    ``RAYON_NUM_THREADS`` are respected), which is what its users get.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import _common
import pytest


def _encoder(
    variant: str,
    batch: bool,
    request: pytest.FixtureRequest,
    tokenizer_json: str,
    lines: list[str],
    anchor_ids: list[list[int]],
) -> Callable[[], Any]:
    """The timed function of one variant, after checking its ids against the anchor."""
    if variant == "tokenlab-python":
        worker: _common.Worker = request.getfixturevalue("pure_worker")
        worker.request(
            "load", tokenizer=tokenizer_json, lines=request.getfixturevalue("heldout_path")
        )
        got = worker.request("ids_digest")["digest"]
        assert got == _common.ids_digest(anchor_ids), "tokenlab (python) ids differ"
        cmd = "encode_batch" if batch else "encode"
        return lambda: worker.request(cmd)

    if variant == "tokenizers":
        import tokenizers

        tok = tokenizers.Tokenizer.from_file(tokenizer_json)
    else:
        tok = request.getfixturevalue("native_tokenlab").Tokenizer.from_file(tokenizer_json)
    ids = [tok.encode(line).ids for line in lines]
    assert ids == anchor_ids, f"{variant} ids differ from the anchor's"
    if batch:
        assert [e.ids for e in tok.encode_batch(lines)] == anchor_ids
        return lambda: tok.encode_batch(lines)
    encode = tok.encode

    def run() -> int:
        n = 0
        for line in lines:
            n += len(encode(line).ids)
        return n

    return run


@pytest.mark.benchmark(group="encode-bpe")
@pytest.mark.parametrize("variant", _common.VARIANTS)
def test_encode(
    benchmark: Any,
    request: pytest.FixtureRequest,
    variant: str,
    corpus: _common.CorpusSlice,
    tokenizer_json: str,
    anchor_ids: list[list[int]],
) -> None:
    run = _encoder(variant, False, request, tokenizer_json, corpus.heldout, anchor_ids)
    benchmark.extra_info.update(lines=len(corpus.heldout), bytes=corpus.heldout_bytes)
    benchmark(run)


@pytest.mark.benchmark(group="encode-bpe-batch")
@pytest.mark.parametrize("variant", _common.VARIANTS)
def test_encode_batch(
    benchmark: Any,
    request: pytest.FixtureRequest,
    variant: str,
    corpus: _common.CorpusSlice,
    tokenizer_json: str,
    anchor_ids: list[list[int]],
) -> None:
    run = _encoder(variant, True, request, tokenizer_json, corpus.heldout, anchor_ids)
    benchmark.extra_info.update(lines=len(corpus.heldout), bytes=corpus.heldout_bytes)
    benchmark(run)
