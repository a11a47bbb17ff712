"""Tokenization models: what turns one pre-tokenized word into token ids.

Each model mirrors the ``model`` component of a Hugging Face ``tokenizer.json``
(``to_dict``/``from_dict``). Supported now: ``BPE`` (Sennrich et al., 2016,
"Neural Machine Translation of Rare Words with Subword Units"), with
``unk_token``, ``fuse_unk``, ``continuing_subword_prefix``,
``end_of_word_suffix``, ``byte_fallback`` and ``ignore_merges``. Not supported:
BPE ``dropout`` (a file that sets it loads, with a ``ModelFileError`` if it is
non-zero, since encoding would silently differ).

``WordPiece`` (Schuster and Nakajima, 2012, "Japanese and Korean Voice Search";
the encoding rule of BERT) splits a word greedily, longest match first, and
turns a word it cannot split into one unknown token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._backend import MergeTable, WordPieceEncoder
from .errors import ModelFileError

__all__ = ["BPE", "Model", "WordPiece", "model_from_dict"]

#: Per-word cache entries kept before the cache is cleared.
_CACHE_LIMIT = 200_000


class Model:
    """Base class: maps a word to ``(ids, spans)``; spans are char offsets in the word."""

    vocab: dict[str, int]

    def tokenize(self, word: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Split one word into token ids and their ``(start, end)`` char spans."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` component of ``tokenizer.json``."""
        raise NotImplementedError

    def token_to_id(self, token: str) -> int | None:
        """The id of ``token``, or None."""
        return self.vocab.get(token)

    def id_to_token(self, id: int) -> str | None:
        """The token with id ``id``, or None."""
        return self._inverse().get(id)

    def get_vocab(self) -> dict[str, int]:
        """A copy of the vocabulary (token -> id)."""
        return dict(self.vocab)

    def get_vocab_size(self) -> int:
        """Number of entries in the vocabulary."""
        return len(self.vocab)

    def _inverse(self) -> dict[int, str]:
        inv = getattr(self, "_inv", None)
        if inv is None or len(inv) != len(self.vocab):
            inv = {i: t for t, i in self.vocab.items()}
            self._inv = inv
        return inv


#: The largest token id: ids are 32-bit signed in both cores, which keep 2**31 - 1 as
#: "no token".
MAX_TOKEN_ID = 2**31 - 2


def check_token_ids(kind: str, vocab: Mapping[str, int]) -> None:
    """Refuse ids the cores cannot hold, at load time (not at the first encode).

    Raises:
        ModelFileError: an id is above :data:`MAX_TOKEN_ID`; names the token.
    """
    for token, tid in vocab.items():
        if isinstance(tid, int) and tid > MAX_TOKEN_ID:
            raise ModelFileError(
                f"{kind} model: token {token!r} has id {tid}, above the largest id "
                f"{MAX_TOKEN_ID}; renumber the vocabulary"
            )


