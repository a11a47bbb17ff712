"""SentencePiece's precompiled character map: read it, apply it, and write one.

A SentencePiece ``.model`` stores its normalization rules as
``normalizer_spec.precompiled_charsmap``, a blob of three parts::

    uint32 (little endian)   size in bytes of the trie that follows
    uint32[size / 4]         a darts-clone double-array trie over UTF-8 byte strings
    bytes                    the replacement strings, each terminated by NUL

Each key of the trie is the UTF-8 of a source string; its value is the byte offset of the
replacement in the third part. SentencePiece normalizes text by walking it left to right:
at each position the LONGEST key that is a prefix of the remaining bytes is replaced by its
string; where no key matches, one UTF-8 char is copied, and a byte that does not start a
valid UTF-8 sequence becomes U+FFFD (one per byte).

Double-array units (darts-clone's layout, one ``uint32`` each): bits 0-7 are the label of
the byte that leads to the unit, bit 8 says the node has a value (stored in the unit at
``base ^ 0``, with bit 31 set so that it never matches a label), bits 10-31 hold the XOR
offset from the unit's position to its ``base`` (shifted left by 8 more when bit 9 is set).
A child for byte ``c`` of a node whose base is ``b`` sits at ``b ^ c``.

Compiled maps are cached on disk (see :meth:`CharsMap.nmt_nfkc`). The native encoder of
SentencePiece pipelines (``SentencePieceEncoder``) walks the double array itself.

The reader enumerates every key once (:meth:`CharsMap.from_bytes`), so normalizing is a
Python dict lookup per candidate char; the trie itself is walked only for text holding
NUL or lone surrogates, where SentencePiece's byte-level behaviour cannot be reproduced
char by char. :meth:`CharsMap.build` writes a blob that ``sentencepiece`` loads.

Not supported: big-endian blobs (SentencePiece writes little endian everywhere), and keys
that are not valid UTF-8 (SentencePiece's builder only writes Unicode strings); such
blobs are rejected with :class:`~tokenlab.errors.ModelFileError`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import struct
import sys
import unicodedata
from array import array
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from tokenlab._atomic import atomic_write
from tokenlab.errors import ConfigError, ModelFileError

__all__ = ["CharsMap", "nfkc_mapping", "nmt_nfkc_mapping"]

Span = tuple[int, int]

_LEAF = 1 << 31
_HAS_LEAF = 1 << 8
_EXTENSION = 1 << 9
_VALUE_MASK = _LEAF - 1
_LABEL_MASK = _LEAF | 0xFF
# Offsets must fit in 21 bits unless their low 8 bits are zero; the builder keeps arrays
# below this size so every offset fits.
_MAX_UNITS = 1 << 21
# SentencePiece's normalizer keeps at most 32 prefix matches per lookup (kMaxTrieResultsSize)
# and reads past its buffer beyond that; the builder refuses such key sets.
_MAX_PREFIX_MATCHES = 32
# Limits for reading untrusted blobs: a valid map has tens of thousands of keys of a few
# bytes each; a corrupt one could describe cycles or an exponential number of paths.
_MAX_KEY_BYTES = 256
_MAX_KEYS = 2_000_000
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _offset(unit: int) -> int:
    return (unit >> 10) << ((unit & _EXTENSION) >> 6)


def _units(data: bytes) -> array[int]:
    units = array("I")
    if units.itemsize != 4:  # pragma: no cover - every CPython platform has a 4-byte "I"
        units = array("L")
    units.frombytes(data)
    if sys.byteorder == "big":  # pragma: no cover
        units.byteswap()
    return units


def _class_of(chars: set[str]) -> str:
    """A regex character class matching exactly ``chars`` (ranges collapsed)."""
    cps = sorted(ord(c) for c in chars)
    parts: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = re.escape(chr(cps[i])), re.escape(chr(cps[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "[" + "".join(parts) + "]" if parts else "(?!)"


class CharsMap:
    """A SentencePiece precompiled charsmap: longest-match replacement of UTF-8 strings.

    Build one with :meth:`from_bytes` (a blob from a ``.model`` or a ``tokenizer.json``),
    :meth:`from_mapping` or :meth:`nmt_nfkc`; :meth:`to_bytes` gives the blob back.

    >>> cm = CharsMap.from_mapping({"ﬁ": "fi", "\\t": " ", "ab": "X"})
    >>> cm.normalize("ﬁab\\tb")
    ('fiX b', [(0, 1), (0, 1), (1, 3), (3, 4), (4, 5)])
    >>> CharsMap.from_bytes(cm.to_bytes()).mapping == cm.mapping
    True
    """

    __slots__ = ("_blob", "_matcher", "_rules", "_units", "_values")

    def __init__(
        self, blob: bytes, units: array[int], values: bytes, table: dict[str, str] | None
    ) -> None:
        # Use from_bytes / from_mapping; this only stores what they computed. The rules as
        # a dict (``table``) are found on first use: encoding walks the double array
        # itself, so loading a model never pays for listing 225,000 keys.
        self._blob = blob
        self._units = units
        self._values = values
        self._rules = table
        self._matcher: tuple[dict[str, tuple[int, ...]], re.Pattern[str]] | None = None

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        # The blob is the whole state: the rules and the matcher are derived on first
        # use, so a pickle (and datasets' fingerprint of it) is the same before and after.
        return (CharsMap.from_bytes, (self._blob,))

    @property
    def _table(self) -> dict[str, str]:
        if self._rules is None:
            self._rules = _keys_of(self._blob, self._units, self._values)
        return self._rules

    def _lookup(self) -> tuple[dict[str, tuple[int, ...]], re.Pattern[str]]:
        """Per first char, the key lengths to try; and where a rule can start."""
        if self._matcher is None:
            table = self._table
            lengths: dict[str, set[int]] = {}
            for key in table:
                lengths.setdefault(key[0], set()).add(len(key))
            # Where a rule can start: a char with a one-char rule, or the first char of a
            # longer rule followed by a char that can come second in one. Most letters start
            # some "letter + combining mark" rule, so the lookahead keeps plain text off the
            # slow path.
            singles = {k for k in table if len(k) == 1}
            firsts = {k[0] for k in table if len(k) > 1}
            seconds = {k[1] for k in table if len(k) > 1}
            pattern = _class_of(singles)
            if firsts:
                pattern += f"|{_class_of(firsts)}(?={_class_of(seconds)})"
            by_first = {c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()}
            self._matcher = (by_first, re.compile(pattern))
        return self._matcher

    # -----------------------------------------------------------------------------------------
    # Construction

    @classmethod
    def from_bytes(cls, blob: bytes) -> CharsMap:
        """Read a ``precompiled_charsmap`` blob.

        Args:
            blob: The bytes; empty means "no rules" (SentencePiece's identity).

        Returns:
            The charsmap.

        Raises:
            ModelFileError: The blob is truncated, its sizes are inconsistent, its trie is
                not a tree of UTF-8 keys or a value points outside the strings.
        """
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise ModelFileError(f"a precompiled charsmap must be bytes, got {type(blob).__name__}")
        blob = bytes(blob)
        if not blob:
            return cls(b"", _units(b""), b"", {})
        if len(blob) < 8:
            raise ModelFileError(
                f"precompiled charsmap of {len(blob)} bytes is truncated: it needs a 4-byte "
                "trie size and at least one trie unit"
            )
        (size,) = struct.unpack_from("<I", blob)
        if size == 0 or size % 4 or size > len(blob) - 4:
            raise ModelFileError(
                f"precompiled charsmap declares a trie of {size} bytes but holds "
                f"{len(blob) - 4} bytes after the size field (the size must be a positive "
                "multiple of 4 that fits)"
            )
        units = _units(blob[4 : 4 + size])
        values = blob[4 + size :]
        CharsMap._validate(units)
        return cls(blob, units, values, None)

    @staticmethod
    def _validate(units: array[int]) -> None:
        # The checks sentencepiece (0.2.1+) runs before accepting a blob: the root is a
        # plain node with a non-zero offset, and every node's child block lies inside the
        # array, so no lookup can read past it.
        n = len(units)
        root = units[0]
        if root & _LABEL_MASK or root & _HAS_LEAF or not _offset(root) or _offset(root) | 0xFF >= n:
            raise ModelFileError(
                f"precompiled charsmap trie is corrupt: bad root unit {root:#010x} for {n} units"
            )
        for i, u in enumerate(units):
            if u & _LEAF:
                continue
            off = _offset(u)
            if off and (i ^ off) | 0xFF >= n:
                raise ModelFileError(
                    f"precompiled charsmap trie is corrupt: unit {i} points at base "
                    f"{i ^ off}, outside the {n} units"
                )

    @staticmethod
    def _read_keys(units: array[int], values: bytes) -> dict[str, str]:
        n = len(units)
        # Every unit whose label byte c is set (and is not a value unit) is the child for c
        # of whichever node has base `position ^ c`; grouping by that base lists each node's
        # children without probing 255 labels per node.
        children: dict[int, list[tuple[int, int]]] = {}
        for q, u in enumerate(units):
            c = u & _LABEL_MASK
            if 0 < c < 256:
                children.setdefault(q ^ c, []).append((c, q))
        strings: dict[int, str] = {}
        table: dict[str, str] = {}
        stack: list[tuple[int, bytes]] = [(_offset(units[0]), b"")]
        visited = 0
        while stack:
            base, prefix = stack.pop()
            for c, q in children.get(base, ()):
                u = units[q]
                key = prefix + bytes((c,))
                child_base = q ^ _offset(u)
                visited += 1
                if len(key) > _MAX_KEY_BYTES or visited > _MAX_KEYS:
                    raise ModelFileError(
                        "precompiled charsmap trie is corrupt: it describes keys longer than "
                        f"{_MAX_KEY_BYTES} bytes or more than {_MAX_KEYS} nodes (a cycle?)"
                    )
                if u & _HAS_LEAF:
                    if child_base >= n:
                        raise ModelFileError(
                            f"precompiled charsmap trie is corrupt: the value of key {key!r} "
                            f"is at unit {child_base}, past the {n} units"
                        )
                    where = units[child_base] & _VALUE_MASK
                    text = strings.get(where)
                    if text is None:
                        text = strings[where] = CharsMap._string_at(values, where, key)
                    try:
                        table[key.decode("utf-8")] = text
                    except UnicodeDecodeError as e:
                        raise ModelFileError(
                            f"precompiled charsmap key {key!r} is not valid UTF-8; tokenlab "
                            "reads only maps of Unicode strings"
                        ) from e
                stack.append((child_base, key))
        return table

    @staticmethod
    def _string_at(values: bytes, where: int, key: bytes) -> str:
        if where >= len(values):
            raise ModelFileError(
                f"precompiled charsmap value of key {key!r} points at byte {where} of "
                f"{len(values)} replacement bytes"
            )
        end = values.find(b"\0", where)
        raw = values[where : end if end >= 0 else len(values)]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ModelFileError(
                f"precompiled charsmap replacement for {key!r} is not valid UTF-8: {raw!r}"
            ) from e

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str]) -> CharsMap:
        """Compile ``mapping`` with :meth:`build` and read the result back.

        >>> CharsMap.from_mapping({"Ａ": "A"}).normalize_str("ＡＡb")
        'AAb'
        """
        blob = cls.build(mapping)
        if not blob:
            return cls.from_bytes(blob)
        (size,) = struct.unpack_from("<I", blob)
        return cls(blob, _units(blob[4 : 4 + size]), blob[4 + size :], dict(mapping))

    @classmethod
    def nmt_nfkc(cls) -> CharsMap:
        """SentencePiece's default ``nmt_nfkc`` rules, as sentencepiece compiles them.

        The blob ships with tokenlab (``tokenlab/data/nmt_nfkc.charsmap``, from
        sentencepiece 0.2.3): the same bytes on every Python, and what tokenlab writes
        into exported ``.model`` files. :func:`nmt_nfkc_mapping` derives nearly the same
        rules from Python's Unicode data (the tests compare the two).
        """
        return _nmt_nfkc_charsmap()

    # -----------------------------------------------------------------------------------------
    # Access

    @property
    def mapping(self) -> dict[str, str]:
        """Every rule, source string -> replacement (a copy)."""
        return dict(self._table)

    def get(self, source: str) -> str | None:
        """The replacement of exactly ``source``, or ``None`` without a rule."""
        return self._table.get(source)

    @property
    def longest_source(self) -> int:
        """Length in chars of the longest rule source (0 for the identity map)."""
        lengths, _ = self._lookup()
        return max((n[0] for n in lengths.values()), default=0)

    @property
    def may_write_double_spaces(self) -> bool:
        """Whether some replacement holds two spaces in a row (read from the strings
        themselves, without listing the rules; a string no key points at counts too)."""
        return b"  " in self._values

    def replacements(self) -> Iterator[str]:
        """Every rule's replacement (with repeats)."""
        return iter(self._table.values())

    def to_bytes(self) -> bytes:
        """The ``precompiled_charsmap`` blob (empty for the identity map)."""
        return self._blob

    def __len__(self) -> int:
        return len(self._table)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CharsMap):
            return NotImplemented
        return self._table == other._table

    def __hash__(self) -> int:
        return hash(self._blob)

    def __repr__(self) -> str:
        return f"CharsMap({len(self._table)} rules, {len(self._blob)} bytes)"

    # -----------------------------------------------------------------------------------------
    # Normalization

    def _exact_path_needed(self, text: str) -> bool:
        # NUL and lone surrogates need the byte-level walk (see _segments_exact).
        return "\0" in text or (not text.isascii() and _SURROGATE_RE.search(text) is not None)

    def segments(self, text: str) -> Iterator[tuple[int, int, str, bool]]:
        """Split ``text`` into SentencePiece's normalization steps.

        Yields:
            ``(start, end, output, matched)``: ``text[start:end]`` becomes ``output``.
            ``matched`` is true for one rule application; false for a run of chars that
            no rule touches (SentencePiece copies those one char at a time, so every char
            of such a run is one step of its own).
        """
        if self._exact_path_needed(text):
            yield from self._segments_exact(text)
            return
        table = self._table
        lengths, first = self._lookup()
        search = first.search
        n = len(text)
        pos = 0
        while pos < n:
            m = search(text, pos)
            if m is None:
                yield pos, n, text[pos:], False
                return
            i = m.start()
            if i > pos:
                yield pos, i, text[pos:i], False
            for size in lengths[text[i]]:
                if i + size <= n:
                    out = table.get(text[i : i + size])
                    if out is not None:
                        yield i, i + size, out, True
                        pos = i + size
                        break
            else:
                yield i, i + 1, text[i], False
                pos = i + 1

    def _segments_exact(self, text: str) -> Iterator[tuple[int, int, str, bool]]:
        """Byte-level walk of the double array, exactly as SentencePiece does it.

        Lone surrogates are encoded as their three (invalid) UTF-8 bytes, each of which
        SentencePiece turns into U+FFFD. A NUL byte passes through a trie node whose
        ``base ^ 0`` unit carries label 0 (a quirk of the layout), which can make a key
        match across it; walking the real array reproduces that.
        """
        data = text.encode("utf-8", "surrogatepass")
        # Char index of every byte (and of the end).
        char_at: list[int] = []
        for i, c in enumerate(text):
            char_at.extend([i] * len(c.encode("utf-8", "surrogatepass")))
        char_at.append(len(text))
        pos = 0
        while pos < len(data):
            best = self._longest_match(data, pos)
            s = char_at[pos]
            if best is not None:
                length, value = best
                end = pos + length
                e = char_at[end - 1] + 1
                yield s, e, self._string_at(self._values, value, data[pos:end]), True
                pos = end
                continue
            size = _utf8_char_len(data, pos)
            if size == 0:
                yield s, s + 1, "\ufffd", True
                pos += 1
            else:
                yield s, s + 1, text[s], False
                pos += size

    def _longest_match(self, data: bytes, pos: int) -> tuple[int, int] | None:
        units = self._units
        n = len(units)
        if not n:
            return None
        best: tuple[int, int] | None = None
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

    def normalize_str(self, text: str) -> str:
        """Apply the rules to ``text`` (longest match first, as SentencePiece does).

        >>> CharsMap.from_mapping({"a": "b", "aa": "c"}).normalize_str("aaab")
        'cbb'
        """
        return "".join(out for _, _, out, _ in self.segments(text))

    def normalize(self, text: str) -> tuple[str, list[Span]]:
        """Apply the rules and say where each output char comes from.

        Args:
            text: Input text.

        Returns:
            ``(normalized, alignments)``: ``alignments[i]`` is the ``(start, end)`` char
            span of ``text`` that produced ``normalized[i]`` (the whole matched source for
            a replacement, the char itself for a copied char).
        """
        parts: list[str] = []
        spans: list[Span] = []
        for start, end, out, matched in self.segments(text):
            parts.append(out)
            if matched:
                spans.extend([(start, end)] * len(out))
            else:
                spans.extend((i, i + 1) for i in range(start, end))
        return "".join(parts), spans

    # -----------------------------------------------------------------------------------------
    # Writing

    @staticmethod
    def build(mapping: Mapping[str, str]) -> bytes:
        """Compile ``mapping`` into a ``precompiled_charsmap`` blob SentencePiece accepts.

        Args:
            mapping: Source string -> replacement. Sources are non-empty; neither side may
                contain NUL (the replacements are NUL-terminated).

        Returns:
            The blob (trie size, double-array units, replacement strings); empty for an
            empty mapping, which is how SentencePiece spells "identity".

        Raises:
            ConfigError: A key is empty, a string holds NUL, a key has more than 32 keys
                as prefixes (SentencePiece's limit) or the trie outgrows 2**21 units.

        >>> blob = CharsMap.build({"\\u3000": " "})
        >>> CharsMap.from_bytes(blob).mapping
        {'\\u3000': ' '}
        """
        keys: dict[bytes, bytes] = {}
        for src, dst in mapping.items():
            if not isinstance(src, str) or not isinstance(dst, str):
                raise ConfigError(f"charsmap rules map str to str, got {src!r} -> {dst!r}")
            if not src:
                raise ConfigError("charsmap rules need a non-empty source string")
            if "\0" in src or "\0" in dst:
                raise ConfigError(f"charsmap rule {src!r} -> {dst!r} contains NUL")
            keys[src.encode("utf-8")] = dst.encode("utf-8")
        if not keys:
            return b""
        values = bytearray()
        where: dict[bytes, int] = {}
        for key in sorted(keys):  # the blob must not depend on the rules' order
            out = keys[key]
            if out not in where:
                where[out] = len(values)
                values += out + b"\0"
        units = _DoubleArrayBuilder({k: where[v] for k, v in keys.items()}).units()
        trie = units.tobytes() if sys.byteorder == "little" else _swapped(units)
        return struct.pack("<I", len(trie)) + trie + bytes(values)


