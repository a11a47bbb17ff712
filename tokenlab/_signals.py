"""Signals: SIGTERM is handled like Ctrl-C, and worker processes stay quiet.

The command line turns SIGTERM into :class:`Terminated`, a ``KeyboardInterrupt``,
so that the cleanup Ctrl-C runs (temporary files removed, worker pools
terminated) runs for ``kill`` and for a service manager's stop too; the exit
status says which signal it was (130 for SIGINT, 143 for SIGTERM, the shells'
128 + signal number).

A terminal's Ctrl-C reaches every process of the job. Workers of a pool ignore
SIGINT (the parent sees it, stops, and terminates the pool) and die silently
on SIGTERM (what ``Pool.terminate`` sends): a worker's KeyboardInterrupt
traceback told the user nothing, and a worker dying mid-task could leave the
parent waiting forever for its result.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from multiprocessing.context import BaseContext
from multiprocessing.pool import Pool
from types import FrameType
from typing import Any

__all__ = ["Terminated", "quiet_worker", "terminate_as_interrupt", "worker_pool"]


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived (raised where Ctrl-C would raise KeyboardInterrupt)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` in the main thread.

    Outside the main thread (where Python cannot set handlers) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def quiet_worker() -> None:
    """Pool initializer: ignore SIGINT, die on SIGTERM without a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        # blocked by worker_pool around the fork: a signal that came in between
        # is delivered now, to the handlers just set
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def _init_quiet_worker(
    initializer: Callable[..., object] | None, initargs: tuple[Any, ...]
) -> None:
    quiet_worker()
    if initializer is not None:
        initializer(*initargs)


@contextlib.contextmanager
def worker_pool(
    ctx: BaseContext,
    processes: int,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[Pool]:
    """A process pool of quiet workers (see :func:`quiet_worker`) that never hangs on exit.

    On success or an ordinary exception the pool is terminated as ``with Pool``
    does. On Ctrl-C or SIGTERM the workers are killed at once and the pool's
    teardown is skipped: ``Pool.terminate`` first waits for locks and pipe
    messages of its workers, and a worker killed by the same signal in the
    middle of a ``get`` or a ``put`` never gives them back (``tokenlab count``
    hung in ``Pool.__exit__`` about 1 time in 20). The pool's threads are
    daemons, left blocked on pipes that are closed when the process exits.
    """
    # Workers are forked with SIGINT and SIGTERM blocked, so that none runs the
    # parent's handlers before quiet_worker has set its own; the pool's threads,
    # started here too, keep them blocked (they fork the replacement workers), and
    # the main thread gets any signal that came meanwhile once they are unblocked.
    blocked = hasattr(signal, "pthread_sigmask")
    if blocked:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        pool = ctx.Pool(processes, _init_quiet_worker, (initializer, initargs))
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
    try:
        yield pool
    except KeyboardInterrupt:
        _kill(pool)
        raise
    except BaseException:
        pool.terminate()
        raise
    pool.terminate()


def _kill(pool: Pool) -> None:
    # Stop the thread that replaces dead workers first, or it forks new ones.
    handler = getattr(pool, "_worker_handler", None)
    if handler is not None:
        handler._state = "TERMINATE"
        handler.join(timeout=5)
    workers = list(getattr(pool, "_pool", []))
    for process in workers:
        with contextlib.suppress(Exception):
            process.kill()
    for process in workers:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    # The pool's finalizer would run Pool.terminate at interpreter exit: the same wait.
    finalizer = getattr(pool, "_terminate", None)
    with contextlib.suppress(Exception):
        finalizer.cancel()  # type: ignore[union-attr]
    with contextlib.suppress(Exception):
        pool._state = "TERMINATE"  # type: ignore[attr-defined]  # no ResourceWarning in __del__
