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

The newer anchors (:data:`EXTRA_ANCHORS`, all optional) run as jobs of their own:
an ``encode`` job loads the model file tokenlab saved (``tokenizer.json``, a
SentencePiece ``.model``, or a published ``.tiktoken`` rank file), checks that its
ids equal the reference ids on every held-out line, and only then times it; a
``train`` job (gigatoken and rustbpe, byte-level BPE) trains with tokenlab's
pre-tokenizer and returns its merged tokens, which the parent compares with
tokenlab's before it reports the time. An anchor that cannot serve the job says
why (:class:`AnchorSkipped`), and the parent reports it as skipped.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from tokenlab.errors import TokenlabError

from . import api
from ._backend import BACKEND
from ._patterns import BYTE_LEVEL_PATTERN
from .compare import EXTRA_ANCHORS, TRAINING_ANCHORS
from .export.sentencepiece import write_sentencepiece
from .pre_tokenizers import bytes_to_unicode

__all__ = [
    "EXTRA_ANCHORS",
    "TRAINING_ANCHORS",
    "AnchorSkipped",
    "anchor_version",
    "load_encoder",
    "main",
    "merges",
    "peak_rss_bytes",
    "run",
    "train",
    "train_anchor",
    "vocabulary",
]

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


# -- the newer anchors (optional; see the module docstring) ----------------------------

_PUBLISHED = ("cl100k_base", "o200k_base")
Encode = Callable[[str], list[int]]
EncodeMany = Callable[[list[str]], list[list[int]]]


class AnchorSkipped(Exception):
    """The anchor cannot serve this job (the message says why); reported, not raised."""


def anchor_version(name: str) -> str | None:
    """The installed version of an optional anchor (None: not installed)."""
    try:
        return importlib.metadata.version(EXTRA_ANCHORS[name][1])
    except importlib.metadata.PackageNotFoundError:
        return None


def _model_kind(path: str) -> str:
    """``"cl100k_base"``/``"o200k_base"`` (rank files), ``"sentencepiece"`` or ``"json"``."""
    base = os.path.basename(path)
    if base.endswith(".tiktoken"):
        name = base[: -len(".tiktoken")]
        if name not in _PUBLISHED:
            raise AnchorSkipped(f"{base}: only the published cl100k_base/o200k_base files")
        return name
    return "sentencepiece" if base.endswith(".model") else "json"


def _ids(many: Callable[[list[str]], Any]) -> EncodeMany:
    """A batch encoder returning ``Encoding`` objects, as lists of ids."""
    return lambda lines: [list(e.ids) for e in many(lines)]


def _gigatoken(kind: str, path: str) -> tuple[Encode, EncodeMany | None]:
    import gigatoken  # noqa: PLC0415 - optional anchor (pip install gigatoken)

    if kind in _PUBLISHED:
        tok = gigatoken.Tokenizer.from_tiktoken(path)
    elif kind == "sentencepiece":
        tok = gigatoken.Tokenizer.from_sentencepiece(path)
    else:
        tok = gigatoken.Tokenizer(path)
    return (lambda s: tok.encode(s).tolist()), tok.encode_batch_list


def _fastokens(kind: str, path: str) -> tuple[Encode, EncodeMany | None]:
    import fastokens  # noqa: PLC0415 - optional anchor (pip install fastokens)

    if kind == "sentencepiece":
        raise AnchorSkipped("fastokens loads tokenizer.json and .tiktoken files, not .model")
    if kind in _PUBLISHED:
        tok = fastokens.Tokenizer.from_tiktoken(path, encoding=kind)
    else:
        tok = fastokens.Tokenizer.from_file(path)
    return (lambda s: tok.encode(s, add_special_tokens=False).ids), _ids(tok.encode_batch)


def _tokie(kind: str, path: str) -> tuple[Encode, EncodeMany | None]:
    import tokie  # noqa: PLC0415 - optional anchor (pip install tokie)

    if kind != "json":
        raise AnchorSkipped("tokie loads tokenizer.json (and its own .tkz), not this file")
    tok = tokie.Tokenizer.from_json(path)

    def many(lines: list[str]) -> list[list[int]]:
        return [list(e.ids) for e in tok.encode_batch(lines, add_special_tokens=False)]

    return (lambda s: tok.encode(s, add_special_tokens=False).ids), many


