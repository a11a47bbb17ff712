"""Reading training text and counting words.

What a line is: files are read as bytes and split at ``"\\n"`` only; each line is
decoded on its own and KEEPS its ending (as Hugging Face's ``Tokenizer.train(files)``
does), so ``"\\r\\n"`` ends a line with both characters kept, and a lone ``"\\r"``,
a NUL byte or any other control character is an ordinary character of the line:
nothing is dropped and nothing is added. Items of an iterator are texts as given
(``str``, or ``bytes`` decoded as UTF-8 with the same error policy), never split.

Inputs: a path, a directory (every file under it, recursively, in sorted order,
hidden files skipped), a glob pattern (``corpus/*.txt``, ``**`` allowed), ``"-"``
for standard input; ``.gz`` files are decompressed on the fly. Invalid UTF-8 is an
error naming the file, line and byte offset, unless ``errors="replace"`` or
``"ignore"``.

Memory: a line is read at most :data:`READ_BYTES` at a time. When the pre-tokenizer
is one whose split points are known (byte-level, gpt2, cl100k_base, o200k_base,
whitespace, whitespace-split, bert) and the normalizer is a per-character one, a long
line is handed on in pieces cut only where the pre-tokenizer is certain to split
(see :func:`cut_rule`), so the counts equal those of the whole line. A stretch of
more than :data:`MAX_RUN_CHARS` characters with no such place is counted, with a
warning, as chunks of :data:`RUN_CHUNK_CHARS` characters, at most
:data:`MAX_RUN_CHUNKS` distinct ones per line (see :class:`_LongRun` for the rule
and what it does to exactness). So reading holds at most about ``READ_BYTES +
MAX_RUN_CHARS`` characters of one line, and counting a distinct-chunk set of
bounded size, whatever its length. With another pre-tokenizer or normalizer, lines are
read whole.

Counting over files runs in several processes when the input is large
(``processes=None``: one per core, for inputs over 4 MB): each plain file is cut
into byte ranges at line boundaries, each worker counts its ranges, and the
partial counts are added up. The result is identical to counting in one process.
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import glob
import gzip
import multiprocessing
import os
import queue
import stat
import sys
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

import regex

from ._backend import BACKEND, SpaceWordCounter
from ._bert_rules import BertWordRules, bert_word_rules
from ._bert_rules import bert_char_rule as bert_char_rule  # its documented home until 0.2
from ._progress import Progress, progress_enabled
from ._signals import worker_pool
from .errors import ConfigError, CorpusError
from .normalizers import Sequence as NormalizerSequence
from .normalizers import normalizer_from_dict
from .pre_tokenizers import (
    BertPreTokenizer,
    Whitespace,
    WhitespaceSplit,
    _byte_word_counter,
    byte_level_setup,
    bytes_to_unicode,
    pre_tokenizer_from_dict,
)

if TYPE_CHECKING:
    from .normalizers import Normalizer
    from .pre_tokenizers import PreTokenizer

__all__ = [
    "MAX_RUN_CHARS",
    "READ_BYTES",
    "count_words",
    "count_words_in_files",
    "cut_rule",
    "decode_texts",
    "default_corpus",
    "iter_lines",
    "require_text",
    "resolve_files",
]

_ERRORS = ("strict", "replace", "ignore")
PathLike = str | os.PathLike[str]

#: A line is read at most this many bytes at a time.
READ_BYTES = 1 << 20
#: Longest stretch of a line without a safe cut that is kept whole (characters).
MAX_RUN_CHARS = 4 << 20
#: A longer stretch is counted as chunks of this many characters ...
RUN_CHUNK_CHARS = 16
#: ... of which at most this many distinct ones per line (later new ones are dropped).
MAX_RUN_CHUNKS = 1 << 16

_GLOB_CHARS = frozenset("*?[")


def default_corpus() -> Iterator[str]:
    """Lines of the embedded default corpus: the Python reference documentation.

    Every CPython installation ships it as ``pydoc_data.topics``; the topics are
    yielded in sorted order (deterministic), line by line with line endings.

    >>> next(iter(default_corpus())).endswith("\\n")
    True
    """
    # 1 MB of text: loaded when the default corpus is used, not at import
    from pydoc_data.topics import topics  # noqa: PLC0415

    for name in sorted(topics):
        yield from topics[name].splitlines(keepends=True)
        yield "\n"


def _files_under(directory: str) -> list[str]:
    """Every regular file under ``directory``, sorted, hidden names skipped.

    FIFOs, sockets and devices inside a directory are skipped: opening a FIFO
    with no writer would wait forever, and a corpus directory means its files.
    """
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(
            path
            for path in (os.path.join(root, f) for f in sorted(files) if not f.startswith("."))
            if os.path.isfile(path)
        )
    return found


def is_stream(path: str) -> bool:
    """True for ``"-"`` (stdin) and inputs that are read once, front to back.

    A FIFO or a character device (``/dev/stdin``, a named pipe given by name)
    has no size and cannot be cut into byte ranges or opened twice: it is read
    once, streaming, in one process, as stdin is.
    """
    if path == "-":
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def resolve_files(paths: PathLike | Sequence[PathLike]) -> list[str]:
    """Expand a path or list of paths into the files to read, and check each.

    A directory stands for every file under it (recursively, sorted, hidden files
    skipped); a path with ``*``, ``?`` or ``[`` that does not exist as written is
    a glob pattern (``**`` matches any depth), expanded in sorted order.

    Args:
        paths: a path, a directory, a glob pattern, ``"-"`` (stdin), or a list of those.

    Returns:
        The files, in reading order.

    Raises:
        CorpusError: a path is missing or unreadable, a directory holds no files, a
            pattern matches nothing, or no input is given.

    >>> resolve_files("-")
    ['-']
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out: list[str] = []
    for p in items:
        if not isinstance(p, (str, os.PathLike)):
            raise CorpusError(f"corpus paths must be str or os.PathLike, got {type(p).__name__}")
        path = os.fspath(p)
        if path == "-":
            out.append(path)
            continue
        if not os.path.exists(path) and _GLOB_CHARS & set(path):
            matches = sorted(m for m in glob.glob(path, recursive=True) if os.path.isfile(m))
            if not matches:
                raise CorpusError(f"{path}: no files match this pattern")
            out.extend(matches)
            continue
        if not os.path.exists(path):
            raise CorpusError(f"{path}: no such file")
        if os.path.isdir(path):
            inside = _files_under(path)
            if not inside:
                raise CorpusError(f"{path}: directory holds no files")
            out.extend(inside)
            continue
        if not os.access(path, os.R_OK):
            raise CorpusError(f"{path}: permission denied")
        out.append(path)
    if not out:
        raise CorpusError("no input files given")
    for path in out:
        if path != "-" and not os.access(path, os.R_OK):
            raise CorpusError(f"{path}: permission denied")
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


# --- where a long line may be cut ------------------------------------------------------
#
# Claim: for the byte-level split patterns (Hugging Face's ByteLevel regex, tiktoken's
# gpt2, cl100k_base and o200k_base patterns, and the published models' llama3, qwen2,
# qwen3_5 and tekken, written like cl100k_base or o200k_base; every pattern of
# tokenlab._patterns.SCAN_PATTERNS), at a position i with text[i] == " ",
# text[i-1] a letter or number (\p{L} or \p{N}: never whitespace) and text[i+1] a letter
# (\p{L}), the words of text are the words of text[:i] followed by those of text[i:].
#
# Proof. (1) No match contains both text[i-1] and text[i]. Going through the alternatives
# of each pattern: the contractions ('s, 't, ...) and the digit runs hold no space; every
# alternative of the form " ?X+" (and cl100k's "[^\r\n\p{L}\p{N}]?+\p{L}++", o200k's
# "[^\r\n\p{L}\p{N}]?[...]*[...]+") allows a space only as its FIRST char, so a match
# holding a non-space char and then a space does not exist; the remaining alternatives
# (\s+(?!\S), \s++$, \s*[\r\n], \s, ...) hold whitespace only, and text[i-1] is not
# whitespace. (2) Every char is matched by some alternative (letters, numbers, other
# symbols, whitespace each have one), so the matches tile the text; with (1), one match
# ends at i and the next starts at i. (3) The match starting at i is the same in text and
# text[i:]: the patterns have no look-behind and no ^, so a match depends only on what
# follows its start. (4) The matches before i are the same in text and text[:i]: they
# depend on what follows them only through greedy runs and look-aheads. A run ending at
# i stops there in both (text[i] is a space, which none of the runs that can hold
# text[i-1] accepts); "(?!\S)" at i holds in both (a space, or the end); "$" cannot be
# reached through whitespace from before i because text[i-1] is not whitespace.
# So the word lists agree, and so do the counts.
#
# The whitespace splitters (Whitespace, WhitespaceSplit, BertPreTokenizer) split at every
# space and drop it, so a cut just before any " " is safe for them.
#
# With a normalizer, the cut must also commute with normalization: normalize(a + b) ==
# normalize(a) + normalize(b), and the chars around the cut must keep their class. For
# the per-character normalizers below that holds when b starts with " " (U+0020 never
# composes with a neighbour, is its own NFKC form and stays " " under BERT's cleanup);
# the byte-level rule then also requires ASCII letters and digits around the cut, which
# every one of them maps to ASCII letters and digits. Any other normalizer (Strip,
# Replace, Precompiled, ...) may look across the cut: lines are then read whole.

_SAFE_NORMALIZERS = ("NFC", "NFD", "NFKC", "NFKD", "Lowercase", "BertNormalizer")


def _normalizer_is_local(normalizer: Normalizer | None) -> bool:
    if normalizer is None:
        return True

    if isinstance(normalizer, NormalizerSequence):
        return all(_normalizer_is_local(n) for n in normalizer.normalizers)
    return type(normalizer).__name__ in _SAFE_NORMALIZERS and type(normalizer).__module__ == (
        "tokenlab.normalizers"
    )


def cut_rule(
    normalizer: Normalizer | None, pre_tokenizer: PreTokenizer | None
) -> Callable[[str], int] | None:
    """Where a long line may be cut without changing its word counts, or None.

    Args:
        normalizer: the normalizer the text goes through first.
        pre_tokenizer: the pre-tokenizer that splits it.

    Returns:
        A function giving the LAST safe cut position in a text (0 if there is
        none), or None when no cut is known to be safe (lines are then read whole).
        See the proof in the source for why these places are safe.

    >>> from tokenlab.pre_tokenizers import get_pre_tokenizer
    >>> cut = cut_rule(None, get_pre_tokenizer("gpt2"))
    >>> text = "one two 3 four"
    >>> text[: cut(text)], text[cut(text) :]
    ('one two 3', ' four')
    """
    if pre_tokenizer is None or not _normalizer_is_local(normalizer):
        return None
    if type(pre_tokenizer) in (Whitespace, WhitespaceSplit, BertPreTokenizer):

        def before_space(text: str) -> int:
            return max(text.rfind(" ", 1), 0)

        return before_space
    setup = byte_level_setup(pre_tokenizer)
    if setup is None or setup.scan_name is None:
        return None
    if normalizer is None:
        place = regex.compile(r"(?r)(?<=[\p{L}\p{N}]) (?=\p{L})")
    else:
        place = regex.compile(r"(?r)(?<=[A-Za-z0-9]) (?=[A-Za-z])")

    def before_word(text: str) -> int:
        found = place.search(text)
        return found.start() if found is not None else 0

    return before_word


class _BadUTF8(Exception):
    """Internal: invalid UTF-8 at an absolute byte offset (line number from the caller)."""

    def __init__(self, offset: int, line: int) -> None:
        super().__init__(offset, line)
        self.offset = offset
        self.line = line


def _bad_utf8_message(path: str, offset: int, line: int) -> str:
    return (
        f"{path}: invalid UTF-8 at byte {offset} (line {line}); "
        "fix the file or pass errors='replace' (CLI: --errors replace)"
    )


class _LongRun:
    """Counting a stretch of a line that no safe cut splits, in bounded memory.

    Such a stretch (longer than :data:`MAX_RUN_CHARS`: a 200 MB line of letters with
    no space) was counted as words of 4 Mi characters, and training held every one
    of its characters several times over (2.8 GB for 200 MB). Instead it is counted
    as consecutive chunks of :data:`RUN_CHUNK_CHARS` characters, aligned from where
    the stretch starts (its last safe cut, a place the text fixes: the chunks do not
    depend on read sizes or on the number of processes); of a line, only the first
    :data:`MAX_RUN_CHUNKS` distinct chunks are kept, and a later chunk counts only
    if it repeats one of them. Memory is then in proportion to the distinct chunks
    (bounded per line), not to the length. What it does to exactness: pairs across
    chunk boundaries are not counted, no token longer than a chunk is learned from
    the stretch, and new chunks past the cap are not counted. The stretch ends at
    the first safe cut; text after it is counted exactly again.
    """

    def __init__(self) -> None:
        self.active = False
        self.kept: set[str] = set()
        self.last = ""  # the stretch's last char taken so far
        self.dropped = 0

    def starts(self, text: str, cut: Callable[[str], int]) -> bool:
        """Whether ``text`` (which starts at a safe cut or a line start) starts with a
        stretch longer than :data:`MAX_RUN_CHARS`; if so, counting it in chunks begins.

        Decided on the text, by where its first safe cut is, so that read sizes (and
        the number of processes) never change what is chunked.
        """
        if len(text) <= MAX_RUN_CHARS:
            return False
        first = _first_cut(text, cut)
        self.active = first is None or first > MAX_RUN_CHARS
        return self.active

    def end_line(self) -> None:
        self.active = False
        self.last = ""
        self.kept.clear()

    def take(self, text: str, cut: Callable[[str], int], final: bool) -> tuple[list[str], str]:
        """Chunks of the stretch at the start of ``text``, and what follows them.

        The stretch ends at the first safe cut of ``text``; without one it goes on
        (only whole chunks are taken, the rest waits for more text) unless ``final``
        (the line ends).
        """
        # A safe cut looks at the chars around it: the stretch's last char taken so
        # far shows a cut at the start of ``text``, and one char is always held back,
        # so that a cut is never chunked through before the char after it is read.
        context = self.last
        first = _first_cut(context + text, cut)
        if first is not None:
            end = first - len(context)
            self.active = False
        elif final:
            end = len(text)
        else:
            whole = max(len(text) - 1, 0)
            end = whole - whole % RUN_CHUNK_CHARS
        if self.active and end > 0:
            self.last = text[end - 1]
        elif not self.active:
            self.last = ""
        out: list[str] = []
        kept = self.kept
        for i in range(0, end, RUN_CHUNK_CHARS):
            chunk = text[i : min(i + RUN_CHUNK_CHARS, end)]
            if chunk in kept:
                out.append(chunk)
            elif len(kept) < MAX_RUN_CHUNKS:
                kept.add(chunk)
                out.append(chunk)
            else:
                self.dropped += 1
        return out, text[end:]


def _warn_long_run(name: str, line: int) -> None:
    warnings.warn(
        f"{name or 'corpus'}: line {line} has over {MAX_RUN_CHARS:,} characters with no place "
        "where the pre-tokenizer surely splits; that stretch is counted as chunks of "
        f"{RUN_CHUNK_CHARS} characters, at most {MAX_RUN_CHUNKS:,} distinct ones per line "
        "(see the README's Robustness section)",
        stacklevel=4,
    )


def _first_cut(text: str, cut: Callable[[str], int]) -> int | None:
    """The first safe cut of ``text`` (None if none). ``cut`` gives the last one, and
    a prefix has a safe cut once it holds the first, so a binary search finds it."""
    if cut(text) == 0:
        return None
    lo, hi = 1, len(text)  # the shortest prefix with a cut is in (lo - 1, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        if cut(text[:mid]):
            hi = mid
        else:
            lo = mid + 1
    return cut(text[:hi])


def _pieces(
    f: IO[bytes],
    errors: str,
    cut: Callable[[str], int] | None,
    start: int = 0,
    end: int = -1,
    progress: Progress | None = None,
    warn_name: str = "",
    skip_over: int | None = None,
) -> Iterator[str]:
    """Yield the text of ``f`` from byte ``start`` (to ``end``; -1: to EOF).

    Whole lines with their endings; a line longer than :data:`READ_BYTES` is
    yielded in pieces cut where ``cut`` says (whole when ``cut`` is None). With
    ``skip_over``, a line whose text (ending excluded) is longer than that many
    UTF-8 bytes is dropped as soon as it is known to be, without holding it.

    Raises:
        _BadUTF8: invalid UTF-8 with ``errors="strict"``.
    """
    reader = _PieceReader(f, errors, cut, start, progress, warn_name, skip_over)
    while end < 0 or reader.offset < end:
        limit = READ_BYTES if end < 0 else min(READ_BYTES, end - reader.offset)
        # 1. between lines, a block of whole lines at once; 2. inside a line, read on
        pieces = reader.read_block(limit) if reader.between_lines() else reader.read_on(limit)
        if pieces is None:
            break
        yield from pieces
    # 3. what is left of the last line (a file need not end with a newline)
    yield from reader.finish()


class _PieceReader:
    """The state of :func:`_pieces` between two reads: where it is, and the line it is in.

    Each read returns the pieces it completes (None at the end of the file).
    """

    def __init__(
        self,
        f: IO[bytes],
        errors: str,
        cut: Callable[[str], int] | None,
        start: int,
        progress: Progress | None,
        warn_name: str,
        skip_over: int | None,
    ) -> None:
        self.f = f
        self.errors = errors
        self.cut = cut
        self.progress = progress
        self.warn_name = warn_name
        self.skip_over = skip_over
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors)
        self.offset = start  # bytes consumed so far (absolute)
        self.line = 1  # within this range
        self.carry: list[str] = []  # decoded text of the current line not yet yielded
        self.carried = 0
        self.carried_bytes = 0  # UTF-8 length of the decoded carry, for skip_over
        self.skipping = False  # the current line is too long for skip_over: drop it
        self.warned = False
        self.run = _LongRun()  # a stretch without a safe cut, counted in chunks
        self.head = b""  # bytes read ahead by the block path: the start of the next line

    def between_lines(self) -> bool:
        """Whether nothing of a line is pending (the block path may read)."""
        return not (self.carry or self.skipping or self.head)

    def read_block(self, limit: int) -> list[str] | None:
        """The complete lines of the next block (one decode and one split instead of
        a readline and a decode per line).

        A block ends at a newline, which is never inside a UTF-8 sequence, so it
        decodes (and replaces bad bytes) exactly as its lines would one by one. What
        follows the last newline is kept as ``head``, from which :meth:`read_on` reads
        on as if the line had been read whole.
        """
        raw = self.f.read(limit)
        if not raw:
            return None
        nl = raw.rfind(b"\n") + 1
        self.head = raw[nl:]
        if not nl:
            return []
        body = raw[:nl] if self.head else raw
        try:
            text = body.decode("utf-8", self.errors)
        except UnicodeDecodeError as e:
            raise _BadUTF8(
                self.offset + e.start, self.line + body.count(b"\n", 0, e.start)
            ) from None
        self.offset += nl
        if self.progress is not None:
            self.progress.update(nl)
        lines = text.split("\n")
        self.line += len(lines) - 1
        lines.pop()  # the empty text after the last newline
        return [t + "\n" for t in lines]

    def read_on(self, limit: int) -> list[str] | None:
        """The pieces that reading on in the current line completes."""
        if self.head:
            head, self.head = self.head, b""
            raw = head + (self.f.readline(limit - len(head)) if limit > len(head) else b"")
        else:
            raw = self.f.readline(limit)
        if not raw:
            return None
        complete = raw.endswith(b"\n")
        pending = len(self.decoder.getstate()[0])
        try:
            text = self.decoder.decode(raw, final=complete)
        except UnicodeDecodeError as e:
            raise _BadUTF8(self.offset - pending + e.start, self.line) from None
        self.offset += len(raw)
        if self.progress is not None:
            self.progress.update(len(raw))
        return self._end_line(text) if complete else self._continue_line(text)

    def _end_line(self, text: str) -> list[str]:
        """The line's last text: the whole line, unless it is skipped."""
        if self.skipping:
            self.skipping = False
            self.line += 1
            return []
        if self.carry:
            self.carry.append(text)
            text = "".join(self.carry)
            self.carry.clear()
            self.carried = 0
        self.carried_bytes = 0
        self._start_long_run(text)
        self.line += 1
        out: list[str] = []
        if self.run.active:
            out, text = self.run.take(text, self._cut(), final=True)
        self.run.end_line()
        return [*out, text] if text else out

    def _cut(self) -> Callable[[str], int]:
        assert self.cut is not None  # a long run is only ever started with a cut rule
        return self.cut

    def _start_long_run(self, text: str) -> None:
        """Count ``text`` in chunks from now on if it starts a stretch that no safe cut
        splits (see :class:`_LongRun`); warn once per range."""
        cut = self.cut
        starts = cut is not None and not self.run.active and self.run.starts(text, cut)
        if starts and not self.warned:
            _warn_long_run(self.warn_name, self.line)
            self.warned = True

    def _continue_line(self, text: str) -> list[str]:
        """More text of a long line: held, dropped (``skip_over``) or cut into pieces."""
        if self.skipping:
            return []
        if self.skip_over is not None:
            self.carried_bytes += len(text.encode("utf-8", "surrogatepass"))
            if self.carried_bytes > self.skip_over:
                self.skipping, self.carried_bytes = True, 0
                self.carry.clear()
                self.carried = 0
                return []
        self.carry.append(text)
        self.carried += len(text)
        if self.cut is None or self.carried < READ_BYTES:
            return []
        return self._cut_carry(self.cut)

    def _cut_carry(self, cut: Callable[[str], int]) -> list[str]:
        """The held text up to where ``cut`` says a word surely ends; the rest stays held."""
        joined = "".join(self.carry)
        self.carry.clear()
        self._start_long_run(joined)
        out: list[str] = []
        if self.run.active:
            out, joined = self.run.take(joined, cut, final=False)
            if self.run.active:  # no safe cut yet: less than a chunk waits for more text
                if joined:
                    self.carry.append(joined)
                self.carried = len(joined)
                return out
        at = cut(joined)
        if at:
            out.append(joined[:at])
            joined = joined[at:]
        if joined:
            self.carry.append(joined)
        self.carried = len(joined)
        return out

    def finish(self) -> list[str]:
        """What the decoder and the carry still hold at the end of the range."""
        try:
            tail = self.decoder.decode(b"", final=True)
        except UnicodeDecodeError as e:
            raise _BadUTF8(
                self.offset - len(self.decoder.getstate()[0]) + e.start, self.line
            ) from None
        if self.skipping:
            return []
        if tail:
            self.carry.append(tail)
        if not self.carry:
            return []
        rest = "".join(self.carry)
        self._start_long_run(rest)
        if self.run.active:
            chunks, rest = self.run.take(rest, self._cut(), final=True)
            return [*chunks, rest] if rest else chunks
        return [rest]  # even "" (what the line-by-line path gives too)


