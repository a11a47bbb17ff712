"""``tokenlab encode`` / ``decode`` on files and pipes (tokenlab/_cli_stream.py).

The commands run as ``python -m tokenlab`` in subprocesses, with PYTHONPATH carried over,
as a user's shell pipeline runs them. Ids are checked against Hugging Face
``tokenizers`` loading the same tokenizer.json; the round trip must give the input
back byte for byte, CRLF lines, empty lines and a last line without "\\n" included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CLI_CWD, multilingual_lines

import tokenlab

ADVERSARIAL = [
    "",
    " leading and trailing spaces ",
    "tab\there\tand\ttabs",
    "carriage return inside\ra line",
    "zero width\u200bjoiner\u200d and NBSP\u00a0here",
    "emoji 👩‍👩‍👧 and 🇫🇷 flags",
    "<|endoftext|> is text here",
    "def f(x):\r",  # a CRLF line once the "\n" follows
    "    return x ** 2  # code",
]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _cli(*argv: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tokenlab", *argv],
        cwd=CLI_CWD,
        input=input,
        capture_output=True,
        timeout=600,
        env=_env(),
        check=False,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Multilingual text, adversarial lines, CRLF endings, no "\\n" at the very end."""
    lines = multilingual_lines(600) + ADVERSARIAL
    path = tmp_path_factory.mktemp("stream") / "corpus.txt"
    text = "\n".join(lines) + "\r\nlast line without a newline"
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def bpe(corpus: Path) -> Path:
    out = corpus.parent / "bpe.json"
    tok = tokenlab.train(str(corpus), vocab_size=600, show_progress=False)
    tok.save(str(out))
    return out


def _lines(data: bytes) -> list[str]:
    """The lines of ``data`` by the CLI's rule: cut at "\\n" only, which is dropped."""
    return data.decode("utf-8").split("\n")


