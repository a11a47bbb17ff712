"""Decoders: turn a list of token strings back into text.

Supported components (Hugging Face ``tokenizer.json`` names, read and written by ``to_dict``
/ :func:`decoder_from_dict`):

- :class:`ByteLevel` -- undo the GPT-2 byte-to-char mapping and decode UTF-8.
- :class:`BPEDecoder` -- end-of-word suffix (``</w>``) becomes a space.
- :class:`WordPiece` -- ``##`` pieces join the previous token, others are space-separated;
  optional cleanup of spaces before punctuation and in English contractions.
- :class:`Metaspace` -- ``"▁"`` back to spaces, the first token's dropped.
- :class:`ByteFallback` -- ``<0xNN>`` byte tokens back to UTF-8 text.
- :class:`Fuse` -- join the tokens into one string.
- :class:`Strip` -- remove a char from the start / end of each token.
- :class:`Replace` -- replace a string or regex in each token.
- :class:`Sequence` -- chain decoders; each works on the token list the previous produced.

Not a ``tokenizer.json`` component: :class:`SentencePieceDecoder`, sentencepiece's own
decoding of a ``.model``'s pieces (what a pipeline read from a ``.model`` uses); saved, it
writes the nearest chain of the components above.

``tokenizers`` writes ``Sequence([Replace("▁", " "), ByteFallback(), Fuse(),
Strip(" ", 1, 0)])`` for tokenizers converted from SentencePiece, and ``Metaspace`` for
older ones; both are supported.

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
- Metaspace: in the first token EVERY replacement char is removed (unless
  ``prepend_scheme="never"``), not just a leading one.
- ByteFallback: a run of byte tokens that is not valid UTF-8 gives one U+FFFD per byte;
  ``<0x+F>`` and lowercase hex count as byte tokens (Rust's ``from_str_radix``).

Deliberate differences: ``Strip`` with ``stop`` larger than a token panics in
``tokenizers``; here it strips what there is. ``Replace`` regexes run on the ``regex``
module, not Oniguruma (see :mod:`tokenlab.pre_tokenizers` for the known differences).
``CTC`` collapses repeats, drops ``pad_token`` and, with ``cleanup``, writes the word
delimiter as a space, as ``tokenizers`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from collections.abc import Sequence as SequenceABC
from typing import Any

import regex

from tokenlab._component import Component, dict_field
from tokenlab._pieces import BYTE, CONTROL, UNKNOWN
from tokenlab.errors import ConfigError, ModelFileError
from tokenlab.normalizers import Normalizer
from tokenlab.pre_tokenizers import Metaspace as MetaspacePre
from tokenlab.pre_tokenizers import _metaspace_from_dict as metaspace_options
from tokenlab.pre_tokenizers import bytes_to_unicode

__all__ = [
    "CTC",
    "DECODER_TYPES",
    "BPEDecoder",
    "ByteFallback",
    "ByteLevel",
    "Decoder",
    "Fuse",
    "Metaspace",
    "Replace",
    "SentencePieceDecoder",
    "Sequence",
    "Strip",
    "WordPiece",
    "decoder_from_dict",
    "wordpiece_cleanup",
]


class Decoder(Component):
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


def wordpiece_cleanup(text: str) -> str:
    """The WordPiece decoder's cleanup of one token (with its joining space)."""
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
            out.append(wordpiece_cleanup(token) if self.cleanup else token)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "WordPiece", "prefix": self.prefix, "cleanup": self.cleanup}


