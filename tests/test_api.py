"""Tests of the training entry points (tokenlab/api.py) and the one defaults table.

The table (tokenlab/_defaults.py) is read by ``train()``, ``count_settings()``, the
counts, the trainers and the command line: each test below changes or reads the
table and checks that the reader follows it. The last tests check the layers the
training modules keep (no trainer below the counts, no function-local imports).
"""

from __future__ import annotations

import ast
import dataclasses
import doctest
import importlib
import inspect
from pathlib import Path

import pytest
from conftest import pydoc_lines

import tokenlab
from tokenlab import _defaults, api
from tokenlab.cli import main
from tokenlab.counts import CountSettings
from tokenlab.errors import ConfigError

TRAINERS = {
    "bpe": tokenlab.BPETrainer,
    "wordpiece": tokenlab.WordPieceTrainer,
    "sp-bpe": tokenlab.SentencePieceBPETrainer,
    "unigram": tokenlab.UnigramTrainer,
}


# -- the defaults table --------------------------------------------------------------------


def test_vocab_size_defaults_are_those_of_each_family() -> None:
    """30000 as Hugging Face's trainers, 8000 as spm_train: the decision, written once."""
    sizes = {name: row.vocab_size for name, row in api.DEFAULTS.items()}
    assert sizes == {"bpe": 30000, "wordpiece": 30000, "sp-bpe": 8000, "unigram": 8000}
    assert tuple(api.DEFAULTS) == api.ALGORITHMS == tokenlab.ALGORITHMS


@pytest.mark.parametrize("algorithm", list(TRAINERS))
def test_trainers_take_their_defaults_from_the_table(algorithm: str) -> None:
    params = inspect.signature(TRAINERS[algorithm]).parameters
    row = api.DEFAULTS[algorithm]
    assert params["vocab_size"].default == row.vocab_size
    if algorithm in ("bpe", "wordpiece"):
        assert params["min_frequency"].default == row.min_frequency
        assert tuple(params["special_tokens"].default) == row.special_tokens
        return
    sp = dataclasses.asdict(_defaults.SENTENCEPIECE)
    shared = {name: value for name, value in sp.items() if name in params}
    assert shared, "the SentencePiece trainers take spm_train's options"
    for name, value in shared.items():
        assert params[name].default == value, name


def test_train_reads_vocab_size_from_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    row = dataclasses.replace(api.DEFAULTS["bpe"], vocab_size=300)
    monkeypatch.setitem(api.DEFAULTS, "bpe", row)
    tok = tokenlab.train(iter(pydoc_lines(300)), show_progress=False)
    assert tok.get_vocab_size() == 300


@pytest.mark.parametrize("algorithm", ["sp-bpe", "unigram"])
def test_sentencepiece_training_defaults_to_8000_pieces(algorithm: str) -> None:
    # An id just past 8000 is refused before any text is read, naming the size asked for.
    with pytest.raises(ConfigError, match="pad_id=8000 must be smaller than vocab_size=8000"):
        tokenlab.train(iter(["hug"]), algorithm=algorithm, pad_id=8000, show_progress=False)
    with pytest.raises(ConfigError, match="vocab_size=8000"):
        tokenlab.train_from_counts({"▁hug": 1}, algorithm=algorithm, pad_id=8000)


def test_cli_reads_vocab_size_from_the_table(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(pydoc_lines(300)), encoding="utf-8")
    monkeypatch.setitem(
        api.DEFAULTS, "bpe", dataclasses.replace(api.DEFAULTS["bpe"], vocab_size=290)
    )
    out = tmp_path / "t.json"
    assert main(["train", str(corpus), "-q", "-o", str(out)]) == 0
    assert tokenlab.Tokenizer.from_file(str(out)).get_vocab_size() == 290
    capsys.readouterr()


def test_cli_help_names_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "default: 30000 for bpe and wordpiece, 8000 for sp-bpe and unigram" in text
    assert "(default: 0.9995)" in text and "(default: 16)" in text


# -- count_settings: what train() counts ---------------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "options"),
    [
        ("bpe", {}),
        ("bpe", {"pre_tokenizer": "whitespace", "lowercase": True, "normalizer": "nfkc"}),
        ("wordpiece", {}),
        ("wordpiece", {"lowercase": False}),
    ],
)
def test_count_settings_are_the_settings_train_counts_with(
    algorithm: str, options: dict[str, object]
) -> None:
    tok = tokenlab.train(
        iter(pydoc_lines(200)),
        algorithm=algorithm,
        vocab_size=400,
        show_progress=False,
        **options,  # type: ignore[arg-type]
    )
    settings = api.count_settings(algorithm, vocab_size=400, **options)
    assert not settings.differences(CountSettings.for_tokenizer(tok))
    assert settings == CountSettings.for_training(algorithm, **options)  # type: ignore[arg-type]


def test_count_settings_of_sentencepiece_follow_the_trainer() -> None:
    settings = api.count_settings("unigram", byte_fallback=True, vocab_size=123)
    trainer = tokenlab.UnigramTrainer(
        byte_fallback=True,
        normalizer=api.charsmap_for("nmt_nfkc").normalize_str,  # type: ignore[union-attr]
    )
    assert not settings.differences(CountSettings.for_sentencepiece(trainer))
    assert api.count_settings("sp-bpe", errors="replace").errors == "replace"


