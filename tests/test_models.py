"""The models package: one type table, the shared word cache, and WordLevel.

- ``model_from_dict`` reads every type of ``MODEL_TYPES`` (and only those); its
  error names every supported type, Unigram included.
- ``CachedModel``: a word is encoded once, the cache is cleared when full.
- ``WordLevel`` (the model added as one class plus one table line) encodes as
  ``tokenizers.models.WordLevel`` does: ids, tokens and offsets, through a
  whole pipeline, and its ``tokenizer.json`` loads in ``tokenizers``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tokenlab
from tokenlab import ModelFileError, Tokenizer
from tokenlab.models import (
    BPE,
    MODEL_TYPES,
    CachedModel,
    Model,
    Unigram,
    WordLevel,
    WordPiece,
    _base,
    model_from_dict,
)
from tokenlab.normalizers import Lowercase
from tokenlab.pre_tokenizers import Whitespace

VOCAB = {"<unk>": 0, "hug": 1, "pug": 2, "pun": 3, "bun": 4, "hugs": 5, ",": 6, "é": 7, "!": 8}
TEXTS = [
    "hug pug, bunny hugs",
    "",
    "éé é x",
    "HUG pun!! bun\tpug\n\nhugs",
    "  hug   ",
]


def _examples() -> dict[str, dict[str, Any]]:
    """One small valid model dict per type of the table."""
    return {
        "BPE": BPE({"a": 0, "b": 1, "ab": 2}, [("a", "b")]).to_dict(),
        "WordPiece": WordPiece({"[UNK]": 0, "a": 1, "##b": 2}).to_dict(),
        "WordLevel": WordLevel({"<unk>": 0, "ab": 1}).to_dict(),
        "Unigram": Unigram([("<unk>", 0.0), ("a", -1.0), ("b", -2.0)]).to_dict(),
    }


def test_the_table_reads_every_type_it_lists() -> None:
    examples = _examples()
    assert set(MODEL_TYPES) == set(examples)
    for kind, d in examples.items():
        model = model_from_dict(d)
        assert type(model).__name__ == kind
        assert model.to_dict() == d  # and writes it back unchanged


def test_the_error_lists_every_type() -> None:
    with pytest.raises(ModelFileError) as e:
        model_from_dict({"type": "Nope"})
    for kind in ("BPE", "WordPiece", "WordLevel", "Unigram"):
        assert kind in str(e.value)
    with pytest.raises(ModelFileError, match="must be an object"):
        model_from_dict(["BPE"])
    with pytest.raises(ModelFileError, match="not supported"):
        model_from_dict({"type": ["BPE"]})  # an unhashable type name is no crash


def test_old_files_without_a_type_are_bpe() -> None:
    d = BPE({"a": 0, "b": 1, "ab": 2}, [("a", "b")]).to_dict()
    del d["type"]
    assert isinstance(model_from_dict(d), BPE)


class _Counting(CachedModel):
    """A cached model that counts how often it really encodes."""

    def __init__(self) -> None:
        super().__init__()
        self.vocab = {"x": 0}
        self.calls = 0

    def _encode_word(self, word: str) -> tuple[list[int], list[tuple[int, int]]]:
        self.calls += 1
        return [0] * len(word), [(i, i + 1) for i in range(len(word))]


def test_the_cache_encodes_a_word_once_and_is_cleared_when_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = _Counting()
    first = model.tokenize("xx")
    assert model.tokenize("xx") is first
    assert model.calls == 1
    model.clear_cache()
    assert model.tokenize("xx") == first
    assert model.calls == 2
    monkeypatch.setattr(_base, "CACHE_LIMIT", 3)
    model.clear_cache()
    for word in ("a", "bb", "ccc"):
        model.tokenize(word)
    assert len(model._cache) == 3
    model.tokenize("dddd")  # full: cleared, then this word kept
    assert list(model._cache) == ["dddd"]


@pytest.mark.parametrize("model_class", [BPE, WordPiece, Unigram])
def test_the_models_share_the_one_cache(model_class: type[Model]) -> None:
    assert issubclass(model_class, CachedModel)
    assert model_class.tokenize is CachedModel.tokenize


def test_wordlevel_tokenize() -> None:
    model = WordLevel(VOCAB, unk_token="<unk>")
    assert model.tokenize("hugs") == ([5], [(0, 4)])
    assert model.tokenize("bunny") == ([0], [(0, 5)])
    assert model.tokenize("") == ([], [])
    no_unk = WordLevel({"a": 0}, unk_token="<unk>")  # accepted, as in tokenizers ...
    assert no_unk.tokenize("a") == ([0], [(0, 1)])
    with pytest.raises(ValueError, match="unknown token"):  # ... until a word is unknown
        no_unk.tokenize("b")
    with pytest.raises(ModelFileError):
        WordLevel({"a": -1})
    with pytest.raises(ModelFileError):
        WordLevel({"a": 0}, unk_token=None)  # type: ignore[arg-type]
    with pytest.raises(ModelFileError):
        model_from_dict({"type": "WordLevel", "vocab": [["a", 0]]})


def _wordlevel_pair(lowercase: bool) -> tuple[Tokenizer, Any]:
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    theirs = tk.Tokenizer(tk.models.WordLevel(VOCAB, unk_token="<unk>"))
    theirs.pre_tokenizer = tk.pre_tokenizers.Whitespace()
    ours = Tokenizer(WordLevel(VOCAB, unk_token="<unk>"), pre_tokenizer=Whitespace())
    if lowercase:
        theirs.normalizer = tk.normalizers.Lowercase()
        ours.normalizer = Lowercase()
    return ours, theirs


@pytest.mark.parametrize("lowercase", [False, True])
def test_wordlevel_encodes_as_tokenizers(lowercase: bool) -> None:
    ours, theirs = _wordlevel_pair(lowercase)
    for text in TEXTS:
        mine, hf = ours.encode(text), theirs.encode(text)
        assert mine.ids == hf.ids, text
        assert mine.tokens == hf.tokens, text
        assert mine.offsets == hf.offsets, text
        assert mine.word_ids == hf.word_ids, text
    assert ours.decode(ours.encode(TEXTS[0]).ids) == theirs.decode(theirs.encode(TEXTS[0]).ids)


def test_wordlevel_tokenizer_json_round_trips_through_tokenizers(tmp_path: Path) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    ours, theirs = _wordlevel_pair(lowercase=True)
    mine, hf = tmp_path / "ours.json", tmp_path / "theirs.json"
    ours.save(str(mine))
    theirs.save(str(hf))
    assert json.loads(mine.read_text())["model"] == json.loads(hf.read_text())["model"]
    loaded_there = tk.Tokenizer.from_file(str(mine))
    loaded_here = tokenlab.Tokenizer.from_file(str(hf))
    assert isinstance(loaded_here.model, WordLevel)
    for text in TEXTS:
        assert loaded_there.encode(text).ids == ours.encode(text).ids
        assert loaded_here.encode(text).offsets == theirs.encode(text).offsets
