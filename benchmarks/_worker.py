"""Child process for the benchmarks: tokenlab on the backend its environment selects.

tokenlab picks its core once, at import, from ``TOKENLAB_PURE_PYTHON``; so the
pure-Python numbers come from a separate process started with that variable set.

A long-lived worker for pytest-benchmark (``_worker.py serve``). It reads one JSON
request per line on stdin and answers one JSON line on stdout. Setup (loading a
tokenizer, reading held-out lines) is its own request, so a timed request costs the
work itself plus a pipe round trip (well under a millisecond).

(One-off training runs for reports are ``tokenlab compare``, which starts its own
worker, ``python -m tokenlab._compare_worker``.)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common


class Server:
    """Answers requests from the benchmark suite; see the module docstring."""

    def __init__(self) -> None:
        import tokenlab

        self.tokenlab = tokenlab
        self.tokenizer: Any = None
        self.lines: list[str] = []
        self.merges: list[tuple[str, str]] = []
        self.output: dict[str, Any] = {}

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
        if cmd == "train_algo":
            algorithm = req["algorithm"]
            model = _common.train_side("tokenlab", algorithm, req["path"], int(req["vocab_size"]))
            self.output = _common.train_output("tokenlab", algorithm, model)
            return {"vocab_size": len(self.output["vocab"])}
        if cmd == "output":
            return {"output": self.output}
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("serve")
    parser.parse_args(argv)
    # Only replies go to the real stdout; anything else printed goes to stderr.
    protocol = sys.stdout
    sys.stdout = sys.stderr
    serve(sys.stdin, protocol)


if __name__ == "__main__":
    main()
