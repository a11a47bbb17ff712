"""SentencePiece ``.model`` files: read them into a tokenlab pipeline, write them back.

:func:`read_sentencepiece` turns a ``.model`` written by the ``sentencepiece``
library (or by tokenlab) into a :class:`~tokenlab.tokenizer.Tokenizer` that
encodes as ``sentencepiece.SentencePieceProcessor`` does: BPE (SentencePiece's
score-ordered merging of pieces, there is no merge list) and Unigram (Viterbi),
byte fallback, user-defined and control pieces, and the normalizer spec (its
precompiled charsmap and whitespace flags). :func:`write_sentencepiece` writes
the tokenizers tokenlab's ``sp-bpe`` and ``unigram`` trainers make (and those
read from a ``.model``): pieces, scores and types, the trainer spec
(model type, vocabulary size, byte fallback, the ids and pieces of unk, bos,
eos and pad, ...) and the normalizer spec with its charsmap.

The protobuf encoding itself is :mod:`tokenlab.export.sentencepiece_proto`.

Decoding follows sentencepiece (:class:`~tokenlab.decoders.SentencePieceDecoder`):
control pieces invisible, the trainer spec's ``unk_surface`` for the unknown piece,
the denormalizer spec applied to the result, an id outside the vocabulary refused.

Not supported: the ``word`` and ``char`` model types, and tokenizers a ``.model``
cannot express: byte-level BPE, WordPiece, or pipelines other than
SentencePiece's; those are refused with the reason.
"""

from __future__ import annotations

import copy
import os
import struct
from typing import Any

from .._atomic import atomic_write, check_writable_path
from .._modelfile import read_head, read_model_bytes
from ..errors import ConfigError, ModelFileError
from ..models import BPE as MergeListBPE
from ..models import SentencePieceBPE, SentencePieceUnigram
from ..models._base import CONTROL, UNKNOWN, USER_DEFINED
from ..normalizers import (
    _COLLAPSE_SPACES,
    _STRIP_SPACES,
    Precompiled,
    Replace,
    SentencePieceNormalizer,
)
from ..normalizers import Sequence as NormalizerSequence
from ..pre_tokenizers import Metaspace
from ..sp_tokenizer import piece_types, sentencepiece_tokenizer
from ..tokenizer import Tokenizer
from .sentencepiece_proto import (
    BPE,
    UNIGRAM,
    ModelProto,
    NormalizerSpec,
    SentencePiece,
    TrainerSpec,
    parse_model,
    serialize_model,
)

__all__ = [
    "looks_like_model_file",
    "looks_like_sentencepiece",
    "read_sentencepiece",
    "write_sentencepiece",
]


def looks_like_sentencepiece(head: bytes) -> bool:
    """Whether the first bytes of a file look like a ``.model`` (a ModelProto).

    sentencepiece writes the pieces first: field 1, length-delimited (``0x0A``),
    then a SentencePiece message that starts with its piece (``0x0A`` again).
    """
    if len(head) < 4 or head[0] != 0x0A:
        return False
    # Skip the varint length of the first piece message.
    pos = 1
    while pos < len(head) and head[pos] & 0x80:
        pos += 1
    return pos + 1 < len(head) and head[pos + 1] == 0x0A


def looks_like_model_file(path: str) -> bool:
    """Whether ``path`` is a SentencePiece ``.model``: by content, else by name.

    The first bytes decide when they look like a ModelProto; otherwise a
    ``.model`` name does (so that a damaged ``.model`` gets this reader's error).
    A ``.json`` or ``.txt`` file is never one.
    """
    if path.endswith((".json", ".txt")):
        return False
    try:
        head = read_head(path, 64)
    except OSError:
        return path.endswith(".model")  # let the reader report the error
    return looks_like_sentencepiece(head) or path.endswith(".model")


