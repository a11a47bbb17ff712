"""Hugging Face ``tokenizer.json``: tokenlab's native format.

A thin module so that every format has one under :mod:`tokenlab.export`; the
work is :meth:`tokenlab.Tokenizer.save` and :meth:`tokenlab.Tokenizer.from_file`,
which write and read the whole pipeline (normalizer, pre-tokenizer, model,
post-processor, decoder, added tokens, truncation and padding) in the schema
``tokenizers`` uses, for BPE, WordPiece and Unigram models (SentencePiece BPE as
an exact merge list where one exists; refused where it does not).
"""

from __future__ import annotations

import os
from typing import Any

from ..tokenizer import Tokenizer

__all__ = ["read_huggingface", "write_huggingface"]


def write_huggingface(tokenizer: Tokenizer, path: str | os.PathLike[str]) -> None:
    """Write ``tokenizer.json`` atomically (same as ``tokenizer.save(path)``).

    Raises:
        ConfigError: the directory is missing, or the model has no exact
            ``tokenizer.json`` form (the message says why).
    """
    tokenizer.save(path)


def read_huggingface(path: str | os.PathLike[str], **options: Any) -> Tokenizer:
    """Read a ``tokenizer.json`` written by tokenlab or by ``tokenizers``.

    :class:`~tokenlab.Tokenizer` reads its own format: this is
    :meth:`~tokenlab.Tokenizer.from_file`.

    Args:
        path: the file.
        **options: none apply (given ones are refused).

    Returns:
        The tokenizer.

    Raises:
        ModelFileError: missing, unreadable or malformed file (named in the message).
        ConfigError: ``options`` were given.
    """
    return Tokenizer.from_file(path, **options)
