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

import functools
import re
import threading
import unicodedata
from array import array
from collections.abc import Callable, Iterable
from typing import Any

import regex

from ._backend import BertEncoder, ByteLevelEncoder, SentencePieceEncoder, UnigramLattice
from ._pieces import NORMAL, UNUSED, USER_DEFINED
from .charsmap import CharsMap
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
    _COLLAPSE_SPACES,
    _STRIP_SPACES,
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
    "GuardedEncoder",
    "NormalizingEncoder",
    "WordPieceDecodeTable",
    "bert_encoder",
    "byte_level_encoder",
    "decode_table",
    "fast_encoder",
    "fast_split",
    "hf_sentencepiece_normalizer",
    "precompiled_guard",
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


def fast_encoder(
    model: Model, normalizer: Any, pre: Any, general: tuple[Any, Any] | None = None
) -> Any:
    """The native encoder of a pipeline, or None when it is not one it covers.

    Args:
        model: the tokenizer's model.
        normalizer: its normalizer (or None).
        pre: its pre-tokenizer (or None).
        general: the pipeline's own ``(columns, unknown surfaces)`` functions (see
            :class:`GuardedEncoder`), for the texts a native encoder of a
            ``tokenizer.json`` SentencePiece pipeline does not cover; without them
            such a pipeline has no native encoder.

    Returns:
        A ``ByteLevelEncoder`` (a :class:`NormalizingEncoder` around one for a text
        normalizer), ``SentencePieceEncoder`` or :class:`GuardedEncoder` that encodes
        texts as the pipeline does, or None.
    """
    if isinstance(model, (Unigram, SentencePieceBPE)) or _metaspace_bpe(model, pre):
        return sentencepiece_encoder(model, normalizer, pre, general)
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


def _metaspace_bpe(model: Any, pre: Any) -> bool:
    # Hugging Face's BPE after Metaspace (a SentencePiece BPE saved as tokenizer.json,
    # Llama/Mistral-style files): the native encoder normalizes, cuts and caches words,
    # and the model's own word function segments each new word. Dropout is random per
    # call: only the model's own loop does it.
    return type(model) is BPE and type(pre) is Metaspace and not model.dropout


def sentencepiece_encoder(
    model: Any, normalizer: Any, pre: Any, general: tuple[Any, Any] | None = None
) -> Any:
    """The native encoder of a SentencePiece-style pipeline, or None when it is not one.

    Covered: no normalizer, SentencePiece's, or the ``tokenizer.json`` form of it
    (``Precompiled`` and/or the two space ``Replace`` steps tokenlab writes, see
    :func:`hf_sentencepiece_normalizer`); no pre-tokenizer or Metaspace; a Unigram model
    with an unknown token, a SentencePiece BPE model (both segmented natively; see
    sentencepiece_segmenter), or Hugging Face's BPE after Metaspace (its word function)
    (SentencePieceEncoder, in _spencode.pxi / _pyspencode.py). That is every pipeline
    ``tokenlab.train``, ``.model`` files and tokenlab's SentencePiece ``tokenizer.json``
    files give. With ``Precompiled`` the encoder is a :class:`GuardedEncoder`.
    """
    guard = None
    hf = hf_sentencepiece_normalizer(normalizer)
    if hf is not None:
        if general is None:
            return None
        normalizer, guard = hf
    args = sentencepiece_encoder_args(model, normalizer, pre)
    if args is None:
        return None
    lock = threading.Lock()  # one per model: its word function and the pipeline share it
    if hf is not None:
        # tokenizers' Replace aligns a collapsed run of spaces with its last space
        args = (*args[:2], (*args[2], True), *args[3:])
    encoder = SentencePieceEncoder(sentencepiece_segmenter(model, UnigramLattice, lock), *args)
    if hf is None or guard is None:
        return encoder
    return GuardedEncoder(encoder, guard, *general, lock=lock)  # type: ignore[misc]


def _parts(normalizer: Any) -> list[Any]:
    return list(normalizer.normalizers) if type(normalizer) is Sequence else [normalizer]


def _is_replace(step: Any, pattern: str, content: str) -> bool:
    return (
        type(step) is Replace
        and step.is_regex
        and step.pattern == pattern
        and step.content == content
    )


