"""Reading training text and counting words.

Files are read line by line as bytes and decoded one line at a time, KEEPING the
line ending (as Hugging Face's ``Tokenizer.train(files)`` does), so each line is
normalized and pre-tokenized on its own and never held whole in memory. A
``.gz`` file is decompressed on the fly; ``"-"`` reads standard input.
Invalid UTF-8 is an error naming the file, line and byte offset, unless
``errors="replace"`` or ``"ignore"``.

Counting over files runs in several processes when the input is large
(``processes=None``: one per core, for inputs over 4 MB): each plain file is cut
into byte ranges at line boundaries, each worker counts its ranges, and the
partial counts are added up. The result is identical to counting in one process.

Not supported yet: directories and globs.
"""

from __future__ import annotations

import gzip
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

from ._progress import Progress, progress_enabled
from .errors import ConfigError, CorpusError

if TYPE_CHECKING:
    from .normalizers import Normalizer
    from .pre_tokenizers import PreTokenizer

__all__ = [
    "count_words",
    "count_words_in_files",
    "default_corpus",
    "iter_lines",
    "resolve_files",
]

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
    from .pre_tokenizers import _byte_word_counter

    counts: Counter[str] = Counter()
    norm = normalizer.normalize_str if normalizer is not None else None
    native = _byte_word_counter(pre_tokenizer)
    if native is not None:
        # The byte-level set-ups on the native core: words are counted in C++ and become
        # Python strings once each, not once per occurrence.
        batch: list[str] = []
        for text in texts:
            if not isinstance(text, str):
                raise CorpusError(f"training texts must be str, got {type(text).__name__}")
            batch.append(norm(text) if norm is not None else text)
            if len(batch) == _BATCH:
                native.add(batch)
                batch.clear()
        native.add(batch)
        counts.update(native.to_dict())
        return counts
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


_BATCH = 4096  # texts handed to the native word counter at a time
_CHUNK_BYTES = 8 << 20
_PARALLEL_MIN_BYTES = 4 << 20


def _chunks(paths: Sequence[str]) -> list[tuple[str, int, int]]:
    """Cut the inputs into ``(path, start, end)`` byte ranges that end at a newline.

    Compressed files and stdin cannot be cut: each is one range (end = -1).
    """
    out: list[tuple[str, int, int]] = []
    for path in paths:
        if path == "-" or path.endswith(".gz"):
            out.append((path, 0, -1))
            continue
        size = os.path.getsize(path)
        start = 0
        with open(path, "rb") as f:
            while start < size:
                end = start + _CHUNK_BYTES
                if end >= size:
                    end = size
                else:
                    f.seek(end)
                    f.readline()  # move the cut to just after the next newline
                    end = min(f.tell(), size)
                out.append((path, start, end))
                start = end
    return out


def _read_range(path: str, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """Yield ``(byte offset, raw line)`` for the lines of a range."""
    if end < 0:
        f = _open(path)
        offset = 0
        try:
            for raw in f:
                yield offset, raw
                offset += len(raw)
        finally:
            if f is not sys.stdin.buffer:
                f.close()
        return
    with open(path, "rb") as f:
        f.seek(start)
        offset = start
        while offset < end:
            raw = f.readline()
            if not raw:
                break
            yield offset, raw
            offset += len(raw)


def _count_range(
    task: tuple[str, int, int, str, dict[str, Any] | None, dict[str, Any] | None],
) -> tuple[Counter[str], int, int | None]:
    """Worker: count one range. Returns (counts, bytes read, offset of bad UTF-8 or None)."""
    from .normalizers import normalizer_from_dict
    from .pre_tokenizers import pre_tokenizer_from_dict

    path, start, end, errors, norm_dict, pre_dict = task
    normalizer = normalizer_from_dict(norm_dict)
    pre_tokenizer = pre_tokenizer_from_dict(pre_dict)
    lines: list[str] = []
    read = 0
    bad: int | None = None
    try:
        for offset, raw in _read_range(path, start, end):
            try:
                lines.append(raw.decode("utf-8", errors))
            except UnicodeDecodeError as e:
                bad = offset + e.start
                break
            read += len(raw)
    except (OSError, EOFError):
        bad = -1  # the parent re-reads serially to report it with context
    return count_words(lines, normalizer, pre_tokenizer), read, bad


def _line_of(path: str, offset: int) -> int:
    """1-based line number of the byte at ``offset``."""
    line = 1
    done = 0
    with _open(path) as f:
        while done < offset:
            block = f.read(min(1 << 20, offset - done))
            if not block:
                break
            line += block.count(b"\n")
            done += len(block)
    return line


def count_words_in_files(
    paths: PathLike | Sequence[PathLike],
    normalizer: Normalizer | None = None,
    pre_tokenizer: PreTokenizer | None = None,
    errors: str = "strict",
    processes: int | None = None,
    show_progress: bool = False,
) -> Counter[str]:
    """Count words over files, line by line, in several processes when worthwhile.

    Args:
        paths: a path or list of paths (``"-"``: stdin, read in this process).
        normalizer: applied to each line first.
        pre_tokenizer: splits each line into words.
        errors: invalid UTF-8: ``"strict"``, ``"replace"`` or ``"ignore"``.
        processes: worker processes; None picks one per core for inputs over
            4 MB, and 1 otherwise. The counts never depend on it.
        show_progress: draw a progress bar over the bytes read.

    Returns:
        word -> count, exactly as :func:`count_words` over :func:`iter_lines`.

    Raises:
        CorpusError: unreadable file or invalid UTF-8 (file, line, byte offset).
        ConfigError: ``errors`` or ``processes`` is invalid.
    """
    if errors not in _ERRORS:
        raise ConfigError(f"errors must be one of {_ERRORS}, got {errors!r}")
    if processes is not None and (not isinstance(processes, int) or processes < 1):
        raise ConfigError(f"processes must be a positive integer, got {processes!r}")
    files = resolve_files(paths)
    size = total_size(files)
    if processes is None:
        big = size is None or size >= _PARALLEL_MIN_BYTES
        processes = (os.cpu_count() or 1) if big else 1
    tasks = _chunks(files) if "-" not in files else []
    if processes == 1 or len(tasks) < 2:
        with file_progress(files, show_progress) as bar:
            return count_words(iter_lines(files, errors, bar), normalizer, pre_tokenizer)
    import multiprocessing

    norm_dict = normalizer.to_dict() if normalizer is not None else None
    pre_dict = pre_tokenizer.to_dict() if pre_tokenizer is not None else None
    jobs = [(p, s, e, errors, norm_dict, pre_dict) for p, s, e in tasks]
    total: Counter[str] = Counter()
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with file_progress(files, show_progress) as bar, ctx.Pool(min(processes, len(jobs))) as pool:
        # imap keeps the task order, so a bad byte is reported for the first bad chunk.
        for (path, _, _, _, _, _), (counts, read, bad) in zip(jobs, pool.imap(_count_range, jobs)):
            if bad is not None:
                pool.terminate()
                if bad < 0:
                    list(iter_lines(path, errors))  # raises the precise error
                    raise CorpusError(f"{path}: read failed")
                raise CorpusError(
                    f"{path}: invalid UTF-8 at byte {bad} (line {_line_of(path, bad)}); "
                    "fix the file or pass errors='replace' (CLI: --errors replace)"
                )
            total.update(counts)
            bar.update(read)
    return total


def file_progress(paths: Sequence[str], show_progress: bool) -> Progress:
    """A progress bar over the bytes of ``paths``."""
    return Progress(total_size(paths), "Count words", enabled=progress_enabled(show_progress))
