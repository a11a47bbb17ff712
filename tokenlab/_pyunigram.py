"""Pure twin of ``_unigram.pxi``: the Unigram language model and SentencePiece's seeds.

:class:`UnigramLattice` segments words against scored pieces (Viterbi, n-best,
sampling, forward-backward); :func:`top_substrings` finds the seed pieces of
SentencePiece's Unigram trainer; :func:`splitmix64` is the generator both cores
sample with.
"""

from __future__ import annotations

import math
import struct
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ._pycommon import MAX_ID, _check_corpus, _check_id

__all__ = [
    "CLASS_ALONE",
    "CLASS_ANY",
    "CLASS_FORBIDDEN",
    "CLASS_INHERITED",
    "CLASS_SPACE",
    "UNK_PENALTY",
    "UnigramLattice",
    "splitmix64",
    "top_substrings",
]

#: Character classes of ``top_substrings`` (SentencePiece's piece-validity rules).
#: Classes >= 0 are scripts: a piece may not mix two of them.
CLASS_FORBIDDEN = -1  # never inside a piece of two or more chars (U+2047, NUL, ...)
CLASS_SPACE = -2  # the word-boundary mark "▁": only as the first char of a piece
CLASS_INHERITED = -3  # combining marks: take the script of the char before
CLASS_ANY = -4  # matches every script (digits when split_by_number is off)
CLASS_ALONE = -5  # only as a piece of its own (digits with split_digits)

#: The penalty SentencePiece gives an unknown char below the lowest piece score.
UNK_PENALTY = 10.0

_MASK64 = (1 << 64) - 1
_NEG_INF = float("-inf")
_F32 = struct.Struct("f")
#: sentencepiece rebases its running float32 total when it passes this in size.
_SP_RESET = 100000.0


def _float32(x: float) -> float:
    """``x`` rounded to the nearest float32 (what a C ``float`` holds)."""
    return float(_F32.unpack(_F32.pack(x))[0])


def splitmix64(state: int) -> tuple[int, int]:
    """One step of the SplitMix64 generator (Steele, Lea and Flood, 2014).

    Args:
        state: the generator state, an int in ``[0, 2**64)``.

    Returns:
        ``(value, new_state)``: a uniformly distributed 64-bit value and the
        state to pass next time. Both cores compute the same sequence.

    >>> splitmix64(0)[0]
    16294208416658607535
    """
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31), state


def _log_add(a: float, b: float) -> float:
    # log(exp(a) + exp(b)) without overflow; the same expression as the native core.
    if a > b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))


