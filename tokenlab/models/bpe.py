"""Byte-pair encoding with a merge list: Hugging Face's ``BPE`` model.

Sennrich et al., 2016, "Neural Machine Translation of Rare Words with Subword
Units". Supported: ``unk_token``, ``fuse_unk``, ``continuing_subword_prefix``,
``end_of_word_suffix``, ``byte_fallback`` and ``ignore_merges``. Not supported:
BPE ``dropout`` (a file that sets it loads, with a ``ModelFileError`` if it is
non-zero, since encoding would silently differ).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._backend import MergeTable
from ..errors import ModelFileError
from ._base import CachedModel, WordTokens

__all__ = ["BPE"]


class BPE(CachedModel):
    """Byte-pair-encoding model: a vocabulary plus ranked merges.

    Encoding a word starts from its characters (with the continuing-subword prefix
    on non-initial ones and the end-of-word suffix on the last) and repeatedly
    applies the lowest-ranked merge among adjacent pairs, leftmost first.

    Args:
        vocab: token -> id.
        merges: ``(left, right)`` token pairs in rank order.
        unk_token: token for characters not in the vocabulary (None: drop them,
            as Hugging Face does).
        continuing_subword_prefix: prefix of non-initial subwords (e.g. ``"##"``).
        end_of_word_suffix: suffix of word-final subwords (e.g. ``"</w>"``).
        fuse_unk: merge consecutive unknown characters into one ``unk_token``.
        byte_fallback: unknown characters become ``<0xNN>`` byte tokens.
        ignore_merges: a word that is itself in the vocabulary is one token.

    Raises:
        ModelFileError: a merge names a token that is not in the vocabulary.

    >>> bpe = BPE({"a": 0, "b": 1, "ab": 2}, [("a", "b")])
    >>> bpe.tokenize("aba")
    ([2, 0], [(0, 2), (2, 3)])
    """

    def __init__(
        self,
        vocab: Mapping[str, int] | None = None,
        merges: Sequence[tuple[str, str]] | None = None,
        *,
        unk_token: str | None = None,
        continuing_subword_prefix: str | None = None,
        end_of_word_suffix: str | None = None,
        fuse_unk: bool = False,
        byte_fallback: bool = False,
        ignore_merges: bool = False,
    ) -> None:
        super().__init__()
        self.vocab = dict(vocab or {})
        self.merges: list[tuple[str, str]] = [(a, b) for a, b in (merges or [])]
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.end_of_word_suffix = end_of_word_suffix
        self.fuse_unk = fuse_unk
        self.byte_fallback = byte_fallback
        self.ignore_merges = ignore_merges
        ids = self.vocab
        prefix = continuing_subword_prefix or ""
        triples: list[tuple[int, int, int]] = []
        for rank, (a, b) in enumerate(self.merges):
            merged = a + (b[len(prefix) :] if prefix and b.startswith(prefix) else b)
            for part in (a, b, merged):
                if part not in ids:
                    raise ModelFileError(
                        f"merge #{rank} ({a!r} {b!r}) uses {part!r}, which is not in the vocabulary"
                    )
            triples.append((ids[a], ids[b], ids[merged]))
        self._triples = triples  # (left id, right id, merged id) by rank: the fast encoder
        self._table = MergeTable(triples)

    _DERIVED = ("_table",)

    def _rebuild(self) -> None:
        self._table = MergeTable(self._triples)

    def _initial(self, word: str) -> tuple[list[int], list[tuple[int, int]]]:
        vocab = self.vocab
        prefix = self.continuing_subword_prefix
        suffix = self.end_of_word_suffix
        unk_id = vocab.get(self.unk_token) if self.unk_token is not None else None
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        last = len(word) - 1
        prev_unk = False
        for i, ch in enumerate(word):
            s = ch
            if prefix and i > 0:
                s = prefix + s
            if suffix and i == last:
                s = s + suffix
            tid = vocab.get(s)
            if tid is not None:
                ids.append(tid)
                spans.append((i, i + 1))
                prev_unk = False
                continue
            if self.byte_fallback:
                byte_ids = [vocab.get(f"<0x{b:02X}>") for b in ch.encode("utf-8", "surrogatepass")]
                if all(b is not None for b in byte_ids):
                    for b in byte_ids:
                        ids.append(b)  # type: ignore[arg-type]
                        spans.append((i, i + 1))
                    prev_unk = False
                    continue
            if unk_id is None:
                continue  # no unk token: the character is dropped (tokenizers does too)
            if self.fuse_unk and prev_unk:
                spans[-1] = (spans[-1][0], i + 1)
            else:
                ids.append(unk_id)
                spans.append((i, i + 1))
            prev_unk = True
        return ids, spans

    def _encode_word(self, word: str) -> WordTokens:
        if self.ignore_merges and word in self.vocab:
            result = ([self.vocab[word]], [(0, len(word))])
        else:
            ids, spans = self._initial(word)
            merged, sizes = self._table.split(ids)
            if len(merged) == len(ids):
                result = (ids, spans)
            else:
                out_spans = []
                k = 0
                for size in sizes:
                    out_spans.append((spans[k][0], spans[k + size - 1][1]))
                    k += size
                result = (merged, out_spans)
        return result

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` component of ``tokenizer.json`` (merges written as pairs)."""
        return {
            "type": "BPE",
            "dropout": None,
            "unk_token": self.unk_token,
            "continuing_subword_prefix": self.continuing_subword_prefix,
            "end_of_word_suffix": self.end_of_word_suffix,
            "fuse_unk": self.fuse_unk,
            "byte_fallback": self.byte_fallback,
            "ignore_merges": self.ignore_merges,
            "vocab": dict(sorted(self.vocab.items(), key=lambda kv: kv[1])),
            "merges": [[a, b] for a, b in self.merges],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BPE:
        """Build from a ``tokenizer.json`` model dict (merges as pairs or ``"a b"``).

        Raises:
            ModelFileError: missing or malformed fields.
        """
        vocab = d.get("vocab")
        if not isinstance(vocab, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in vocab.items()
        ):
            raise ModelFileError("BPE model: 'vocab' must be an object of token -> id >= 0")
        raw = d.get("merges", [])
        if not isinstance(raw, list):
            raise ModelFileError("BPE model: 'merges' must be a list")
        merges: list[tuple[str, str]] = []
        for i, m in enumerate(raw):
            if isinstance(m, str):
                parts = m.split(" ")
                if len(parts) != 2:
                    raise ModelFileError(f"BPE model: merge #{i} {m!r} is not 'left right'")
                merges.append((parts[0], parts[1]))
            elif isinstance(m, list) and len(m) == 2 and all(isinstance(x, str) for x in m):
                merges.append((m[0], m[1]))
            else:
                raise ModelFileError(f"BPE model: merge #{i} {m!r} is not a pair of strings")
        dropout = d.get("dropout")
        if dropout not in (None, 0, 0.0):
            raise ModelFileError(
                f"BPE model: dropout={dropout!r} is not supported by tokenlab (encoding "
                "would differ); set it to null"
            )
        opts: dict[str, Any] = {}
        for key in ("unk_token", "continuing_subword_prefix", "end_of_word_suffix"):
            value = d.get(key)
            if value is not None and not isinstance(value, str):
                raise ModelFileError(f"BPE model: {key!r} must be a string or null")
            opts[key] = value
        for key in ("fuse_unk", "byte_fallback", "ignore_merges"):
            value = d.get(key, False)
            if not isinstance(value, bool):
                raise ModelFileError(f"BPE model: {key!r} must be true or false")
            opts[key] = value
        return cls(vocab, merges, **opts)
