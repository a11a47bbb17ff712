"""BPE training with frequency merges (Sennrich, Haddow and Birch, 2016).

The trainer follows Hugging Face's ``BpeTrainer`` rule for rule, so that on the
same word counts it learns the same vocabulary and the same merge list:

* ids: special tokens first (given order, duplicates dropped), then the
  alphabet sorted by code point, then merged tokens in creation order;
* the alphabet frequency of a char is its number of occurrences weighted by
  word count; ``initial_alphabet`` chars are always kept; ``limit_alphabet``
  drops the least frequent chars, which are then dropped from the words;
* every adjacent window is a pair, overlapping ones included (``aaa`` has the
  pair ``a a`` twice); a merge rewrites words left to right, non-overlapping;
* the best pair has the highest count, ties going to the smallest
  ``(left_id, right_id)``;
* training stops when the vocabulary (special tokens included) reaches
  ``vocab_size`` or the best count is below ``max(1, min_frequency)``;
* the merged token is ``left + right`` with the continuing-subword prefix of
  ``right`` removed; when that string already exists (two merges can spell the
  same token) its id is reused and only the merge is recorded.

Where Hugging Face is not deterministic, tokenlab is, by these rules:

* ``limit_alphabet`` ties: among chars of equal frequency, the ones with the
  larger code point are dropped first;
* with ``continuing_subword_prefix`` or ``end_of_word_suffix`` the affixed
  initial symbols (``##a``, ``a</w>``) get ids right after the alphabet, sorted
  by code point (Hugging Face numbers them in hash-map order).

And where Hugging Face has a documented bug, tokenlab does what the option says:
``max_token_length`` caps merged tokens at that many characters (Hugging Face's
check is off by one and allows only ``max_token_length - 1``), and counts are
64-bit (Hugging Face's pair counts are 32-bit and overflow on huge corpora).

Not supported: BPE dropout during training, multi-process merging.
"""

from __future__ import annotations

import array
import itertools
import os
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._backend import PairCounter
from ._defaults import DEFAULTS
from ._threads import gc_paused
from ._training import Stopwatch, merge_pairs
from ._training import TrainingStats as TrainingStats
from ._training import VocabBuilder as VocabBuilder
from ._training import check_counts as check_counts
from ._training import check_int as check_int
from ._training import dedupe_special_tokens as dedupe_special_tokens
from ._training import initial_alphabet_chars as initial_alphabet_chars
from ._training import select_alphabet as select_alphabet
from .counts import as_counts
from .errors import ConfigError
from .models import BPE

# The option checks and helpers are in tokenlab._training (shared by every trainer);
# they are still importable from here, where they used to live.
__all__ = [
    "BPETrainer",
    "TrainingStats",
    "VocabBuilder",
    "check_counts",
    "check_int",
    "dedupe_special_tokens",
    "initial_alphabet_chars",
    "select_alphabet",
]

_DEFAULTS = DEFAULTS["bpe"]

# UTF-32 in this machine's byte order: its 4-byte units read back as C unsigned ints
_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"

#: The largest ``max_token_length`` (None is no limit).
MAX_TOKEN_LENGTH = 2**31 - 1


