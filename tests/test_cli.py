"""Tests of the ``tokenlab`` command line (tokenlab/cli.py) and its progress bar.

The commands run in-process through ``main(argv)`` with ``capsys``; one test
starts ``python -m tokenlab`` in a subprocess to check the entry point itself.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tokenlab
from tokenlab._progress import Progress, progress_enabled
from tokenlab.cli import main

CORPUS = (
    "The quick brown fox jumps over the lazy dog.\n"
    "Hello world! Hello tokenizers, hello merges.\n"
    "A tokenizer splits text into subword units; the units are merged by frequency.\n"
    "café naïve résumé — unicode text, with accents and dashes.\n"
) * 20


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tokenlab: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, err)


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(CORPUS, encoding="utf-8")
    return path


@pytest.fixture
def trained(tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "tok.json"
    code, _, err = run(capsys, "train", str(corpus_file), "--vocab-size", "300", "-o", str(out))
    assert code == 0, err
    return out


# --- version -----------------------------------------------------------------


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out == f"tokenlab {tokenlab.__version__} (backend: {tokenlab.backend})\n"
    assert re.fullmatch(r"tokenlab \d+\.\d+\.\d+\S* \(backend: (cython|python)\)\n", out)


def test_version_subprocess(tmp_path: Path) -> None:
    # Run outside the source tree so the same (installed) package is imported.
    proc = subprocess.run(
        [sys.executable, "-m", "tokenlab", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"tokenlab {tokenlab.__version__} (backend: {tokenlab.backend})\n"


# --- train / encode / decode / info round trip ---------------------------------


def test_train_writes_tokenizer_and_summary(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tok.json"
    code, stdout, err = run(
        capsys,
        "train",
        str(corpus_file),
        "--vocab-size",
        "300",
        "--special-tokens",
        "<s>, </s>",
        "-o",
        str(out),
    )
    assert code == 0, err
    assert stdout == ""
    # stderr is not a terminal here: no progress bar, only the summary line
    lines = err.splitlines()
    assert len(lines) == 1, err
    summary = lines[0]
    assert "vocab 300" in summary
    assert "merges" in summary
    assert f"backend: {tokenlab.backend}" in summary
    assert str(out) in summary

    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["model"]["type"] == "BPE"
    assert len(saved["model"]["vocab"]) == 300
    # 300 = 2 special tokens + 256 bytes + 42 merges
    assert len(saved["model"]["merges"]) == 300 - 256 - 2
    assert f"{len(saved['model']['merges'])} merges" in summary

    tok = tokenlab.Tokenizer.from_file(str(out))
    assert tok.get_vocab_size() == 300


def test_encode_decode_round_trip(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "Hello world, the tokenizer says héllo — 𝔘nicode!"
    code, out, err = run(capsys, "encode", "-t", str(trained), text)
    assert code == 0, err
    ids = out.split()
    assert ids and all(i.isdigit() for i in ids)

    tok = tokenlab.Tokenizer.from_file(str(trained))
    assert [int(i) for i in ids] == tok.encode(text).ids
    # merges learned from the corpus make "Hello" shorter than its bytes
    assert len(tok.encode("Hello").ids) < len(b"Hello")

    code, out, err = run(capsys, "decode", "-t", str(trained), *ids)
    assert code == 0, err
    assert out == text + "\n"


def test_encode_tokens_and_stdin(
    trained: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tok = tokenlab.Tokenizer.from_file(str(trained))
    code, out, _ = run(capsys, "encode", "-t", str(trained), "--tokens", "Hello world")
    assert code == 0
    assert out.split() == tok.encode("Hello world").tokens

    monkeypatch.setattr(sys, "stdin", io.StringIO("Hello world\n"))
    code, out, _ = run(capsys, "encode", "-t", str(trained))
    assert code == 0
    # one line of ids per line: the line's "\n" is not encoded, it ends the output line
    assert out == " ".join(map(str, tok.encode("Hello world").ids)) + "\n"


def test_info(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "info", "-t", str(trained))
    assert code == 0, err
    fields = dict(line.split(":", 1) for line in out.splitlines())
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    assert fields["model"] == "BPE"
    assert fields["vocab size"] == "300"
    assert fields["merges"] == str(300 - 256)
    assert "ByteLevel" in fields["pre-tokenizer"]
    assert "normalizer" in fields
    assert fields["special tokens"] == "none"


def test_info_lists_special_tokens(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tok.json"
    code, _, err = run(
        capsys,
        "train",
        str(corpus_file),
        "--vocab-size",
        "280",
        "--special-tokens",
        "<unk>,<pad>",
        "--pre-tokenizer",
        "whitespace",
        "--lowercase",
        "-o",
        str(out),
    )
    assert code == 0, err
    code, info, _ = run(capsys, "info", "-t", str(out))
    assert code == 0
    assert re.search(r"^special tokens:\s+<unk> <pad>$", info, re.M), info
    assert re.search(r"^normalizer:.*Lowercase", info, re.M), info
    assert re.search(r"^pre-tokenizer:.*Whitespace", info, re.M), info
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["model"]["vocab"]["<unk>"] == 0
    assert saved["model"]["vocab"]["<pad>"] == 1


# --- corpus sources ------------------------------------------------------------


def test_train_default_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tok.json"
    code, _, err = run(capsys, "train", "--vocab-size", "300", "--quiet", "-o", str(out))
    assert code == 0, err
    tok = tokenlab.Tokenizer.from_file(str(out))
    assert tok.get_vocab_size() == 300
    # the default corpus is Python's documentation: its words merge early
    assert len(tok.encode(" the").ids) == 1
    text = "def main() -> int:\n    return 0\n"
    assert tok.decode(tok.encode(text).ids) == text


def test_train_from_stdin(
    tmp_path: Path,
    corpus_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from_file = tmp_path / "file.json"
    from_stdin = tmp_path / "stdin.json"
    assert (
        run(capsys, "train", str(corpus_file), "--vocab-size", "300", "-o", str(from_file))[0] == 0
    )
    stdin = io.TextIOWrapper(io.BytesIO(CORPUS.encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    code, _, err = run(capsys, "train", "-", "--vocab-size", "300", "-o", str(from_stdin))
    assert code == 0, err
    # the same text gives the same tokenizer, whichever way it came in
    a = json.loads(from_file.read_text(encoding="utf-8"))["model"]
    b = json.loads(from_stdin.read_text(encoding="utf-8"))["model"]
    assert a["merges"] == b["merges"]
    assert a["vocab"] == b["vocab"]


# --- errors: one line on stderr, exit 1, no output file ---------------------------


def test_missing_corpus_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tok.json"
    missing = tmp_path / "nope.txt"
    code, stdout, err = run(capsys, "train", str(missing), "-o", str(out))
    assert code == 1
    assert stdout == ""
    assert_one_line_error(err, "nope.txt")
    assert not out.exists()


def test_invalid_utf8_names_file_and_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    good_part = b"hello world\nhello again\n"
    bad.write_bytes(good_part + b"caf\xff\n" + b"more text\n" * 5)
    offset = len(good_part) + 3  # the 0xff byte
    out = tmp_path / "tok.json"
    code, _, err = run(capsys, "train", str(bad), "--vocab-size", "270", "-o", str(out))
    assert code == 1
    assert_one_line_error(err, "bad.txt", str(offset))
    assert not out.exists()

    code, _, err = run(
        capsys, "train", str(bad), "--vocab-size", "270", "--errors", "replace", "-o", str(out)
    )
    assert code == 0, err
    assert tokenlab.Tokenizer.from_file(str(out)).get_vocab_size() == 270


def test_empty_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "tok.json"
    code, _, err = run(capsys, "train", str(empty), "-o", str(out))
    assert code == 1
    assert_one_line_error(err)
    assert "empty" in err.lower()
    assert not out.exists()


def test_vocab_size_below_alphabet(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tok.json"
    # byte-level: the alphabet alone is 256 tokens
    code, _, err = run(capsys, "train", str(corpus_file), "--vocab-size", "100", "-o", str(out))
    assert code == 1
    assert_one_line_error(err, "100")
    assert not out.exists()


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"model": {"type": "BPE"', '{"model": 3}', ""],
    ids=["syntax", "truncated", "wrong-shape", "empty"],
)
def test_corrupt_tokenizer_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    for argv in (
        ["info", "-t", str(path)],
        ["encode", "-t", str(path), "hello"],
        ["decode", "-t", str(path), "1", "2"],
    ):
        code, stdout, err = run(capsys, *argv)
        assert code == 1, argv
        assert stdout == ""
        assert_one_line_error(err, "broken.json")


def test_missing_tokenizer_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "info", "-t", str(tmp_path / "absent.json"))
    assert code == 1
    assert_one_line_error(err, "absent.json")


def test_output_directory_missing_fails_before_training(
    tmp_path: Path,
    corpus_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_train(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained although the output path is unusable")

    monkeypatch.setattr(tokenlab.api, "train", must_not_train)
    out = tmp_path / "no" / "such" / "dir" / "tok.json"
    code, _, err = run(capsys, "train", str(corpus_file), "-o", str(out))
    assert code == 1
    assert_one_line_error(err, "does not exist")
    assert not out.parent.exists()


def test_decode_id_that_is_no_token_is_skipped(
    trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # as tokenizers' decode does (issue 15); the warning says the text is not the ids'
    code, stdout, err = run(capsys, "decode", "-t", str(trained), "1", "300")
    assert code == 0
    assert stdout == tokenlab.Tokenizer.from_file(str(trained)).decode([1]) + "\n"
    assert err == f"tokenlab: warning: 1 id(s) are no token of {trained} and were skipped: 300\n"


def test_interrupted(
    tmp_path: Path,
    corpus_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(tokenlab.api, "train", interrupt)
    out = tmp_path / "tok.json"
    code, _, err = run(capsys, "train", str(corpus_file), "-o", str(out))
    assert code == 130
    assert err == "tokenlab: interrupted\n"
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["train", "--vocab-size", "0"],
        ["train", "--vocab-size", "many"],
        ["train", "--algorithm", "nope"],
        ["train", "--pre-tokenizer", "nope"],
        ["encode"],
        ["decode"],
        ["decode", "-t", "tok.json", "x"],
        ["decode", "-t", "tok.json", "-1"],
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "usage: tokenlab" in err
    assert "Traceback" not in err


# --- progress reporter ------------------------------------------------------------


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_only() -> None:
    tty = _FakeTerminal()
    with Progress(total=1000, desc="merges", stream=tty) as bar:
        for _ in range(1000):
            bar.update()
    drawn = tty.getvalue()
    assert drawn.startswith("\r") and drawn.endswith("\n")
    # throttled: a thousand updates in well under a second give a few redraws
    assert 2 <= drawn.count("\r") <= 5
    assert "merges: 100%" in drawn.rsplit("\r", 1)[1]
    assert "1,000/1,000" in drawn

    pipe = io.StringIO()
    with Progress(total=10, desc="merges", stream=pipe) as bar:
        bar.update(10)
    assert pipe.getvalue() == ""

    off = _FakeTerminal()
    with Progress(total=10, desc="merges", enabled=False, stream=off) as bar:
        bar.update(10)
    assert off.getvalue() == ""


def test_progress_unknown_total() -> None:
    tty = _FakeTerminal()
    bar = Progress(total=None, desc="words", stream=tty)
    bar.update(5)
    bar.close()
    bar.close()  # idempotent
    assert bar.n == 5
    assert tty.getvalue().count("\n") == 1
    assert "words: 5 " in tty.getvalue()


def test_progress_enabled_needs_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_enabled(True) is False
    monkeypatch.setattr(sys, "stderr", _FakeTerminal())
    assert progress_enabled(True) is True
    assert progress_enabled(False) is False


def test_no_stray_files(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed train leaves the output directory as it was (no temporary files)."""
    before = sorted(os.listdir(tmp_path))
    code, _, _ = run(
        capsys, "train", str(corpus_file), "--vocab-size", "10", "-o", str(tmp_path / "t.json")
    )
    assert code == 1
    assert sorted(os.listdir(tmp_path)) == before


