"""Tokenizers pickle, deep-copy and cross process boundaries, as the anchors' do.

tokenizers, tiktoken and sentencepiece objects all pickle; ``multiprocessing`` with the
spawn start method and ``datasets.map(num_proc=...)`` (and its fingerprint cache, a hash
of the pickled function and what it holds) depend on it. A tokenizer pickles as what
rebuilds it (components, added tokens, settings); native encoders and caches are built
again on first use, so a pickle holds no native object. Each test runs on the backend
the suite runs on (the suite runs twice, native and ``TOKENLAB_PURE_PYTHON=1``).
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import operator
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI_CWD, multilingual_lines, pydoc_lines

import tokenlab
from tokenlab import Tokenizer
from tokenlab.export.sentencepiece import write_sentencepiece
from tokenlab.export.tiktoken import write_tiktoken
from tokenlab.models import WordLevel
from tokenlab.pre_tokenizers import WhitespaceSplit

TEXTS = [
    "Hello world, the quick brown fox <sep> jumps.",
    "hello  <sep>world   ",
    "",
    "x  <sep>\t<sep>Hello",
    *multilingual_lines()[::300],
]


def _view(tok: Tokenizer) -> list[Any]:
    """What must survive a round trip: the file form and the encodings of TEXTS."""
    encodings = [(e.ids, e.tokens, e.offsets, e.word_ids) for e in tok.encode_batch(TEXTS)]
    singles = [tok.encode(t, t).ids for t in TEXTS[:4]]
    return [tok.to_str(), encodings, singles, tok.encode_ordinary_batch(TEXTS)]


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the pipelines read from files (.model, .tiktoken) keep them."""
    return tmp_path_factory.mktemp("pickling")


@pytest.fixture(scope="module")
def pipelines(pipeline_dir: Path) -> dict[str, Tokenizer]:
    """A tokenizer of every model kind, each with an added and a special token."""
    lines = pydoc_lines(400)
    out: dict[str, Tokenizer] = {}
    for algorithm, size in (("bpe", 400), ("wordpiece", 300), ("unigram", 300), ("sp-bpe", 300)):
        out[algorithm] = tokenlab.train(
            iter(lines), algorithm=algorithm, vocab_size=size, show_progress=False
        )
    out["bpe-gpt2-split"] = tokenlab.train(
        iter(lines), vocab_size=400, pre_tokenizer="gpt2", show_progress=False
    )
    out["bpe-whitespace"] = tokenlab.train(
        iter(lines), vocab_size=400, pre_tokenizer="whitespace", show_progress=False
    )
    out["bert"] = tokenlab.train(
        iter(lines), algorithm="wordpiece", vocab_size=300, pre_tokenizer="bert",
        normalizer="bert", show_progress=False,
    )  # fmt: skip
    words = sorted({w for line in lines for w in line.split()})[:300]
    out["wordlevel"] = Tokenizer(
        WordLevel({"[UNK]": 0, **{w: i for i, w in enumerate(words, start=1)}}, "[UNK]"),
        pre_tokenizer=WhitespaceSplit(),
    )
    tmp = pipeline_dir
    write_sentencepiece(out["unigram"], tmp / "u.model")
    out["unigram-.model"] = Tokenizer.from_file(tmp / "u.model")
    write_sentencepiece(out["sp-bpe"], tmp / "b.model")
    out["sp-bpe-.model"] = Tokenizer.from_file(tmp / "b.model")
    write_tiktoken(out["bpe-gpt2-split"], tmp / "mine.tiktoken")
    out["tiktoken"] = Tokenizer.from_tiktoken(tmp / "mine.tiktoken")
    out["unigram-json"] = Tokenizer.from_str(out["unigram"].to_str())
    for tok in out.values():
        tok.add_tokens(["Hello"])
        tok.add_special_tokens(["<sep>"])
    out["bert-padded"] = Tokenizer.from_str(out["bert"].to_str())
    out["bert-padded"].enable_padding(pad_token="<sep>")
    out["bert-padded"].enable_truncation(12)
    return out


@pytest.mark.parametrize("first_encode", [False, True], ids=["fresh", "after-encode"])
def test_pickle_and_deepcopy_give_an_equal_tokenizer(
    pipelines: dict[str, Tokenizer], first_encode: bool
) -> None:
    for name, tok in pipelines.items():
        fresh = tok
        if not first_encode:
            # Not encoded yet: no native encoder built (a shallow copy, as a .model
            # pipeline has no exact tokenizer.json form to rebuild it from).
            fresh = copy.copy(tok)
            fresh._fast = None
        else:
            tok.encode("warm the caches up: Hello <sep> world")
        expected = _view(tok)
        for protocol in (2, pickle.HIGHEST_PROTOCOL):
            back = pickle.loads(pickle.dumps(fresh, protocol=protocol))
            assert _view(back) == expected, (name, protocol)
        assert _view(copy.deepcopy(fresh)) == expected, name
        assert pickle.loads(pickle.dumps(tok)).get_vocab() == tok.get_vocab(), name


