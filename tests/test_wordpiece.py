"""Tests for tokenlab.wordpiece and the WordPiece model: goldens, properties, parity.

The trainer is checked against a golden derived by hand, against the naive
recount-everything reference on random corpora (on both cores), and against
`tokenizers` only where the two must agree (special tokens, alphabet, size),
since Hugging Face's WordPieceTrainer merges by frequency, not likelihood.
The encoder is checked core against core and against `tokenizers`' WordPiece.
"""

from __future__ import annotations

import importlib
import json
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenlab.wordpiece
from tokenlab import _pycore
from tokenlab import _reference as ref
from tokenlab.errors import ConfigError, CorpusError, ModelFileError
from tokenlab.models import WordPiece, model_from_dict
from tokenlab.wordpiece import WordPieceTrainer

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
HUG = {"hug": 10, "pug": 5, "pun": 12, "bun": 4, "hugs": 5}


def _native() -> ModuleType:
    try:
        return importlib.import_module("tokenlab._core")
    except ImportError as e:
        pytest.skip(f"native core not built ({e}); build it with `python setup.py build_ext -i`")


def _tokenizers() -> Any:
    return pytest.importorskip(
        "tokenizers", reason="parity tests need the `tokenizers` package (pip install tokenizers)"
    )


def _train(
    core: ModuleType, counts: dict[str, int], **kwargs: Any
) -> tuple[WordPieceTrainer, WordPiece]:
    """Train with the trainer's PairCounter taken from ``core``."""
    kwargs.setdefault("show_progress", False)
    trainer = WordPieceTrainer(**kwargs)
    with mock.patch.object(tokenlab.wordpiece, "PairCounter", core.PairCounter):
        model = trainer.train_from_counts(counts)
    return trainer, model


# -- trainer: goldens --------------------------------------------------------------


def test_hug_golden(core: ModuleType) -> None:
    # Words as first char + "##" chars: h ##u ##g (10), p ##u ##g (5), p ##u ##n (12),
    # b ##u ##n (4), h ##u ##g ##s (5).
    # Symbol counts: h 15, p 17, b 4, ##u 36, ##g 20, ##n 16, ##s 5.
    # Ids: specials 0-4; plain chars b5 g6 h7 n8 p9 s10 u11 (every char of the alphabet);
    # "##" chars that occur: ##g12 ##n13 ##s14 ##u15; merges from 16.
    #
    # 1. score(a,b) = count(ab) / (count(a) count(b)):
    #    (h,##u) 15/(15*36), (p,##u) 17/(17*36), (b,##u) 4/(4*36), (##u,##g) 20/(36*20),
    #    (##u,##n) 16/(36*16): all 1/36; (##g,##s) 5/(20*5) = 1/20.  -> ##gs (16)
    # 2. ##g 15, ##s 0. (##u,##g) 15/(36*15), (##u,##gs) 5/(36*5): every pair ties at
    #    1/36; the higher pair count wins: (p,##u) 17.  -> pu (17)
    # 3. p 0, ##u 19. (h,##u) 15/(15*19) = 1/19, (b,##u) 4/(4*19) = 1/19,
    #    (##u,##gs) 5/(19*5) = 1/19, (pu,##n) 12/(17*16) = 3/68, (##u,##g) 10/(19*15) = 2/57,
    #    (pu,##g) 5/(17*15) = 1/51, (##u,##n) 4/(19*16) = 1/76. Tie at 1/19, highest
    #    count (h,##u) 15.  -> hu (18)
    # 4. h 0, ##u 4. (b,##u) 4/(4*4) = 1/4 beats (hu,##gs) 5/(15*5) = 1/15,
    #    (##u,##n) 4/(4*16) = 1/16, (hu,##g) 10/(15*15) = 2/45, (pu,##n) 3/68.  -> bu (19)
    # 5. (hu,##gs) 1/15 > (bu,##n) 4/(4*16) = 1/16 > 2/45 > 3/68 > (pu,##g) 1/51.  -> hugs (20)
    # 6. hu 10, ##gs 0. (hu,##g) 10/(10*15) = 1/15 > 1/16 > 3/68 > 1/51.  -> hug (21)
    # 7. ##g 5. (bu,##n) 1/16 > (pu,##g) 5/(17*5) = 1/17 > (pu,##n) 3/68.  -> bun (22)
    # 8. ##n 12. (pu,##n) 12/(17*12) = 1/17 ties (pu,##g) 1/17; count 12 > 5.  -> pun (23)
    # 9. pu 5. (pu,##g) 5/(5*5).  -> pug (24); then no pair is left.
    trainer, model = _train(core, HUG, vocab_size=100)
    assert trainer.merges == [
        ("##g", "##s"),
        ("p", "##u"),
        ("h", "##u"),
        ("b", "##u"),
        ("hu", "##gs"),
        ("hu", "##g"),
        ("bu", "##n"),
        ("pu", "##n"),
        ("pu", "##g"),
    ]
    expected = [*SPECIALS, "b", "g", "h", "n", "p", "s", "u", "##g", "##n", "##s", "##u"]
    expected += ["##gs", "pu", "hu", "bu", "hugs", "hug", "bun", "pun", "pug"]
    assert model.vocab == {t: i for i, t in enumerate(expected)}
    assert trainer.stats.merges == 9
    assert trainer.stats.vocab_size == 25
    assert trainer.stats.words == 5
    assert trainer.stats.alphabet == 7
    assert model.tokenize("hugs") == ([20], [(0, 4)])