class Metaspace(Decoder):
    """Undo :class:`tokenlab.pre_tokenizers.Metaspace`: ``replacement`` back to spaces.

    Every ``replacement`` char becomes ``" "``, except in the FIRST token when
    ``prepend_scheme`` is not ``"never"``: there all of them are removed (not only a
    leading one), as in ``tokenizers``.

    Args:
        replacement: The single char that stands for a space.
        prepend_scheme: ``"always"``, ``"never"`` or ``"first"`` (as for the pre-tokenizer).
        split: Stored for ``tokenizer.json`` only; decoding does not use it.

    Raises:
        ConfigError: ``replacement`` is not one char, or ``prepend_scheme`` is unknown.

    >>> Metaspace().decode(["▁Hey", "▁", "▁you"])
    'Hey  you'
    >>> Metaspace(prepend_scheme="never").decode(["▁Hey", "▁you"])
    ' Hey you'
    """

    def __init__(
        self, replacement: str = "\u2581", prepend_scheme: str = "always", split: bool = True
    ) -> None:
        # The pre-tokenizer validates the same options the same way.
        pre = MetaspacePre(replacement, prepend_scheme, split)
        self.replacement = pre.replacement
        self.prepend_scheme = pre.prepend_scheme
        self.split = pre.split_words

    def decode_chain(self, tokens: list[str]) -> list[str]:
        rep = self.replacement
        out = [t.replace(rep, " ") for t in tokens]
        if out and self.prepend_scheme != "never":
            out[0] = tokens[0].replace(rep, "")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "Metaspace",
            "replacement": self.replacement,
            "prepend_scheme": self.prepend_scheme,
            "split": self.split,
        }


_HEX = frozenset("0123456789abcdefABCDEF")


def _fallback_byte(token: str) -> int | None:
    """The byte of a ``<0xNN>`` token, else ``None``.

    The rule is HF's: six UTF-8 bytes, ``<0x`` ... ``>``, and the middle two parsed by
    Rust's ``u8::from_str_radix(_, 16)``, which takes either case and a leading ``+``
    (``"<0x+F>"`` is byte 15) but no ``-`` or whitespace, unlike Python's ``int``.
    """
    if len(token) > 6 or not token.startswith("<0x") or not token.endswith(">"):
        return None
    if len(token.encode("utf-8", "surrogatepass")) != 6:
        return None
    digits = token[3:5]
    if len(digits) != 2:
        return None
    if digits[0] == "+":
        digits = digits[1]
    if not all(c in _HEX for c in digits):
        return None
    return int(digits, 16)


class ByteFallback(Decoder):
    """Turn runs of ``<0xNN>`` byte tokens (byte fallback) back into text.

    Each run of consecutive byte tokens is decoded as UTF-8; a run that is not valid UTF-8
    becomes one U+FFFD PER BYTE (HF's rule: not per invalid subsequence, so a valid byte
    in an invalid run is lost too). Other tokens pass through unchanged.

    >>> ByteFallback().decode(["a", "<0xC3>", "<0xA9>", "<0x41>"])
    'aéA'
    >>> ByteFallback().decode(["<0xC3>", "<0x41>", "b"])
    '��b'
    """

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        run = bytearray()

        def flush() -> None:
            try:
                out.append(run.decode("utf-8"))
            except UnicodeDecodeError:
                out.extend("\ufffd" * len(run))
            run.clear()

        for token in tokens:
            b = _fallback_byte(token)
            if b is not None:
                run.append(b)
                continue
            if run:
                flush()
            out.append(token)
        if run:
            flush()
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"type": "ByteFallback"}


