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

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ._backend import BACKEND, PairCounter
from ._progress import Progress, progress_enabled
from .errors import ConfigError, CorpusError
from .models import BPE

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


@dataclass
class TrainingStats:
    """What a training run did, for summaries and reports."""

    vocab_size: int = 0
    merges: int = 0
    words: int = 0
    alphabet: int = 0
    seconds: float = 0.0
    backend: str = BACKEND
    phases: dict[str, float] = field(default_factory=dict)


#: The largest ``max_token_length`` (None is no limit).
MAX_TOKEN_LENGTH = 2**31 - 1


def check_int(name: str, value: object, minimum: int, allow_none: bool = False) -> None:
    """Raise ConfigError unless ``value`` is an int >= ``minimum`` (or None if allowed)."""
    if value is None and allow_none:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")


def dedupe_special_tokens(tokens: Iterable[str]) -> list[str]:
    """The special tokens in order, duplicates dropped; ConfigError on a non-string."""
    if isinstance(tokens, str):
        raise ConfigError("special_tokens must be a list of strings, not one string")
    out: list[str] = []
    for t in tokens:
        if not isinstance(t, str) or not t:
            raise ConfigError(f"special tokens must be non-empty strings, got {t!r}")
        if t not in out:
            out.append(t)
    return out


def initial_alphabet_chars(initial_alphabet: Iterable[str]) -> list[str]:
    """The first char of each ``initial_alphabet`` entry, in order, without repeats.

    A plain string is read as a sequence of chars.
    """
    alphabet: list[str] = []
    for s in list(initial_alphabet) if isinstance(initial_alphabet, str) else initial_alphabet:
        if not isinstance(s, str) or not s:
            raise ConfigError(f"initial_alphabet entries must be non-empty strings, got {s!r}")
        if s[0] not in alphabet:
            alphabet.append(s[0])
    return alphabet


def check_counts(counts: Mapping[str, int]) -> None:
    """Raise ConfigError on a malformed count, CorpusError when every count is zero."""
    for word, count in counts.items():
        if not isinstance(word, str) or not isinstance(count, int) or count < 0:
            raise ConfigError(f"counts must map str -> int >= 0, got {word!r}: {count!r}")
    if not any(counts.values()):
        raise CorpusError("the corpus is empty: no words to train on")


def select_alphabet(
    counts: Mapping[str, int], initial_alphabet: Iterable[str], limit_alphabet: int | None
) -> list[str]:
    """The training alphabet, sorted by code point.

    A char's frequency is its number of occurrences weighted by word count;
    ``initial_alphabet`` chars are always kept; ``limit_alphabet`` keeps only the
    most frequent chars.
    """
    freq: dict[str, int] = {}
    for word, count in counts.items():
        for ch in word:
            freq[ch] = freq.get(ch, 0) + count
    forced = set(initial_alphabet)
    chars = set(freq) | forced
    if limit_alphabet is not None and len(chars) > limit_alphabet:
        # Least frequent first; among equals the larger code point first, so
        # the dropped set never depends on hash order. Forced chars sort last.
        order = sorted(
            chars,
            key=lambda c: (c in forced, freq.get(c, 0) if c not in forced else 0, -ord(c)),
        )
        chars = set(order[len(chars) - limit_alphabet :])
    return sorted(chars)


