"""Readers and writers for the tokenizer file formats of the ecosystem.

One module per format, each with an exporter and an importer:

* ``huggingface``: ``tokenizer.json`` (the native format; all model types);
* ``gpt2``: ``vocab.json`` + ``merges.txt`` (or OpenAI's ``encoder.json`` + ``vocab.bpe``);
* ``bert``: ``vocab.txt``;
* ``tiktoken``: tiktoken rank files (+ a JSON sidecar with the pattern);
* ``sentencepiece``: ``.model`` (protobuf ModelProto).

:func:`load` recognizes every one of them (:func:`sniff`) and reads it with its
module's reader. Importing this package registers that reader with
:meth:`tokenlab.Tokenizer.from_file` (which reads ``tokenizer.json`` itself and
may not import this package: see there). A conversion that cannot be exact is
refused with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .._modelfile import read_once
from ..errors import ConfigError, ModelFileError
from ..tokenizer import Tokenizer, register_file_reader
from . import bert, gpt2, huggingface, sentencepiece, tiktoken

__all__ = ["FORMATS", "load", "sniff"]


def _read_gpt2(path: str, **options: Any) -> Tokenizer:
    files = gpt2.find_gpt2_files(path)
    if files is None:  # asked for by name, but the pair is not there
        raise ModelFileError(
            f"{path}: not GPT-2 files (a directory holding vocab.json + merges.txt or "
            "encoder.json + vocab.bpe, or the vocabulary file of such a pair)"
        )
    return gpt2.read_gpt2(*files, **options)


def _read_sentencepiece(path: str, **options: Any) -> Tokenizer:
    if options:
        raise ConfigError(f"options {sorted(options)} do not apply to .model files")
    return sentencepiece.read_sentencepiece(path)


#: Format name -> ``(is it this format?, reader)``, in the order :func:`sniff` asks;
#: the last one, ``tokenizer.json``, takes every file the others do not.
FORMATS: dict[str, tuple[Callable[[str], bool], Callable[..., Tokenizer]]] = {
    "gpt2": (lambda path: gpt2.find_gpt2_files(path) is not None, _read_gpt2),
    "tiktoken": (tiktoken.looks_like_tiktoken, tiktoken.read_tiktoken),
    "sentencepiece": (sentencepiece.looks_like_model_file, _read_sentencepiece),
    "bert": (bert.looks_like_vocab_txt, bert.read_vocab_txt),
    "huggingface": (lambda path: True, huggingface.read_huggingface),
}


def sniff(path: str | os.PathLike[str]) -> str:
    """The format of the file at ``path``: a key of :data:`FORMATS`.

    By content where the content tells (a ModelProto, ``base64 rank`` lines, a
    ``[UNK]`` line), else by name; ``"huggingface"`` (``tokenizer.json``) when
    nothing else matches.

    Args:
        path: a file, or a directory holding GPT-2's two files.

    Returns:
        The format name.
    """
    p = os.fspath(path)
    with read_once(p):  # a pipe is read whole here; its first bytes tell
        return next(name for name, (matches, _) in FORMATS.items() if matches(p))


def load(path: str | os.PathLike[str], **options: Any) -> Tokenizer:
    """Load a tokenizer file of any format tokenlab reads (see :func:`sniff`).

    Args:
        path: the file (or a directory holding GPT-2's two files).
        **options: options of the format's reader (e.g. ``lowercase=False`` for a
            cased BERT ``vocab.txt``, ``pattern=`` for a tiktoken file).

    Returns:
        The tokenizer.

    Raises:
        ModelFileError: the file is missing, unreadable or malformed; the
            message names the file.
        ConfigError: ``options`` that do not apply to the file's format.

    >>> import tokenlab, tempfile, os
    >>> tok = tokenlab.train(iter(["abc abc"]), vocab_size=258, show_progress=False)
    >>> path = os.path.join(tempfile.mkdtemp(), "tokenizer.json")
    >>> tok.save(path)
    >>> load(path).encode("abc").ids == tok.encode("abc").ids
    True
    """
    p = os.fspath(path)
    with read_once(p):  # a pipe: sniffed and read from the same bytes
        return FORMATS[sniff(p)][1](p, **options)


def _read_file(path: str, format: str | None, options: dict[str, Any]) -> Tokenizer | None:
    """The :data:`~tokenlab.tokenizer.FileReader` of :meth:`Tokenizer.from_file`.

    None for a ``tokenizer.json``: the tokenizer reads its own format. It calls this
    within :func:`~tokenlab._modelfile.read_once`, so a pipe is read once for both.
    """
    name = format if format is not None else sniff(path)
    if name == "huggingface":
        return None
    return FORMATS[name][1](path, **options)


register_file_reader(_read_file)
