"""Added tokens against tokenizers, Metaspace's "first" scheme, and the inputs encoders take.

tokenizers' rules (``added_vocabulary.rs``): tokens with ``normalized=False`` are matched
on the raw text first, the ``normalized=True`` ones in each remaining part once
normalized; ``lstrip``/``rstrip`` take the adjacent whitespace into the match;
``single_word`` needs word boundaries. The oracle is tokenizers itself, on
tokenizer.json files it writes with added tokens of every flag combination, encoding
random texts made of those tokens, their case variants, spaces and word chars.
"""

from __future__ import annotations

import itertools
import json
import random
import unicodedata
from typing import Any

import pytest
from conftest import multilingual_lines, pydoc_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import AddedToken, Tokenizer
from tokenlab import added_vocabulary as added_module

hf = pytest.importorskip("tokenizers")

#: (single_word, lstrip, rstrip, normalized, special): every combination.
FLAGS = list(itertools.product([False, True], repeat=5))


def _contents(i: int) -> list[str]:
    # A word-like token (single_word and the lowercasing normalizer matter) and a
    # bracketed one; "Tk{c}" and "Tk{c}x" overlap, so the longest match matters.
    c = "abcdefghijklmnopqrstuvwxyzABCDEF"[i]
    return [f"Tk{c}", f"<m{i}>"] + ([f"Tk{c}x"] if i % 4 == 0 else [])


def _with_added(tok: Any) -> Any:
    for i, (single, left, right, normalized, special) in enumerate(FLAGS):
        tokens = [
            hf.AddedToken(
                c,
                single_word=single,
                lstrip=left,
                rstrip=right,
                normalized=normalized,
                special=special,
            )
            for c in _contents(i)
        ]
        if special:
            tok.add_special_tokens(tokens)
        else:
            tok.add_tokens(tokens)
    return tok


@pytest.fixture(scope="module")
def anchors() -> dict[str, Any]:
    """tokenizers pipelines with added tokens of every flag combination."""
    lines = pydoc_lines(400)
    byte_level = hf.Tokenizer(hf.models.BPE())
    byte_level.pre_tokenizer = hf.pre_tokenizers.ByteLevel(add_prefix_space=False)
    byte_level.decoder = hf.decoders.ByteLevel()
    byte_level.train_from_iterator(
        lines,
        hf.trainers.BpeTrainer(
            vocab_size=500,
            initial_alphabet=hf.pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        ),
    )
    wordpiece = hf.Tokenizer(hf.models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = hf.normalizers.BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = hf.pre_tokenizers.BertPreTokenizer()
    wordpiece.decoder = hf.decoders.WordPiece()
    wordpiece.train_from_iterator(
        lines,
        hf.trainers.WordPieceTrainer(vocab_size=400, special_tokens=["[UNK]"], show_progress=False),
    )
    return {"byte-level": _with_added(byte_level), "wordpiece": _with_added(wordpiece)}


@pytest.fixture(scope="module")
def ours(anchors: dict[str, Any]) -> dict[str, Tokenizer]:
    return {name: Tokenizer.from_str(t.to_str()) for name, t in anchors.items()}


def _pieces() -> list[str]:
    out = [" ", "  ", "\t", "\n", "\u3000", "\u2000", "_", ",", "-", "x", "é", "e\u0301", "7"]
    out += ["hello", "World", "the", "ÉCOLE", "日本", " the ", "Tk", "<m", ">"]
    for i in range(len(FLAGS)):
        for c in _contents(i):
            out += [c, c.upper(), c.lower()]
    return out


PIECES = _pieces()


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(PIECES, k=rng.randint(0, 14))) for _ in range(n)]


def _fields(e: Any) -> tuple[Any, ...]:
    return (e.ids, e.tokens, e.offsets, e.word_ids, e.special_tokens_mask)


def _same(anchor: Any, tok: Tokenizer, text: str) -> None:
    want = _fields(anchor.encode(text))
    assert _fields(tok.encode(text)) == want, text
    assert _fields(tok.encode_batch([text, "x", text])[2]) == want, text


