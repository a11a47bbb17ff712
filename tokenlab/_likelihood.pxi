# The best pair under likelihood scoring, found without re-scoring every pair of
# a symbol whose count changed. Included from _core.pyx; the pure twin is
# _pylikelihood.LikelihoodIndex, which documents the method (same structure, same rules).

# Stale heap entries allowed beyond twice the live ones before they are all dropped:
# enough to make that rare, few enough to keep memory near the live pairs'.
cdef int64_t _LX_SLACK = 1 << 16


cdef class LikelihoodIndex:
    """The best pair by ``count(ab) / (count(a) * count(b))``, kept up to date cheaply.

    Same surface and results as ``tokenlab._pylikelihood.LikelihoodIndex`` (see there for
    how it works). ``PairCounter`` uses one internally, reading its own counts;
    used on its own, the index keeps the counts it is told.

    Args:
        min_count: pairs with a lower count are not candidates.

    >>> index = LikelihoodIndex()
    >>> for s, c in [(0, 5), (1, 4), (2, 3)]:
    ...     index.set_symbol(s, c)
    >>> index.set_pair(0, 1, 4)
    >>> index.set_pair(0, 2, 1)
    >>> index.best()
    (0, 1, 4)
    """

    def __init__(self, min_count=1):
        if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
        self._min_count = min(min_count, _MAX_COUNT)
        self._attach(&self._own_pairs, &self._own_fdense, &self._own_fsparse, NULL)

    def set_symbol(self, symbol, count):
        """Tell the index that ``symbol`` now occurs ``count`` times."""
        cdef sym_t s = _check_id(symbol, "symbol")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_TOTAL:
            raise ValueError(f"count must be an int between 0 and {MAX_TOTAL}, got {count!r}")
        if s < _DENSE:
            if <size_t>s >= self._own_fdense.size():
                self._own_fdense.resize(s + 1, 0)
            self._own_fdense[s] = count
        else:
            self._own_fsparse[s] = count
        self._symbol_changed(s)

    def set_pair(self, left, right, count):
        """Tell the index that the pair ``left right`` now occurs ``count`` times."""
        cdef key_t k = _key(_check_id(left, "left"), _check_id(right, "right"))
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_TOTAL:
            raise ValueError(f"count must be an int between 0 and {MAX_TOTAL}, got {count!r}")
        if count:
            self._own_pairs[k] = count
        else:
            self._own_pairs.erase(k)
        self._pair_changed(k)

    def best(self):
        """The best candidate pair as ``(left, right, count)``, or None.

        Raises:
            ValueError: a candidate pair has a symbol whose count is 0.
        """
        cdef HeapEntry top
        cdef bint found
        with nogil:
            found = self._best(&top)
        if not found:
            return None
        if top.fl == 0 or top.fr == 0:
            raise ValueError(f"pair ({top.left}, {top.right}) has a symbol with count 0")
        return (top.left, top.right, top.count)

    def compact(self):
        """Drop the stale entries now (done by itself when they pile up)."""
        with nogil:
            self._flush()
            self._compact()

    # -- kernels ----------------------------------------------------------------------

    cdef void _attach(self, unordered_map[key_t, count_t]* pairs, vector[count_t]* fdense,
                      unordered_map[sym_t, count_t]* fsparse,
                      unordered_map[sym_t, vector[uint32_t]]* strings) noexcept nogil:
        self._pairs = pairs
        self._fdense = fdense
        self._fsparse = fsparse
        self._strings = strings

    cdef count_t _f(self, sym_t s) noexcept nogil:
        cdef unordered_map[sym_t, count_t].iterator it
        if <size_t>s < self._fdense.size():
            return deref(self._fdense)[s]
        if s < _DENSE:
            return 0
        it = self._fsparse.find(s)
        return 0 if it == self._fsparse.end() else deref(it).second

    cdef count_t _count(self, key_t k) noexcept nogil:
        cdef unordered_map[key_t, count_t].iterator it = self._pairs.find(k)
        return 0 if it == self._pairs.end() else deref(it).second

    cdef bint _better(self, const HeapEntry* x, const HeapEntry* y) noexcept nogil:
        """True if x ranks above y: higher ratio, then count, (piece,) then ids."""
        cdef int s = tl_cmp_ratio(x.count, x.fl, x.fr, y.count, y.fl, y.fr)
        if s != 0:
            return s > 0
        if x.count != y.count:
            return x.count > y.count
        if self._strings != NULL:
            s = _cmp_piece_strings(self._strings, x, y)
            if s != 0:
                return s < 0
        if x.left != y.left:
            return x.left < y.left
        return x.right < y.right

    cdef void _heap_push(self, vector[HeapEntry]* heap, HeapEntry e) noexcept nogil:
        cdef Py_ssize_t i = heap.size()
        cdef Py_ssize_t parent
        heap.push_back(e)
        while i > 0:
            parent = (i - 1) >> 1
            if not self._better(&e, &deref(heap)[parent]):
                break
            deref(heap)[i] = deref(heap)[parent]
            i = parent
        deref(heap)[i] = e

    cdef void _heap_pop(self, vector[HeapEntry]* heap) noexcept nogil:
        cdef Py_ssize_t n = heap.size() - 1
        cdef Py_ssize_t i = 0
        cdef Py_ssize_t child
        cdef HeapEntry last = deref(heap)[n]
        heap.pop_back()
        if n == 0:
            return
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            if child + 1 < n and self._better(&deref(heap)[child + 1], &deref(heap)[child]):
                child += 1
            if not self._better(&deref(heap)[child], &last):
                break
            deref(heap)[i] = deref(heap)[child]
            i = child
        deref(heap)[i] = last

    cdef bint _sub_valid(self, sym_t owner, const HeapEntry* e) noexcept nogil:
        # An owner's entry holds 1 on the owner's side and the partner's count on the
        # other (a pair of a symbol with itself: its count on the right).
        if self._count(_key(e.left, e.right)) != e.count:
            return False
        if e.left == owner:
            return self._f(e.right) == e.fr
        return self._f(e.left) == e.fl

    cdef void _pair_changed(self, key_t k) noexcept nogil:
        self._dirty_pairs.push_back(k)

    cdef void _symbol_changed(self, sym_t s) noexcept nogil:
        self._dirty_syms.push_back(<sym_t>s)

    cdef void _flush(self) noexcept nogil:
        cdef vector[key_t] push
        cdef vector[sym_t] owners
        cdef unordered_map[sym_t, int64_t] degree
        cdef unordered_map[sym_t, int64_t].iterator dit
        cdef unordered_map[key_t, sym_t].iterator oit
        cdef unordered_map[sym_t, LxSymbol].iterator sit
        cdef LxSymbol* st
        cdef LxSymbol fresh
        cdef vector[key_t] kept
        cdef HeapEntry e
        cdef key_t k
        cdef sym_t lft, rgt, o, s
        cdef count_t c
        if self._dirty_pairs.empty() and self._dirty_syms.empty():
            return
        sort(self._dirty_pairs.begin(), self._dirty_pairs.end())
        self._dirty_pairs.erase(unique(self._dirty_pairs.begin(), self._dirty_pairs.end()),
                                self._dirty_pairs.end())
        sort(self._dirty_syms.begin(), self._dirty_syms.end())
        self._dirty_syms.erase(unique(self._dirty_syms.begin(), self._dirty_syms.end()),
                               self._dirty_syms.end())
        # A symbol first seen in candidates gets a rank for good: how many of them
        # hold it. A symbol in many pairs then owns them, and a change of its count
        # re-scores none of them.
        for k in self._dirty_pairs:
            if self._count(k) >= self._min_count and self._owner.find(k) == self._owner.end():
                lft = _left(k)
                rgt = _right(k)
                if self._syms.find(lft) == self._syms.end():
                    degree[lft] += 1
                if rgt != lft and self._syms.find(rgt) == self._syms.end():
                    degree[rgt] += 1
        fresh.gen = 0
        fresh.listed = False
        dit = degree.begin()
        while dit != degree.end():
            fresh.rank = deref(dit).second
            self._syms[deref(dit).first] = fresh
            inc(dit)
        for k in self._dirty_pairs:
            c = self._count(k)
            oit = self._owner.find(k)
            if c >= self._min_count:
                if oit == self._owner.end():
                    lft = _left(k)
                    rgt = _right(k)
                    o = lft if self._syms[lft].rank >= self._syms[rgt].rank else rgt
                    self._owner[k] = o
                    # the side whose count changes must re-score the pair
                    self._syms[rgt if o == lft else lft].foreign.push_back(k)
                push.push_back(k)
            elif oit != self._owner.end():
                owners.push_back(deref(oit).second)
                self._owner.erase(oit)
        for s in self._dirty_syms:
            sit = self._syms.find(s)
            if sit == self._syms.end():
                continue
            st = &deref(sit).second
            owners.push_back(s)
            sort(st.foreign.begin(), st.foreign.end())
            st.foreign.erase(unique(st.foreign.begin(), st.foreign.end()), st.foreign.end())
            kept.clear()
            for k in st.foreign:
                if self._owner.find(k) != self._owner.end():
                    kept.push_back(k)
                    push.push_back(k)
            st.foreign.swap(kept)
        sort(push.begin(), push.end())
        push.erase(unique(push.begin(), push.end()), push.end())
        for k in push:
            o = self._owner[k]
            e.count = self._count(k)
            e.left = _left(k)
            e.right = _right(k)
            e.gen = 0
            if o == e.left:
                e.fl = 1
                e.fr = self._f(e.right)
            else:
                e.fl = self._f(e.left)
                e.fr = 1
            self._heap_push(&self._syms[o].heap, e)
            self._entries += 1
            owners.push_back(o)
        sort(owners.begin(), owners.end())
        owners.erase(unique(owners.begin(), owners.end()), owners.end())
        for o in owners:
            st = &self._syms[o]
            while not st.heap.empty() and not self._sub_valid(o, &st.heap[0]):
                self._heap_pop(&st.heap)
                self._entries -= 1
            if st.heap.empty():
                if st.listed:
                    self._gen += 1      # its entry in the main heap goes stale
                    st.gen = self._gen
                    st.listed = False
                continue
            e = st.heap[0]
            if e.left == o:
                e.fl = self._f(o)
            else:
                e.fr = self._f(o)
            if (st.listed and e.count == st.top.count and e.fl == st.top.fl
                    and e.fr == st.top.fr and e.left == st.top.left
                    and e.right == st.top.right):
                continue                # its entry in the main heap is still exact
            self._gen += 1
            st.gen = self._gen
            e.gen = (self._gen << 1) | (0 if e.left == o else 1)
            st.top = e
            st.listed = True
            self._heap_push(&self._heap, e)
        self._dirty_pairs.clear()
        self._dirty_syms.clear()
        if (self._entries > 2 * <int64_t>self._owner.size() + _LX_SLACK
                or <int64_t>self._heap.size() > 2 * <int64_t>self._syms.size() + _LX_SLACK):
            self._compact()

    cdef bint _best(self, HeapEntry* out) noexcept nogil:
        cdef sym_t o
        self._flush()
        while not self._heap.empty():
            out[0] = self._heap[0]
            o = out.right if out.gen & 1 else out.left
            if self._syms[o].gen == out.gen >> 1:
                return True
            self._heap_pop(&self._heap)
        return False

    cdef void _compact(self) noexcept nogil:
        # Stale entries pile up between pops; drop them all once they outnumber the
        # live ones by far, to bound memory.
        cdef unordered_map[sym_t, LxSymbol].iterator sit = self._syms.begin()
        cdef vector[HeapEntry] old
        cdef HeapEntry e
        cdef LxSymbol* st
        cdef sym_t o
        self._entries = 0
        while sit != self._syms.end():
            st = &deref(sit).second
            old.swap(st.heap)
            for e in old:
                if self._sub_valid(deref(sit).first, &e):
                    self._heap_push(&st.heap, e)
                    self._entries += 1
            _release(old)
            inc(sit)
        old.swap(self._heap)
        for e in old:
            o = e.right if e.gen & 1 else e.left
            if self._syms[o].gen == e.gen >> 1:
                self._heap_push(&self._heap, e)


