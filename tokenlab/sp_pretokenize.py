"""SentencePiece's training-side text handling, as plain functions.

What ``spm_train`` does to its input before any BPE or Unigram statistics
(Kudo and Richardson, 2018, "SentencePiece: A simple and language independent
subword tokenizer and detokenizer for Neural Text Processing"), so that the
trainers in :mod:`tokenlab.sentencepiece_bpe` (and the Unigram trainer) see the
same "words" with the same counts:

* :func:`count_sentence_words`: per sentence (line), SentencePiece's order:
  empty lines, lines longer than ``max_sentence_length`` bytes and lines that
  contain U+2585 (its internal unknown mark) are skipped; the line is
  normalized (any callable: NFKC-like ``nmt_nfkc``, or ``None`` for
  ``identity``); occurrences of the meta pieces (control and user-defined
  symbols, ``<unk>``, ``<s>``, ...) become a TAB, which is never in the alphabet
  and so acts as a boundary; extra spaces are removed, the dummy ``▁`` prefix
  (or suffix) is added, spaces become ``▁``; and the text is split into words,
  each starting with ``▁`` (or ending with it, ``treat_whitespace_as_suffix``).
* :func:`required_chars`: the alphabet kept by ``character_coverage``, most
  frequent first (ties: smaller code point), with SentencePiece's float32
  coverage test; every other character is unknown.
* :func:`is_valid_piece`: SentencePiece's rule for which strings may become
  pieces (``IsValidSentencePiece``): length, ``▁`` position, Unicode script,
  digits. :func:`char_script` gives the script of a character exactly as
  SentencePiece classifies it: Unicode 9.0's ``Scripts.txt`` (characters
  assigned later, and unassigned ones, are ``Common``).
* :func:`piece_boundaries` / :func:`split_at_boundaries`: where a word can be
  cut so that the pieces a BPE trainer may build inside the parts are exactly
  the valid pieces (see the proof in :func:`piece_boundaries`);
  :func:`segment_counts` cuts a whole word-count table that way on the core.

Not supported: ``allow_whitespace_only_pieces``, the ``required_chars`` and
``input_sentence_size`` trainer options, tsv input, and SentencePiece's
"pretokenization delimiter".
"""

from __future__ import annotations

import multiprocessing
import os
import re
import struct
import sys
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from ._backend import (
    SEGMENT_ALONE,
    SEGMENT_ANY,
    SEGMENT_INHERITED,
    SEGMENT_SPACE,
    SpaceWordCounter,
    sum_segments,
)
from ._signals import worker_pool
from .charsmap import CharsMap
from .corpus import _open, file_progress, resolve_files, total_size
from .errors import ConfigError, CorpusError
from .normalizers import NmtNfkc

__all__ = [
    "SPACE_SYMBOL",
    "UNKNOWN_CHAR",
    "ascii_translation",
    "char_frequencies",
    "char_script",
    "count_sentence_words",
    "count_sentence_words_in_files",
    "is_valid_piece",
    "piece_boundaries",
    "required_chars",
    "segment_counts",
    "split_at_boundaries",
]

#: The character that stands for a space (U+2581 LOWER ONE EIGHTH BLOCK).
SPACE_SYMBOL = "\u2581"
#: SentencePiece's internal mark for an unknown character (U+2585); lines that
#: contain it are skipped in training.
UNKNOWN_CHAR = "\u2585"
#: What meta pieces found in the text are replaced with (a boundary).
_BOUNDARY = "\t"
_DEFAULT_MAX_SENTENCE_LENGTH = 4192


def _split_words(text: str, treat_whitespace_as_suffix: bool) -> list[str]:
    """SentencePiece's ``SplitIntoWords`` (without whitespace-only pieces)."""
    words: list[str] = []
    if treat_whitespace_as_suffix:
        start = 0
        for i, ch in enumerate(text):
            if ch == SPACE_SYMBOL and i + 1 < len(text):
                words.append(text[start : i + 1])
                start = i + 1
        if start < len(text):
            words.append(text[start:])
        return words
    start = 0
    for i, ch in enumerate(text):
        if ch == SPACE_SYMBOL and i > 0:
            words.append(text[start:i])
            start = i
    if text:
        words.append(text[start:])
    return words


def _replace_meta_pieces(text: str, pieces: Sequence[str]) -> str:
    """Replace every occurrence of a meta piece by a TAB, leftmost-longest first."""
    if not pieces or not any(p in text for p in pieces):
        return text
    by_first: dict[str, list[str]] = {}
    for p in sorted(set(pieces), key=len, reverse=True):
        by_first.setdefault(p[0], []).append(p)
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        for p in by_first.get(text[i], ()):
            if text.startswith(p, i):
                out.append(_BOUNDARY)
                i += len(p)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def escape_whitespace(
    text: str,
    *,
    add_dummy_prefix: bool = True,
    remove_extra_whitespaces: bool = True,
    treat_whitespace_as_suffix: bool = False,
) -> str:
    """SentencePiece's whitespace handling of a normalized string.

    Only U+0020 counts as a space (the normalizer maps other whitespace to it).

    >>> escape_whitespace("  Hello   world ")
    '▁Hello▁world'
    >>> escape_whitespace(" a ", remove_extra_whitespaces=False)
    '▁▁a▁'
    """
    if remove_extra_whitespaces:
        text = " ".join(part for part in text.split(" ") if part)
    if not text:
        return ""
    if add_dummy_prefix:
        text = text + " " if treat_whitespace_as_suffix else " " + text
    return text.replace(" ", SPACE_SYMBOL)


def _line_words(
    line: str,
    normalize: Callable[[str], str] | None,
    pieces: Sequence[str],
    add_dummy_prefix: bool,
    remove_extra_whitespaces: bool,
    treat_whitespace_as_suffix: bool,
    split_by_whitespace: bool,
    max_sentence_length: int,
) -> list[str]:
    """The words of one sentence, SentencePiece's way (see :func:`count_sentence_words`)."""
    if line.endswith("\n"):
        line = line[:-1]
    if not line:
        return []
    if len(line.encode("utf-8", "surrogatepass")) > max_sentence_length:
        return []
    if UNKNOWN_CHAR in line:
        return []
    text = normalize(line) if normalize is not None else line
    text = _replace_meta_pieces(text, pieces)
    text = escape_whitespace(
        text,
        add_dummy_prefix=add_dummy_prefix,
        remove_extra_whitespaces=remove_extra_whitespaces,
        treat_whitespace_as_suffix=treat_whitespace_as_suffix,
    )
    if not text:
        return []
    if split_by_whitespace:
        return _split_words(text, treat_whitespace_as_suffix)
    return [text]