def iter_lines(
    paths: PathLike | Sequence[PathLike],
    errors: str = "strict",
    progress: Progress | None = None,
    cut: Callable[[str], int] | None = None,
    skip_over: int | None = None,
) -> Iterator[str]:
    """Yield the lines of each file, decoded as UTF-8, line endings kept.

    Args:
        paths: a path, directory, glob pattern, or a list of them (``"-"`` = stdin).
        errors: ``"strict"`` (invalid UTF-8 raises), ``"replace"`` or ``"ignore"``.
        progress: advanced by the number of bytes read.
        cut: where a long line may be cut (see :func:`cut_rule`); None reads
            every line whole.
        skip_over: drop lines longer than this many UTF-8 bytes (ending
            excluded) while reading them, so that they are never held whole
            (SentencePiece's ``max_sentence_length``: it skips them anyway).

    Raises:
        CorpusError: unreadable file, or invalid UTF-8 with ``errors="strict"``
            (the message names the file, line and byte offset).

    >>> list(iter_lines([]))
    Traceback (most recent call last):
    ...
    tokenlab.errors.CorpusError: no input files given
    """
    if errors not in _ERRORS:
        raise ConfigError(f"errors must be one of {_ERRORS}, got {errors!r}")
    for path in resolve_files(paths):
        f = _open(path)
        try:
            yield from _pieces(
                f, errors, cut, progress=progress, warn_name=path, skip_over=skip_over
            )
        except _BadUTF8 as e:
            raise CorpusError(_bad_utf8_message(path, e.offset, e.line)) from None
        except OSError as e:
            raise CorpusError(f"{path}: read failed ({e})") from e
        except EOFError as e:
            raise CorpusError(f"{path}: truncated compressed file ({e})") from e
        finally:
            if f is not sys.stdin.buffer:
                f.close()


