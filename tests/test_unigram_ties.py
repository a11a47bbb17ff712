"""Near ties between Unigram paths fall as each file's home library lets them fall.

sentencepiece sums a path's piece scores in float32, tokenizers in float64; on runs of
one char ("=" * 12) several segmentations score equal but for rounding, and the two
libraries pick different ones. A ``.model`` follows sentencepiece, a ``tokenizer.json``
tokenizers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import multilingual_lines, pydoc_lines

from tokenlab import Tokenizer

#: Runs of one char: the texts where float32 and float64 sums pick other paths.
RUNS = [ch * k for ch in "=-#~*_.ab" for k in range(1, 40)]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spm = pytest.importorskip("sentencepiece", reason="parity with sentencepiece needs it")
    folder = tmp_path_factory.mktemp("ties")
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(pydoc_lines()[:3000] + multilingual_lines()[:1500]), "utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(folder / "m"),
        vocab_size=2000,
        model_type="unigram",
        minloglevel=2,
    )
    return folder / "m.model"


def test_model_file_breaks_ties_as_sentencepiece(model_file: Path) -> None:
    spm = pytest.importorskip("sentencepiece")
    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    tok = Tokenizer.from_file(str(model_file))
    texts = RUNS + multilingual_lines()[:500]
    bad = [t for t in texts if tok.encode(t, add_special_tokens=False).ids != sp.encode(t)]
    assert bad == []


def test_tokenizer_json_breaks_ties_as_tokenizers(model_file: Path, tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers", reason="parity with tokenizers needs it")
    saved = tmp_path / "tokenizer.json"
    Tokenizer.from_file(str(model_file)).save(str(saved))
    hf = tokenizers.Tokenizer.from_file(str(saved))
    tok = Tokenizer.from_file(str(saved))
    texts = RUNS + multilingual_lines()[:500]
    bad = [t for t in texts if tok.encode(t).ids != hf.encode(t).ids]
    assert bad == []


def test_the_runs_do_tell_the_two_rules_apart(model_file: Path) -> None:
    # Without this, the two tests above could pass on texts with no near tie at all.
    spm = pytest.importorskip("sentencepiece")
    tokenizers = pytest.importorskip("tokenizers")
    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    hf = tokenizers.Tokenizer.from_str(Tokenizer.from_file(str(model_file)).to_str())
    differ = [t for t in RUNS if sp.encode(t) != hf.encode(t, add_special_tokens=False).ids]
    assert differ
