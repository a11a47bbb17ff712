"""What BERT's normalizer and pre-tokenizer do to each char, as rules.

Both BERT components treat almost every char on its own, so the word counter
(:mod:`tokenlab.corpus`) and the native BERT encoder ask them once per distinct char
what happens to it, and walk a text in one pass with the answers. A char whose fate
depends on its neighbours has no rule: a text holding it takes the general pipeline.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from .normalizers import BertNormalizer, Normalizer
from .pre_tokenizers import BertPreTokenizer, PreTokenizer

__all__ = ["BertWordRules", "bert_char_rule", "bert_word_rules"]


def bert_char_rule(
    normalizer: Normalizer | None, pre_tokenizer: PreTokenizer | None
) -> Callable[[str], str | None] | None:
    """What BERT's normalizer and pre-tokenizer do to one char, as a rule; None if not BERT.

    For ``BertPreTokenizer`` (optionally after ``BertNormalizer``): the returned function
    maps a char to ``""`` (the normalizer drops it: a control, ZWNJ, a stripped
    accent; its neighbours keep their own offsets), ``" "`` (a separator), its
    normalized form (chars inside a word: ``"e"`` for ``"É"``) or ``" c "`` (``c``, a
    word of its own), or to None when the char's fate depends on its neighbours (a
    combining mark kept through accent stripping, which canonical ordering could move;
    a char whose case depends on the next one; an output the pre-tokenizer would cut),
    so that a text holding it must take the general path.
    Each rule is found by running the two components on the char between letters, so
    it says what they do, not what they are meant to do.

    >>> from tokenlab.normalizers import BertNormalizer
    >>> from tokenlab.pre_tokenizers import BertPreTokenizer
    >>> rule = bert_char_rule(BertNormalizer(), BertPreTokenizer())
    >>> [rule(c) for c in "É,中 "]
    ['e', ' , ', ' 中 ', ' ']
    """
    if type(pre_tokenizer) is not BertPreTokenizer:
        return None
    if normalizer is not None and type(normalizer) is not BertNormalizer:
        return None
    words = pre_tokenizer.words
    norm = normalizer.normalize_str if normalizer is not None else str
    # Without NFD (no accent stripping) nothing reorders marks: a kept mark is a char
    # of its word like any other.
    reorders = normalizer is not None and normalizer._strips

    def rule(ch: str) -> str | None:
        out = norm(ch)
        for left, right in (("q", ""), ("", "q"), ("q", "q")):
            if norm(left + ch + right) != left + out + right:
                return None  # depends on the neighbours (e.g. a final sigma)
        if reorders and any(unicodedata.combining(c) for c in out):
            return None  # canonical reordering could move it across its neighbours
        if not out:
            # Dropped (a control, a stripped accent, ZWNJ): its neighbours keep their
            # own offsets, as tokenizers gives them (tests/test_encode_bert.py).
            return ""
        split = words(f"q{out}q")
        if split == ["q", "q"]:
            return " "
        if len(out) == 1 and split == ["q", out, "q"]:
            return f" {out} "
        if len(out) == 3 and out[0] == " " == out[2] and split == ["q", out[1], "q"]:
            return out  # a word of its own, with the spaces the normalizer put around it
        if split == [f"q{out}q"] and " " not in out and "\n" not in out:
            return out
        return None

    return rule


#: A BERT set-up's word rules: the 128-entry ASCII table and the per-char rule function.
BertWordRules = tuple[list[str], Callable[[str], "str | None"]]


def bert_word_rules(
    normalizer: Normalizer | None, pre_tokenizer: PreTokenizer | None
) -> BertWordRules | None:
    """The :func:`bert_char_rule` of a BERT set-up, with its ASCII rules as a table.

    The table is the form :class:`SpaceWordCounter <tokenlab._pycore.SpaceWordCounter>`
    and ``BertEncoder`` take: 128 entries, each ``""``, ``" "``, one char or ``" c "``.
    None for other set-ups, or when an ASCII char does not fit those forms.

    >>> from tokenlab.pre_tokenizers import BertPreTokenizer
    >>> table, rule = bert_word_rules(None, BertPreTokenizer())
    >>> table[ord("a")], table[ord(",")], table[ord(" ")], rule("é")
    ('a', ' , ', ' ', 'é')
    """
    rule = bert_char_rule(normalizer, pre_tokenizer)
    if rule is None:
        return None
    table: list[str] = []
    for cp in range(128):
        out = rule(chr(cp))
        if out is None or not out.isascii() or (len(out) > 1 and out.strip() == out):
            return None
        table.append(out)
    if table[10] != " " or table[ord("q")] != "q":
        return None
    return table, rule
