"""A ``datasets.map`` tokenization pipeline with tokenlab vs the same with ``tokenizers``.

    python benchmarks/bench_datasets.py [--lines N] [--rounds R] [--vocab-size V]

The pipeline is what a training script runs: a ``datasets.Dataset`` with a ``text``
column, ``map(encode, batched=True)`` adding ``input_ids`` and ``attention_mask``,
once in this process and once with ``num_proc=2``. Both libraries use the same
``tokenizer.json`` (byte-level BPE and WordPiece, trained by tokenlab on the corpus's
first lines) and the same function; only the tokenizer object differs. The outputs
are checked equal before anything is timed; ``load_from_cache_file=False``, so every
round tokenizes. Prints one line per case with both times (best of R rounds) and the
ratio tokenlab / tokenizers (below 1: tokenlab is faster).

Corpus: ``$TOKENLAB_BENCH_CORPUS``, else ``../shared/corpus/en_medium.txt.gz``, else
the corpus tokenlab embeds (see ``benchmarks/_common.py``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import default_corpus_path, iter_corpus_lines


def make_encode(tok: Any) -> Callable[[dict[str, list[str]]], dict[str, list[list[int]]]]:
    """The batched map function: the same for both libraries (both have encode_batch)."""

    def encode(batch: dict[str, list[str]]) -> dict[str, list[list[int]]]:
        encodings = tok.encode_batch(batch["text"])
        return {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
        }

    return encode


def run_map(data: Any, tok: Any, num_proc: int | None) -> tuple[float, Any]:
    start = time.perf_counter()
    mapped = data.map(
        make_encode(tok),
        batched=True,
        batch_size=1000,
        num_proc=num_proc,
        load_from_cache_file=False,
        desc=None,
    )
    return time.perf_counter() - start, mapped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=50_000, help="corpus lines to map")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (best is kept)")
    parser.add_argument("--vocab-size", type=int, default=8000, help="BPE vocab size")
    args = parser.parse_args(argv)

    import datasets
    import tokenizers

    import tokenlab

    datasets.disable_progress_bars()
    corpus = default_corpus_path()
    lines = [line.rstrip("\n") for line in itertools.islice(iter_corpus_lines(corpus), args.lines)]
    data = datasets.Dataset.from_dict({"text": lines})
    megabytes = sum(len(line.encode()) for line in lines) / 1e6
    print(
        f"corpus {corpus}: {len(lines)} lines, {megabytes:.2f} MB; "
        f"tokenlab {tokenlab.__version__} ({tokenlab.backend}), tokenizers "
        f"{tokenizers.__version__}, datasets {datasets.__version__}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    pipelines = {
        "byte-level BPE": dict(vocab_size=args.vocab_size),
        "WordPiece (BERT)": dict(algorithm="wordpiece", vocab_size=30000, min_frequency=20),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in pipelines.items():
            path = os.path.join(tmp, "tokenizer.json")
            tokenlab.train(iter(lines), show_progress=False, **options).save(path)
            ours = tokenlab.Tokenizer.from_file(path)
            theirs = tokenizers.Tokenizer.from_file(path)
            for num_proc in (None, 2):
                # checked equal first, then timed
                _, a = run_map(data, ours, num_proc)
                _, b = run_map(data, theirs, num_proc)
                assert a["input_ids"] == b["input_ids"], f"{name}: the ids differ"
                assert a["attention_mask"] == b["attention_mask"], f"{name}: masks differ"
                t_ours = min(run_map(data, ours, num_proc)[0] for _ in range(args.rounds))
                t_theirs = min(run_map(data, theirs, num_proc)[0] for _ in range(args.rounds))
                print(
                    f"{name}, num_proc={num_proc}: tokenlab {t_ours:.2f} s "
                    f"({megabytes / t_ours:.1f} MB/s), tokenizers {t_theirs:.2f} s "
                    f"({megabytes / t_theirs:.1f} MB/s), ratio {t_ours / t_theirs:.2f}"
                )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
