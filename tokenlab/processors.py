"""Post-processors: what runs after the model (offset trimming, special tokens).

Mirrors the ``post_processor`` component of ``tokenizer.json``. Supported now:
``ByteLevel`` (trims the offsets of byte-level tokens so that they do not cover
the leading or trailing spaces the tokens carry). Template processing (BERT's
``[CLS] A [SEP]``) is not supported yet: such files are refused on load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ModelFileError

if TYPE_CHECKING:
    from .tokenizer import Encoding

__all__ = ["ByteLevel", "PostProcessor", "processor_from_dict"]

_MAPPED_SPACE = "\u0120"  # 'Ġ': the byte-level image of b" "


class PostProcessor:
    """Base class: adjusts a finished :class:`~tokenlab.tokenizer.Encoding` in place."""

    def process(self, encoding: Encoding) -> Encoding:
        """Return the processed encoding (may be the same object)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The ``post_processor`` component of ``tokenizer.json``."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PostProcessor) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(type(self).__name__)


class ByteLevel(PostProcessor):
    """Trim byte-level offsets so that they exclude the spaces a token carries.

    Args:
        trim_offsets: trim at all (False: leave offsets as the model made them).
        add_prefix_space: the pre-tokenizer added a space before the text (that
            space has no width in the original, so it is not trimmed again).
        use_regex: stored for compatibility with ``tokenizers``' schema.

    >>> ByteLevel().to_dict()["type"]
    'ByteLevel'
    """

    def __init__(
        self, trim_offsets: bool = True, add_prefix_space: bool = True, use_regex: bool = True
    ) -> None:
        self.trim_offsets = trim_offsets
        self.add_prefix_space = add_prefix_space
        self.use_regex = use_regex

    def process(self, encoding: Encoding) -> Encoding:
        if not self.trim_offsets:
            return encoding
        offsets = encoding.offsets
        for i, token in enumerate(encoding.tokens):
            start, end = offsets[i]
            lead = len(token) - len(token.lstrip(_MAPPED_SPACE))
            trail = len(token) - len(token.rstrip(_MAPPED_SPACE))
            if lead:
                # A single leading space on the first token is the one the
                # pre-tokenizer added: it has no width in the original to trim.
                if (i == 0 or start == 0) and self.add_prefix_space and lead == 1:
                    lead = 0
                start = min(start + lead, end)
            if trail and end >= trail:
                end = max(end - trail, start)
            offsets[i] = (start, end)
        return encoding

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "ByteLevel",
            "add_prefix_space": self.add_prefix_space,
            "trim_offsets": self.trim_offsets,
            "use_regex": self.use_regex,
        }


def processor_from_dict(d: Any) -> PostProcessor | None:
    """Build a post-processor from its ``tokenizer.json`` dict (None stays None).

    Raises:
        ModelFileError: unknown or unsupported type.
    """
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ModelFileError("'post_processor' must be an object or null")
    kind = d.get("type")
    if kind == "ByteLevel":
        return ByteLevel(
            trim_offsets=bool(d.get("trim_offsets", True)),
            add_prefix_space=bool(d.get("add_prefix_space", True)),
            use_regex=bool(d.get("use_regex", True)),
        )
    raise ModelFileError(f"post_processor type {kind!r} is not supported (supported: ByteLevel)")
