"""Counting throughput and memory of the scale-out path (issue #8), one step per process.

Each step runs in a fresh process (``python benchmarks/scale_out.py STEP ...``) and
prints one JSON line: wall time, words and bytes counted, the process's peak RSS
(``VmHWM``) and the largest peak of its child processes (``ru_maxrss`` of children).

Steps:

``count FILE --engine local|dask --processes N [-o COUNTS]``
    count the words of FILE (byte-level BPE settings) and optionally save them.
``train-counts COUNTS --vocab-size V``
    train BPE from a counts file (RSS before loading is reported as the baseline).
``train-tokenizers FILE --vocab-size V``
    train ``tokenizers``' byte-level BPE on FILE, the same set-up as ``tokenlab.train``.

``python benchmarks/scale_out.py all FILE...`` runs the throughput table. The numbers
in the README come from these steps; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _children_peak() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def _uncompressed_size(path: str) -> int:
    if not path.endswith(".gz"):
        return os.path.getsize(path)
    n = 0
    with gzip.open(path, "rb") as f:
        while block := f.read(1 << 24):
            n += len(block)
    return n


def step_count(args: argparse.Namespace) -> dict[str, Any]:
    from tokenlab.counts import CountSettings, count_files, save_counts

    settings = CountSettings.for_training("bpe")
    size = _uncompressed_size(args.file)
    t0 = time.perf_counter()
    if args.engine == "local":
        counts = count_files(args.file, settings, processes=args.processes)
        startup = warm = 0.0
    else:
        from distributed import Client, LocalCluster

        from tokenlab.distributed import count_words

        cluster = LocalCluster(
            n_workers=args.processes, threads_per_worker=1, dashboard_address=None
        )
        with cluster, Client(cluster) as client:
            startup = time.perf_counter() - t0
            t0 = time.perf_counter()
            counts = count_words([args.file], client=client, settings=settings)
            seconds = time.perf_counter() - t0
            warm = 0.0
            if args.warm:
                # Again on warm workers (tokenlab imported, pre-tokenizer built).
                t1 = time.perf_counter()
                count_words([args.file], client=client, settings=settings)
                warm = time.perf_counter() - t1
    if args.engine == "local":
        seconds = time.perf_counter() - t0
    if args.output:
        save_counts(args.output, counts, settings)
    words = sum(counts.values())
    return {
        "step": "count",
        "engine": args.engine,
        "processes": args.processes,
        "file": args.file,
        "seconds": round(seconds, 2),
        "cluster_startup_s": round(startup, 2),
        "warm_seconds": round(warm, 2),
        "words": words,
        "unique": len(counts),
        "MB": round(size / 1e6, 1),
        "words_per_s": round(words / seconds),
        "MB_per_s": round(size / 1e6 / seconds, 2),
        "peak_rss_MB": round(_status("VmHWM") / 1e6),
        "children_peak_rss_MB": round(_children_peak() / 1e6),
    }


def step_train_counts(args: argparse.Namespace) -> dict[str, Any]:
    import tokenlab
    from tokenlab.counts import load_counts

    base = _status("VmRSS")
    t0 = time.perf_counter()
    counts = load_counts(args.counts)
    loaded = _status("VmRSS")
    tok = tokenlab.train_from_counts(
        counts, algorithm="bpe", vocab_size=args.vocab_size, show_progress=False
    )
    seconds = time.perf_counter() - t0
    if args.output:
        tok.save(args.output)
    peak = _status("VmHWM")
    return {
        "step": "train-counts",
        "backend": tokenlab.backend,
        "unique": len(counts),
        "seconds": round(seconds, 2),
        "baseline_rss_MB": round(base / 1e6),
        "loaded_rss_MB": round(loaded / 1e6),
        "peak_rss_MB": round(peak / 1e6),
        "bytes_per_unique_word_loaded": round((loaded - base) / len(counts)),
        "bytes_per_unique_word_peak": round((peak - base) / len(counts)),
    }


def step_train_text(args: argparse.Namespace) -> dict[str, Any]:
    import tokenlab

    t0 = time.perf_counter()
    tok = tokenlab.train(
        [args.file],
        algorithm="bpe",
        vocab_size=args.vocab_size,
        processes=args.processes,
        show_progress=False,
    )
    seconds = time.perf_counter() - t0
    if args.output:
        tok.save(args.output)
    return {
        "step": "train-text",
        "backend": tokenlab.backend,
        "seconds": round(seconds, 2),
        "peak_rss_MB": round(_status("VmHWM") / 1e6),
        "children_peak_rss_MB": round(_children_peak() / 1e6),
    }


def step_train_tokenizers(args: argparse.Namespace) -> dict[str, Any]:
    import tokenizers
    from tokenizers import decoders, models, pre_tokenizers, trainers

    base = _status("VmRSS")
    tok = tokenizers.Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=args.vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    t0 = time.perf_counter()
    tok.train([args.file], trainer)
    seconds = time.perf_counter() - t0
    return {
        "step": "train-tokenizers",
        "version": tokenizers.__version__,
        "seconds": round(seconds, 2),
        "baseline_rss_MB": round(base / 1e6),
        "peak_rss_MB": round(_status("VmHWM") / 1e6),
    }


def step_all(args: argparse.Namespace) -> None:
    print(json.dumps({"load_average": os.getloadavg()}))
    for path in args.files:
        for engine, n in (("local", 1), ("local", 2), ("dask", 2)):
            cmd = [sys.executable, __file__, "count", path, "--engine", engine]
            subprocess.run([*cmd, "--processes", str(n), "--warm"], check=True)
    print(json.dumps({"load_average": os.getloadavg()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    steps = parser.add_subparsers(dest="step", required=True)
    c = steps.add_parser("count")
    c.add_argument("file")
    c.add_argument("--engine", choices=("local", "dask"), default="local")
    c.add_argument("--processes", type=int, default=1)
    c.add_argument("-o", "--output")
    c.add_argument("--warm", action="store_true", help="dask: count twice, report both")
    x = steps.add_parser("train-text")
    x.add_argument("file")
    x.add_argument("--vocab-size", type=int, default=32000)
    x.add_argument("--processes", type=int, default=2)
    x.add_argument("-o", "--output")
    t = steps.add_parser("train-counts")
    t.add_argument("counts")
    t.add_argument("--vocab-size", type=int, default=32000)
    t.add_argument("-o", "--output")
    h = steps.add_parser("train-tokenizers")
    h.add_argument("file")
    h.add_argument("--vocab-size", type=int, default=32000)
    a = steps.add_parser("all")
    a.add_argument("files", nargs="+")
    args = parser.parse_args()
    if args.step == "all":
        step_all(args)
        return
    run = {"count": step_count, "train-counts": step_train_counts}
    run["train-tokenizers"] = step_train_tokenizers
    run["train-text"] = step_train_text
    print(json.dumps(run[args.step](args)), flush=True)


if __name__ == "__main__":
    main()
