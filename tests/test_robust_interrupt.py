"""Ctrl-C during training or export: exit status 130, one short line, no file left.

The training test starts ``python -m tokenlab train`` on a corpus that is a named pipe:
the test writes the text and holds the pipe open, so the child is still reading when
SIGINT arrives (training a few MB takes about a second now, too short to hit by
timing), then interrupts the whole process group, as a terminal's Ctrl-C does.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TOKENLAB_AS_JOB, open_fifo_writer

import tokenlab
from tokenlab.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _big_text() -> bytes:
    rng = random.Random(3)
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 12)))
        for _ in range(40000)
    ]
    return "".join(" ".join(rng.choices(words, k=12)) + "\n" for _ in range(60000)).encode()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("processes", ["1", "2"])
def test_sigint_during_training(tmp_path: Path, processes: str) -> None:
    corpus = tmp_path / "big.txt"
    os.mkfifo(corpus)
    out = tmp_path / "out" / "tok.json"
    out.parent.mkdir()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(tokenlab.__file__)))]
        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    proc = subprocess.Popen(
        [
            *TOKENLAB_AS_JOB,
            "train",
            str(corpus),
            "--vocab-size",
            "60000",
            "--processes",
            processes,
            "-o",
            str(out),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal job
    )
    fd = -1
    try:
        fd = open_fifo_writer(corpus, proc)
        os.write(fd, _big_text())
        time.sleep(0.3)  # into the counting, which waits for the rest of the corpus
        assert proc.poll() is None, "training ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if fd >= 0:
            os.close(fd)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert err == "tokenlab: interrupted\n"
    assert os.listdir(out.parent) == []  # neither the output nor a temporary file


@pytest.mark.parametrize("fmt", ["huggingface", "gpt2", "tiktoken", "bert", "sentencepiece"])
def test_interrupt_during_export_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Ctrl-C after the data is written but before the rename: no file, exit 130."""
    from tokenlab import _atomic

    lines = ["hello world, the quick brown fox\n"] * 30
    if fmt == "bert":
        tok = tokenlab.train(iter(lines), algorithm="wordpiece", vocab_size=60, show_progress=False)
    elif fmt == "sentencepiece":
        tok = tokenlab.train(iter(lines), algorithm="sp-bpe", vocab_size=30, show_progress=False)
    else:
        tok = tokenlab.train(iter(lines), vocab_size=270, show_progress=False)
    source = tmp_path / "tok.json"
    tok.save(str(source))
    target_dir = tmp_path / "out"
    target_dir.mkdir()
    name = {"gpt2": "gpt2", "tiktoken": "t.tiktoken", "bert": "vocab.txt"}.get(fmt, "x.model")
    if fmt == "huggingface":
        name = "copy.json"
    target = target_dir / name

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_atomic.os, "fsync", interrupted)
    code = main(["export", "-t", str(source), "--format", fmt, "-o", str(target)])
    assert code == 130
    assert capsys.readouterr().err == "tokenlab: interrupted\n"
    left = [p for p in target_dir.rglob("*") if p.is_file()]
    assert left == []
