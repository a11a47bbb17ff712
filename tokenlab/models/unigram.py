"""Unigram language-model tokenization, plain (Hugging Face's) and SentencePiece's.

Kudo, 2018, "Subword Regularization: Improving Neural Network Translation
Models with Multiple Subword Candidates". :class:`Unigram` is Hugging Face's
``Unigram`` model; :class:`SentencePieceUnigram` adds SentencePiece's piece
types (control, user-defined, unused and byte pieces). Both segment by
Viterbi and sample segmentations (:meth:`Unigram.sample`) with
:class:`SplitMix64`, which gives the same samples on either core. Not
supported: SentencePiece's ``.model`` denormalizer (see
:mod:`tokenlab.sp_tokenizer`).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from .._backend import UNK_PENALTY, UnigramLattice, splitmix64
from ..errors import ConfigError, ModelFileError
from ._base import (
    BYTE,
    CONTROL,
    NORMAL,
    UNKNOWN,
    UNUSED,
    USER_DEFINED,
    CachedModel,
    WordTokens,
)

__all__ = ["SentencePieceUnigram", "SplitMix64", "Unigram"]


def _float32(x: float) -> float:
    """``x`` rounded to float32, as sentencepiece keeps every score."""
    return float(struct.unpack("f", struct.pack("f", x))[0])


class SplitMix64:
    """A seeded random generator for subword sampling, identical on both cores.

    SplitMix64 (Steele, Lea and Flood, 2014): tiny state (one 64-bit int), good
    statistical quality, and trivially the same in Python and in C, so a seed
    gives the same sampled segmentations whichever core runs.

    Args:
        seed: any int (reduced modulo 2**64).

    >>> rng = SplitMix64(42)
    >>> 0.0 <= rng.random() < 1.0
    True
    """

    def __init__(self, seed: int = 0) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        self.state = seed & 0xFFFFFFFFFFFFFFFF

    def next_u64(self) -> int:
        """The next 64-bit value."""
        value, self.state = splitmix64(self.state)
        return int(value)

    def random(self) -> float:
        """A float uniform in ``[0, 1)`` (53 random bits)."""
        return (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)


class Unigram(CachedModel):
    """Unigram language-model tokenization (Kudo, 2018, "Subword Regularization").

    Each piece has a score (its log-probability); a word is split into the
    pieces whose scores add up to the most (the Viterbi path of its lattice).
    A char that starts no one-char piece is unknown and scores the lowest piece
    score minus 10 (SentencePiece's and Hugging Face's rule); consecutive
    unknown chars become ONE unknown token or, with ``byte_fallback``, the
    UTF-8 bytes of the run as ``<0xNN>`` pieces (each spanning the run, as in
    Hugging Face). Ties between paths of equal score go to the path whose last
    piece is longest, at every position (what both libraries' encoders do).

    Every vocabulary entry can match text, as in Hugging Face's ``Unigram``
    (SentencePiece never matches its control pieces; text rarely contains
    ``<s>``). Subword regularization: :meth:`sample`.

    Args:
        vocab: ``(piece, score)`` per id.
        unk_id: id of the unknown token, or None (an unknown char is then an
            error, as in Hugging Face).
        byte_fallback: unknown chars become their ``<0xNN>`` byte pieces when
            all of them are in the vocabulary.

    Raises:
        ModelFileError: malformed vocabulary or ``unk_id``.

    >>> m = Unigram([("<unk>", 0.0), ("▁", -2.0), ("a", -3.0), ("b", -3.0), ("▁ab", -4.0)])
    >>> m.tokenize("▁abba")
    ([4, 3, 2], [(0, 3), (3, 4), (4, 5)])
    """

    def __init__(
        self,
        vocab: Sequence[tuple[str, float]] | None = None,
        unk_id: int | None = 0,
        byte_fallback: bool = False,
    ) -> None:
        super().__init__()
        entries: list[tuple[str, float]] = []
        for i, entry in enumerate(vocab or []):
            if (
                not isinstance(entry, (tuple, list))
                or len(entry) != 2
                or not isinstance(entry[0], str)
                or not isinstance(entry[1], (int, float))
                or isinstance(entry[1], bool)
            ):
                raise ModelFileError(
                    f"Unigram model: vocab entry #{i} {entry!r} is not a [piece, score] pair"
                )
            score = float(entry[1])
            if score != score or score in (float("inf"), float("-inf")):
                raise ModelFileError(f"Unigram model: vocab entry #{i} has score {score!r}")
            entries.append((entry[0], score))
        if unk_id is not None and (
            not isinstance(unk_id, int)
            or isinstance(unk_id, bool)
            or not 0 <= unk_id < len(entries)
        ):
            raise ModelFileError(
                f"Unigram model: unk_id={unk_id!r} is not the id of a vocabulary entry "
                f"(0..{len(entries) - 1}); use the id of the '<unk>' piece, or None"
            )
        if not isinstance(byte_fallback, bool):
            raise ModelFileError("Unigram model: 'byte_fallback' must be true or false")
        self.pieces = entries
        self.unk_id = unk_id
        self.byte_fallback = byte_fallback
        self.vocab = {piece: i for i, (piece, _) in enumerate(entries)}
        min_score = min((s for _, s in entries), default=0.0)
        # Without an unknown token, unknown nodes report an id past the vocabulary.
        self._unk = unk_id if unk_id is not None else len(entries)
        # Kept so that the other core's lattice can be built alike (the twin tests).
        self._lattice_args: tuple[Any, ...] = (
            [p for p, _ in entries],
            [s for _, s in entries],
            self._unk,
            min_score - UNK_PENALTY,
        )
        self._lattice = UnigramLattice(*self._lattice_args)

    _DERIVED = ("_lattice",)

    def _rebuild(self) -> None:
        self._lattice = UnigramLattice(*self._lattice_args)

    def _finish(
        self, word: str, ids: list[int], spans: list[tuple[int, int]]
    ) -> tuple[list[int], list[tuple[int, int]]]:
        """Fuse runs of unknown ids, then apply byte fallback (or fail without unk)."""
        unk = self._unk
        if unk not in ids:
            return ids, spans
        out_ids: list[int] = []
        out_spans: list[tuple[int, int]] = []
        prev_unk = False
        for tid, span in zip(ids, spans):
            if tid == unk and prev_unk:
                out_spans[-1] = (out_spans[-1][0], span[1])
                continue
            prev_unk = tid == unk
            out_ids.append(tid)
            out_spans.append(span)
        if not self.byte_fallback and self.unk_id is not None:
            return out_ids, out_spans
        ids, spans = [], []
        matched = self._lattice_args[0]
        for tid, (start, end) in zip(out_ids, out_spans):
            if tid == unk and self.byte_fallback:
                # tokenizers looks the fused run up first: a typed "<unk>" stays itself.
                hit = self.vocab.get(word[start:end])
                if hit is not None and matched[hit] is not None:
                    ids.append(hit)
                    spans.append((start, end))
                    continue
                text = word[start:end].encode("utf-8", "surrogatepass")
                byte_ids = [self.vocab.get(f"<0x{b:02X}>") for b in text]
                if all(b is not None for b in byte_ids):
                    ids.extend(byte_ids)  # type: ignore[arg-type]
                    spans.extend([(start, end)] * len(byte_ids))
                    continue
            if tid == unk and self.unk_id is None:
                raise ValueError(
                    f"Unigram model: {word[start:end]!r} is not in the vocabulary and the "
                    "model has no unknown token (unk_id is None)"
                )
            ids.append(tid)
            spans.append((start, end))
        return ids, spans

    def _encode_word(self, word: str) -> WordTokens:
        """Encode one word by its Viterbi segmentation.

        Args:
            word: a pre-tokenized word (with ``▁`` for spaces, for SentencePiece
                vocabularies).

        Returns:
            ``(ids, spans)``: token ids and their ``(start, end)`` char offsets in
            ``word``. The lists are shared with the cache: do not modify them.

        Raises:
            ValueError: an unknown char and no unknown token.
        """
        ids, spans = self._lattice.encode(word, False)
        return self._finish(word, ids, spans)

    def nbest(self, word: str, size: int) -> list[tuple[list[int], list[tuple[int, int]], float]]:
        """The ``size`` best segmentations of ``word`` as ``(ids, spans, score)``, best first."""
        return [
            (*self._finish(word, i, s), score) for i, s, score in self._lattice.nbest(word, size)
        ]

    def sample(
        self,
        word: str,
        *,
        alpha: float = 0.1,
        nbest_size: int = -1,
        rng: SplitMix64 | None = None,
    ) -> tuple[list[int], list[tuple[int, int]]]:
        """Sample a segmentation (subword regularization, SentencePiece's ``SampleEncode``).

        Args:
            word: a pre-tokenized word.
            alpha: smoothing: a segmentation is drawn with probability
                proportional to ``exp(alpha * score)``.
            nbest_size: ``0`` or ``1``: no sampling (Viterbi); ``> 1``: draw among
                the ``nbest_size`` best segmentations (capped at 1024, as
                SentencePiece does); ``< 0``: draw among all segmentations
                (forward filtering, backward sampling).
            rng: the generator (``SplitMix64``); a fixed seed reproduces the
                samples on either core. A new ``SplitMix64(0)`` if None.

        Returns:
            ``(ids, spans)``, as :meth:`tokenize`.

        >>> m = Unigram([("<unk>", 0.0), ("a", -1.0), ("aa", -1.5)])
        >>> m.sample("aaaa", alpha=0.0, nbest_size=-1, rng=SplitMix64(7))[0]
        [2, 2]
        """
        if not isinstance(nbest_size, int) or isinstance(nbest_size, bool):
            raise TypeError(f"nbest_size must be an int, got {type(nbest_size).__name__}")
        if rng is None:
            rng = SplitMix64(0)
        if nbest_size in (0, 1):
            ids, spans = self.tokenize(word)
            return list(ids), list(spans)
        if nbest_size > 1:
            best = self._lattice.nbest(word, min(nbest_size, 1024))
            top = max(score for _, _, score in best)
            weights = [math.exp(alpha * (score - top)) for _, _, score in best]
            target = rng.random() * math.fsum(weights)
            pick = len(best) - 1
            acc = 0.0
            for k, w in enumerate(weights):
                acc += w
                if target < acc:
                    pick = k
                    break
            ids, spans, _ = best[pick]
        else:
            ids, spans, rng.state = self._lattice.sample(word, float(alpha), rng.state)
        return self._finish(word, ids, spans)

    def id_to_piece(self, id: int) -> str:
        """The piece with id ``id``."""
        return self.pieces[id][0]

    @property
    def unk_surface_id(self) -> int | None:
        """The id whose token in an Encoding is the text it covers, not its piece: the
        unknown id (``tokenizers``' Unigram and ``sentencepiece`` both show the unknown
        text, normalized, as the token)."""
        return self.unk_id

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` component of ``tokenizer.json`` (Hugging Face's Unigram)."""
        return {
            "type": "Unigram",
            "unk_id": self.unk_id,
            "vocab": [[piece, score] for piece, score in self.pieces],
            "byte_fallback": self.byte_fallback,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Unigram:
        """Build from a ``tokenizer.json`` model dict.

        Raises:
            ModelFileError: missing or malformed fields.
        """
        vocab = d.get("vocab")
        if not isinstance(vocab, list):
            raise ModelFileError("Unigram model: 'vocab' must be a list of [piece, score] pairs")
        return cls(
            [tuple(e) if isinstance(e, list) else e for e in vocab],
            unk_id=d.get("unk_id"),
            byte_fallback=d.get("byte_fallback", False),
        )


class SentencePieceUnigram(Unigram):
    """A Unigram model with SentencePiece's piece types, encoding as ``sentencepiece`` does.

    The same Viterbi as :class:`~tokenlab.models.Unigram`, with SentencePiece's
    rules for the types: unknown, control and byte pieces (and unused ones)
    never match text; a user-defined piece of ``n`` UTF-8 bytes scores
    ``0.1 * (n - 1)`` (sentencepiece 0.2.3's bonus), which makes it win over any
    split of it; the unknown char scores the lowest NORMAL score minus 10.

    Args:
        pieces: ``(piece, score, type)`` per id (types as in
            :class:`~tokenlab.models.SentencePieceBPE`).
        byte_fallback: unknown chars become their ``<0xNN>`` byte pieces.

    Raises:
        ModelFileError: no unknown piece or more than one, a bad type, or byte
            fallback without the byte pieces.

    >>> m = SentencePieceUnigram([("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("▁", -1.0, 1),
    ...                           ("a", -2.0, 1), ("s", -2.0, 1), ("<", -2.0, 1)])
    >>> m.tokenize("▁<s>a")[0]  # "<s>" is a control piece: never matched in text
    [2, 5, 4, 0, 3]
    """

    def __init__(
        self, pieces: Sequence[tuple[str, float, int]], *, byte_fallback: bool = False
    ) -> None:
        types: list[int] = []
        unk_id: int | None = None
        for i, entry in enumerate(pieces):
            if not (isinstance(entry, (tuple, list)) and len(entry) == 3):
                raise ModelFileError(f"SentencePiece piece #{i} must be (piece, score, type)")
            kind = entry[2]
            if kind not in (NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE):
                raise ModelFileError(
                    f"SentencePiece piece #{i} {entry[0]!r} has unknown type {kind!r}"
                )
            if kind == UNKNOWN:
                if unk_id is not None:
                    raise ModelFileError("SentencePiece model has more than one unknown piece")
                unk_id = i
            types.append(int(kind))
        if unk_id is None:
            raise ModelFileError("SentencePiece model has no unknown piece (type 2)")
        super().__init__([(p, s) for p, s, _ in pieces], unk_id=unk_id, byte_fallback=False)
        if len(self.vocab) != len(self.pieces) or any(not p for p, _ in self.pieces):
            raise ModelFileError("SentencePiece pieces must be unique non-empty strings")
        if byte_fallback:
            for b in range(256):
                bid = self.vocab.get(f"<0x{b:02X}>")
                if bid is None or types[bid] != BYTE:
                    raise ModelFileError(
                        f"byte_fallback needs the 256 byte pieces; <0x{b:02X}> is missing"
                    )
        self.byte_fallback = byte_fallback
        self.types = types
        normal = [s for (_, s), t in zip(self.pieces, types) if t == NORMAL]
        min_score = min(normal, default=0.0)
        matched = [
            p if t in (NORMAL, USER_DEFINED) else None for (p, _), t in zip(self.pieces, types)
        ]
        scores = [
            _float32(0.1 * (len(p.encode("utf-8", "surrogatepass")) - 1))
            if t == USER_DEFINED
            else s
            for (p, s), t in zip(self.pieces, types)
        ]
        # Paths are scored as sentencepiece scores them: in float32 (see UnigramLattice).
        self._lattice_args = (matched, scores, unk_id, min_score - UNK_PENALTY, True)
        self._lattice = UnigramLattice(*self._lattice_args)

    @property
    def typed_pieces(self) -> list[tuple[str, float, int]]:
        """``(piece, score, type)`` per id."""
        return [(p, s, t) for (p, s), t in zip(self.pieces, self.types)]

    def to_dict(self) -> dict[str, Any]:
        """Hugging Face's ``Unigram`` model, when it encodes the same.

        Raises:
            ConfigError: the model has user-defined or unused pieces: ``tokenizers``
                scores a user-defined piece by its stored score (SentencePiece gives
                it a bonus) and matches unused pieces.
        """
        odd = [p for (p, _), t in zip(self.pieces, self.types) if t in (USER_DEFINED, UNUSED)]
        if odd:
            raise ConfigError(
                f"this Unigram model has user-defined or unused pieces ({odd[0]!r}, ...), "
                "which tokenizers' Unigram cannot encode as SentencePiece does; export it "
                "as a .model file (tokenlab.export.sentencepiece.write_sentencepiece) instead"
            )
        return super().to_dict()
