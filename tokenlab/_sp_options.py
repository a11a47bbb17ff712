"""The options both SentencePiece trainers share, their meta pieces and their normalization.

:class:`SentencePieceOptions` validates SentencePiece's options once, for
:class:`tokenlab.sentencepiece_bpe.SentencePieceBPETrainer`,
:class:`tokenlab.unigram.UnigramTrainer` and for
:meth:`tokenlab.counts.CountSettings.for_training`, which must know the words a
SentencePiece training would count (the options that change them are
:data:`WORD_OPTIONS`) without knowing the trainers. That is why this module sits
below :mod:`tokenlab.counts`: it imports the text layer (:mod:`tokenlab.sp_pretokenize`),
the charsmap and the shared option checks, never a trainer or the counts.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from ._checks import check_bool, check_int, check_symbols
from ._defaults import DEFAULTS, SENTENCEPIECE, SENTENCEPIECE_NORMALIZATIONS
from ._pieces import BYTE, CONTROL, UNKNOWN, USER_DEFINED
from .charsmap import CharsMap
from .errors import ConfigError
from .sp_pretokenize import count_sentence_words, count_sentence_words_in_files

if TYPE_CHECKING:
    from ._training import TrainingStats

__all__ = [
    "BPE_WORD_OPTIONS",
    "WORD_OPTIONS",
    "SentencePieceOptions",
    "charsmap_for",
    "counting_options",
    "meta_pieces",
]

#: The options of both SentencePiece trainers that change which words are counted
#: (a counts file records them); the normalization is the trainer's normalizer.
WORD_OPTIONS = frozenset(
    {
        "byte_fallback",
        "user_defined_symbols",
        "control_symbols",
        "unk_piece",
        "bos_piece",
        "eos_piece",
        "pad_piece",
        "unk_id",
        "bos_id",
        "eos_id",
        "pad_id",
        "add_dummy_prefix",
        "remove_extra_whitespaces",
        "max_sentence_length",
    }
)
#: The options that change words which only the ``sp-bpe`` trainer takes.
BPE_WORD_OPTIONS = frozenset({"treat_whitespace_as_suffix", "split_by_whitespace"})

_SP = SENTENCEPIECE


def meta_pieces(
    vocab_size: int,
    *,
    unk: tuple[str, int],
    bos: tuple[str, int],
    eos: tuple[str, int],
    pad: tuple[str, int],
    control_symbols: Iterable[str] = (),
    user_defined_symbols: Iterable[str] = (),
    byte_fallback: bool = False,
) -> dict[int, tuple[str, int]]:
    """SentencePiece's meta pieces: id -> (piece, type), placed as ``spm_train`` does.

    unk/bos/eos/pad go to their ids (a negative id leaves the piece out); then
    control symbols, user-defined symbols and the 256 byte pieces take the
    lowest free ids in that order, except that a symbol equal to the bos, eos
    or pad piece only changes that piece's type.

    Raises:
        ConfigError: an id is out of range or taken twice, no unknown piece, a
            symbol is listed twice or equals the unknown piece.

    >>> meta_pieces(10, unk=("<unk>", 0), bos=("<s>", 1), eos=("</s>", 2), pad=("<pad>", -1),
    ...             user_defined_symbols=["<sep>"])
    {0: ('<unk>', 2), 1: ('<s>', 3), 2: ('</s>', 3), 3: ('<sep>', 4)}
    """
    unk_piece = unk[0]
    meta: dict[int, tuple[str, int]] = {}
    for what, (piece, pid) in (("unk", unk), ("bos", bos), ("eos", eos), ("pad", pad)):
        if not isinstance(piece, str) or not piece:
            raise ConfigError(f"{what}_piece must be a non-empty string, got {piece!r}")
        check_int(f"{what}_id", pid, -(2**31))
        if pid < 0:
            if what == "unk":
                raise ConfigError("unk_id must be >= 0: SentencePiece needs an unknown piece")
            continue
        if pid >= vocab_size:
            raise ConfigError(f"{what}_id={pid} must be smaller than vocab_size={vocab_size}")
        if pid in meta:
            raise ConfigError(f"{what}_id={pid} is already the id of {meta[pid][0]!r}")
        if what != "unk" and piece == unk_piece:
            raise ConfigError(f"{what}_piece {piece!r} is the unknown piece; use another string")
        meta[pid] = (piece, UNKNOWN if what == "unk" else CONTROL)
    seen: set[str] = set()
    next_id = 0
    special = {bos[0]: bos[1], eos[0]: eos[1], pad[0]: pad[1]}
    extra = [(s, CONTROL) for s in control_symbols] + [
        (s, USER_DEFINED) for s in user_defined_symbols
    ]
    if byte_fallback:
        extra += [(f"<0x{b:02X}>", BYTE) for b in range(256)]
    for piece, kind in extra:
        if piece in seen:
            raise ConfigError(f"{piece!r} is listed twice in control/user-defined symbols")
        seen.add(piece)
        if piece == unk_piece:
            raise ConfigError(
                f"{piece!r} is the unknown piece; it must not be a control or user-defined symbol"
            )
        if special.get(piece, -1) >= 0:
            pid = special[piece]
            meta[pid] = (piece, kind)
            continue
        while next_id in meta:
            next_id += 1
        meta[next_id] = (piece, kind)
    return meta


class SentencePieceOptions:
    """The options both SentencePiece-style trainers share, validated in one place.

    :class:`tokenlab.sentencepiece_bpe.SentencePieceBPETrainer` and
    :class:`tokenlab.unigram.UnigramTrainer` check their own options, then call
    this constructor; the arguments are theirs (see there). On its own it
    describes the words a training counts (:func:`counting_options`).

    Raises:
        ConfigError: an option has the wrong type or an impossible value.

    >>> options = SentencePieceOptions(user_defined_symbols=["<sep>"])
    >>> options.meta[3], options.vocab_size
    (('<sep>', 4), 8000)
    """

    stats: TrainingStats

    def __init__(
        self,
        *,
        vocab_size: int = DEFAULTS["sp-bpe"].vocab_size,
        character_coverage: float = _SP.character_coverage,
        max_sentencepiece_length: int = _SP.max_sentencepiece_length,
        split_by_number: bool = _SP.split_by_number,
        split_digits: bool = _SP.split_digits,
        split_by_whitespace: bool = _SP.split_by_whitespace,
        treat_whitespace_as_suffix: bool = _SP.treat_whitespace_as_suffix,
        byte_fallback: bool = _SP.byte_fallback,
        user_defined_symbols: Iterable[str] = (),
        control_symbols: Iterable[str] = (),
        unk_piece: str = _SP.unk_piece,
        bos_piece: str = _SP.bos_piece,
        eos_piece: str = _SP.eos_piece,
        pad_piece: str = _SP.pad_piece,
        unk_id: int = _SP.unk_id,
        bos_id: int = _SP.bos_id,
        eos_id: int = _SP.eos_id,
        pad_id: int = _SP.pad_id,
        add_dummy_prefix: bool = _SP.add_dummy_prefix,
        remove_extra_whitespaces: bool = _SP.remove_extra_whitespaces,
        max_sentence_length: int = _SP.max_sentence_length,
        normalizer: Any = None,
        show_progress: bool = True,
        num_threads: int | None = None,
    ) -> None:
        for name, value in (
            ("split_by_whitespace", split_by_whitespace),
            ("treat_whitespace_as_suffix", treat_whitespace_as_suffix),
        ):
            check_bool(name, value)
        if not split_by_whitespace:
            raise ConfigError(
                f"split_by_whitespace=False is not supported by {type(self).__name__} (its "
                "rule that a piece may hold '▁' but not end with it cannot be kept exactly); "
                "use split_by_whitespace=True"
            )
        self.split_by_whitespace = split_by_whitespace
        self.treat_whitespace_as_suffix = treat_whitespace_as_suffix
        _check_sizes(
            vocab_size=vocab_size,
            num_threads=num_threads,
            max_sentencepiece_length=max_sentencepiece_length,
            max_sentence_length=max_sentence_length,
            character_coverage=character_coverage,
        )
        for name, value in (
            ("split_by_number", split_by_number),
            ("split_digits", split_digits),
            ("byte_fallback", byte_fallback),
            ("add_dummy_prefix", add_dummy_prefix),
            ("remove_extra_whitespaces", remove_extra_whitespaces),
            ("show_progress", show_progress),
        ):
            check_bool(name, value)
        self.vocab_size = vocab_size
        self.character_coverage = float(character_coverage)
        self.max_sentencepiece_length = max_sentencepiece_length
        self.split_by_number = split_by_number
        self.split_digits = split_digits
        self.byte_fallback = byte_fallback
        self.user_defined_symbols = check_symbols("user_defined_symbols", user_defined_symbols)
        self.control_symbols = check_symbols("control_symbols", control_symbols)
        self.unk_piece, self.bos_piece = unk_piece, bos_piece
        self.eos_piece, self.pad_piece = eos_piece, pad_piece
        self.unk_id, self.bos_id, self.eos_id, self.pad_id = unk_id, bos_id, eos_id, pad_id
        self.add_dummy_prefix = add_dummy_prefix
        self.remove_extra_whitespaces = remove_extra_whitespaces
        self.max_sentence_length = max_sentence_length
        self.normalizer = normalizer
        self._normalize = _as_callable(normalizer)
        self.show_progress = show_progress
        self.num_threads = num_threads
        # Validates the ids and symbols now, before any work.
        self.meta = self._meta()

    def _meta(self) -> dict[int, tuple[str, int]]:
        return meta_pieces(
            self.vocab_size,
            unk=(self.unk_piece, self.unk_id),
            bos=(self.bos_piece, self.bos_id),
            eos=(self.eos_piece, self.eos_id),
            pad=(self.pad_piece, self.pad_id),
            control_symbols=self.control_symbols,
            user_defined_symbols=self.user_defined_symbols,
            byte_fallback=self.byte_fallback,
        )

    @property
    def threads(self) -> int:
        """The threads (and word-counting processes) to use: ``num_threads`` or one per core."""
        return self.num_threads if self.num_threads is not None else (os.cpu_count() or 1)

    def _count_options(self) -> dict[str, Any]:
        return {
            "normalize": self._normalize,
            "add_dummy_prefix": self.add_dummy_prefix,
            "remove_extra_whitespaces": self.remove_extra_whitespaces,
            "treat_whitespace_as_suffix": self.treat_whitespace_as_suffix,
            "split_by_whitespace": self.split_by_whitespace,
            "max_sentence_length": self.max_sentence_length,
            "meta_pieces": [p for p, _ in self.meta.values()],
        }

    #: Whether training uses how often each word ends a sentence (Unigram's seeds).
    _wants_sentence_ends = False

    def count_words(
        self, sentences: Iterable[str], sentence_ends: Counter[str] | None = None
    ) -> Counter[str]:
        """The ``▁``-escaped words of ``sentences`` with their counts, as training sees them.

        If ``sentence_ends`` is given, the last word of each sentence is also counted there.
        """
        return count_sentence_words(sentences, sentence_ends=sentence_ends, **self._count_options())

    def count_words_in_files(
        self,
        files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        errors: str = "strict",
        sentence_ends: Counter[str] | None = None,
    ) -> Counter[str]:
        """:meth:`count_words` over the lines of files, in ``num_threads`` processes
        (None: one per core for inputs over 4 MB).

        The counts are the same for any number of processes.

        Args:
            files: a path or a list of paths (``.gz`` read transparently, ``"-"``: stdin).
            errors: invalid UTF-8: ``"strict"``, ``"replace"`` or ``"ignore"``.
            sentence_ends: if given, the last word of each sentence is counted there.

        Returns:
            word -> count.

        Raises:
            CorpusError: a file cannot be read or is not UTF-8 (with ``errors="strict"``).
        """
        return count_sentence_words_in_files(
            files,
            errors=errors,
            processes=self.num_threads,
            show_progress=self.show_progress,
            sentence_ends=sentence_ends,
            **self._count_options(),
        )

    def train_from_files(
        self,
        files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        errors: str = "strict",
        check_text: Callable[[], object] | None = None,
    ) -> Any:
        """Learn a model from the lines of text files (``.gz`` read transparently).

        The words are counted in ``num_threads`` processes; the model is the same
        for any number of threads and processes.

        Args:
            files: a path or a list of paths.
            errors: invalid UTF-8: ``"strict"``, ``"replace"`` or ``"ignore"``.
            check_text: called when no word was found, before the error about an
                empty corpus (to raise a more precise one).

        Returns:
            The trained model (as :meth:`train_from_counts` returns it).

        Raises:
            CorpusError: a file cannot be read, is not UTF-8, or holds no text.
            ConfigError: ``vocab_size`` does not fit the corpus.

        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        ...     _ = f.write("abracadabra\\n")
        >>> from tokenlab.sentencepiece_bpe import SentencePieceBPETrainer
        >>> trainer = SentencePieceBPETrainer(vocab_size=18, show_progress=False)
        >>> [p for p, _, _ in trainer.train_from_files(f.name).pieces][3:6]
        ['ab', 'ra', 'abra']
        """
        t0 = time.perf_counter()
        ends: Counter[str] | None = Counter() if self._wants_sentence_ends else None
        counts = self.count_words_in_files(files, errors, sentence_ends=ends)
        if check_text is not None and all(
            w.strip("\u2581").isspace() or not w.strip("\u2581") for w in counts
        ):
            check_text()  # whitespace (and "▁") only: the shared whitespace-corpus error
        t1 = time.perf_counter()
        model = self._train_counted(counts, ends)
        self.stats.phases = {"count words": t1 - t0, **self.stats.phases}
        self.stats.seconds = time.perf_counter() - t0
        return model

    def _train_counted(self, counts: Mapping[str, int], ends: Mapping[str, int] | None) -> Any:
        raise NotImplementedError  # pragma: no cover


def _check_sizes(
    *,
    vocab_size: int,
    num_threads: int | None,
    max_sentencepiece_length: int,
    max_sentence_length: int,
    character_coverage: float,
) -> None:
    """The numeric options' checks, in SentencePiece's ranges."""
    check_int("vocab_size", vocab_size, 1)
    check_int("num_threads", num_threads, 1, allow_none=True)
    check_int("max_sentencepiece_length", max_sentencepiece_length, 1)
    if max_sentencepiece_length > 512:
        raise ConfigError(
            f"max_sentencepiece_length must be <= 512, got {max_sentencepiece_length}"
        )
    check_int("max_sentence_length", max_sentence_length, 10)
    if (
        not isinstance(character_coverage, (int, float))
        or isinstance(character_coverage, bool)
        or not 0.98 <= character_coverage <= 1.0
    ):
        raise ConfigError(
            f"character_coverage must be a number from 0.98 to 1.0, got {character_coverage!r}"
        )


def _as_callable(normalizer: Any) -> Callable[[str], str] | None:
    if normalizer is None:
        return None
    method = getattr(normalizer, "normalize_str", None)
    if callable(method):
        return cast("Callable[[str], str]", method)
    if callable(normalizer):
        return cast("Callable[[str], str]", normalizer)
    raise ConfigError(
        f"normalizer must be None, a callable str -> str or a tokenlab normalizer, got "
        f"{normalizer!r}"
    )


def charsmap_for(normalization: str | bytes | None) -> CharsMap | None:
    """The charsmap of a SentencePiece normalization name (None: ``identity``).

    Args:
        normalization: ``"nmt_nfkc"``, ``"identity"`` (or None), or a precompiled
            charsmap as bytes (empty: ``identity``).

    Raises:
        ConfigError: an unknown name.

    >>> charsmap_for("identity") is None, type(charsmap_for("nmt_nfkc")).__name__
    (True, 'CharsMap')
    """
    # nmt_nfkc: the compiled rules themselves (built once per process), not a blob to
    # read back.
    if normalization is None or normalization == "identity":
        return None
    if isinstance(normalization, (bytes, bytearray)):
        return CharsMap.from_bytes(bytes(normalization)) if normalization else None
    if normalization == "nmt_nfkc":
        return CharsMap.nmt_nfkc()
    raise ConfigError(
        f"unknown SentencePiece normalization {normalization!r}; use one of "
        f"{', '.join(SENTENCEPIECE_NORMALIZATIONS)} (or a precompiled charsmap as bytes)"
    )


def counting_options(
    algorithm: str, normalization: str | bytes | None, options: Mapping[str, Any]
) -> SentencePieceOptions:
    """The options that decide the words an ``algorithm`` training counts, validated.

    Args:
        algorithm: ``"sp-bpe"`` or ``"unigram"``.
        normalization: as for :func:`charsmap_for`.
        options: trainer options; those that do not change words are ignored.

    Raises:
        ConfigError: an invalid option, or an ``sp-bpe`` option given for ``unigram``.

    >>> counting_options("unigram", "identity", {"byte_fallback": True, "vocab_size": 5}).pad_id
    -1
    """
    wanted = WORD_OPTIONS | BPE_WORD_OPTIONS if algorithm == "sp-bpe" else WORD_OPTIONS
    for name in sorted(BPE_WORD_OPTIONS & set(options) - wanted):
        raise ConfigError(f"{algorithm}: {name} is an option of sp-bpe only")
    charsmap = charsmap_for(normalization)
    return SentencePieceOptions(
        # the vocabulary does not change words: only the meta pieces' ids must fit
        vocab_size=2**31 - 1,
        normalizer=charsmap.normalize_str if charsmap is not None else None,
        **{k: v for k, v in options.items() if k in wanted},
    )
