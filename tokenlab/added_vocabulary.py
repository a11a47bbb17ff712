"""Added tokens: the tokens matched in the text before the model runs (``<mask>``, ...).

The rules are Hugging Face ``tokenizers``' (``added_vocabulary.rs``), read there:

* Tokens with ``normalized=False`` are matched on the raw text first; the tokens
  with ``normalized=True`` are matched afterwards, in each remaining part once it is
  normalized, against their contents normalized by the same normalizer.
* Matching is leftmost-longest over all tokens of one kind, left to right, without
  overlap; a match rejected by ``single_word`` is skipped (the scan goes on after it).
* ``single_word``: the match must not touch a word char (``\\w``: alphabetic, marks,
  decimal digits, connector punctuation, join controls) on either side.
* ``lstrip``/``rstrip``: the whitespace (Unicode ``White_Space``) right before/after
  the match becomes part of it (never whitespace an earlier match took).
* The token's string in an encoding is the matched text, spaces included.

The matchers are built once, lazily, on first use after a change: registering N
tokens costs O(N), not N regex compilations.
"""

from __future__ import annotations

import re
from typing import Any

import regex

__all__ = ["AddedToken", "AddedVocabulary", "Split"]

#: ``(start, end, id)`` of one part of a text: an added token's id, or None for text.
Split = tuple[int, int, "int | None"]

# What Rust's regex crate means by \w and \s (Unicode), which tokenizers uses.
_WORD_CHAR = regex.compile(r"[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]")
_SPACE_CHAR = regex.compile(r"\p{White_Space}")
_SPACES = regex.compile(r"\p{White_Space}*")


