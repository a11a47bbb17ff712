"""Atomic file writing: a temporary file in the target directory, then a rename.

A reader never sees a half-written file, and an interrupted write (an error or
Ctrl-C) leaves the previous file, if any, untouched and no temporary behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["atomic_write", "check_writable_path"]


def check_writable_path(path: str | os.PathLike[str]) -> None:
    """Fail early if ``path`` cannot be written: its directory must exist.

    Raises:
        ConfigError: the parent directory is missing or is not a directory.
    """
    from .errors import ConfigError

    parent = os.path.dirname(os.path.abspath(os.fspath(path)))
    if not os.path.isdir(parent):
        raise ConfigError(
            f"cannot write {os.fspath(path)!r}: directory {parent!r} does not exist "
            "(create it first)"
        )
    if os.path.isdir(os.fspath(path)):
        raise ConfigError(f"cannot write {os.fspath(path)!r}: it is a directory")


def _final_mode(target: str) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; rename it over ``path`` on success.

    Args:
        path: the final file name.
        mode: ``"w"`` for text or ``"wb"`` for bytes.
        encoding: text encoding (ignored in binary mode).

    Yields:
        The open temporary file.
    """
    check_writable_path(path)
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".tokenlab-", suffix=".tmp", dir=directory)
    try:
        if "b" in mode:
            f: IO[Any] = os.fdopen(fd, mode)
        else:
            f = os.fdopen(fd, mode, encoding=encoding, newline="")
        with f:
            yield f
            f.flush()
            # mkstemp makes the file private (0600); give it the mode a plain open()
            # would have: the existing file's, else 0666 less the umask.
            os.fchmod(f.fileno(), _final_mode(target))
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
