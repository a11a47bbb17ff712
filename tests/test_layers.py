"""The layers of ARCHITECTURE's "Never" rules, checked from the import graph.

Every ``import`` of a tokenlab module is an edge, function-local ones included, read
with :mod:`ast` from the source tree (``.py``) and with a line scan from the Cython
sources (``.pyx``/``.pxi``/``.pxd``). Imports under ``if TYPE_CHECKING:`` are left out:
they never run, and a type may name a class of any layer. Each rule below names who may
not import whom; ``ALLOWED`` lists the edges that still break a rule, and must only shrink: an entry
that no longer breaks anything fails the test too, so it is deleted when its edge goes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "tokenlab"
ROOT = "tokenlab"

# Layers, by module name (without the "tokenlab." prefix).
LEAVES = {"errors", "_version", "_patterns", "_pieces", "_atomic", "_modelfile", "_progress",
          "_threads", "_checks", "_signals"}  # fmt: skip
COMPONENTS = {"_component", "charsmap", "normalizers", "pre_tokenizers", "processors",
              "decoders", "encoding", "models"}  # fmt: skip
# _sp_options: the SentencePiece options that decide which words are counted, shared by
# counting and training, so it sits with the text layer and knows no trainer.
TEXT = {"corpus", "sp_pretokenize", "counts", "distributed", "_bert_rules", "_sp_options"}
TRAINERS = {"_training", "bpe", "wordpiece", "sentencepiece_bpe", "unigram"}
COMPOSITION = {"tokenizer", "added_vocabulary", "fastpath", "sp_tokenizer"}
# "" is the package root
ENTRY = {"api", "compare", "_compare_worker", "cli", "_cli_stream", "__main__", ""}


def _is_core(name: str) -> bool:
    return name in {"_core", "_pycore"} or name.startswith("_py")


def _group(name: str) -> str:
    """The top-level part: ``models.bpe`` is in ``models``, ``export.gpt2`` in ``export``."""
    return name.split(".")[0]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _exists(name: str) -> bool:
    base = SOURCE.joinpath(*name.split(".")) if name else SOURCE
    return (
        base.with_suffix(".py").exists()
        or (base / "__init__.py").exists()
        or any(base.with_suffix(ext).exists() for ext in (".pyx", ".pxd"))
    )


def _resolve(module: str, level: int, importer: str, is_package: bool) -> str | None:
    """The tokenlab module an import names (``""`` for the root), or None if foreign."""
    if level == 0:
        if module != ROOT and not module.startswith(ROOT + "."):
            return None
        return module[len(ROOT) + 1 :]
    base = importer.split(".") if importer else []
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, *([module] if module else [])])


def _edges_py(path: Path) -> Iterator[tuple[str, str, bool]]:
    """(importer, imported, function_local) for every tokenlab import of a .py file."""
    text = path.read_text(encoding="utf-8")
    return _edges_of_source(text, _module_name(path), path.name == "__init__.py")


def _edges_of_source(text: str, importer: str, is_package: bool) -> Iterator[tuple[str, str, bool]]:
    tree = ast.parse(text)
    local: set[int] = set()
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            local.update(id(n) for n in ast.walk(node) if n is not node)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(alias.name, 0, importer, is_package)
                if target is not None:
                    yield importer, target, id(node) in local
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", node.level, importer, is_package)
            if target is None:
                continue
            for alias in node.names:
                # `from . import x` imports the submodule x when there is one.
                sub = f"{target}.{alias.name}" if target else alias.name
                yield importer, sub if _exists(sub) else target, id(node) in local


_CYTHON_IMPORT = re.compile(r"^\s*(?:from\s+(\.*[\w.]*)\s+c?import|c?import\s+([\w.]+))", re.M)


def _edges_cython(path: Path) -> Iterator[tuple[str, str, bool]]:
    # Every .pxi is included by _core.pyx: its imports are the native core's.
    importer = "_core"
    for m in _CYTHON_IMPORT.finditer(path.read_text(encoding="utf-8")):
        name = m.group(1) or m.group(2)
        level = len(name) - len(name.lstrip("."))
        target = _resolve(name.lstrip("."), level, importer, False)
        if target is not None:
            yield importer, target, False


def edges() -> list[tuple[str, str, bool]]:
    out: list[tuple[str, str, bool]] = []
    for path in sorted(SOURCE.rglob("*")):
        if path.suffix == ".py":
            out.extend(_edges_py(path))
        elif path.suffix in {".pyx", ".pxi", ".pxd"}:
            out.extend(_edges_cython(path))
    return [(a, b, local) for a, b, local in out if a != b]


def broken_rule(importer: str, imported: str) -> str | None:
    """The first rule the edge ``importer -> imported`` breaks, or None."""
    src, dst = _group(importer), _group(imported)
    if _is_core(src) and imported != "_patterns" and not _is_core(dst):
        return "1: the core imports nothing of tokenlab but _patterns"
    if _is_core(dst) and not _is_core(src) and src != "_backend":
        return "2: only _backend imports a core"
    if imported == "_reference":
        return "2: _reference is for tests only"
    if src in LEAVES and imported != "errors":
        return "leaves import nothing of tokenlab but errors"
    if src in COMPONENTS and dst in {*COMPOSITION, *TRAINERS, *TEXT, "export", *ENTRY}:
        return "3: components and models know no tokenizer, trainer, text layer or export"
    if src in TEXT and dst in {*TRAINERS, *COMPOSITION, "export", *ENTRY}:
        return "4: the text layer knows no trainer, tokenizer, export, api or root"
    if src in TRAINERS and dst in {*COMPOSITION, "export", *ENTRY}:
        return "5: trainers return models: no tokenizer, export, api or cli"
    if src in COMPOSITION and dst in {*TRAINERS, "export", *ENTRY}:
        return "6: tokenizer, fastpath and sp_tokenizer know no export, trainer or api"
    if imported == "" and src not in ENTRY:
        return "7: nothing below the entry points imports the package root"
    if imported == "cli" and src != "__main__":
        return "7: only __main__ imports cli"
    return None


# Edges that still break a rule: (importer, imported). Only ever delete lines.
ALLOWED: set[tuple[str, str]] = set()

# Function-local imports of tokenlab modules (rule 8) still to remove: importer -> count.
ALLOWED_LOCAL: dict[str, int] = {}

# Import cycles (strongly connected modules, local imports included) still to break.
ALLOWED_CYCLES: list[set[str]] = []


def cycles() -> list[set[str]]:
    """The strongly connected sets of two or more modules (Tarjan, iteratively)."""
    graph: dict[str, set[str]] = {}
    for a, b, _ in edges():
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    part = set()
                    while True:
                        x = stack.pop()
                        part.add(x)
                        if x == v:
                            break
                    if len(part) > 1:
                        out.append(part)
            elif w not in index:
                index[w] = low[w] = len(index)
                stack.append(w)
                work.append((w, iter(sorted(graph[w]))))
            elif w in stack:
                low[v] = min(low[v], index[w])
    return out


def test_the_source_tree_is_where_the_tests_look() -> None:
    assert (SOURCE / "__init__.py").exists() and len(edges()) > 50


def test_no_edge_breaks_a_rule() -> None:
    broken = {(a, b): broken_rule(a, b) for a, b, _ in edges()}
    found = {edge for edge, rule in broken.items() if rule}
    new = sorted(f"{a or ROOT} -> {b or ROOT}: rule {broken[(a, b)]}" for a, b in found - ALLOWED)
    assert not new, "\n".join(new)
    stale = sorted(ALLOWED - found)
    assert not stale, f"delete from ALLOWED, these edges are gone: {stale}"


def test_no_function_local_tokenlab_import() -> None:
    counts: dict[str, int] = {}
    for a, _, local in edges():
        if local:
            counts[a] = counts.get(a, 0) + 1
    worse = {m: n for m, n in counts.items() if n > ALLOWED_LOCAL.get(m, 0)}
    assert not worse, f"function-local imports of tokenlab modules (rule 8): {worse}"
    better = {m: n for m, n in ALLOWED_LOCAL.items() if counts.get(m, 0) < n}
    assert not better, f"lower ALLOWED_LOCAL to what is left: {better} -> {counts}"


def test_no_import_cycle() -> None:
    found = cycles()
    new = [sorted(c) for c in found if not any(c <= allowed for allowed in ALLOWED_CYCLES)]
    assert not new, f"new import cycles: {new}"
    stale = [sorted(a) for a in ALLOWED_CYCLES if not any(c == a for c in found)]
    assert not stale, f"shrink ALLOWED_CYCLES to what is left: {[sorted(c) for c in found]}"


@pytest.mark.parametrize(
    ("importer", "imported", "rule"),
    [
        ("_pycore", "errors", "1:"),
        ("_pyscan", "_patterns", None),
        ("tokenizer", "_pycore", "2:"),
        ("_backend", "_core", None),
        ("models.bpe", "tokenizer", "3:"),
        ("normalizers", "corpus", "3:"),
        ("counts", "bpe", "4:"),
        ("corpus", "", "4:"),
        ("bpe", "tokenizer", "5:"),
        ("bpe", "_training", None),
        ("tokenizer", "export.gpt2", "6:"),
        ("export.gpt2", "", "7:"),
        ("api", "", None),
        ("compare", "cli", "7:"),
        ("__main__", "cli", None),
        ("_atomic", "corpus", "leaves"),
    ],
)
def test_rules_on_known_edges(importer: str, imported: str, rule: str | None) -> None:
    found = broken_rule(importer, imported)
    assert (found is None) if rule is None else (found or "").startswith(rule)


def test_edges_of_a_module_by_hand() -> None:
    text = (
        "import regex\n"
        "import tokenlab\n"
        "from . import decoders, errors\n"
        "from .models import BPE\n"
        "def f():\n"
        "    from .corpus import count_words\n"
        "    import tokenlab.export.gpt2\n"
    )
    assert sorted(_edges_of_source(text, "tokenizer", False)) == [
        ("tokenizer", "", False),
        ("tokenizer", "corpus", True),
        ("tokenizer", "decoders", False),
        ("tokenizer", "errors", False),
        ("tokenizer", "export.gpt2", True),
        ("tokenizer", "models", False),
    ]
    package = "from ..tokenizer import Tokenizer\nfrom .gpt2 import write_gpt2\n"
    assert sorted(_edges_of_source(package, "export", True)) == [
        ("export", "export.gpt2", False),
        ("export", "tokenizer", False),
    ]
