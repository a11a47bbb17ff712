"""Post-processors: what runs after the model (offset trimming, special tokens).

Mirrors the ``post_processor`` component of ``tokenizer.json``:

* ``ByteLevel`` trims byte-level offsets so they exclude the spaces tokens carry;
* ``TemplateProcessing`` adds special tokens and type ids by template
  (BERT: ``[CLS] $A [SEP]`` and ``[CLS] $A [SEP] $B:1 [SEP]:1``);
* ``BertProcessing`` is the older fixed form of BERT's template;
* ``RobertaProcessing`` is ``ByteLevel`` trimming plus RoBERTa's fixed template
  (``<s> A </s>`` and ``<s> A </s> </s> B </s>``, every type id 0);
* ``Sequence`` chains processors.

Offset trimming strips what ``tokenizers`` strips: ``Ġ`` (the image of a space) and
Unicode whitespace (which added tokens such as GPT-NeoX's runs of spaces hold), counted
in chars.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Sequence as SequenceABC
from typing import Any

from ._component import Component, dict_field
from .encoding import Encoding, Specials
from .errors import ConfigError, ModelFileError

__all__ = [
    "PROCESSOR_TYPES",
    "UNCHANGED",
    "BertProcessing",
    "ByteLevel",
    "PostProcessor",
    "RobertaProcessing",
    "Sequence",
    "TemplateProcessing",
    "default_process",
    "processor_from_dict",
]

# 'Ġ' (the byte-level image of b" ") and Unicode White_Space (Rust's char::is_whitespace).
_TRIMMED = (
    "\u0120\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def default_process(encodings: list[Encoding]) -> Encoding:
    """What happens without a template: a pair is marked 0 and 1, then concatenated.

    Like Hugging Face, only the top-level encodings are marked, not their
    overflowing windows.
    """
    if len(encodings) > 1:
        for i, e in enumerate(encodings):
            e.set_sequence_id(i)
    return Encoding.merge(encodings)


# What ``process`` does to the encoding of one text when all it does is put special
# tokens around it (see ``Specials``): ``(type_id, specials, specials_without)``,
# ``type_id`` that of every token, ``specials``/``specials_without`` what
# ``add_special_tokens`` True/False put around it.
# None for both: the encoding is left exactly as it is (no sequence range is set).
SinglePlan = tuple[int, Specials | None, Specials | None]
UNCHANGED: SinglePlan = (0, None, None)


def _specials(before: list[tuple[int, str]], after: list[tuple[int, str]]) -> Specials:
    return (tuple(before), tuple(after), [i for i, _ in before], [i for i, _ in after])


class PostProcessor(Component):
    """Base class: turns the encoding(s) of one input into the final encoding."""

    # single_plan()'s result, cached; dropped whenever an attribute is set, so that a
    # cache of it (the tokenizer's quick path) sees a processor changed by assignment.
    _plan: SinglePlan | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name != "_plan":
            self.__dict__.pop("_plan", None)

    def __getstate__(self) -> dict[str, Any]:
        # Without the cached plan: a pickle (and the datasets fingerprint of a
        # tokenizer) must not depend on whether the processor was used yet.
        state = dict(self.__dict__)
        state.pop("_plan", None)
        return state

    def single_plan(self) -> SinglePlan | None:
        """What :meth:`process` does to one text, if it only puts tokens around it.

        Lets the tokenizer put the special tokens into an encoding that is still
        lazily built, instead of building it and then a new one around it.

        Returns:
            A :data:`SinglePlan`, or None when ``process`` does more (offsets
            trimmed, type ids that differ, ...): the caller then calls ``process``.
        """
        plan = self._plan
        if plan is None:
            if type(self) not in _PLANNED:  # a subclass may change what process does
                return None
            plan = self._single_plan()
            if plan is not None:
                self._plan = plan
        return plan

    def _single_plan(self) -> SinglePlan | None:
        return None

    def process_encodings(
        self, encodings: list[Encoding], add_special_tokens: bool = True
    ) -> list[Encoding]:
        """Transform the per-text encodings (the step a :class:`Sequence` chains)."""
        raise NotImplementedError

    def process(
        self, encoding: Encoding, pair: Encoding | None = None, add_special_tokens: bool = True
    ) -> Encoding:
        """Post-process one text (or a pair) into the final :class:`Encoding`."""
        encodings = [encoding] if pair is None else [encoding, pair]
        return Encoding.merge(self.process_encodings(encodings, add_special_tokens))

    def added_tokens(self, is_pair: bool) -> int:
        """How many special tokens ``process`` adds (truncation leaves room for them)."""
        return 0


def _trim(encoding: Encoding, add_prefix_space: bool) -> None:
    offsets = encoding.offsets
    for i, token in enumerate(encoding.tokens):
        start, end = offsets[i]
        lead = len(token) - len(token.lstrip(_TRIMMED))
        trail = len(token) - len(token.rstrip(_TRIMMED))
        if lead:
            # A single leading space on the first token is the one the
            # pre-tokenizer added: it has no width in the original to trim.
            if (i == 0 or start == 0) and add_prefix_space and lead == 1:
                lead = 0
            start = min(start + lead, end)
        if trail and end >= trail:
            end = max(end - trail, start)
        offsets[i] = (start, end)
    for o in encoding.overflowing:
        _trim(o, add_prefix_space)


class ByteLevel(PostProcessor):
    """Trim byte-level offsets so that they exclude the spaces a token carries.

    Args:
        trim_offsets: trim at all (False: leave offsets as the model made them).
        add_prefix_space: the pre-tokenizer added a space before the text (that
            space has no width in the original, so it is not trimmed again).
        use_regex: stored for compatibility with ``tokenizers``' schema.

    >>> ByteLevel().to_dict()["type"]
    'ByteLevel'
    """

    def __init__(
        self, trim_offsets: bool = True, add_prefix_space: bool = True, use_regex: bool = True
    ) -> None:
        self.trim_offsets = trim_offsets
        self.add_prefix_space = add_prefix_space
        self.use_regex = use_regex

    def process_encodings(
        self, encodings: list[Encoding], add_special_tokens: bool = True
    ) -> list[Encoding]:
        if self.trim_offsets:
            for e in encodings:
                _trim(e, self.add_prefix_space)
        if len(encodings) > 1:
            for i, e in enumerate(encodings):
                e.set_sequence_id(i)
        return encodings

    def _single_plan(self) -> SinglePlan | None:
        return None if self.trim_offsets else UNCHANGED

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "ByteLevel",
            "add_prefix_space": self.add_prefix_space,
            "trim_offsets": self.trim_offsets,
            "use_regex": self.use_regex,
        }


# A template piece: ("sequence", "A" | "B", type_id) or ("special", token, type_id).
Piece = tuple[str, str, int]


def _parse_template(template: str | SequenceABC[str] | SequenceABC[dict[str, Any]]) -> list[Piece]:
    items: list[Any] = template.split() if isinstance(template, str) else list(template)
    pieces: list[Piece] = []
    for item in items:
        if isinstance(item, dict):
            if len(item) != 1:
                raise ModelFileError(f"template piece {item!r} must have one key")
            ((kind, body),) = item.items()
            if kind not in ("Sequence", "SpecialToken") or not isinstance(body, dict):
                raise ModelFileError(f"unknown template piece {item!r}")
            name = body.get("id")
            type_id = body.get("type_id", 0)
            if not isinstance(name, str) or not isinstance(type_id, int):
                raise ModelFileError(f"malformed template piece {item!r}")
            if kind == "Sequence":
                if name not in ("A", "B"):
                    raise ModelFileError(f"template sequence must be A or B, got {name!r}")
                pieces.append(("sequence", name, type_id))
            else:
                pieces.append(("special", name, type_id))
            continue
        if not isinstance(item, str) or not item:
            raise ConfigError(f"template pieces must be strings, got {item!r}")
        text, _, tid = item.rpartition(":") if ":" in item else (item, "", "0")
        if not text or not tid.isdigit():
            text, tid = item, "0"
        type_id = int(tid)
        if text in ("$", "$A", "$a"):
            pieces.append(("sequence", "A", type_id))
        elif text in ("$B", "$b"):
            pieces.append(("sequence", "B", type_id))
        elif text.startswith("$") and text[1:].isdigit():
            # "$0" / "$1" alone mean "sequence A / B with this type id"
            pieces.append(("sequence", "A", int(text[1:])))
        else:
            pieces.append(("special", text, type_id))
    return pieces


class TemplateProcessing(PostProcessor):
    """Add special tokens and type ids following a template.

    Args:
        single: template for one text, e.g. ``"[CLS] $A [SEP]"``.
        pair: template for two texts, e.g. ``"[CLS] $A [SEP] $B:1 [SEP]:1"``
            (``:1`` sets the type id).
        special_tokens: ``(token, id)`` pairs, or ``{"id": name, "ids": [...],
            "tokens": [...]}`` dicts for multi-token specials.

    Raises:
        ConfigError: a template names a special token that is not given.

    >>> t = TemplateProcessing("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1",
    ...                        [("[CLS]", 1), ("[SEP]", 2)])
    >>> hi = Encoding(ids=[7], tokens=["hi"], offsets=[(0, 2)])
    >>> hi.fill()  # the defaults of the other per-token lists, as an encoder gives them
    >>> e = t.process(hi)
    >>> e.ids, e.type_ids, e.special_tokens_mask
    ([1, 7, 2], [0, 0, 0], [1, 0, 1])
    """

    def __init__(
        self,
        single: str | SequenceABC[Any] = "$A",
        pair: str | SequenceABC[Any] | None = None,
        special_tokens: Iterable[tuple[str, int] | dict[str, Any]] = (),
    ) -> None:
        self.special_tokens: dict[str, tuple[list[int], list[str]]] = {}
        for entry in special_tokens:
            if isinstance(entry, dict):
                name, ids, toks = entry.get("id"), entry.get("ids"), entry.get("tokens")
                if (
                    not isinstance(name, str)
                    or not isinstance(ids, list)
                    or not isinstance(toks, list)
                    or len(ids) != len(toks)
                    or not all(isinstance(i, int) for i in ids)
                    or not all(isinstance(t, str) for t in toks)
                ):
                    raise ModelFileError(f"malformed special token {entry!r}")
                self.special_tokens[name] = (list(ids), list(toks))
            else:
                token, tid = entry
                self.special_tokens[token] = ([tid], [token])
        self.single = _parse_template(single)
        self.pair = _parse_template(pair) if pair is not None else self._default_pair()
        for template in (self.single, self.pair):
            for kind, name, _ in template:
                if kind == "special" and name not in self.special_tokens:
                    raise ConfigError(
                        f"template uses {name!r} but special_tokens does not give its id"
                    )

    def _default_pair(self) -> list[Piece]:
        # Like tokenizers: the single template, then B with type id 1 where A was.
        out: list[Piece] = list(self.single)
        out += [
            ("sequence", "B", 1) if p[0] == "sequence" else (p[0], p[1], 1) for p in self.single
        ]
        return out

    def _single_plan(self) -> SinglePlan | None:
        # Lazily built only as ``specials $A specials``, every piece of one type id.
        before: list[tuple[int, str]] = []
        after: list[tuple[int, str]] = []
        type_ids = set()
        sequence_type = 0
        side = before
        for kind, name, type_id in self.single:
            if kind == "sequence":
                if name != "A" or side is after:
                    return None
                side = after
                sequence_type = type_id
            else:
                ids, toks = self.special_tokens[name]
                side.extend(zip(ids, toks))
                type_ids.add(type_id)
        if side is before or type_ids - {sequence_type}:
            return None
        return (sequence_type, _specials(before, after), _specials([], []))

    def added_tokens(self, is_pair: bool) -> int:
        template = self.pair if is_pair else self.single
        return sum(len(self.special_tokens[n][0]) for k, n, _ in template if k == "special")

    def process_encodings(
        self, encodings: list[Encoding], add_special_tokens: bool = True
    ) -> list[Encoding]:
        template = self.pair if len(encodings) == 2 else self.single
        out: list[Encoding] = []
        for kind, name, type_id in template:
            if kind == "sequence":
                index = 0 if name == "A" else 1
                if index >= len(encodings):
                    continue
                enc = encodings[index]
                enc.set_sequence(index, type_id)
                out.append(enc)
            elif add_special_tokens:
                ids, toks = self.special_tokens[name]
                n = len(ids)
                out.append(
                    Encoding(
                        ids=list(ids),
                        tokens=list(toks),
                        offsets=[(0, 0)] * n,
                        type_ids=[type_id] * n,
                        attention_mask=[1] * n,
                        special_tokens_mask=[1] * n,
                        word_ids=[None] * n,
                    )
                )
        return out

    def to_dict(self) -> dict[str, Any]:
        def pieces(template: list[Piece]) -> list[dict[str, Any]]:
            return [
                {"Sequence" if k == "sequence" else "SpecialToken": {"id": n, "type_id": t}}
                for k, n, t in template
            ]

        return {
            "type": "TemplateProcessing",
            "single": pieces(self.single),
            "pair": pieces(self.pair),
            "special_tokens": {
                name: {"id": name, "ids": ids, "tokens": toks}
                for name, (ids, toks) in self.special_tokens.items()
            },
        }


class BertProcessing(TemplateProcessing):
    """BERT's fixed template: ``[CLS] A [SEP]`` and ``[CLS] A [SEP] B [SEP]`` (B: type 1).

    Args:
        sep: ``(token, id)`` of the separator.
        cls: ``(token, id)`` of the classifier token.
    """

    def __init__(self, sep: tuple[str, int], cls: tuple[str, int]) -> None:
        self.sep = (sep[0], sep[1])
        self.cls = (cls[0], cls[1])
        s, c = self.sep[0], self.cls[0]
        super().__init__(f"{c} $A {s}", f"{c} $A {s} $B:1 {s}:1", [self.cls, self.sep])

    def to_dict(self) -> dict[str, Any]:
        return {"type": "BertProcessing", "sep": list(self.sep), "cls": list(self.cls)}


class RobertaProcessing(PostProcessor):
    """RoBERTa's post-processor: byte-level offset trimming, then ``<s> A </s>`` and
    ``<s> A </s> </s> B </s>``, with every type id 0 (as in ``tokenizers``).

    Args:
        sep: ``(token, id)`` of the separator (``("</s>", 2)``).
        cls: ``(token, id)`` of the start token (``("<s>", 0)``).
        trim_offsets: Trim the spaces tokens carry off their offsets.
        add_prefix_space: The pre-tokenizer added a space (see :class:`ByteLevel`).
    """

    def __init__(
        self,
        sep: tuple[str, int] = ("</s>", 2),
        cls: tuple[str, int] = ("<s>", 0),
        trim_offsets: bool = True,
        add_prefix_space: bool = True,
    ) -> None:
        self.sep = (sep[0], sep[1])
        self.cls = (cls[0], cls[1])
        self.trim_offsets = bool(trim_offsets)
        self.add_prefix_space = bool(add_prefix_space)
        s, c = self.sep, self.cls
        specials = [c, s] if c[0] != s[0] else [c]
        # A template inside, not a subclass: what takes a TemplateProcessing as pure
        # template (the tokenizer's lazy path) must not skip the trimming.
        self._template = TemplateProcessing(
            [_special(c[0]), _SEQ_A, _special(s[0])],
            [_special(c[0]), _SEQ_A, _special(s[0]), _special(s[0]), _SEQ_B, _special(s[0])],
            specials,
        )

    def added_tokens(self, is_pair: bool) -> int:
        return 4 if is_pair else 2

    def process_encodings(
        self, encodings: list[Encoding], add_special_tokens: bool = True
    ) -> list[Encoding]:
        if self.trim_offsets:
            for e in encodings:
                _trim(e, self.add_prefix_space)
        if add_special_tokens:
            # tokenizers rebuilds the mask: only <s> and </s> count as special then.
            for e in encodings:
                _clear_special_mask(e)
        return self._template.process_encodings(encodings, add_special_tokens)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "RobertaProcessing",
            "sep": list(self.sep),
            "cls": list(self.cls),
            "trim_offsets": self.trim_offsets,
            "add_prefix_space": self.add_prefix_space,
        }


# The processors whose single_plan() is trusted: exactly these types.
_PLANNED = frozenset((ByteLevel, TemplateProcessing, BertProcessing))


def _clear_special_mask(encoding: Encoding) -> None:
    encoding.special_tokens_mask = [0] * len(encoding.ids)
    for o in encoding.overflowing:
        _clear_special_mask(o)


_SEQ_A = {"Sequence": {"id": "A", "type_id": 0}}
_SEQ_B = {"Sequence": {"id": "B", "type_id": 0}}


def _special(name: str) -> dict[str, Any]:
    return {"SpecialToken": {"id": name, "type_id": 0}}


class Sequence(PostProcessor):
    """Apply several post-processors in order (e.g. ByteLevel, then a template)."""

    def __init__(self, processors: SequenceABC[PostProcessor]) -> None:
        self.processors = list(processors)

    def process_encodings(
        self, encodings: list[Encoding], add_special_tokens: bool = True
    ) -> list[Encoding]:
        for p in self.processors:
            encodings = p.process_encodings(encodings, add_special_tokens)
        return encodings

    def added_tokens(self, is_pair: bool) -> int:
        return sum(p.added_tokens(is_pair) for p in self.processors)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "Sequence", "processors": [p.to_dict() for p in self.processors]}


def _pair(value: Any, what: str) -> tuple[str, int]:
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
    ):
        return (value[0], value[1])
    raise ModelFileError(f"BertProcessing: {what!r} must be [token, id]")


def _byte_level_from_dict(d: dict[str, Any]) -> ByteLevel:
    return ByteLevel(
        trim_offsets=bool(d.get("trim_offsets", True)),
        add_prefix_space=bool(d.get("add_prefix_space", True)),
        use_regex=bool(d.get("use_regex", True)),
    )


def _template_from_dict(d: dict[str, Any]) -> TemplateProcessing:
    specials = d.get("special_tokens", {})
    if not isinstance(specials, dict):
        raise ModelFileError("TemplateProcessing: 'special_tokens' must be an object")
    for key in ("single", "pair"):
        if not isinstance(d.get(key), list):
            raise ModelFileError(f"TemplateProcessing: {key!r} must be a list")
    try:
        return TemplateProcessing(d["single"], d["pair"], list(specials.values()))
    except ConfigError as e:
        raise ModelFileError(f"TemplateProcessing: {e}") from None


def _bert_from_dict(d: dict[str, Any]) -> BertProcessing:
    return BertProcessing(_pair(d.get("sep"), "sep"), _pair(d.get("cls"), "cls"))


def _roberta_from_dict(d: dict[str, Any]) -> RobertaProcessing:
    return RobertaProcessing(
        _pair(d.get("sep"), "sep"),
        _pair(d.get("cls"), "cls"),
        trim_offsets=dict_field(d, "trim_offsets", bool, True),
        add_prefix_space=dict_field(d, "add_prefix_space", bool, True),
    )


def _sequence_from_dict(d: dict[str, Any]) -> Sequence:
    items = d.get("processors")
    if not isinstance(items, list):
        raise ModelFileError("Sequence post_processor: 'processors' must be a list")
    procs = [processor_from_dict(p) for p in items]
    return Sequence([p for p in procs if p is not None])


#: ``tokenizer.json`` post-processor ``type`` -> the builder of that post-processor
#: from its dict: the one table :func:`processor_from_dict` reads.
PROCESSOR_TYPES: dict[str, Callable[[dict[str, Any]], PostProcessor]] = {
    "ByteLevel": _byte_level_from_dict,
    "TemplateProcessing": _template_from_dict,
    "BertProcessing": _bert_from_dict,
    "RobertaProcessing": _roberta_from_dict,
    "Sequence": _sequence_from_dict,
}


def processor_from_dict(d: Any) -> PostProcessor | None:
    """Build a post-processor from its ``tokenizer.json`` dict (None stays None).

    Args:
        d: The ``"post_processor"`` value of a ``tokenizer.json`` (``None`` allowed).

    Returns:
        The post-processor, or ``None`` when ``d`` is ``None``.

    Raises:
        ModelFileError: unknown or unsupported type (the message lists those of
            :data:`PROCESSOR_TYPES`), or malformed fields.
    """
    if d is None:
        return None
    if not isinstance(d, dict):
        raise ModelFileError("'post_processor' must be an object or null")
    kind = d.get("type")
    build = PROCESSOR_TYPES.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise ModelFileError(
            f"post_processor type {kind!r} is not supported "
            f"(supported: {', '.join(PROCESSOR_TYPES)})"
        )
    return build(d)
