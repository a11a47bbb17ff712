"""``Tokenizer.train`` / ``train_from_iterator`` with every trainer, HF style.

tokenizers trains a tokenizer's model on the words its own normalizer and
pre-tokenizer give, with any trainer (BpeTrainer, WordPieceTrainer, UnigramTrainer);
tokenlab does the same, SentencePiece's trainers included. A failure leaves the
tokenizer exactly as it was: never a new model with the old added tokens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import pydoc_lines

from tokenlab import (
    BPETrainer,
    ConfigError,
    CorpusError,
    SentencePieceBPETrainer,
    Tokenizer,
    UnigramTrainer,
    WordPieceTrainer,
)
from tokenlab.models import BPE, SentencePieceBPE, Unigram, WordPiece
from tokenlab.pre_tokenizers import Metaspace, Whitespace

LINES = pydoc_lines(400)


def _blank() -> Tokenizer:
    tok = Tokenizer(Unigram([("<unk>", 0.0)], unk_id=0), pre_tokenizer=Metaspace())
    tok.add_special_tokens(["<keep>"])
    return tok


TRAINERS: dict[str, tuple[Any, type]] = {
    "unigram": (lambda: UnigramTrainer(vocab_size=200, show_progress=False), Unigram),
    "sp-bpe": (
        lambda: SentencePieceBPETrainer(vocab_size=200, show_progress=False),
        SentencePieceBPE,
    ),
    "bpe": (lambda: BPETrainer(vocab_size=200, special_tokens=["<pad>"], show_progress=False), BPE),
    "wordpiece": (
        lambda: WordPieceTrainer(vocab_size=200, special_tokens=["[UNK]"], show_progress=False),
        WordPiece,
    ),
}


@pytest.mark.parametrize("name", list(TRAINERS))
def test_every_trainer_trains_the_tokenizer(name: str, tmp_path: Path) -> None:
    make, model_type = TRAINERS[name]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    from_files, from_iterator = _blank(), _blank()
    from_files.train([str(path)], make())
    # train(files) reads lines with their endings: the iterator gets the same lines
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    from_iterator.train_from_iterator(lines, make())
    for tok in (from_files, from_iterator):
        assert type(tok.model) is model_type
        assert tok.model.get_vocab_size() == 200
        ids = tok.encode("the class <keep> returns").ids
        assert tok.token_to_id("<keep>") in ids
        for special in getattr(make(), "special_tokens", []):
            assert tok.token_to_id(special) is not None
    assert from_files.to_str() == from_iterator.to_str()


@pytest.mark.parametrize("name", list(TRAINERS))
def test_a_failed_training_changes_nothing(name: str) -> None:
    make, _ = TRAINERS[name]
    tok = _blank()
    before = tok.to_str()
    with pytest.raises(CorpusError):
        tok.train_from_iterator([], make())
    assert tok.to_str() == before
    trainer = make()
    trainer.vocab_size = 2  # too small for what the trainer must keep
    with pytest.raises(ConfigError):
        tok.train_from_iterator(LINES, trainer)
    assert tok.to_str() == before


def test_a_bad_special_token_is_refused_before_training() -> None:
    tok = _blank()
    before = tok.to_str()
    trainer = BPETrainer(vocab_size=200, show_progress=False)
    trainer.special_tokens = [""]
    with pytest.raises(ConfigError, match="special token"):
        tok.train_from_iterator(LINES, trainer)
    assert tok.to_str() == before


def test_an_object_that_is_no_trainer_is_refused() -> None:
    tok = _blank()
    before = tok.to_str()
    with pytest.raises(ConfigError, match="not a trainer"):
        tok.train_from_iterator(LINES, object())  # type: ignore[arg-type]
    assert tok.to_str() == before


def test_a_failure_after_training_puts_everything_back(monkeypatch: pytest.MonkeyPatch) -> None:
    tok = Tokenizer(BPE({"a": 0}, []), pre_tokenizer=Whitespace())
    tok.add_tokens(["<keep>"])
    before = tok.to_str()

    def broken(self: Tokenizer, tokens: Any) -> int:
        raise RuntimeError("interrupted")

    monkeypatch.setattr(Tokenizer, "_add", broken)
    with pytest.raises(RuntimeError):
        tok.train_from_iterator(LINES, BPETrainer(vocab_size=200, show_progress=False))
    monkeypatch.undo()
    assert tok.to_str() == before
    assert tok.encode("a <keep>").tokens == ["a", "<keep>"]
