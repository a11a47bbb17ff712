"""A one-line progress bar on stderr, for the trainers.

It draws only when asked to (``show_progress``) and only on a terminal: a bar
redrawn with carriage returns would fill a log file or a CI transcript with
noise. Redraws are throttled to about ten per second, so calling
:meth:`Progress.update` once per merge costs almost nothing.

No dependency: this is all tokenlab needs, and it keeps ``import tokenlab`` light. In a
Jupyter notebook (stderr is no terminal there) the bar is drawn by ``tqdm.auto`` when
tqdm is installed (``pip install tqdm``), as a notebook widget.

Units: a byte count is shown as ``12.3 MB`` and ``4.5 MB/s``; a slow step (an EM round
of the Unigram trainer) as seconds per step, ``12.3 s/round``, rather than ``0.1/s``.
The bar is drawn when it is made, so a phase is named before its first step ends.

>>> with Progress(total=3, desc="merges", enabled=False) as bar:
...     for _ in range(3):
...         bar.update()
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import Any, TextIO

__all__ = ["Progress", "progress_enabled"]

_MIN_INTERVAL = 0.1  # seconds between redraws: at most ~10 per second
_BAR_WIDTH = 20


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (its stderr is no terminal, yet shown)."""
    return "ipykernel" in sys.modules


def progress_enabled(show_progress: bool) -> bool:
    """Whether a trainer asked for progress should draw it.

    Args:
        show_progress: the caller's wish (``show_progress=`` of a trainer).

    Returns:
        True only if ``show_progress`` is true and stderr is a terminal or a
        Jupyter notebook's.
    """
    return bool(show_progress) and (_is_tty(sys.stderr) or _in_notebook())


def _format_bytes(n: float) -> str:
    """``512 B``, ``12.3 kB``, ``4.5 MB``, ``1.2 GB`` (decimal units, as MB/s elsewhere)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def _format_count(n: float) -> str:
    """``12,345`` below 100,000, then ``123.5k``, ``12.3M``, ``1.2G``: the line stays short."""
    if n < 100_000:
        return f"{n:,.0f}"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f}{unit}"
    return f"{n:,.0f}"  # pragma: no cover - unreachable


def _format_seconds(seconds: float) -> str:
    seconds = int(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


class Progress:
    """A throttled one-line progress bar.

    Args:
        total: the number of steps expected, or None when unknown (then only the
            count and rate are shown).
        desc: a short label printed before the bar.
        enabled: draw anything at all; even when true, nothing is drawn unless
            ``stream`` is a terminal.
        stream: where to draw (stderr by default).

    >>> import io
    >>> out = io.StringIO()
    >>> with Progress(total=10, desc="merges", stream=out) as bar:
    ...     bar.update(10)
    >>> out.getvalue()  # not a terminal: nothing drawn
    ''
    """

    def __init__(
        self,
        total: int | None,
        desc: str,
        enabled: bool = True,
        stream: TextIO | None = None,
        unit: str = "it",
    ) -> None:
        self.total = total if total is None or total >= 0 else 0
        self.desc = desc
        self.unit = unit
        self.stream: TextIO = stream if stream is not None else sys.stderr
        self.enabled = bool(enabled) and _is_tty(self.stream)
        self.n = 0
        self._start = time.monotonic()
        self._last_draw = -_MIN_INTERVAL  # first update draws at once
        self._drawn_width = 0
        self._closed = False
        self._widget: Any = None
        if enabled and not self.enabled and stream is None and _in_notebook():
            self._widget = _notebook_bar(total, desc, unit)
        if self.enabled:
            self._draw(self._start)  # name the phase now, not when its first step ends

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps; redraw if the last redraw is old enough."""
        self.n += n
        if self._widget is not None:
            self._widget.update(n)
        if not self.enabled or self._closed:
            return
        now = time.monotonic()
        if now - self._last_draw >= _MIN_INTERVAL:
            self._last_draw = now
            self._draw(now)

    def close(self) -> None:
        """Draw the final state and end the line. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._widget is not None:
            self._widget.close()
        if self.enabled:
            self._draw(time.monotonic())
            self._write("\n")

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def render(self, now: float | None = None) -> str:
        """The text of the bar for the current state (without ``\\r``)."""
        elapsed = (time.monotonic() if now is None else now) - self._start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        if self.total:
            frac = min(self.n / self.total, 1.0)
            filled = int(frac * _BAR_WIDTH)
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            remaining = (self.total - self.n) / rate if rate > 0 else 0.0
            return (
                f"{self.desc}: {frac * 100:3.0f}% [{bar}] "
                f"{self._count(self.n)}/{self._count(self.total)} "
                f"[{_format_seconds(elapsed)}<{_format_seconds(max(remaining, 0.0))}, "
                f"{self._rate(rate, elapsed)}]"
            )
        return (
            f"{self.desc}: {self._count(self.n)} "
            f"[{_format_seconds(elapsed)}, {self._rate(rate, elapsed)}]"
        )

    def _count(self, n: float) -> str:
        return _format_bytes(n) if self.unit == "B" else _format_count(n)

    def _rate(self, rate: float, elapsed: float) -> str:
        if self.unit == "B":
            return f"{_format_bytes(rate)}/s"
        if self.n and rate < 1.0:  # slow steps: seconds per step says more than 0.1/s
            return f"{elapsed / self.n:.1f} s/{self.unit}"
        return f"{_format_count(rate)} {self.unit}/s"

    def _draw(self, now: float) -> None:
        line = self.render(now)
        width = _terminal_width(self.stream)
        if len(line) > width - 1:
            line = line[: width - 1]
        # pad to erase the tail of a longer previous line
        pad = " " * max(self._drawn_width - len(line), 0)
        self._drawn_width = len(line)
        self._write("\r" + line + pad)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken terminal: stop drawing
            self.enabled = False


def _notebook_bar(total: int | None, desc: str, unit: str) -> Any:
    """A tqdm notebook widget, or None when tqdm is not installed (no bar then)."""
    try:
        from tqdm.auto import tqdm  # noqa: PLC0415 - optional, for notebooks
    except ImportError:  # optional: pip install tqdm for bars in notebooks
        return None
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit == "B", leave=True)


def _terminal_width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80
