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
    "TokenlabError",
]


class TokenlabError(Exception):
    """Base class of every error tokenlab raises on purpose."""


class ConfigError(TokenlabError, ValueError):
    """An option is invalid (bad vocab size, unknown pre-tokenizer name, ...).

    Raised before any work starts.
    """


class CorpusError(TokenlabError, ValueError):
    """The training corpus cannot be used (unreadable, invalid UTF-8, empty)."""


class ModelFileError(TokenlabError, ValueError):
    """A tokenizer or vocabulary file is missing, truncated or malformed."""
