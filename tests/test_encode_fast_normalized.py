"""Byte-level pipelines with a normalizer on the native encoder (issue 14).

The normalizer runs in Python, the normalized text is encoded natively and the offsets
are mapped back through the normalizer's alignment (``fastpath.NormalizingEncoder``).
Each pipeline here is built and trained by ``tokenizers`` itself and compared with it:
ids, tokens, offsets and word ids, one text at a time, in batches, in pairs and around
added tokens, on text that the normalizer changes (decomposed, compatibility and
upper-case chars) and on text it leaves as it is.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from conftest import general_path, multilingual_lines, pydoc_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenlab import Tokenizer
from tokenlab._patterns import SCAN_PATTERNS
from tokenlab.fastpath import NormalizingEncoder
from tokenlab.pre_tokenizers import ByteLevel, Sequence, Split, byte_level_setup

tk = pytest.importorskip("tokenizers")

ADVERSARIAL = [
    "",
    " ",
    "e\u0301\u0301o \u00c0\u0300 \u062c\u064e\u0651 \u1100\u1161\u11a8 ﬁ Ａ① ½ ⅷ",
    "İSTANBUL ΟΔΟΣ ǅ ß ẞ Ⅻ \u0130\u0307 ﬃ ﬄ ㎏ ㍱",
    "\t\n\r\x0b\x0c\x01\x7f\u200b\u2028\ufeff\ufffd\u1680\u2581 ▁▁  ",
    "👍🏽 👨‍👩‍👧 🇫🇷 中文汉字 한국어 日本語のテキスト \u3000\u00a0x",
    "  leading, trailing <|endoftext|> inside<|endoftext|>again  ",
    "A" * 200 + "\u0301" * 5,
]


def _texts() -> list[str]:
    lines = multilingual_lines(240)
    # Every line in the four forms too: most change under one normalizer or another.
    forms = [unicodedata.normalize(f, line) for f in ("NFD", "NFKD") for line in lines[::4]]
    return ADVERSARIAL + lines + forms + [line.upper() for line in lines[::6]] + pydoc_lines(60)


def _normalizers() -> dict[str, Any]:
    n = tk.normalizers
    return {
        "nfc": n.NFC(),
        "nfkc": n.NFKC(),
        "nfd": n.NFD(),
        "nfkd": n.NFKD(),
        "lowercase": n.Lowercase(),
        "empty-sequence": n.Sequence([]),
        "nfkc-lowercase": n.Sequence([n.NFKC(), n.Lowercase()]),
        "clip-like": n.Sequence([n.NFC(), n.Replace(tk.Regex(r"\s+"), " "), n.Lowercase()]),
        "nfd-strip-accents": n.Sequence([n.NFD(), n.StripAccents(), n.Strip()]),
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Tokenizer]]:
    """name -> (tokenizers' pipeline, tokenlab's load of its tokenizer.json)."""
    out = {}
    lines = multilingual_lines(600) + pydoc_lines(200)
    for name, normalizer in _normalizers().items():
        hf = tk.Tokenizer(tk.models.BPE())
        hf.normalizer = normalizer
        hf.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
        hf.post_processor = tk.processors.ByteLevel(trim_offsets=True)
        hf.decoder = tk.decoders.ByteLevel()
        trainer = tk.trainers.BpeTrainer(
            vocab_size=1200,
            initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet(),
            special_tokens=["<|endoftext|>"],
            show_progress=False,
        )
        hf.train_from_iterator(lines, trainer)
        path = tmp_path_factory.mktemp("norm") / f"{name}.json"
        hf.save(str(path))
        out[name] = (hf, Tokenizer.from_file(str(path)))
    return out


NAMES = sorted(_normalizers())


def _fields(e: Any) -> tuple[Any, ...]:
    return (e.ids, e.tokens, [tuple(o) for o in e.offsets], e.word_ids)


@pytest.mark.parametrize("name", NAMES)
def test_fast_path_is_taken(built: dict[str, tuple[Any, Tokenizer]], name: str) -> None:
    fast = built[name][1]._fast_encoder()
    assert fast is not None
    # An empty Sequence changes nothing: the plain encoder serves it.
    assert isinstance(fast, NormalizingEncoder) == (name != "empty-sequence")


@pytest.mark.parametrize("name", NAMES)
def test_encode_like_tokenizers(built: dict[str, tuple[Any, Tokenizer]], name: str) -> None:
    hf, ours = built[name]
    texts = _texts()
    for i, text in enumerate(texts):
        pair = texts[(i + 7) % len(texts)] if i % 5 == 0 else None
        assert _fields(ours.encode(text, pair)) == _fields(hf.encode(text, pair)), text
    plain = [t for t in texts if "<|endoftext|>" not in t]  # ordinary: no added tokens
    assert ours.encode_ordinary_batch(plain) == [e.ids for e in hf.encode_batch(plain)]


@pytest.mark.parametrize("name", NAMES)
def test_batches_like_tokenizers(built: dict[str, tuple[Any, Tokenizer]], name: str) -> None:
    hf, ours = built[name]
    texts = _texts()
    got = ours.encode_batch(texts, num_threads=2)
    assert [_fields(e) for e in got] == [_fields(e) for e in hf.encode_batch(texts)]


@pytest.mark.parametrize("name", ["nfkc-lowercase", "nfd"])
def test_same_as_general_path(built: dict[str, tuple[Any, Tokenizer]], name: str) -> None:
    _, ours = built[name]
    slow = general_path(ours)
    for text in _texts():
        assert _fields(ours.encode(text)) == _fields(slow.encode(text)), text


def test_subclassed_normalizer_takes_the_general_path(
    built: dict[str, tuple[Any, Tokenizer]],
) -> None:
    _, ours = built["nfc"]
    tok = Tokenizer.from_str(ours.to_str())

    class MyNFC(type(tok.normalizer)):  # type: ignore[misc]
        pass

    tok.normalizer = MyNFC()
    assert tok._fast_encoder() is None


def test_non_str_is_refused(built: dict[str, tuple[Any, Tokenizer]]) -> None:
    fast = built["nfc"][1]._fast_encoder()
    with pytest.raises(TypeError, match="must be str"):
        fast.encode_many(["a", b"b"])


# Decomposed and compatibility chars, combining marks and case pairs, mixed with ASCII.
_MARKS = ["\u0301", "\u0300", "\u0327", "\u00c5", "\u212b", "ﬁ", "Ａ", "İ", "\u0345", "①"]
_OTHERS = ["\u1100", "\u1161", "\u11a8", "\uac00", "ß", "Σ", "\U0001d400", "😀"]
_CHARS = st.sampled_from([*"aAeE oO\n\t.1", *_MARKS, *_OTHERS])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(_CHARS, max_size=40))
def test_random_text_like_tokenizers(
    built: dict[str, tuple[Any, Tokenizer]], tmp_path: Path, text: str
) -> None:
    for name in ("nfkc-lowercase", "nfd-strip-accents", "clip-like"):
        hf, ours = built[name]
        assert _fields(ours.encode(text)) == _fields(hf.encode(text)), name


def test_split_keeping_the_matches_of_a_scanner_pattern() -> None:
    # OLMo 2's file: Split(cl100k's regex, "Removed", invert=True), then ByteLevel without
    # regex. A pattern that tiles the text splits it the same way either side; one that
    # does not (\w+ drops the spaces) is no byte-level set-up.
    def setup(pattern: str, behavior: str, invert: bool) -> Any:
        split = Split(pattern, behavior, invert)
        return byte_level_setup(Sequence([split, ByteLevel(use_regex=False)]))

    llama3 = SCAN_PATTERNS["llama3"]
    assert setup(llama3, "removed", True).scan_name == "llama3"
    assert setup(llama3, "isolated", False).scan_name == "llama3"
    assert setup(r"\w+", "removed", True) is None
    assert setup(llama3, "removed", False) is None
    assert setup(llama3, "isolated", True) is None
    pieces = [p.text for p in Split(llama3, "removed", True)._split_from("a  b\n1234", True)]
    assert pieces == [p.text for p in Split(llama3)._split_from("a  b\n1234", True)]
