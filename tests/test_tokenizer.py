"""Tokenizer: encode/decode, tokenizer.json in and out, and parity with tokenizers both ways."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import ModelFileError, Tokenizer

SAMPLE = 2500  # pydoc lines used for training in this module (keeps it fast)


@pytest.fixture(scope="module")
def byte_tok(pydoc_text: list[str]) -> Tokenizer:
    return tokenlab.train(
        iter(pydoc_text[:SAMPLE]),
        vocab_size=1200,
        special_tokens=["<|endoftext|>", "<pad>"],
        show_progress=False,
    )


def held_out(pydoc_text: list[str]) -> list[str]:
    return [line for line in pydoc_text[SAMPLE : SAMPLE + 1500] if line.strip()]


def test_encode_decode_round_trip(byte_tok: Tokenizer, pydoc_text: list[str]) -> None:
    for line in held_out(pydoc_text)[:300]:
        enc = byte_tok.encode(line)
        assert byte_tok.decode(enc.ids) == line
        assert len(enc.ids) == len(enc.tokens) == len(enc.offsets)
        assert [byte_tok.id_to_token(i) for i in enc.ids] == enc.tokens


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_byte_level_is_lossless(byte_tok: Tokenizer, text: str) -> None:
    enc = byte_tok.encode(text)
    assert byte_tok.decode(enc.ids) == text
    for start, end in enc.offsets:
        assert 0 <= start <= end <= len(text)


def test_offsets_point_into_the_original(byte_tok: Tokenizer) -> None:
    text = "Héllo wörld, 😀!"
    enc = byte_tok.encode(text)
    # Every token that decodes to whole characters covers exactly those characters.
    for tid, (start, end) in zip(enc.ids, enc.offsets):
        piece = byte_tok.decode([tid])
        if "\ufffd" not in piece:
            assert text[start:end] == piece
    assert enc.offsets[0][0] == 0 and enc.offsets[-1][1] == len(text)


def test_special_tokens_are_matched_whole(byte_tok: Tokenizer) -> None:
    eot = byte_tok.token_to_id("<|endoftext|>")
    assert eot == 0
    enc = byte_tok.encode("a<|endoftext|>b")
    assert enc.ids[1] == eot
    assert enc.tokens[1] == "<|endoftext|>"
    assert enc.offsets[1] == (1, 14)
    # tokenizers marks only the post-processor's tokens as special (checked against
    # it in test_added_tokens.py).
    assert enc.special_tokens_mask == [0, 0, 0]
    assert byte_tok.decode(enc.ids) == "ab"
    assert byte_tok.decode(enc.ids, skip_special_tokens=False) == "a<|endoftext|>b"


def test_save_and_load_round_trip(byte_tok: Tokenizer, tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"
    byte_tok.save(path)
    again = Tokenizer.from_file(path)
    assert again.to_str() == byte_tok.to_str()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data["model"]["merges"][0], list)  # merges as pairs
    assert [t["content"] for t in data["added_tokens"]] == ["<|endoftext|>", "<pad>"]
    assert not [p for p in os.listdir(tmp_path) if p != "tokenizer.json"]  # no temp left


def test_legacy_string_merges_load(byte_tok: Tokenizer) -> None:
    data = byte_tok.to_dict()
    data["model"]["merges"] = [" ".join(m) for m in data["model"]["merges"]]
    legacy = Tokenizer.from_dict(data)
    assert (
        legacy.encode("def main(): return 42").ids == byte_tok.encode("def main(): return 42").ids
    )


def test_save_into_missing_directory_fails_cleanly(byte_tok: Tokenizer, tmp_path: Path) -> None:
    with pytest.raises(tokenlab.ConfigError, match="does not exist"):
        byte_tok.save(tmp_path / "nope" / "tokenizer.json")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"[]", "JSON object"),
        (b"{}", "no 'model'"),
        (b'{"model": {"type": "Nope"}}', "not supported"),
        (b'{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "b"]]}}', "not in the"),
        (b'{"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}}', "vocab"),
        (b'{"model": {"type": "BPE", "vocab": {}, "merges": ["a b c"]}}', "merge #0"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_corrupt_files_raise_model_file_error(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match) as info:
        Tokenizer.from_file(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no such file"):
        Tokenizer.from_file(tmp_path / "missing.json")


def test_truncated_real_file(byte_tok: Tokenizer, tmp_path: Path) -> None:
    text = byte_tok.to_str()
    for cut in (10, len(text) // 2, len(text) - 3):
        path = tmp_path / "cut.json"
        path.write_text(text[:cut], encoding="utf-8")
        with pytest.raises(ModelFileError):
            Tokenizer.from_file(path)


# -- parity with Hugging Face tokenizers, both directions -------------------------------


@pytest.mark.parametrize("pre_tokenizer", ["byte-level", "gpt2", "whitespace"])
def test_tokenizers_loads_ours_and_encodes_identically(
    pydoc_text: list[str], tmp_path: Path, pre_tokenizer: str
) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    ours = tokenlab.train(
        iter(pydoc_text[:SAMPLE]),
        vocab_size=1000,
        pre_tokenizer=pre_tokenizer,
        special_tokens=["<|endoftext|>"],
        show_progress=False,
    )
    path = tmp_path / "tokenizer.json"
    ours.save(path)
    theirs = tk.Tokenizer.from_file(str(path))
    lines = [*held_out(pydoc_text), "x<|endoftext|>y", "Ünïcödé 😀 日本語\r\n", "  lead\ttab  "]
    for line in lines:
        mine = ours.encode(line)
        hf = theirs.encode(line)
        assert mine.ids == hf.ids, line
        assert mine.tokens == hf.tokens, line
        assert ours.decode(mine.ids) == theirs.decode(hf.ids), line


def test_we_load_tokenizers_files_and_encode_identically(
    pydoc_text: list[str], tmp_path: Path
) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    hf = tk.Tokenizer(tk.models.BPE())
    hf.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=True)
    hf.decoder = tk.decoders.ByteLevel()
    hf.post_processor = tk.processors.ByteLevel(trim_offsets=True)
    hf.normalizer = tk.normalizers.Sequence([tk.normalizers.NFC(), tk.normalizers.Lowercase()])
    trainer = tk.trainers.BpeTrainer(
        vocab_size=1000,
        special_tokens=["<s>", "</s>"],
        initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    hf.train_from_iterator(pydoc_text[:SAMPLE], trainer)
    path = tmp_path / "hf.json"
    hf.save(str(path))
    ours = Tokenizer.from_file(path)
    for line in [*held_out(pydoc_text), "<s>Hello World</s>", "Ünïcödé 😀\n"]:
        mine = ours.encode(line)
        theirs = hf.encode(line)
        assert mine.ids == theirs.ids, line
        assert mine.offsets == theirs.offsets, line
        assert ours.decode(mine.ids) == hf.decode(theirs.ids), line


def test_tokenizers_legacy_merges_file(pydoc_text: list[str], tmp_path: Path) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    hf = tk.Tokenizer(tk.models.BPE(unk_token="[UNK]"))
    hf.pre_tokenizer = tk.pre_tokenizers.Whitespace()
    trainer = tk.trainers.BpeTrainer(vocab_size=800, special_tokens=["[UNK]"], show_progress=False)
    hf.train_from_iterator(pydoc_text[:SAMPLE], trainer)
    data = json.loads(hf.to_str())
    data["model"]["merges"] = [" ".join(m) for m in data["model"]["merges"]]
    ours = Tokenizer.from_dict(data)
    for line in [*held_out(pydoc_text)[:300], "naïve ☃ unknown ✓ chars"]:
        assert ours.encode(line).ids == hf.encode(line).ids, line
