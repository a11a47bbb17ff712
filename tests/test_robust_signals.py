"""SIGTERM is handled like Ctrl-C (exit 143 vs 130), temporary files go on both, a
2-process count stops promptly without worker tracebacks, and a signal after the
output is complete is a success.

The subprocess tests wait (boundedly) until the child has the corpus open, so the
signal lands in the work, then signal the whole process group as a terminal does.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TOKENLAB_AS_JOB, open_fifo_writer

import tokenlab
from tokenlab import _atomic, cli
from tokenlab._signals import Terminated
from tokenlab.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

LINES = ["hello world, the quick brown fox jumps\n"] * 20 + ["lazy dogs sleep all day\n"] * 20


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 12 MB: two 8 MiB chunks, so that --processes 2 really uses two workers."""
    path = tmp_path_factory.mktemp("big") / "big.txt"
    rng = random.Random(3)
    words = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 12)))
        for _ in range(40000)
    ]
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(130000):
            f.write(" ".join(rng.choices(words, k=12)) + "\n")
    return path


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("small") / "c.txt"
    path.write_text("".join(LINES), encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(tokenlab.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(
        [root] + ([env["PYTHONPATH"]] if "PYTHONPATH" in env else [])
    )
    return env


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


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see the child")
@pytest.mark.parametrize(
    ("signum", "status", "message"),
    [
        (signal.SIGINT, 130, "tokenlab: interrupted\n"),
        (signal.SIGTERM, 143, "tokenlab: terminated\n"),
    ],
)
@pytest.mark.parametrize("command", ["count", "train"])
def test_signal_during_two_process_work(
    tmp_path: Path, big_corpus: Path, command: str, signum: int, status: int, message: str
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / ("c.tsv" if command == "count" else "tok.json")
    # --errors replace: strict byte-level counting reads the files on threads, in
    # this process; the test of that way is test_signal_during_threaded_counting.
    args = [*TOKENLAB_AS_JOB, command, str(big_corpus), "--processes", "2", "--errors", "replace"]
    args += ["-q", "-o", str(out)] + (["--vocab-size", "60000"] if command == "train" else [])
    proc = subprocess.Popen(
        args,
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal job
    )
    try:
        deadline = time.monotonic() + 60
        # wait until a worker reads the corpus: the signal reaches parent and workers
        while time.monotonic() < deadline and not any(
            _has_open(child, big_corpus) for child in _children(proc.pid)
        ):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.01)
        assert proc.poll() is None, "the work ended before the signal"
        os.killpg(proc.pid, signum)
        _, err = proc.communicate(timeout=60)  # a hang fails here, it does not block CI
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert (proc.returncode, err) == (status, message)
    assert os.listdir(out_dir) == []  # neither the output nor a temporary file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize(
    ("signum", "status", "message"),
    [
        (signal.SIGINT, 130, "tokenlab: interrupted\n"),
        (signal.SIGTERM, 143, "tokenlab: terminated\n"),
    ],
)
def test_signal_during_threaded_counting(
    tmp_path: Path, signum: int, status: int, message: str
) -> None:
    # Strict byte-level counting reads blocks of lines on two threads of this process
    # (the native core; the pure one counts in processes, as above).
    # The corpus is a pipe the test holds open after 3 MB, so the signal lands while
    # the counting waits for more: the process must stop without waiting for its
    # threads and leave no output.
    fifo = tmp_path / "corpus"
    os.mkfifo(fifo)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = [*TOKENLAB_AS_JOB, "count", str(fifo), "--processes", "2", "-q"]
    args += ["-o", str(out_dir / "c.tsv")]
    proc = subprocess.Popen(
        args,
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    fd = -1
    try:
        fd = open_fifo_writer(fifo, proc)
        line = b"the quick brown fox jumps over the lazy dog again\n"
        os.write(fd, line * (3_000_000 // len(line)))
        time.sleep(0.5)
        assert proc.poll() is None, "the count ended before the signal"
        os.killpg(proc.pid, signum)
        _, err = proc.communicate(timeout=60)  # a hang fails here
    finally:
        if fd >= 0:
            os.close(fd)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert (proc.returncode, err) == (status, message)
    assert os.listdir(out_dir) == []


@pytest.mark.parametrize(
    ("exc", "status", "message"),
    [
        (KeyboardInterrupt, 130, "tokenlab: interrupted\n"),
        (Terminated, 143, "tokenlab: terminated\n"),
    ],
)
@pytest.mark.parametrize("command", ["count", "train"])
def test_signal_while_writing_removes_the_temporary_file(
    tmp_path: Path,
    small_corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    exc: type[BaseException],
    status: int,
    message: str,
) -> None:
    def interrupted(fd: int) -> None:
        raise exc

    monkeypatch.setattr(_atomic.os, "fsync", interrupted)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    extra = ["--vocab-size", "270"] if command == "train" else []
    code = main([command, str(small_corpus), "-q", "-o", str(out_dir / "x"), *extra])
    assert (code, capsys.readouterr().err) == (status, message)
    assert os.listdir(out_dir) == []


class _InterruptOnce:
    """A time.perf_counter that raises KeyboardInterrupt once, on the first call at
    which ``ready()`` holds (the CLI reads the clock after writing its output)."""

    def __init__(self, ready: Callable[[], bool]) -> None:
        self.ready = ready
        self.fired = False
        self.real = time.perf_counter

    def __call__(self) -> float:
        if not self.fired and self.ready():
            self.fired = True
            raise KeyboardInterrupt
        return self.real()


@pytest.mark.parametrize("command", ["count", "train"])
def test_interrupt_after_the_output_is_complete_is_success(
    tmp_path: Path,
    small_corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    out = tmp_path / "x"
    extra = ["--vocab-size", "270"] if command == "train" else []
    clock = _InterruptOnce(out.exists)
    monkeypatch.setattr(cli.time, "perf_counter", clock)
    code = main([command, str(small_corpus), "-q", "-o", str(out), *extra])
    assert code == 0
    assert capsys.readouterr().err == f"tokenlab: interrupted after {out} was completely written\n"
    assert clock.fired and out.stat().st_size > 0


def test_interrupt_before_an_existing_output_is_replaced_is_not_success(
    tmp_path: Path,
    small_corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "x.json"
    out.write_text("old")
    monkeypatch.setattr(cli.time, "perf_counter", _InterruptOnce(lambda: True))
    code = main(["train", str(small_corpus), "-q", "--vocab-size", "270", "-o", str(out)])
    assert (code, capsys.readouterr().err) == (130, "tokenlab: interrupted\n")
    assert out.read_text() == "old"