def _options_tuple(opts: Mapping[str, Any]) -> tuple[Any, ...]:
    """The arguments of :func:`_line_words` after the line, from keyword options."""
    return (
        opts.get("normalize"),
        [p for p in opts.get("meta_pieces", ()) if p],
        opts.get("add_dummy_prefix", True),
        opts.get("remove_extra_whitespaces", True),
        opts.get("treat_whitespace_as_suffix", False),
        opts.get("split_by_whitespace", True),
        opts.get("max_sentence_length", _DEFAULT_MAX_SENTENCE_LENGTH),
    )


def _fast_flags(opts: Mapping[str, Any]) -> bool:
    """Whether the whitespace flags are the ones the batch counter handles."""
    return (
        opts.get("add_dummy_prefix", True)
        and opts.get("remove_extra_whitespaces", True)
        and not opts.get("treat_whitespace_as_suffix", False)
        and opts.get("split_by_whitespace", True)
    )


def ascii_translation(normalize: Callable[[str], str] | None) -> dict[int, str] | None:
    """What ``normalize`` does to text of ASCII chars, as a ``str.translate`` table.

    Known only for ``None`` (identity) and for SentencePiece charsmaps
    (:class:`tokenlab.charsmap.CharsMap`, its ``normalize_str``, and
    :class:`tokenlab.normalizers.NmtNfkc`) whose rules for ASCII sources are
    single chars: then an ASCII line normalizes char by char. ``None`` when
    unknown. NUL is never in the table (text with NUL takes the exact path).

    >>> ascii_translation(None)
    {}
    """
    if normalize is None:
        return {}
    owner = getattr(normalize, "__self__", normalize)
    cm: CharsMap
    if isinstance(owner, CharsMap):
        cm = owner
    elif isinstance(owner, NmtNfkc):
        cm = owner.charsmap
    else:
        return None
    if any(len(k) > 1 and k.isascii() for k in cm.mapping):
        return None
    table: dict[int, str] = {}
    for cp in range(1, 128):
        out = cm.normalize_str(chr(cp))
        if out != chr(cp):
            table[cp] = out
    # " " joins the lines of a batch, so it must stay itself.
    if 32 in table:
        return None
    return table


#: Lines handed to the batch counter at a time.
_BATCH = 8192


def count_sentence_words(
    sentences: Iterable[str],
    *,
    normalize: Callable[[str], str] | None,
    add_dummy_prefix: bool = True,
    remove_extra_whitespaces: bool = True,
    treat_whitespace_as_suffix: bool = False,
    split_by_whitespace: bool = True,
    max_sentence_length: int = _DEFAULT_MAX_SENTENCE_LENGTH,
    meta_pieces: Sequence[str] = (),
    ascii_table: dict[int, str] | bool | None = True,
    sentence_ends: Counter[str] | None = None,
) -> Counter[str]:
    """Count the ``▁``-escaped words SentencePiece trains on.

    Args:
        sentences: raw lines (a trailing newline is removed).
        normalize: the normalization (``None``: SentencePiece's ``identity``).
        add_dummy_prefix: put a ``▁`` before each sentence.
        remove_extra_whitespaces: strip and collapse runs of spaces.
        treat_whitespace_as_suffix: ``▁`` ends words instead of starting them.
        split_by_whitespace: count words; ``False`` counts whole sentences.
        max_sentence_length: lines longer than this many UTF-8 bytes are skipped.
        meta_pieces: control/user-defined/special pieces; where they occur in
            the normalized text they become a TAB (a boundary no piece crosses).
        ascii_table: ``normalize`` on ASCII text as a translate table
            (:func:`ascii_translation`; ``True``: work it out, ``None`` or
            ``False``: no fast path). With the default whitespace flags, ASCII
            lines are then counted in batches at C speed; the counts are the
            same either way.
        sentence_ends: if given, the last word of each sentence is counted
            into it too (the Unigram seeds need to know what follows a word).

    Returns:
        word -> count.

    >>> sorted(count_sentence_words(["a b a", "b"], normalize=None).items())
    [('▁a', 2), ('▁b', 2)]
    """
    counts: Counter[str] = Counter()
    opts = {
        "normalize": normalize,
        "meta_pieces": meta_pieces,
        "add_dummy_prefix": add_dummy_prefix,
        "remove_extra_whitespaces": remove_extra_whitespaces,
        "treat_whitespace_as_suffix": treat_whitespace_as_suffix,
        "split_by_whitespace": split_by_whitespace,
        "max_sentence_length": max_sentence_length,
    }
    options = _options_tuple(opts)
    table = ascii_translation(normalize) if ascii_table is True else ascii_table
    if not (isinstance(table, dict) and _fast_flags(opts)):
        for line in sentences:
            words = _line_words(line, *options)
            if words:
                counts.update(words)
                if sentence_ends is not None:
                    sentence_ends[words[-1]] += 1
        return counts
    assert isinstance(table, dict)
    parts = _count_parts(sentences, table, options, sentence_ends is not None)
    if sentence_ends is not None:
        sentence_ends.update(_combine(parts[2], parts[3]))
    return _combine(parts[0], parts[1])


_Parts = tuple[Counter[str], Counter[str], Counter[str], Counter[str]]


def _count_parts(
    sentences: Iterable[str], table: dict[int, str], options: tuple[Any, ...], want_ends: bool
) -> _Parts:
    """The words of the fast-path lines without their "▁", the words of the other
    lines, and the same two for the last words of the sentences (if wanted)."""
    # Lines are joined by newlines, which must stay; str.translate is slow next to a
    # search, so only batches that need it are translated.
    table = {c: v for c, v in table.items() if c != 10}
    find = (
        re.compile("[" + "".join(re.escape(chr(c)) for c in table) + "]").search if table else None
    )
    out: _Parts = (Counter(), Counter(), Counter(), Counter())
    ends = out if want_ends else None
    bulk = SpaceWordCounter(want_ends)
    it = iter(sentences)
    while batch := list(islice(it, _BATCH)):
        _count_batch(batch, table, find, options, bulk, out, ends)
    words, lasts = bulk.to_dicts()
    out[0].update(words)
    out[2].update(lasts)
    return out