class UnigramLattice:
    """Unigram-LM segmentation of words against a table of scored pieces.

    Every segmentation of a word is a path through its lattice: a node per
    piece that occurs at a position. A position where no one-char piece starts
    gets an unknown node of one char scored ``unk_score`` (SentencePiece's rule),
    so every word has a path. Node order, and so every tie-break, is fixed:
    start positions ascending, then piece length ascending, the unknown node
    last.

    Args:
        pieces: the piece of each id; ``None`` or ``""`` for an id that is never
            matched (control tokens). A piece listed twice matches its last id.
        scores: the log-probability of each id.
        unk_id: the id an unknown node reports.
        unk_score: the score of an unknown node (SentencePiece and Hugging Face
            use the lowest piece score minus ``UNK_PENALTY``).

    Raises:
        TypeError, ValueError: malformed pieces, scores or ids.

    >>> lat = UnigramLattice(["<unk>", "a", "b", "ab"], [0.0, -2.0, -2.0, -3.0], 0, -13.0)
    >>> lat.encode("abc")
    ([3, 0], [(0, 2), (2, 3)])
    """

    def __init__(
        self,
        pieces: Sequence[str | None],
        scores: Sequence[float],
        unk_id: int,
        unk_score: float,
        float32: bool = False,
    ) -> None:
        if len(pieces) != len(scores):
            raise ValueError(f"got {len(pieces)} pieces but {len(scores)} scores")
        self._unk = _check_id(unk_id, "unk_id")
        self._unk_score = float(unk_score)
        if not math.isfinite(self._unk_score):
            raise ValueError(f"unk_score must be finite, got {unk_score!r}")
        # sentencepiece sums a path's scores in float32, tokenizers in float64: near
        # ties between paths fall the other way (float32=True for a .model).
        self._f32 = bool(float32)
        if self._f32:
            self._unk_score = _float32(self._unk_score)
        self._table: dict[str, tuple[int, float]] = {}
        self._prefixes: set[str] = set()
        self._pieces: list[str | None] = []
        self._max_len = 0
        for i, (piece, score) in enumerate(zip(pieces, scores)):
            if piece is not None and not isinstance(piece, str):
                raise TypeError(f"pieces must be str or None, got {type(piece).__name__}")
            score = float(score)
            if not math.isfinite(score):
                raise ValueError(f"piece scores must be finite, got {score!r} for id {i}")
            _check_id(i, "piece id")
            self._pieces.append(piece or None)
            if piece:
                self._table[piece] = (i, score)
                for k in range(1, len(piece) + 1):
                    self._prefixes.add(piece[:k])
                self._max_len = max(self._max_len, len(piece))

    def __len__(self) -> int:
        return len(self._pieces)

    # -- the lattice ---------------------------------------------------------------------

    def _nodes(self, word: str) -> list[list[tuple[int, int, float]]]:
        """Per start position, its nodes as ``(end, id, score)``; id -1 is unknown."""
        n = len(word)
        table = self._table
        prefixes = self._prefixes
        max_len = self._max_len
        out: list[list[tuple[int, int, float]]] = []
        for i in range(n):
            here: list[tuple[int, int, float]] = []
            single = False
            for j in range(i + 1, min(n, i + max_len) + 1):
                s = word[i:j]
                if s not in prefixes:
                    break
                hit = table.get(s)
                if hit is not None:
                    here.append((j, hit[0], hit[1]))
                    if j == i + 1:
                        single = True
            if not single:
                here.append((i + 1, -1, self._unk_score))
            out.append(here)
        return out

    @staticmethod
    def _viterbi(
        n: int,
        nodes: list[list[tuple[int, int, float]]],
        skip_whole: bool = False,
        f32: bool = False,
    ) -> list[tuple[int, int, int]]:
        """The best path as ``(start, end, id)``; ties go to the earliest start."""
        if f32:
            return UnigramLattice._viterbi_sp(n, nodes, skip_whole)[0]
        best = [0.0] * (n + 1)
        back: list[tuple[int, int] | None] = [None] * (n + 1)
        for i in range(n):
            if i > 0 and back[i] is None:
                continue
            base = best[i]
            for j, pid, sc in nodes[i]:
                if skip_whole and i == 0 and j == n:
                    continue
                cand = base + sc
                if back[j] is None or cand > best[j]:
                    best[j] = cand
                    back[j] = (i, pid)
        return UnigramLattice._backtrack(back, n)

    @staticmethod
    def _viterbi_sp(
        n: int,
        nodes: list[list[tuple[int, int, float]]],
        skip_whole: bool = False,
        start: float = 0.0,
    ) -> tuple[list[tuple[int, int, int]], float]:
        """sentencepiece's Viterbi (0.2.3's ``EncodeOptimized``) from the running total
        ``start``: the best path and the total at its end.

        Every sum is a float32 one, a later candidate wins only when strictly larger,
        and when the total at a position passes 1e5 in size it is subtracted from
        every position reached so far (exact in float32), so sums round at a small
        magnitude again. Near ties fall as in sentencepiece only with the same steps.
        """
        best = [0.0] * (n + 1)
        best[0] = start
        back: list[tuple[int, int] | None] = [None] * (n + 1)
        for i in range(n):
            if i > 0 and back[i] is None:
                continue
            if not -_SP_RESET <= best[i] <= _SP_RESET:
                offset = best[i]
                for j in range(i, n + 1):
                    if j == i or back[j] is not None:
                        best[j] = _float32(best[j] - offset)
            base = best[i]
            for j, pid, sc in nodes[i]:
                if skip_whole and i == 0 and j == n:
                    continue
                cand = _float32(base + sc)
                if back[j] is None or cand > best[j]:
                    best[j] = cand
                    back[j] = (i, pid)
        return UnigramLattice._backtrack(back, n), best[n]

    @staticmethod
    def _margin(
        n: int, nodes: list[list[tuple[int, int, float]]]
    ) -> tuple[list[tuple[int, int, int]], float, float]:
        """The exact (double) best path, its score, and how far ahead of every other
        path it is (inf when there is none).

        The second best path leaves the best one at some node: the best prefix to
        that node's start, the node, and the best suffix from its end.
        """
        alpha = [0.0] * (n + 1)
        back: list[tuple[int, int] | None] = [None] * (n + 1)
        for i in range(n):
            if i > 0 and back[i] is None:
                continue
            for j, pid, sc in nodes[i]:
                cand = alpha[i] + sc
                if back[j] is None or cand > alpha[j]:
                    alpha[j] = cand
                    back[j] = (i, pid)
        beta = [_NEG_INF] * (n + 1)
        beta[n] = 0.0
        for i in range(n - 1, -1, -1):
            for j, _, sc in nodes[i]:
                beta[i] = max(beta[i], sc + beta[j])
        path = UnigramLattice._backtrack(back, n)
        if not path:
            return path, alpha[n], 0.0
        on_path = {(a, c) for a, c, _ in path}
        second = _NEG_INF
        for i in range(n):
            if i > 0 and back[i] is None:
                continue
            for j, _, sc in nodes[i]:
                if (i, j) not in on_path:
                    second = max(second, alpha[i] + sc + beta[j])
        return path, alpha[n], alpha[n] - second

    @staticmethod
    def _backtrack(back: list[tuple[int, int] | None], n: int) -> list[tuple[int, int, int]]:
        """The path ending at ``n`` from the back pointers, first piece first."""
        path: list[tuple[int, int, int]] = []
        j = n
        while j > 0:
            entry = back[j]
            if entry is None:
                return []
            path.append((entry[0], j, entry[1]))
            j = entry[0]
        path.reverse()
        return path

    def _output(
        self, path: Sequence[tuple[int, int, int]], fuse_unk: bool
    ) -> tuple[list[int], list[tuple[int, int]]]:
        ids: list[int] = []
        spans: list[tuple[int, int]] = []
        prev_unk = False
        for start, end, pid in path:
            if pid < 0:
                if fuse_unk and prev_unk:
                    spans[-1] = (spans[-1][0], end)
                    continue
                ids.append(self._unk)
                prev_unk = True
            else:
                ids.append(pid)
                prev_unk = False
            spans.append((start, end))
        return ids, spans

    # -- public surface ----------------------------------------------------------------

    def encode(self, word: str, fuse_unk: bool = True) -> tuple[list[int], list[tuple[int, int]]]:
        """The Viterbi (best-scoring) segmentation of ``word``.

        Args:
            word: the text to segment.
            fuse_unk: report a run of unknown chars as one unknown token (what
                SentencePiece and Hugging Face do).

        Returns:
            ``(ids, spans)``: piece ids and their ``(start, end)`` char offsets.
        """
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        n = len(word)
        return self._output(self._viterbi(n, self._nodes(word), f32=self._f32), fuse_unk)

    def nbest(self, word: str, size: int) -> list[tuple[list[int], list[tuple[int, int]], float]]:
        """The ``size`` best segmentations, best first, as ``(ids, spans, score)``.

        Unknown chars are not fused (each is a node of the lattice). Among
        paths of equal score the order is fixed: the one whose last differing
        piece starts earlier comes first.
        """
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"size must be an int >= 1, got {size!r}")
        n = len(word)
        if n == 0:
            return [([], [], 0.0)]
        nodes = self._nodes(word)
        # lists[j]: up to `size` entries (score, start, rank in lists[start], id).
        lists: list[list[tuple[float, int, int, int]]] = [[] for _ in range(n + 1)]
        lists[0] = [(0.0, -1, -1, -1)]
        for i in range(n):
            src = lists[i]
            if i > 0:
                src.sort(key=_neg_score)
                del src[size:]
            for j, pid, sc in nodes[i]:
                dst = lists[j]
                for r, entry in enumerate(src):
                    dst.append((entry[0] + sc, i, r, pid))
        final = lists[n]
        final.sort(key=_neg_score)
        del final[size:]
        out = []
        for top in final:
            path: list[tuple[int, int, int]] = []
            j = n
            entry = top
            while j > 0:
                path.append((entry[1], j, entry[3]))
                j, entry = entry[1], lists[entry[1]][entry[2]]
            path.reverse()
            ids, spans = self._output(path, False)
            out.append((ids, spans, top[0]))
        return out

    def sample(
        self, word: str, theta: float, state: int
    ) -> tuple[list[int], list[tuple[int, int]], int]:
        """Draw a segmentation with probability proportional to ``exp(theta * score)``.

        Forward filtering, backward sampling over the whole lattice (the
        ``nbest_size < 0`` mode of SentencePiece's subword regularization), with
        the SplitMix64 generator: one draw per emitted piece.

        Args:
            word: the text to segment.
            theta: the inverse temperature (SentencePiece's ``alpha``).
            state: the generator state, an int in ``[0, 2**64)``.

        Returns:
            ``(ids, spans, new_state)``; unknown chars are not fused.
        """
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if not isinstance(state, int) or not 0 <= state <= _MASK64:
            raise ValueError(f"state must be an int in [0, 2**64), got {state!r}")
        theta = float(theta)
        n = len(word)
        nodes = self._nodes(word)
        alpha = [_NEG_INF] * (n + 1)
        alpha[0] = 0.0
        ends: list[list[tuple[int, int, float]]] = [[] for _ in range(n + 1)]
        for i in range(n):
            base = alpha[i]
            for j, pid, sc in nodes[i]:
                ends[j].append((i, pid, sc))
                x = base + theta * sc
                alpha[j] = x if alpha[j] == _NEG_INF else _log_add(alpha[j], x)
        path: list[tuple[int, int, int]] = []
        j = n
        while j > 0:
            cands = ends[j]
            probs = [math.exp(alpha[i] + theta * sc - alpha[j]) for i, _, sc in cands]
            total = 0.0
            for p in probs:
                total += p
            value, state = splitmix64(state)
            target = (value >> 11) * (1.0 / 9007199254740992.0) * total
            pick = len(cands) - 1
            acc = 0.0
            for k, p in enumerate(probs):
                acc += p
                if target < acc:
                    pick = k
                    break
            i, pid, _ = cands[pick]
            path.append((i, j, pid))
            j = i
        path.reverse()
        ids, spans = self._output(path, False)
        return ids, spans, state

    def expected_counts(
        self, words: Sequence[str], freqs: Sequence[int]
    ) -> tuple[list[float], float]:
        """The E-step: expected piece counts over a corpus, by forward-backward.

        Args:
            words: the unique words.
            freqs: the frequency of each word.

        Returns:
            ``(expected, log_likelihood)``: the expected count of each piece id
            (unknown nodes count for nothing), and the sum over words of
            ``freq * log Z(word)``.
        """
        _check_corpus(words, freqs)
        expected = [0.0] * len(self._pieces)
        loglik = self._add_marginals(zip(words, freqs), expected)
        return expected, loglik

    def expected_counts_part(
        self,
        cps: Any,
        offsets: Any,
        freqs: Any,
        start: int,
        step: int,
        out: Any,
    ) -> float:
        """The E-step over every ``step``-th word of a packed table, added to ``out``.

        Args:
            cps: the code points of all words, concatenated (a uint32 array).
            offsets: word ``w`` is ``cps[offsets[w]:offsets[w + 1]]`` (int64).
            freqs: the frequency of each word (float64).
            start, step: the words ``start, start + step, ...`` are done.
            out: a float64 array, one entry per id; the expected counts are
                added to it, word after word (the native core releases the GIL
                meanwhile, so several parts can run in threads).

        Returns:
            The sum over those words of ``freq * log Z(word)``.
        """
        nw = len(offsets) - 1
        if len(freqs) != nw or len(out) != len(self._pieces) or step < 1 or start < 0:
            raise ValueError("expected_counts_part: inconsistent table, out size or range")
        acc = out.tolist()
        loglik = self._add_marginals(_packed_words(cps, offsets, freqs, start, step), acc)
        out[:] = acc
        return loglik

    def viterbi_counts_part(
        self, cps: Any, offsets: Any, freqs: Any, start: int, step: int, out: Any
    ) -> None:
        """:meth:`viterbi_counts` over every ``step``-th word of a packed table, into ``out``."""
        nw = len(offsets) - 1
        if len(freqs) != nw or len(out) != len(self._pieces) or step < 1 or start < 0:
            raise ValueError("viterbi_counts_part: inconsistent table, out size or range")
        acc = out.tolist()
        for word, freq in _packed_words(cps, offsets, freqs, start, step):
            for _, _, pid in self._viterbi(len(word), self._nodes(word), f32=self._f32):
                if pid >= 0:
                    acc[pid] += freq
        out[:] = acc

    def _add_marginals(self, items: Iterable[tuple[str, Any]], expected: list[float]) -> float:
        """Add freq x the marginal of every piece node to ``expected``; return log-likelihood."""
        loglik = 0.0
        for word, freq in items:
            n = len(word)
            if n == 0:
                continue
            nodes = self._nodes(word)
            alpha = [_NEG_INF] * (n + 1)
            beta = [_NEG_INF] * (n + 1)
            alpha[0] = 0.0
            beta[n] = 0.0
            for i in range(n):
                base = alpha[i]
                for j, _, sc in nodes[i]:
                    x = base + sc
                    alpha[j] = x if alpha[j] == _NEG_INF else _log_add(alpha[j], x)
            for i in range(n - 1, -1, -1):
                acc = _NEG_INF
                for j, _, sc in nodes[i]:
                    x = sc + beta[j]
                    acc = x if acc == _NEG_INF else _log_add(acc, x)
                beta[i] = acc
            z = alpha[n]
            f = float(freq)
            for i in range(n):
                a = alpha[i]
                for j, pid, sc in nodes[i]:
                    if pid >= 0:
                        expected[pid] += f * math.exp(a + sc + beta[j] - z)
            loglik += f * z
        return loglik

    def viterbi_counts(self, words: Sequence[str], freqs: Sequence[int]) -> list[int]:
        """How often each piece id is on the Viterbi path, weighted by word frequency."""
        _check_corpus(words, freqs)
        counts = [0] * len(self._pieces)
        for word, freq in zip(words, freqs):
            for _, _, pid in self._viterbi(len(word), self._nodes(word), f32=self._f32):
                if pid >= 0:
                    counts[pid] += freq
        return counts

    def alternatives(self) -> list[list[int] | None]:
        """For each piece, how it is segmented once it is removed (for pruning).

        Returns:
            Per id: ``None`` if the piece's own best segmentation is not the piece
            itself (it can go at no cost); ``[]`` if it has no other
            segmentation (a single char, or an unmatched id); else the ids of its
            best segmentation without it (-1 for an unknown char).
        """
        out: list[list[int] | None] = []
        for piece in self._pieces:
            if piece is None or len(piece) == 1:
                out.append([])
                continue
            n = len(piece)
            nodes = self._nodes(piece)
            best = self._viterbi(n, nodes, f32=self._f32)
            if len(best) != 1:
                out.append(None)
                continue
            out.append(
                [pid for _, _, pid in self._viterbi(n, nodes, skip_whole=True, f32=self._f32)]
            )
        return out


