"""Pure twin of the native fast encoder (``_encode.pxi``): byte-level BPE, text to ids.

:class:`ByteLevelEncoder` encodes a whole text of a byte-level BPE pipeline (no
normalizer; a fixed split pattern, or none; an optional added space in front; the
UTF-8 bytes of each piece merged) in one call. Here it is written plainly on the
``regex`` module and the pure merge rules of :mod:`tokenlab._pymerge`: for tiktoken
ranks it runs tiktoken's own rule (:class:`~tokenlab._pymerge.ByteRankMerger`), where
the native core uses an equivalent pair table (see ``_encode.pxi``); the tests check
that both give the same ids, offsets and word indices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import regex

from ._patterns import SCAN_PATTERNS
from ._pycommon import _check_str, _Columns
from ._pymerge import ByteRankMerger, MergeTable
from ._pyscan import SCAN_NAMES

__all__ = ["ByteLevelEncoder"]

# Words kept in the per-encoder cache before it is cleared.
_CACHE_LIMIT = 1 << 18
# A surrogate code point (U+D800..U+DFFF): in a str, never in UTF-8 text.
_SURROGATE = regex.compile("[\ud800-\udfff]")


class ByteLevelEncoder(_Columns):
    """Text -> token ids (and offsets) of a byte-level BPE pipeline in one call.

    Args:
        pattern: the split pattern's scanner name (``SCAN_NAMES``), or None: the
            text is one piece.
        add_prefix_space: put a space in front of a text that does not start with one.
        byte_ids: the id of each of the 256 single bytes.
        merges: ``(left_id, right_id, new_id)`` in rank order (rank = index).
        whole: byte string -> id: a piece equal to a key is that one token.

    Raises:
        ValueError: an unknown pattern, or not 256 byte ids.

    >>> enc = ByteLevelEncoder.from_ranks("gpt2", {bytes([b]): b for b in range(256)})
    >>> enc.encode("hi!")
    [104, 105, 33]
    """

    def __init__(
        self,
        pattern: str | None,
        add_prefix_space: bool,
        byte_ids: Sequence[int],
        merges: Iterable[tuple[int, int, int]],
        whole: Mapping[bytes, int] | None = None,
    ) -> None:
        self._setup(pattern, add_prefix_space)
        if len(byte_ids) != 256:
            raise ValueError(f"byte_ids must hold 256 ids, got {len(byte_ids)}")
        self._byte_ids = list(byte_ids)
        self._table = MergeTable(list(merges))
        self._whole = dict(whole or {})
        self._merger: Any = None
        self._lengths: dict[int, int] = {}

    def _setup(self, pattern: str | None, add_prefix_space: bool) -> None:
        if pattern is not None and pattern not in SCAN_NAMES:
            raise ValueError(
                f"no fixed-pattern scanner for {pattern!r}; use None or one of "
                f"{', '.join(SCAN_NAMES)}"
            )
        self.pattern = pattern
        self.add_prefix_space = bool(add_prefix_space)
        self._re = None if pattern is None else regex.compile(SCAN_PATTERNS[pattern])
        self._cache: dict[bytes, tuple[list[int], list[int]]] = {}

    @classmethod
    def from_ranks(
        cls, pattern: str | None, ranks: Mapping[bytes, int], add_prefix_space: bool = False
    ) -> ByteLevelEncoder:
        """The encoder of tiktoken's rule over ``ranks`` (byte string -> rank = id).

        Raises:
            ValueError: a single byte has no rank.
        """
        self = cls.__new__(cls)
        self._setup(pattern, add_prefix_space)
        for b in range(256):
            if bytes([b]) not in ranks:
                raise ValueError(f"byte {bytes([b])!r} has no rank: the rank table lacks it")
        self._merger = ByteRankMerger(ranks)
        self._lengths = {rank: len(token) for token, rank in ranks.items()}
        return self

    def __repr__(self) -> str:
        return (
            f"ByteLevelEncoder(pattern={self.pattern!r}, add_prefix_space={self.add_prefix_space})"
        )

    def clear_cache(self) -> None:
        """Forget the cached words (they never change results, only speed)."""
        self._cache.clear()

    def _piece(self, data: bytes) -> tuple[list[int], list[int]]:
        """The ids of one piece's bytes and the byte length of each."""
        hit = self._cache.get(data)
        if hit is not None:
            return hit
        if self._merger is not None:
            ids = self._merger.encode(data)
            lens = [self._lengths[i] for i in ids]
        elif len(data) > 1 and data in self._whole:
            ids, lens = [self._whole[data]], [len(data)]
        else:
            ids, lens = self._table.split([self._byte_ids[b] for b in data])
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[data] = (ids, lens)
        return ids, lens

    def _encode(self, text: str, base: int, word_base: int, out: list[list[int]]) -> int:
        # Append ids, starts, ends and word indices of ``text`` to ``out``; returns words.
        if not text:
            return 0
        shift = 0
        if self.add_prefix_space and not text.startswith(" "):
            text, shift = " " + text, 1
        spans = [(0, len(text))] if self._re is None else self._spans(text)
        ids_out, starts, ends, words_out = out
        for word, (s, e) in enumerate(spans, start=word_base):
            data = text[s:e].encode("utf-8", "surrogatepass")
            ids, lens = self._piece(data)
            chars: list[int] | None = None
            if len(data) != e - s:  # some char has several bytes: map each byte to its char
                chars = []
                for k in range(s, e):
                    chars.extend([k - shift] * len(text[k].encode("utf-8", "surrogatepass")))
            pos = 0
            for tid, size in zip(ids, lens):
                if chars is not None:
                    src = [c for c in chars[pos : pos + size] if c >= 0]
                    first, last = (src[0], src[-1]) if src else (-1, -1)
                else:  # one byte per char: byte k of the piece is char s + k
                    first, last = max(s + pos - shift, 0), s + pos + size - 1 - shift
                if last >= 0:
                    start, end = first, last + 1
                else:  # only the added space: Hugging Face aligns it with the first char
                    start = max(s - shift, 0)
                    end = start + 1
                ids_out.append(tid)
                starts.append(base + start)
                ends.append(base + end)
                words_out.append(word)
                pos += size
        return len(spans)

    def _spans(self, text: str) -> list[tuple[int, int]]:
        assert self._re is not None
        return [m.span() for m in self._re.finditer(text)]

    def encode_unicode(self, text: str) -> list[int] | None:
        """:meth:`encode` of ``text``, or None when it holds a surrogate code point.

        A str may hold U+D800..U+DFFF, which UTF-8 text cannot: a caller that repairs
        them first (as tiktoken does) calls this and repairs only on None.

        >>> enc = ByteLevelEncoder.from_ranks(None, {bytes([b]): b for b in range(256)})
        >>> enc.encode_unicode("a\\ud800") is None, enc.encode_unicode("é")
        (True, [195, 169])
        """
        text = _check_str(text)
        if not text.isascii() and _SURROGATE.search(text) is not None:
            return None
        return self.encode(text)

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``.

        >>> ByteLevelEncoder.from_ranks(None, {bytes([b]): b for b in range(256)}).encode("é")
        [195, 169]
        """
        text = _check_str(text)
        if not text:
            return []
        if self.add_prefix_space and not text.startswith(" "):
            text = " " + text
        # The fixed patterns never match empty and match at every char: they tile the text.
        pieces = [text] if self._re is None else self._re.findall(text)
        out: list[int] = []
        for piece in pieces:
            out += self._piece(piece.encode("utf-8", "surrogatepass"))[0]
        return out