def _combine(bare: Mapping[str, int], slow: Mapping[str, int]) -> Counter[str]:
    counts = Counter({SPACE_SYMBOL + w: n for w, n in bare.items()})
    get = counts.get
    for w, n in slow.items():
        counts[w] = get(w, 0) + n
    return counts


def _add(total: dict[str, int], part: Mapping[str, int]) -> None:
    # Counter.update(mapping) costs a Python-level __missing__ per new key; this does not.
    get = total.get
    for w, n in part.items():
        total[w] = get(w, 0) + n


#: Bytes of text per block of the file counter (cut after a newline).
_BLOCK_BYTES = 4 << 20
#: With ``processes=None``, smaller inputs are counted in this process.
_PARALLEL_MIN_BYTES = 4 << 20


def _blocks(path: str, progress: Any, longest: int) -> Iterator[tuple[int, int, bytes]]:
    """``(byte offset, lines before, block)``: the file in blocks that end at a newline.

    A line longer than ``longest`` bytes that a block would end in is replaced by an
    empty line (training skips such lines anyway) and read past in pieces, so that
    a huge line is never held whole.
    """
    f = _open(path)
    offset = 0
    lines = 0
    try:
        while True:
            data = f.read(_BLOCK_BYTES)
            if not data:
                break
            read = len(data)
            if not data.endswith(b"\n"):
                start = data.rfind(b"\n") + 1
                room = longest + 2 - (len(data) - start)  # what the line may still take
                tail = f.readline(room) if room > 0 else b""
                read += len(tail)
                if room > 0 and (tail.endswith(b"\n") or len(tail) < room):
                    data += tail  # the line ends (or the file does) within reach
                else:
                    # Longer than any sentence: read past it in pieces, keep the line count.
                    ended = tail.endswith(b"\n")
                    while not ended:
                        piece = f.readline(1 << 20)
                        if not piece:
                            break
                        read += len(piece)
                        ended = piece.endswith(b"\n")
                    data = data[:start] + (b"\n" if ended else b"")
            if progress is not None:
                progress.update(read)
            yield offset, lines, data
            offset += read
            lines += data.count(b"\n")
    except OSError as e:
        raise CorpusError(f"{path}: read failed at byte {offset} ({e})") from e
    except EOFError as e:
        raise CorpusError(f"{path}: truncated compressed file ({e})") from e
    finally:
        if f is not sys.stdin.buffer:
            f.close()


_WORKER_OPTIONS: dict[str, Any] = {}


def _set_worker_options(options: dict[str, Any]) -> None:
    _WORKER_OPTIONS.clear()
    _WORKER_OPTIONS.update(options)


def _count_block(job: tuple[bytes, str]) -> tuple[Any, int]:
    """Worker: ``((bare, slow) counts, 0)`` of one block, or ``(None, position of bad UTF-8)``."""
    data, errors = job
    try:
        text = data.decode("utf-8", errors)
    except UnicodeDecodeError as e:
        return None, e.start
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()
    opts = dict(_WORKER_OPTIONS)
    table = opts.pop("ascii_table")
    want_ends = opts.pop("want_ends")
    if isinstance(table, dict) and _fast_flags(opts):
        return _count_parts(lines, table, _options_tuple(opts), want_ends), 0
    ends: Counter[str] = Counter()
    counts = count_sentence_words(
        lines, ascii_table=None, sentence_ends=ends if want_ends else None, **opts
    )
    return (Counter(), counts, Counter(), ends), 0


def count_sentence_words_in_files(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    errors: str = "strict",
    processes: int | None = None,
    show_progress: bool = False,
    sentence_ends: Counter[str] | None = None,
    **options: Any,
) -> Counter[str]:
    """:func:`count_sentence_words` over the lines of files, in several processes.

    The files are read in blocks of whole lines (``.gz`` decompressed, ``"-"``:
    stdin) by this process; ``processes`` workers count the blocks and the counts
    are added up in block order, so the result (its order included) is the same
    for any number of processes.

    Args:
        paths: a path or a list of paths.
        errors: invalid UTF-8: ``"strict"`` (an error naming the file, line and
            byte offset), ``"replace"`` or ``"ignore"``.
        processes: worker processes (None: one per core for inputs over 4 MB
            or of unknown size; 1: count here). An input of one block or less
            is always counted here.
        show_progress: a progress bar over the bytes read.
        sentence_ends: if given, the last word of each sentence is counted into it.
        **options: the options of :func:`count_sentence_words`.

    Returns:
        word -> count.

    Raises:
        CorpusError: a file cannot be read or is not UTF-8.
        ConfigError: ``errors`` or ``processes`` is invalid.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("a b a\\nb\\n")
    >>> sorted(count_sentence_words_in_files(f.name, normalize=None, processes=1).items())
    [('▁a', 2), ('▁b', 2)]
    """
    # 1. the options, checked; the ASCII fast path's table; how many workers
    _check_counting(errors, processes)
    files = resolve_files(paths)
    if options.get("ascii_table", True) is True:
        options["ascii_table"] = ascii_translation(options.get("normalize"))
    options["want_ends"] = sentence_ends is not None
    longest = options.get("max_sentence_length", _DEFAULT_MAX_SENTENCE_LENGTH)
    workers = _workers(processes, total_size(files))
    # 2. the blocks counted here or in a pool, added up in block order
    total: tuple[dict[str, int], ...] = ({}, {}, {}, {})
    with file_progress(files, show_progress) as bar:
        count = _count_here if workers == 1 else _count_in_pool
        count(files, bar, longest, errors, options, workers, total)
    # 3. the parts joined into words
    return _finish(total, sentence_ends)


def _check_counting(errors: str, processes: int | None) -> None:
    if errors not in ("strict", "replace", "ignore"):
        raise ConfigError(f"errors must be 'strict', 'replace' or 'ignore', got {errors!r}")
    if processes is not None and (
        not isinstance(processes, int) or isinstance(processes, bool) or processes < 1
    ):
        raise ConfigError(f"processes must be a positive integer, got {processes!r}")