def decode_texts(texts: Iterable[str | bytes], errors: str = "strict") -> Iterator[str]:
    """The items of ``texts`` as str: ``bytes`` items are decoded as UTF-8.

    Args:
        texts: str or bytes items (anything else is an error).
        errors: invalid UTF-8: ``"strict"`` (an error naming the item and byte
            offset), ``"replace"`` or ``"ignore"``.

    Raises:
        CorpusError: an item is neither str nor bytes, or is not UTF-8.

    >>> list(decode_texts(["a", b"caf\\xc3\\xa9"]))
    ['a', 'café']
    """
    if errors not in _ERRORS:  # checked now, not at the first item
        raise ConfigError(f"errors must be one of {_ERRORS}, got {errors!r}")
    return _decoded(texts, errors)


def _decoded(texts: Iterable[str | bytes], errors: str) -> Iterator[str]:
    for index, text in enumerate(texts):
        if isinstance(text, str):
            yield text
        elif isinstance(text, (bytes, bytearray, memoryview)):
            try:
                yield bytes(text).decode("utf-8", errors)
            except UnicodeDecodeError as e:
                raise CorpusError(
                    f"training text #{index} (counting from 0): invalid UTF-8 at byte "
                    f"{e.start}; fix the data or pass errors='replace'"
                ) from None
        else:
            raise CorpusError(f"training texts must be str or bytes, got {type(text).__name__}")


