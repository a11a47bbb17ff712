"""Pure twin of the native SentencePiece encoder (``_spencode.pxi``): text to ids in one call.

:class:`SentencePieceEncoder` encodes a whole text of a SentencePiece-style pipeline
(optionally SentencePiece's normalizer, optionally the Metaspace pre-tokenizer, a
Unigram or SentencePiece BPE model) without a ``NormalizedString`` or a ``PreToken``
per word: the normalizer's steps come from
:meth:`tokenlab.charsmap.CharsMap.segments`, SentencePiece's whitespace loop and the
Metaspace cut are written out flat, and each word is segmented by the model's own
:class:`~tokenlab._pyunigram.UnigramLattice` (or given to its word function). The tests
check that both twins give the ids, offsets and word indices of the general pipeline.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Sequence
from typing import Any

from ._pycommon import _check_id, _check_str, _Columns
from ._pyunigram import _SP_RESET, UnigramLattice, _float32

__all__ = ["SentencePieceEncoder"]

# Words kept in the per-encoder cache before it is cleared.
_CACHE_LIMIT = 1 << 18
# Longer words are segmented every time in a .model's Unigram (as the native twin).
_CACHE_MAX_WORD = 64
_SPACE = "\u2581"

Token = tuple[int, int, int]  # id, start, end (chars of the word)
# A .model Unigram word: its tokens, the scores of its exact best path's pieces, its
# score and its margin over every other path.
Scored = tuple[list[Token], list[float], float, float]


def _sp_safe(acc: float, margin: float, best: float, k: int, n: int, unk_score: float) -> bool:
    """Whether a word's exact best path (k pieces of n chars, score ``best``, ahead of
    every other path by ``margin``; no score above 0) is what sentencepiece's float32
    Viterbi picks from the running total ``acc`` (the native _sp_safe has the proof).
    """
    if abs(acc) + n * abs(unk_score) * (1.0 + 1e-6) + 1.0 > _SP_RESET:
        return False  # a rebase could happen inside the word
    x = 2.0 * (abs(acc) + abs(best)) * (1.0 + 1e-6) + 1e-30
    e = math.frexp(x)[1]
    return margin > (k + n) * math.ldexp(1.0, e - 25) + x * 1e-12


def _sp_fold(acc: float, scores: list[float]) -> float:
    """The running total after a path of these scores, each sum a float32 one."""
    for sc in scores:
        acc = _float32(acc + sc)
    return acc


_HAS_LEAF = 1 << 8
_LABEL_MASK = (1 << 31) | 0xFF
_VALUE_MASK = (1 << 31) - 1


class _Blob:
    """A ``precompiled_charsmap`` blob walked byte by byte, as the native twin walks it.

    The same walk as ``tokenlab.charsmap.CharsMap._segments_exact`` (the longest key at
    each byte; else one char copied, or U+FFFD for a byte that starts no valid char), with
    the native twin's checks and messages.
    """

    def __init__(self, blob: Any) -> None:
        if not isinstance(blob, bytes):
            raise TypeError(f"a precompiled charsmap must be bytes, got {type(blob).__name__}")
        self._units: list[int] = []
        self._values = b""
        if blob:
            if len(blob) < 8:
                raise ValueError("precompiled charsmap is truncated")
            size = int.from_bytes(blob[:4], "little")
            if size == 0 or size % 4 or size > len(blob) - 4:
                raise ValueError("precompiled charsmap has an inconsistent trie size")
            raw = blob[4 : 4 + size]
            self._units = [int.from_bytes(raw[i : i + 4], "little") for i in range(0, size, 4)]
            self._values = blob[4 + size :]

    def _longest(self, data: bytes, pos: int) -> tuple[int, int] | None:
        # (length in bytes, offset of the value) of the longest key at data[pos:], or None.
        units = self._units
        n = len(units)
        if not n:
            return None
        best = None
        node = _offset(units[0])
        for i in range(pos, len(data)):
            c = data[i]
            node ^= c
            if node >= n:
                break
            u = units[node]
            if u & _LABEL_MASK != c:
                break
            node ^= _offset(u)
            if u & _HAS_LEAF and node < n:
                best = (i + 1 - pos, units[node] & _VALUE_MASK)
        return best

    def segments(self, text: str) -> Iterator[tuple[int, int, str, bool]]:
        """``(start, end, output, matched)`` steps, as ``CharsMap.segments`` gives them."""
        data = text.encode("utf-8", "surrogatepass")
        char_at: list[int] = []
        for i, c in enumerate(text):
            char_at.extend([i] * len(c.encode("utf-8", "surrogatepass")))
        char_at.append(len(text))
        pos = 0
        while pos < len(data):
            best = self._longest(data, pos)
            s = char_at[pos]
            if best is not None:
                length, where = best
                end = self._values.find(b"\0", where)
                raw = self._values[where : end if end >= 0 else len(self._values)]
                yield s, char_at[pos + length - 1] + 1, raw.decode("utf-8", "replace"), True
                pos += length
                continue
            size = _utf8_size(data, pos)
            if size == 0:
                yield s, s + 1, "\ufffd", True
                pos += 1
            else:
                yield s, s + 1, text[s], False
                pos += size


def _offset(unit: int) -> int:
    # darts-clone: bits 10-31 hold the XOR offset, shifted left by 8 more when bit 9 is set.
    return (unit >> 10) << ((unit & (1 << 9)) >> 6)


def _utf8_size(data: bytes, pos: int) -> int:
    """Length of the valid UTF-8 char at ``data[pos]``, or 0 if the bytes are malformed."""
    for size in (1, 2, 3, 4):
        chunk = data[pos : pos + size]
        if len(chunk) < size:
            return 0
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            continue
        return size
    return 0


def _user_symbols(symbols: Any) -> dict[str, list[str]]:
    """First char -> the user-defined symbols starting with it, longest first."""
    if isinstance(symbols, str) or not all(isinstance(x, str) and x for x in symbols):
        raise TypeError("user-defined symbols must be non-empty strs")
    out: dict[str, list[str]] = {}
    for sym in sorted(set(symbols), key=lambda x: (-len(x.encode("utf-8", "surrogatepass")), x)):
        out.setdefault(sym[0], []).append(sym)
    return out


def _steps(text: str, segments: Any, user: dict[str, list[str]]) -> list[tuple[int, int, str]]:
    """SentencePiece's normalization steps ``(start, end, output)`` of ``text``.

    The charsmap's steps, an untouched run copied one char (one step) at a time; with
    user-defined symbols, SentencePiece's prefix matcher first: at each position its
    walk reaches, the longest symbol there is one step that writes itself.
    """
    if not user or not any(c in text for c in user):
        steps: list[tuple[int, int, str]] = []
        for start, end, out, matched in segments(text):
            if matched or end - start == 1:
                steps.append((start, end, out))
            else:
                steps.extend((i, i + 1, text[i]) for i in range(start, end))
        return steps
    steps = []
    pos = 0
    n = len(text)
    while pos < n:
        sym = next((x for x in user.get(text[pos], ()) if text.startswith(x, pos)), None)
        if sym is not None:
            steps.append((pos, pos + len(sym), sym))
            pos += len(sym)
            continue
        pos = _first_steps(text, pos, segments, steps)
    return steps


def _first_steps(text: str, pos: int, segments: Any, steps: list[tuple[int, int, str]]) -> int:
    """Append the charsmap's step(s) at ``pos`` (a lone surrogate is three steps of one
    char); returns where the next step starts. The walk runs on a window of the text,
    widened while its first step reaches the window's end (a longer key may match)."""
    size = 16
    while True:
        window = text[pos : pos + size]
        first = []
        for start, stop, out, matched in segments(window):
            if start:
                break
            first.append((pos, pos + (stop if matched else 1), out if matched else text[pos]))
        if first[-1][1] - pos < len(window) or pos + len(window) >= len(text):
            steps.extend(first)
            return first[-1][1]
        size *= 2


