"""WordPiece training with likelihood merges (Schuster and Nakajima, 2012).

The criterion is the one of "Japanese and Korean Voice Search" (Schuster and
Nakajima, ICASSP 2012) as the Hugging Face course states it in its WordPiece
chapter (chapter 6): merge the pair ``a b`` with the highest

    score(a, b) = count(ab) / (count(a) * count(b))

which prefers pairs whose parts are rarely seen apart, instead of the most
frequent pair. Hugging Face's own ``WordPieceTrainer`` is their BPE trainer with
a ``##`` prefix (frequency merges, their issue #570) and numbers the ``##``
symbols in hash-map order, so its result varies from run to run (#1794). This
trainer uses the real criterion and is deterministic:

* words are split into their first char as is and every later char with the
  continuing-subword prefix: ``hugs`` -> ``h ##u ##g ##s``;
* ids: special tokens first (given order, duplicates dropped); then the
  alphabet as plain chars, sorted by code point; then the prefixed chars that
  occur in the words (``##a``), sorted by code point; then merged tokens in
  creation order;
* the alphabet, ``initial_alphabet`` and ``limit_alphabet`` follow the BPE
  trainer (:mod:`tokenlab.bpe`): every char of the corpus, forced chars always
  kept, the least frequent dropped first (larger code point first among equals),
  dropped chars removed from the words; ``initial_alphabet`` adds plain chars only;
* scores are compared exactly, by integer cross-multiplication in the shared
  pair-counting core; ties go to the higher ``count(ab)``, then to the smallest
  ``(left_id, right_id)``. Every pair that shares a symbol with a merge is
  re-scored after it, since a falling ``count(a)`` raises ``score(a, x)``;
* the merged token is ``left + right`` with the prefix of ``right`` removed
  (``##g`` + ``##s`` -> ``##gs``, ``h`` + ``##u`` -> ``hu``); when that string
  already exists its id is reused;
* pairs seen fewer than ``max(1, min_frequency)`` times are not candidates:
  rare pairs score highest (two chars seen once, and only together, score
  1/1, the maximum), so stopping at the first best pair below the threshold,
  as a frequency trainer may, would stop almost at once;
* training stops when the vocabulary (special tokens included) reaches
  ``vocab_size``, or no candidate pair is left.

Encoding with the result (greedy longest-match-first) is
:class:`tokenlab.models.WordPiece`.

Not supported: ``end_of_word_suffix`` and ``max_token_length`` (Hugging Face's
WordPiece trainer has neither), an ``unk_token`` other than ``[UNK]`` (the
model's default; it must be among the special tokens), and the original
paper's language-model likelihood (the count ratio above is its usual
stand-in).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from ._backend import PairCounter
from ._defaults import DEFAULTS
from ._training import (
    Stopwatch,
    TrainingStats,
    VocabBuilder,
    check_counts,
    check_int,
    dedupe_special_tokens,
    initial_alphabet_chars,
    merge_pairs,
    select_alphabet,
)
from .counts import as_counts
from .errors import ConfigError
from .models import WordPiece

__all__ = ["WordPieceTrainer"]

#: The unknown token of the trained model (the WordPiece model's default).
_UNK = "[UNK]"
_DEFAULTS = DEFAULTS["wordpiece"]


class WordPieceTrainer:
    """Configuration of a WordPiece training run (Hugging Face's argument names).

    Args:
        vocab_size: final vocabulary size, special tokens included.
        min_frequency: pairs seen fewer times than this are never merged.
        special_tokens: tokens that get the first ids, in this order; must
            include ``"[UNK]"``, the unknown token of the trained model.
        limit_alphabet: keep at most this many initial characters.
        initial_alphabet: characters always in the alphabet (only the first
            character of each string is used, as in Hugging Face).
        continuing_subword_prefix: prefix of non-initial subwords.
        show_progress: draw progress bars on stderr (only on a terminal).

    Raises:
        ConfigError: an option has the wrong type or an impossible value.

    After :meth:`train_from_counts`, ``stats`` describes the run and ``merges``
    lists the learned ``(left, right)`` token pairs in order (the model itself
    keeps only the vocabulary).

    >>> trainer = WordPieceTrainer(vocab_size=18, special_tokens=["[UNK]"], show_progress=False)
    >>> model = trainer.train_from_counts({"hug": 10, "pug": 5, "pun": 12, "bun": 4, "hugs": 5})
    >>> trainer.merges
    [('##g', '##s'), ('p', '##u'), ('h', '##u'), ('b', '##u'), ('hu', '##gs'), ('hu', '##g')]
    >>> [model.id_to_token(i) for i in model.tokenize("buns")[0]]
    ['bu', '##n', '##s']
    """

    def __init__(
        self,
        vocab_size: int = _DEFAULTS.vocab_size,
        min_frequency: int = _DEFAULTS.min_frequency,
        special_tokens: Iterable[str] = _DEFAULTS.special_tokens,
        limit_alphabet: int | None = None,
        initial_alphabet: Iterable[str] = (),
        continuing_subword_prefix: str = _DEFAULTS.continuing_subword_prefix or "##",
        show_progress: bool = True,
    ) -> None:
        check_int("vocab_size", vocab_size, 0)
        check_int("min_frequency", min_frequency, 0)
        check_int("limit_alphabet", limit_alphabet, 0, allow_none=True)
        special = dedupe_special_tokens(special_tokens)
        if _UNK not in special:
            raise ConfigError(
                f"special_tokens must include {_UNK!r}: the WordPiece model turns words it "
                f"cannot split into that token (got {special!r})"
            )
        # Unlike BPE, WordPiece needs the prefix: it is what tells a word's first
        # piece from the others.
        if not isinstance(continuing_subword_prefix, str) or not continuing_subword_prefix:
            raise ConfigError(
                "continuing_subword_prefix must be a non-empty string, got "
                f"{continuing_subword_prefix!r}"
            )
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency
        self.special_tokens = special
        self.limit_alphabet = limit_alphabet
        self.initial_alphabet = initial_alphabet_chars(initial_alphabet)
        self.continuing_subword_prefix = continuing_subword_prefix
        self.show_progress = show_progress
        self.stats = TrainingStats()
        self.merges: list[tuple[str, str]] = []

    def train_from_counts(self, counts: Mapping[str, int] | str | os.PathLike[str]) -> WordPiece:
        """Learn a WordPiece model from word counts.

        Args:
            counts: word -> frequency (words as the pre-tokenizer produced them),
                or the path of a counts file (:mod:`tokenlab.counts`; it must hold
                pre-tokenized words, not SentencePiece ones).

        Returns:
            The trained :class:`~tokenlab.models.WordPiece` model.

        Raises:
            CorpusError: no words to train on.
            ConfigError: ``vocab_size`` is smaller than special tokens + alphabet, or
                the counts file holds SentencePiece words.
            ModelFileError: the counts file is missing or malformed.
        """
        clock = Stopwatch()
        # 1. the counts, loaded from a file if need be and checked
        counts = as_counts(counts, user=type(self).__name__)
        check_counts(counts)
        # 2. the initial vocabulary: special tokens, alphabet, prefixed alphabet
        words = sorted(counts)
        builder, alphabet, later = self._initial_vocab(counts, words)
        # 3. every word as symbol ids: its first char as is, the others prefixed
        seqs = self._symbol_ids(words, builder, alphabet, later)
        freqs = [counts[word] for word in words]
        clock.lap("prepare")
        # 4. the pairs counted once, in the core; rare pairs are never candidates
        counter = PairCounter(
            seqs, freqs, scoring="likelihood", min_count=max(1, self.min_frequency)
        )
        del seqs
        clock.lap("count pairs")
        # 5. the merges, best score first
        merges = merge_pairs(
            counter,
            builder,
            self.vocab_size,
            prefix=self.continuing_subword_prefix,
            min_count=None,
            show_progress=self.show_progress,
        )
        clock.lap("merge")
        self.merges = merges
        self.stats = TrainingStats(
            vocab_size=len(builder),
            merges=len(merges),
            words=len(words),
            alphabet=len(alphabet),
            seconds=clock.total(),
            phases=clock.phases,
        )
        return WordPiece(
            builder.vocab, unk_token=_UNK, continuing_subword_prefix=self.continuing_subword_prefix
        )

    def _initial_vocab(
        self, counts: Mapping[str, int], words: list[str]
    ) -> tuple[VocabBuilder, list[str], set[str]]:
        """Special tokens, the alphabet, then the prefixed chars that occur after a
        word's first char; with the alphabet and those chars.

        Raises:
            ConfigError: ``vocab_size`` cannot hold them.
        """
        builder = VocabBuilder(self.special_tokens)
        alphabet = select_alphabet(counts, self.initial_alphabet, self.limit_alphabet)
        for ch in alphabet:
            builder.add(ch)
        # A char keeps its position's form even when an earlier char was dropped
        # by limit_alphabet (as in the BPE trainer and Hugging Face).
        later: set[str] = set()
        for word in words:
            later.update(word[1:])
        later &= set(alphabet)
        # Only the prefixed chars that occur get an id, as in Hugging Face (which
        # numbers them in hash order; here they are sorted, so ids are stable).
        # (add() keeps the id of a token that exists, e.g. a special "##x".)
        for ch in sorted(later):
            builder.add(self.continuing_subword_prefix + ch)
        base = len(builder)
        if self.vocab_size < base:
            raise ConfigError(
                f"vocab_size={self.vocab_size} is smaller than the {len(self.special_tokens)} "
                f"special tokens plus the {base - len(self.special_tokens)} initial symbols "
                f"({base}); use a vocab_size of at least {base}, or set limit_alphabet"
            )
        return builder, alphabet, later

    def _symbol_ids(
        self, words: list[str], builder: VocabBuilder, alphabet: list[str], later: set[str]
    ) -> list[list[int]]:
        """Each word's symbol ids; chars outside the alphabet dropped."""
        vocab, prefix = builder.vocab, self.continuing_subword_prefix
        kept = set(alphabet)
        first_id = {ch: vocab[ch] for ch in kept}
        later_id = {ch: vocab[prefix + ch] for ch in later}
        if self.limit_alphabet is None:
            # every char is kept: no filtering, and the ids come from two lookups
            return [[first_id[w[0]], *map(later_id.__getitem__, w[1:])] if w else [] for w in words]
        return [
            [first_id[ch] if i == 0 else later_id[ch] for i, ch in enumerate(w) if ch in kept]
            for w in words
        ]