def total_size(paths: Sequence[str]) -> int | None:
    """Total size in bytes of the files (None if unknown, e.g. stdin or .gz)."""
    total = 0
    for p in paths:
        if p.endswith(".gz") or is_stream(p):
            return None
        total += os.path.getsize(p)
    return total


class _Seen:
    """Whether any text had a non-whitespace char (a whitespace-only corpus is an error)."""

    def __init__(self) -> None:
        self.text = False
        self.words = False

    def check(self) -> None:
        if self.words and not self.text:
            raise CorpusError(
                "the corpus holds only whitespace: no words to train on "
                "(check the input files or iterator)"
            )


def require_text(texts: Iterable[str]) -> Iterator[str]:
    """Pass ``texts`` through; at the end, raise if they held only whitespace.

    For trainers that count on their own (SentencePiece's): the same rule as
    :func:`count_words`, whatever the trainer's own idea of whitespace.

    Raises:
        CorpusError: there was text, but only whitespace.

    >>> list(require_text(["a ", "b"]))
    ['a ', 'b']
    """
    seen = _Seen()
    for text in _note(texts, seen):
        seen.words = seen.words or bool(text)
        yield text
    seen.check()


def _note(texts: Iterable[str], seen: _Seen) -> Iterator[str]:
    for text in texts:
        if text and not seen.text and not text.isspace():
            seen.text = True
        yield text