def _keys_of(blob: bytes, units: array[int], values: bytes) -> dict[str, str]:
    """Every rule of a blob, source -> replacement (the trie's keys, checked).

    Listing the keys of a large map (nmt_nfkc: 225,000) takes a second or two, so the
    result is cached on disk under the blob's digest (see _read_cache).

    Raises:
        ModelFileError: a key or replacement is not UTF-8, a value points outside the
            strings, or the trie describes too many or too long keys.
    """
    name = None
    if len(blob) >= _CACHE_MIN_BLOB:
        name = f"keys-{hashlib.sha256(blob).hexdigest()[:32]}"
        hit = _read_cache(name)
        if hit is not None and hit[0] == b"":
            return hit[1]
    table = CharsMap._read_keys(units, values)
    if name is not None:
        _write_cache(name, b"", table)
    return table


def _swapped(units: array[int]) -> bytes:  # pragma: no cover - big-endian hosts only
    copy = array(units.typecode, units)
    copy.byteswap()
    return copy.tobytes()


def _utf8_char_len(data: bytes, pos: int) -> int:
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


class _DoubleArrayBuilder:
    """Place a byte trie into darts-clone's double array, sharing identical subtrees.

    The keys (sorted) are first folded into a minimal DAWG: suffix subtrees with the same
    labels and values become one node (Daciuk's incremental construction), which is what
    keeps ``nmt_nfkc``'s 200,000+ Hangul and accent sequences small. Each DAWG node then
    gets a base ``b``: a value unit at ``b ^ 0`` when the node has a value, and for each
    outgoing byte ``c`` a unit at ``b ^ c`` holding ``c`` and the XOR offset to the child's
    base. Bases are unique (a lookup checks only labels, so two nodes sharing a base would
    see each other's children); shared children are simply pointed at by several units.
    """

    # Only the last few blocks are searched for a free base, as darts-clone does, and a
    # node that fits none of the first candidates goes to a fresh block, so placement
    # stays linear; later small nodes fill the gaps.
    _WINDOW = 16 * 256
    _TRIES = 256

    def __init__(self, keys: dict[bytes, int]) -> None:
        self.values: list[int | None] = []
        self.edges: list[tuple[tuple[int, int], ...]] = []
        self.root = self._dawg(keys)

    def _dawg(self, keys: dict[bytes, int]) -> int:
        register: dict[tuple[int | None, tuple[tuple[int, int], ...]], int] = {}
        # The unfinished path: for depth d, [children (label, node id), value].
        path_edges: list[list[tuple[int, int]]] = [[]]
        path_values: list[int | None] = [None]
        # How many keys end on the path down to each depth (SentencePiece's lookup keeps
        # at most 32 prefix matches).
        path_counts = [0]
        prev = b""

        def finish(depth: int) -> None:
            # Fold path nodes deeper than `depth` into registered nodes.
            while len(path_edges) - 1 > depth:
                edges = tuple(path_edges.pop())
                value = path_values.pop()
                path_counts.pop()
                sig = (value, edges)
                node = register.get(sig)
                if node is None:
                    node = register[sig] = len(self.values)
                    self.values.append(value)
                    self.edges.append(edges)
                path_edges[-1].append((prev[len(path_edges) - 1], node))

        for key in sorted(keys):
            common = 0
            limit = min(len(key), len(prev))
            while common < limit and key[common] == prev[common]:
                common += 1
            finish(common)
            for _ in key[common:]:
                path_edges.append([])
                path_values.append(None)
                path_counts.append(path_counts[-1])
            if path_values[-1] is None:
                path_counts[-1] += 1
            path_values[-1] = keys[key]
            if path_counts[-1] > _MAX_PREFIX_MATCHES:
                raise ConfigError(
                    f"charsmap key {key!r} has {path_counts[-1]} keys as prefixes; "
                    f"SentencePiece handles at most {_MAX_PREFIX_MATCHES}"
                )
            prev = key
        finish(0)
        root = len(self.values)
        self.values.append(path_values[0])
        self.edges.append(tuple(path_edges[0]))
        return root

    def units(self) -> array[int]:
        used = bytearray(256)
        used[0] = 1  # the root's own unit
        # Base 0 would give the root a zero offset, which sentencepiece's validation rejects.
        taken: set[int] = {0}
        base_of: dict[int, int] = {}
        order = [self.root]
        seen = {self.root}
        head = 1
        for node in order:  # grows while we iterate: breadth first
            labels = [c for c, _ in self.edges[node]]
            if self.values[node] is not None:
                labels.insert(0, 0)
            for _, child in self.edges[node]:
                if child not in seen:
                    seen.add(child)
                    order.append(child)
            if not labels:
                continue
            head = used.find(0, head)
            if head < 0:
                head = len(used)
            start = max(head, len(used) - self._WINDOW)
            base = self._find_base(labels, used, taken, start)
            taken.add(base)
            base_of[node] = base
            need = (base | 0xFF) + 1
            if need > len(used):
                used.extend(bytes(need - len(used)))
            for c in labels:
                used[base ^ c] = 1
        if len(used) > _MAX_UNITS:
            raise ConfigError("charsmap rules too large: the trie needs over 2**21 units")
        units = array("I", bytes(4 * len(used)))
        units[0] = base_of.get(self.root, 0) << 10
        for node, base in base_of.items():
            value = self.values[node]
            if value is not None:
                units[base] = _LEAF | value
            for c, child in self.edges[node]:
                pos = base ^ c
                unit = c | ((pos ^ base_of.get(child, pos)) << 10)
                if self.values[child] is not None:
                    unit |= _HAS_LEAF
                units[pos] = unit
        return units

    @staticmethod
    def _find_base(labels: list[int], used: bytearray, taken: set[int], start: int) -> int:
        first, rest = labels[0], labels[1:]
        size = len(used)
        q = used.find(0, start)
        tries = 0
        while True:
            tries += 1
            if tries > _DoubleArrayBuilder._TRIES:
                q = max(q, size)
            if q < 0 or q >= size:
                q = max(q, size)
                base = q ^ first  # a fresh block: all of it is free
                if base not in taken:
                    return base
                q += 1
                continue
            base = q ^ first
            if base not in taken and all((base ^ c) >= size or not used[base ^ c] for c in rest):
                return base
            q = used.find(0, q + 1)


