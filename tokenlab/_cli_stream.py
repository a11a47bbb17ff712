"""``tokenlab encode`` and ``tokenlab decode`` on files and pipes, line by line.

One line of text gives one line of ids, so ``tokenlab encode -t tok.json corpus.txt |
tokenlab decode -t tok.json`` gives the corpus back, byte for byte when the tokenizer is
lossless (byte-level BPE, tiktoken; SentencePiece with byte fallback and the identity
normalization).

The line rule, both ways: a line ends at ``"\\n"`` (only there: a ``"\\r"`` before it
is part of the line and is encoded, so CRLF files come back CRLF). The ``"\\n"`` itself
is not encoded; the output line ends with ``"\\n"`` exactly when the input line did, so
a file whose last line has no ``"\\n"`` comes back without one. Files are read as UTF-8;
standard input and output use their stream's encoding (the locale, or
``PYTHONIOENCODING``).

Lines are encoded ``--batch-size`` at a time with :meth:`Tokenizer.encode_batch` (or
:meth:`Tokenizer.encode_ordinary_batch` when that gives the same ids and only ids are
printed), which uses every core on the byte-level BPE and SentencePiece pipelines.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any, TextIO

from .errors import CorpusError
from .tokenizer import Tokenizer

__all__ = ["DEFAULT_BATCH_SIZE", "decode_lines", "encode_lines", "read_lines"]

#: Lines per call to ``encode_batch``: large enough that threads pay off, small enough
#: that output starts at once and memory stays flat.
DEFAULT_BATCH_SIZE = 1000

STDIN = "-"


def read_lines(paths: Sequence[str]) -> Iterator[tuple[str, int, str]]:
    """(file name, line number, line with its "\\n" if it had one) of every line.

    Lines are cut at b"\\n" before decoding, so an error names its own line.

    Args:
        paths: files to read in order; ``-`` (or nothing) is standard input.

    Raises:
        CorpusError: a file is not valid UTF-8 (names the file and line).
        UnicodeDecodeError: standard input does not match its encoding.
        OSError: a file cannot be opened.
    """
    for path in paths or [STDIN]:
        if path == STDIN:
            yield from _stdin_lines()
            continue
        with open(path, "rb") as f:
            yield from _decoded(path, f, "utf-8")


def _stdin_lines() -> Iterator[tuple[str, int, str]]:
    stream = sys.stdin
    if stream is None:
        raise CorpusError("standard input is closed: give a FILE to read")
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text stream with no bytes under it (tests, IDEs)
        for number, line in enumerate(stream, 1):
            yield "standard input", number, line
        return
    # its own encoding (the locale, PYTHONIOENCODING), but no newline translation
    encoding, errors = stream.encoding or "utf-8", stream.errors or "strict"
    for number, raw in enumerate(buffer, 1):
        yield "standard input", number, raw.decode(encoding, errors)


def _decoded(name: str, f: IO[bytes], encoding: str) -> Iterator[tuple[str, int, str]]:
    for number, raw in enumerate(f, 1):
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError as e:
            raise CorpusError(
                f"{name}: line {number}: not valid UTF-8 ({e.reason}); files are read as "
                "UTF-8: convert it (e.g. iconv -f LATIN1 -t UTF-8) first"
            ) from None
        yield name, number, line


def _batches(
    lines: Iterator[tuple[str, int, str]], size: int
) -> Iterator[list[tuple[str, int, str]]]:
    batch: list[tuple[str, int, str]] = []
    for item in lines:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _split_newline(line: str) -> tuple[str, str]:
    return (line[:-1], "\n") if line.endswith("\n") else (line, "")


def _ordinary_gives_same_ids(tokenizer: Tokenizer) -> bool:
    """encode_ordinary's ids are encode's when no added token, post-processor,
    truncation or padding can change them."""
    return (
        not tokenizer.added_tokens
        and tokenizer.post_processor is None
        and tokenizer.truncation is None
        and tokenizer.padding is None
    )


def encode_lines(
    tokenizer: Tokenizer,
    paths: Sequence[str],
    out: TextIO,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    tokens: bool = False,
    as_json: bool = False,
    threads: int | None = None,
) -> int:
    """Encode every line of ``paths`` and write one output line per input line.

    Args:
        tokenizer: The tokenizer.
        paths: Files (``-``: standard input); none reads standard input.
        out: Where to write.
        batch_size: Lines encoded per call.
        tokens: Write the tokens, space-separated, instead of the ids.
        as_json: Write one JSON object per line: ``ids``, ``tokens`` and ``offsets``
            (``[start, end)`` in characters of the line without its ``"\\n"``).
        threads: Encoding threads (None: one per core).

    Returns:
        The number of lines encoded.
    """
    if tokenizer.padding is not None and tokenizer.padding.get("length") is None:
        # Padding to the longest of a batch would make the output depend on --batch-size.
        tokenizer.no_padding()
    ids_only = not (tokens or as_json) and _ordinary_gives_same_ids(tokenizer)
    count = 0
    for batch in _batches(read_lines(paths), batch_size):
        texts, ends = zip(*(_split_newline(line) for _, _, line in batch))
        if ids_only:
            rows = [
                " ".join(map(str, ids))
                for ids in tokenizer.encode_ordinary_batch(list(texts), num_threads=threads)
            ]
        else:
            encodings = tokenizer.encode_batch(list(texts), num_threads=threads)
            rows = [_encoding_row(e, tokens=tokens, as_json=as_json) for e in encodings]
        out.write("".join(row + end for row, end in zip(rows, ends)))
        count += len(batch)
    return count


def _encoding_row(encoding: Any, *, tokens: bool, as_json: bool) -> str:
    if as_json:
        record = {
            "ids": encoding.ids,
            "tokens": encoding.tokens,
            "offsets": [list(span) for span in encoding.offsets],
        }
        return json.dumps(record, ensure_ascii=False)
    return " ".join(encoding.tokens) if tokens else " ".join(map(str, encoding.ids))


def parse_ids(name: str, number: int, text: str) -> list[int]:
    """The ids of one input line of ``decode``: space-separated integers, or a JSON
    object with an ``ids`` list (a line of ``tokenlab encode --json``).

    Raises:
        CorpusError: the line is neither (names the file and line).
    """
    stripped = text.strip()
    try:
        if stripped.startswith("{"):
            ids = json.loads(stripped)["ids"]
            if not isinstance(ids, list) or not all(type(i) is int for i in ids):
                raise ValueError("'ids' is not a list of integers")
            return ids
        return list(map(int, stripped.split()))
    except (ValueError, KeyError, TypeError) as e:
        raise CorpusError(
            f"{name}: line {number}: expected token ids (integers separated by spaces, "
            f"or a JSON line with 'ids' from `tokenlab encode --json`): {e}"
        ) from None


def decode_lines(
    tokenizer: Tokenizer,
    paths: Sequence[str],
    out: TextIO,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    skip_special_tokens: bool = True,
) -> int:
    """Decode every line of ids in ``paths``; one text line per ids line.

    Args:
        tokenizer: The tokenizer.
        paths: Files of ids (``-``: standard input); none reads standard input.
        out: Where to write.
        batch_size: Lines decoded per write.
        skip_special_tokens: Leave special tokens out of the text.

    Returns:
        The number of lines decoded.

    Raises:
        CorpusError: a line is not ids, or holds an id the tokenizer does not have.
    """
    count = 0
    for batch in _batches(read_lines(paths), batch_size):
        parts = []
        for name, number, line in batch:
            body, end = _split_newline(line)
            ids = parse_ids(name, number, body)
            try:
                parts.append(tokenizer.decode(ids, skip_special_tokens) + end)
            except (ValueError, OverflowError) as e:
                raise CorpusError(f"{name}: line {number}: {e}") from None
        out.write("".join(parts))
        count += len(batch)
    return count


def is_input_file(argument: str) -> bool:
    """Whether a positional argument of encode/decode names something to read."""
    if argument == STDIN:
        return True
    try:
        return os.path.exists(argument) and not os.path.isdir(argument)
    except ValueError:  # a NUL or a lone surrogate: no file has that name
        return False
