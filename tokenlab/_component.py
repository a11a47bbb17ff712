"""The common base of pipeline components (normalizers, pre-tokenizers, ...).

Each component is described completely by its ``tokenizer.json`` dict, so
equality, hashing and ``repr`` all derive from :meth:`Component.to_dict`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Component"]


class Component:
    """A pipeline stage that serializes to a ``tokenizer.json`` component dict."""

    def to_dict(self) -> dict[str, Any]:
        """Return the Hugging Face ``tokenizer.json`` dict of this component."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Component):
            return NotImplemented
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self))
