"""Decoders: turn a list of token strings back into text.

Supported components (Hugging Face ``tokenizer.json`` names, read and written by ``to_dict``
/ :func:`decoder_from_dict`):

- :class:`ByteLevel` -- undo the GPT-2 byte-to-char mapping and decode UTF-8.
- :class:`BPEDecoder` -- end-of-word suffix (``</w>``) becomes a space.
- :class:`WordPiece` -- ``##`` pieces join the previous token, others are space-separated;
  optional cleanup of spaces before punctuation and in English contractions.
- :class:`Sequence` -- chain decoders; each works on the token list the previous produced.

As in ``tokenizers``, every decoder implements :meth:`Decoder.decode_chain` (tokens in, a
list of strings out) and :meth:`Decoder.decode` joins the chain's result.

Matches ``tokenizers`` (0.23) on these points, which are easy to get wrong:

- ByteLevel: a token containing ANY char outside the byte table contributes its own UTF-8
  bytes as a whole (not char by char); invalid UTF-8 becomes U+FFFD per maximal invalid
  subsequence (Python's ``errors="replace"`` and Rust's ``from_utf8_lossy`` agree).
- BPEDecoder: every occurrence of the suffix is replaced (not only a trailing one), by a
  space, except in the last token, where it is removed.
- WordPiece: the prefix is stripped only from the start of a token and never from the first
  token; the cleanup replacements run token by token, in a fixed order (see ``_CLEANUP``).

Other HF decoders (Metaspace, ByteFallback, Fuse, Strip, CTC, Replace) are not
supported here; :func:`decoder_from_dict` rejects them with
:class:`~tokenlab.errors.ModelFileError`.
"""

from __future__ import annotations

from collections.abc import Sequence as SequenceABC
from typing import Any

from tokenlab.errors import ConfigError, ModelFileError
from tokenlab.pre_tokenizers import bytes_to_unicode

__all__ = ["BPEDecoder", "ByteLevel", "Decoder", "Sequence", "WordPiece", "decoder_from_dict"]


