"""Training in one call: :func:`train`, :func:`train_from_counts`, :func:`count_settings`.

These are the entry points the package root re-exports. They turn option names
into a trainer and a pipeline, run the trainer (which returns a model) and give
back a :class:`~tokenlab.tokenizer.Tokenizer`. The defaults of every option are
the table :data:`DEFAULTS` (one row per algorithm), which the trainers, the
counts and the command line read too.

>>> tok = train(iter(["hug pug pun bun hugs"]), vocab_size=262, show_progress=False)
>>> tok.decode(tok.encode("hugs").ids)
'hugs'
"""

from __future__ import annotations

import inspect
import os
import random
import struct
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import decoders, normalizers, pre_tokenizers, processors
from ._defaults import ALGORITHMS as ALGORITHMS
from ._defaults import DEFAULTS as DEFAULTS
from ._defaults import SENTENCEPIECE_ALGORITHMS, check_algorithm, normalizer_of, pre_tokenizer_of
from ._pieces import NORMAL
from ._sp_options import SentencePieceOptions, charsmap_for
from .bpe import BPETrainer
from .corpus import decode_texts, iter_lines, require_text
from .counts import CountSettings, WordCounts, check_tokenizer_counts, load_counts
from .errors import ConfigError, VocabSizeWarning
from .export.sentencepiece_proto import BPE as SPEC_BPE
from .export.sentencepiece_proto import UNIGRAM as SPEC_UNIGRAM
from .export.sentencepiece_proto import TrainerSpec
from .models import BPE, SentencePieceBPE, Unigram, WordPiece
from .sentencepiece_bpe import SentencePieceBPETrainer
from .sp_tokenizer import SentencePieceUnigram, sentencepiece_tokenizer
from .tokenizer import Tokenizer
from .unigram import UnigramTrainer
from .wordpiece import WordPieceTrainer

__all__ = [
    "ALGORITHMS",
    "DEFAULTS",
    "count_settings",
    "sample_lines",
    "train",
    "train_from_counts",
    "train_sentencepiece",
]

Corpus = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Iterable[str] | Iterable[bytes]
_WordTrainer = BPETrainer | WordPieceTrainer
_SentencePieceTrainer = SentencePieceBPETrainer | UnigramTrainer


