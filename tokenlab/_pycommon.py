"""What every pure twin shares: id and count checks, and the encoders' column surface.

Twin of ``_common.pxi``. The constants here (``MAX_ID``, ``MAX_TOTAL``) bound every id
and count either core accepts.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

__all__ = ["MAX_ID", "MAX_TOTAL"]

#: Largest symbol id either core accepts (ids are stored as int32).
MAX_ID = 2**31 - 2
#: Largest total of count x word length; every pair or symbol count is bounded
#: by it, so 64-bit counts can never overflow.
MAX_TOTAL = 2**63 - 1
_TOTAL_MESSAGE = (
    "the corpus is too large: the sum of count x word length exceeds 2**63-1; scale the counts down"
)


def _check_id(value: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0 or value > MAX_ID:
        raise ValueError(f"{what} must be between 0 and {MAX_ID}, got {value}")
    return value


def _check_count(value: int, what: str) -> int:
    """An entry check shared with the native twin: a count is an int in [0, MAX_TOTAL]."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 0 or value > MAX_TOTAL:
        raise ValueError(f"{what} must be between 0 and {MAX_TOTAL}, got {value}")
    return value


def _check_corpus(words: Sequence[str], freqs: Sequence[int]) -> None:
    """Entry checks for (unique words, frequencies) arguments, as the native twin does."""
    if len(words) != len(freqs):
        raise ValueError(f"got {len(words)} words but {len(freqs)} freqs")
    for word in words:
        if not isinstance(word, str):
            raise TypeError(f"words must be str, got {type(word).__name__}")
    for freq in freqs:
        _check_count(freq, "a word frequency")


class _Columns:
    """The batch and column surface of the encoders, over their ``_encode``."""

    def _encode(self, text: str, base: int, word_base: int, out: list[list[int]]) -> int:
        raise NotImplementedError

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``."""
        out: list[list[int]] = [[], [], [], []]
        self._encode(_check_str(text), 0, 0, out)
        return out[0]

    def encode_columns(
        self, text: str, base: int = 0, word_base: int = 0
    ) -> tuple[list[int], bytes, int]:
        """Ids, offsets and word indices of ``text``, as four int64 columns in one buffer.

        Returns:
            ``(ids, columns, words)``: the ids; n ids, n starts, n ends, n word
            indices (``memoryview(columns).cast("q")``); and the number of words.
        """
        out: list[list[int]] = [[], [], [], []]
        words = self._encode(_check_str(text), base, word_base, out)
        return out[0], array("q", [v for column in out for v in column]).tobytes(), words

    def encode_many(self, texts: list[str]) -> list[list[int]]:
        """``[self.encode(t) for t in texts]``."""
        return [self.encode(t) for t in _check_list(texts)]

    def encode_many_columns(self, texts: list[str]) -> tuple[bytes, bytes]:
        """:meth:`encode_columns` of every text (base 0), concatenated.

        Returns:
            ``(columns, counts)``: the four columns over all tokens of all texts, and
            the int64 number of tokens of each text.
        """
        out: list[list[int]] = [[], [], [], []]
        counts = array("q")
        for text in _check_list(texts):
            before = len(out[0])
            self._encode(_check_str(text), 0, 0, out)
            counts.append(len(out[0]) - before)
        return array("q", [v for column in out for v in column]).tobytes(), counts.tobytes()


def _check_str(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError(f"texts must be str, got {type(text).__name__}")
    return text


def _check_list(texts: Any) -> list[str]:
    if not isinstance(texts, list):
        raise TypeError(f"texts must be a list, got {type(texts).__name__}")
    return texts
