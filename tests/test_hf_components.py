"""Every tokenizer.json component type and option of ``tokenizers``: load, save back, encode.

Each component is built as a ``tokenizers`` Python object IN THE TEST, written to JSON by
``tokenizers``, loaded by tokenlab, and compared: the dict tokenlab writes back, and the
ids, tokens and offsets on multilingual, code and adversarial text.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import multilingual_lines, pydoc_lines
from tokenlab import Tokenizer
from tokenlab.decoders import CTC, decoder_from_dict
from tokenlab.errors import ConfigError, ModelFileError
from tokenlab.models import BPE, model_from_dict
from tokenlab.normalizers import (
    NormalizedString,
    Prepend,
    StripAccents,
    normalizer_from_dict,
)
from tokenlab.pre_tokenizers import (
    CharDelimiterSplit,
    Digits,
    FixedLength,
    Punctuation,
    UnicodeScripts,
    pre_tokenizer_from_dict,
)
from tokenlab.processors import processor_from_dict

tk = pytest.importorskip("tokenizers", reason="parity tests need Hugging Face tokenizers")

ADVERSARIAL = [
    "",
    " ",
    "   leading and trailing   ",
    "e\u0301\u0301o \u00c0\u0300 \u062c\u064e\u0651 \u1100\u1161\u11a8",
    "\t\n\r\x0b\x0c\x01\x7f\x8f\x9f\u200b\u200d\u2028\ufeff\ufffd\u1680\u2581",
    "１２３ ٣٤٥ ⅷ ½ 12,345.67 0x1F 1e-9",
    "どこで生れ。Yes ありがとうー カタカナ 林檎 Apples are りんご",
    "a|b||c|",
    "¡Hola! ¿Qué tal? — «quote» 'single' \"double\" (paren) [x] {y} <z>",
    "👍🏽 👨‍👩‍👧 🇫🇷 \U0001f600\U0001f600",
    "def f(x):\n    return x**2  # comment\n\tprint(f'{x!r}')",
]


def _texts(n: int = 300) -> list[str]:
    return ADVERSARIAL + multilingual_lines(n) + pydoc_lines(n // 3)


def _state(obj: Any) -> dict[str, Any]:
    """The tokenizer.json dict ``tokenizers`` writes for a component."""
    return json.loads(obj.__getstate__())


def _char_tokenizer(normalizer: Any = None, pre: Any = None) -> Any:
    """A tokenizers Tokenizer that shows a pipeline's normalized chars and offsets:
    a WordLevel model of no words (every word is [UNK] with its offsets)."""
    tok = tk.Tokenizer(tk.models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre or tk.pre_tokenizers.Split(tk.Regex(r"[\s\S]"), "isolated")
    return tok


def _assert_same(hf: Any, texts: list[str], pair: bool = False) -> Tokenizer:
    ours = Tokenizer.from_str(hf.to_str())
    for text in texts:
        for special in (True, False):
            a = hf.encode(text, text[::-1] if pair else None, add_special_tokens=special)
            b = ours.encode(text, text[::-1] if pair else None, add_special_tokens=special)
            assert (b.ids, b.tokens, b.offsets) == (a.ids, a.tokens, a.offsets), text
            assert b.type_ids == a.type_ids
            # The mask of an added special token typed in the text is tokenizer.py's rule
            # (tokenizers 0.23 gives it 0, tokenlab 1): compare the others.
            added = set(hf.get_added_tokens_decoder())
            mask_a = [m for m, i in zip(a.special_tokens_mask, a.ids) if i not in added]
            mask_b = [m for m, i in zip(b.special_tokens_mask, b.ids) if i not in added]
            assert mask_b == mask_a
    return ours


NORMALIZERS = [
    lambda: tk.normalizers.StripAccents(),
    lambda: tk.normalizers.Sequence([tk.normalizers.NFD(), tk.normalizers.StripAccents()]),
    lambda: tk.normalizers.Sequence([tk.normalizers.NFKD(), tk.normalizers.StripAccents()]),
    lambda: tk.normalizers.Prepend("▁"),
    lambda: tk.normalizers.Prepend("<<"),
    lambda: tk.normalizers.Sequence(
        [tk.normalizers.Prepend("▁"), tk.normalizers.Replace(" ", "▁")]
    ),
    lambda: tk.normalizers.Nmt(),
    lambda: tk.normalizers.ByteLevel(),
    # The Unicode forms: each output char aligned with the char it comes from.
    lambda: tk.normalizers.NFC(),
    lambda: tk.normalizers.NFD(),
    lambda: tk.normalizers.NFKC(),
    lambda: tk.normalizers.NFKD(),
]


@pytest.mark.parametrize("make", NORMALIZERS)
def test_normalizer_loads_saves_back_and_normalizes_like_tokenizers(make: Any) -> None:
    hf = make()
    d = _state(hf)
    ours = normalizer_from_dict(d)
    assert ours is not None and ours.to_dict() == d
    texts = _texts()
    for text in texts:
        assert ours.normalize_str(text) == hf.normalize_str(text), text
        assert ours.normalize(NormalizedString.from_str(text)).normalized == hf.normalize_str(text)
    tok = _assert_same(_char_tokenizer(hf), texts)
    assert json.loads(tok.to_str())["normalizer"] == d


# Assigned chars (Python's Unicode data) plus pieces the components look at; chars the
# newest Unicode versions assigned are documented differences of the regex tables.
_CHARS = st.characters(exclude_categories=("Cs", "Cn"), max_codepoint=0x2FFFF)
_PIECES = st.sampled_from(
    [
        " ",
        "  ",
        "\t",
        "\n",
        "e\u0301",
        "\u00c0\u0300",
        "\u062c\u064e\u0651",
        "12",
        "١٢",
        "|",
        ",",
        "!",
        "¿",
        "どこ",
        "カタ",
        "ー",
        "林",
        "abc",
        "абв",
        "😀",
        "\u200b",
        "\x7f",
        "▁",
        "\u0f73\u0f80",
        "a\u0f80\u0f73",
        "\u1100\u1161\u11a8",
        "가\u11a8",
        "ﬁ",
        "①",
        "ำ",
        "\u0344",
        "\u0316\u0301",
        "e\u0316\u0301",
    ]
)
TEXT = st.lists(st.one_of(_CHARS, _PIECES), max_size=25).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.sampled_from(range(len(NORMALIZERS))))
def test_normalizer_offsets_on_random_unicode(text: str, which: int) -> None:
    _assert_same(_char_tokenizer(NORMALIZERS[which]()), [text])


PRE_TOKENIZERS = [
    lambda: tk.pre_tokenizers.Digits(individual_digits=True),
    lambda: tk.pre_tokenizers.Digits(individual_digits=False),
    lambda: tk.pre_tokenizers.Punctuation(),
    lambda: tk.pre_tokenizers.Punctuation("removed"),
    lambda: tk.pre_tokenizers.Punctuation("merged_with_previous"),
    lambda: tk.pre_tokenizers.Punctuation("merged_with_next"),
    lambda: tk.pre_tokenizers.Punctuation("contiguous"),
    lambda: tk.pre_tokenizers.UnicodeScripts(),
    lambda: tk.pre_tokenizers.CharDelimiterSplit("|"),
    lambda: tk.pre_tokenizers.CharDelimiterSplit(" "),
    lambda: tk.pre_tokenizers.FixedLength(5),
    lambda: tk.pre_tokenizers.FixedLength(1),
    lambda: tk.pre_tokenizers.Sequence(
        [tk.pre_tokenizers.WhitespaceSplit(), tk.pre_tokenizers.Digits(individual_digits=True)]
    ),
    lambda: tk.pre_tokenizers.Sequence(
        [tk.pre_tokenizers.Punctuation(), tk.pre_tokenizers.ByteLevel(add_prefix_space=False)]
    ),
]


@pytest.mark.parametrize("make", PRE_TOKENIZERS)
def test_pre_tokenizer_loads_saves_back_and_splits_like_tokenizers(make: Any) -> None:
    hf = make()
    d = _state(hf)
    ours = pre_tokenizer_from_dict(d)
    assert ours is not None and ours.to_dict() == d
    for text in _texts():
        assert ours.pre_tokenize_str(text) == hf.pre_tokenize_str(text), text
        assert ours.words(text) == [w for w, _ in hf.pre_tokenize_str(text)]
    # In a tokenizer, after a normalizer that moves offsets.
    norm = tk.normalizers.Sequence([tk.normalizers.NFKD(), tk.normalizers.StripAccents()])
    tok = _assert_same(_char_tokenizer(norm, hf), _texts(100))
    assert json.loads(tok.to_str())["pre_tokenizer"] == d


@settings(max_examples=300, deadline=None)
@given(TEXT, st.sampled_from(range(len(PRE_TOKENIZERS))))
def test_pre_tokenizer_on_random_unicode(text: str, which: int) -> None:
    hf = PRE_TOKENIZERS[which]()
    ours = pre_tokenizer_from_dict(_state(hf))
    assert ours is not None
    assert ours.pre_tokenize_str(text) == hf.pre_tokenize_str(text)


def test_new_components_golden() -> None:
    # Worked by hand from the rules in the docstrings.
    assert Digits().words("ab12c3") == ["ab", "12", "c", "3"]
    assert Digits(True).words("12") == ["1", "2"]
    assert Punctuation("removed").words("a,b!") == ["a", "b"]
    assert CharDelimiterSplit("-").words("-a--b-") == ["a", "b"]
    assert FixedLength(3).pre_tokenize_str("abcdefg") == [
        ("abc", (0, 3)),
        ("def", (3, 6)),
        ("g", (6, 7)),
    ]
    assert UnicodeScripts().words("abc def") == ["abc def"]
    assert UnicodeScripts().words("abcабв") == ["abc", "абв"]
    assert StripAccents().normalize_str("e\u0301") == "e"
    assert Prepend("▁").normalize_str("") == ""
    with pytest.raises(ConfigError):
        FixedLength(0)
    with pytest.raises(ConfigError):
        CharDelimiterSplit("ab")
    with pytest.raises(ConfigError):
        Punctuation("sideways")


def _byte_level_bpe(ignore_merges: bool = False, dropout: float | None = None) -> Any:
    tok = tk.Tokenizer(tk.models.BPE(ignore_merges=ignore_merges, dropout=dropout))
    tok.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = tk.decoders.ByteLevel()
    trainer = tk.trainers.BpeTrainer(
        vocab_size=800,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
        initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(multilingual_lines(600) + pydoc_lines(200), trainer)
    return tok


def test_roberta_processing_like_tokenizers() -> None:
    hf = _byte_level_bpe()
    hf.post_processor = tk.processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    d = _state(hf.post_processor)
    assert processor_from_dict(d).to_dict() == d  # type: ignore[union-attr]
    texts = [*_texts(150), "x  <s>", "  two leading", "trailing  ", "\u3000ideographic\u3000"]
    _assert_same(hf, texts)
    _assert_same(hf, texts[:80], pair=True)
    hf.post_processor = tk.processors.RobertaProcessing(
        ("</s>", 2), ("<s>", 0), trim_offsets=False, add_prefix_space=False
    )
    _assert_same(hf, texts[:80], pair=True)


def test_byte_level_trimming_trims_unicode_whitespace_like_tokenizers() -> None:
    hf = _byte_level_bpe()
    # Added tokens that are runs of whitespace (as GPT-NeoX's file has) keep their spaces
    # in the token: tokenizers trims them off the offsets like Ġ.
    hf.add_tokens(["  ", "    ", "\t\t", "\n\n"])
    hf.post_processor = tk.processors.ByteLevel(trim_offsets=True)
    texts = [t.replace(" ", "  ") for t in _texts(100)] + pydoc_lines(100)
    _assert_same(hf, texts)


def test_ctc_decoder_like_tokenizers() -> None:
    for cleanup in (True, False):
        hf = tk.decoders.CTC("<pad>", "|", cleanup)
        d = _state(hf)
        ours = decoder_from_dict(d)
        assert isinstance(ours, CTC) and ours.to_dict() == d
        pieces = ["<pad>", "|", "a", "b", "a", "'", "s", ".", " ", "n't", "x<pad>y", "é"]
        rng = random.Random(7)
        for _ in range(500):
            tokens = [rng.choice(pieces) for _ in range(rng.randrange(0, 12))]
            assert ours.decode(tokens) == hf.decode(tokens), tokens


def test_bpe_ignore_merges_and_byte_fallback_like_tokenizers() -> None:
    hf = _byte_level_bpe(ignore_merges=True)
    d = json.loads(hf.to_str())["model"]
    assert d["ignore_merges"] is True
    ours = _assert_same(hf, _texts(200))
    assert json.loads(ours.to_str())["model"] == d
    # byte_fallback: a char-level BPE whose unknown chars become <0xNN> tokens.
    vocab = {f"<0x{b:02X}>": b for b in range(256)}
    for ch in "abcdefghij ":
        vocab[ch] = len(vocab)
    vocab["ab"] = len(vocab)
    bf = tk.Tokenizer(tk.models.BPE(vocab, [("a", "b")], byte_fallback=True, unk_token=None))
    bf.decoder = tk.decoders.ByteFallback()
    _assert_same(bf, _texts(100))


def test_bpe_dropout() -> None:
    hf_none = _byte_level_bpe()
    texts = _texts(100)
    # dropout 1.0 skips every merge (tokenizers too); 0.0 never skips.
    for p in (1.0, 0.0):
        hf = tk.Tokenizer.from_str(hf_none.to_str())
        hf.model.dropout = p
        d = json.loads(hf.to_str())["model"]
        assert d["dropout"] == p
        ours = _assert_same(hf, texts)
        assert json.loads(ours.to_str())["model"] == d
    # 0.3 with a seed: reproducible, varies between calls, and every token is valid BPE
    # (its merged pieces concatenate back to the word).
    d = json.loads(hf_none.to_str())["model"]
    runs = []
    for _ in range(2):
        m = BPE.from_dict({**d, "dropout": 0.3})
        m._rng.seed(1234)
        runs.append([m.tokenize("Ġinternationalization") for _ in range(20)])
    assert runs[0] == runs[1]
    assert len({tuple(ids) for ids, _ in runs[0]}) > 1
    inv = {i: t for t, i in d["vocab"].items()}
    for ids, _ in runs[0]:
        assert "".join(inv[i] for i in ids) == "Ġinternationalization"
    seeded = BPE(d["vocab"], [tuple(m) for m in d["merges"]], dropout=0.3, seed=5)
    again = BPE(d["vocab"], [tuple(m) for m in d["merges"]], dropout=0.3, seed=5)
    assert [seeded.tokenize("Ġtokenization") for _ in range(10)] == [
        again.tokenize("Ġtokenization") for _ in range(10)
    ]
    with pytest.raises(ModelFileError):
        BPE.from_dict({**d, "dropout": 1.5})


def test_unigram_without_type_key_loads_like_tokenizers() -> None:
    # T5's tokenizer.json writes its Unigram model without "type"; tokenizers infers it.
    vocab = [("<unk>", 0.0), ("▁", -1.0), ("a", -2.0), ("b", -2.5), ("ab", -1.5)]
    hf = tk.Tokenizer(tk.models.Unigram(vocab, 0, False))
    hf.pre_tokenizer = tk.pre_tokenizers.Metaspace()
    d = json.loads(hf.to_str())
    del d["model"]["type"]
    hf_back = tk.Tokenizer.from_str(json.dumps(d))
    ours = Tokenizer.from_str(json.dumps(d))
    assert type(model_from_dict(d["model"])).__name__ == "Unigram"
    for text in ("ab ba", "abab c", ""):
        assert ours.encode(text).ids == hf_back.encode(text).ids


_ACCENTS = st.sampled_from(
    [
        "\u062c\u064e\u0651",
        "\u00c0\u0300",
        "e\u0301\u0301",
        "\u1e69",
        "\u0344",
        "ǅ",
        "\u0f73",
        "a\u0316\u0301",
        "\u00e9\u0316",
        "Å",
        "ﬁ",
        "가",
        "\u3000",
        "中",
    ]
)
BERT_TEXT = st.lists(st.one_of(_CHARS, _ACCENTS, _PIECES), max_size=20).map("".join)


@pytest.mark.parametrize("accents", [None, True, False])
@settings(max_examples=300, deadline=None)
@given(text=BERT_TEXT)
def test_bert_offsets_of_stripped_accents_like_tokenizers(accents: Any, text: str) -> None:
    # A stripped accent must not stretch the previous token (each NFD char keeps the
    # span of the char it comes from).
    norm = tk.normalizers.BertNormalizer(lowercase=accents is not False, strip_accents=accents)
    hf = _char_tokenizer(norm, tk.pre_tokenizers.BertPreTokenizer())
    _assert_same(hf, [text])


def test_bert_offsets_golden() -> None:
    hf = _char_tokenizer(tk.normalizers.BertNormalizer(), tk.pre_tokenizers.BertPreTokenizer())
    ours = Tokenizer.from_str(hf.to_str())
    assert ours.encode("\u062c\u064e\u0651").offsets == [(0, 1)]
    assert ours.encode("\u00c0\u0300").offsets == [(0, 1)]
    _assert_same(hf, ["\u062c\u064e\u0651", "\u00c0\u0300", *multilingual_lines(500)])
