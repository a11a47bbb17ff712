"""WordLevel: every pre-token is one token of the vocabulary, or the unknown token.

Hugging Face's ``WordLevel`` model (``{"type": "WordLevel", "vocab": {...},
"unk_token": ...}``). It splits nothing: all the work is the pre-tokenizer's.
No trainer: a vocabulary comes from a ``tokenizer.json`` or is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ModelFileError
from ._base import Model, WordTokens, check_token_ids

__all__ = ["WordLevel"]


class WordLevel(Model):
    """A vocabulary of whole words; a word not in it is ``unk_token``.

    As in Hugging Face, ``unk_token`` need not be in the vocabulary until a word
    outside it is met: encoding that word then fails.

    Args:
        vocab: token -> id.
        unk_token: the token of a word not in the vocabulary.

    Raises:
        ModelFileError: ``vocab`` is not token -> id >= 0, or ``unk_token`` is
            not a string.

    >>> wl = WordLevel({"<unk>": 0, "hug": 1, "pug": 2}, unk_token="<unk>")
    >>> wl.tokenize("pug"), wl.tokenize("bun")
    (([2], [(0, 3)]), ([0], [(0, 3)]))
    """

    def __init__(self, vocab: Mapping[str, int] | None = None, unk_token: str = "<unk>") -> None:
        self.vocab = dict(vocab or {})
        check_token_ids("WordLevel", self.vocab)
        if not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in self.vocab.items()
        ):
            raise ModelFileError("WordLevel model: 'vocab' must be an object of token -> id >= 0")
        if not isinstance(unk_token, str):
            raise ModelFileError(f"WordLevel model: unk_token must be a string, got {unk_token!r}")
        self.unk_token = unk_token

    def tokenize(self, word: str) -> WordTokens:
        """The id of ``word`` (or of ``unk_token``), spanning the whole word.

        Args:
            word: a pre-tokenized word.

        Returns:
            ``([id], [(0, len(word))])``; nothing for an empty word.

        Raises:
            ValueError: ``word`` is not in the vocabulary and neither is ``unk_token``.
        """
        if not word:
            return [], []
        tid = self.vocab.get(word)
        if tid is None:
            tid = self.vocab.get(self.unk_token)
            if tid is None:
                raise ValueError(
                    f"WordLevel model: {word!r} is not in the vocabulary and neither is the "
                    f"unknown token {self.unk_token!r}; add it to the vocabulary"
                )
        return [tid], [(0, len(word))]

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` component of ``tokenizer.json`` (vocabulary by id)."""
        return {
            "type": "WordLevel",
            "vocab": dict(sorted(self.vocab.items(), key=lambda kv: kv[1])),
            "unk_token": self.unk_token,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WordLevel:
        """Build from a ``tokenizer.json`` model dict (``unk_token`` defaults to ``"<unk>"``).

        Raises:
            ModelFileError: missing or malformed fields.
        """
        vocab = d.get("vocab")
        if not isinstance(vocab, dict):
            raise ModelFileError("WordLevel model: 'vocab' must be an object of token -> id >= 0")
        return cls(vocab, unk_token=d.get("unk_token", "<unk>"))