def test_frequency_would_choose_differently() -> None:
    # The point of the criterion: BPE's first merge here is the most frequent pair
    # (##u ##g, 20); WordPiece's is the rarest-apart pair (##g ##s).
    trainer, _ = _train(_pycore, HUG, vocab_size=17)
    assert trainer.merges == [("##g", "##s")]


def test_tie_on_score_and_count_goes_to_smallest_ids(core: ModuleType) -> None:
    # (a,##b) and (c,##d) both score 2/(2*2) with count 2: ids a=1 < c=3 decide.
    trainer, model = _train(core, {"cd": 2, "ab": 2}, vocab_size=9, special_tokens=["[UNK]"])
    assert model.vocab["a"] < model.vocab["c"]
    assert trainer.merges == [("a", "##b"), ("c", "##d")]


def test_stops_at_vocab_size(core: ModuleType) -> None:
    trainer, model = _train(core, HUG, vocab_size=19)
    assert len(model.vocab) == 19
    assert trainer.merges == [("##g", "##s"), ("p", "##u"), ("h", "##u")]


def test_min_frequency_excludes_rare_pairs(core: ModuleType) -> None:
    # min_frequency 6 leaves out (b,##u) 4 and (##g,##s) 5, the golden's first merge.
    # 1. The rest tie at 1/36; the highest count is (##u,##g) 20.  -> ##ug
    # 2. ##u 16, ##ug 20: (##u,##n) 16/(16*16) = 1/16 > (h,##ug) 15/(15*20) = 1/20 >
    #    (p,##u) 12/(17*16) = 3/68; (p,##ug) 5 and (##ug,##s) 5 are too rare.  -> ##un
    # 3. (h,##ug) 1/20 > (p,##un) 12/(17*16) = 3/68.  -> hug
    # 4. (p,##un) 3/68.  -> pun; then (p,##ug) 5, (b,##un) 4, (hug,##s) 5: none left.
    trainer, model = _train(core, HUG, vocab_size=100, min_frequency=6)
    assert trainer.merges == [("##u", "##g"), ("##u", "##n"), ("h", "##ug"), ("p", "##un")]
    assert len(model.vocab) == 20


def test_existing_string_reuses_its_id(core: ModuleType) -> None:
    # "ab" is a special token: merging a ##b yields it again, so no new id.
    trainer, model = _train(core, {"ab": 3}, vocab_size=10, special_tokens=["[UNK]", "ab"])
    assert trainer.merges == [("a", "##b")]
    assert model.vocab["ab"] == 1
    assert len(model.vocab) == 5


