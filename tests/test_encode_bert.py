"""BERT pipelines' fast path (``BertEncoder``) gives exactly what the general one gives.

WordPiece after BertPreTokenizer (and optionally BertNormalizer) is encoded in one pass
per text, char by char (``_bertencode.pxi`` natively, ``_pybertencode.py`` in pure Python);
a text with a char whose fate depends on its neighbours goes through the general
pipeline inside the same call. The oracle is the same Tokenizer with the fast path
switched off; the anchor is ``tokenizers`` loading the same ``tokenizer.json``.
"""

from __future__ import annotations

import pytest
from conftest import encoding_fields, general_path, multilingual_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import Tokenizer
from tokenlab.corpus import default_corpus
from tokenlab.fastpath import bert_encoder
from tokenlab.models import WordPiece
from tokenlab.normalizers import BertNormalizer
from tokenlab.pre_tokenizers import BertPreTokenizer, Whitespace

# ASCII letters of both cases, digits, punctuation, every kind of ASCII space and
# control; accented letters (precomposed and combining), CJK, Hangul (NFD splits it),
# sigma (final or not), dotted I (lowercases to two chars), ligatures, Unicode spaces
# and punctuation, controls and lone surrogates; and any char at all.
ASCII = [chr(c) for c in range(128)]
UNICODE = list(
    "éÉßİıΣσς中文한글ﬁ½ÀäǄ\u0301\u0300\u0308\u0327\u2cef\u094d\u0903\u2028\u00a0\u3000"
    "¿¡«»—\u200b\u200d\ufeff\ufffd\ud800😀"
)
TEXT = st.text(
    st.one_of(st.sampled_from(ASCII), st.sampled_from(UNICODE), st.characters()), max_size=60
)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def berts() -> dict[str, Tokenizer]:
    """A trained BERT tokenizer, and variants of its normalizer and model."""
    lines = [line for _, line in zip(range(2000), default_corpus())]
    base = tokenlab.train(iter(lines), algorithm="wordpiece", vocab_size=600, show_progress=False)
    model = base.model
    assert isinstance(model, WordPiece)
    out = {"trained": base}
    for name, normalizer in (
        ("no-normalizer", None),
        ("cased", BertNormalizer(lowercase=False)),
        ("no-clean", BertNormalizer(clean_text=False)),
    ):
        tok = Tokenizer.from_str(base.to_str())
        tok.normalizer = normalizer
        out[name] = tok
    short = Tokenizer.from_str(base.to_str())
    short.model = WordPiece(model.vocab, max_input_chars_per_word=5)  # long words: [UNK]
    out["short-words"] = short
    return out


def test_fast_path_is_taken_for_bert_only(berts: dict[str, Tokenizer]) -> None:
    for name, tok in berts.items():
        assert tok._fast_encoder() is not None, name
    other = Tokenizer(berts["trained"].model, pre_tokenizer=Whitespace())
    assert other._fast_encoder() is None
    assert type(berts["trained"].pre_tokenizer) is BertPreTokenizer


@SETTINGS
@given(text=TEXT, pair=st.one_of(st.none(), TEXT), special=st.booleans())
def test_encode_equals_general_path(
    berts: dict[str, Tokenizer], text: str, pair: str | None, special: bool
) -> None:
    for name, tok in berts.items():
        slow = general_path(tok)
        got = tok.encode(text, pair, add_special_tokens=special)
        assert encoding_fields(got) == encoding_fields(
            slow.encode(text, pair, add_special_tokens=special)
        ), name
        assert tok.encode_ordinary(text) == slow.encode_ordinary(text), name


@pytest.mark.parametrize(
    "text",
    # A stripped accent after a char whose own decomposition lost one widens that char's
    # offsets ("À" + U+0300 -> "a" at (0, 2), but "a" + U+0300 -> "a" at (0, 1)): texts
    # with such marks take the general path (found by Hypothesis).
    ["À\u0300", "À\u2cef", "ä\u0308", "İ\u0300", "x À\u0300 y", "a\u0300", "a\x00b"],
)
def test_marks_after_decomposed_chars(berts: dict[str, Tokenizer], text: str) -> None:
    for name, tok in berts.items():
        got = tok.encode(text, add_special_tokens=False)
        want = general_path(tok).encode(text, add_special_tokens=False)
        assert encoding_fields(got) == encoding_fields(want), name


@SETTINGS
@given(
    texts=st.lists(st.one_of(TEXT, st.just("a [SEP] b [CLS]")), max_size=6),
    threads=st.sampled_from([None, 1, 2]),
)
def test_batches_equal_single_encodes(
    berts: dict[str, Tokenizer], texts: list[str], threads: int | None
) -> None:
    tok = berts["trained"]
    slow = general_path(tok)
    got = tok.encode_batch(texts, num_threads=threads)
    assert [encoding_fields(e) for e in got] == [encoding_fields(slow.encode(t)) for t in texts]
    assert tok.encode_ordinary_batch(texts, num_threads=threads) == [
        slow.encode_ordinary(t) for t in texts
    ]


@settings(max_examples=100, deadline=None)
@given(text=st.text(st.sampled_from(ASCII + list("éÉßÀü中文¿«»—")), max_size=60))
def test_equals_tokenizers(berts: dict[str, Tokenizer], text: str) -> None:
    tokenizers = pytest.importorskip("tokenizers", reason="the anchor: pip install tokenizers")
    for name in ("trained", "cased", "short-words"):
        tok = berts[name]
        anchor = tokenizers.Tokenizer.from_str(tok.to_str())
        want = anchor.encode(text)
        got = tok.encode(text)
        assert (got.ids, got.offsets) == (want.ids, want.offsets), name