def _splintr(kind: str, path: str) -> tuple[Encode, EncodeMany | None]:
    import splintr  # noqa: PLC0415 - optional anchor (pip install splintr-rs)

    if kind == "sentencepiece":
        raise AnchorSkipped("splintr loads tokenizer.json and .tiktoken files, not .model")
    if kind in _PUBLISHED:
        cl100k = kind == "cl100k_base"
        tok = splintr.Tokenizer(
            path, splintr.CL100K_BASE_PATTERN if cl100k else splintr.O200K_BASE_PATTERN
        )
        return tok.encode_ordinary, tok.encode_batch
    any_tok = splintr.from_json(path)
    # encode_raw: without the file's template (as the others are called); its batch
    # call applies the template, so it is checked like every other function
    return any_tok.encode_raw, any_tok.encode_batch


def _kitoken(kind: str, path: str) -> tuple[Encode, EncodeMany | None]:
    import kitoken  # noqa: PLC0415 - optional anchor (pip install kitoken)

    if kind in _PUBLISHED:
        tok = kitoken.Kitoken.from_tiktoken_file(path)
    elif kind == "sentencepiece":
        tok = kitoken.Kitoken.from_sentencepiece_file(path)
    else:
        tok = kitoken.Kitoken.from_tokenizers_file(path)
    return (lambda s: tok.encode(s, False)), (lambda lines: tok.encode_all(lines, False))


def _bpe_openai(kind: str, path: str) -> tuple[Encode, EncodeMany | None]:
    import bpe_openai  # noqa: PLC0415 - optional anchor (pip install bpe-openai)

    if kind not in _PUBLISHED:
        raise AnchorSkipped("bpe-openai encodes only the published OpenAI encodings")
    enc = bpe_openai.get_encoding(kind)  # its own copy of the ranks: checked like any other
    return enc.encode_ordinary, enc.encode_ordinary_batch


def _rustbpe(kind: str, path: str) -> tuple[Encode, EncodeMany | None]:
    raise AnchorSkipped("rustbpe encodes only what it trained itself; it loads no file")


_LOADERS: dict[str, Callable[[str, str], tuple[Encode, EncodeMany | None]]] = {
    "gigatoken": _gigatoken,
    "fastokens": _fastokens,
    "tokie": _tokie,
    "splintr": _splintr,
    "kitoken": _kitoken,
    "bpe-openai": _bpe_openai,
    "rustbpe": _rustbpe,
}


def load_encoder(name: str, path: str) -> tuple[Encode, EncodeMany | None]:
    """An optional anchor's encoders of a model file: (one text, many texts or None).

    Args:
        name: a key of :data:`EXTRA_ANCHORS`.
        path: ``tokenizer.json``, a SentencePiece ``.model``, or
            ``cl100k_base.tiktoken``/``o200k_base.tiktoken``.

    Returns:
        Functions giving the ids without special tokens of one text and of a list.

    Raises:
        AnchorSkipped: the anchor is not installed, or cannot load this kind of file
            (its own error is quoted).
    """
    module, pip_name = EXTRA_ANCHORS[name]
    if importlib.util.find_spec(module) is None:
        raise AnchorSkipped(f"not installed (pip install {pip_name})")
    kind = _model_kind(path)
    try:
        return _LOADERS[name](kind, path)
    except AnchorSkipped:
        raise
    except Exception as e:  # each library has its own errors: all mean "cannot load"
        message = " ".join(str(e).split())[:200]
        raise AnchorSkipped(f"cannot load {os.path.basename(path)}: {message}") from e


def _to_unicode(merged: list[bytes]) -> list[str]:
    table = bytes_to_unicode()
    return ["".join(table[b] for b in token) for token in merged]