def test_limit_alphabet_drops_chars_but_keeps_positions(core: ModuleType) -> None:
    # x is the rarest char and is dropped; in "xab" the a stays a non-initial "##a".
    counts = {"xab": 1, "ab": 5, "ba": 5}
    _, model = _train(core, counts, vocab_size=7, special_tokens=["[UNK]"], limit_alphabet=2)
    assert [t for t in model.vocab if len(t) == 1] == ["a", "b"]
    assert {"##a", "##b"} <= set(model.vocab)
    assert "x" not in model.vocab and "##x" not in model.vocab
    # The initial_alphabet forces a char in, as a plain token only.
    _, model = _train(core, counts, vocab_size=20, special_tokens=["[UNK]"], initial_alphabet="z")
    assert "z" in model.vocab and "##z" not in model.vocab


def test_special_tokens_deduplicated_and_first() -> None:
    trainer = WordPieceTrainer(special_tokens=["[UNK]", "[X]", "[UNK]"], show_progress=False)
    model = trainer.train_from_counts({"ab": 1})
    assert model.vocab["[UNK]"] == 0 and model.vocab["[X]"] == 1
    assert model.unk_token == "[UNK]"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"vocab_size": -1}, "vocab_size"),
        ({"vocab_size": 1.5}, "vocab_size"),
        ({"min_frequency": True}, "min_frequency"),
        ({"limit_alphabet": -2}, "limit_alphabet"),
        ({"special_tokens": "[UNK]"}, "not one string"),
        ({"special_tokens": ["[PAD]"]}, r"must include '\[UNK\]'"),
        ({"special_tokens": ["[UNK]", ""]}, "non-empty"),
        ({"continuing_subword_prefix": ""}, "non-empty string"),
        ({"initial_alphabet": ["a", ""]}, "initial_alphabet"),
    ],
)
def test_bad_options(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        WordPieceTrainer(**kwargs)


def test_bad_corpus() -> None:
    trainer = WordPieceTrainer(show_progress=False)
    with pytest.raises(CorpusError, match="empty"):
        trainer.train_from_counts({})
    with pytest.raises(CorpusError, match="empty"):
        trainer.train_from_counts({"a": 0})
    with pytest.raises(ConfigError, match="str -> int"):
        trainer.train_from_counts({"a": -1})
    with pytest.raises(ConfigError, match="at least 16"):
        WordPieceTrainer(vocab_size=15, show_progress=False).train_from_counts(HUG)


# -- trainer: property test against the reference ----------------------------------

corpus_strategy = st.dictionaries(
    st.text(alphabet="abcd", min_size=1, max_size=6), st.integers(0, 7), min_size=1, max_size=8
).filter(lambda d: any(d.values()))


@settings(max_examples=120, deadline=None)
@given(counts=corpus_strategy, extra=st.integers(0, 25), min_frequency=st.integers(0, 3))
def test_trainer_equals_reference(
    core: ModuleType, counts: dict[str, int], extra: int, min_frequency: int
) -> None:
    trainer, model = _train(
        core, counts, vocab_size=9 + extra, min_frequency=min_frequency, special_tokens=["[UNK]"]
    )
    vocab = model.vocab
    words = sorted(counts)
    initial = [[vocab[w[0]]] + [vocab["##" + c] for c in w[1:]] for w in words]
    got = []
    for a, b in trainer.merges:
        got.append((vocab[a], vocab[b], vocab[a + b[2:]]))
    # Feeding the reference the trainer's new ids is sound: merge k of the reference
    # depends only on merges 0..k-1, so the first disagreement still shows.
    unused = len(vocab) + 1000
    expected = ref.train_merges(
        initial,
        [counts[w] for w in words],
        [z for _, _, z in got] + [unused],
        scoring="likelihood",
        min_count=max(1, min_frequency),
    )
    assert [(a, b) for a, b, _ in expected[: len(got)]] == [(a, b) for a, b, _ in got]
    if len(vocab) < trainer.vocab_size:
        # The trainer stopped early: the reference must find nothing more either.
        assert len(expected) == len(got)


# -- model -------------------------------------------------------------------------

VOCAB = {"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "u": 4, "##n": 5, "##a": 6, "a": 7}


def test_model_greedy_longest_match() -> None:
    wp = WordPiece(VOCAB)
    assert wp.tokenize("unaffable") == ([1, 2, 3], [(0, 2), (2, 5), (5, 9)])
    # Longest first: "un" not "u" + "##n"; then "##a" since "##aa" is not a token.
    assert wp.tokenize("una") == ([1, 6], [(0, 2), (2, 3)])
    # One position with no match turns the WHOLE word into one [UNK].
    assert wp.tokenize("unx") == ([0], [(0, 3)])
    assert wp.tokenize("xun") == ([0], [(0, 3)])
    assert wp.tokenize("") == ([], [])
    # Cached results are the same objects.
    assert wp.tokenize("una") is wp.tokenize("una")


def test_model_max_input_chars() -> None:
    wp = WordPiece(VOCAB, max_input_chars_per_word=3)
    assert wp.tokenize("una") == ([1, 6], [(0, 2), (2, 3)])
    assert wp.tokenize("unaa") == ([0], [(0, 4)])


def test_model_other_prefix() -> None:
    wp = WordPiece({"[UNK]": 0, "a": 1, "@@b": 2, "##b": 3}, continuing_subword_prefix="@@")
    assert wp.tokenize("ab") == ([1, 2], [(0, 1), (1, 2)])


def test_model_dict_round_trip() -> None:
    wp = WordPiece(VOCAB, max_input_chars_per_word=50)
    d = wp.to_dict()
    assert list(d) == [
        "type",
        "unk_token",
        "continuing_subword_prefix",
        "max_input_chars_per_word",
        "vocab",
    ]
    assert list(d["vocab"].values()) == sorted(VOCAB.values())
    again = model_from_dict(json.loads(json.dumps(d)))
    assert isinstance(again, WordPiece)
    assert again.to_dict() == d
    assert again.tokenize("unaffable") == wp.tokenize("unaffable")


@pytest.mark.parametrize(
    ("d", "match"),
    [
        ({"type": "WordPiece"}, "'vocab'"),
        ({"type": "WordPiece", "vocab": {"a": -1, "[UNK]": 0}}, "'vocab'"),
        ({"type": "WordPiece", "vocab": {"a": 0}}, "not in the vocabulary"),
        ({"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "a",
          "max_input_chars_per_word": "9"}, "max_input_chars_per_word"),
        ({"type": "WordPiece", "vocab": {"a": 0}, "unk_token": None}, "unk_token"),
        ({"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "a",
          "continuing_subword_prefix": 3}, "continuing_subword_prefix"),
        ({"type": "Mystery", "vocab": {}}, "not supported"),
    ],
)  # fmt: skip
def test_model_bad_dicts(d: dict[str, Any], match: str) -> None:
    with pytest.raises(ModelFileError, match=match):
        model_from_dict(d)


# -- encoder: both cores, and tokenizers --------------------------------------------

# Few, partly multi-byte chars (a lone surrogate too), so pieces collide often.
_CHARS = st.sampled_from(["a", "b", "c", "é", "😀", "\ud800"])
_PIECE = st.lists(_CHARS, min_size=1, max_size=4).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    first=st.lists(_PIECE, max_size=10),
    rest=st.lists(_PIECE, max_size=10),
    prefix=st.sampled_from(["##", "", "@"]),
    max_chars=st.integers(0, 8),
    words=st.lists(st.lists(_CHARS, max_size=9).map("".join), max_size=10),
)
def test_encoder_cores_agree(
    first: list[str], rest: list[str], prefix: str, max_chars: int, words: list[str]
) -> None:
    native = _native()
    tokens = ["[UNK]", *first, *(prefix + p for p in rest)]
    vocab = {t: i for i, t in enumerate(dict.fromkeys(tokens))}
    pure = _pycore.WordPieceEncoder(vocab, prefix, 0, max_chars)
    fast = native.WordPieceEncoder(vocab, prefix, 0, max_chars)
    for word in words:
        ids, spans = pure.encode(word)
        assert fast.encode(word) == (ids, spans)
        # The spans tile the word, and each piece spells its token.
        if ids and ids != [0]:
            assert [s for s, _ in spans] == [0, *(e for _, e in spans[:-1])]
            inverse = {i: t for t, i in vocab.items()}
            for k, (tid, (s, e)) in enumerate(zip(ids, spans)):
                assert inverse[tid] == (prefix if k else "") + word[s:e]


def test_encoder_rejects_bad_input(core: ModuleType) -> None:
    with pytest.raises(ValueError, match="max_chars"):
        core.WordPieceEncoder({}, "##", 0, -1)
    with pytest.raises(TypeError, match="prefix"):
        core.WordPieceEncoder({}, None, 0, 5)
    with pytest.raises(TypeError, match="tokens must be str"):
        core.WordPieceEncoder({1: 0}, "##", 0, 5)
    with pytest.raises(ValueError, match="token id"):
        core.WordPieceEncoder({"a": -1}, "##", 0, 5)
    with pytest.raises(TypeError, match="word"):
        core.WordPieceEncoder({}, "##", 0, 5).encode(b"a")


def _hf_wordpiece(vocab: dict[str, int], max_chars: int = 100) -> Any:
    tk = _tokenizers()
    tok = tk.Tokenizer(
        tk.models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=max_chars)
    )
    tok.pre_tokenizer = tk.pre_tokenizers.WhitespaceSplit()
    return tok


