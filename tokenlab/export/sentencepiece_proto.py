"""Read and write SentencePiece ``.model`` files (protobuf ``ModelProto``) without protobuf.

A ``.model`` file is one serialized ``sentencepiece.ModelProto`` message. This module
reads and writes the protobuf wire format directly for the four messages a model holds:

- :class:`ModelProto`: ``pieces`` (field 1), ``trainer_spec`` (2), ``normalizer_spec``
  (3), ``denormalizer_spec`` (5);
- :class:`SentencePiece`: ``piece`` (1), ``score`` (2, a 32-bit float), ``type`` (3);
- :class:`TrainerSpec`: every field of ``sentencepiece_model.proto`` in sentencepiece
  0.2 (``model_type`` 3, ``vocab_size`` 4, ``byte_fallback`` 35, ...; see
  ``_TRAINER_FIELDS``);
- :class:`NormalizerSpec`: ``name`` (1), ``precompiled_charsmap`` (2),
  ``add_dummy_prefix`` (3), ``remove_extra_whitespaces`` (4), ``escape_whitespaces`` (5),
  ``normalization_rule_tsv`` (6).

Round trips are exact: fields this module does not know (``self_test_data`` (4), fields
of newer sentencepiece versions, extensions) are kept as their raw bytes and written back
verbatim, and a field is written when it was present in the parsed data or differs from
its proto default. Fields are written in field-number order, as protobuf's C++ serializer
(and so sentencepiece) writes them, so a model written by sentencepiece re-serializes to
the same bytes.

Validation raises :class:`~tokenlab.errors.ModelFileError` for anything sentencepiece
would refuse or that is not protobuf at all: truncated varints or lengths, wire types that
do not match a known field, invalid UTF-8 in a string field, unknown piece types, no
UNKNOWN piece or more than one, empty or duplicate pieces.

Not supported: the ``SelfTestData`` message is not decoded (it is kept as raw bytes), and
protobuf's rule that an unrecognized enum value is kept as an unknown field is not
followed: such a value is an error here.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from tokenlab._pieces import BYTE, CONTROL, NORMAL, UNKNOWN, UNUSED, USER_DEFINED
from tokenlab.errors import ModelFileError

__all__ = [
    "BPE",
    "BYTE",
    "CHAR",
    "CONTROL",
    "NORMAL",
    "UNIGRAM",
    "UNKNOWN",
    "UNUSED",
    "USER_DEFINED",
    "WORD",
    "ModelProto",
    "NormalizerSpec",
    "SentencePiece",
    "TrainerSpec",
    "parse_model",
    "serialize_model",
]

# SentencePiece.Type
# TrainerSpec.ModelType
UNIGRAM, BPE, WORD, CHAR = 1, 2, 3, 4

_PIECE_TYPES = {
    NORMAL: "NORMAL",
    UNKNOWN: "UNKNOWN",
    CONTROL: "CONTROL",
    USER_DEFINED: "USER_DEFINED",
    UNUSED: "UNUSED",
    BYTE: "BYTE",
}
_MODEL_TYPES = {UNIGRAM: "UNIGRAM", BPE: "BPE", WORD: "WORD", CHAR: "CHAR"}

# Wire types.
_VARINT, _I64, _LEN, _SGROUP, _EGROUP, _I32 = 0, 1, 2, 3, 4, 5
_MASK64 = (1 << 64) - 1
_MAX_FIELD = (1 << 29) - 1
_MAX_GROUP_DEPTH = 64

# Field kinds -> wire type.
_WIRE = {
    "int32": _VARINT,
    "uint64": _VARINT,
    "bool": _VARINT,
    "enum": _VARINT,
    "float": _I32,
    "string": _LEN,
    "bytes": _LEN,
}

# A raw field kept verbatim: (field number, its complete encoding, tag included).
RawField = tuple[int, bytes]
Scalar = Union[int, float, bool, str, bytes]


@dataclass
class SentencePiece:
    """One vocabulary entry: the piece, its score and its type (``NORMAL`` ... ``BYTE``).

    >>> SentencePiece("▁the", -3.5)
    SentencePiece(piece='▁the', score=-3.5, type=1)
    """

    piece: str
    score: float = 0.0
    type: int = NORMAL
    unknown_fields: list[RawField] = field(default_factory=list, repr=False)
    present_fields: set[str] = field(default_factory=set, repr=False, compare=False)


@dataclass
class TrainerSpec:
    """The training options stored in a model (``sentencepiece.TrainerSpec``).

    Defaults are sentencepiece's. ``present_fields`` names the fields that were in the
    parsed data; a field is written if it is named there or differs from its default.
    """

    input: list[str] = field(default_factory=list)
    input_format: str = ""
    model_prefix: str = ""
    model_type: int = UNIGRAM
    vocab_size: int = 8000
    accept_language: list[str] = field(default_factory=list)
    self_test_sample_size: int = 0
    character_coverage: float = 0.9995
    input_sentence_size: int = 0
    mining_sentence_size: int = 0
    training_sentence_size: int = 0
    seed_sentencepiece_size: int = 1000000
    shrinking_factor: float = 0.75
    num_threads: int = 16
    num_sub_iterations: int = 2
    max_sentence_length: int = 4192
    shuffle_input_sentence: bool = True
    max_sentencepiece_length: int = 16
    split_by_unicode_script: bool = True
    split_by_whitespace: bool = True
    split_by_number: bool = True
    treat_whitespace_as_suffix: bool = False
    split_digits: bool = False
    allow_whitespace_only_pieces: bool = False
    control_symbols: list[str] = field(default_factory=list)
    user_defined_symbols: list[str] = field(default_factory=list)
    vocabulary_output_piece_score: bool = True
    hard_vocab_limit: bool = True
    use_all_vocab: bool = False
    byte_fallback: bool = False
    required_chars: str = ""
    unk_id: int = 0
    bos_id: int = 1
    eos_id: int = 2
    pad_id: int = -1
    unk_surface: str = " \u2047 "
    unk_piece: str = "<unk>"
    bos_piece: str = "<s>"
    eos_piece: str = "</s>"
    pad_piece: str = "<pad>"
    train_extremely_large_corpus: bool = False
    enable_differential_privacy: bool = False
    differential_privacy_noise_level: float = 0.0
    differential_privacy_clipping_threshold: int = 0
    pretokenization_delimiter: str = ""
    seed_sentencepieces_file: str = ""
    auto_character_coverage: bool = False
    unknown_fields: list[RawField] = field(default_factory=list, repr=False)
    present_fields: set[str] = field(default_factory=set, repr=False, compare=False)


@dataclass
class NormalizerSpec:
    """Normalization options (``sentencepiece.NormalizerSpec``); also the denormalizer.

    ``precompiled_charsmap`` is sentencepiece's compiled normalization table (empty means
    identity); it is kept as opaque bytes.
    """

    name: str = ""
    precompiled_charsmap: bytes = field(default=b"", repr=False)
    add_dummy_prefix: bool = True
    remove_extra_whitespaces: bool = True
    escape_whitespaces: bool = True
    normalization_rule_tsv: str = ""
    unknown_fields: list[RawField] = field(default_factory=list, repr=False)
    present_fields: set[str] = field(default_factory=set, repr=False, compare=False)


@dataclass
class ModelProto:
    """A whole ``.model`` file.

    A spec that is ``None`` is absent from the file (sentencepiece then uses defaults).

    >>> m = ModelProto([SentencePiece("<unk>", 0.0, UNKNOWN), SentencePiece("a", -1.0)])
    >>> parse_model(serialize_model(m)) == m
    True
    """

    pieces: list[SentencePiece] = field(default_factory=list)
    trainer_spec: TrainerSpec | None = field(default_factory=TrainerSpec)
    normalizer_spec: NormalizerSpec | None = field(default_factory=NormalizerSpec)
    denormalizer_spec: NormalizerSpec | None = None
    unknown_fields: list[RawField] = field(default_factory=list, repr=False)


# (number, attribute, kind, repeated). Numbers from sentencepiece_model.proto (0.2).
_Schema = tuple[tuple[int, str, str, bool], ...]

_PIECE_FIELDS: _Schema = (
    (1, "piece", "string", False),
    (2, "score", "float", False),
    (3, "type", "enum", False),
)

_TRAINER_FIELDS: _Schema = (
    (1, "input", "string", True),
    (2, "model_prefix", "string", False),
    (3, "model_type", "enum", False),
    (4, "vocab_size", "int32", False),
    (5, "accept_language", "string", True),
    (6, "self_test_sample_size", "int32", False),
    (7, "input_format", "string", False),
    (10, "character_coverage", "float", False),
    (11, "input_sentence_size", "uint64", False),
    (12, "mining_sentence_size", "int32", False),
    (13, "training_sentence_size", "int32", False),
    (14, "seed_sentencepiece_size", "int32", False),
    (15, "shrinking_factor", "float", False),
    (16, "num_threads", "int32", False),
    (17, "num_sub_iterations", "int32", False),
    (18, "max_sentence_length", "int32", False),
    (19, "shuffle_input_sentence", "bool", False),
    (20, "max_sentencepiece_length", "int32", False),
    (21, "split_by_unicode_script", "bool", False),
    (22, "split_by_whitespace", "bool", False),
    (23, "split_by_number", "bool", False),
    (24, "treat_whitespace_as_suffix", "bool", False),
    (25, "split_digits", "bool", False),
    (26, "allow_whitespace_only_pieces", "bool", False),
    (30, "control_symbols", "string", True),
    (31, "user_defined_symbols", "string", True),
    (32, "vocabulary_output_piece_score", "bool", False),
    (33, "hard_vocab_limit", "bool", False),
    (34, "use_all_vocab", "bool", False),
    (35, "byte_fallback", "bool", False),
    (36, "required_chars", "string", False),
    (40, "unk_id", "int32", False),
    (41, "bos_id", "int32", False),
    (42, "eos_id", "int32", False),
    (43, "pad_id", "int32", False),
    (44, "unk_surface", "string", False),
    (45, "unk_piece", "string", False),
    (46, "bos_piece", "string", False),
    (47, "eos_piece", "string", False),
    (48, "pad_piece", "string", False),
    (49, "train_extremely_large_corpus", "bool", False),
    (50, "enable_differential_privacy", "bool", False),
    (51, "differential_privacy_noise_level", "float", False),
    (52, "differential_privacy_clipping_threshold", "uint64", False),
    (53, "pretokenization_delimiter", "string", False),
    (54, "seed_sentencepieces_file", "string", False),
    (55, "auto_character_coverage", "bool", False),
)

_NORMALIZER_FIELDS: _Schema = (
    (1, "name", "string", False),
    (2, "precompiled_charsmap", "bytes", False),
    (3, "add_dummy_prefix", "bool", False),
    (4, "remove_extra_whitespaces", "bool", False),
    (5, "escape_whitespaces", "bool", False),
    (6, "normalization_rule_tsv", "string", False),
)

_ENUMS = {"type": _PIECE_TYPES, "model_type": _MODEL_TYPES}


# ---------------------------------------------------------------------------------------------
# Reading


def _read_varint(data: bytes, pos: int, end: int, where: str) -> tuple[int, int]:
    """Decode the varint at ``pos``; return (value mod 2**64, position after it)."""
    result = 0
    shift = 0
    start = pos
    while True:
        if pos >= end:
            raise ModelFileError(f"{where}: truncated varint at byte {start}")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & _MASK64, pos
        shift += 7
        if shift >= 70:
            raise ModelFileError(f"{where}: varint at byte {start} is longer than 10 bytes")


def _skip_group(data: bytes, pos: int, end: int, number: int, where: str, depth: int) -> int:
    """Skip a (deprecated) group's fields; return the position after its end-group tag."""
    if depth > _MAX_GROUP_DEPTH:
        raise ModelFileError(f"{where}: groups nested deeper than {_MAX_GROUP_DEPTH}")
    while True:
        if pos >= end:
            raise ModelFileError(f"{where}: group {number} has no end-group tag")
        inner, wire, _, pos = _read_field(data, pos, end, where, depth + 1)
        if wire == _EGROUP:
            if inner != number:
                raise ModelFileError(
                    f"{where}: group {number} closed by an end-group tag of field {inner}"
                )
            return pos


