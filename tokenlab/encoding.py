"""Encoding: the result of tokenizing one input, and its truncate/merge/pad rules.

The rules are Hugging Face's, so that truncation with a stride, pair inputs and
padding produce the same ids, type ids, masks and overflowing windows:

* ``truncate(max_length, stride)``: keep the first window of ``max_length``
  tokens; the rest become ``overflowing`` windows of the same length, each
  starting ``max_length - stride`` tokens after the previous one;
* ``merge_with(other)``: concatenate; overflowing windows combine as Hugging
  Face does (each of ours with the other, each of ours with each of its, and
  ourselves with each of its);
* ``pad(length)``: add pad tokens (offsets ``(0, 0)``, attention 0, special
  mask 1) on the right or the left, also to every overflowing window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

__all__ = ["Encoding", "Specials"]

# The per-token lists an encoding made by the fast path builds only when first read.
_LAZY_FIELDS = frozenset(
    ("ids", "tokens", "offsets", "type_ids", "attention_mask", "special_tokens_mask", "word_ids")
)
# The fields of a dataclass Encoding, in order (what pickling builds and stores).
_FIELDS = (*sorted(_LAZY_FIELDS, key=lambda f: f != "ids"), "sequence_ranges", "overflowing")


# What a lazily built Encoding is made from (see ``Encoding._from_columns``): a plain
# tuple, the cheapest thing to make per text of a batch:
#   (data, total, lo, hi, inverse, type_id, added)
# ``data`` (an int64 memoryview, the bytes of one, or a list) holds four int64 columns of
# ``total`` values each -- ids, start offsets, end offsets, word indices -- for a whole
# call (a batch shares one), of which ``[lo:hi]`` is this encoding; ``inverse`` maps
# ids to tokens; ``added`` (or None) maps a token position to ``(content, special)`` for
# added tokens, whose token string and special mask are not the model's.
_Columns = tuple[
    "memoryview | bytes | list[int]",
    int,
    int,
    int,
    Mapping[int, str],
    int,
    "dict[int, tuple[str, bool]] | None",
]


# The special tokens a post-processor puts around the encoding of one text (see
# ``PostProcessor.single_plan``): ``(before, after, before_ids, after_ids)``, ``before``
# and ``after`` as ``(id, token)`` pairs, and their ids again as lists.
Specials = tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...], list[int], list[int]]


# What an encoding of one whole text made by ``Tokenizer.encode`` holds until a field
# other than ``ids`` is read: ``(encoder, text, model, type_id, specials)``. Its columns
# are then the encoder's ``encode_columns(text)``, computed once (the ids again with
# them), with ``specials`` (or None: no template) around them, and its tokens the
# model's: most callers read ``ids`` only, and offsets and word indices cost about as
# much as the ids themselves.
_Pending = tuple[Any, str, Any, int, "Specials | None"]


def _resolve(enc_dict: dict[str, Any]) -> _Columns:
    """The columns of a lazily built encoding (computing them if still pending)."""
    columns = enc_dict["_columns"]
    if len(columns) == 5:
        encoder, text, model, type_id, specials = columns
        ids, data, _ = encoder.encode_columns(text)
        n = len(ids)
        unknown = _unknown_texts(encoder, text, model, ids)
        columns = (data, n, 0, n, model._inverse(), type_id, unknown)
        if specials is not None:
            # A template's encoding: its text is sequence 0, between the specials.
            start = len(specials[0])
            enc_dict.setdefault("sequence_ranges", {0: (start, start + n)})
            columns = _around(columns, specials)
        enc_dict["_columns"] = columns
    return columns


def _around(columns: _Columns, specials: Specials) -> _Columns:
    """``columns`` with a template's special tokens around them, as ``process`` puts
    them: the template's ids and tokens, offsets (0, 0), no word, special mask 1."""
    before, after, before_ids, after_ids = specials
    if not before and not after:
        return columns
    lo, hi, inverse, type_id, added = columns[2:]
    values: list[int] = []
    for k, special in enumerate((0, 0, 0, -1)):  # ids, starts, ends, words (-1: none)
        values += before_ids if k == 0 else [special] * len(before)
        values += _column(columns, k)
        values += after_ids if k == 0 else [special] * len(after)
    n = hi - lo
    marks = {i: (token, True) for i, (_, token) in enumerate(before)}
    for pos, mark in (added or {}).items():
        marks[len(before) + pos] = mark
    for i, (_, token) in enumerate(after):
        marks[len(before) + n + i] = (token, True)
    m = len(before) + n + len(after)
    return (values, m, 0, m, inverse, type_id, marks)