def _ours(wp: WordPiece, words: list[str]) -> tuple[list[int], list[tuple[int, int]]]:
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    start = 0
    for word in words:
        got, spans = wp.tokenize(word)
        ids += got
        offsets += [(start + s, start + e) for s, e in spans]
        start += len(word) + 1
    return ids, offsets


@settings(max_examples=100, deadline=None)
@given(
    first=st.lists(st.text("abé😀", min_size=1, max_size=4), max_size=10),
    rest=st.lists(st.text("abé😀", min_size=1, max_size=4), max_size=10),
    max_chars=st.integers(1, 6),
    words=st.lists(st.text("abé😀", min_size=1, max_size=8), min_size=1, max_size=8),
)
def test_encoder_matches_tokenizers(
    first: list[str], rest: list[str], max_chars: int, words: list[str]
) -> None:
    tokens = ["[UNK]", *first, *("##" + p for p in rest)]
    vocab = {t: i for i, t in enumerate(dict.fromkeys(tokens))}
    hf = _hf_wordpiece(vocab, max_chars).encode(" ".join(words))
    assert _ours(WordPiece(vocab, max_input_chars_per_word=max_chars), words) == (
        hf.ids,
        hf.offsets,
    )


def _doc_counts(limit: int) -> dict[str, int]:
    """Lowercased whitespace-split word counts of the pydoc topics every CPython ships."""
    from pydoc_data.topics import topics

    counts: dict[str, int] = {}
    text = "\n".join(topics[k] for k in sorted(topics)).lower()[:limit]
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def test_trained_model_encodes_like_tokenizers() -> None:
    counts = _doc_counts(150_000)
    _, model = _train(_pycore, counts, vocab_size=600)
    words = sorted(counts)
    hf = _hf_wordpiece(model.vocab).encode(" ".join(words))
    assert _ours(model, words) == (hf.ids, hf.offsets)


