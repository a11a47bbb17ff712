"""Word frequencies above 2**31 (and pair sums above 2**32) in every trainer.

Hugging Face ``tokenizers`` counts pairs in 32 bits (their issue #1170); tokenlab
counts in 64 bits. Multiplying every count by K = 2**33 keeps every comparison
a frequency-based trainer makes (BPE and SentencePiece-BPE compare counts;
WordPiece compares count(ab) / (count(a) count(b)), which scales by 1/K for every
pair alike), so the model must be the same as on the plain counts; a 32-bit
counter would wrap every count to 0 mod 2**32. Unigram's EM is not scale-free
for small counts (digamma), but for counts this large it is, up to rounding:
K and 2K must keep the same pieces with the same scores to 1e-6. The suite runs
on both backends, so each trainer is checked on both cores.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tokenlab import BPETrainer, SentencePieceBPETrainer, UnigramTrainer, WordPieceTrainer
from tokenlab.corpus import count_words
from tokenlab.pre_tokenizers import Whitespace

K = 2**33
TEXT = (
    "low lower lowest newer newest wider widest slow slower show shower "
    "the quick brown fox jumps over the lazy dog hello hello world words "
) * 3


def word_counts() -> Counter[str]:
    counts = count_words([TEXT], pre_tokenizer=Whitespace())
    # uneven counts, so that the merge order depends on them
    return Counter({w: c * (1 + i % 5) for i, (w, c) in enumerate(sorted(counts.items()))})


def scaled(counts: Counter[str], k: int) -> dict[str, int]:
    return {w: c * k for w, c in counts.items()}


def test_scaled_counts_exceed_32_bits() -> None:
    counts = scaled(word_counts(), K)
    assert min(counts.values()) > 2**31
    # the pair ("l", "o") sums the counts of several words: far above 2**32
    assert sum(c for w, c in counts.items() if "lo" in w) > 2**32


@pytest.mark.parametrize(
    "make",
    [
        lambda: BPETrainer(vocab_size=60, show_progress=False),
        lambda: WordPieceTrainer(vocab_size=70, show_progress=False),
    ],
    ids=["bpe", "wordpiece"],
)
def test_bpe_and_wordpiece_are_scale_free(make: object) -> None:
    counts = word_counts()
    small = make().train_from_counts(counts)  # type: ignore[operator]
    huge = make().train_from_counts(scaled(counts, K))  # type: ignore[operator]
    assert huge.to_dict() == small.to_dict()
    assert len(huge.get_vocab()) > 40  # it learned merges, not an empty model


def test_sentencepiece_bpe_is_scale_free() -> None:
    trainer = SentencePieceBPETrainer(vocab_size=50, normalizer=None, show_progress=False)
    counts = trainer.count_words(TEXT.split("the"))
    small = trainer.train_from_counts(counts)
    huge = SentencePieceBPETrainer(
        vocab_size=50, normalizer=None, show_progress=False
    ).train_from_counts(scaled(Counter(counts), K))
    assert huge.pieces == small.pieces


def test_unigram_with_huge_counts() -> None:
    def train(k: int) -> list[tuple[str, float]]:
        trainer = UnigramTrainer(vocab_size=40, normalizer=None, show_progress=False)
        counts = trainer.count_words(TEXT.split("the"))
        return list(trainer.train_from_counts(scaled(Counter(counts), k)).pieces)

    a, b = train(K), train(2 * K)
    assert [p for p, _ in a] == [p for p, _ in b]
    for (_, sa), (_, sb) in zip(a, b):
        assert sa == pytest.approx(sb, abs=1e-6)
        assert sa <= 0.0  # log-probabilities: an overflow would show up here
