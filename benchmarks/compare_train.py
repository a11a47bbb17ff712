"""Several ``tokenlab compare`` runs in one report (what benchmarks/RESULTS.md shows).

A thin wrapper: for every algorithm and vocabulary size given, it runs
:func:`tokenlab.compare.compare` (each library in its own fresh process) and
concatenates the Markdown reports. Progress goes to stderr.

    python benchmarks/compare_train.py --algorithm bpe wordpiece --vocab-size 8000 -o r.md
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from tokenlab import compare as cmp
    from tokenlab._atomic import atomic_write

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        default=_common.default_corpus_path(),
        help="text or .gz file (default: $TOKENLAB_BENCH_CORPUS, else the shared "
        "en_medium corpus): %(default)s",
    )
    parser.add_argument(
        "--algorithm", nargs="+", choices=tuple(cmp.ANCHORS), default=list(cmp.ANCHORS)
    )
    parser.add_argument("--vocab-size", type=int, nargs="+", default=[8000])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--held-out-lines", type=int, default=cmp.DEFAULT_HELD_OUT_LINES)
    parser.add_argument("-o", "--output", help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if args.corpus == _common.EMBEDDED:
        parser.error("give --corpus a file (tokenlab compare reads files)")
    parts = []
    for algorithm in args.algorithm:
        for vocab in args.vocab_size:
            report = cmp.compare(
                [args.corpus],
                algorithm,
                vocab,
                threads=args.threads,
                held_out_lines=args.held_out_lines,
            )
            command = ["tokenlab", "compare", args.corpus, "--algorithm", algorithm]
            command += ["--vocab-size", str(vocab)]
            if args.threads:
                command += ["--threads", str(args.threads)]
            if args.held_out_lines != cmp.DEFAULT_HELD_OUT_LINES:
                command += ["--held-out-lines", str(args.held_out_lines)]
            parts.append(cmp.to_markdown(report, shlex.join(command)))
    text = "\n".join(parts)
    sys.stdout.write(text)
    if args.output:
        with atomic_write(args.output) as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
