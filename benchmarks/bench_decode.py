"""Decode speed: the decode table vs the decoder chain vs ``tokenizers``, and the CLI pipe.

    python benchmarks/bench_decode.py [--lines N] [--rounds R]

Trains a byte-level BPE (vocab 8000) and a WordPiece (30000, min_frequency 20) on the
corpus's first N lines (default 80,000, as the README's round-trip figure), encodes
those lines, checks that every way of decoding gives the same texts, then times
``decode`` per line and ``decode_batch``: tokenlab through its table, tokenlab through
the decoder chain (what it did before the table: ``DECODE_TABLE_AFTER`` set out of
reach), and ``tokenizers`` on the same ``tokenizer.json``. MB/s are bytes of the
decoded text per second, best of R rounds, wall clock and process CPU time (the
machine is shared: CPU time is the steadier figure). Last, ``tokenlab encode FILE |
tokenlab decode`` for the byte-level BPE, checked byte-exact.

Corpus: ``$TOKENLAB_BENCH_CORPUS``, else ``../shared/corpus/en_medium.txt.gz``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import default_corpus_path, iter_corpus_lines


def best(fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds) of ``rounds`` calls."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


def bench_pipeline(name: str, path: str, lines: list[str], rounds: int) -> None:
    import tokenizers

    import tokenlab
    import tokenlab.tokenizer as tokenizer_module

    table = tokenlab.Tokenizer.from_file(path)
    chain = tokenlab.Tokenizer.from_file(path)
    theirs = tokenizers.Tokenizer.from_file(path)
    ids = table.encode_ordinary_batch(lines)
    megabytes = sum(len(line.encode()) for line in lines) / 1e6
    after = tokenizer_module.DECODE_TABLE_AFTER
    expected = theirs.decode_batch(ids)
    assert table.decode_batch(ids) == expected, name
    results = {}
    tokenizer_module.DECODE_TABLE_AFTER = 10**18  # the decoder chain, as before the table
    try:
        assert chain.decode_batch(ids) == expected, name
        results["tokenlab, decoder chain (before)"] = (
            best(lambda: [chain.decode(x) for x in ids], rounds),
            best(lambda: chain.decode_batch(ids), rounds),
        )
    finally:
        tokenizer_module.DECODE_TABLE_AFTER = after
    results["tokenlab, table (after)"] = (
        best(lambda: [table.decode(x) for x in ids], rounds),
        best(lambda: table.decode_batch(ids), rounds),
    )
    results["tokenizers"] = (
        best(lambda: [theirs.decode(x) for x in ids], rounds),
        best(lambda: theirs.decode_batch(ids), rounds),
    )
    for label, ((w1, c1), (w2, c2)) in results.items():
        print(
            f"{name}, {label}: decode per line {megabytes / w1:.1f} MB/s "
            f"(CPU {megabytes / c1:.1f}), decode_batch {megabytes / w2:.1f} MB/s "
            f"(CPU {megabytes / c2:.1f})"
        )


def bench_cli(path: str, corpus: str, tmp: str) -> None:
    """``tokenlab encode corpus | tokenlab decode``, and each half alone."""
    tokenlab = [sys.executable, "-m", "tokenlab"]
    megabytes = os.path.getsize(corpus) / 1e6
    ids, back = os.path.join(tmp, "ids.txt"), os.path.join(tmp, "back.txt")

    def run(cmd: str) -> tuple[float, float]:
        before = os.times()
        start = time.perf_counter()
        subprocess.run(["bash", "-c", cmd], check=True, cwd=tmp)
        after = os.times()
        cpu = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        return time.perf_counter() - start, cpu

    t = " ".join(tokenlab)
    pipe = run(f"{t} encode -t {path} {corpus} | {t} decode -t {path} > {back}")
    with open(corpus, "rb") as a, open(back, "rb") as b:
        assert a.read() == b.read(), "the round trip is not byte-exact"
    encode = run(f"{t} encode -t {path} {corpus} > {ids}")
    decode = run(f"{t} decode -t {path} {ids} > {back}")
    for label, (wall, cpu) in (("round trip", pipe), ("encode", encode), ("decode", decode)):
        print(
            f"CLI {label}: {wall:.2f} s, {megabytes / wall:.2f} MB/s "
            f"(CPU {cpu:.2f} s, {megabytes / cpu:.2f} MB/s)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=80_000, help="corpus lines")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (best is kept)")
    args = parser.parse_args(argv)

    import tokenlab

    corpus = default_corpus_path()
    lines = list(itertools.islice(iter_corpus_lines(corpus), args.lines))
    print(
        f"corpus {corpus}: {len(lines)} lines, {sum(len(x.encode()) for x in lines) / 1e6:.2f}"
        f" MB; tokenlab {tokenlab.backend}; load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "corpus.txt")
        with open(text, "w", encoding="utf-8", newline="") as f:
            f.writelines(lines)
        stripped = [line.rstrip("\n") for line in lines]
        for name, options in {
            "byte-level BPE 8000": dict(vocab_size=8000),
            "WordPiece 30000": dict(algorithm="wordpiece", vocab_size=30000, min_frequency=20),
        }.items():
            path = os.path.join(tmp, name.split()[0] + ".json")
            tokenlab.train([text], show_progress=False, **options).save(path)
            bench_pipeline(name, path, stripped, args.rounds)
        bench_cli(os.path.join(tmp, "byte-level.json"), text, tmp)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