@pytest.mark.parametrize("name", ["byte-level", "wordpiece"])
def test_random_texts_match_tokenizers(
    anchors: dict[str, Any], ours: dict[str, Tokenizer], name: str
) -> None:
    texts = _random_texts(1500, seed=14)
    lines = multilingual_lines()[::10]
    if name == "wordpiece":
        # Lowercasing BERT strips accents, whose offsets are another fix of issue 14
        # (normalizers): lines with accents are left out here.
        lines = [t for t in lines if unicodedata.normalize("NFD", t) == t]
    texts += [line[:40] + c + line[40:80] for line, c in zip(lines, itertools.cycle(PIECES))]
    mismatches = []
    for text in texts:
        if _fields(ours[name].encode(text)) != _fields(anchors[name].encode(text)):
            mismatches.append(text)
    assert not mismatches, (len(mismatches), mismatches[:5])
    wanted = anchors[name].encode_batch(texts)
    got_batch = ours[name].encode_batch(texts)
    assert [e.ids for e in got_batch] == [e.ids for e in wanted]
    assert [e.offsets for e in got_batch] == [e.offsets for e in wanted]
    for ids in [e.ids for e in wanted[:300]]:
        for skip in (True, False):
            assert ours[name].decode(ids, skip) == anchors[name].decode(ids, skip)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.sampled_from(PIECES), max_size=16))
def test_hypothesis_texts_match_tokenizers(
    anchors: dict[str, Any], ours: dict[str, Tokenizer], parts: list[str]
) -> None:
    text = "".join(parts)
    for name in anchors:
        _same(anchors[name], ours[name], text)


def test_files_round_trip_exactly(anchors: dict[str, Any], ours: dict[str, Tokenizer]) -> None:
    for name, anchor in anchors.items():
        theirs = json.loads(anchor.to_str())
        mine = json.loads(ours[name].to_str())
        assert mine["added_tokens"] == theirs["added_tokens"], name
        again = Tokenizer.from_str(ours[name].to_str())
        assert again.to_str() == ours[name].to_str()
        # tokenizers reads our file back to the same added tokens
        back = hf.Tokenizer.from_str(ours[name].to_str())
        assert json.loads(back.to_str())["added_tokens"] == theirs["added_tokens"]


def test_roberta_mask_takes_the_spaces_before_it() -> None:
    # The case: RoBERTa's <mask> has lstrip=True; "x  <mask>" is [x, "  <mask>"].
    anchor = hf.Tokenizer(hf.models.BPE())
    anchor.pre_tokenizer = hf.pre_tokenizers.ByteLevel(add_prefix_space=False)
    anchor.train_from_iterator(
        pydoc_lines(200),
        hf.trainers.BpeTrainer(
            vocab_size=300,
            initial_alphabet=hf.pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        ),
    )
    anchor.add_special_tokens([hf.AddedToken("<mask>", lstrip=True, normalized=True), "<s>"])
    tok = Tokenizer.from_str(anchor.to_str())
    for text in ["x  <mask>", "x  <s>", "  <mask>  <mask>", "<s>  <mask>", "a\t\u3000<mask>b"]:
        _same(anchor, tok, text)
    assert tok.encode("x  <mask>").tokens == ["x", "  <mask>"]


