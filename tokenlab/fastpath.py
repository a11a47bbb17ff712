"""Which native encoder serves a pipeline: the fast paths of :class:`~tokenlab.Tokenizer`.

The common pipelines are encoded by one native call per text, which gives
exactly the ids, offsets and word indices of the general (component by
component) path; the Encoding builds its lists only when they are read:

* byte-level BPE (no normalizer, or one run in Python first: NormalizingEncoder;
  HF's ByteLevel pre-tokenizer, or a
  gpt2/cl100k/o200k Split followed by ByteLevel without regex; a byte-level
  BPE or tiktoken model): ``ByteLevelEncoder`` (``_encode.pxi`` / ``_pyencode.py``);
* SentencePiece (SentencePiece's normalizer or none, Metaspace or no
  pre-tokenizer, a Unigram or SentencePiece BPE model): ``SentencePieceEncoder``
  (``_spencode.pxi`` / ``_pyspencode.py``);
* BERT (WordPiece after BertPreTokenizer): ``BertEncoder`` (``_bertencode.pxi``).

Decoding has a fast path too: with a ``ByteLevel`` or ``WordPiece`` decoder, what
each id contributes to the text never depends on its neighbours (the first token
aside, for WordPiece), so :func:`decode_table` precomputes it per id and a decode
is one lookup per id and one join (:class:`ByteLevelDecodeTable`,
:class:`WordPieceDecodeTable`).

Each function returns None for a pipeline it does not cover; the tokenizer then
runs its components. The recognizers match exact types (``type(x) is``): a
subclass may change what a component does, so it takes the general path.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Callable
from typing import Any

from ._backend import BertEncoder, ByteLevelEncoder, SentencePieceEncoder, UnigramLattice
from ._pieces import NORMAL, UNUSED, USER_DEFINED
from .corpus import bert_word_rules
from .decoders import ByteLevel as ByteLevelDecoder
from .decoders import WordPiece as WordPieceDecoder
from .decoders import wordpiece_cleanup
from .models import (
    BPE,
    Model,
    SentencePieceBPE,
    SentencePieceUnigram,
    TiktokenBPE,
    Unigram,
    WordPiece,
)
from .normalizers import (
    NFC,
    NFD,
    NFKC,
    NFKD,
    Lowercase,
    Nmt,
    NormalizedString,
    Normalizer,
    Precompiled,
    Prepend,
    Replace,
    SentencePieceNormalization,
    SentencePieceNormalizer,
    Sequence,
    Strip,
    StripAccents,
)
from .pre_tokenizers import Metaspace, byte_level_setup, unicode_to_bytes

__all__ = [
    "ByteLevelDecodeTable",
    "NormalizingEncoder",
    "WordPieceDecodeTable",
    "bert_encoder",
    "byte_level_encoder",
    "decode_table",
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


#: Bytes no UTF-8 encoding holds (nor the surrogates' three-byte form the encoders use).
_NEVER_IN_UTF8 = frozenset((0xC0, 0xC1, *range(0xF5, 0x100)))

#: Normalizers a :class:`NormalizingEncoder` runs before a byte-level encoder (exact
#: types; a ``Sequence`` of them too): each rewrites the text alone, aligning every
#: char of its output with the original, which is all the general path asks of it.
_TEXT_NORMALIZERS: tuple[type[Normalizer], ...] = (NFC, NFD, NFKC, NFKD, Lowercase, Replace)
_TEXT_NORMALIZERS += (Strip, StripAccents, Nmt, Prepend, Precompiled)

#: The stages whose "leaves this text as it is" has a quick test (the Unicode form's
#: name; None for Lowercase, which keeps the alignment whenever it keeps the length).
_QUICK = {NFC: "NFC", NFD: "NFD", NFKC: "NFKC", NFKD: "NFKD", Lowercase: None}


def _stages(normalizer: Any) -> list[Normalizer] | None:
    """The stages of ``normalizer`` in order (Sequences flattened), or None when one is
    not a text normalizer (see ``_TEXT_NORMALIZERS``)."""
    if type(normalizer) is Sequence:
        out: list[Normalizer] = []
        for stage in normalizer.normalizers:
            inner = _stages(stage)
            if inner is None:
                return None
            out += inner
        return out
    return [normalizer] if type(normalizer) in _TEXT_NORMALIZERS else None


class NormalizingEncoder:
    """A byte-level encoder behind a normalizer: the text is normalized in Python, the
    normalized text encoded natively, and the offsets mapped back to the original.

    The offsets follow the normalizer's alignment exactly as the general path does
    (``NormalizedString.original_span``, which is tokenizers' rule). Most texts are
    already in the form a Unicode normalizer makes (``unicodedata.is_normalized``);
    those are encoded as they are, with no alignment to build.

    Args:
        encoder: the native ``ByteLevelEncoder`` of the pipeline without its normalizer.
        normalizer: the normalizer.
        stages: its stages in order (see ``_stages``).
    """

    def __init__(self, encoder: Any, normalizer: Normalizer, stages: list[Normalizer]) -> None:
        self._encoder = encoder
        self._normalizer = normalizer
        quick = all(type(stage) in _QUICK for stage in stages)
        self._quick: list[tuple[str | None, Normalizer]] | None = (
            [(_QUICK[type(stage)], stage) for stage in stages] if quick else None
        )

    def _unchanged(self, text: str) -> str | None:
        """The normalized text when its alignment is char for char (no mapping), or None."""
        quick = self._quick
        if quick is None:
            return None
        for form, stage in quick:
            if form is None:
                lowered = stage.normalize_str(text)
                if len(lowered) != len(text):
                    return None
                text = lowered
            elif not (text.isascii() or unicodedata.is_normalized(form, text)):  # type: ignore[arg-type]
                return None
        return text

    def _normalize(self, text: str) -> tuple[str, NormalizedString | None]:
        """The normalized text and its alignment (None: each char aligned with itself)."""
        same = self._unchanged(text)
        if same is not None:
            return same, None
        ns = self._normalizer.normalize(NormalizedString.from_str(text))
        return ns.normalized, ns

    def _text(self, text: str) -> str:
        same = self._unchanged(text)
        return self._normalizer.normalize_str(text) if same is None else same

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``."""
        return self._encoder.encode(self._text(_as_str(text)))

    def encode_many(self, texts: list[str]) -> list[list[int]]:
        """``[self.encode(t) for t in texts]``."""
        return self._encoder.encode_many([self._text(_as_str(t)) for t in texts])

    def encode_columns(
        self, text: str, base: int = 0, word_base: int = 0
    ) -> tuple[list[int], bytes, int]:
        """Ids, offsets (in ``text``) and word indices: ``ByteLevelEncoder.encode_columns``."""
        normalized, ns = self._normalize(_as_str(text))
        if ns is None:
            return self._encoder.encode_columns(normalized, base, word_base)
        ids, cols, words = self._encoder.encode_columns(normalized, 0, word_base)
        data = array("q")
        data.frombytes(cols)
        _map_back(data, len(ids), 0, len(ids), ns, base)
        return ids, data.tobytes(), words

    def encode_many_columns(self, texts: list[str]) -> tuple[bytes, bytes]:
        """:meth:`encode_columns` of every text: ``ByteLevelEncoder.encode_many_columns``."""
        done = [self._normalize(_as_str(t)) for t in texts]
        cols, counts = self._encoder.encode_many_columns([t for t, _ in done])
        if all(ns is None for _, ns in done):
            return cols, counts
        data = array("q")
        data.frombytes(cols)
        total = len(data) // 4
        pos = 0
        for (_, ns), count in zip(done, memoryview(counts).cast("q").tolist()):
            if ns is not None:
                _map_back(data, total, pos, pos + count, ns, 0)
            pos += count
        return data.tobytes(), counts


def _as_str(text: Any) -> str:
    # The native encoder's own check, before Python's normalization sees the text.
    if not isinstance(text, str):
        raise TypeError(f"texts must be str, got {type(text).__name__}")
    return text


def _map_back(data: Any, total: int, lo: int, hi: int, ns: NormalizedString, base: int) -> None:
    """Map the offsets of tokens ``lo:hi`` (columns of ``total`` values: ids, starts,
    ends, words) from ``ns.normalized`` to ``ns.original``, plus ``base``, in place."""
    span = ns.original_span
    for k in range(total + lo, total + hi):
        start, end = span(data[k], data[k + total])
        data[k] = base + start
        data[k + total] = base + end


def fast_encoder(model: Model, normalizer: Any, pre: Any) -> Any:
    """The native encoder of a pipeline, or None when it is not one it covers.

    Args:
        model: the tokenizer's model.
        normalizer: its normalizer (or None).
        pre: its pre-tokenizer (or None).

    Returns:
        A ``ByteLevelEncoder`` (a :class:`NormalizingEncoder` around one for a text
        normalizer) or ``SentencePieceEncoder`` that encodes texts as the pipeline
        does, or None.
    """
    if isinstance(model, (Unigram, SentencePieceBPE)):
        return sentencepiece_encoder(model, normalizer, pre)
    stages: list[Normalizer] = []
    if normalizer is not None:
        found = _stages(normalizer)
        if found is None:
            return None
        stages = found
    encoder = byte_level_encoder(model, pre)
    if encoder is None or not stages:
        return encoder  # an empty Sequence normalizer changes nothing
    return NormalizingEncoder(encoder, normalizer, stages)


def byte_level_encoder(model: Model, pre: Any) -> Any:
    """The native ``ByteLevelEncoder`` of a pipeline without normalizer, or None.

    Covered: a byte-level set-up of ``pre`` whose split has a native scanner (see
    :func:`fast_split`), and a tiktoken model or a byte-level BPE model with a token
    for every byte (no subword prefix, suffix or dropout).

    Args:
        model: the tokenizer's model.
        pre: its pre-tokenizer (or None).

    Returns:
        A ``ByteLevelEncoder``, or None.
    """
    if pre is None:
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
    if any(ch not in vocab for ch in chars if to_byte[ch] not in _NEVER_IN_UTF8):
        return None  # a byte without a token: unk / byte-fallback rules apply
    # GPT-NeoX's vocabulary lacks the bytes no UTF-8 text holds: any id stands for them.
    byte_ids = [vocab.get(ch, 0) for ch in chars]
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


def _lookup(table: list[Any], ids: Any) -> list[Any] | None:
    """``table[i]`` for each id, or None when an id is negative, not an integer or
    beyond the table (the general path then skips it or raises the right error)."""
    if type(ids) is not list and type(ids) is not tuple:
        ids = list(ids)  # numpy arrays, array('q'), iterators
    try:
        if min(ids, default=0) < 0:
            return None
        return [table[i] for i in ids]
    except (IndexError, TypeError):  # TypeError: min of mixed types, or table[1.5]
        return None


class ByteLevelDecodeTable:
    """Decoding through ``decoders.ByteLevel`` by table: each id's bytes, then one join.

    ``ByteLevel`` turns every token into its bytes on its own, then decodes the whole
    as UTF-8 with U+FFFD per invalid sequence; so the bytes are computed once per id
    (``b""`` for an id that is no token, and for a special token when skipped).

    Args:
        texts: the text ``Tokenizer.decode`` gives each id (None: no token).
        special: per id, whether ``skip_special_tokens`` drops it.

    >>> table = ByteLevelDecodeTable(["a", "Ġb", None, "<s>"], [False, False, False, True])
    >>> table.decode([3, 0, 1, 2], skip_special_tokens=True)
    'a b'
    >>> table.decode([3, 0], skip_special_tokens=False)
    '<s>a'
    >>> table.decode([7], skip_special_tokens=True) is None  # beyond the table
    True
    """

    def __init__(self, texts: list[str | None], special: list[bool]) -> None:
        to_bytes = ByteLevelDecoder._token_bytes
        self._all = [b"" if t is None else to_bytes(t) for t in texts]
        self._kept = [b"" if drop else b for b, drop in zip(self._all, special)]

    def decode(self, ids: Any, skip_special_tokens: bool) -> str | None:
        """The text of ``ids``, or None when an id is not in the table (or no id)."""
        parts = _lookup(self._kept if skip_special_tokens else self._all, ids)
        return None if parts is None else b"".join(parts).decode("utf-8", "replace")


class WordPieceDecodeTable:
    """Decoding through ``decoders.WordPiece`` by table.

    The decoder strips the prefix from a token (or puts a space before it) and cleans
    it up on its own, the first token aside (kept as it is, then cleaned up); so both
    forms are computed once per id, and the first id that is kept takes its first form.

    Args:
        texts: the text ``Tokenizer.decode`` gives each id (None: no token).
        special: per id, whether ``skip_special_tokens`` drops it.
        decoder: the pipeline's decoder (its prefix and cleanup).

    >>> table = WordPieceDecodeTable(
    ...     ["[CLS]", "un", "##able", "!", None], [True, False, False, False, False],
    ...     WordPieceDecoder(),
    ... )
    >>> table.decode([0, 2, 1, 2, 4, 3], skip_special_tokens=True)
    '##able unable!'
    """

    def __init__(
        self, texts: list[str | None], special: list[bool], decoder: WordPieceDecoder
    ) -> None:
        prefix, n = decoder.prefix, len(decoder.prefix)

        def clean(text: str) -> str:
            return wordpiece_cleanup(text) if decoder.cleanup else text

        self._first = [None if t is None else clean(t) for t in texts]
        self._all = [
            None if t is None else clean(t[n:] if t.startswith(prefix) else " " + t) for t in texts
        ]
        self._kept = [None if drop else r for r, drop in zip(self._all, special)]

    def decode(self, ids: Any, skip_special_tokens: bool) -> str | None:
        """The text of ``ids``, or None when an id is not in the table (or no id)."""
        parts = _lookup(self._kept if skip_special_tokens else self._all, ids)
        if parts is None:
            return None
        for j, part in enumerate(parts):
            if part is not None:
                parts[j] = self._first[ids[j]]
                break
        return "".join(filter(None, parts))


def decode_table(
    size: int, decoder: Any, text_of: Callable[[int], tuple[str | None, bool]]
) -> ByteLevelDecodeTable | WordPieceDecodeTable | None:
    """The decode table of a pipeline whose decoder is ``ByteLevel`` or ``WordPiece``.

    Args:
        size: one more than the largest id (of the model and the added tokens).
        decoder: the tokenizer's decoder.
        text_of: ``text_of(id)`` gives the token text ``Tokenizer.decode`` would pass
            the decoder (None: no token) and whether ``skip_special_tokens`` drops it.

    Returns:
        A table, or None for another decoder.
    """
    kind = type(decoder)
    if kind is not ByteLevelDecoder and kind is not WordPieceDecoder:
        return None
    texts: list[str | None] = []
    special: list[bool] = []
    for i in range(size):
        text, drop = text_of(i)
        texts.append(text)
        special.append(drop)
    if kind is ByteLevelDecoder:
        return ByteLevelDecodeTable(texts, special)
    return WordPieceDecodeTable(texts, special, decoder)
