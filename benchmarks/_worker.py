"""Child process for the benchmarks: tokenlab on the backend its environment selects.

tokenlab picks its core once, at import, from ``TOKENLAB_PURE_PYTHON``; so the
pure-Python numbers come from a separate process started with that variable set.

Two modes:

``serve``
    A long-lived worker for pytest-benchmark. It reads one JSON request per line on
    stdin and answers one JSON line on stdout. Setup (loading a tokenizer, reading
    held-out lines) is its own request, so a timed request costs the work itself
    plus a pipe round trip (well under a millisecond).

``train``
    One training run in a fresh process, for ``compare_train.py``: train
    ``--impl tokenlab`` or ``--impl tokenizers`` on a file and write the merges,
    the training wall time and peak RSS as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from typing import Any, TextIO

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common


def _peak_rss_bytes() -> int:
    """This process's peak RSS so far.

    On Linux this is ``VmHWM`` from ``/proc/self/status``, not ``ru_maxrss``: the
    kernel carries the parent's ``ru_maxrss`` over a fork and exec, so a child of a
    big parent would report at least the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # KiB on Linux


class Server:
    """Answers requests from the benchmark suite; see the module docstring."""

    def __init__(self) -> None:
        import tokenlab

        self.tokenlab = tokenlab
        self.tokenizer: Any = None
        self.lines: list[str] = []
        self.merges: list[tuple[str, str]] = []

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        cmd = req["cmd"]
        if cmd == "hello":
            import tokenlab._backend as backend

            return {
                "backend": self.tokenlab.backend,
                "pair_counter": f"{backend.PairCounter.__module__}.PairCounter",
                "native_loaded": "tokenlab._core" in sys.modules,
                "pid": os.getpid(),
            }
        if cmd == "train":
            tok = _common.tokenlab_train(req["path"], int(req["vocab_size"]))
            self.merges = list(tok.model.merges)
            return {"n_merges": len(self.merges)}
        if cmd == "merges_digest":
            return {"digest": _common.merges_digest(self.merges), "n_merges": len(self.merges)}
        if cmd == "load":
            self.tokenizer = self.tokenlab.Tokenizer.from_file(req["tokenizer"])
            with open(req["lines"], encoding="utf-8") as f:
                self.lines = json.load(f)
            return {"n_lines": len(self.lines)}
        if cmd == "encode":
            encode = self.tokenizer.encode
            n = 0
            for line in self.lines:
                n += len(encode(line).ids)
            return {"n_tokens": n}
        if cmd == "encode_batch":
            encs = self.tokenizer.encode_batch(self.lines)
            return {"n_tokens": sum(len(e.ids) for e in encs)}
        if cmd == "ids_digest":
            ids = [self.tokenizer.encode(line).ids for line in self.lines]
            return {"digest": _common.ids_digest(ids)}
        raise ValueError(f"unknown request {cmd!r}")


def serve(inp: TextIO, out: TextIO) -> None:
    server = Server()
    for raw in inp:
        if not raw.strip():
            continue
        try:
            reply = {"ok": True, **server.handle(json.loads(raw))}
        except Exception as exc:  # report to the parent instead of dying silently
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def train_once(impl: str, corpus: str, vocab_size: int, out_path: str) -> None:
    t0 = time.perf_counter()
    if impl == "tokenizers":
        import tokenizers  # noqa: F401

        backend = "rust"
    else:
        import tokenlab

        backend = tokenlab.backend
    import_s = time.perf_counter() - t0
    rss_after_import = _peak_rss_bytes()
    t1 = time.perf_counter()
    if impl == "tokenizers":
        merges = _common.hf_merges(_common.hf_train(corpus, vocab_size))
    else:
        merges = list(_common.tokenlab_train(corpus, vocab_size).model.merges)
    train_s = time.perf_counter() - t1
    result = {
        "impl": impl,
        "backend": backend,
        "vocab_size": vocab_size,
        "import_s": import_s,
        "train_s": train_s,
        "rss_after_import": rss_after_import,
        "rss_peak": _peak_rss_bytes(),
        "merges": [list(m) for m in merges],
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("serve")
    tr = sub.add_parser("train")
    tr.add_argument("--impl", choices=("tokenlab", "tokenizers"), required=True)
    tr.add_argument("--corpus", required=True)
    tr.add_argument("--vocab-size", type=int, required=True)
    tr.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.mode == "serve":
        # Only replies go to the real stdout; anything else printed goes to stderr.
        protocol = sys.stdout
        sys.stdout = sys.stderr
        serve(sys.stdin, protocol)
    else:
        train_once(args.impl, args.corpus, args.vocab_size, args.out)


if __name__ == "__main__":
    main()
