"""tiktoken's byte-level BPE: ranked byte strings, merged by rank, no merge list.

The rule of ``tiktoken``'s ``CoreBPE`` (OpenAI): the readable version is
tiktoken's ``_educational.py``. The model reads words byte-mapped (GPT-2's
byte -> char table), as a ``ByteLevel`` pre-tokenizer makes them; special
tokens are added tokens of the tokenizer, not part of the model. Its
``tokenizer.json`` form is the equivalent merge-list :class:`~tokenlab.models.BPE`
(:meth:`TiktokenBPE.to_bpe`).
"""

from __future__ import annotations

from codecs import charmap_decode
from collections.abc import Mapping
from itertools import repeat
from operator import itemgetter
from typing import Any

from .._backend import ByteRankMerger
from ..errors import ConfigError, ModelFileError
from ..pre_tokenizers import bytes_to_unicode
from ._base import MAX_TOKEN_ID, CachedModel, WordTokens
from .bpe import BPE

__all__ = ["TiktokenBPE"]


def _byte_level_codecs() -> tuple[str, dict[int, str]]:
    """Byte -> ByteLevel char as a ``codecs.charmap_decode`` table, and the way back as
    a ``str.translate`` table from ByteLevel chars to Latin-1 chars.

    Chars that are not ByteLevel chars map to U+FFFF, which Latin-1 cannot
    encode, so a word that was not byte-mapped fails loudly instead of silently.
    """
    forward = bytes_to_unicode()
    backward: dict[int, str] = {c: "\uffff" for c in range(0x100)}
    for b, ch in forward.items():
        backward[ord(ch)] = chr(b)
    return "".join(forward[b] for b in range(256)), backward


_TO_MAPPED, _FROM_MAPPED = _byte_level_codecs()
_SINGLE_BYTES = tuple(bytes([b]) for b in range(256))


def _check_ranks(ranks: dict[bytes, int]) -> None:
    """Refuse ranks tiktoken's rule cannot encode with (see :class:`TiktokenBPE`).

    The common case (exact ``bytes`` keys, exact ``int`` ranks) is checked in bulk,
    at C speed: loading cl100k_base's 100,256 ranks spends no Python loop here. Any
    other case goes through :func:`_diagnose_ranks`, which names the first bad entry
    (and accepts ``bytes``/``int`` subclasses, as it always has).

    Raises:
        ModelFileError: see :class:`TiktokenBPE`.
    """
    values = ranks.values()
    if (
        set(map(type, ranks)) != {bytes}
        or b"" in ranks
        or set(map(type, values)) != {int}
        or min(values) < 0
        or len(set(values)) != len(ranks)
    ):
        _diagnose_ranks(ranks)
    if ranks and max(values) > MAX_TOKEN_ID:
        rank = max(values)
        token = next(t for t, r in ranks.items() if r == rank)
        raise ModelFileError(
            f"tiktoken ranks: {token!r} has rank {rank}, above the largest id {MAX_TOKEN_ID} "
            "the encoders hold; renumber the ranks"
        )
    missing = [b for b in _SINGLE_BYTES if b not in ranks]
    if missing:
        raise ModelFileError(
            f"tiktoken ranks: {len(missing)} of the 256 single bytes have no rank (first: "
            f"{missing[0]!r}); tiktoken cannot encode text containing them"
        )


def _diagnose_ranks(ranks: dict[bytes, int]) -> None:
    """Raise ModelFileError on the first entry that is not ``non-empty bytes -> int >= 0``
    or repeats a rank; return when there is none (subclasses of bytes and int pass)."""
    by_rank: dict[int, bytes] = {}
    for token, rank in ranks.items():
        if not isinstance(token, bytes) or not token:
            raise ModelFileError(f"tiktoken ranks: token {token!r} is not non-empty bytes")
        if not isinstance(rank, int) or isinstance(rank, bool) or rank < 0:
            raise ModelFileError(f"tiktoken ranks: {token!r} has rank {rank!r}, not an int >= 0")
        if rank in by_rank:
            raise ModelFileError(
                f"tiktoken ranks: rank {rank} is given to both {by_rank[rank]!r} and {token!r}"
            )
        by_rank[rank] = token


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
        ModelFileError: a key is not non-empty bytes, a rank is not an int >= 0,
            is used twice or is above ``MAX_TOKEN_ID`` (2**31 - 2, the largest id
            the encoders hold), or one of the 256 single bytes has no rank.

    >>> ranks = {bytes([b]): b for b in range(256)}
    >>> ranks.update({b"ab": 256, b"abc": 257, b"bc": 258})
    >>> TiktokenBPE(ranks).tokenize("abcbc")
    ([257, 258], [(0, 3), (3, 5)])
    """

    def __init__(self, mergeable_ranks: Mapping[bytes, int]) -> None:
        super().__init__()
        ranks = dict(mergeable_ranks)
        _check_ranks(ranks)
        self.ranks = ranks
        self._rebuild()

    # Built on first use, never pickled: loading cl100k_base needs none of them (the
    # native fast path reads ``ranks``), and each costs as much as reading the file.
    _DERIVED = ("_vocab", "_merger", "_lengths")

    def _rebuild(self) -> None:
        self._vocab: dict[str, int] | None = None
        self._merger: Any = None
        self._lengths: dict[int, int] = {}

    # Read-only where Model's is an attribute: the ranks define this model.
    @property
    def vocab(self) -> dict[str, int]:  # type: ignore[override]
        """Token (byte-mapped, ``"Ġthe"`` for ``b" the"``) -> rank; built on first use."""
        vocab = self._vocab
        if vocab is None:
            ranks = self.ranks
            n = len(ranks)
            # charmap_decode maps each byte in C; map/zip keep the loop out of Python.
            decoded = map(charmap_decode, ranks, repeat("strict", n), repeat(_TO_MAPPED, n))
            vocab = self._vocab = dict(zip(map(itemgetter(0), decoded), ranks.values()))
        return vocab

    def _inverse(self) -> dict[int, str]:
        # The vocabulary never changes: no size check, and the inverse made in C.
        inv: dict[int, str] | None = getattr(self, "_inv", None)
        if inv is None:
            vocab = self.vocab
            inv = self._inv = dict(zip(vocab.values(), vocab))
        return inv

    def token_to_id(self, token: str) -> int | None:
        """The rank of the byte-mapped ``token``, or None (without building :attr:`vocab`)."""
        if not isinstance(token, str):
            return None
        try:
            data = token.translate(_FROM_MAPPED).encode("latin-1")
        except UnicodeEncodeError:
            return None  # a char that is no ByteLevel char: no token holds it
        return self.ranks.get(data)

    def get_vocab_size(self) -> int:
        """Number of tokens (ranks)."""
        return len(self.ranks)

    def _merge_tables(self) -> tuple[Any, dict[int, int]]:
        """The ``ByteRankMerger`` over the ranks and each rank's length in bytes.

        Only the general path (and :meth:`to_bpe`) merges with them; the native fast
        path has its own tables, so they are built on first use.
        """
        if self._merger is None:
            self._lengths = {rank: len(token) for token, rank in self.ranks.items()}
            self._merger = ByteRankMerger(self.ranks)
        return self._merger, self._lengths

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
        merger, lengths = self._merge_tables()
        ids = merger.encode(data)
        spans = []
        pos = 0
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
        merger, _ = self._merge_tables()
        merges: list[tuple[str, str]] = []
        for token, rank in sorted(self.ranks.items(), key=lambda kv: kv[1]):
            if len(token) < 2:
                continue
            parts = merger.merge(token, rank)
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