def _batches(texts: Iterable[str]) -> Iterator[list[str]]:
    """``texts`` in lists of at most _BATCH texts or about _BATCH_CHARS chars (the last
    list may be empty), so that long texts do not pile up."""
    batch: list[str] = []
    chars = 0
    for text in texts:
        batch.append(text)
        chars += len(text)
        if len(batch) == _BATCH or chars >= _BATCH_CHARS:
            yield batch
            batch = []
            chars = 0
    yield batch


def _count_in_bulk(
    strs: Iterable[str],
    normalizer: Normalizer | None,
    pre: PreTokenizer,
    rules: BertWordRules,
    seen: _Seen,
) -> Counter[str]:
    # BERT set-ups: batches of lines are joined by newlines and split into words on the
    # core in one pass (SpaceWordCounter with the per-char rules of bert_char_rule), with
    # no Python string per word; a line holding a char without such a rule takes the
    # exact path.

    bulk = SpaceWordCounter(False, *rules)
    norm = normalizer.normalize_str if normalizer is not None else None
    counts: Counter[str] = Counter()
    for batch in _batches(strs):
        if bulk.add("\n".join(batch)):
            continue
        for text in batch:
            if not bulk.add(text):
                for t in _note([norm(text) if norm else text], seen):
                    counts.update(pre.words(t))
    # A line holds text (see _note) exactly when it gives a word: its chars that are
    # neither dropped nor separators become words.
    seen.text = seen.text or len(bulk) > 0
    counts.update(bulk.to_dicts()[0])
    return counts


