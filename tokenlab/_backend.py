"""The one place that chooses the core: native (Cython) or pure Python.

``TOKENLAB_PURE_PYTHON=1`` forces the pure core. Otherwise the compiled
``tokenlab._core`` is used; if it is missing (no compiler at install time, or a
source checkout that was never built) tokenlab warns once and runs on the pure
core: it never falls back silently.
"""

from __future__ import annotations

import os
import warnings

__all__ = ["BACKEND", "MAX_ID", "MAX_TOTAL", "MergeTable", "PairCounter", "WordPieceEncoder"]


def _pure_requested() -> bool:
    return os.environ.get("TOKENLAB_PURE_PYTHON", "").strip().lower() in {"1", "true", "yes", "on"}


if _pure_requested():
    from ._pycore import MAX_ID, MAX_TOTAL, MergeTable, PairCounter, WordPieceEncoder

    BACKEND = "python"
else:
    try:
        from ._core import (  # type: ignore[no-redef]
            MAX_ID,
            MAX_TOTAL,
            MergeTable,
            PairCounter,
            WordPieceEncoder,
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
        from ._pycore import MAX_ID, MAX_TOTAL, MergeTable, PairCounter, WordPieceEncoder

        BACKEND = "python"

# The Unigram kernels (lattice, Viterbi, forward-backward, seed substrings), from
# the same core as everything above.
if BACKEND == "python":
    from ._pycore import (
        CLASS_ALONE,
        CLASS_ANY,
        CLASS_FORBIDDEN,
        CLASS_INHERITED,
        CLASS_SPACE,
        UNK_PENALTY,
        UnigramLattice,
        splitmix64,
        top_substrings,
    )
else:
    from ._core import (  # type: ignore[no-redef]
        CLASS_ALONE,
        CLASS_ANY,
        CLASS_FORBIDDEN,
        CLASS_INHERITED,
        CLASS_SPACE,
        UNK_PENALTY,
        UnigramLattice,
        splitmix64,
        top_substrings,
    )

__all__ += [
    "CLASS_ALONE",
    "CLASS_ANY",
    "CLASS_FORBIDDEN",
    "CLASS_INHERITED",
    "CLASS_SPACE",
    "UNK_PENALTY",
    "UnigramLattice",
    "splitmix64",
    "top_substrings",
]

# tiktoken's byte-pair rule (rank of the concatenated bytes), from the same core.
if BACKEND == "python":
    from ._pycore import ByteRankMerger
else:
    from ._core import ByteRankMerger  # type: ignore[no-redef]

__all__ += ["ByteRankMerger"]
