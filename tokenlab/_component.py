"""The common base of pipeline components (normalizers, pre-tokenizers, ...).

Each component is described completely by its ``tokenizer.json`` dict, so
equality, hashing and ``repr`` all derive from :meth:`Component.to_dict`.
"""

from __future__ import annotations

from typing import Any

from .errors import ModelFileError

__all__ = ["Component", "dict_field"]

_REQUIRED: Any = object()


def dict_field(d: dict[str, Any], key: str, kind: type, default: Any = _REQUIRED) -> Any:
    """The value of ``key`` in a component dict, checked to be a ``kind``.

    Raises:
        ModelFileError: the field is missing (and has no default) or has the
            wrong type; the message names the component type and the field.
    """
    value = d.get(key, default)
    if value is _REQUIRED:
        raise ModelFileError(f"{d.get('type')} component: field {key!r} is missing")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ModelFileError(
            f"{d.get('type')} component: field {key!r} must be {kind.__name__}, got {value!r}"
        )
    return value


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