# ---------------------------------------------------------------------------------------------
# nmt_nfkc


# SentencePiece's NMT additions to NFKC (found by comparing its nmt_nfkc charsmap with plain
# NFKC code point by code point): C0 controls other than the whitespace ones, DEL, U+008F
# and U+009F are deleted; these whitespace-like, invisible and bidi chars become a space;
# FULLWIDTH TILDE keeps its width (Japanese uses it apart from "~").
_NMT_DELETED = [*range(0x01, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F, 0x8F, 0x9F]
_NMT_SPACES = [
    0x09, 0x0A, 0x0C, 0x0D, 0x061C, 0x1680, 0x200B, 0x200C, 0x200E, 0x200F, 0x2028, 0x2029,
    0x2581, 0xFEFF, 0xFFFD,
]  # fmt: skip
_NMT_KEPT = [0xFF5E]


def _is_unicode_char(cp: int) -> bool:
    # Not a surrogate and not a noncharacter (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF).
    return not (0xD800 <= cp <= 0xDFFF or 0xFDD0 <= cp <= 0xFDEF or cp & 0xFFFE == 0xFFFE)


def _apply_rules(table: dict[str, str], text: str, max_len: int) -> str:
    # Longest match first over `table`, keys of at most `max_len` chars.
    out: list[str] = []
    i = 0
    while i < len(text):
        for size in range(min(max_len, len(text) - i), 0, -1):
            rep = table.get(text[i : i + size])
            if rep is not None:
                out.append(rep)
                i += size
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def nfkc_mapping() -> dict[str, str]:
    """SentencePiece's ``nfkc`` rules, computed from Python's :mod:`unicodedata`.

    The rule set, as SentencePiece derives it:

    1. every char whose NFKC differs from itself maps to its NFKC;
    2. for every char whose NFKD is several chars that compose again under NFC (an accented
       letter, a Hangul syllable), every sequence that NFKD-normalizes to those chars
       (each char replaced by any char whose NFKD is that single char, e.g. a fullwidth or
       mathematical letter, a halfwidth or compatibility jamo) maps to that NFC form;
    3. a multi-char rule is dropped when the shorter rules already give its result.

    Returns:
        Source string -> replacement (about 225,000 rules, mostly Hangul jamo sequences).
    """
    table: dict[str, str] = {}
    variants: dict[str, list[str]] = {}  # NFKD char -> chars whose NFKD is that one char
    decomposed: set[str] = set()
    for cp in range(1, 0x110000):
        c = chr(cp)
        # Chars without a decomposition (Hangul syllables decompose algorithmically and
        # have none listed) are their own NFKC and NFKD: nothing to record.
        if not unicodedata.decomposition(c) and not 0xAC00 <= cp <= 0xD7A3:
            continue
        if not _is_unicode_char(cp):
            continue
        nfkc = unicodedata.normalize("NFKC", c)
        if nfkc != c:
            table[c] = nfkc
        nfkd = unicodedata.normalize("NFKD", c)
        if len(nfkd) == 1:
            variants.setdefault(nfkd, []).append(c)
        else:
            decomposed.add(nfkd)
    for nfkd in sorted(decomposed):  # sorted: a set's order changes with the hash seed
        nfc = unicodedata.normalize("NFC", nfkd)
        if nfc == nfkd:
            continue
        for seq in itertools.product(*([x, *variants.get(x, ())] for x in nfkd)):
            src = "".join(seq)
            if src != nfc:
                table[src] = nfc
    return _remove_redundant(table)


def _remove_redundant(table: dict[str, str]) -> dict[str, str]:
    kept = {k: v for k, v in table.items() if len(k) == 1}
    longest = max(map(len, table), default=1)
    for size in range(2, longest + 1):
        for src, dst in table.items():
            if len(src) == size and _apply_rules(kept, src, size - 1) != dst:
                kept[src] = dst
    return kept


def nmt_nfkc_mapping() -> dict[str, str]:
    """SentencePiece's default ``nmt_nfkc`` rules: :func:`nfkc_mapping` plus NMT rules.

    The NMT rules delete C0 control chars (except tab, LF, FF, CR), DEL, U+008F and
    U+009F; turn tab, LF, FF, CR, U+061C, U+1680, U+200B, U+200C, U+200E, U+200F, U+2028,
    U+2029, U+2581, U+FEFF and U+FFFD into a space; and leave U+FF5E FULLWIDTH TILDE alone.

    Differences from sentencepiece 0.2.3's table: it was built with Unicode 16 data, so
    chars assigned after Python's :data:`unicodedata.unidata_version` have no rule here.
    On Python 3.11 (Unicode 14) that is 477 rules: 99 single code points (U+A7F1,
    outlined Latin letters and digits U+1CCD6..U+1CCF9, Cyrillic modifier letters
    U+1E030..U+1E06D) and 378 sequences (compositions in Unicode 16 scripts, and
    accented outlined letters). Every other rule is identical (checked key by key in
    ``tests/test_charsmap.py``).

    >>> rules = nmt_nfkc_mapping()
    >>> rules["\\t"], rules["ﬁ"], rules["\\x7f"], "\\uff5e" in rules
    (' ', 'fi', '', False)
    """
    table = nfkc_mapping()
    for cp in _NMT_DELETED:
        table[chr(cp)] = ""
    for cp in _NMT_SPACES:
        table[chr(cp)] = " "
    for cp in _NMT_KEPT:
        table.pop(chr(cp), None)
    # None of these chars occurs in a multi-char rule, so no rule becomes redundant.
    return table


#: sentencepiece's own compiled nmt_nfkc rules, shipped with tokenlab (data/PROVENANCE.md).
NMT_NFKC_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "data", "nmt_nfkc.charsmap"
)


