"""The fast SentencePiece encoding path gives exactly what the general pipeline gives.

SentencePiece-style pipelines (no normalizer or SentencePiece's, with any charsmap and
flags; no pre-tokenizer or Metaspace; a Unigram or SentencePieceUnigram model with an
unknown token, with or without byte fallback, or a SentencePieceBPE model) are encoded
by ``SentencePieceEncoder`` in one call per text (``_spencode.pxi`` natively,
``_pyspencode.py`` in pure Python). The oracle
is the same Tokenizer with the fast path switched off, which normalizes into a
``NormalizedString``, runs the pre-tokenizer objects and the model word by word.
Texts are arbitrary Unicode (Hypothesis), biased towards what the normalizer cares
about: spaces of every kind, ``▁``, controls (deleted by nmt_nfkc), NUL (which the
charsmap walk passes over), lone surrogates (U+FFFD per byte), compatibility chars
and combining marks. sentencepiece itself is the anchor on real text.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import Tokenizer
from tokenlab.charsmap import CharsMap
from tokenlab.corpus import default_corpus
from tokenlab.encoding import Encoding
from tokenlab.fastpath import sentencepiece_encoder_args, sentencepiece_segmenter
from tokenlab.models import SentencePieceBPE, Unigram
from tokenlab.normalizers import SentencePieceNormalizer
from tokenlab.pre_tokenizers import Metaspace
from tokenlab.sp_tokenizer import SentencePieceUnigram, sentencepiece_tokenizer

INTERESTING = list(
    "  \t\n\r\x0b\x0c\u3000\u00a0\u2581\u200b\ufeffabcxyzABC0123456789éﬁＡ\u0301\u0308"
    "\x00\x01\x1f\x7f\x9f\ud800\udfff<>unk!?.,-漢字😀\u05d0\u0627ㄱ\u1100\u1161가"
)
# Whole strings too: pieces a general Unigram matches in text ("<unk>") and runs.
TEXT = st.lists(
    st.one_of(
        st.sampled_from(INTERESTING),
        st.sampled_from(["<unk>", "<0x41>", "  ", "▁▁", "q", "ab", "xyz", "pqr"]),
        st.characters(),
    ),
    max_size=40,
).map("".join)
SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FIELDS = ("ids", "tokens", "offsets", "word_ids", "type_ids", "attention_mask")
# A charsmap with every kind of rule: longer than its source, several chars, deleting,
# spaces inside and around (runs of them too), a rule that is a prefix of another.
ODD_RULES = {
    "ab": "X",
    "xyz": "3",
    "pqr": "R",  # no rule for "p" or "pq": the walk goes on past nodes without a value
    "a": "  ",
    "ﬁ": "fi",
    "x": "",
    "\u3000": " ",
    "q": "  y ",
    "é": "e\u0301",
    "c\u0301": "ć",
}


def pydoc_lines(limit: int | None = None) -> list[str]:
    """Real text every CPython ships: the pydoc topics, line by line."""
    lines = list(default_corpus())
    return lines if limit is None else lines[:limit]


def general(tok: Tokenizer) -> Tokenizer:
    """A copy of ``tok`` that never takes the fast path (the oracle)."""
    slow = Tokenizer(
        tok.model,
        normalizer=tok.normalizer,
        pre_tokenizer=tok.pre_tokenizer,
        post_processor=tok.post_processor,
        decoder=tok.decoder,
    )
    for tid, added in tok.added_tokens:
        slow._register(tid, added)
    slow._fast = (slow.model, slow.normalizer, slow.pre_tokenizer, None)
    return slow


def fields(e: Encoding) -> dict[str, Any]:
    return {name: list(getattr(e, name)) for name in FIELDS}


@pytest.fixture(scope="module")
def pipelines() -> dict[str, Tokenizer]:
    """Trained Unigram and SentencePiece BPE models in every pipeline the fast path covers."""
    lines = pydoc_lines(2000)
    sp = tokenlab.train(iter(lines), algorithm="unigram", vocab_size=400, show_progress=False)
    fb = tokenlab.train(
        iter(lines[:800]),
        algorithm="unigram",
        vocab_size=400,
        byte_fallback=True,
        normalizer="identity",
        show_progress=False,
    )
    bpe = tokenlab.train(iter(lines), algorithm="sp-bpe", vocab_size=400, show_progress=False)
    bpe_fb = tokenlab.train(
        iter(lines[:800]),
        algorithm="sp-bpe",
        vocab_size=400,
        byte_fallback=True,
        normalizer="identity",
        show_progress=False,
    )
    # user-defined pieces: the BPE model's own word function encodes every word
    bpe_user = tokenlab.train(
        iter(lines[:800]),
        algorithm="sp-bpe",
        vocab_size=300,
        user_defined_symbols=["xyz", "<unk>x"],
        show_progress=False,
    )
    model = sp.model
    assert isinstance(model, SentencePieceUnigram)
    nmt = sp.normalizer.charsmap  # type: ignore[union-attr]
    odd = CharsMap.from_mapping(ODD_RULES)
    plain = Unigram(model.pieces, unk_id=model.unk_id)
    plain_fb = Unigram(fb.model.pieces, unk_id=fb.model.unk_id, byte_fallback=True)  # type: ignore[attr-defined]
    out = {
        "nmt_nfkc": sp,
        "byte-fallback": fb,
        "identity": sentencepiece_tokenizer(model, None),
        "odd-rules": sentencepiece_tokenizer(model, odd),
        "no-dummy-prefix": sentencepiece_tokenizer(model, nmt, add_dummy_prefix=False),
        "keep-spaces": sentencepiece_tokenizer(model, odd, remove_extra_whitespaces=False),
        "suffix": sentencepiece_tokenizer(model, nmt, treat_whitespace_as_suffix=True),
        "no-escape": sentencepiece_tokenizer(model, odd, escape_whitespaces=False),
        "unigram-metaspace": Tokenizer(plain, pre_tokenizer=Metaspace()),
        "unigram-metaspace-never": Tokenizer(
            plain, pre_tokenizer=Metaspace(prepend_scheme="never", split=False)
        ),
        "unigram-metaspace-first": Tokenizer(
            plain_fb, pre_tokenizer=Metaspace(replacement="_", prepend_scheme="first")
        ),
        "unigram-bare": Tokenizer(plain_fb),
        "unigram-sp-normalizer": Tokenizer(
            plain, normalizer=SentencePieceNormalizer(odd.to_bytes(), add_dummy_prefix=False)
        ),
        "sp-bpe": bpe,
        "sp-bpe-user-defined": bpe_user,
        "sp-bpe-byte-fallback": bpe_fb,
        "sp-bpe-odd-rules": sentencepiece_tokenizer(bpe.model, odd),  # type: ignore[arg-type]
        "sp-bpe-suffix": sentencepiece_tokenizer(
            bpe.model,  # type: ignore[arg-type]
            odd,
            treat_whitespace_as_suffix=True,
        ),
    }
    for tok in out.values():
        tok.add_special_tokens(["<|sep|>"])
    return out


# -- the twin cores ---------------------------------------------------------------------


def _twin(core: ModuleType, tok: Tokenizer) -> Any:
    args = sentencepiece_encoder_args(tok.model, tok.normalizer, tok.pre_tokenizer)
    assert args is not None
    segmenter = sentencepiece_segmenter(tok.model, core.UnigramLattice)
    return core.SentencePieceEncoder(segmenter, *args)


@SETTINGS
@given(text=TEXT)
@example(text="pqr, xyz, axyzq  ab\x00é\ud800 ﬁ\u3000<unk>▁")
@example(text="the " + "x" * 300 + "é" + "ab" * 150 + " end")  # words over 256 chars
def test_twin_cores_agree(core: ModuleType, pipelines: dict[str, Tokenizer], text: str) -> None:
    # Each core's encoder against the general path of the backend the package runs on.
    for name, tok in pipelines.items():
        twin = _twin(core, tok)
        expected = Encoding()
        # The text as the start of its input (Metaspace "first" prepends there only);
        # the encoder's offsets are shifted by its base, 5.
        general(tok)._encode_text(text, expected, 0, 3)
        ids, columns, words = twin.encode_columns(text, 5, 3)
        mv = memoryview(columns).cast("q")
        n = len(mv) // 4
        assert mv[:n].tolist() == expected.ids == ids, name
        assert list(zip(mv[n : 2 * n].tolist(), mv[2 * n : 3 * n].tolist())) == [
            (s + 5, e + 5) for s, e in expected.offsets
        ], name
        assert mv[3 * n :].tolist() == expected.word_ids, name
        assert words == (max(expected.word_ids) + 1 - 3 if expected.word_ids else 0), name
        assert twin.encode(text) == expected.ids, name
        assert twin.encode_many([text, "", text]) == [expected.ids, [], expected.ids], name
        cols, counts = twin.encode_many_columns([text, text])
        assert memoryview(counts).cast("q").tolist() == [n, n], name
        assert memoryview(cols).cast("q").tolist()[: 2 * n] == expected.ids * 2, name


def test_twin_surface(core: ModuleType) -> None:
    lat = core.UnigramLattice(["<unk>", "▁a", "b", "▁"], [0.0, -1.0, -2.0, -3.0], 0, -12.0)
    enc = core.SentencePieceEncoder(lat, 0, None, (b"", True, True, True, False), ("▁", True, True))
    # "  a b c " -> strip and collapse -> "a b c" -> dummy prefix, spaces as ▁: "▁a▁b▁c";
    # words ▁a | ▁b | ▁c: "▁a" is a piece (1); "▁b" = ▁ (3) + b (2); "▁c" = ▁ (3) + c,
    # which no piece holds: the unknown token (0).
    assert enc.encode("  a b c ") == [1, 3, 2, 3, 0]
    _, columns, words = enc.encode_columns("  a b c ", 10, 2)
    mv = memoryview(columns).cast("q").tolist()
    # offsets: ▁a covers the dummy space (empty, at "a" = 2) and "a": (12, 13);
    # ▁ of "▁b" is the space at 3, b at 4, ▁ of "▁c" at 5, c at 6.
    assert mv[5:10] == [12, 13, 14, 15, 16] and mv[10:15] == [13, 14, 15, 16, 17]
    assert mv[15:] == [2, 3, 3, 4, 4] and words == 3
    assert enc.encode("") == [] and enc.encode("   ") == []
    # byte fallback: "c" (0x63) becomes its byte piece when there is one
    byte_ids: list[int | None] = [None] * 256
    byte_ids[0x63] = 2
    fb = core.SentencePieceEncoder(
        lat, 0, byte_ids, (b"", True, True, True, False), ("▁", True, True)
    )
    assert fb.encode("c") == [3, 2]
    with pytest.raises(TypeError):
        enc.encode(b"a")
    with pytest.raises(TypeError):
        enc.encode_many(["a", 1])
    with pytest.raises(ValueError):
        core.SentencePieceEncoder(lat, 0, [1, 2], None, None)
    with pytest.raises(ValueError):
        core.SentencePieceEncoder(lat, 0, None, None, ("▁▁", True, True))


# -- the Tokenizer ----------------------------------------------------------------------


def test_fast_path_is_taken(pipelines: dict[str, Tokenizer]) -> None:
    for name, tok in pipelines.items():
        fast = tok._fast_encoder()
        assert type(fast).__name__ == "SentencePieceEncoder", name
        assert type(fast).__module__.endswith(("_core", "_pyspencode")), name
    # HF's Precompiled normalizer (what tokenizer.json holds): guarded (tests in
    # test_sp_encode_gaps.py). Not covered: no unknown token.
    sp = pipelines["nmt_nfkc"]
    assert type(Tokenizer.from_str(sp.to_str())._fast_encoder()).__name__ == "GuardedEncoder"
    no_unk = Unigram(sp.model.pieces, unk_id=None)  # type: ignore[attr-defined]
    assert Tokenizer(no_unk, pre_tokenizer=Metaspace())._fast_encoder() is None


@SETTINGS
@given(text=TEXT, pair=st.one_of(st.none(), TEXT))
def test_encode_equals_general_path(
    pipelines: dict[str, Tokenizer], text: str, pair: str | None
) -> None:
    for name, tok in pipelines.items():
        slow = general(tok)
        assert fields(tok.encode(text, pair)) == fields(slow.encode(text, pair)), name
        # an added token inside the text: the fast path encodes around it
        mixed = text[:7] + "<|sep|>" + text[7:]
        assert fields(tok.encode(mixed)) == fields(slow.encode(mixed)), name
        assert tok.encode_ordinary(mixed) == slow.encode_ordinary(mixed), name


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_batches_equal_single_encodes(pipelines: dict[str, Tokenizer], threads: int) -> None:
    lines = pydoc_lines(1500)[500:]  # past the 64k chars below which no thread starts
    texts = [*lines, "", "  ", "<|sep|> a<|sep|>", "x\x00y\ud800z", "ab" * 200 + "é"]
    for name in ("nmt_nfkc", "byte-fallback", "keep-spaces", "sp-bpe", "sp-bpe-user-defined"):
        tok = pipelines[name]
        slow = general(tok)
        batch = tok.encode_batch(texts, num_threads=threads)
        assert [fields(e) for e in batch] == [fields(slow.encode(t)) for t in texts], name
        assert tok.encode_ordinary_batch(texts, num_threads=threads) == [
            slow.encode_ordinary(t) for t in texts
        ], name


# -- the anchor -------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["unigram", "bpe"])
def spm_model(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Tokenizer, list[str]]:
    spm = pytest.importorskip("sentencepiece", reason="parity with sentencepiece needs it")
    lines = pydoc_lines()
    tmp: Path = tmp_path_factory.mktemp("spm")
    corpus = tmp / "corpus.txt"
    corpus.write_text("\n".join(lines[:3000]) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(tmp / "m"),
        model_type=request.param,
        vocab_size=800,
        num_threads=1,
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_file=str(tmp / "m.model"))
    tok = Tokenizer.from_file(tmp / "m.model")
    return sp, tok, lines[3000:6000]


def test_sentencepiece_parity(spm_model: tuple[Any, Tokenizer, list[str]]) -> None:
    sp, tok, held_out = spm_model
    assert type(tok._fast_encoder()).__name__ == "SentencePieceEncoder"
    bpe = isinstance(tok.model, SentencePieceBPE)
    texts = [*held_out, "  two  spaces\tand a tab ", "ﬁne Ａ wörld\u3000end", "\x01ctrl\x7f"]
    scores = [sp.get_score(i) for i in range(sp.get_piece_size())]
    batch = tok.encode_batch(texts)
    mismatched = 0
    for text, enc in zip(texts, batch):
        ours = tok.encode(text).ids
        assert enc.ids == ours
        theirs = sp.encode(text)
        if ours == theirs:
            continue
        # Unigram: sentencepiece sums float32 scores over the whole sentence, tokenlab
        # doubles per word: two segmentations of equal score may then come out in either
        # order. Any other difference is a bug.
        assert not bpe, text
        mismatched += 1
        assert sp.decode(ours) == sp.decode(theirs)
        assert sum(scores[i] for i in ours) == pytest.approx(sum(scores[i] for i in theirs))
    # Such ties are rare on real text (runs of one char like "-----" mostly).
    assert mismatched <= len(texts) // 20
