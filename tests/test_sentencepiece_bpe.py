"""Tests for SentencePieceBPETrainer and the SentencePieceBPE model: the "abracadabra"
golden (from REFERENCE.md and live from sentencepiece), piece overlap on real text,
encoder parity on models trained by sentencepiece, validation, and both cores."""

from __future__ import annotations

import io

import pytest
from conftest import multilingual_lines

import tokenlab._pycore
import tokenlab.normalizers
import tokenlab.sentencepiece_bpe as spbpe
from tokenlab.corpus import default_corpus
from tokenlab.errors import ConfigError, CorpusError, ModelFileError
from tokenlab.models import SentencePieceBPE
from tokenlab.sentencepiece_bpe import SentencePieceBPETrainer
from tokenlab.sp_pretokenize import escape_whitespace

# REFERENCE.md: sentencepiece 0.2.3, default options, the one line "abracadabra".
GOLDEN_18 = [
    "<unk>",
    "<s>",
    "</s>",
    "ab",
    "ra",
    "abra",
    "ad",
    "cad",
    "▁abra",
    "cadabra",
    "▁abracadabra",
    "ac",
    "a",
    "b",
    "r",
    "c",
    "d",
    "▁",
]


def _spm():
    return pytest.importorskip("sentencepiece", reason="parity tests need sentencepiece")


def _sp_train(lines, vocab_size, **kw):
    spm = _spm()
    f = io.BytesIO()
    kw.setdefault("minloglevel", 2)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=f, model_type="bpe", vocab_size=vocab_size, **kw
    )
    return spm.SentencePieceProcessor(model_proto=f.getvalue())


def _sp_pieces(sp):
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _pieces(model):
    return [p for p, _, _ in model.pieces]


def _identity_or_nfkc() -> dict:
    """Parity runs use identity normalization unless tokenlab has NmtNfkc."""
    if hasattr(tokenlab.normalizers, "NmtNfkc"):
        return {"ours": tokenlab.normalizers.NmtNfkc(), "sp": "nmt_nfkc"}
    return {"ours": None, "sp": "identity"}


def _real_text() -> list[str]:
    """About 1 MB of real text the suite ships: the pydoc topics and 24 languages."""
    return list(default_corpus()) + multilingual_lines()


@pytest.fixture(params=["native", "python"])
def core_name(request, monkeypatch):
    """Run a trainer test on the backend's PairCounter, then on the pure one."""
    if request.param == "python":
        monkeypatch.setattr(spbpe, "PairCounter", tokenlab._pycore.PairCounter)
    return request.param


# -- goldens ---------------------------------------------------------------------


def test_abracadabra_golden_from_reference(core_name):
    for n, extra in ((18, []), (19, ["br"]), (20, ["br", "ca"])):
        model = SentencePieceBPETrainer(vocab_size=n, show_progress=False).train_from_sentences(
            ["abracadabra"]
        )
        assert _pieces(model) == GOLDEN_18[:12] + extra + GOLDEN_18[12:]
        # merges score -i, the chars continue the scores, meta pieces score 0
        assert [s for _, s, _ in model.pieces] == [0.0] * 3 + [-float(i) for i in range(n - 3)]
        assert [t for _, _, t in model.pieces] == [2, 3, 3] + [1] * (n - 3)


@pytest.mark.parametrize("n", [18, 19, 20])
def test_abracadabra_matches_sentencepiece_live(n, core_name):
    sp = _sp_train(["abracadabra"], n)
    model = SentencePieceBPETrainer(vocab_size=n, show_progress=False).train_from_sentences(
        ["abracadabra"]
    )
    assert _pieces(model) == _sp_pieces(sp)
    assert [s for _, s, _ in model.pieces] == [sp.get_score(i) for i in range(n)]


def test_without_dummy_prefix_matches_sentencepiece_unit_test():
    model = SentencePieceBPETrainer(
        vocab_size=17, add_dummy_prefix=False, show_progress=False
    ).train_from_sentences(["abracadabra"])
    # sentencepiece's own unit test (no dummy prefix)
    expected = [
        "ab",
        "ra",
        "abra",
        "ad",
        "cad",
        "abracad",
        "abracadabra",
        "ac",
        "br",
        "a",
        "b",
        "r",
        "c",
        "d",
    ]
    assert _pieces(model)[3:] == expected


