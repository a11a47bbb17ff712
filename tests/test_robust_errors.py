"""Hostile files and arguments give a tokenlab error naming the file (or one CLI line),
never a RecursionError, OverflowError, AttributeError or a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CLI_CWD

import tokenlab
from tokenlab.counts import CountSettings, load_counts, save_counts
from tokenlab.errors import ConfigError, CorpusError, ModelFileError
from tokenlab.export.gpt2 import write_gpt2
from tokenlab.export.tiktoken import sidecar_path, write_tiktoken
from tokenlab.models import MAX_TOKEN_ID

LINES = ["hello world, the quick brown fox jumps\n"] * 20 + ["lazy dogs sleep all day\n"] * 20
DEEP = "[" * 100_000


@pytest.fixture(scope="module")
def bpe() -> tokenlab.Tokenizer:
    return tokenlab.train(iter(LINES), vocab_size=300, show_progress=False)


@pytest.fixture(scope="module")
def bpe_file(bpe: tokenlab.Tokenizer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tok") / "tok.json"
    bpe.save(str(path))
    return path


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    root = os.path.dirname(os.path.dirname(os.path.abspath(tokenlab.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(
        [root] + ([env["PYTHONPATH"]] if "PYTHONPATH" in env else [])
    )
    return env


def _cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = _env(**kwargs.pop("env_extra", {}))  # type: ignore[arg-type]
    return subprocess.run(
        [sys.executable, "-m", "tokenlab", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        **{"cwd": CLI_CWD, **kwargs},  # type: ignore[arg-type]
    )


# -- deeply nested JSON -----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", '{"model": ', '{"normalizer": {"type": "Sequence", "x": '])
def test_deep_tokenizer_json(tmp_path: Path, prefix: str) -> None:
    path = tmp_path / "tokenizer.json"
    path.write_text(prefix + DEEP)
    with pytest.raises(ModelFileError, match=r"tokenizer\.json: JSON nested too deeply"):
        tokenlab.Tokenizer.from_file(str(path))


def test_deep_vocab_json(tmp_path: Path) -> None:
    (tmp_path / "vocab.json").write_text(DEEP)
    (tmp_path / "merges.txt").write_text("#version: 0.2\n")
    with pytest.raises(ModelFileError, match=r"vocab\.json: JSON nested too deeply"):
        tokenlab.Tokenizer.from_file(str(tmp_path))


def test_deep_tiktoken_sidecar(bpe: tokenlab.Tokenizer, tmp_path: Path) -> None:
    path = tmp_path / "t.tiktoken"
    write_tiktoken(bpe, path)
    Path(sidecar_path(path)).write_text(DEEP)
    with pytest.raises(ModelFileError, match=r"t\.tiktoken\.json: JSON nested too deeply"):
        tokenlab.Tokenizer.from_file(str(path))


def test_deep_counts_header(tmp_path: Path) -> None:
    path = tmp_path / "c.tsv"
    path.write_text("#tokenlab-counts 1\n#" + DEEP + "\n")
    with pytest.raises(ModelFileError, match=r"c\.tsv:2: bad header: JSON nested too deeply"):
        load_counts(path)


# -- ids and counts the cores cannot hold -----------------------------------------------------


@pytest.mark.parametrize("token", ["Ā", "hello"])  # an unused byte symbol, a merged token
def test_id_above_the_largest_is_refused_at_load(
    bpe: tokenlab.Tokenizer, tmp_path: Path, token: str
) -> None:
    d = json.loads(bpe.to_str())
    assert token in d["model"]["vocab"] or token == "hello"
    d["model"]["vocab"][token] = MAX_TOKEN_ID + 1
    path = tmp_path / "tok.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ModelFileError, match=rf"tok\.json: .*{token!r} has id 2147483647"):
        tokenlab.Tokenizer.from_file(str(path))


def test_largest_id_still_loads_and_encodes(bpe: tokenlab.Tokenizer) -> None:
    d = json.loads(bpe.to_str())
    d["model"]["vocab"]["Ā"] = MAX_TOKEN_ID  # unused by the merges: it may move
    tok = tokenlab.Tokenizer.from_str(json.dumps(d))
    assert tok.encode("\u0100".encode().decode("latin-1")).ids  # encodes, no ValueError
    assert tok.decode([MAX_TOKEN_ID]) == "\x00"


def test_wordpiece_id_above_the_largest_is_refused() -> None:
    d = {"type": "WordPiece", "vocab": {"[UNK]": 0, "a": MAX_TOKEN_ID + 1}}
    with pytest.raises(ModelFileError, match="'a' has id 2147483647"):
        tokenlab.models.model_from_dict(d)


def test_huge_counts_file_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.tsv"
    settings = CountSettings.for_training("bpe")
    save_counts(path, {"small": 5, "ab": 2**70}, settings)
    lines = path.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("ab\t"))
    with pytest.raises(CorpusError, match=rf"c\.tsv:{line}: the counts are too large"):
        tokenlab.train_from_counts(str(path), vocab_size=300, show_progress=False)


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece", "sp-bpe", "unigram"])
def test_huge_counts_mapping_is_refused(algorithm: str) -> None:
    with pytest.raises(CorpusError, match="the counts are too large"):
        tokenlab.train_from_counts(
            {"ab": 2**70}, algorithm=algorithm, vocab_size=300, show_progress=False
        )


# -- decode -----------------------------------------------------------------------------------


def test_decode_skips_holes_and_ids_above_as_tokenizers_does(bpe: tokenlab.Tokenizer) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    d = json.loads(bpe.to_str())
    vocab = d["model"]["vocab"]
    merged = {
        a + b for a, b in (m.split(" ") if isinstance(m, str) else m for m in d["model"]["merges"])
    }
    # a hole: drop the id of a byte symbol no merge uses
    hole_token = next(
        t for t in vocab if len(t) == 1 and t not in "".join(merged) and vocab[t] > 10
    )
    hole = vocab.pop(hole_token)
    text = json.dumps(d)
    ours, theirs = tokenlab.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text)
    real = ours.encode("hello world").ids
    above = max(vocab.values()) + 1000
    for ids in ([hole], [*real, hole], [*real, above], [above, *real, hole]):
        assert ours.decode(ids) == theirs.decode(ids)
    assert ours.decode([*real, hole, above]) == "hello world"


def test_decode_refuses_negative_ids(bpe: tokenlab.Tokenizer) -> None:
    with pytest.raises(ConfigError, match="ids are >= 0"):
        bpe.decode([-1])


def test_cli_decode_of_ids_that_are_no_token(bpe: tokenlab.Tokenizer, tmp_path: Path) -> None:
    d = json.loads(bpe.to_str())
    # renumber: the largest id becomes larger than the token count (a real id above it)
    last = max(d["model"]["vocab"], key=d["model"]["vocab"].get)
    d["model"]["vocab"][last] = len(d["model"]["vocab"]) + 50
    path = tmp_path / "tok.json"
    path.write_text(json.dumps(d))
    tok = tokenlab.Tokenizer.from_file(str(path))
    real = tok.token_to_id(last)
    assert real is not None and real >= tok.get_vocab_size()
    proc = _cli("decode", "-t", str(path), str(real), "99999")
    assert proc.returncode == 0
    assert proc.stdout == tok.decode([real]) + "\n"
    assert proc.stderr == (
        f"tokenlab: warning: 1 id(s) are no token of {path} and were skipped: 99999\n"
    )


# -- the command line's streams ---------------------------------------------------------------


def test_cli_ascii_stdout_is_one_error_line(bpe_file: Path) -> None:
    proc = _cli(
        "encode", "-t", str(bpe_file), "--tokens", "héllo", env_extra={"PYTHONIOENCODING": "ascii"}
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("tokenlab: error: cannot print this text: standard output")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_cli_ascii_stdin_is_one_error_line(bpe_file: Path) -> None:
    proc = _cli(
        "encode", "-t", str(bpe_file), input="héllo\n", env_extra={"PYTHONIOENCODING": "ascii"}
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("tokenlab: error: cannot read this text: standard input")
    assert proc.stderr.count("\n") == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX fds")
def test_cli_closed_stdout(bpe_file: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tokenlab", "encode", "-t", str(bpe_file), "hello"],
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        env=_env(),
        cwd=CLI_CWD,
        preexec_fn=lambda: os.close(1),  # the child starts with no stdout
    )
    assert proc.returncode == 1
    assert proc.stderr == (
        "tokenlab: error: standard output is closed: nothing to print the encode result to\n"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_cli_broken_pipe_is_quiet(bpe_file: Path) -> None:
    r, w = os.pipe()
    os.close(r)  # the reader is gone before anything is written
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tokenlab", "encode", "-t", str(bpe_file)],
            input="hello world\n" * 50_000,
            stdout=w,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            env=_env(),
            cwd=CLI_CWD,
        )
    finally:
        os.close(w)
    assert proc.returncode == 1
    assert proc.stderr == ""


def test_cli_compare_refused_vocab_size_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("tokenizers")
    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(LINES) * 50)  # over the 1000 held-out lines
    proc = _cli("compare", str(corpus), "--algorithm", "bpe", "--vocab-size", "1", "-q")
    assert proc.returncode == 1
    assert proc.stderr.startswith("tokenlab: error: tokenlab: vocab_size=1 is smaller")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


# -- train() options --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pre_tokenizer": 5}, "pre_tokenizer must be a PreTokenizer"),
        ({"max_token_length": 10**30}, "max_token_length must be at most"),
        ({"max_token_length": 2**31}, "max_token_length must be at most"),
        ({"algorithm": "unigram", "seed_sentencepiece_size": 10**30}, "seed_sentencepiece_size"),
    ],
)
def test_train_refuses_bad_options(options: dict[str, object], message: str) -> None:
    options = {"vocab_size": 300, **options}
    with pytest.raises(ConfigError, match=message):
        tokenlab.train(iter(LINES), show_progress=False, **options)  # type: ignore[arg-type]


def test_tokenizer_refuses_components_of_the_wrong_type() -> None:
    with pytest.raises(ConfigError, match="normalizer must be a Normalizer"):
        tokenlab.Tokenizer(tokenlab.models.BPE(), normalizer="nfc")  # type: ignore[arg-type]


def test_gpt2_files_still_load(bpe: tokenlab.Tokenizer, tmp_path: Path) -> None:
    write_gpt2(bpe, tmp_path)
    assert tokenlab.Tokenizer.from_file(str(tmp_path)).encode("lazy dogs").ids == (
        bpe.encode("lazy dogs").ids
    )
