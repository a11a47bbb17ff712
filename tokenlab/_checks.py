"""Option checks shared by the API, the trainers and the counting options (a leaf).

Each raises :class:`~tokenlab.errors.ConfigError` with the option's name and what it
must be, before any text is read.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import ConfigError

__all__ = ["check_bool", "check_int", "check_symbols"]


def check_int(name: str, value: object, minimum: int, allow_none: bool = False) -> None:
    """Raise ConfigError unless ``value`` is an int >= ``minimum`` (or None if allowed)."""
    if value is None and allow_none:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")


def check_bool(name: str, value: object) -> None:
    """Raise ConfigError unless ``value`` is True or False."""
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be True or False, got {value!r}")


def check_symbols(name: str, symbols: Iterable[str]) -> list[str]:
    """``symbols`` as a list; ConfigError on one string or an empty or non-string entry."""
    if isinstance(symbols, str):
        raise ConfigError(f"{name} must be a list of strings, not one string")
    out = list(symbols)
    for s in out:
        if not isinstance(s, str) or not s:
            raise ConfigError(f"{name} must hold non-empty strings, got {s!r}")
    return out
