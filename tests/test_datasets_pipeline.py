"""The ``datasets.map`` pipeline of ``benchmarks/bench_datasets.py`` works and caches.

Not timed (the benchmark times it): the batched map, in this process and with
``num_proc=2``, gives the ids and masks the same pipeline with ``tokenizers`` gives on
the same ``tokenizer.json``, and the mapped dataset's fingerprint (what ``datasets``
names its cache files by) is the same for two loads of the file, before and after the
tokenizer has encoded and decoded (its caches and decode table are not hashed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import multilingual_lines

import tokenlab

datasets = pytest.importorskip("datasets")
tokenizers = pytest.importorskip("tokenizers")


def encode_function(tok: Any) -> Any:
    def encode(batch: dict[str, list[str]]) -> dict[str, list[list[int]]]:
        encodings = tok.encode_batch(batch["text"])
        return {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
        }

    return encode


def mapped(data: Any, tok: Any, num_proc: int | None) -> Any:
    return data.map(
        encode_function(tok),
        batched=True,
        batch_size=64,
        num_proc=num_proc,
        load_from_cache_file=False,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    lines = multilingual_lines(600)
    out = tmp_path_factory.mktemp("datasets")
    paths = {}
    for name, options in {
        "bpe": {"vocab_size": 800},
        "wordpiece": {"algorithm": "wordpiece", "vocab_size": 2000, "min_frequency": 5},
    }.items():
        paths[name] = out / f"{name}.json"
        tokenlab.train(iter(lines), show_progress=False, **options).save(paths[name])
    return paths


@pytest.mark.parametrize("name", ["bpe", "wordpiece"])
def test_pipeline_equals_tokenizers_and_fingerprint_is_stable(
    files: dict[str, Path], name: str
) -> None:
    datasets.disable_progress_bars()
    data = datasets.Dataset.from_dict({"text": multilingual_lines()[::10]})
    ours = tokenlab.Tokenizer.from_file(files[name])
    theirs = tokenizers.Tokenizer.from_file(str(files[name]))
    expected = mapped(data, theirs, None)
    for num_proc in (None, 2):
        got = mapped(data, ours, num_proc)
        assert got["input_ids"] == expected["input_ids"], num_proc
        assert got["attention_mask"] == expected["attention_mask"], num_proc
    fresh = tokenlab.Tokenizer.from_file(files[name])
    before = mapped(data, fresh, None)._fingerprint
    fresh.decode_batch(fresh.encode_ordinary_batch(multilingual_lines(300)) * 20)
    assert mapped(data, fresh, None)._fingerprint == before
    assert mapped(data, ours, None)._fingerprint == before  # ours has mapped twice
