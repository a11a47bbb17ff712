"""Reading training text and counting words.

Files are read line by line as bytes and decoded one line at a time, KEEPING the
line ending (as Hugging Face's ``Tokenizer.train(files)`` does), so each line is
normalized and pre-tokenized on its own and never held whole in memory. A
``.gz`` file is decompressed on the fly; ``"-"`` reads standard input.
Invalid UTF-8 is an error naming the file, line and byte offset, unless
``errors="replace"`` or ``"ignore"``.

Not supported yet: directories and globs, multi-process counting.
"""

from __future__ import annotations

import gzip
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING

from ._progress import Progress, progress_enabled
from .errors import ConfigError, CorpusError

if TYPE_CHECKING:
    from .normalizers import Normalizer
    from .pre_tokenizers import PreTokenizer

__all__ = ["count_words", "default_corpus", "iter_lines", "resolve_files"]

_ERRORS = ("strict", "replace", "ignore")
PathLike = str | os.PathLike[str]


def default_corpus() -> Iterator[str]:
    """Lines of the embedded default corpus: the Python reference documentation.

    Every CPython installation ships it as ``pydoc_data.topics``; the topics are
    yielded in sorted order (deterministic), line by line with line endings.

    >>> next(iter(default_corpus())).endswith("\\n")
    True
    """
    from pydoc_data.topics import topics

    for name in sorted(topics):
        yield from topics[name].splitlines(keepends=True)
        yield "\n"


def resolve_files(paths: PathLike | Sequence[PathLike]) -> list[str]:
    """Normalize a path or list of paths and check that each can be read.

    Raises:
        CorpusError: a path is missing, a directory, or unreadable.
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out: list[str] = []
    for p in items:
        path = os.fspath(p)
        if path == "-":
            out.append(path)
            continue
        if not os.path.exists(path):
            raise CorpusError(f"{path}: no such file")
        if os.path.isdir(path):
            raise CorpusError(f"{path}: is a directory (pass the files inside it)")
        if not os.access(path, os.R_OK):
            raise CorpusError(f"{path}: permission denied")
        out.append(path)
    if not out:
        raise CorpusError("no input files given")
    return out


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        if path.endswith(".gz"):
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return open(path, "rb")
    except OSError as e:
        raise CorpusError(f"{path}: cannot open ({e.strerror or e})") from e


def iter_lines(
    paths: PathLike | Sequence[PathLike],
    errors: str = "strict",
    progress: Progress | None = None,
) -> Iterator[str]:
    """Yield the lines of each file, decoded as UTF-8, line endings kept.

    Args:
        paths: a path or a list of paths (``"-"`` = standard input).
        errors: ``"strict"`` (invalid UTF-8 raises), ``"replace"`` or ``"ignore"``.
        progress: advanced by the number of bytes read.

    Raises:
        CorpusError: unreadable file, or invalid UTF-8 with ``errors="strict"``
            (the message names the file, line and byte offset).
    """
    if errors not in _ERRORS:
        raise ConfigError(f"errors must be one of {_ERRORS}, got {errors!r}")
    for path in resolve_files(paths):
        f = _open(path)
        offset = 0
        try:
            for lineno, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8", errors)
                except UnicodeDecodeError as e:
                    raise CorpusError(
                        f"{path}: invalid UTF-8 at byte {offset + e.start} (line {lineno}); "
                        "fix the file or pass errors='replace' (CLI: --errors replace)"
                    ) from None
                offset += len(raw)
                if progress is not None:
                    progress.update(len(raw))
                yield line
        except OSError as e:
            raise CorpusError(f"{path}: read failed at byte {offset} ({e})") from e
        except EOFError as e:
            raise CorpusError(f"{path}: truncated compressed file ({e})") from e
        finally:
            if f is not sys.stdin.buffer:
                f.close()


def total_size(paths: Sequence[str]) -> int | None:
    """Total size in bytes of the files (None if unknown, e.g. stdin or .gz)."""
    total = 0
    for p in paths:
        if p == "-" or p.endswith(".gz"):
            return None
        total += os.path.getsize(p)
    return total


def count_words(
    texts: Iterable[str],
    normalizer: Normalizer | None = None,
    pre_tokenizer: PreTokenizer | None = None,
) -> Counter[str]:
    """Count the words of ``texts`` after normalization and pre-tokenization.

    Args:
        texts: sequences (lines, documents); each is processed on its own.
        normalizer: applied first (None: text unchanged).
        pre_tokenizer: splits into words (None: each text is one word).

    Returns:
        word -> count.

    >>> from tokenlab.pre_tokenizers import Whitespace
    >>> count_words(["a b a", "b"], pre_tokenizer=Whitespace())
    Counter({'a': 2, 'b': 2})
    """
    counts: Counter[str] = Counter()
    norm = normalizer.normalize_str if normalizer is not None else None
    split = pre_tokenizer.words if pre_tokenizer is not None else None
    for text in texts:
        if not isinstance(text, str):
            raise CorpusError(f"training texts must be str, got {type(text).__name__}")
        if norm is not None:
            text = norm(text)
        if split is not None:
            counts.update(split(text))
        elif text:
            counts[text] += 1
    return counts


def file_progress(paths: Sequence[str], show_progress: bool) -> Progress:
    """A progress bar over the bytes of ``paths``."""
    return Progress(total_size(paths), "Count words", enabled=progress_enabled(show_progress))
