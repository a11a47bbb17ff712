"""Reading tokenizer files, with errors that name the file and say what is wrong.

A loader may look at a file twice: once to tell its format from its first bytes,
then to read it. A pipe (``tokenlab encode -t <(cat tok.json)``, a named FIFO) can
be read only once: :func:`read_once` reads it on entry and every read of that path
within the block (:func:`read_head` for sniffing, :func:`read_model_bytes` for
loading) gets those bytes.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
from collections.abc import Iterator

from .errors import ModelFileError

__all__ = ["is_pipe", "read_head", "read_model_bytes", "read_model_text", "read_once"]

# path -> its bytes, for the pipes being loaded in this thread or task.
_ALREADY_READ: contextvars.ContextVar[dict[str, bytes] | None] = contextvars.ContextVar(
    "tokenlab_already_read", default=None
)


def is_pipe(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a FIFO, a character device or a socket: readable only once.

    ``/dev/fd/N`` (bash's ``<(...)``) is a link to a pipe: the pipe decides.
    """
    try:
        mode = os.stat(os.fspath(path)).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def _already_read(path: str) -> bytes | None:
    return (_ALREADY_READ.get() or {}).get(path)


@contextlib.contextmanager
def read_once(path: str | os.PathLike[str]) -> Iterator[None]:
    """Within the block, a pipe at ``path`` is read once, on entry, and kept.

    A regular file (or a directory) is left alone: it can be read again.

    Raises:
        ModelFileError: the pipe cannot be read (as :func:`read_model_bytes`).
    """
    p = os.fspath(path)
    if _already_read(p) is not None or not is_pipe(p):
        yield
        return
    token = _ALREADY_READ.set({**(_ALREADY_READ.get() or {}), p: read_model_bytes(p)})
    try:
        yield
    finally:
        _ALREADY_READ.reset(token)


def read_head(path: str | os.PathLike[str], size: int) -> bytes:
    """The first ``size`` bytes of a file, for telling its format.

    Raises:
        OSError: the file cannot be opened or read.
    """
    p = os.fspath(path)
    held = _already_read(p)
    if held is not None:
        return held[:size]
    with open(p, "rb") as f:
        return f.read(size)


def read_model_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a tokenizer file.

    Raises:
        ModelFileError: the file is missing, a directory, or unreadable.
    """
    p = os.fspath(path)
    held = _already_read(p)
    if held is not None:
        return held
    try:
        with open(p, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise ModelFileError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{p}: is a directory") from None
    except OSError as e:
        raise ModelFileError(f"{p}: cannot read ({e.strerror or e})") from e


def read_model_text(path: str | os.PathLike[str]) -> str:
    """The UTF-8 text of a tokenizer file.

    Raises:
        ModelFileError: as :func:`read_model_bytes`, or the file is not UTF-8
            (the message gives the offset of the first bad byte).
    """
    raw = read_model_bytes(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ModelFileError(
            f"{os.fspath(path)}: not UTF-8 text (bad byte at offset {e.start})"
        ) from None
