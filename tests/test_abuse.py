"""Abuse suite: mutated files at every loader (and then at the loaded tokenizer), hostile
text at every kind of encoder, hostile arguments at every CLI command.

Accepted outcomes: a correct result or a :class:`tokenlab.TokenlabError` with a message
(CLI: exit status 0, 1 or 2; on failure one ``tokenlab: error:`` line, never a
traceback). tests/test_fuzz_loaders.py fuzzes the loaders alone; this file adds the
formats and files it leaves out (wordpiece and sp-bpe tokenizer.json, the tiktoken
sidecar, counts files), uses what loads, and covers text and the command line.
Examples are few and derandomized (``TOKENLAB_FUZZ_EXAMPLES`` raises them), so the
suite stays well under a minute per backend.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz_loaders import LINES, _trained, files, mutated_bytes  # noqa: F401 - fixture

import tokenlab
from tokenlab import Tokenizer, TokenlabError
from tokenlab.cli import main
from tokenlab.counts import CountSettings, load_counts, save_counts

EXAMPLES = int(os.environ.get("TOKENLAB_FUZZ_EXAMPLES", "15"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)

# -- hostile text -----------------------------------------------------------------------------

SPECIAL_TEXTS = [
    "",
    " ",
    "\x00",
    "a\x00b\x00",
    "\ud800",  # lone surrogates
    "x\udfffy",
    "\ufeff\u200b\u200d",
    "\r\n\r\n\t\u2028\u2029\u3000",
    "مرحبا بالعالم שלום",
    "日本語のテキスト、中文",
    "e\u0301\u0301\u0301",
    "🙂‍↔️👩🏽‍💻",
    "\U0010ffff\U000e0001",
    "[UNK] [CLS] <unk> <s> </s> <|endoftext|>",
    "▁▁▁ Ġ Ċ ##ab",
    "A" * 3000,
    "é" * 2000,
    "ab " * 1500,
    " " * 3000,
]

hostile_text = st.one_of(
    st.sampled_from(SPECIAL_TEXTS),
    st.text(st.characters(), max_size=200),  # any code point, surrogates included
    st.builds(
        lambda s, n: s * n, st.text(st.characters(), min_size=1, max_size=4), st.integers(1, 800)
    ),
    st.lists(st.sampled_from(SPECIAL_TEXTS[:14]), max_size=6).map("".join),
)


@pytest.fixture(scope="module")
def tokenizers_of_every_kind(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Tokenizer]:
    from tokenlab.export.tiktoken import write_tiktoken

    toks = _trained()
    toks["bpe-whitespace"] = tokenlab.train(
        iter(LINES),
        vocab_size=120,
        pre_tokenizer="whitespace",
        end_of_word_suffix="</w>",
        show_progress=False,
    )
    path = tmp_path_factory.mktemp("tt") / "x.tiktoken"
    write_tiktoken(toks["bpe"], path)
    toks["tiktoken"] = Tokenizer.from_file(str(path))
    return toks


def _use(tok: Tokenizer, text: str) -> None:
    """Encode and decode ``text`` every way; only tokenlab errors may come out."""
    try:
        enc = tok.encode(text)
    except TokenlabError as e:
        assert str(e)
        return
    size = max([tok.get_vocab_size(), *(i + 1 for i in enc.ids)])
    assert all(0 <= i < size and tok.id_to_token(i) is not None for i in enc.ids)
    assert len(enc.ids) == len(enc.tokens) == len(enc.offsets)
    assert all(0 <= a <= b <= len(text) for a, b in enc.offsets)
    assert tok.encode_batch([text, text])[1].ids == enc.ids
    decoded = tok.decode(enc.ids)
    assert isinstance(decoded, str)


@pytest.mark.parametrize(
    "kind", ["bpe", "bpe-whitespace", "wordpiece", "sp-bpe", "unigram", "tiktoken"]
)
def test_hostile_text_at_every_encoder(
    tokenizers_of_every_kind: dict[str, Tokenizer], kind: str
) -> None:
    tok = tokenizers_of_every_kind[kind]

    @FUZZ
    @given(text=hostile_text)
    def check(text: str) -> None:
        _use(tok, text)

    for text in SPECIAL_TEXTS:  # every special text, whatever Hypothesis draws
        _use(tok, text)
    check()


@pytest.mark.parametrize("kind", ["bpe", "tiktoken"])
def test_byte_level_round_trips_hostile_text(
    tokenizers_of_every_kind: dict[str, Tokenizer], kind: str
) -> None:
    tok = tokenizers_of_every_kind[kind]

    @FUZZ
    @given(text=hostile_text.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t)))
    def check(text: str) -> None:
        assert tok.decode(tok.encode(text).ids) == text

    check()


# -- mutated files, then use what loads -------------------------------------------------------

LOADED_NAMES = [
    "bpe.json",
    "wordpiece.json",
    "sp-bpe.json",
    "unigram.json",
    "vocab.txt",
    "unigram.model",
    "spbpe.model",
    "x.tiktoken",
    "x.tiktoken.json",
    "gpt2/vocab.json",
    "gpt2/merges.txt",
]


def _load_mutated(tmp: Path, name: str, data: bytes, all_files: dict[str, bytes]) -> Tokenizer:
    """Write every valid file, then ``data`` over ``name``, and load what it belongs to."""
    for other, content in all_files.items():
        (tmp / other).parent.mkdir(parents=True, exist_ok=True)
        (tmp / other).write_bytes(content)
    (tmp / name).write_bytes(data)
    if name.startswith("gpt2/"):
        return Tokenizer.from_file(str(tmp / "gpt2"))
    if name == "x.tiktoken.json":
        return Tokenizer.from_file(str(tmp / "x.tiktoken"))
    return Tokenizer.from_file(str(tmp / name))


@pytest.mark.parametrize("name", LOADED_NAMES)
def test_mutated_files_load_or_fail_cleanly_then_encode(
    files: dict[str, bytes],  # noqa: F811 - the fixture
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
) -> None:
    assert name in files, sorted(files)

    @FUZZ
    @given(data=mutated_bytes(files[name]), text=st.sampled_from(SPECIAL_TEXTS))
    def check(data: bytes, text: str) -> None:
        try:
            tok = _load_mutated(tmp_path_factory.mktemp("m"), name, data, files)
        except TokenlabError as e:
            assert str(e)
            return
        _use(tok, text)
        _use(tok, "hello world, naïve café")

    check()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def test_mutated_tiktoken_sidecar_values(
    files: dict[str, bytes],  # noqa: F811 - the fixture
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    valid = json.loads(files["x.tiktoken.json"])

    @FUZZ
    @given(
        key=st.sampled_from([*valid, "extra"]),
        value=json_values | st.sampled_from(["(", "[", "\\", "(?<", "", "a{99999999999}"]),
    )
    def check(key: str, value: Any) -> None:
        side = {**valid, key: value}
        try:
            tok = _load_mutated(
                tmp_path_factory.mktemp("s"), "x.tiktoken.json", json.dumps(side).encode(), files
            )
        except TokenlabError as e:
            assert str(e)
            return
        _use(tok, "hello world <|endoftext|>")

    check()


@pytest.fixture(scope="module")
def counts_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("counts") / "c.tsv"
    counts = {"hello": 5, "Ġworld": 3, "a\tb": 2, "naïve": 1, "\\": 1}
    save_counts(path, counts, CountSettings.for_training("bpe"))
    return path.read_bytes()


def test_mutated_counts_files(counts_file: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    @FUZZ
    @given(data=mutated_bytes(counts_file))
    def check(data: bytes) -> None:
        path = tmp_path_factory.mktemp("c") / "c.tsv"
        path.write_bytes(data)
        try:
            load_counts(path)
            tok = tokenlab.train_from_counts(str(path), vocab_size=270, show_progress=False)
        except TokenlabError as e:
            assert str(e)
            return
        _use(tok, "hello world")

    check()


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece", "sp-bpe", "unigram"])
def test_hostile_counts_mappings(algorithm: str) -> None:
    @FUZZ
    @given(
        counts=st.dictionaries(
            st.text(st.characters(), max_size=6),
            st.integers(-5, 2**66) | st.sampled_from([0, 1, 2**62, 2**63]),
            max_size=6,
        )
    )
    def check(counts: dict[str, int]) -> None:
        try:
            tok = tokenlab.train_from_counts(
                counts, algorithm=algorithm, vocab_size=300, show_progress=False
            )
        except TokenlabError as e:
            assert str(e)
            return
        _use(tok, "".join(counts)[:50])

    check()


# -- the command line -------------------------------------------------------------------------

HOSTILE_VALUES = [
    "",
    "-",
    "--",
    "0",
    "-1",
    "1",
    "99999999999999999999999",
    "nan",
    "é",
    "/dev/null",
    "/nonexistent/dir/x.json",
    "a,b,,",
    "\t",
]


def _cli_case(tmp: Path, corpus: Path, tok: Path) -> st.SearchStrategy[list[str]]:
    paths = [str(corpus), str(tok), str(tmp / "out.json"), str(tmp / "out.model"), str(tmp)]
    value = st.sampled_from(HOSTILE_VALUES + paths)
    flags = [
        "-t",
        "-o",
        "--vocab-size",
        "--algorithm",
        "--pre-tokenizer",
        "--special-tokens",
        "--min-frequency",
        "--processes",
        "--errors",
        "--format",
        "--to",
        "--from-counts",
        "--max-piece-length",
        "--character-coverage",
        "--user-defined-symbols",
        "--tokens",
        "--pair",
        "-q",
    ]
    choice = st.sampled_from(["bpe", "wordpiece", "sp-bpe", "unigram", "gpt2", "tiktoken", "bert"])
    arg = st.one_of(value, st.sampled_from(flags), choice)
    command = st.sampled_from(["train", "encode", "decode", "count", "export", "convert", "info"])
    return st.builds(lambda c, rest: [c, *rest], command, st.lists(arg, max_size=7))


def _check_cli_outcome(code: int, err: str) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err, err
    if code == 1:
        lines = [line for line in err.splitlines() if not line.startswith("tokenlab: warning:")]
        assert len(lines) == 1 and lines[0].startswith("tokenlab: error: "), err
    elif code == 2:
        assert err.splitlines()[-1].startswith("tokenlab"), err
        assert " error: " in err.splitlines()[-1], err


def test_cli_hostile_arguments(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # `train` without -o writes ./tokenizer.json
    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(LINES))
    tok = tmp_path / "tok.json"
    tokenlab.train(iter(LINES), vocab_size=280, show_progress=False).save(str(tok))

    @settings(FUZZ, max_examples=max(EXAMPLES * 4, 40))
    @given(argv=_cli_case(tmp_path, corpus, tok))
    def check(argv: list[str]) -> None:
        capsys.readouterr()
        code = main(argv)
        _check_cli_outcome(code, capsys.readouterr().err)

    check()


@pytest.mark.parametrize(
    "argv",
    [
        ["decode", "-t", "TOK", "-1"],
        ["decode", "-t", "TOK", "999999999999999999999999"],
        ["decode", "-t", "TOK", "0", "2147483647", "4294967296"],
        ["encode", "-t", "TOK", "\ud800"],
        ["encode", "-t", "TOK", "--pair", "\x00", "a"],
        ["encode", "-t", "/dev/null", "x"],
        ["encode", "-t", "CORPUS", "x"],
        ["info", "-t", "DIR"],
        ["train", "CORPUS", "-q", "--vocab-size", "999999999999999999999", "-o", "OUT"],
        ["train", "CORPUS", "-q", "--special-tokens", ",,,", "-o", "OUT"],
        ["train", "CORPUS", "-q", "--algorithm", "unigram", "--max-piece-length", "999999999"],
        ["train", "/dev/null", "-q", "-o", "OUT"],
        ["count", "CORPUS", "-q", "-o", "DIR"],
        ["export", "-t", "TOK", "--format", "gpt2", "-o", "CORPUS"],
        ["convert", "TOK", "OUT.weird"],
        ["compare", "CORPUS", "--algorithm", "bpe", "--vocab-size", "1", "-q"],
    ],
)
def test_cli_named_hostile_cases(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    if argv[0] == "compare":
        pytest.importorskip("tokenizers")
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(LINES) * 40)  # compare holds out 1000 lines
    tok = tmp_path / "tok.json"
    tokenlab.train(iter(LINES), vocab_size=280, show_progress=False).save(str(tok))
    names: dict[str, Callable[[], str]] = {
        "TOK": lambda: str(tok),
        "CORPUS": lambda: str(corpus),
        "DIR": lambda: str(tmp_path),
        "OUT": lambda: str(tmp_path / "out.json"),
        "OUT.weird": lambda: str(tmp_path / "out.weird"),
    }
    code = main([names[a]() if a in names else a for a in argv])
    _check_cli_outcome(code, capsys.readouterr().err)
