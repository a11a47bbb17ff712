"""The one place that chooses the core: native (Cython) or pure Python.

``TOKENLAB_PURE_PYTHON=1`` forces the pure core. Otherwise the compiled
``tokenlab._core`` is used; if it is missing or stale (no compiler at install
time, a source checkout that was never built, or an old build that lacks a name)
tokenlab warns once and runs on the pure core: it never falls back silently.

Every native name is imported in ONE statement, so a core is used whole or not
at all: add new names to all three lists below.
"""

from __future__ import annotations

import os
import warnings

__all__ = [
    "BACKEND",
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
]


def _pure_requested() -> bool:
    return os.environ.get("TOKENLAB_PURE_PYTHON", "").strip().lower() in {"1", "true", "yes", "on"}


if _pure_requested():
    from ._pycore import (
        CLASS_ALONE,
        CLASS_ANY,
        CLASS_FORBIDDEN,
        CLASS_INHERITED,
        CLASS_SPACE,
        MAX_ID,
        MAX_TOTAL,
        SCAN_NAMES,
        SEGMENT_ALONE,
        SEGMENT_ANY,
        SEGMENT_INHERITED,
        SEGMENT_SPACE,
        UNK_PENALTY,
        BertEncoder,
        ByteLevelEncoder,
        ByteRankMerger,
        ByteWordCounter,
        LikelihoodIndex,
        MergeTable,
        PairCounter,
        PatternScanner,
        SentencePieceEncoder,
        SpaceWordCounter,
        UnigramLattice,
        WordPieceEncoder,
        splitmix64,
        sum_segments,
        top_substrings,
    )

    BACKEND = "python"
else:
    try:
        from ._core import (  # type: ignore[no-redef]
            CLASS_ALONE,
            CLASS_ANY,
            CLASS_FORBIDDEN,
            CLASS_INHERITED,
            CLASS_SPACE,
            MAX_ID,
            MAX_TOTAL,
            SCAN_NAMES,
            SEGMENT_ALONE,
            SEGMENT_ANY,
            SEGMENT_INHERITED,
            SEGMENT_SPACE,
            UNK_PENALTY,
            BertEncoder,
            ByteLevelEncoder,
            ByteRankMerger,
            ByteWordCounter,
            LikelihoodIndex,
            MergeTable,
            PairCounter,
            PatternScanner,
            SentencePieceEncoder,
            SpaceWordCounter,
            UnigramLattice,
            WordPieceEncoder,
            splitmix64,
            sum_segments,
            top_substrings,
        )

        BACKEND = "cython"
    except ImportError as exc:
        warnings.warn(
            f"tokenlab's native core could not be imported ({exc}); running on the slow "
            "pure-Python core. Reinstall with a C++ compiler available (pip install "
            "--force-reinstall tokenlab), or set TOKENLAB_PURE_PYTHON=1 to silence this.",
            RuntimeWarning,
            stacklevel=2,
        )
        from ._pycore import (
            CLASS_ALONE,
            CLASS_ANY,
            CLASS_FORBIDDEN,
            CLASS_INHERITED,
            CLASS_SPACE,
            MAX_ID,
            MAX_TOTAL,
            SCAN_NAMES,
            SEGMENT_ALONE,
            SEGMENT_ANY,
            SEGMENT_INHERITED,
            SEGMENT_SPACE,
            UNK_PENALTY,
            BertEncoder,
            ByteLevelEncoder,
            ByteRankMerger,
            ByteWordCounter,
            LikelihoodIndex,
            MergeTable,
            PairCounter,
            PatternScanner,
            SentencePieceEncoder,
            SpaceWordCounter,
            UnigramLattice,
            WordPieceEncoder,
            splitmix64,
            sum_segments,
            top_substrings,
        )

        BACKEND = "python"
