"""tokenlab: subword-tokenizer algorithms with a native core, exact and deterministic.

Train a tokenizer on your corpus, encode and decode with it, and save it as a
Hugging Face ``tokenizer.json``:

>>> import tokenlab
>>> tok = tokenlab.train(iter(["hug pug pun bun hugs"]), vocab_size=262, show_progress=False)
>>> tok.decode(tok.encode("hugs").ids)
'hugs'

``tokenlab.backend`` says which core runs: ``"cython"`` (native) or ``"python"``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import decoders, export, normalizers, pre_tokenizers, processors
from ._backend import BACKEND as backend
from ._version import __version__
from .bpe import BPETrainer as BPETrainer
from .errors import ConfigError as ConfigError
from .errors import CorpusError as CorpusError
from .errors import ModelFileError as ModelFileError
from .errors import TokenlabError as TokenlabError
from .models import BPE as BPE
from .models import SentencePieceBPE as SentencePieceBPE
from .models import Unigram as Unigram
from .models import WordPiece as WordPiece
from .sentencepiece_bpe import SentencePieceBPETrainer as SentencePieceBPETrainer
from .tokenizer import AddedToken as AddedToken
from .tokenizer import Encoding as Encoding
from .tokenizer import Tokenizer as Tokenizer
from .unigram import UnigramTrainer as UnigramTrainer
from .wordpiece import WordPieceTrainer as WordPieceTrainer

__all__ = [
    "BPE",
    "AddedToken",
    "BPETrainer",
    "ConfigError",
    "CorpusError",
    "Encoding",
    "ModelFileError",
    "SentencePieceBPE",
    "SentencePieceBPETrainer",
    "Tokenizer",
    "TokenlabError",
    "Unigram",
    "UnigramTrainer",
    "WordPiece",
    "WordPieceTrainer",
    "__version__",
    "backend",
    "decoders",
    "export",
    "normalizers",
    "pre_tokenizers",
    "processors",
    "train",
    "train_from_counts",
]

ALGORITHMS = ("bpe", "wordpiece", "sp-bpe", "unigram")
_SENTENCEPIECE = ("sp-bpe", "unigram")
_BYTE_LEVEL = ("byte-level", "gpt2", "cl100k_base", "o200k_base")
_NORMALIZERS = {
    "nfc": normalizers.NFC,
    "nfd": normalizers.NFD,
    "nfkc": normalizers.NFKC,
    "nfkd": normalizers.NFKD,
}


def _normalizer(name: str | normalizers.Normalizer | None, lowercase: bool) -> Any:
    parts: list[normalizers.Normalizer] = []
    if name == "bert":
        # BERT's normalizer lowercases (and strips accents) by itself.
        return normalizers.BertNormalizer(lowercase=lowercase)
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


def train(
    files_or_iterator: str
    | os.PathLike[str]
    | Sequence[str | os.PathLike[str]]
    | Iterable[str]
    | Iterable[bytes],
    algorithm: str = "bpe",
    vocab_size: int = 30000,
    min_frequency: int = 0,
    special_tokens: Sequence[str] | None = None,
    pre_tokenizer: str | pre_tokenizers.PreTokenizer | None = None,
    normalizer: str | normalizers.Normalizer | None = None,
    lowercase: bool | None = None,
    show_progress: bool = True,
    errors: str = "strict",
    processes: int | None = None,
    **trainer_kwargs: Any,
) -> Tokenizer:
    """Train a tokenizer in one call.

    Args:
        files_or_iterator: a file path, directory or glob pattern, a list or tuple
            of those (``"-"`` reads stdin), or any other iterable of texts, ``str``
            or UTF-8 ``bytes`` (e.g. ``iter(list_of_texts)``).
        algorithm: ``"bpe"`` (frequency merges), ``"wordpiece"`` (likelihood
            merges, with BERT's pipeline), or SentencePiece's ``"sp-bpe"`` and
            ``"unigram"``, trained on raw sentences (lines) with SentencePiece's
            pipeline and option names (see below).
        vocab_size: final vocabulary size, special tokens included.
        min_frequency: minimum pair count for a merge.
        special_tokens: tokens that get the first ids and are matched whole
            (None: none for BPE; ``[PAD] [UNK] [CLS] [SEP] [MASK]`` for WordPiece).
        pre_tokenizer: ``"byte-level"``, ``"gpt2"``, ``"cl100k_base"``,
            ``"o200k_base"``, ``"whitespace"``, ``"whitespace-split"``, ``"bert"``,
            or a pre-tokenizer object (None: ``"byte-level"`` for BPE, ``"bert"``
            for WordPiece).
        normalizer: ``"nfc"``, ``"nfkc"``, ``"nfd"``, ``"nfkd"``, ``"bert"``, a
            normalizer object, or None (BPE: none; WordPiece: ``"bert"``). For
            ``sp-bpe`` and ``unigram``: ``"nmt_nfkc"`` (the default, as in
            SentencePiece) or ``"identity"``.
        lowercase: lowercase the text (None: no for BPE, yes for WordPiece, as
            uncased BERT).
        show_progress: progress bars on stderr (only on a terminal).
        errors: invalid UTF-8 in files or bytes items: ``"strict"``, ``"replace"``
            or ``"ignore"``.
        processes: processes that count words in files (None: one per core for
            inputs over 4 MB). The result never depends on it. For ``sp-bpe`` and
            ``unigram`` it is the trainer's ``num_threads`` (None: one per core).
        **trainer_kwargs: other trainer options (:class:`BPETrainer` or
            :class:`WordPieceTrainer`: ``limit_alphabet``, ``initial_alphabet``,
            ``continuing_subword_prefix``, ...). For the byte-level pre-tokenizers
            ``initial_alphabet`` defaults to all 256 byte symbols, so that any text
            can be encoded and decoded losslessly. For ``sp-bpe`` and
            ``unigram`` these are SentencePiece's options
            (:class:`SentencePieceBPETrainer`, :class:`UnigramTrainer`):
            ``character_coverage``, ``byte_fallback``, ``max_sentencepiece_length``,
            ``split_digits``, ``user_defined_symbols``, ``control_symbols``,
            ``unk_id``, ``bos_id``, ``eos_id``, ``pad_id``, ...; the result has
            SentencePiece's pipeline (offsets index the original text) and
            :func:`tokenlab.export.sentencepiece.write_sentencepiece` writes it
            as a ``.model``.

    Returns:
        The trained :class:`Tokenizer`.

    Raises:
        ConfigError: an option is invalid (checked before any text is read).
        CorpusError: a file cannot be read, is not UTF-8, or holds no words.

    >>> tok = train(iter(["aaab aaab"]), vocab_size=258, show_progress=False)
    >>> tok.model.merges
    [('a', 'a')]
    """
    if algorithm not in ALGORITHMS:
        raise ConfigError(
            f"unknown algorithm {algorithm!r}; valid algorithms: {', '.join(ALGORITHMS)}"
        )
    _check_common_options(special_tokens, processes)
    from .counts import WordCounts

    # (word counts from train_from_counts are not texts)
    if not isinstance(files_or_iterator, (str, os.PathLike, list, tuple, WordCounts)):
        from .corpus import decode_texts

        # bytes items are UTF-8 text, decoded with the same error policy as files
        files_or_iterator = decode_texts(files_or_iterator, errors)  # type: ignore[arg-type]
    if algorithm in _SENTENCEPIECE:
        if processes is not None:
            # SentencePiece's name for it; it also sets the training threads.
            trainer_kwargs.setdefault("num_threads", processes)
        return _train_sentencepiece(
            files_or_iterator,
            algorithm,
            vocab_size,
            min_frequency=min_frequency,
            special_tokens=special_tokens,
            pre_tokenizer=pre_tokenizer,
            normalizer=normalizer,
            lowercase=lowercase,
            show_progress=show_progress,
            errors=errors,
            **trainer_kwargs,
        )
    wordpiece = algorithm == "wordpiece"
    if pre_tokenizer is None:
        pre_tokenizer = "bert" if wordpiece else "byte-level"
    if isinstance(pre_tokenizer, str):
        pre = pre_tokenizers.get_pre_tokenizer(pre_tokenizer)
        byte_level = pre_tokenizer in _BYTE_LEVEL
    else:
        pre = pre_tokenizer
        byte_level = isinstance(pre, pre_tokenizers.ByteLevel)
    if lowercase is None:
        lowercase = wordpiece
    if byte_level:
        trainer_kwargs.setdefault("initial_alphabet", pre_tokenizers.ByteLevel.alphabet())
    if special_tokens is not None:
        trainer_kwargs["special_tokens"] = special_tokens
        if byte_level:
            _check_not_in_alphabet(special_tokens, trainer_kwargs["initial_alphabet"])
    unknown = sorted(set(trainer_kwargs) - _trainer_options(wordpiece))
    if unknown:
        raise ConfigError(
            f"unknown option {unknown[0]!r} for algorithm={algorithm!r}; valid options: "
            f"{', '.join(sorted(_trainer_options(wordpiece)))}"
        )
    trainer: BPETrainer | WordPieceTrainer
    if wordpiece:
        trainer = WordPieceTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            show_progress=show_progress,
            **trainer_kwargs,
        )
        tok = Tokenizer(
            WordPiece({"[UNK]": 0}),
            normalizer=_normalizer(normalizer or "bert", lowercase),
            pre_tokenizer=pre,
            decoder=decoders.WordPiece(prefix=trainer.continuing_subword_prefix),
        )
    else:
        trainer = BPETrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            show_progress=show_progress,
            **trainer_kwargs,
        )
        suffix = trainer.end_of_word_suffix
        decoder: decoders.Decoder | None
        if byte_level:
            decoder = decoders.ByteLevel()
        elif suffix:
            decoder = decoders.BPEDecoder(suffix)
        else:
            decoder = None
        tok = Tokenizer(
            BPE(),
            normalizer=_normalizer(normalizer, lowercase),
            pre_tokenizer=pre,
            post_processor=processors.ByteLevel(trim_offsets=False) if byte_level else None,
            decoder=decoder,
        )
    # The alphabet always holds the initial symbols: a vocab too small for them and the
    # special tokens can be refused now instead of after counting the corpus.
    floor = len({*trainer.special_tokens, *trainer.initial_alphabet})
    if trainer.vocab_size < floor:
        raise ConfigError(
            f"vocab_size={trainer.vocab_size} is smaller than the {len(trainer.special_tokens)} "
            f"special tokens plus the {len(trainer.initial_alphabet)} symbols of the initial "
            f"alphabet; use a vocab_size of at least {floor}"
        )
    from .counts import WordCounts, check_tokenizer_counts

    if isinstance(files_or_iterator, WordCounts):  # from train_from_counts
        check_tokenizer_counts(files_or_iterator, tok)
        tok._train_counts(files_or_iterator, trainer)
    elif isinstance(files_or_iterator, (str, os.PathLike, list, tuple)):
        tok.train(files_or_iterator, trainer, errors=errors, processes=processes)
    else:
        tok.train_from_iterator(files_or_iterator, trainer)
    if wordpiece:
        vocab = tok.get_vocab()
        if "[CLS]" in vocab and "[SEP]" in vocab:
            tok.post_processor = processors.TemplateProcessing(
                "[CLS] $A [SEP]",
                "[CLS] $A [SEP] $B:1 [SEP]:1",
                [("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
            )
    return tok


def _check_common_options(special_tokens: Sequence[str] | None, processes: int | None) -> None:
    """Checks shared by every algorithm, before any text is read."""
    if processes is not None and (
        not isinstance(processes, int) or isinstance(processes, bool) or processes < 1
    ):
        raise ConfigError(f"processes must be a positive integer or None, got {processes!r}")
    if special_tokens is None or isinstance(special_tokens, str):
        return  # a single string is refused by the trainers, with its own message
    seen: set[str] = set()
    for token in special_tokens:
        if isinstance(token, str) and token in seen:
            raise ConfigError(
                f"special token {token!r} is listed twice in special_tokens; list each once"
            )
        if isinstance(token, str):
            seen.add(token)


def _check_not_in_alphabet(special_tokens: Sequence[str], alphabet: Iterable[str]) -> None:
    """A special token equal to an alphabet symbol would take that symbol from the text."""
    if isinstance(special_tokens, str):
        return  # refused by the trainer, with its own message
    symbols = set(alphabet)
    for token in special_tokens:
        if isinstance(token, str) and token in symbols:
            raise ConfigError(
                f"special token {token!r} is also a symbol of the byte-level alphabet: "
                "text holding it could no longer be encoded as itself; choose another "
                "token (e.g. '<...>')"
            )


def _trainer_options(wordpiece: bool) -> set[str]:
    import inspect

    cls = WordPieceTrainer if wordpiece else BPETrainer
    kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = {n for n, p in inspect.signature(cls.__init__).parameters.items() if p.kind in kinds}
    return names - {"self", "vocab_size", "min_frequency", "show_progress"}


def _train_sentencepiece(
    files_or_iterator: Any,
    algorithm: str,
    vocab_size: int,
    *,
    min_frequency: int,
    special_tokens: Sequence[str] | None,
    pre_tokenizer: Any,
    normalizer: Any,
    lowercase: bool | None,
    show_progress: bool,
    errors: str,
    **trainer_kwargs: Any,
) -> Tokenizer:
    from .sp_tokenizer import train_sentencepiece

    # SentencePiece's pipeline is fixed; say which options do not apply instead of
    # ignoring them.
    for name, value, hint in (
        ("min_frequency", min_frequency, "SentencePiece has no minimum frequency"),
        ("special_tokens", special_tokens, "use control_symbols or user_defined_symbols"),
        ("pre_tokenizer", pre_tokenizer, "SentencePiece splits on '▁' by itself"),
        ("lowercase", lowercase, "SentencePiece does not lowercase"),
    ):
        if value:
            raise ConfigError(f"{name} does not apply to algorithm={algorithm!r}: {hint}")
    return train_sentencepiece(
        files_or_iterator,
        algorithm,
        vocab_size,
        normalization="nmt_nfkc" if normalizer is None else normalizer,
        show_progress=show_progress,
        errors=errors,
        **trainer_kwargs,
    )


def train_from_counts(
    counts: str | os.PathLike[str] | Mapping[str, int],
    algorithm: str = "bpe",
    vocab_size: int = 30000,
    **options: Any,
) -> Tokenizer:
    """Train a tokenizer from word counts, as :func:`train` would from the text.

    The counts come from ``tokenlab count`` (a counts file, see
    :mod:`tokenlab.counts`), :func:`tokenlab.distributed.count_words` or
    :func:`tokenlab.counts.count_files`. With the same options as the counting
    (algorithm family, pre-tokenizer, normalizer, lowercase, the SentencePiece
    options that change words) the result is exactly the tokenizer
    :func:`train` gives on the text; counts made with other settings are refused.

    Args:
        counts: a counts file path, counts loaded with
            :func:`tokenlab.counts.load_counts` (both checked), or a plain
            mapping word -> count (trusted as it is).
        algorithm: as for :func:`train`.
        vocab_size: as for :func:`train`.
        **options: the other options of :func:`train` (``min_frequency``,
            ``special_tokens``, ``pre_tokenizer``, ``lowercase``, trainer options);
            ``errors`` and ``processes`` do not apply (no text is read).

    Returns:
        The trained :class:`Tokenizer`.

    Raises:
        ConfigError: an invalid option, or counts made with other settings (the
            message names each setting that differs).
        ModelFileError: the counts file is missing or malformed.
        CorpusError: the counts hold no words.

    >>> tok = train_from_counts({"hug": 10, "pug": 5}, vocab_size=258, show_progress=False)
    >>> tok.model.merges
    [('u', 'g'), ('h', 'ug')]
    """
    from .counts import WordCounts, load_counts

    for name in ("errors", "processes"):
        if name in options:
            raise ConfigError(f"{name} does not apply to training from counts (no text is read)")
    if isinstance(counts, (str, os.PathLike)):
        counts = load_counts(counts)
    elif not isinstance(counts, WordCounts):
        counts = WordCounts(counts, settings=None)
    return train(counts, algorithm=algorithm, vocab_size=vocab_size, **options)
