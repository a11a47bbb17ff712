"""Ctrl-C during training or export: exit status 130, one short line, no file left.

The training test starts ``python -m tokenlab train`` on a corpus large enough to
still be training when SIGINT arrives; it waits until the child has the corpus open
(so the interrupt lands in the work, not in start-up), then interrupts the whole
process group, as a terminal's Ctrl-C does.
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
from conftest import TOKENLAB_AS_JOB

import tokenlab
from tokenlab.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _big_corpus(path: Path) -> None:
    rng = random.Random(3)
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 12)))
        for _ in range(40000)
    ]
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(60000):
            f.write(" ".join(rng.choices(words, k=12)) + "\n")


def _has_open(pid: int, path: Path) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see the child")
@pytest.mark.parametrize("processes", ["1", "2"])
def test_sigint_during_training(tmp_path: Path, processes: str) -> None:
    corpus = tmp_path / "big.txt"
    _big_corpus(corpus)
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
    try:
        deadline = time.monotonic() + 60
        while not _has_open(proc.pid, corpus) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.01)
        time.sleep(0.3)  # into the counting / merging
        assert proc.poll() is None, "training ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
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