def test_train_processes_option_gives_the_same_tokenizer(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("low lower lowest newer wider\n" * 50, encoding="utf-8")
    outs = []
    for n in ("1", "2"):
        out = tmp_path / f"tok{n}.json"
        code = main(
            ["train", str(corpus), "--vocab-size", "280", "--processes", n, "-q", "-o", str(out)]
        )
        assert code == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert main(["train", str(corpus), "--processes", "0", "-o", str(tmp_path / "x.json")]) == 2


def test_train_wordpiece_and_encode_a_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("Hello world. The quick brown fox.\nHello again, world!\n" * 30, "utf-8")
    out = tmp_path / "wp.json"
    assert (
        main(
            [
                "train",
                str(corpus),
                "--algorithm",
                "wordpiece",
                "--vocab-size",
                "120",
                "-q",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["model"]["type"] == "WordPiece"
    assert data["normalizer"]["type"] == "BertNormalizer"
    capsys.readouterr()
    assert (
        main(
            [
                "encode",
                "-t",
                str(out),
                "--tokens",
                "--type-ids",
                "Hello world",
                "--pair",
                "quick fox",
            ]
        )
        == 0
    )
    tokens, type_ids = capsys.readouterr().out.splitlines()
    assert tokens.split()[0] == "[CLS]" and tokens.split()[-1] == "[SEP]"
    assert "hello" in tokens.split()  # lowercased by default for wordpiece
    assert type_ids.split()[0] == "0" and type_ids.split()[-1] == "1"
    assert (
        main(
            [
                "train",
                str(corpus),
                "--algorithm",
                "wordpiece",
                "--no-lowercase",
                "--vocab-size",
                "120",
                "-q",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert json.loads(out.read_text(encoding="utf-8"))["normalizer"]["lowercase"] is False


# -- SentencePiece: train sp-bpe / unigram, export, encode with a .model -----------------------


@pytest.mark.parametrize("algorithm", ["sp-bpe", "unigram"])
def test_train_sentencepiece_export_and_encode(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str], algorithm: str
) -> None:
    out = tmp_path / "tokenizer.json"
    code, _, err = run(
        capsys,
        "train",
        str(corpus_file),
        "--algorithm",
        algorithm,
        "--vocab-size",
        "300",
        "--character-coverage",
        "1.0",
        "--byte-fallback",
        "--max-piece-length",
        "8",
        "--split-digits",
        "-q",
        "-o",
        str(out),
    )
    assert code == 0, err
    model = tmp_path / "m.model"
    code, _, err = run(
        capsys, "export", "-t", str(out), "--format", "sentencepiece", "-o", str(model)
    )
    assert code == 0 and model.exists(), err
    text = "Hello world, 42 tokenizers! ü"
    code, from_json, _ = run(capsys, "encode", "-t", str(out), text)
    assert code == 0
    code, from_model, _ = run(capsys, "encode", "-t", str(model), text)
    assert code == 0 and from_model == from_json
    expected = tokenlab.Tokenizer.from_file(model).encode(text).ids
    assert from_model.split() == [str(i) for i in expected]
    spm = pytest.importorskip("sentencepiece", reason="parity with sentencepiece")
    sp = spm.SentencePieceProcessor(model_file=str(model))
    assert sp.encode(text) == expected
    code, tokens, _ = run(capsys, "encode", "-t", str(model), "--tokens", text)
    assert tokens.split()[0].startswith("▁")


def test_train_writes_a_model_file_and_user_symbols(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "u.model"
    code, _, err = run(
        capsys,
        "train",
        str(corpus_file),
        "--algorithm",
        "unigram",
        "--vocab-size",
        "120",
        "--user-defined-symbols",
        "<sep>,<cls>",
        "-q",
        "-o",
        str(model),
    )
    assert code == 0, err
    code, out, _ = run(capsys, "encode", "-t", str(model), "--tokens", "a<sep>b <cls>")
    assert "<sep>" in out.split() and "<cls>" in out.split()
    code, out, _ = run(capsys, "info", "-t", str(model))
    assert code == 0 and "Unigram" in out and len(out) < 2000  # the charsmap is abbreviated
    # tokenizers' Unigram has no exact form for user-defined pieces: refused, with the reason.
    code, _, err = run(
        capsys,
        "export",
        "-t",
        str(model),
        "--format",
        "huggingface",
        "-o",
        str(tmp_path / "t.json"),
    )
    assert code == 1
    assert_one_line_error(err, "user-defined")


def test_export_formats_and_refusals(
    trained: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "export",
        "-t",
        str(trained),
        "--format",
        "sentencepiece",
        "-o",
        str(tmp_path / "x.model"),
    )
    assert code == 1
    assert_one_line_error(err, "merge list")
    code, _, err = run(
        capsys, "export", "-t", str(trained), "--format", "bert", "-o", str(tmp_path / "v.txt")
    )
    assert code == 1
    assert_one_line_error(err, "WordPiece")
    copy = tmp_path / "copy.json"
    code, _, _ = run(
        capsys, "export", "-t", str(trained), "--format", "huggingface", "-o", str(copy)
    )
    assert code == 0
    assert json.loads(copy.read_text()) == json.loads(trained.read_text())
    code, _, _ = run(capsys, "export", "-t", str(trained), "--format", "nope", "-o", str(copy))
    assert code == 2


def test_sentencepiece_options_need_a_sentencepiece_algorithm(
    tmp_path: Path, corpus_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "train", str(corpus_file), "--byte-fallback", "-q", "-o", str(tmp_path / "t.json")
    )
    assert code == 1
    assert_one_line_error(err, "--byte-fallback", "sp-bpe")
    code, _, err = run(capsys, "train", str(corpus_file), "-q", "-o", str(tmp_path / "t.model"))
    assert code == 1
    assert_one_line_error(err, ".model")
    assert not (tmp_path / "t.json").exists() and not (tmp_path / "t.model").exists()


def test_export_and_convert_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("low lower lowest newer wider wide\n" * 40, encoding="utf-8")
    tok = tmp_path / "tok.json"
    assert main(["train", str(corpus), "--vocab-size", "280", "-q", "-o", str(tok)]) == 0
    original = tokenlab.Tokenizer.from_file(tok)
    text = "lowest wider newer"
    expected = original.encode(text).ids
    # gpt2: a directory (created) receiving vocab.json + merges.txt; tiktoken: rank file.
    assert main(["export", "-t", str(tok), "--format", "gpt2", "-o", str(tmp_path / "g")]) == 0
    assert sorted(os.listdir(tmp_path / "g")) == ["merges.txt", "vocab.json"]
    assert tokenlab.Tokenizer.from_file(tmp_path / "g").encode(text).ids == expected
    assert main(["convert", str(tok), str(tmp_path / "t.tiktoken")]) == 0
    assert tokenlab.Tokenizer.from_file(tmp_path / "t.tiktoken").encode(text).ids == expected
    assert main(["convert", str(tmp_path / "t.tiktoken"), str(tmp_path / "back.json")]) == 0
    assert tokenlab.Tokenizer.from_file(tmp_path / "back.json").encode(text).ids == expected
    capsys.readouterr()
    # A conversion that cannot be exact is refused with the reason, and writes nothing.
    assert main(["convert", str(tok), str(tmp_path / "vocab.txt")]) == 1
    assert "WordPiece" in capsys.readouterr().err
    assert not (tmp_path / "vocab.txt").exists()
    assert main(["convert", str(tok), str(tmp_path / "out.weird")]) == 1
    assert "--to" in capsys.readouterr().err


def test_user_defined_symbols_with_json_output_fails_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.json"
    code = main(
        ["train", "--algorithm", "unigram", "--user-defined-symbols", "<x>", "-o", str(out)]
    )
    assert code == 1
    assert ".model" in capsys.readouterr().err
    assert not out.exists()
