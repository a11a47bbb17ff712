"""A template post-processor on the lazy encoding path: the same fields as tokenizers'.

When the post-processor only puts special tokens around one text (BERT's ``[CLS] $A
[SEP]``, a ByteLevel one that does not trim), ``Tokenizer.encode`` and ``encode_batch``
splice the special ids into the ids of the native call and keep the rest lazily built
(``PostProcessor.single_plan``). These tests compare every field, the sequence ids and
pickling with Hugging Face ``tokenizers`` loading the same ``tokenizer.json``, on the
suite's multilingual, code and adversarial text, with and without special tokens,
before and after the quick path is taken, and after the template is replaced.
"""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from conftest import multilingual_lines, pydoc_lines

import tokenlab
from tokenlab import Tokenizer
from tokenlab.encoding import Encoding
from tokenlab.processors import TemplateProcessing

tk = pytest.importorskip("tokenizers", reason="parity tests need Hugging Face tokenizers")

FIELDS = (
    "ids",
    "tokens",
    "offsets",
    "type_ids",
    "attention_mask",
    "special_tokens_mask",
    "word_ids",
    "sequence_ids",
)
ADVERSARIAL = [
    "",
    " ",
    "\n\n",
    "[CLS]",
    "a [SEP] b [CLS]c",
    "[MASK] [mask] [UNK] [PAD]",
    "x" * 300,
    "ǅ\u0301\u200b\ufeff 😀 中文 한글 \x00\x7f",
    "def f(x):\n    return x[0] + 1  # [SEP] in code\n",
]


def _texts() -> list[str]:
    return multilingual_lines(300, keepends=True)[::4] + pydoc_lines(200)[::3] + ADVERSARIAL


def _fields(e: Any) -> dict[str, Any]:
    return {name: list(getattr(e, name)) for name in FIELDS}


@pytest.fixture(scope="module")
def bert_json() -> str:
    """A trained BERT tokenizer.json (WordPiece, BERT normalizer, template)."""
    lines = multilingual_lines(1500) + pydoc_lines(1500)
    tok = tokenlab.train(iter(lines), algorithm="wordpiece", vocab_size=3000, show_progress=False)
    assert isinstance(tok.post_processor, TemplateProcessing)
    return tok.to_str()


