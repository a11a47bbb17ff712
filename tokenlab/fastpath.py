"""Which native encoder serves a pipeline: the fast paths of :class:`~tokenlab.Tokenizer`.

The common pipelines are encoded by one native call per text, which gives
exactly the ids, offsets and word indices of the general (component by
component) path; the Encoding builds its lists only when they are read:

* byte-level BPE (no normalizer; HF's ByteLevel pre-tokenizer, or a
  gpt2/cl100k/o200k Split followed by ByteLevel without regex; a byte-level
  BPE or tiktoken model): ``ByteLevelEncoder`` (``_encode.pxi`` / ``_pyencode.py``);
* SentencePiece (SentencePiece's normalizer or none, Metaspace or no
  pre-tokenizer, a Unigram or SentencePiece BPE model): ``SentencePieceEncoder``
  (``_spencode.pxi`` / ``_pyspencode.py``);
* BERT (WordPiece after BertPreTokenizer): ``BertEncoder`` (``_bertencode.pxi``).

Each function returns None for a pipeline it does not cover; the tokenizer then
runs its components. The recognizers match exact types (``type(x) is``): a
subclass may change what a component does, so it takes the general path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._backend import BertEncoder, ByteLevelEncoder, SentencePieceEncoder, UnigramLattice
from ._pieces import NORMAL, UNUSED, USER_DEFINED
from .corpus import bert_word_rules
from .models import (
    BPE,
    Model,
    SentencePieceBPE,
    SentencePieceUnigram,
    TiktokenBPE,
    Unigram,
    WordPiece,
)
from .normalizers import SentencePieceNormalization, SentencePieceNormalizer
from .pre_tokenizers import Metaspace, byte_level_setup, unicode_to_bytes

__all__ = [
    "bert_encoder",
    "fast_encoder",
    "fast_split",
    "sentencepiece_encoder",
    "sentencepiece_encoder_args",
    "sentencepiece_segmenter",
]


def fast_split(pre: Any) -> tuple[str | None, bool] | None:
    """``(scanner name or None, add_prefix_space)`` when ``pre`` is a byte-level set-up
    whose split the native scanner runs (None: no split, the whole text is one piece)."""
    setup = byte_level_setup(pre)
    if setup is None:
        return None
    if setup.pattern is None:
        return None, setup.add_prefix_space
    name = setup.scan_name
    return None if name is None else (name, setup.add_prefix_space)


def fast_encoder(model: Model, normalizer: Any, pre: Any) -> Any:
    """The native encoder of a pipeline, or None when it is not one it covers.

    Args:
        model: the tokenizer's model.
        normalizer: its normalizer (or None).
        pre: its pre-tokenizer (or None).

    Returns:
        A ``ByteLevelEncoder`` or ``SentencePieceEncoder`` that encodes texts as
        the pipeline does, or None.
    """
    if isinstance(model, (Unigram, SentencePieceBPE)):
        return sentencepiece_encoder(model, normalizer, pre)
    if normalizer is not None or pre is None:
        return None
    split = fast_split(pre)
    if split is None:
        return None
    pattern, prefix = split
    if type(model) is TiktokenBPE:
        return ByteLevelEncoder.from_ranks(pattern, model.ranks, prefix)
    if (
        type(model) is not BPE
        or model.continuing_subword_prefix
        or model.end_of_word_suffix
        or model.dropout
    ):
        return None  # dropout is random per call: only the model's own loop does it
    to_byte = unicode_to_bytes()
    vocab = model.vocab
    chars = sorted(to_byte, key=to_byte.__getitem__)
    if any(ch not in vocab for ch in chars):
        return None  # a byte without a token: unk / byte-fallback rules apply
    byte_ids = [vocab[ch] for ch in chars]
    whole = None
    if model.ignore_merges:
        whole = {
            bytes(to_byte[c] for c in token): tid
            for token, tid in vocab.items()
            if all(c in to_byte for c in token)
        }
    return ByteLevelEncoder(pattern, prefix, byte_ids, model._triples, whole)


def sentencepiece_encoder(model: Any, normalizer: Any, pre: Any) -> Any:
    """The native encoder of a SentencePiece-style pipeline, or None when it is not one.

    Covered: no normalizer or SentencePiece's; no pre-tokenizer or Metaspace; a
    Unigram model with an unknown token, or a SentencePiece BPE model (both
    segmented natively; see sentencepiece_segmenter) (SentencePieceEncoder, in
    _spencode.pxi / _pyspencode.py). That is every pipeline ``tokenlab.train`` and
    ``.model`` files give for those models.
    """
    args = sentencepiece_encoder_args(model, normalizer, pre)
    if args is None:
        return None
    return SentencePieceEncoder(sentencepiece_segmenter(model, UnigramLattice), *args)


def sentencepiece_segmenter(model: Any, lattice_class: Any) -> Any:
    """SentencePieceEncoder's first argument for ``model`` (lattices of ``lattice_class``).

    A Unigram model: its lattice. A SentencePiece BPE model of normal pieces: a
    lattice of them (merged natively by score) with the model's word function for
    very long words; with user-defined or unused pieces: the word function alone.
    """
    if not isinstance(model, SentencePieceBPE):
        if lattice_class is UnigramLattice:
            return model._lattice
        return lattice_class(*model._lattice_args)
    if any(kind in (USER_DEFINED, UNUSED) for _, _, kind in model.pieces):
        return model.tokenize
    pieces = [p if kind == NORMAL else None for p, _, kind in model.pieces]
    lattice = lattice_class(pieces, [s for _, s, _ in model.pieces], model.unk_id, 0.0)
    return lattice, model.tokenize


def sentencepiece_encoder_args(model: Any, normalizer: Any, pre: Any) -> tuple[Any, ...] | None:
    """SentencePieceEncoder's arguments after the first (see above), or None."""
    if type(model) not in (Unigram, SentencePieceUnigram, SentencePieceBPE):
        return None
    if model.unk_id is None:
        return None
    norm = None
    if normalizer is not None:
        if type(normalizer) not in (SentencePieceNormalizer, SentencePieceNormalization):
            return None
        norm = (
            normalizer.charsmap,
            normalizer.add_dummy_prefix,
            normalizer.remove_extra_whitespaces,
            normalizer.escape_whitespaces,
            normalizer.treat_whitespace_as_suffix,
        )
    meta = None
    if pre is not None:
        if type(pre) is not Metaspace:
            return None
        # "first" is "always" here: the pipeline splits each text from its start.
        meta = (pre.replacement, pre.prepend_scheme != "never", pre.split_words)
    byte_ids = None
    if model.byte_fallback:
        byte_ids = [model.vocab.get(f"<0x{b:02X}>") for b in range(256)]
    return model.unk_id, byte_ids, norm, meta


def bert_encoder(model: Model, normalizer: Any, pre: Any, fallback: Callable[..., Any]) -> Any:
    """The native encoder of a BERT pipeline (WordPiece after BertPreTokenizer), or None.

    It encodes a text in one pass, char by char (see
    :func:`tokenlab.corpus.bert_char_rule`), and hands the rare text the per-char rules
    do not cover to ``fallback``, the general pipeline.

    Args:
        model, normalizer, pre: the pipeline's components.
        fallback: ``fallback(text, base, word_base)`` gives the encoder's columns
            of ``text`` from the general pipeline.

    Returns:
        A ``BertEncoder``, or None.
    """
    if type(model) is not WordPiece:
        return None
    rules = bert_word_rules(normalizer, pre)
    if rules is None:
        return None
    table, rule = rules
    return BertEncoder(table, model._encoder, fallback, rule)
