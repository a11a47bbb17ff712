"""BPETrainer: hand-derived goldens, Hugging Face's rules, and live parity with tokenizers."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import multilingual_lines

import tokenlab
from tokenlab import BPETrainer, ConfigError, CorpusError
from tokenlab.corpus import count_words
from tokenlab.pre_tokenizers import ByteLevel, WhitespaceSplit

HUG = {"hug": 10, "pug": 5, "pun": 12, "bun": 4, "hugs": 5}


def test_golden_hug_pug_pun_bun_hugs() -> None:
    # Alphabet sorted by code point: b g h n p s u (ids 0..6).
    # Pair counts: u g = hug 10 + pug 5 + hugs 5 = 20; u n = pun 12 + bun 4 = 16;
    # h u = hug 10 + hugs 5 = 15; p u = 17; b u = 4; g s = 5.
    # 1st merge: u g (20). Then h ug = 15, p ug = 5, ug s = 5, u n = 16, p u = 12:
    # 2nd merge: u n (16). Then h ug = 15, p un = 12, b un = 4, p ug = 5:
    # 3rd merge: h ug (15).
    trainer = BPETrainer(vocab_size=10, show_progress=False)
    model = trainer.train_from_counts(HUG)
    assert model.merges == [("u", "g"), ("u", "n"), ("h", "ug")]
    assert list(model.vocab) == ["b", "g", "h", "n", "p", "s", "u", "ug", "un", "hug"]
    assert model.vocab == {t: i for i, t in enumerate(model.vocab)}


def test_golden_through_whitespace_pre_tokenizer() -> None:
    text = ["hug " * 10 + "pug " * 5 + "pun " * 12 + "bun " * 4 + "hugs " * 5]
    tok = tokenlab.train(iter(text), vocab_size=10, pre_tokenizer="whitespace", show_progress=False)
    assert tok.model.merges == [("u", "g"), ("u", "n"), ("h", "ug")]
    assert tok.encode("hugs bun").tokens == ["hug", "s", "b", "un"]


def test_special_tokens_first_then_alphabet_then_merges() -> None:
    trainer = BPETrainer(vocab_size=12, special_tokens=["<s>", "</s>", "<s>"], show_progress=False)
    model = trainer.train_from_counts(HUG)
    assert list(model.vocab)[:3] == ["<s>", "</s>", "b"]  # duplicate dropped
    assert model.merges == [("u", "g"), ("u", "n"), ("h", "ug")]


def test_min_frequency_stops_training() -> None:
    # Counts of the merges in order are 20, 16, 15, then p un = 12: min 13 stops there.
    model = BPETrainer(vocab_size=100, min_frequency=13, show_progress=False).train_from_counts(HUG)
    assert len(model.merges) == 3


def test_stops_when_no_pairs_left() -> None:
    model = BPETrainer(vocab_size=1000, show_progress=False).train_from_counts({"ab": 1})
    assert model.merges == [("a", "b")]


def test_merge_that_spells_an_existing_token_reuses_its_id() -> None:
    # Special token "ug" takes id 0; the alphabet b g h n p s u gets 1..7 (8 tokens).
    # Merge 1 (u g) spells "ug": the merge is recorded, id 0 reused, vocab stays 8.
    # Merge 2 (u n) -> "un" id 8, merge 3 (h ug) -> "hug" id 9: vocab reaches 10.
    model = BPETrainer(vocab_size=10, special_tokens=["ug"], show_progress=False).train_from_counts(
        HUG
    )
    assert model.merges == [("u", "g"), ("u", "n"), ("h", "ug")]
    assert model.vocab["ug"] == 0
    assert model.vocab["hug"] == 9
    assert model.tokenize("hug")[0] == [9]


def test_limit_alphabet_is_deterministic() -> None:
    # Frequencies: a 6, b 3, c 3, d 3, e 1. Limit 3 drops e, then one of the
    # tied b/c/d: the larger code point first, so d goes; b and c stay.
    counts = {"aa": 3, "bc": 3, "d": 3, "e": 1}
    model = BPETrainer(vocab_size=3, limit_alphabet=3, show_progress=False).train_from_counts(
        counts
    )
    assert list(model.vocab) == ["a", "b", "c"]


def test_initial_alphabet_always_kept() -> None:
    counts = {"aa": 3, "bc": 3}
    model = BPETrainer(
        vocab_size=4, limit_alphabet=2, initial_alphabet=["zebra"], show_progress=False
    ).train_from_counts(counts)
    assert "z" in model.vocab and "a" in model.vocab


def test_prefix_and_suffix_ids_are_sorted_after_alphabet() -> None:
    # Words become: h ##u ##g</w> (10), p ##u ##g</w> (5), p ##u ##n</w> (12),
    # b ##u ##n</w> (4), h ##u ##g ##s</w> (5). Affixed symbols, sorted by code point,
    # follow the alphabet: ##g ##g</w> ##n</w> ##s</w> ##u (ids 7..11).
    # Pair counts: p ##u 17, ##u ##n</w> 16, h ##u 15, ##u ##g</w> 15, ##u ##g 5,
    # ##g ##s</w> 5, b ##u 4. Merges: (p ##u) 17; then h ##u 15; then pu ##n</w> 12;
    # then hu ##g</w> 10; then a three-way tie at 5 between (##g ##s</w>), (pu ##g</w>)
    # and (hu ##g): the smallest pair of ids is (##g=7, ##s</w>=10).
    trainer = BPETrainer(
        vocab_size=30,
        continuing_subword_prefix="##",
        end_of_word_suffix="</w>",
        show_progress=False,
    )
    model = trainer.train_from_counts(HUG)
    tokens = list(model.vocab)
    assert tokens[:12] == [
        "b",
        "g",
        "h",
        "n",
        "p",
        "s",
        "u",
        "##g",
        "##g</w>",
        "##n</w>",
        "##s</w>",
        "##u",
    ]
    assert model.merges[:5] == [
        ("p", "##u"),
        ("h", "##u"),
        ("pu", "##n</w>"),
        ("hu", "##g</w>"),
        ("##g", "##s</w>"),
    ]
    # The right part's prefix is dropped when merging: "pu" + "##n</w>" -> "pun</w>".
    assert tokens[12:15] == ["pu", "hu", "pun</w>"]


def test_max_token_length_is_inclusive() -> None:
    counts = {"aaaa": 5}
    model = BPETrainer(vocab_size=100, max_token_length=2, show_progress=False).train_from_counts(
        counts
    )
    assert model.merges == [("a", "a")]
    assert max(len(t) for t in model.vocab) == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"vocab_size": -1},
        {"vocab_size": 1.5},
        {"vocab_size": "100"},
        {"min_frequency": -2},
        {"limit_alphabet": -1},
        {"max_token_length": 0},
        {"special_tokens": "<s>"},
        {"special_tokens": [""]},
        {"continuing_subword_prefix": ""},
    ],
)
def test_bad_options_fail_before_work(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        BPETrainer(**kwargs)


def test_vocab_smaller_than_alphabet_is_an_error() -> None:
    with pytest.raises(ConfigError, match="at least 7"):
        BPETrainer(vocab_size=5, show_progress=False).train_from_counts(HUG)


def test_empty_corpus_is_an_error() -> None:
    with pytest.raises(CorpusError, match="empty"):
        BPETrainer(show_progress=False).train_from_counts({})
    with pytest.raises(CorpusError, match="empty"):
        tokenlab.train(iter(["", "   "]), pre_tokenizer="whitespace", show_progress=False)


def test_deterministic_across_runs_and_input_order(pydoc_text: list[str]) -> None:
    lines = pydoc_text[:3000]
    a = tokenlab.train(iter(lines), vocab_size=600, show_progress=False)
    b = tokenlab.train(iter(reversed(lines)), vocab_size=600, show_progress=False)
    assert a.to_str() == b.to_str()


# -- parity with Hugging Face tokenizers, run live --------------------------------------


def _hf_bpe(lines: list[str], vocab_size: int, byte_level: bool, min_frequency: int = 0):  # type: ignore[no-untyped-def]
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    hf = tk.Tokenizer(tk.models.BPE())
    if byte_level:
        hf.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
        alphabet = tk.pre_tokenizers.ByteLevel.alphabet()
    else:
        hf.pre_tokenizer = tk.pre_tokenizers.Whitespace()
        alphabet = []
    trainer = tk.trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        initial_alphabet=alphabet,
        show_progress=False,
    )
    hf.train_from_iterator(lines, trainer)
    model = json.loads(hf.to_str())["model"]
    return model["vocab"], [tuple(m) for m in model["merges"]]


@pytest.mark.parametrize("vocab_size", [2000, 5000])
def test_parity_byte_level_with_tokenizers(pydoc_text: list[str], vocab_size: int) -> None:
    hf_vocab, hf_merges = _hf_bpe(pydoc_text, vocab_size, byte_level=True)
    tok = tokenlab.train(iter(pydoc_text), vocab_size=vocab_size, show_progress=False)
    assert len(tok.model.merges) > 1000
    assert tok.model.vocab == hf_vocab
    assert list(tok.model.vocab) == list(hf_vocab)
    assert tok.model.merges == hf_merges


def test_parity_whitespace_with_tokenizers(pydoc_text: list[str]) -> None:
    hf_vocab, hf_merges = _hf_bpe(pydoc_text, 3000, byte_level=False, min_frequency=2)
    tok = tokenlab.train(
        iter(pydoc_text),
        vocab_size=3000,
        min_frequency=2,
        pre_tokenizer="whitespace",
        show_progress=False,
    )
    assert tok.model.vocab == hf_vocab
    assert tok.model.merges == hf_merges


def test_parity_files_line_by_line(tmp_path, pydoc_text: list[str]) -> None:  # type: ignore[no-untyped-def]
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    path = tmp_path / "corpus.txt"
    path.write_text("".join(pydoc_text[:4000]), encoding="utf-8")
    hf = tk.Tokenizer(tk.models.BPE())
    hf.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = tk.trainers.BpeTrainer(
        vocab_size=1500, initial_alphabet=ByteLevel.alphabet(), show_progress=False
    )
    hf.train([str(path)], trainer)
    tok = tokenlab.train(str(path), vocab_size=1500, show_progress=False)
    model = json.loads(hf.to_str())["model"]
    assert tok.model.merges == [tuple(m) for m in model["merges"]]


def test_multilingual_parity_in_any_word_order() -> None:
    # The trainer keeps the counts' order (no sort): merges must not depend on it.
    lines = multilingual_lines()
    hf_vocab, hf_merges = _hf_bpe(lines, 3000, byte_level=True)
    counts = count_words(lines, pre_tokenizer=ByteLevel(add_prefix_space=False))
    keys = list(counts)
    for order in (keys, sorted(keys), sorted(keys, reverse=True)):
        trainer = BPETrainer(
            vocab_size=3000, initial_alphabet=ByteLevel.alphabet(), show_progress=False
        )
        model = trainer.train_from_counts({k: counts[k] for k in order})
        assert model.vocab == hf_vocab
        assert model.merges == hf_merges


@pytest.mark.parametrize("drop", [0, 1, 40])
def test_limit_alphabet_in_any_word_order(drop: int) -> None:
    # limit_alphabet at the corpus's char count (nothing dropped: the trainer's fast
    # path) and below it (words keep only the kept chars), counts in three orders.
    # tokenizers keeps an arbitrary set among equally frequent chars, so the kept
    # alphabet is checked against the rule itself: most frequent, then smallest.
    counts = count_words(multilingual_lines()[:1500], pre_tokenizer=WhitespaceSplit())
    freq: Counter[str] = Counter()
    for word, n in counts.items():
        for ch in word:
            freq[ch] += n
    limit = len(freq) - drop
    kept = sorted(sorted(freq, key=lambda c: (-freq[c], ord(c)))[:limit])
    results = []
    for order in (list(counts), sorted(counts), sorted(counts, reverse=True)):
        trainer = BPETrainer(vocab_size=limit + 800, limit_alphabet=limit, show_progress=False)
        model = trainer.train_from_counts({k: counts[k] for k in order})
        assert list(model.vocab)[:limit] == kept
        results.append((model.vocab, model.merges))
    assert len(results[0][1]) == 800
    assert results[0] == results[1] == results[2]
