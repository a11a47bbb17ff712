"""The backend choice: one module picks, it says which, and it never hides a fallback."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

import tokenlab
from tokenlab import _backend, _pycore

# Subprocesses run outside the checkout, so that they import the same tokenlab as
# the tests (the installed one in CI), not the source tree without its extension.
OUTSIDE = tempfile.gettempdir()


def test_backend_is_reported() -> None:
    assert tokenlab.backend in ("cython", "python")
    assert tokenlab.backend == _backend.BACKEND


def test_expected_backend_loaded() -> None:
    # CI sets TOKENLAB_EXPECT_BACKEND so that a silently missing extension fails here.
    expected = os.environ.get("TOKENLAB_EXPECT_BACKEND")
    if not expected:
        pytest.skip("TOKENLAB_EXPECT_BACKEND not set (CI sets it)")
    assert tokenlab.backend == expected


def test_pure_python_env_forces_pure_core() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import tokenlab; print(tokenlab.backend)"],
        env={**os.environ, "TOKENLAB_PURE_PYTHON": "1"},
        cwd=OUTSIDE,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "python"
    assert out.stderr == ""  # forced on purpose: no warning
    unforced = subprocess.run(
        [sys.executable, "-c", "import tokenlab; print(tokenlab.backend)"],
        env={k: v for k, v in os.environ.items() if k != "TOKENLAB_PURE_PYTHON"},
        cwd=OUTSIDE,
        capture_output=True,
        text=True,
        check=True,
    )
    try:
        import tokenlab._core  # noqa: F401
    except ImportError:
        pytest.skip("native core not built: nothing to force away from")
    assert unforced.stdout.strip() == "cython"


def test_backend_exports_the_chosen_core() -> None:
    if tokenlab.backend == "python":
        assert _backend.PairCounter is _pycore.PairCounter
    else:
        from tokenlab import _core

        assert _backend.PairCounter is _core.PairCounter
        assert _backend.MergeTable is _core.MergeTable


def test_missing_extension_warns(tmp_path: os.PathLike[str]) -> None:
    # Simulate a build without the extension: a finder that refuses tokenlab._core.
    code = (
        "import sys, warnings\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'tokenlab._core':\n"
        "            raise ImportError('blocked for the test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    import tokenlab\n"
        "print(tokenlab.backend)\n"
        "print(any('pure-Python' in str(x.message) for x in w))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TOKENLAB_PURE_PYTHON"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=OUTSIDE,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["python", "True"]


def test_both_cores_have_the_same_surface() -> None:
    try:
        from tokenlab import _core
    except ImportError:
        pytest.skip("native core not built")
    for name in _pycore.__all__:
        assert hasattr(_core, name), name
    public = {n for n in dir(_pycore.PairCounter) if not n.startswith("_")}
    assert public <= set(dir(_core.PairCounter))
    public = {n for n in dir(_pycore.MergeTable) if not n.startswith("_")}
    assert public <= set(dir(_core.MergeTable))


def test_stale_extension_falls_back_whole() -> None:
    # An old build that lacks a newer name must not be half used: the whole
    # backend falls back, with the warning, instead of failing at import.
    code = (
        "import sys, types, warnings\n"
        "stale = types.ModuleType('tokenlab._core')\n"
        "for name in ('MAX_ID', 'MAX_TOTAL', 'MergeTable', 'PairCounter'):\n"
        "    setattr(stale, name, object())\n"
        "sys.modules['tokenlab._core'] = stale\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    import tokenlab\n"
        "print(tokenlab.backend)\n"
        "print(any('could not be imported' in str(x.message) for x in w))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TOKENLAB_PURE_PYTHON"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=OUTSIDE,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["python", "True"]
