"""``tokenlab.export.load``: every format recognized by content (and name), read by its module.

- ``sniff`` names the format of each file tokenlab writes, also under names that
  hide it: OpenAI's GPT-2 names (``encoder.json`` + ``vocab.bpe``), a tiktoken
  rank file named ``tokenizer.model`` (Llama 3 ships one), a ``.model`` and a
  ``vocab.txt`` without their extension.
- ``load`` and ``Tokenizer.from_file`` give the same tokenizer for each, encoding
  as the tokenizer that was written.
- ``tokenizer.py`` reaches the formats through the registered reader only: it
  imports nothing of ``tokenlab.export`` (nor do ``fastpath`` and ``sp_tokenizer``).
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

import tokenlab
from tokenlab import ConfigError, ModelFileError, Tokenizer, export
from tokenlab.export.bert import write_vocab_txt
from tokenlab.export.gpt2 import write_gpt2
from tokenlab.export.sentencepiece import write_sentencepiece
from tokenlab.export.tiktoken import write_tiktoken
from tokenlab.models import TiktokenBPE

TEXTS = ["hug pug pun bun hugs", "the hugs of pugs", "bunny", ""]
CORPUS = ["hug pug pun bun hugs the of pugs bunny"] * 20


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Tokenizer]]:
    """One file (or directory) per case, and the tokenizer that was written to it."""
    out = tmp_path_factory.mktemp("formats")
    byte_bpe = tokenlab.train(iter(CORPUS), vocab_size=270, show_progress=False)
    tiktoken_bpe = tokenlab.train(
        iter(CORPUS), vocab_size=270, pre_tokenizer="cl100k_base", show_progress=False
    )
    wordpiece = tokenlab.train(
        iter(CORPUS), algorithm="wordpiece", vocab_size=60, show_progress=False
    )
    unigram = tokenlab.train(iter(CORPUS), algorithm="unigram", vocab_size=40, show_progress=False)
    cases: dict[str, tuple[Path, Tokenizer]] = {}
    byte_bpe.save(str(out / "tokenizer.json"))
    cases["huggingface"] = (out / "tokenizer.json", byte_bpe)
    (out / "hf_gpt2").mkdir()
    write_gpt2(byte_bpe, out / "hf_gpt2")
    cases["gpt2 dir"] = (out / "hf_gpt2", byte_bpe)
    (out / "openai_gpt2").mkdir()
    vocab, merges = write_gpt2(byte_bpe, out / "openai_gpt2")
    Path(vocab).rename(out / "openai_gpt2" / "encoder.json")
    Path(merges).rename(out / "openai_gpt2" / "vocab.bpe")
    cases["openai dir"] = (out / "openai_gpt2", byte_bpe)
    cases["openai encoder.json"] = (out / "openai_gpt2" / "encoder.json", byte_bpe)
    write_tiktoken(tiktoken_bpe, out / "mine.tiktoken")
    cases["tiktoken"] = (out / "mine.tiktoken", tiktoken_bpe)
    (out / "llama").mkdir()
    shutil.copy(out / "mine.tiktoken", out / "llama" / "tokenizer.model")
    cases["tiktoken as tokenizer.model"] = (out / "llama" / "tokenizer.model", tiktoken_bpe)
    write_vocab_txt(wordpiece, out / "vocab.txt")
    cases["bert"] = (out / "vocab.txt", wordpiece)
    shutil.copy(out / "vocab.txt", out / "bert_vocab")
    cases["bert without extension"] = (out / "bert_vocab", wordpiece)
    write_sentencepiece(unigram, out / "spm.model")
    cases["sentencepiece"] = (out / "spm.model", unigram)
    shutil.copy(out / "spm.model", out / "spm_model")
    cases["sentencepiece without extension"] = (out / "spm_model", unigram)
    return cases


FORMAT_OF = {
    "huggingface": "huggingface",
    "gpt2 dir": "gpt2",
    "openai dir": "gpt2",
    "openai encoder.json": "gpt2",
    "tiktoken": "tiktoken",
    "tiktoken as tokenizer.model": "tiktoken",
    "bert": "bert",
    "bert without extension": "bert",
    "sentencepiece": "sentencepiece",
    "sentencepiece without extension": "sentencepiece",
}


def _options(case: str, written: Tokenizer) -> dict[str, object]:
    if case == "tiktoken as tokenizer.model":
        # No sidecar beside it and no published name: the pattern is an option.
        pre = written.pre_tokenizer
        return {"pattern": pre.pre_tokenizers[0].pattern}  # type: ignore[union-attr]
    return {}


@pytest.mark.parametrize("case", list(FORMAT_OF))
def test_sniff_load_and_from_file_agree(
    case: str, files: dict[str, tuple[Path, Tokenizer]]
) -> None:
    path, written = files[case]
    assert export.sniff(path) == FORMAT_OF[case]
    options = _options(case, written)
    for loaded in (export.load(path, **options), Tokenizer.from_file(path, **options)):
        for text in TEXTS:
            assert loaded.encode(text).ids == written.encode(text).ids, (case, text)
    if FORMAT_OF[case] == "tiktoken":
        assert isinstance(export.load(path, **options).model, TiktokenBPE)


def test_tiktoken_file_named_tokenizer_model_needs_its_pattern(
    files: dict[str, tuple[Path, Tokenizer]],
) -> None:
    path, _ = files["tiktoken as tokenizer.model"]
    with pytest.raises(ConfigError, match="pattern="):
        Tokenizer.from_file(path)  # read as tiktoken (not as a broken SentencePiece file)


def test_options_that_do_not_apply_are_refused(files: dict[str, tuple[Path, Tokenizer]]) -> None:
    with pytest.raises(ConfigError, match=r"\.model"):
        export.load(files["sentencepiece"][0], lowercase=False)
    with pytest.raises(ConfigError, match=r"tokenizer\.json"):
        Tokenizer.from_file(files["huggingface"][0], lowercase=False)
    with pytest.raises(ConfigError, match=r"tokenizer\.json"):
        export.load(files["huggingface"][0], lowercase=False)


def test_a_missing_or_broken_file_names_itself(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.json"
    with pytest.raises(ModelFileError, match=r"nothing\.json"):
        export.load(missing)
    broken = tmp_path / "broken.model"
    broken.write_bytes(b"\x00\x01 not a model")
    assert export.sniff(broken) == "sentencepiece"  # by name, so its reader reports it
    with pytest.raises(ModelFileError, match=r"broken\.model"):
        Tokenizer.from_file(broken)


def _imported_modules(path: Path) -> set[str]:
    """Every tokenlab module a tokenlab source file imports, function-local ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = "tokenlab" if path.parent.name == "tokenlab" else f"tokenlab.{path.parent.name}"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "tokenlab" or m.startswith("tokenlab.")}