def train_anchor(name: str, path: str, vocab_size: int, threads: int | None) -> list[str]:
    """Train byte-level BPE with gigatoken or rustbpe, as tokenlab's ``bpe`` trains.

    Both get tokenlab's byte-level pattern and one document per line (gigatoken:
    ``separator=b"\\n"``; rustbpe: the lines with their endings, as Hugging Face reads
    them), 256 byte tokens first and no special tokens.

    Args:
        name: ``"gigatoken"`` or ``"rustbpe"``.
        path: the training file.
        vocab_size: tokens in all, the 256 bytes included.
        threads: the Rust thread pool's size (None: the library's default).

    Returns:
        The merged tokens in creation order, spelled with GPT-2's byte characters.

    Raises:
        AnchorSkipped: not installed, or not a training anchor.
    """
    if name not in TRAINING_ANCHORS:
        raise AnchorSkipped(f"{name} does not train BPE")
    module, pip_name = EXTRA_ANCHORS[name]
    if importlib.util.find_spec(module) is None:
        raise AnchorSkipped(f"not installed (pip install {pip_name})")
    if threads is not None:
        os.environ["RAYON_NUM_THREADS"] = str(threads)  # read when the pool starts
    if name == "gigatoken":
        import gigatoken  # noqa: PLC0415 - optional anchor, checked just above

        _vocab, pairs = gigatoken.train_bpe(path, vocab_size, [], separator=b"\n")
        return _to_unicode([a + b for a, b in pairs])
    import rustbpe  # noqa: PLC0415 - optional anchor, checked just above

    tok = rustbpe.Tokenizer()
    with open(path, encoding="utf-8", newline="") as f:
        tok.train_from_iterator(f, vocab_size, pattern=BYTE_LEVEL_PATTERN)
    return _to_unicode([token for token, _rank in tok.get_mergeable_ranks()[256:]])


def _time_encoders(
    one: Encode, many: EncodeMany | None, lines: list[str], reference: list[list[int]]
) -> dict[str, Any]:
    """Check the ids of both functions against ``reference``, then time the good ones."""
    got = [list(one(line)) for line in lines]
    bad = next((i for i, (a, b) in enumerate(zip(got, reference)) if a != b), None)
    if bad is not None or len(got) != len(reference):
        return {"status": "differs", "reason": f"ids differ on held-out line {bad}"}
    out: dict[str, Any] = {"status": "ok", "batch_status": "ok"}
    t1 = time.perf_counter()
    for line in lines:
        one(line)
    out["encode_s"] = time.perf_counter() - t1
    out["batch_s"] = None
    if many is None:
        out["batch_status"] = "no batch call"
    elif [list(ids) for ids in many(lines)] != reference:
        out["batch_status"] = "differs"
    else:
        t2 = time.perf_counter()
        many(lines)
        out["batch_s"] = time.perf_counter() - t2
    return out


def run_anchor(job: dict[str, Any]) -> dict[str, Any]:
    """One optional anchor's ``encode`` or ``train`` job; its measurements as a dict."""
    name = job["impl"]
    result: dict[str, Any] = {"impl": name, "mode": job["mode"]}
    try:
        result["version"] = anchor_version(name)
        if job["mode"] == "train":
            t0 = time.perf_counter()
            merged = train_anchor(name, job["train"], job["vocab_size"], job["threads"])
            result.update(
                train_s=time.perf_counter() - t0, peak_rss_bytes=peak_rss_bytes(), merged=merged
            )
            return {**result, "status": "ok"}
        one, many = load_encoder(name, job["model"])
    except AnchorSkipped as e:
        return {**result, "status": "skipped", "reason": str(e)}
    lines = _read_lines(job["held_out"])
    with open(job["reference_ids"], encoding="utf-8") as f:
        reference = json.load(f)
    result["held_out_bytes"] = sum(len(line.encode("utf-8")) for line in lines)
    return {**result, **_time_encoders(one, many, lines, reference)}


def _save_for_anchors(model: Any, job: dict[str, Any], lines: list[str]) -> None:
    """The trained model as a file the optional anchors load, and its ids (the reference)."""
    if job["model_out"].endswith(".model"):
        write_sentencepiece(model, job["model_out"])
    else:
        model.save(job["model_out"], pretty=False)
    ids = [model.encode(line, add_special_tokens=False).ids for line in lines]
    with open(job["ids_out"], "w", encoding="utf-8") as f:
        json.dump(ids, f)


def run(job: dict[str, Any]) -> dict[str, Any]:
    """Train, measure and encode as ``job`` says; the measurements as a dict."""
    impl = job["impl"]
    if job.get("mode"):
        return run_anchor(job)
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
    if impl == "tokenlab" and job.get("model_out"):
        _save_for_anchors(model, job, lines)
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