def _count(
    texts: Iterable[str | bytes],
    normalizer: Normalizer | None,
    pre_tokenizer: PreTokenizer | None,
    seen: _Seen,
) -> Counter[str]:

    counts: Counter[str] = Counter()
    norm = normalizer.normalize_str if normalizer is not None else None
    native = _byte_word_counter(pre_tokenizer)
    strs = decode_texts(texts)
    rules = bert_word_rules(normalizer, pre_tokenizer)
    if rules is not None and pre_tokenizer is not None:
        counts = _count_in_bulk(strs, normalizer, pre_tokenizer, rules, seen)
    elif native is not None:
        # The byte-level set-ups on the native core: words are counted in C++ and become
        # Python strings once each, not once per occurrence.
        for batch in _batches(_note(strs if norm is None else map(norm, strs), seen)):
            native.add(batch)
        counts.update(native.to_dict())
    else:
        split = pre_tokenizer.words if pre_tokenizer is not None else None
        for text in _note(strs if norm is None else map(norm, strs), seen):
            if split is not None:
                counts.update(split(text))
            elif text:
                counts[text] += 1
    seen.words = seen.words or bool(counts)
    return counts


def count_words(
    texts: Iterable[str | bytes],
    normalizer: Normalizer | None = None,
    pre_tokenizer: PreTokenizer | None = None,
) -> Counter[str]:
    """Count the words of ``texts`` after normalization and pre-tokenization.

    Args:
        texts: sequences (lines, documents); each is processed on its own.
            ``bytes`` items are decoded as UTF-8 (strictly: see :func:`decode_texts`).
        normalizer: applied first (None: text unchanged).
        pre_tokenizer: splits into words (None: each text is one word).

    Returns:
        word -> count (empty for no texts).

    Raises:
        CorpusError: an item is neither str nor bytes, or is invalid UTF-8, or
            the texts hold words but only whitespace ones (nothing to learn from).

    >>> from tokenlab.pre_tokenizers import Whitespace
    >>> count_words(["a b a", "b"], pre_tokenizer=Whitespace())
    Counter({'a': 2, 'b': 2})
    """
    seen = _Seen()
    counts = _count(texts, normalizer, pre_tokenizer, seen)
    seen.check()
    return counts


_BATCH = 4096  # texts handed to the native word counter at a time
_BATCH_CHARS = 8 << 20  # ... or fewer, when they are long
_CHUNK_BYTES = 8 << 20
_PARALLEL_MIN_BYTES = 4 << 20


def _next_line_start(f: IO[bytes], at: int, size: int) -> int:
    """The offset just after the first newline at or after ``at`` (``size`` if none).

    Reads in blocks, so a file with no newline is never held whole.
    """
    f.seek(at)
    pos = at
    while pos < size:
        block = f.read(1 << 16)
        if not block:
            break
        found = block.find(b"\n")
        if found >= 0:
            return pos + found + 1
        pos += len(block)
    return size


def _chunks(paths: Sequence[str]) -> list[tuple[str, int, int]]:
    """Cut the inputs into ``(path, start, end)`` byte ranges that end at a newline.

    Compressed files and stdin cannot be cut: each is one range (end = -1).
    """
    out: list[tuple[str, int, int]] = []
    for path in paths:
        if path.endswith(".gz") or is_stream(path):
            out.append((path, 0, -1))
            continue
        size = os.path.getsize(path)
        start = 0
        with open(path, "rb") as f:
            while start < size:
                end = start + _CHUNK_BYTES
                end = size if end >= size else _next_line_start(f, end, size)
                out.append((path, start, end))
                start = end
    return out


