# Included from _core.pyx: the Unigram language model and SentencePiece's seed pieces.
# Twin of _pyunigram.py.

# -- Unigram language model: lattice, Viterbi, forward-backward, n-best, sampling ------
# The algorithms and every tie-break are documented in ``_pyunigram.UnigramLattice``;
# here the same arithmetic runs on C++ containers, in the same order, so both
# cores return the same floats bit for bit.


from libc.math cimport INFINITY, exp, fabs, isfinite, log1p
from libc.stdint cimport uint8_t
from libcpp.algorithm cimport nth_element

CLASS_FORBIDDEN = -1
CLASS_SPACE = -2
CLASS_INHERITED = -3
CLASS_ANY = -4
CLASS_ALONE = -5
UNK_PENALTY = 10.0

cdef uint32_t _ROOT_SPAN = 0x3000   # code points whose root child sits in an array
cdef int32_t _C_FORBIDDEN = -1
cdef int32_t _C_SPACE = -2
cdef int32_t _C_INHERITED = -3
cdef int32_t _C_ANY = -4
cdef int32_t _C_ALONE = -5
cdef double _INV_2_53 = 1.0 / 9007199254740992.0
# sentencepiece rebases its running float32 total when it passes this in size.
cdef double _SP_RESET = 100000.0
cdef object _MASK64 = (1 << 64) - 1


def _check_substring_options(char_classes, max_len, limit):
    """Entry checks of ``top_substrings``, as ``_pyunigram._check_substring_options``."""
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


cdef inline uint64_t _splitmix64(uint64_t* state) noexcept nogil:
    cdef uint64_t z
    state[0] += <uint64_t>0x9E3779B97F4A7C15
    z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EB
    return z ^ (z >> 31)


cdef inline double _log_add(double a, double b) noexcept nogil:
    if a > b:
        return a + log1p(exp(b - a))
    return b + log1p(exp(a - b))


def splitmix64(state):
    """One step of SplitMix64: ``(value, new_state)``; see ``_pyunigram.splitmix64``.

    >>> splitmix64(0)[0]
    16294208416658607535
    """
    if not isinstance(state, int) or not 0 <= state <= _MASK64:
        raise ValueError(f"state must be an int in [0, 2**64), got {state!r}")
    cdef uint64_t s = state
    cdef uint64_t value = _splitmix64(&s)
    return value, s


