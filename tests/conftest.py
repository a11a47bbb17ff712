"""Shared fixtures.

``core`` parametrizes a test over both twin cores (``tokenlab._pycore`` and the
compiled ``tokenlab._core``), whatever backend the package itself picked, so the
core tests always compare both. The whole suite is also run twice by CI (native,
then ``TOKENLAB_PURE_PYTHON=1``), which covers everything built on the backend.
"""

from __future__ import annotations

import functools
import gzip
import importlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _load_core(name: str) -> ModuleType:
    if name == "python":
        return importlib.import_module("tokenlab._pycore")
    try:
        return importlib.import_module("tokenlab._core")
    except ImportError as e:
        if os.environ.get("TOKENLAB_EXPECT_BACKEND") == "cython":
            raise
        pytest.skip(f"native core not built ({e}); build with `pip install .`")


@pytest.fixture(params=["python", "cython"], scope="module")
def core(request: pytest.FixtureRequest) -> ModuleType:
    """The core module under test: pure Python, then Cython."""
    return _load_core(request.param)


def pydoc_lines(limit: int | None = None) -> list[str]:
    """Real text every CPython ships: the pydoc topics, line by line."""
    from tokenlab.corpus import default_corpus

    lines = list(default_corpus())
    return lines if limit is None else lines[:limit]


@pytest.fixture(scope="session")
def pydoc_text() -> list[str]:
    return pydoc_lines()


#: Where the tests run ``python -m tokenlab``: from a checkout's root, ``-m`` would import
#: the source tree (without its compiled core) instead of the installed package.
CLI_CWD = tempfile.mkdtemp(prefix="tokenlab-cli-")


#: ``python -m tokenlab`` as a terminal job runs it, with Ctrl-C's default handler even
#: when the test runner itself was started with SIGINT ignored (a background job of a
#: non-interactive shell): the child would inherit that, and never see a Ctrl-C.
TOKENLAB_AS_JOB = [
    sys.executable,
    "-c",
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('tokenlab', run_name='__main__', alter_sys=True)",
]


def open_fifo_writer(fifo: Path, proc: subprocess.Popen[str], timeout: float = 60) -> int:
    """The write end of the named pipe ``fifo``, once ``proc`` has opened its read end.

    A corpus the test holds open keeps a command reading it, so a signal sent then lands
    in the work however fast the work has become.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.01)
            continue
        os.set_blocking(fd, True)
        return fd


#: Data files the tests ship (provenance and licence: tests/data/PROVENANCE.md).
DATA = Path(__file__).resolve().with_name("data")


@functools.lru_cache(maxsize=1)
def _multilingual() -> tuple[str, ...]:
    with gzip.open(DATA / "multilingual.txt.gz", "rt", encoding="utf-8", newline="") as f:
        return tuple(f)


def multilingual_lines(limit: int | None = None, *, keepends: bool = False) -> list[str]:
    """3,000 lines in 24 languages and 15 scripts, one language after another.

    The suite's own text (``tests/data``), so a test never depends on files outside
    the repository; ``../shared/corpus`` is for benchmarks only.
    """
    lines = _multilingual()[:limit]
    return list(lines) if keepends else [line.rstrip("\n") for line in lines]


def assert_proven_tie(
    pieces: list[tuple[str, float]], ours: list[int], theirs: list[int], rel: float = 1e-9
) -> None:
    """Two Unigram segmentations that differ must spell the same text with equal scores.

    Only such a tie may differ between two exact Viterbi implementations (each keeps
    the first best path it meets); ``rel`` is the rounding the scores were added in
    (float64 for tokenizers, float32 for sentencepiece).
    """
    spell = ["".join(pieces[i][0] for i in ids) for ids in (ours, theirs)]
    assert spell[0] == spell[1], (ours, theirs, spell)
    a, b = (sum(float(pieces[i][1]) for i in ids) for ids in (ours, theirs))
    assert abs(a - b) <= rel * max(1.0, abs(a)), (ours, theirs, a, b)


#: The per-token fields of an Encoding that fast and general encoding paths must agree on.
ENCODING_FIELDS = ("ids", "tokens", "offsets", "type_ids", "attention_mask", "special_tokens_mask")


def encoding_fields(e: Any) -> dict[str, Any]:
    """An Encoding's fields as plain lists (overflowing windows included), to compare."""
    out = {name: list(getattr(e, name)) for name in ENCODING_FIELDS}
    out["word_ids"] = list(e.word_ids)
    out["sequence_ids"] = e.sequence_ids
    out["overflowing"] = [encoding_fields(o) for o in e.overflowing]
    return out


def general_path(tok: Any) -> Any:
    """A copy of the Tokenizer ``tok`` that never takes a fast encoding path (the oracle)."""
    from tokenlab import Tokenizer

    slow = Tokenizer.from_str(tok.to_str())
    slow.model = tok.model
    slow._fast = (slow.model, slow.normalizer, slow.pre_tokenizer, None)
    return slow