class Fuse(Decoder):
    """Join all tokens into one string (so later stages see a single token).

    >>> Fuse().decode_chain(["a", "b", "c"])
    ['abc']
    """

    def decode_chain(self, tokens: list[str]) -> list[str]:
        return ["".join(tokens)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Fuse"}


class Strip(Decoder):
    """Remove up to ``start`` leading and ``stop`` trailing ``content`` chars of each token.

    Args:
        content: The one char to remove.
        start: At most this many from the start of each token.
        stop: At most this many from the end of each token.

    Raises:
        ConfigError: ``content`` is not one char, or ``start``/``stop`` is negative.

    ``tokenizers`` panics when ``stop`` reaches past the start of a token (e.g.
    ``Strip(" ", 0, 1)`` on ``""``); here the trailing cut simply stops there.

    >>> Strip(" ", 1, 0).decode_chain(["  a ", "b"])
    [' a ', 'b']
    """

    def __init__(self, content: str = " ", start: int = 1, stop: int = 0) -> None:
        if not isinstance(content, str) or len(content) != 1:
            raise ConfigError(f"Strip content must be exactly one char, got {content!r}")
        for name, value in (("start", start), ("stop", stop)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"Strip {name} must be an int >= 0, got {value!r}")
        self.content = content
        self.start = start
        self.stop = stop

    def _strip(self, token: str) -> str:
        c = self.content
        lo = 0
        while lo < min(self.start, len(token)) and token[lo] == c:
            lo += 1
        hi = len(token)
        while len(token) - hi < self.stop and hi > lo and token[hi - 1] == c:
            hi -= 1
        return token[lo:hi]

    def decode_chain(self, tokens: list[str]) -> list[str]:
        return [self._strip(t) for t in tokens]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Strip", "content": self.content, "start": self.start, "stop": self.stop}


class Replace(Decoder):
    """Replace every match of ``pattern`` in each token by ``content``.

    Args:
        pattern: A plain string (``literal=True``, the default, as for a ``str`` in
            ``tokenizers.decoders.Replace``) or a regex for the ``regex`` module.
        content: The replacement text (taken literally; no group references).
        literal: ``pattern`` is a plain string (``{"String": ...}`` in JSON); otherwise
            a regex (``{"Regex": ...}``).

    Raises:
        ConfigError: ``pattern`` is not a string or the regex does not compile.

    Empty matches are replaced too, found the way HF's regex iterator finds them (see
    ``_matches``), and an empty token stays empty.

    >>> Replace("▁", " ").decode_chain(["▁Hey", "▁you"])
    [' Hey', ' you']
    >>> Replace("a+", "x", literal=False).decode(["baaab"])
    'bxb'
    """

    def __init__(self, pattern: str, content: str, *, literal: bool = True) -> None:
        if not isinstance(pattern, str):
            raise ConfigError(f"Replace pattern must be a string, got {pattern!r}")
        if not isinstance(content, str):
            raise ConfigError(f"Replace content must be a string, got {content!r}")
        try:
            self._re = regex.compile(regex.escape(pattern) if literal else pattern)
        except regex.error as e:
            raise ConfigError(f"Replace pattern {pattern!r} is not a valid regex: {e}") from e
        self.pattern = pattern
        self.content = content
        self.literal = bool(literal)

    def _matches(self, token: str) -> Iterator[tuple[int, int]]:
        # The iteration of Rust's `onig` crate, which differs from Python's finditer after
        # an empty match: it searches again from the same place and, if that finds the
        # same empty match, moves one char on (Python would take a longer match starting
        # there). An empty match right where the previous match ended is skipped too.
        pos, last_end, n = 0, -1, len(token)
        while pos <= n:
            m = self._re.search(token, pos)
            if m is None:
                return
            s, e = m.span()
            if s == e == last_end:
                pos += 1
                continue
            yield s, e
            pos = last_end = e

    def _replace(self, token: str) -> str:
        if not token:
            return token
        parts: list[str] = []
        prev = 0
        for s, e in self._matches(token):
            parts.append(token[prev:s])
            parts.append(self.content)
            prev = e
        parts.append(token[prev:])
        return "".join(parts)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        if self.literal and self.pattern:
            # Plain str.replace is the same thing for a non-empty literal, and faster.
            pattern, content = self.pattern, self.content
            return [t.replace(pattern, content) for t in tokens]
        return [self._replace(t) for t in tokens]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "Replace",
            "pattern": {"String" if self.literal else "Regex": self.pattern},
            "content": self.content,
        }