cdef class UnigramLattice:
    """Unigram-LM segmentation against scored pieces; same surface as ``_pycore``'s.

    Pieces live in a trie of code points (a hash of ``(node, code point)`` ->
    child), so the nodes starting at a position are found in one walk.

    >>> lat = UnigramLattice(["<unk>", "a", "b", "ab"], [0.0, -2.0, -2.0, -3.0], 0, -13.0)
    >>> lat.encode("abc")
    ([3, 0], [(0, 2), (2, 3)])
    """

    def __init__(self, pieces, scores, unk_id, unk_score, float32=False):
        cdef Py_ssize_t i
        cdef int32_t node, length, child
        cdef uint64_t key
        cdef double score
        cdef Py_UCS4 ch
        if len(pieces) != len(scores):
            raise ValueError(f"got {len(pieces)} pieces but {len(scores)} scores")
        self._unk = _check_id(unk_id, "unk_id")
        self._unk_score = float(unk_score)
        if not isfinite(self._unk_score):
            raise ValueError(f"unk_score must be finite, got {unk_score!r}")
        # sentencepiece sums a path's scores in float32, tokenizers in float64: near
        # ties between paths fall the other way (float32=True for a .model).
        self._f32 = bool(float32)
        if self._f32:
            self._unk_score = <double><float>self._unk_score
        self._pieces = []
        self._max_len = 0
        self._node_id.push_back(-1)  # the root
        self._root.assign(_ROOT_SPAN, -1)
        for i in range(len(pieces)):
            piece = pieces[i]
            if piece is not None and not isinstance(piece, str):
                raise TypeError(f"pieces must be str or None, got {type(piece).__name__}")
            score = float(scores[i])
            if not isfinite(score):
                raise ValueError(f"piece scores must be finite, got {score!r} for id {i}")
            _check_id(i, "piece id")
            self._scores.push_back(score)
            self._pieces.append(piece or None)
            if not piece:
                continue
            node = 0
            length = 0
            for ch in <str>piece:
                key = ((<uint64_t>node) << 21) | <uint64_t>ch
                child = self._trie.find(key, -1)
                if child >= 0:
                    node = child
                else:
                    self._trie.put(key, <int32_t>self._node_id.size())
                    if node == 0 and ch < _ROOT_SPAN:
                        self._root[ch] = <int32_t>self._node_id.size()
                    node = <int32_t>self._node_id.size()
                    self._node_id.push_back(-1)
                length += 1
            self._node_id[node] = <int32_t>i
            if length > self._max_len:
                self._max_len = length

    def __len__(self):
        return len(self._pieces)

    # -- kernels ------------------------------------------------------------------------

    cdef Py_ssize_t _load(self, str word) except -1:
        cdef Py_UCS4 ch
        cdef LatticeWork* wk = &self._w
        wk.cps.clear()
        for ch in word:
            wk.cps.push_back(<uint32_t>ch)
        return <Py_ssize_t>wk.cps.size()

    cdef void _build(self, LatticeWork* wk, Py_ssize_t n) noexcept nogil:
        cdef Py_ssize_t i, j, stop
        cdef int32_t node, pid
        cdef bint single
        cdef LatticeNode* nd_at
        wk.nodes.clear()
        wk.first.resize(n + 1)
        for i in range(n):
            wk.first[i] = <int32_t>wk.nodes.size()
            node = 0
            single = False
            stop = i + self._max_len
            if stop > n:
                stop = n
            for j in range(i, stop):
                if j == i and wk.cps[j] < _ROOT_SPAN:
                    # The first step, the most frequent lookup, without hashing.
                    node = self._root[wk.cps[j]]
                    if node < 0:
                        break
                else:
                    node = self._trie.find(((<uint64_t>node) << 21) | <uint64_t>wk.cps[j], -1)
                    if node < 0:
                        break
                pid = self._node_id[node]
                if pid >= 0:
                    # Fields written in place: a struct built on the stack and then
                    # copied whole stalls on the store buffer (measured: a third of
                    # the time of encoding new words).
                    wk.nodes.resize(wk.nodes.size() + 1)
                    nd_at = &wk.nodes.back()
                    nd_at.end = <int32_t>(j + 1)
                    nd_at.id = pid
                    nd_at.score = self._scores[pid]
                    if j == i:
                        single = True
            if not single:
                wk.nodes.resize(wk.nodes.size() + 1)
                nd_at = &wk.nodes.back()
                nd_at.end = <int32_t>(i + 1)
                nd_at.id = -1
                nd_at.score = self._unk_score
        wk.first[n] = <int32_t>wk.nodes.size()

    cdef Py_ssize_t _viterbi(self, LatticeWork* wk, Py_ssize_t n, bint skip_whole) noexcept nogil:
        # Fills _path with (start, end, id) triples; returns the number of pieces
        # (0 if there is no path).
        cdef Py_ssize_t i, k
        cdef double cand
        cdef LatticeNode* nd
        if self._f32:
            return self._viterbi_sp(wk, n, skip_whole, 0.0)
        wk.alpha.resize(n + 1)
        wk.back_start.assign(n + 1, -1)
        wk.back_id.resize(n + 1)
        wk.alpha[0] = 0.0
        for i in range(n):
            if i > 0 and wk.back_start[i] < 0:
                continue
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                if skip_whole and i == 0 and nd.end == n:
                    continue
                cand = wk.alpha[i] + nd.score
                if wk.back_start[nd.end] < 0 or cand > wk.alpha[nd.end]:
                    wk.alpha[nd.end] = cand
                    wk.back_start[nd.end] = <int32_t>i
                    wk.back_id[nd.end] = nd.id
        return self._backtrack(wk, n)

    cdef Py_ssize_t _viterbi_sp(self, LatticeWork* wk, Py_ssize_t n, bint skip_whole,
                                double start) noexcept nogil:
        # sentencepiece's Viterbi (0.2.3's unigram_model.cc, EncodeOptimized), from a
        # running total `start` (the best score of the text before this word): every
        # sum is a float32 one, a later candidate wins only when strictly larger, and
        # when the total at a position passes 1e5 in size, it is subtracted from every
        # position reached so far (exact in float32: they are within a factor 2), so
        # the sums round at a small magnitude again. Near ties fall as in
        # sentencepiece only with the same steps.
        cdef Py_ssize_t i, j, k
        cdef double cand, offset
        cdef LatticeNode* nd
        wk.alpha.resize(n + 1)
        wk.back_start.assign(n + 1, -1)
        wk.back_id.resize(n + 1)
        wk.alpha[0] = start
        for i in range(n):
            if i > 0 and wk.back_start[i] < 0:
                continue
            if wk.alpha[i] < -_SP_RESET or wk.alpha[i] > _SP_RESET:
                offset = wk.alpha[i]
                for j in range(i, n + 1):
                    if j == i or wk.back_start[j] >= 0:
                        wk.alpha[j] = <double><float>(wk.alpha[j] - offset)
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                if skip_whole and i == 0 and nd.end == n:
                    continue
                cand = <double><float>(wk.alpha[i] + nd.score)
                if wk.back_start[nd.end] < 0 or cand > wk.alpha[nd.end]:
                    wk.alpha[nd.end] = cand
                    wk.back_start[nd.end] = <int32_t>i
                    wk.back_id[nd.end] = nd.id
        return self._backtrack(wk, n)

    cdef double _margin(self, LatticeWork* wk, Py_ssize_t n) noexcept nogil:
        # The exact (double) best path of the built lattice into _path, its score into
        # alpha[n], and how far ahead of every other path it is (the second best path
        # leaves the best one at some node: the best prefix to that node's start, the
        # node, the best suffix from its end). INFINITY when there is no other path.
        cdef Py_ssize_t i, k, count
        cdef double cand, second = -INFINITY
        cdef LatticeNode* nd
        cdef vector[uint8_t] on_path
        wk.alpha.resize(n + 1)
        wk.beta.assign(n + 1, -INFINITY)
        wk.back_start.assign(n + 1, -1)
        wk.back_id.resize(n + 1)
        wk.alpha[0] = 0.0
        wk.beta[n] = 0.0
        for i in range(n):
            if i > 0 and wk.back_start[i] < 0:
                continue
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                cand = wk.alpha[i] + nd.score
                if wk.back_start[nd.end] < 0 or cand > wk.alpha[nd.end]:
                    wk.alpha[nd.end] = cand
                    wk.back_start[nd.end] = <int32_t>i
                    wk.back_id[nd.end] = nd.id
        for i in range(n - 1, -1, -1):
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                cand = nd.score + wk.beta[nd.end]
                if cand > wk.beta[i]:
                    wk.beta[i] = cand
        count = self._backtrack(wk, n)
        if count == 0:
            return 0.0
        on_path.assign(n + 1, 0)
        for k in range(count):
            on_path[wk.path[3 * k + 1]] = 1
        for i in range(n):
            if i > 0 and wk.back_start[i] < 0:
                continue
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                if on_path[nd.end] and wk.back_start[nd.end] == i:
                    continue
                cand = wk.alpha[i] + nd.score + wk.beta[nd.end]
                if cand > second:
                    second = cand
        return wk.alpha[n] - second

    cdef Py_ssize_t _backtrack(self, LatticeWork* wk, Py_ssize_t n) noexcept nogil:
        # The path ending at n from the back pointers, last piece first.
        cdef Py_ssize_t j, count
        wk.path.clear()
        j = n
        count = 0
        while j > 0:
            if wk.back_start[j] < 0:
                wk.path.clear()
                return 0
            wk.path.push_back(wk.back_start[j])
            wk.path.push_back(<int32_t>j)
            wk.path.push_back(wk.back_id[j])
            j = wk.back_start[j]
            count += 1
        return count

    cdef double _forward_backward(self, LatticeWork* wk, Py_ssize_t n, double freq,
                                  double* expected) noexcept nogil:
        # Adds freq x the marginal of every piece node to expected; returns log Z.
        cdef Py_ssize_t i, k
        cdef double x, acc, z, a
        cdef LatticeNode* nd
        cdef double neg_inf = -INFINITY
        wk.alpha.assign(n + 1, neg_inf)
        wk.beta.assign(n + 1, neg_inf)
        wk.alpha[0] = 0.0
        wk.beta[n] = 0.0
        for i in range(n):
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                x = wk.alpha[i] + nd.score
                if wk.alpha[nd.end] == neg_inf:
                    wk.alpha[nd.end] = x
                else:
                    wk.alpha[nd.end] = _log_add(wk.alpha[nd.end], x)
        for i in range(n - 1, -1, -1):
            acc = neg_inf
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                x = nd.score + wk.beta[nd.end]
                if acc == neg_inf:
                    acc = x
                else:
                    acc = _log_add(acc, x)
            wk.beta[i] = acc
        z = wk.alpha[n]
        for i in range(n):
            a = wk.alpha[i]
            for k in range(wk.first[i], wk.first[i + 1]):
                nd = &wk.nodes[k]
                if nd.id >= 0:
                    expected[nd.id] += freq * exp(a + nd.score + wk.beta[nd.end] - z)
        return z

    cdef _output(self, Py_ssize_t count, bint fuse_unk):
        cdef LatticeWork* wk = &self._w
        # _path holds the pieces last to first.
        cdef Py_ssize_t k
        cdef int32_t start, end, pid
        cdef bint prev_unk = False
        ids = []
        spans = []
        for k in range(count - 1, -1, -1):
            start = wk.path[3 * k]
            end = wk.path[3 * k + 1]
            pid = wk.path[3 * k + 2]
            if pid < 0:
                if fuse_unk and prev_unk:
                    spans[len(spans) - 1] = (spans[len(spans) - 1][0], end)
                    continue
                ids.append(self._unk)
                prev_unk = True
            else:
                ids.append(pid)
                prev_unk = False
            spans.append((start, end))
        return ids, spans

    # -- public surface -------------------------------------------------------------------

    def encode(self, word, fuse_unk=True):
        """The Viterbi segmentation of ``word`` as ``(ids, spans)``."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t n, count
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        n = self._load(word)
        with nogil:
            self._build(wk, n)
            count = self._viterbi(wk, n, False)
        return self._output(count, bool(fuse_unk))

    def nbest(self, word, size):
        """The ``size`` best segmentations as ``(ids, spans, score)``, best first."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t n, i, j, k, r, m, q
        cdef vector[vector[NBestEntry]] lists
        cdef NBestEntry e, cur
        cdef LatticeNode* nd
        cdef int32_t cap
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"size must be an int >= 1, got {size!r}")
        n = self._load(word)
        if n == 0:
            return [([], [], 0.0)]
        cap = <int32_t>min(size, 2 ** 30)
        with nogil:
            self._build(wk, n)
            lists.resize(n + 1)
            e.score = 0.0
            e.start = -1
            e.rank = -1
            e.id = -1
            lists[0].push_back(e)
            for i in range(n + 1):
                if i > 0:
                    # Stable insertion sort, best score first, then keep `cap`.
                    m = <Py_ssize_t>lists[i].size()
                    for j in range(1, m):
                        cur = lists[i][j]
                        q = j
                        while q > 0 and lists[i][q - 1].score < cur.score:
                            lists[i][q] = lists[i][q - 1]
                            q -= 1
                        lists[i][q] = cur
                    if m > cap:
                        lists[i].resize(cap)
                if i == n:
                    break
                for k in range(wk.first[i], wk.first[i + 1]):
                    nd = &wk.nodes[k]
                    for r in range(<Py_ssize_t>lists[i].size()):
                        e.score = lists[i][r].score + nd.score
                        e.start = <int32_t>i
                        e.rank = <int32_t>r
                        e.id = nd.id
                        lists[nd.end].push_back(e)
        out = []
        for r in range(<Py_ssize_t>lists[n].size()):
            wk.path.clear()
            j = n
            e = lists[n][r]
            while j > 0:
                wk.path.push_back(e.start)
                wk.path.push_back(<int32_t>j)
                wk.path.push_back(e.id)
                j = e.start
                e = lists[j][e.rank]
            ids, spans = self._output(<Py_ssize_t>(wk.path.size() // 3), False)
            out.append((ids, spans, lists[n][r].score))
        return out

    def sample(self, word, theta, state):
        """Draw a segmentation by forward filtering, backward sampling.

        Returns:
            ``(ids, spans, new_state)``; see ``_pyunigram.UnigramLattice.sample``.
        """
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t n, i, j, k, pick, count
        cdef double th, x, total, target, acc
        cdef uint64_t s, value
        cdef LatticeNode* nd
        cdef vector[vector[int32_t]] ends   # node indices ending at j, starts ascending
        cdef vector[int32_t] starts
        cdef vector[double] probs
        cdef double neg_inf = -INFINITY
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__}")
        if not isinstance(state, int) or not 0 <= state <= _MASK64:
            raise ValueError(f"state must be an int in [0, 2**64), got {state!r}")
        th = float(theta)
        s = state
        n = self._load(word)
        with nogil:
            self._build(wk, n)
            starts.resize(wk.nodes.size())
            ends.resize(n + 1)
            wk.alpha.assign(n + 1, neg_inf)
            wk.alpha[0] = 0.0
            for i in range(n):
                for k in range(wk.first[i], wk.first[i + 1]):
                    nd = &wk.nodes[k]
                    starts[k] = <int32_t>i
                    ends[nd.end].push_back(<int32_t>k)
                    x = wk.alpha[i] + th * nd.score
                    if wk.alpha[nd.end] == neg_inf:
                        wk.alpha[nd.end] = x
                    else:
                        wk.alpha[nd.end] = _log_add(wk.alpha[nd.end], x)
            wk.path.clear()
            j = n
            count = 0
            while j > 0:
                probs.clear()
                total = 0.0
                for k in range(<Py_ssize_t>ends[j].size()):
                    nd = &wk.nodes[ends[j][k]]
                    x = exp(wk.alpha[starts[ends[j][k]]] + th * nd.score - wk.alpha[j])
                    probs.push_back(x)
                for k in range(<Py_ssize_t>probs.size()):
                    total += probs[k]
                value = _splitmix64(&s)
                target = <double>(value >> 11) * _INV_2_53 * total
                pick = <Py_ssize_t>probs.size() - 1
                acc = 0.0
                for k in range(<Py_ssize_t>probs.size()):
                    acc += probs[k]
                    if target < acc:
                        pick = k
                        break
                k = ends[j][pick]
                i = starts[k]
                wk.path.push_back(<int32_t>i)
                wk.path.push_back(<int32_t>j)
                wk.path.push_back(wk.nodes[k].id)
                j = i
                count += 1
        ids, spans = self._output(count, False)
        return ids, spans, s

    def expected_counts(self, words, freqs):
        """The E-step: ``(expected count per id, sum of freq x log Z)``."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t w, n
        cdef double f, loglik = 0.0
        cdef vector[double] expected
        _check_corpus(words, freqs)
        expected.assign(len(self._pieces), 0.0)
        for w in range(len(words)):
            word = words[w]
            if not isinstance(word, str):
                raise TypeError(f"words must be str, got {type(word).__name__}")
            f = float(freqs[w])
            n = self._load(word)
            if n == 0:
                continue
            with nogil:
                self._build(wk, n)
                loglik += f * self._forward_backward(wk, n, f, expected.data())
        return [expected[w] for w in range(<Py_ssize_t>expected.size())], loglik

    def viterbi_counts(self, words, freqs):
        """How often each id is on the Viterbi path, weighted by word frequency."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t w, n, k, count
        cdef int64_t f
        cdef int32_t pid
        cdef vector[int64_t] counts
        _check_corpus(words, freqs)
        counts.assign(len(self._pieces), 0)
        for w in range(len(words)):
            word = words[w]
            if not isinstance(word, str):
                raise TypeError(f"words must be str, got {type(word).__name__}")
            f = freqs[w]
            n = self._load(word)
            with nogil:
                self._build(wk, n)
                count = self._viterbi(wk, n, False)
                for k in range(count):
                    pid = wk.path[3 * k + 2]
                    if pid >= 0:
                        counts[pid] += f
        return [counts[w] for w in range(<Py_ssize_t>counts.size())]

    def expected_counts_part(self, const uint32_t[::1] cps, const int64_t[::1] offsets,
                             const double[::1] freqs, Py_ssize_t start, Py_ssize_t step,
                             double[::1] out):
        """E-step over words ``start, start + step, ...`` of a packed table, without the GIL.

        See ``_pyunigram.UnigramLattice.expected_counts_part``.
        """
        cdef LatticeWork work
        cdef Py_ssize_t nw, wi, n, j
        cdef int64_t base
        cdef double loglik = 0.0
        nw = offsets.shape[0] - 1
        if freqs.shape[0] != nw or out.shape[0] != len(self._pieces) or step < 1 or start < 0:
            raise ValueError("expected_counts_part: inconsistent table, out size or range")
        with nogil:
            wi = start
            while wi < nw:
                base = offsets[wi]
                n = <Py_ssize_t>(offsets[wi + 1] - base)
                if n > 0:
                    work.cps.resize(n)
                    for j in range(n):
                        work.cps[j] = cps[base + j]
                    self._build(&work, n)
                    loglik += freqs[wi] * self._forward_backward(&work, n, freqs[wi], &out[0])
                wi += step
        return loglik

    def viterbi_counts_part(self, const uint32_t[::1] cps, const int64_t[::1] offsets,
                            const int64_t[::1] freqs, Py_ssize_t start, Py_ssize_t step,
                            int64_t[::1] out):
        """Viterbi counts over words ``start, start + step, ...``, added to ``out``, no GIL."""
        cdef LatticeWork work
        cdef Py_ssize_t nw, wi, n, j, k, count
        cdef int64_t base
        cdef int32_t pid
        nw = offsets.shape[0] - 1
        if freqs.shape[0] != nw or out.shape[0] != len(self._pieces) or step < 1 or start < 0:
            raise ValueError("viterbi_counts_part: inconsistent table, out size or range")
        with nogil:
            wi = start
            while wi < nw:
                base = offsets[wi]
                n = <Py_ssize_t>(offsets[wi + 1] - base)
                work.cps.resize(n)
                for j in range(n):
                    work.cps[j] = cps[base + j]
                self._build(&work, n)
                count = self._viterbi(&work, n, False)
                for k in range(count):
                    pid = work.path[3 * k + 2]
                    if pid >= 0:
                        out[pid] += freqs[wi]
                wi += step

    def alternatives(self):
        """Per id: None (removable), [] (no alternative) or its second segmentation."""
        cdef LatticeWork* wk = &self._w
        cdef Py_ssize_t i, n, count, k
        out = []
        for i in range(len(self._pieces)):
            piece = self._pieces[i]
            if piece is None or len(piece) == 1:
                out.append([])
                continue
            n = self._load(piece)
            with nogil:
                self._build(wk, n)
                count = self._viterbi(wk, n, False)
            if count != 1:
                out.append(None)
                continue
            with nogil:
                count = self._viterbi(wk, n, True)
            out.append([wk.path[3 * k + 2] for k in range(count - 1, -1, -1)])
        return out


#: top_substrings builds its substring trie in this many parts, split by a hash of
#: the first char: a part's candidates are cut to its own best ``limit`` before the
#: next part is built, so one part trie (about a quarter of the whole) is alive at a
#: time. The result does not depend on the number of parts. (Parts built in threads
#: ran twice as fast but left their memory in the threads' malloc arenas: 100 MiB
#: more peak memory on 30 MB of English.)
cdef Py_ssize_t _SUB_PARTS = 4


cdef struct _SubNode:
    int64_t freq
    int32_t next            # first follower: -2 none yet, -1 end of word, -3 sentence end
    int32_t word            # where the substring was first seen: word, start, length
    int32_t start
    int32_t depth
    uint8_t branch          # followed by at least two different things


cdef struct _SubCand:
    int64_t score           # freq x length
    int64_t freq
    int32_t word
    int32_t start
    int32_t depth


cdef inline Py_ssize_t _sub_part(uint32_t cp) noexcept nogil:
    # a multiplicative hash: the parts get a fair share of the frequent first chars
    return <Py_ssize_t>(((cp * <uint32_t>0x9E3779B1u) >> 16) % <uint32_t>_SUB_PARTS)


cdef class _SubstringParts:
    """The words of ``top_substrings`` packed once, and each part's best candidates."""

    cdef vector[uint32_t] cps
    cdef vector[int32_t] cls
    cdef vector[int64_t] offsets
    cdef vector[int64_t] wfreq
    cdef vector[int64_t] wend
    cdef Py_ssize_t mlen
    cdef Py_ssize_t lim
    cdef vector[vector[_SubCand]] cands

    def run(self, Py_ssize_t part):
        """Build part ``part``'s trie and keep its best candidates (releases the GIL)."""
        with nogil:
            self._run(part)

    cdef void _run(self, Py_ssize_t part) noexcept nogil:
        cdef FlatMap64 child
        cdef vector[_SubNode] nodes
        cdef _SubNode* nd
        cdef vector[int64_t] scores
        cdef _SubCand cand
        cdef Py_ssize_t w, i, j, n, stop
        cdef int64_t base, f, threshold
        cdef int32_t node, c, s, prev, first, follower
        cdef uint64_t key
        nodes.resize(1)  # the root
        for w in range(<Py_ssize_t>self.wfreq.size()):
            base = self.offsets[w]
            n = self.offsets[w + 1] - base
            f = self.wfreq[w]
            for i in range(n):
                first = self.cls[base + i]
                if first == _C_FORBIDDEN or first == _C_ALONE:
                    continue
                if _sub_part(self.cps[base + i]) != part:
                    continue
                prev = _C_ANY
                if first != _C_SPACE and first != _C_INHERITED:
                    prev = first
                # A one-char node: never a candidate, but the root of longer ones.
                node = self._child(child, nodes, <uint64_t>self.cps[base + i], w, i, 1)
                stop = i + self.mlen
                if stop > n:
                    stop = n
                for j in range(i + 1, stop):
                    c = self.cls[base + j]
                    if c == _C_FORBIDDEN or c == _C_SPACE or c == _C_ALONE:
                        break
                    s = prev if c == _C_INHERITED else c
                    if s != _C_ANY and prev != _C_ANY and s != prev:
                        break
                    prev = s
                    key = ((<uint64_t>node) << 21) | <uint64_t>self.cps[base + j]
                    node = self._child(child, nodes, key, w, i, <int32_t>(j - i + 1))
                    nd = &nodes[node]
                    nd.freq += f
                    # A word end is followed by the next word's "▁" (-1) or by the
                    # end of the sentence (-3), or both (see _pycore).
                    if j + 1 < n:
                        follower = <int32_t>self.cps[base + j + 1]
                    elif self.wend[w] == 0:
                        follower = -1
                    elif self.wend[w] >= f:
                        follower = -3
                    else:
                        follower = -1
                        nd.branch = 1
                    if nd.next == -2:
                        nd.next = follower
                    elif nd.next != follower:
                        nd.branch = 1
        # The part's own best `lim` (ties included): the global best are among them.
        for i in range(<Py_ssize_t>nodes.size()):
            if nodes[i].branch and nodes[i].depth >= 2:
                scores.push_back(-(nodes[i].freq * nodes[i].depth))
        threshold = 0
        if <Py_ssize_t>scores.size() > self.lim:
            nth_element(scores.begin(), scores.begin() + (self.lim - 1), scores.end())
            threshold = -scores[self.lim - 1]
        for i in range(<Py_ssize_t>nodes.size()):
            nd = &nodes[i]
            if nd.branch and nd.depth >= 2 and nd.freq * nd.depth >= threshold:
                cand.score = nd.freq * nd.depth
                cand.freq = nd.freq
                cand.word = nd.word
                cand.start = nd.start
                cand.depth = nd.depth
                self.cands[part].push_back(cand)

    cdef inline int32_t _child(self, FlatMap64& child, vector[_SubNode]& nodes, uint64_t key,
                               Py_ssize_t w, Py_ssize_t i, int32_t depth) noexcept nogil:
        cdef int32_t node = child.find(key, -1)
        cdef _SubNode fresh
        if node >= 0:
            return node
        node = <int32_t>nodes.size()
        child.put(key, node)
        fresh.freq = 0
        fresh.next = -2
        fresh.word = <int32_t>w
        fresh.start = <int32_t>i
        fresh.depth = depth
        fresh.branch = 0
        nodes.push_back(fresh)
        return node


def top_substrings(words, freqs, char_classes, max_len, limit, ends=None):
    """The most frequent valid substrings (seed pieces); see ``_pyunigram.top_substrings``."""
    cdef unordered_map[uint32_t, int32_t] classes
    cdef unordered_map[uint32_t, int32_t].iterator it_c
    cdef _SubstringParts job = _SubstringParts()
    cdef vector[int64_t] scores
    cdef Py_ssize_t w, i, nw
    cdef int64_t threshold
    cdef _SubCand* cand
    cdef Py_UCS4 ch
    _check_corpus(words, freqs)
    _check_substring_options(char_classes, max_len, limit)
    if max_len < 1 or limit < 0:
        raise ValueError(f"max_len must be >= 1 and limit >= 0, got {max_len}, {limit}")
    for key_ch, value in char_classes.items():
        classes[<uint32_t>ord(key_ch)] = <int32_t>value
    nw = len(words)
    if ends is not None and len(ends) != len(words):
        raise ValueError(f"got {len(words)} words but {len(ends)} ends")
    if limit == 0:
        return []
    # Exact sizes up front: a doubling vector would hold up to twice the corpus.
    job.offsets.reserve(nw + 1)
    job.wfreq.reserve(nw)
    job.wend.reserve(nw)
    i = sum(map(len, words))
    job.cps.reserve(i)
    job.cls.reserve(i)
    for w in range(nw):
        job.offsets.push_back(<int64_t>job.cps.size())
        job.wfreq.push_back(freqs[w])
        job.wend.push_back(ends[w] if ends is not None else 0)
        for ch in <str>words[w]:
            job.cps.push_back(<uint32_t>ch)
            it_c = classes.find(<uint32_t>ch)
            job.cls.push_back(deref(it_c).second if it_c != classes.end() else _C_FORBIDDEN)
    job.offsets.push_back(<int64_t>job.cps.size())
    job.mlen = max_len
    job.lim = limit
    job.cands.resize(_SUB_PARTS)
    for i in range(_SUB_PARTS):
        job.run(i)
    # The best `limit` over all parts: every candidate scoring at least the
    # limit-th best score, sorted by (-score, piece), cut to the limit.
    for w in range(_SUB_PARTS):
        for i in range(<Py_ssize_t>job.cands[w].size()):
            scores.push_back(-job.cands[w][i].score)
    threshold = 0
    if <Py_ssize_t>scores.size() > job.lim:
        nth_element(scores.begin(), scores.begin() + (job.lim - 1), scores.end())
        threshold = -scores[job.lim - 1]
    cands = []
    for w in range(_SUB_PARTS):
        for i in range(<Py_ssize_t>job.cands[w].size()):
            cand = &job.cands[w][i]
            if cand.score >= threshold:
                word = words[cand.word]
                cands.append((-cand.score, word[cand.start:cand.start + cand.depth], cand.freq))
    job = None  # the packed words and the part candidates: freed before the sort
    cands.sort()
    del cands[limit:]
    # In place: each triple is freed as its pair replaces it (half the peak of a copy).
    for i in range(len(cands)):
        _, piece, fr = cands[i]
        cands[i] = (piece, fr)
    return cands


__all__ += [
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