def _workers(processes: int | None, size: int | None) -> int:
    """The counting processes: ``processes``, or one per core for a big or unsized input."""
    if processes is None:
        big = size is None or size >= _PARALLEL_MIN_BYTES
        processes = (os.cpu_count() or 1) if big else 1
    # One block (or less) of text: a pool would only add its start-up time.
    return 1 if size is not None and size <= _BLOCK_BYTES else processes


def _count_here(
    files: list[str],
    bar: Any,
    longest: int,
    errors: str,
    options: dict[str, Any],
    workers: int,
    total: tuple[dict[str, int], ...],
) -> None:
    """Count every block in this process, into ``total``."""
    _set_worker_options(options)
    for path in files:
        for offset, before, data in _blocks(path, bar, longest):
            counts, bad = _count_block((data, errors))
            _check_block(path, offset, before, data, counts, bad)
            for mine, part in zip(total, counts):
                _add(mine, part)


def _count_in_pool(
    files: list[str],
    bar: Any,
    longest: int,
    errors: str,
    options: dict[str, Any],
    workers: int,
    total: tuple[dict[str, int], ...],
) -> None:
    """Count the blocks in ``workers`` processes, into ``total`` in block order."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with worker_pool(ctx, workers, _set_worker_options, (options,)) as pool:
        for path in files:
            # At most 2 blocks per worker in flight: memory stays bounded on big
            # files, and results are taken in block order.
            pending: deque[tuple[int, int, bytes, Any]] = deque()
            for offset, before, data in _blocks(path, bar, longest):
                pending.append(
                    (offset, before, data, pool.apply_async(_count_block, ((data, errors),)))
                )
                if len(pending) >= 2 * workers:
                    _take(path, pending.popleft(), total)
            while pending:
                _take(path, pending.popleft(), total)


def _finish(total: tuple[dict[str, int], ...], sentence_ends: Counter[str] | None) -> Counter[str]:
    if sentence_ends is not None:
        sentence_ends.update(_combine(total[2], total[3]))
    return _combine(total[0], total[1])


def _take(path: str, item: tuple[int, int, bytes, Any], total: tuple[dict[str, int], ...]) -> None:
    offset, before, data, result = item
    counts, bad = result.get()
    _check_block(path, offset, before, data, counts, bad)
    for mine, part in zip(total, counts):
        _add(mine, part)


def _check_block(path: str, offset: int, before: int, data: bytes, counts: Any, bad: int) -> None:
    if counts is None:
        line = before + data.count(b"\n", 0, bad) + 1
        raise CorpusError(
            f"{path}: invalid UTF-8 at byte {offset + bad} (line {line}); "
            "fix the file or pass errors='replace' (CLI: --errors replace)"
        )


def _count_batch(
    lines: list[str],
    table: dict[int, str],
    find: Callable[[str], Any] | None,
    options: tuple[Any, ...],
    bulk: Any,
    out: tuple[Counter[str], Counter[str], Counter[str], Counter[str]],
    ends: tuple[Counter[str], Counter[str], Counter[str], Counter[str]] | None,
) -> None:
    # With the default whitespace flags an ASCII line's words are its non-empty
    # space-separated parts, each with "▁" in front; normalizing it is a char-by-char
    # translation (ascii_translation). So a batch of such lines, joined by newlines and
    # translated once, is counted by the core's SpaceWordCounter (``bulk``) without a
    # Python string per word; its words go to out[0], its lines' last words to
    # ends[2] (both without the "▁"). Lines that are not ASCII, hold NUL or a newline,
    # are too long, or whose text holds a meta piece (or would not be ASCII once
    # normalized) take the exact per-line path.
    max_len = options[-1]
    pieces = options[1]
    joined = "".join(lines)
    if (
        joined.isascii()
        and "\x00" not in joined
        and joined.count("\n") == len(lines)
        and all(line[-1:] == "\n" for line in lines)
        and max(map(len, lines)) <= max_len + 1
    ):
        # The usual batch: every line is a fast-path line ending in its one newline.
        plain: list[str] | None = None  # the lines without their newline, if needed
        text = joined[:-1]
    else:
        plain = []
        for line in lines:
            if line.endswith("\n"):
                line = line[:-1]
            if line.isascii() and len(line) <= max_len and "\x00" not in line and "\n" not in line:
                plain.append(line)
            else:
                _exact(line, options, out, ends)
        if not plain:
            return
        text = "\n".join(plain)
    if find is not None and find(text):
        text = text.translate(table)
    if any(p in text for p in pieces) or not text.isascii():
        for line in plain if plain is not None else [line[:-1] for line in lines]:
            _exact(line, options, out, ends)
        return
    bulk.add(text)


def _exact(
    line: str,
    options: tuple[Any, ...],
    out: tuple[Counter[str], ...],
    ends: tuple[Counter[str], ...] | None,
) -> None:
    words = _line_words(line, *options)
    if words:
        out[1].update(words)
        if ends is not None:
            ends[3][words[-1]] += 1


def _float32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def _valid_codepoint(cp: int) -> bool:
    return cp < 0xD800 or 0xE000 <= cp <= 0x10FFFF


def char_frequencies(counts: Mapping[str, int]) -> dict[str, int]:
    """Occurrences of each char, weighted by word count (counts <= 0 are ignored).

    The words with the same count are joined and counted at C speed, then
    weighted: far fewer Python steps than one per char occurrence.

    >>> sorted(char_frequencies({"ab": 2, "b": 1, "c": 0}).items())
    [('a', 2), ('b', 3)]
    """
    by_count: dict[int, list[str]] = {}
    for word, count in counts.items():
        if count > 0:
            by_count.setdefault(count, []).append(word)
    freq: dict[str, int] = {}
    for count, words in by_count.items():
        for ch, n in Counter("".join(words)).items():
            freq[ch] = freq.get(ch, 0) + n * count
    return freq


def required_chars(counts: Mapping[str, int], character_coverage: float = 0.9995) -> list[str]:
    """The characters SentencePiece keeps, most frequent first.

    A character's frequency is its number of occurrences weighted by word
    count. Characters are taken in order of decreasing frequency (ties: smaller
    code point) until the ones taken cover ``character_coverage`` of all
    character occurrences; the test is SentencePiece's, made in float32 BEFORE
    each character is added. TAB is counted but never kept; NUL is ignored.

    Args:
        counts: word -> count, as :func:`count_sentence_words` returns.
        character_coverage: fraction of character occurrences to cover.

    Returns:
        The kept characters, in SentencePiece's order (the order in which a
        SentencePiece BPE vocabulary lists them after the merged pieces).

    >>> required_chars({"▁aab": 3, "▁c": 1}, 0.9)
    ['a', '▁', 'b']
    """
    freq = char_frequencies(counts)
    freq.pop("\x00", None)
    for ch in [c for c in freq if not _valid_codepoint(ord(c))]:
        del freq[ch]
    total = sum(freq.values())
    target = _float32(character_coverage)
    kept: list[str] = []
    covered = 0
    for ch, n in sorted(freq.items(), key=lambda kv: (-kv[1], kv[0])):
        if total and _float32(covered / total) >= target:
            break
        covered += n
        if ch != _BOUNDARY:
            kept.append(ch)
    return kept


# -- Unicode scripts -----------------------------------------------------------

# SentencePiece classifies characters by Unicode 9.0's Scripts.txt; a character
# not listed there (assigned later, or unassigned) is Common. This table is
# that data: per script, the code-point ranges (hex) of the characters
# assigned by Unicode 9.0. It was generated from the Unicode Character Database
# (Unicode 14 script ranges, keeping the code points ``\p{Present_In: 9.0}``)
# and checked against sentencepiece 0.2.3 by training on every assigned
# character below U+30000 paired with a probe character of its script and of
# another script. Four characters changed script after 9.0 and are listed
# here as sentencepiece has them: U+0589 and U+061C are Common, U+0953..U+0954
# are Devanagari. tests/test_sp_pretokenize.py repeats the check on a sample.
_SCRIPT_TABLE = """
Adlam 1E900-1E94A 1E950-1E959 1E95E-1E95F
Ahom 11700-11719 1171D-1172B 11730-1173F
Anatolian_hieroglyphs 14400-14646
Arabic 600-604 606-60B 60D-61A 61E 620-63F 641-64A 656-66F 671-6DC 6DE-6FF 750-77F 8A0-8B4
    8B6-8BD 8D4-8E1 8E3-8FF FB50-FBC1 FBD3-FD3D FD50-FD8F FD92-FDC7 FDF0-FDFD FE70-FE74
    FE76-FEFC 10E60-10E7E 1EE00-1EE03 1EE05-1EE1F 1EE21-1EE22 1EE24 1EE27 1EE29-1EE32
    1EE34-1EE37 1EE39 1EE3B 1EE42 1EE47 1EE49 1EE4B 1EE4D-1EE4F 1EE51-1EE52 1EE54 1EE57 1EE59
    1EE5B 1EE5D 1EE5F 1EE61-1EE62 1EE64 1EE67-1EE6A 1EE6C-1EE72 1EE74-1EE77 1EE79-1EE7C 1EE7E
    1EE80-1EE89 1EE8B-1EE9B 1EEA1-1EEA3 1EEA5-1EEA9 1EEAB-1EEBB 1EEF0-1EEF1