# Edges the pipeline modules still have, each with the move that removes it.
ALLOWED = {
    # train_sentencepiece, which moves out of sp_tokenizer (to api.py) with the trainers.
    ("sp_tokenizer.py", "export"),
    ("sp_tokenizer.py", "sentencepiece_bpe"),
    ("sp_tokenizer.py", "unigram"),
}


@pytest.mark.parametrize("name", ["tokenizer.py", "fastpath.py", "sp_tokenizer.py"])
def test_the_pipeline_modules_never_import_export_trainers_or_the_root(name: str) -> None:
    source = Path(tokenlab.__file__).parent / name
    forbidden = ("export", "api", "bpe", "wordpiece", "sentencepiece_bpe", "unigram")
    for module in _imported_modules(source):
        assert module != "tokenlab", f"{name} imports the package root"
        top = module.split(".")[1]
        if top in forbidden:
            assert (name, top) in ALLOWED, (name, module)


def test_the_models_import_no_pipeline_training_or_io_module() -> None:
    forbidden = ("tokenizer", "counts", "corpus", "export", "api", "cli", "bpe", "wordpiece")
    forbidden += ("sentencepiece_bpe", "unigram", "sp_tokenizer", "trainers")
    for source in (Path(tokenlab.__file__).parent / "models").glob("*.py"):
        for module in _imported_modules(source):
            if module.startswith("tokenlab.models"):
                continue
            assert module.split(".")[1] not in forbidden, (source.name, module)
            assert module != "tokenlab", source.name