class CTC(Decoder):
    """Decode the output of a CTC model (wav2vec2): collapse repeats, drop padding.

    Consecutive equal tokens become one; ``pad_token`` is removed from every token; with
    ``cleanup`` the WordPiece cleanup runs and ``word_delimiter_token`` becomes a space
    (``tokenizers`` replaces the delimiter only when ``cleanup`` is on); empty tokens
    are dropped.

    Args:
        pad_token: The blank token.
        word_delimiter_token: The token between words.
        cleanup: Tidy English artefacts and write the delimiter as a space.

    Raises:
        ConfigError: A token is not a string.

    >>> CTC().decode("<pad> h e e l l <pad> l o | | w".split())
    'hello w'
    """

    def __init__(
        self, pad_token: str = "<pad>", word_delimiter_token: str = "|", cleanup: bool = True
    ) -> None:
        for name, value in (
            ("pad_token", pad_token),
            ("word_delimiter_token", word_delimiter_token),
        ):
            if not isinstance(value, str):
                raise ConfigError(f"CTC decoder {name} must be a string, got {value!r}")
        self.pad_token = pad_token
        self.word_delimiter_token = word_delimiter_token
        self.cleanup = bool(cleanup)

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        previous: str | None = None
        for token in tokens:
            if token == previous:
                continue
            previous = token
            text = token.replace(self.pad_token, "") if self.pad_token else token
            if self.cleanup:
                text = wordpiece_cleanup(text)
                if self.word_delimiter_token:
                    text = text.replace(self.word_delimiter_token, " ")
            if text:
                out.append(text)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "CTC",
            "pad_token": self.pad_token,
            "word_delimiter_token": self.word_delimiter_token,
            "cleanup": self.cleanup,
        }


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


def _utf8_length(lead: int) -> int:
    """The length of the UTF-8 sequence ``lead`` starts (0: it starts none)."""
    if lead < 0x80:
        return 1
    if 0xC0 <= lead < 0xE0:
        return 2
    if 0xE0 <= lead < 0xF0:
        return 3
    if 0xF0 <= lead < 0xF8:
        return 4
    return 0