def read_sentencepiece(path: str | os.PathLike[str]) -> Tokenizer:
    """Load a SentencePiece ``.model`` file as a tokenlab tokenizer.

    Args:
        path: the ``.model`` file.

    Returns:
        A :class:`~tokenlab.tokenizer.Tokenizer` that encodes as
        ``sentencepiece.SentencePieceProcessor(model_file=path)`` does.

    Raises:
        ModelFileError: the file is missing, unreadable, not a ModelProto, or of
            a model type tokenlab does not support; the message names the file.

    >>> import tokenlab, tempfile, os
    >>> tok = tokenlab.train(iter(["abracadabra"] * 3), algorithm="sp-bpe", vocab_size=20,
    ...                      normalizer="identity", show_progress=False)
    >>> path = os.path.join(tempfile.mkdtemp(), "m.model")
    >>> write_sentencepiece(tok, path)
    >>> read_sentencepiece(path).encode("abracadabra").tokens
    ['▁abracadabra']
    """

    p = os.fspath(path)
    data = read_model_bytes(p)
    proto = parse_model(data, name=p)
    spec = proto.trainer_spec if proto.trainer_spec is not None else TrainerSpec()
    norm = proto.normalizer_spec if proto.normalizer_spec is not None else NormalizerSpec()
    pieces = [(sp.piece, sp.score, sp.type) for sp in proto.pieces]
    model: SentencePieceBPE | SentencePieceUnigram
    try:
        if spec.model_type == BPE:
            model = SentencePieceBPE(pieces, byte_fallback=spec.byte_fallback)
        elif spec.model_type == UNIGRAM:
            model = SentencePieceUnigram(pieces, byte_fallback=spec.byte_fallback)
        else:
            kind = {3: "word", 4: "char"}.get(spec.model_type, str(spec.model_type))
            raise ModelFileError(
                f"model type {kind!r} is not supported (tokenlab reads bpe and unigram models)"
            )
    except ModelFileError as e:
        raise ModelFileError(f"{p}: {e}") from None
    model.trainer_spec = spec  # type: ignore[union-attr]
    model.normalizer_name = norm.name  # type: ignore[union-attr]
    model.denormalizer_spec = proto.denormalizer_spec  # type: ignore[union-attr]
    return sentencepiece_tokenizer(
        model,
        norm.precompiled_charsmap,
        add_dummy_prefix=norm.add_dummy_prefix,
        remove_extra_whitespaces=norm.remove_extra_whitespaces,
        escape_whitespaces=norm.escape_whitespaces,
        treat_whitespace_as_suffix=spec.treat_whitespace_as_suffix,
        unk_surface=spec.unk_surface,
        denormalizer=_denormalizer(proto.denormalizer_spec, p),
    )


def _denormalizer(spec: NormalizerSpec | None, path: str) -> SentencePieceNormalizer | None:
    """What sentencepiece applies to decoded text: the denormalizer spec, with its own
    flags (sentencepiece's trainer writes them all false), when it has a charsmap.

    Raises:
        ModelFileError: the charsmap is malformed; the message names the file.
    """
    if spec is None or not spec.precompiled_charsmap:
        return None  # sentencepiece builds no denormalizer then
    try:
        return SentencePieceNormalizer(
            spec.precompiled_charsmap,
            add_dummy_prefix=spec.add_dummy_prefix,
            remove_extra_whitespaces=spec.remove_extra_whitespaces,
            escape_whitespaces=spec.escape_whitespaces,
        )
    except ModelFileError as e:
        raise ModelFileError(f"{path}: denormalizer_spec: {e}") from None


