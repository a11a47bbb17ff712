"""What the trainers share: option checks, the alphabet, the vocabulary builder, the merge loop.

:mod:`tokenlab.bpe`, :mod:`tokenlab.wordpiece`, :mod:`tokenlab.sentencepiece_bpe`
and :mod:`tokenlab.unigram` build on these; none of them is an algorithm by
itself. The option checks live in :mod:`tokenlab._checks` (a leaf), so that the
text layer (:mod:`tokenlab._sp_options`, :mod:`tokenlab.counts`) uses them without
depending on training.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._backend import BACKEND
from ._checks import check_bool as check_bool
from ._checks import check_int as check_int
from ._checks import check_symbols as check_symbols
from ._progress import Progress, progress_enabled
from .errors import ConfigError, CorpusError

__all__ = [
    "Stopwatch",
    "TrainingStats",
    "VocabBuilder",
    "check_bool",
    "check_counts",
    "check_int",
    "check_symbols",
    "dedupe_special_tokens",
    "initial_alphabet_chars",
    "merge_pairs",
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


class Stopwatch:
    """Named phases of a training run, timed one after the other.

    >>> clock = Stopwatch()
    >>> clock.lap("prepare") >= 0.0, list(clock.phases)
    (True, ['prepare'])
    """

    def __init__(self) -> None:
        self.start = self._last = time.perf_counter()
        self.phases: dict[str, float] = {}

    def lap(self, name: str) -> float:
        """End the phase ``name`` now; its seconds."""
        now = time.perf_counter()
        self.phases[name] = now - self._last
        self._last = now
        return self.phases[name]

    def total(self) -> float:
        """Seconds since the stopwatch started."""
        return time.perf_counter() - self.start


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

    >>> initial_alphabet_chars(["ab", "c", "a"])
    ['a', 'c']
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
    # Type sets are taken at C speed; the loop that names the bad entry runs only if
    # they show one.
    if not (
        set(map(type, counts)) <= {str}
        and set(map(type, counts.values())) <= {int}
        and min(counts.values(), default=0) >= 0
    ):
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

    >>> select_alphabet({"aab": 2, "c": 1}, ["z"], 3)
    ['a', 'b', 'z']
    """
    forced = set(initial_alphabet)
    # the chars of all words at once; their frequencies only matter for a limit
    chars = set("".join(counts)) | forced
    if limit_alphabet is not None and len(chars) > limit_alphabet:
        freq: dict[str, int] = {}
        for word, count in counts.items():
            for ch in word:
                freq[ch] = freq.get(ch, 0) + count
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


def merge_pairs(
    counter: Any,
    builder: VocabBuilder,
    vocab_size: int,
    *,
    prefix: str | None,
    min_count: int | None,
    show_progress: bool,
) -> list[tuple[str, str]]:
    """Merge the counter's best pair until the vocabulary has ``vocab_size`` tokens.

    The loop of the BPE and WordPiece trainers: the merged token is ``left +
    right`` with the continuing-subword ``prefix`` of ``right`` removed; when that
    string is already a token (two merges can spell it) its id is reused and
    only the merge is recorded.

    Args:
        counter: a core ``PairCounter`` over the words' symbol ids.
        builder: the vocabulary so far; merged tokens are added to it.
        vocab_size: stop when the vocabulary reaches this size.
        prefix: the continuing-subword prefix (None: none).
        min_count: stop at the first best pair counted fewer times (None: the
            counter already leaves such pairs out, as for likelihood scores).
        show_progress: draw a progress bar (only on a terminal).

    Returns:
        The merges, ``(left, right)`` token pairs in order.

    >>> from tokenlab._backend import PairCounter
    >>> vocab = VocabBuilder(["a", "b"])  # the word "aab", seen twice
    >>> counter = PairCounter([[0, 0, 1]], [2], scoring="count")
    >>> merge_pairs(counter, vocab, 4, prefix=None, min_count=1, show_progress=False)
    [('a', 'a'), ('aa', 'b')]
    >>> vocab.tokens
    ['a', 'b', 'aa', 'aab']
    """
    tokens, vocab = builder.tokens, builder.vocab
    merges: list[tuple[str, str]] = []
    todo = max(0, vocab_size - len(vocab))
    with Progress(todo, "Merges", enabled=progress_enabled(show_progress), unit="merge") as bar:
        while len(vocab) < vocab_size:
            best = counter.best()
            if best is None or (min_count is not None and best[2] < min_count):
                break
            left, right, _ = best
            a = tokens[left]
            b = tokens[right]
            merged = a + b[len(prefix) :] if prefix and b.startswith(prefix) else a + b
            before = len(vocab)
            new_id = builder.add(merged)
            merges.append((a, b))
            counter.merge(left, right, new_id)
            bar.update(len(vocab) - before)
    return merges