def hf_sentencepiece_normalizer(
    normalizer: Any,
) -> tuple[SentencePieceNormalizer, Callable[[str], bool] | None] | None:
    """SentencePiece's normalizer doing what a ``tokenizer.json`` normalizer does, and
    the test of the texts where it may not; None when ``normalizer`` is not such a form.

    The forms: ``Precompiled``, then optionally the ``Replace`` pair that strips and
    collapses spaces (what tokenlab writes for ``remove_extra_whitespaces``); or that
    pair alone. The pair is SentencePiece's whitespace cleanup exactly (only U+0020
    counts in both). ``Precompiled`` is not SentencePiece's charsmap walk (tokenizers
    applies it per grapheme cluster): the two agree on a text where no rule of more than
    one char can match and no cluster of more than one char starts with a char that
    has a rule; :func:`precompiled_guard` finds the others, which the pipeline encodes.
    """
    if normalizer is None or isinstance(normalizer, SentencePieceNormalizer):
        return None
    parts = _parts(normalizer)
    blob = b""
    guard = None
    doubles = False
    if parts and type(parts[0]) is Precompiled:
        blob = parts[0].charsmap.to_bytes()
        guard = precompiled_guard(parts[0].charsmap)
        doubles = parts[0].charsmap.may_write_double_spaces
        parts = parts[1:]
    if parts == []:
        remove_ws = False
    elif (
        len(parts) == 2
        and _is_replace(parts[0], _STRIP_SPACES, "")
        and _is_replace(parts[1], _COLLAPSE_SPACES, " ")
        # SentencePiece collapses spaces between steps, not inside one rule's output
        and not doubles
    ):
        remove_ws = True
    else:
        return None
    if not blob and not remove_ws:
        return None
    # Spaces stay spaces (Metaspace writes the replacement): the Replace pair strips only
    # U+0020, where SentencePiece's escaped text would also lose a typed "▁" at the end.
    normalizer = SentencePieceNormalizer(
        blob, add_dummy_prefix=False, remove_extra_whitespaces=remove_ws, escape_whitespaces=False
    )
    return normalizer, guard


@functools.cache
def _cluster_chars() -> tuple[frozenset[str], frozenset[str]]:
    """``(joining, prepend)``: the chars that may join the char before them into one
    grapheme cluster (Extend, ZWJ, SpacingMark, the Hangul jamo and syllables, regional
    indicators; LF after CR is added by the caller), and the Prepend chars, which join
    the char after them (the ``regex`` module's Unicode data, as ``Precompiled``)."""
    every = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))
    kinds = ("Extend", "ZWJ", "SpacingMark", "L", "V", "T", "LV", "LVT", "Regional_Indicator")
    joins = "".join(f"\\p{{Grapheme_Cluster_Break={kind}}}" for kind in kinds)
    joining = frozenset(regex.findall(f"[{joins}]", every))
    prepend = frozenset(regex.findall("\\p{Grapheme_Cluster_Break=Prepend}", every))
    return joining, prepend


def _char_class(chars: Iterable[str]) -> str:
    return "".join(sorted(re.escape(c) for c in set(chars)))


def _bmp(chars: Iterable[str]) -> set[str]:
    return {c for c in chars if ord(c) < 0x10000}


@functools.lru_cache(maxsize=8)
def _guard(blob: bytes) -> Callable[[str], bool]:
    """:func:`precompiled_guard` of the charsmap ``blob`` (built once per charsmap)."""
    keys = CharsMap.from_bytes(blob).mapping
    singles = {k for k in keys if len(k) == 1}
    # A rule of several chars can only match where its first two chars stand.
    pairs = frozenset(k[:2] for k in keys if len(k) > 1)
    seconds = {p[1] for p in pairs}
    joining, prepend = _cluster_chars()
    joining = joining | {"\n"}
    # The re module searches a class of BMP chars through a bitmap, some 30 times faster
    # than a class with astral ranges: texts with astral chars take the full test.
    never = re.compile("(?!)")
    alone = re.compile(f"[\\ud800-\\udfff{_char_class(_bmp(prepend))}]")
    second = re.compile(f"[{_char_class(_bmp(seconds))}]") if _bmp(seconds) else never
    astral = re.compile("[\\U00010000-\\U0010ffff]")
    joined = re.compile(f"(?<=[{_char_class(_bmp(singles))}])[{_char_class(_bmp(joining))}]")
    full = re.compile(
        "|".join(
            (
                f"[{_char_class(prepend | seconds)}]" if prepend | seconds else "(?!)",
                f"(?<=[{_char_class(singles)}])[{_char_class(joining)}]" if singles else "(?!)",
            )
        )
    )

    def risky(text: str) -> bool:
        # A first char with a rule (one deleted, say) moves the first token's start in
        # tokenizers' alignment, which the native walk does not reproduce.
        if text[:1] in singles or alone.search(text) is not None:
            return True
        if astral.search(text) is not None:
            return full.search(text) is not None
        for m in second.finditer(text):
            at = m.start()
            if at and text[at - 1 : at + 1] in pairs:
                return True
        return bool(singles) and joined.search(text) is not None

    return risky


def precompiled_guard(charsmap: CharsMap) -> Callable[[str], bool]:
    """``text -> True`` where ``Precompiled(charsmap)`` may differ from SentencePiece's walk
    of ``charsmap``: a surrogate, a char some rule of several chars holds after its
    first char, a Prepend char, a char with a rule that the next char may join into
    one grapheme cluster, or a first char with a rule.

    >>> guard = precompiled_guard(CharsMap.from_mapping({"\\r": " ", "e\\u0301": "\\u00e9"}))
    >>> guard("a\\rb"), guard("a\\r\\nb"), guard("cafe\\u0301")
    (False, True, True)
    """
    return _guard(charsmap.to_bytes())


