"""Atomic file writing: a temporary file in the target directory, then a rename.

A reader never sees a half-written file, and an interrupted write (an error or
Ctrl-C) leaves the previous file, if any, untouched and no temporary behind.

Only a regular file (or a missing path) is ever replaced by a rename. A symlink
stays a symlink: its target is replaced, at the target's real path. A device,
FIFO or socket (``/dev/null``, ``/dev/stdout``, a named pipe) is written
through, as a plain ``open()`` would: renaming over it would replace the
device node with a regular file (``-o /dev/null`` once turned the machine's
``/dev/null`` into a file).

:func:`atomic_write_all` writes several files that belong together (GPT-2's
``vocab.json`` + ``merges.txt``): every file is written and synced under a
temporary name before the first rename, and if a rename fails the files
already renamed are put back, so an error leaves the old set. Only a crash
between the renames (microseconds) can mix old and new; the readers of such
pairs check a hash of the partner to catch that.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any

from .errors import ConfigError

__all__ = ["atomic_write", "atomic_write_all", "check_writable_path", "real_target"]


def real_target(path: str | os.PathLike[str]) -> str:
    """The file a write to ``path`` changes: a symlink's (final) target, else ``path``."""
    p = os.fspath(path)
    return os.path.realpath(p) if os.path.islink(p) else p


def _is_special(path: str) -> bool:
    """True for an existing path that is neither a regular file nor a directory."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_writable_path(path: str | os.PathLike[str]) -> None:
    """Fail early if ``path`` cannot be written (call it before long work).

    The directory must exist and accept a new file (probed by creating and
    removing an empty temporary file there: ``os.access`` does not see a
    read-only filesystem for every user); a device or FIFO must be writable.

    Raises:
        ConfigError: the path is empty or a directory, its directory is missing
            or not writable; the message names ``path`` as given.
    """
    given = os.fspath(path)
    if not given:
        raise ConfigError("the output path is empty: give a file name")
    target = real_target(given)
    if os.path.isdir(target):
        raise ConfigError(f"cannot write {given!r}: it is a directory")
    if _is_special(target):
        if not os.access(target, os.W_OK):
            raise ConfigError(f"cannot write {given!r}: permission denied")
        return
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(parent):
        raise ConfigError(
            f"cannot write {given!r}: directory {parent!r} does not exist (create it first)"
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".tokenlab-", suffix=".tmp", dir=parent)
    except OSError as e:
        raise ConfigError(
            f"cannot write {given!r}: directory {parent!r} does not accept new files "
            f"({e.strerror or e}); choose another output path"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _final_mode(target: str) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _named(e: OSError, given: str) -> OSError:
    """``e`` with the user's path as its file name, not the temporary file's."""
    return type(e)(e.errno, e.strerror or str(e), given)


class _Pending:
    """One file being written: a temporary beside the real target, or the special
    file itself (written through)."""

    def __init__(self, given: str, mode: str, encoding: str | None) -> None:
        self.given = given
        self.target = real_target(given)
        self.through = _is_special(self.target)
        self.tmp: str | None = None
        self.backup: str | None = None
        if self.through:
            self.file: IO[Any] = (
                open(self.target, mode)  # noqa: SIM115 - closed by the owner
                if "b" in mode
                else open(self.target, mode, encoding=encoding, newline="")  # noqa: SIM115
            )
            return
        directory = os.path.dirname(os.path.abspath(self.target))
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=".tokenlab-", suffix=".tmp", dir=directory)
        except OSError as e:
            raise _named(e, given) from e
        if "b" in mode:
            self.file = os.fdopen(fd, mode)
        else:
            self.file = os.fdopen(fd, mode, encoding=encoding, newline="")

    def finish(self) -> None:
        """Flush, give the mode a plain open() would, and sync (not renamed yet)."""
        self.file.flush()
        if not self.through:
            # mkstemp makes the file private (0600): give the existing file's mode,
            # else 0666 less the umask.
            os.fchmod(self.file.fileno(), _final_mode(self.target))
            os.fsync(self.file.fileno())
        self.file.close()

    def keep_old(self) -> None:
        """Hard-link the current target aside, so that a failed group can restore it."""
        if self.through or not os.path.isfile(self.target):
            return
        directory = os.path.dirname(os.path.abspath(self.target))
        name = tempfile.mktemp(prefix=".tokenlab-", suffix=".old", dir=directory)
        with contextlib.suppress(OSError):
            os.link(self.target, name)
            self.backup = name

    def rename(self) -> None:
        if self.tmp is None:
            return
        try:
            os.replace(self.tmp, self.target)
        except OSError as e:
            raise _named(e, self.given) from e
        self.tmp = None

    def restore(self) -> None:
        """Put the old file back (after this one was renamed and a later one failed)."""
        if self.through or self.tmp is not None:
            return
        with contextlib.suppress(OSError):
            if self.backup is not None:
                os.replace(self.backup, self.target)
                self.backup = None
            else:
                os.unlink(self.target)  # there was none before

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        for name in (self.tmp, self.backup):
            if name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(name)
        self.tmp = self.backup = None


@contextlib.contextmanager
def atomic_write_all(
    paths: Sequence[str | os.PathLike[str]], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[list[IO[Any]]]:
    """Write several files all or nothing.

    Every file is written under a temporary name and synced; only then are
    they renamed into place, in order. If a rename fails, the files renamed
    before it get their old content back. A device, FIFO or symlink target is
    handled as in :func:`atomic_write`.

    Args:
        paths: the final file names.
        mode: ``"w"`` for text or ``"wb"`` for bytes.
        encoding: text encoding (ignored in binary mode).

    Yields:
        The open temporary files, in the order of ``paths``.

    Raises:
        ConfigError: a path cannot be written (see :func:`check_writable_path`).
        OSError: a write or rename failed; its file name is the path given.
    """
    for path in paths:
        check_writable_path(path)
    pending: list[_Pending] = []
    try:
        for path in paths:
            pending.append(_Pending(os.fspath(path), mode, encoding))
        yield [p.file for p in pending]
        for p in pending:
            p.finish()
        if len(pending) > 1:
            for p in pending:
                p.keep_old()
        done: list[_Pending] = []
        try:
            for p in pending:
                p.rename()
                done.append(p)
        except BaseException:
            for p in reversed(done):
                p.restore()
            raise
    finally:
        for p in pending:
            p.discard()


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; rename it over ``path`` on success.

    A symlink's target is replaced (the link stays); a device, FIFO or socket
    is written through, never replaced.

    Args:
        path: the final file name.
        mode: ``"w"`` for text or ``"wb"`` for bytes.
        encoding: text encoding (ignored in binary mode).

    Yields:
        The open temporary file.

    Raises:
        ConfigError: ``path`` cannot be written (see :func:`check_writable_path`).
        OSError: the write or rename failed; its file name is ``path``.
    """
    with atomic_write_all([path], mode, encoding) as (f,):
        yield f
