"""A directory that ``transformers.AutoTokenizer.from_pretrained`` loads, ready to train with.

``tokenizer.json`` alone loads in ``transformers``, but it does not say which token pads,
masks or ends a text, so ``tok(batch, padding=True)`` and the MLM data collator fail. A
pretrained directory holds, besides ``tokenizer.json``:

* ``tokenizer_config.json``: the class (``PreTrainedTokenizerFast``), each special
  token's role, ``model_max_length`` where known, padding and truncation sides;
* ``special_tokens_map.json``: the roles alone (older ``transformers`` read it);
* ``tokenizer.model`` for SentencePiece models, so that the SentencePiece-based
  ("slow") classes load it too.

Roles follow the conventions of each family, found among the tokenizer's special tokens
(its special added tokens, its model's unknown token, a SentencePiece model's control
pieces); see :data:`CONVENTIONS`. A tokenizer with no token to pad with pads with its
end-of-text token (the GPT-2 and Llama practice), and one with neither (a byte-level BPE
trained without special tokens) gets ``<|endoftext|>`` added as a special token in the
saved files, serving as pad and, where they are missing, bos and eos; the tokenizer passed
in is not changed. Every role can be set or removed (``None``) by the caller.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._atomic import atomic_write
from ..errors import ConfigError
from ..models import SentencePieceBPE
from ..sp_tokenizer import SentencePieceUnigram
from .sentencepiece import write_sentencepiece

if TYPE_CHECKING:
    from ..tokenizer import Tokenizer

__all__ = ["CONVENTIONS", "ROLES", "special_token_roles", "write_pretrained"]

#: The roles ``transformers`` knows, in the order it lists them.
ROLES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")

#: role -> the names that fill it, most specific first (BERT, SentencePiece/RoBERTa,
#: GPT-2/Llama). The first one among the tokenizer's special tokens takes the role.
CONVENTIONS: dict[str, tuple[str, ...]] = {
    "bos_token": ("<s>", "<|begin_of_text|>", "<|startoftext|>", "<bos>", "[BOS]", "<|endoftext|>"),
    "eos_token": ("</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>", "[EOS]"),
    "unk_token": ("[UNK]", "<unk>", "<|unk|>"),
    "sep_token": ("[SEP]", "<sep>"),
    "pad_token": ("[PAD]", "<pad>", "<|pad|>", "<|padding|>"),
    "cls_token": ("[CLS]", "<cls>"),
    "mask_token": ("[MASK]", "<mask>", "<|mask|>"),
}

#: Added, as a special token of the saved copy, when a tokenizer has no end-of-text token.
END_OF_TEXT = "<|endoftext|>"

_SENTENCEPIECE_SPECIAL = (2, 3)  # UNKNOWN and CONTROL piece types


def _special_tokens(tokenizer: Tokenizer) -> list[str]:
    """Every token the tokenizer treats as special, in id order."""
    found = {t.content: i for i, t in tokenizer.added_tokens if t.special}
    model = tokenizer.model
    unk = getattr(model, "unk_token", None)
    if isinstance(unk, str) and tokenizer.token_to_id(unk) is not None:
        found.setdefault(unk, tokenizer.token_to_id(unk) or 0)
    # SentencePiece models: (piece, score, type) per id; the control and unknown pieces.
    typed = getattr(model, "typed_pieces", None) or getattr(model, "pieces", None) or []
    for i, entry in enumerate(typed):
        if isinstance(entry, tuple) and len(entry) == 3 and entry[2] in _SENTENCEPIECE_SPECIAL:
            found.setdefault(entry[0], i)
    return sorted(found, key=lambda t: found[t])


def special_token_roles(tokenizer: Tokenizer) -> dict[str, str]:
    """Each role's token by :data:`CONVENTIONS`, with pad falling back to eos.

    Args:
        tokenizer: Any tokenlab tokenizer.

    Returns:
        role -> token, for the roles some special token fills.

    >>> import tokenlab
    >>> tok = tokenlab.train(iter(["a b"]), algorithm="wordpiece", vocab_size=12,
    ...                      show_progress=False)
    >>> sorted(special_token_roles(tok).items())  # doctest: +NORMALIZE_WHITESPACE
    [('cls_token', '[CLS]'), ('mask_token', '[MASK]'), ('pad_token', '[PAD]'),
     ('sep_token', '[SEP]'), ('unk_token', '[UNK]')]
    """
    specials = set(_special_tokens(tokenizer))
    roles: dict[str, str] = {}
    for role in ROLES:
        token = next((t for t in CONVENTIONS[role] if t in specials), None)
        if token is not None:
            roles[role] = token
    if "pad_token" not in roles and "eos_token" in roles:
        roles["pad_token"] = roles["eos_token"]
    return roles


def _resolve_roles(
    tokenizer: Tokenizer, overrides: Mapping[str, str | None]
) -> tuple[Tokenizer, dict[str, str]]:
    """The roles after ``overrides``, and the tokenizer to save (a copy if tokens are added)."""
    unknown = sorted(set(overrides) - set(ROLES))
    if unknown:
        raise ConfigError(f"unknown special token roles {unknown}; the roles are {list(ROLES)}")
    roles = special_token_roles(tokenizer)
    if "pad_token" not in roles and "pad_token" not in overrides:
        # Nothing to pad with (a byte-level BPE trained without special tokens): GPT-2's
        # end-of-text token, added to a copy, ends, starts and pads texts.
        tokenizer = type(tokenizer).from_str(tokenizer.to_str())
        tokenizer.add_special_tokens([END_OF_TEXT])
        for role in ("bos_token", "eos_token", "pad_token"):
            roles.setdefault(role, END_OF_TEXT)
    for role, token in overrides.items():
        if token is None:
            roles.pop(role, None)
        elif tokenizer.token_to_id(token) is None:
            raise ConfigError(
                f"{role}={token!r} is not a token of this tokenizer; add it first "
                "(tokenizer.add_special_tokens([...])) or pick one of its tokens"
            )
        else:
            roles[role] = token
    return tokenizer, roles


def _config(tokenizer: Tokenizer, roles: dict[str, str], max_length: int | None) -> dict[str, Any]:
    config: dict[str, Any] = {"tokenizer_class": "PreTrainedTokenizerFast"}
    config.update(roles)
    # tokenlab's decode never inserts or removes spaces around punctuation.
    config["clean_up_tokenization_spaces"] = False
    truncation, padding = tokenizer.truncation, tokenizer.padding
    if max_length is None and truncation is not None:
        max_length = truncation.get("max_length")
    if max_length is not None:
        config["model_max_length"] = max_length
    if padding is not None:
        config["padding_side"] = str(padding.get("direction", "right")).lower()
    if truncation is not None:
        config["truncation_side"] = str(truncation.get("direction", "right")).lower()
    return config


def write_pretrained(
    tokenizer: Tokenizer,
    directory: str | os.PathLike[str],
    *,
    model_max_length: int | None = None,
    **roles: str | None,
) -> list[str]:
    """Write a directory that ``transformers.AutoTokenizer.from_pretrained`` loads.

    Args:
        tokenizer: The tokenizer to save (left unchanged).
        directory: Where to write; created if missing (its parent must exist).
        model_max_length: The longest input the model takes; by default the
            truncation length when truncation is on, else left out.
        **roles: ``bos_token=...``, ``pad_token=...``, ... to set a role (the token
            must exist) or remove it (``None``); see :data:`ROLES`.

    Returns:
        The paths written.

    Raises:
        ConfigError: an unknown role, a role's token that the tokenizer lacks, a
            parent directory that does not exist, or a tokenizer with no exact
            ``tokenizer.json`` form.

    >>> import tempfile, tokenlab
    >>> tok = tokenlab.train(iter(["a b"]), vocab_size=258, show_progress=False)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     sorted(os.path.basename(p) for p in write_pretrained(tok, d))
    ['special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']
    """
    if model_max_length is not None and (
        not isinstance(model_max_length, int) or model_max_length <= 0
    ):
        raise ConfigError(f"model_max_length must be a positive integer, got {model_max_length!r}")
    path = os.fspath(directory)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ConfigError(
            f"cannot write into {path!r}: {parent!r} does not exist (create it first)"
        )
    if os.path.exists(path) and not os.path.isdir(path):
        raise ConfigError(f"cannot write into {path!r}: it exists and is not a directory")
    saved, chosen = _resolve_roles(tokenizer, roles)
    texts = {
        "tokenizer.json": saved.to_str(pretty=True),
        "tokenizer_config.json": json.dumps(
            _config(saved, chosen, model_max_length), indent=2, ensure_ascii=False
        ),
        "special_tokens_map.json": json.dumps(chosen, indent=2, ensure_ascii=False),
    }
    os.makedirs(path, exist_ok=True)
    written = []
    if isinstance(saved.model, (SentencePieceBPE, SentencePieceUnigram)):
        written.append(os.path.join(path, "tokenizer.model"))
        write_sentencepiece(saved, written[-1])
    for name, text in texts.items():
        written.append(os.path.join(path, name))
        with atomic_write(written[-1]) as f:
            f.write(text + "\n")
    return written