def test_count_settings_refuse_what_the_algorithm_lacks() -> None:
    with pytest.raises(ConfigError, match="unknown algorithm"):
        api.count_settings("bpe2")
    with pytest.raises(ConfigError, match="option of sp-bpe only"):
        api.count_settings("unigram", treat_whitespace_as_suffix=True)
    with pytest.raises(ConfigError, match="does not apply"):
        api.count_settings("sp-bpe", pre_tokenizer="gpt2")


def test_trainer_refuses_counts_of_another_kind(tmp_path: Path) -> None:
    sentencepiece = tokenlab.counts.WordCounts({"▁hug": 3}, settings=api.count_settings("unigram"))
    with pytest.raises(ConfigError, match="BPETrainer trains on pre-tokenized words"):
        tokenlab.BPETrainer(show_progress=False).train_from_counts(sentencepiece)
    words = tokenlab.counts.WordCounts({"hug": 3}, settings=api.count_settings("bpe"))
    with pytest.raises(ConfigError, match="kind of words"):
        tokenlab.UnigramTrainer(show_progress=False).train_from_counts(words)


def test_trained_sentencepiece_model_remembers_its_options() -> None:
    tok = api.train_sentencepiece(
        iter(pydoc_lines(300)), "unigram", 300, show_progress=False, split_digits=True
    )
    spec = tok.model.trainer_spec
    assert (spec.vocab_size, spec.split_digits, spec.num_threads) == (300, True, 1)
    assert tok.model.normalizer_name == "nmt_nfkc"


# -- the layers ----------------------------------------------------------------------------

PACKAGE = Path(tokenlab.__file__).parent
TRAINER_MODULES = {"bpe", "wordpiece", "sentencepiece_bpe", "unigram"}
# Below the trainers: they must not reach up (rule 4 of the architecture; _training,
# _sp_options and _defaults sit below counts, which reads the options' defaults).
TEXT_AND_OPTIONS = {
    "corpus",
    "sp_pretokenize",
    "counts",
    "distributed",
    "_training",
    "_sp_options",
    "_defaults",
}
ABOVE_TEXT = TRAINER_MODULES | {"tokenizer", "export", "api", "cli", "compare", "tokenlab"}
# The files this layering work touched: no function-local import of tokenlab there.
NO_LOCAL_IMPORTS = [
    "__init__",
    "api",
    "_defaults",
    "_training",
    "_sp_options",
    "bpe",
    "wordpiece",
    "sentencepiece_bpe",
    "unigram",
    "counts",
    "sp_pretokenize",
    "cli",
    "compare",
    "_compare_worker",
]


def _imports_of(source: str) -> list[tuple[str, bool]]:
    """``(tokenlab module, inside a function)`` per import in ``source``; ``"tokenlab"``
    is the package root (``import tokenlab``, ``from tokenlab import ...``)."""
    tree = ast.parse(source)
    local = {
        id(node)
        for fn in ast.walk(tree)
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(fn)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    }
    out: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        inside = id(node) in local
        if isinstance(node, ast.Import):
            out += [("tokenlab", inside) for a in node.names if a.name.split(".")[0] == "tokenlab"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.split(".")[0] != "tokenlab":
                continue  # a third-party or standard module
            if (node.level == 0 and module == "tokenlab") or (node.level > 1 and not module):
                out.append(("tokenlab", inside))
            path = module.removeprefix("tokenlab").lstrip(".") if node.level == 0 else module
            if path:
                out.append((path.split(".")[0], inside))
            else:
                out += [(a.name, inside) for a in node.names]
    return out


def _imports(module: str) -> list[tuple[str, bool]]:
    return _imports_of((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", sorted(TEXT_AND_OPTIONS))
def test_text_counts_and_options_import_no_trainer_and_nothing_above(module: str) -> None:
    reached = {name for name, _ in _imports(module)} & ABOVE_TEXT
    assert not reached, f"{module} imports {sorted(reached)}"


@pytest.mark.parametrize("module", sorted(TRAINER_MODULES | {"sp_tokenizer"}))
def test_trainers_and_sp_tokenizer_never_import_the_entry_points(module: str) -> None:
    forbidden = {"export", "api", "cli", "compare", "tokenlab"}
    if module != "sp_tokenizer":
        forbidden.add("tokenizer")  # a trainer returns a model
    else:
        forbidden |= TRAINER_MODULES
    reached = {name for name, _ in _imports(module)} & forbidden
    assert not reached, f"{module} imports {sorted(reached)}"


@pytest.mark.parametrize("module", NO_LOCAL_IMPORTS)
def test_no_function_local_import_of_tokenlab(module: str) -> None:
    local = sorted({name for name, inside in _imports(module) if inside})
    assert not local, f"{module} imports {local} inside a function"


def test_the_import_checker_sees_every_kind_of_import() -> None:
    """The checks above must be able to fail: the parser finds each kind of offence."""
    found = _imports_of(
        "import tokenlab\nfrom tokenlab import corpus\nfrom . import tokenizer\n"
        "from .export.gpt2 import read_gpt2\nimport json\n\n"
        "def f():\n    from .api import train\n"
    )
    assert found == [
        ("tokenlab", False),
        ("tokenlab", False),
        ("corpus", False),
        ("tokenizer", False),
        ("export", False),
        ("api", True),
    ]


@pytest.mark.parametrize("module", ["api", "_defaults", "_training", "_sp_options", "counts"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"tokenlab.{module}"))
    assert result.attempted and not result.failed