Armenian 531-556 559-55F 561-587 58A 58D-58F FB13-FB17
Avestan 10B00-10B35 10B39-10B3F
Balinese 1B00-1B4B 1B50-1B7C
Bamum A6A0-A6F7 16800-16A38
Bassa_vah 16AD0-16AED 16AF0-16AF5
Batak 1BC0-1BF3 1BFC-1BFF
Bengali 980-983 985-98C 98F-990 993-9A8 9AA-9B0 9B2 9B6-9B9 9BC-9C4 9C7-9C8 9CB-9CE 9D7 9DC-9DD
    9DF-9E3 9E6-9FB
Bhaiksuki 11C00-11C08 11C0A-11C36 11C38-11C45 11C50-11C6C
Bopomofo 2EA-2EB 3105-312D 31A0-31BA
Brahmi 11000-1104D 11052-1106F 1107F
Braille 2800-28FF
Buginese 1A00-1A1B 1A1E-1A1F
Buhid 1740-1753
Canadian_aboriginal 1400-167F 18B0-18F5
Carian 102A0-102D0
Caucasian_albanian 10530-10563 1056F
Chakma 11100-11134 11136-11143
Cham AA00-AA36 AA40-AA4D AA50-AA59 AA5C-AA5F
Cherokee 13A0-13F5 13F8-13FD AB70-ABBF
Coptic 3E2-3EF 2C80-2CF3 2CF9-2CFF
Cuneiform 12000-12399 12400-1246E 12470-12474 12480-12543
Cypriot 10800-10805 10808 1080A-10835 10837-10838 1083C 1083F
Cyrillic 400-484 487-52F 1C80-1C88 1D2B 1D78 2DE0-2DFF A640-A69F FE2E-FE2F
Deseret 10400-1044F
Devanagari 900-950 953-963 966-97F A8E0-A8FD
Duployan 1BC00-1BC6A 1BC70-1BC7C 1BC80-1BC88 1BC90-1BC99 1BC9C-1BC9F
Egyptian_hieroglyphs 13000-1342E
Elbasan 10500-10527
Ethiopic 1200-1248 124A-124D 1250-1256 1258 125A-125D 1260-1288 128A-128D 1290-12B0 12B2-12B5
    12B8-12BE 12C0 12C2-12C5 12C8-12D6 12D8-1310 1312-1315 1318-135A 135D-137C 1380-1399
    2D80-2D96 2DA0-2DA6 2DA8-2DAE 2DB0-2DB6 2DB8-2DBE 2DC0-2DC6 2DC8-2DCE 2DD0-2DD6 2DD8-2DDE
    AB01-AB06 AB09-AB0E AB11-AB16 AB20-AB26 AB28-AB2E
Georgian 10A0-10C5 10C7 10CD 10D0-10FA 10FC-10FF 2D00-2D25 2D27 2D2D
Glagolitic 2C00-2C2E 2C30-2C5E 1E000-1E006 1E008-1E018 1E01B-1E021 1E023-1E024 1E026-1E02A
Gothic 10330-1034A
Grantha 11300-11303 11305-1130C 1130F-11310 11313-11328 1132A-11330 11332-11333 11335-11339
    1133C-11344 11347-11348 1134B-1134D 11350 11357 1135D-11363 11366-1136C 11370-11374