def _read_field(
    data: bytes, pos: int, end: int, where: str, depth: int = 0
) -> tuple[int, int, int | bytes, int]:
    """Read one field at ``pos``: (number, wire type, value, position after it).

    The value is an int for varints, the payload bytes for the other wire types (for a
    group: its whole encoding, for an end-group tag: empty).
    """
    tag_pos = pos
    tag, pos = _read_varint(data, pos, end, where)
    number, wire = tag >> 3, tag & 7
    if number == 0 or number > _MAX_FIELD:
        raise ModelFileError(f"{where}: invalid field number {number} at byte {tag_pos}")
    if wire == _VARINT:
        value, pos = _read_varint(data, pos, end, where)
        return number, wire, value, pos
    if wire in (_I64, _I32):
        size = 8 if wire == _I64 else 4
        if pos + size > end:
            raise ModelFileError(
                f"{where}: field {number} at byte {tag_pos} needs {size} bytes, "
                f"{end - pos} left (truncated file?)"
            )
        return number, wire, data[pos : pos + size], pos + size
    if wire == _LEN:
        length, pos = _read_varint(data, pos, end, where)
        if length > end - pos:
            raise ModelFileError(
                f"{where}: field {number} at byte {tag_pos} declares {length} bytes, "
                f"{end - pos} left (truncated file?)"
            )
        return number, wire, data[pos : pos + length], pos + length
    if wire == _SGROUP:
        after = _skip_group(data, pos, end, number, where, depth)
        return number, wire, data[tag_pos:after], after
    if wire == _EGROUP:
        if depth == 0:
            raise ModelFileError(f"{where}: end-group tag of field {number} outside a group")
        return number, wire, b"", pos
    raise ModelFileError(f"{where}: invalid wire type {wire} for field {number} at byte {tag_pos}")