class VocabBuilder:
    """A vocabulary built in id order: adding a known token returns its id.

    >>> v = VocabBuilder(["<s>"])
    >>> v.add("a"), v.add("<s>"), v.tokens
    (1, 0, ['<s>', 'a'])
    """

    def __init__(self, tokens: Iterable[str] = ()) -> None:
        self.vocab: dict[str, int] = {}
        self.tokens: list[str] = []
        for t in tokens:
            self.add(t)

    def add(self, token: str) -> int:
        """The id of ``token``, giving it the next id if it is new."""
        tid = self.vocab.get(token)
        if tid is None:
            tid = len(self.tokens)
            self.vocab[token] = tid
            self.tokens.append(token)
        return tid

    def __len__(self) -> int:
        return len(self.tokens)


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
        vocab_size: int = 30000,
        min_frequency: int = 0,
        special_tokens: Iterable[str] = (),
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

    def _alphabet(self, counts: Mapping[str, int]) -> list[str]:
        return select_alphabet(counts, self.initial_alphabet, self.limit_alphabet)

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
        from .counts import as_counts

        t0 = time.perf_counter()
        counts = as_counts(counts, self)
        check_counts(counts)
        builder = VocabBuilder(self.special_tokens)
        vocab, tokens, add = builder.vocab, builder.tokens, builder.add
        alphabet = self._alphabet(counts)
        for ch in alphabet:
            add(ch)
        base = len(vocab)
        if self.vocab_size < base:
            raise ConfigError(
                f"vocab_size={self.vocab_size} is smaller than the {len(self.special_tokens)} "
                f"special tokens plus the {len(alphabet)} characters of the alphabet "
                f"({base}); use a vocab_size of at least {base}, or set limit_alphabet"
            )
        prefix = self.continuing_subword_prefix
        suffix = self.end_of_word_suffix
        words = sorted(counts)
        # Affixed initial symbols: ids after the alphabet, sorted by code point.
        if prefix or suffix:
            affixed: set[str] = set()
            for word in words:
                kept = [(i, ch) for i, ch in enumerate(word) if ch in vocab]
                last = len(word) - 1
                for i, ch in kept:
                    s = self._affix(ch, i, last)
                    if s not in vocab:
                        affixed.add(s)
            for s in sorted(affixed):
                add(s)
        lengths = [len(t) for t in tokens]
        seqs: list[list[int]] = []
        freqs: list[int] = []
        for word in words:
            last = len(word) - 1
            if prefix or suffix:
                ids = [vocab[self._affix(ch, i, last)] for i, ch in enumerate(word) if ch in vocab]
            else:
                ids = [vocab[ch] for ch in word if ch in vocab]
            seqs.append(ids)
            freqs.append(counts[word])
        # A symbol's length counts characters of text, not of the affixes.
        for i in range(base, len(tokens)):
            lengths[i] = 1
        t1 = time.perf_counter()
        counter = PairCounter(
            seqs,
            freqs,
            scoring="count",
            symbol_lengths=lengths,
            max_token_length=self.max_token_length,
        )
        del seqs
        t2 = time.perf_counter()
        merges: list[tuple[str, str]] = []
        min_count = max(1, self.min_frequency)
        todo = max(0, self.vocab_size - len(vocab))
        with Progress(todo, "Merges", enabled=progress_enabled(self.show_progress)) as bar:
            while len(vocab) < self.vocab_size:
                best = counter.best()
                if best is None or best[2] < min_count:
                    break
                left, right, _ = best
                a = tokens[left]
                b = tokens[right]
                merged = a + b[len(prefix) :] if prefix and b.startswith(prefix) else a + b
                before = len(vocab)
                new_id = add(merged)
                merges.append((a, b))
                counter.merge(left, right, new_id)
                bar.update(len(vocab) - before)
        t3 = time.perf_counter()
        model = BPE(
            vocab,
            merges,
            continuing_subword_prefix=prefix,
            end_of_word_suffix=suffix,
        )
        self.stats = TrainingStats(
            vocab_size=len(vocab),
            merges=len(merges),
            words=len(words),
            alphabet=len(alphabet),
            seconds=time.perf_counter() - t0,
            phases={"prepare": t1 - t0, "count pairs": t2 - t1, "merge": t3 - t2},
        )
        return model

    def _affix(self, ch: str, i: int, last: int) -> str:
        s = ch
        if self.continuing_subword_prefix and i > 0:
            s = self.continuing_subword_prefix + s
        if self.end_of_word_suffix and i == last:
            s = s + self.end_of_word_suffix
        return s
