"""Pure twin of the native BERT word counter (``_bertcount.pxi``).

The native counter splits ASCII text itself and hands other text to ``words``; here
every text goes to ``words``, which is the definition the native split is tested
against.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

__all__ = ["BertWordCounter"]


class BertWordCounter:
    """Count the words of BERT's normalizer and pre-tokenizer over many texts.

    Equivalent to ``Counter(w for t in texts for w in words(t))``, keys in first-seen
    order, for ``words`` = ``BertNormalizer(clean_text=True, lowercase=lowercase)``
    then ``BertPreTokenizer``.

    Args:
        words: the BERT words of one text (normalizer, then pre-tokenizer).
        lowercase: the normalizer's option (the native twin's ASCII split needs it).

    Raises:
        TypeError: ``words`` is not callable.

    >>> from tokenlab.normalizers import BertNormalizer
    >>> from tokenlab.pre_tokenizers import BertPreTokenizer
    >>> norm, pre = BertNormalizer(), BertPreTokenizer()
    >>> counter = BertWordCounter(lambda t: pre.words(norm.normalize_str(t)), True)
    >>> counter.add(["Hi, hi!", "Ünï hi"])
    >>> counter.to_dict()
    {'hi': 3, ',': 1, '!': 1, 'uni': 1}
    """

    def __init__(self, words: Callable[[str], list[str]], lowercase: bool = True) -> None:
        if not callable(words):
            raise TypeError(f"words must be callable, got {type(words).__name__}")
        self._words = words
        self._lower = bool(lowercase)
        self._counts: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._counts)

    def add(self, texts: Iterable[str]) -> None:
        """Count the words of each text of ``texts``.

        Raises:
            TypeError: an item of ``texts`` is not a str, or ``words`` returned
                something other than strs.
        """
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, got {type(text).__name__}")
            found = self._words(text)
            for word in found:
                if not isinstance(word, str):
                    raise TypeError(f"words must return strs, got {type(word).__name__}")
            self._counts.update(found)

    def to_dict(self) -> dict[str, int]:
        """Return ``{word: count}`` in first-seen order."""
        return dict(self._counts)
