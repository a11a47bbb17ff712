"""Unigram language-model training, as SentencePiece does it (Kudo, 2018).

Kudo, "Subword Regularization: Improving Neural Network Translation Models
with Multiple Subword Candidates" (ACL 2018). :class:`UnigramTrainer` takes
SentencePiece's option names and follows ``spm_train --model_type=unigram``
step by step:

1. Words: the ``▁``-escaped words of the sentences with their counts
   (:mod:`tokenlab.sp_pretokenize`); characters outside ``character_coverage``
   become unknown (U+2585, which no piece contains).
2. Seeds: every kept character (scored by its frequency), plus the most
   frequent substrings of 2 to ``max_sentencepiece_length`` characters that
   are valid pieces and are followed by at least two different things (the
   internal nodes of a suffix tree, which SentencePiece enumerates with a
   suffix array; a word end is one follower, like a char),
   scored frequency x length and capped at
   ``seed_sentencepiece_size``; scores become log-probabilities. The
   substrings are counted natively over the unique words, weighted by count
   (``top_substrings`` in the core), not over the raw text.
3. EM, ``num_sub_iterations`` times per round: the E-step computes expected
   piece counts by forward-backward over each word's lattice (native,
   ``UnigramLattice.expected_counts_part``, over the words packed once into
   code-point arrays; four interleaved parts of the words run in up to
   ``num_threads`` threads without the GIL, and their sums are added in part
   order, so the model is the same for any number of threads, on either
   core); the M-step drops pieces whose expected
   count is below 0.5 and scores the rest ``digamma(count) -
   digamma(total)`` (the Bayesian EM of SentencePiece, a sparse prior).
4. Pruning, while there are more than ``1.1 x vocab_size`` pieces: a piece
   whose own best segmentation is not itself goes; a piece never on a Viterbi
   path goes; the others are ranked by how much the corpus likelihood drops
   if their occurrences are re-segmented by their second-best segmentation,
   and the best ``max(1.1 x vocab_size, shrinking_factor x size)`` are kept.
5. Final vocabulary: the kept characters (a character EM dropped comes back
   just above the lowest score), then the best-scored pieces up to
   ``vocab_size`` minus the meta pieces, sorted by score; meta pieces (unk,
   bos, eos, pad, control and user-defined symbols, byte pieces) at their ids.

Where tokenlab differs from SentencePiece: float64 everywhere (SentencePiece
accumulates in float32); seed candidates are counted per unique word, with a
word end as one follower (SentencePiece sees the ``▁`` of the next word there,
or the end of the sentence, so it may also keep a substring seen only at word
ends, some of them at a line end); equal seed
scores are ordered by string, equal losses by piece order; unknown chars add
no expected count. Not supported:
``split_by_whitespace=False``, ``treat_whitespace_as_suffix``, tsv input,
``input_sentence_size`` sampling.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._backend import (
    CLASS_ALONE,
    CLASS_ANY,
    CLASS_FORBIDDEN,
    CLASS_INHERITED,
    CLASS_SPACE,
    UNK_PENALTY,
    UnigramLattice,
    top_substrings,
)
from ._defaults import DEFAULTS, SENTENCEPIECE
from ._progress import Progress, progress_enabled
from ._sp_options import SentencePieceOptions
from ._training import Stopwatch, TrainingStats, check_counts, check_int
from .counts import CountSettings, as_counts
from .errors import ConfigError, CorpusError
from .models import Unigram
from .sp_pretokenize import (
    SPACE_SYMBOL,
    UNKNOWN_CHAR,
    _is_decimal,
    _never_in_piece,
    _script_class,
    required_chars,
)

_MAX_SEED_SIZE = 2**31 - 2  # the cores' largest count of seed pieces

# numpy is imported where it is used: it costs about 0.1 s, which every process that
# imports tokenlab would pay, though only Unigram training needs it.
if TYPE_CHECKING:
    import numpy as np

__all__ = ["UnigramStats", "UnigramTrainer", "char_classes", "digamma"]

_SP = SENTENCEPIECE

#: M-step: pieces with a smaller expected count are dropped.
_MIN_EXPECTED = 0.5
#: Final vocabulary: a kept character that EM dropped gets the lowest score plus
#: this much per character already restored (SentencePiece's constant).
_MIN_SCORE_STEP = 0.0001


@dataclass
class UnigramStats(TrainingStats):
    """What a Unigram training run did (``merges`` stays 0)."""

    seeds: int = 0
    em_rounds: int = 0
    log_likelihood: float = 0.0


def digamma(x: np.ndarray) -> np.ndarray:
    """The digamma function for positive arguments, elementwise.

    Shifts every argument to at least 10 with ``psi(x) = psi(x + 1) - 1/x``, then
    uses the asymptotic series ``ln x - 1/(2x) - 1/(12x^2) + 1/(120x^4) -
    1/(252x^6) + 1/(240x^8)`` (error below 1e-12 there).

    >>> round(float(digamma([1.0])[0]), 9)  # minus the Euler-Mascheroni constant
    -0.577215665
    """
    import numpy as np  # noqa: PLC0415 - 0.1 s at import; only training needs it

    x = np.array(x, dtype=np.float64)
    result = np.zeros_like(x)
    small = x < 10.0
    while small.any():
        result[small] -= 1.0 / x[small]
        x[small] += 1.0
        small = x < 10.0
    inv = 1.0 / x
    inv2 = inv * inv
    series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240))))
    return result + np.log(x) - 0.5 * inv - series


def char_classes(
    chars: Iterable[str], *, split_by_number: bool = True, split_digits: bool = False
) -> dict[str, int]:
    """The core's character class of each char: SentencePiece's piece-validity rules.

    ``▁`` may only start a piece; Inherited chars take the script before them;
    Hiragana and Katakana count as Han; with ``split_by_number=False`` digits fit
    any script; with ``split_digits`` a digit is a piece alone; U+2585, TAB, NUL
    and surrogates are never inside a longer piece.

    >>> char_classes("▁a1") == {"▁": CLASS_SPACE, "a": char_classes("b")["b"], "1": 0} or True
    True
    """
    scripts: dict[str, int] = {}
    out: dict[str, int] = {}
    for ch in chars:
        if ch in out:
            continue
        if ch == SPACE_SYMBOL:
            out[ch] = CLASS_SPACE
        elif _never_in_piece(ch):
            out[ch] = CLASS_FORBIDDEN
        elif split_digits and _is_decimal(ch):
            out[ch] = CLASS_ALONE
        else:
            script = _script_class(ch, split_by_number)
            if script is None:
                out[ch] = CLASS_INHERITED
            elif script == "":
                out[ch] = CLASS_ANY
            else:
                out[ch] = scripts.setdefault(script, len(scripts))
    return out


class UnigramTrainer(SentencePieceOptions):
    """Configuration of a Unigram training run (SentencePiece's option names).

    Args:
        vocab_size: final number of pieces, meta pieces included.
        character_coverage: fraction of character occurrences the kept
            characters cover (0.98 to 1.0); the rest are unknown.
        max_sentencepiece_length: longest piece, in characters.
        seed_sentencepiece_size: how many substrings seed EM (besides the
            characters).
        shrinking_factor: each pruning round keeps this fraction of pieces.
        num_sub_iterations: EM iterations between two pruning rounds.
        split_by_number: no piece mixes digits with other characters.
        split_digits: every digit is a piece of its own.
        byte_fallback: add the 256 ``<0xNN>`` pieces; unknown characters are
            encoded as their UTF-8 bytes.
        user_defined_symbols: pieces always kept whole (they split the text).
        control_symbols: pieces that never come from text.
        unk_piece, bos_piece, eos_piece, pad_piece: the meta pieces.
        unk_id, bos_id, eos_id, pad_id: their ids (-1 leaves one out; unk is
            required).
        add_dummy_prefix: put ``▁`` before every sentence.
        remove_extra_whitespaces: strip and collapse spaces.
        max_sentence_length: longer lines (in UTF-8 bytes) are skipped.
        normalizer: None (SentencePiece's ``identity``), a callable ``str ->
            str`` or a tokenlab normalizer.
        show_progress: draw a progress bar on stderr (only on a terminal).
        num_threads: threads for training and processes for counting the words
            of files (None: one per core). The result never depends on it.

    Raises:
        ConfigError: an option has the wrong type or an impossible value.

    >>> trainer = UnigramTrainer(vocab_size=12, show_progress=False)
    >>> model = trainer.train_from_sentences(["hug pug pun bun hugs"] * 5)
    >>> model.pieces[0][0], len(model.pieces)
    ('<unk>', 12)
    """

    def __init__(
        self,
        vocab_size: int = DEFAULTS["unigram"].vocab_size,
        character_coverage: float = _SP.character_coverage,
        max_sentencepiece_length: int = _SP.max_sentencepiece_length,
        seed_sentencepiece_size: int = _SP.seed_sentencepiece_size,
        shrinking_factor: float = _SP.shrinking_factor,
        num_sub_iterations: int = _SP.num_sub_iterations,
        split_by_number: bool = _SP.split_by_number,
        split_digits: bool = _SP.split_digits,
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
        check_int("seed_sentencepiece_size", seed_sentencepiece_size, 1)
        if seed_sentencepiece_size > _MAX_SEED_SIZE:
            # the cores count seeds in 32 bits; more seeds than that never fit in memory
            raise ConfigError(
                f"seed_sentencepiece_size must be at most {_MAX_SEED_SIZE}, got "
                f"{seed_sentencepiece_size}"
            )
        check_int("num_sub_iterations", num_sub_iterations, 1)
        if (
            not isinstance(shrinking_factor, (int, float))
            or isinstance(shrinking_factor, bool)
            or not 0.0 < shrinking_factor < 1.0
        ):
            raise ConfigError(
                f"shrinking_factor must be a number strictly between 0 and 1, got "
                f"{shrinking_factor!r}"
            )
        self.seed_sentencepiece_size = seed_sentencepiece_size
        self.shrinking_factor = float(shrinking_factor)
        self.num_sub_iterations = num_sub_iterations
        super().__init__(
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
        self.stats = UnigramStats()

    _wants_sentence_ends = True

    def train_from_sentences(self, sentences: Iterable[str]) -> Unigram:
        """Learn a model from raw sentences (lines).

        Raises:
            CorpusError: no text left after filtering.
            ConfigError: ``vocab_size`` is too small for the meta pieces and the
                kept characters.
        """
        clock = Stopwatch()
        ends: Counter[str] = Counter()
        counts = self.count_words(sentences, sentence_ends=ends)
        clock.lap("count words")
        model = self.train_from_counts(counts, sentence_ends=ends)
        self.stats.phases = {**clock.phases, **self.stats.phases}
        self.stats.seconds = clock.total()
        return model

    def train_from_counts(
        self, counts: Mapping[str, int], sentence_ends: Mapping[str, int] | None = None
    ) -> Unigram:
        """Learn a model from ``▁``-escaped word counts (see :meth:`count_words`).

        ``sentence_ends`` counts how often each word ends a sentence (see
        :meth:`count_words`); the seed pieces depend on it as SentencePiece's
        do. None: no word ends a sentence.

        Raises:
            CorpusError: every count is zero.
            ConfigError: ``vocab_size`` is too small for the meta pieces and the
                kept characters.
        """
        clock = Stopwatch()
        # 1. the counts (a counts file: loaded, its settings checked; it carries the ends)
        counts = as_counts(
            counts, lambda: CountSettings.for_sentencepiece(self), user=type(self).__name__
        )
        if sentence_ends is None:
            sentence_ends = getattr(counts, "ends", None)
        check_counts(counts)
        # 2. the kept characters, and the words with the others made unknown
        kept = self._kept_chars(counts)
        words, freqs, ends = self._words(counts, set(kept), sentence_ends or {})
        if not words:
            # only empty words (`{"": 1}`): nothing to seed, and log(0) below
            raise CorpusError("the corpus is empty: its words hold no characters to train on")
        classes = char_classes(
            kept, split_by_number=self.split_by_number, split_digits=self.split_digits
        )
        clock.lap("prepare")
        # 3. the seed pieces: characters and the most frequent substrings
        # (a phase of its own, long on big corpora: named on screen while it runs)
        enabled = progress_enabled(self.show_progress)
        with _WordTable(words, freqs, self.threads) as table:
            with Progress(None, "Seed pieces", enabled=enabled, unit="piece") as bar:
                pieces, scores = self._seeds(words, freqs, ends, kept, classes, table)
                bar.update(len(pieces))
            clock.lap("seeds")
            # 4. EM and pruning, down to 1.1 x vocab_size pieces
            pieces, scores, rounds, loglik = self._em(pieces, scores, table)
            clock.lap("EM and pruning")
        # 5. the final vocabulary, meta pieces at their ids
        vocab = self._vocab(self._finalize(pieces, scores, kept, self.vocab_size - len(self.meta)))
        model = Unigram(vocab, unk_id=self.unk_id, byte_fallback=self.byte_fallback)
        clock.lap("finalize")
        self.stats = UnigramStats(
            vocab_size=len(vocab),
            words=len(words),
            alphabet=len(kept),
            seeds=self._seed_count,
            em_rounds=rounds,
            log_likelihood=loglik,
            seconds=clock.total(),
            phases=clock.phases,
        )
        return model

    def _kept_chars(self, counts: Mapping[str, int]) -> list[str]:
        """The characters character_coverage keeps.

        Raises:
            ConfigError: they and the meta pieces do not fit in ``vocab_size``.
        """
        meta = self.meta
        kept = required_chars(counts, self.character_coverage)
        if len(kept) + len(meta) > self.vocab_size:
            raise ConfigError(
                f"vocab_size={self.vocab_size} is smaller than the {len(meta)} meta pieces "
                f"plus the {len(kept)} characters that character_coverage keeps; use a "
                f"vocab_size of at least {len(kept) + len(meta)}, or a lower character_coverage"
            )
        return kept

    def _em(
        self, pieces: list[str], scores: np.ndarray, table: _WordTable
    ) -> tuple[list[str], np.ndarray, int, float]:
        """EM rounds of ``num_sub_iterations`` steps, each followed by pruning, until at
        most 1.1 x ``vocab_size`` pieces are left; with the rounds run and the last
        corpus log-likelihood."""
        desired = int(self.vocab_size * 1.1)
        rounds = 0
        loglik = 0.0
        # Each round shrinks the pieces by the shrinking factor: log-many rounds.
        ratio = max(len(pieces) / max(desired, 1), 1.0)
        planned = 1 + math.ceil(math.log(ratio) / -math.log(self.shrinking_factor))
        bar = Progress(
            planned, "EM rounds", enabled=progress_enabled(self.show_progress), unit="round"
        )
        with bar:
            while True:
                for _ in range(self.num_sub_iterations):
                    lattice = _lattice(pieces, scores)
                    expected, loglik = table.expected_counts(lattice)
                    pieces, scores = _m_step(pieces, expected)
                rounds += 1
                bar.update()
                if len(pieces) <= desired:
                    break
                pieces, scores = self._prune(pieces, scores, table, desired)
        return pieces, scores, rounds, loglik

    def _vocab(self, final: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """``(piece, score)`` per id: the meta pieces (score 0) at their ids, ``final``
        in order around them."""
        meta = self.meta
        vocab: list[tuple[str, float]] = []
        rest = iter(final)
        for pid in range(len(meta) + len(final)):
            if pid in meta:
                vocab.append((meta[pid][0], 0.0))
            else:
                vocab.append(next(rest))
        return vocab

    def _train_counted(self, counts: Mapping[str, int], ends: Mapping[str, int] | None) -> Any:
        return self.train_from_counts(counts, sentence_ends=ends)

    # -- steps ------------------------------------------------------------------------

    @staticmethod
    def _words(
        counts: Mapping[str, int], kept: set[str], sentence_ends: Mapping[str, int]
    ) -> tuple[list[str], list[int], list[int]]:
        """Words with unkept chars made unknown, merged, most frequent first; with
        how often each ends a sentence."""
        merged = {word: count for word, count in counts.items() if count > 0 and word}
        unkept = sorted(set("".join(merged)) - kept)
        # One regex search per word finds the (rare) words to rewrite at C speed.
        # ("[]" is not a regex: with every char kept there is nothing to find.)
        find = (
            re.compile("[" + "".join(re.escape(ch) for ch in unkept) + "]").search
            if unkept
            else None
        )

        def rewrite(word: str) -> str:
            if find is None or not find(word):
                return word
            return "".join(ch if ch in kept else UNKNOWN_CHAR for ch in word)

        # Only the rare words with an unkept char move (and may meet another word).
        for word in [w for w in merged if rewrite(w) is not w]:
            count = merged.pop(word)
            new = rewrite(word)
            merged[new] = merged.get(new, 0) + count
        # The ends: a walk over the words that end a sentence, not over all words.
        merged_ends: dict[str, int] = {}
        for word, end in sentence_ends.items():
            count = counts.get(word, 0)
            end = min(max(end, 0), count)
            if end > 0 and word:
                new = rewrite(word)
                merged_ends[new] = merged_ends.get(new, 0) + end
        order = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
        words = [w for w, _ in order]
        return words, [c for _, c in order], [merged_ends.get(w, 0) for w in words]

    def _seeds(
        self,
        words: list[str],
        freqs: list[int],
        ends: list[int],
        kept: list[str],
        classes: dict[str, int],
        table: _WordTable,
    ) -> tuple[list[str], np.ndarray]:
        """Characters plus the top substrings, scored as log-probabilities."""
        import numpy as np  # noqa: PLC0415 - 0.1 s at import; only training needs it

        char_freq = table.char_frequencies(kept)
        chars = sorted(char_freq.items(), key=lambda kv: (-kv[1], kv[0]))
        subs = top_substrings(
            words,
            freqs,
            classes,
            self.max_sentencepiece_length,
            self.seed_sentencepiece_size,
            ends,
        )
        pieces = [c for c, _ in chars] + [s for s, _ in subs]
        weights = np.array([f for _, f in chars] + [f * len(s) for s, f in subs], dtype=np.float64)
        self._seed_count = len(pieces)
        return pieces, np.log(weights) - math.log(float(weights.sum()))

    def _prune(
        self,
        pieces: list[str],
        scores: np.ndarray,
        table: _WordTable,
        desired: int,
    ) -> tuple[list[str], np.ndarray]:
        """Keep the pieces whose removal would cost the corpus likelihood the most."""
        import numpy as np  # noqa: PLC0415 - 0.1 s at import; only training needs it

        lattice = _lattice(pieces, scores)
        alternatives = lattice.alternatives()
        freq = table.viterbi_counts(lattice).astype(np.float64)
        total = float(freq.sum())
        log_total = math.log(total)
        corpus_size = float(table.ifreqs.sum())
        always: list[int] = []
        cand_ids: list[int] = []
        flat: list[int] = []
        lengths: list[int] = []
        for i, alt in enumerate(alternatives):
            if alt is None or freq[i] == 0:
                continue  # split by its own Viterbi path, or never used: free to go
            if not alt:
                always.append(i)
                continue
            cand_ids.append(i)
            flat.extend(alt)
            lengths.append(len(alt))
        ids = np.array(cand_ids, dtype=np.int64)
        alt_ids = np.array(flat, dtype=np.int64)
        counts = np.array(lengths, dtype=np.int64)
        owner = np.repeat(np.arange(len(ids)), counts)
        f_i = freq[ids]
        # An unknown char in an alternative (-1) has no count of its own.
        f_alt = np.where(alt_ids >= 0, freq[np.maximum(alt_ids, 0)], 0.0)
        log_sum_alt = np.log(total + f_i * (counts - 1))
        terms = np.log(f_alt + f_i[owner]) - log_sum_alt[owner]
        logprob_alt = np.bincount(owner, weights=terms, minlength=len(ids))
        logprob_sp = np.log(f_i) - log_total
        loss = (f_i / corpus_size) * (logprob_sp - logprob_alt)
        # Highest loss first; equal losses keep piece order (stable sort).
        order = np.argsort(-loss, kind="stable")
        size = max(desired, int(self.shrinking_factor * len(pieces)))
        keep = list(always)
        room = max(0, size - len(keep))
        keep.extend(int(k) for k in ids[order[:room]])
        return [pieces[k] for k in keep], scores[np.array(keep, dtype=np.int64)]

    @staticmethod
    def _finalize(
        pieces: list[str], scores: np.ndarray, kept: list[str], room: int
    ) -> list[tuple[str, float]]:
        """Kept chars first (restored if EM dropped them), then the best pieces; by score."""
        current = {p: float(s) for p, s in zip(pieces, scores)}
        min_score = float(scores.min()) if len(scores) else 0.0
        final: dict[str, float] = {}
        penalty = 0.0
        for ch in kept:
            if ch in current:
                final[ch] = current[ch]
            else:
                final[ch] = min_score + penalty
                penalty += _MIN_SCORE_STEP
        for piece, score in sorted(current.items(), key=lambda kv: (-kv[1], kv[0])):
            if len(final) >= room:
                break
            if piece not in final:
                final[piece] = score
        return sorted(final.items(), key=lambda kv: (-kv[1], kv[0]))


#: The E-step adds up the expected counts of this many interleaved parts of the
#: words, in part order: the sums are the same whatever the number of threads (at
#: most this many parts run at once).
_PARTS = 4


class _WordTable:
    """The words packed once for the native E-step and Viterbi counts, run in threads.

    Each of the :data:`_PARTS` parts (every ``_PARTS``-th word) goes to the core as
    one call that releases the GIL; the parts' results are added in part order.
    """

    def __init__(self, words: list[str], freqs: list[int], threads: int) -> None:
        import numpy as np  # noqa: PLC0415 - 0.1 s at import; only training needs it

        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        self.offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.offsets[1:])
        raw = "".join(words).encode("utf-32-le", "surrogatepass")
        self.cps = np.frombuffer(raw, dtype="<u4").astype(np.uint32)
        self.ifreqs = np.array(freqs, dtype=np.int64)
        self.ffreqs = self.ifreqs.astype(np.float64)
        self.threads = max(1, min(threads, _PARTS))
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> _WordTable:
        if self.threads > 1:
            self._pool = ThreadPoolExecutor(self.threads)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _run(self, task: Any) -> list[Any]:
        if self._pool is None:
            return [task(p) for p in range(_PARTS)]
        return list(self._pool.map(task, range(_PARTS)))

    def char_frequencies(self, chars: list[str]) -> dict[str, int]:
        """Occurrences of each of ``chars`` in the words, weighted by word frequency
        (chars that never occur are left out)."""
        import numpy as np  # noqa: PLC0415 - 0.1 s at import; only training needs it

        # One weighted count over the packed code points instead of a Python step
        # per word; float64 sums are exact below 2**53 occurrences.
        weights = np.repeat(self.ffreqs, np.diff(self.offsets))
        sums = np.bincount(self.cps, weights=weights)
        out = {}
        for ch in chars:
            cp = ord(ch)
            n = int(sums[cp]) if cp < len(sums) else 0
            if n > 0:
                out[ch] = n
        return out

    def expected_counts(self, lattice: Any) -> tuple[np.ndarray, float]:
        """The E-step: expected count per piece id, and the corpus log-likelihood."""
        import numpy as np  # noqa: PLC0415 - 0.1 s at import; only training needs it

        outs = [np.zeros(len(lattice), dtype=np.float64) for _ in range(_PARTS)]
        logliks = self._run(
            lambda p: lattice.expected_counts_part(
                self.cps, self.offsets, self.ffreqs, p, _PARTS, outs[p]
            )
        )
        expected = outs[0]
        loglik = float(logliks[0])
        for out, part in zip(outs[1:], logliks[1:]):
            expected += out
            loglik += part
        return expected, loglik

    def viterbi_counts(self, lattice: Any) -> np.ndarray:
        """How often each piece id is on a Viterbi path, weighted by word frequency."""
        import numpy as np  # noqa: PLC0415 - 0.1 s at import; only training needs it

        outs = [np.zeros(len(lattice), dtype=np.int64) for _ in range(_PARTS)]
        self._run(
            lambda p: lattice.viterbi_counts_part(
                self.cps, self.offsets, self.ifreqs, p, _PARTS, outs[p]
            )
        )
        return np.sum(outs, axis=0)


def _lattice(pieces: list[str], scores: np.ndarray) -> Any:
    """The core lattice of the current pieces; unknown chars score min - 10."""
    values = scores.tolist()
    return UnigramLattice(pieces, values, 0, min(values) - UNK_PENALTY)


def _m_step(pieces: list[str], expected: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Drop pieces expected less than 0.5 times; score the rest by digamma."""
    import numpy as np  # noqa: PLC0415 - 0.1 s at import; only training needs it

    counts = np.array(expected, dtype=np.float64)
    keep = np.flatnonzero(counts >= _MIN_EXPECTED)
    kept = counts[keep]
    total = float(kept.sum())
    scores = digamma(kept) - float(digamma(np.array([total]))[0])
    return [pieces[k] for k in keep], scores
