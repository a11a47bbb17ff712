"""The twin cores stay twins: one list of names, equal constants, one source of patterns.

``tokenlab._core`` (Cython) and ``tokenlab._pycore`` (pure Python) must export exactly
the names ``tokenlab._backend.NAMES`` lists, with equal constant values and the same
public methods, and each native file must have its pure twin. The native half imports
``tokenlab._core`` directly (not through the backend, which ``TOKENLAB_PURE_PYTHON=1``
points at the pure core) and is skipped only when the extension is not built.

The layering rule of the core (ARCHITECTURE.md, "Never" 1) is checked from the source:
the core imports nothing of tokenlab but ``_patterns``.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
from pathlib import Path
from types import ModuleType

import pytest

import tokenlab
from tokenlab import _backend, _patterns, _pycore, pre_tokenizers

PACKAGE = Path(tokenlab.__file__).parent
# Files of the core, and what the core may import of tokenlab besides itself.
NATIVE_FILES = ["_core.pyx", "_core.pxd", *sorted(p.name for p in PACKAGE.glob("*.pxi"))]
PURE_FILES = sorted(p.name for p in PACKAGE.glob("_py*.py"))
ALLOWED = {"_patterns"}


def _native() -> ModuleType:
    try:
        return importlib.import_module("tokenlab._core")
    except ImportError as e:
        if os.environ.get("TOKENLAB_EXPECT_BACKEND") == "cython":
            raise
        pytest.skip(f"native core not built ({e})")


def _constants(core: ModuleType) -> dict[str, object]:
    return {n: getattr(core, n) for n in _backend.NAMES if not callable(getattr(core, n))}


def _methods(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}


def test_pure_core_exports_the_backend_names() -> None:
    assert len(set(_backend.NAMES)) == len(_backend.NAMES)
    assert sorted(_pycore.__all__) == sorted(_backend.NAMES)
    assert _backend.__all__ == ["BACKEND", "NAMES", *_backend.NAMES]


def test_native_core_exports_the_backend_names() -> None:
    assert sorted(_native().__all__) == sorted(_backend.NAMES)


def test_constants_are_equal() -> None:
    pure, native = _constants(_pycore), _constants(_native())
    # Every constant the lead named is covered (a rename would drop it silently).
    for name in ("SCAN_NAMES", "MAX_ID", "MAX_TOTAL", "UNK_PENALTY", "CLASS_SPACE"):
        assert name in pure
    assert set(pure) == set(native)
    for name, value in pure.items():
        assert type(native[name]) is type(value), name
        assert native[name] == value, name


def test_classes_and_functions_have_the_same_surface() -> None:
    native = _native()
    for name in _backend.NAMES:
        mine, theirs = getattr(_pycore, name), getattr(native, name)
        assert isinstance(mine, type) == isinstance(theirs, type), name
        if isinstance(mine, type):
            assert _methods(mine) == _methods(theirs), name


def test_scan_names_have_one_source() -> None:
    # Both scanners know exactly the patterns of _patterns.SCAN_PATTERNS; the
    # pre-tokenizers only ask a scanner for one of them, so a named split pattern added
    # to PATTERNS alone runs on the regex engine and breaks neither core.
    assert tuple(_patterns.SCAN_PATTERNS) == _pycore.SCAN_NAMES
    assert _native().SCAN_NAMES == _pycore.SCAN_NAMES
    assert set(pre_tokenizers._SCAN_NAME_OF.values()) <= set(_pycore.SCAN_NAMES)
    for name, pattern in _patterns.SCAN_PATTERNS.items():
        assert pre_tokenizers._SCAN_NAME_OF[pattern] == name
    assert set(_patterns.PATTERNS) <= set(_patterns.BYTE_LEVEL_SETUPS)


def test_every_native_scanner_name_is_usable() -> None:
    native = _native()
    for name in native.SCAN_NAMES:
        text = "It's 2024:  héllo\n\nworld 12345!"
        assert native.PatternScanner(name).words(text) == _pycore.PatternScanner(name).words(text)


def test_each_native_file_has_its_pure_twin() -> None:
    for name in NATIVE_FILES:
        if name.endswith(".pxi"):
            assert (PACKAGE / f"_py{name[1:-4]}.py").exists(), name
    for name in PURE_FILES:
        if name != "_pycore.py":
            assert (PACKAGE / f"_{name[3:-3]}.pxi").exists(), name


def _tokenlab_imports_py(path: Path) -> set[str]:
    """The tokenlab modules a Python file imports, anywhere in it (function-local too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                base = node.module.split(".")[0] if node.module else None
                found |= {base} if base else {a.name for a in node.names}
            elif node.module and node.module.startswith("tokenlab"):
                rest = node.module.split(".")[1:]
                found |= {rest[0]} if rest else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("tokenlab.")}
    return found


def _tokenlab_imports_cython(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"^\s*(?:from|import|cimport)\s+tokenlab\.(\w+)", text, re.M))


def test_the_core_imports_only_patterns() -> None:
    core = {name.rsplit(".", 1)[0] for name in PURE_FILES} | {"_core"}
    for name in PURE_FILES:
        assert _tokenlab_imports_py(PACKAGE / name) <= ALLOWED | core, name
    for name in NATIVE_FILES:
        assert _tokenlab_imports_cython(PACKAGE / name) <= ALLOWED, name


def test_the_import_checks_can_fail(tmp_path: Path) -> None:
    # The checks above see relative, absolute and function-local imports.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from . import errors\nfrom .charsmap import CharsMap\n"
        "def f():\n    import tokenlab.counts\n    from tokenlab import corpus\n"
    )
    assert _tokenlab_imports_py(probe) == {"errors", "charsmap", "counts", "corpus"}
    pxi = tmp_path / "probe.pxi"
    pxi.write_text("from tokenlab._patterns import X\n    from tokenlab.errors import Y\n")
    assert _tokenlab_imports_cython(pxi) == {"_patterns", "errors"}
