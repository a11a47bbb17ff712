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

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import regex

from ._atomic import atomic_write, check_writable_path
from .corpus import count_words, count_words_in_files
from .decoders import Decoder, decoder_from_dict
from .errors import ConfigError, ModelFileError
from .models import Model, model_from_dict
from .normalizers import NormalizedString, Normalizer, normalizer_from_dict
from .pre_tokenizers import PreTokenizer, pre_tokenizer_from_dict
from .processors import PostProcessor, processor_from_dict

if TYPE_CHECKING:
    from .bpe import BPETrainer

__all__ = ["AddedToken", "Encoding", "Tokenizer"]


@dataclass
class AddedToken:
    """A token matched in the raw text before the model runs (e.g. ``<|endoftext|>``).

    Attributes mirror the ``added_tokens`` entries of ``tokenizer.json``.
    """

    content: str
    special: bool = True
    single_word: bool = False
    lstrip: bool = False
    rstrip: bool = False
    normalized: bool = False

    def to_dict(self, id: int) -> dict[str, Any]:
        return {
            "id": id,
            "content": self.content,
            "single_word": self.single_word,
            "lstrip": self.lstrip,
            "rstrip": self.rstrip,
            "normalized": self.normalized,
            "special": self.special,
        }


@dataclass
class Encoding:
    """The result of encoding one text.

    Attributes:
        ids: token ids.
        tokens: token strings.
        offsets: ``(start, end)`` char offsets of each token in the original text.
        type_ids: segment id of each token (0 for the first sequence).
        attention_mask: 1 for every real token.
        special_tokens_mask: 1 for added special tokens, else 0.
    """

    ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)
    type_ids: list[int] = field(default_factory=list)
    attention_mask: list[int] = field(default_factory=list)
    special_tokens_mask: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def _append(self, tid: int, token: str, span: tuple[int, int], special: int) -> None:
        self.ids.append(tid)
        self.tokens.append(token)
        self.offsets.append(span)
        self.type_ids.append(0)
        self.attention_mask.append(1)
        self.special_tokens_mask.append(special)


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
        self.model = model
        self.normalizer = normalizer
        self.pre_tokenizer = pre_tokenizer
        self.post_processor = post_processor
        self.decoder = decoder
        self._added: dict[str, tuple[int, AddedToken]] = {}
        self._added_by_id: dict[int, AddedToken] = {}
        self._added_re: Any = None

    # -- added tokens ---------------------------------------------------------------

    def add_special_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        """Add special tokens (kept whole, skipped by ``decode``); returns how many were new."""
        return self._add(tokens, special=True)

    def add_tokens(self, tokens: Iterable[str | AddedToken]) -> int:
        """Add ordinary added tokens; returns how many were new."""
        return self._add(tokens, special=False)

    def _add(self, tokens: Iterable[str | AddedToken], special: bool) -> int:
        new = 0
        for t in tokens:
            tok = t if isinstance(t, AddedToken) else AddedToken(t, special=special)
            if not tok.content:
                raise ConfigError("added tokens must be non-empty strings")
            if tok.content in self._added:
                continue
            tid = self.model.token_to_id(tok.content)
            if tid is None:
                used = set(self.model.vocab.values()) | set(self._added_by_id)
                tid = max(used, default=-1) + 1
            self._register(tid, tok)
            new += 1
        return new

    def _register(self, tid: int, tok: AddedToken) -> None:
        self._added[tok.content] = (tid, tok)
        self._added_by_id[tid] = tok
        contents = sorted(self._added, key=lambda s: (-len(s), s))
        self._added_re = regex.compile("|".join(regex.escape(c) for c in contents))

    @property
    def added_tokens(self) -> list[tuple[int, AddedToken]]:
        """The added tokens with their ids, by id."""
        return sorted(self._added.values(), key=lambda x: x[0])

    # -- vocabulary -------------------------------------------------------------------

    def get_vocab(self, with_added_tokens: bool = True) -> dict[str, int]:
        """token -> id."""
        vocab = self.model.get_vocab()
        if with_added_tokens:
            for content, (tid, _) in self._added.items():
                vocab[content] = tid
        return vocab

    def get_vocab_size(self, with_added_tokens: bool = True) -> int:
        """Number of distinct tokens."""
        return len(self.get_vocab(with_added_tokens))

    def token_to_id(self, token: str) -> int | None:
        """The id of ``token`` (added tokens included), or None."""
        hit = self._added.get(token)
        if hit is not None:
            return hit[0]
        return self.model.token_to_id(token)

    def id_to_token(self, id: int) -> str | None:
        """The token of ``id``, or None."""
        added = self._added_by_id.get(id)
        if added is not None:
            return added.content
        return self.model.id_to_token(id)

    # -- encoding ----------------------------------------------------------------------

    def _segments(self, text: str) -> Iterator[tuple[int, int, bool]]:
        """Split ``text`` into (start, end, is_added_token) runs."""
        if self._added_re is None:
            if text:
                yield (0, len(text), False)
            return
        pos = 0
        for m in self._added_re.finditer(text):
            if m.start() > pos:
                yield (pos, m.start(), False)
            yield (m.start(), m.end(), True)
            pos = m.end()
        if pos < len(text):
            yield (pos, len(text), False)

    def _encode_text(self, text: str, enc: Encoding, base: int) -> None:
        model = self.model
        inv = model._inverse()
        if self.normalizer is not None:
            ns = self.normalizer.normalize(NormalizedString.from_str(text))
        else:
            ns = NormalizedString.from_str(text)
        norm = ns.normalized
        if self.pre_tokenizer is not None:
            pieces = self.pre_tokenizer.split(norm)
        else:
            from .pre_tokenizers import PreToken

            pieces = [PreToken(norm, 0, len(norm))] if norm else []
        for piece in pieces:
            ids, spans = model.tokenize(piece.text)
            cmap = piece.char_map
            for tid, (s, e) in zip(ids, spans):
                if cmap is None:
                    ns_start, ns_end = piece.start + s, piece.start + e
                else:
                    src = [c for c in cmap[s:e] if c >= 0]
                    if src:
                        ns_start, ns_end = src[0], src[-1] + 1
                    else:
                        ns_start = ns_end = piece.start
                o_start, o_end = ns.original_span(ns_start, ns_end)
                enc._append(tid, inv.get(tid, ""), (base + o_start, base + o_end), 0)

    def encode(self, sequence: str, add_special_tokens: bool = True) -> Encoding:
        """Encode one text.

        Args:
            sequence: the text.
            add_special_tokens: run the post-processor (kept for API familiarity;
                with no template there is nothing to add).

        Returns:
            An :class:`Encoding` with ids, tokens and offsets into ``sequence``.

        Raises:
            TypeError: ``sequence`` is not a str.
        """
        if not isinstance(sequence, str):
            raise TypeError(f"encode() takes a str, got {type(sequence).__name__}")
        enc = Encoding()
        for start, end, added in self._segments(sequence):
            if added:
                tid, tok = self._added[sequence[start:end]]
                enc._append(tid, tok.content, (start, end), int(tok.special))
            else:
                self._encode_text(sequence[start:end], enc, start)
        if self.post_processor is not None:
            enc = self.post_processor.process(enc)
        return enc

    def encode_batch(
        self, inputs: Sequence[str], add_special_tokens: bool = True
    ) -> list[Encoding]:
        """Encode several texts (in order)."""
        return [self.encode(s, add_special_tokens) for s in inputs]

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        """Turn ids back into text.

        Args:
            ids: token ids.
            skip_special_tokens: leave special added tokens out.

        Raises:
            ValueError: an id is not in the vocabulary.
        """
        tokens: list[str] = []
        for i in ids:
            added = self._added_by_id.get(i)
            if added is not None:
                if skip_special_tokens and added.special:
                    continue
                tokens.append(added.content)
                continue
            tok = self.model.id_to_token(i)
            if tok is None:
                raise ValueError(f"id {i} is not in the vocabulary (size {self.get_vocab_size()})")
            tokens.append(tok)
        if self.decoder is not None:
            return self.decoder.decode(tokens)
        return " ".join(tokens)

    def decode_batch(
        self, sequences: Sequence[Sequence[int]], skip_special_tokens: bool = True
    ) -> list[str]:
        """Decode several id lists."""
        return [self.decode(ids, skip_special_tokens) for ids in sequences]

    # -- training -----------------------------------------------------------------------

    def train(
        self,
        files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        trainer: BPETrainer,
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
        counts = count_words_in_files(
            files,
            self.normalizer,
            self.pre_tokenizer,
            errors=errors,
            processes=processes,
            show_progress=trainer.show_progress,
        )
        self._train_counts(counts, trainer)

    def train_from_iterator(self, iterator: Iterable[str], trainer: BPETrainer) -> None:
        """Train the model on an iterable of texts (each is one sequence).

        Raises:
            CorpusError: an item is not a str, or there are no words.
        """
        counts = count_words(iterator, self.normalizer, self.pre_tokenizer)
        self._train_counts(counts, trainer)

    def _train_counts(self, counts: Any, trainer: BPETrainer) -> None:
        self.model = trainer.train_from_counts(counts)
        if trainer.special_tokens:
            self.add_special_tokens(trainer.special_tokens)

    # -- serialization --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The whole pipeline as a Hugging Face ``tokenizer.json`` dict."""
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [tok.to_dict(tid) for tid, tok in self.added_tokens],
            "normalizer": self.normalizer.to_dict() if self.normalizer else None,
            "pre_tokenizer": self.pre_tokenizer.to_dict() if self.pre_tokenizer else None,
            "post_processor": self.post_processor.to_dict() if self.post_processor else None,
            "decoder": self.decoder.to_dict() if self.decoder else None,
            "model": self.model.to_dict(),
        }

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
        return tok

    @classmethod
    def from_str(cls, text: str) -> Tokenizer:
        """Build from ``tokenizer.json`` text.

        Raises:
            ModelFileError: not JSON, or malformed content.
        """
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ModelFileError(f"not valid JSON: {e}") from None
        return cls.from_dict(d)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Tokenizer:
        """Load a ``tokenizer.json`` (written by tokenlab or by Hugging Face ``tokenizers``).

        Args:
            path: the file.

        Raises:
            ModelFileError: the file is missing, unreadable, or malformed; the
                message names the file.

        >>> import tokenlab, tempfile, os
        >>> tok = tokenlab.train(iter(["abc abc"]), vocab_size=258, show_progress=False)
        >>> path = os.path.join(tempfile.mkdtemp(), "tokenizer.json")
        >>> tok.save(path)
        >>> Tokenizer.from_file(path).encode("abc").ids == tok.encode("abc").ids
        True
        """
        p = os.fspath(path)
        try:
            with open(p, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise ModelFileError(f"{p}: no such file") from None
        except IsADirectoryError:
            raise ModelFileError(f"{p}: is a directory") from None
        except OSError as e:
            raise ModelFileError(f"{p}: cannot read ({e.strerror or e})") from e
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ModelFileError(f"{p}: not UTF-8 text (bad byte at offset {e.start})") from None
        try:
            return cls.from_str(text)
        except ModelFileError as e:
            raise ModelFileError(f"{p}: {e}") from None

    def __repr__(self) -> str:
        return (
            f"Tokenizer(model={type(self.model).__name__}, vocab_size={self.get_vocab_size()}, "
            f"pre_tokenizer={self.pre_tokenizer!r})"
        )