def _utf8_per_char(data: bytes) -> str:
    r"""Bytes as sentencepiece reads a run of byte pieces: each valid UTF-8 char as itself,
    and one U+FFFD for each byte that starts none (so ``C3 41`` gives ``"\ufffdA"``, where
    ``tokenizers``' ByteFallback gives two U+FFFD).

    >>> _utf8_per_char(b"\xc3\xa9 \xc3A \xed\xa0\x80")
    'é �A ���'
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    i, n = 0, len(data)
    while i < n:
        size = _utf8_length(data[i])
        if size:
            # Python's strict decoder refuses what sentencepiece's DecodeUTF8 refuses:
            # truncated and overlong forms, surrogates, code points above U+10FFFF.
            try:
                out.append(data[i : i + size].decode("utf-8"))
                i += size
                continue
            except UnicodeDecodeError:
                pass
        out.append("\ufffd")
        i += 1
    return "".join(out)


#: sentencepiece's byte pieces, exactly as it spells them (its PieceToByte table): it
#: refuses to load a model whose byte piece is spelt otherwise.
_SP_BYTE_PIECES = {f"<0x{b:02X}>": b for b in range(256)}
_SP_SPACE = "\u2581"


class SentencePieceDecoder(Decoder):
    """sentencepiece's own decoding of a ``.model``'s pieces (``SentencePieceProcessor.decode``).

    The rules of sentencepiece 0.2 (``Decode`` in ``sentencepiece_processor.cc``):

    - control pieces (``<s>``, ``</s>``, ...) are invisible;
    - the unknown piece is written ``unk_surface`` (`` ⁇ ``);
    - a run of byte pieces (``<0xNN>``) is read as UTF-8, one U+FFFD for each byte that
      starts no valid char (a valid char in the run is kept);
    - every other piece (normal, user-defined, unused) has each ``▁`` written as a space,
      except that while nothing has been written yet a leading ``▁`` is dropped if
      ``add_dummy_prefix`` or ``remove_extra_whitespaces``: from the first such piece
      only, or, with ``remove_extra_whitespaces``, from every piece until text appears;
    - the ``denormalizer`` (the ``.model``'s ``denormalizer_spec``) rewrites the result.

    ``treat_whitespace_as_suffix`` changes none of this: sentencepiece keeps the space its
    dummy suffix stands for (``"a▁"`` decodes to ``"a "``).

    Args:
        pieces: The model's ``(piece, score, type)`` list, in id order.
        add_dummy_prefix: The normalizer's flag.
        remove_extra_whitespaces: The normalizer's flag.
        unk_surface: What the unknown piece is written as (the trainer spec's).
        denormalizer: Applied to the decoded text (None: nothing).
        json_form: What ``to_dict`` writes: ``tokenizers`` has no decoder with these
            rules, so a ``tokenizer.json`` gets the nearest chain of its own (the
            pipeline loaded from it then decodes as ``tokenizers`` does). None: a
            ``Metaspace`` decoder.

    Raises:
        ConfigError: ``unk_surface`` is not a string.

    >>> pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("▁a", -1.0, 1), ("<0x41>", 0.0, 6)]
    >>> SentencePieceDecoder(pieces).decode(["<s>", "▁a", "<unk>", "<0x41>", "▁a"])
    'a ⁇ A a'
    """

    def __init__(
        self,
        pieces: SequenceABC[tuple[str, float, int]],
        *,
        add_dummy_prefix: bool = True,
        remove_extra_whitespaces: bool = True,
        unk_surface: str = " \u2047 ",
        denormalizer: Normalizer | None = None,
        json_form: Decoder | None = None,
    ) -> None:
        if not isinstance(unk_surface, str):
            raise ConfigError(f"unk_surface must be a string, got {unk_surface!r}")
        self.control = frozenset(p for p, _, t in pieces if t == CONTROL)
        self.unknown = next((p for p, _, t in pieces if t == UNKNOWN), None)
        self.bytes = {
            p: _SP_BYTE_PIECES[p] for p, _, t in pieces if t == BYTE and p in _SP_BYTE_PIECES
        }
        self.add_dummy_prefix = bool(add_dummy_prefix)
        self.remove_extra_whitespaces = bool(remove_extra_whitespaces)
        self.unk_surface = unk_surface
        self.denormalizer = denormalizer
        self.json_form = (
            json_form
            if json_form is not None
            else Metaspace(prepend_scheme="always" if add_dummy_prefix else "never")
        )

    def decode_chain(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        run = bytearray()
        drop_space = self.add_dummy_prefix or self.remove_extra_whitespaces
        at_start = True  # sentencepiece's is_bos_ws: a leading ▁ may still be dropped
        dropped = False  # the previous piece dropped one (with the dummy prefix only)
        for token in tokens:
            byte = self.bytes.get(token)
            if byte is not None:
                run.append(byte)
                continue
            if run:
                out.append(_utf8_per_char(bytes(run)))
                run.clear()
            if dropped or out:
                at_start = False
            dropped = False
            if token in self.control:
                continue
            if token == self.unknown:
                surface = self.unk_surface
            else:
                if at_start and drop_space and token.startswith(_SP_SPACE):
                    token = token[1:]
                    dropped = not self.remove_extra_whitespaces
                surface = token.replace(_SP_SPACE, " ")
            if surface:
                out.append(surface)
        if run:
            out.append(_utf8_per_char(bytes(run)))
        if self.denormalizer is not None:
            return [self.denormalizer.normalize_str("".join(out))]
        return out

    def to_dict(self) -> dict[str, Any]:
        return self.json_form.to_dict()

    def _key(self) -> tuple[Any, ...]:
        return (
            self.control,
            self.unknown,
            sorted(self.bytes.items()),
            self.add_dummy_prefix,
            self.remove_extra_whitespaces,
            self.unk_surface,
            self.denormalizer,
            self.json_form,
        )

    def __eq__(self, other: object) -> bool:
        # to_dict is only the tokenizer.json form: compare the rules themselves.
        if not isinstance(other, SentencePieceDecoder):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(repr(self))


def decoder_from_dict(d: dict[str, Any] | None) -> Decoder | None:
    """Build a decoder from its ``tokenizer.json`` dict.

    Args:
        d: The ``"decoder"`` value of a ``tokenizer.json`` (``None`` allowed).

    Returns:
        The decoder, or ``None`` when ``d`` is ``None``.

    Raises:
        ModelFileError: ``d`` is malformed or names a decoder tokenlab does not
            support (the message lists those of :data:`DECODER_TYPES`).

    >>> decoder_from_dict({"type": "BPEDecoder", "suffix": "</w>"})
    BPEDecoder({'type': 'BPEDecoder', 'suffix': '</w>'})
    """
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ModelFileError(f"a decoder must be a JSON object or null, got {d!r}")
    kind = d.get("type")
    build = DECODER_TYPES.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise ModelFileError(
            f"unsupported decoder type {kind!r}; tokenlab supports {', '.join(DECODER_TYPES)}"
        )
    return build(d)


def _byte_level_from_dict(d: dict[str, Any]) -> ByteLevel:
    return ByteLevel(
        dict_field(d, "add_prefix_space", bool, True),
        dict_field(d, "trim_offsets", bool, True),
        dict_field(d, "use_regex", bool, True),
    )


def _bpe_from_dict(d: dict[str, Any]) -> BPEDecoder:
    suffix = d.get("suffix", "</w>")
    if not isinstance(suffix, str):
        raise ModelFileError(f"BPEDecoder suffix must be a string, got {suffix!r}")
    return BPEDecoder(suffix)


def _wordpiece_from_dict(d: dict[str, Any]) -> WordPiece:
    prefix = d.get("prefix", "##")
    if not isinstance(prefix, str):
        raise ModelFileError(f"WordPiece decoder prefix must be a string, got {prefix!r}")
    return WordPiece(prefix, dict_field(d, "cleanup", bool, True))


def _strip_from_dict(d: dict[str, Any]) -> Strip:
    content = d.get("content", " ")
    start, stop = d.get("start", 0), d.get("stop", 0)
    try:
        return Strip(content, start, stop)
    except ConfigError as e:
        raise ModelFileError(f"bad Strip decoder {d!r}: {e}") from e


def _sequence_from_dict(d: dict[str, Any]) -> Sequence:
    stages = d.get("decoders")
    if not isinstance(stages, list):
        raise ModelFileError(f'Sequence decoder needs a "decoders" list, got {d!r}')
    built = [decoder_from_dict(s) for s in stages]
    return Sequence([s for s in built if s is not None])


def _metaspace_from_dict(d: dict[str, Any]) -> Metaspace:
    # Same fields, defaults and old-file handling as the pre-tokenizer's dict.
    pre = metaspace_options(d)
    return Metaspace(pre.replacement, pre.prepend_scheme, pre.split_words)


def _replace_from_dict(d: dict[str, Any]) -> Replace:
    pattern = d.get("pattern")
    if not (isinstance(pattern, dict) and len(pattern) == 1):
        raise ModelFileError(
            f'Replace pattern must be {{"String": ...}} or {{"Regex": ...}}, got {pattern!r}'
        )
    ((ptype, ptext),) = pattern.items()
    content = d.get("content")
    if ptype not in ("String", "Regex") or not isinstance(ptext, str):
        raise ModelFileError(f"Replace pattern {pattern!r}: expected a String or Regex")
    if not isinstance(content, str):
        raise ModelFileError(f"Replace decoder needs a string content, got {content!r}")
    try:
        return Replace(ptext, content, literal=ptype == "String")
    except ConfigError as e:
        raise ModelFileError(f"bad Replace decoder: {e}") from e


#: ``tokenizer.json`` decoder ``type`` -> the builder of that decoder from its dict:
#: the one table :func:`decoder_from_dict` reads.
DECODER_TYPES: dict[str, Callable[[dict[str, Any]], Decoder]] = {
    "CTC": lambda d: CTC(
        dict_field(d, "pad_token", str, "<pad>"),
        dict_field(d, "word_delimiter_token", str, "|"),
        dict_field(d, "cleanup", bool, True),
    ),
    "ByteLevel": _byte_level_from_dict,
    "BPEDecoder": _bpe_from_dict,
    "WordPiece": _wordpiece_from_dict,
    "Metaspace": _metaspace_from_dict,
    "ByteFallback": lambda d: ByteFallback(),
    "Fuse": lambda d: Fuse(),
    "Strip": _strip_from_dict,
    "Replace": _replace_from_dict,
    "Sequence": _sequence_from_dict,
}
