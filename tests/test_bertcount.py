"""The BERT word counter (native ASCII split, pure twin) against the Python pipeline.

The definition is BertNormalizer (clean_text) then BertPreTokenizer, run word by word in
Python; for ASCII text the native counter splits without them, so every ASCII char
(control chars included: they are dropped, and the chars around them join) is drawn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.corpus import count_words
from tokenlab.normalizers import BertNormalizer
from tokenlab.pre_tokenizers import BertPreTokenizer

ASCII = "".join(map(chr, range(128)))
texts_strategy = st.lists(
    st.one_of(
        st.text(alphabet=ASCII, max_size=30),
        st.text(alphabet=ASCII + "Éé中ßΣ\u00a0\u3000\u0301\ufffd", max_size=30),
    ),
    max_size=8,
)


def python_words(lowercase: bool) -> Callable[[str], list[str]]:
    norm, pre = BertNormalizer(lowercase=lowercase), BertPreTokenizer()
    return lambda text: pre.words(norm.normalize_str(text))


@settings(max_examples=300, deadline=None)
@given(texts=texts_strategy, lowercase=st.booleans())
def test_counter_equals_the_python_pipeline(
    core: ModuleType, texts: list[str], lowercase: bool
) -> None:
    words = python_words(lowercase)
    counter = core.BertWordCounter(words, lowercase)
    counter.add(texts)
    expected = Counter(w for t in texts for w in words(t))
    got = counter.to_dict()
    assert got == expected
    assert list(got) == list(expected)  # first-seen order
    assert len(counter) == len(expected)


def test_counter_by_hand(core: ModuleType) -> None:
    # "A\x00b" loses its NUL and is one word "ab"; tab and CR split; "$" and "," are
    # words of their own; the non-ASCII text goes through the pipeline ("Ünï" -> "uni").
    counter = core.BertWordCounter(python_words(True), True)
    counter.add(["A\x00b\tc,$ab", "Ünï\rab"])
    assert counter.to_dict() == {"ab": 3, "c": 1, ",": 1, "$": 1, "uni": 1}
    cased = core.BertWordCounter(python_words(False), False)
    cased.add(["Ab ab"])
    assert cased.to_dict() == {"Ab": 1, "ab": 1}


def test_counter_rejects_bad_input(core: ModuleType) -> None:
    with pytest.raises(TypeError):
        core.BertWordCounter("not callable", True)
    counter = core.BertWordCounter(lambda text: [1], True)
    with pytest.raises(TypeError):
        counter.add([b"bytes"])
    with pytest.raises(TypeError, match="strs"):
        counter.add(["é"])  # not ASCII: goes to words, which returns an int


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(alphabet=ASCII, max_size=40), max_size=6))
def test_ascii_split_equals_tokenizers(texts: list[str]) -> None:
    # The anchor: Hugging Face's BertNormalizer and BertPreTokenizer, run in the test.
    tokenizers = pytest.importorskip("tokenizers", reason="the anchor library is not installed")
    norm = tokenizers.normalizers.BertNormalizer(lowercase=True)
    pre = tokenizers.pre_tokenizers.BertPreTokenizer()
    expected = Counter(w for t in texts for w, _ in pre.pre_tokenize_str(norm.normalize_str(t)))
    assert count_words(texts, BertNormalizer(), BertPreTokenizer()) == expected