_Task = tuple[str, int, int, str, dict[str, Any] | None, dict[str, Any] | None]


def _count_range(task: _Task) -> tuple[Counter[str], int, int | None, bool]:
    """Worker: count one range.

    Returns:
        (counts, bytes read, offset of bad UTF-8 or None (-1: read error), saw text).
    """

    path, start, end, errors, norm_dict, pre_dict = task
    normalizer = normalizer_from_dict(norm_dict)
    pre_tokenizer = pre_tokenizer_from_dict(pre_dict)
    cut = cut_rule(normalizer, pre_tokenizer)
    read = [0]

    class _Progress:
        def update(self, n: int) -> None:
            read[0] += n

    seen = _Seen()
    bad: int | None = None
    f = _open(path) if end < 0 else open(path, "rb")  # noqa: SIM115 - closed below
    try:
        if end >= 0:
            f.seek(start)
        pieces = _pieces(f, errors, cut, start, end, _Progress(), path)  # type: ignore[arg-type]
        counts = _count(pieces, normalizer, pre_tokenizer, seen)
    except _BadUTF8 as e:
        counts, bad = Counter(), e.offset
    except (OSError, EOFError):
        counts, bad = Counter(), -1  # the parent re-reads serially to report it with context
    finally:
        if f is not sys.stdin.buffer:
            f.close()
    return counts, read[0], bad, seen.text


def _line_of(path: str, offset: int) -> int:
    """1-based line number of the byte at ``offset``."""
    with _open(path) as f:
        return line_at(f, offset)


def line_at(f: IO[bytes], offset: int) -> int:
    """1-based line number of the byte at ``offset`` of a binary file read from its start.

    For error messages: reads up to ``offset`` in 1 MiB blocks, holding none of them.
    """
    line = 1
    done = 0
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

    Long lines are read in pieces where the pre-tokenizer allows it (see the
    module docstring), so memory stays bounded whatever the line lengths.

    Args:
        paths: a path, directory, glob pattern or list of them (``"-"``: stdin,
            read in this process).
        normalizer: applied to each line first.
        pre_tokenizer: splits each line into words.
        errors: invalid UTF-8: ``"strict"``, ``"replace"`` or ``"ignore"``.
        processes: worker processes; None picks one per core for inputs over
            4 MB, and 1 otherwise. The counts never depend on it.
        show_progress: draw a progress bar over the bytes read.

    Returns:
        word -> count, exactly as :func:`count_words` over :func:`iter_lines`.

    Raises:
        CorpusError: unreadable file, invalid UTF-8 (file, line, byte offset), or
            only whitespace in the corpus.
        ConfigError: ``errors`` or ``processes`` is invalid.

    >>> count_words_in_files([])
    Traceback (most recent call last):
    ...
    tokenlab.errors.CorpusError: no input files given
    """
    if errors not in _ERRORS:
        raise ConfigError(f"errors must be one of {_ERRORS}, got {errors!r}")
    if processes is not None and (
        not isinstance(processes, int) or isinstance(processes, bool) or processes < 1
    ):
        raise ConfigError(f"processes must be a positive integer, got {processes!r}")
    files = resolve_files(paths)
    size = total_size(files)
    if processes is None:
        big = size is None or size >= _PARALLEL_MIN_BYTES
        processes = (os.cpu_count() or 1) if big else 1
    native = _count_bytes(files, normalizer, pre_tokenizer, errors, processes, show_progress)
    if native is not None:
        return native
    tasks = _chunks(files) if "-" not in files else []
    cut = cut_rule(normalizer, pre_tokenizer)
    seen = _Seen()
    if processes == 1 or len(tasks) < 2:
        with file_progress(files, show_progress) as bar:
            counts = _count(iter_lines(files, errors, bar, cut), normalizer, pre_tokenizer, seen)
        seen.check()
        return counts
    norm_dict = normalizer.to_dict() if normalizer is not None else None
    pre_dict = pre_tokenizer.to_dict() if pre_tokenizer is not None else None
    jobs = [(p, s, e, errors, norm_dict, pre_dict) for p, s, e in tasks]
    total: Counter[str] = Counter()
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with (
        file_progress(files, show_progress) as bar,
        worker_pool(ctx, min(processes, len(jobs))) as pool,
    ):
        # imap keeps the task order, so a bad byte is reported for the first bad chunk.
        for job, (counts, read, bad, saw_text) in zip(jobs, pool.imap(_count_range, jobs)):
            path = job[0]
            if bad is not None:
                pool.terminate()
                if bad < 0:
                    list(iter_lines(path, errors))  # raises the precise error
                    raise CorpusError(f"{path}: read failed")
                raise CorpusError(_bad_utf8_message(path, bad, _line_of(path, bad)))
            total.update(counts)
            seen.text = seen.text or saw_text
            bar.update(read)
    seen.words = bool(total)
    seen.check()
    return total


# --- byte-level set-ups: the files' bytes straight to the native word counter ----------
#
# The lines are never decoded to Python strings: blocks of whole lines go to
# ByteWordCounter.add_lines, which scans and counts them with the GIL released, one
# counter per thread (block i to thread i % threads), merged at the end. Anything it
# does not take the usual path does, from the start: invalid UTF-8 (that path reports
# it with its file and line) or a line longer than MAX_RUN_CHARS bytes (one that may
# hold a long run, which that path counts in chunks; it also reads such a line in
# pieces, so memory stays bounded).

_BLOCK_BYTES = 1 << 20  # lines handed to a counting thread at a time (2 more wait)
_MAX_THREADS = 8  # each thread has a table of the words it saw


class _NotNative(Exception):
    """The bytes path leaves this corpus to the line reader."""


def _count_bytes(
    files: list[str],
    normalizer: Normalizer | None,
    pre_tokenizer: PreTokenizer | None,
    errors: str,
    processes: int,
    show_progress: bool,
) -> Counter[str] | None:
    """The counts of :func:`count_words_in_files` read as bytes, or None if it does not apply.

    Raises:
        CorpusError: the files hold only whitespace.
    """
    if errors != "strict" or normalizer is not None or "-" in files:
        return None
    if MAX_RUN_CHARS < _BLOCK_BYTES:
        return None  # a block could hold a long run whole (only with test limits)
    if BACKEND != "cython" and processes > 1:
        return None  # the pure counter holds the GIL: processes are faster
    threads = min(processes, _MAX_THREADS)
    counters = [_byte_word_counter(pre_tokenizer) for _ in range(threads)]
    if counters[0] is None or not hasattr(counters[0], "add_lines"):
        return None
    try:
        with file_progress(files, show_progress) as bar:
            _count_blocks(_line_blocks(files, bar), counters)
    except _NotNative:
        return None
    first = counters.pop(0)
    while counters:  # each thread's table is freed before the result is built
        first.update(counters.pop())
    counts: Counter[str] = first.to_dict(Counter())
    del first
    _release_free_memory()
    seen = _Seen()
    seen.words = bool(counts)
    seen.text = any(not _unmapped(word).isspace() for word in counts)
    seen.check()
    return counts


_M_ARENA_MAX = -8  # glibc's mallopt parameter


def _libc() -> Any:
    """The C library, when it has glibc's malloc controls (else None)."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


