"""SentencePiece tokenizers as tokenlab pipelines: the Unigram model with piece types,
the normalizer and the pipeline builder. Training them is
:func:`tokenlab.api.train_sentencepiece`.

A SentencePiece tokenizer (Kudo and Richardson, 2018) is, as a tokenlab
:class:`~tokenlab.tokenizer.Tokenizer`:

* normalizer: :class:`SentencePieceNormalization`, exactly
  ``SentencePieceProcessor.normalize`` (the precompiled charsmap, whitespace
  cleanup, the dummy ``▁`` prefix, spaces as ``▁``), with alignments, so offsets
  index the original text;
* pre-tokenizer: ``Metaspace(split=True)``, which only cuts the already escaped
  text before each ``▁`` (the model gives the same result on the whole sentence
  as long as no piece has ``▁`` after its first char; otherwise there is no
  pre-tokenizer and the model sees the whole sentence);
* model: :class:`~tokenlab.models.SentencePieceBPE` (merging by piece score) or
  :class:`SentencePieceUnigram` (Viterbi with SentencePiece's piece types);
* decoder: ``▁`` back to spaces, byte pieces back to text, the dummy space dropped.

Saved as ``tokenizer.json`` the pipeline takes the form Hugging Face's
SentencePiece converters give it (``Precompiled`` and ``Replace`` normalizers,
``Metaspace``), which ``tokenizers`` loads; see :meth:`SentencePieceNormalization.to_dict`
for what that form cannot say exactly, and :meth:`SentencePieceUnigram.to_dict`
and :meth:`tokenlab.models.SentencePieceBPE.to_dict` for the models.

Not supported: ``treat_whitespace_as_suffix`` and ``escape_whitespaces=False``
have no ``tokenizer.json`` form (they work in tokenlab and in ``.model`` files),
and the denormalizer of a ``.model`` (``denormalizer_spec``) is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from . import decoders, normalizers, pre_tokenizers
from ._backend import UNK_PENALTY, UnigramLattice
from ._defaults import SENTENCEPIECE_NORMALIZATIONS as SENTENCEPIECE_NORMALIZATIONS
from .charsmap import CharsMap
from .errors import ConfigError, ModelFileError
from .models import SentencePieceBPE, Unigram
from .tokenizer import Tokenizer

__all__ = [
    "SENTENCEPIECE_NORMALIZATIONS",
    "SentencePieceNormalization",
    "SentencePieceUnigram",
    "piece_types",
    "sentencepiece_tokenizer",
]

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
SPACE = "\u2581"
# What the SentencePiece whitespace cleanup is in tokenizers' terms: strip spaces at
# both ends (lookarounds, because onig's ^ and $ also match at line breaks), then
# collapse runs. Only U+0020 counts, as in SentencePiece.
_STRIP_SPACES = "(?<![\\s\\S]) +| +(?![\\s\\S])"
_COLLAPSE_SPACES = " {2,}"


class SentencePieceUnigram(Unigram):
    """A Unigram model with SentencePiece's piece types, encoding as ``sentencepiece`` does.

    The same Viterbi as :class:`~tokenlab.models.Unigram`, with SentencePiece's
    rules for the types: unknown, control and byte pieces (and unused ones)
    never match text; a user-defined piece of ``n`` chars scores ``n *
    max_score - 0.1``, which makes it win over any split of it; the unknown
    char scores the lowest NORMAL score minus 10.

    Args:
        pieces: ``(piece, score, type)`` per id (types as in
            :class:`~tokenlab.models.SentencePieceBPE`).
        byte_fallback: unknown chars become their ``<0xNN>`` byte pieces.

    Raises:
        ModelFileError: no unknown piece or more than one, a bad type, or byte
            fallback without the byte pieces.

    >>> m = SentencePieceUnigram([("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("▁", -1.0, 1),
    ...                           ("a", -2.0, 1), ("s", -2.0, 1), ("<", -2.0, 1)])
    >>> m.tokenize("▁<s>a")[0]  # "<s>" is a control piece: never matched in text
    [2, 5, 4, 0, 3]
    """

    def __init__(
        self, pieces: Sequence[tuple[str, float, int]], *, byte_fallback: bool = False
    ) -> None:
        types: list[int] = []
        unk_id: int | None = None
        for i, entry in enumerate(pieces):
            if not (isinstance(entry, (tuple, list)) and len(entry) == 3):
                raise ModelFileError(f"SentencePiece piece #{i} must be (piece, score, type)")
            kind = entry[2]
            if kind not in (NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE):
                raise ModelFileError(
                    f"SentencePiece piece #{i} {entry[0]!r} has unknown type {kind!r}"
                )
            if kind == UNKNOWN:
                if unk_id is not None:
                    raise ModelFileError("SentencePiece model has more than one unknown piece")
                unk_id = i
            types.append(int(kind))
        if unk_id is None:
            raise ModelFileError("SentencePiece model has no unknown piece (type 2)")
        super().__init__([(p, s) for p, s, _ in pieces], unk_id=unk_id, byte_fallback=False)
        if len(self.vocab) != len(self.pieces) or any(not p for p, _ in self.pieces):
            raise ModelFileError("SentencePiece pieces must be unique non-empty strings")
        if byte_fallback:
            for b in range(256):
                bid = self.vocab.get(f"<0x{b:02X}>")
                if bid is None or types[bid] != BYTE:
                    raise ModelFileError(
                        f"byte_fallback needs the 256 byte pieces; <0x{b:02X}> is missing"
                    )
        self.byte_fallback = byte_fallback
        self.types = types
        normal = [s for (_, s), t in zip(self.pieces, types) if t == NORMAL]
        min_score = min(normal, default=0.0)
        max_score = max(normal, default=0.0)
        matched = [
            p if t in (NORMAL, USER_DEFINED) else None for (p, _), t in zip(self.pieces, types)
        ]
        scores = [
            len(p) * max_score - 0.1 if t == USER_DEFINED else s
            for (p, s), t in zip(self.pieces, types)
        ]
        self._lattice_args = (matched, scores, unk_id, min_score - UNK_PENALTY)
        self._lattice = UnigramLattice(*self._lattice_args)

    @property
    def typed_pieces(self) -> list[tuple[str, float, int]]:
        """``(piece, score, type)`` per id."""
        return [(p, s, t) for (p, s), t in zip(self.pieces, self.types)]

    def to_dict(self) -> dict[str, Any]:
        """Hugging Face's ``Unigram`` model, when it encodes the same.

        Raises:
            ConfigError: the model has user-defined or unused pieces: ``tokenizers``
                scores a user-defined piece by its stored score (SentencePiece gives
                it a bonus) and matches unused pieces.
        """
        odd = [p for (p, _), t in zip(self.pieces, self.types) if t in (USER_DEFINED, UNUSED)]
        if odd:
            raise ConfigError(
                f"this Unigram model has user-defined or unused pieces ({odd[0]!r}, ...), "
                "which tokenizers' Unigram cannot encode as SentencePiece does; export it "
                "as a .model file (tokenlab.export.sentencepiece.write_sentencepiece) instead"
            )
        return super().to_dict()


def piece_types(tokenizer: Tokenizer) -> list[tuple[str, float, int]] | None:
    """``(piece, score, type)`` per id of a SentencePiece-style model, or None.

    For a plain :class:`~tokenlab.models.Unigram` (e.g. loaded from a
    ``tokenizer.json``) the types are inferred: the unknown piece, ``<0xNN>``
    pieces under byte fallback, special added tokens as control pieces, other
    added tokens as user-defined pieces, the other pieces of the leading run of
    score-0 pieces as control pieces (SentencePiece puts ``<s>``, ``</s>``, ... there
    with score 0; learned pieces have negative scores), the rest normal.
    """
    model = tokenizer.model
    if isinstance(model, SentencePieceBPE):
        return list(model.pieces)
    from .models import BPE

    if isinstance(model, BPE):
        return _pieces_of_merge_list(model)
    if isinstance(model, SentencePieceUnigram):
        return model.typed_pieces
    if isinstance(model, Unigram):
        added = {tid: tok for tid, tok in tokenizer.added_tokens}
        out: list[tuple[str, float, int]] = []
        leading = True
        for i, (p, s) in enumerate(model.pieces):
            kind = NORMAL
            if i == model.unk_id:
                kind = UNKNOWN
            elif i in added:
                kind = CONTROL if added[i].special else USER_DEFINED
            elif model.byte_fallback and len(p) == 6 and p.startswith("<0x") and p.endswith(">"):
                kind = BYTE
            elif leading and s == 0.0:
                kind = CONTROL
            else:
                leading = False
            out.append((p, s, kind))
        return out
    return None


def _pieces_of_merge_list(model: Any) -> list[tuple[str, float, int]] | None:
    """The SentencePiece BPE pieces a merge-list BPE came from, or None.

    That is the case of a ``tokenizer.json`` written from a SentencePiece BPE
    model (:meth:`~tokenlab.models.SentencePieceBPE.to_dict`): pieces in id
    order, scored ``-k`` by their rank among the normal pieces (what both
    trainers give), must give back exactly the same merge list. A piece no merge
    makes and longer than one char is a control piece (``<s>``, ...).
    """
    if (
        model.continuing_subword_prefix
        or model.end_of_word_suffix
        or model.unk_token is None
        or not model.fuse_unk
    ):
        return None
    by_id = sorted(model.vocab.items(), key=lambda kv: kv[1])
    if [i for _, i in by_id] != list(range(len(by_id))):
        return None
    made = {a + b for a, b in model.merges}
    pieces: list[tuple[str, float, int]] = []
    k = 0
    for piece, _ in by_id:
        if piece == model.unk_token:
            pieces.append((piece, 0.0, UNKNOWN))
        elif model.byte_fallback and len(piece) == 6 and piece.startswith("<0x"):
            pieces.append((piece, 0.0, BYTE))
        elif len(piece) > 1 and piece not in made:
            pieces.append((piece, 0.0, CONTROL))
        else:
            pieces.append((piece, -float(k), NORMAL))
            k += 1
    try:
        candidate = SentencePieceBPE(pieces, byte_fallback=model.byte_fallback)
        if candidate.hf_merges() != model.merges:
            return None
    except (ConfigError, ModelFileError):
        return None
    return pieces


class SentencePieceNormalization(normalizers.SentencePieceNormalizer):
    """SentencePiece's normalization, exactly; saved in Hugging Face's form.

    Behaves as :class:`tokenlab.normalizers.SentencePieceNormalizer`.
    ``to_dict`` writes what ``tokenizers`` can load (a ``Sequence`` of
    ``Precompiled``, a ``Replace`` stripping spaces at both ends and a
    ``Replace`` collapsing runs of spaces; the dummy prefix and the ``▁`` come
    from the ``Metaspace`` pre-tokenizer). That form differs from SentencePiece
    only where ``tokenizers``' ``Precompiled`` does (it applies the charsmap per
    grapheme cluster); a tokenizer loaded back from it behaves as ``tokenizers``.

    >>> SentencePieceNormalization(None).normalize_str("  a  b ")
    '▁a▁b'
    """

    def __init__(
        self,
        charsmap: bytes | CharsMap | None,
        add_dummy_prefix: bool = True,
        remove_extra_whitespaces: bool = True,
        escape_whitespaces: bool = True,
        treat_whitespace_as_suffix: bool = False,
    ) -> None:
        compiled = charsmap if isinstance(charsmap, CharsMap) else None
        super().__init__(
            None if isinstance(charsmap, CharsMap) else charsmap,
            add_dummy_prefix=add_dummy_prefix,
            remove_extra_whitespaces=remove_extra_whitespaces,
            escape_whitespaces=escape_whitespaces,
            treat_whitespace_as_suffix=treat_whitespace_as_suffix,
        )
        if compiled is not None:
            # Already compiled (nmt_nfkc is built once per process): reading its blob
            # back would cost about a second.
            self.charsmap = compiled
            self._collapse_exact = not any("  " in v for v in compiled.replacements())

    @property
    def charsmap_bytes(self) -> bytes:
        """The precompiled charsmap (empty: SentencePiece's ``identity``)."""
        return self.charsmap.to_bytes()

    def to_dict(self) -> dict[str, Any] | None:  # type: ignore[override]
        if self.treat_whitespace_as_suffix or not self.escape_whitespaces:
            raise ConfigError(
                "tokenizer.json cannot express SentencePiece's treat_whitespace_as_suffix or "
                "escape_whitespaces=False; export the tokenizer as a .model file instead"
            )
        parts: list[normalizers.Normalizer] = []
        blob = self.charsmap_bytes
        if blob:
            parts.append(normalizers.Precompiled(blob))
        if self.remove_extra_whitespaces:
            parts.append(normalizers.Replace(_STRIP_SPACES, "", is_regex=True))
            parts.append(normalizers.Replace(_COLLAPSE_SPACES, " ", is_regex=True))
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0].to_dict()
        return normalizers.Sequence(parts).to_dict()