@pytest.mark.parametrize(
    "options",
    [
        {"byte_fallback": True},
        {"user_defined_symbols": ["<sep>", "xyz"], "control_symbols": ["<cls>"]},
        {"pad_id": 3, "bos_id": -1, "unk_id": 1, "eos_id": 0},
        {"split_digits": True},
        {"treat_whitespace_as_suffix": True},
        {"max_sentencepiece_length": 4, "split_by_number": False},
    ],
)
def test_options_match_sentencepiece(options, core_name):
    lines = [*list(default_corpus())[:1500], "a <sep> b xyz 12345 <cls>"]
    sp = _sp_train(
        lines,
        600 if not options.get("byte_fallback") else 900,
        normalization_rule_name="identity",
        **options,
    )
    model = SentencePieceBPETrainer(
        vocab_size=sp.get_piece_size(), show_progress=False, **options
    ).train_from_sentences(lines)
    assert _pieces(model) == _sp_pieces(sp)


def test_byte_fallback_pieces_follow_the_meta_pieces():
    model = SentencePieceBPETrainer(
        vocab_size=300, byte_fallback=True, show_progress=False
    ).train_from_sentences(["abracadabra"] * 3 + ["hello world"])
    assert [p for p, _, _ in model.pieces[3:259]] == [f"<0x{b:02X}>" for b in range(256)]
    assert {t for _, _, t in model.pieces[3:259]} == {6}


# -- real text --------------------------------------------------------------------


def _overlap(a, b):
    return len(set(a) & set(b)) / len(b)


@pytest.mark.parametrize("n", [2000, 4000])
def test_pydoc_piece_overlap_with_sentencepiece(n, core_name):
    norm = _identity_or_nfkc()
    lines = list(default_corpus())
    sp = _sp_train(lines, n, normalization_rule_name=norm["sp"])
    model = SentencePieceBPETrainer(
        vocab_size=n, normalizer=norm["ours"], show_progress=False
    ).train_from_sentences(lines)
    ref = _sp_pieces(sp)
    assert _overlap(_pieces(model), ref) >= 0.98
    assert len(model.pieces) == n


def test_real_text_piece_overlap_with_sentencepiece():
    norm = _identity_or_nfkc()
    lines = _real_text()
    sp = _sp_train(lines, 8000, normalization_rule_name=norm["sp"], num_threads=1)
    model = SentencePieceBPETrainer(
        vocab_size=8000, normalizer=norm["ours"], show_progress=False
    ).train_from_sentences(lines)
    assert _overlap(_pieces(model), _sp_pieces(sp)) >= 0.98


def _model_from_sentencepiece(sp) -> SentencePieceBPE:
    pieces = []
    for i in range(sp.get_piece_size()):
        if sp.is_unknown(i):
            kind = 2
        elif sp.is_control(i):
            kind = 3
        elif sp.is_unused(i):
            kind = 5
        elif sp.is_byte(i):
            kind = 6
        else:
            kind = 1
        pieces.append((sp.id_to_piece(i), sp.get_score(i), kind))
    return SentencePieceBPE(pieces, byte_fallback=any(k == 6 for _, _, k in pieces))


def _encode(model, line):
    text = escape_whitespace(line)
    words = []
    start = 0
    for i, ch in enumerate(text):
        if ch == "▁" and i > 0:
            words.append(text[start:i])
            start = i
    if text:
        words.append(text[start:])
    return [i for w in words for i in model.tokenize(w)[0]]


