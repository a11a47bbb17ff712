"""tiktoken's byte-level BPE: ranked byte strings, merged by rank, no merge list.

The rule of ``tiktoken``'s ``CoreBPE`` (OpenAI): the readable version is
tiktoken's ``_educational.py``. The model reads words byte-mapped (GPT-2's
byte -> char table), as a ``ByteLevel`` pre-tokenizer makes them; special
tokens are added tokens of the tokenizer, not part of the model. Its
``tokenizer.json`` form is the equivalent merge-list :class:`~tokenlab.models.BPE`
(:meth:`TiktokenBPE.to_bpe`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._backend import ByteRankMerger
from ..errors import ConfigError, ModelFileError
from ..pre_tokenizers import bytes_to_unicode
from ._base import CachedModel, WordTokens
from .bpe import BPE

__all__ = ["TiktokenBPE"]


def _byte_level_codecs() -> tuple[dict[int, str], dict[int, str]]:
    """str.translate tables: Latin-1 bytes -> ByteLevel chars, and back.

    Chars that are not ByteLevel chars map to U+FFFF, which Latin-1 cannot
    encode, so a word that was not byte-mapped fails loudly instead of silently.
    """
    forward = bytes_to_unicode()
    backward: dict[int, str] = {c: "\uffff" for c in range(0x100)}
    for b, ch in forward.items():
        backward[ord(ch)] = chr(b)
    return forward, backward


_TO_MAPPED, _FROM_MAPPED = _byte_level_codecs()


class TiktokenBPE(CachedModel):
    """tiktoken's byte-level BPE: ranked byte strings, no merge list.

    A word that is itself a token is one token; otherwise its bytes are merged
    pairwise, always the adjacent pair whose CONCATENATED bytes have the lowest
    rank, leftmost on ties (tiktoken's ``CoreBPE``). Token ids are the ranks.

    Words arrive byte-mapped, as a ``ByteLevel`` pre-tokenizer (or tiktoken's
    regex ``Split`` followed by ``ByteLevel(use_regex=False)``) makes them: one
    char per byte, so the spans of a token are its bytes' positions. ``vocab``
    holds the tokens in that mapped form (``"Ġthe"`` for ``b" the"``), as GPT-2's
    ``vocab.json`` does. Special tokens are not part of the model: they are
    added tokens of the :class:`~tokenlab.Tokenizer`.

    Args:
        mergeable_ranks: token bytes -> rank, tiktoken's ``mergeable_ranks``.

    Raises:
        ModelFileError: a key is not non-empty bytes, a rank is not an int >= 0
            or is used twice, or one of the 256 single bytes has no rank.

    >>> ranks = {bytes([b]): b for b in range(256)}
    >>> ranks.update({b"ab": 256, b"abc": 257, b"bc": 258})
    >>> TiktokenBPE(ranks).tokenize("abcbc")
    ([257, 258], [(0, 3), (3, 5)])
    """

    def __init__(self, mergeable_ranks: Mapping[bytes, int]) -> None:
        super().__init__()
        ranks: dict[bytes, int] = {}
        by_rank: dict[int, bytes] = {}
        for token, rank in mergeable_ranks.items():
            if not isinstance(token, bytes) or not token:
                raise ModelFileError(f"tiktoken ranks: token {token!r} is not non-empty bytes")
            if not isinstance(rank, int) or isinstance(rank, bool) or rank < 0:
                raise ModelFileError(
                    f"tiktoken ranks: {token!r} has rank {rank!r}, not an int >= 0"
                )
            if rank in by_rank:
                raise ModelFileError(
                    f"tiktoken ranks: rank {rank} is given to both {by_rank[rank]!r} and {token!r}"
                )
            ranks[token] = rank
            by_rank[rank] = token
        missing = [b for b in range(256) if bytes([b]) not in ranks]
        if missing:
            raise ModelFileError(
                f"tiktoken ranks: {len(missing)} of the 256 single bytes have no rank (first: "
                f"{bytes([missing[0]])!r}); tiktoken cannot encode text containing them"
            )
        self.ranks = ranks
        self.vocab = {
            token.decode("latin-1").translate(_TO_MAPPED): rank for token, rank in ranks.items()
        }
        self._lengths = {rank: len(token) for token, rank in ranks.items()}
        self._merger = ByteRankMerger(ranks)

    _DERIVED = ("_merger",)

    def _rebuild(self) -> None:
        self._merger = ByteRankMerger(self.ranks)

    def token_bytes(self, id: int) -> bytes | None:
        """The bytes of token ``id``, or None."""
        token = self.id_to_token(id)
        return None if token is None else token.translate(_FROM_MAPPED).encode("latin-1")

    def _encode_word(self, word: str) -> WordTokens:
        """Encode one byte-mapped word.

        Returns:
            ``(ids, spans)``: ranks and their ``(start, end)`` offsets in ``word``
            (one char per byte). The lists are shared with the cache: do not
            modify them.

        Raises:
            ValueError: ``word`` holds a char that is not a ByteLevel char.
        """
        try:
            data = word.translate(_FROM_MAPPED).encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(
                f"TiktokenBPE takes byte-mapped words (a ByteLevel pre-tokenizer); {word!r} "
                "is not one"
            ) from None
        ids = self._merger.encode(data)
        spans = []
        pos = 0
        lengths = self._lengths
        for tid in ids:
            end = pos + lengths[tid]
            spans.append((pos, end))
            pos = end
        result = (ids, spans)
        return result

    def to_bpe(self) -> BPE:
        """The same encoder as a :class:`BPE` with a merge list (Hugging Face's form).

        Each token's merge is found by merging its bytes with the ranks below its
        own: exactly two parts must remain, and they are its merge. Merges are
        ranked by the rank of their result. Then the BPE and tiktoken's rule
        encode every word alike (the proof is at
        :func:`tokenlab.export.tiktoken.check_tiktoken_exact`).

        Raises:
            ConfigError: a token cannot be built by merging with lower ranks
                (tiktoken only emits it when a whole piece equals it), which a
                merge list cannot express.
        """
        inv = self._inverse()
        merges: list[tuple[str, str]] = []
        for token, rank in sorted(self.ranks.items(), key=lambda kv: kv[1]):
            if len(token) < 2:
                continue
            parts = self._merger.merge(token, rank)
            if len(parts) != 2:
                raise ConfigError(
                    f"token {token!r} (rank {rank}) cannot be built by merging lower-ranked "
                    f"tokens (its bytes stop at {len(parts)} parts): a merge list cannot "
                    "express it"
                )
            merges.append((inv[parts[0]], inv[parts[1]]))
        return BPE(self.vocab, merges, ignore_merges=True)

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` of ``tokenizer.json``: the equivalent :meth:`to_bpe` BPE.

        Raises:
            ConfigError: see :meth:`to_bpe`.
        """
        return self.to_bpe().to_dict()