@lru_cache(maxsize=1)
def _nmt_nfkc_charsmap() -> CharsMap:
    # The same bytes on every Python (building the rules from unicodedata gave other
    # rules on other Unicode versions), read in a millisecond.
    try:
        with open(NMT_NFKC_PATH, "rb") as f:
            blob = f.read()
    except OSError as e:  # pragma: no cover - a broken install
        raise ModelFileError(
            f"tokenlab's nmt_nfkc rules are missing ({e}); reinstall tokenlab"
        ) from e
    return CharsMap.from_bytes(blob)


# ---------------------------------------------------------------------------------------------
# The disk cache of compiled maps
#
# One file per entry in TOKENLAB_CACHE_DIR (default: $XDG_CACHE_HOME/tokenlab, else
# ~/.cache/tokenlab; an empty value turns the cache off):
#     _CACHE_MAGIC, the hex SHA-256 of the rest, "\n",
#     uint32 (little endian) blob size, the blob, then the rules as UTF-8: source and
#     replacement strings in turn, each followed by NUL (rules never hold NUL).
# File names carry a digest of this module's source, so a changed tokenlab never reads
# an older entry. A file that is missing, truncated or fails its digest is ignored (and
# rewritten); writes are atomic and their failures are ignored: the cache only saves
# time, it never changes a result.

