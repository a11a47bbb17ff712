"""Helpers shared by the benchmark suite and its worker process.

Everything here is plain functions with no tokenlab import at module level, so the
worker can set ``TOKENLAB_PURE_PYTHON`` before tokenlab is first imported.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.join(REPO_ROOT, "..", "shared", "corpus", "en_medium.txt.gz")
EMBEDDED = "<embedded>"
MB = 1_000_000
HERE = os.path.dirname(os.path.abspath(__file__))


def default_corpus_path() -> str:
    """The corpus to use: ``$TOKENLAB_BENCH_CORPUS``, else the shared one, else embedded."""
    env = os.environ.get("TOKENLAB_BENCH_CORPUS", "").strip()
    if env:
        return env
    if os.path.isfile(DEFAULT_CORPUS):
        return os.path.normpath(DEFAULT_CORPUS)
    return EMBEDDED


def iter_corpus_lines(path: str) -> Iterator[str]:
    """Lines of a corpus with their endings kept, split on ``\\n`` only (as tokenlab reads).

    ``path`` may be a text file, a ``.gz`` file or :data:`EMBEDDED` (the corpus
    tokenlab ships: ``tokenlab.corpus.default_corpus()``).
    """
    if path == EMBEDDED:
        from tokenlab.corpus import default_corpus

        yield from default_corpus()
        return
    opener: Any = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        for raw in f:
            yield raw.decode("utf-8")


@dataclass
class CorpusSlice:
    """An uncompressed training file plus held-out lines cut from one corpus."""

    source: str
    train_path: str
    train_bytes: int
    train_lines: int
    heldout: list[str]

    @property
    def heldout_bytes(self) -> int:
        return sum(len(s.encode("utf-8")) for s in self.heldout)


def make_slice(
    source: str, out_dir: str, train_mb: float | None, heldout_mb: float = 0.0
) -> CorpusSlice:
    """Write the first ``train_mb`` MB (whole lines; all if None) of ``source`` to a file.

    The next ``heldout_mb`` MB of lines are returned as held-out text for encoding.
    If the corpus runs out before any held-out line is read, the last tenth of the
    training lines becomes the held-out text instead (small embedded corpus).
    Both training libraries then read the same uncompressed file (Hugging Face's
    ``Tokenizer.train`` cannot read ``.gz``).
    """
    os.makedirs(out_dir, exist_ok=True)
    train_cap = None if train_mb is None else int(train_mb * MB)
    held_cap = int(heldout_mb * MB)
    train_path = os.path.join(out_dir, "train.txt")
    held: list[str] = []
    n_train = n_lines = n_held = 0
    # Streamed, so that this process stays small: its children inherit its peak RSS
    # in ru_maxrss (which is why the worker reads VmHWM instead).
    with open(train_path, "wb") as out:
        lines = iter_corpus_lines(source)
        for line in lines:
            data = line.encode("utf-8")
            if train_cap is not None and n_lines and n_train + len(data) > train_cap:
                if held_cap:
                    held.append(line)
                    n_held += len(data)
                break
            out.write(data)
            n_train += len(data)
            n_lines += 1
        for line in lines:
            if n_held >= held_cap:
                break
            held.append(line)
            n_held += len(line.encode("utf-8"))
    if held_cap and not held:
        with open(train_path, "rb") as f:
            train = f.readlines()
        cut = max(1, len(train) - len(train) // 10)
        held = [b.decode("utf-8") for b in train[cut:]]
        with open(train_path, "wb") as f:
            f.writelines(train[:cut])
        n_train, n_lines = sum(map(len, train[:cut])), cut
    return CorpusSlice(
        source=source,
        train_path=train_path,
        train_bytes=n_train,
        train_lines=n_lines,
        heldout=held,
    )


def hf_train(path: str, vocab_size: int) -> Any:
    """Train the Hugging Face anchor exactly as ``tokenlab.train(path, vocab_size)`` does."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=0,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train([path], trainer)
    return tok


def hf_merges(tok: Any) -> list[tuple[str, str]]:
    """The merge list of a trained ``tokenizers.Tokenizer`` (both JSON spellings)."""
    merges = json.loads(tok.to_str())["model"]["merges"]
    out: list[tuple[str, str]] = []
    for m in merges:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        out.append((a, b))
    return out


def tokenlab_train(path: str, vocab_size: int) -> Any:
    """Train tokenlab (whichever backend this process imported) on a file."""
    import tokenlab

    return tokenlab.train(path, vocab_size=vocab_size, show_progress=False)


#: The library each training benchmark is measured against.
TRAIN_ANCHORS = {
    "bpe": "tokenizers",
    "wordpiece": "tokenizers",
    "sp-bpe": "sentencepiece",
    "unigram": "sentencepiece",
}


def train_side(impl: str, algorithm: str, path: str, vocab_size: int) -> Any:
    """Train with the options ``tokenlab compare`` uses (tokenlab._compare_worker)."""
    from tokenlab import _compare_worker

    return _compare_worker.train(impl, algorithm, path, vocab_size)[0]


def train_output(impl: str, algorithm: str, model: Any) -> dict[str, Any]:
    """What is compared before timing: the vocabulary, and the merges for bpe."""
    from tokenlab import _compare_worker

    return {
        "vocab": _compare_worker.vocabulary(impl, model),
        "merges": _compare_worker.merges(impl, model, algorithm),
    }


def merges_digest(merges: Sequence[Sequence[str]]) -> str:
    """A short fingerprint of a merge list, to compare across processes."""
    data = json.dumps([list(m) for m in merges], ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def ids_digest(ids: Sequence[Sequence[int]]) -> str:
    """A short fingerprint of the ids of many encodings."""
    h = hashlib.sha256()
    for row in ids:
        h.update(json.dumps(list(row)).encode("ascii"))
        h.update(b"\n")
    return h.hexdigest()[:16]


def child_env(pure_python: bool) -> dict[str, str]:
    """Environment for a child process that imports the same tokenlab as this one."""
    env = dict(os.environ)
    roots = [REPO_ROOT]
    try:
        import tokenlab

        roots.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(tokenlab.__file__))))
    except ImportError:
        pass
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join([*dict.fromkeys(roots), *([old] if old else [])])
    if pure_python:
        env["TOKENLAB_PURE_PYTHON"] = "1"
    else:
        env.pop("TOKENLAB_PURE_PYTHON", None)
    return env


# -- the pytest-benchmark suite ----------------------------------------------------

VARIANTS = ("tokenizers", "tokenlab-cython", "tokenlab-python")


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


VOCAB_SIZE = env_int("TOKENLAB_BENCH_VOCAB", 8000)
ROUNDS = env_int("TOKENLAB_BENCH_ROUNDS", 3)


class Worker:
    """A ``_worker.py serve`` child process (see conftest.py and _worker.py)."""

    def __init__(self, pure_python: bool) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "_worker.py"), "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=child_env(pure_python),
        )

    def request(self, cmd: str, **kwargs: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kwargs}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker exited (code {self.proc.wait()})")
        reply = json.loads(line)
        if not reply.pop("ok"):
            raise RuntimeError(f"benchmark worker failed on {cmd!r}: {reply['error']}")
        return reply

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
