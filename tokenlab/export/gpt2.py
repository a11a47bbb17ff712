"""GPT-2's BPE files: ``vocab.json`` (token -> id) and ``merges.txt`` (ranked merges).

``merges.txt`` starts with ``#version: 0.2`` and then holds one ``left right``
line per merge, in rank order; ``vocab.json`` is a JSON object from token to
id. This is what GPT-2 was published as, what ``tokenizers``' ``save_model`` and
``ByteLevelBPETokenizer(vocab, merges)`` / ``models.BPE.from_file`` write and
read, and what ``transformers``' slow GPT-2 tokenizer reads.

The two files hold the BPE model only. The rest of the pipeline is implied
(GPT-2's: ``ByteLevel`` without a prefix space, its decoder and post-processor)
or given to :func:`read_gpt2`: another pre-tokenizer (``pre_tokenizer="gpt2"``,
``"cl100k_base"``, ...) and the BPE options that ``tokenizers`` also takes at
load time (``unk_token``, ``continuing_subword_prefix``, ...). Special tokens
are written into ``vocab.json`` (GPT-2's ``<|endoftext|>`` is there too); on
reading, a token that no merge makes and that is longer than one char is
taken to be one, unless ``special_tokens=`` says otherwise.

Refused on export (``ConfigError``, with the reason): models other than BPE,
and merges whose tokens hold whitespace (a ``merges.txt`` line is split on it)
or start with ``#version`` (``tokenizers`` skips such lines).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from typing import Any

from .._atomic import atomic_write_all
from .._modelfile import read_model_bytes, read_model_text, read_once
from .._patterns import BYTE_LEVEL_SETUPS
from ..decoders import BPEDecoder, Decoder
from ..decoders import ByteLevel as ByteLevelDecoder
from ..errors import ConfigError, ModelFileError
from ..models import BPE, TiktokenBPE
from ..pre_tokenizers import ByteLevel, PreTokenizer, get_pre_tokenizer
from ..pre_tokenizers import Sequence as PreTokenizerSequence
from ..processors import ByteLevel as ByteLevelProcessor
from ..tokenizer import AddedToken, Tokenizer

__all__ = ["check_gpt2_pair", "find_gpt2_files", "read_gpt2", "write_gpt2"]

VOCAB_NAME = "vocab.json"
MERGES_NAME = "merges.txt"
# (vocabulary, merges) file names: Hugging Face's, then OpenAI's original ones.
_FILE_NAMES = ((VOCAB_NAME, MERGES_NAME), ("encoder.json", "vocab.bpe"))
_HEADER = "#version: 0.2"


def find_gpt2_files(path: str | os.PathLike[str]) -> tuple[str, str] | None:
    """The GPT-2 vocabulary and merges files ``path`` names, or None.

    Hugging Face's names (``vocab.json`` + ``merges.txt``) or OpenAI's, as GPT-2
    was first published (``encoder.json`` + ``vocab.bpe``; the same formats):
    a directory holding both files of one pair, or the vocabulary file of a
    pair whose merges file is beside it.

    Args:
        path: a directory or a file.

    Returns:
        ``(vocabulary file, merges file)``, or None.
    """
    p = os.fspath(path)
    for vocab_name, merges_name in _FILE_NAMES:
        if os.path.isdir(p):
            vocab, merges = os.path.join(p, vocab_name), os.path.join(p, merges_name)
        elif os.path.basename(p) == vocab_name:
            vocab, merges = p, os.path.join(os.path.dirname(p), merges_name)
        else:
            continue
        if os.path.isfile(vocab) and os.path.isfile(merges):
            return vocab, merges
    return None


def _bpe_model(tokenizer: Tokenizer) -> BPE:
    model = tokenizer.model
    if isinstance(model, TiktokenBPE):
        return model.to_bpe()
    if not isinstance(model, BPE):
        raise ConfigError(
            f"vocab.json + merges.txt hold a BPE model (a vocabulary and ranked merges); this "
            f"tokenizer's model is {type(model).__name__}, which has no merges (export it as "
            "tokenizer.json instead)"
        )
    return model


def write_gpt2(tokenizer: Tokenizer, directory: str | os.PathLike[str]) -> tuple[str, str]:
    """Write ``vocab.json`` and ``merges.txt`` of a BPE tokenizer into ``directory``.

    The pair is written all or nothing (:func:`~tokenlab._atomic.atomic_write_all`),
    and the first line of ``merges.txt`` (``#version: 0.2 tokenlab-vocab-sha256=...``)
    holds the hash of its ``vocab.json``, which :func:`read_gpt2` checks, so a pair
    mixed from two exports is refused. ``directory`` must exist. Added tokens are
    written into ``vocab.json`` with their ids.

    Args:
        tokenizer: a tokenizer whose model is a :class:`~tokenlab.models.BPE`
            (or a :class:`~tokenlab.models.TiktokenBPE`, written as the
            equivalent merge list).
        directory: the directory that receives the two files.

    Returns:
        The paths of ``vocab.json`` and ``merges.txt``.

    Raises:
        ConfigError: the model is not BPE, a merge cannot be written as a line
            of ``merges.txt``, two tokens share an id, or ``directory`` is
            not a directory.

    >>> import tokenlab, tempfile
    >>> tok = tokenlab.train(iter(["abab abab"]), vocab_size=257, show_progress=False)
    >>> vocab, merges = write_gpt2(tok, tempfile.mkdtemp())
    >>> open(merges).read().splitlines()[1:]
    ['a b']
    """
    model = _bpe_model(tokenizer)
    d = os.fspath(directory)
    if not os.path.isdir(d):
        raise ConfigError(f"cannot write GPT-2 files into {d!r}: not a directory (create it first)")
    lines = [_HEADER + "\n"]
    for k, (a, b) in enumerate(model.merges):
        for part in (a, b):
            if not part or any(ch.isspace() for ch in part):
                raise ConfigError(
                    f"merge #{k} ({a!r} {b!r}): {part!r} is empty or holds whitespace, which a "
                    "merges.txt line ('left right') cannot express; export as tokenizer.json"
                )
        if a.startswith("#version"):
            raise ConfigError(
                f"merge #{k} ({a!r} {b!r}) would be read as the '#version' header line"
            )
        lines.append(f"{a} {b}\n")
    vocab = dict(model.vocab)
    for tid, added in tokenizer.added_tokens:
        vocab.setdefault(added.content, tid)
    by_id: dict[int, str] = {}
    for token, tid in vocab.items():
        if tid in by_id:
            raise ConfigError(
                f"tokens {by_id[tid]!r} and {token!r} share id {tid}; vocab.json would hold "
                "both and reading it back could not tell which one the id decodes to"
            )
        by_id[tid] = token
    ordered = dict(sorted(vocab.items(), key=lambda kv: kv[1]))
    vocab_path, merges_path = os.path.join(d, VOCAB_NAME), os.path.join(d, MERGES_NAME)
    vocab_text = json.dumps(ordered, ensure_ascii=False) + "\n"
    lines[0] = _header_for(vocab_text.encode("utf-8"))
    # Both files or neither (atomic_write_all); the vocab hash in the header line
    # catches a crash between the two renames or a pair mixed by hand.
    with atomic_write_all([vocab_path, merges_path]) as (f_vocab, f_merges):
        f_vocab.write(vocab_text)
        f_merges.write("".join(lines))
    return vocab_path, merges_path


# merges.txt's first line carries the SHA-256 of the vocab.json written with it:
# "#version: 0.2 tokenlab-vocab-sha256=<hex>". tokenizers skips every line starting
# with "#version", and transformers' and tiktoken's GPT-2 readers skip the first line,
# so the files still load there.
_VOCAB_HASH = "tokenlab-vocab-sha256="


def _header_for(vocab_bytes: bytes) -> str:
    return f"{_HEADER} {_VOCAB_HASH}{hashlib.sha256(vocab_bytes).hexdigest()}\n"


def check_gpt2_pair(vocab_path: str, merges_path: str) -> None:
    """Refuse a ``merges.txt`` written by tokenlab with another ``vocab.json``.

    Raises:
        ModelFileError: the header's vocab hash does not match ``vocab_path``.
    """
    first = read_model_bytes(merges_path).split(b"\n", 1)[0].decode("utf-8", "replace")
    if not first.startswith("#version") or _VOCAB_HASH not in first:
        return  # not written by tokenlab (or an older one): nothing to check
    expected = first.split(_VOCAB_HASH, 1)[1].strip()
    found = hashlib.sha256(read_model_bytes(vocab_path)).hexdigest()
    if found != expected.lower():
        raise ModelFileError(
            f"{merges_path}: written with another {VOCAB_NAME} (the vocab hash in its first "
            f"line does not match {vocab_path}); export both files again, or replace the "
            f"first line with '{_HEADER}' if you edited {VOCAB_NAME} on purpose"
        )


def _read_vocab(path: str) -> dict[str, int]:
    try:
        vocab = json.loads(read_model_text(path))
    except json.JSONDecodeError as e:
        raise ModelFileError(f"{path}: not valid JSON ({e})") from None
    except RecursionError:
        raise ModelFileError(f"{path}: JSON nested too deeply to be a vocabulary") from None
    if not isinstance(vocab, dict):
        raise ModelFileError(f"{path}: must hold a JSON object of token -> id")
    for token, tid in vocab.items():
        if not isinstance(tid, int) or isinstance(tid, bool) or tid < 0:
            raise ModelFileError(f"{path}: token {token!r} has id {tid!r}, not an integer >= 0")
    return vocab


def _read_merges(path: str) -> list[tuple[str, str]]:
    merges: list[tuple[str, str]] = []
    # Split on "\n" only, as tokenizers does (a token may hold U+2028 and such).
    for lineno, line in enumerate(read_model_text(path).split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.startswith("#version") or not line:
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not all(parts):
            raise ModelFileError(f"{path}, line {lineno}: expected 'left right', got {line!r}")
        merges.append((parts[0], parts[1]))
    return merges


def read_gpt2(
    vocab_path: str | os.PathLike[str],
    merges_path: str | os.PathLike[str],
    *,
    pre_tokenizer: str | PreTokenizer = "byte-level",
    special_tokens: Sequence[str] | None = None,
    **bpe_options: Any,
) -> Tokenizer:
    """Build a tokenizer from GPT-2 ``vocab.json`` and ``merges.txt`` files.

    Args:
        vocab_path: ``vocab.json``.
        merges_path: ``merges.txt``.
        pre_tokenizer: a name for :func:`~tokenlab.pre_tokenizers.get_pre_tokenizer`
            or a pre-tokenizer. The byte-level ones (default ``"byte-level"``:
            GPT-2's ``ByteLevel`` without a prefix space) also get the
            ByteLevel post-processor (no offset trimming) and decoder, as
            ``tokenizers``' ``ByteLevelBPETokenizer``.
        special_tokens: the tokens of ``vocab.json`` to register as special
            (matched whole in the text, skipped by ``decode``). None: every
            token longer than one char that no merge makes (``<|endoftext|>``).
        **bpe_options: options of :class:`~tokenlab.models.BPE`
            (``unk_token``, ``continuing_subword_prefix``, ``end_of_word_suffix``,
            ``fuse_unk``, ``byte_fallback``, ``ignore_merges``), which the
            files do not hold.

    Raises:
        ModelFileError: a file is missing or malformed, or a merge uses a token
            that is not in the vocabulary; the message names the file.
        ConfigError: a special token is not in the vocabulary, or an unknown
            option.
    """
    vp, mp = os.fspath(vocab_path), os.fspath(merges_path)
    with read_once(vp), read_once(mp):  # pipes: read once, for reading and the hash check
        vocab = _read_vocab(vp)
        merges = _read_merges(mp)
        check_gpt2_pair(vp, mp)
    allowed = {
        "unk_token",
        "continuing_subword_prefix",
        "end_of_word_suffix",
        "fuse_unk",
        "byte_fallback",
        "ignore_merges",
    }
    unknown = sorted(set(bpe_options) - allowed)
    if unknown:
        raise ConfigError(f"unknown options {unknown}; GPT-2 files take {sorted(allowed)}")
    try:
        model = BPE(vocab, merges, **bpe_options)
    except ModelFileError as e:
        raise ModelFileError(f"{mp}: {e}") from None
    tok = _pipeline(model, pre_tokenizer)
    if special_tokens is None:
        special_tokens = _unmade_tokens(model)
    missing = [t for t in special_tokens if t not in vocab]
    if missing:
        raise ConfigError(f"special tokens {missing} are not in {vp}")
    tok.add_special_tokens([AddedToken(t) for t in special_tokens])
    return tok


def _pipeline(model: BPE, pre_tokenizer: str | PreTokenizer) -> Tokenizer:
    """The tokenizer around ``model``: byte-level pipelines get GPT-2's decoder and processor."""
    if isinstance(pre_tokenizer, PreTokenizer):
        pre = pre_tokenizer
        byte_level = isinstance(pre, ByteLevel) or _ends_byte_level(pre)
    else:
        pre = get_pre_tokenizer(pre_tokenizer)
        byte_level = pre_tokenizer in BYTE_LEVEL_SETUPS
    suffix = model.end_of_word_suffix
    decoder: Decoder | None = None
    if byte_level:
        decoder = ByteLevelDecoder()
    elif suffix:
        decoder = BPEDecoder(suffix)
    return Tokenizer(
        model,
        pre_tokenizer=pre,
        post_processor=ByteLevelProcessor(trim_offsets=False) if byte_level else None,
        decoder=decoder,
    )


def _unmade_tokens(model: BPE) -> list[str]:
    """The tokens no merge makes, longer than one char: taken to be special tokens."""
    prefix = model.continuing_subword_prefix or ""
    suffix = model.end_of_word_suffix
    made = {
        a + (b[len(prefix) :] if prefix and b.startswith(prefix) else b) for a, b in model.merges
    }
    special_tokens = [
        t
        for t, _ in sorted(model.vocab.items(), key=lambda kv: kv[1])
        if len(t) > 1 and t not in made
    ]
    if suffix or prefix:
        # Single chars carry the prefix or suffix there: "a</w>" is no special token.
        special_tokens = [
            t
            for t in special_tokens
            if not (suffix and t.endswith(suffix)) and not (prefix and t.startswith(prefix))
        ]
    return special_tokens


def _ends_byte_level(pre: PreTokenizer) -> bool:
    return (
        isinstance(pre, PreTokenizerSequence)
        and bool(pre.pre_tokenizers)
        and isinstance(pre.pre_tokenizers[-1], ByteLevel)
    )