class Decoder:
    """Base class of all decoders."""

    def decode_chain(self, tokens: list[str]) -> list[str]:
        """Transform the token list (what a :class:`Sequence` passes from stage to stage).

        Args:
            tokens: Token strings.

        Returns:
            The transformed strings; their concatenation is the decoded text.
        """
        raise NotImplementedError

    def decode(self, tokens: list[str]) -> str:
        """Decode tokens into text.

        Args:
            tokens: Token strings, as the model's vocabulary spells them.

        Returns:
            The text.
        """
        return "".join(self.decode_chain(list(tokens)))

    def to_dict(self) -> dict[str, Any]:
        """Return the Hugging Face ``tokenizer.json`` dict of this component."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decoder):
            return NotImplemented
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self))


def _build_unmap() -> dict[int, str]:
    # str.translate table: mapped char -> the Latin-1 char of its byte, so that
    # `.encode("latin-1")` yields the bytes. Low chars that are NOT in the table (controls,
    # space, ...) go to a non-Latin-1 char so that the encode fails and the token takes the
    # UTF-8 fallback, as in HF.
    table: dict[int, str] = {cp: "\U0010ffff" for cp in range(256)}
    for b, ch in bytes_to_unicode().items():
        table[ord(ch)] = chr(b)
    return table


_UNMAP = _build_unmap()


class ByteLevel(Decoder):
    """Undo the GPT-2 byte-level mapping.

    Args:
        add_prefix_space: Only stored for ``tokenizer.json`` (HF writes the pre-tokenizer's
            options on this decoder too); decoding does not use it.
        trim_offsets: Stored only, as above.
        use_regex: Stored only, as above.

    >>> ByteLevel().decode(["Hello", "Ġw", "Ã¶rld"])
    'Hello wörld'
    """

    def __init__(
        self, add_prefix_space: bool = True, trim_offsets: bool = True, use_regex: bool = True
    ) -> None:
        self.add_prefix_space = bool(add_prefix_space)
        self.trim_offsets = bool(trim_offsets)
        self.use_regex = bool(use_regex)

    @staticmethod
    def _token_bytes(token: str) -> bytes:
        try:
            return token.translate(_UNMAP).encode("latin-1")
        except UnicodeEncodeError:
            return token.encode("utf-8", "surrogatepass")

    def decode_chain(self, tokens: list[str]) -> list[str]:
        try:
            # Fast path: every char of every token is in the table.
            data = "".join(tokens).translate(_UNMAP).encode("latin-1")
        except UnicodeEncodeError:
            data = b"".join(self._token_bytes(t) for t in tokens)
        return [data.decode("utf-8", errors="replace")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "ByteLevel",
            "add_prefix_space": self.add_prefix_space,
            "trim_offsets": self.trim_offsets,
            "use_regex": self.use_regex,
        }


class BPEDecoder(Decoder):
    """Decode tokens that mark a word end with a suffix (original BPE's ``</w>``).

    Args:
        suffix: The end-of-word suffix.

    >>> BPEDecoder().decode(["hu", "g</w>", "pu", "n</w>"])
    'hug pun'
    """

    def __init__(self, suffix: str = "</w>") -> None:
        if not isinstance(suffix, str):
            raise ConfigError(f"BPEDecoder suffix must be a string, got {suffix!r}")
        self.suffix = suffix

    def decode_chain(self, tokens: list[str]) -> list[str]:
        last = len(tokens) - 1
        suffix = self.suffix
        return [t.replace(suffix, "" if i == last else " ") for i, t in enumerate(tokens)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BPEDecoder", "suffix": self.suffix}


# The cleanup of HF's WordPiece decoder (found by decoding probe tokens with tokenizers
# 0.23): plain, non-overlapping replacements applied in this order to each token after its
# joining space was added. The order matters: " ' " goes before " n't" and " 's" etc., so
# "a ' n't" becomes "a'n't", and " ." before " ' ", so "a ' ." becomes "a '.".
_CLEANUP = (
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" do not", " don't"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
)


def _cleanup(text: str) -> str:
    for old, new in _CLEANUP:
        if old in text:
            text = text.replace(old, new)
    return text


class WordPiece(Decoder):
    """Join WordPiece tokens: ``##`` pieces glue to the previous token, others get a space.

    Args:
        prefix: The continuing-subword prefix (BERT: ``"##"``). It is removed from the
            start of every token but the first; a token without it is preceded by a space.
        cleanup: Tidy the tokenization artefacts of English text, as HF does: remove the
            space before ``. ? ! ,`` and in ``n't``, ``'m``, ``'s``, ``'ve``, ``'re``,
            turn `` ' `` into ``'`` and ``do not`` into ``don't``. Like HF, this runs on
            each token separately (with its joining space), never across tokens, so
            ``["a", "'", "b"]`` stays ``"a ' b"``.

    Raises:
        ConfigError: ``prefix`` is not a string.

    >>> WordPiece().decode(["un", "##aff", "##able", "do", "n't", "!"])
    "unaffable don't!"
    """

    def __init__(self, prefix: str = "##", cleanup: bool = True) -> None:
        if not isinstance(prefix, str):
            raise ConfigError(f"WordPiece decoder prefix must be a string, got {prefix!r}")
        self.prefix = prefix
        self.cleanup = bool(cleanup)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        prefix = self.prefix
        n = len(prefix)
        out: list[str] = []
        for i, token in enumerate(tokens):
            if i:
                token = token[n:] if token.startswith(prefix) else " " + token
            out.append(_cleanup(token) if self.cleanup else token)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "WordPiece", "prefix": self.prefix, "cleanup": self.cleanup}


class Sequence(Decoder):
    """Chain decoders: each stage's ``decode_chain`` output is the next stage's input.

    Args:
        decoders: The stages.

    Raises:
        ConfigError: A stage is not a :class:`Decoder`.

    >>> Sequence([BPEDecoder("@"), BPEDecoder("#")]).decode(["a@", "b#", "c"])
    'a b c'
    """

    def __init__(self, decoders: SequenceABC[Decoder]) -> None:
        stages = list(decoders)
        for stage in stages:
            if not isinstance(stage, Decoder):
                raise ConfigError(
                    f"Sequence stages must be Decoder objects, got {type(stage).__name__}"
                )
        self.decoders = stages

    def decode_chain(self, tokens: list[str]) -> list[str]:
        for d in self.decoders:
            tokens = d.decode_chain(tokens)
        return tokens

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "decoders": [d.to_dict() for d in self.decoders]}


def _flag(d: dict[str, Any], key: str) -> bool:
    value = d.get(key, True)
    if not isinstance(value, bool):
        raise ModelFileError(f"{d.get('type')} decoder: {key!r} must be true/false, got {value!r}")
    return value


def decoder_from_dict(d: dict[str, Any] | None) -> Decoder | None:
    """Build a decoder from its ``tokenizer.json`` dict.

    Args:
        d: The ``"decoder"`` value of a ``tokenizer.json`` (``None`` allowed).

    Returns:
        The decoder, or ``None`` when ``d`` is ``None``.

    Raises:
        ModelFileError: ``d`` is malformed or names a decoder tokenlab does not support.

    >>> decoder_from_dict({"type": "BPEDecoder", "suffix": "</w>"})
    BPEDecoder({'type': 'BPEDecoder', 'suffix': '</w>'})
    """
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ModelFileError(f"a decoder must be a JSON object or null, got {d!r}")
    kind = d.get("type")
    if kind == "ByteLevel":
        return ByteLevel(
            _flag(d, "add_prefix_space"), _flag(d, "trim_offsets"), _flag(d, "use_regex")
        )
    if kind == "BPEDecoder":
        suffix = d.get("suffix", "</w>")
        if not isinstance(suffix, str):
            raise ModelFileError(f"BPEDecoder suffix must be a string, got {suffix!r}")
        return BPEDecoder(suffix)
    if kind == "WordPiece":
        prefix = d.get("prefix", "##")
        if not isinstance(prefix, str):
            raise ModelFileError(f"WordPiece decoder prefix must be a string, got {prefix!r}")
        return WordPiece(prefix, _flag(d, "cleanup"))
    if kind == "Sequence":
        stages = d.get("decoders")
        if not isinstance(stages, list):
            raise ModelFileError(f'Sequence decoder needs a "decoders" list, got {d!r}')
        built = [decoder_from_dict(s) for s in stages]
        return Sequence([s for s in built if s is not None])
    raise ModelFileError(
        f"unsupported decoder type {kind!r}; tokenlab supports ByteLevel, BPEDecoder, WordPiece "
        "and Sequence"
    )