class SentencePieceEncoder(_Columns):
    """Text -> token ids (and offsets) of a SentencePiece-style pipeline in one call.

    The pipeline is: optionally SentencePiece's normalizer; optionally the Metaspace
    pre-tokenizer (else the whole normalized text is one word); then each word is
    either segmented by a Unigram ``lattice`` (Viterbi; runs of unknown chars fused
    into one ``unk_id`` token or, with ``byte_ids``, spelt as the byte pieces of
    their UTF-8), or given to a word function (a model's ``tokenize``). Words are
    cached.

    Args:
        lattice: the model's ``UnigramLattice`` (of this core), or a function
            ``word -> (ids, spans)`` giving a word's tokens and their char spans in it.
        unk_id: the id of the unknown token (lattices only).
        byte_ids: None (no byte fallback), or the id of each of the 256 byte pieces
            (None for a missing one: a run with such a byte stays unknown); lattices only.
        normalizer: None, or ``(charsmap, add_dummy_prefix, remove_extra_whitespaces,
            escape_whitespaces, treat_whitespace_as_suffix)``; ``charsmap`` is a
            ``precompiled_charsmap`` blob (empty: identity) or a ``CharsMap`` (any object
            with its ``segments``).
            Optionally two more: the user-defined symbols (kept out of normalization,
            longest first at each step, as SentencePiece's prefix matcher), and
            ``collapse_last``: a collapsed run of spaces keeps the span of its last
            space (``tokenizers``' Replace), not its first (SentencePiece).
        metaspace: None, or ``(replacement, prepend, split)``: spaces become the one
            char ``replacement``, which is put in front of a text that does not start
            with it when ``prepend``, and the text is cut before each one when ``split``.

    Raises:
        TypeError, ValueError: malformed arguments.

    >>> from tokenlab._pycore import UnigramLattice
    >>> lat = UnigramLattice(["<unk>", "▁a", "b", "▁"], [0.0, -1.0, -2.0, -3.0], 0, -12.0)
    >>> enc = SentencePieceEncoder(lat, 0, None, (b"", True, True, True, False), ("▁", True, True))
    >>> enc.encode("  a b c ")
    [1, 3, 2, 3, 0]
    """

    def __init__(
        self,
        lattice: Any,
        unk_id: int,
        byte_ids: Sequence[int | None] | None,
        normalizer: tuple[Any, bool, bool, bool, bool] | None,
        metaspace: tuple[str, bool, bool] | None,
    ) -> None:
        self._tokenize: Any = None
        self._merges = False
        if isinstance(lattice, tuple) and len(lattice) == 2:
            lattice, self._tokenize = lattice
            self._merges = True
            if not isinstance(lattice, UnigramLattice) or not callable(self._tokenize):
                raise TypeError("a merging segmenter is (UnigramLattice, word function)")
        if isinstance(lattice, UnigramLattice):
            self._lat = lattice
        elif callable(lattice):
            self._tokenize = lattice
        else:
            raise TypeError(
                "lattice must be a UnigramLattice, a word function or both, got "
                f"{type(lattice).__name__}"
            )
        self._unk = _check_id(unk_id, "unk_id")
        self._byte_ids: list[int | None] | None = None
        if byte_ids is not None:
            if len(byte_ids) != 256:
                raise ValueError(f"byte_ids must hold 256 ids, got {len(byte_ids)}")
            self._byte_ids = [None if b is None else _check_id(b, "byte id") for b in byte_ids]
        self._charsmap: Any = None
        self._user: dict[str, list[str]] = {}
        if normalizer is not None:
            if not isinstance(normalizer, tuple) or len(normalizer) not in (5, 6, 7):
                raise ValueError("normalizer must be a tuple of 5 to 7 items")
            charsmap, dummy, remove_ws, escape, suffix = normalizer[:5]
            self._user = _user_symbols(normalizer[5] if len(normalizer) > 5 else ())
            self._collapse_last = len(normalizer) > 6 and bool(normalizer[6])
            # A CharsMap (tokenlab.charsmap) is used as it is, by its segments(); the core
            # imports no component, so a blob is walked here (_Blob), as the native twin does.
            self._charsmap = charsmap if hasattr(charsmap, "segments") else _Blob(charsmap)
            self._dummy = bool(dummy)
            self._remove_ws = bool(remove_ws)
            self._space = _SPACE if escape else " "
            self._suffix = bool(suffix)
        self._rep: str | None = None
        if metaspace is not None:
            rep, prepend, split = metaspace
            if not isinstance(rep, str) or len(rep) != 1:
                raise ValueError(f"the Metaspace replacement must be one char, got {rep!r}")
            self._rep = rep
            self._prepend = bool(prepend)
            self._split = bool(split)
        self._cache: dict[str, list[Token]] = {}
        # A .model's Unigram: words scored in the text's running float32 total.
        self._ctx = self._tokenize is None and self._lat._f32
        self._bounded = self._ctx and self._lat._unk_score <= 0.0
        if self._ctx:
            self._bounded = self._bounded and all(
                hit[1] <= 0.0 for hit in self._lat._table.values()
            )
        self._scored: dict[str, Scored] = {}
        self._id_score = {pid: sc for pid, sc in self._lat._table.values()} if self._ctx else {}

    def __repr__(self) -> str:
        return (
            f"SentencePieceEncoder(normalize={self._charsmap is not None}, "
            f"metaspace={self._rep is not None}, byte_fallback={self._byte_ids is not None})"
        )

    def clear_cache(self) -> None:
        """Forget the cached words (they never change results, only speed)."""
        self._cache.clear()
        self._scored.clear()

    # -- 1. normalization ----------------------------------------------------------------

    def _normalize(self, text: str) -> tuple[str, list[int], list[int]]:
        """SentencePiece's normalization: the text and each char's source span."""
        assert self._charsmap is not None
        if not text:
            return "", [], []
        steps = _steps(text, self._charsmap.segments, self._user)
        space = self._space
        k = 0
        if self._remove_ws:
            while k < len(steps) and steps[k][2] == " ":
                k += 1
            if k == len(steps):
                return "", [], []
        consumed = steps[k][0]
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        if self._dummy and not self._suffix:
            chars.append(space)
            starts.append(consumed)
            ends.append(consumed)
        prev_space = self._remove_ws
        for start, end, out in steps[k:]:
            if prev_space:
                kept = out.lstrip(" ")
                if self._collapse_last and len(kept) < len(out) and chars and chars[-1] == space:
                    starts[-1], ends[-1] = start, end  # the run's last space
                out = kept
            if out:
                chars.extend(space if c == " " else c for c in out)
                starts.extend([start] * len(out))
                ends.extend([end] * len(out))
                prev_space = out[-1] == " "
            if not self._remove_ws:
                prev_space = False
            consumed = end
        if self._remove_ws:
            while chars and chars[-1] == space:
                chars.pop()
                ends.pop()
                consumed = starts.pop()
        if self._dummy and self._suffix:
            chars.append(space)
            starts.append(consumed)
            ends.append(consumed)
        return "".join(chars), starts, ends

    # -- 3. one word ---------------------------------------------------------------------

    def _word(self, word: str, acc: list[float]) -> list[Token]:
        # acc: the text's running total, for a .model's Unigram (_word_in_text).
        if self._ctx:
            return self._word_in_text(word, acc)
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        if self._merges:
            merged = self._merge(word)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = merged
            return merged
        if self._tokenize is not None:
            got_ids, got_spans = self._tokenize(word)
            if len(got_ids) != len(got_spans):
                raise ValueError("the word function gave as many ids as spans")
            found = [(tid, s, e) for tid, (s, e) in zip(got_ids, got_spans)]
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = found
            return found
        ids, spans = self._lat.encode(word, False)
        out = self._finish(word, ids, spans)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = out
        return out

    def _finish(self, word: str, ids: list[int], spans: list[tuple[int, int]]) -> list[Token]:
        """A lattice path as tokens: unknown runs fused, spelt as byte pieces with
        byte fallback."""
        unk = self._unk
        out: list[Token] = []
        k = 0
        while k < len(ids):
            tid, (start, end) = ids[k], spans[k]
            k += 1
            if tid != unk:
                out.append((tid, start, end))
                continue
            # A run of unknown ids (a matched "<unk>" piece too) is one token.
            while k < len(ids) and ids[k] == unk:
                end = spans[k][1]
                k += 1
            if self._byte_ids is not None:
                # Unigram._finish: a fused run that spells a piece (a typed "<unk>") is it.
                piece = self._lat._table.get(word[start:end])
                if piece is not None:
                    out.append((piece[0], start, end))
                    continue
                byte_ids = [
                    self._byte_ids[b] for b in word[start:end].encode("utf-8", "surrogatepass")
                ]
                if all(b is not None for b in byte_ids):
                    out.extend((b, start, end) for b in byte_ids)  # type: ignore[misc]
                    continue
            out.append((unk, start, end))
        return out

    def _path_tokens(self, word: str, path: list[tuple[int, int, int]]) -> list[Token]:
        """The tokens of a Viterbi path of ``word`` (as the lattice's ``encode``)."""
        ids, spans = self._lat._output(path, False)
        return self._finish(word, ids, spans)

    def _word_in_text(self, word: str, acc: list[float]) -> list[Token]:
        """A .model's Unigram word at the text's running total ``acc[0]`` (updated).

        sentencepiece scores the whole text as one float32 lattice, so a near tie in
        a word can fall otherwise deep in a text than at its start. The cache keeps
        each word's exact best path, score and margin over every other path; when
        the margin is larger than the float32 sums at this total can be off by
        (_sp_safe), the cached tokens stand, else the word is segmented again in the
        running total.
        """
        lat = self._lat
        if not -_SP_RESET <= acc[0] <= _SP_RESET:
            acc[0] = 0.0  # sentencepiece's rebase at this position (_viterbi_sp)
        n = len(word)
        hit = self._scored.get(word)
        if hit is not None:
            tokens, raw, best, margin = hit
            if _sp_safe(acc[0], margin, best, len(raw), n, lat._unk_score):
                acc[0] = _sp_fold(acc[0], raw)
                return tokens
        nodes = lat._nodes(word)
        if hit is None and n <= _CACHE_MAX_WORD and self._bounded:
            path, best, margin = lat._margin(n, nodes)
            tokens = self._path_tokens(word, path)
            raw = [lat._unk_score if pid < 0 else self._id_score[pid] for _, _, pid in path]
            if len(self._scored) >= _CACHE_LIMIT:
                self._scored.clear()
            self._scored[word] = (tokens, raw, best, margin)
            if _sp_safe(acc[0], margin, best, len(raw), n, lat._unk_score):
                acc[0] = _sp_fold(acc[0], raw)
                return tokens
        path, acc[0] = lat._viterbi_sp(n, nodes, False, acc[0])
        return self._path_tokens(word, path)

    def _merge(self, word: str) -> list[Token]:
        """SentencePieceBPE.tokenize for a model of normal pieces only, in O(n log n).

        From the chars, merge the adjacent pair whose concatenation is a piece of the
        highest score, leftmost on ties (the model's heap pops the same pairs), until
        none is; then unknown chars become their bytes, or runs of them one unknown
        token.
        """
        table = self._lat._table
        n = len(word)
        ends = list(range(1, n + 1))
        nxt = [*range(1, n), -1] if n else []
        prv = list(range(-1, n - 1))
        sym = [table.get(c, (-1, 0.0))[0] for c in word]

        def piece(a: int, c: int) -> tuple[int, float]:
            return table.get(word[a:c], (-1, 0.0))

        pair = [piece(i, i + 2) for i in range(n - 1)] + ([(-1, 0.0)] if n else [])
        # The best pair first: highest score, leftmost on ties; an entry is stale when
        # the pair now at its position is no piece or has another score.
        heap = [(-score, i) for i, (pid, score) in enumerate(pair) if pid >= 0]
        heapq.heapify(heap)
        while heap:
            neg, best = heapq.heappop(heap)
            pid, score = pair[best]
            if pid < 0 or -score != neg:
                continue
            j = nxt[best]
            sym[best] = pid
            ends[best] = ends[j]
            nxt[best] = nxt[j]
            if nxt[j] >= 0:
                prv[nxt[j]] = best
            pair[j] = (-1, 0.0)
            pair[best] = piece(best, ends[nxt[best]]) if nxt[best] >= 0 else (-1, 0.0)
            if pair[best][0] >= 0:
                heapq.heappush(heap, (-pair[best][1], best))
            p = prv[best]
            if p >= 0:
                pair[p] = piece(p, ends[best])
                if pair[p][0] >= 0:
                    heapq.heappush(heap, (-pair[p][1], p))
        out: list[Token] = []
        prev_unk = False
        i = 0 if n else -1
        while i >= 0:
            pid = sym[i]
            if pid >= 0:
                out.append((pid, i, ends[i]))
                prev_unk = False
            elif self._byte_ids is not None:
                out.extend(
                    (self._byte_ids[b], i, ends[i])  # type: ignore[misc]
                    for b in word[i].encode("utf-8", "surrogatepass")
                )
                prev_unk = False
            elif prev_unk:
                tid, start, _ = out[-1]
                out[-1] = (tid, start, ends[i])
            else:
                out.append((self._unk, i, ends[i]))
                prev_unk = True
            i = nxt[i]
        return out

    # -- the whole text ------------------------------------------------------------------

    def _words(
        self, text: str
    ) -> tuple[list[tuple[int, str, int]], list[int] | None, list[int] | None]:
        """The words of ``text``: ``(start in the normalized text, word, 1 if the
        replacement char was prepended to it else 0)``, and the normalized chars'
        source starts and ends (None without a normalizer)."""
        starts: list[int] | None = None
        ends: list[int] | None = None
        if self._charsmap is not None:
            text, starts, ends = self._normalize(text)
        if not text:
            return [], starts, ends
        rep = self._rep
        prepended = False
        if rep is None:
            bounds = [(0, len(text))]
        else:
            text = text.replace(" ", rep)
            if self._split:
                cuts = [i for i, c in enumerate(text) if c == rep and i]
                bounds = list(zip([0, *cuts], [*cuts, len(text)]))
            else:
                bounds = [(0, len(text))]
            prepended = self._prepend and not text.startswith(rep)
        words = []
        for ws, we in bounds:
            if prepended and ws == 0:
                words.append((ws, rep + text[ws:we], 1))  # type: ignore[operator]
            else:
                words.append((ws, text[ws:we], 0))
        return words, starts, ends

    def unknown_surfaces(self, text: str) -> list[str]:
        """The text each unknown token of ``text`` stands for, in order: its span of the
        word the model segmented (normalized, spaces as the Metaspace char)."""
        words, _, _ = self._words(_check_str(text))
        acc = [0.0]
        return [
            piece[s:e]
            for _, piece, _ in words
            for tid, s, e in self._word(piece, acc)
            if tid == self._unk
        ]

    def _encode(self, text: str, base: int, word_base: int, out: list[list[int]]) -> int:
        # Append ids, starts, ends and word indices of ``text`` to ``out``; returns words.
        bounds, starts, ends = self._words(text)
        ids_out, starts_out, ends_out, words_out = out
        acc = [0.0]
        for word, (ws, piece, shift) in enumerate(bounds, start=word_base):
            for tid, s, e in self._word(piece, acc):
                if not shift:
                    ns0, ns1 = ws + s, ws + e
                elif e <= 1:  # only the added char: aligned with the first real char
                    ns0, ns1 = ws, ws + 1
                else:
                    ns0, ns1 = ws + max(s, 1) - 1, ws + e - 1
                if starts is not None and ends is not None:
                    ns0, ns1 = starts[ns0], ends[ns1 - 1]
                ids_out.append(tid)
                starts_out.append(base + ns0)
                ends_out.append(base + ns1)
                words_out.append(word)
        return len(bounds)
