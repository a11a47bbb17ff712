"""Tests for tokenlab.export.sentencepiece_proto: models trained live by `sentencepiece`,
parsed, compared with what sentencepiece (and its protobuf module) reports, re-serialized
and loaded back; malformed inputs; a fuzz test over bytes."""

from __future__ import annotations

import io
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.errors import ModelFileError
from tokenlab.export.sentencepiece_proto import (
    BPE,
    BYTE,
    CONTROL,
    NORMAL,
    UNIGRAM,
    UNKNOWN,
    UNUSED,
    USER_DEFINED,
    ModelProto,
    NormalizerSpec,
    SentencePiece,
    TrainerSpec,
    parse_model,
    serialize_model,
)


def _doc_lines(limit: int) -> list[str]:
    """Real text every CPython ships: non-empty lines of the pydoc topics."""
    from pydoc_data.topics import topics

    lines = [ln for key in sorted(topics) for ln in topics[key].splitlines() if ln.strip()]
    return lines[:limit]


TRAIN_LINES = _doc_lines(2000)
# Text the models never saw, with chars outside their alphabet (byte fallback / unk).
CHECK_LINES = [*_doc_lines(2300)[2000:], "naïve café — 東京 😀", "  two  spaces\tand tab"]


def _spm() -> Any:
    return pytest.importorskip(
        "sentencepiece", reason="these tests train models with `sentencepiece`"
    )


# (label, trainer options). Small vocabularies keep training well under a second each.
CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("bpe", {"model_type": "bpe"}),
    ("bpe-bytes", {"model_type": "bpe", "byte_fallback": True}),
    ("unigram", {"model_type": "unigram"}),
    (
        "unigram-bytes-symbols",
        {
            "model_type": "unigram",
            "byte_fallback": True,
            "user_defined_symbols": ["<sep>", "foo"],
            "control_symbols": ["<ctl>"],
            "pad_id": 3,
            "split_digits": True,
        },
    ),
]

_TRAINED: dict[str, bytes] = {}


def _train(label: str) -> bytes:
    if label not in _TRAINED:
        spm = _spm()
        options = dict(CONFIGS)[label]
        out = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(TRAIN_LINES),
            model_writer=out,
            vocab_size=500,
            minloglevel=2,
            num_threads=1,
            **options,
        )
        _TRAINED[label] = out.getvalue()
    return _TRAINED[label]


def _type_of(sp: Any, i: int) -> int:
    if sp.is_unknown(i):
        return UNKNOWN
    if sp.is_control(i):
        return CONTROL
    if sp.is_byte(i):
        return BYTE
    if sp.is_unused(i):
        return UNUSED
    # The processor has no is_user_defined; NORMAL and USER_DEFINED both land here.
    return -1


LABELS = [label for label, _ in CONFIGS]


# ---------------------------------------------------------------------------------------------
# Parity with sentencepiece


@pytest.mark.parametrize("label", LABELS)
def test_pieces_match_sentencepiece_processor(label: str) -> None:
    spm = _spm()
    data = _train(label)
    model = parse_model(data)
    sp = spm.SentencePieceProcessor(model_proto=data)
    assert len(model.pieces) == sp.get_piece_size() == 500
    for i, p in enumerate(model.pieces):
        assert p.piece == sp.id_to_piece(i)
        # Scores are float32 in the file; sentencepiece returns that float32 value.
        assert p.score == sp.get_score(i)
        expected = _type_of(sp, i)
        if expected == -1:
            assert p.type in (NORMAL, USER_DEFINED)
        else:
            assert p.type == expected
    options = dict(CONFIGS)[label]
    spec = model.trainer_spec
    assert spec is not None
    assert spec.model_type == (BPE if options["model_type"] == "bpe" else UNIGRAM)
    assert spec.vocab_size == 500
    assert spec.byte_fallback == options.get("byte_fallback", False)
    assert spec.user_defined_symbols == options.get("user_defined_symbols", [])
    assert [p.piece for p in model.pieces if p.type == USER_DEFINED] == spec.user_defined_symbols
    assert sum(p.type == BYTE for p in model.pieces) == (256 if spec.byte_fallback else 0)
    assert (spec.unk_id, spec.bos_id, spec.eos_id) == (sp.unk_id(), sp.bos_id(), sp.eos_id())
    assert spec.pad_id == sp.pad_id() == options.get("pad_id", -1)
    assert model.normalizer_spec is not None and model.normalizer_spec.name == "nmt_nfkc"