Greek 370-373 375-377 37A-37D 37F 384 386 388-38A 38C 38E-3A1 3A3-3E1 3F0-3FF 1D26-1D2A
    1D5D-1D61 1D66-1D6A 1DBF 1F00-1F15 1F18-1F1D 1F20-1F45 1F48-1F4D 1F50-1F57 1F59 1F5B 1F5D
    1F5F-1F7D 1F80-1FB4 1FB6-1FC4 1FC6-1FD3 1FD6-1FDB 1FDD-1FEF 1FF2-1FF4 1FF6-1FFE 2126 AB65
    10140-1018E 101A0 1D200-1D245
Gujarati A81-A83 A85-A8D A8F-A91 A93-AA8 AAA-AB0 AB2-AB3 AB5-AB9 ABC-AC5 AC7-AC9 ACB-ACD AD0
    AE0-AE3 AE6-AF1 AF9
Gurmukhi A01-A03 A05-A0A A0F-A10 A13-A28 A2A-A30 A32-A33 A35-A36 A38-A39 A3C A3E-A42 A47-A48
    A4B-A4D A51 A59-A5C A5E A66-A75
Han 2E80-2E99 2E9B-2EF3 2F00-2FD5 3005 3007 3021-3029 3038-303B 3400-4DB5 4E00-9FD5 F900-FA6D
    FA70-FAD9 20000-2A6D6 2A700-2B734 2B740-2B81D 2B820-2CEA1 2F800-2FA1D
Hangul 1100-11FF 302E-302F 3131-318E 3200-321E 3260-327E A960-A97C AC00-D7A3 D7B0-D7C6 D7CB-D7FB
    FFA0-FFBE FFC2-FFC7 FFCA-FFCF FFD2-FFD7 FFDA-FFDC
Hanunoo 1720-1734
Hatran 108E0-108F2 108F4-108F5 108FB-108FF
Hebrew 591-5C7 5D0-5EA 5F0-5F4 FB1D-FB36 FB38-FB3C FB3E FB40-FB41 FB43-FB44 FB46-FB4F
Hiragana 3041-3096 309D-309F 1B001 1F200
Imperial_aramaic 10840-10855 10857-1085F
Inherited 300-36F 485-486 64B-655 670 951-952 1AB0-1ABE 1CD0-1CD2 1CD4-1CE0 1CE2-1CE8 1CED 1CF4
    1CF8-1CF9 1DC0-1DF5 1DFB-1DFF 200C-200D 20D0-20F0 302A-302D 3099-309A FE00-FE0F FE20-FE2D
    101FD 102E0 1D167-1D169 1D17B-1D182 1D185-1D18B 1D1AA-1D1AD E0100-E01EF
Inscriptional_pahlavi 10B60-10B72 10B78-10B7F
Inscriptional_parthian 10B40-10B55 10B58-10B5F
Javanese A980-A9CD A9D0-A9D9 A9DE-A9DF
Kaithi 11080-110C1
Kannada C80-C83 C85-C8C C8E-C90 C92-CA8 CAA-CB3 CB5-CB9 CBC-CC4 CC6-CC8 CCA-CCD CD5-CD6 CDE
    CE0-CE3 CE6-CEF CF1-CF2
Katakana 30A1-30FA 30FD-30FF 31F0-31FF 32D0-32FE 3300-3357 FF66-FF6F FF71-FF9D 1B000
Kayah_li A900-A92D A92F
Kharoshthi 10A00-10A03 10A05-10A06 10A0C-10A13 10A15-10A17 10A19-10A33 10A38-10A3A 10A3F-10A47
    10A50-10A58
Khmer 1780-17DD 17E0-17E9 17F0-17F9 19E0-19FF
Khojki 11200-11211 11213-1123E
Khudawadi 112B0-112EA 112F0-112F9
Lao E81-E82 E84 E87-E88 E8A E8D E94-E97 E99-E9F EA1-EA3 EA5 EA7 EAA-EAB EAD-EB9 EBB-EBD
    EC0-EC4 EC6 EC8-ECD ED0-ED9 EDC-EDF
Latin 41-5A 61-7A AA BA C0-D6 D8-F6 F8-2B8 2E0-2E4 1D00-1D25 1D2C-1D5C 1D62-1D65 1D6B-1D77
    1D79-1DBE 1E00-1EFF 2071 207F 2090-209C 212A-212B 2132 214E 2160-2188 2C60-2C7F A722-A787
    A78B-A7AE A7B0-A7B7 A7F7-A7FF AB30-AB5A AB5C-AB64 FB00-FB06 FF21-FF3A FF41-FF5A
Lepcha 1C00-1C37 1C3B-1C49 1C4D-1C4F
Limbu 1900-191E 1920-192B 1930-193B 1940 1944-194F
Linear_a 10600-10736 10740-10755 10760-10767
Linear_b 10000-1000B 1000D-10026 10028-1003A 1003C-1003D 1003F-1004D 10050-1005D 10080-100FA
Lisu A4D0-A4FF
Lycian 10280-1029C
Lydian 10920-10939 1093F
Mahajani 11150-11176
Malayalam D01-D03 D05-D0C D0E-D10 D12-D3A D3D-D44 D46-D48 D4A-D4F D54-D63 D66-D7F
Mandaic 840-85B 85E
Manichaean 10AC0-10AE6 10AEB-10AF6
Marchen 11C70-11C8F 11C92-11CA7 11CA9-11CB6
Meetei_mayek AAE0-AAF6 ABC0-ABED ABF0-ABF9
Mende_kikakui 1E800-1E8C4 1E8C7-1E8D6
Meroitic_cursive 109A0-109B7 109BC-109CF 109D2-109FF
Meroitic_hieroglyphs 10980-1099F
Miao 16F00-16F44 16F50-16F7E 16F8F-16F9F
Modi 11600-11644 11650-11659
Mongolian 1800-1801 1804 1806-180E 1810-1819 1820-1877 1880-18AA 11660-1166C
Mro 16A40-16A5E 16A60-16A69 16A6E-16A6F
Multani 11280-11286 11288 1128A-1128D 1128F-1129D 1129F-112A9
Myanmar 1000-109F A9E0-A9FE AA60-AA7F
Nabataean 10880-1089E 108A7-108AF
New_tai_lue 1980-19AB 19B0-19C9 19D0-19DA 19DE-19DF
Newa 11400-11459 1145B 1145D
Nko 7C0-7FA
Ogham 1680-169C
Ol_chiki 1C50-1C7F
Old_hungarian 10C80-10CB2 10CC0-10CF2 10CFA-10CFF
Old_italic 10300-10323
Old_north_arabian 10A80-10A9F
Old_permic 10350-1037A
Old_persian 103A0-103C3 103C8-103D5
Old_south_arabian 10A60-10A7F
Old_turkic 10C00-10C48
Oriya B01-B03 B05-B0C B0F-B10 B13-B28 B2A-B30 B32-B33 B35-B39 B3C-B44 B47-B48 B4B-B4D B56-B57
    B5C-B5D B5F-B63 B66-B77
