"""The tokenizer.json module of tokenlab.export: the same as save/from_file."""

from __future__ import annotations

from pathlib import Path

import pytest

import tokenlab
from tokenlab.export.huggingface import read_huggingface, write_huggingface


def test_write_and_read(tmp_path: Path, pydoc_text: list[str]) -> None:
    tok = tokenlab.train(iter(pydoc_text[:500]), vocab_size=300, show_progress=False)
    path = tmp_path / "tokenizer.json"
    write_huggingface(tok, path)
    assert read_huggingface(path).to_str() == tok.to_str()
    with pytest.raises(tokenlab.ModelFileError, match="no such file"):
        read_huggingface(tmp_path / "missing.json")