@pytest.mark.parametrize("label", LABELS)
def test_round_trip_is_byte_identical_and_loads(label: str) -> None:
    spm = _spm()
    data = _train(label)
    model = parse_model(data)
    again = serialize_model(model)
    # Same fields in the same (field-number) order as protobuf's C++ serializer writes.
    assert again == data
    assert parse_model(again) == model
    # A model changed in tokenlab (scores, a piece renamed, a spec option) is still one
    # sentencepiece loads and encodes with identically to the original.
    model.pieces[-1] = SentencePiece(model.pieces[-1].piece + "\u2581x", model.pieces[-1].score)
    assert model.normalizer_spec is not None
    model.normalizer_spec.name = "nmt_nfkc"
    changed = serialize_model(model)
    original = spm.SentencePieceProcessor(model_proto=data)
    reloaded = spm.SentencePieceProcessor(model_proto=again)
    edited = spm.SentencePieceProcessor(model_proto=changed)
    assert edited.id_to_piece(499) == model.pieces[-1].piece
    for line in CHECK_LINES:
        ids = original.encode(line)
        assert reloaded.encode(line) == ids
        assert reloaded.encode(line, out_type=str) == original.encode(line, out_type=str)
        assert reloaded.decode(ids) == original.decode(ids)


@pytest.mark.parametrize("label", LABELS)
def test_agrees_with_sentencepiece_protobuf_module(label: str) -> None:
    _spm()
    pb2 = pytest.importorskip(
        "sentencepiece.sentencepiece_model_pb2",
        reason="comparing with sentencepiece's generated code needs the `protobuf` package",
        exc_type=ImportError,
    )
    data = _train(label)
    ours = parse_model(data)
    theirs = pb2.ModelProto()
    theirs.ParseFromString(data)
    assert [(p.piece, p.score, p.type) for p in ours.pieces] == [
        (p.piece, p.score, p.type) for p in theirs.pieces
    ]
    for spec, their_spec in (
        (ours.trainer_spec, theirs.trainer_spec),
        (ours.normalizer_spec, theirs.normalizer_spec),
    ):
        assert spec is not None
        for fd in their_spec.DESCRIPTOR.fields:
            value = getattr(their_spec, fd.name)
            mine = getattr(spec, fd.name)
            if isinstance(mine, float):
                # Our defaults are the decimal ones (0.9995); protobuf reports float32's.
                value, mine = _float32(value), _float32(mine)
            assert (list(value) if fd.is_repeated else value) == mine, fd.name
            if not fd.is_repeated:
                assert their_spec.HasField(fd.name) == (fd.name in spec.present_fields), fd.name
    assert ours.denormalizer_spec is None and not theirs.HasField("denormalizer_spec")
    # Their serializer, fed our bytes, writes our bytes.
    assert theirs.SerializeToString() == serialize_model(ours)
    # And a model built here from scratch parses there the same.
    built = ModelProto(
        [SentencePiece("<unk>", 0.0, UNKNOWN), SentencePiece("\u2581a", -1.5)],
        TrainerSpec(model_type=BPE, vocab_size=2, pad_id=-1, character_coverage=1.0),
        NormalizerSpec(name="identity", add_dummy_prefix=False),
    )
    theirs = pb2.ModelProto()
    theirs.ParseFromString(serialize_model(built))
    assert theirs.trainer_spec.model_type == BPE and theirs.trainer_spec.character_coverage == 1.0
    assert theirs.normalizer_spec.add_dummy_prefix is False
    assert [p.piece for p in theirs.pieces] == ["<unk>", "\u2581a"]