def _fields(data: bytes, where: str) -> Iterator[tuple[int, int, int | bytes, bytes]]:
    """Iterate (number, wire type, value, raw encoding) over a message's fields."""
    pos, end = 0, len(data)
    while pos < end:
        start = pos
        number, wire, value, pos = _read_field(data, pos, end, where)
        yield number, wire, value, data[start:pos]


def _int32(value: int) -> int:
    # protobuf reads an int32 (and an enum) as the low 32 bits of the varint, signed.
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _decode_scalar(kind: str, value: int | bytes, name: str, where: str) -> Scalar:
    if kind == "float":
        assert isinstance(value, bytes)
        return float(struct.unpack("<f", value)[0])
    if kind in ("string", "bytes"):
        assert isinstance(value, bytes)
        if kind == "bytes":
            return bytes(value)
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ModelFileError(f"{where}: field {name!r} is not valid UTF-8 ({e})") from e
    assert isinstance(value, int)
    if kind == "bool":
        return value != 0
    if kind == "uint64":
        return value
    result = _int32(value)
    names = _ENUMS.get(name) if kind == "enum" else None
    if names is not None and result not in names:
        raise ModelFileError(
            f"{where}: unknown {name} {result}; valid values are "
            + ", ".join(f"{v} ({n})" for v, n in names.items())
        )
    return result