def _with_template(text: str, single: list[Any], specials: dict[str, Any]) -> str:
    d = json.loads(text)
    d["post_processor"] = {
        "type": "TemplateProcessing",
        "single": single,
        "pair": [*single, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": specials,
    }
    return json.dumps(d)


def _special(name: str, type_id: int = 0) -> dict[str, Any]:
    return {"SpecialToken": {"id": name, "type_id": type_id}}


def _sequence(type_id: int = 0) -> dict[str, Any]:
    return {"Sequence": {"id": "A", "type_id": type_id}}


def _variants(bert: str) -> dict[str, str]:
    vocab = json.loads(bert)["model"]["vocab"]
    cls, sep, mask = vocab["[CLS]"], vocab["[SEP]"], vocab["[MASK]"]
    specials = {
        "[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
        # A special of two tokens, and one of none.
        "<two>": {"id": "<two>", "ids": [sep, mask], "tokens": ["[SEP]", "[MASK]"]},
        "<none>": {"id": "<none>", "ids": [], "tokens": []},
    }
    return {
        "bert": bert,
        "two-after": _with_template(
            bert, [_special("[CLS]"), _sequence(), _special("<two>")], specials
        ),
        "after-only": _with_template(
            bert, [_sequence(), _special("<none>"), _special("<two>")], specials
        ),
        "type-1": _with_template(bert, [_special("[CLS]", 1), _sequence(1)], specials),
        # Type ids that differ: the general path.
        "mixed-types": _with_template(bert, [_special("[CLS]", 1), _sequence(0)], specials),
        "sequence-only": _with_template(bert, [_sequence(2)], specials),
    }


@pytest.mark.parametrize(
    "variant", ["bert", "two-after", "after-only", "type-1", "mixed-types", "sequence-only"]
)
@pytest.mark.parametrize("add_special_tokens", [True, False])
def test_template_fields_match_tokenizers(
    bert_json: str, variant: str, add_special_tokens: bool
) -> None:
    text = _variants(bert_json)[variant]
    hf = tk.Tokenizer.from_str(text)
    tok = Tokenizer.from_str(text)
    texts = _texts()
    want = [_fields(hf.encode(t, add_special_tokens=add_special_tokens)) for t in texts]
    # Twice: the first call takes the general path, the next ones the quick one.
    for _ in range(2):
        got = [_fields(tok.encode(t, add_special_tokens=add_special_tokens)) for t in texts]
        assert got == want
    batch = tok.encode_batch(texts, add_special_tokens=add_special_tokens)
    assert [_fields(e) for e in batch] == want
    # Read in another order (the ids last), and the equality of two made apart.
    for t, w in zip(texts[::7], want[::7]):
        e = tok.encode(t, add_special_tokens=add_special_tokens)
        assert {n: list(getattr(e, n)) for n in FIELDS[::-1]} == w
        assert e == tok.encode_batch([t], add_special_tokens=add_special_tokens)[0]


def test_template_encodings_pickle_copy_and_pad(bert_json: str) -> None:
    hf = tk.Tokenizer.from_str(bert_json)
    tok = Tokenizer.from_str(bert_json)
    for text in _texts()[::6]:
        want = _fields(hf.encode(text))
        for make in (tok.encode, lambda t: tok.encode_batch([t, "x"])[0]):
            for back in (
                pickle.loads(pickle.dumps(make(text))),
                copy.deepcopy(make(text)),
                copy.copy(make(text)),
            ):
                assert isinstance(back, Encoding)
                assert _fields(back) == want, text
            enc = make(text)
            assert enc == pickle.loads(pickle.dumps(enc))
            assert enc.sequence_ranges == {0: (1, len(want["ids"]) - 1)}
    # Padding and truncation after the quick path: tokenizers' result.
    hf.enable_padding(length=40, pad_id=0, pad_token="[PAD]")
    tok.enable_padding(length=40, pad_id=0, pad_token="[PAD]")
    texts = _texts()
    assert [_fields(e) for e in tok.encode_batch(texts)] == [
        _fields(e) for e in hf.encode_batch(texts)
    ]
    hf.enable_truncation(12, stride=3)
    tok.enable_truncation(12, stride=3)
    for text in texts[::5]:
        got, want_enc = tok.encode(text), hf.encode(text)
        assert _fields(got) == _fields(want_enc)
        assert [_fields(o) for o in got.overflowing] == [_fields(o) for o in want_enc.overflowing]


def test_template_replaced_after_the_quick_path(bert_json: str) -> None:
    """A template replaced on the tokenizer, or changed by assignment on the processor,
    after the quick path was taken changes the next encoding as in tokenizers."""
    tok = Tokenizer.from_str(bert_json)
    text = "Templates: replaced after the quick path."
    for _ in range(2):
        tok.encode(text)
    other = _variants(bert_json)["two-after"]
    tok.post_processor = Tokenizer.from_str(other).post_processor
    assert _fields(tok.encode(text)) == _fields(tk.Tokenizer.from_str(other).encode(text))
    tok.encode(text)
    post = tok.post_processor
    assert isinstance(post, TemplateProcessing)
    post.special_tokens = {name: ([7], ["[X]"]) for name in post.special_tokens}
    want = _fields(tk.Tokenizer.from_str(other).encode(text))
    want["ids"] = [7, *want["ids"][1:-2], 7]
    want["tokens"] = ["[X]", *want["tokens"][1:-2], "[X]"]
    for name in ("offsets", "type_ids", "attention_mask", "special_tokens_mask", "word_ids"):
        want[name] = want[name][:-1]
    want["sequence_ids"] = want["sequence_ids"][:-1]
    assert _fields(tok.encode(text)) == want
    # A subclass of a template processor may do anything: the general path calls it.

    class Upper(TemplateProcessing):
        def process_encodings(
            self, encodings: list[Encoding], add_special_tokens: bool = True
        ) -> list[Encoding]:
            out = super().process_encodings(encodings, add_special_tokens)
            for e in out:
                e.tokens = [t.upper() for t in e.tokens]
            return out

    tok.post_processor = Upper("[CLS] $A [SEP]", None, [("[CLS]", 1), ("[SEP]", 2)])
    for _ in range(2):
        enc = tok.encode("abc def")
        assert enc.tokens == [t.upper() for t in enc.tokens]
        assert enc.ids[0] == 1 and enc.ids[-1] == 2


def test_unigram_template_shows_unknown_text() -> None:
    """A SentencePiece pipeline with a template: the unknown token shows its text (the
    lazily built columns keep what the encoder's unknown surfaces give)."""
    lines = multilingual_lines(800)
    tok = tokenlab.train(iter(lines), algorithm="unigram", vocab_size=2000, show_progress=False)
    d = json.loads(tok.to_str())
    unk = d["model"]["unk_id"]
    d["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [_special("<s>"), _sequence(), _special("</s>")],
        "pair": [_special("<s>"), _sequence(), _special("</s>")],
        "special_tokens": {
            "<s>": {"id": "<s>", "ids": [unk], "tokens": ["<s>"]},
            "</s>": {"id": "</s>", "ids": [unk], "tokens": ["</s>"]},
        },
    }
    text = json.dumps(d)
    hf = tk.Tokenizer.from_str(text)
    tok = Tokenizer.from_str(text)
    for line in ["☃ snowman ☃ 𝔘 unknown", *lines[:40:4]]:
        want = _fields(hf.encode(line))
        for _ in range(2):
            assert _fields(tok.encode(line)) == want, line
        assert _fields(tok.encode_batch([line])[0]) == want, line
