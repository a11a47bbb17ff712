"""Bad training options fail with a clear ConfigError BEFORE any text is read.

Each case runs through the API (``tokenlab.train``) with a corpus iterator that
fails the test if it is touched, and through the command line, which must exit
with status 1 or 2 and one line on stderr, without writing the output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tokenlab
from tokenlab import ConfigError
from tokenlab.cli import main


def untouchable() -> Iterator[str]:
    raise AssertionError("the corpus was read although the options are invalid")
    yield ""  # pragma: no cover


ALL = ["bpe", "wordpiece", "sp-bpe", "unigram"]

# (algorithms, options, a fragment of the message)
CASES: list[tuple[list[str], dict[str, Any], str]] = [
    (["bpe"], {"vocab_size": 100}, "at least 256"),  # byte-level alphabet is 256 symbols
    (["wordpiece"], {"vocab_size": 3}, "at least"),
    (ALL, {"vocab_size": -1}, "vocab_size must be >="),
    (ALL, {"vocab_size": 2.5}, "vocab_size must be an integer"),
    (ALL, {"vocab_size": "300"}, "vocab_size must be an integer"),
    (["bpe", "wordpiece"], {"min_frequency": -3}, "min_frequency must be >= 0"),
    (["bpe", "wordpiece"], {"min_frequency": 0.5}, "min_frequency must be an integer"),
    (["bpe", "wordpiece"], {"special_tokens": ["<a>", "<a>"]}, "listed twice"),
    (["sp-bpe", "unigram"], {"user_defined_symbols": ["<a>", "<a>"]}, "listed twice"),
    (["bpe", "wordpiece"], {"special_tokens": [""]}, "non-empty"),
    (["bpe"], {"special_tokens": ["Ġ"]}, "symbol of the byte-level alphabet"),
    (["bpe", "wordpiece"], {"pre_tokenizer": "nope"}, "unknown pre-tokenizer 'nope'"),
    (["sp-bpe", "unigram"], {"pre_tokenizer": "gpt2"}, "does not apply"),
    (["bpe", "wordpiece"], {"normalizer": "nope"}, "unknown normalizer"),
    (["sp-bpe", "unigram"], {"normalizer": "nope"}, "unknown SentencePiece normalization"),
    (ALL, {"processes": 0}, "processes must be a positive integer"),
    (ALL, {"processes": 1.5}, "processes must be a positive integer"),
    (ALL, {"errors": "bogus"}, "errors must be one of"),
    (ALL, {"no_such_option": 1}, "no_such_option"),
    (["nope"], {}, "unknown algorithm"),
]


@pytest.mark.parametrize(("algorithms", "options", "fragment"), CASES)
def test_bad_option_fails_before_reading(
    algorithms: list[str], options: dict[str, Any], fragment: str
) -> None:
    for algorithm in algorithms:
        kwargs = {"vocab_size": 300, "show_progress": False, **options}
        with pytest.raises(ConfigError, match=fragment.replace("(", r"\(")):
            tokenlab.train(untouchable(), algorithm=algorithm, **kwargs)


def test_bad_option_with_files_fails_before_reading(tmp_path: Path) -> None:
    # A missing corpus file would be a CorpusError: the ConfigError comes first.
    missing = str(tmp_path / "not-there.txt")
    with pytest.raises(ConfigError):
        tokenlab.train(missing, vocab_size=10, show_progress=False)
    with pytest.raises(ConfigError):
        tokenlab.train(missing, algorithm="unigram", vocab_size=-5, show_progress=False)


def test_special_token_equal_to_a_learned_token_is_one_token() -> None:
    """A merge that yields a special token's string reuses its id (as tokenizers does).

    Not an error: which tokens are learned is only known after training. The text
    "hello" is matched as the special token first, so nothing is lost.
    """
    tok = tokenlab.train(
        iter(["hello world\n"] * 5), vocab_size=300, special_tokens=["hello"], show_progress=False
    )
    vocab = tok.get_vocab()
    assert vocab["hello"] == 0
    assert len(set(vocab.values())) == len(vocab) == tok.get_vocab_size()
    assert tok.encode("hello world").tokens == ["hello", "Ġworld"]
    assert tok.decode(tok.encode("hello world").ids, skip_special_tokens=False) == "hello world"


@pytest.mark.parametrize(
    ("argv", "code", "fragment"),
    [
        (["--vocab-size", "100"], 1, "at least 256"),
        (["--vocab-size", "-1"], 2, "must be > 0"),
        (["--vocab-size", "1.5"], 2, "expected an integer"),
        (["--min-frequency", "-1"], 2, "must be >= 0"),
        (["--special-tokens", "<a>,<a>"], 1, "listed twice"),
        (["--special-tokens", "Ġ"], 1, "byte-level alphabet"),
        (["--pre-tokenizer", "nope"], 2, "invalid choice"),
        (["--processes", "0"], 2, "must be > 0"),
        (["--algorithm", "unigram", "--user-defined-symbols", "x,x", "-o", "X.model"], 1, "twice"),
    ],
)
def test_cli_bad_options(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    code: int,
    fragment: str,
) -> None:
    from tokenlab import corpus

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the corpus was read although the options are invalid")

    monkeypatch.setattr(corpus, "_open", no_reading)
    corpus_file = tmp_path / "c.txt"
    corpus_file.write_text("some text\n", encoding="utf-8")
    out = tmp_path / "tok.json"
    argv = [a.replace("X.model", str(tmp_path / "x.model")) for a in argv]
    if "-o" not in argv:
        argv += ["-o", str(out)]
    assert main(["train", str(corpus_file), "-q", *argv]) == code
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]


def test_cli_output_in_missing_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus_file = tmp_path / "c.txt"
    corpus_file.write_text("some text\n", encoding="utf-8")
    for algorithm, name in (("bpe", "tok.json"), ("unigram", "m.model")):
        out = tmp_path / "missing" / name
        code = main(["train", str(corpus_file), "--algorithm", algorithm, "-o", str(out)])
        assert code == 1
        assert "does not exist (create it first)" in capsys.readouterr().err
        assert not (tmp_path / "missing").exists()
