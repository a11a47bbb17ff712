"""The one place that chooses the core: native (Cython) or pure Python.

``TOKENLAB_PURE_PYTHON=1`` forces the pure core. Otherwise the compiled
``tokenlab._core`` is used; if it is missing or stale (no compiler at install
time, a source checkout that was never built, or an old build that lacks a name)
tokenlab warns once and runs on the pure core: it never falls back silently.

``NAMES`` is the one list of what a core exports: a core is used whole (every name
of it) or not at all. Add a new name here and to both cores' ``__all__``;
``tests/test_twins.py`` checks that all three agree.
"""

from __future__ import annotations

import importlib
import os
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # both cores have this surface; the pure one carries the annotations
    from ._pycore import *  # noqa: F403

#: Every name a core exports, and so every name this module re-exports.
NAMES: tuple[str, ...] = (
    "CLASS_ALONE",
    "CLASS_ANY",
    "CLASS_FORBIDDEN",
    "CLASS_INHERITED",
    "CLASS_SPACE",
    "MAX_ID",
    "MAX_TOTAL",
    "SCAN_NAMES",
    "SEGMENT_ALONE",
    "SEGMENT_ANY",
    "SEGMENT_INHERITED",
    "SEGMENT_SPACE",
    "UNK_PENALTY",
    "BertEncoder",
    "ByteLevelEncoder",
    "ByteRankMerger",
    "ByteWordCounter",
    "LikelihoodIndex",
    "MergeTable",
    "PairCounter",
    "PatternScanner",
    "SentencePieceEncoder",
    "SpaceWordCounter",
    "UnigramLattice",
    "WordPieceEncoder",
    "splitmix64",
    "sum_segments",
    "top_substrings",
)

__all__ = ["BACKEND", "NAMES", *NAMES]


def _pure_requested() -> bool:
    return os.environ.get("TOKENLAB_PURE_PYTHON", "").strip().lower() in {"1", "true", "yes", "on"}


def _load(module: str) -> dict[str, Any]:
    """Every name of ``NAMES`` from ``tokenlab.<module>``, or ImportError if one is missing."""
    core = importlib.import_module(f"{__package__}.{module}")
    missing = [name for name in NAMES if not hasattr(core, name)]
    if missing:
        raise ImportError(f"tokenlab.{module} lacks {', '.join(missing)} (a stale build?)")
    return {name: getattr(core, name) for name in NAMES}


def _choose() -> tuple[str, dict[str, Any]]:
    if _pure_requested():
        return "python", _load("_pycore")
    try:
        return "cython", _load("_core")
    except ImportError as exc:
        warnings.warn(
            f"tokenlab's native core could not be imported ({exc}); running on the slow "
            "pure-Python core. Reinstall with a C++ compiler available (pip install "
            "--force-reinstall tokenlab), or set TOKENLAB_PURE_PYTHON=1 to silence this.",
            RuntimeWarning,
            stacklevel=3,
        )
        return "python", _load("_pycore")


BACKEND, _chosen = _choose()
globals().update(_chosen)
del _chosen
