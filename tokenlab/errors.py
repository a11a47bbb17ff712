"""Error types raised by tokenlab.

Every error tokenlab raises on purpose derives from :class:`TokenlabError`, so a
caller (and the CLI) can catch tokenlab's own failures without also catching
programming errors. The concrete classes also derive from ``ValueError`` or
``OSError`` where that is what they are, so existing ``except ValueError`` code
keeps working.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CorpusError",
    "ModelFileError",
    "TokenIdError",
    "TokenlabError",
    "VocabSizeWarning",
]


class TokenlabError(Exception):
    """Base class of every error tokenlab raises on purpose."""


class ConfigError(TokenlabError, ValueError):
    """An option is invalid (bad vocab size, unknown pre-tokenizer name, ...).

    Raised before any work starts.
    """


class TokenIdError(ConfigError, IndexError):
    """An id given to ``decode`` is no token of a pipeline that refuses such ids.

    A SentencePiece pipeline (a ``.model``) refuses an id outside its vocabulary, as
    ``sentencepiece`` does with an ``IndexError``; so this is an ``IndexError`` too.
    """


class CorpusError(TokenlabError, ValueError):
    """The training corpus cannot be used (unreadable, invalid UTF-8, empty)."""


class ModelFileError(TokenlabError, ValueError):
    """A tokenizer or vocabulary file is missing, truncated or malformed."""


class VocabSizeWarning(UserWarning):
    """The trained vocabulary is smaller than the ``vocab_size`` asked for.

    SentencePiece refuses such a request ("Vocabulary size too high"); tokenlab
    returns the vocabulary the corpus allows and says how large it is.
    """

    def __init__(self, algorithm: str, asked: int, reached: int) -> None:
        super().__init__(
            f"{algorithm}: vocab_size={asked} is not reachable on this corpus: the "
            f"vocabulary has {reached} pieces (ask for at most {reached}, or train on "
            "more text)"
        )
        self.asked = asked
        self.reached = reached
