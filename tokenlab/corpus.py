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
import glob
import gzip
import os
import stat
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

from ._progress import Progress, progress_enabled
from ._signals import worker_pool
from .errors import ConfigError, CorpusError

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
    from pydoc_data.topics import topics

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
# Claim: for the byte-level split patterns (Hugging Face's ByteLevel regex and tiktoken's
# gpt2, cl100k_base and o200k_base patterns), at a position i with text[i] == " ",
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
    from .normalizers import Sequence as NormalizerSequence

    if isinstance(normalizer, NormalizerSequence):
        return all(_normalizer_is_local(n) for n in normalizer.normalizers)
    return type(normalizer).__name__ in _SAFE_NORMALIZERS and type(normalizer).__module__ == (
        "tokenlab.normalizers"
    )


def _is_byte_level_split(pre: PreTokenizer) -> bool:
    from ._patterns import BYTE_LEVEL_PATTERN, PATTERNS
    from .pre_tokenizers import ByteLevel, Split
    from .pre_tokenizers import Sequence as PreSequence

    if type(pre) is ByteLevel:
        return pre.use_regex
    if type(pre) is PreSequence and len(pre.pre_tokenizers) == 2:
        split, byte_level = pre.pre_tokenizers
        return (
            type(split) is Split
            and split.behavior == "isolated"
            and not split.invert
            and not split.literal
            and split.pattern in (*PATTERNS.values(), BYTE_LEVEL_PATTERN)
            and type(byte_level) is ByteLevel
            and not byte_level.use_regex
        )
    return False


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
    import regex

    from .pre_tokenizers import BertPreTokenizer, Whitespace, WhitespaceSplit

    if pre_tokenizer is None or not _normalizer_is_local(normalizer):
        return None
    if type(pre_tokenizer) in (Whitespace, WhitespaceSplit, BertPreTokenizer):

        def before_space(text: str) -> int:
            return max(text.rfind(" ", 1), 0)

        return before_space
    if not _is_byte_level_split(pre_tokenizer):
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
    decoder = codecs.getincrementaldecoder("utf-8")(errors)
    offset = start  # bytes consumed so far (absolute)
    line = 1  # within this range
    carry: list[str] = []  # decoded text of the current line not yet yielded
    carried = 0
    carried_bytes = 0  # UTF-8 length of the decoded carry, for skip_over
    skipping = False  # the current line is too long for skip_over: drop it
    warned = False
    run = _LongRun()  # a stretch without a safe cut, counted in chunks
    head = b""  # bytes read ahead by the block path: the start of the next line
    while end < 0 or offset < end:
        limit = READ_BYTES if end < 0 else min(READ_BYTES, end - offset)
        if not (carry or skipping or head):
            # Between lines: read a block and yield its complete lines at once (one
            # decode and one split instead of a readline and a decode per line). A
            # block ends at a newline, which is never inside a UTF-8 sequence, so it
            # decodes (and replaces bad bytes) exactly as its lines would one by one.
            # What follows the last newline goes to the line-by-line path below as
            # ``head``, which reads on from there as if the line had been read whole.
            raw = f.read(limit)
            if not raw:
                break
            nl = raw.rfind(b"\n") + 1
            head = raw[nl:]
            if nl:
                body = raw[:nl] if head else raw
                try:
                    text = body.decode("utf-8", errors)
                except UnicodeDecodeError as e:
                    raise _BadUTF8(offset + e.start, line + body.count(b"\n", 0, e.start)) from None
                offset += nl
                if progress is not None:
                    progress.update(nl)
                lines = text.split("\n")
                line += len(lines) - 1
                lines.pop()  # the empty text after the last newline
                yield from [t + "\n" for t in lines]
            continue
        if head:
            raw = head + (f.readline(limit - len(head)) if limit > len(head) else b"")
            head = b""
        else:
            raw = f.readline(limit)
        if not raw:
            break
        complete = raw.endswith(b"\n")
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(raw, final=complete)
        except UnicodeDecodeError as e:
            raise _BadUTF8(offset - pending + e.start, line) from None
        offset += len(raw)
        if progress is not None:
            progress.update(len(raw))
        if complete:
            if skipping:
                skipping = False
                line += 1
                continue
            if carry:
                carry.append(text)
                text = "".join(carry)
                carry.clear()
                carried = 0
            carried_bytes = 0
            if cut is not None and not run.active and run.starts(text, cut) and not warned:
                _warn_long_run(warn_name, line)
                warned = True
            line += 1
            if run.active and cut is not None:
                chunks, text = run.take(text, cut, final=True)
                yield from chunks
            run.end_line()
            if text:
                yield text
            continue
        if skipping:
            continue
        if skip_over is not None:
            carried_bytes += len(text.encode("utf-8", "surrogatepass"))
            if carried_bytes > skip_over:
                skipping, carried_bytes = True, 0
                carry.clear()
                carried = 0
                continue
        carry.append(text)
        carried += len(text)
        if cut is None or carried < READ_BYTES:
            continue
        joined = "".join(carry)
        carry.clear()
        if not run.active and run.starts(joined, cut) and not warned:
            _warn_long_run(warn_name, line)
            warned = True
        if run.active:
            chunks, joined = run.take(joined, cut, final=False)
            yield from chunks
            if run.active:  # no safe cut yet: less than a chunk waits for more text
                if joined:
                    carry.append(joined)
                carried = len(joined)
                continue
        at = cut(joined)
        if at:
            yield joined[:at]
            joined = joined[at:]
        if joined:
            carry.append(joined)
        carried = len(joined)
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as e:
        raise _BadUTF8(offset - len(decoder.getstate()[0]) + e.start, line) from None
    if tail and not skipping:
        carry.append(tail)
    if carry and not skipping:
        rest = "".join(carry)
        if cut is not None and not run.active and run.starts(rest, cut) and not warned:
            _warn_long_run(warn_name, line)
        if run.active and cut is not None:
            chunks, rest = run.take(rest, cut, final=True)
            yield from chunks
            if rest:
                yield rest
        else:
            yield rest  # even "" (what the line-by-line path gives too)


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


