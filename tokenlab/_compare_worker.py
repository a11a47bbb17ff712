"""One side of ``tokenlab compare``, run in its own process.

``python -m tokenlab._compare_worker SPEC.json`` reads a job (which library, which
algorithm, the training and held-out files), trains, encodes the held-out text and
writes the measurements as JSON to the job's ``out`` path. A fresh process per side
means the peak memory (``VmHWM``) is that library's alone, and neither library's
threads or caches slow the other. Besides the standard library and the library under
test, the process holds only the ``tokenlab`` package itself (``python -m`` imports
it to find this module), on both sides alike.

The options are the ones :mod:`tokenlab.compare` documents as equivalent:

* ``bpe``: byte-level BPE (no prefix space, all 256 bytes in the alphabet);
* ``wordpiece``: BERT's normalizer (lowercase) and pre-tokenizer, ``##`` prefix,
  special tokens ``[PAD] [UNK] [CLS] [SEP] [MASK]``;
* ``sp-bpe`` and ``unigram``: SentencePiece's defaults (``nmt_nfkc``, character
  coverage 0.9995), trained on the raw lines.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from typing import Any

from tokenlab.errors import TokenlabError

from . import api
from ._backend import BACKEND

__all__ = ["main", "merges", "peak_rss_bytes", "run", "train", "vocabulary"]

WORDPIECE_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far, in bytes.

    ``VmHWM`` from ``/proc/self/status`` on Linux. Not ``ru_maxrss``: Linux carries
    the parent's value over ``fork`` and ``exec``, so a child of a big parent would
    report at least the parent's peak.

    >>> peak_rss_bytes() > 0
    True
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # KiB on Linux


def _read_lines(path: str) -> list[str]:
    # Lines without their ending: every library encodes the same strings.
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def _train_tokenlab(job: dict[str, Any]) -> tuple[Any, str, dict[str, Any]]:
    algorithm = job["algorithm"]
    kwargs: dict[str, Any] = {}
    if algorithm in ("bpe", "wordpiece"):
        kwargs["min_frequency"] = job["min_frequency"]
        kwargs["processes"] = job["threads"]
    elif job["threads"] is not None:
        # both SentencePiece trainers take it (training threads and counting processes)
        kwargs["num_threads"] = job["threads"]
    tok = api.train(
        job["train"],
        algorithm=algorithm,
        vocab_size=job["vocab_size"],
        show_progress=False,
        **kwargs,
    )
    return tok, BACKEND, {}


def _train_tokenizers(job: dict[str, Any]) -> tuple[Any, str, dict[str, Any]]:
    if job["threads"] is not None:
        # read by the Rust thread pool when it starts, i.e. at the first parallel job
        os.environ["RAYON_NUM_THREADS"] = str(job["threads"])
    # the anchors are optional (pip install 'tokenlab[compare]'); compare checks them first
    import tokenizers  # noqa: PLC0415
    from tokenizers import (  # noqa: PLC0415
        Tokenizer,
        models,
        normalizers,
        pre_tokenizers,
        trainers,
    )

    if job["algorithm"] == "bpe":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        trainer: Any = trainers.BpeTrainer(
            vocab_size=job["vocab_size"],
            min_frequency=job["min_frequency"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
    else:
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=True)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        trainer = trainers.WordPieceTrainer(
            vocab_size=job["vocab_size"],
            min_frequency=job["min_frequency"],
            special_tokens=WORDPIECE_SPECIALS,
            show_progress=False,
        )
    tok.train([job["train"]], trainer)
    return tok, "rust", {"tokenizers": tokenizers.__version__}


def _train_sentencepiece(job: dict[str, Any]) -> tuple[Any, str, dict[str, Any]]:
    import sentencepiece as spm  # noqa: PLC0415 - optional anchor, checked by compare

    with tempfile.TemporaryDirectory(prefix="tokenlab-compare-spm-") as tmp:
        prefix = os.path.join(tmp, "m")
        spm.SentencePieceTrainer.train(
            input=job["train"],
            model_prefix=prefix,
            model_type="bpe" if job["algorithm"] == "sp-bpe" else "unigram",
            vocab_size=job["vocab_size"],
            num_threads=job["threads"] or os.cpu_count() or 1,
            minloglevel=2,
        )
        sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    return sp, "c++", {"sentencepiece": spm.__version__}


def _vocab(impl: str, model: Any) -> list[str]:
    if impl == "sentencepiece":
        return [model.id_to_piece(i) for i in range(model.get_piece_size())]
    vocab = model.get_vocab()
    return sorted(vocab, key=vocab.__getitem__)


def _merges(impl: str, model: Any, algorithm: str) -> list[list[str]] | None:
    if algorithm != "bpe":
        return None
    if impl == "tokenlab":
        return [list(m) for m in model.model.merges]
    out = []
    for m in json.loads(model.to_str())["model"]["merges"]:
        out.append(m.split(" ", 1) if isinstance(m, str) else list(m))
    return out


def _encoders(impl: str, model: Any, threads: int | None) -> tuple[Any, Any]:
    """(encode one line -> number of tokens, encode many lines -> total tokens)."""
    if impl == "sentencepiece":
        n_threads = threads or os.cpu_count() or 1

        def one(line: str) -> int:
            return len(model.encode(line))

        def many(lines: list[str]) -> int:
            return sum(map(len, model.encode(lines, num_threads=n_threads)))

        return one, many

    def one_tok(line: str) -> int:
        return len(model.encode(line, add_special_tokens=False).ids)

    def many_tok(lines: list[str]) -> int:
        return sum(len(e.ids) for e in model.encode_batch(lines, add_special_tokens=False))

    return one_tok, many_tok


def train(
    impl: str,
    algorithm: str,
    path: str,
    vocab_size: int,
    threads: int | None = None,
    min_frequency: int = 0,
) -> tuple[Any, str, dict[str, str]]:
    """Train one side with the options of the comparison (also used by benchmarks/).

    Args:
        impl: ``"tokenlab"``, ``"tokenizers"`` or ``"sentencepiece"``.
        algorithm: ``"bpe"``, ``"wordpiece"``, ``"sp-bpe"`` or ``"unigram"``.
        path: the training file.
        vocab_size: vocabulary size.
        threads: threads (None: the library's default).
        min_frequency: minimum pair count (bpe and wordpiece).

    Returns:
        ``(model, backend, versions)``: a tokenizer (or SentencePieceProcessor),
        ``"cython"``/``"python"``/``"rust"``/``"c++"``, and the anchor's version.
    """
    job = {
        "algorithm": algorithm,
        "train": path,
        "vocab_size": vocab_size,
        "threads": threads,
        "min_frequency": min_frequency,
    }
    trainer = {
        "tokenlab": _train_tokenlab,
        "tokenizers": _train_tokenizers,
        "sentencepiece": _train_sentencepiece,
    }[impl]
    return trainer(job)


def vocabulary(impl: str, model: Any) -> list[str]:
    """The tokens of a trained model, in id order."""
    return _vocab(impl, model)


def merges(impl: str, model: Any, algorithm: str) -> list[list[str]] | None:
    """The merge list of a trained ``bpe`` model (None for other algorithms)."""
    return _merges(impl, model, algorithm)


def run(job: dict[str, Any]) -> dict[str, Any]:
    """Train, measure and encode as ``job`` says; the measurements as a dict."""
    impl = job["impl"]
    t0 = time.perf_counter()
    model, backend, versions = train(
        impl,
        job["algorithm"],
        job["train"],
        job["vocab_size"],
        threads=job["threads"],
        min_frequency=job["min_frequency"],
    )
    train_s = time.perf_counter() - t0
    rss_train = peak_rss_bytes()
    lines = _read_lines(job["held_out"])
    n_bytes = sum(len(line.encode("utf-8")) for line in lines)
    one, many = _encoders(impl, model, job["threads"])
    t1 = time.perf_counter()
    n_tokens = sum(one(line) for line in lines)
    encode_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    n_batch = many(lines)
    batch_s = time.perf_counter() - t2
    return {
        "impl": impl,
        "backend": backend,
        "versions": versions,
        "train_s": train_s,
        "peak_rss_bytes": rss_train,
        "vocab": _vocab(impl, model),
        "merges": _merges(impl, model, job["algorithm"]),
        "held_out_bytes": n_bytes,
        "held_out_lines": len(lines),
        "tokens": n_tokens,
        "batch_tokens": n_batch,
        "encode_s": encode_s,
        "batch_s": batch_s,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the job in the JSON file named by the one argument.

    Args:
        argv: ``[SPEC.json]``; ``sys.argv[1:]`` when None.

    Returns:
        0; :data:`EXIT_REFUSED` when tokenlab refused the job with a
        ``TokenlabError`` (the out file holds its class and message); any other
        exception propagates (the parent reports the child's stderr).
    """
    args = sys.argv[1:] if argv is None else argv
    with open(args[0], encoding="utf-8") as f:
        job = json.load(f)
    try:
        result = run(job)
    except Exception as e:
        if not isinstance(e, TokenlabError):
            raise  # a bug or an anchor library's failure: the parent shows the traceback
        # tokenlab refused an option or the corpus: the parent reports the message as
        # one line (`compare --vocab-size 1` printed a worker traceback)
        result = {"refused": type(e).__name__, "message": str(e)}
        with open(job["out"], "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False)
        return EXIT_REFUSED
    with open(job["out"], "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)
    return 0


#: The worker's exit status when tokenlab refused the job (the out file says why).
EXIT_REFUSED = 3


if __name__ == "__main__":
    sys.exit(main())
