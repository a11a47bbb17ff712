"""Word-counts files: the counting phase of training, saved so it runs once, anywhere.

Training splits in two: counting the words of all the text (a map-reduce over
bytes, see :mod:`tokenlab.corpus` and :mod:`tokenlab.distributed`) and merging
over the unique words. A counts file holds the result of the first half, so the
second can run later, elsewhere, or several times; training from it gives
exactly the tokenizer that training from the text gives (same settings).

The format (version 1), UTF-8, one record per line, lines end with ``\\n``:

* line 1: ``#tokenlab-counts 1`` (magic and format version);
* line 2: ``#`` followed by one JSON object (ASCII, keys sorted) with
  ``settings`` (every setting that changes which words are counted, see
  :class:`CountSettings`), ``unique_words`` and ``total_count`` (so a cut-off
  file is detected);
* then one line per word: ``WORD<TAB>COUNT``, COUNT a decimal integer >= 1 with
  no sign or leading zero, WORD escaped so that any string round-trips:
  ``\\\\`` is a backslash, ``\\t`` TAB, ``\\n`` LF, ``\\r`` CR, and
  ``\\xHH`` (two lowercase hex digits) any other char below U+0020 or U+007F;
  every other char is itself. A WORD never holds a raw TAB, so the line splits
  unambiguously; the empty word is an empty field.
* order: count descending, then word (code point order), so the same counts
  always give the same bytes;
* a name ending in ``.gz`` is gzip-compressed (no name or time stamp inside,
  so the bytes stay deterministic).

Files are written atomically; the reader checks everything (magic, version,
header, escapes, counts, duplicates, totals) and names the file and line of
any fault.

Not supported: words holding lone surrogates (they cannot be UTF-8; text read
from files never has them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import json
import operator
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from . import corpus
from ._atomic import atomic_write
from ._defaults import (
    DEFAULTS,
    SENTENCEPIECE_ALGORITHMS,
    check_algorithm,
    normalizer_of,
    pre_tokenizer_of,
)
from ._sp_options import SentencePieceOptions, counting_options
from .charsmap import CharsMap
from .errors import ConfigError, CorpusError, ModelFileError
from .normalizers import normalizer_from_dict
from .pre_tokenizers import pre_tokenizer_from_dict
from .sp_pretokenize import count_sentence_words, count_sentence_words_in_files

__all__ = [
    "FORMAT_VERSION",
    "CountSettings",
    "WordCounts",
    "as_counts",
    "check_settings",
    "check_tokenizer_counts",
    "count_files",
    "join_partial_counts",
    "load_counts",
    "prune",
    "save_counts",
]

FORMAT_VERSION = 1
_MAGIC = "#tokenlab-counts"
PathLike = str | os.PathLike[str]

# Settings that only describe how the file was made; they never make counts unusable.
_INFORMATIONAL = ("algorithm", "errors", "lowercase", "min_count")

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ESCAPE_TABLE = {
    cp: _ESCAPES.get(chr(cp), f"\\x{cp:02x}") for cp in [*range(0x20), 0x7F, ord("\\")]
}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_ESCAPE_RE = re.compile(r"\\(x[0-9a-f]{2}|.)?", re.DOTALL)
_COUNT_RE = re.compile(r"[1-9][0-9]*")


def _escape(word: str) -> str:
    return word.translate(_ESCAPE_TABLE)


def _unescape(field: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code is None:
            raise ValueError("a backslash ends the word")
        if len(code) == 3:
            ch = chr(int(code[1:], 16))
            if not (ch < " " or ch == "\x7f") or ch in "\t\n\r":
                raise ValueError(f"\\{code} must be written as itself or \\t, \\n, \\r")
            return ch
        if code not in _UNESCAPES:
            raise ValueError(f"unknown escape \\{code}")
        return _UNESCAPES[code]

    return _ESCAPE_RE.sub(one, field)


# ---------------------------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class CountSettings:
    """Everything that decides which words a text gives, as a counts file records it.

    Two kinds of words exist. ``"words"``: the text of each line normalized by
    ``normalizer`` and split by ``pre_tokenizer`` (both as their ``tokenizer.json``
    dicts), what :class:`~tokenlab.BPETrainer` and
    :class:`~tokenlab.WordPieceTrainer` train on. ``"sentencepiece"``: the
    ``▁``-escaped words of :meth:`tokenlab.sentencepiece_bpe.SentencePieceOptions.count_words`,
    what the ``sp-bpe`` and ``unigram`` trainers train on; ``sentencepiece``
    holds the options that change them (the normalization, identified by name
    or the SHA-256 of its charsmap, whitespace handling, the longest sentence,
    the meta pieces that cut words).

    ``algorithm``, ``lowercase`` (also inside the normalizer), ``errors`` and
    ``min_count`` are recorded for information only: counts made for ``bpe``
    also serve ``wordpiece`` when the normalizer and pre-tokenizer agree.

    >>> from tokenlab.pre_tokenizers import Whitespace
    >>> s = CountSettings.for_words(None, Whitespace())
    >>> s.kind, s.pre_tokenizer
    ('words', {'type': 'Whitespace'})
    """

    kind: str
    normalizer: dict[str, Any] | None = None
    pre_tokenizer: dict[str, Any] | None = None
    sentencepiece: dict[str, Any] | None = None
    algorithm: str | None = None
    lowercase: bool | None = None
    errors: str = "strict"
    min_count: int = 1
    # The charsmap itself, to count with (the header keeps only its hash).
    charsmap: bytes | None = field(default=None, compare=False, repr=False)

    # -- construction --------------------------------------------------------------------

    @classmethod
    def for_words(
        cls, normalizer: Any, pre_tokenizer: Any, *, algorithm: str | None = None
    ) -> CountSettings:
        """Settings of word counting with a tokenlab normalizer and pre-tokenizer."""
        norm = normalizer.to_dict() if normalizer is not None else None
        return cls(
            kind="words",
            normalizer=norm,
            pre_tokenizer=pre_tokenizer.to_dict() if pre_tokenizer is not None else None,
            algorithm=algorithm,
            lowercase=_lowercases(norm),
        )

    @classmethod
    def for_tokenizer(cls, tokenizer: Any, *, algorithm: str | None = None) -> CountSettings:
        """Settings of the words ``tokenizer.train`` counts (its normalizer and pre-tokenizer)."""
        return cls.for_words(tokenizer.normalizer, tokenizer.pre_tokenizer, algorithm=algorithm)

    @classmethod
    def for_sentencepiece(
        cls, trainer: SentencePieceOptions, *, algorithm: str | None = None
    ) -> CountSettings:
        """Settings of the words a SentencePiece-style trainer counts.

        Args:
            trainer: a SentencePiece trainer, or its :class:`SentencePieceOptions`.
            algorithm: recorded for information.

        Raises:
            ConfigError: the trainer's normalizer is an arbitrary callable, which
                cannot be recorded (use a charsmap or a tokenlab normalizer).
        """
        norm = trainer.normalizer
        owner = getattr(norm, "__self__", norm)
        blob: bytes | None = None
        normalizer_dict: dict[str, Any] | None = None
        if norm is None:
            name = "identity"
        elif isinstance(owner, CharsMap):
            blob = owner.to_bytes()
            if not blob:
                name, blob = "identity", None
            elif blob == CharsMap.nmt_nfkc().to_bytes():
                name = "nmt_nfkc"
            else:
                name = "charsmap"
        elif hasattr(norm, "to_dict") and not isinstance(norm, CharsMap):
            name, normalizer_dict = "normalizer", norm.to_dict()
        else:
            raise ConfigError(
                f"cannot record the SentencePiece normalizer {norm!r} in a counts file: use "
                "normalization 'nmt_nfkc' or 'identity', a CharsMap, or a tokenlab normalizer"
            )
        byte_pieces = {f"<0x{b:02X}>" for b in range(256)} if trainer.byte_fallback else set()
        meta = sorted({p for p, _ in trainer.meta.values()} - byte_pieces)
        options = {
            "normalization": name,
            "charsmap_sha256": hashlib.sha256(blob).hexdigest() if blob else None,
            "normalizer": normalizer_dict,
            "add_dummy_prefix": trainer.add_dummy_prefix,
            "remove_extra_whitespaces": trainer.remove_extra_whitespaces,
            "treat_whitespace_as_suffix": trainer.treat_whitespace_as_suffix,
            "split_by_whitespace": trainer.split_by_whitespace,
            "max_sentence_length": trainer.max_sentence_length,
            "meta_pieces": meta,
            "byte_fallback": trainer.byte_fallback,
        }
        return cls(kind="sentencepiece", sentencepiece=options, algorithm=algorithm, charsmap=blob)

    @classmethod
    def for_training(
        cls,
        algorithm: str = "bpe",
        *,
        pre_tokenizer: Any = None,
        normalizer: Any = None,
        lowercase: bool | None = None,
        **sp_options: Any,
    ) -> CountSettings:
        """The settings :func:`tokenlab.train` counts with, for the same arguments.

        Args:
            algorithm: ``"bpe"``, ``"wordpiece"``, ``"sp-bpe"`` or ``"unigram"``.
            pre_tokenizer, normalizer, lowercase: as for :func:`tokenlab.train`.
            **sp_options: for ``sp-bpe`` and ``unigram``, the trainer options that
                change words (``byte_fallback``, ``user_defined_symbols``,
                ``control_symbols``, the meta pieces and their ids, ...); others
                are accepted and ignored.

        Raises:
            ConfigError: an unknown algorithm or an invalid option.

        >>> CountSettings.for_training("wordpiece").lowercase
        True
        """
        check_algorithm(algorithm)
        if algorithm in SENTENCEPIECE_ALGORITHMS:
            for name, value in (("pre_tokenizer", pre_tokenizer), ("lowercase", lowercase)):
                if value:
                    raise ConfigError(f"{name} does not apply to algorithm={algorithm!r}")
            normalization = DEFAULTS[algorithm].normalizer if normalizer is None else normalizer
            options = counting_options(algorithm, normalization, sp_options)
            return cls.for_sentencepiece(options, algorithm=algorithm)
        # The defaults are tokenlab.train's: both read them from tokenlab._defaults.
        pre, _ = pre_tokenizer_of(algorithm, pre_tokenizer)
        return cls.for_words(
            normalizer_of(algorithm, normalizer, lowercase), pre, algorithm=algorithm
        )

    # -- use -----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The header form (no charsmap bytes, only their hash)."""
        return {
            "kind": self.kind,
            "normalizer": self.normalizer,
            "pre_tokenizer": self.pre_tokenizer,
            "sentencepiece": self.sentencepiece,
            "algorithm": self.algorithm,
            "lowercase": self.lowercase,
            "errors": self.errors,
            "min_count": self.min_count,
        }

    @classmethod
    def from_json(cls, d: Any) -> CountSettings:
        """The settings of a header; ValueError when malformed."""
        if not isinstance(d, dict):
            raise ValueError("settings must be a JSON object")
        known = {"kind", "normalizer", "pre_tokenizer", "sentencepiece", *_INFORMATIONAL}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]!r}")
        kind = d.get("kind")
        if kind not in ("words", "sentencepiece"):
            raise ValueError(f"kind must be 'words' or 'sentencepiece', got {kind!r}")
        for key in ("normalizer", "pre_tokenizer", "sentencepiece"):
            if d.get(key) is not None and not isinstance(d[key], dict):
                raise ValueError(f"{key} must be an object or null")
        if kind == "sentencepiece" and d.get("sentencepiece") is None:
            raise ValueError("sentencepiece counts need the 'sentencepiece' settings")
        min_count = d.get("min_count", 1)
        if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
        return cls(
            kind=kind,
            normalizer=d.get("normalizer"),
            pre_tokenizer=d.get("pre_tokenizer"),
            sentencepiece=d.get("sentencepiece"),
            algorithm=d.get("algorithm"),
            lowercase=d.get("lowercase"),
            errors=d.get("errors", "strict"),
            min_count=min_count,
        )

    def differences(self, other: CountSettings) -> list[tuple[str, Any, Any]]:
        """``(setting, mine, other's)`` for each setting that changes the words."""
        if self.kind != other.kind:
            return [("kind of words", self.kind, other.kind)]
        out: list[tuple[str, Any, Any]] = []
        if self.kind == "words":
            for key in ("normalizer", "pre_tokenizer"):
                if getattr(self, key) != getattr(other, key):
                    out.append((key, getattr(self, key), getattr(other, key)))
            return out
        mine, theirs = self.sentencepiece or {}, other.sentencepiece or {}
        for key in sorted(set(mine) | set(theirs)):
            if mine.get(key) != theirs.get(key):
                out.append((key, mine.get(key), theirs.get(key)))
        return out

    def with_options(self, *, errors: str | None = None, min_count: int | None = None) -> Any:
        """A copy with the informational ``errors`` / ``min_count`` set."""
        changes: dict[str, Any] = {}
        if errors is not None:
            changes["errors"] = errors
        if min_count is not None:
            changes["min_count"] = min_count
        return dataclasses.replace(self, **changes)

    def word_counter(self) -> Callable[[Iterable[str]], Counter[Any]]:
        """A function ``texts -> Counter`` that counts as these settings say.

        Partial counts of SentencePiece words also hold the sentence ends (see
        :func:`join_partial_counts`, which turns a sum of them into counts).

        Raises:
            ConfigError: SentencePiece settings with a custom charsmap whose bytes
                are not at hand (only its hash is in a file).
        """
        if self.kind == "words":
            norm = normalizer_from_dict(self.normalizer)
            pre = pre_tokenizer_from_dict(self.pre_tokenizer)
            return lambda texts: corpus.count_words(texts, norm, pre)
        options = self.sentencepiece_count_options()

        def count(texts: Iterable[str]) -> Counter[Any]:
            ends: Counter[str] = Counter()
            counts: Counter[Any] = count_sentence_words(texts, sentence_ends=ends, **options)
            # Partial counts are added up as plain Counters (on Dask too): the sentence
            # ends ride along under (_END, word) keys, which no word (a str) can equal;
            # join_partial_counts takes them apart.
            counts.update({(_END, w): e for w, e in ends.items()})
            return counts

        return count

    def sentencepiece_count_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`tokenlab.sp_pretokenize.count_sentence_words`."""
        sp = dict(self.sentencepiece or {})
        meta = list(sp["meta_pieces"])
        if sp.get("byte_fallback"):
            meta += [f"<0x{b:02X}>" for b in range(256)]
        return {
            "normalize": self._sp_normalize(sp),
            "add_dummy_prefix": sp["add_dummy_prefix"],
            "remove_extra_whitespaces": sp["remove_extra_whitespaces"],
            "treat_whitespace_as_suffix": sp["treat_whitespace_as_suffix"],
            "split_by_whitespace": sp["split_by_whitespace"],
            "max_sentence_length": sp["max_sentence_length"],
            "meta_pieces": meta,
        }

    def _sp_normalize(self, sp: dict[str, Any]) -> Callable[[str], str] | None:
        name = sp.get("normalization")
        if name == "identity":
            return None
        if name == "normalizer":
            norm = normalizer_from_dict(sp.get("normalizer"))
            return norm.normalize_str if norm is not None else None
        blob = self.charsmap
        if blob is None and name == "nmt_nfkc":
            blob = CharsMap.nmt_nfkc().to_bytes()
        if blob is None:
            raise ConfigError(
                "these SentencePiece settings use a custom charsmap that is not at hand; "
                "count with the trainer's settings (CountSettings.for_sentencepiece)"
            )
        return _charsmap_normalizer(blob)


def _charsmap_normalizer(blob: bytes) -> Callable[[str], str] | None:
    """``normalize_str`` of the charsmap ``blob`` (None for identity); cached per process."""
    if not blob:
        return None
    return _charsmap_cached(hashlib.sha256(blob).hexdigest(), blob)


_CHARSMAPS: dict[str, Callable[[str], str]] = {}


def _charsmap_cached(key: str, blob: bytes) -> Callable[[str], str]:
    # Decoding a charsmap takes about half a second: once per worker process, not per chunk.
    fn = _CHARSMAPS.get(key)
    if fn is None:
        fn = CharsMap.from_bytes(blob).normalize_str
        _CHARSMAPS[key] = fn
    return fn


def _lowercases(norm: dict[str, Any] | None) -> bool:
    """Whether a normalizer dict lowercases (for the header's information)."""
    if norm is None:
        return False
    kind = norm.get("type")
    if kind == "Lowercase":
        return True
    if kind == "BertNormalizer":
        return bool(norm.get("lowercase"))
    if kind == "Sequence":
        return any(_lowercases(n) for n in norm.get("normalizers", []))
    return False


# ---------------------------------------------------------------------------------------------
# Counts in memory


class WordCounts(dict[str, int]):
    """word -> count, with the :class:`CountSettings` they were counted with (or None).

    What :func:`load_counts` returns; trainers accept it as any mapping, and
    check its settings against their own.

    >>> c = WordCounts({"a": 2}, settings=None)
    >>> c["a"], c.settings is None
    (2, True)
    """

    def __init__(
        self,
        counts: Mapping[str, int] | Iterable[tuple[str, int]] = (),
        *,
        settings: Any,
        ends: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(counts)
        self.settings: CountSettings | None = settings
        self.source: str | None = None
        # SentencePiece words: how many occurrences of each word end a sentence (the
        # Unigram trainer's seeds depend on it); None when not counted.
        self.ends: dict[str, int] | None = (
            {w: e for w, e in ends.items() if e} if ends is not None else None
        )


_END = "sentence end"


def join_partial_counts(total: Mapping[Any, int], settings: CountSettings) -> dict[str, int]:
    """The counts of :meth:`CountSettings.word_counter` results added up, as a mapping.

    For SentencePiece words, a :class:`WordCounts` with the sentence ends taken out
    of their ``(_END, word)`` keys; for pre-tokenized words, ``total`` itself.

    >>> s = CountSettings.for_training("unigram")
    >>> c = join_partial_counts(s.word_counter()(["a b", "b"]), s)
    >>> sorted(c.items()), c.ends
    ([('▁a', 1), ('▁b', 2)], {'▁b': 2})
    """
    if settings.kind == "words":
        return total  # type: ignore[return-value]
    words = {k: v for k, v in total.items() if not isinstance(k, tuple)}
    ends = {k[1]: v for k, v in total.items() if isinstance(k, tuple)}
    return WordCounts(words, settings=None, ends=ends)


def prune(counts: Mapping[str, int], min_count: int) -> dict[str, int]:
    """The words counted at least ``min_count`` times (all when ``min_count <= 1``).

    >>> prune({"a": 3, "b": 1}, 2)
    {'a': 3}
    """
    kept = dict(counts) if min_count <= 1 else {w: c for w, c in counts.items() if c >= min_count}
    ends = getattr(counts, "ends", None)
    if ends is None:
        return kept
    kept_ends = {w: e for w, e in ends.items() if w in kept}
    return WordCounts(kept, settings=getattr(counts, "settings", None), ends=kept_ends)


def _ordered(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))


# ---------------------------------------------------------------------------------------------
# Writing and reading


def save_counts(path: PathLike, counts: Mapping[str, int], settings: CountSettings) -> None:
    """Write ``counts`` as a counts file (gzip when the name ends in ``.gz``), atomically.

    Args:
        path: the file to write.
        counts: word -> count (counts >= 1).
        settings: how the words were counted (the header).

    Raises:
        ConfigError: a count is not a positive integer, a word is not a string or
            holds a lone surrogate, or the directory is missing.

    >>> import tempfile, os
    >>> from tokenlab.pre_tokenizers import Whitespace
    >>> path = os.path.join(tempfile.mkdtemp(), "counts.tsv")
    >>> save_counts(path, {"b": 1, "a\\tb": 2}, CountSettings.for_words(None, Whitespace()))
    >>> open(path, encoding="utf-8").read().splitlines()[2:]
    ['a\\\\tb\\t2', 'b\\t1']
    >>> dict(load_counts(path))
    {'a\\tb': 2, 'b': 1}
    """
    items = _ordered(_checked(counts))
    ends = _checked_ends(counts)
    header: dict[str, Any] = {
        "settings": settings.to_json(),
        "unique_words": len(items),
        "total_count": sum(c for _, c in items),
    }
    if ends is not None:
        header["sentence_ends"] = True  # a third column: occurrences ending a sentence
    head = f"{_MAGIC} {FORMAT_VERSION}\n#{json.dumps(header, sort_keys=True)}\n"
    name = os.fspath(path)
    with atomic_write(name, "wb") as raw:
        out: IO[bytes] = raw
        gz = None
        if name.endswith(".gz"):
            gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
            out = gz  # type: ignore[assignment]
        try:
            out.write(head.encode("ascii"))
            batch: list[str] = []
            for word, count in items:
                if ends is None:
                    batch.append(f"{_escape(word)}\t{count}\n")
                else:
                    batch.append(f"{_escape(word)}\t{count}\t{ends.get(word, 0)}\n")
                if len(batch) >= 8192:
                    out.write(_encode("".join(batch)))
                    batch.clear()
            out.write(_encode("".join(batch)))
        finally:
            if gz is not None:
                gz.close()


def _checked_ends(counts: Mapping[str, int]) -> dict[str, int] | None:
    ends = getattr(counts, "ends", None)
    if ends is None:
        return None
    for word, end in ends.items():
        if not isinstance(end, int) or isinstance(end, bool) or not 0 <= end <= counts.get(word, 0):
            raise ConfigError(
                f"sentence ends must be integers between 0 and the word's count, "
                f"got {word!r}: {end!r}"
            )
    return dict(ends)


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        bad = text[max(0, e.start - 20) : e.end + 20]
        raise ConfigError(
            f"a word holds a lone surrogate (near {bad!r}), which UTF-8 cannot store; "
            "counts must come from valid Unicode text"
        ) from None


def _checked(counts: Mapping[str, int]) -> Mapping[str, int]:
    for word, count in counts.items():
        if not isinstance(word, str):
            raise ConfigError(f"counts must map str -> int, got the key {word!r}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ConfigError(f"counts must be integers >= 1, got {word!r}: {count!r}")
    return counts


@contextlib.contextmanager
def _open_counts(path: str) -> Iterator[IO[bytes]]:
    if not os.path.exists(path):
        raise ModelFileError(f"{path}: no such counts file")
    if os.path.isdir(path):
        raise ModelFileError(f"{path}: is a directory, not a counts file")
    try:
        # Closed by the with-block below (this function is the context manager).
        f: IO[bytes] = (
            gzip.open(path, "rb")  # type: ignore[assignment]  # noqa: SIM115
            if path.endswith(".gz")
            else open(path, "rb")  # noqa: SIM115
        )
    except OSError as e:
        raise ModelFileError(f"{path}: cannot open ({e.strerror or e})") from e
    with f:
        yield f


def load_counts(path: PathLike, expect: CountSettings | None = None) -> WordCounts:
    """Read a counts file written by :func:`save_counts` (or by hand, in its format).

    Args:
        path: the counts file (``.gz``: gzip).
        expect: when given, the settings the counts must have been made with.

    Returns:
        The counts, with ``settings`` from the header.

    Raises:
        ModelFileError: the file is missing, unreadable, not a counts file, of a
            newer format, or malformed (the message names the file and line).
        ConfigError: the counts were made with other settings than ``expect``
            (the message names each setting that differs).
    """
    name = os.fspath(path)
    counts = WordCounts(settings=None)
    lineno = 0
    try:
        with _open_counts(name) as f:
            lineno = 1
            settings, unique, total, has_ends = _read_header(name, f)
            if expect is not None:
                check_settings(settings, expect, name)
            ends: dict[str, int] | None = {} if has_ends else None
            seen = 0
            for lineno, raw in enumerate(f, 3):
                word, count, end = _parse_line(name, lineno, raw, has_ends)
                counts[word] = count
                if ends is not None and end:
                    ends[word] = end
                seen += count
                if len(counts) != lineno - 2:
                    raise ModelFileError(f"{name}:{lineno}: the word {word!r} appears twice")
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise ModelFileError(
            f"{name}: read failed near line {lineno} ({e}); the file is damaged or cut off"
        ) from e
    if len(counts) != unique or seen != total:
        raise ModelFileError(
            f"{name}: has {len(counts)} words totalling {seen}, but its header says "
            f"{unique} words totalling {total}; the file is cut off or was edited"
        )
    counts.settings = settings
    counts.source = name
    counts.ends = ends
    return counts


def _read_header(name: str, f: IO[bytes]) -> tuple[CountSettings, int, int, bool]:
    first = f.readline()
    if not first.startswith(_MAGIC.encode()):
        raise ModelFileError(
            f"{name}:1: not a tokenlab counts file (it must start with '{_MAGIC}'); "
            "make one with `tokenlab count`"
        )
    version_text = first[len(_MAGIC) :].strip().decode("ascii", "replace")
    if not version_text.isdigit():
        raise ModelFileError(f"{name}:1: bad format version {version_text!r}")
    if int(version_text) > FORMAT_VERSION:
        raise ModelFileError(
            f"{name}:1: counts format {version_text} is newer than this tokenlab reads "
            f"({FORMAT_VERSION}); upgrade tokenlab"
        )
    second = f.readline()
    try:
        if not second.startswith(b"#"):
            raise ValueError("the second line must be '#' and the JSON header")
        header = json.loads(second[1:].decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError("the header must be a JSON object")
        settings = CountSettings.from_json(header.get("settings"))
        unique, total = header.get("unique_words"), header.get("total_count")
        for key, value in (("unique_words", unique), ("total_count", total)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{key} must be an integer >= 0, got {value!r}")
        has_ends = header.get("sentence_ends", False)
        if not isinstance(has_ends, bool):
            raise ValueError(f"sentence_ends must be true or false, got {has_ends!r}")
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelFileError(f"{name}:2: bad header: {e}") from None
    except RecursionError:
        raise ModelFileError(f"{name}:2: bad header: JSON nested too deeply") from None
    return settings, int(unique), int(total), has_ends  # type: ignore[arg-type]


#: Counts are 64-bit signed in both cores, which refuse a corpus whose sum of count x
#: word length (in symbols) exceeds this. Counts are checked before training, so that
#: the error names the counts file and line, not a trainer's internals.
MAX_TOTAL_COUNT = 2**63 - 1


def check_count_total(counts: Mapping[str, int], source: str | None = None) -> None:
    """Refuse counts the trainers' 64-bit counters cannot hold, before training.

    Args:
        counts: word -> count; from a counts file (``source``), in file order.
        source: the counts file, named in the error with the line.

    Raises:
        CorpusError: the sum of count x word length exceeds :data:`MAX_TOTAL_COUNT`.
    """
    # At C speed first: with no negative count the running sum only grows, so a total
    # within bounds means no prefix of it exceeds them. The loop below names the entry
    # (and skips the malformed ones the trainers refuse with their own message).
    try:
        fast = None
        if min(counts.values(), default=0) >= 0:
            fast = sum(map(operator.mul, map(len, counts), counts.values()))
    except TypeError:
        fast = None
    if type(fast) is int and fast <= MAX_TOTAL_COUNT:
        return
    weight = 0
    for index, (word, count) in enumerate(counts.items()):
        if not isinstance(count, int) or isinstance(count, bool) or not isinstance(word, str):
            continue  # the trainers refuse those, with their own message
        weight += count * len(word)
        if weight > MAX_TOTAL_COUNT:
            where = f"{source}:{index + 3}" if source else f"the counts (word {word!r})"
            raise CorpusError(
                f"{where}: the counts are too large: the sum of count x word length exceeds "
                f"{MAX_TOTAL_COUNT} (2**63 - 1), more than the trainers' 64-bit counters "
                "hold; scale the counts down"
            )


def _parse_line(name: str, lineno: int, raw: bytes, has_ends: bool) -> tuple[str, int, int]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ModelFileError(f"{name}:{lineno}: invalid UTF-8 at column {e.start + 1}") from None
    if line.endswith("\n"):
        line = line[:-1]
    parts = line.split("\t")
    if len(parts) != 2 + has_ends:
        shape = "WORD<TAB>COUNT<TAB>ENDS" if has_ends else "WORD<TAB>COUNT"
        raise ModelFileError(
            f"{name}:{lineno}: expected {shape}, found {len(parts) - 1} TABs "
            "(a TAB inside a word must be written \\t)"
        )
    field, count_text = parts[:2]
    if not _COUNT_RE.fullmatch(count_text):
        raise ModelFileError(
            f"{name}:{lineno}: the count {count_text!r} is not an integer >= 1 "
            "(digits only, no sign or leading zero)"
        )
    end = 0
    if has_ends:
        end_text = parts[2]
        if not (end_text == "0" or _COUNT_RE.fullmatch(end_text)) or int(end_text) > int(
            count_text
        ):
            raise ModelFileError(
                f"{name}:{lineno}: the sentence-end count {end_text!r} is not an integer "
                f"between 0 and the word's count ({count_text})"
            )
        end = int(end_text)
    if "\\" in field:
        try:
            field = _unescape(field)
        except ValueError as e:
            raise ModelFileError(f"{name}:{lineno}: bad escape in the word: {e}") from None
    elif any(ch < " " or ch == "\x7f" for ch in field):
        raise ModelFileError(
            f"{name}:{lineno}: a control character must be escaped (\\t, \\n, \\r or \\xHH)"
        )
    return field, int(count_text), end


def check_settings(found: CountSettings, expected: CountSettings, source: str) -> None:
    """Raise ConfigError naming each setting that differs between counts and training."""
    diffs = found.differences(expected)
    if not diffs:
        return
    parts = [
        f"{key}: counts {_short(mine)}, training {_short(theirs)}" for key, mine, theirs in diffs
    ]
    raise ConfigError(
        f"{source}: the counts were made with other settings than this training uses "
        f"({'; '.join(parts)}); train with the settings the counts were made with, or count "
        "again with `tokenlab count` and this training's settings"
    )


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def check_tokenizer_counts(counts: Mapping[str, int], tokenizer: Any) -> None:
    """Refuse counts whose settings differ from ``tokenizer``'s normalizer and pre-tokenizer.

    Raises:
        ConfigError: SentencePiece counts, or another normalizer or pre-tokenizer.
    """
    settings = getattr(counts, "settings", None)
    if isinstance(settings, CountSettings):
        source = getattr(counts, "source", None) or "the counts"
        check_settings(settings, CountSettings.for_tokenizer(tokenizer), source)


def as_counts(
    counts_or_path: Mapping[str, int] | PathLike,
    expect: Callable[[], CountSettings] | None = None,
    *,
    user: str = "this trainer",
) -> Mapping[str, int]:
    """The counts a trainer's ``train_from_counts`` was given, loaded and checked.

    A path is read with :func:`load_counts`. Counts with settings (a
    :class:`WordCounts` from a file) must have exactly the settings ``expect``
    gives (the SentencePiece-style trainers, whose options decide their words),
    or, without ``expect``, be pre-tokenized words: their normalizer and
    pre-tokenizer belong to the :class:`~tokenlab.Tokenizer`, not to
    ``BPETrainer`` or ``WordPieceTrainer``, and :func:`tokenlab.train_from_counts`
    checks those. A plain mapping is used as it is.

    Args:
        counts_or_path: word -> count, or a counts file.
        expect: the settings the counts must have been made with; called only
            when the counts carry settings (None: any pre-tokenized words).
        user: who trains on the counts, for the message.

    Raises:
        ConfigError: the counts were made for another kind of training.
        ModelFileError: the file is missing or malformed.

    >>> as_counts({"hug": 2}, user="BPETrainer")
    {'hug': 2}
    """
    counts: Mapping[str, int]
    counts = (
        load_counts(counts_or_path)
        if isinstance(counts_or_path, (str, os.PathLike))
        else counts_or_path
    )
    settings = getattr(counts, "settings", None)
    if isinstance(counts, Mapping):
        check_count_total(counts, getattr(counts, "source", None))
    if not isinstance(settings, CountSettings):
        return counts
    source = getattr(counts, "source", None) or "the counts"
    if expect is not None:
        check_settings(settings, expect(), source)
    elif settings.kind != "words":
        raise ConfigError(
            f"{source}: these are SentencePiece word counts (made for "
            f"{settings.algorithm or 'sp-bpe/unigram'}); {user} trains on "
            "pre-tokenized words: count again with --algorithm bpe or wordpiece"
        )
    return counts


# ---------------------------------------------------------------------------------------------
# Counting files on this machine


def count_files(
    paths: PathLike | Sequence[PathLike],
    settings: CountSettings,
    *,
    errors: str = "strict",
    processes: int | None = None,
    show_progress: bool = False,
) -> dict[str, int]:
    """Count the words of files as ``settings`` say, streamed, in several processes.

    Words kind: :func:`tokenlab.corpus.count_words_in_files`. SentencePiece kind:
    the same byte ranges at line boundaries, each counted in a worker.

    Args:
        paths: a path or paths (``.gz`` read transparently, ``"-"``: stdin).
        settings: what to count.
        errors: invalid UTF-8: ``"strict"``, ``"replace"`` or ``"ignore"``.
        processes: worker processes (None: one per core for inputs over 4 MB).
        show_progress: a progress bar over the bytes read.

    Returns:
        word -> count, identical whatever ``processes`` is.

    Raises:
        CorpusError: unreadable file or invalid UTF-8 (file, line, byte offset).
        ConfigError: an invalid option.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(path, "w").write("a b a\\n")
    >>> sorted(count_files(path, CountSettings.for_training(pre_tokenizer="whitespace")).items())
    [('a', 2), ('b', 1)]
    """
    if settings.kind == "words":
        return corpus.count_words_in_files(
            paths,
            normalizer_from_dict(settings.normalizer),
            pre_tokenizer_from_dict(settings.pre_tokenizer),
            errors=errors,
            processes=processes,
            show_progress=show_progress,
        )
    ends: Counter[str] = Counter()
    counts = count_sentence_words_in_files(
        paths,
        errors=errors,
        processes=processes,
        show_progress=show_progress,
        sentence_ends=ends,
        **settings.sentencepiece_count_options(),
    )
    # the Unigram trainer's seeds need the sentence ends: they travel with the counts
    return WordCounts(counts, settings=None, ends=ends)