class BPE(Model):
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
        self._cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}

    def clear_cache(self) -> None:
        """Drop the per-word cache (it is also cleared when it grows too large)."""
        self._cache.clear()

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

    def tokenize(self, word: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Encode one word.

        Args:
            word: a pre-tokenized word.

        Returns:
            ``(ids, spans)``: token ids and their ``(start, end)`` char offsets in
            ``word``. The lists are shared with the cache: do not modify them.
        """
        hit = self._cache.get(word)
        if hit is not None:
            return hit
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
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
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


class WordPiece(Model):
    """WordPiece model: a vocabulary, split greedily longest-match-first.

    From the start of the word, the longest prefix that is a token is taken;
    then, from where it ends, the longest piece that is a token once
    ``continuing_subword_prefix`` is put in front of it; and so on. A word longer
    than ``max_input_chars_per_word`` chars, or with a position where no piece
    matches, becomes ONE ``unk_token`` spanning the whole word (Hugging Face's
    rule, and BERT's).

    Args:
        vocab: token -> id; must contain ``unk_token``.
        unk_token: the token of a word that cannot be split.
        continuing_subword_prefix: prefix of non-initial pieces (may be ``""``).
        max_input_chars_per_word: longer words become ``unk_token`` directly.

    Raises:
        ModelFileError: ``unk_token`` is not in the vocabulary, or an argument
            has the wrong type.

    >>> wp = WordPiece({"[UNK]": 0, "hug": 1, "##s": 2, "p": 3, "##un": 4})
    >>> wp.tokenize("hugs")
    ([1, 2], [(0, 3), (3, 4)])
    >>> wp.tokenize("puns")
    ([3, 4, 2], [(0, 1), (1, 3), (3, 4)])
    >>> wp.tokenize("bun")
    ([0], [(0, 3)])
    """

    def __init__(
        self,
        vocab: Mapping[str, int] | None = None,
        unk_token: str = "[UNK]",
        continuing_subword_prefix: str = "##",
        max_input_chars_per_word: int = 100,
    ) -> None:
        self.vocab = dict(vocab or {})
        check_token_ids("WordPiece", self.vocab)
        if not isinstance(unk_token, str):
            raise ModelFileError(f"WordPiece model: unk_token must be a string, got {unk_token!r}")
        if not isinstance(continuing_subword_prefix, str):
            raise ModelFileError(
                "WordPiece model: continuing_subword_prefix must be a string, got "
                f"{continuing_subword_prefix!r}"
            )
        if (
            not isinstance(max_input_chars_per_word, int)
            or isinstance(max_input_chars_per_word, bool)
            or max_input_chars_per_word < 0
        ):
            raise ModelFileError(
                "WordPiece model: max_input_chars_per_word must be an integer >= 0, got "
                f"{max_input_chars_per_word!r}"
            )
        if unk_token not in self.vocab:
            # Hugging Face accepts this and fails on the first unknown word instead.
            raise ModelFileError(
                f"WordPiece model: the unknown token {unk_token!r} is not in the vocabulary; "
                "add it, or set unk_token to a token that is"
            )
        self.unk_token = unk_token
        self.continuing_subword_prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self._encoder = WordPieceEncoder(
            self.vocab, continuing_subword_prefix, self.vocab[unk_token], max_input_chars_per_word
        )
        self._cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}

    def clear_cache(self) -> None:
        """Drop the per-word cache (it is also cleared when it grows too large)."""
        self._cache.clear()

    def tokenize(self, word: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Encode one word.

        Args:
            word: a pre-tokenized word.

        Returns:
            ``(ids, spans)``: token ids and their ``(start, end)`` char offsets in
            ``word``. The lists are shared with the cache: do not modify them.
        """
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        result = self._encoder.encode(word)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` component of ``tokenizer.json``."""
        return {
            "type": "WordPiece",
            "unk_token": self.unk_token,
            "continuing_subword_prefix": self.continuing_subword_prefix,
            "max_input_chars_per_word": self.max_input_chars_per_word,
            "vocab": dict(sorted(self.vocab.items(), key=lambda kv: kv[1])),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WordPiece:
        """Build from a ``tokenizer.json`` model dict.

        Missing options take Hugging Face's defaults (``"[UNK]"``, ``"##"``, 100).

        Raises:
            ModelFileError: missing or malformed fields, or an unknown token that is
                not in the vocabulary.
        """
        vocab = d.get("vocab")
        if not isinstance(vocab, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in vocab.items()
        ):
            raise ModelFileError("WordPiece model: 'vocab' must be an object of token -> id >= 0")
        return cls(
            vocab,
            unk_token=d.get("unk_token", "[UNK]"),
            continuing_subword_prefix=d.get("continuing_subword_prefix", "##"),
            max_input_chars_per_word=d.get("max_input_chars_per_word", 100),
        )


def model_from_dict(d: Any) -> Model:
    """Build the model of a ``tokenizer.json`` from its dict.

    Raises:
        ModelFileError: unknown or unsupported model type, or malformed fields.
    """
    if not isinstance(d, dict):
        raise ModelFileError("'model' must be an object")
    kind = d.get("type")
    if kind is None and "merges" in d and "vocab" in d:
        kind = "BPE"  # very old files omit the type
    if kind == "BPE":
        return BPE.from_dict(d)
    if kind == "WordPiece":
        return WordPiece.from_dict(d)
    raise ModelFileError(f"model type {kind!r} is not supported (supported: BPE, WordPiece)")


class SentencePieceBPE(Model):
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
            if kind not in (1, 2, 3, 4, 5, 6):
                raise ModelFileError(
                    f"SentencePiece piece #{i} {piece!r} has unknown type {kind!r}"
                )
            if piece in self.vocab:
                raise ModelFileError(f"SentencePiece piece {piece!r} is defined twice")
            self.vocab[piece] = i
            self.pieces.append((piece, float(score), int(kind)))
            if kind in (1, 4, 5):
                self._scores[piece] = (float(score), kind)
            if kind == 4:
                user_defined.append(piece)
            if kind == 2:
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
                if bid is None or self.pieces[bid][2] != 6:
                    raise ModelFileError(
                        f"byte_fallback needs the 256 byte pieces; <0x{b:02X}> is missing"
                    )
                self._bytes.append(bid)
        self._user: dict[str, list[str]] = {}
        for p in sorted(user_defined, key=len, reverse=True):
            self._user.setdefault(p[0], []).append(p)
        self._cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}

    def clear_cache(self) -> None:
        """Drop the per-word cache (it is also cleared when it grows too large)."""
        self._cache.clear()

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
        import heapq  # local: the module's imports above are shared with other models

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
            if hit[1] == 5:
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
            if hit is not None and hit[1] == 5 and piece in unused:
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

    def tokenize(self, word: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Encode one word (``▁``-escaped).

        Returns:
            ``(ids, spans)``: piece ids and their ``(start, end)`` char offsets in
            ``word``. The lists are shared with the cache: do not modify them.
        """
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        vocab = self.vocab
        pos = 0
        prev_unk = False
        for piece in self._merge(word):
            end = pos + len(piece)
            pid = vocab.get(piece)
            if pid is not None and self.pieces[pid][2] in (1, 4, 5):
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
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result

    def id_to_piece(self, id: int) -> str:
        """The piece with id ``id``."""
        return self.pieces[id][0]

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
        from .errors import ConfigError

        normal: dict[str, tuple[float, int]] = {}
        for i, (piece, score, kind) in enumerate(self.pieces):
            if kind in (4, 5):
                what = "user-defined" if kind == 4 else "unused"
                raise ConfigError(
                    f"tokenizer.json cannot express this SentencePiece BPE model: {piece!r} is "
                    f"a {what} piece (SentencePiece "
                    + ("never merges it" if kind == 4 else "splits it back")
                    + "); export it as a .model file instead"
                )
            if kind == 1:
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


__all__ += ["SentencePieceBPE"]


# -- Unigram ---------------------------------------------------------------------------

from ._backend import UNK_PENALTY, UnigramLattice, splitmix64  # noqa: E402


class SplitMix64:
    """A seeded random generator for subword sampling, identical on both cores.

    SplitMix64 (Steele, Lea and Flood, 2014): tiny state (one 64-bit int), good
    statistical quality, and trivially the same in Python and in C, so a seed
    gives the same sampled segmentations whichever core runs.

    Args:
        seed: any int (reduced modulo 2**64).

    >>> rng = SplitMix64(42)
    >>> 0.0 <= rng.random() < 1.0
    True
    """

    def __init__(self, seed: int = 0) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        self.state = seed & 0xFFFFFFFFFFFFFFFF

    def next_u64(self) -> int:
        """The next 64-bit value."""
        value, self.state = splitmix64(self.state)
        return int(value)

    def random(self) -> float:
        """A float uniform in ``[0, 1)`` (53 random bits)."""
        return (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)


class Unigram(Model):
    """Unigram language-model tokenization (Kudo, 2018, "Subword Regularization").

    Each piece has a score (its log-probability); a word is split into the
    pieces whose scores add up to the most (the Viterbi path of its lattice).
    A char that starts no one-char piece is unknown and scores the lowest piece
    score minus 10 (SentencePiece's and Hugging Face's rule); consecutive
    unknown chars become ONE unknown token or, with ``byte_fallback``, the
    UTF-8 bytes of the run as ``<0xNN>`` pieces (each spanning the run, as in
    Hugging Face). Ties between paths of equal score go to the path whose last
    piece is longest, at every position (what both libraries' encoders do).

    Every vocabulary entry can match text, as in Hugging Face's ``Unigram``
    (SentencePiece never matches its control pieces; text rarely contains
    ``<s>``). Subword regularization: :meth:`sample`.

    Args:
        vocab: ``(piece, score)`` per id.
        unk_id: id of the unknown token, or None (an unknown char is then an
            error, as in Hugging Face).
        byte_fallback: unknown chars become their ``<0xNN>`` byte pieces when
            all of them are in the vocabulary.

    Raises:
        ModelFileError: malformed vocabulary or ``unk_id``.

    >>> m = Unigram([("<unk>", 0.0), ("▁", -2.0), ("a", -3.0), ("b", -3.0), ("▁ab", -4.0)])
    >>> m.tokenize("▁abba")
    ([4, 3, 2], [(0, 3), (3, 4), (4, 5)])
    """

    def __init__(
        self,
        vocab: Sequence[tuple[str, float]] | None = None,
        unk_id: int | None = 0,
        byte_fallback: bool = False,
    ) -> None:
        entries: list[tuple[str, float]] = []
        for i, entry in enumerate(vocab or []):
            if (
                not isinstance(entry, (tuple, list))
                or len(entry) != 2
                or not isinstance(entry[0], str)
                or not isinstance(entry[1], (int, float))
                or isinstance(entry[1], bool)
            ):
                raise ModelFileError(
                    f"Unigram model: vocab entry #{i} {entry!r} is not a [piece, score] pair"
                )
            score = float(entry[1])
            if score != score or score in (float("inf"), float("-inf")):
                raise ModelFileError(f"Unigram model: vocab entry #{i} has score {score!r}")
            entries.append((entry[0], score))
        if unk_id is not None and (
            not isinstance(unk_id, int)
            or isinstance(unk_id, bool)
            or not 0 <= unk_id < len(entries)
        ):
            raise ModelFileError(
                f"Unigram model: unk_id={unk_id!r} is not the id of a vocabulary entry "
                f"(0..{len(entries) - 1}); use the id of the '<unk>' piece, or None"
            )
        if not isinstance(byte_fallback, bool):
            raise ModelFileError("Unigram model: 'byte_fallback' must be true or false")
        self.pieces = entries
        self.unk_id = unk_id
        self.byte_fallback = byte_fallback
        self.vocab = {piece: i for i, (piece, _) in enumerate(entries)}
        min_score = min((s for _, s in entries), default=0.0)
        # Without an unknown token, unknown nodes report an id past the vocabulary.
        self._unk = unk_id if unk_id is not None else len(entries)
        # Kept so that the other core's lattice can be built alike (the twin tests).
        self._lattice_args: tuple[list[str | None], list[float], int, float] = (
            [p for p, _ in entries],
            [s for _, s in entries],
            self._unk,
            min_score - UNK_PENALTY,
        )
        self._lattice = UnigramLattice(*self._lattice_args)
        self._cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}

    def clear_cache(self) -> None:
        """Drop the per-word cache (it is also cleared when it grows too large)."""
        self._cache.clear()

    def _finish(
        self, word: str, ids: list[int], spans: list[tuple[int, int]]
    ) -> tuple[list[int], list[tuple[int, int]]]:
        """Fuse runs of unknown ids, then apply byte fallback (or fail without unk)."""
        unk = self._unk
        if unk not in ids:
            return ids, spans
        out_ids: list[int] = []
        out_spans: list[tuple[int, int]] = []
        prev_unk = False
        for tid, span in zip(ids, spans):
            if tid == unk and prev_unk:
                out_spans[-1] = (out_spans[-1][0], span[1])
                continue
            prev_unk = tid == unk
            out_ids.append(tid)
            out_spans.append(span)
        if not self.byte_fallback and self.unk_id is not None:
            return out_ids, out_spans
        ids, spans = [], []
        for tid, (start, end) in zip(out_ids, out_spans):
            if tid == unk and self.byte_fallback:
                text = word[start:end].encode("utf-8", "surrogatepass")
                byte_ids = [self.vocab.get(f"<0x{b:02X}>") for b in text]
                if all(b is not None for b in byte_ids):
                    ids.extend(byte_ids)  # type: ignore[arg-type]
                    spans.extend([(start, end)] * len(byte_ids))
                    continue
            if tid == unk and self.unk_id is None:
                raise ValueError(
                    f"Unigram model: {word[start:end]!r} is not in the vocabulary and the "
                    "model has no unknown token (unk_id is None)"
                )
            ids.append(tid)
            spans.append((start, end))
        return ids, spans

    def tokenize(self, word: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Encode one word by its Viterbi segmentation.

        Args:
            word: a pre-tokenized word (with ``▁`` for spaces, for SentencePiece
                vocabularies).

        Returns:
            ``(ids, spans)``: token ids and their ``(start, end)`` char offsets in
            ``word``. The lists are shared with the cache: do not modify them.

        Raises:
            ValueError: an unknown char and no unknown token.
        """
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        ids, spans = self._lattice.encode(word, False)
        result = self._finish(word, ids, spans)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result

    def nbest(self, word: str, size: int) -> list[tuple[list[int], list[tuple[int, int]], float]]:
        """The ``size`` best segmentations of ``word`` as ``(ids, spans, score)``, best first."""
        return [
            (*self._finish(word, i, s), score) for i, s, score in self._lattice.nbest(word, size)
        ]

    def sample(
        self,
        word: str,
        *,
        alpha: float = 0.1,
        nbest_size: int = -1,
        rng: SplitMix64 | None = None,
    ) -> tuple[list[int], list[tuple[int, int]]]:
        """Sample a segmentation (subword regularization, SentencePiece's ``SampleEncode``).

        Args:
            word: a pre-tokenized word.
            alpha: smoothing: a segmentation is drawn with probability
                proportional to ``exp(alpha * score)``.
            nbest_size: ``0`` or ``1``: no sampling (Viterbi); ``> 1``: draw among
                the ``nbest_size`` best segmentations (capped at 1024, as
                SentencePiece does); ``< 0``: draw among all segmentations
                (forward filtering, backward sampling).
            rng: the generator (``SplitMix64``); a fixed seed reproduces the
                samples on either core. A new ``SplitMix64(0)`` if None.

        Returns:
            ``(ids, spans)``, as :meth:`tokenize`.

        >>> m = Unigram([("<unk>", 0.0), ("a", -1.0), ("aa", -1.5)])
        >>> m.sample("aaaa", alpha=0.0, nbest_size=-1, rng=SplitMix64(7))[0]
        [2, 2]
        """
        if not isinstance(nbest_size, int) or isinstance(nbest_size, bool):
            raise TypeError(f"nbest_size must be an int, got {type(nbest_size).__name__}")
        if rng is None:
            rng = SplitMix64(0)
        if nbest_size in (0, 1):
            ids, spans = self.tokenize(word)
            return list(ids), list(spans)
        if nbest_size > 1:
            best = self._lattice.nbest(word, min(nbest_size, 1024))
            top = max(score for _, _, score in best)
            weights = [math.exp(alpha * (score - top)) for _, _, score in best]
            target = rng.random() * math.fsum(weights)
            pick = len(best) - 1
            acc = 0.0
            for k, w in enumerate(weights):
                acc += w
                if target < acc:
                    pick = k
                    break
            ids, spans, _ = best[pick]
        else:
            ids, spans, rng.state = self._lattice.sample(word, float(alpha), rng.state)
        return self._finish(word, ids, spans)

    def id_to_piece(self, id: int) -> str:
        """The piece with id ``id``."""
        return self.pieces[id][0]

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` component of ``tokenizer.json`` (Hugging Face's Unigram)."""
        return {
            "type": "Unigram",
            "unk_id": self.unk_id,
            "vocab": [[piece, score] for piece, score in self.pieces],
            "byte_fallback": self.byte_fallback,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Unigram:
        """Build from a ``tokenizer.json`` model dict.

        Raises:
            ModelFileError: missing or malformed fields.
        """
        vocab = d.get("vocab")
        if not isinstance(vocab, list):
            raise ModelFileError("Unigram model: 'vocab' must be a list of [piece, score] pairs")
        return cls(
            [tuple(e) if isinstance(e, list) else e for e in vocab],
            unk_id=d.get("unk_id"),
            byte_fallback=d.get("byte_fallback", False),
        )


_model_from_dict_without_unigram = model_from_dict


def model_from_dict(d: Any) -> Model:  # type: ignore[no-redef]
    """Build the model of a ``tokenizer.json`` from its dict (Unigram included).

    Raises:
        ModelFileError: unknown or unsupported model type, or malformed fields.
    """
    if isinstance(d, dict) and d.get("type") == "Unigram":
        return Unigram.from_dict(d)
    return _model_from_dict_without_unigram(d)


import math  # noqa: E402

__all__ += ["SplitMix64", "Unigram"]


# -- tiktoken ------------------------------------------------------------------------------

from ._backend import ByteRankMerger  # noqa: E402


def _byte_level_codecs() -> tuple[dict[int, str], dict[int, str]]:
    """str.translate tables: Latin-1 bytes -> ByteLevel chars, and back.

    Chars that are not ByteLevel chars map to U+FFFF, which Latin-1 cannot
    encode, so a word that was not byte-mapped fails loudly instead of silently.
    """
    from .pre_tokenizers import bytes_to_unicode

    forward = bytes_to_unicode()
    backward: dict[int, str] = {c: "\uffff" for c in range(0x100)}
    for b, ch in forward.items():
        backward[ord(ch)] = chr(b)
    return forward, backward


_TO_MAPPED, _FROM_MAPPED = _byte_level_codecs()


class TiktokenBPE(Model):
    """tiktoken's byte-level BPE: ranked byte strings, no merge list.

    A word that is itself a token is one token; otherwise its bytes are merged
    pairwise, always the adjacent pair whose CONCATENATED bytes have the lowest
    rank, leftmost on ties (tiktoken's ``CoreBPE``). Token ids are the ranks.

    Words arrive byte-mapped, as a ``ByteLevel`` pre-tokenizer (or tiktoken's
    regex ``Split`` followed by ``ByteLevel(use_regex=False)``) makes them: one
    char per byte, so the spans of a token are its bytes' positions. ``vocab``
    holds the tokens in that mapped form (``"Ġthe"`` for ``b" the"``), as GPT-2's
    ``vocab.json`` does. Special tokens are not part of the model: they are
    added tokens of the :class:`~tokenlab.Tokenizer`.

    Args:
        mergeable_ranks: token bytes -> rank, tiktoken's ``mergeable_ranks``.

    Raises:
        ModelFileError: a key is not non-empty bytes, a rank is not an int >= 0
            or is used twice, or one of the 256 single bytes has no rank.

    >>> ranks = {bytes([b]): b for b in range(256)}
    >>> ranks.update({b"ab": 256, b"abc": 257, b"bc": 258})
    >>> TiktokenBPE(ranks).tokenize("abcbc")
    ([257, 258], [(0, 3), (3, 5)])
    """

    def __init__(self, mergeable_ranks: Mapping[bytes, int]) -> None:
        ranks: dict[bytes, int] = {}
        by_rank: dict[int, bytes] = {}
        for token, rank in mergeable_ranks.items():
            if not isinstance(token, bytes) or not token:
                raise ModelFileError(f"tiktoken ranks: token {token!r} is not non-empty bytes")
            if not isinstance(rank, int) or isinstance(rank, bool) or rank < 0:
                raise ModelFileError(
                    f"tiktoken ranks: {token!r} has rank {rank!r}, not an int >= 0"
                )
            if rank in by_rank:
                raise ModelFileError(
                    f"tiktoken ranks: rank {rank} is given to both {by_rank[rank]!r} and {token!r}"
                )
            ranks[token] = rank
            by_rank[rank] = token
        missing = [b for b in range(256) if bytes([b]) not in ranks]
        if missing:
            raise ModelFileError(
                f"tiktoken ranks: {len(missing)} of the 256 single bytes have no rank (first: "
                f"{bytes([missing[0]])!r}); tiktoken cannot encode text containing them"
            )
        self.ranks = ranks
        self.vocab = {
            token.decode("latin-1").translate(_TO_MAPPED): rank for token, rank in ranks.items()
        }
        self._lengths = {rank: len(token) for token, rank in ranks.items()}
        self._merger = ByteRankMerger(ranks)
        self._cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}

    def clear_cache(self) -> None:
        """Drop the per-word cache (it is also cleared when it grows too large)."""
        self._cache.clear()

    def token_bytes(self, id: int) -> bytes | None:
        """The bytes of token ``id``, or None."""
        token = self.id_to_token(id)
        return None if token is None else token.translate(_FROM_MAPPED).encode("latin-1")

    def tokenize(self, word: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Encode one byte-mapped word.

        Returns:
            ``(ids, spans)``: ranks and their ``(start, end)`` offsets in ``word``
            (one char per byte). The lists are shared with the cache: do not
            modify them.

        Raises:
            ValueError: ``word`` holds a char that is not a ByteLevel char.
        """
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        try:
            data = word.translate(_FROM_MAPPED).encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(
                f"TiktokenBPE takes byte-mapped words (a ByteLevel pre-tokenizer); {word!r} "
                "is not one"
            ) from None
        ids = self._merger.encode(data)
        spans = []
        pos = 0
        lengths = self._lengths
        for tid in ids:
            end = pos + lengths[tid]
            spans.append((pos, end))
            pos = end
        result = (ids, spans)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result

    def to_bpe(self) -> BPE:
        """The same encoder as a :class:`BPE` with a merge list (Hugging Face's form).

        Each token's merge is found by merging its bytes with the ranks below its
        own: exactly two parts must remain, and they are its merge. Merges are
        ranked by the rank of their result. Then the BPE and tiktoken's rule
        encode every word alike (the proof is at
        :func:`tokenlab.export.tiktoken.check_tiktoken_exact`).

        Raises:
            ConfigError: a token cannot be built by merging with lower ranks
                (tiktoken only emits it when a whole piece equals it), which a
                merge list cannot express.
        """
        from .errors import ConfigError

        inv = self._inverse()
        merges: list[tuple[str, str]] = []
        for token, rank in sorted(self.ranks.items(), key=lambda kv: kv[1]):
            if len(token) < 2:
                continue
            parts = self._merger.merge(token, rank)
            if len(parts) != 2:
                raise ConfigError(
                    f"token {token!r} (rank {rank}) cannot be built by merging lower-ranked "
                    f"tokens (its bytes stop at {len(parts)} parts): a merge list cannot "
                    "express it"
                )
            merges.append((inv[parts[0]], inv[parts[1]]))
        return BPE(self.vocab, merges, ignore_merges=True)

    def to_dict(self) -> dict[str, Any]:
        """The ``model`` of ``tokenizer.json``: the equivalent :meth:`to_bpe` BPE.

        Raises:
            ConfigError: see :meth:`to_bpe`.
        """
        return self.to_bpe().to_dict()


__all__ += ["TiktokenBPE"]