def _unknown_texts(
    encoder: Any, text: str, model: Any, ids: list[int]
) -> dict[int, tuple[str, bool]] | None:
    """Token position -> (text, False) for each unknown token of a Unigram or
    SentencePiece model, which shows the text it stands for; None if there is none."""
    surface = getattr(model, "unk_surface_id", None)
    if surface is None or surface not in ids:
        return None
    texts = iter(encoder.unknown_surfaces(text))
    return {k: (next(texts), False) for k, tid in enumerate(ids) if tid == surface}


def _column(columns: _Columns, k: int) -> list[int]:
    data, total, lo, hi = columns[:4]
    if isinstance(data, list):
        return data[k * total + lo : k * total + hi]
    view = memoryview(data).cast("q") if isinstance(data, bytes) else data
    at = k * total
    return view[at + lo : at + hi].tolist()


def _build(columns: _Columns, name: str) -> list[Any]:
    """The list ``name`` of a lazily built encoding."""
    n = columns[3] - columns[2]
    added = columns[6] or {}
    if name == "ids":
        return _column(columns, 0)
    if name == "offsets":
        return list(zip(_column(columns, 1), _column(columns, 2)))
    if name == "word_ids":
        words = _column(columns, 3)
        # A template's special tokens are stored with word -1: they belong to no word.
        return [w if w >= 0 else None for w in words] if added else words
    if name == "type_ids":
        return [columns[5]] * n
    if name == "attention_mask":
        return [1] * n
    if name == "tokens":
        get = columns[4].get
        tokens = [get(i, "") for i in _column(columns, 0)]
        for pos, (content, _) in added.items():
            tokens[pos] = content
        return tokens
    mask = [0] * n  # special_tokens_mask
    for pos, (_, special) in added.items():
        mask[pos] = 1 if special else 0
    return mask


