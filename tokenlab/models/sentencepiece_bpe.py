"""SentencePiece's BPE model: pieces with scores, merged by score (no merge list).

Kudo and Richardson, 2018, "SentencePiece: A simple and language independent
subword tokenizer". Encodes as ``sentencepiece``'s ``bpe::Model::Encode``, word
by word; see :class:`SentencePieceBPE` for when that equals encoding the whole
sentence. Not supported: BPE dropout (``SampleEncode``).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

from ..errors import ConfigError, ModelFileError
from ._base import (
    BYTE,
    CONTROL,
    NORMAL,
    UNKNOWN,
    UNUSED,
    USER_DEFINED,
    CachedModel,
    WordTokens,
)

__all__ = ["SentencePieceBPE"]


class SentencePieceBPE(CachedModel):
    """SentencePiece's BPE model: pieces with scores, merged by score (no merge list).

    Encoding a word starts from its characters (a user-defined piece found in
    the text is one symbol that never merges) and repeatedly merges the
    adjacent pair whose CONCATENATION is a piece (normal, user-defined or
    unused) with the highest score, leftmost on ties; an unused piece is then
    split back into the two symbols it was made of. A symbol that is not a
    piece is unknown: consecutive unknown symbols become ONE unknown piece, or,
    with ``byte_fallback``, each becomes its UTF-8 bytes as ``<0xNN>`` pieces.
    This is ``sentencepiece``'s ``bpe::Model::Encode`` plus its processor's
    unknown handling, applied word by word (SentencePiece encodes the whole
    ``▁``-escaped sentence; this is the same as long as no piece has ``▁``
    after its first character, which holds for models trained with
    ``split_by_whitespace=True``).

    Args:
        pieces: ``(piece, score, type)`` per id; types are SentencePiece's
            (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
        byte_fallback: encode unknown characters as byte pieces.

    Raises:
        ModelFileError: no unknown piece or more than one, an empty or duplicate
            piece, an unknown type, or byte fallback without the 256 byte pieces.

    Its ``tokenizer.json`` form is Hugging Face's ``BPE`` with a merge list built
    from the scores (:meth:`hf_merges`; refused where that cannot be exact); the
    ``.model`` export is :mod:`tokenlab.export.sentencepiece`.

    >>> sp = SentencePieceBPE([("<unk>", 0.0, 2), ("ab", 0.0, 1), ("abc", -1.0, 1),
    ...                        ("a", -2.0, 1), ("b", -3.0, 1), ("c", -4.0, 1)])
    >>> sp.tokenize("abcxyab")
    ([2, 0, 1], [(0, 3), (3, 5), (5, 7)])
    """

    def __init__(
        self, pieces: Sequence[tuple[str, float, int]], *, byte_fallback: bool = False
    ) -> None:
        super().__init__()
        self.pieces: list[tuple[str, float, int]] = []
        self.vocab = {}
        self.byte_fallback = byte_fallback
        self._scores: dict[str, tuple[float, int]] = {}
        user_defined: list[str] = []
        unk_id: int | None = None
        for i, entry in enumerate(pieces):
            if not (isinstance(entry, (tuple, list)) and len(entry) == 3):
                raise ModelFileError(f"SentencePiece piece #{i} must be (piece, score, type)")
            piece, score, kind = entry
            if not isinstance(piece, str) or not piece:
                raise ModelFileError(f"SentencePiece piece #{i} must be a non-empty string")
            if kind not in (NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE):
                raise ModelFileError(
                    f"SentencePiece piece #{i} {piece!r} has unknown type {kind!r}"
                )
            if piece in self.vocab:
                raise ModelFileError(f"SentencePiece piece {piece!r} is defined twice")
            self.vocab[piece] = i
            self.pieces.append((piece, float(score), int(kind)))
            if kind in (NORMAL, USER_DEFINED, UNUSED):
                self._scores[piece] = (float(score), kind)
            if kind == USER_DEFINED:
                user_defined.append(piece)
            if kind == UNKNOWN:
                if unk_id is not None:
                    raise ModelFileError("SentencePiece model has more than one unknown piece")
                unk_id = i
        if unk_id is None:
            raise ModelFileError("SentencePiece model has no unknown piece (type 2)")
        self.unk_id = unk_id
        self._bytes: list[int] = []
        if byte_fallback:
            for b in range(256):
                bid = self.vocab.get(f"<0x{b:02X}>")
                if bid is None or self.pieces[bid][2] != BYTE:
                    raise ModelFileError(
                        f"byte_fallback needs the 256 byte pieces; <0x{b:02X}> is missing"
                    )
                self._bytes.append(bid)
        self._user: dict[str, list[str]] = {}
        for p in sorted(user_defined, key=len, reverse=True):
            self._user.setdefault(p[0], []).append(p)

    def _symbols(self, word: str) -> list[tuple[str, bool]]:
        out: list[tuple[str, bool]] = []
        i = 0
        n = len(word)
        user = self._user
        while i < n:
            for p in user.get(word[i], ()):
                if word.startswith(p, i):
                    out.append((p, True))
                    i += len(p)
                    break
            else:
                out.append((word[i], False))
                i += 1
        return out

    def _merge(self, word: str) -> list[str]:
        syms = self._symbols(word)
        text = [s for s, _ in syms]
        frozen = [f for _, f in syms]
        n = len(text)
        nxt = [*range(1, n), -1]
        prv = list(range(-1, n - 1))
        scores = self._scores
        heap: list[tuple[float, int, int, int]] = []
        unused: dict[str, tuple[str, str]] = {}

        def push(left: int, right: int) -> None:
            if left < 0 or right < 0 or frozen[left] or frozen[right]:
                return
            piece = text[left] + text[right]
            hit = scores.get(piece)
            if hit is None:
                return
            heapq.heappush(heap, (-hit[0], left, right, len(piece)))
            if hit[1] == UNUSED:
                unused[piece] = (text[left], text[right])

        for i in range(n - 1):
            push(i, i + 1)
        while heap:
            _neg, left, right, size = heapq.heappop(heap)
            # Stale: one side was merged away or grew since the entry was pushed.
            if not text[left] or not text[right] or len(text[left]) + len(text[right]) != size:
                continue
            text[left] += text[right]
            text[right] = ""
            nxt[left] = nxt[right]
            if nxt[right] >= 0:
                prv[nxt[right]] = left
            push(prv[left], left)
            push(left, nxt[left])
        out: list[str] = []

        def resegment(piece: str) -> None:
            hit = scores.get(piece)
            if hit is not None and hit[1] == UNUSED and piece in unused:
                a, b = unused[piece]
                resegment(a)
                resegment(b)
            else:
                out.append(piece)

        i = 0 if n else -1
        while i >= 0:
            resegment(text[i])
            i = nxt[i]
        return out

    def _encode_word(self, word: str) -> WordTokens:
        """Encode one word (``▁``-escaped).

        Returns:
            ``(ids, spans)``: piece ids and their ``(start, end)`` char offsets in
            ``word``. The lists are shared with the cache: do not modify them.
        """
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        vocab = self.vocab
        pos = 0
        prev_unk = False
        for piece in self._merge(word):
            end = pos + len(piece)
            pid = vocab.get(piece)
            if pid is not None and self.pieces[pid][2] in (NORMAL, USER_DEFINED, UNUSED):
                ids.append(pid)
                spans.append((pos, end))
                prev_unk = False
            elif self.byte_fallback:
                for b in piece.encode("utf-8", "surrogatepass"):
                    ids.append(self._bytes[b])
                    spans.append((pos, end))
                prev_unk = False
            elif prev_unk:
                spans[-1] = (spans[-1][0], end)
            else:
                ids.append(self.unk_id)
                spans.append((pos, end))
                prev_unk = True
            pos = end
        result = (ids, spans)
        return result

    def id_to_piece(self, id: int) -> str:
        """The piece with id ``id``."""
        return self.pieces[id][0]

    @property
    def unk_surface_id(self) -> int:
        """The id whose token in an Encoding is the text it covers: the unknown id
        (``sentencepiece`` shows the unknown text, normalized, as the piece)."""
        return self.unk_id

    def hf_merges(self) -> list[tuple[str, str]]:
        """The merge list that makes Hugging Face's BPE encode as this model does.

        Every pair ``(a, b)`` of symbols (pieces or single chars) whose
        concatenation is a normal piece, ordered by that piece's score (highest
        first); the splits of one piece follow each other, shorter left part
        first. SentencePiece merges the highest-scored adjacent pair, leftmost
        on ties; Hugging Face the lowest-ranked, leftmost on ties: the same
        whenever no two DIFFERENT splits of one piece overlap in a word
        (``x + y == y + x``: in ``[y, x, y]`` SentencePiece merges the left pair,
        Hugging Face the one ranked first). tests/test_export_sentencepiece.py
        checks the result against ``tokenizers`` on real text.

        Raises:
            ConfigError: the model has user-defined or unused pieces, or two
                normal pieces share a score; Hugging Face's BPE cannot express them.
        """
        normal: dict[str, tuple[float, int]] = {}
        for i, (piece, score, kind) in enumerate(self.pieces):
            if kind in (USER_DEFINED, UNUSED):
                what = "user-defined" if kind == USER_DEFINED else "unused"
                raise ConfigError(
                    f"tokenizer.json cannot express this SentencePiece BPE model: {piece!r} is "
                    f"a {what} piece (SentencePiece "
                    + ("never merges it" if kind == USER_DEFINED else "splits it back")
                    + "); export it as a .model file instead"
                )
            if kind == NORMAL:
                normal[piece] = (score, i)
        by_score: dict[float, str] = {}
        for piece, (score, _) in normal.items():
            if len(piece) > 1 and score in by_score:
                raise ConfigError(
                    f"tokenizer.json cannot express this SentencePiece BPE model: pieces "
                    f"{by_score[score]!r} and {piece!r} have the same score {score}, so their "
                    "merge order is not defined; export it as a .model file instead"
                )
            if len(piece) > 1:
                by_score[score] = piece
        symbols = set(normal)
        out: list[tuple[str, str]] = []
        for piece in sorted(
            (p for p in normal if len(p) > 1), key=lambda p: (-normal[p][0], normal[p][1])
        ):
            for k in range(1, len(piece)):
                left, right = piece[:k], piece[k:]
                if (left in symbols or len(left) == 1) and (right in symbols or len(right) == 1):
                    out.append((left, right))
        return out

    def to_dict(self) -> dict[str, Any]:
        """Hugging Face's ``BPE`` model with the merges of :meth:`hf_merges`.

        The vocabulary is every piece by id; unknown runs fuse into one unknown
        token (``fuse_unk``), as in SentencePiece.

        Raises:
            ConfigError: see :meth:`hf_merges`.
        """
        merges = self.hf_merges()
        return {
            "type": "BPE",
            "dropout": None,
            "unk_token": self.pieces[self.unk_id][0],
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": self.byte_fallback,
            "ignore_merges": False,
            "vocab": {piece: i for i, (piece, _, _) in enumerate(self.pieces)},
            "merges": [[a, b] for a, b in merges],
        }