def test_model_built_here_loads_in_sentencepiece() -> None:
    spm = _spm()
    # A tiny Unigram model: sentencepiece picks the best-scoring segmentation.
    model = ModelProto(
        [
            SentencePiece("<unk>", 0.0, UNKNOWN),
            SentencePiece("<s>", 0.0, CONTROL),
            SentencePiece("</s>", 0.0, CONTROL),
            SentencePiece("\u2581ab", -1.0),
            SentencePiece("\u2581", -2.0),
            SentencePiece("a", -3.0),
            SentencePiece("b", -3.0),
        ],
        TrainerSpec(model_type=UNIGRAM, vocab_size=7),
        NormalizerSpec(name="identity"),
    )
    sp = spm.SentencePieceProcessor(model_proto=serialize_model(model))
    assert sp.encode("ab ba", out_type=str) == ["\u2581ab", "\u2581", "b", "a"]
    assert sp.encode("abc") == [3, 0]


# ---------------------------------------------------------------------------------------------
# Wire format details


def _piece_msg(piece: bytes, score: float = 0.0, type_: int | None = None) -> bytes:
    body = b"\x0a" + bytes([len(piece)]) + piece + b"\x15" + struct.pack("<f", score)
    if type_ is not None:
        body += b"\x18" + bytes([type_])
    return b"\x0a" + bytes([len(body)]) + body


UNK = _piece_msg(b"<unk>", 0.0, UNKNOWN)


def _float32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def test_negative_int32_and_unknown_fields_round_trip() -> None:
    # pad_id = -1 is a 10-byte varint; field 99 (varint), 100 (fixed64), 101 (group with a
    # field inside) and 4 (self_test_data, a message we do not decode) are kept verbatim.
    pad = b"\xd8\x02" + b"\xff" * 9 + b"\x01"  # field 43, varint -1
    unknown_spec = b"\x98\x06\x07" + b"\xa1\x06" + bytes(range(8)) + b"\xab\x06\x08\x01\xac\x06"
    spec = pad + unknown_spec
    self_test = b"\x22\x03\x0a\x01x"
    data = UNK + b"\x12" + bytes([len(spec)]) + spec + self_test
    model = parse_model(data)
    assert model.trainer_spec is not None and model.trainer_spec.pad_id == -1
    assert [n for n, _ in model.trainer_spec.unknown_fields] == [99, 100, 101]
    assert model.unknown_fields == [(4, self_test)]
    # Written back in field-number order: pieces (1), trainer_spec (2), then field 4.
    assert serialize_model(model) == data


def test_fields_given_twice() -> None:
    # A scalar given twice: the last value wins. A message given twice: merged.
    spec1 = b"\x20\x05"  # vocab_size 5
    spec2 = b"\x20\x07" + b"\x98\x02\x01"  # vocab_size 7, byte_fallback (35) true
    model = parse_model(UNK + b"\x12\x02" + spec1 + b"\x12\x05" + spec2)
    assert model.trainer_spec is not None
    assert (model.trainer_spec.vocab_size, model.trainer_spec.byte_fallback) == (7, True)
    assert model.trainer_spec.self_test_sample_size == 0


