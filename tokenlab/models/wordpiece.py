"""WordPiece: greedy longest-match-first splitting, the encoding rule of BERT.

Schuster and Nakajima, 2012, "Japanese and Korean Voice Search". A word that
cannot be split (or is longer than ``max_input_chars_per_word``) becomes one
unknown token, as in Hugging Face and BERT.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._backend import WordPieceEncoder
from ..errors import ModelFileError
from ._base import CachedModel, WordTokens, check_token_ids

__all__ = ["WordPiece"]


class WordPiece(CachedModel):
    """WordPiece model: a vocabulary, split greedily longest-match-first.

    From the start of the word, the longest prefix that is a token is taken;
    then, from where it ends, the longest piece that is a token once
    ``continuing_subword_prefix`` is put in front of it; and so on. A word longer
    than ``max_input_chars_per_word`` chars, or with a position where no piece
    matches, becomes ONE ``unk_token`` spanning the whole word (Hugging Face's
    rule, and BERT's).

    Args:
        vocab: token -> id; must contain ``unk_token``.
        unk_token: the token of a word that cannot be split.
        continuing_subword_prefix: prefix of non-initial pieces (may be ``""``).
        max_input_chars_per_word: longer words become ``unk_token`` directly.

    Raises:
        ModelFileError: ``unk_token`` is not in the vocabulary, or an argument
            has the wrong type.

    >>> wp = WordPiece({"[UNK]": 0, "hug": 1, "##s": 2, "p": 3, "##un": 4})
    >>> wp.tokenize("hugs")
    ([1, 2], [(0, 3), (3, 4)])
    >>> wp.tokenize("puns")
    ([3, 4, 2], [(0, 1), (1, 3), (3, 4)])
    >>> wp.tokenize("bun")
    ([0], [(0, 3)])
    """

    def __init__(
        self,
        vocab: Mapping[str, int] | None = None,
        unk_token: str = "[UNK]",
        continuing_subword_prefix: str = "##",
        max_input_chars_per_word: int = 100,
    ) -> None:
        super().__init__()
        self.vocab = dict(vocab or {})
        check_token_ids("WordPiece", self.vocab)
        if not isinstance(unk_token, str):
            raise ModelFileError(f"WordPiece model: unk_token must be a string, got {unk_token!r}")
        if not isinstance(continuing_subword_prefix, str):
            raise ModelFileError(
                "WordPiece model: continuing_subword_prefix must be a string, got "
                f"{continuing_subword_prefix!r}"
            )
        if (
            not isinstance(max_input_chars_per_word, int)
            or isinstance(max_input_chars_per_word, bool)
            or max_input_chars_per_word < 0
        ):
            raise ModelFileError(
                "WordPiece model: max_input_chars_per_word must be an integer >= 0, got "
                f"{max_input_chars_per_word!r}"
            )
        if unk_token not in self.vocab:
            # Hugging Face accepts this and fails on the first unknown word instead.
            raise ModelFileError(
                f"WordPiece model: the unknown token {unk_token!r} is not in the vocabulary; "
                "add it, or set unk_token to a token that is"
            )
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self._rebuild()

    _DERIVED = ("_encoder",)

    def _rebuild(self) -> None:
        self._encoder = WordPieceEncoder(
            self.vocab,
            self.continuing_subword_prefix,
            self.vocab[self.unk_token],
            self.max_input_chars_per_word,
        )

    def _encode_word(self, word: str) -> WordTokens:
        result = self._encoder.encode(word)
        return result

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` component of ``tokenizer.json``."""
        return {
            "type": "WordPiece",
            "unk_token": self.unk_token,
            "continuing_subword_prefix": self.continuing_subword_prefix,
            "max_input_chars_per_word": self.max_input_chars_per_word,
            "vocab": dict(sorted(self.vocab.items(), key=lambda kv: kv[1])),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WordPiece:
        """Build from a ``tokenizer.json`` model dict.

        Missing options take Hugging Face's defaults (``"[UNK]"``, ``"##"``, 100).

        Raises:
            ModelFileError: missing or malformed fields, or an unknown token that is
                not in the vocabulary.
        """
        vocab = d.get("vocab")
        if not isinstance(vocab, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in vocab.items()
        ):
            raise ModelFileError("WordPiece model: 'vocab' must be an object of token -> id >= 0")
        return cls(
            vocab,
            unk_token=d.get("unk_token", "[UNK]"),
            continuing_subword_prefix=d.get("continuing_subword_prefix", "##"),
            max_input_chars_per_word=d.get("max_input_chars_per_word", 100),
        )
