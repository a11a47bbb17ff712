"""A named FIFO as input is read once, streaming; a FIFO inside a corpus directory is
skipped. Every wait here is bounded: a hang fails the test instead of blocking it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI_CWD

import tokenlab
from tokenlab import export
from tokenlab.corpus import count_words_in_files, is_stream, resolve_files
from tokenlab.export import bert, gpt2, huggingface, sentencepiece, tiktoken
from tokenlab.pre_tokenizers import Whitespace

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="named pipes")

TEXT = "hello world the quick brown fox\nlazy dogs sleep\n" * 500
WAIT = 60  # seconds: generous, only a hang exceeds it


@contextlib.contextmanager
def fifo_feeding(path: Path, data: bytes) -> Iterator[None]:
    """A FIFO at ``path`` that one writer fills with ``data`` once."""
    os.mkfifo(path)

    def write() -> None:
        with contextlib.suppress(OSError), open(path, "wb") as f:
            f.write(data)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        yield
    finally:
        if writer.is_alive():
            # nobody opened it: open the reading end so that the writer returns
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
            writer.join(WAIT)


def _bounded(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a daemon thread; fail (not hang) if it does not return in WAIT s."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "hung reading a FIFO"
    if errors:
        raise errors[0]
    return result[0]


def test_fifo_is_a_stream_and_a_regular_file_is_not(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "p")
    (tmp_path / "f.txt").write_text("x")
    assert is_stream(str(tmp_path / "p")) and is_stream("-")
    assert not is_stream(str(tmp_path / "f.txt"))


@pytest.mark.parametrize("processes", [1, 2])
def test_fifo_is_counted_once_like_the_file(tmp_path: Path, processes: int) -> None:
    regular = tmp_path / "c.txt"
    regular.write_text(TEXT, encoding="utf-8")
    expected = count_words_in_files([str(regular)], pre_tokenizer=Whitespace())
    fifo = tmp_path / "c.fifo"
    with fifo_feeding(fifo, TEXT.encode()):
        got = _bounded(
            lambda: count_words_in_files(
                [str(regular), str(fifo)], pre_tokenizer=Whitespace(), processes=processes
            )
        )
    assert got == expected + expected  # the FIFO's words count, once


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece", "sp-bpe", "unigram"])
def test_train_on_a_fifo_equals_training_on_the_file(tmp_path: Path, algorithm: str) -> None:
    regular = tmp_path / "c.txt"
    regular.write_text(TEXT, encoding="utf-8")
    size = {"bpe": 280, "wordpiece": 60}.get(algorithm, 32)

    def train(path: Path) -> str:
        return tokenlab.train(
            [str(path)], algorithm=algorithm, vocab_size=size, show_progress=False
        ).to_str()

    fifo = tmp_path / "c.fifo"
    with fifo_feeding(fifo, TEXT.encode()):
        from_fifo = _bounded(lambda: train(fifo))
    assert from_fifo == train(regular)


def test_directory_skips_fifos_and_sockets(tmp_path: Path) -> None:
    import socket

    (tmp_path / "a.txt").write_text("a b\n")
    os.mkfifo(tmp_path / "b.fifo")  # no writer: opening it would wait forever
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "c.sock"))
        assert resolve_files(str(tmp_path)) == [str(tmp_path / "a.txt")]
        counts = _bounded(lambda: count_words_in_files(str(tmp_path), pre_tokenizer=Whitespace()))
    finally:
        sock.close()
    assert counts == Counter({"a": 1, "b": 1})


def test_cli_count_reads_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "in.fifo"
    out = tmp_path / "c.tsv"
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(tokenlab.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(
        [root] + ([env["PYTHONPATH"]] if "PYTHONPATH" in env else [])
    )
    with fifo_feeding(fifo, TEXT.encode()):
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "tokenlab", "count", str(fifo), "--processes", "2"),
                *("-q", "--pre-tokenizer", "whitespace", "-o", str(out)),
            ],
            capture_output=True,
            text=True,
            timeout=WAIT,
            env=env,
            cwd=CLI_CWD,
        )
    assert proc.returncode == 0, proc.stderr
    assert "counted 4500 words, 9 unique" in proc.stderr


# -- tokenizer files from a pipe: the format is told from the bytes the loader reads ------

LOAD_TEXT = "hello world, the quick brown fox"
RANKS_PATTERN = r"\S+|\s+"


def _tokenizer_files(tmp_path: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    """One file of each single-file format: name -> (path, loader options)."""
    lines = TEXT.splitlines()
    bpe = tokenlab.train(iter(lines), vocab_size=300, show_progress=False)
    wordpiece = tokenlab.train(
        iter(lines), algorithm="wordpiece", vocab_size=80, show_progress=False
    )
    sp = tokenlab.train(iter(lines), algorithm="sp-bpe", vocab_size=60, show_progress=False)
    byte_level = tokenlab.train(
        iter(lines), vocab_size=300, pre_tokenizer="byte-level", show_progress=False
    )
    files = {
        "tokenizer.json": (tmp_path / "tokenizer.json", {}),
        "vocab.txt": (tmp_path / "vocab.txt", {}),
        ".model": (tmp_path / "m.model", {}),
        ".tiktoken": (tmp_path / "r.tiktoken", {"pattern": RANKS_PATTERN}),
    }
    bpe.save(str(files["tokenizer.json"][0]))
    bert.write_vocab_txt(wordpiece, files["vocab.txt"][0])
    sentencepiece.write_sentencepiece(sp, files[".model"][0])
    tiktoken.write_tiktoken(byte_level, files[".tiktoken"][0])
    os.remove(str(files[".tiktoken"][0]) + ".json")  # a pipe has no sidecar beside it
    return files


LOADERS: dict[str, Callable[..., tokenlab.Tokenizer]] = {
    "Tokenizer.from_file": tokenlab.Tokenizer.from_file,
    "export.load": export.load,
}


@pytest.mark.parametrize("loader", list(LOADERS))
def test_every_format_loads_from_a_fifo(tmp_path: Path, loader: str) -> None:
    load = LOADERS[loader]
    for i, (name, (path, options)) in enumerate(_tokenizer_files(tmp_path).items()):
        expected = load(path, **options).encode(LOAD_TEXT).ids
        fifo = tmp_path / f"{i}.fifo"  # no telling name: the content decides
        with fifo_feeding(fifo, path.read_bytes()):
            got = _bounded(lambda fifo=fifo, o=options: load(fifo, **o))
        assert got.encode(LOAD_TEXT).ids == expected, name


def test_format_readers_take_a_fifo(tmp_path: Path) -> None:
    files = _tokenizer_files(tmp_path)
    readers = {
        "tokenizer.json": huggingface.read_huggingface,
        "vocab.txt": bert.read_vocab_txt,
        ".model": sentencepiece.read_sentencepiece,
        ".tiktoken": tiktoken.read_tiktoken,
    }
    for i, (name, read) in enumerate(readers.items()):
        path, options = files[name]
        fifo = tmp_path / f"{i}.fifo"
        with fifo_feeding(fifo, path.read_bytes()):
            got = _bounded(lambda fifo=fifo, read=read, o=options: read(fifo, **o))
        assert got.encode(LOAD_TEXT).ids == read(path, **options).encode(LOAD_TEXT).ids, name


@pytest.mark.skipif(not os.path.exists("/bin/bash"), reason="needs bash")
@pytest.mark.parametrize("name", ["tokenizer.json", ".model", "vocab.txt"])
def test_cli_encode_reads_a_tokenizer_from_process_substitution(tmp_path: Path, name: str) -> None:
    path = _tokenizer_files(tmp_path)[name][0]
    text = tmp_path / "text.txt"
    text.write_text(LOAD_TEXT + "\n", encoding="utf-8")
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(tokenlab.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(
        [root] + ([env["PYTHONPATH"]] if "PYTHONPATH" in env else [])
    )
    env.update(PY=sys.executable, TOK=str(path), TEXT=str(text))
    proc = subprocess.run(
        ["/bin/bash", "-c", '"$PY" -m tokenlab encode -t <(cat "$TOK") "$TEXT"'],
        capture_output=True,
        text=True,
        timeout=WAIT,
        env=env,
        cwd=CLI_CWD,
    )
    assert proc.returncode == 0, proc.stderr
    expected = tokenlab.Tokenizer.from_file(path).encode(LOAD_TEXT).ids
    assert proc.stdout.split() == [str(i) for i in expected]


def test_gpt2_files_from_two_fifos(tmp_path: Path) -> None:
    # read_gpt2 reads each file twice (to load it, and to check the vocab hash that
    # tokenlab writes into merges.txt): from FIFOs, each is read once and both uses
    # get its bytes (a second open of a FIFO would wait for a writer forever).
    lines = TEXT.splitlines()
    tok = tokenlab.train(iter(lines), vocab_size=300, pre_tokenizer="byte-level")
    vocab, merges = (Path(p) for p in gpt2.write_gpt2(tok, tmp_path))
    expected = gpt2.read_gpt2(vocab, merges).encode(LOAD_TEXT).ids
    v, m = tmp_path / "v.fifo", tmp_path / "m.fifo"
    with fifo_feeding(v, vocab.read_bytes()), fifo_feeding(m, merges.read_bytes()):
        got = _bounded(lambda: gpt2.read_gpt2(v, m))
    assert got.encode(LOAD_TEXT).ids == expected
    # The hash check still refuses a merges.txt written with another vocab.json.
    other = tokenlab.train(iter(lines), vocab_size=290, pre_tokenizer="byte-level")
    (tmp_path / "other").mkdir()
    other_vocab = Path(gpt2.write_gpt2(other, tmp_path / "other")[0])
    v, m = tmp_path / "v2.fifo", tmp_path / "m2.fifo"
    refused = "written with another vocab\\.json"
    feeds = fifo_feeding(v, other_vocab.read_bytes()), fifo_feeding(m, merges.read_bytes())
    with feeds[0], feeds[1], pytest.raises(tokenlab.ModelFileError, match=refused):
        _bounded(lambda: gpt2.read_gpt2(v, m))