def test_encode_file_ids_match_tokenizers(corpus: Path, bpe: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    proc = _cli("encode", "-t", str(bpe), str(corpus))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("ascii")
    lines = _lines(corpus.read_bytes())
    rows = out.split("\n")
    assert len(rows) == len(lines)  # the last input line has no "\n": nor has its output
    assert not out.endswith("\n")
    anchor = tokenizers.Tokenizer.from_file(str(bpe))
    expected = [e.ids for e in anchor.encode_batch(lines)]
    assert [[int(i) for i in row.split()] for row in rows] == expected


def test_round_trip_through_a_pipe_is_byte_exact(corpus: Path, bpe: Path) -> None:
    encode = subprocess.Popen(
        [sys.executable, "-m", "tokenlab", "encode", "-t", str(bpe), str(corpus)],
        cwd=CLI_CWD,
        stdout=subprocess.PIPE,
        env=_env(),
    )
    decode = subprocess.run(
        [sys.executable, "-m", "tokenlab", "decode", "-t", str(bpe)],
        cwd=CLI_CWD,
        stdin=encode.stdout,
        capture_output=True,
        timeout=600,
        env=_env(),
        check=False,
    )
    assert encode.stdout is not None
    encode.stdout.close()
    assert encode.wait(timeout=600) == 0
    assert decode.returncode == 0, decode.stderr
    assert decode.stdout == corpus.read_bytes()


def test_stdin_and_dash_read_the_same(corpus: Path, bpe: Path) -> None:
    data = corpus.read_bytes()
    from_file = _cli("encode", "-t", str(bpe), str(corpus)).stdout
    assert _cli("encode", "-t", str(bpe), input=data).stdout == from_file
    assert _cli("encode", "-t", str(bpe), "-", input=data).stdout == from_file


def test_output_does_not_depend_on_batch_size_or_threads(corpus: Path, bpe: Path) -> None:
    base = _cli("encode", "-t", str(bpe), str(corpus)).stdout
    for extra in (["--batch-size", "1"], ["--batch-size", "7", "--threads", "2"]):
        assert _cli("encode", "-t", str(bpe), str(corpus), *extra).stdout == base, extra
        assert _cli("encode", "-t", str(bpe), "--threads", "1", str(corpus)).stdout == base


def test_json_lines(corpus: Path, bpe: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    proc = _cli("encode", "-t", str(bpe), "--json", str(corpus))
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(row) for row in proc.stdout.decode("utf-8").split("\n")]
    lines = _lines(corpus.read_bytes())
    assert len(records) == len(lines)
    anchor = tokenizers.Tokenizer.from_file(str(bpe))
    ours = tokenlab.Tokenizer.from_file(str(bpe))
    for record, line in zip(records, lines):
        theirs = anchor.encode(line)
        assert record["ids"] == theirs.ids
        assert record["tokens"] == theirs.tokens
        assert record["offsets"] == [list(span) for span in ours.encode(line).offsets]
    # decode reads its own JSON lines back
    decoded = _cli("decode", "-t", str(bpe), input=proc.stdout)
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stdout == corpus.read_bytes()


def test_tokens_per_line(corpus: Path, bpe: Path) -> None:
    proc = _cli("encode", "-t", str(bpe), "--tokens", str(corpus), "--batch-size", "50")
    assert proc.returncode == 0, proc.stderr
    ours = tokenlab.Tokenizer.from_file(str(bpe))
    rows = proc.stdout.decode("utf-8").split("\n")
    lines = _lines(corpus.read_bytes())
    assert [row.split(" ") if row else [] for row in rows] == [
        ours.encode(line).tokens for line in lines
    ]


def test_several_files_in_order(tmp_path: Path, bpe: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("first file\n", encoding="utf-8")
    b.write_text("second\nfile\n", encoding="utf-8")
    proc = _cli("encode", "-t", str(bpe), str(a), str(b))
    assert proc.returncode == 0
    assert len(proc.stdout.split(b"\n")) == 4  # three lines, each ending in "\n"
    back = _cli("decode", "-t", str(bpe), input=proc.stdout)
    assert back.stdout == b"first file\nsecond\nfile\n"


def test_sentencepiece_model_round_trip(tmp_path: Path) -> None:
    spm = pytest.importorskip("sentencepiece")
    lines = multilingual_lines(300)
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = tmp_path / "u.model"
    trained = _cli(
        "train",
        str(corpus),
        "-q",
        "--algorithm",
        "unigram",
        "--vocab-size",
        "1600",
        "--byte-fallback",
        "--normalizer",
        "identity",
        "-o",
        str(model),
    )
    assert trained.returncode == 0, trained.stderr
    proc = _cli("encode", "-t", str(model), str(corpus))
    assert proc.returncode == 0, proc.stderr
    anchor = spm.SentencePieceProcessor(model_file=str(model))
    rows = proc.stdout.decode("ascii").splitlines()
    assert [[int(i) for i in row.split()] for row in rows] == anchor.encode(lines)
    back = _cli("decode", "-t", str(model), input=proc.stdout)
    assert back.stdout.decode("utf-8").splitlines() == anchor.decode(anchor.encode(lines))


# -- what is a file and what is a text ---------------------------------------------------------


def test_single_argument_naming_no_file_is_the_text(bpe: Path) -> None:
    ours = tokenlab.Tokenizer.from_file(str(bpe))
    proc = _cli("encode", "-t", str(bpe), "Hello world")
    assert proc.returncode == 0 and proc.stderr == b""
    assert proc.stdout == (" ".join(map(str, ours.encode("Hello world").ids)) + "\n").encode()
    assert _cli("encode", "-t", str(bpe), "--text", "Hello world").stdout == proc.stdout


def test_path_like_text_gets_a_note(bpe: Path) -> None:
    proc = _cli("encode", "-t", str(bpe), "no/such/corpus.txt")
    assert proc.returncode == 0
    assert proc.stderr.decode().startswith("tokenlab: note: no file 'no/such/corpus.txt'")
    assert proc.stderr.count(b"\n") == 1


def test_text_option_is_never_a_file(bpe: Path, corpus: Path) -> None:
    ours = tokenlab.Tokenizer.from_file(str(bpe))
    proc = _cli("encode", "-t", str(bpe), "--text", str(corpus))
    assert proc.stdout.decode().split() == [str(i) for i in ours.encode(str(corpus)).ids]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["CORPUS", "missing.txt"], "no such file: missing.txt"),
        (["CORPUS", "--text", "hi"], "either --text or FILEs"),
        (["CORPUS", "--pair", "b"], "--pair and --type-ids apply to one text"),
    ],
)
def test_encode_input_errors_are_one_line(
    bpe: Path, corpus: Path, extra: list[str], fragment: str
) -> None:
    argv = [str(corpus) if a == "CORPUS" else a for a in extra]
    proc = _cli("encode", "-t", str(bpe), *argv)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("tokenlab: error: ") and fragment in err


def test_decode_bad_line_names_file_and_line(tmp_path: Path, bpe: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("1 2 3\n4 five 6\n", encoding="utf-8")
    proc = _cli("decode", "-t", str(bpe), str(ids))
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and f"{ids}: line 2: expected token ids" in err


def test_encode_file_not_utf8_names_file_and_line(tmp_path: Path, bpe: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("ok\ncaf\xe9\n".encode("latin-1"))
    proc = _cli("encode", "-t", str(bpe), str(bad))
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and f"{bad}: line 2: not valid UTF-8" in err


def test_decode_ids_as_arguments_still_work(bpe: Path) -> None:
    ours = tokenlab.Tokenizer.from_file(str(bpe))
    ids = ours.encode("Hello world").ids
    proc = _cli("decode", "-t", str(bpe), *map(str, ids))
    assert proc.returncode == 0
    assert proc.stdout == b"Hello world\n"


def test_decode_mixing_ids_and_files_is_refused(bpe: Path, corpus: Path) -> None:
    proc = _cli("decode", "-t", str(bpe), "1", str(corpus))
    assert proc.returncode == 1
    assert b"not both" in proc.stderr
