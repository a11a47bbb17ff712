"""Peak memory of training: tokenlab against Hugging Face ``tokenizers``, same file, same run.

Each training runs in its own fresh child process, which reads its own peak RSS
(``VmHWM`` in ``/proc/self/status``) when it is done; with word counting in
several processes, the child also reports the largest peak among its workers
(``RUSAGE_CHILDREN``). The parent prints one table row per run and the load
average, since the machine may be shared.

Usage (from the repository root, extension built in place)::

    PYTHONPATH=. python benchmarks/peak_memory.py FILE [--vocab-size 32000]
        [--processes 1 2] [--skip-tokenizers]

``FILE`` can be any text file: a 100 MB English corpus for the comparison, or a
single 200 MB line (``--make-long-line PATH --mb 200`` writes one; add ``--letters``
for random letters without a space, a 'word' no pre-tokenizer can cut) to check that
tokenlab's memory stays bounded on input without newlines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

MIB = 1 << 20

CHILD = r"""
import json, os, resource, sys, time
impl, path, vocab, processes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0

start = time.perf_counter()
if impl == "tokenizers":
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab, min_frequency=0, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train([path], trainer)
    size = tok.get_vocab_size()
else:
    import tokenlab
    procs = None if processes == "auto" else int(processes)
    tok = tokenlab.train(path, vocab_size=vocab, show_progress=False, processes=procs)
    size = tok.get_vocab_size()
seconds = time.perf_counter() - start
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"peak": hwm(), "workers": workers, "seconds": seconds, "vocab": size}))
"""


def run_child(impl: str, path: str, vocab: int, processes: str) -> dict[str, float]:
    """Train once in a fresh interpreter and return what it measured."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, impl, path, str(vocab), processes],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.abspath(path)),
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def make_long_line(path: str, mb: int, seed: int = 0, letters: bool = False) -> None:
    """Write ``mb`` MB of English-like words separated by spaces, with no newline.

    With ``letters``: random letters and no space at all (one 'word' of ``mb`` MB,
    which no pre-tokenizer can cut).
    """
    rng = random.Random(seed)
    if letters:
        with open(path, "w", encoding="utf-8", newline="") as f:
            for _ in range(mb):
                f.write("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=1_000_000)))
        return
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 9)))
        for _ in range(20000)
    ]
    target = mb * 1_000_000
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        while written < target:
            block = " ".join(rng.choices(words, k=100_000)) + " "
            f.write(block)
            written += len(block)


def main() -> None:
    """Run the comparison and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--vocab-size", type=int, default=32000)
    parser.add_argument("--processes", nargs="+", default=["1"], help="1, 2, ... or auto")
    parser.add_argument("--skip-tokenizers", action="store_true")
    parser.add_argument("--make-long-line", metavar="PATH")
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument(
        "--letters", action="store_true", help="--make-long-line: random letters, no spaces"
    )
    args = parser.parse_args()
    if args.make_long_line:
        make_long_line(args.make_long_line, args.mb, letters=args.letters)
        print(f"wrote {os.path.getsize(args.make_long_line):,} bytes to {args.make_long_line}")
        return
    if not args.file:
        parser.error("FILE is required")
    size = os.path.getsize(args.file)
    print(f"file: {args.file} ({size:,} bytes), vocab {args.vocab_size}")
    print(f"load at start: {os.getloadavg()}")
    print("| implementation | processes | peak RSS MiB | largest worker MiB | s | vs tokenizers |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    anchor = None
    if not args.skip_tokenizers:
        r = run_child("tokenizers", args.file, args.vocab_size, "1")
        anchor = r["peak"]
        print(f"| tokenizers | threads | {r['peak'] / MIB:.0f} | - | {r['seconds']:.1f} | 1.00 |")
    for processes in args.processes:
        r = run_child("tokenlab", args.file, args.vocab_size, processes)
        ratio = f"{r['peak'] / anchor:.2f}" if anchor else "-"
        workers = f"{r['workers'] / MIB:.0f}" if r["workers"] else "-"
        print(
            f"| tokenlab | {processes} | {r['peak'] / MIB:.0f} | {workers} | "
            f"{r['seconds']:.1f} | {ratio} |"
        )
    print(f"load at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
