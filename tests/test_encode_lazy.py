"""Encodings built lazily by the fast path: the same fields as tokenizers', pickled whole.

``Tokenizer.encode`` of a plain text on a byte-level pipeline keeps the encoder and
the text, and computes offsets, tokens and masks when one of them is first read; its
quick path skips the checks of the general path while nothing changed. These tests
compare every field with Hugging Face ``tokenizers`` on the suite's multilingual and
code text, read in different orders, after pickling, and after settings change.
"""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import Any

import pytest
from conftest import multilingual_lines, pydoc_lines

from tokenlab import Tokenizer
from tokenlab.encoding import Encoding

tk = pytest.importorskip("tokenizers", reason="parity tests need Hugging Face tokenizers")

FIELDS = (
    "ids",
    "tokens",
    "offsets",
    "type_ids",
    "attention_mask",
    "special_tokens_mask",
    "word_ids",
)
CODE = [
    "def f(x):\n    return x + 1  # <|endoftext|> not special here\n",
    "    if a<b and b >= 3: print(f'{a!r}')\r\n",
    "<|endoftext|>",
    "x<|endoftext|>y <|endoftext|> z",
    "",
    " ",
    "\n\n",
]


def _texts() -> list[str]:
    return multilingual_lines(300, keepends=True)[::3] + pydoc_lines(200)[::2] + CODE


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A byte-level BPE trained by tokenizers (with a special token), and its file."""
    hf = tk.Tokenizer(tk.models.BPE())
    hf.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.post_processor = tk.processors.ByteLevel(trim_offsets=False)
    hf.decoder = tk.decoders.ByteLevel()
    trainer = tk.trainers.BpeTrainer(
        vocab_size=800,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    hf.train_from_iterator(multilingual_lines(1500) + pydoc_lines(1500), trainer)
    path = tmp_path_factory.mktemp("lazy") / "tokenizer.json"
    hf.save(str(path))
    return hf, path


def _fields(e: Any, order: tuple[str, ...] = FIELDS) -> dict[str, Any]:
    return {name: list(getattr(e, name)) for name in order}


def test_lazy_fields_match_tokenizers_in_any_order(pair: tuple[Any, Path]) -> None:
    hf, path = pair
    tok = Tokenizer.from_file(path)
    for text in _texts():
        want = _fields(hf.encode(text))
        # Twice each: the first call takes the general path, the next the quick one.
        for _ in range(2):
            assert _fields(tok.encode(text)) == want, text
            assert _fields(tok.encode(text), FIELDS[::-1]) == want, text
        assert tok.encode(text).ids == tok.encode_ordinary(text) or "<|" in text


def test_lazy_encodings_pickle_and_copy_whole(pair: tuple[Any, Path]) -> None:
    hf, path = pair
    tok = Tokenizer.from_file(path)
    for text in _texts()[::5]:
        want = _fields(hf.encode(text))
        for make in (tok.encode, lambda t: tok.encode_batch([t, t])[1]):
            enc = make(text)
            assert isinstance(enc, Encoding)
            for back in (
                pickle.loads(pickle.dumps(make(text))),
                copy.deepcopy(make(text)),
                copy.copy(make(text)),
            ):
                assert "_columns" not in back.__dict__  # every field was built
                assert _fields(back) == want, text
            assert enc == pickle.loads(pickle.dumps(enc))


def test_batch_matches_tokenizers(pair: tuple[Any, Path]) -> None:
    hf, path = pair
    tok = Tokenizer.from_file(path)
    # Enough text to be cut into chunks for the threads.
    texts = _texts() * 40
    assert sum(map(len, texts)) > 1 << 17
    want = [_fields(e) for e in hf.encode_batch(texts)]
    assert [_fields(e) for e in tok.encode_batch(texts, num_threads=2)] == want
    assert [_fields(e) for e in tok.encode_batch(texts, num_threads=1)] == want


def test_settings_changed_after_the_quick_path_apply(pair: tuple[Any, Path]) -> None:
    """Truncation, padding, added tokens and a trimming post-processor set after the
    quick path was taken change the next encoding exactly as in tokenizers."""
    hf, path = pair
    hf = tk.Tokenizer.from_str(hf.to_str())
    tok = Tokenizer.from_file(path)
    text = "Sequences: lists, tuples and  range objects <sep> here."
    steps = [
        lambda t: t.enable_truncation(5),
        lambda t: t.enable_padding(length=8, pad_id=0, pad_token="<|endoftext|>"),
        lambda t: t.no_truncation(),
        lambda t: t.no_padding(),
        lambda t: t.add_tokens(["<sep>"]),
        lambda t: t.add_special_tokens(["tuples"]),
    ]
    for step in steps:
        tok.encode(text)
        tok.encode(text)
        step(hf)
        step(tok)
        assert _fields(tok.encode(text)) == _fields(hf.encode(text)), step
    # A component changed in place: the ByteLevel post-processor trims offsets now.
    tok.encode(text)
    tok.post_processor.trim_offsets = True  # type: ignore[union-attr]
    hf.post_processor = tk.processors.ByteLevel(trim_offsets=True)
    assert _fields(tok.encode(text)) == _fields(hf.encode(text))


def test_tokenizer_pickles_after_the_quick_paths(pair: tuple[Any, Path]) -> None:
    hf, path = pair
    tok = Tokenizer.from_file(path)
    text = "Pickled after encode and encode_ordinary took their quick paths."
    for _ in range(2):
        tok.encode(text)
        tok.encode_ordinary(text)
    for back in (pickle.loads(pickle.dumps(tok)), copy.deepcopy(tok), copy.copy(tok)):
        assert _fields(back.encode(text)) == _fields(hf.encode(text))
        assert back.encode_ordinary(text) == hf.encode(text).ids
