"""Train byte-level BPE with tokenizers and tokenlab side by side, in one run.

Each training is its own fresh process (``_worker.py train``), so peak RSS is that
training's alone: tokenizers, tokenlab on the Cython core, and tokenlab on the
pure-Python core (``TOKENLAB_PURE_PYTHON=1``; leave out with ``--skip-python``).
All read the same uncompressed copy of the corpus (capped at ``--mb`` MB of whole
lines if given). For each run it records the training wall time (measured in the
child around the train call only), the whole child's wall time (start-up and
imports included) and its peak RSS (``VmHWM``, read by the child itself), and checks
that the merge list equals tokenizers'. Prints a Markdown report (also to ``-o``);
progress goes to stderr.

    python benchmarks/compare_train.py --vocab-size 8000 32000 --mb 10 -o report.md
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common

WORKER = os.path.join(_common.HERE, "_worker.py")


@dataclass
class Run:
    """The best of the repeats of one implementation at one vocabulary size."""

    name: str
    backend: str
    train_s: float
    all_train_s: list[float]
    process_s: float
    rss_start: int
    rss_peak: int
    merges: list[tuple[str, str]]


def _log(msg: str) -> None:
    print(f"[compare_train {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _train_in_child(name: str, corpus: str, vocab_size: int, tmp: str) -> Run:
    impl = "tokenizers" if name == "tokenizers" else "tokenlab"
    out = os.path.join(tmp, f"{name}-{vocab_size}.json")
    cmd = [sys.executable, WORKER, "train", "--impl", impl, "--corpus", corpus]
    cmd += ["--vocab-size", str(vocab_size), "--out", out]
    start = time.perf_counter()
    code = subprocess.call(cmd, env=_common.child_env(pure_python=name == "tokenlab-python"))
    process_s = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"{name} training failed (exit code {code})")
    with open(out, encoding="utf-8") as f:
        res: dict[str, Any] = json.load(f)
    os.remove(out)
    expected = {"tokenizers": "rust", "tokenlab-cython": "cython", "tokenlab-python": "python"}
    if res["backend"] != expected[name]:
        raise SystemExit(
            f"{name} ran on backend {res['backend']!r}, not {expected[name]!r}"
            " (is the extension built? setup.py build_ext --inplace)"
        )
    return Run(
        name=name,
        backend=res["backend"],
        train_s=res["train_s"],
        all_train_s=[res["train_s"]],
        process_s=process_s,
        rss_start=res["rss_after_import"],
        rss_peak=res["rss_peak"],
        merges=[(a, b) for a, b in res["merges"]],
    )


def _first_difference(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"no: first differs at merge {i} ({x} vs {y})"
    return f"no: {len(a)} vs {len(b)} merges, equal prefix"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f}"


def render(
    argv: list[str],
    corpus: _common.CorpusSlice,
    results: dict[int, list[Run]],
    machine: dict[str, str],
) -> str:
    """The Markdown report."""
    lines = [
        "# BPE training: tokenlab vs tokenizers",
        "",
        "Command: `" + shlex.join(["python", "benchmarks/compare_train.py", *argv]) + "`",
        "",
        f"Corpus: `{corpus.source}`, {corpus.train_bytes:,} bytes, {corpus.train_lines:,} lines "
        "(uncompressed copy, read by every implementation). Byte-level BPE, "
        "`min_frequency=0`, full 256-byte initial alphabet.",
        "",
        "| vocab | implementation | merges | same merges as tokenizers | train s | x tokenizers "
        "| all runs s | process s | RSS after import MiB | peak RSS MiB | x tokenizers |",
        "| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for vocab, runs in results.items():
        anchor = next(r for r in runs if r.name == "tokenizers")
        for r in runs:
            if r is anchor:
                same = "(anchor)"
            elif r.merges == anchor.merges:
                same = "yes"
            else:
                same = _first_difference(r.merges, anchor.merges)
            lines.append(
                f"| {vocab} | {r.name} | {len(r.merges)} | {same} | {r.train_s:.2f} | "
                f"{r.train_s / anchor.train_s:.2f} | "
                + " ".join(f"{t:.2f}" for t in r.all_train_s)
                + f" | {r.process_s:.2f} | {_mib(r.rss_start)} | "
                f"{_mib(r.rss_peak)} | {r.rss_peak / anchor.rss_peak:.2f} |"
            )
    lines += [
        "",
        "train s: the train call alone, best of the repeats (all runs s: every repeat, in "
        "order), measured in the child; process s: the whole child of the best run, "
        "interpreter start-up and imports included; peak RSS: the child's `VmHWM` "
        "(not `ru_maxrss`, which a child inherits from its parent), highest over the "
        "repeats. Ratios are tokenlab / tokenizers.",
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in machine.items()),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--corpus",
        default=_common.default_corpus_path(),
        help="text or .gz file (default: $TOKENLAB_BENCH_CORPUS, else the shared "
        "en_medium corpus, else the embedded one): %(default)s",
    )
    parser.add_argument("--vocab-size", type=int, nargs="+", default=[8000])
    parser.add_argument("--mb", type=float, default=None, help="use only the first N MB")
    parser.add_argument("--skip-python", action="store_true", help="no pure-Python run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per implementation")
    parser.add_argument("-o", "--output", help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    names = ["tokenizers", "tokenlab-cython"]
    if not args.skip_python:
        names.append("tokenlab-python")
    load_start = _load()
    with tempfile.TemporaryDirectory(prefix="tokenlab-compare-") as tmp:
        _log(f"preparing corpus {args.corpus} (mb={args.mb})")
        corpus = _common.make_slice(args.corpus, tmp, train_mb=args.mb)
        _log(f"corpus ready: {corpus.train_bytes:,} bytes, {corpus.train_lines:,} lines")
        results: dict[int, list[Run]] = {}
        for vocab in args.vocab_size:
            runs: list[Run] = []
            for name in names:
                best: Run | None = None
                for i in range(args.repeat):
                    _log(f"vocab {vocab}: {name} run {i + 1}/{args.repeat} ...")
                    run = _train_in_child(name, corpus.train_path, vocab, tmp)
                    _log(
                        f"vocab {vocab}: {name}: train {run.train_s:.2f} s, process "
                        f"{run.process_s:.2f} s, peak RSS {_mib(run.rss_peak)} MiB, "
                        f"{len(run.merges)} merges"
                    )
                    if best is None:
                        best = run
                        continue
                    times = [*best.all_train_s, run.train_s]
                    peak = max(best.rss_peak, run.rss_peak)
                    if run.train_s < best.train_s:
                        best = run
                    best.all_train_s, best.rss_peak = times, peak
                assert best is not None
                runs.append(best)
            results[vocab] = runs
    machine = _common.machine_info()
    machine["load average (1, 5, 15 min) at start / end"] = f"{load_start} / {_load()}"
    report = render(argv, corpus, results, machine)
    print(report)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(report)
        _log(f"wrote {args.output}")
    anchor_ok = all(
        r.merges == next(a for a in runs if a.name == "tokenizers").merges
        for runs in results.values()
        for r in runs
    )
    return 0 if anchor_ok else 1


if __name__ == "__main__":
    sys.exit(main())
