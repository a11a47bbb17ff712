"""SentencePiece tokenizers as tokenlab pipelines: the pipeline builder and piece types.
Training them is :func:`tokenlab.api.train_sentencepiece`.

A SentencePiece tokenizer (Kudo and Richardson, 2018) is, as a tokenlab
:class:`~tokenlab.tokenizer.Tokenizer`:

* normalizer: :class:`~tokenlab.normalizers.SentencePieceNormalization`, exactly
  ``SentencePieceProcessor.normalize`` (the precompiled charsmap, whitespace
  cleanup, the dummy ``▁`` prefix, spaces as ``▁``), with alignments, so offsets
  index the original text;
* pre-tokenizer: ``Metaspace(split=True)``, which only cuts the already escaped
  text before each ``▁`` (the model gives the same result on the whole sentence
  as long as no piece has ``▁`` after its first char; otherwise there is no
  pre-tokenizer and the model sees the whole sentence);
* model: :class:`~tokenlab.models.SentencePieceBPE` (merging by piece score) or
  :class:`~tokenlab.models.SentencePieceUnigram` (Viterbi with SentencePiece's
  piece types);
* decoder: :class:`~tokenlab.decoders.SentencePieceDecoder`, sentencepiece's own
  rules: ``▁`` back to spaces, byte pieces back to text, the dummy space dropped,
  control pieces invisible, the unknown piece written `` ⁇ `` (the ``unk_surface``),
  then the ``.model``'s denormalizer; and :class:`SentencePieceTokenizer` refuses
  an id outside the vocabulary, as sentencepiece does.

Saved as ``tokenizer.json`` the pipeline takes the form Hugging Face's
SentencePiece converters give it (``Precompiled`` and ``Replace`` normalizers,
``Metaspace``), which ``tokenizers`` loads; see
:meth:`tokenlab.normalizers.SentencePieceNormalization.to_dict` for what that form
cannot say exactly, and :meth:`tokenlab.models.SentencePieceUnigram.to_dict` and
:meth:`tokenlab.models.SentencePieceBPE.to_dict` for the models. The model and
normalizer classes live with the other models and normalizers; their names stay
importable from here.

Not supported: ``treat_whitespace_as_suffix``, ``escape_whitespaces=False`` and
user-defined pieces (which sentencepiece keeps out of normalization) have no
``tokenizer.json`` form (they work in tokenlab and in ``.model`` files); nor do the
denormalizer and sentencepiece's decoding rules: a ``tokenizer.json`` holds Hugging
Face's decoder chain, and decodes as ``tokenizers`` does.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from typing import Any

from ._defaults import SENTENCEPIECE_NORMALIZATIONS as SENTENCEPIECE_NORMALIZATIONS
from ._pieces import BYTE, CONTROL, NORMAL, UNKNOWN, UNUSED, USER_DEFINED
from .charsmap import CharsMap
from .decoders import ByteFallback, Decoder, Fuse, SentencePieceDecoder, Strip
from .decoders import Metaspace as MetaspaceDecoder
from .decoders import Replace as ReplaceDecoder
from .decoders import Sequence as DecoderSequence
from .errors import ConfigError, ModelFileError, TokenIdError
from .models import BPE, SentencePieceBPE, SentencePieceUnigram, Unigram
from .normalizers import _COLLAPSE_SPACES as _COLLAPSE_SPACES
from .normalizers import _STRIP_SPACES as _STRIP_SPACES
from .normalizers import Normalizer, SentencePieceNormalization
from .pre_tokenizers import Metaspace, PreTokenizer
from .tokenizer import Tokenizer

#: What sentencepiece decodes its unknown piece to (``DecodeIds`` without options).
UNK_SURFACE = " \u2047 "

__all__ = [
    "SENTENCEPIECE_NORMALIZATIONS",
    "SentencePieceNormalization",
    "SentencePieceTokenizer",
    "SentencePieceUnigram",
    "piece_types",
    "sentencepiece_tokenizer",
]

SPACE = "\u2581"


def piece_types(tokenizer: Tokenizer) -> list[tuple[str, float, int]] | None:
    """``(piece, score, type)`` per id of a SentencePiece-style model, or None.

    For a plain :class:`~tokenlab.models.Unigram` (e.g. loaded from a
    ``tokenizer.json``) the types are inferred: the unknown piece, ``<0xNN>``
    pieces under byte fallback, special added tokens as control pieces, other
    added tokens as user-defined pieces, the other pieces of the leading run of
    score-0 pieces as control pieces (SentencePiece puts ``<s>``, ``</s>``, ... there
    with score 0; learned pieces have negative scores), the rest normal.
    """
    model = tokenizer.model
    if isinstance(model, SentencePieceBPE):
        return list(model.pieces)
    if isinstance(model, BPE):
        return _pieces_of_merge_list(model)
    if isinstance(model, SentencePieceUnigram):
        return model.typed_pieces
    if isinstance(model, Unigram):
        added = {tid: tok for tid, tok in tokenizer.added_tokens}
        out: list[tuple[str, float, int]] = []
        leading = True
        for i, (p, s) in enumerate(model.pieces):
            kind = NORMAL
            if i == model.unk_id:
                kind = UNKNOWN
            elif i in added:
                kind = CONTROL if added[i].special else USER_DEFINED
            elif model.byte_fallback and len(p) == 6 and p.startswith("<0x") and p.endswith(">"):
                kind = BYTE
            elif leading and s == 0.0:
                kind = CONTROL
            else:
                leading = False
            out.append((p, s, kind))
        return out
    return None


def _pieces_of_merge_list(model: Any) -> list[tuple[str, float, int]] | None:
    """The SentencePiece BPE pieces a merge-list BPE came from, or None.

    That is the case of a ``tokenizer.json`` written from a SentencePiece BPE
    model (:meth:`~tokenlab.models.SentencePieceBPE.to_dict`): pieces in id
    order, scored ``-k`` by their rank among the normal pieces (what both
    trainers give), must give back exactly the same merge list. A piece no merge
    makes and longer than one char is a control piece (``<s>``, ...).
    """
    if (
        model.continuing_subword_prefix
        or model.end_of_word_suffix
        or model.unk_token is None
        or not model.fuse_unk
    ):
        return None
    by_id = sorted(model.vocab.items(), key=lambda kv: kv[1])
    if [i for _, i in by_id] != list(range(len(by_id))):
        return None
    made = {a + b for a, b in model.merges}
    pieces: list[tuple[str, float, int]] = []
    k = 0
    for piece, _ in by_id:
        if piece == model.unk_token:
            pieces.append((piece, 0.0, UNKNOWN))
        elif model.byte_fallback and len(piece) == 6 and piece.startswith("<0x"):
            pieces.append((piece, 0.0, BYTE))
        elif len(piece) > 1 and piece not in made:
            pieces.append((piece, 0.0, CONTROL))
        else:
            pieces.append((piece, -float(k), NORMAL))
            k += 1
    try:
        candidate = SentencePieceBPE(pieces, byte_fallback=model.byte_fallback)
        if candidate.hf_merges() != model.merges:
            return None
    except (ConfigError, ModelFileError):
        return None
    return pieces


def _splits_per_word(pieces: Iterable[tuple[str, float, int]]) -> bool:
    # Cutting before every "▁" changes nothing when no matchable piece holds "▁"
    # after its first char.
    return all(SPACE not in p[1:] for p, _, t in pieces if t in (NORMAL, USER_DEFINED, UNUSED))


#: What the unknown piece stands for while the byte-fallback chain fuses the pieces: one
#: char no piece of a real model holds (the last private-use code point).
_UNK_MARK = "\U0010fffd"


def _with_unk_surface(decoder: Decoder, unk: str) -> Decoder:
    """``decoder`` writing the unknown piece as sentencepiece does: `` ⁇ `` (its
    unk_surface), after the dummy prefix is dropped, so a leading unknown keeps its space.

    Replace works on each piece, so the unknown piece is matched whole (text that spells
    "<unk>" in other pieces stays); where Fuse joins the pieces first, the unknown piece
    becomes a mark before the join and the surface after the dummy prefix is stripped.
    """
    steps = decoder.decoders if isinstance(decoder, DecoderSequence) else [decoder]
    if any(isinstance(step, Fuse) for step in steps):
        head = [ReplaceDecoder(unk, _UNK_MARK)]
        return DecoderSequence([*head, *steps, ReplaceDecoder(_UNK_MARK, UNK_SURFACE)])
    return DecoderSequence([*steps, ReplaceDecoder(unk, UNK_SURFACE)])


def _tokenizer_json_decoder(
    model: SentencePieceBPE | SentencePieceUnigram, add_dummy_prefix: bool
) -> Decoder:
    """The decoder a ``tokenizer.json`` of the pipeline holds: Hugging Face's converters'
    (``Metaspace``, or ``Replace``/``ByteFallback``/``Fuse``/``Strip`` with byte fallback),
    the unknown piece written `` ⁇ ``."""
    decoder: Decoder
    if model.byte_fallback:
        steps: list[Decoder] = [
            ReplaceDecoder(SPACE, " "),
            ByteFallback(),
            Fuse(),
        ]
        if add_dummy_prefix:
            steps.append(Strip(" ", 1, 0))
        decoder = DecoderSequence(steps)
    else:
        decoder = MetaspaceDecoder(prepend_scheme="always" if add_dummy_prefix else "never")
    unk_id = getattr(model, "unk_id", None)
    unk = model.id_to_token(unk_id) if unk_id is not None else None
    if unk:
        decoder = _with_unk_surface(decoder, unk)
    return decoder


class SentencePieceTokenizer(Tokenizer):
    """A SentencePiece pipeline (read from a ``.model`` or trained here): a
    :class:`~tokenlab.tokenizer.Tokenizer` that decodes as ``sentencepiece`` does.

    Its decoder is a :class:`~tokenlab.decoders.SentencePieceDecoder`, and
    :meth:`decode` refuses an id outside the vocabulary, as sentencepiece does (a
    pipeline loaded from a ``tokenizer.json`` skips such an id, as ``tokenizers`` does).
    """

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        """Turn ids back into text, as ``SentencePieceProcessor.decode`` does.

        Args:
            ids: token ids.
            skip_special_tokens: leave special added tokens out. Control pieces
                (``<s>``, ``</s>``, ...) are invisible either way, as in sentencepiece.

        Returns:
            The text.

        Raises:
            TokenIdError: an id is outside the vocabulary (negative, or at least the
                vocabulary size, and no added token's).
            ConfigError: an id is not an integer.
        """
        ids = list(ids)
        size = self.model.get_vocab_size()
        try:
            in_range = not ids or (min(ids) >= 0 and max(ids) < size)
        except TypeError:
            in_range = False  # not all numbers: _check_ids looks at each
        if not in_range:
            self._check_ids(ids, size)
        return super().decode(ids, skip_special_tokens)

    def _check_ids(self, ids: list[Any], size: int) -> None:
        """Refuse the first id outside the vocabulary that no added token has."""
        added = self._added.by_id
        for i in ids:
            try:
                i = operator.index(i)  # numpy integers too
            except TypeError:
                continue  # Tokenizer.decode names the value that is no id
            if not 0 <= i < size and i not in added:
                raise TokenIdError(
                    f"id {i} is not a piece of this SentencePiece model: its vocabulary has "
                    f"{size} pieces (ids 0 to {size - 1}); sentencepiece refuses such an id "
                    "too: drop it, or map it to a piece, before decoding"
                )


def sentencepiece_tokenizer(
    model: SentencePieceBPE | SentencePieceUnigram,
    charsmap: bytes | CharsMap | None = None,
    *,
    add_dummy_prefix: bool = True,
    remove_extra_whitespaces: bool = True,
    escape_whitespaces: bool = True,
    treat_whitespace_as_suffix: bool = False,
    unk_surface: str = UNK_SURFACE,
    denormalizer: Normalizer | None = None,
) -> SentencePieceTokenizer:
    """The tokenlab pipeline of a SentencePiece model.

    Args:
        model: the model.
        charsmap: the precompiled charsmap, as bytes or compiled (None or
            empty: ``identity``).
        add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces,
            treat_whitespace_as_suffix: SentencePiece's normalizer flags.
        unk_surface: what ``decode`` writes for the unknown piece (the trainer spec's).
        denormalizer: what ``decode`` applies to its result (a ``.model``'s
            ``denormalizer_spec``, as a :class:`~tokenlab.normalizers.SentencePieceNormalizer`).

    Returns:
        A :class:`SentencePieceTokenizer` that encodes and decodes as
        ``sentencepiece.SentencePieceProcessor`` does with the same model.
    """
    typed = model.pieces if isinstance(model, SentencePieceBPE) else model.typed_pieces
    # sentencepiece keeps its user-defined pieces out of normalization.
    norm = SentencePieceNormalization(
        charsmap,
        add_dummy_prefix=add_dummy_prefix,
        remove_extra_whitespaces=remove_extra_whitespaces,
        escape_whitespaces=escape_whitespaces,
        treat_whitespace_as_suffix=treat_whitespace_as_suffix,
        user_defined_symbols=[p for p, _, kind in typed if kind == USER_DEFINED],
    )
    pre: PreTokenizer | None = None
    if escape_whitespaces and not treat_whitespace_as_suffix and _splits_per_word(typed):
        pre = Metaspace(prepend_scheme="always" if add_dummy_prefix else "never", split=True)
    decoder = SentencePieceDecoder(
        typed,
        add_dummy_prefix=add_dummy_prefix,
        remove_extra_whitespaces=remove_extra_whitespaces,
        unk_surface=unk_surface,
        denormalizer=denormalizer,
        json_form=_tokenizer_json_decoder(
            model, add_dummy_prefix and not treat_whitespace_as_suffix
        ),
    )
    return SentencePieceTokenizer(model, normalizer=norm, pre_tokenizer=pre, decoder=decoder)
