"""Tokenization models: what turns one pre-tokenized word into token ids.

Each model mirrors the ``model`` component of a Hugging Face ``tokenizer.json``
(``to_dict``/``from_dict``), one module per algorithm:

* :mod:`.bpe`: ``BPE``, a merge list (Sennrich et al., 2016);
* :mod:`.wordpiece`: ``WordPiece``, greedy longest match (BERT);
* :mod:`.wordlevel`: ``WordLevel``, one token per word;
* :mod:`.unigram`: ``Unigram`` and SentencePiece's typed ``SentencePieceUnigram``
  (Kudo, 2018);
* :mod:`.sentencepiece_bpe`: SentencePiece's score-merged ``SentencePieceBPE``;
* :mod:`.tiktoken`: tiktoken's byte-rank ``TiktokenBPE``.

What they share (the :class:`Model` surface, the per-word cache
:class:`CachedModel`) is in :mod:`._base`, so that this module only gathers
them: :data:`MODEL_TYPES` is the ONE table from a ``tokenizer.json`` model
``type`` to its class; a new model is a class and a line there.
(SentencePieceBPE and TiktokenBPE are not in it: they save as ``BPE``.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ModelFileError
from ._base import MAX_TOKEN_ID as MAX_TOKEN_ID
from ._base import CachedModel as CachedModel
from ._base import Model as Model
from .bpe import BPE as BPE
from .sentencepiece_bpe import SentencePieceBPE as SentencePieceBPE
from .tiktoken import TiktokenBPE as TiktokenBPE
from .unigram import SentencePieceUnigram as SentencePieceUnigram
from .unigram import SplitMix64 as SplitMix64
from .unigram import Unigram as Unigram
from .wordlevel import WordLevel as WordLevel
from .wordpiece import WordPiece as WordPiece

__all__ = [
    "BPE",
    "MAX_TOKEN_ID",
    "MODEL_TYPES",
    "CachedModel",
    "Model",
    "SentencePieceBPE",
    "SentencePieceUnigram",
    "SplitMix64",
    "TiktokenBPE",
    "Unigram",
    "WordLevel",
    "WordPiece",
    "model_from_dict",
]

#: ``tokenizer.json`` model ``type`` -> the builder of that model from its dict.
MODEL_TYPES: dict[str, Callable[[Mapping[str, Any]], Model]] = {
    "BPE": BPE.from_dict,
    "WordPiece": WordPiece.from_dict,
    "WordLevel": WordLevel.from_dict,
    "Unigram": Unigram.from_dict,
}


def model_from_dict(d: Any) -> Model:
    """Build the model of a ``tokenizer.json`` from its dict.

    Args:
        d: the ``"model"`` value of a ``tokenizer.json``.

    Returns:
        The model of the type ``d["type"]`` names (see :data:`MODEL_TYPES`).

    Raises:
        ModelFileError: ``d`` is not an object, its type is unknown or not
            supported (the message lists the supported ones), or a field is
            malformed.

    >>> model_from_dict({"type": "WordLevel", "vocab": {"<unk>": 0}}).get_vocab_size()
    1
    """
    if not isinstance(d, dict):
        raise ModelFileError("'model' must be an object")
    kind = d.get("type")
    if kind is None and "merges" in d and "vocab" in d:
        kind = "BPE"  # very old files omit the type
    elif kind is None and isinstance(d.get("vocab"), list):
        kind = "Unigram"  # T5's file omits it; tokenizers tells by the [piece, score] list
    build = MODEL_TYPES.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise ModelFileError(
            f"model type {kind!r} is not supported (supported: {', '.join(MODEL_TYPES)})"
        )
    return build(d)