def bert_char_rule(
    normalizer: Normalizer | None, pre_tokenizer: PreTokenizer | None
) -> Callable[[str], str | None] | None:
    """What BERT's normalizer and pre-tokenizer do to one char, as a rule; None if not BERT.

    For ``BertPreTokenizer`` (optionally after ``BertNormalizer``): the returned function
    maps a char to ``""`` (the normalizer drops it), ``" "`` (a separator), its
    normalized form (chars inside a word: ``"e"`` for ``"É"``) or ``" c "`` (``c``, a
    word of its own), or to None when the char's fate depends on its neighbours (a
    combining mark, stripped or kept; a char whose case depends on the next one; an
    output the pre-tokenizer would cut), so that a text holding it must take the
    general path.
    Each rule is found by running the two components on the char between letters, so
    it says what they do, not what they are meant to do.

    >>> from tokenlab.normalizers import BertNormalizer
    >>> from tokenlab.pre_tokenizers import BertPreTokenizer
    >>> rule = bert_char_rule(BertNormalizer(), BertPreTokenizer())
    >>> [rule(c) for c in "É,中 "]
    ['e', ' , ', ' 中 ', ' ']
    """
    import unicodedata

    from .normalizers import BertNormalizer
    from .pre_tokenizers import BertPreTokenizer

    if type(pre_tokenizer) is not BertPreTokenizer:
        return None
    if normalizer is not None and type(normalizer) is not BertNormalizer:
        return None
    words = pre_tokenizer.words
    norm = normalizer.normalize_str if normalizer is not None else str

    def rule(ch: str) -> str | None:
        out = norm(ch)
        for left, right in (("q", ""), ("", "q"), ("q", "q")):
            if norm(left + ch + right) != left + out + right:
                return None  # depends on the neighbours (e.g. a final sigma)
        if any(unicodedata.combining(c) for c in out):
            return None  # canonical reordering could move it across its neighbours
        if not out:
            # Dropped: ASCII controls are (clean_text). A dropped char outside ASCII (a
            # stripped accent, say) can widen the offsets of the char before it,
            # depending on what that char was: the general path.
            return "" if ch.isascii() else None
        split = words(f"q{out}q")
        if split == ["q", "q"]:
            return " "
        if len(out) == 1 and split == ["q", out, "q"]:
            return f" {out} "
        if len(out) == 3 and out[0] == " " == out[2] and split == ["q", out[1], "q"]:
            return out  # a word of its own, with the spaces the normalizer put around it
        if split == [f"q{out}q"] and " " not in out and "\n" not in out:
            return out
        return None

    return rule


#: A BERT set-up's word rules: the 128-entry ASCII table and the per-char rule function.
BertWordRules = tuple[list[str], Callable[[str], "str | None"]]


def bert_word_rules(
    normalizer: Normalizer | None, pre_tokenizer: PreTokenizer | None
) -> BertWordRules | None:
    """The :func:`bert_char_rule` of a BERT set-up, with its ASCII rules as a table.

    The table is the form :class:`SpaceWordCounter <tokenlab._pycore.SpaceWordCounter>`
    and ``BertEncoder`` take: 128 entries, each ``""``, ``" "``, one char or ``" c "``.
    None for other set-ups, or when an ASCII char does not fit those forms.

    >>> from tokenlab.pre_tokenizers import BertPreTokenizer
    >>> table, rule = bert_word_rules(None, BertPreTokenizer())
    >>> table[ord("a")], table[ord(",")], table[ord(" ")], rule("é")
    ('a', ' , ', ' ', 'é')
    """
    rule = bert_char_rule(normalizer, pre_tokenizer)
    if rule is None:
        return None
    table: list[str] = []
    for cp in range(128):
        out = rule(chr(cp))
        if out is None or not out.isascii() or (len(out) > 1 and out.strip() == out):
            return None
        table.append(out)
    if table[10] != " " or table[ord("q")] != "q":
        return None
    return table, rule


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
    from ._backend import SpaceWordCounter

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
    from .pre_tokenizers import _byte_word_counter

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
    from .normalizers import normalizer_from_dict
    from .pre_tokenizers import pre_tokenizer_from_dict

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
    tasks = _chunks(files) if "-" not in files else []
    cut = cut_rule(normalizer, pre_tokenizer)
    seen = _Seen()
    if processes == 1 or len(tasks) < 2:
        with file_progress(files, show_progress) as bar:
            counts = _count(iter_lines(files, errors, bar, cut), normalizer, pre_tokenizer, seen)
        seen.check()
        return counts
    import multiprocessing

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


def file_progress(paths: Sequence[str], show_progress: bool) -> Progress:
    """A progress bar over the bytes of ``paths``."""
    return Progress(total_size(paths), "Count words", enabled=progress_enabled(show_progress))
