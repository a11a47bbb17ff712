"""Fixtures for the tokenlab benchmarks (pytest-benchmark); run with ``pytest benchmarks``.

Corpus
    ``$TOKENLAB_BENCH_CORPUS`` (a text or ``.gz`` file), else
    ``../shared/corpus/en_medium.txt.gz`` next to the repository when it exists, else
    the corpus tokenlab embeds (``tokenlab.corpus.default_corpus()``; also chosen by
    ``TOKENLAB_BENCH_CORPUS='<embedded>'``). Only the first
    ``$TOKENLAB_BENCH_MB`` MB (default 5, whole lines) are used for training
    (``$TOKENLAB_BENCH_SLOW_MB``, default 1, for sp-bpe and unigram); the
    next ``$TOKENLAB_BENCH_HELDOUT_MB`` MB (default 0.5) are the held-out lines that
    the encode benchmarks encode. The slice is written once, uncompressed, and every
    library trains on that same file. ``$TOKENLAB_BENCH_VOCAB`` (default 8000) is the
    training vocabulary size and ``$TOKENLAB_BENCH_ROUNDS`` (default 3) the rounds of
    each training benchmark.

The three variants of each group, in one table
    ``tokenizers`` (the anchor) and ``tokenlab-cython`` run in this process.
    ``tokenlab-python`` must run with ``TOKENLAB_PURE_PYTHON=1`` set before tokenlab is
    imported, because that is when tokenlab picks its core; so it runs in a worker
    process (``_worker.py serve``) started with that variable, which the timed
    function drives over a pipe: each timed call is the work itself plus one JSON
    round trip (well under a millisecond; the benchmarks take 0.1 s to seconds).

    Why not the alternatives: a fresh subprocess per round would add interpreter
    start-up, imports and the loading of the tokenizer and text to every round of the
    pure variant only; re-importing tokenlab in this process under another name
    cannot be trusted, because modules in the package import each other by absolute
    name (``from tokenlab.errors import ...``) and so a second copy could silently
    reach into the native one; running the suite twice splits the variants over two
    tables. The worker is checked to report backend ``"python"``, a ``PairCounter``
    from ``tokenlab._pycore`` and no ``tokenlab._core`` loaded at all; the in-process
    variant is checked to be ``"cython"`` (skipped if the extension is not built).

Before any timing, outputs are compared: every variant must produce the anchor's
merge list (training) and the anchor's ids for every held-out line (encoding).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> _common.CorpusSlice:
    """The training file and held-out lines (see the module docstring)."""
    source = _common.default_corpus_path()
    out = tmp_path_factory.mktemp("corpus")
    sl = _common.make_slice(
        source,
        str(out),
        train_mb=_common.env_float("TOKENLAB_BENCH_MB", 5.0),
        heldout_mb=_common.env_float("TOKENLAB_BENCH_HELDOUT_MB", 0.5),
    )
    assert sl.heldout, f"no held-out lines could be cut from {source}"
    return sl


@pytest.fixture(scope="session")
def slow_corpus(tmp_path_factory: pytest.TempPathFactory) -> _common.CorpusSlice:
    """A smaller training file for the slow trainers (``$TOKENLAB_BENCH_SLOW_MB``, 1 MB)."""
    source = _common.default_corpus_path()
    out = tmp_path_factory.mktemp("slow_corpus")
    return _common.make_slice(
        source, str(out), train_mb=_common.env_float("TOKENLAB_BENCH_SLOW_MB", 1.0)
    )


@pytest.fixture(scope="session")
def heldout_path(corpus: _common.CorpusSlice, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("heldout") / "heldout.json"
    path.write_text(json.dumps(corpus.heldout, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def native_tokenlab() -> Any:
    """tokenlab imported in this process, required to run on the Cython core."""
    import tokenlab

    if tokenlab.backend != "cython":
        pytest.skip("tokenlab's native core is not built (setup.py build_ext --inplace)")
    return tokenlab


@pytest.fixture(scope="session")
def pure_worker() -> Iterator[_common.Worker]:
    """A worker process on the pure-Python core, verified to be exactly that."""
    worker = _common.Worker(pure_python=True)
    try:
        hello = worker.request("hello")
        assert hello["backend"] == "python", hello
        assert hello["pair_counter"] == "tokenlab._pycore.PairCounter", hello
        assert not hello["native_loaded"], hello
        yield worker
    finally:
        worker.close()


@pytest.fixture(scope="session")
def anchor_merges(corpus: _common.CorpusSlice) -> list[tuple[str, str]]:
    """The merge list Hugging Face tokenizers learns on the training file."""
    return _common.hf_merges(_common.hf_train(corpus.train_path, _common.VOCAB_SIZE))


@pytest.fixture(scope="session")
def tokenizer_json(
    corpus: _common.CorpusSlice,
    anchor_merges: list[tuple[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """tokenlab's tokenizer trained once on the training file, saved as tokenizer.json."""
    tok = _common.tokenlab_train(corpus.train_path, _common.VOCAB_SIZE)
    assert list(tok.model.merges) == anchor_merges, "tokenlab and tokenizers merges differ"
    path = tmp_path_factory.mktemp("model") / "tokenizer.json"
    tok.save(str(path))
    return str(path)


@pytest.fixture(scope="session")
def anchor_ids(corpus: _common.CorpusSlice, tokenizer_json: str) -> list[list[int]]:
    """Ids of the held-out lines under the anchor, with tokenlab's saved model."""
    import tokenizers

    tok = tokenizers.Tokenizer.from_file(tokenizer_json)
    return [tok.encode(line).ids for line in corpus.heldout]
