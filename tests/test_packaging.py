"""The install is light and standard: runtime dependencies are what running imports,
the sources parse on every Python that ``requires-python`` admits, the licence ships,
and an installed package carries no generated C++."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "tokenlab"
# Oldest and newest grammar ast checks for; requires-python's floor must be the oldest.
OLDEST = (3, 9)

tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11+")


def _project() -> dict:
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def _module_level_imports(tree: ast.Module) -> set[str]:
    """Top-level names of the modules imported when the module runs (absolute only):
    not inside functions, not under ``if TYPE_CHECKING:``."""
    local: set[int] = set()
    for node in ast.walk(tree):
        typing_only = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        if typing_only or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            local.update(id(n) for n in ast.walk(node))
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in local:
            continue
        if isinstance(node, ast.Import):
            out.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_runtime_dependencies_are_what_running_imports() -> None:
    deps = {d.split(";")[0].split("[")[0].split(">")[0].split("=")[0].strip()
            for d in _project()["dependencies"]}  # fmt: skip
    assert deps == {"numpy", "regex"}
    third_party: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        names = _module_level_imports(ast.parse(path.read_text(encoding="utf-8")))
        third_party |= {n for n in names if n not in sys.stdlib_module_names}
    # numpy is imported where Unigram training needs it, inside functions.
    assert third_party - {"tokenlab"} <= {"regex"}, third_party
    for tool in ("cython", "pytest", "pytest-benchmark"):
        assert tool not in {d.lower() for d in deps}, f"{tool} is not a runtime dependency"


def test_sources_parse_on_the_oldest_supported_python() -> None:
    floor = _project()["requires-python"]
    assert floor == ">={}.{}".format(*OLDEST)
    for path in sorted(SOURCE.rglob("*.py")):
        # feature_version rejects grammar newer than OLDEST (match, except*, ...).
        ast.parse(path.read_text(encoding="utf-8"), str(path), feature_version=OLDEST)


def test_licence_ships_and_is_declared() -> None:
    project = _project()
    assert project["license"] == "Apache-2.0"
    assert "LICENSE" in project["license-files"]
    assert "Apache License" in (REPO / "LICENSE").read_text(encoding="utf-8")[:200]


def test_installed_package_has_no_generated_cpp() -> None:
    import tokenlab

    where = Path(tokenlab.__file__).resolve().parent
    if where == SOURCE:
        pytest.skip("tokenlab runs from the source tree, where the build leaves _core.cpp")
    assert not sorted(where.glob("*.cpp")), "the wheel should not carry Cython's output"
