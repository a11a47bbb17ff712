"""Byte-pair encoding with a merge list: Hugging Face's ``BPE`` model.

Sennrich et al., 2016, "Neural Machine Translation of Rare Words with Subword
Units". Supported: ``unk_token``, ``fuse_unk``, ``continuing_subword_prefix``,
``end_of_word_suffix``, ``byte_fallback``, ``ignore_merges`` and ``dropout``
(Provilkov et al., 2020, "BPE-Dropout"): each merge about to be applied is
skipped with probability ``dropout``, as in ``tokenizers``; the skipped merges
come back once a merge is applied, and a word stops when only skipped merges
are left. ``tokenizers`` draws from its thread's generator; here ``seed`` makes
the draws reproducible (one ``random.Random`` per model). ``dropout`` of 0 or
None encodes exactly as without dropout.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Mapping, Sequence
from typing import Any

from .._backend import MergeTable
from ..errors import ModelFileError
from ._base import CachedModel, WordTokens, check_token_ids

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
        dropout: probability of skipping each merge (BPE-dropout; None or 0: never).
        seed: seed of the dropout draws (None: seeded from the system).

    Raises:
        ModelFileError: a merge names a token that is not in the vocabulary, or
            ``dropout`` is not within [0, 1].

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
        dropout: float | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        if dropout is not None and (
            not isinstance(dropout, (int, float))
            or isinstance(dropout, bool)
            or not 0.0 <= dropout <= 1.0
        ):
            raise ModelFileError(f"BPE dropout must be within [0, 1] or None, got {dropout!r}")
        self.dropout = dropout
        self._rng = random.Random(seed)
        self._seeded = seed is not None
        self.vocab = dict(vocab or {})
        self.merges: list[tuple[str, str]] = [(a, b) for a, b in (merges or [])]
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.end_of_word_suffix = end_of_word_suffix
        self.fuse_unk = fuse_unk
        self.byte_fallback = byte_fallback
        self.ignore_merges = ignore_merges
        check_token_ids("BPE", self.vocab)
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
        self._pair_ranks: dict[tuple[int, int], tuple[int, int]] | None = None

    @property
    def _cacheable(self) -> bool:
        return not self.dropout  # each call draws anew

    def _merge_with_dropout(self, ids: list[int]) -> tuple[list[int], list[int]]:
        """Merge ``ids`` lowest rank first, skipping each merge with probability dropout.

        Returns the final ids and the size (in initial symbols) of each.
        """
        ranks = self._pair_ranks
        if ranks is None:
            ranks = {}
            for rank, (a, b, m) in enumerate(self._triples):
                ranks.setdefault((a, b), (rank, m))
            self._pair_ranks = ranks
        n = len(ids)
        sym = list(ids)
        size = [1] * n
        nxt = [*range(1, n), -1]
        prv = list(range(-1, n - 1))
        queue: list[tuple[int, int, int]] = []  # (rank, position, merged id)
        for i in range(n - 1):
            hit = ranks.get((sym[i], sym[i + 1]))
            if hit is not None:
                queue.append((hit[0], i, hit[1]))
        heapq.heapify(queue)
        skipped: list[tuple[int, int, int]] = []
        draw, p = self._rng.random, self.dropout or 0.0
        while queue:
            top = heapq.heappop(queue)
            if draw() < p:
                skipped.append(top)
                continue
            for item in skipped:
                heapq.heappush(queue, item)
            skipped.clear()
            _, pos, merged = top
            right = nxt[pos]
            if size[pos] == 0 or right == -1:
                continue
            hit = ranks.get((sym[pos], sym[right]))
            if hit is None or hit[1] != merged:
                continue  # a stale entry: one side was merged since
            sym[pos], size[pos], size[right] = merged, size[pos] + size[right], 0
            nxt[pos] = nxt[right]
            if nxt[pos] != -1:
                prv[nxt[pos]] = pos
            for left, r in ((prv[pos], pos), (pos, nxt[pos])):
                if left != -1 and r != -1:
                    hit = ranks.get((sym[left], sym[r]))
                    if hit is not None:
                        heapq.heappush(queue, (hit[0], left, hit[1]))
        kept = [i for i in range(n) if size[i]]
        return [sym[i] for i in kept], [size[i] for i in kept]

    # _pair_ranks is built by the first dropout merge: kept out of pickles, so that an
    # encoded model pickles (and fingerprints in datasets) as a fresh one does.
    _DERIVED = ("_table", "_pair_ranks")

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        if not state.get("_seeded", True):
            # A generator seeded from the system holds nothing worth keeping, and its
            # state would make every load's pickle (datasets' fingerprint) different.
            state["_rng"] = None
        return state

    def _rebuild(self) -> None:
        self._table = MergeTable(self._triples)
        self._pair_ranks = None
        if self.__dict__.get("_rng") is None:
            self._rng = random.Random()

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
            if self.dropout:
                merged, sizes = self._merge_with_dropout(ids)
            else:
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
            "dropout": self.dropout,
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
        opts: dict[str, Any] = {"dropout": d.get("dropout")}
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