Osage 104B0-104D3 104D8-104FB
Osmanya 10480-1049D 104A0-104A9
Pahawh_hmong 16B00-16B45 16B50-16B59 16B5B-16B61 16B63-16B77 16B7D-16B8F
Palmyrene 10860-1087F
Pau_cin_hau 11AC0-11AF8
Phags_pa A840-A877
Phoenician 10900-1091B 1091F
Psalter_pahlavi 10B80-10B91 10B99-10B9C 10BA9-10BAF
Rejang A930-A953 A95F
Runic 16A0-16EA 16EE-16F8
Samaritan 800-82D 830-83E
Saurashtra A880-A8C5 A8CE-A8D9
Sharada 11180-111CD 111D0-111DF
Shavian 10450-1047F
Siddham 11580-115B5 115B8-115DD
SignWriting 1D800-1DA8B 1DA9B-1DA9F 1DAA1-1DAAF
Sinhala D82-D83 D85-D96 D9A-DB1 DB3-DBB DBD DC0-DC6 DCA DCF-DD4 DD6 DD8-DDF DE6-DEF DF2-DF4
    111E1-111F4
Sora_sompeng 110D0-110E8 110F0-110F9
Sundanese 1B80-1BBF 1CC0-1CC7
Syloti_nagri A800-A82B
Syriac 700-70D 70F-74A 74D-74F
Tagalog 1700-170C 170E-1714
Tagbanwa 1760-176C 176E-1770 1772-1773
Tai_le 1950-196D 1970-1974
Tai_tham 1A20-1A5E 1A60-1A7C 1A7F-1A89 1A90-1A99 1AA0-1AAD
Tai_viet AA80-AAC2 AADB-AADF
Takri 11680-116B7 116C0-116C9
Tamil B82-B83 B85-B8A B8E-B90 B92-B95 B99-B9A B9C B9E-B9F BA3-BA4 BA8-BAA BAE-BB9 BBE-BC2
    BC6-BC8 BCA-BCD BD0 BD7 BE6-BFA
Tangut 16FE0 17000-187EC 18800-18AF2
Telugu C00-C03 C05-C0C C0E-C10 C12-C28 C2A-C39 C3D-C44 C46-C48 C4A-C4D C55-C56 C58-C5A C60-C63
    C66-C6F C78-C7F