@pytest.mark.parametrize("byte_fallback", [False, True])
def test_encoder_parity_on_sentencepiece_trained_model(byte_fallback):
    # Checks the encoder independently of training: pieces and scores come from
    # a model sentencepiece trained; held-out lines, with characters the model
    # does not know, must encode to the same ids.
    lines = list(default_corpus())
    train, held = lines[: len(lines) * 4 // 5], lines[len(lines) * 4 // 5 :]
    held += ["naïve café ©® ∑ 漢字 emoji 🙂🙂 x", "ⓐⓑ unknowns ⓐ"]
    sp = _sp_train(
        train,
        3000,
        normalization_rule_name="identity",
        byte_fallback=byte_fallback,
        character_coverage=0.98,
    )
    model = _model_from_sentencepiece(sp)
    bad = [line for line in held if _encode(model, line) != sp.encode(line)]
    assert not bad, bad[:3]


def test_encoder_parity_on_real_text():
    lines = _real_text()
    train, held = lines[: len(lines) * 10 // 11], lines[len(lines) * 10 // 11 :]
    sp = _sp_train(train, 8000, normalization_rule_name="identity", num_threads=1)
    model = _model_from_sentencepiece(sp)
    bad = [line for line in held if _encode(model, line) != sp.encode(line)]
    assert not bad, bad[:3]


def test_both_cores_train_the_same_model(monkeypatch):
    lines = list(default_corpus())[:3000]
    native = SentencePieceBPETrainer(vocab_size=1500, show_progress=False).train_from_sentences(
        lines
    )
    monkeypatch.setattr(spbpe, "PairCounter", tokenlab._pycore.PairCounter)
    pure = SentencePieceBPETrainer(vocab_size=1500, show_progress=False).train_from_sentences(lines)
    assert native.pieces == pure.pieces


# -- the model --------------------------------------------------------------------


def test_model_encoding_golden():
    sp = SentencePieceBPE(
        [
            ("<unk>", 0.0, 2),
            ("ab", 0.0, 1),
            ("abc", -1.0, 1),
            ("a", -2.0, 1),
            ("b", -3.0, 1),
            ("c", -4.0, 1),
            ("<x>", 0.0, 4),
            ("bc", -0.5, 1),
        ]
    )
    # "bc" (-0.5) beats nothing: "ab" (0.0) is merged first, leftmost, then "abc"
    assert sp.tokenize("abc") == ([2], [(0, 3)])
    # consecutive unknown chars are one <unk>; user-defined pieces stay whole
    assert sp.tokenize("xyab<x>c") == ([0, 1, 6, 5], [(0, 2), (2, 4), (4, 7), (7, 8)])
    assert sp.tokenize("") == ([], [])


def test_model_rejects_bad_pieces():
    with pytest.raises(ModelFileError):
        SentencePieceBPE([("a", 0.0, 1)])
    with pytest.raises(ModelFileError):
        SentencePieceBPE([("<unk>", 0.0, 2), ("<unk2>", 0.0, 2)])
    with pytest.raises(ModelFileError):
        SentencePieceBPE([("<unk>", 0.0, 2), ("a", 0.0, 1), ("a", -1.0, 1)])
    with pytest.raises(ModelFileError):
        SentencePieceBPE([("<unk>", 0.0, 2)], byte_fallback=True)


# -- validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"vocab_size": 0},
        {"vocab_size": "8000"},
        {"character_coverage": 0.5},
        {"max_sentencepiece_length": 0},
        {"max_sentencepiece_length": 513},
        {"split_digits": 1},
        {"split_by_whitespace": False},
        {"unk_id": -1},
        {"bos_id": 0},
        {"eos_id": 9000},
        {"user_defined_symbols": "abc"},
        {"user_defined_symbols": ["x", "x"]},
        {"control_symbols": ["<unk>"]},
        {"normalizer": 3},
    ],
)
def test_config_errors(kwargs):
    with pytest.raises(ConfigError):
        SentencePieceBPETrainer(**kwargs)


def test_corpus_and_vocab_errors():
    trainer = SentencePieceBPETrainer(vocab_size=10, show_progress=False)
    with pytest.raises(CorpusError):
        trainer.train_from_sentences(["", "   "])
    with pytest.raises(ConfigError, match="at least"):
        SentencePieceBPETrainer(vocab_size=5, show_progress=False).train_from_sentences(["abcdef"])
    with pytest.raises(ConfigError, match="too large"):
        SentencePieceBPETrainer(vocab_size=500, show_progress=False).train_from_sentences(["ab"])