@contextlib.contextmanager
def _main_heap_only() -> Iterator[None]:
    """Threads started in the block allocate from the main heap (glibc: M_ARENA_MAX 1).

    A thread otherwise gets a heap of its own, which keeps what the thread freed: the
    counting threads' tables (about 15 MB per 30 MB of text) would stay resident under
    the training instead of being reused by it. The limit goes back to glibc's default
    (8 heaps per core) at the end.
    """
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, 1)
    try:
        yield
    finally:
        if libc is not None:
            libc.mallopt(_M_ARENA_MAX, 8 * (os.cpu_count() or 1))


def _release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc only; elsewhere nothing)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


_BYTE_OF = {ch: b for b, ch in bytes_to_unicode().items()}


def _unmapped(word: str) -> str:
    """The text of a byte-mapped word."""
    return bytes(_BYTE_OF[ch] for ch in word).decode("utf-8", "surrogatepass")


def _line_blocks(files: list[str], bar: Progress) -> Iterator[bytes]:
    """Blocks of whole lines of the files, each at most about _BLOCK_BYTES.

    Raises:
        _NotNative: a line longer than MAX_RUN_CHARS bytes.
        CorpusError: a file cannot be opened.
    """
    # A line is checked when a block ends inside it: a line within a block is shorter
    # than the block, which is at most MAX_RUN_CHARS.
    for path in files:
        with _open(path) as f:
            carry = b""
            while True:
                raw = f.read(_BLOCK_BYTES)
                if not raw:
                    break
                bar.update(len(raw))
                nl = raw.rfind(b"\n") + 1
                if not nl or (carry and len(carry) + raw.find(b"\n") >= MAX_RUN_CHARS):
                    carry += raw
                    if len(carry) > MAX_RUN_CHARS:
                        raise _NotNative
                    continue
                yield carry + raw[:nl] if carry else raw[:nl]
                carry = raw[nl:]
            if carry:
                if len(carry) > MAX_RUN_CHARS:
                    raise _NotNative
                yield carry


def _count_blocks(blocks: Iterator[bytes], counters: list[Any]) -> None:
    """Count ``blocks`` with ``counters``: block i with counter i % len(counters).

    Raises:
        _NotNative: a block holds invalid UTF-8.
    """
    if len(counters) == 1:
        for block in blocks:
            if counters[0].add_lines(block) >= 0:
                raise _NotNative
        return
    inboxes: list[queue.Queue[bytes | None]] = [queue.Queue(2) for _ in counters]
    bad: list[bool] = []

    def work(counter: Any, inbox: queue.Queue[bytes | None]) -> None:
        while (block := inbox.get()) is not None:
            if not bad and counter.add_lines(block) >= 0:
                bad.append(True)

    workers = [
        threading.Thread(target=work, args=(c, q), daemon=True) for c, q in zip(counters, inboxes)
    ]
    with _main_heap_only():
        for t in workers:
            t.start()
        try:
            for i, block in enumerate(blocks):
                if bad:
                    break
                inboxes[i % len(inboxes)].put(block)
        finally:
            for inbox in inboxes:
                inbox.put(None)
            for t in workers:
                t.join()
    if bad:
        raise _NotNative


def file_progress(paths: Sequence[str], show_progress: bool) -> Progress:
    """A progress bar over the bytes of ``paths``."""
    enabled = progress_enabled(show_progress)
    return Progress(total_size(paths), "Count words", enabled=enabled, unit="B")
