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

from collections.abc import Iterable, Mapping
from typing import Any

from ._backend import PairCounter
from ._defaults import DEFAULTS, SENTENCEPIECE
from ._pieces import NORMAL
from ._progress import Progress, progress_enabled
from ._sp_options import SentencePieceOptions as SentencePieceOptions
from ._sp_options import meta_pieces as meta_pieces
from ._training import Stopwatch, TrainingStats, check_bool, check_counts
from .counts import CountSettings, as_counts
from .errors import ConfigError
from .models import SentencePieceBPE
from .sp_pretokenize import is_valid_piece, required_chars, segment_counts

# SentencePieceOptions and meta_pieces live in tokenlab._sp_options (both SentencePiece
# trainers and the counts share them); they are still importable from here.
__all__ = ["SentencePieceBPETrainer", "SentencePieceOptions", "meta_pieces"]

_SP = SENTENCEPIECE


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
        vocab_size: int = DEFAULTS["sp-bpe"].vocab_size,
        character_coverage: float = _SP.character_coverage,
        max_sentencepiece_length: int = _SP.max_sentencepiece_length,
        split_by_unicode_script: bool = _SP.split_by_unicode_script,
        split_by_number: bool = _SP.split_by_number,
        split_digits: bool = _SP.split_digits,
        split_by_whitespace: bool = _SP.split_by_whitespace,
        treat_whitespace_as_suffix: bool = _SP.treat_whitespace_as_suffix,
        byte_fallback: bool = _SP.byte_fallback,
        user_defined_symbols: Iterable[str] = (),
        control_symbols: Iterable[str] = (),
        unk_piece: str = _SP.unk_piece,
        bos_piece: str = _SP.bos_piece,
        eos_piece: str = _SP.eos_piece,
        pad_piece: str = _SP.pad_piece,
        unk_id: int = _SP.unk_id,
        bos_id: int = _SP.bos_id,
        eos_id: int = _SP.eos_id,
        pad_id: int = _SP.pad_id,
        add_dummy_prefix: bool = _SP.add_dummy_prefix,
        remove_extra_whitespaces: bool = _SP.remove_extra_whitespaces,
        max_sentence_length: int = _SP.max_sentence_length,
        normalizer: Any = None,
        show_progress: bool = True,
        num_threads: int | None = None,
    ) -> None:
        check_bool("split_by_unicode_script", split_by_unicode_script)
        self.split_by_unicode_script = split_by_unicode_script
        super().__init__(
            vocab_size=vocab_size,
            character_coverage=character_coverage,
            max_sentencepiece_length=max_sentencepiece_length,
            split_by_number=split_by_number,
            split_digits=split_digits,
            split_by_whitespace=split_by_whitespace,
            treat_whitespace_as_suffix=treat_whitespace_as_suffix,
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
        clock = Stopwatch()
        counts = self.count_words(sentences)
        clock.lap("count words")
        model = self.train_from_counts(counts)
        self.stats.phases = {**clock.phases, **self.stats.phases}
        self.stats.seconds = clock.total()
        return model

    def _train_counted(self, counts: Mapping[str, int], ends: Mapping[str, int] | None) -> Any:
        return self.train_from_counts(counts)

    def train_from_counts(self, counts: Mapping[str, int]) -> SentencePieceBPE:
        """Learn a model from ``▁``-escaped word counts (see :meth:`count_words`).

        Args:
            counts: word -> count, or the path of a counts file made with this
                trainer's settings.

        Returns:
            The trained :class:`~tokenlab.models.SentencePieceBPE` model.

        Raises:
            CorpusError: every count is zero.
            ConfigError: ``vocab_size`` is too small for the meta pieces and the
                kept characters, or larger than the corpus can fill; the counts
                file was made with other settings.
        """
        clock = Stopwatch()
        # 1. the counts (a counts file: loaded, its settings checked)
        counts = as_counts(
            counts, lambda: CountSettings.for_sentencepiece(self), user=type(self).__name__
        )
        check_counts(counts)
        # 2. the characters character_coverage keeps, and the words cut into parts
        chars = self._kept_chars(counts)
        char_id = {ch: i for i, ch in enumerate(chars)}
        segments = self._segments(counts, char_id)
        seqs = [[char_id[ch] for ch in seg] for seg in segments]
        clock.lap("prepare")
        # 3. the pairs counted once, in the core
        strings = list(chars)
        counter = PairCounter(
            seqs,
            list(segments.values()),
            scoring="count",
            tie="piece",
            symbol_strings=strings,
            max_token_length=self.max_sentencepiece_length,
        )
        clock.lap("count pairs")
        # 4. the merges, then the pairs once adjacent whose count fell to zero
        merged = self._merge(counter, seqs, strings, len(chars), clock)
        # 5. the pieces: merged, then characters, scored by rank; meta pieces at their ids
        pieces = self._pieces(merged + chars)
        self.stats = TrainingStats(
            vocab_size=len(pieces),
            merges=len(merged),
            words=len(segments),
            alphabet=len(chars),
            seconds=clock.total(),
            phases=clock.phases,
        )
        return SentencePieceBPE(pieces, byte_fallback=self.byte_fallback)

    def _kept_chars(self, counts: Mapping[str, int]) -> list[str]:
        """The characters character_coverage keeps, most frequent first.

        Raises:
            ConfigError: they and the meta pieces do not fit in ``vocab_size``.
        """
        meta = self.meta
        chars = required_chars(counts, self.character_coverage)
        if len(chars) + len(meta) > self.vocab_size:
            raise ConfigError(
                f"vocab_size={self.vocab_size} is smaller than the {len(meta)} meta pieces plus "
                f"the {len(chars)} characters kept by character_coverage="
                f"{self.character_coverage}; use a vocab_size of at least "
                f"{len(chars) + len(meta)}, or lower character_coverage"
            )
        return chars

    def _merge(
        self,
        counter: Any,
        seqs: list[list[int]],
        strings: list[str],
        chars: int,
        clock: Stopwatch,
    ) -> list[str]:
        """The merged pieces in order: best pairs, then zero-count pairs (SentencePiece's
        fill-up) until the vocabulary is full; ``strings`` grows with the new pieces."""
        target = self.vocab_size - len(self.meta) - chars
        merged: list[str] = []
        piece_id: dict[str, int] = {}
        history: list[tuple[int, int, int]] = []
        enabled = progress_enabled(self.show_progress)
        with Progress(target, "Merges", enabled=enabled, unit="merge") as bar:
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
            clock.lap("merge")
            if len(merged) < target:
                for piece in self._unseen_pairs(seqs, history, strings, piece_id):
                    if len(merged) >= target:
                        break
                    merged.append(piece)
                    piece_id[piece] = -1
                    bar.update(1)
        clock.lap("zero-count pairs")
        return merged

    def _pieces(self, final: list[str]) -> list[tuple[str, float, int]]:
        """``(piece, score, type)`` per id: the meta pieces at their ids, the others in
        ``final`` order scored ``-rank``.

        Raises:
            ConfigError: the corpus yields fewer pieces than ``vocab_size``.
        """
        meta = self.meta
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
        return pieces

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