def test_defaults_and_presence() -> None:
    # Absent specs stay None and are not written; a default value is written only when it
    # was present in the parsed data.
    model = parse_model(UNK)
    assert model.trainer_spec is None and model.normalizer_spec is None
    assert serialize_model(model) == UNK
    spec = TrainerSpec()
    assert spec.character_coverage == 0.9995 and spec.pad_id == -1 and spec.unk_surface == " ⁇ "
    fresh = ModelProto([SentencePiece("<unk>", 0.0, UNKNOWN)])
    assert serialize_model(fresh) == UNK + b"\x12\x00\x1a\x00"
    explicit = UNK + b"\x12\x02\x20\x80" + b"\x1a\x02\x18\x01"
    with pytest.raises(ModelFileError, match="truncated varint"):
        parse_model(explicit)
    explicit = UNK + b"\x12\x03\x20\xc0\x3e" + b"\x1a\x02\x18\x01"  # vocab 8000, dummy prefix
    assert serialize_model(parse_model(explicit)) == explicit


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no piece has type UNKNOWN"),
        (_piece_msg(b"a"), "no piece has type UNKNOWN"),
        (UNK + _piece_msg(b"<u2>", 0.0, UNKNOWN), "2 pieces have type UNKNOWN"),
        (UNK + _piece_msg(b"a") + _piece_msg(b"a"), "appears twice"),
        (UNK + _piece_msg(b""), "empty"),
        (UNK + _piece_msg(b"\xff"), "not valid UTF-8"),
        (UNK + _piece_msg(b"a", 0.0, 9), "unknown type 9"),
        (UNK[:-1], "declares 14 bytes"),
        (UNK + b"\x0a", "truncated varint"),
        (UNK + b"\x08\x01", "wire type 0, expected 2"),
        (UNK + b"\x12\x02\x20\x00" + b"\x12\x02\x25\x00", "needs 4 bytes"),
        (UNK + b"\x12\x02\x22\x00", "vocab_size\\) has wire type 2"),
        (UNK + b"\x12\x02\x18\x09", "unknown model_type 9"),
        (UNK + b"\x12\x02\x0a\x7f", "declares 127 bytes"),
        (UNK + b"\x00", "invalid field number 0"),
        (UNK + b"\x0f", "invalid wire type 7"),
        (UNK + b"\x0c", "end-group tag of field 1 outside a group"),
        (UNK + b"\x0b\x08\x01", "no end-group tag"),
        (UNK + b"\x0b\x14", "closed by an end-group tag of field 2"),
        (UNK + b"\x08" + b"\xff" * 11, "longer than 10 bytes"),
    ],
)
def test_malformed_models_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ModelFileError, match=message):
        parse_model(data, name="m.model")


def test_serialize_refuses_what_sentencepiece_would_refuse() -> None:
    unk = SentencePiece("<unk>", 0.0, UNKNOWN)
    for pieces, message in [
        ([], "no piece"),
        ([unk, SentencePiece("<unk2>", 0.0, UNKNOWN)], "2 pieces"),
        ([unk, SentencePiece("a"), SentencePiece("a")], "twice"),
        ([unk, SentencePiece("")], "empty"),
        ([unk, SentencePiece("a", 0.0, 0)], "unknown type 0"),
        ([unk, SentencePiece("\ud800")], "UTF-8"),
    ]:
        with pytest.raises(ModelFileError, match=message):
            serialize_model(ModelProto(pieces))
    for spec, message in [
        (TrainerSpec(vocab_size=1 << 31), "out of range"),
        (TrainerSpec(byte_fallback=1), "must be a bool"),  # type: ignore[arg-type]
        (TrainerSpec(model_type=7), "unknown model_type 7"),
        (TrainerSpec(character_coverage="high"), "must be a number"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(ModelFileError, match=message):
            serialize_model(ModelProto([unk], spec))
    # A score beyond float32's range becomes an infinity, as in protobuf.
    big = parse_model(serialize_model(ModelProto([unk, SentencePiece("a", -1e300)], None, None)))
    assert big.pieces[1].score == float("-inf")


# ---------------------------------------------------------------------------------------------
# Fuzz


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_raise_only_model_file_error(data: bytes) -> None:
    try:
        model = parse_model(data)
    except ModelFileError:
        return
    # What parses re-serializes to bytes that are a fixed point (compared as bytes: a NaN
    # score is not equal to itself).
    data2 = serialize_model(model)
    assert serialize_model(parse_model(data2)) == data2


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40), st.integers(min_value=0, max_value=200))
def test_mutated_models_raise_only_model_file_error(noise: bytes, at: int) -> None:
    # Valid prefix + noise, and a valid model with bytes overwritten: deep into the format.
    base = UNK + _piece_msg(b"ab", -1.0) + b"\x12\x04\x18\x02\x20\x05"
    for data in (base + noise, base[:at] + noise + base[at + len(noise) :]):
        try:
            model = parse_model(data)
        except ModelFileError:
            continue
        data2 = serialize_model(model)
        assert serialize_model(parse_model(data2)) == data2