Thaana 780-7B1
Thai E01-E3A E40-E5B
Tibetan F00-F47 F49-F6C F71-F97 F99-FBC FBE-FCC FCE-FD4 FD9-FDA
Tifinagh 2D30-2D67 2D6F-2D70 2D7F
Tirhuta 11480-114C7 114D0-114D9
Ugaritic 10380-1039D 1039F
Vai A500-A62B
Warang_citi 118A0-118F2 118FF
Yi A000-A48C A490-A4C6
"""


def _load_scripts() -> tuple[list[int], list[int], list[str]]:
    ranges: list[tuple[int, int, str]] = []
    name = ""
    for line in _SCRIPT_TABLE.strip().splitlines():
        if not line.startswith(" "):
            name, line = line.split(" ", 1)
        for item in line.split():
            lo, _, hi = item.partition("-")
            ranges.append((int(lo, 16), int(hi or lo, 16), name))
    ranges.sort()
    return [r[0] for r in ranges], [r[1] for r in ranges], [r[2] for r in ranges]


_STARTS, _ENDS, _NAMES = _load_scripts()
_HAN_LIKE = frozenset({"Han", "Hiragana", "Katakana"})
_ANY = ""  # SentencePiece's "any script" (no constraint)


def char_script(ch: str) -> str:
    """The Unicode script of ``ch`` as SentencePiece sees it (``"Common"`` if unlisted).

    >>> char_script("a"), char_script("1"), char_script("\u0301"), char_script("\u20bf")
    ('Latin', 'Common', 'Inherited', 'Common')
    """
    cp = ord(ch)
    i = bisect_right(_STARTS, cp) - 1
    if i >= 0 and cp <= _ENDS[i]:
        return _NAMES[i]
    return "Common"


def _is_decimal(ch: str) -> bool:
    return "0" <= ch <= "9" or "\uff10" <= ch <= "\uff19"


def _never_in_piece(ch: str) -> bool:
    cp = ord(ch)
    return ch in (UNKNOWN_CHAR, "\x00", "\t", " ") or not _valid_codepoint(cp)


def _script_class(ch: str, split_by_number: bool) -> str | None:
    """The script used for splitting; ``None`` for Inherited (takes the previous one)."""
    if not split_by_number and _is_decimal(ch):
        return _ANY
    s = char_script(ch)
    if s in _HAN_LIKE or ch == "\u30fc":
        return "Han"
    if s == "Inherited":
        return None
    return s


def is_valid_piece(
    piece: str,
    *,
    max_piece_length: int = 16,
    split_by_unicode_script: bool = True,
    split_by_number: bool = True,
    split_digits: bool = False,
    treat_whitespace_as_suffix: bool = False,
    split_by_whitespace: bool = True,
) -> bool:
    """Whether SentencePiece may make ``piece`` a piece (``IsValidSentencePiece``).

    A valid piece is 1 to ``max_piece_length`` chars long; has no TAB, NUL,
    space, U+2585 or surrogate; has ``▁`` only first (last with
    ``treat_whitespace_as_suffix``; with ``split_by_whitespace=False`` also in
    the middle, but not at the other end); with ``split_digits`` a digit
    (0-9 or fullwidth) is a piece alone; and with ``split_by_unicode_script``
    no two consecutive non-``▁`` chars have different scripts, where Hiragana
    and Katakana count as Han, an Inherited char takes the script of the char
    before it (no script at the start), and with ``split_by_number=False`` a
    digit has no script.

    >>> is_valid_piece("▁abc"), is_valid_piece("ab▁"), is_valid_piece("a1")
    (True, False, False)
    >>> is_valid_piece("a1b", split_by_number=False)
    True
    """
    n = len(piece)
    if n == 0 or n > max_piece_length:
        return False
    prev: str = _ANY
    for pos, ch in enumerate(piece):
        if _never_in_piece(ch):
            return False
        if ch == SPACE_SYMBOL:
            if treat_whitespace_as_suffix:
                if (split_by_whitespace and pos < n - 1) or (
                    not split_by_whitespace and pos == 0 and pos < n - 1
                ):
                    return False
            elif (split_by_whitespace and pos > 0) or (
                not split_by_whitespace and pos > 0 and pos == n - 1
            ):
                return False
            continue
        s = _script_class(ch, split_by_number)
        if s is None:
            s = prev
        if split_digits and _is_decimal(ch) and n > 1:
            return False
        if split_by_unicode_script and s != _ANY and prev != _ANY and s != prev:
            return False
        prev = s
    return True


def piece_boundaries(
    word: str,
    *,
    split_by_unicode_script: bool = True,
    split_by_number: bool = True,
    split_digits: bool = False,
    treat_whitespace_as_suffix: bool = False,
    known: Callable[[str], bool] | None = None,
) -> list[int]:
    """Positions ``i`` (0 < i < len(word)) where no valid piece spans ``word[i-1:i+1]``.

    For ``split_by_whitespace=True`` (which this assumes). A BPE trainer that
    never merges across these cuts, and caps pieces at ``max_piece_length``,
    builds exactly the valid pieces, because every rule of
    :func:`is_valid_piece` but one is a property of adjacent characters:

    * a char that can never be in a piece (TAB, NUL, U+2585, unknown chars when
      ``known`` is given) is cut off on both sides; so is a digit with
      ``split_digits`` (any longer piece holding it is invalid);
    * ``▁`` may only start a piece (end it, ``treat_whitespace_as_suffix``):
      cut before (after) every ``▁`` not at the start (end) of the word; then
      ``▁`` never sits between two chars of a piece, so the script test only
      compares chars that are adjacent in the word;
    * scripts: the test between ``x`` and the next char ``y`` depends only on
      ``y`` and the script carried by ``x``, which is ``x``'s own unless ``x`` is
      Inherited (a combining mark, ZWJ, ...).

    The exception is an Inherited run: its script comes from the char before
    the run. This function carries it from the last cut, so a piece that
    starts INSIDE the run (where SentencePiece gives the run no script) and
    continues into a char of another script is not allowed here, though
    SentencePiece allows it; e.g. in ``"é,"`` written with U+0301, the piece
    ``"\u0301,"``. Only that case differs: cuts never allow an invalid piece.

    >>> piece_boundaries("▁ab1c,d")
    [3, 4, 5, 6]
    """
    cuts: list[int] = []
    prev: str = _ANY

    def isolated(ch: str) -> bool:
        return (
            _never_in_piece(ch)
            or (known is not None and not known(ch))
            or (split_digits and _is_decimal(ch))
        )

    for i, ch in enumerate(word):
        cut = False
        if i > 0:
            before = word[i - 1]
            if isolated(ch) or isolated(before):
                cut = True
            elif treat_whitespace_as_suffix:
                cut = before == SPACE_SYMBOL
            else:
                cut = ch == SPACE_SYMBOL
        if cut:
            cuts.append(i)
            prev = _ANY
        if ch == SPACE_SYMBOL:
            continue
        s = _script_class(ch, split_by_number)
        if s is None:
            s = prev
        elif split_by_unicode_script and not cut and s != _ANY and prev != _ANY and s != prev:
            cuts.append(i)
        prev = s
    return cuts


def segment_counts(
    counts: Mapping[str, int],
    *,
    split_by_unicode_script: bool = True,
    split_by_number: bool = True,
    split_digits: bool = False,
    treat_whitespace_as_suffix: bool = False,
    known: Callable[[str], bool] | None = None,
) -> dict[str, int]:
    """The words of ``counts`` cut at :func:`piece_boundaries`, the parts' counts summed.

    What :func:`piece_boundaries` and :func:`split_at_boundaries` give word by word,
    run on the core, which classifies each distinct char once (words of one char, or
    counted 0 or less, and parts of one char are left out: they have no pair).

    >>> segment_counts({"▁ab,c": 2, "▁ab": 1})
    {'▁ab': 3}
    """
    script_ids: dict[str | None, int] = {None: SEGMENT_INHERITED, _ANY: SEGMENT_ANY}

    def classify(ch: str) -> int:
        alone = (
            _never_in_piece(ch)
            or (known is not None and not known(ch))
            or (split_digits and _is_decimal(ch))
        )
        space = ch == SPACE_SYMBOL
        script = None if space else _script_class(ch, split_by_number)
        # Script numbers are only compared for equality: first-come numbering is fine.
        sid = script_ids.setdefault(script, len(script_ids))
        return (SEGMENT_ALONE if alone else 0) | (SEGMENT_SPACE if space else 0) | sid << 2

    return sum_segments(
        counts if type(counts) is dict else dict(counts),
        {},
        treat_whitespace_as_suffix,
        split_by_unicode_script,
        classify,
    )


def split_at_boundaries(word: str, cuts: Sequence[int]) -> list[str]:
    """``word`` cut at ``cuts`` (increasing positions).

    >>> split_at_boundaries("▁ab,c", [3, 4])
    ['▁ab', ',', 'c']
    """
    parts: list[str] = []
    start = 0
    for c in cuts:
        parts.append(word[start:c])
        start = c
    parts.append(word[start:])
    return parts