class AddedToken:
    """A token matched in the text before the model runs (e.g. ``<mask>``, ``<|endoftext|>``).

    The fields and defaults of ``tokenizers.AddedToken``.

    Args:
        content: the token's text.
        single_word: match only where it does not touch a word char on either side.
        lstrip: take the whitespace before it into the match.
        rstrip: take the whitespace after it into the match.
        normalized: match it in the normalized text (against its normalized
            content) rather than in the raw text. None: ``not special``.
        special: skipped by ``decode(skip_special_tokens=True)``.
            :meth:`~tokenlab.Tokenizer.add_special_tokens` sets it.

    >>> AddedToken("the").normalized, AddedToken("<s>", special=True).normalized
    (True, False)
    """

    __slots__ = ("_normalized", "content", "lstrip", "rstrip", "single_word", "special")

    def __init__(
        self,
        content: str,
        single_word: bool = False,
        lstrip: bool = False,
        rstrip: bool = False,
        normalized: bool | None = None,
        special: bool = False,
    ) -> None:
        self.content = content
        self.single_word = bool(single_word)
        self.lstrip = bool(lstrip)
        self.rstrip = bool(rstrip)
        self._normalized = None if normalized is None else bool(normalized)
        self.special = bool(special)

    @property
    def normalized(self) -> bool:
        """Whether the token is matched in the normalized text (default: ``not special``)."""
        return not self.special if self._normalized is None else self._normalized

    @normalized.setter
    def normalized(self, value: bool) -> None:
        self._normalized = bool(value)

    def _key(self) -> tuple[str, bool, bool, bool, bool, bool]:
        return (
            self.content,
            self.single_word,
            self.lstrip,
            self.rstrip,
            self.normalized,
            self.special,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AddedToken):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self.content)

    def __repr__(self) -> str:
        return (
            f"AddedToken({self.content!r}, rstrip={self.rstrip}, lstrip={self.lstrip}, "
            f"single_word={self.single_word}, normalized={self.normalized}, "
            f"special={self.special})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.content, self.single_word, self.lstrip, self.rstrip, self._normalized)
        return (AddedToken, (*args, self.special))

    def as_special(self) -> AddedToken:
        """A copy with ``special=True`` (an unset ``normalized`` then means False)."""
        return AddedToken(
            self.content, self.single_word, self.lstrip, self.rstrip, self._normalized, True
        )

    def to_dict(self, id: int) -> dict[str, Any]:
        """The ``added_tokens`` entry of ``tokenizer.json``."""
        return {
            "id": id,
            "content": self.content,
            "single_word": self.single_word,
            "lstrip": self.lstrip,
            "rstrip": self.rstrip,
            "normalized": self.normalized,
            "special": self.special,
        }


def _trie_pattern(contents: list[str]) -> str:
    """A regex matching the longest of ``contents`` at the leftmost position.

    The contents as a trie (``"ab|abc|ad"`` is ``a(?:b(?:c)?|d)``): a regex engine
    walks one path of it per position, where an alternation of thousands of
    literals tries each in turn (100x slower on Whisper's 1,600 timestamp tokens).
    A greedy ``?`` after a node that ends a content tries the longer contents first,
    so the match is the longest, as tokenizers' leftmost-longest Aho-Corasick gives.

    >>> _trie_pattern(["ab", "abc", "ad"])
    'a(?:b(?:c)?|d)'
    """
    trie: dict[str | None, Any] = {}
    for content in contents:
        node = trie
        for ch in content:
            node = node.setdefault(ch, {})
        node[None] = {}  # a content ends here
    return _node_pattern(trie)


def _node_pattern(node: dict[str | None, Any]) -> str:
    branches = []
    for ch, child in node.items():
        if ch is None:
            continue
        chain = ch
        while len(child) == 1 and None not in child:  # one path: one literal
            ((nxt, child),) = child.items()
            chain += nxt
        branches.append(re.escape(chain) + _node_pattern(child))
    if not branches:
        return ""
    ends = None in node
    body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
    return body + "?" if ends else body


class _Matcher:
    """Leftmost-longest matching of a set of contents (tokenizers' Aho-Corasick)."""

    def __init__(self, entries: list[tuple[str, int, AddedToken]]) -> None:
        # The first entry of a content wins, as the first pattern does in tokenizers.
        self.by_content: dict[str, tuple[int, AddedToken]] = {}
        for content, tid, tok in entries:
            if content:
                self.by_content.setdefault(content, (tid, tok))
        contents = list(self.by_content)
        # No content (all normalized to ""): a pattern that never matches.
        self.pattern = re.compile(_trie_pattern(contents) or "(?!)")

    def may_occur(self, text: str) -> bool:
        """Whether a content may occur in ``text`` (a quick test before the regex)."""
        # The pattern starts with the set of first chars, which the regex engine scans
        # for in one pass.
        return self.pattern.search(text) is not None

    def find(self, text: str) -> list[Split]:
        """tokenizers' ``find_matches``: the parts of ``text``, covering all of it."""
        out: list[Split] = []
        done = 0
        size = len(text)
        for m in self.pattern.finditer(text):
            start, stop = m.span()
            tid, tok = self.by_content[m.group()]
            if tok.single_word and (
                (start and _WORD_CHAR.match(text, start - 1))
                or (stop < size and _WORD_CHAR.match(text, stop))
            ):
                continue
            if tok.lstrip:
                # Back over the whitespace before the match, never into an earlier one
                # (each step looks at one char: no rescan of the text before it).
                while start > done and _SPACE_CHAR.match(text, start - 1):
                    start -= 1
                start = max(start, done)  # a match inside spaces an rstrip took
            if tok.rstrip:
                spaces = _SPACES.match(text, stop)
                stop = spaces.end() if spaces else stop
            if done < start:
                out.append((done, start, None))
            out.append((start, stop, tid))
            done = stop
        if done != size:
            out.append((done, size, None))
        return out


class AddedVocabulary:
    """The added tokens of a tokenizer: ids, flags, and the two lazily built matchers."""

    def __init__(self) -> None:
        self.by_content: dict[str, tuple[int, AddedToken]] = {}
        self.by_id: dict[int, AddedToken] = {}
        # Registration order (tokenizers lists special tokens first, then the others).
        self._order: list[str] = []
        self._raw: _Matcher | None = None
        self._normalized: tuple[Any, _Matcher | None] | None = None
        self._special: frozenset[str] = frozenset()
        self._dirty = True
        # Counts changes, so a cache of anything derived from the tokens (the decode
        # table) knows when to rebuild.
        self.generation = 0

    def __len__(self) -> int:
        return len(self.by_content)

    def __getstate__(self) -> dict[str, Any]:
        # The matchers are rebuilt on first use.
        return {"by_content": self.by_content, "order": self._order}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self.by_content = dict(state["by_content"])
        self.by_id = {tid: tok for tid, tok in self.by_content.values()}
        self._order = list(state["order"])

    def register(self, tid: int, tok: AddedToken) -> None:
        """Add ``tok`` with id ``tid`` (replacing the flags of a token of that content)."""
        old = self.by_content.get(tok.content)
        if old is None:
            self._order.append(tok.content)
        elif old[0] != tid:
            self.by_id.pop(old[0], None)
        self.by_content[tok.content] = (tid, tok)
        self.by_id[tid] = tok
        self._dirty = True
        self.generation += 1

    def _entries(self, normalized: bool) -> list[tuple[int, AddedToken]]:
        picked = [self.by_content[c] for c in self._order]
        # tokenizers builds its tries from the special tokens, then the others.
        ordered = [e for e in picked if e[1].special] + [e for e in picked if not e[1].special]
        return [e for e in ordered if e[1].normalized == normalized]

    def raw_matcher(self) -> _Matcher | None:
        """The matcher of the tokens with ``normalized=False`` (None: there are none)."""
        if self._dirty:
            self._refresh()
        return self._raw

    def has_normalized(self) -> bool:
        """Whether a token has ``normalized=True``."""
        if self._dirty:
            self._refresh()
        return self._normalized is not None

    def normalized_matcher(self, normalizer: Any) -> _Matcher | None:
        """The matcher of the ``normalized=True`` tokens, their contents normalized by
        ``normalizer`` (the tokenizer's, or None; rebuilt when it is replaced)."""
        if self._dirty:
            self._refresh()
        cached = self._normalized
        if cached is None:
            return None
        if cached[1] is None or cached[0] is not normalizer:
            pairs = [
                (normalizer.normalize_str(tok.content) if normalizer else tok.content, tid, tok)
                for tid, tok in self._entries(True)
            ]
            cached = (normalizer, _Matcher(pairs))
            self._normalized = cached
        return cached[1]

    def special_contents(self) -> frozenset[str]:
        """The contents of the special tokens."""
        if self._dirty:
            self._refresh()
        return self._special

    def _refresh(self) -> None:
        self._special = frozenset(c for c, (_, t) in self.by_content.items() if t.special)
        raw = self._entries(False)
        self._raw = _Matcher([(t.content, tid, t) for tid, t in raw]) if raw else None
        self._normalized = (None, None) if self._entries(True) else None
        self._dirty = False