def _f32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def _normalizer_spec(tokenizer: Tokenizer, name: str | None) -> tuple[NormalizerSpec, bool]:
    """The normalizer spec of ``tokenizer`` and its treat_whitespace_as_suffix flag."""
    norm = tokenizer.normalizer
    if isinstance(norm, SentencePieceNormalizer):
        pre = tokenizer.pre_tokenizer
        if pre is not None and not (isinstance(pre, Metaspace) and pre.replacement == "\u2581"):
            raise ConfigError(
                f"a .model cannot express the pre-tokenizer {type(pre).__name__}; SentencePiece "
                "only splits its normalized text before each '▁'"
            )
        blob = norm.charsmap.to_bytes()
        return (
            NormalizerSpec(
                name=name or ("identity" if not blob else "user_defined"),
                precompiled_charsmap=blob,
                add_dummy_prefix=norm.add_dummy_prefix,
                remove_extra_whitespaces=norm.remove_extra_whitespaces,
                escape_whitespaces=norm.escape_whitespaces,
            ),
            norm.treat_whitespace_as_suffix,
        )
    # The form tokenlab writes to tokenizer.json (and tokenizers' converters use):
    # [Precompiled] [strip, collapse], then Metaspace.
    pre = tokenizer.pre_tokenizer
    if not isinstance(pre, Metaspace) or pre.replacement != "\u2581":
        raise ConfigError(
            "a .model needs SentencePiece's pipeline (a SentencePiece normalizer, or a "
            "Metaspace pre-tokenizer with '▁'); this tokenizer's pre-tokenizer is "
            f"{type(pre).__name__ if pre is not None else 'none'}"
        )
    stages = list(norm.normalizers) if isinstance(norm, NormalizerSequence) else [norm]
    stages = [s for s in stages if s is not None]
    blob = b""
    first = stages[0] if stages else None
    if isinstance(first, Precompiled):
        blob = first.charsmap.to_bytes()
        stages.pop(0)
    remove = False
    kinds = [(s.pattern, s.content, s.is_regex) if isinstance(s, Replace) else None for s in stages]
    if kinds == [(_STRIP_SPACES, "", True), (_COLLAPSE_SPACES, " ", True)]:
        remove = True
    elif stages:
        raise ConfigError(
            "a .model cannot express this normalizer: SentencePiece has a precompiled "
            "charsmap and whitespace flags only; got " + ", ".join(type(s).__name__ for s in stages)
        )
    return (
        NormalizerSpec(
            name=name or ("identity" if not blob else "user_defined"),
            precompiled_charsmap=blob,
            add_dummy_prefix=pre.prepend_scheme != "never",
            remove_extra_whitespaces=remove,
            escape_whitespaces=True,
        ),
        False,
    )


def _first(pieces: list[tuple[str, float, int]], kinds: tuple[int, ...], text: str) -> int:
    for i, (p, _, t) in enumerate(pieces):
        if t in kinds and p == text:
            return i
    return -1


def write_sentencepiece(tokenizer: Tokenizer, path: str | os.PathLike[str]) -> None:
    """Write ``tokenizer`` as a SentencePiece ``.model`` file (atomically).

    ``sentencepiece.SentencePieceProcessor`` loads the file and encodes as
    tokenlab does (Unigram: up to float32 ties, see the tests).

    Args:
        tokenizer: a tokenizer trained with ``algorithm="sp-bpe"`` or
            ``"unigram"``, read from a ``.model``, or a Unigram ``tokenizer.json``
            with SentencePiece's pipeline.
        path: the output file.

    Raises:
        ConfigError: the tokenizer has no ``.model`` form (e.g. byte-level BPE or
            WordPiece, another pipeline, added tokens that are not pieces), or the
            directory of ``path`` does not exist.
    """
    pieces = _pieces_of(tokenizer)
    norm_spec, suffix = _normalizer_spec(
        tokenizer, getattr(tokenizer.model, "normalizer_name", None)
    )
    denorm = getattr(tokenizer.model, "denormalizer_spec", None)
    proto = ModelProto(
        pieces=[SentencePiece(p, _f32(s), t) for p, s, t in pieces],
        trainer_spec=_trainer_spec(tokenizer.model, pieces, suffix),
        normalizer_spec=norm_spec,
        # The one read from a .model, written back as it was.
        denormalizer_spec=copy.deepcopy(denorm) if isinstance(denorm, NormalizerSpec) else None,
    )
    data = serialize_model(proto)
    parse_model(data, name=os.fspath(path))  # what sentencepiece would refuse, refused here
    check_writable_path(path)
    with atomic_write(path, "wb") as f:
        f.write(data)


