"""What every model shares: the :class:`Model` surface and the per-word cache.

A model turns ONE pre-tokenized word into ``(ids, spans)``. Words repeat a lot
in text (Zipf), so the models that are not trivially cheap keep a cache of
words already encoded: :class:`CachedModel` is that cache, written once; a
model only writes :meth:`CachedModel._encode_word`.

The SentencePiece piece types are here too: the SentencePiece models of this
package and :mod:`tokenlab.sp_tokenizer` read them from one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._pieces import BYTE, CONTROL, NORMAL, UNKNOWN, UNUSED, USER_DEFINED
from ..errors import ModelFileError

__all__ = [
    "BYTE",
    "CACHE_LIMIT",
    "CONTROL",
    "MAX_TOKEN_ID",
    "NORMAL",
    "UNKNOWN",
    "UNUSED",
    "USER_DEFINED",
    "CachedModel",
    "Model",
    "WordTokens",
    "check_token_ids",
]

#: ``(ids, spans)`` of one word: token ids and their ``(start, end)`` char offsets.
WordTokens = tuple[list[int], list[tuple[int, int]]]

#: Per-word cache entries kept before the cache is cleared.
CACHE_LIMIT = 200_000

#: The largest token id: ids are 32-bit signed in both cores, which keep 2**31 - 1 as
#: "no token".
MAX_TOKEN_ID = 2**31 - 2


def check_token_ids(kind: str, vocab: Mapping[str, int]) -> None:
    """Refuse ids the cores cannot hold, at load time (not at the first encode).

    Raises:
        ModelFileError: an id is above :data:`MAX_TOKEN_ID`; names the token.
    """
    for token, tid in vocab.items():
        if isinstance(tid, int) and tid > MAX_TOKEN_ID:
            raise ModelFileError(
                f"{kind} model: token {token!r} has id {tid}, above the largest id "
                f"{MAX_TOKEN_ID}; renumber the vocabulary"
            )


class Model:
    """Base class: maps a word to ``(ids, spans)``; spans are char offsets in the word."""

    vocab: dict[str, int]

    #: Attributes built from the others (native encoders): left out of pickles and
    #: copies, and built again by :meth:`_rebuild` when the model is unpickled.
    _DERIVED: tuple[str, ...] = ()

    def __getstate__(self) -> dict[str, Any]:
        # Pickling keeps what defines the model; native objects and caches are rebuilt,
        # so a pickle never holds a native object and works on either backend.
        state = dict(self.__dict__)
        for name in (*self._DERIVED, "_cache", "_inv"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._rebuild()

    def _rebuild(self) -> None:
        """Build the :attr:`_DERIVED` attributes again (after unpickling)."""

    def tokenize(self, word: str) -> WordTokens:
        """Split one word into token ids and their ``(start, end)`` char spans."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` component of ``tokenizer.json``."""
        raise NotImplementedError

    def token_to_id(self, token: str) -> int | None:
        """The id of ``token``, or None."""
        return self.vocab.get(token)

    def id_to_token(self, id: int) -> str | None:
        """The token with id ``id``, or None."""
        return self._inverse().get(id)

    def get_vocab(self) -> dict[str, int]:
        """A copy of the vocabulary (token -> id)."""
        return dict(self.vocab)

    def get_vocab_size(self) -> int:
        """Number of entries in the vocabulary."""
        return len(self.vocab)

    def _inverse(self) -> dict[int, str]:
        inv = getattr(self, "_inv", None)
        if inv is None or len(inv) != len(self.vocab):
            inv = {i: t for t, i in self.vocab.items()}
            self._inv = inv
        return inv


class CachedModel(Model):
    """A model that remembers the words it has encoded (up to :data:`CACHE_LIMIT`).

    Subclasses implement :meth:`_encode_word`; :meth:`tokenize` looks the word up
    first. The cache is cleared whole when full: cheaper than an LRU per lookup,
    and the frequent words come back at once.
    """

    def __init__(self) -> None:
        self._cache: dict[str, WordTokens] = {}

    @property
    def _cacheable(self) -> bool:
        # A model whose encoding of a word varies between calls (BPE-dropout) says no.
        return True

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._cache = {}
        super().__setstate__(state)

    def clear_cache(self) -> None:
        """Drop the per-word cache (it is also cleared when it grows too large)."""
        self._cache.clear()

    def tokenize(self, word: str) -> WordTokens:
        """Encode one word.

        Args:
            word: a pre-tokenized word.

        Returns:
            ``(ids, spans)``: token ids and their ``(start, end)`` char offsets in
            ``word``. The lists are shared with the cache: do not modify them.

        Raises:
            ValueError: the model cannot encode ``word`` (see the model's class).
        """
        if not self._cacheable:
            return self._encode_word(word)
        cache = self._cache
        hit = cache.get(word)
        if hit is not None:
            return hit
        result = self._encode_word(word)
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[word] = result
        return result

    def _encode_word(self, word: str) -> WordTokens:
        """Encode one word without the cache (what subclasses write)."""
        raise NotImplementedError