class GuardedEncoder:
    """A native SentencePiece encoder for the texts it covers; the rest by the pipeline.

    Args:
        native: the ``SentencePieceEncoder``.
        risky: ``text -> True`` for a text ``native`` may encode differently.
        columns: the pipeline's ``(text, base, word_base) -> (ids, columns, words)``
            (what ``encode_columns`` gives).
        surfaces: the pipeline's ``text -> unknown tokens' texts``.
        lock: the lock ``native``'s word function takes (if it has one): the pipeline's
            model runs under it too.
    """

    def __init__(
        self,
        native: Any,
        risky: Callable[[str], bool],
        columns: Callable[[str, int, int], tuple[list[int], bytes, int]],
        surfaces: Callable[[str], list[str]],
        lock: Any = None,
    ) -> None:
        self.native = native
        self.risky = risky
        # The pipeline's models share their buffers: the threads of encode_batch take
        # their turn.
        self._columns = _one_at_a_time(columns, lock)
        self._surfaces = _one_at_a_time(surfaces, lock)

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``."""
        return self._columns(text, 0, 0)[0] if self.risky(text) else self.native.encode(text)

    def encode_many(self, texts: list[str]) -> list[list[int]]:
        """``[self.encode(t) for t in texts]``."""
        if not any(map(self.risky, texts)):
            return self.native.encode_many(texts)
        return [self.encode(t) for t in texts]

    def encode_columns(
        self, text: str, base: int = 0, word_base: int = 0
    ) -> tuple[list[int], bytes, int]:
        """As ``SentencePieceEncoder.encode_columns``."""
        if self.risky(text):
            return self._columns(text, base, word_base)
        return self.native.encode_columns(text, base, word_base)

    def encode_many_columns(self, texts: list[str]) -> tuple[bytes, bytes]:
        """As ``SentencePieceEncoder.encode_many_columns``."""
        if not any(map(self.risky, texts)):
            return self.native.encode_many_columns(texts)
        columns: list[array[int]] = [array("q") for _ in range(4)]
        counts = array("q")
        for text in texts:
            ids, cols, _ = self.encode_columns(text)
            view = memoryview(cols).cast("q")
            n = len(ids)
            for k in range(4):
                columns[k].extend(view[k * n : (k + 1) * n])
            counts.append(n)
        return b"".join(c.tobytes() for c in columns), counts.tobytes()

    def unknown_surfaces(self, text: str) -> list[str]:
        """As ``SentencePieceEncoder.unknown_surfaces``."""
        if self.risky(text):
            return self._surfaces(text)
        return self.native.unknown_surfaces(text)


def sentencepiece_segmenter(model: Any, lattice_class: Any, lock: Any = None) -> Any:
    """SentencePieceEncoder's first argument for ``model`` (lattices of ``lattice_class``).

    A Unigram model: its lattice. A SentencePiece BPE model of normal pieces: a
    lattice of them (merged natively by score) with the model's word function for
    very long words; with user-defined or unused pieces: the word function alone.
    """
    if type(model) is BPE:
        return _one_at_a_time(model.tokenize, lock)
    if not isinstance(model, SentencePieceBPE):
        if lattice_class is UnigramLattice:
            return model._lattice
        return lattice_class(*model._lattice_args)
    if any(kind in (USER_DEFINED, UNUSED) for _, _, kind in model.pieces):
        return model.tokenize
    pieces = [p if kind == NORMAL else None for p, _, kind in model.pieces]
    lattice = lattice_class(pieces, [s for _, s, _ in model.pieces], model.unk_id, 0.0)
    return lattice, model.tokenize


def _one_at_a_time(word_function: Callable[..., Any], lock: Any = None) -> Callable[..., Any]:
    """``word_function`` called by one thread at a time: the models share their buffers
    (the BPE merge loop, the lattices), and the threads of ``encode_batch`` reach them."""
    lock = lock or threading.Lock()

    def call(*args: Any) -> Any:
        with lock:
            return word_function(*args)

    return call


def sentencepiece_encoder_args(model: Any, normalizer: Any, pre: Any) -> tuple[Any, ...] | None:
    """SentencePieceEncoder's arguments after the first (see above), or None."""
    sp_types = (Unigram, SentencePieceUnigram, SentencePieceBPE)
    if _metaspace_bpe(model, pre):
        unk_id = 0  # the word function handles unknown chars; the encoder never sees them
    elif type(model) not in sp_types or model.unk_id is None:
        return None
    else:
        unk_id = model.unk_id
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
            normalizer.user_defined_symbols,
        )
    meta = None
    if pre is not None:
        if type(pre) is not Metaspace:
            return None
        # "first" is "always" here: the pipeline splits each text from its start.
        meta = (pre.replacement, pre.prepend_scheme != "never", pre.split_words)
    byte_ids = None
    if model.byte_fallback and type(model) is not BPE:
        byte_ids = [model.vocab.get(f"<0x{b:02X}>") for b in range(256)]
    return unk_id, byte_ids, norm, meta


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