def test_training_agrees_with_tokenizers_where_it_must() -> None:
    # Hugging Face merges by frequency, so only the frame must match: the special
    # tokens and their ids, the plain and "##" alphabets, and the vocabulary size.
    tk = _tokenizers()
    counts = _doc_counts(150_000)
    _, ours = _train(_pycore, counts, vocab_size=800)
    hf = tk.Tokenizer(tk.models.WordPiece(unk_token="[UNK]"))
    hf.pre_tokenizer = tk.pre_tokenizers.WhitespaceSplit()
    trainer = tk.trainers.WordPieceTrainer(
        vocab_size=800, special_tokens=SPECIALS, show_progress=False
    )
    # One line per word, repeated count times: the same word counts reach both.
    hf.train_from_iterator((" ".join([w] * c) for w, c in sorted(counts.items())), trainer)
    theirs = hf.get_vocab()
    assert len(ours.vocab) == len(theirs) == 800
    for i, t in enumerate(SPECIALS):
        assert ours.vocab[t] == theirs[t] == i

    plain = {t for t in ours.vocab if len(t) == 1}
    assert plain == {t for t in theirs if len(t) == 1} == {c for w in counts for c in w}
    # The plain chars have the same ids too (both sort them by code point).
    assert {t: ours.vocab[t] for t in plain} == {t: theirs[t] for t in plain}
    continuing = {"##" + c for w in counts for c in w[1:]}
    assert continuing <= set(ours.vocab) and continuing <= set(theirs)