def _splits_per_word(pieces: Iterable[tuple[str, float, int]]) -> bool:
    # Cutting before every "▁" changes nothing when no matchable piece holds "▁"
    # after its first char.
    return all(SPACE not in p[1:] for p, _, t in pieces if t in (NORMAL, USER_DEFINED, UNUSED))


def sentencepiece_tokenizer(
    model: SentencePieceBPE | SentencePieceUnigram,
    charsmap: bytes | CharsMap | None = None,
    *,
    add_dummy_prefix: bool = True,
    remove_extra_whitespaces: bool = True,
    escape_whitespaces: bool = True,
    treat_whitespace_as_suffix: bool = False,
) -> Tokenizer:
    """The tokenlab pipeline of a SentencePiece model.

    Args:
        model: the model.
        charsmap: the precompiled charsmap, as bytes or compiled (None or
            empty: ``identity``).
        add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces,
            treat_whitespace_as_suffix: SentencePiece's normalizer flags.

    Returns:
        A :class:`~tokenlab.tokenizer.Tokenizer` that encodes as
        ``sentencepiece.SentencePieceProcessor`` does with the same model.
    """
    norm = SentencePieceNormalization(
        charsmap,
        add_dummy_prefix=add_dummy_prefix,
        remove_extra_whitespaces=remove_extra_whitespaces,
        escape_whitespaces=escape_whitespaces,
        treat_whitespace_as_suffix=treat_whitespace_as_suffix,
    )
    typed = model.pieces if isinstance(model, SentencePieceBPE) else model.typed_pieces
    pre: pre_tokenizers.PreTokenizer | None = None
    if escape_whitespaces and not treat_whitespace_as_suffix and _splits_per_word(typed):
        pre = pre_tokenizers.Metaspace(
            prepend_scheme="always" if add_dummy_prefix else "never", split=True
        )
    scheme = "always" if add_dummy_prefix and not treat_whitespace_as_suffix else "never"
    decoder: decoders.Decoder
    if model.byte_fallback:
        steps: list[decoders.Decoder] = [
            decoders.Replace(SPACE, " "),
            decoders.ByteFallback(),
            decoders.Fuse(),
        ]
        if scheme == "always":
            steps.append(decoders.Strip(" ", 1, 0))
        decoder = decoders.Sequence(steps)
    else:
        decoder = decoders.Metaspace(prepend_scheme=scheme)
    return Tokenizer(model, normalizer=norm, pre_tokenizer=pre, decoder=decoder)
