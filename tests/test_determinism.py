"""The same input and options give a byte-identical tokenizer.json everywhere.

Across runs, across the two backends (the pure one in a subprocess, since the
backend is chosen at import), and across word-counting process counts, for every
algorithm; each run with its own hash seed, so that no set or dict order can leak
into the result.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRAIN = """
import sys, hashlib, tokenlab
path, algorithm, processes = sys.argv[1], sys.argv[2], int(sys.argv[3])
extra = {"normalizer": "identity"} if algorithm in ("sp-bpe", "unigram") else {}
tok = tokenlab.train(path, algorithm=algorithm, vocab_size=700, show_progress=False,
                     processes=processes, **extra)
print(tokenlab.backend, hashlib.sha256(tok.to_str().encode()).hexdigest())
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, pydoc_text: list[str]) -> Path:
    path = tmp_path_factory.mktemp("det") / "corpus.txt"
    path.write_text("".join(pydoc_text[:3000]), encoding="utf-8")
    return path


def run(corpus: Path, algorithm: str, processes: int, pure: bool) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TOKENLAB_PURE_PYTHON"}
    # A different hash seed in every run: set and dict-of-set orders must not leak out.
    env["PYTHONHASHSEED"] = str(1 + processes + 2 * pure)
    if pure:
        env["TOKENLAB_PURE_PYTHON"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", TRAIN, str(corpus), algorithm, str(processes)],
        env=env,
        cwd=corpus.parent,  # not the checkout: import the same tokenlab the tests use
        capture_output=True,
        text=True,
        check=True,
    )
    backend, digest = out.stdout.split()
    return backend, digest


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece", "sp-bpe", "unigram"])
def test_identical_across_runs_backends_and_processes(corpus: Path, algorithm: str) -> None:
    import tokenlab

    results = {
        (pure, processes): run(corpus, algorithm, processes, pure)
        for pure in (False, True)
        for processes in (1, 2)
    }
    assert results[(True, 1)][0] == "python"
    try:
        import tokenlab._core

        native = "cython"
    except ImportError:
        native = "python"
    assert results[(False, 1)][0] == native
    digests = {digest for _, digest in results.values()}
    # In-process too, twice.
    extra = {"normalizer": "identity"} if algorithm in ("sp-bpe", "unigram") else {}
    for _ in range(2):
        tok = tokenlab.train(
            str(corpus), algorithm=algorithm, vocab_size=700, show_progress=False, **extra
        )
        digests.add(hashlib.sha256(tok.to_str().encode()).hexdigest())
    assert len(digests) == 1, results


def test_nmt_nfkc_charsmap_is_identical_across_hash_seeds(tmp_path: Path) -> None:
    """The SentencePiece normalization blob a tokenizer saves never depends on the seed."""
    script = (
        "import hashlib; from tokenlab.charsmap import CharsMap; "
        "print(hashlib.sha256(CharsMap.nmt_nfkc().to_bytes()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1