class BPETrainer:
    """Configuration of a BPE training run (Hugging Face's argument names).

    Args:
        vocab_size: final vocabulary size, special tokens included.
        min_frequency: a merge needs a pair count of at least this.
        special_tokens: tokens that get the first ids, in this order.
        limit_alphabet: keep at most this many initial characters.
        initial_alphabet: characters always in the alphabet (only the first
            character of each string is used, as in Hugging Face).
        continuing_subword_prefix: prefix of non-initial subwords (``"##"``).
        end_of_word_suffix: suffix of word-final subwords (``"</w>"``).
        max_token_length: longest merged token, in characters.
        show_progress: draw progress bars on stderr (only on a terminal).

    Raises:
        ConfigError: an option has the wrong type or an impossible value.

    >>> trainer = BPETrainer(vocab_size=10, show_progress=False)
    >>> model = trainer.train_from_counts({"hug": 10, "pug": 5, "pun": 12, "bun": 4, "hugs": 5})
    >>> model.merges
    [('u', 'g'), ('u', 'n'), ('h', 'ug')]
    """

    def __init__(
        self,
        vocab_size: int = _DEFAULTS.vocab_size,
        min_frequency: int = _DEFAULTS.min_frequency,
        special_tokens: Iterable[str] = _DEFAULTS.special_tokens,
        limit_alphabet: int | None = None,
        initial_alphabet: Iterable[str] = (),
        continuing_subword_prefix: str | None = None,
        end_of_word_suffix: str | None = None,
        max_token_length: int | None = None,
        show_progress: bool = True,
    ) -> None:
        check_int("vocab_size", vocab_size, 0)
        check_int("min_frequency", min_frequency, 0)
        check_int("limit_alphabet", limit_alphabet, 0, allow_none=True)
        check_int("max_token_length", max_token_length, 1, allow_none=True)
        if max_token_length is not None and max_token_length > MAX_TOKEN_LENGTH:
            # the native core holds it in a C long; no token is that long anyway
            raise ConfigError(
                f"max_token_length must be at most {MAX_TOKEN_LENGTH}, got {max_token_length}; "
                "use None for no limit"
            )
        special = dedupe_special_tokens(special_tokens)
        for name, value in (
            ("continuing_subword_prefix", continuing_subword_prefix),
            ("end_of_word_suffix", end_of_word_suffix),
        ):
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigError(f"{name} must be a non-empty string or None, got {value!r}")
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency
        self.special_tokens = special
        self.limit_alphabet = limit_alphabet
        self.initial_alphabet = initial_alphabet_chars(initial_alphabet)
        self.continuing_subword_prefix = continuing_subword_prefix
        self.end_of_word_suffix = end_of_word_suffix
        self.max_token_length = max_token_length
        self.show_progress = show_progress
        self.stats = TrainingStats()

    def train_from_counts(self, counts: Mapping[str, int] | str | os.PathLike[str]) -> BPE:
        """Learn a BPE model from word counts.

        Args:
            counts: word -> frequency (words as the pre-tokenizer produced them),
                or the path of a counts file (:mod:`tokenlab.counts`; it must hold
                pre-tokenized words, not SentencePiece ones).

        Returns:
            The trained :class:`~tokenlab.models.BPE` model.

        Raises:
            CorpusError: no words to train on.
            ConfigError: ``vocab_size`` is smaller than special tokens + alphabet, or
                the counts file holds SentencePiece words.
            ModelFileError: the counts file is missing or malformed.
        """
        # The set-up makes 10^5 objects that all survive: the cyclic GC would walk
        # them again and again for nothing.
        with gc_paused():
            return self._train(counts)

    def _train(self, counts: Mapping[str, int] | str | os.PathLike[str]) -> BPE:
        clock = Stopwatch()
        # 1. the counts, loaded from a file if need be and checked
        counts = as_counts(counts, user=type(self).__name__)
        check_counts(counts)
        # 2. the initial vocabulary: special tokens, alphabet, affixed alphabet symbols
        # In the counts' order: the merges do not depend on it (equal counts are
        # ordered by ids), and sorting 10^5 strings cost a tenth of the set-up.
        words = list(counts)
        builder, alphabet, base = self._initial_vocab(counts, words)
        # Every char of the words is a symbol unless limit_alphabet dropped some (a
        # drop leaves exactly limit_alphabet chars): then no need to look for others.
        complete = self.limit_alphabet is None or len(alphabet) < self.limit_alphabet
        # 3. every word as symbol ids, with its count
        seqs, ends, freqs, lengths = self._symbol_ids(words, counts, builder, base, complete)
        clock.lap("prepare")
        # 4. the pairs counted once, in the core
        counter = PairCounter(
            seqs,
            freqs,
            scoring="count",
            symbol_lengths=lengths,
            max_token_length=self.max_token_length,
            ends=ends,
        )
        del seqs, ends
        clock.lap("count pairs")
        # 5. the merges, best pair first
        merges = merge_pairs(
            counter,
            builder,
            self.vocab_size,
            prefix=self.continuing_subword_prefix,
            min_count=max(1, self.min_frequency),
            show_progress=self.show_progress,
        )
        clock.lap("merge")
        # Freeing the counter's 10^6 small blocks takes a tenth of a second: done
        # without the GIL on a thread of its own while the model is built.
        threading.Thread(target=counter.release).start()
        del counter
        self.stats = TrainingStats(
            vocab_size=len(builder),
            merges=len(merges),
            words=len(words),
            alphabet=len(alphabet),
            seconds=clock.total(),
            phases=clock.phases,
        )
        return BPE(
            builder.vocab,
            merges,
            continuing_subword_prefix=self.continuing_subword_prefix,
            end_of_word_suffix=self.end_of_word_suffix,
        )

    def _initial_vocab(
        self, counts: Mapping[str, int], words: list[str]
    ) -> tuple[VocabBuilder, list[str], int]:
        """Special tokens, then the alphabet by code point, then the affixed symbols;
        the alphabet, and the size of the vocabulary before the affixed symbols.

        Raises:
            ConfigError: ``vocab_size`` cannot hold the special tokens and the alphabet.
        """
        builder = VocabBuilder(self.special_tokens)
        alphabet = select_alphabet(counts, self.initial_alphabet, self.limit_alphabet)
        for ch in alphabet:
            builder.add(ch)
        base = len(builder)
        if self.vocab_size < base:
            raise ConfigError(
                f"vocab_size={self.vocab_size} is smaller than the {len(self.special_tokens)} "
                f"special tokens plus the {len(alphabet)} characters of the alphabet "
                f"({base}); use a vocab_size of at least {base}, or set limit_alphabet"
            )
        # Affixed initial symbols: ids after the alphabet, sorted by code point.
        if self.continuing_subword_prefix or self.end_of_word_suffix:
            vocab = builder.vocab
            affixed: set[str] = set()
            for word in words:
                last = len(word) - 1
                for i, ch in enumerate(word):
                    if ch in vocab:
                        s = self._affix(ch, i, last)
                        if s not in vocab:
                            affixed.add(s)
            for s in sorted(affixed):
                builder.add(s)
        return builder, alphabet, base

    def _symbol_ids(
        self,
        words: list[str],
        counts: Mapping[str, int],
        builder: VocabBuilder,
        base: int,
        complete: bool,
    ) -> tuple[Sequence[Any], Sequence[int] | None, list[int], list[int]]:
        """Each word's symbol ids (chars outside the alphabet dropped), its count, and
        each symbol's length in characters of text.

        The ids come as one flat buffer and each word's end in it when every char is a
        symbol (the PairCounter copies them in C), else as one list per word and None.
        ``complete``: every char of the words is known to be a symbol. ``words`` are
        the keys of ``counts`` in order.
        """
        vocab = builder.vocab
        affixes = bool(self.continuing_subword_prefix or self.end_of_word_suffix)
        # A symbol's length counts characters of text, not of the affixes.
        lengths = [len(t) for t in builder.tokens[:base]] + [1] * (len(builder) - base)
        if not affixes:
            fast = _symbol_ids_at_once(words, vocab, complete)
            if fast is not None:
                return fast[0], fast[1], list(counts.values()), lengths
        seqs: list[Sequence[int]] = []
        freqs: list[int] = []
        for word in words:
            last = len(word) - 1
            if affixes:
                ids = [vocab[self._affix(ch, i, last)] for i, ch in enumerate(word) if ch in vocab]
            else:
                ids = [vocab[ch] for ch in word if ch in vocab]
            seqs.append(ids)
            freqs.append(counts[word])
        return seqs, None, freqs, lengths

    def _affix(self, ch: str, i: int, last: int) -> str:
        s = ch
        if self.continuing_subword_prefix and i > 0:
            s = self.continuing_subword_prefix + s
        if self.end_of_word_suffix and i == last:
            s = s + self.end_of_word_suffix
        return s


def _symbol_ids_at_once(
    words: list[str], vocab: Mapping[str, int], complete: bool = False
) -> tuple[memoryview, array.array[int]] | None:
    """Every word's symbol ids in one buffer and each word's end in it, when every
    char of ``words`` is a symbol (known to be if ``complete``); else None.

    One ``translate`` of all the words joined (each char to the char whose code point
    is its id) and one UTF-32 buffer: no Python list or int per symbol or per word.
    """
    joined = "".join(words)
    if complete:  # the set of 10^7 chars is not needed: map every 1-char symbol
        table = {ord(t): i for t, i in vocab.items() if len(t) == 1}
    else:
        chars = set(joined)
        if not chars <= vocab.keys():
            return None
        table = {ord(ch): vocab[ch] for ch in chars}
    mapped = joined.translate(table)
    del joined
    ids = memoryview(mapped.encode(_UTF32, "surrogatepass")).cast("I")
    return ids, array.array("q", itertools.accumulate(map(len, words)))
