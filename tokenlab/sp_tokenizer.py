"""SentencePiece tokenizers as tokenlab pipelines: the pipeline builder, piece types
and ``tokenlab.train(algorithm="sp-bpe" | "unigram")``.

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
* decoder: ``▁`` back to spaces, byte pieces back to text, the dummy space dropped.

Saved as ``tokenizer.json`` the pipeline takes the form Hugging Face's
SentencePiece converters give it (``Precompiled`` and ``Replace`` normalizers,
``Metaspace``), which ``tokenizers`` loads; see
:meth:`tokenlab.normalizers.SentencePieceNormalization.to_dict` for what that form
cannot say exactly, and :meth:`tokenlab.models.SentencePieceUnigram.to_dict` and
:meth:`tokenlab.models.SentencePieceBPE.to_dict` for the models. The model and
normalizer classes live with the other models and normalizers; their names stay
importable from here.

Not supported: ``treat_whitespace_as_suffix`` and ``escape_whitespaces=False``
have no ``tokenizer.json`` form (they work in tokenlab and in ``.model`` files),
and the denormalizer of a ``.model`` (``denormalizer_spec``) is ignored.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from typing import Any

from .charsmap import CharsMap
from .decoders import ByteFallback, Decoder, Fuse, Strip
from .decoders import Metaspace as MetaspaceDecoder
from .decoders import Replace as ReplaceDecoder
from .decoders import Sequence as DecoderSequence
from .errors import ConfigError, ModelFileError
from .models import BPE, SentencePieceBPE, SentencePieceUnigram, Unigram
from .models._base import BYTE, CONTROL, NORMAL, UNKNOWN, UNUSED, USER_DEFINED
from .normalizers import _COLLAPSE_SPACES as _COLLAPSE_SPACES
from .normalizers import _STRIP_SPACES as _STRIP_SPACES
from .normalizers import SentencePieceNormalization
from .pre_tokenizers import Metaspace, PreTokenizer
from .tokenizer import Tokenizer

__all__ = [
    "SENTENCEPIECE_NORMALIZATIONS",
    "SentencePieceNormalization",
    "SentencePieceUnigram",
    "piece_types",
    "sentencepiece_tokenizer",
    "train_sentencepiece",
]

SPACE = "\u2581"
#: The normalizations ``tokenlab.train`` offers for SentencePiece models.
SENTENCEPIECE_NORMALIZATIONS = ("nmt_nfkc", "identity")


def _f32(x: float) -> float:
    """``x`` rounded to float32, the precision of scores in a ``.model`` file."""
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


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


def sentencepiece_tokenizer(
    model: SentencePieceBPE | SentencePieceUnigram,
    charsmap: bytes | CharsMap | None = None,
    *,
    add_dummy_prefix: bool = True,
    remove_extra_whitespaces: bool = True,
    escape_whitespaces: bool = True,
    treat_whitespace_as_suffix: bool = False,
) -> Tokenizer:
    """The tokenlab pipeline of a SentencePiece model.

    Args:
        model: the model.
        charsmap: the precompiled charsmap, as bytes or compiled (None or
            empty: ``identity``).
        add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces,
            treat_whitespace_as_suffix: SentencePiece's normalizer flags.

    Returns:
        A :class:`~tokenlab.tokenizer.Tokenizer` that encodes as
        ``sentencepiece.SentencePieceProcessor`` does with the same model.
    """
    norm = SentencePieceNormalization(
        charsmap,
        add_dummy_prefix=add_dummy_prefix,
        remove_extra_whitespaces=remove_extra_whitespaces,
        escape_whitespaces=escape_whitespaces,
        treat_whitespace_as_suffix=treat_whitespace_as_suffix,
    )
    typed = model.pieces if isinstance(model, SentencePieceBPE) else model.typed_pieces
    pre: PreTokenizer | None = None
    if escape_whitespaces and not treat_whitespace_as_suffix and _splits_per_word(typed):
        pre = Metaspace(prepend_scheme="always" if add_dummy_prefix else "never", split=True)
    scheme = "always" if add_dummy_prefix and not treat_whitespace_as_suffix else "never"
    decoder: Decoder
    if model.byte_fallback:
        steps: list[Decoder] = [
            ReplaceDecoder(SPACE, " "),
            ByteFallback(),
            Fuse(),
        ]
        if scheme == "always":
            steps.append(Strip(" ", 1, 0))
        decoder = DecoderSequence(steps)
    else:
        decoder = MetaspaceDecoder(prepend_scheme=scheme)
    return Tokenizer(model, normalizer=norm, pre_tokenizer=pre, decoder=decoder)


def _rules_for(normalization: str | bytes | None) -> CharsMap | None:
    # nmt_nfkc: the compiled rules themselves (built once per process), not a blob to
    # read back.
    if normalization is None or normalization == "identity":
        return None
    if isinstance(normalization, (bytes, bytearray)):
        return CharsMap.from_bytes(bytes(normalization)) if normalization else None
    if normalization == "nmt_nfkc":
        return CharsMap.nmt_nfkc()
    raise ConfigError(
        f"unknown SentencePiece normalization {normalization!r}; use one of "
        f"{', '.join(SENTENCEPIECE_NORMALIZATIONS)} (or a precompiled charsmap as bytes)"
    )


def train_sentencepiece(
    files_or_iterator: Any,
    algorithm: str,
    vocab_size: int,
    normalization: str | bytes | None = "nmt_nfkc",
    show_progress: bool = True,
    errors: str = "strict",
    **trainer_kwargs: Any,
) -> Tokenizer:
    """Train a SentencePiece-style tokenizer (``"sp-bpe"`` or ``"unigram"``).

    What :func:`tokenlab.train` runs for these algorithms; see there.
    """
    from .corpus import iter_lines, require_text
    from .export.sentencepiece_proto import BPE, UNIGRAM, TrainerSpec
    from .sentencepiece_bpe import SentencePieceBPETrainer
    from .unigram import UnigramTrainer

    if "normalizer" in trainer_kwargs:
        raise ConfigError(
            "pass the SentencePiece normalization as normalizer='nmt_nfkc' or 'identity'"
        )
    rules = _rules_for(normalization)
    trainer_cls = SentencePieceBPETrainer if algorithm == "sp-bpe" else UnigramTrainer
    try:
        trainer = trainer_cls(
            vocab_size=vocab_size,
            normalizer=rules.normalize_str if rules is not None else None,
            show_progress=show_progress,
            **trainer_kwargs,
        )
    except TypeError as e:
        raise ConfigError(f"{algorithm}: {e}") from None
    from .counts import WordCounts

    trained: Any
    if isinstance(files_or_iterator, WordCounts):  # from tokenlab.train_from_counts
        trained = trainer.train_from_counts(files_or_iterator)
    elif isinstance(files_or_iterator, (str, os.PathLike, list, tuple)):
        # Counted in blocks by num_threads processes; lines over max_sentence_length
        # are dropped while reading, so a huge line is never held whole.
        trained = trainer.train_from_files(
            files_or_iterator,
            errors=errors,
            check_text=lambda: list(
                require_text(
                    iter_lines(
                        files_or_iterator, errors=errors, skip_over=trainer.max_sentence_length
                    )
                )
            ),
        )
    else:
        # a corpus of whitespace alone is refused for every algorithm, with one message
        trained = trainer.train_from_sentences(require_text(files_or_iterator))
    types = {pid: kind for pid, (_, kind) in trainer.meta.items()}
    model: SentencePieceBPE | SentencePieceUnigram
    if isinstance(trained, SentencePieceBPE):
        model = trained
    else:
        # Scores as a .model stores them (float32), so that writing one loses nothing.
        model = SentencePieceUnigram(
            [(p, _f32(s), types.get(i, NORMAL)) for i, (p, s) in enumerate(trained.pieces)],
            byte_fallback=trainer.byte_fallback,
        )
    spec = TrainerSpec(
        model_type=BPE if algorithm == "sp-bpe" else UNIGRAM,
        vocab_size=len(model.pieces),
        character_coverage=trainer.character_coverage,
        max_sentencepiece_length=trainer.max_sentencepiece_length,
        split_by_number=trainer.split_by_number,
        split_digits=trainer.split_digits,
        byte_fallback=trainer.byte_fallback,
        control_symbols=list(trainer.control_symbols),
        user_defined_symbols=list(trainer.user_defined_symbols),
        unk_id=trainer.unk_id,
        bos_id=trainer.bos_id,
        eos_id=trainer.eos_id,
        pad_id=trainer.pad_id,
        unk_piece=trainer.unk_piece,
        bos_piece=trainer.bos_piece,
        eos_piece=trainer.eos_piece,
        pad_piece=trainer.pad_piece,
        max_sentence_length=trainer.max_sentence_length,
        num_threads=1,
    )
    if isinstance(trainer, SentencePieceBPETrainer):
        spec.split_by_unicode_script = trainer.split_by_unicode_script
        spec.treat_whitespace_as_suffix = trainer.treat_whitespace_as_suffix
    else:
        spec.seed_sentencepiece_size = trainer.seed_sentencepiece_size
        spec.shrinking_factor = trainer.shrinking_factor
        spec.num_sub_iterations = trainer.num_sub_iterations
    model.trainer_spec = spec  # type: ignore[union-attr]
    model.normalizer_name = (  # type: ignore[union-attr]
        normalization if isinstance(normalization, str) else "user_defined"
    )
    return sentencepiece_tokenizer(
        model,
        rules,
        add_dummy_prefix=trainer.add_dummy_prefix,
        remove_extra_whitespaces=trainer.remove_extra_whitespaces,
        treat_whitespace_as_suffix=getattr(trainer, "treat_whitespace_as_suffix", False),
    )
