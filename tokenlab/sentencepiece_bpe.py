"""SentencePiece-style BPE training (Kudo and Richardson, 2018), on the shared core.

:class:`SentencePieceBPETrainer` takes SentencePiece's option names and
defaults and follows ``spm_train --model_type=bpe`` rule for rule:

* text: sentences are filtered, normalized, ``▁``-escaped and split into words
  by :mod:`tokenlab.sp_pretokenize`; ``character_coverage`` keeps the most
  frequent characters, every other one is unknown (never merged);
* the best pair has the highest count; ties go to the shorter merged piece,
  then the smaller string (``PairCounter(tie="piece")``); a pair whose merged
  piece would be invalid for SentencePiece (``▁`` inside, two Unicode scripts,
  digits with ``split_digits``, longer than ``max_sentencepiece_length``) is
  never merged;
* the i-th merged piece scores ``-i``; when no pair is left it keeps adding
  pairs that were once adjacent but whose piece is not in the vocabulary yet,
  now with count 0 (shorter first, then smaller string), as SentencePiece
  does; then the kept characters follow, most frequent first, continuing the
  scores; then the meta pieces (``<unk>``, ``<s>``, ``</s>``, control and
  user-defined symbols, the 256 ``<0xNN>`` byte pieces) are put at their ids.

Where tokenlab differs from sentencepiece, and why:

* sentencepiece rescans only its most frequent "active" pairs (refreshed every
  100 merges), an approximation; tokenlab always takes the true best pair. On
  small corpora (under about 1,000 distinct pairs) the two agree exactly; on
  real text the piece sets overlap by about 99% (see
  tests/test_sentencepiece_bpe.py), not 100%.
* sentencepiece counts a run of one repeated symbol (``aaaa``) as
  non-overlapping pairs (2) and later forgets some positions of such runs;
  the shared core counts every window (3). Only runs of 3+ equal symbols
  (``====``, ``...``) are affected.
* when two merges spell the same piece (``ab+c`` and ``a+bc``) sentencepiece
  skips the second pair and leaves its occurrences unmerged; the shared core
  cannot skip a pair, so tokenlab merges it into the existing piece.
* an Inherited character (combining mark) between two scripts: see
  :func:`tokenlab.sp_pretokenize.piece_boundaries`.

Not supported: ``split_by_whitespace=False`` (SentencePiece's rule that such a
piece may hold ``▁`` but not end with it cannot be expressed as word
boundaries), ``allow_whitespace_only_pieces``, multi-threaded merging.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from ._backend import PairCounter
from ._progress import Progress, progress_enabled
from .bpe import TrainingStats, check_counts, check_int
from .errors import ConfigError
from .models import SentencePieceBPE
from .sp_pretokenize import (
    count_sentence_words,
    count_sentence_words_in_files,
    is_valid_piece,
    required_chars,
    segment_counts,
)

__all__ = ["SentencePieceBPETrainer", "SentencePieceOptions", "meta_pieces"]

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be True or False, got {value!r}")


def _check_symbols(name: str, symbols: Iterable[str]) -> list[str]:
    if isinstance(symbols, str):
        raise ConfigError(f"{name} must be a list of strings, not one string")
    out = list(symbols)
    for s in out:
        if not isinstance(s, str) or not s:
            raise ConfigError(f"{name} must hold non-empty strings, got {s!r}")
    return out


def meta_pieces(
    vocab_size: int,
    *,
    unk: tuple[str, int],
    bos: tuple[str, int],
    eos: tuple[str, int],
    pad: tuple[str, int],
    control_symbols: Iterable[str] = (),
    user_defined_symbols: Iterable[str] = (),
    byte_fallback: bool = False,
) -> dict[int, tuple[str, int]]:
    """SentencePiece's meta pieces: id -> (piece, type), placed as ``spm_train`` does.

    unk/bos/eos/pad go to their ids (a negative id leaves the piece out); then
    control symbols, user-defined symbols and the 256 byte pieces take the
    lowest free ids in that order, except that a symbol equal to the bos, eos
    or pad piece only changes that piece's type.

    Raises:
        ConfigError: an id is out of range or taken twice, no unknown piece, a
            symbol is listed twice or equals the unknown piece.

    >>> meta_pieces(10, unk=("<unk>", 0), bos=("<s>", 1), eos=("</s>", 2), pad=("<pad>", -1),
    ...             user_defined_symbols=["<sep>"])
    {0: ('<unk>', 2), 1: ('<s>', 3), 2: ('</s>', 3), 3: ('<sep>', 4)}
    """
    unk_piece = unk[0]
    meta: dict[int, tuple[str, int]] = {}
    for what, (piece, pid) in (("unk", unk), ("bos", bos), ("eos", eos), ("pad", pad)):
        if not isinstance(piece, str) or not piece:
            raise ConfigError(f"{what}_piece must be a non-empty string, got {piece!r}")
        check_int(f"{what}_id", pid, -(2**31))
        if pid < 0:
            if what == "unk":
                raise ConfigError("unk_id must be >= 0: SentencePiece needs an unknown piece")
            continue
        if pid >= vocab_size:
            raise ConfigError(f"{what}_id={pid} must be smaller than vocab_size={vocab_size}")
        if pid in meta:
            raise ConfigError(f"{what}_id={pid} is already the id of {meta[pid][0]!r}")
        if what != "unk" and piece == unk_piece:
            raise ConfigError(f"{what}_piece {piece!r} is the unknown piece; use another string")
        meta[pid] = (piece, UNKNOWN if what == "unk" else CONTROL)
    seen: set[str] = set()
    next_id = 0
    special = {bos[0]: bos[1], eos[0]: eos[1], pad[0]: pad[1]}
    extra = [(s, CONTROL) for s in control_symbols] + [
        (s, USER_DEFINED) for s in user_defined_symbols
    ]
    if byte_fallback:
        extra += [(f"<0x{b:02X}>", BYTE) for b in range(256)]
    for piece, kind in extra:
        if piece in seen:
            raise ConfigError(f"{piece!r} is listed twice in control/user-defined symbols")
        seen.add(piece)
        if piece == unk_piece:
            raise ConfigError(
                f"{piece!r} is the unknown piece; it must not be a control or user-defined symbol"
            )
        if special.get(piece, -1) >= 0:
            pid = special[piece]
            meta[pid] = (piece, kind)
            continue
        while next_id in meta:
            next_id += 1
        meta[next_id] = (piece, kind)
    return meta


class SentencePieceOptions:
    """The options both SentencePiece-style trainers share, validated in one place.

    :class:`SentencePieceBPETrainer` and :class:`tokenlab.unigram.UnigramTrainer`
    call :meth:`_init_common` from their constructors, then check their own options.
    """

    split_by_whitespace: bool = True
    treat_whitespace_as_suffix: bool = False
    stats: TrainingStats

    def _init_common(
        self,
        *,
        vocab_size: int,
        character_coverage: float,
        max_sentencepiece_length: int,
        split_by_number: bool,
        split_digits: bool,
        byte_fallback: bool,
        user_defined_symbols: Iterable[str],
        control_symbols: Iterable[str],
        unk_piece: str,
        bos_piece: str,
        eos_piece: str,
        pad_piece: str,
        unk_id: int,
        bos_id: int,
        eos_id: int,
        pad_id: int,
        add_dummy_prefix: bool,
        remove_extra_whitespaces: bool,
        max_sentence_length: int,
        normalizer: Any,
        show_progress: bool,
        num_threads: int | None = None,
    ) -> None:
        check_int("vocab_size", vocab_size, 1)
        if num_threads is not None:
            check_int("num_threads", num_threads, 1)
        check_int("max_sentencepiece_length", max_sentencepiece_length, 1)
        if max_sentencepiece_length > 512:
            raise ConfigError(
                f"max_sentencepiece_length must be <= 512, got {max_sentencepiece_length}"
            )
        check_int("max_sentence_length", max_sentence_length, 10)
        if (
            not isinstance(character_coverage, (int, float))
            or isinstance(character_coverage, bool)
            or not 0.98 <= character_coverage <= 1.0
        ):
            raise ConfigError(
                f"character_coverage must be a number from 0.98 to 1.0, got {character_coverage!r}"
            )
        for name, value in (
            ("split_by_number", split_by_number),
            ("split_digits", split_digits),
            ("byte_fallback", byte_fallback),
            ("add_dummy_prefix", add_dummy_prefix),
            ("remove_extra_whitespaces", remove_extra_whitespaces),
            ("show_progress", show_progress),
        ):
            _check_bool(name, value)
        self.vocab_size = vocab_size
        self.character_coverage = float(character_coverage)
        self.max_sentencepiece_length = max_sentencepiece_length
        self.split_by_number = split_by_number
        self.split_digits = split_digits
        self.byte_fallback = byte_fallback
        self.user_defined_symbols = _check_symbols("user_defined_symbols", user_defined_symbols)
        self.control_symbols = _check_symbols("control_symbols", control_symbols)
        self.unk_piece, self.bos_piece, self.eos_piece, self.pad_piece = (
            unk_piece,
            bos_piece,
            eos_piece,
            pad_piece,
        )
        self.unk_id, self.bos_id, self.eos_id, self.pad_id = unk_id, bos_id, eos_id, pad_id
        self.add_dummy_prefix = add_dummy_prefix
        self.remove_extra_whitespaces = remove_extra_whitespaces
        self.max_sentence_length = max_sentence_length
        self.normalizer = normalizer
        self._normalize = _as_callable(normalizer)
        self.show_progress = show_progress
        self.num_threads = num_threads
        # Validates the ids and symbols now, before any work.
        self.meta = self._meta()

    def _meta(self) -> dict[int, tuple[str, int]]:
        return meta_pieces(
            self.vocab_size,
            unk=(self.unk_piece, self.unk_id),
            bos=(self.bos_piece, self.bos_id),
            eos=(self.eos_piece, self.eos_id),
            pad=(self.pad_piece, self.pad_id),
            control_symbols=self.control_symbols,
            user_defined_symbols=self.user_defined_symbols,
            byte_fallback=self.byte_fallback,
        )

    @property
    def threads(self) -> int:
        """The threads (and word-counting processes) to use: ``num_threads`` or one per core."""
        return self.num_threads if self.num_threads is not None else (os.cpu_count() or 1)

    def _count_options(self) -> dict[str, Any]:
        return {
            "normalize": self._normalize,
            "add_dummy_prefix": self.add_dummy_prefix,
            "remove_extra_whitespaces": self.remove_extra_whitespaces,
            "treat_whitespace_as_suffix": self.treat_whitespace_as_suffix,
            "split_by_whitespace": self.split_by_whitespace,
            "max_sentence_length": self.max_sentence_length,
            "meta_pieces": [p for p, _ in self.meta.values()],
        }

    #: Whether training uses how often each word ends a sentence (Unigram's seeds).
    _wants_sentence_ends = False

    def count_words(
        self, sentences: Iterable[str], sentence_ends: Counter[str] | None = None
    ) -> Counter[str]:
        """The ``▁``-escaped words of ``sentences`` with their counts, as training sees them.

        If ``sentence_ends`` is given, the last word of each sentence is also counted there.
        """
        return count_sentence_words(sentences, sentence_ends=sentence_ends, **self._count_options())

    def count_words_in_files(
        self,
        files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        errors: str = "strict",
        sentence_ends: Counter[str] | None = None,
    ) -> Counter[str]:
        """:meth:`count_words` over the lines of files, in ``num_threads`` processes
        (None: one per core for inputs over 4 MB).

        The counts are the same for any number of processes.

        Args:
            files: a path or a list of paths (``.gz`` read transparently, ``"-"``: stdin).
            errors: invalid UTF-8: ``"strict"``, ``"replace"`` or ``"ignore"``.
            sentence_ends: if given, the last word of each sentence is counted there.

        Returns:
            word -> count.

        Raises:
            CorpusError: a file cannot be read or is not UTF-8 (with ``errors="strict"``).
        """
        return count_sentence_words_in_files(
            files,
            errors=errors,
            processes=self.num_threads,
            show_progress=self.show_progress,
            sentence_ends=sentence_ends,
            **self._count_options(),
        )

    def train_from_files(
        self,
        files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        errors: str = "strict",
        check_text: Callable[[], object] | None = None,
    ) -> Any:
        """Learn a model from the lines of text files (``.gz`` read transparently).

        The words are counted in ``num_threads`` processes; the model is the same
        for any number of threads and processes.

        Args:
            files: a path or a list of paths.
            errors: invalid UTF-8: ``"strict"``, ``"replace"`` or ``"ignore"``.
            check_text: called when no word was found, before the error about an
                empty corpus (to raise a more precise one).

        Returns:
            The trained model (as :meth:`train_from_counts` returns it).

        Raises:
            CorpusError: a file cannot be read, is not UTF-8, or holds no text.
            ConfigError: ``vocab_size`` does not fit the corpus.

        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        ...     _ = f.write("abracadabra\\n")
        >>> trainer = SentencePieceBPETrainer(vocab_size=18, show_progress=False)
        >>> [p for p, _, _ in trainer.train_from_files(f.name).pieces][3:6]
        ['ab', 'ra', 'abra']
        """
        t0 = time.perf_counter()
        ends: Counter[str] | None = Counter() if self._wants_sentence_ends else None
        counts = self.count_words_in_files(files, errors, sentence_ends=ends)
        if check_text is not None and all(
            w.strip("\u2581").isspace() or not w.strip("\u2581") for w in counts
        ):
            check_text()  # whitespace (and "▁") only: the shared whitespace-corpus error
        t1 = time.perf_counter()
        model = self._train_counted(counts, ends)
        self.stats.phases = {"count words": t1 - t0, **self.stats.phases}
        self.stats.seconds = time.perf_counter() - t0
        return model

    def _train_counted(self, counts: Mapping[str, int], ends: Mapping[str, int] | None) -> Any:
        raise NotImplementedError  # pragma: no cover


class SentencePieceBPETrainer(SentencePieceOptions):
    """Configuration of a SentencePiece-style BPE training run (SentencePiece's names).

    Args:
        vocab_size: final number of pieces, meta pieces included.
        character_coverage: fraction of character occurrences the kept
            characters cover (0.98 to 1.0); the rest are unknown.
        max_sentencepiece_length: longest piece, in characters (1 to 512).
        split_by_unicode_script: no piece mixes Unicode scripts.
        split_by_number: no piece mixes digits with other characters.
        split_digits: every digit is a piece of its own.
        split_by_whitespace: ``▁`` only at the start of a piece (``False`` is
            not supported).
        treat_whitespace_as_suffix: ``▁`` ends words instead of starting them.
        byte_fallback: add the 256 ``<0xNN>`` pieces; unknown characters are
            encoded as their UTF-8 bytes.
        user_defined_symbols: pieces always kept whole (they split the text).
        control_symbols: pieces that never come from text (``<cls>``, ...).
        unk_piece, bos_piece, eos_piece, pad_piece: the meta pieces.
        unk_id, bos_id, eos_id, pad_id: their ids (-1 leaves one out; unk is
            required).
        add_dummy_prefix: put ``▁`` before every sentence.
        remove_extra_whitespaces: strip and collapse spaces.
        max_sentence_length: longer lines (in UTF-8 bytes) are skipped.
        normalizer: the text normalization: None (SentencePiece's ``identity``),
            a callable ``str -> str``, or a tokenlab normalizer.
        show_progress: draw progress bars on stderr (only on a terminal).
        num_threads: threads for training and processes for counting the words
            of files (None: one per core). The result never depends on it.

    Raises:
        ConfigError: an option has the wrong type or an impossible value.

    >>> trainer = SentencePieceBPETrainer(vocab_size=18, show_progress=False)
    >>> model = trainer.train_from_sentences(["abracadabra"])
    >>> [p for p, _, _ in model.pieces][3:11]
    ['ab', 'ra', 'abra', 'ad', 'cad', '▁abra', 'cadabra', '▁abracadabra']
    """

    def __init__(
        self,
        vocab_size: int = 8000,
        character_coverage: float = 0.9995,
        max_sentencepiece_length: int = 16,
        split_by_unicode_script: bool = True,
        split_by_number: bool = True,
        split_digits: bool = False,
        split_by_whitespace: bool = True,
        treat_whitespace_as_suffix: bool = False,
        byte_fallback: bool = False,
        user_defined_symbols: Iterable[str] = (),
        control_symbols: Iterable[str] = (),
        unk_piece: str = "<unk>",
        bos_piece: str = "<s>",
        eos_piece: str = "</s>",
        pad_piece: str = "<pad>",
        unk_id: int = 0,
        bos_id: int = 1,
        eos_id: int = 2,
        pad_id: int = -1,
        add_dummy_prefix: bool = True,
        remove_extra_whitespaces: bool = True,
        max_sentence_length: int = 4192,
        normalizer: Any = None,
        show_progress: bool = True,
        num_threads: int | None = None,
    ) -> None:
        for name, value in (
            ("split_by_unicode_script", split_by_unicode_script),
            ("split_by_whitespace", split_by_whitespace),
            ("treat_whitespace_as_suffix", treat_whitespace_as_suffix),
        ):
            _check_bool(name, value)
        if not split_by_whitespace:
            raise ConfigError(
                "split_by_whitespace=False is not supported by SentencePieceBPETrainer (its "
                "rule that a piece may hold '▁' but not end with it cannot be kept exactly); "
                "use split_by_whitespace=True"
            )
        self.split_by_unicode_script = split_by_unicode_script
        self.split_by_whitespace = split_by_whitespace
        self.treat_whitespace_as_suffix = treat_whitespace_as_suffix
        self._init_common(
            vocab_size=vocab_size,
            character_coverage=character_coverage,
            max_sentencepiece_length=max_sentencepiece_length,
            split_by_number=split_by_number,
            split_digits=split_digits,
            byte_fallback=byte_fallback,
            user_defined_symbols=user_defined_symbols,
            control_symbols=control_symbols,
            unk_piece=unk_piece,
            bos_piece=bos_piece,
            eos_piece=eos_piece,
            pad_piece=pad_piece,
            unk_id=unk_id,
            bos_id=bos_id,
            eos_id=eos_id,
            pad_id=pad_id,
            add_dummy_prefix=add_dummy_prefix,
            remove_extra_whitespaces=remove_extra_whitespaces,
            max_sentence_length=max_sentence_length,
            normalizer=normalizer,
            show_progress=show_progress,
            num_threads=num_threads,
        )
        self.stats = TrainingStats()

    def train_from_sentences(self, sentences: Iterable[str]) -> SentencePieceBPE:
        """Learn a model from raw sentences (lines).

        Raises:
            CorpusError: no text left after filtering.
            ConfigError: ``vocab_size`` is too small for the meta pieces and the
                kept characters, or larger than the corpus can fill.
        """
        t0 = time.perf_counter()
        counts = self.count_words(sentences)
        t1 = time.perf_counter()
        model = self.train_from_counts(counts)
        self.stats.phases = {"count words": t1 - t0, **self.stats.phases}
        self.stats.seconds = time.perf_counter() - t0
        return model

    def _train_counted(self, counts: Mapping[str, int], ends: Mapping[str, int] | None) -> Any:
        return self.train_from_counts(counts)

    def train_from_counts(self, counts: Mapping[str, int]) -> SentencePieceBPE:
        """Learn a model from ``▁``-escaped word counts (see :meth:`count_words`).

        Raises:
            CorpusError: every count is zero.
            ConfigError: ``vocab_size`` is too small for the meta pieces and the
                kept characters, or larger than the corpus can fill.
        """
        from .counts import as_counts

        t0 = time.perf_counter()
        counts = as_counts(counts, self)  # a counts file: loaded, its settings checked
        check_counts(counts)
        meta = self.meta
        chars = required_chars(counts, self.character_coverage)
        if len(chars) + len(meta) > self.vocab_size:
            raise ConfigError(
                f"vocab_size={self.vocab_size} is smaller than the {len(meta)} meta pieces plus "
                f"the {len(chars)} characters kept by character_coverage="
                f"{self.character_coverage}; use a vocab_size of at least "
                f"{len(chars) + len(meta)}, or lower character_coverage"
            )
        target = self.vocab_size - len(meta) - len(chars)
        char_id = {ch: i for i, ch in enumerate(chars)}
        segments = self._segments(counts, char_id)
        strings = list(chars)
        seqs = [[char_id[ch] for ch in seg] for seg in segments]
        t1 = time.perf_counter()
        counter = PairCounter(
            seqs,
            list(segments.values()),
            scoring="count",
            tie="piece",
            symbol_strings=strings,
            max_token_length=self.max_sentencepiece_length,
        )
        t2 = time.perf_counter()
        merged: list[str] = []
        piece_id: dict[str, int] = {}
        history: list[tuple[int, int, int]] = []
        with Progress(target, "Merges", enabled=progress_enabled(self.show_progress)) as bar:
            while len(merged) < target:
                best = counter.best()
                if best is None:
                    break
                left, right, _count = best
                piece = strings[left] + strings[right]
                new_id = piece_id.get(piece)
                if new_id is None:
                    new_id = len(strings)
                    strings.append(piece)
                    piece_id[piece] = new_id
                    merged.append(piece)
                    bar.update(1)
                counter.merge(left, right, new_id)
                history.append((left, right, new_id))
            t3 = time.perf_counter()
            if len(merged) < target:
                for piece in self._unseen_pairs(seqs, history, strings, piece_id):
                    if len(merged) >= target:
                        break
                    merged.append(piece)
                    piece_id[piece] = -1
                    bar.update(1)
        t4 = time.perf_counter()
        final = merged + chars
        if len(final) + len(meta) < self.vocab_size:
            raise ConfigError(
                f"vocab_size={self.vocab_size} is too large for this corpus: it yields at most "
                f"{len(final) + len(meta)} pieces; use a vocab_size of at most "
                f"{len(final) + len(meta)}"
            )
        pieces: list[tuple[str, float, int]] = []
        k = 0
        for i in range(self.vocab_size):
            if i in meta:
                piece, kind = meta[i]
                pieces.append((piece, 0.0, kind))
            else:
                pieces.append((final[k], -float(k), NORMAL))
                k += 1
        model = SentencePieceBPE(pieces, byte_fallback=self.byte_fallback)
        self.stats = TrainingStats(
            vocab_size=len(pieces),
            merges=len(merged),
            words=len(segments),
            alphabet=len(chars),
            seconds=time.perf_counter() - t0,
            phases={
                "prepare": t1 - t0,
                "count pairs": t2 - t1,
                "merge": t3 - t2,
                "zero-count pairs": t4 - t3,
            },
        )
        return model

    def _segments(self, counts: Mapping[str, int], char_id: Mapping[str, int]) -> dict[str, int]:
        # Every word is cut where no valid piece can cross (unknown characters,
        # "▁" not at the start, script changes, digits with split_digits; see
        # sp_pretokenize.piece_boundaries for why merging inside the parts, with
        # pieces capped at max_sentencepiece_length, builds exactly the valid
        # pieces). Parts of one character have no pair and are dropped.
        return segment_counts(
            counts,
            split_by_unicode_script=self.split_by_unicode_script,
            split_by_number=self.split_by_number,
            split_digits=self.split_digits,
            treat_whitespace_as_suffix=self.treat_whitespace_as_suffix,
            known=char_id.__contains__,
        )

    def _unseen_pairs(
        self,
        seqs: list[list[int]],
        history: list[tuple[int, int, int]],
        strings: list[str],
        piece_id: Mapping[str, int],
    ) -> list[str]:
        # SentencePiece keeps every pair it has seen adjacent as a candidate;
        # once their counts are all zero it takes them shortest first, then by
        # string. Replaying the merges on every part (by merge order, all
        # non-overlapping occurrences left to right, as training did) gives
        # back every pair that was ever adjacent.
        rank = {(a, b): (r, z) for r, (a, b, z) in reversed(list(enumerate(history)))}
        seen: set[str] = set()
        for seq in seqs:
            ids = list(seq)
            while True:
                best = None
                for i in range(len(ids) - 1):
                    pair = (ids[i], ids[i + 1])
                    seen.add(strings[pair[0]] + strings[pair[1]])
                    hit = rank.get(pair)
                    if hit is not None and (best is None or hit[0] < best[0]):
                        best = (hit[0], pair, hit[1])
                if best is None:
                    break
                _, (a, b), z = best
                out: list[int] = []
                i = 0
                while i < len(ids):
                    if i + 1 < len(ids) and ids[i] == a and ids[i + 1] == b:
                        out.append(z)
                        i += 2
                    else:
                        out.append(ids[i])
                        i += 1
                ids = out
        limit = self.max_sentencepiece_length
        fresh = [
            s
            for s in seen
            if s not in piece_id
            and len(s) <= limit
            and is_valid_piece(
                s,
                max_piece_length=limit,
                split_by_unicode_script=self.split_by_unicode_script,
                split_by_number=self.split_by_number,
                split_digits=self.split_digits,
                treat_whitespace_as_suffix=self.treat_whitespace_as_suffix,
            )
        ]
        fresh.sort(key=lambda s: (len(s), s))
        return fresh


def _as_callable(normalizer: Any) -> Callable[[str], str] | None:
    if normalizer is None:
        return None
    method = getattr(normalizer, "normalize_str", None)
    if callable(method):
        return cast("Callable[[str], str]", method)
    if callable(normalizer):
        return cast("Callable[[str], str]", normalizer)
    raise ConfigError(
        f"normalizer must be None, a callable str -> str or a tokenlab normalizer, got "
        f"{normalizer!r}"
    )
