"""Fuzzing every loader: whatever the bytes or the JSON tree, only tokenlab's errors.

A loader that meets a truncated, corrupt or ill-typed file must raise a
:class:`~tokenlab.TokenlabError` subclass (naming the file, where there is one),
never ``KeyError``/``TypeError``/``IndexError``/... from deep inside. The inputs are
valid files of every format (made by training small tokenizers here) that
Hypothesis mutates: random bytes, truncations, byte flips, and for tokenizer.json
structural mutations of the JSON tree (wrong types, missing keys, huge and
negative ids, out-of-range merges).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import Tokenizer, TokenlabError

FUZZ = settings(
    max_examples=int(os.environ.get("TOKENLAB_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
LINES = ["hello world, the quick brown fox jumps\n", "naïve café 123 — unicode!\n"] * 15


def _trained() -> dict[str, Tokenizer]:
    quiet = {"show_progress": False}
    return {
        "bpe": tokenlab.train(iter(LINES), vocab_size=280, **quiet),
        "wordpiece": tokenlab.train(iter(LINES), algorithm="wordpiece", vocab_size=80, **quiet),
        "sp-bpe": tokenlab.train(iter(LINES), algorithm="sp-bpe", vocab_size=60, **quiet),
        "unigram": tokenlab.train(
            iter(LINES), algorithm="unigram", vocab_size=50, normalizer="identity", **quiet
        ),
    }


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Valid files of every format, as bytes: name -> content."""
    from tokenlab.export.bert import write_vocab_txt
    from tokenlab.export.gpt2 import write_gpt2
    from tokenlab.export.sentencepiece import write_sentencepiece
    from tokenlab.export.tiktoken import write_tiktoken

    toks = _trained()
    d = tmp_path_factory.mktemp("valid")
    out: dict[str, bytes] = {}
    for name, tok in toks.items():
        out[f"{name}.json"] = tok.to_str().encode()
    write_vocab_txt(toks["wordpiece"], str(d / "vocab.txt"))
    write_sentencepiece(toks["unigram"], str(d / "unigram.model"))
    write_sentencepiece(toks["sp-bpe"], str(d / "spbpe.model"))
    (d / "gpt2").mkdir()
    write_gpt2(toks["bpe"], str(d / "gpt2"))
    write_tiktoken(toks["bpe"], str(d / "x.tiktoken"))
    for path in d.rglob("*"):
        if path.is_file():
            out[str(path.relative_to(d))] = path.read_bytes()
    return out


def _load_as(tmp: Path, name: str, data: bytes, all_files: dict[str, bytes]) -> None:
    """Write ``data`` as file ``name`` (siblings from ``all_files``) and load it."""
    target = tmp / name
    target.parent.mkdir(parents=True, exist_ok=True)
    for other, content in all_files.items():
        if os.path.dirname(other) == os.path.dirname(name) and other != name:
            (tmp / other).write_bytes(content)  # e.g. vocab.json beside merges.txt
    target.write_bytes(data)
    load = target.parent if name.startswith("gpt2/") else target
    Tokenizer.from_file(str(load))


def _check(tmp: Path, name: str, data: bytes, all_files: dict[str, bytes]) -> None:
    try:
        _load_as(tmp, name, data, all_files)
    except TokenlabError as e:
        assert str(e), "an error needs a message"
    # any other exception propagates and fails the test


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "random", "empty"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if kind == "flip":
        buf = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            if buf:
                i = draw(st.integers(0, len(buf) - 1))
                buf[i] = draw(st.integers(0, 255))
        return bytes(buf)
    if kind == "insert":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.binary(min_size=1, max_size=16)) + data[i:]
    if kind == "random":
        return draw(st.binary(max_size=200))
    return b""


FORMAT_FILES = [
    "bpe.json",
    "unigram.json",
    "vocab.txt",
    "unigram.model",
    "spbpe.model",
    "x.tiktoken",
    "gpt2/vocab.json",
    "gpt2/merges.txt",
]


