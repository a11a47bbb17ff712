"""Tests of ``tokenlab.train(algorithm="sp-bpe" | "unigram")`` (tokenlab/sp_tokenizer.py):
the pipeline it builds, its options, and its agreement with the trainers it wraps.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from conftest import pydoc_lines

import tokenlab
from tokenlab import ConfigError, SentencePieceBPETrainer, UnigramTrainer
from tokenlab.charsmap import CharsMap
from tokenlab.models import SentencePieceBPE
from tokenlab.sp_tokenizer import SentencePieceNormalization, SentencePieceUnigram

HUG = ["hug pug pun bun hugs"] * 10


def _lines(n: int) -> list[str]:
    return [line.rstrip("\n") for line in pydoc_lines(n)]


@pytest.mark.parametrize("algorithm", ["sp-bpe", "unigram"])
def test_pipeline_and_round_trip(algorithm: str) -> None:
    tok = tokenlab.train(
        iter(_lines(2000)), algorithm=algorithm, vocab_size=500, show_progress=False
    )
    model_type = SentencePieceBPE if algorithm == "sp-bpe" else SentencePieceUnigram
    assert isinstance(tok.model, model_type)
    assert isinstance(tok.normalizer, SentencePieceNormalization)
    assert tok.normalizer.charsmap_bytes == CharsMap.nmt_nfkc().to_bytes()  # the default
    assert tok.get_vocab_size() == 500
    assert [tok.id_to_token(i) for i in range(3)] == ["<unk>", "<s>", "</s>"]
    text = "The  quick brown fox, 3.14 (quoted)"
    enc = tok.encode(text)
    assert enc.tokens[0].startswith("▁")
    assert tok.decode(enc.ids) == "The quick brown fox, 3.14 (quoted)"
    assert all(0 <= s <= e <= len(text) for s, e in enc.offsets)
    assert tok.encode("").ids == [] and tok.encode("   ").ids == []


def test_same_model_as_the_trainer() -> None:
    lines = _lines(1500)
    nfkc = CharsMap.nmt_nfkc().normalize_str
    tok = tokenlab.train(iter(lines), algorithm="sp-bpe", vocab_size=400, show_progress=False)
    direct = SentencePieceBPETrainer(vocab_size=400, normalizer=nfkc, show_progress=False)
    assert tok.model.pieces == direct.train_from_sentences(lines).pieces
    tok = tokenlab.train(
        iter(lines), algorithm="unigram", vocab_size=400, normalizer="identity", show_progress=False
    )
    model = UnigramTrainer(vocab_size=400, show_progress=False).train_from_sentences(lines)
    assert [p for p, _ in tok.model.pieces] == [p for p, _ in model.pieces]
    # Scores are float32, as a .model stores them.
    assert all(abs(a[1] - b[1]) < 1e-5 for a, b in zip(tok.model.pieces, model.pieces))


def test_files_and_iterator_give_the_same_tokenizer(tmp_path: Path) -> None:
    lines = _lines(1500)
    path = tmp_path / "c.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    a = tokenlab.train(str(path), algorithm="unigram", vocab_size=400, show_progress=False)
    b = tokenlab.train(iter(lines), algorithm="unigram", vocab_size=400, show_progress=False)
    assert a.model.pieces == b.model.pieces


def test_options_reach_the_trainer() -> None:
    tok = tokenlab.train(
        iter(_lines(1500)),
        algorithm="unigram",
        vocab_size=700,
        byte_fallback=True,
        split_digits=True,
        max_sentencepiece_length=4,
        user_defined_symbols=["<sep>"],
        character_coverage=0.99,
        show_progress=False,
    )
    pieces = [p for p, _, _ in tok.model.typed_pieces]
    assert pieces[3] == "<sep>" and pieces[4:260] == [f"<0x{b:02X}>" for b in range(256)]
    assert all(len(p) <= 4 for p in pieces[260:])
    assert not any(len(p) > 1 and any(c.isdigit() for c in p) for p in pieces[260:])
    assert tok.model.trainer_spec.character_coverage == 0.99
    enc = tok.encode("x<sep>y 2024 日")
    assert "<sep>" in enc.tokens and "<0xE6>" in enc.tokens  # 日 is not in the vocabulary
    assert tok.decode(enc.ids) == "x<sep>y 2024 日"


def test_nmt_nfkc_and_identity() -> None:
    lines = _lines(1500)
    nfkc = tokenlab.train(iter(lines), algorithm="sp-bpe", vocab_size=400, show_progress=False)
    ident = tokenlab.train(
        iter(lines), algorithm="sp-bpe", vocab_size=400, normalizer="identity", show_progress=False
    )
    assert nfkc.normalizer.normalize_str("ﬁ\u3000x") == "▁fi▁x"
    assert ident.normalizer.normalize_str("ﬁ\u3000x") == "▁ﬁ\u3000x"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_frequency": 2}, "min_frequency"),
        ({"special_tokens": ["<x>"]}, "control_symbols"),
        ({"pre_tokenizer": "whitespace"}, "pre_tokenizer"),
        ({"lowercase": True}, "lowercase"),
        ({"normalizer": "nfkc"}, "nmt_nfkc"),
        ({"no_such_option": 1}, "no_such_option"),
        ({"character_coverage": 0.5}, "character_coverage"),
    ],
)
def test_invalid_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        tokenlab.train(
            iter(HUG), algorithm="unigram", vocab_size=30, show_progress=False, **options
        )


def test_tiny_corpus_keeps_every_char() -> None:
    # Every char is kept by character_coverage: no unknown-char rewrite to do.
    tok = tokenlab.train(iter(HUG), algorithm="unigram", vocab_size=20, show_progress=False)
    assert tok.decode(tok.encode("hugs bun").ids) == "hugs bun"