def _pieces_of(tokenizer: Tokenizer) -> list[tuple[str, float, int]]:
    """The ``(piece, score, type)`` list a ``.model`` of ``tokenizer`` holds, checked."""
    pieces = piece_types(tokenizer)
    model = tokenizer.model
    if pieces is None:
        why = (
            " with a merge list that is not SentencePiece's (SentencePiece merges by piece "
            "score: the merges must be every split of each piece, in id order; train with "
            "algorithm='sp-bpe' for a .model)"
            if isinstance(model, MergeListBPE)
            else ""
        )
        raise ConfigError(
            f"a .model holds a SentencePiece BPE or Unigram model; this tokenizer's model is "
            f"{type(model).__name__}{why}; save it as tokenizer.json instead"
        )
    for tid, tok in tokenizer.added_tokens:
        if not (0 <= tid < len(pieces) and pieces[tid][0] == tok.content):
            raise ConfigError(
                f"added token {tok.content!r} (id {tid}) is not a piece of the model; a .model "
                "has no added tokens"
            )
    if sum(1 for _, _, t in pieces if t == UNKNOWN) != 1:
        raise ConfigError("a .model needs exactly one unknown piece; this model has none")
    seen: set[str] = set()
    for p, _, _ in pieces:
        if not p or p in seen:
            raise ConfigError(f"a .model needs unique non-empty pieces; {p!r} is not")
        seen.add(p)
    return pieces


def _trainer_spec(model: Any, pieces: list[tuple[str, float, int]], suffix: bool) -> TrainerSpec:
    """The trainer spec of the ``.model``: the model's own (if trained here), updated."""
    stored = getattr(model, "trainer_spec", None)
    spec = copy.deepcopy(stored) if isinstance(stored, TrainerSpec) else TrainerSpec()
    # A merge-list BPE is a SentencePiece BPE model when its merges are exactly the
    # ones its pieces, scored in id order, give (a tokenizer.json written from one).
    is_bpe = isinstance(model, (SentencePieceBPE, MergeListBPE))
    spec.model_type = BPE if is_bpe else UNIGRAM
    spec.vocab_size = len(pieces)
    spec.byte_fallback = bool(getattr(model, "byte_fallback", False))
    spec.treat_whitespace_as_suffix = suffix
    unk = next(i for i, (_, _, t) in enumerate(pieces) if t == UNKNOWN)
    spec.unk_id, spec.unk_piece = unk, pieces[unk][0]
    if not isinstance(stored, TrainerSpec):
        # Without the original spec, bos/eos/pad are the control pieces that carry
        # SentencePiece's default names.
        spec.bos_id = _first(pieces, (CONTROL,), spec.bos_piece)
        spec.eos_id = _first(pieces, (CONTROL,), spec.eos_piece)
        spec.pad_id = _first(pieces, (CONTROL,), spec.pad_piece)
        spec.control_symbols = [
            p
            for i, (p, _, t) in enumerate(pieces)
            if t == CONTROL and i not in (spec.bos_id, spec.eos_id, spec.pad_id)
        ]
        spec.user_defined_symbols = [p for p, _, t in pieces if t == USER_DEFINED]
    for what in ("bos", "eos", "pad"):
        pid = getattr(spec, f"{what}_id")
        if pid >= 0 and not (
            pid < len(pieces) and pieces[pid][0] == getattr(spec, f"{what}_piece")
        ):
            raise ConfigError(
                f"the trainer spec's {what}_id={pid} is not the piece "
                f"{getattr(spec, f'{what}_piece')!r} in this model"
            )
    return spec
