"""The progress bar (tokenlab/_progress.py): units, slow steps, first draw, notebooks."""

from __future__ import annotations

import io
import sys
import types

import pytest

from tokenlab._progress import Progress, progress_enabled


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_drawn_when_made() -> None:
    tty = _FakeTerminal()
    bar = Progress(total=None, desc="Seed pieces", stream=tty)
    # nothing has advanced yet, and the phase is already named on screen
    assert tty.getvalue().startswith("\rSeed pieces: 0 ")
    bar.close()


def test_byte_counts_have_units() -> None:
    bar = Progress(total=5_000_000, desc="Count words", stream=io.StringIO(), unit="B")
    bar.n = 2_500_000
    line = bar.render(now=bar._start + 2.0)
    assert "2.5 MB/5.0 MB" in line
    assert "1.2 MB/s" in line  # 2.5 MB in 2 s


def test_slow_steps_show_seconds_per_step() -> None:
    bar = Progress(total=8, desc="EM rounds", stream=io.StringIO(), unit="round")
    bar.n = 2
    assert bar.render(now=bar._start + 25.0).endswith("12.5 s/round]")
    bar.n = 200
    assert bar.render(now=bar._start + 25.0).endswith("8 round/s]")


def test_notebook_bar_uses_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    tqdm_auto = pytest.importorskip("tqdm.auto")
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # no terminal, as in Jupyter
    assert progress_enabled(True) is True
    made: list[object] = []

    class Recorder(tqdm_auto.tqdm):  # type: ignore[misc, name-defined]
        def __init__(self, *args: object, **kwargs: object) -> None:
            kwargs["file"] = io.StringIO()
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(tqdm_auto, "tqdm", Recorder)
    with Progress(total=10, desc="Merges", enabled=True, unit="merge") as bar:
        bar.update(4)
        bar.update(6)
    assert len(made) == 1
    widget = made[0]
    assert widget.n == 10 and widget.total == 10 and widget.desc == "Merges"  # type: ignore[attr-defined]


def test_no_notebook_no_terminal_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_enabled(True) is False