def _decode_into(obj: Any, schema: _Schema, data: bytes, where: str) -> None:
    """Fill the dataclass ``obj`` from a message's bytes, following ``schema``."""
    by_number = {number: (name, kind, rep) for number, name, kind, rep in schema}
    for number, wire, value, raw in _fields(data, where):
        spec = by_number.get(number)
        if spec is None:
            obj.unknown_fields.append((number, raw))
            continue
        name, kind, repeated = spec
        if wire != _WIRE[kind]:
            raise ModelFileError(
                f"{where}: field {number} ({name}) has wire type {wire}, expected "
                f"{_WIRE[kind]} for a {kind}"
            )
        decoded = _decode_scalar(kind, value, name, where)
        if repeated:
            getattr(obj, name).append(decoded)
        else:
            setattr(obj, name, decoded)
        obj.present_fields.add(name)


_F32 = struct.Struct("<f")
_PRESENT_TWO = frozenset(("piece", "score"))
_PRESENT_THREE = frozenset(("piece", "score", "type"))


def _canonical_piece(data: bytes) -> SentencePiece | None:
    """A piece in the layout sentencepiece writes, decoded in one step; None otherwise.

    Nearly every piece of a ``.model`` is ``0A len piece 15 score`` and maybe ``18 type``,
    with a piece shorter than 128 bytes: read that directly (an 8k-piece model loads in a
    few ms instead of 70). Anything else (longer pieces, other field orders, unknown fields,
    bad UTF-8 or an unknown type) returns None and takes the general reader, which also
    gives the errors.
    """
    size = len(data)
    if size < 7 or data[0] != 0x0A or not 0 < data[1] < 0x80:
        return None
    end = 2 + data[1]
    if end + 5 > size or data[end] != 0x15:
        return None
    rest = size - end - 5
    if rest == 0:
        kind, present = NORMAL, _PRESENT_TWO
    elif rest == 2 and data[end + 5] == 0x18 and data[end + 6] in _PIECE_TYPES:
        kind, present = data[end + 6], _PRESENT_THREE
    else:
        return None
    try:
        text = data[2:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    piece = SentencePiece(text, _F32.unpack_from(data, end + 1)[0], kind)
    piece.present_fields = set(present)
    return piece


def _check_pieces(pieces: list[SentencePiece], where: str) -> None:
    seen: dict[str, int] = {}
    unknown: list[int] = []
    for i, p in enumerate(pieces):
        if not p.piece:
            raise ModelFileError(f"{where}: piece {i} is empty")
        if p.piece in seen:
            raise ModelFileError(
                f"{where}: piece {p.piece!r} appears twice (ids {seen[p.piece]} and {i})"
            )
        seen[p.piece] = i
        if p.type not in _PIECE_TYPES:
            raise ModelFileError(f"{where}: piece {i} ({p.piece!r}) has unknown type {p.type}")
        if p.type == UNKNOWN:
            unknown.append(i)
    if not unknown:
        raise ModelFileError(f"{where}: no piece has type UNKNOWN; a model needs exactly one")
    if len(unknown) > 1:
        raise ModelFileError(
            f"{where}: {len(unknown)} pieces have type UNKNOWN (ids "
            f"{', '.join(map(str, unknown[:10]))}); a model needs exactly one"
        )


def parse_model(data: bytes, *, name: str = "model") -> ModelProto:
    """Parse the bytes of a SentencePiece ``.model`` file.

    Args:
        data: The file's content.
        name: What to call the data in error messages (e.g. the file name).

    Returns:
        The model, with every field the file holds (unknown ones as raw bytes).

    Raises:
        ModelFileError: The data is not a valid ``ModelProto`` or a model sentencepiece
            would refuse (see the module docstring).

    >>> parse_model(b"\\x0a\\x0e\\x0a\\x05<unk>\\x15\\x00\\x00\\x00\\x00\\x18\\x02").pieces
    [SentencePiece(piece='<unk>', score=0.0, type=2)]
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_model needs bytes, got {type(data).__name__}")
    data = bytes(data)
    model = ModelProto(trainer_spec=None, normalizer_spec=None)
    specs: dict[int, list[bytes]] = {2: [], 3: [], 5: []}
    for number, wire, value, raw in _fields(data, name):
        if number == 1 or number in specs:
            if wire != _LEN:
                raise ModelFileError(
                    f"{name}: field {number} has wire type {wire}, expected 2 (a message)"
                )
            assert isinstance(value, bytes)
            if number == 1:
                piece = _canonical_piece(value)
                if piece is None:
                    where = f"{name}: pieces[{len(model.pieces)}]"
                    piece = SentencePiece("")
                    _decode_into(piece, _PIECE_FIELDS, value, where)
                model.pieces.append(piece)
            else:
                specs[number].append(value)
        else:
            model.unknown_fields.append((number, raw))
    # A message field given more than once is merged, which for protobuf is the same as
    # parsing the concatenation of its occurrences.
    if specs[2]:
        model.trainer_spec = TrainerSpec()
        _decode_into(
            model.trainer_spec, _TRAINER_FIELDS, b"".join(specs[2]), f"{name}: trainer_spec"
        )
    if specs[3]:
        model.normalizer_spec = NormalizerSpec()
        _decode_into(
            model.normalizer_spec,
            _NORMALIZER_FIELDS,
            b"".join(specs[3]),
            f"{name}: normalizer_spec",
        )
    if specs[5]:
        model.denormalizer_spec = NormalizerSpec()
        _decode_into(
            model.denormalizer_spec,
            _NORMALIZER_FIELDS,
            b"".join(specs[5]),
            f"{name}: denormalizer_spec",
        )
    _check_pieces(model.pieces, name)
    return model


# ---------------------------------------------------------------------------------------------
# Writing


def _varint(value: int) -> bytes:
    value &= _MASK64
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _tag(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _len_field(number: int, payload: bytes) -> bytes:
    return _tag(number, _LEN) + _varint(len(payload)) + payload


def _f32(value: float) -> bytes:
    try:
        return struct.pack("<f", value)
    except OverflowError:
        # Beyond float32's range: protobuf's C++ conversion gives an infinity.
        return struct.pack("<f", math.copysign(math.inf, value))


def _encode_scalar(number: int, kind: str, value: Any, name: str, where: str) -> bytes:
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ModelFileError(f"{where}: {name} must be a number, got {value!r}")
        return _tag(number, _I32) + _f32(float(value))
    if kind == "string":
        if not isinstance(value, str):
            raise ModelFileError(f"{where}: {name} must be a str, got {value!r}")
        try:
            return _len_field(number, value.encode("utf-8"))
        except UnicodeEncodeError as e:
            raise ModelFileError(f"{where}: {name} cannot be encoded as UTF-8 ({e})") from e
    if kind == "bytes":
        if not isinstance(value, (bytes, bytearray)):
            raise ModelFileError(f"{where}: {name} must be bytes, got {value!r}")
        return _len_field(number, bytes(value))
    if kind == "bool":
        if not isinstance(value, bool):
            raise ModelFileError(f"{where}: {name} must be a bool, got {value!r}")
        return _tag(number, _VARINT) + _varint(int(value))
    if isinstance(value, bool) or not isinstance(value, int):
        raise ModelFileError(f"{where}: {name} must be an int, got {value!r}")
    lo, hi = (0, _MASK64) if kind == "uint64" else (-(1 << 31), (1 << 31) - 1)
    if not lo <= value <= hi:
        raise ModelFileError(f"{where}: {name}={value} is out of range for a {kind}")
    names = _ENUMS.get(name) if kind == "enum" else None
    if names is not None and value not in names:
        raise ModelFileError(f"{where}: unknown {name} {value}")
    return _tag(number, _VARINT) + _varint(value)


def _differs(kind: str, value: Any, default: Any) -> bool:
    if kind == "float" and isinstance(value, (int, float)):
        return bool(_f32(float(value)) != _f32(float(default)))
    return bool(value != default)


def _encode_message(
    obj: Any, schema: _Schema, where: str, always: frozenset[str] = frozenset()
) -> bytes:
    defaults = {
        f.name: (f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default)
        for f in dataclasses.fields(obj)
    }
    parts: list[tuple[int, bytes]] = []
    for number, name, kind, repeated in schema:
        value = getattr(obj, name)
        if repeated:
            if not isinstance(value, list):
                raise ModelFileError(f"{where}: {name} must be a list, got {value!r}")
            encoded = b"".join(_encode_scalar(number, kind, v, name, where) for v in value)
            if encoded:
                parts.append((number, encoded))
        elif name in always or name in obj.present_fields or _differs(kind, value, defaults[name]):
            parts.append((number, _encode_scalar(number, kind, value, name, where)))
    return _join(parts, obj.unknown_fields)


def _join(parts: list[tuple[int, bytes]], unknown: list[RawField]) -> bytes:
    # Field-number order, as protobuf's C++ serializer writes; unknown fields keep their
    # relative order (the sort is stable).
    parts = parts + [(n, bytes(raw)) for n, raw in unknown]
    parts.sort(key=lambda p: p[0])
    return b"".join(raw for _, raw in parts)


# sentencepiece sets piece and score on every piece, so they are written even at default.
_ALWAYS = frozenset({"piece", "score"})


def serialize_model(model: ModelProto) -> bytes:
    """Serialize a model to the bytes of a SentencePiece ``.model`` file.

    Args:
        model: The model. Its pieces must be loadable by sentencepiece.

    Returns:
        The protobuf encoding. A model returned by :func:`parse_model` gives back the
        parsed bytes when the file was written by protobuf's C++ serializer (as
        sentencepiece's are).

    Raises:
        ModelFileError: A piece list sentencepiece would refuse (no or several UNKNOWN
            pieces, empty or duplicate pieces) or a field of the wrong type or range.

    >>> m = ModelProto([SentencePiece("<unk>", 0.0, UNKNOWN)], trainer_spec=None,
    ...                normalizer_spec=None)
    >>> serialize_model(m)
    b'\\n\\x0e\\n\\x05<unk>\\x15\\x00\\x00\\x00\\x00\\x18\\x02'
    """
    _check_pieces(model.pieces, "model")
    parts: list[tuple[int, bytes]] = []
    for i, piece in enumerate(model.pieces):
        if not isinstance(piece, SentencePiece):
            raise ModelFileError(f"model: pieces[{i}] is not a SentencePiece: {piece!r}")
        payload = _encode_message(piece, _PIECE_FIELDS, f"model: pieces[{i}]", _ALWAYS)
        parts.append((1, _len_field(1, payload)))
    for number, spec, schema, label in (
        (2, model.trainer_spec, _TRAINER_FIELDS, "trainer_spec"),
        (3, model.normalizer_spec, _NORMALIZER_FIELDS, "normalizer_spec"),
        (5, model.denormalizer_spec, _NORMALIZER_FIELDS, "denormalizer_spec"),
    ):
        if spec is not None:
            parts.append((number, _len_field(number, _encode_message(spec, schema, label))))
    return _join(parts, model.unknown_fields)