_CACHE_MAGIC = b"tokenlab-charsmap-cache-1\n"
# Smaller blobs are read faster than a cache file.
_CACHE_MIN_BLOB = 1 << 16
# Rule sets of blobs kept (the most recently written).
_CACHE_MAX_KEYS = 8


def _cache_path(name: str) -> str | None:
    directory = os.environ.get("TOKENLAB_CACHE_DIR")
    if directory is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        directory = os.path.join(base, "tokenlab")
    if not directory:
        return None
    try:
        with open(__file__, "rb") as f:
            code = hashlib.sha256(f.read()).hexdigest()[:16]
    except OSError:  # pragma: no cover - no source file (frozen): no cache
        return None
    return os.path.join(directory, f"{name}-{code}.bin")


def _read_cache(name: str) -> tuple[bytes, dict[str, str]] | None:
    """``(blob, rules)`` from the cache file ``name``, or None (absent or damaged)."""
    path = _cache_path(name)
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    head = len(_CACHE_MAGIC) + 65
    body = data[head:]
    if (
        not data.startswith(_CACHE_MAGIC)
        or len(body) < 4
        or data[head - 1 : head] != b"\n"
        or hashlib.sha256(body).hexdigest().encode("ascii") != data[len(_CACHE_MAGIC) : head - 1]
    ):
        return None
    (size,) = struct.unpack_from("<I", body)
    blob = body[4 : 4 + size]
    try:
        fields = body[4 + size :].decode("utf-8").split("\0")
    except UnicodeDecodeError:  # pragma: no cover - the digest matched
        return None
    if len(blob) != size or len(fields) % 2 != 1 or fields[-1]:
        return None
    it = iter(fields[:-1])
    return blob, dict(zip(it, it))


