"""Reading tokenizer files, with errors that name the file and say what is wrong."""

from __future__ import annotations

import os

from .errors import ModelFileError

__all__ = ["read_model_bytes", "read_model_text"]


def read_model_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a tokenizer file.

    Raises:
        ModelFileError: the file is missing, a directory, or unreadable.
    """
    p = os.fspath(path)
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