cdef void _release(vector[HeapEntry]& entries) noexcept nogil:
    """Empty ``entries`` and free its storage (clear() keeps the capacity)."""
    cdef vector[HeapEntry] empty
    entries.swap(empty)


cdef int _cmp_piece_strings(unordered_map[sym_t, vector[uint32_t]]* strings,
                            const HeapEntry* x, const HeapEntry* y) noexcept nogil:
    """Compare the merged strings: shorter first, then code-point order."""
    cdef vector[uint32_t]* xl = &deref(strings)[x.left]
    cdef vector[uint32_t]* xr = &deref(strings)[x.right]
    cdef vector[uint32_t]* yl = &deref(strings)[y.left]
    cdef vector[uint32_t]* yr = &deref(strings)[y.right]
    cdef size_t nx = xl.size() + xr.size()
    cdef size_t ny = yl.size() + yr.size()
    cdef size_t i
    cdef uint32_t cx, cy
    if nx != ny:
        return -1 if nx < ny else 1
    for i in range(nx):
        cx = deref(xl)[i] if i < xl.size() else deref(xr)[i - xl.size()]
        cy = deref(yl)[i] if i < yl.size() else deref(yr)[i - yl.size()]
        if cx != cy:
            return -1 if cx < cy else 1
    return 0


__all__ += ["LikelihoodIndex"]