def test_defaults_match_tokenizers() -> None:
    for kwargs in (
        {},
        {"special": True},
        {"normalized": False},
        {"special": True, "normalized": True},
    ):
        mine, theirs = AddedToken("the", **kwargs), hf.AddedToken("the", **kwargs)
        assert (mine.special, mine.normalized) == (theirs.special, theirs.normalized), kwargs
    anchor = hf.Tokenizer(hf.models.WordPiece({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    tok = Tokenizer.from_str(anchor.to_str())
    for target in (anchor, tok):
        assert (
            target.add_tokens([AddedToken("the") if target is tok else hf.AddedToken("the")]) == 1
        )
        assert target.add_tokens(["plain"]) == 1
        assert (
            target.add_special_tokens(
                ["<s>", hf.AddedToken("<t>") if target is anchor else AddedToken("<t>")]
            )
            == 2
        )
        assert target.add_tokens(["plain"]) == 0  # the same token again
    assert json.loads(tok.to_str())["added_tokens"] == json.loads(anchor.to_str())["added_tokens"]
    ids = tok.encode("the plain <s> <t>").ids
    # "the" is not special: decode keeps it, as tokenizers does
    assert tok.decode(ids) == anchor.decode(ids)
    assert "the" in tok.decode(ids)


def test_a_token_added_again_with_other_flags_keeps_its_id() -> None:
    anchor = hf.Tokenizer(hf.models.WordPiece({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    tok = Tokenizer.from_str(anchor.to_str())
    for target, make in ((anchor, hf.AddedToken), (tok, AddedToken)):
        target.add_tokens([make("x"), make("a")])  # "a" is in the vocabulary: its id
        assert target.add_tokens([make("x", lstrip=True)]) == 1
    assert json.loads(tok.to_str())["added_tokens"] == json.loads(anchor.to_str())["added_tokens"]


def test_many_tokens_build_the_matcher_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Registering N tokens must not rebuild the matcher N times (it was quadratic).
    built = []
    real = added_module._Matcher

    def counting(entries: Any) -> Any:
        built.append(len(entries))
        return real(entries)

    monkeypatch.setattr(added_module, "_Matcher", counting)
    tok = tokenlab.train(iter(pydoc_lines(100)), vocab_size=300, show_progress=False)
    tok.add_special_tokens([f"<|t{i}|>" for i in range(3000)])
    tok.add_tokens([f"word{i}" for i in range(3000)])
    data = tok.to_dict()
    loaded = Tokenizer.from_dict(data)
    assert built == []
    tokens = loaded.encode("a <|t7|> word12 b").tokens
    assert "<|t7|>" in tokens and "word12" in tokens
    assert len(built) == 2  # the raw and the normalized tokens' matchers, once each
    loaded.encode("again <|t2999|>")
    assert len(built) == 2


# -- Metaspace(prepend_scheme="first") ------------------------------------------------------


def test_metaspace_first_prepends_only_at_the_start() -> None:
    lines = pydoc_lines(300)
    unigram_trainer = hf.trainers.UnigramTrainer(
        vocab_size=200, unk_token="<unk>", special_tokens=["<unk>"], show_progress=False
    )
    bpe_trainer = hf.trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<unk>"], show_progress=False
    )
    for model, trainer in (
        (hf.models.Unigram(), unigram_trainer),
        (hf.models.BPE(unk_token="<unk>"), bpe_trainer),
    ):
        anchor = hf.Tokenizer(model)
        anchor.pre_tokenizer = hf.pre_tokenizers.Metaspace(prepend_scheme="first")
        anchor.decoder = hf.decoders.Metaspace(prepend_scheme="first")
        anchor.train_from_iterator(lines, trainer)
        anchor.add_special_tokens(["<s>", "</s>"])
        tok = Tokenizer.from_str(anchor.to_str())
        texts = ["Hello<unk>world", "<s>Hello world</s>", "a <s> b", " <s>x", "<unk>", "x y"]
        texts += _sample_lines_with(["<s>", "</s>", "<unk>"])
        for text in texts:
            want, got = anchor.encode(text), tok.encode(text)
            assert (got.ids, got.offsets) == (want.ids, want.offsets), text
            assert got.tokens == want.tokens, text
        assert "▁world" not in tok.encode("Hello<unk>world").tokens


def _sample_lines_with(tokens: list[str]) -> list[str]:
    rng = random.Random(5)
    out = []
    for line in multilingual_lines()[::60]:
        cut = rng.randint(0, len(line))
        out.append(line[:cut] + rng.choice(tokens) + line[cut:])
    return out


# -- inputs -----------------------------------------------------------------------------


class Text(str):
    """A str subclass, like numpy.str_."""


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece", "unigram", "sp-bpe"])
def test_str_subclasses_are_accepted(algorithm: str) -> None:
    tok = tokenlab.train(
        iter(pydoc_lines(200)), algorithm=algorithm, vocab_size=300, show_progress=False
    )
    tok.add_special_tokens(["<s>"])
    texts = ["Hello world <s> again", "", "ünïcode text"]
    numpy = pytest.importorskip("numpy")
    for kind in (Text, numpy.str_):
        subs = [kind(t) for t in texts]
        assert [tok.encode(t).ids for t in subs] == [tok.encode(t).ids for t in texts]
        assert tok.encode(subs[0], subs[2]).ids == tok.encode(texts[0], texts[2]).ids
        assert [e.ids for e in tok.encode_batch(subs)] == [e.ids for e in tok.encode_batch(texts)]
        assert tok.encode_ordinary(subs[0]) == tok.encode_ordinary(texts[0])
        assert tok.encode_ordinary_batch(subs) == tok.encode_ordinary_batch(texts)
    with pytest.raises(TypeError, match="takes a str"):
        tok.encode(b"bytes")  # type: ignore[arg-type]


def test_tiktoken_pipelines_repair_surrogates_as_tiktoken(tmp_path: Any) -> None:
    tiktoken = pytest.importorskip("tiktoken")
    from tokenlab.export.tiktoken import read_tiktoken_ranks, write_tiktoken

    trained = tokenlab.train(
        iter(multilingual_lines()[::5]), vocab_size=600, pre_tokenizer="cl100k_base",
        show_progress=False,
    )  # fmt: skip
    write_tiktoken(trained, tmp_path / "mine.tiktoken")
    tok = Tokenizer.from_tiktoken(tmp_path / "mine.tiktoken")
    pattern = json.loads((tmp_path / "mine.tiktoken.json").read_text())["pat_str"]
    enc = tiktoken.Encoding(
        "mine", pat_str=pattern, mergeable_ranks=read_tiktoken_ranks(tmp_path / "mine.tiktoken"),
        special_tokens={},
    )  # fmt: skip
    for text in ["\ud83d\udc4d", "a\ud800b", "\udfff", "x \ud83d\udc4d\ud83d y\udc4d", "ok"]:
        want = enc.encode_ordinary(text)
        assert tok.encode_ordinary(text) == want, text
        assert tok.encode(text).ids == want, text
        assert [e.ids for e in tok.encode_batch([text, text])] == [want, want]
        assert tok.decode(want) == enc.decode(want)
    assert tok.decode(tok.encode("\ud83d\udc4d").ids) == "\U0001f44d"


def test_other_pipelines_keep_surrogates_as_code_points() -> None:
    # tokenizers cannot receive them (Rust strings hold none): tokenlab encodes them as
    # the code points they are, the same on both backends and paths (README, "Inputs").
    with pytest.raises((TypeError, UnicodeEncodeError)):
        hf.Tokenizer(hf.models.BPE()).encode("a\ud800")
    tok = tokenlab.train(iter(pydoc_lines(100)), vocab_size=300, show_progress=False)
    ids = tok.encode("a\ud800b").ids
    assert ids == tok.encode_ordinary("a\ud800b")
    assert len(tok.encode("\ud83d\udc4d").ids) >= 2  # two code points, not one char


def test_strips_next_to_each_other_follow_tokenizers() -> None:
    # An rstrip takes spaces a following token starts with: tokenizers then cuts that
    # token from where its match began (the parts overlap); lstrip never crosses a match.
    anchor = hf.Tokenizer(hf.models.WordLevel({"[UNK]": 0, "a": 1}, unk_token="[UNK]"))
    anchor.pre_tokenizer = hf.pre_tokenizers.WhitespaceSplit()
    anchor.add_tokens(
        [
            hf.AddedToken("x", rstrip=True, normalized=False),
            hf.AddedToken(" y", lstrip=True, normalized=False),
            hf.AddedToken("  z", normalized=False),
            hf.AddedToken("w", lstrip=True, rstrip=True, normalized=False),
        ]
    )
    tok = Tokenizer.from_str(anchor.to_str())
    for text in ["x  y a", "x   z a", "a  x y", "x\t y", "w w  w", " x w\u2000x  z"]:
        _same(anchor, tok, text)
