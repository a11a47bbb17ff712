"""Pairs, templates, truncation (with stride and overflow) and padding, against tokenizers.

Each case configures a Hugging Face tokenizer, saves it, loads the file in tokenlab,
and compares every field of every encoding, overflowing windows included.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tokenlab import ConfigError, Tokenizer
from tokenlab.encoding import Encoding
from tokenlab.processors import BertProcessing, TemplateProcessing

tk = pytest.importorskip("tokenizers", reason="parity tests need Hugging Face tokenizers")

PAIRS = [
    ("The quick brown fox jumps over the lazy dog.", "A short one."),
    ("def f(x): return x + 1", "Lambda functions are anonymous; they return an expression."),
    ("one", "two three four five six seven eight nine ten eleven twelve"),
    ("Sequences: lists, tuples, and range objects.", ""),
]


@pytest.fixture(scope="module")
def hf_base(pydoc_text: list[str]) -> Any:
    hf = tk.Tokenizer(tk.models.BPE(unk_token="[UNK]"))
    hf.pre_tokenizer = tk.pre_tokenizers.Whitespace()
    trainer = tk.trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"],
        show_progress=False,
    )
    hf.train_from_iterator(pydoc_text[:2000], trainer)
    return hf


def fields(e: Any) -> dict[str, Any]:
    return {
        "ids": list(e.ids),
        "tokens": list(e.tokens),
        "offsets": [tuple(o) for o in e.offsets],
        "type_ids": list(e.type_ids),
        "attention_mask": list(e.attention_mask),
        "special_tokens_mask": list(e.special_tokens_mask),
        "word_ids": list(e.word_ids),
        "sequence_ids": list(e.sequence_ids),
        "overflowing": [fields(o) for o in e.overflowing],
    }


def configured(hf_base: Any, processor: Any, truncation: dict | None, padding: dict | None) -> Any:
    hf = tk.Tokenizer.from_str(hf_base.to_str())
    hf.post_processor = processor
    if truncation:
        hf.enable_truncation(**truncation)
    if padding is not None:
        hf.enable_padding(**padding)
    return hf


TEMPLATE = dict(
    single="[CLS] $A [SEP]",
    pair="[CLS] $A [SEP] $B:1 [SEP]:1",
    special_tokens=[("[CLS]", 2), ("[SEP]", 3)],
)


@pytest.mark.parametrize("processor", ["template", "bert", "none"])
@pytest.mark.parametrize(
    "truncation",
    [
        None,
        {"max_length": 12},
        {"max_length": 9, "stride": 2},
        {"max_length": 10, "strategy": "only_first"},
        {"max_length": 8, "stride": 1, "direction": "left"},
    ],
)
@pytest.mark.parametrize("padding", [None, {}, {"length": 24, "direction": "left"}])
def test_pairs_truncation_padding_match_tokenizers(
    hf_base: Any, processor: str, truncation: dict | None, padding: dict | None
) -> None:
    proc = {
        "template": tk.processors.TemplateProcessing(**TEMPLATE),
        "bert": tk.processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2)),
        "none": None,
    }[processor]
    hf = configured(hf_base, proc, truncation, padding)
    ours = Tokenizer.from_str(hf.to_str())
    assert json.loads(ours.to_str())["truncation"] == json.loads(hf.to_str())["truncation"]
    assert json.loads(ours.to_str())["padding"] == json.loads(hf.to_str())["padding"]
    for a, b in PAIRS:
        for add_special in (True, False):
            for args in ((a,), (a, b)):
                try:
                    theirs = hf.encode(*args, add_special_tokens=add_special)
                except Exception:
                    with pytest.raises(ConfigError):
                        ours.encode(*args, add_special_tokens=add_special)
                    continue
                mine = ours.encode(*args, add_special_tokens=add_special)
                assert fields(mine) == fields(theirs), (args, add_special)
    batch = [PAIRS[0][0], PAIRS[2][1], PAIRS[1][0]]
    try:
        theirs_batch = hf.encode_batch(batch)
    except Exception:
        return
    assert [fields(e) for e in ours.encode_batch(batch)] == [fields(e) for e in theirs_batch]
    pair_batch = [PAIRS[0], PAIRS[1]]
    try:
        theirs_batch = hf.encode_batch(pair_batch)
    except Exception:
        return
    assert [fields(e) for e in ours.encode_batch(pair_batch)] == [fields(e) for e in theirs_batch]


def test_template_processing_to_dict_loads_in_tokenizers(hf_base: Any) -> None:
    ours = Tokenizer.from_str(hf_base.to_str())
    ours.post_processor = TemplateProcessing(**TEMPLATE)  # type: ignore[arg-type]
    ours.enable_truncation(16, stride=3)
    ours.enable_padding(length=20)
    theirs = tk.Tokenizer.from_str(ours.to_str())
    for a, b in PAIRS:
        assert fields(ours.encode(a, b)) == fields(theirs.encode(a, b))
    bert = BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    assert bert.added_tokens(True) == 3 and bert.added_tokens(False) == 2


def test_truncate_windows_by_hand() -> None:
    # 7 tokens, max 3, stride 1: windows start every 3 - 1 = 2 tokens:
    # [0 1 2], [2 3 4], [4 5 6] (the last one reaches the end, so it stops).
    e = Encoding(ids=list(range(7)), tokens=list("abcdefg"), offsets=[(i, i + 1) for i in range(7)])
    e.fill()
    e.truncate(3, stride=1)
    assert e.ids == [0, 1, 2]
    assert [o.ids for o in e.overflowing] == [[2, 3, 4], [4, 5, 6]]
    with pytest.raises(ConfigError, match="stride"):
        e.truncate(2, stride=2)


def test_bad_settings_are_refused(hf_base: Any) -> None:
    ours = Tokenizer.from_str(hf_base.to_str())
    with pytest.raises(ConfigError):
        ours.enable_truncation(-1)
    with pytest.raises(ConfigError):
        ours.enable_truncation(10, strategy="bogus")
    with pytest.raises(ConfigError):
        ours.enable_padding(direction="up")
    with pytest.raises(ConfigError):
        TemplateProcessing("[CLS] $A", special_tokens=[])
    ours.enable_truncation(5, strategy="only_second")
    with pytest.raises(ConfigError, match="pair"):
        ours.encode("one two three four five six seven")