def _write_cache(name: str, blob: bytes, table: Mapping[str, str]) -> None:
    path = _cache_path(name)
    if path is None:
        return
    rules = "".join(f"{k}\0{v}\0" for k, v in table.items()).encode("utf-8", "surrogatepass")
    body = struct.pack("<I", len(blob)) + blob + rules
    # A local import: _atomic is light, but the module is imported by every tokenlab user.

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_write(path, "wb") as f:
            f.write(_CACHE_MAGIC + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n")
            f.write(body)
        _prune_cache(path, name)
    except OSError:
        pass


def _prune_cache(path: str, name: str) -> None:
    """Remove what ``path`` (just written as entry ``name``) makes useless.

    That is the same entry written by another version of this module, and the oldest
    rule sets of blobs (``keys-*``) beyond the newest ``_CACHE_MAX_KEYS``: one is
    written per large blob read, a few megabytes each.
    """
    directory = os.path.dirname(path)
    entries = [f for f in os.listdir(directory) if f.endswith(".bin")]
    for f in entries:
        if f.startswith(name + "-") and f != os.path.basename(path):
            os.unlink(os.path.join(directory, f))
    if name.startswith("keys-"):
        keys = [os.path.join(directory, f) for f in entries if f.startswith("keys-")]
        keys = [k for k in keys if os.path.exists(k)]
        keys.sort(key=os.path.getmtime, reverse=True)
        for old in keys[_CACHE_MAX_KEYS:]:
            if old != path:
                os.unlink(old)
