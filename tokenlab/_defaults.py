"""The one table of training defaults per algorithm, and what the word option names mean.

:func:`tokenlab.train`, :func:`tokenlab.count_settings`,
:meth:`tokenlab.counts.CountSettings.for_training`, the trainers' constructors and
the ``tokenlab`` command line all read their defaults here, so that they cannot
drift apart (they once did: ``vocab_size`` was 30000 in ``train()`` and the CLI
but 8000 in the SentencePiece trainers).

``vocab_size``: 30000 for ``bpe`` and ``wordpiece`` (Hugging Face's ``BpeTrainer``
and ``WordPieceTrainer``), 8000 for ``sp-bpe`` and ``unigram`` (``spm_train``'s
``--vocab_size``): each family keeps the default of the library whose option
names it takes.

The table lives below the trainers and :mod:`tokenlab.counts` (it imports only
the pipeline components), because both must read it and neither may import
:mod:`tokenlab.api`.

>>> DEFAULTS["unigram"].vocab_size, DEFAULTS["bpe"].vocab_size
(8000, 30000)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import normalizers, pre_tokenizers
from ._patterns import BYTE_LEVEL_SETUPS
from .errors import ConfigError

__all__ = [
    "ALGORITHMS",
    "DEFAULTS",
    "SENTENCEPIECE",
    "SENTENCEPIECE_ALGORITHMS",
    "SENTENCEPIECE_NORMALIZATIONS",
    "AlgorithmDefaults",
    "SentencePieceDefaults",
    "check_algorithm",
    "normalizer_of",
    "pre_tokenizer_of",
]

#: The training algorithms, by the names ``tokenlab.train(algorithm=...)`` takes.
ALGORITHMS: tuple[str, ...] = ("bpe", "wordpiece", "sp-bpe", "unigram")
#: The algorithms trained on raw sentences with SentencePiece's pipeline and options.
SENTENCEPIECE_ALGORITHMS: tuple[str, ...] = ("sp-bpe", "unigram")
#: The normalizations ``tokenlab.train`` offers for SentencePiece models.
SENTENCEPIECE_NORMALIZATIONS: tuple[str, ...] = ("nmt_nfkc", "identity")
#: The pre-tokenizer names whose words are byte-level symbols.
BYTE_LEVEL_PRE_TOKENIZERS: tuple[str, ...] = BYTE_LEVEL_SETUPS

_BERT_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


@dataclass(frozen=True)
class AlgorithmDefaults:
    """What :func:`tokenlab.train` uses for an option left out, for one algorithm.

    ``pre_tokenizer`` and ``normalizer`` are names (None: none; SentencePiece
    algorithms split on ``▁`` by themselves and name their normalization).
    """

    vocab_size: int
    min_frequency: int = 0
    pre_tokenizer: str | None = None
    normalizer: str | None = None
    lowercase: bool = False
    special_tokens: tuple[str, ...] = ()
    continuing_subword_prefix: str | None = None


DEFAULTS: dict[str, AlgorithmDefaults] = {
    "bpe": AlgorithmDefaults(vocab_size=30000, pre_tokenizer="byte-level"),
    # uncased BERT: its normalizer and pre-tokenizer, lowercased, its five special tokens
    "wordpiece": AlgorithmDefaults(
        vocab_size=30000,
        pre_tokenizer="bert",
        normalizer="bert",
        lowercase=True,
        special_tokens=_BERT_SPECIAL_TOKENS,
        continuing_subword_prefix="##",
    ),
    "sp-bpe": AlgorithmDefaults(vocab_size=8000, normalizer="nmt_nfkc"),
    "unigram": AlgorithmDefaults(vocab_size=8000, normalizer="nmt_nfkc"),
}


@dataclass(frozen=True)
class SentencePieceDefaults:
    """``spm_train``'s defaults for the options both SentencePiece trainers share,
    and for each one's own (``split_by_unicode_script`` for sp-bpe; the seed, shrinking
    and EM options for unigram)."""

    character_coverage: float = 0.9995
    max_sentencepiece_length: int = 16
    split_by_unicode_script: bool = True
    split_by_number: bool = True
    split_digits: bool = False
    split_by_whitespace: bool = True
    treat_whitespace_as_suffix: bool = False
    byte_fallback: bool = False
    unk_piece: str = "<unk>"
    bos_piece: str = "<s>"
    eos_piece: str = "</s>"
    pad_piece: str = "<pad>"
    unk_id: int = 0
    bos_id: int = 1
    eos_id: int = 2
    pad_id: int = -1
    add_dummy_prefix: bool = True
    remove_extra_whitespaces: bool = True
    max_sentence_length: int = 4192
    seed_sentencepiece_size: int = 1_000_000
    shrinking_factor: float = 0.75
    num_sub_iterations: int = 2


SENTENCEPIECE = SentencePieceDefaults()

_NORMALIZERS: dict[str, type[normalizers.Normalizer]] = {
    "nfc": normalizers.NFC,
    "nfd": normalizers.NFD,
    "nfkc": normalizers.NFKC,
    "nfkd": normalizers.NFKD,
}


def check_algorithm(algorithm: object) -> str:
    """``algorithm`` if it is one of :data:`ALGORITHMS`.

    Raises:
        ConfigError: any other value (the message lists the valid ones).
    """
    if algorithm not in ALGORITHMS:
        raise ConfigError(
            f"unknown algorithm {algorithm!r}; valid algorithms: {', '.join(ALGORITHMS)}"
        )
    return str(algorithm)


def pre_tokenizer_of(
    algorithm: str, pre_tokenizer: str | pre_tokenizers.PreTokenizer | None
) -> tuple[pre_tokenizers.PreTokenizer, bool]:
    """The pre-tokenizer of a ``bpe`` or ``wordpiece`` training, and whether it is byte-level.

    Raises:
        ConfigError: an unknown pre-tokenizer name.

    >>> pre, byte_level = pre_tokenizer_of("wordpiece", None)
    >>> type(pre).__name__, byte_level
    ('BertPreTokenizer', False)
    """
    if pre_tokenizer is None:
        pre_tokenizer = DEFAULTS[algorithm].pre_tokenizer
    if isinstance(pre_tokenizer, str):
        return (
            pre_tokenizers.get_pre_tokenizer(pre_tokenizer),
            pre_tokenizer in BYTE_LEVEL_PRE_TOKENIZERS,
        )
    return pre_tokenizer, isinstance(pre_tokenizer, pre_tokenizers.ByteLevel)  # type: ignore[return-value]


def normalizer_of(
    algorithm: str, normalizer: str | normalizers.Normalizer | None, lowercase: bool | None
) -> Any:
    """The normalizer of a ``bpe`` or ``wordpiece`` training (None: none).

    Args:
        algorithm: ``"bpe"`` or ``"wordpiece"`` (whose defaults fill in a None).
        normalizer: ``"nfc"``, ``"nfkc"``, ``"nfd"``, ``"nfkd"``, ``"bert"``, a
            normalizer object, or None.
        lowercase: lowercase after normalizing (BERT's normalizer does it itself).

    Raises:
        ConfigError: an unknown normalizer name.

    >>> normalizer_of("bpe", "nfkc", True).to_dict()["type"]
    'Sequence'
    """
    defaults = DEFAULTS[algorithm]
    name = normalizer or defaults.normalizer
    if lowercase is None:
        lowercase = defaults.lowercase
    if name == "bert":
        # BERT's normalizer lowercases (and strips accents) by itself.
        return normalizers.BertNormalizer(lowercase=lowercase)
    parts: list[normalizers.Normalizer] = []
    if isinstance(name, normalizers.Normalizer):
        parts.append(name)
    elif name is not None:
        if name not in _NORMALIZERS:
            raise ConfigError(
                f"unknown normalizer {name!r}; valid names: "
                f"{', '.join(sorted([*_NORMALIZERS, 'bert']))}"
            )
        parts.append(_NORMALIZERS[name]())
    if lowercase:
        parts.append(normalizers.Lowercase())
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else normalizers.Sequence(parts)