# Words of letters, of dropped chars (combining marks, ZWNJ, bidi marks) and of a char
# without a rule (a kept mark that canonical ordering moves: U+1D165), joined by every
# kind of separator: the general pipeline takes only the stretches around the latter,
# and where they meet or touch must not show.
WORD = st.text(
    st.sampled_from(
        [*"abΣσ中é,.'", "\u200c", "\u0301", "\u064b", "\u200f", "\ufffd", "\U0001d165"]
    ),
    min_size=1,
    max_size=6,
)
SEPARATED = st.lists(
    st.tuples(WORD, st.sampled_from([" ", "  ", "\n", "\t", "\r\n", "\u3000", "", "\x00"])),
    max_size=12,
).map(lambda parts: "".join(w + s for w, s in parts))


@SETTINGS
@given(text=SEPARATED)
def test_stretches_around_uncovered_chars(berts: dict[str, Tokenizer], text: str) -> None:
    for name, tok in berts.items():
        got = tok.encode(text, add_special_tokens=False)
        want = general_path(tok).encode(text, add_special_tokens=False)
        assert encoding_fields(got) == encoding_fields(want), name


@settings(max_examples=60, deadline=None)
@given(text=SEPARATED)
def test_stretches_equal_tokenizers(berts: dict[str, Tokenizer], text: str) -> None:
    tokenizers = pytest.importorskip("tokenizers", reason="the anchor: pip install tokenizers")
    for name in ("trained", "cased"):
        tok = berts[name]
        want = tokenizers.Tokenizer.from_str(tok.to_str()).encode(text)
        got = tok.encode(text)
        assert (got.ids, got.offsets, got.word_ids) == (want.ids, want.offsets, want.word_ids)


def _documents(lines: list[str], size: int) -> list[str]:
    return ["".join(lines[i : i + size]) for i in range(0, len(lines), size)]


def test_multilingual_documents(berts: dict[str, Tokenizer]) -> None:
    # Every language's lines, as lines and as 100-line documents (newlines kept): the
    # same ids, offsets and words as the general path and as tokenizers.
    tokenizers = pytest.importorskip("tokenizers", reason="the anchor: pip install tokenizers")
    lines = multilingual_lines(keepends=True)
    texts = _documents(lines, 100) + [line.rstrip("\n") for line in lines[::7]]
    for name in ("trained", "cased"):
        tok = berts[name]
        slow = general_path(tok)
        anchor = tokenizers.Tokenizer.from_str(tok.to_str())
        for text in texts:
            got = tok.encode(text)
            assert encoding_fields(got) == encoding_fields(slow.encode(text)), name
            want = anchor.encode(text)
            assert (got.ids, got.offsets, got.word_ids) == (want.ids, want.offsets, want.word_ids)


def test_fallback_gets_only_the_stretch(berts: dict[str, Tokenizer]) -> None:
    # A char without a rule (U+1D165, a kept mark canonical ordering moves) in a long
    # text: the general pipeline sees the words around it with their separators, not
    # the text; ids and offsets are unchanged.
    tok = berts["trained"]
    seen: list[tuple[str, int]] = []

    def fallback(text: str, base: int, word_base: int) -> tuple[list[int], bytes, int]:
        seen.append((text, base))
        return tok._general_columns(text, base, word_base)

    encoder = bert_encoder(tok.model, tok.normalizer, tok.pre_tokenizer, fallback)
    head = "the quick brown fox. " * 50
    text = head + "mi\U0001d165xed word\nnext " + "jumps over the lazy dog " * 50
    ids, columns, words = encoder.encode_columns(text)
    start = len(head) - 1
    assert seen == [(text[start : start + len(" mi\U0001d165xed ")], start)]
    want = general_path(tok).encode(text, add_special_tokens=False)
    assert ids == want.ids
    assert words == len(set(want.word_ids))
    n = len(ids)
    col = memoryview(columns).cast("q").tolist()
    assert list(zip(col[n : 2 * n], col[2 * n : 3 * n])) == want.offsets


def test_threaded_batches(berts: dict[str, Tokenizer]) -> None:
    # Big enough for several threads at once (the native encoder releases the GIL; the
    # pure one runs them in turn): every text as its own encode gives, with the
    # stretches for the general pipeline of the multilingual lines.
    lines = multilingual_lines()
    texts = lines + _documents([line + "\n" for line in lines], 50)
    for name in ("trained", "no-clean"):
        tok = berts[name]
        want = [tok.encode(t) for t in texts]
        for threads in (2, 4):
            got = tok.encode_batch(texts, num_threads=threads)
            assert [encoding_fields(e) for e in got] == [encoding_fields(e) for e in want], name
            ordinary = tok.encode_ordinary_batch(texts, num_threads=threads)
            assert ordinary == [tok.encode_ordinary(t) for t in texts], name


def test_sparse_huge_ids() -> None:
    # Ids far above the vocabulary's size (a sparse vocabulary) come out as they are,
    # on every route the result lists take (one text, a batch, columns).
    vocab = {"[UNK]": 0, "a": 300_000, "##b": 2**31 - 2, "c": 5}
    tok = Tokenizer(
        WordPiece(vocab, unk_token="[UNK]"),
        normalizer=BertNormalizer(),
        pre_tokenizer=BertPreTokenizer(),
    )
    assert tok._fast_encoder() is not None
    want = [300_000, 2**31 - 2, 5, 0]
    assert tok.encode_ordinary("AB c d") == want
    assert tok.encode_ordinary_batch(["AB c d"] * 300) == [want] * 300
    assert tok.encode("AB c d").ids == general_path(tok).encode("AB c d").ids == want