@pytest.mark.parametrize("name", FORMAT_FILES)
def test_corrupt_bytes_give_tokenlab_errors(
    files: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    assert name in files, sorted(files)

    @FUZZ
    @given(data=mutated_bytes(files[name]))
    def check(data: bytes) -> None:
        _check(tmp_path_factory.mktemp("f"), name, data, files)

    check()


def test_truncated_files_name_the_file(files: dict[str, bytes], tmp_path: Path) -> None:
    """Cut in half, every structured format fails with an error naming the file.

    (Half a vocab.txt, merges.txt or .tiktoken is a valid shorter file: see the
    line-level cases below for those.)
    """
    for name in ["bpe.json", "unigram.json", "unigram.model", "spbpe.model", "gpt2/vocab.json"]:
        data = files[name]
        with pytest.raises(TokenlabError) as info:
            _load_as(tmp_path / name.replace("/", "_"), name, data[: len(data) // 2], files)
        assert os.path.basename(name) in str(info.value), (name, str(info.value))


# (file, content, fragments of the message); {ranks} is a valid 256-line rank file.
LINE_CASES = [
    ("vocab.txt", "", ["vocab.txt", "empty"]),
    ("vocab.txt", "a\nb\n", ["vocab.txt", "'[UNK]' is not in the vocabulary"]),
    ("vocab.txt", "[UNK]\n\x00\n", ["vocab.txt", "NUL"]),
    ("x.tiktoken", "!!!! 0\n", ["x.tiktoken, line 1", "not valid base64"]),
    ("x.tiktoken", "YQ==\n", ["x.tiktoken, line 1", "expected 'base64 rank'"]),
    ("x.tiktoken", "YQ== -1\n", ["x.tiktoken, line 1", "not an integer >= 0"]),
    ("x.tiktoken", "YQ== 0\nYg== 0\n", ["x.tiktoken, line 2", "used twice"]),
    ("gpt2/merges.txt", "#version: 0.2\nh\n", ["merges.txt, line 2", "expected 'left right'"]),
    ("gpt2/merges.txt", "#version: 0.2\nzz qq\n", ["merges.txt", "not in the vocabulary"]),
    ("gpt2/vocab.json", "[1, 2]", ["vocab.json", "JSON object of token -> id"]),
    ("gpt2/vocab.json", '{"a": -5}', ["vocab.json", "not an integer >= 0"]),
]


@pytest.mark.parametrize(("name", "content", "fragments"), LINE_CASES)
def test_corrupt_lines_are_named(
    files: dict[str, bytes], tmp_path: Path, name: str, content: str, fragments: list[str]
) -> None:
    with pytest.raises(TokenlabError) as info:
        _load_as(tmp_path, name, content.encode("utf-8", "surrogatepass"), files)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_tiktoken_with_huge_rank(files: dict[str, bytes], tmp_path: Path) -> None:
    """A rank past the 32-bit ids of the core is refused, naming file and line."""
    lines = files["x.tiktoken"].decode().splitlines()
    token = lines[-1].split()[0]
    lines[-1] = f"{token} {2**64}"
    with pytest.raises(TokenlabError, match=rf"x\.tiktoken, line {len(lines)}: .*too large"):
        _load_as(tmp_path, "x.tiktoken", ("\n".join(lines) + "\n").encode(), files)


# --- structural mutations of tokenizer.json trees ----------------------------------------

ODD_VALUES = [
    None,
    True,
    -1,
    0,
    2**63,
    -(2**63),
    2**31,
    1.5,
    float("nan"),
    "",
    "x",
    [],
    {},
    [1, 2],
    {"type": "Nope"},
    [["a", "b"]],
    [[None]],
    "a b c",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node[:6]):  # the first items are enough
            out.extend(_paths(v, (*prefix, i)))
    return out


def _mutate(tree: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    tree = copy.deepcopy(tree)
    if not path:
        return value
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if action == "delete":
        del parent[key]
    elif action == "replace":
        parent[key] = value
    elif action == "append" and isinstance(parent[key], list):
        parent[key].append(value)
    elif action == "append" and isinstance(parent[key], dict):
        parent[key]["fuzz"] = value
    else:
        parent[key] = value
    return tree


@pytest.mark.parametrize("model", ["bpe", "wordpiece", "sp-bpe", "unigram"])
def test_mutated_json_trees_give_tokenlab_errors(files: dict[str, bytes], model: str) -> None:
    tree = json.loads(files[f"{model}.json"])
    paths = _paths(tree)

    @FUZZ
    @given(
        path=st.sampled_from(paths),
        action=st.sampled_from(["delete", "replace", "append"]),
        value=st.sampled_from(ODD_VALUES),
        second=st.sampled_from(paths),
        value2=st.sampled_from(ODD_VALUES),
    )
    def check(
        path: tuple[Any, ...], action: str, value: Any, second: tuple[Any, ...], value2: Any
    ) -> None:
        mutated = _mutate(tree, path, action, value)
        # (the second path may have vanished with the first mutation)
        with contextlib.suppress(KeyError, IndexError, TypeError):
            mutated = _mutate(mutated, second, "replace", value2)
        with contextlib.suppress(TokenlabError):  # anything else fails the test
            Tokenizer.from_str(json.dumps(mutated))

    check()


COMPONENTS = {
    "normalizer": "tokenlab.normalizers:normalizer_from_dict",
    "pre_tokenizer": "tokenlab.pre_tokenizers:pre_tokenizer_from_dict",
    "decoder": "tokenlab.decoders:decoder_from_dict",
    "post_processor": "tokenlab.processors:processor_from_dict",
    "model": "tokenlab.models:model_from_dict",
}

COMPONENT_DICTS: list[dict[str, Any]] = [
    {"type": t}
    for t in [
        "NFC",
        "NFKC",
        "Lowercase",
        "Strip",
        "Replace",
        "BertNormalizer",
        "Sequence",
        "Precompiled",
        "Prepend",
        "ByteLevel",
        "Whitespace",
        "WhitespaceSplit",
        "Split",
        "Metaspace",
        "BertPreTokenizer",
        "Punctuation",
        "Digits",
        "WordPiece",
        "BPEDecoder",
        "Fuse",
        "ByteFallback",
        "Strip",
        "TemplateProcessing",
        "BertProcessing",
        "RobertaProcessing",
        "BPE",
        "WordPiece",
        "Unigram",
        "WordLevel",
        "CTC",
    ]
]


def _component_values() -> st.SearchStrategy[Any]:
    scalars = st.sampled_from(ODD_VALUES)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "type",
                        "pattern",
                        "content",
                        "vocab",
                        "merges",
                        "single",
                        "pair",
                        "special_tokens",
                        "normalizers",
                        "pretokenizers",
                        "decoders",
                        "processors",
                        "String",
                        "Regex",
                        "behavior",
                        "unk_id",
                        "precompiled_charsmap",
                        "prepend_scheme",
                        "replacement",
                        "sep",
                        "cls",
                        "id",
                        "ids",
                        "tokens",
                        "prefix",
                        "start",
                        "stop",
                    ]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=8,
    )


@pytest.mark.parametrize("kind", sorted(COMPONENTS))
def test_component_from_dict_gives_tokenlab_errors(kind: str) -> None:
    import importlib

    module, function = COMPONENTS[kind].split(":")
    load = getattr(importlib.import_module(module), function)

    @FUZZ
    @given(
        base=st.sampled_from(COMPONENT_DICTS),
        extra=_component_values(),
        key=st.sampled_from(
            [
                "pattern",
                "content",
                "vocab",
                "merges",
                "single",
                "unk_id",
                "normalizers",
                "pretokenizers",
                "decoders",
                "processors",
                "special_tokens",
                "behavior",
                "precompiled_charsmap",
            ]
        ),
        whole=st.booleans(),
    )
    def check(base: dict[str, Any], extra: Any, key: str, whole: bool) -> None:
        d: Any = extra if whole else {**base, key: extra}
        with contextlib.suppress(TokenlabError):  # anything else fails the test
            load(d)

    check()


@pytest.mark.parametrize("name", ["bpe.json", "unigram.model", "x.tiktoken", "vocab.txt"])
def test_cli_reports_a_corrupt_file_in_one_line(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    from tokenlab.cli import main

    data = files[name]
    bad = {"x.tiktoken": b"YQ== zero\n", "vocab.txt": b"a\nb\n"}.get(name, data[: len(data) // 2])
    path = tmp_path / name
    path.write_bytes(bad)
    for name2, content in files.items():
        if name2.startswith(name + "."):
            (tmp_path / name2).write_bytes(content)  # the .tiktoken sidecar
    assert main(["info", "-t", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tokenlab: error: ") and err.count("\n") == 1, err
    assert name in err and "Traceback" not in err