_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"


def _packed_words(
    cps: Any, offsets: Any, freqs: Any, start: int, step: int
) -> Iterator[tuple[str, Any]]:
    """``(word, freq)`` for the words ``start, start + step, ...`` of a packed table."""
    raw = bytes(memoryview(cps).cast("B"))
    for w in range(start, len(offsets) - 1, step):
        a, b = int(offsets[w]), int(offsets[w + 1])
        yield raw[4 * a : 4 * b].decode(_UTF32), freqs[w].item()


def _neg_score(entry: tuple[float, int, int, int]) -> float:
    return -entry[0]


def _check_substring_options(char_classes: Mapping[str, int], max_len: int, limit: int) -> None:
    for name, value in (("max_len", max_len), ("limit", limit)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if not -1 <= value <= MAX_ID:
            raise ValueError(f"{name} must be between 0 and {MAX_ID}, got {value}")
    for ch, cls in char_classes.items():
        if not isinstance(ch, str) or not isinstance(cls, int) or isinstance(cls, bool):
            raise TypeError(f"char_classes must map str -> int, got {ch!r}: {cls!r}")
        if len(ch) != 1 or not CLASS_ALONE <= cls <= MAX_ID:
            raise ValueError(f"char_classes: bad entry {ch!r}: {cls!r}")


_NEXT_WORD = "▁▁"  # what follows a word inside a sentence (never a char)


def top_substrings(
    words: Sequence[str],
    freqs: Sequence[int],
    char_classes: Mapping[str, int],
    max_len: int,
    limit: int,
    ends: Sequence[int] | None = None,
) -> list[tuple[str, int]]:
    """The most frequent valid substrings of a corpus: SentencePiece's seed pieces.

    A candidate is a substring of two to ``max_len`` chars that is a valid piece
    under ``char_classes`` (see the ``CLASS_*`` constants; a char missing from the
    map is ``CLASS_FORBIDDEN``) and is followed, over its occurrences, by at
    least two different things: the internal nodes of a suffix tree, which is
    what SentencePiece enumerates over its sentences. Here the text is unique
    words, and what follows the end of a word is what SentencePiece sees in the
    sentences: the ``▁`` of the next word, or the end of the sentence for the
    ``ends[w]`` occurrences of word ``w`` that end a sentence (None: none do).
    So a substring seen only at the end of words, never at a sentence end, is
    not a candidate. (Counting each word end as a different follower instead
    seeds about 10% more pieces, mostly whole words, and after training
    compresses held-out English about 1.9% worse.) Its frequency counts every
    occurrence (overlapping ones too), weighted by word frequency.

    Args:
        words: the unique words.
        freqs: the frequency of each word.
        char_classes: char -> class.
        max_len: the longest piece, in chars.
        limit: how many candidates to return.
        ends: per word, how many of its occurrences end a sentence.

    Returns:
        Up to ``limit`` ``(substring, frequency)`` pairs, by frequency x length
        descending, then by substring (code-point order).
    """
    _check_corpus(words, freqs)
    _check_substring_options(char_classes, max_len, limit)
    if max_len < 1 or limit < 0:
        raise ValueError(f"max_len must be >= 1 and limit >= 0, got {max_len}, {limit}")
    if ends is not None and len(ends) != len(words):
        raise ValueError(f"got {len(words)} words but {len(ends)} ends")
    # stats[substring] = [frequency, first follower, branching]; after a word: "▁"
    # (the next word) or "" (the end of the sentence).
    stats: dict[str, list] = {}
    for w, (word, freq) in enumerate(zip(words, freqs)):
        n = len(word)
        end = ends[w] if ends is not None else 0
        after = _NEXT_WORD if end < freq else ""
        cls = [char_classes.get(ch, CLASS_FORBIDDEN) for ch in word]
        for i in range(n):
            first = cls[i]
            if first in (CLASS_FORBIDDEN, CLASS_ALONE):
                continue
            prev = CLASS_ANY
            if first != CLASS_SPACE:
                prev = first if first != CLASS_INHERITED else CLASS_ANY
            for j in range(i + 1, min(n, i + max_len)):
                c = cls[j]
                if c in (CLASS_FORBIDDEN, CLASS_SPACE, CLASS_ALONE):
                    break
                s = prev if c == CLASS_INHERITED else c
                if s != CLASS_ANY and prev != CLASS_ANY and s != prev:
                    break
                prev = s
                key = word[i : j + 1]
                nxt = word[j + 1] if j + 1 < n else after
                # A word that ends some sentences but not all has both followers.
                both = j + 1 == n and 0 < end < freq
                entry = stats.get(key)
                if entry is None:
                    stats[key] = [freq, nxt, both]
                else:
                    entry[0] += freq
                    if not entry[2] and (entry[1] != nxt or both):
                        entry[2] = True
    cands = [(-(e[0] * len(k)), k, e[0]) for k, e in stats.items() if e[2]]
    cands.sort()
    return [(k, f) for _, k, f in cands[:limit]]