def test_a_pickle_holds_no_native_object(pipelines: dict[str, Tokenizer]) -> None:
    # After encoding, native encoders exist; the pickle must not name the core.
    for name, tok in pipelines.items():
        tok.encode("Hello <sep> world")
        data = pickle.dumps(tok)
        assert b"tokenlab._core" not in data and b"tokenlab._py" not in data, name


def test_spawned_processes_encode_alike(pipelines: dict[str, Tokenizer]) -> None:
    # The spawn start method pickles the tokenizer into a fresh interpreter.
    names = ["bpe", "bert", "unigram-.model", "tiktoken", "sp-bpe"]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        ids = pool.map(
            operator.methodcaller("encode_ordinary_batch", TEXTS), [pipelines[n] for n in names]
        )
        texts = pool.map(operator.methodcaller("to_str"), [pipelines[n] for n in names])
    for name, got, text in zip(names, ids, texts):
        assert got == pipelines[name].encode_ordinary_batch(TEXTS), name
        assert text == pipelines[name].to_str(), name


# Hashes each file's tokenizer as datasets' fingerprint cache does; "after": once it has
# encoded (native encoders, word caches and lazily built tables exist then).
_HASH_SCRIPT = """
import json, sys
from datasets.fingerprint import Hasher
import tokenlab
hashes = {}
for name, path in json.loads(sys.argv[2]).items():
    tok = tokenlab.Tokenizer.from_file(path)
    if sys.argv[1] == "after":
        tok.encode_batch(["Hello <sep> world", "the fox"])
        tok.encode_ordinary("Hello world")
        tok.decode(tok.encode("Hello <sep> world").ids)
    hashes[name] = Hasher.hash(tok)
print(json.dumps(hashes))
"""


def _hashes_in_fresh_process(files: dict[str, Path], stage: str, seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    paths = json.dumps({name: str(path) for name, path in files.items()})
    done = subprocess.run(
        [sys.executable, "-c", _HASH_SCRIPT, stage, paths],
        cwd=CLI_CWD,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    hashes: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return hashes


#: Every pipeline of the ``pipelines`` fixture, plus a BPE with dropout (its random
#: generator must not enter the fingerprint), each loaded from the file a user has.
FINGERPRINTED = [
    "bpe", "bpe-dropout", "bpe-gpt2-split", "bpe-whitespace", "wordpiece", "bert",
    "bert-padded", "unigram", "unigram-json", "unigram-.model", "sp-bpe", "sp-bpe-.model",
    "tiktoken", "wordlevel",
]  # fmt: skip


@pytest.fixture(scope="module")
def fingerprints(pipelines: dict[str, Tokenizer], pipeline_dir: Path) -> dict[str, set[str]]:
    """name -> the datasets fingerprints of its file, from two fresh interpreters with
    different str hash seeds, one of which encoded before hashing."""
    pytest.importorskip("datasets")
    # Files that hold exactly the pipeline's model kind: tokenizer.json turns a .model or
    # tiktoken pipeline into a BPE or Unigram one.
    files = {
        "unigram-.model": pipeline_dir / "u.model",
        "sp-bpe-.model": pipeline_dir / "b.model",
        "tiktoken": pipeline_dir / "mine.tiktoken",
    }
    for name, tok in pipelines.items():
        if name not in files:
            files[name] = pipeline_dir / f"{name}.json"
            tok.save(files[name])
    with_dropout = json.loads(pipelines["bpe"].to_str())
    with_dropout["model"]["dropout"] = 0.5
    files["bpe-dropout"] = pipeline_dir / "bpe-dropout.json"
    files["bpe-dropout"].write_text(json.dumps(with_dropout), encoding="utf-8")
    fresh = _hashes_in_fresh_process(files, "fresh", "1")
    after = _hashes_in_fresh_process(files, "after", "2")
    return {name: {fresh[name], after[name]} for name in files}


def test_every_model_kind_is_fingerprinted(pipelines: dict[str, Tokenizer]) -> None:
    # A pipeline added to the fixture must be added to the fingerprint test too.
    assert set(FINGERPRINTED) == {*pipelines, "bpe-dropout"}


@pytest.mark.parametrize("name", FINGERPRINTED)
def test_datasets_fingerprint_is_deterministic(
    fingerprints: dict[str, set[str]], name: str
) -> None:
    assert len(fingerprints[name]) == 1, fingerprints[name]


def test_datasets_map_with_num_proc(pipelines: dict[str, Tokenizer]) -> None:
    datasets = pytest.importorskip("datasets")
    tok = pipelines["bert"]
    lines = [t for t in TEXTS if t] * 4
    data = datasets.Dataset.from_dict({"text": lines})

    def encode(batch: dict[str, list[str]]) -> dict[str, list[list[int]]]:
        return {"ids": [e.ids for e in tok.encode_batch(batch["text"])]}

    mapped = data.map(encode, batched=True, batch_size=4, num_proc=2)
    assert mapped["ids"] == [e.ids for e in tok.encode_batch(lines)]