def train(
    files_or_iterator: Corpus,
    algorithm: str = "bpe",
    vocab_size: int | None = None,
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

    An option left at None takes the algorithm's default (:data:`DEFAULTS`, the
    README's table): ``vocab_size`` 30000 for ``bpe`` and ``wordpiece``, 8000 for
    ``sp-bpe`` and ``unigram``; byte-level BPE; uncased BERT's pipeline and special
    tokens for WordPiece; ``nmt_nfkc`` for SentencePiece.

    Args:
        files_or_iterator: a path, directory or glob pattern, a list or tuple of them
            (``"-"``: stdin), or any other iterable of ``str`` or UTF-8 ``bytes`` texts.
        algorithm: ``"bpe"``, ``"wordpiece"`` (likelihood merges), or SentencePiece's
            ``"sp-bpe"`` and ``"unigram"`` (raw lines, SentencePiece's pipeline).
        vocab_size: final vocabulary size, special tokens included.
        min_frequency: minimum pair count for a merge.
        special_tokens: tokens that get the first ids and are matched whole.
        pre_tokenizer: ``"byte-level"``, ``"gpt2"``, ``"cl100k_base"``, ``"o200k_base"``,
            ``"whitespace"``, ``"whitespace-split"``, ``"bert"`` or an object.
        normalizer: ``"nfc"``, ``"nfkc"``, ``"nfd"``, ``"nfkd"``, ``"bert"`` or an
            object; for ``sp-bpe`` and ``unigram``: ``"nmt_nfkc"`` or ``"identity"``.
        lowercase: lowercase the text.
        show_progress: progress bars on stderr (only on a terminal).
        errors: invalid UTF-8: ``"strict"``, ``"replace"`` or ``"ignore"``.
        processes: word-counting processes (None: one per core for inputs over 4 MB);
            SentencePiece's ``num_threads``. The result never depends on it.
        **trainer_kwargs: the trainer's other options (:class:`~tokenlab.BPETrainer`,
            :class:`~tokenlab.WordPieceTrainer`, SentencePiece's); ``unk_token``: for
            ``bpe`` a special token that unseen characters become (else dropped).

    Returns:
        The trained :class:`~tokenlab.tokenizer.Tokenizer`.

    Raises:
        ConfigError: an option is invalid (checked before any text is read).
        CorpusError: a file cannot be read, is not UTF-8, or holds no words.

    Warns:
        VocabSizeWarning: ``sp-bpe``/``unigram`` reached fewer pieces (it names how many).

    >>> tok = train(iter(["aaab aaab"]), vocab_size=257, show_progress=False)
    >>> tok.model.merges
    [('a', 'a')]
    """
    # 1. the options every algorithm checks before any text is read
    unk_token = trainer_kwargs.pop("unk_token", None)
    special_tokens = _with_unk_token(algorithm, special_tokens, unk_token, trainer_kwargs)
    vocab_size = _check_common_options(algorithm, vocab_size, special_tokens, processes)
    # 2. the corpus: paths and counts as they are, other iterables decoded lazily
    corpus = _sampled_corpus(files_or_iterator, errors, trainer_kwargs)
    if algorithm in SENTENCEPIECE_ALGORITHMS:
        refused: dict[str, Any] = {"min_frequency": min_frequency, "special_tokens": special_tokens}
        refused.update(pre_tokenizer=pre_tokenizer, lowercase=lowercase)
        run = {"show_progress": show_progress, "errors": errors, "processes": processes}
        return _train_sentencepiece_words(
            corpus, algorithm, vocab_size, normalizer, refused, {**run, **trainer_kwargs}
        )
    # 3. the trainer, configured from the options and the pre-tokenizer
    pre, byte_level = pre_tokenizer_of(algorithm, pre_tokenizer)
    trainer = _word_trainer(
        algorithm, byte_level, vocab_size, min_frequency, special_tokens, show_progress,
        trainer_kwargs,
    )  # fmt: skip
    # 4. the pipeline around the (untrained) model
    tok = _word_pipeline(algorithm, trainer, pre, byte_level, normalizer, lowercase)
    # 5. the training itself, from files, texts or counts
    _fit(tok, trainer, corpus, errors=errors, processes=processes)
    return _finished(tok, algorithm, unk_token)


def _finished(tok: Tokenizer, algorithm: str, unk_token: str | None) -> Tokenizer:
    """The trained pipeline's last touches: BPE's unknown token, BERT's template."""
    if unk_token is not None and algorithm == "bpe":
        tok.model.unk_token = unk_token  # type: ignore[attr-defined]
    if algorithm == "wordpiece":
        _add_bert_template(tok)
    return tok


def train_from_counts(
    counts: str | os.PathLike[str] | Mapping[str, int],
    algorithm: str = "bpe",
    vocab_size: int | None = None,
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
        The trained :class:`~tokenlab.tokenizer.Tokenizer`.

    Raises:
        ConfigError: an invalid option, or counts made with other settings (the
            message names each setting that differs).
        ModelFileError: the counts file is missing or malformed.
        CorpusError: the counts hold no words.

    >>> tok = train_from_counts({"hug": 10, "pug": 5}, vocab_size=258, show_progress=False)
    >>> tok.model.merges
    [('u', 'g'), ('h', 'ug')]
    """
    for name in ("errors", "processes"):
        if name in options:
            raise ConfigError(f"{name} does not apply to training from counts (no text is read)")
    if isinstance(counts, (str, os.PathLike)):
        counts = load_counts(counts)
    elif not isinstance(counts, WordCounts):
        counts = WordCounts(counts, settings=None)
    return train(counts, algorithm=algorithm, vocab_size=vocab_size, **options)


def count_settings(algorithm: str = "bpe", **options: Any) -> CountSettings:
    """The settings :func:`train` counts words with, for the same arguments.

    What ``tokenlab count`` records in a counts file, so that
    :func:`train_from_counts` can refuse counts made otherwise. Options that do
    not change the words (``vocab_size``, ``min_frequency``, ...) are accepted
    and ignored; ``errors`` is recorded for information.

    Args:
        algorithm: as for :func:`train`.
        **options: the options of :func:`train`.

    Returns:
        The :class:`~tokenlab.counts.CountSettings`.

    Raises:
        ConfigError: an unknown algorithm or an invalid option.

    >>> count_settings("wordpiece", vocab_size=1000).pre_tokenizer
    {'type': 'BertPreTokenizer'}
    """
    errors = options.pop("errors", None)
    options.pop("processes", None)
    settings = CountSettings.for_training(algorithm, **options)
    return settings.with_options(errors=errors) if errors is not None else settings


def train_sentencepiece(
    files_or_iterator: Any,
    algorithm: str,
    vocab_size: int | None = None,
    normalization: str | bytes | None = "nmt_nfkc",
    show_progress: bool = True,
    errors: str = "strict",
    **trainer_kwargs: Any,
) -> Tokenizer:
    """Train a SentencePiece-style tokenizer (``"sp-bpe"`` or ``"unigram"``).

    What :func:`train` runs for these algorithms (see there); the options are
    those of :class:`~tokenlab.SentencePieceBPETrainer` and
    :class:`~tokenlab.UnigramTrainer`.

    Args:
        files_or_iterator: paths (read in blocks by ``num_threads`` processes),
            an iterable of sentences, or :class:`~tokenlab.counts.WordCounts`.
        algorithm: ``"sp-bpe"`` or ``"unigram"``.
        vocab_size: pieces, meta pieces included (None: 8000).
        normalization: ``"nmt_nfkc"``, ``"identity"`` or a precompiled charsmap.
        show_progress: progress bars on stderr (only on a terminal).
        errors: invalid UTF-8 in files: ``"strict"``, ``"replace"`` or ``"ignore"``.
        **trainer_kwargs: the trainer's other options.

    Returns:
        A :class:`~tokenlab.tokenizer.Tokenizer` with SentencePiece's pipeline,
        whose model remembers the training options for a ``.model`` file.

    Raises:
        ConfigError: an invalid option.
        CorpusError: no text to train on.

    >>> tok = train_sentencepiece(iter(["abracadabra"]), "sp-bpe", 18, show_progress=False)
    >>> tok.encode("abracadabra").tokens
    ['▁abracadabra']
    """
    # 1. the trainer, and the normalization's charsmap
    if "normalizer" in trainer_kwargs:
        raise ConfigError(
            "pass the SentencePiece normalization as normalizer='nmt_nfkc' or 'identity'"
        )
    charsmap = charsmap_for(normalization)
    trainer = _sentencepiece_trainer(
        algorithm,
        vocab_size=DEFAULTS[algorithm].vocab_size if vocab_size is None else vocab_size,
        normalizer=charsmap.normalize_str if charsmap is not None else None,
        show_progress=show_progress,
        trainer_kwargs=trainer_kwargs,
    )
    # 2. the trained model
    trained = _fit_sentencepiece(trainer, files_or_iterator, errors)
    # 3. a Unigram model gets SentencePiece's piece types
    model = _with_piece_types(trained, trainer)
    # 4. the options to store in a .model file written from it
    model.trainer_spec = _trainer_spec(trainer, len(model.pieces))  # type: ignore[union-attr]
    model.normalizer_name = (  # type: ignore[union-attr]
        normalization if isinstance(normalization, str) else "user_defined"
    )
    # 5. SentencePiece's pipeline around it
    return sentencepiece_tokenizer(
        model,
        charsmap,
        add_dummy_prefix=trainer.add_dummy_prefix,
        remove_extra_whitespaces=trainer.remove_extra_whitespaces,
        treat_whitespace_as_suffix=trainer.treat_whitespace_as_suffix,
    )


# -- the steps of train() -----------------------------------------------------------------


def sample_lines(corpus: Corpus, size: int, *, seed: int = 0, errors: str = "strict") -> list[str]:
    """At most ``size`` lines of ``corpus``, drawn uniformly, in corpus order.

    SentencePiece's ``input_sentence_size``, made reproducible: one pass (reservoir
    sampling, Algorithm R) with ``random.Random(seed)``, so the same corpus, size and
    seed give the same lines on every machine and run. Only the sample is held.

    Args:
        corpus: paths (as for :func:`train`) or an iterable of texts.
        size: the number of lines to keep (every line when the corpus is smaller).
        seed: the sampling seed.
        errors: invalid UTF-8 in files: ``"strict"``, ``"replace"`` or ``"ignore"``.

    Returns:
        The sampled lines, in the order they come in the corpus.

    Raises:
        ConfigError: ``size`` is not a positive integer, or the corpus is word counts.

    >>> sample_lines(iter(["a", "b", "c"]), 5)
    ['a', 'b', 'c']
    >>> len(sample_lines(iter(str(i) for i in range(100)), 10, seed=1))
    10
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ConfigError(f"input_sentence_size must be a positive integer, got {size!r}")
    if isinstance(corpus, (WordCounts, Mapping)):
        raise ConfigError("input_sentence_size samples lines of text, not word counts")
    paths = isinstance(corpus, (str, os.PathLike, list, tuple))
    lines: Any = corpus  # an iterable of texts, unless paths
    if paths:
        lines = iter_lines(corpus, errors)  # type: ignore[arg-type]
    rng = random.Random(seed)
    kept: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if i < size:
            kept.append((i, line))
        else:
            j = rng.randrange(i + 1)  # line i replaces one kept line with chance size/(i+1)
            if j < size:
                kept[j] = (i, line)
    kept.sort()
    return [line for _, line in kept]


def _warn_if_short(tok: Tokenizer, algorithm: str, vocab_size: int) -> None:
    """SentencePiece's trainers stop when the corpus has no more pieces to offer: say
    so (sentencepiece itself refuses with "Vocabulary size too high")."""
    reached = tok.get_vocab_size()
    if reached < vocab_size:
        warnings.warn(VocabSizeWarning(algorithm, vocab_size, reached), stacklevel=3)


def _with_unk_token(
    algorithm: str,
    special_tokens: Sequence[str] | None,
    unk_token: str | None,
    trainer_kwargs: dict[str, Any],
) -> Sequence[str] | None:
    """The special tokens with ``unk_token`` first (bpe), or SentencePiece's unk_piece.

    Without an unknown token, BPE drops the characters its vocabulary lacks ("first"
    with no "f" and "i" encodes as "s t"); with one, they become it (HF's ``unk_token``).

    Raises:
        ConfigError: an unk_token that is not a non-empty string, or another
            WordPiece unknown token than ``[UNK]``.
    """
    if unk_token is None:
        return special_tokens
    if not isinstance(unk_token, str) or not unk_token:
        raise ConfigError(f"unk_token must be a non-empty string, got {unk_token!r}")
    if algorithm in SENTENCEPIECE_ALGORITHMS:
        trainer_kwargs["unk_piece"] = unk_token
        return special_tokens
    if algorithm == "wordpiece":
        if unk_token != "[UNK]":
            raise ConfigError(
                f"WordPiece's unknown token is [UNK] (BERT's), not {unk_token!r}; leave "
                "unk_token out"
            )
        return special_tokens
    if isinstance(special_tokens, str):
        return special_tokens  # refused by the trainer with its own message
    listed = list(special_tokens or [])
    return listed if unk_token in listed else [unk_token, *listed]


def _check_common_options(
    algorithm: str,
    vocab_size: int | None,
    special_tokens: Sequence[str] | None,
    processes: int | None,
) -> int:
    """Checks shared by every algorithm, before any text is read; the vocabulary size."""
    check_algorithm(algorithm)
    if processes is not None and (
        not isinstance(processes, int) or isinstance(processes, bool) or processes < 1
    ):
        raise ConfigError(f"processes must be a positive integer or None, got {processes!r}")
    # a single string is refused by the trainers, with its own message
    if special_tokens is not None and not isinstance(special_tokens, str):
        seen: set[str] = set()
        for token in special_tokens:
            if isinstance(token, str) and token in seen:
                raise ConfigError(
                    f"special token {token!r} is listed twice in special_tokens; list each once"
                )
            if isinstance(token, str):
                seen.add(token)
    return DEFAULTS[algorithm].vocab_size if vocab_size is None else vocab_size


def _as_corpus(files_or_iterator: Corpus, errors: str) -> Any:
    """Paths, tuples, lists and word counts as they are; other iterables decoded lazily."""
    # (word counts from train_from_counts are not texts)
    if isinstance(files_or_iterator, (str, os.PathLike, list, tuple, WordCounts)):
        return files_or_iterator
    # bytes items are UTF-8 text, decoded with the same error policy as files
    return decode_texts(files_or_iterator, errors)  # type: ignore[arg-type]


def _train_sentencepiece_words(
    corpus: Any,
    algorithm: str,
    vocab_size: int,
    normalizer: Any,
    refused: Mapping[str, Any],
    options: dict[str, Any],
) -> Tokenizer:
    """:func:`train` for ``sp-bpe`` and ``unigram``: its options in SentencePiece's terms.

    ``refused`` holds the options of :func:`train` that SentencePiece's fixed
    pipeline has no use for; any of them set is a ConfigError, not ignored.
    ``options`` are ``show_progress``, ``errors``, ``processes`` and the trainer's.
    """
    processes = options.pop("processes")
    if processes is not None:
        # SentencePiece's name for it; it also sets the training threads.
        options.setdefault("num_threads", processes)
    hints = {
        "min_frequency": "SentencePiece has no minimum frequency",
        "special_tokens": "use control_symbols or user_defined_symbols",
        "pre_tokenizer": "SentencePiece splits on '▁' by itself",
        "lowercase": "SentencePiece does not lowercase",
    }
    for name, value in refused.items():
        if value:
            raise ConfigError(f"{name} does not apply to algorithm={algorithm!r}: {hints[name]}")
    tok = train_sentencepiece(
        corpus,
        algorithm,
        vocab_size,
        normalization=DEFAULTS[algorithm].normalizer if normalizer is None else normalizer,
        **options,
    )
    _warn_if_short(tok, algorithm, vocab_size)
    return tok


def _sampled_corpus(files_or_iterator: Corpus, errors: str, options: dict[str, Any]) -> Any:
    """The corpus as training reads it; with ``input_sentence_size`` (taken out of
    ``options``), a seeded sample of its lines in corpus order."""
    corpus = _as_corpus(files_or_iterator, errors)
    size = options.pop("input_sentence_size", None)
    seed = options.pop("input_sentence_seed", 0)
    if size is None:
        return corpus
    return iter(sample_lines(corpus, size, seed=seed, errors=errors))


def _word_trainer(
    algorithm: str,
    byte_level: bool,
    vocab_size: int,
    min_frequency: int,
    special_tokens: Sequence[str] | None,
    show_progress: bool,
    trainer_kwargs: dict[str, Any],
) -> _WordTrainer:
    """The BPE or WordPiece trainer of :func:`train`'s options.

    Raises:
        ConfigError: an unknown option, or a special token that is a byte symbol.
    """
    if byte_level:
        trainer_kwargs.setdefault("initial_alphabet", pre_tokenizers.ByteLevel.alphabet())
    if special_tokens is not None:
        trainer_kwargs["special_tokens"] = special_tokens
        if byte_level:
            _check_not_in_alphabet(special_tokens, trainer_kwargs["initial_alphabet"])
    cls: type[_WordTrainer] = WordPieceTrainer if algorithm == "wordpiece" else BPETrainer
    valid = _trainer_options(cls)
    unknown = sorted(set(trainer_kwargs) - valid)
    if unknown:
        raise ConfigError(
            f"unknown option {unknown[0]!r} for algorithm={algorithm!r}; valid options: "
            f"{', '.join(sorted(valid))}"
        )
    return cls(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        show_progress=show_progress,
        **trainer_kwargs,
    )


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


def _trainer_options(cls: type) -> set[str]:
    """The options :func:`train` passes on to a trainer class as they are."""
    kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = {n for n, p in inspect.signature(cls).parameters.items() if p.kind in kinds}
    return names - {"vocab_size", "min_frequency", "show_progress"}


def _word_pipeline(
    algorithm: str,
    trainer: _WordTrainer,
    pre: pre_tokenizers.PreTokenizer,
    byte_level: bool,
    normalizer: str | normalizers.Normalizer | None,
    lowercase: bool | None,
) -> Tokenizer:
    """The tokenizer a BPE or WordPiece trainer fills: model, normalizer, decoder."""
    norm = normalizer_of(algorithm, normalizer, lowercase)
    if isinstance(trainer, WordPieceTrainer):
        return Tokenizer(
            WordPiece({"[UNK]": 0}),
            normalizer=norm,
            pre_tokenizer=pre,
            decoder=decoders.WordPiece(prefix=trainer.continuing_subword_prefix),
        )
    decoder: decoders.Decoder | None = None
    if byte_level:
        decoder = decoders.ByteLevel()
    elif trainer.end_of_word_suffix:
        decoder = decoders.BPEDecoder(trainer.end_of_word_suffix)
    return Tokenizer(
        BPE(),
        normalizer=norm,
        pre_tokenizer=pre,
        post_processor=processors.ByteLevel(trim_offsets=False) if byte_level else None,
        decoder=decoder,
    )


def _check_vocab_floor(trainer: _WordTrainer) -> None:
    """Refuse now a vocab too small for the initial symbols, not after counting the corpus.

    The alphabet always holds the initial symbols, and the special tokens come first.
    """
    floor = len({*trainer.special_tokens, *trainer.initial_alphabet})
    if trainer.vocab_size < floor:
        raise ConfigError(
            f"vocab_size={trainer.vocab_size} is smaller than the {len(trainer.special_tokens)} "
            f"special tokens plus the {len(trainer.initial_alphabet)} symbols of the initial "
            f"alphabet; use a vocab_size of at least {floor}"
        )


def _fit(
    tok: Tokenizer, trainer: _WordTrainer, corpus: Any, *, errors: str, processes: int | None
) -> None:
    """Train ``tok``'s model on files, texts or word counts, once its size is known to fit."""
    _check_vocab_floor(trainer)
    if isinstance(corpus, WordCounts):  # from train_from_counts
        check_tokenizer_counts(corpus, tok)
        tok._train_counts(corpus, trainer)
    elif isinstance(corpus, (str, os.PathLike, list, tuple)):
        tok.train(corpus, trainer, errors=errors, processes=processes)
    else:
        tok.train_from_iterator(corpus, trainer)


def _add_bert_template(tok: Tokenizer) -> None:
    """BERT's ``[CLS] A [SEP] B [SEP]`` post-processing, when both tokens exist."""
    vocab = tok.get_vocab()
    if "[CLS]" in vocab and "[SEP]" in vocab:
        tok.post_processor = processors.TemplateProcessing(
            "[CLS] $A [SEP]",
            "[CLS] $A [SEP] $B:1 [SEP]:1",
            [("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
        )


# -- the steps of train_sentencepiece() ---------------------------------------------------


def _sentencepiece_trainer(
    algorithm: str,
    *,
    vocab_size: int,
    normalizer: Any,
    show_progress: bool,
    trainer_kwargs: dict[str, Any],
) -> _SentencePieceTrainer:
    """The ``sp-bpe`` or ``unigram`` trainer; an option it lacks is a ConfigError."""
    cls: type[_SentencePieceTrainer] = (
        SentencePieceBPETrainer if algorithm == "sp-bpe" else UnigramTrainer
    )
    try:
        return cls(
            vocab_size=vocab_size,
            normalizer=normalizer,
            show_progress=show_progress,
            **trainer_kwargs,
        )
    except TypeError as e:
        raise ConfigError(f"{algorithm}: {e}") from None


def _fit_sentencepiece(trainer: SentencePieceOptions, corpus: Any, errors: str) -> Any:
    """The trainer's model, from word counts, files or sentences."""
    if isinstance(corpus, WordCounts):  # from train_from_counts
        return trainer.train_from_counts(corpus)  # type: ignore[attr-defined]
    if isinstance(corpus, (str, os.PathLike, list, tuple)):
        # Counted in blocks by num_threads processes; lines over max_sentence_length
        # are dropped while reading, so a huge line is never held whole.
        return trainer.train_from_files(
            corpus,
            errors=errors,
            check_text=lambda: list(
                require_text(
                    iter_lines(corpus, errors=errors, skip_over=trainer.max_sentence_length)
                )
            ),
        )
    # a corpus of whitespace alone is refused for every algorithm, with one message
    return trainer.train_from_sentences(require_text(corpus))  # type: ignore[attr-defined]


def _f32(x: float) -> float:
    """``x`` rounded to float32, the precision of scores in a ``.model`` file."""
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


def _with_piece_types(
    trained: SentencePieceBPE | Unigram, trainer: SentencePieceOptions
) -> SentencePieceBPE | SentencePieceUnigram:
    """A trained Unigram model as a :class:`SentencePieceUnigram` (the meta pieces' types,
    scores as a ``.model`` stores them, in float32, so that writing one loses nothing);
    a SentencePiece BPE model as it is."""
    if isinstance(trained, SentencePieceBPE):
        return trained
    types = {pid: kind for pid, (_, kind) in trainer.meta.items()}
    return SentencePieceUnigram(
        [(p, _f32(s), types.get(i, NORMAL)) for i, (p, s) in enumerate(trained.pieces)],
        byte_fallback=trainer.byte_fallback,
    )


def _trainer_spec(trainer: _SentencePieceTrainer, vocab_size: int) -> TrainerSpec:
    """The trainer's options as SentencePiece's ``TrainerSpec``, which a ``.model`` stores."""
    spec = TrainerSpec(
        model_type=SPEC_BPE if isinstance(trainer, SentencePieceBPETrainer) else SPEC_UNIGRAM,
        vocab_size=vocab_size,
        character_coverage=trainer.character_coverage,
        max_sentencepiece_length=trainer.max_sentencepiece_length,
        split_by_number=trainer.split_by_number,
        split_digits=trainer.split_digits,
        byte_fallback=trainer.byte_fallback,
        control_symbols=list(trainer.control_symbols),
        user_defined_symbols=list(trainer.user_defined_symbols),
        unk_id=trainer.unk_id,
        bos_id=trainer.bos_id,
        eos_id=trainer.eos_id,
        pad_id=trainer.pad_id,
        unk_piece=trainer.unk_piece,
        bos_piece=trainer.bos_piece,
        eos_piece=trainer.eos_piece,
        pad_piece=trainer.pad_piece,
        max_sentence_length=trainer.max_sentence_length,
        num_threads=1,
    )
    if isinstance(trainer, SentencePieceBPETrainer):
        spec.split_by_unicode_script = trainer.split_by_unicode_script
        spec.treat_whitespace_as_suffix = trainer.treat_whitespace_as_suffix
    else:
        spec.seed_sentencepiece_size = trainer.seed_sentencepiece_size
        spec.shrinking_factor = trainer.shrinking_factor
        spec.num_sub_iterations = trainer.num_sub_iterations
    return spec
