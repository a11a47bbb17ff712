"""Tests of tokenlab/export/sentencepiece.py (.model files in and out) and of the
tokenizer.json form of SentencePiece tokenizers.

Parity is checked on real text: held-out lines of pydoc_data.topics and of the
suite's multilingual text (tests/data), against ``sentencepiece`` (both
directions) and ``tokenizers``.

Unigram: sentencepiece adds scores in float32, tokenlab and tokenizers in
float64, so on lines where two segmentations score the same (runs such as
``~~~~~~~~~~~~~~~~~`` or ``0000``) the libraries may pick different ones. Such
a line is accepted only when it is a proven tie: both segmentations spell the same
text and their scores are equal to float32 precision (``_assert_same_or_tie``), and
such lines stay rare (at most one in a hundred).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_proven_tie, multilingual_lines, pydoc_lines

import tokenlab
from tokenlab import ConfigError, ModelFileError
from tokenlab.export.sentencepiece import read_sentencepiece, write_sentencepiece
from tokenlab.export.sentencepiece_proto import parse_model
from tokenlab.models import SentencePieceBPE, Unigram
from tokenlab.sp_tokenizer import SentencePieceUnigram

EXTRA = [
    "a <sep> b<cls>c <mask> d <s> </s> <unk> <0x41>",
    "  x  <sep>  ",
    "<sep>",
    "",
    "   ",
    "Ｈｅｌｌｏ\u3000ｗｏｒｌｄ ﬁ ① ﹏ \u200b x\ty",
    "日本語のテキスト、한국어 텍스트, текст, नमस्ते, 🙂🙃",
]


def _lines() -> list[str]:
    return [line.rstrip("\n") for line in pydoc_lines()]


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[str]]:
    lines = _lines()
    multi = multilingual_lines(600)
    return {
        "train": lines[::2] + multi[::2],
        "pydoc": lines[1::2][:2500],
        "multi": multi[1::2],
    }


@pytest.fixture(scope="module")
def spm() -> Any:
    return pytest.importorskip("sentencepiece", reason="parity with sentencepiece")


def _typed(model: Any) -> list[tuple[str, float, int]]:
    return model.pieces if isinstance(model, SentencePieceBPE) else model.typed_pieces


def _assert_same_or_tie(tok: tokenlab.Tokenizer, encode: Any, lines: list[str]) -> int:
    """Equal ids and pieces, except float32-level ties of Unigram; returns the ties."""
    ties = 0
    unigram = isinstance(tok.model, SentencePieceUnigram)
    for line in lines:
        ours = tok.encode(line)
        ids, pieces = encode(line)
        if ours.ids == ids:
            if pieces is not None:
                # sentencepiece spells an unknown piece as the text it covers.
                unk = tok.model.unk_id
                mine = [p for i, p in zip(ours.ids, ours.tokens) if i != unk]
                assert mine == [p for i, p in zip(ids, pieces) if i != unk], line
            continue
        assert unigram, (line, ours.tokens, pieces)
        # sentencepiece adds scores in float32: a tie within its rounding
        assert_proven_tie(tok.model.pieces, ours.ids, ids, rel=1e-5)
        ties += 1
    assert ties <= max(2, len(lines) // 100), ties  # proven ties, but rare
    return ties


def _sp_encode(sp: Any) -> Any:
    return lambda line: (sp.encode(line), sp.encode(line, out_type=str))


# -- tokenlab -> .model -> sentencepiece ----------------------------------------------------


@pytest.fixture(scope="module", params=["sp-bpe", "unigram"])
def algorithm(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("byte_fallback", [False, True])
def test_written_model_encodes_identically_in_sentencepiece(
    spm: Any,
    corpus: dict[str, list[str]],
    algorithm: str,
    byte_fallback: bool,
    tmp_path: Path,
) -> None:
    tok = tokenlab.train(
        iter(corpus["train"]),
        algorithm=algorithm,
        vocab_size=1800,
        byte_fallback=byte_fallback,
        user_defined_symbols=["<sep>"],
        control_symbols=["<mask>"],
        show_progress=False,
    )
    path = tmp_path / "t.model"
    write_sentencepiece(tok, path)
    sp = spm.SentencePieceProcessor(model_file=str(path))
    assert sp.get_piece_size() == tok.get_vocab_size() == 1800
    assert [sp.id_to_piece(i) for i in range(1800)] == [p for p, _, _ in _typed(tok.model)]
    assert sp.unk_id() == 0 and sp.bos_id() == 1 and sp.eos_id() == 2 and sp.pad_id() == -1
    assert sp.is_control(tok.token_to_id("<mask>"))
    assert sp.encode("a<sep>b", out_type=str).count("<sep>") == 1
    _assert_same_or_tie(tok, _sp_encode(sp), corpus["pydoc"] + EXTRA)
    _assert_same_or_tie(tok, _sp_encode(sp), corpus["multi"])
    # What tokenlab reads back is the same tokenizer.
    again = tokenlab.Tokenizer.from_file(path)
    for line in corpus["multi"][:100] + corpus["pydoc"][:300]:
        assert again.encode(line).ids == tok.encode(line).ids


def test_written_model_round_trips_byte_identical(
    corpus: dict[str, list[str]], tmp_path: Path
) -> None:
    tok = tokenlab.train(
        iter(corpus["train"][:1500]), algorithm="unigram", vocab_size=600, show_progress=False
    )
    write_sentencepiece(tok, tmp_path / "a.model")
    write_sentencepiece(read_sentencepiece(tmp_path / "a.model"), tmp_path / "b.model")
    assert (tmp_path / "a.model").read_bytes() == (tmp_path / "b.model").read_bytes()
    proto = parse_model((tmp_path / "a.model").read_bytes())
    assert proto.trainer_spec is not None and proto.normalizer_spec is not None
    assert proto.trainer_spec.model_type == 1 and proto.trainer_spec.vocab_size == 600
    assert proto.normalizer_spec.name == "nmt_nfkc"
    assert proto.normalizer_spec.precompiled_charsmap  # nmt_nfkc's rules, built by CharsMap


def test_identity_normalization_writes_an_empty_charsmap(
    spm: Any, corpus: dict[str, list[str]], tmp_path: Path
) -> None:
    tok = tokenlab.train(
        iter(corpus["train"][:1500]),
        algorithm="sp-bpe",
        vocab_size=500,
        normalizer="identity",
        show_progress=False,
    )
    write_sentencepiece(tok, tmp_path / "i.model")
    proto = parse_model((tmp_path / "i.model").read_bytes())
    assert proto.normalizer_spec is not None
    assert proto.normalizer_spec.precompiled_charsmap == b""
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "i.model"))
    text = "ﬁ ① Ｈｅｌｌｏ"  # identity: no NFKC
    assert tok.encode(text).ids == sp.encode(text)


# -- sentencepiece -> .model -> tokenlab ----------------------------------------------------


def _train_spm(spm: Any, tmp_path: Path, lines: list[str], **options: Any) -> Path:
    path = tmp_path / "train.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(path), model_prefix=str(tmp_path / "s"), minloglevel=2, **options
    )
    return tmp_path / "s.model"


@pytest.mark.parametrize("model_type", ["bpe", "unigram"])
@pytest.mark.parametrize("byte_fallback", [False, True])
def test_sentencepiece_model_encodes_identically_in_tokenlab(
    spm: Any,
    corpus: dict[str, list[str]],
    model_type: str,
    byte_fallback: bool,
    tmp_path: Path,
) -> None:
    path = _train_spm(
        spm,
        tmp_path,
        corpus["train"],
        model_type=model_type,
        vocab_size=3000,
        byte_fallback=byte_fallback,
        user_defined_symbols=["<sep>", "<cls>"],
        control_symbols=["<mask>"],
    )
    sp = spm.SentencePieceProcessor(model_file=str(path))
    tok = tokenlab.Tokenizer.from_file(path)
    expected = SentencePieceBPE if model_type == "bpe" else SentencePieceUnigram
    assert isinstance(tok.model, expected)
    assert tok.get_vocab_size() == sp.get_piece_size()
    _assert_same_or_tie(tok, _sp_encode(sp), corpus["pydoc"] + EXTRA)
    _assert_same_or_tie(tok, _sp_encode(sp), corpus["multi"])
    # Written back, the file is the one sentencepiece wrote (pieces, specs).
    write_sentencepiece(tok, tmp_path / "back.model")
    a, b = parse_model(path.read_bytes()), parse_model((tmp_path / "back.model").read_bytes())
    assert a.pieces == b.pieces and a.trainer_spec == b.trainer_spec
    assert a.normalizer_spec == b.normalizer_spec


def test_decode_undoes_the_pipeline(spm: Any, tmp_path: Path) -> None:
    path = _train_spm(
        spm, tmp_path, _lines()[:3000], model_type="unigram", vocab_size=800, byte_fallback=True
    )
    tok = tokenlab.Tokenizer.from_file(path)
    sp = spm.SentencePieceProcessor(model_file=str(path))
    for text in ["Hello world", "  two  spaces ", "日本 🙂 ok"]:
        ids = tok.encode(text).ids
        assert tok.decode(ids) == sp.decode(ids)


def test_offsets_index_the_original_text(spm: Any, tmp_path: Path) -> None:
    path = _train_spm(spm, tmp_path, _lines()[:3000], model_type="bpe", vocab_size=800)
    tok = tokenlab.Tokenizer.from_file(path)
    text = "  Hello   wörld, ﬁne\tday "
    enc = tok.encode(text)
    assert enc.tokens[0].startswith("▁")
    for token, (start, end) in zip(enc.tokens, enc.offsets):
        assert 0 <= start <= end <= len(text)
        piece = token.lstrip("▁")
        source = text[start:end].strip()
        if piece and source.isascii() and piece.isalpha():
            assert source == piece, (token, text[start:end])
    assert enc.offsets[0][0] == 2  # the dummy prefix and leading spaces cover no text


def test_from_file_recognizes_a_model_by_content(spm: Any, tmp_path: Path) -> None:
    path = _train_spm(spm, tmp_path, _lines()[:2000], model_type="unigram", vocab_size=500)
    renamed = tmp_path / "spiece"
    shutil.copy(path, renamed)
    tok = tokenlab.Tokenizer.from_file(renamed)
    assert isinstance(tok.model, SentencePieceUnigram)
    with pytest.raises(ConfigError, match="do not apply"):
        tokenlab.Tokenizer.from_file(path, lowercase=False)


def test_bad_model_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"\x0a\x05\x0a\x03abc\xff\xff")
    with pytest.raises(ModelFileError, match=r"bad\.model"):
        tokenlab.Tokenizer.from_file(bad)
    with pytest.raises(ModelFileError, match="no such file"):
        tokenlab.Tokenizer.from_file(tmp_path / "missing.model")


# -- what a .model cannot express ------------------------------------------------------------


def test_refuses_byte_level_bpe_and_wordpiece(tmp_path: Path) -> None:
    text = ["hug pug pun bun hugs"] * 5
    bpe = tokenlab.train(iter(text), vocab_size=270, show_progress=False)
    with pytest.raises(ConfigError, match="merge list"):
        write_sentencepiece(bpe, tmp_path / "x.model")
    wp = tokenlab.train(iter(text), algorithm="wordpiece", vocab_size=40, show_progress=False)
    with pytest.raises(ConfigError, match="WordPiece"):
        write_sentencepiece(wp, tmp_path / "x.model")
    assert not (tmp_path / "x.model").exists()


def test_refuses_added_tokens_that_are_not_pieces(tmp_path: Path) -> None:
    tok = tokenlab.train(
        iter(["hug pug pun bun hugs"] * 5), algorithm="unigram", vocab_size=30, show_progress=False
    )
    tok.add_special_tokens(["<extra>"])
    with pytest.raises(ConfigError, match="not a piece"):
        write_sentencepiece(tok, tmp_path / "x.model")


# -- tokenizer.json ---------------------------------------------------------------------------


def _hf_parity(tok: tokenlab.Tokenizer, tmp_path: Path, lines: list[str]) -> None:
    tokenizers = pytest.importorskip("tokenizers", reason="parity with tokenizers")
    path = tmp_path / "tokenizer.json"
    tok.save(path)
    hf = tokenizers.Tokenizer.from_file(str(path))
    reloaded = tokenlab.Tokenizer.from_file(path)

    def hf_encode(line: str) -> tuple[list[int], None]:
        return hf.encode(line).ids, None  # tokenizers spells an unknown as its text

    _assert_same_or_tie(tok, hf_encode, lines)
    # Both load the same file: only an exact Unigram tie (float64, like tokenizers) may differ.
    unigram = isinstance(reloaded.model, Unigram)
    for line in lines[:500]:
        ours, theirs = reloaded.encode(line).ids, hf.encode(line).ids
        if ours != theirs:
            assert unigram, (line, ours, theirs)
            assert_proven_tie(reloaded.model.pieces, ours, theirs)


def test_tokenizer_json_of_trained_models_encodes_identically_in_tokenizers(
    corpus: dict[str, list[str]], algorithm: str, tmp_path: Path
) -> None:
    tok = tokenlab.train(
        iter(corpus["train"]),
        algorithm=algorithm,
        vocab_size=2000,
        byte_fallback=True,
        show_progress=False,
    )
    _hf_parity(tok, tmp_path, corpus["pydoc"] + corpus["multi"] + EXTRA[1:])


@pytest.mark.parametrize("model_type", ["bpe", "unigram"])
def test_tokenizer_json_of_sentencepiece_models_encodes_identically_in_tokenizers(
    spm: Any, corpus: dict[str, list[str]], model_type: str, tmp_path: Path
) -> None:
    path = _train_spm(spm, tmp_path, corpus["train"], model_type=model_type, vocab_size=3000)
    tok = tokenlab.Tokenizer.from_file(path)
    _hf_parity(tok, tmp_path, corpus["pydoc"] + corpus["multi"])
    reloaded = tokenlab.Tokenizer.from_file(tmp_path / "tokenizer.json")
    # The tokenizer.json (tokenizers' form) converts back to the same .model pieces.
    write_sentencepiece(reloaded, tmp_path / "b.model")
    back = parse_model((tmp_path / "b.model").read_bytes())
    original = parse_model(path.read_bytes())
    assert back.pieces == original.pieces
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "b.model"))
    for line in corpus["pydoc"][:300]:
        assert sp.encode(line) == tok.encode(line).ids
    assert back.normalizer_spec is not None and original.normalizer_spec is not None
    assert (
        back.normalizer_spec.precompiled_charsmap == original.normalizer_spec.precompiled_charsmap
    )
    assert back.normalizer_spec.add_dummy_prefix and back.normalizer_spec.remove_extra_whitespaces


def test_tokenizer_json_refuses_what_tokenizers_cannot_express(
    corpus: dict[str, list[str]], algorithm: str
) -> None:
    tok = tokenlab.train(
        iter(corpus["train"][:1500]),
        algorithm=algorithm,
        vocab_size=500,
        user_defined_symbols=["<sep>"],
        show_progress=False,
    )
    with pytest.raises(ConfigError, match="user-defined"):
        tok.to_str()
    tied = SentencePieceBPE(
        [("<unk>", 0.0, 2), ("ab", -1.0, 1), ("bc", -1.0, 1), ("a", -2.0, 1), ("b", -3.0, 1)]
    )
    with pytest.raises(ConfigError, match="same score"):
        tied.to_dict()


# -- subword regularization -----------------------------------------------------------------


def test_sampling_is_seeded_and_the_same_on_both_cores(
    corpus: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import _load_core

    import tokenlab.models.unigram as models_module
    import tokenlab.sp_tokenizer as sp_module

    tok = tokenlab.train(
        iter(corpus["train"][:1500]), algorithm="unigram", vocab_size=500, show_progress=False
    )
    text = "Subword regularization samples segmentations of these words."
    assert (
        tok.encode(text, nbest_size=-1, seed=7).ids == tok.encode(text, nbest_size=-1, seed=7).ids
    )
    samples = {tuple(tok.encode(text, nbest_size=-1, alpha=0.1, seed=s).ids) for s in range(20)}
    assert len(samples) > 1
    assert all(tok.decode(list(ids)) == text for ids in samples)
    best = tok.encode(text).ids
    assert tok.encode(text, nbest_size=1, alpha=0.1, seed=1).ids == best
    nbest = {tuple(tok.encode(text, nbest_size=3, alpha=0.5, seed=s).ids) for s in range(40)}
    assert tuple(best) in nbest
    per_core = []
    for name in ("python", "cython"):
        core = _load_core(name)
        # SentencePieceUnigram (tokenlab.models.unigram) builds the lattice.
        monkeypatch.setattr(models_module, "UnigramLattice", core.UnigramLattice)
        monkeypatch.setattr(models_module, "splitmix64", core.splitmix64)
        twin = sp_module.sentencepiece_tokenizer(
            SentencePieceUnigram(tok.model.typed_pieces), tok.normalizer.charsmap_bytes
        )
        per_core.append(
            [
                twin.encode(text, nbest_size=n, alpha=a, seed=s).ids
                for n, a in ((-1, 0.1), (-1, 1.0), (5, 0.5))
                for s in range(5)
            ]
        )
    assert per_core[0] == per_core[1]


def test_sampling_needs_a_unigram_model() -> None:
    tok = tokenlab.train(
        iter(["hug pug pun bun hugs"] * 5), algorithm="sp-bpe", vocab_size=20, show_progress=False
    )
    with pytest.raises(ConfigError, match="Unigram"):
        tok.encode("hug", nbest_size=-1, alpha=0.1)
    with pytest.raises(ConfigError, match="seed"):
        tok.encode("hug", seed=3)


def test_dummy_files_are_not_left_behind(tmp_path: Path) -> None:
    tok = tokenlab.train(
        iter(["hug pug pun bun hugs"] * 5), algorithm="unigram", vocab_size=30, show_progress=False
    )
    write_sentencepiece(tok, tmp_path / "m.model")
    assert os.listdir(tmp_path) == ["m.model"]
    with pytest.raises(ConfigError):
        write_sentencepiece(tok, tmp_path / "missing" / "m.model")
