"""Threads for batch encoding: the usable cores, one shared pool, the GC pause.

``encode_batch`` and ``encode_ordinary_batch`` cut a batch into runs of texts
(:func:`chunks`) and encode them on the process's pool (:func:`executor`); the
native encoders release the GIL. Nothing here knows about tokenizers.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .errors import ConfigError

__all__ = [
    "PARALLEL_MIN_CHARS",
    "chunks",
    "cpu_count",
    "executor",
    "gc_paused",
    "run_chunks",
    "thread_count",
]

#: Texts (in chars) below which a batch is not worth the threads.
PARALLEL_MIN_CHARS = 1 << 16

# Runs of a batch per thread: enough that the pool balances texts of uneven length,
# few enough that each run's call and result list cost little.
_RUNS_PER_THREAD = 8


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC (if on) for the block: while a batch's encodings are made.

    Each encoding is a few tracked objects, all of which survive; collecting again
    and again while a large batch piles them up cost more than encoding it (measured
    on a Unigram pipeline: 7.3 -> 2.6 us per 64-byte line). The GC is switched back
    on only by the call that switched it off.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


_EXECUTORS: dict[int, Any] = {}
_EXECUTOR_LOCK = threading.Lock()


def executor(threads: int) -> ThreadPoolExecutor:
    """The process's pool of ``threads`` threads for encode_batch (made on first use)."""
    with _EXECUTOR_LOCK:
        pool = _EXECUTORS.get(threads)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tokenlab-encode")
            _EXECUTORS[threads] = pool
        return pool


def _forget_executors() -> None:
    # A forked child has the pool objects but not their threads.
    _EXECUTORS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_executors)


def cpu_count() -> int:
    """The cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_count(num_threads: int | None) -> int:
    """The threads to use for ``num_threads`` (None: one per usable core).

    Raises:
        ConfigError: ``num_threads`` is not an integer >= 1 or None.
    """
    if num_threads is None:
        return cpu_count()
    if not isinstance(num_threads, int) or isinstance(num_threads, bool) or num_threads < 1:
        raise ConfigError(f"num_threads must be an integer >= 1 or None, got {num_threads!r}")
    return num_threads


def chunks(texts: list[str], parts: int) -> list[list[str]]:
    """``texts`` cut into ``parts`` runs of about equal count (fewer if too few), in order.

    Cut by count, not by chars: summing every text's length was a fifth of a whole
    batch's time on one thread, all of it serial. The pool hands the runs out as
    threads free up, so many runs per thread even out texts of uneven length.
    """
    n = len(texts)
    parts = max(1, min(parts, n))
    return [texts[n * k // parts : n * (k + 1) // parts] for k in range(parts)]


def _large(texts: list[str]) -> bool:
    """Whether ``texts`` hold at least PARALLEL_MIN_CHARS chars (stops once they do)."""
    return any(total >= PARALLEL_MIN_CHARS for total in itertools.accumulate(map(len, texts)))


def run_chunks(
    fn: Callable[[list[str]], Any], texts: list[str], num_threads: int | None
) -> Iterator[Any]:
    """``fn(chunk)`` for runs of ``texts`` in order, on up to ``num_threads`` threads.

    ``fn`` runs on the pool's threads only (the calling thread waits): what it does
    holding the GIL (checking texts, building result lists) overlaps the other
    threads' native work, where the same work done here beforehand would not.
    """
    threads = thread_count(num_threads)
    if threads == 1 or len(texts) < 2 or not _large(texts):
        yield fn(texts)
        return
    yield from executor(threads).map(fn, chunks(texts, threads * _RUNS_PER_THREAD))
