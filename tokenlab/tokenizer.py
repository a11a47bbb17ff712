"""The Tokenizer pipeline and its Encoding.

A :class:`Tokenizer` is normalizer -> pre-tokenizer -> model -> post-processor,
plus a decoder, exactly the components of a Hugging Face ``tokenizer.json``;
saving is composing their ``to_dict()``. Added tokens (special tokens) are cut
out of the raw text before normalization and map to one id each.

Offsets in an :class:`Encoding` are character offsets into the original
string (Python ``str`` indices), also for byte-level models: a token that
covers only part of a character's bytes gets that whole character's span.
"""

from __future__ import annotations

import copy
import json
import operator
import os
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, Protocol

import regex

from ._atomic import atomic_write, check_writable_path
from ._modelfile import read_model_text, read_once
from ._threads import gc_paused, run_chunks, thread_count
from .added_vocabulary import AddedToken, AddedVocabulary, Split
from .corpus import count_words, count_words_in_files
from .decoders import Decoder, decoder_from_dict
from .encoding import Encoding, Specials
from .errors import ConfigError, ModelFileError
from .fastpath import bert_encoder, decode_table, fast_encoder
from .models import MAX_TOKEN_ID, Model, SplitMix64, TiktokenBPE, model_from_dict
from .normalizers import NormalizedString, Normalizer, normalizer_from_dict
from .pre_tokenizers import Metaspace, PreToken, PreTokenizer, pre_tokenizer_from_dict
from .processors import (
    UNCHANGED,
    PostProcessor,
    SinglePlan,
    default_process,
    processor_from_dict,
)


class Trainer(Protocol):
    """What :meth:`Tokenizer.train` needs of a trainer (BPETrainer, WordPieceTrainer,
    UnigramTrainer, SentencePieceBPETrainer, ...); a ``special_tokens`` list, when the
    trainer has one, is added to the tokenizer as special tokens."""

    show_progress: bool

    def train_from_counts(self, counts: Mapping[str, int]) -> Model: ...


__all__ = ["AddedToken", "Encoding", "FileReader", "Tokenizer", "register_file_reader"]

#: Reads the files that are not ``tokenizer.json``: ``reader(path, format, options)``
#: gives the tokenizer, or None when the file is a ``tokenizer.json``; ``format`` is
#: None (sniff the file) or the name of the format to read it as (``"tiktoken"``).
FileReader = Callable[[str, "str | None", "dict[str, Any]"], "Tokenizer | None"]

# The one registered FileReader (tokenlab.export's), in a list so that registering is
# no rebinding of a module global.
_file_reader: list[FileReader] = []


def register_file_reader(reader: FileReader) -> None:
    """Make :meth:`Tokenizer.from_file` read the formats ``reader`` reads.

    :mod:`tokenlab.export` calls it when imported (see :meth:`Tokenizer.from_file`);
    a later call replaces the reader.

    Args:
        reader: the :data:`FileReader`.
    """
    _file_reader[:] = [reader]


_SURROGATE = regex.compile("[\ud800-\udfff]")
_new_object = object.__new__
# The attributes of a Tokenizer that cache what its others give (setting them keeps the
# quick paths of encode and encode_ordinary).
_CACHES = frozenset(("_fast", "_fast_decode", "_quick", "_ordinary"))


def _as_str(text: Any, what: str, tiktoken_rule: bool) -> str:
    """``text`` as an exact ``str`` the encoders take.

    A ``str`` subclass (``numpy.str_``, ...) is copied to a plain ``str``. Surrogate code
    points (U+D800..U+DFFF, which Python strings may hold but Unicode text may not):
    with ``tiktoken_rule`` they are repaired as tiktoken does (a pair becomes the char
    it stands for, a lone one U+FFFD); otherwise they stay (README, "Inputs").

    Raises:
        TypeError: ``text`` is not a str.
    """
    if type(text) is not str:
        if not isinstance(text, str):
            raise TypeError(f"{what}() takes a str, got {type(text).__name__}")
        text = str.__str__(text)
    if tiktoken_rule and not text.isascii() and _SURROGATE.search(text) is not None:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _any_surrogate(texts: list[str]) -> bool:
    """Whether a text of ``texts`` (exact strs) holds a surrogate code point."""
    return not all(map(str.isascii, texts)) and any(map(_SURROGATE.search, texts))


def _plain_strs(texts: Sequence[Any], tiktoken_rule: bool) -> list[str] | None:
    """``texts`` as a list when every one is an exact str the encoders take as it is
    (see :func:`_as_str`), else None. C-level passes only: a Python call per text
    here was a sixth of a batch's time, serial before the threads start."""
    if not set(map(type, texts)) <= {str}:
        return None
    if tiktoken_rule and _any_surrogate(texts):  # type: ignore[arg-type]
        return None
    return texts if type(texts) is list else list(texts)


def _encode_repaired(
    encode_many: Callable[[list[str]], list[list[int]]], texts: list[str]
) -> list[list[int]]:
    """``encode_many(texts)``, surrogates first repaired as tiktoken does."""
    if _any_surrogate(texts):
        texts = [_as_str(t, "encode_ordinary_batch", True) for t in texts]
    return encode_many(texts)


def _unless_surrogate(encode: Callable[[str], list[int]], text: str) -> list[int] | None:
    """``encode(text)``, or None when ``text`` holds a lone surrogate (tiktoken's rule)."""
    if not text.isascii() and _SURROGATE.search(text) is not None:
        return None
    return encode(text)


_STRATEGIES = {
    "longest_first": "LongestFirst",
    "only_first": "OnlyFirst",
    "only_second": "OnlySecond",
}
_DIRECTIONS = {"right": "Right", "left": "Left"}


@dataclass
class _Sampling:
    """Subword-regularization settings of one ``encode`` call (see :meth:`Tokenizer.encode`)."""

    nbest_size: int
    alpha: float
    rng: Any

    @classmethod
    def build(
        cls, model: Model, nbest_size: int | None, alpha: float | None, seed: int | None
    ) -> _Sampling | None:
        if nbest_size is None and alpha is None:
            if seed is not None:
                raise ConfigError("seed only applies to sampling: give nbest_size or alpha too")
            return None
        if not callable(getattr(model, "sample", None)):
            raise ConfigError(
                f"subword sampling (nbest_size/alpha) needs a Unigram model; this tokenizer's "
                f"model is {type(model).__name__}, which has one segmentation per word"
            )
        if nbest_size is None:
            nbest_size = -1
        if not isinstance(nbest_size, int) or isinstance(nbest_size, bool):
            raise ConfigError(f"nbest_size must be an int, got {nbest_size!r}")
        if alpha is None:
            alpha = 0.1
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha >= 0:
            raise ConfigError(f"alpha must be a number >= 0, got {alpha!r}")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ConfigError(f"seed must be an int or None, got {seed!r}")
        if seed is None:
            seed = int.from_bytes(os.urandom(8), "little")
        return cls(nbest_size, float(alpha), SplitMix64(seed))


def _check_components(model: Any, *components: Any) -> None:
    """Refuse a pipeline part of the wrong type now (``train(pre_tokenizer=5)`` failed
    later, with an AttributeError deep in counting)."""
    if not isinstance(model, Model):
        raise ConfigError(f"model must be a tokenlab model (BPE, WordPiece, ...), got {model!r}")
    kinds = (
        ("normalizer", Normalizer, "normalizers"),
        ("pre_tokenizer", PreTokenizer, "pre_tokenizers"),
        ("post_processor", PostProcessor, "processors"),
        ("decoder", Decoder, "decoders"),
    )
    for (name, kind, module), value in zip(kinds, components):
        if value is not None and not isinstance(value, kind):
            raise ConfigError(
                f"{name} must be a {kind.__name__} (from tokenlab.{module}) or None, got {value!r}"
            )