class _LazyField:
    """A field of a lazily built Encoding other than ``ids``: built from the columns
    the first time it is read, then stored on the instance, which then shadows this.

    A non-data descriptor rather than ``__getattr__``: a class with ``__getattr__``
    makes every attribute read of its instances slower (``encode(text).ids`` included).
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, enc: Any, owner: Any = None) -> Any:
        if enc is None:
            return self
        state = enc.__dict__
        columns = state.get("_columns")
        name = self.name
        if columns is None:
            raise AttributeError(f"'Encoding' object has no attribute {name!r}")
        value: Any
        if name in _LAZY_FIELDS:
            value = _build(_resolve(state), name)
        elif name == "overflowing":
            value = []
        elif len(columns) == 5 and columns[4] is not None:
            _resolve(state)  # a template's encoding: that sets its sequence range
            return state["sequence_ranges"]
        else:
            value = {}  # sequence_ranges
        state[name] = value
        return value


@dataclass
class Encoding:
    """The result of encoding one text (or one pair of texts).

    Attributes:
        ids: token ids.
        tokens: token strings.
        offsets: ``(start, end)`` char offsets of each token in its own input text
            (special and pad tokens: ``(0, 0)``).
        type_ids: segment id of each token (0 for the first text, 1 for the second
            with BERT's template).
        attention_mask: 1 for real tokens, 0 for padding.
        special_tokens_mask: 1 for special and pad tokens, else 0.
        word_ids: index of the pre-tokenized word each token comes from (None for
            template and pad tokens).
        sequence_ranges: text index -> ``(start, end)`` token range; the
            :attr:`sequence_ids` are derived from it exactly as Hugging Face does
            (no ranges at all means every token is from text 0).
        overflowing: what truncation cut off, as further encodings.

    An encoding made by the fast path (see ``Tokenizer.encode_ordinary``) holds its
    ids, offsets and word indices as native arrays and builds each list above the
    first time it is read; it behaves exactly like one built eagerly.

    >>> e = Encoding(ids=[5, 6, 7], tokens=["a", "b", "c"], offsets=[(0, 1), (1, 2), (2, 3)])
    >>> e.fill()
    >>> e.truncate(2, stride=1)
    >>> e.ids, [o.ids for o in e.overflowing]
    ([5, 6], [[6, 7]])
    """

    ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)
    type_ids: list[int] = field(default_factory=list)
    attention_mask: list[int] = field(default_factory=list)
    special_tokens_mask: list[int] = field(default_factory=list)
    word_ids: list[int | None] = field(default_factory=list)
    sequence_ranges: dict[int, tuple[int, int]] = field(default_factory=dict)
    overflowing: list[Encoding] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    # -- lazily built encodings -----------------------------------------------------
    # The fast encoding path makes an Encoding from int columns and builds each
    # per-token list the first time it is read: most callers read ``ids`` only, and
    # the token strings and offset tuples would otherwise cost more than encoding.

    @classmethod
    def _from_columns(cls, columns: _Columns | _Pending, ids: list[int] | None = None) -> Encoding:
        enc = cls.__new__(cls)
        # Attribute stores, not a new __dict__: much cheaper (per text of a batch).
        # The ids are always set: reading them is then a plain instance attribute.
        if ids is None:
            ids = _build(_resolve({"_columns": columns}), "ids")
        enc.ids = ids
        enc._columns = columns  # type: ignore[attr-defined]
        return enc

    def _templated(self, type_id: int, specials: Specials) -> Encoding | None:
        """This encoding of one text as a template puts it (``specials`` around it, as
        sequence 0 of type ``type_id``), still lazily built; None when it is not lazily
        built, was templated already, or has a field set (the caller then processes it).
        """
        state = self.__dict__
        columns = state.get("_columns")
        if columns is None or any(state[k] for k in state if k not in ("ids", "_columns")):
            return None
        ids = state.get("ids")
        if ids is not None:
            ids = [*specials[2], *ids, *specials[3]]
        if len(columns) == 5:
            if columns[4] is not None:
                return None
            encoder, text, model = columns[:3]
            return Encoding._from_columns((encoder, text, model, type_id, specials), ids)
        start = len(specials[0])
        enc = Encoding._from_columns(_around((*columns[:5], type_id, columns[6]), specials), ids)
        enc.sequence_ranges = {0: (start, start + columns[3] - columns[2])}
        return enc

    def __getstate__(self) -> dict[str, Any]:
        # Pickle (and copy) every field built: the columns may be a memoryview, and a
        # pending encoding holds its native encoder.
        return {name: getattr(self, name) for name in _FIELDS}

    def _lazy_copy(self) -> Encoding | None:
        """A copy sharing the unbuilt columns (what ``merge([self])`` gives), or None."""
        if "_columns" not in self.__dict__ or self.overflowing:
            return None
        copy = Encoding.__new__(Encoding)
        state = {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()}
        state["sequence_ranges"] = dict(self.sequence_ranges)
        state["overflowing"] = []
        copy.__dict__.update(state)
        return copy

    @property
    def n_sequences(self) -> int:
        """How many input texts this encoding holds tokens of."""
        return len(self.sequence_ranges) or 1

    @property
    def sequence_ids(self) -> list[int | None]:
        """For each token, the text it comes from (None: template or pad token)."""
        out: list[int | None] = [None] * len(self.ids)
        for seq in range(self.n_sequences):
            start, end = self.sequence_ranges.get(seq, (0, len(self.ids)))
            out[start:end] = [seq] * (end - start)
        return out

    # -- mapping between tokens, words and chars (tokenizers' Encoding methods) -------
    # A token of no input text (a template or pad token) maps to nothing; word and
    # char positions count within one input text, named by ``sequence_index``.

    def token_to_sequence(self, token_index: int) -> int | None:
        """The input text token ``token_index`` comes from (None: none, or no such token)."""
        seq_ids = self.sequence_ids
        return seq_ids[token_index] if 0 <= token_index < len(seq_ids) else None

    def token_to_chars(self, token_index: int) -> tuple[int, int] | None:
        """The ``(start, end)`` chars of a token in its input text, or None."""
        if self.token_to_sequence(token_index) is None:
            return None
        return self.offsets[token_index]

    def token_to_word(self, token_index: int) -> int | None:
        """The index of the word a token belongs to in its input text, or None."""
        if self.token_to_sequence(token_index) is None:
            return None
        return self.word_ids[token_index]

    def word_to_tokens(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        """The ``(start, end)`` token range of a word of one input text, or None.

        Args:
            word_index: the word's index in its text (as in :attr:`word_ids`).
            sequence_index: which input text (0, or 1 for the pair).

        Returns:
            Token indices ``start`` (first token) to ``end`` (past the last one).
        """
        found = [
            i
            for i, (word, seq) in enumerate(zip(self.word_ids, self.sequence_ids))
            if word == word_index and seq == sequence_index
        ]
        return (found[0], found[-1] + 1) if found else None

    def word_to_chars(self, word_index: int, sequence_index: int = 0) -> tuple[int, int] | None:
        """The ``(start, end)`` chars of a word of one input text, or None."""
        span = self.word_to_tokens(word_index, sequence_index)
        if span is None:
            return None
        return (self.offsets[span[0]][0], self.offsets[span[1] - 1][1])

    def char_to_token(self, char_pos: int, sequence_index: int = 0) -> int | None:
        """The token covering char ``char_pos`` of one input text (None: no token does)."""
        for i, (seq, (start, end)) in enumerate(zip(self.sequence_ids, self.offsets)):
            if seq == sequence_index and start <= char_pos < end:
                return i
        return None

    def char_to_word(self, char_pos: int, sequence_index: int = 0) -> int | None:
        """The word covering char ``char_pos`` of one input text (None: no word does)."""
        token = self.char_to_token(char_pos, sequence_index)
        return None if token is None else self.word_ids[token]

    def fill(self, type_id: int = 0) -> None:
        """Give default values to the per-token lists that are shorter than ``ids``."""
        n = len(self.ids)
        for name, value in (
            ("type_ids", type_id),
            ("attention_mask", 1),
            ("special_tokens_mask", 0),
            ("word_ids", None),
        ):
            values = getattr(self, name)
            values.extend([value] * (n - len(values)))

    def append(
        self, tid: int, token: str, span: tuple[int, int], word: int | None, special: bool = False
    ) -> None:
        """Add one token of the text (type id 0)."""
        self.ids.append(tid)
        self.tokens.append(token)
        self.offsets.append(span)
        self.type_ids.append(0)
        self.attention_mask.append(1)
        self.special_tokens_mask.append(1 if special else 0)
        self.word_ids.append(word)

    def set_sequence_id(self, sequence_id: int) -> None:
        """Mark the whole encoding (not its overflowing windows) as text ``sequence_id``."""
        self.sequence_ranges[sequence_id] = (0, len(self.ids))

    def set_sequence(self, sequence_id: int, type_id: int) -> None:
        """Mark this encoding and its overflowing windows as text ``sequence_id``."""
        self.type_ids = [type_id] * len(self.ids)
        self.set_sequence_id(sequence_id)
        for o in self.overflowing:
            o.set_sequence(sequence_id, type_id)

    def _slice(self, start: int, stop: int) -> Encoding:
        return Encoding(
            self.ids[start:stop],
            self.tokens[start:stop],
            self.offsets[start:stop],
            self.type_ids[start:stop],
            self.attention_mask[start:stop],
            self.special_tokens_mask[start:stop],
            self.word_ids[start:stop],
            {
                seq: (max(a, start) - start, min(b, stop) - start)
                for seq, (a, b) in self.sequence_ranges.items()
                if a < stop and b > start
            },
        )

    def truncate(self, max_length: int, stride: int = 0, direction: str = "right") -> None:
        """Cut to ``max_length`` tokens; the cut-off windows go to ``overflowing``.

        Args:
            max_length: tokens to keep.
            stride: tokens each overflowing window repeats from the previous one.
            direction: ``"right"`` keeps the start, ``"left"`` keeps the end.

        Raises:
            ConfigError: ``stride >= max_length`` (the windows would not advance).
        """
        n = len(self.ids)
        if max_length >= n:
            return
        if max_length == 0:
            whole = self._slice(0, n)
            self.__dict__.update(Encoding().__dict__)
            self.overflowing = [whole]
            return
        if stride >= max_length:
            raise ConfigError(
                f"truncation stride ({stride}) must be smaller than max_length ({max_length})"
            )
        step = max_length - stride
        ranges: list[tuple[int, int]] = []
        if direction == "right":
            start = 0
            while True:
                stop = min(start + max_length, n)
                ranges.append((start, stop))
                if stop == n:
                    break
                start += step
        elif direction == "left":
            stop = n
            while True:
                start = max(stop - max_length, 0)
                ranges.append((start, stop))
                if start == 0:
                    break
                stop -= step
        else:
            raise ConfigError(f"direction must be 'right' or 'left', got {direction!r}")
        parts = [self._slice(a, b) for a, b in ranges]
        first = parts[0]
        first.overflowing = parts[1:]
        self.__dict__.update(first.__dict__)

    def merge_with(self, other: Encoding) -> None:
        """Append ``other`` (its offsets unchanged), combining overflowing windows.

        Like Hugging Face, the combinations merge whole copies, so a combined
        window can itself carry overflowing windows.
        """
        overflowing: list[Encoding] = []
        for mine in self.overflowing:
            combined = mine._copy()
            combined.merge_with(other._copy())
            overflowing.append(combined)
            for theirs in other.overflowing:
                combined = mine._copy()
                combined.merge_with(theirs._copy())
                overflowing.append(combined)
        for theirs in other.overflowing:
            combined = self._copy()
            combined.merge_with(theirs._copy())
            overflowing.append(combined)
        shift_base = len(self.ids)
        self.ids = self.ids + other.ids
        self.tokens = self.tokens + other.tokens
        self.offsets = self.offsets + other.offsets
        self.type_ids = self.type_ids + other.type_ids
        self.attention_mask = self.attention_mask + other.attention_mask
        self.special_tokens_mask = self.special_tokens_mask + other.special_tokens_mask
        shift = shift_base
        self.sequence_ranges = {
            **self.sequence_ranges,
            **{seq: (a + shift, b + shift) for seq, (a, b) in other.sequence_ranges.items()},
        }
        self.word_ids = self.word_ids + other.word_ids
        self.overflowing = overflowing

    @staticmethod
    def merge(encodings: list[Encoding]) -> Encoding:
        """Concatenate encodings in order (Hugging Face's ``Encoding.merge``)."""
        if len(encodings) == 1:
            copy = encodings[0]._lazy_copy()
            if copy is not None:
                return copy
        out = Encoding()
        if any(e.overflowing for e in encodings):
            for e in encodings:
                out.merge_with(e)
            return out
        # No overflowing windows (the usual case): what merge_with gives, each list
        # extended in place once per part instead of rebuilt per merge.
        shift = 0
        ranges = out.sequence_ranges
        for e in encodings:
            out.ids += e.ids
            out.tokens += e.tokens
            out.offsets += e.offsets
            out.type_ids += e.type_ids
            out.attention_mask += e.attention_mask
            out.special_tokens_mask += e.special_tokens_mask
            out.word_ids += e.word_ids
            for seq, (a, b) in e.sequence_ranges.items():
                ranges[seq] = (a + shift, b + shift)
            shift += len(e.ids)
        return out

    def _without_overflow(self) -> Encoding:
        return self._slice(0, len(self.ids))

    def _copy(self) -> Encoding:
        copy = self._without_overflow()
        copy.overflowing = [o._copy() for o in self.overflowing]
        return copy

    def pad(
        self,
        length: int,
        pad_id: int = 0,
        pad_type_id: int = 0,
        pad_token: str = "[PAD]",
        direction: str = "right",
    ) -> None:
        """Pad to ``length`` tokens (no-op if already as long); overflowing too."""
        for o in self.overflowing:
            o.pad(length, pad_id, pad_type_id, pad_token, direction)
        missing = length - len(self.ids)
        if missing <= 0:
            return
        pads: dict[str, list[Any]] = {
            "ids": [pad_id] * missing,
            "tokens": [pad_token] * missing,
            "offsets": [(0, 0)] * missing,
            "type_ids": [pad_type_id] * missing,
            "attention_mask": [0] * missing,
            "special_tokens_mask": [1] * missing,
            "word_ids": [None] * missing,
        }
        if direction == "left":
            self.sequence_ranges = {
                seq: (a + missing, b + missing) for seq, (a, b) in self.sequence_ranges.items()
            }
        for name, values in pads.items():
            current = getattr(self, name)
            setattr(self, name, current + values if direction == "right" else values + current)


# Installed after the dataclass is made (its fields have no class attribute), so that an
# instance's own value, when set, is found first.
for _name in (*_LAZY_FIELDS - {"ids"}, "sequence_ranges", "overflowing"):
    setattr(Encoding, _name, _LazyField(_name))
del _name