#: Ids decoded through the general path before a decode table is built: about what
#: building one costs (a table of 50,000 ids takes as long as decoding as many ids).
DECODE_TABLE_AFTER = 50_000


def _token_of(model: Any, i: int) -> str | None:
    """The token of id ``i``, None for an id that is no token; refuses non-ids."""
    if not isinstance(i, int) or isinstance(i, bool):
        try:
            i = operator.index(i)  # numpy integers
        except TypeError:
            raise ConfigError(f"token ids must be integers, got {i!r}") from None
    if i < 0:
        raise ConfigError(f"token ids are >= 0, got {i}")
    return model.id_to_token(i) if i <= MAX_TOKEN_ID else None


class Tokenizer:
    """A full tokenization pipeline.

    Args:
        model: the model (e.g. :class:`~tokenlab.models.BPE`).
        normalizer: optional normalizer.
        pre_tokenizer: optional pre-tokenizer (None: the whole text is one word).
        post_processor: optional post-processor.
        decoder: optional decoder (None: tokens joined with spaces).

    >>> import tokenlab
    >>> tok = tokenlab.train(iter(["low lower lowest"] * 3), vocab_size=270, show_progress=False)
    >>> tok.decode(tok.encode("lowest").ids)
    'lowest'
    """

    def __init__(
        self,
        model: Model,
        normalizer: Normalizer | None = None,
        pre_tokenizer: PreTokenizer | None = None,
        post_processor: PostProcessor | None = None,
        decoder: Decoder | None = None,
    ) -> None:
        _check_components(model, normalizer, pre_tokenizer, post_processor, decoder)
        self.model = model
        self.normalizer = normalizer
        self.pre_tokenizer = pre_tokenizer
        self.post_processor = post_processor
        self.decoder = decoder
        self._added = AddedVocabulary()
        self._padding: dict[str, Any] | None = None
        self._truncation: dict[str, Any] | None = None
        self._fast: tuple[Any, ...] | None = None
        self._fast_decode: list[Any] | None = None

    # What :meth:`encode` checks a plain text against to take its quick path (see
    # _quick_state); None until a text took the fast path, and again whenever an
    # attribute (a component, the truncation or padding) is set.
    _quick: tuple[Any, ...] | None = None
    # What :meth:`encode_ordinary` calls on a plain str, the same way: the native
    # encoder's ``encode``, or for tiktoken's rule its ``encode_unicode`` (None for a
    # text holding surrogates, which the slow path repairs first).
    _ordinary: Callable[[str], list[int] | None] | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name not in _CACHES:
            state = self.__dict__
            state.pop("_quick", None)
            state.pop("_ordinary", None)

    def __getstate__(self) -> dict[str, Any]:
        # What rebuilds the tokenizer: its components, added tokens and settings. The
        # native encoder is built again on first use (so is every model's).
        state = dict(self.__dict__)
        state["_fast"] = None
        state.pop("_quick", None)
        state.pop("_ordinary", None)
        state["_fast_decode"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_fast_decode", None)  # a pickle from before it existed

    # -- truncation and padding --------------------------------------------------------

    def enable_truncation(
        self,
        max_length: int,
        stride: int = 0,
        strategy: str = "longest_first",
        direction: str = "right",
    ) -> None:
        """Cut encodings to ``max_length`` tokens (special tokens included).

        Args:
            max_length: the longest encoding.
            stride: tokens each overflowing window repeats from the previous one.
            strategy: ``"longest_first"``, ``"only_first"`` or ``"only_second"``.
            direction: ``"right"`` (keep the start) or ``"left"``.

        Raises:
            ConfigError: an invalid value.
        """
        if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 0:
            raise ConfigError(f"max_length must be an integer >= 0, got {max_length!r}")
        if not isinstance(stride, int) or stride < 0:
            raise ConfigError(f"stride must be an integer >= 0, got {stride!r}")
        if strategy not in _STRATEGIES:
            raise ConfigError(f"strategy must be one of {list(_STRATEGIES)}, got {strategy!r}")
        if direction not in ("right", "left"):
            raise ConfigError(f"direction must be 'right' or 'left', got {direction!r}")
        self._truncation = {
            "max_length": max_length,
            "stride": stride,
            "strategy": strategy,
            "direction": direction,
        }

    def no_truncation(self) -> None:
        """Turn truncation off."""
        self._truncation = None

    @property
    def truncation(self) -> dict[str, Any] | None:
        """The truncation settings, or None."""
        return dict(self._truncation) if self._truncation else None

    def enable_padding(
        self,
        direction: str = "right",
        pad_id: int = 0,
        pad_type_id: int = 0,
        pad_token: str = "[PAD]",
        length: int | None = None,
        pad_to_multiple_of: int | None = None,
    ) -> None:
        """Pad encodings: to ``length``, or (None) to the longest of a batch.

        Raises:
            ConfigError: an invalid value.
        """
        if direction not in ("right", "left"):
            raise ConfigError(f"direction must be 'right' or 'left', got {direction!r}")
        for name, value in (("length", length), ("pad_to_multiple_of", pad_to_multiple_of)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigError(f"{name} must be a positive integer or None, got {value!r}")
        self._padding = {
            "direction": direction,
            "pad_id": pad_id,
            "pad_type_id": pad_type_id,
            "pad_token": pad_token,
            "length": length,
            "pad_to_multiple_of": pad_to_multiple_of,
        }

    def no_padding(self) -> None:
        """Turn padding off."""
        self._padding = None

    @property
    def padding(self) -> dict[str, Any] | None:
        """The padding settings, or None."""
        return dict(self._padding) if self._padding else None

    def _truncate(self, enc: Encoding, pair: Encoding | None, add_special_tokens: bool) -> None:
        t = self._truncation
        if t is None:
            return
        max_length = t["max_length"]
        if add_special_tokens and self.post_processor is not None:
            max_length = max(0, max_length - self.post_processor.added_tokens(pair is not None))
        stride, direction, strategy = t["stride"], t["direction"], t["strategy"]
        total = len(enc) + (len(pair) if pair is not None else 0)
        if total <= max_length:
            return
        to_remove = total - max_length
        if strategy == "longest_first":
            if pair is None:
                enc.truncate(max_length, stride, direction)
                return
            # Tokenizers' rule: shorten the longer text first, down to an even split.
            n1, n2 = len(enc), len(pair)
            swap = n1 > n2
            if swap:
                n1, n2 = n2, n1
            n2 = n1 if n1 > max_length else max(n1, max_length - n1)
            if n1 + n2 > max_length:
                n1 = max_length // 2
                n2 = n1 + max_length % 2
            if swap:
                n1, n2 = n2, n1
            enc.truncate(n1, stride, direction)
            pair.truncate(n2, stride, direction)
            return
        target = enc if strategy == "only_first" else pair
        if target is None:
            raise ConfigError("truncation strategy 'only_second' needs a pair of texts")
        if len(target) <= to_remove:
            raise ConfigError(
                f"cannot truncate with {strategy!r}: the text is {len(target)} tokens but "
                f"{to_remove} must go; use 'longest_first' or a larger max_length"
            )
        target.truncate(len(target) - to_remove, stride, direction)

    def _pad(self, encodings: list[Encoding]) -> None:
        p = self._padding
        if p is None or not encodings:
            return
        length = p["length"] if p["length"] is not None else max(len(e) for e in encodings)
        multiple = p["pad_to_multiple_of"]
        if multiple and length % multiple:
            length += multiple - length % multiple
        for e in encodings:
            e.pad(length, p["pad_id"], p["pad_type_id"], p["pad_token"], p["direction"])

    # -- added tokens ---------------------------------------------------------------

    def add_special_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        """Add special tokens (matched whole, skipped by ``decode``), as tokenizers does.

        A str becomes ``AddedToken(s, special=True)`` (so ``normalized=False``); an
        :class:`AddedToken` is added as a special copy of itself.

        Args:
            tokens: the tokens.

        Returns:
            How many were added (a token equal to one already there is not, nor
            an empty one: it is skipped, as tokenizers does).

        Raises:
            ConfigError: a token whose content is not a str.
        """
        return self._add(
            [
                t.as_special() if isinstance(t, AddedToken) else AddedToken(t, special=True)
                for t in tokens
            ]
        )

    def add_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        """Add ordinary added tokens, as tokenizers does.

        A str becomes ``AddedToken(s)`` (``special=False``, ``normalized=True``); an
        :class:`AddedToken` is added as it is.

        Args:
            tokens: the tokens.

        Returns:
            How many were added (a token equal to one already there is not, nor
            an empty one: it is skipped, as tokenizers does; one of the same content
            with other flags replaces it, keeping its id).

        Raises:
            ConfigError: a token whose content is not a str.
        """
        return self._add([t if isinstance(t, AddedToken) else AddedToken(t) for t in tokens])

    def _add(self, tokens: list[AddedToken]) -> int:
        for tok in tokens:
            if not isinstance(tok.content, str):
                raise ConfigError(
                    f"added token {tok.content!r} is not a str: pass str or AddedToken(str)"
                )
        # tokenizers skips an empty token and leaves it out of the count.
        tokens = [tok for tok in tokens if tok.content]
        added = self._added
        new = 0
        model_ids = self.model._inverse()
        size = self.model.get_vocab_size()
        top = max(added.by_id, default=None)
        for tok in tokens:
            known = added.by_content.get(tok.content)
            if known is not None and known[1] == tok:
                continue
            tid = known[0] if known is not None else self.model.token_to_id(tok.content)
            if tid is None:
                # tokenizers' rule: the vocabulary size, or past the last added id.
                tid = size if top is None or (top < size and size) else top + 1
                while tid in model_ids or tid in added.by_id:
                    tid += 1
            added.register(tid, tok)
            top = tid if top is None else max(top, tid)
            new += 1
        return new

    def _register(self, tid: int, tok: AddedToken) -> None:
        """Add ``tok`` with the given id (a file's ``added_tokens`` entry)."""
        self._added.register(tid, tok)

    @property
    def added_tokens(self) -> list[tuple[int, AddedToken]]:
        """The added tokens with their ids, by id."""
        return sorted(self._added.by_content.values(), key=lambda x: x[0])

    # -- vocabulary -------------------------------------------------------------------

    def get_vocab(self, with_added_tokens: bool = True) -> dict[str, int]:
        """token -> id."""
        vocab = self.model.get_vocab()
        if with_added_tokens:
            for content, (tid, _) in self._added.by_content.items():
                vocab[content] = tid
        return vocab

    def get_vocab_size(self, with_added_tokens: bool = True) -> int:
        """Number of distinct tokens."""
        return len(self.get_vocab(with_added_tokens))

    def token_to_id(self, token: str) -> int | None:
        """The id of ``token`` (added tokens included), or None."""
        hit = self._added.by_content.get(token)
        if hit is not None:
            return hit[0]
        return self.model.token_to_id(token)

    def id_to_token(self, id: int) -> str | None:
        """The token of ``id``, or None."""
        added = self._added.by_id.get(id)
        if added is not None:
            return self._added_text(added)
        return self.model.id_to_token(id)

    def _added_text(self, tok: AddedToken) -> str:
        # tokenizers shows a normalized added token normalized (id_to_token, decode).
        if tok.normalized and self.normalizer is not None:
            return self.normalizer.normalize_str(tok.content)
        return tok.content

    # -- encoding ----------------------------------------------------------------------

    def _split_raw(self, text: str) -> list[Split]:
        """``text`` cut around the added tokens matched on the raw text (``normalized=False``)."""
        matcher = self._added.raw_matcher()
        if matcher is None or not matcher.may_occur(text):
            return [(0, len(text), None)] if text else []
        return matcher.find(text)

    def _encode_text(
        self,
        text: str,
        enc: Encoding,
        base: int,
        word_base: int,
        sampling: _Sampling | None = None,
        with_added: bool = False,
    ) -> int:
        """Encode a text with no raw added token into ``enc``; returns the next word index.

        ``with_added``: match the ``normalized=True`` added tokens in the normalized text
        (tokenizers' second pass); the parts between them are pre-tokenized apart.
        """
        if self.normalizer is not None:
            ns = self.normalizer.normalize(NormalizedString.from_str(text))
        else:
            ns = NormalizedString.from_str(text)
        norm = ns.normalized
        matcher = self._added.normalized_matcher(self.normalizer) if with_added else None
        parts: list[Split] = [(0, len(norm), None)]
        if matcher is not None and norm and matcher.may_occur(norm):
            parts = matcher.find(norm)
        word = word_base
        for start, end, tid in parts:
            if tid is None:
                word = self._encode_part(ns, start, end, enc, base, word, sampling)
                continue
            o_start, o_end = ns.original_span(start, end)
            # Special mask 0, as tokenizers: only the post-processor's tokens count.
            enc.append(tid, norm[start:end], (base + o_start, base + o_end), word)
            word += 1
        return word

    def _encode_part(
        self,
        ns: NormalizedString,
        lo: int,
        hi: int,
        enc: Encoding,
        base: int,
        word_base: int,
        sampling: _Sampling | None,
    ) -> int:
        """Pre-tokenize and encode ``ns.normalized[lo:hi]``; returns the next word index."""
        model = self.model
        inv = model._inverse()
        surface = getattr(model, "unk_surface_id", None)
        part = ns.normalized[lo:hi]
        if self.pre_tokenizer is not None:
            # tokenizers' Metaspace(prepend_scheme="first") asks whether the part starts
            # at offset 0 of the original text.
            at_origin = base + ns.original_span(lo, hi)[0] == 0
            pieces = self.pre_tokenizer._split_from(part, at_origin)
        else:
            pieces = [PreToken(part, 0, len(part))] if part else []
        for word, piece in enumerate(pieces, start=word_base):
            if sampling is None:
                ids, spans = model.tokenize(piece.text)
            else:
                ids, spans = model.sample(  # type: ignore[attr-defined]
                    piece.text,
                    alpha=sampling.alpha,
                    nbest_size=sampling.nbest_size,
                    rng=sampling.rng,
                )
            cmap = piece.char_map
            for tid, (s, e) in zip(ids, spans):
                if cmap is None:
                    ns_start, ns_end = piece.start + s, piece.start + e
                else:
                    src = [c for c in cmap[s:e] if c >= 0]
                    if src:
                        ns_start, ns_end = src[0], src[-1] + 1
                    else:
                        # Only chars without a source: the space (or ▁) put in front of
                        # the text, which Hugging Face aligns with the first char.
                        ns_start, ns_end = piece.start, piece.start + 1
                o_start, o_end = ns.original_span(lo + ns_start, lo + ns_end)
                token = piece.text[s:e] if tid == surface else inv.get(tid, "")
                enc.append(tid, token, (base + o_start, base + o_end), word)
        return word_base + len(pieces)

    def _encode_one(
        self, sequence: str, type_id: int, sampling: _Sampling | None = None
    ) -> Encoding:
        sequence = self._text(sequence, "encode")
        if sampling is None:
            fast = self._fast_encoder()
            if fast is not None:
                return self._encode_fast(fast, sequence, type_id)
        return self._encode_general(sequence, type_id, sampling)

    def _encode_general(self, sequence: str, type_id: int, sampling: _Sampling | None) -> Encoding:
        """Encode one text component by component (tokenizers' order for added tokens)."""
        enc = Encoding()
        words = 0
        for start, end, tid in self._split_raw(sequence):
            if tid is None:
                text = sequence[start:end]
                words = self._encode_text(text, enc, start, words, sampling, with_added=True)
                continue
            enc.append(tid, sequence[start:end], (start, end), words)
            words += 1
        enc.type_ids = [type_id] * len(enc.ids)
        return enc

    def _text(self, text: Any, what: str) -> str:
        """``text`` checked and made a plain str (see :func:`_as_str`)."""
        return _as_str(text, what, isinstance(self.model, TiktokenBPE))

    def _fast_encoder(self) -> Any:
        """The native encoder of this pipeline (built once), or None if it has none.

        Rebuilt when the model, normalizer or pre-tokenizer is replaced; a component
        changed in place (an option flipped on the same object) is not noticed, as
        the models' word caches do not notice it either.
        """
        model, norm, pre = self.model, self.normalizer, self.pre_tokenizer
        cached = self._fast
        if cached is not None and cached[0] is model and cached[1] is norm and cached[2] is pre:
            return cached[3]
        fast = fast_encoder(model, norm, pre, (self._general_columns, self._general_surfaces))
        if fast is None:
            fast = bert_encoder(model, norm, pre, self._general_columns)
        self._fast = (model, norm, pre, fast)
        return fast

    def _general_columns(
        self, text: str, base: int, word_base: int
    ) -> tuple[list[int], bytes, int]:
        """What a fast encoder's ``encode_columns`` gives, from the general pipeline."""
        enc = Encoding()
        words = self._encode_text(text, enc, base, word_base) - word_base
        column = array("q", enc.ids)
        column.extend(start for start, _ in enc.offsets)
        column.extend(end for _, end in enc.offsets)
        column.extend(w if w is not None else -1 for w in enc.word_ids)
        return enc.ids, column.tobytes(), words

    def _general_surfaces(self, text: str) -> list[str]:
        """What a fast encoder's ``unknown_surfaces`` gives, from the general pipeline."""
        enc = Encoding()
        self._encode_text(text, enc, 0, 0)
        surface = getattr(self.model, "unk_surface_id", None)
        return [token for tid, token in zip(enc.ids, enc.tokens) if tid == surface]

    def _fast_parts(self, text: str) -> list[Split] | Literal[False] | None:
        """The added-token split of ``text`` for a native encoder.

        Returns:
            None when no added token occurs (one native call encodes the text); the
            split; or False when a ``normalized=True`` token occurs once a part is
            normalized by a normalizer (the native encoders do not show the normalized
            text, so the general path encodes it). Without a normalizer, normalized
            tokens are matched on the raw parts, which are their normalized form.
        """
        added = self._added
        if not len(added):
            return None
        raw = added.raw_matcher()
        norm = self.normalizer
        normalized = added.normalized_matcher(norm)
        if norm is not None and normalized is not None:
            parts = self._split_raw(text)
            for start, end, tid in parts:
                if tid is None and normalized.may_occur(norm.normalize_str(text[start:end])):
                    return False
            return parts if len(parts) > 1 or (parts and parts[0][2] is not None) else None
        if not (raw is not None and raw.may_occur(text)) and not (
            normalized is not None and normalized.may_occur(text)
        ):
            return None
        parts = self._split_raw(text)
        if normalized is None:
            return parts
        out: list[Split] = []
        for start, end, tid in parts:
            if tid is not None:
                out.append((start, end, tid))
                continue
            out += [(start + s, start + e, t) for s, e, t in normalized.find(text[start:end])]
        return out

    def _unknown_surfaces(
        self, fast: Any, text: str, ids: list[int], at: int, added: dict[int, tuple[str, bool]]
    ) -> None:
        """Put the text of each unknown token of ``text`` (its ``ids`` start at token
        ``at``) into ``added``: the token a Unigram or SentencePiece model shows there."""
        surface = getattr(self.model, "unk_surface_id", None)
        if surface is None or surface not in ids:
            return
        texts = iter(fast.unknown_surfaces(text))
        for k, tid in enumerate(ids):
            if tid == surface:
                added[at + k] = (next(texts), False)

    def _encode_fast(self, fast: Any, sequence: str, type_id: int) -> Encoding:
        inverse = self.model._inverse()
        splits = self._fast_parts(sequence)
        if splits is False:
            return self._encode_general(sequence, type_id, None)
        if splits is None:
            # The ids list is made at once (most callers read it), the rest when read:
            # offsets and words cost as much again. Post-processing that does more
            # than put tokens around the text (trimming, truncation) reads them at
            # once, so those are made in the same call.
            if self._single_plan() is not None:
                return Encoding._from_columns(
                    (fast, sequence, self.model, type_id, None), fast.encode(sequence)
                )
            ids, cols, _ = fast.encode_columns(sequence)
            n = len(ids)
            unknown: dict[int, tuple[str, bool]] = {}
            self._unknown_surfaces(fast, sequence, ids, 0, unknown)
            columns = (cols, n, 0, n, inverse, type_id, unknown or None)
            return Encoding._from_columns(columns, ids)
        pre = self.pre_tokenizer
        # The native SentencePiece encoder prepends ▁ to every text it is given.
        first_only = type(pre) is Metaspace and pre.prepend_scheme == "first"
        parts: list[list[int]] = [[], [], [], []]
        added: dict[int, tuple[str, bool]] = {}
        word = 0
        for start, end, tid in splits:
            if tid is not None:
                # The matched text (spaces an lstrip/rstrip took included), special mask 0.
                added[len(parts[0])] = (sequence[start:end], False)
                for column, value in zip(parts, (tid, start, end, word)):
                    column.append(value)
                word += 1
                continue
            if first_only and start > 0:
                ids, cols, nw = self._general_columns(sequence[start:end], start, word)
                if getattr(self.model, "unk_surface_id", None) in ids:
                    part = Encoding()
                    self._encode_text(sequence[start:end], part, start, word)
                    for k, (tid, token) in enumerate(zip(part.ids, part.tokens)):
                        if tid == self.model.unk_surface_id:  # type: ignore[attr-defined]
                            added[len(parts[0]) + k] = (token, False)
            else:
                ids, cols, nw = fast.encode_columns(sequence[start:end], start, word)
                self._unknown_surfaces(fast, sequence[start:end], ids, len(parts[0]), added)
            mv = memoryview(cols).cast("q")
            n = len(mv) // 4
            for k, column in enumerate(parts):
                column += mv[k * n : (k + 1) * n].tolist()
            word += nw
        n = len(parts[0])
        data = memoryview(array("q", [v for column in parts for v in column]))
        return Encoding._from_columns((data, n, 0, n, inverse, type_id, added))

    def _encode_batch_fast(
        self,
        fast: Any,
        texts: list[str],
        num_threads: int | None,
        plan: SinglePlan | None,
        add_special_tokens: bool,
    ) -> list[Encoding]:
        """The encodings of ``texts`` (all str), natively on threads: final ones when
        the pipeline has a ``plan`` (see :meth:`_single_plan`), else to post-process."""
        special = self._with_added(texts) if len(self._added) else set()
        plain = [t for i, t in enumerate(texts) if i not in special] if special else texts
        out: list[Encoding] = []
        if plan is not None and self._padding is None:
            # Nothing reads the offsets now: each encoding computes them when read.
            specials = plan[1] if add_special_tokens else plan[2]
            out = self._pending_batch(fast, plain, num_threads, plan[0], specials)
        else:
            out = self._columns_batch(fast, plain, num_threads)
            if plan is not None:
                out = [self._apply_plan(e, plan, add_special_tokens) for e in out]
        if special:
            merged = iter(out)
            out = [
                self._encode_with_added(fast, t, plan, add_special_tokens)
                if i in special
                else next(merged)
                for i, t in enumerate(texts)
            ]
        return out

    def _with_added(self, texts: list[str]) -> set[int]:
        """The indices of the texts an added token occurs in (see :meth:`_fast_parts`)."""
        find = self._fast_parts
        added = self._added
        if self.normalizer is not None and added.has_normalized():
            return {i for i, t in enumerate(texts) if find(t) is not None}
        # Matched on the raw text: a text without the first char of any content holds
        # none of them, which a substring test tells faster than a call per text.
        firsts = "".join(sorted({c[0] for c in added.by_content if c}))
        if len(firsts) == 1:
            return {i for i, t in enumerate(texts) if firsts in t and find(t) is not None}
        return {
            i for i, t in enumerate(texts) if any(c in t for c in firsts) and find(t) is not None
        }

    def _encode_with_added(
        self, fast: Any, text: str, plan: SinglePlan | None, add_special_tokens: bool
    ) -> Encoding:
        """``text`` (with added tokens in it) on the fast path, then ``plan`` if given."""
        enc = self._encode_fast(fast, text, 0)
        return enc if plan is None else self._apply_plan(enc, plan, add_special_tokens)

    def _pending_batch(
        self,
        fast: Any,
        plain: list[str],
        num_threads: int | None,
        type_id: int,
        specials: Specials | None,
    ) -> list[Encoding]:
        """Encodings of texts with no added token, ids made natively on threads and the
        rest when read, with the special tokens a template puts around them."""
        model = self.model
        new = _new_object
        encode_many = fast.encode_many

        def encodings(run: list[str]) -> list[Encoding]:
            # Built by the thread that encoded the run: the other threads' native work
            # goes on meanwhile, where building them all here afterwards would not.
            part = encode_many(run)
            if specials is not None and (specials[2] or specials[3]):
                before, after = specials[2], specials[3]
                part = [[*before, *ids, *after] for ids in part]
            done: list[Encoding] = []
            for text, ids in zip(run, part):
                # What Encoding._from_columns makes, without a call per text.
                enc = new(Encoding)
                enc.ids = ids
                enc._columns = (fast, text, model, type_id, specials)  # type: ignore[attr-defined]
                done.append(enc)
            return done

        out: list[Encoding] = []
        for part in run_chunks(encodings, plain, num_threads):
            out += part
        return out

    def _columns_batch(
        self, fast: Any, plain: list[str], num_threads: int | None
    ) -> list[Encoding]:
        """Lazily built encodings of texts with no added token, from their columns."""
        inverse = self.model._inverse()
        from_columns = Encoding._from_columns
        surfaces = getattr(self.model, "unk_surface_id", None) is not None
        encode_many_columns = fast.encode_many_columns

        def encodings(run: list[str]) -> list[Encoding]:
            # Built by the thread that encoded the run (see _pending_batch).
            cols, counts = encode_many_columns(run)
            data = memoryview(cols).cast("q")
            n = len(data) // 4
            # The ids of the whole run as one list, sliced per text: far cheaper than
            # a list per text built from the columns when it is read (most callers do).
            all_ids = data[:n].tolist()
            done: list[Encoding] = []
            pos = 0
            for text, count in zip(run, memoryview(counts).cast("q").tolist()):
                end = pos + count
                ids = all_ids[pos:end]
                unknown: dict[int, tuple[str, bool]] = {}
                if surfaces:
                    self._unknown_surfaces(fast, text, ids, 0, unknown)
                columns = (data, n, pos, end, inverse, 0, unknown or None)
                done.append(from_columns(columns, ids))
                pos = end
            return done

        out: list[Encoding] = []
        for part in run_chunks(encodings, plain, num_threads):
            out += part
        return out

    def _single_plan(self) -> SinglePlan | None:
        """What post-processing one text does, when it only puts tokens around it (see
        ``PostProcessor.single_plan``); None when the post-processor must run."""
        if self._truncation is not None:
            return None
        post = self.post_processor
        return UNCHANGED if post is None else post.single_plan()

    def _apply_plan(self, enc: Encoding, plan: SinglePlan, add_special_tokens: bool) -> Encoding:
        """What post-processing makes of ``enc`` (one text), kept lazily built if it is."""
        specials = plan[1] if add_special_tokens else plan[2]
        if specials is None:  # post-processing leaves it as it is (or a copy of it)
            return enc
        templated = enc._templated(plan[0], specials)
        if templated is not None:
            return templated
        return self._post_process(enc, None, add_special_tokens)

    def _quick_state(self, plan: SinglePlan) -> tuple[Any, ...] | None:
        """What the quick path of :meth:`encode` needs, taken after a text went the
        general way to the fast path with a single ``plan``; None when this pipeline
        has no native encoder, or added tokens are matched on normalized text.

        ``(encoder, its encode call, model, added vocabulary, its generation, the one
        first char of the contents of its two matchers, their searches, post-processor,
        plan)``: a text goes the quick way while the added vocabulary is unchanged
        (attributes set on the tokenizer drop the whole state), the post-processor's
        plan is the same (it drops it when an attribute is set on it), and the matchers
        find nothing in the text.
        """
        fast = self._fast
        added = self._added
        if fast is None or fast[3] is None or (self.normalizer and added.has_normalized()):
            return None
        raw, normalized = added.raw_matcher(), added.normalized_matcher(None)
        g1, g2 = (None if m is None else m.pattern.search for m in (raw, normalized))
        # The one char all contents start with (cl100k's specials all start with "<"):
        # a text without it holds none of them, which ``in`` tells faster than a regex.
        firsts = {c[0] for m in (raw, normalized) if m is not None for c in m.by_content}
        first = firsts.pop() if len(firsts) == 1 else None
        model = self.model
        call = fast[3].encode
        if isinstance(model, TiktokenBPE):
            # encode_unicode finds lone surrogates in its own pass over the text.
            call = getattr(fast[3], "encode_unicode", None) or partial(_unless_surrogate, call)
        state = (fast[3], model, call, added, added.generation)
        return (*state, first, g1, g2, self.post_processor, plan)

    def _post_process(
        self, enc: Encoding, pair: Encoding | None, add_special_tokens: bool
    ) -> Encoding:
        self._truncate(enc, pair, add_special_tokens)
        if self.post_processor is not None:
            return self.post_processor.process(enc, pair, add_special_tokens)
        return default_process([enc] if pair is None else [enc, pair])

    def encode(
        self,
        sequence: str,
        pair: str | None = None,
        add_special_tokens: bool = True,
        *,
        nbest_size: int | None = None,
        alpha: float | None = None,
        seed: int | None = None,
    ) -> Encoding:
        """Encode one text, or a pair of texts.

        Args:
            sequence: the text.
            pair: an optional second text (BERT's sentence B: type id 1).
            add_special_tokens: let the post-processor add its special tokens.
            nbest_size: subword regularization (Unigram models): sample the
                segmentation of each word instead of taking the best one; ``> 1``
                draws among the ``nbest_size`` best, ``-1`` among all of them,
                ``0``/``1`` takes the best (SentencePiece's meaning). None: no
                sampling unless ``alpha`` is given (then -1).
            alpha: the smoothing of the sampling distribution (None: 0.1 when
                sampling).
            seed: makes the sampling reproducible: the same seed gives the same
                result on both cores. None: a fresh random seed per call.

        Returns:
            An :class:`~tokenlab.encoding.Encoding`; offsets index each token's own
            text. Truncation and padding apply if enabled.

        Raises:
            TypeError: a text is not a str.
            ConfigError: truncation cannot satisfy its settings, or sampling was
                asked of a model that cannot sample.

        >>> import tokenlab
        >>> tok = tokenlab.train(iter(["hug pug pun bun hugs"] * 5), algorithm="unigram",
        ...                      vocab_size=30, show_progress=False)
        >>> a = tok.encode("hugs pun", nbest_size=-1, alpha=0.5, seed=3).tokens
        >>> a == tok.encode("hugs pun", nbest_size=-1, alpha=0.5, seed=3).tokens
        True
        """
        quick = self._quick
        if quick is not None and pair is nbest_size is alpha is seed is None:
            # What the general way below gives a plain text on the fast path with a
            # single plan, without its checks: each is one here (see _quick_state).
            fast, model, call, added, generation, first, g1, g2, post, plan = quick
            if (
                type(sequence) is str
                and added.generation == generation
                and (post is None or post._plan is plan)
                and (
                    (first is not None and first not in sequence)
                    or (
                        (g1 is None or g1(sequence) is None)
                        and (g2 is None or g2(sequence) is None)
                    )
                )
                # None: a lone surrogate under tiktoken's rule, which the general way
                # below repairs as tiktoken does.
                and (ids := call(sequence)) is not None
            ):
                specials = plan[1] if add_special_tokens else plan[2]
                if specials is not None:
                    ids[:0] = specials[2]
                    ids += specials[3]
                # Two attribute stores: far cheaper than assigning __dict__ (a new dict).
                enc = _new_object(Encoding)
                enc.ids = ids
                enc._columns = (fast, sequence, model, plan[0], specials)  # type: ignore[attr-defined]
                return enc
        return self._encode_full(sequence, pair, add_special_tokens, nbest_size, alpha, seed)

    def _encode_full(
        self,
        sequence: str,
        pair: str | None,
        add_special_tokens: bool,
        nbest_size: int | None,
        alpha: float | None,
        seed: int | None,
    ) -> Encoding:
        """:meth:`encode` the general way (and take its quick state when it can)."""
        sampling = None
        if nbest_size is not None or alpha is not None or seed is not None:
            sampling = _Sampling.build(self.model, nbest_size, alpha, seed)
        enc = self._encode_one(sequence, 0, sampling)
        plan = self._single_plan() if pair is None else None
        if plan is not None:
            final = self._apply_plan(enc, plan, add_special_tokens)
            if sampling is None and self._padding is None:
                self._quick = self._quick_state(plan)
        else:
            pair_enc = self._encode_one(pair, 1, sampling) if pair is not None else None
            final = self._post_process(enc, pair_enc, add_special_tokens)
        if self._padding is not None:
            self._pad([final])
        return final

    def encode_batch(
        self,
        inputs: Sequence[str | tuple[str, str] | list[str]],
        add_special_tokens: bool = True,
        *,
        num_threads: int | None = None,
    ) -> list[Encoding]:
        """Encode several texts or ``(text, pair)`` tuples; padding spans the batch.

        Byte-level BPE and SentencePiece pipelines (see :meth:`encode_ordinary`)
        encode the texts on ``num_threads`` threads at once; the result never
        depends on the threads.

        Args:
            inputs: texts, or ``(text, pair)`` tuples.
            add_special_tokens: let the post-processor add its special tokens.
            num_threads: threads to encode on (None: one per available core).

        Returns:
            One :class:`~tokenlab.encoding.Encoding` per input, in order.

        Raises:
            TypeError: an input is neither a text nor a pair of texts.
            ConfigError: ``num_threads`` is not a positive integer, or truncation
                cannot satisfy its settings.

        >>> import tokenlab
        >>> tok = tokenlab.train(iter(["low lower lowest"] * 3), vocab_size=270,
        ...                      show_progress=False)
        >>> [e.ids for e in tok.encode_batch(["low", "lowest"])] == [
        ...     tok.encode("low").ids, tok.encode("lowest").ids]
        True
        """
        rule = isinstance(self.model, TiktokenBPE)
        # Plain strs that need no repair are taken as they are: no call per text.
        plain = _plain_strs(inputs, rule)
        items: list[Any] = (
            plain
            if plain is not None
            else [_as_str(i, "encode_batch", rule) if isinstance(i, str) else i for i in inputs]
        )
        fast = self._fast_encoder()
        if fast is not None and (plain is not None or set(map(type, items)) <= {str}):
            with gc_paused():
                plan = self._single_plan()
                strs: list[str] = items
                out = self._encode_batch_fast(fast, strs, num_threads, plan, add_special_tokens)
                if plan is None:
                    out = [self._post_process(e, None, add_special_tokens) for e in out]
        else:
            thread_count(num_threads)  # the same check on every path
            out = []
            for item in items:
                if isinstance(item, str):
                    enc, pair_enc = self._encode_one(item, 0), None
                elif isinstance(item, (tuple, list)) and len(item) == 2:
                    enc, pair_enc = self._encode_one(item[0], 0), self._encode_one(item[1], 1)
                else:
                    raise TypeError("encode_batch takes texts or (text, pair) tuples")
                out.append(self._post_process(enc, pair_enc, add_special_tokens))
        self._pad(out)
        return out

    def encode_ordinary(self, text: str) -> list[int]:
        """The token ids of ``text`` alone: no added tokens, no post-processing.

        tiktoken's ``encode_ordinary``: added (special) tokens written in the text are
        encoded as ordinary text, the post-processor adds nothing, and truncation
        and padding do not apply. Byte-level BPE pipelines (no normalizer; the
        ``byte-level``, ``gpt2``, ``cl100k_base`` or ``o200k_base`` pre-tokenizer; a
        byte-level BPE or tiktoken model) and SentencePiece pipelines (SentencePiece's
        normalizer or none, Metaspace or no pre-tokenizer, a Unigram or SentencePiece
        BPE model) take one native call; others run the general pipeline and give
        the same ids.

        Args:
            text: the text.

        Returns:
            The token ids.

        Raises:
            TypeError: ``text`` is not a str.

        >>> import tokenlab
        >>> tok = tokenlab.train(iter(["low lower lowest"] * 3), vocab_size=270,
        ...                      show_progress=False)
        >>> tok.encode_ordinary("lowest") == tok.encode("lowest").ids
        True
        """
        quick = self._ordinary
        if quick is not None and type(text) is str:
            ids = quick(text)
            if ids is not None:
                return ids
        text = self._text(text, "encode_ordinary")
        fast = self._fast_encoder()
        if fast is not None:
            self._ordinary = (
                fast.encode_unicode if isinstance(self.model, TiktokenBPE) else fast.encode
            )
            return fast.encode(text)
        enc = Encoding()
        self._encode_text(text, enc, 0, 0)
        return enc.ids

    def encode_ordinary_batch(
        self, texts: Sequence[str], *, num_threads: int | None = None
    ) -> list[list[int]]:
        """:meth:`encode_ordinary` of every text, on ``num_threads`` threads at once.

        Args:
            texts: the texts.
            num_threads: threads to encode on (None: one per available core). The
                result never depends on it.

        Returns:
            The token ids of each text, in order.

        Raises:
            TypeError: a text is not a str.
            ConfigError: ``num_threads`` is not a positive integer.

        >>> import tokenlab
        >>> tok = tokenlab.train(iter(["low lower lowest"] * 3), vocab_size=270,
        ...                      show_progress=False)
        >>> tok.encode_ordinary_batch(["low", "lowest"]) == [
        ...     tok.encode_ordinary("low"), tok.encode_ordinary("lowest")]
        True
        """
        rule = isinstance(self.model, TiktokenBPE)
        # Surrogates are repaired (tiktoken's rule) by the threads, run by run: the scan
        # for them overlaps the other threads' native work.
        plain = _plain_strs(texts, False)
        if plain is None:
            plain = [self._text(t, "encode_ordinary_batch") for t in texts]
        fast = self._fast_encoder()
        if fast is None:
            thread_count(num_threads)
            return [self.encode_ordinary(t) for t in plain]
        encode = partial(_encode_repaired, fast.encode_many) if rule else fast.encode_many
        out: list[list[int]] = []
        with gc_paused():  # lists of ints form no cycle; collecting them cost a tenth
            for part in run_chunks(encode, plain, num_threads):
                out += part
        return out

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        """Turn ids back into text.

        Args:
            ids: token ids.
            skip_special_tokens: leave special added tokens out.

        An id that is no token (a hole in the vocabulary, or above its largest
        id) decodes to nothing, as in ``tokenizers``.

        Raises:
            ConfigError: an id is negative or not an integer.
        """
        if type(ids) is not list and type(ids) is not tuple:
            ids = list(ids)  # an iterator is read once; arrays index the table as ints
        table = self._decode_table(ids)
        if table is not None:
            text = table.decode(ids, skip_special_tokens)
            if text is not None:
                return text
        tokens: list[str] = []
        for i in ids:
            added = self._added.by_id.get(i)
            if added is not None:
                text = self._added_text(added)
                # tokenizers skips a token whose shown text is a special token's content
                # (so a special token with normalized=True that the normalizer changes
                # stays in the text).
                if skip_special_tokens and text in self._added.special_contents():
                    continue
                tokens.append(text)
                continue
            tok = _token_of(self.model, i)
            if tok is not None:
                tokens.append(tok)
        if self.decoder is not None:
            return self.decoder.decode(tokens)
        return " ".join(tokens)

    def decode_batch(
        self, sequences: Sequence[Sequence[int]], skip_special_tokens: bool = True
    ) -> list[str]:
        """Decode several id lists.

        Args:
            sequences: id lists.
            skip_special_tokens: leave special added tokens out.

        Returns:
            One text per id list, as :meth:`decode` gives it.

        Raises:
            ConfigError: an id is negative or not an integer.
        """
        return [self.decode(ids, skip_special_tokens) for ids in sequences]

    def _decode_table(self, ids: Sequence[int]) -> Any:
        """The decode table of this pipeline (see ``fastpath.decode_table``), or None.

        Built once this tokenizer has decoded about as many ids as the table costs to
        build (``DECODE_TABLE_AFTER``), so a single short decode stays cheap; rebuilt
        when the model, decoder or normalizer is replaced or an added token changes.
        """
        state = self._fast_decode
        if (
            state is None
            or state[0] is not self.model
            or state[1] is not self.decoder
            or state[2] is not self.normalizer
            or state[3] != self._added.generation
        ):
            state = [self.model, self.decoder, self.normalizer, self._added.generation, 0, None]
            self._fast_decode = state
        if state[5] is None:
            state[4] += len(ids)
            if state[4] < DECODE_TABLE_AFTER:
                return None
            vocab = self.model.get_vocab()
            size = 1 + max(max(vocab.values(), default=-1), max(self._added.by_id, default=-1))
            # ids may leave holes (up to MAX_TOKEN_ID): a sparse vocabulary keeps the chain
            sparse = size > 2 * (len(vocab) + len(self._added.by_id)) + 1024
            state[5] = (not sparse and decode_table(size, self.decoder, self._decode_text)) or False
        return state[5] or None

    def _decode_text(self, i: int) -> tuple[str | None, bool]:
        """What :meth:`decode` passes the decoder for id ``i``, and whether
        ``skip_special_tokens`` drops it."""
        added = self._added.by_id.get(i)
        if added is None:
            return self.model.id_to_token(i), False
        text = self._added_text(added)
        return text, text in self._added.special_contents()

    # -- training -----------------------------------------------------------------------

    def train(
        self,
        files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        trainer: Trainer,
        errors: str = "strict",
        processes: int | None = None,
    ) -> None:
        """Train the model on text files, read line by line (line endings kept).

        Args:
            files: a path or list of paths (``.gz`` read transparently, ``"-"``: stdin).
            trainer: the trainer configuration.
            errors: how to treat invalid UTF-8: ``"strict"``, ``"replace"``, ``"ignore"``.
            processes: word-counting processes (None: one per core for large
                inputs). The trained tokenizer never depends on it.

        Raises:
            CorpusError: unreadable file, invalid UTF-8, or empty corpus.
        """
        special = self._trainer_specials(trainer)
        counts = count_words_in_files(
            files,
            self.normalizer,
            self.pre_tokenizer,
            errors=errors,
            processes=processes,
            show_progress=bool(getattr(trainer, "show_progress", False)),
        )
        self._train_counts(counts, trainer, special)

    def train_from_iterator(self, iterator: Iterable[str], trainer: Trainer) -> None:
        """Train the model on an iterable of texts (each is one sequence).

        Raises:
            CorpusError: an item is not a str, or there are no words.
        """
        special = self._trainer_specials(trainer)
        counts = count_words(iterator, self.normalizer, self.pre_tokenizer)
        self._train_counts(counts, trainer, special)

    @staticmethod
    def _trainer_specials(trainer: Any) -> list[AddedToken]:
        """The special tokens ``trainer`` asks for, checked before anything changes."""
        if not callable(getattr(trainer, "train_from_counts", None)):
            raise ConfigError(
                f"{type(trainer).__name__} is not a trainer: Tokenizer.train needs an object "
                "with train_from_counts, e.g. BPETrainer, WordPieceTrainer, UnigramTrainer "
                "or SentencePieceBPETrainer"
            )
        special = getattr(trainer, "special_tokens", None) or []
        tokens = [t.as_special() if isinstance(t, AddedToken) else t for t in special]
        tokens = [AddedToken(t, special=True) if isinstance(t, str) else t for t in tokens]
        for tok in tokens:
            if not (isinstance(tok, AddedToken) and isinstance(tok.content, str) and tok.content):
                raise ConfigError(
                    f"special token {tok!r} of the trainer is not a non-empty str or AddedToken"
                )
        return tokens

    def _train_counts(
        self, counts: Any, trainer: Trainer, special: list[AddedToken] | None = None
    ) -> None:
        # The tokenizer changes only once the model is trained; a failure after that
        # puts the old model and added tokens back, so it is never half replaced.
        if special is None:
            special = self._trainer_specials(trainer)
        model = trainer.train_from_counts(counts)
        old_model, old_added = self.model, copy.deepcopy(self._added)
        try:
            self.model = model
            self._add(special)
        except BaseException:
            self.model, self._added = old_model, old_added
            raise

    # -- serialization --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The whole pipeline as a Hugging Face ``tokenizer.json`` dict."""
        return {
            "version": "1.0",
            "truncation": self._truncation_dict(),
            "padding": self._padding_dict(),
            "added_tokens": [tok.to_dict(tid) for tid, tok in self.added_tokens],
            "normalizer": self.normalizer.to_dict() if self.normalizer else None,
            "pre_tokenizer": self.pre_tokenizer.to_dict() if self.pre_tokenizer else None,
            "post_processor": self.post_processor.to_dict() if self.post_processor else None,
            "decoder": self.decoder.to_dict() if self.decoder else None,
            "model": self.model.to_dict(),
        }

    def _truncation_dict(self) -> dict[str, Any] | None:
        t = self._truncation
        if t is None:
            return None
        return {
            "direction": _DIRECTIONS[t["direction"]],
            "max_length": t["max_length"],
            "strategy": _STRATEGIES[t["strategy"]],
            "stride": t["stride"],
        }

    def _padding_dict(self) -> dict[str, Any] | None:
        p = self._padding
        if p is None:
            return None
        return {
            "strategy": {"Fixed": p["length"]} if p["length"] is not None else "BatchLongest",
            "direction": _DIRECTIONS[p["direction"]],
            "pad_to_multiple_of": p["pad_to_multiple_of"],
            "pad_id": p["pad_id"],
            "pad_type_id": p["pad_type_id"],
            "pad_token": p["pad_token"],
        }

    def _load_settings(self, d: dict[str, Any]) -> None:
        names = {v: k for k, v in _STRATEGIES.items()}
        dirs = {v: k for k, v in _DIRECTIONS.items()}
        t = d.get("truncation")
        if t is not None:
            if not isinstance(t, dict):
                raise ModelFileError("'truncation' must be an object or null")
            try:
                self.enable_truncation(
                    t["max_length"],
                    stride=t.get("stride", 0),
                    strategy=names[t.get("strategy", "LongestFirst")],
                    direction=dirs[t.get("direction", "Right")],
                )
            except (KeyError, ConfigError) as e:
                raise ModelFileError(f"malformed 'truncation': {e}") from None
        p = d.get("padding")
        if p is not None:
            if not isinstance(p, dict):
                raise ModelFileError("'padding' must be an object or null")
            strategy = p.get("strategy", "BatchLongest")
            if isinstance(strategy, dict) and isinstance(strategy.get("Fixed"), int):
                length: int | None = strategy["Fixed"]
            elif strategy == "BatchLongest":
                length = None
            else:
                raise ModelFileError(f"malformed padding strategy {strategy!r}")
            try:
                self.enable_padding(
                    direction=dirs[p.get("direction", "Right")],
                    pad_id=p.get("pad_id", 0),
                    pad_type_id=p.get("pad_type_id", 0),
                    pad_token=p.get("pad_token", "[PAD]"),
                    length=length,
                    pad_to_multiple_of=p.get("pad_to_multiple_of"),
                )
            except (KeyError, ConfigError) as e:
                raise ModelFileError(f"malformed 'padding': {e}") from None

    def to_str(self, pretty: bool = False) -> str:
        """The ``tokenizer.json`` text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2 if pretty else None)

    def save(self, path: str | os.PathLike[str], pretty: bool = True) -> None:
        """Write ``tokenizer.json`` atomically (a temp file renamed into place).

        Raises:
            ConfigError: the directory of ``path`` does not exist.
        """
        check_writable_path(path)
        text = self.to_str(pretty)
        with atomic_write(path) as f:
            f.write(text)

    @classmethod
    def from_dict(cls, d: Any) -> Tokenizer:
        """Build from a ``tokenizer.json`` dict.

        Raises:
            ModelFileError: malformed or unsupported content.
        """
        if not isinstance(d, dict):
            raise ModelFileError("tokenizer.json must hold a JSON object")
        if "model" not in d:
            raise ModelFileError("tokenizer.json has no 'model'")
        try:
            tok = cls(
                model_from_dict(d["model"]),
                normalizer=normalizer_from_dict(d.get("normalizer")),
                pre_tokenizer=pre_tokenizer_from_dict(d.get("pre_tokenizer")),
                post_processor=processor_from_dict(d.get("post_processor")),
                decoder=decoder_from_dict(d.get("decoder")),
            )
        except ModelFileError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            raise ModelFileError(f"malformed component: {e}") from e
        added = d.get("added_tokens") or []
        if not isinstance(added, list):
            raise ModelFileError("'added_tokens' must be a list")
        for entry in added:
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("content"), str)
                or not entry["content"]
                or not isinstance(entry.get("id"), int)
            ):
                raise ModelFileError(f"malformed added token {entry!r}")
            tok._register(
                entry["id"],
                AddedToken(
                    entry["content"],
                    special=bool(entry.get("special", False)),
                    single_word=bool(entry.get("single_word", False)),
                    lstrip=bool(entry.get("lstrip", False)),
                    rstrip=bool(entry.get("rstrip", False)),
                    normalized=bool(entry.get("normalized", False)),
                ),
            )
        tok._load_settings(d)
        return tok

    @classmethod
    def from_str(cls, text: str) -> Tokenizer:
        """Build from ``tokenizer.json`` text.

        Raises:
            ModelFileError: not JSON, or malformed content.
        """
        try:
            d = json.loads(text)
            return cls.from_dict(d)
        except json.JSONDecodeError as e:
            raise ModelFileError(f"not valid JSON: {e}") from None
        except RecursionError:
            # '[' * 100000: the JSON parser (or a nested Sequence) runs out of stack
            raise ModelFileError("JSON nested too deeply to be a tokenizer") from None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **options: Any) -> Tokenizer:
        """Load a tokenizer file, recognized by its content (and, failing that, its name).

        ``tokenizer.json`` (written by tokenlab or by Hugging Face ``tokenizers``) is
        read here. Every other format is read by :func:`tokenlab.export.load`, which
        sniffs it: BERT's ``vocab.txt`` (``options`` go to
        :func:`tokenlab.export.bert.read_vocab_txt`, e.g. ``lowercase=False`` for a
        cased model), a SentencePiece ``.model``
        (:func:`tokenlab.export.sentencepiece.read_sentencepiece`), GPT-2's
        ``vocab.json`` + ``merges.txt`` or OpenAI's ``encoder.json`` + ``vocab.bpe``
        (a directory holding both, or the vocabulary file; ``options`` go to
        :func:`tokenlab.export.gpt2.read_gpt2`), and tiktoken rank files (lines of
        ``base64 rank``, whatever the name, e.g. ``cl100k_base.tiktoken`` or a
        ``tokenizer.model``; ``options`` go to :meth:`from_tiktoken`).

        How: this module may not import :mod:`tokenlab.export` (export builds
        tokenizers, so it imports this module). ``tokenlab.export`` registers its
        reader here with :func:`register_file_reader` when it is imported, and
        ``import tokenlab`` imports it, so every format works as soon as tokenlab
        is imported; the reader answers None for a ``tokenizer.json``, which is
        then read below.

        Args:
            path: the file (or a directory holding GPT-2's two files).
            **options: format-specific options.

        Returns:
            The tokenizer.

        Raises:
            ModelFileError: the file is missing, unreadable, malformed or of an
                unknown format; the message names the file.
            ConfigError: ``options`` that do not apply to the file's format.

        >>> import tokenlab, tempfile, os
        >>> tok = tokenlab.train(iter(["abc abc"]), vocab_size=258, show_progress=False)
        >>> path = os.path.join(tempfile.mkdtemp(), "tokenizer.json")
        >>> tok.save(path)
        >>> Tokenizer.from_file(path).encode("abc").ids == tok.encode("abc").ids
        True
        """
        p = os.fspath(path)
        with read_once(p):  # a pipe: the format is told from the bytes read here
            if _file_reader:
                foreign = _file_reader[0](p, None, options)
                if foreign is not None:
                    return foreign
            if options:
                raise ConfigError(f"options {sorted(options)} do not apply to tokenizer.json files")
            text = read_model_text(p)
        try:
            return cls.from_str(text)
        except ModelFileError as e:
            raise ModelFileError(f"{p}: {e}") from None

    @classmethod
    def from_tiktoken(
        cls,
        path: str | os.PathLike[str],
        pattern: str | None = None,
        special_tokens: Mapping[str, int] | None = None,
        name: str | None = None,
    ) -> Tokenizer:
        """Load a tiktoken ``.tiktoken`` rank file (see :mod:`tokenlab.export.tiktoken`).

        Read by the reader :mod:`tokenlab.export` registers (see :meth:`from_file`).

        Args:
            path: the rank file.
            pattern: tiktoken's ``pat_str``. None: from the JSON sidecar
                ``<path>.json``, else the published encoding of that name
                (``gpt2``/``r50k_base``, ``p50k_base``, ``cl100k_base``, ``o200k_base``).
            special_tokens: special token -> id (None: sidecar or published ones).
            name: the encoding name to look up (None: the file name).

        Returns:
            The tokenizer.

        Raises:
            ModelFileError: a malformed file (the message names file and line).
            ConfigError: no pattern is known for the file; pass ``pattern=``.
        """
        if not _file_reader:
            raise ConfigError("reading tiktoken files needs tokenlab.export: import tokenlab")
        options = {"pattern": pattern, "special_tokens": special_tokens, "name": name}
        tok = _file_reader[0](os.fspath(path), "tiktoken", options)
        if tok is None:  # a reader asked for one format always reads it
            raise ModelFileError(f"{os.fspath(path)}: not read as a tiktoken file")
        return tok

    def __repr__(self) -> str:
        return (
            f"Tokenizer(model={type(self.model).__name__}, vocab_size={self.get_vocab_size()}, "
            f"pre_tokenizer={self.pre_tokenizer!r})"
        )
