"""The ``tokenlab`` command line: train, encode, decode and inspect tokenizers.

Every subcommand parses its arguments and calls the public API (``tokenlab.train``,
``tokenlab.Tokenizer``); nothing here knows how an algorithm works.

Exit status: 0 on success, 1 when tokenlab reports a failure (a bad corpus, a
corrupt tokenizer file, an option the trainer rejects, an OS error), 2 for a
usage error, 130 when interrupted by Ctrl-C (SIGINT), 143 by SIGTERM (both
run the same cleanup; a signal that comes after the output is completely
written gives 0 and says so). A failure is one line on stderr,
``tokenlab: error: <message>``, never a traceback; the output file of
``train`` is written atomically, so a failed or interrupted run leaves none.

>>> main(["--version"])  # doctest: +SKIP
tokenlab 0.1.0 (backend: cython)
0
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import stat
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from . import api, distributed
from . import compare as cmp
from ._atomic import atomic_write, check_writable_path
from ._backend import BACKEND
from ._cli_stream import DEFAULT_BATCH_SIZE, decode_lines, encode_lines, is_input_file
from ._defaults import ALGORITHMS as ALGORITHMS
from ._defaults import DEFAULTS, SENTENCEPIECE, SENTENCEPIECE_NORMALIZATIONS
from ._defaults import SENTENCEPIECE_ALGORITHMS as SENTENCEPIECE_ALGORITHMS
from ._pieces import CONTROL, UNKNOWN
from ._signals import Terminated, terminate_as_interrupt
from ._version import __version__
from .corpus import default_corpus
from .counts import count_files, prune, save_counts
from .errors import ConfigError, TokenlabError
from .export.bert import write_vocab_txt
from .export.gpt2 import write_gpt2
from .export.sentencepiece import write_sentencepiece
from .export.tiktoken import write_tiktoken
from .export.transformers import special_token_roles, write_pretrained
from .models import MAX_TOKEN_ID
from .tokenizer import Tokenizer

__all__ = ["ALGORITHMS", "PRE_TOKENIZERS", "build_parser", "main"]

PROG = "tokenlab"

# The trainers `tokenlab train --algorithm` accepts (ALGORITHMS, imported above) are
# those of `tokenlab.train(algorithm=...)`, with its defaults (tokenlab._defaults).

# `tokenlab export --format NAME`: NAME -> writer function (None: Tokenizer.save, the
# tokenizer.json). A new format is one more entry here.
EXPORT_FORMATS: dict[str, Callable[[Tokenizer, str], object] | None] = {
    "huggingface": None,
    "bert": write_vocab_txt,
    "sentencepiece": write_sentencepiece,
    "gpt2": write_gpt2,
    "tiktoken": write_tiktoken,
    "transformers": write_pretrained,
}


def _format_of(path: str) -> str | None:
    """The export format a file name implies, for ``tokenlab convert``."""
    name = os.path.basename(os.path.normpath(path)).lower()
    if name.endswith(".json") and name != "vocab.json":
        return "huggingface"
    if name.endswith(".txt"):
        return "bert"
    if name.endswith(".model"):
        return "sentencepiece"
    if name.endswith(".tiktoken"):
        return "tiktoken"
    if os.path.isdir(path) or not os.path.splitext(name)[1]:
        return "gpt2"  # a directory receives vocab.json and merges.txt
    return None


PRE_TOKENIZERS: tuple[str, ...] = (
    "whitespace",
    "whitespace-split",
    "byte-level",
    "gpt2",
    "cl100k_base",
    "o200k_base",
    "bert",
)

ERROR_MODES: tuple[str, ...] = ("strict", "replace", "ignore")

# `--normalizer`: tokenlab.train's names (bpe and wordpiece, then SentencePiece's).
NORMALIZER_NAMES: tuple[str, ...] = (
    "nfc",
    "nfd",
    "nfkc",
    "nfkd",
    "bert",
    *SENTENCEPIECE_NORMALIZATIONS,
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


def _version_line() -> str:
    return f"{PROG} {__version__} (backend: {BACKEND})"


class _VersionAction(argparse.Action):
    """``--version``: the version and the backend that runs."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and backend")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(_version_line())
        parser.exit(EXIT_OK)


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _special_tokens(text: str) -> list[str]:
    return [token.strip() for token in text.split(",") if token.strip()]


def _coverage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.98 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be from 0.98 to 1.0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tokenlab`` command: one subparser per subcommand.

    >>> build_parser().parse_args(["decode", "-t", "tok.json", "5"]).ids
    [5]
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train subword tokenizers and encode, decode or inspect them.",
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for add_command in (
        _add_train_command,
        _add_count_command,
        _add_export_command,
        _add_convert_command,
        _add_encode_command,
        _add_decode_command,
        _add_info_command,
        _add_compare_command,
        _add_completion_command,
    ):
        add_command(commands)
    return parser


def _vocab_size_help() -> str:
    by_size: dict[int, list[str]] = {}
    for algorithm in ALGORITHMS:
        by_size.setdefault(DEFAULTS[algorithm].vocab_size, []).append(algorithm)
    return "default: " + ", ".join(
        f"{size} for {' and '.join(names)}" for size, names in by_size.items()
    )


def _add_train_command(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train a tokenizer and save it as tokenizer.json",
        description=(
            "Train a tokenizer on text files (read line by line as UTF-8) and save it "
            "in Hugging Face tokenizer.json format. Without FILE, trains on the embedded "
            "default corpus (the Python reference documentation, pydoc_data.topics)."
        ),
    )
    train.add_argument(
        "files", nargs="*", metavar="FILE", help="corpus files; '-' reads standard input"
    )
    train.add_argument("--algorithm", choices=ALGORITHMS, default="bpe", help="default: bpe")
    train.add_argument(
        "--vocab-size", type=_positive_int, default=None, metavar="N", help=_vocab_size_help()
    )
    train.add_argument(
        "--min-frequency",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="merge only pairs seen at least N times (default: 0)",
    )
    train.add_argument(
        "--special-tokens",
        type=_special_tokens,
        default=[],
        metavar="A,B",
        help="comma-separated special tokens, given the first ids",
    )
    _add_word_options(train)
    train.add_argument(
        "--errors",
        choices=ERROR_MODES,
        default="strict",
        help="what to do with invalid UTF-8 in the corpus (default: strict = stop)",
    )
    _add_threads_option(
        train,
        "word-counting threads or processes (default: one per core for inputs over 4 MB); "
        "for sp-bpe and unigram also the training threads (SentencePiece's --num_threads; "
        "default: one per core)",
        dest="processes",
    )
    _add_trainer_options(train)
    _add_sentencepiece_train_options(train)
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    train.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="PATH",
        help="default: tokenizer.json (none with --output-dir alone); a PATH ending in "
        ".model writes a SentencePiece model (sp-bpe and unigram)",
    )
    _add_pretrained_options(train)
    train.add_argument(
        "--from-counts",
        metavar="COUNTS",
        help="train from a counts file made by `tokenlab count` (with the same --algorithm, "
        "--pre-tokenizer, --lowercase and SentencePiece options) instead of FILEs",
    )
    train.set_defaults(run=_run_train)


def _add_sentencepiece_train_options(train: argparse.ArgumentParser) -> None:
    sp = train.add_argument_group(
        "SentencePiece options", "for --algorithm sp-bpe and unigram (SentencePiece's meaning)"
    )
    sp.add_argument(
        "--character-coverage",
        type=_coverage,
        default=None,
        metavar="F",
        help="share of character occurrences the alphabet covers "
        f"(default: {SENTENCEPIECE.character_coverage})",
    )
    sp.add_argument(
        "--byte-fallback",
        action="store_true",
        default=None,
        help="encode unknown characters as <0xNN> byte pieces",
    )
    sp.add_argument(
        "--split-digits", action="store_true", default=None, help="every digit is a piece alone"
    )
    sp.add_argument(
        "--user-defined-symbols",
        type=_special_tokens,
        default=None,
        metavar="A,B",
        help="comma-separated pieces always kept whole",
    )
    sp.add_argument(
        "--control-symbols",
        type=_special_tokens,
        default=None,
        metavar="A,B",
        help="comma-separated control pieces (ids reserved, never produced from text)",
    )
    for piece, default in (
        ("unk", SENTENCEPIECE.unk_id),
        ("bos", SENTENCEPIECE.bos_id),
        ("eos", SENTENCEPIECE.eos_id),
        ("pad", SENTENCEPIECE.pad_id),
    ):
        sp.add_argument(
            f"--{piece}-id",
            type=_piece_id,
            default=None,
            metavar="ID",
            help=f"the id of the {piece} piece; -1 leaves it out (default: {default})",
        )


def _piece_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < -1:
        raise argparse.ArgumentTypeError(f"must be >= -1 (-1: no such piece), got {value}")
    return value


def _add_trainer_options(train: argparse.ArgumentParser) -> None:
    """The trainer options every algorithm takes (one name per idea; the older names
    stay as hidden aliases)."""
    train.add_argument(
        "--unk-token",
        metavar="TOKEN",
        help="the unknown token: characters the vocabulary lacks become it (bpe: added as "
        "the first special token; without it they are dropped, except byte-level); "
        "SentencePiece's unk piece (default: <unk>); wordpiece: [UNK] only",
    )
    train.add_argument(
        "--normalizer",
        choices=NORMALIZER_NAMES,
        default=None,
        help="text normalization: nfc, nfd, nfkc, nfkd or bert for bpe and wordpiece; "
        f"nmt_nfkc or identity for sp-bpe and unigram (default: "
        f"{DEFAULTS['sp-bpe'].normalizer} for them, bert for wordpiece, none for bpe)",
    )
    train.add_argument(
        "--normalization", dest="normalizer", choices=NORMALIZER_NAMES, help=argparse.SUPPRESS
    )
    train.add_argument(
        "--limit-alphabet",
        type=_positive_int,
        default=None,
        metavar="N",
        help="bpe and wordpiece: keep at most N initial characters, the most frequent",
    )
    train.add_argument(
        "--max-token-length",
        type=_positive_int,
        default=None,
        metavar="N",
        help="the longest token in characters; sp-bpe and unigram "
        f"(default: {SENTENCEPIECE.max_sentencepiece_length}), bpe and wordpiece (default: "
        "no limit)",
    )
    train.add_argument(
        "--max-piece-length", dest="max_token_length", type=_positive_int, help=argparse.SUPPRESS
    )
    train.add_argument(
        "--input-sentence-size",
        type=_positive_int,
        default=None,
        metavar="N",
        help="train on N lines drawn at random from the FILEs (all lines if fewer; "
        "reproducible with --seed)",
    )
    train.add_argument(
        "--seed",
        type=_non_negative_int,
        default=0,
        metavar="S",
        help="the seed of --input-sentence-size's sampling (default: 0)",
    )


def _add_export_command(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="write a tokenizer in another file format",
        description=(
            "Load a tokenizer (tokenizer.json, vocab.txt or a SentencePiece .model) and write "
            "it as FORMAT: huggingface (tokenizer.json), bert (vocab.txt of a WordPiece "
            "model), sentencepiece (.model of an sp-bpe or unigram model), gpt2 (PATH is a "
            "directory that receives vocab.json and merges.txt), tiktoken (a .tiktoken rank "
            "file plus PATH.json with its pattern and special tokens), transformers (PATH is "
            "a directory that AutoTokenizer.from_pretrained loads)."
        ),
    )
    _add_tokenizer_option(export)
    export.add_argument(
        "--format", required=True, choices=tuple(EXPORT_FORMATS), help="the format to write"
    )
    export.add_argument("-o", "--output", required=True, metavar="PATH", help="the file to write")
    _add_pretrained_options(export, output_dir=False)
    export.set_defaults(run=_run_export)


def _add_convert_command(commands: Any) -> None:
    convert = commands.add_parser(
        "convert",
        help="convert a tokenizer file to another format",
        description=(
            "Read IN (any format tokenlab reads) and write OUT in the format its name implies: "
            ".json -> huggingface, .txt -> bert, .model -> sentencepiece, .tiktoken -> "
            "tiktoken, a directory -> gpt2. --to overrides."
        ),
    )
    convert.add_argument("input", metavar="IN", help="the tokenizer file to read")
    convert.add_argument("output", metavar="OUT", help="the file (or directory) to write")
    convert.add_argument("--to", choices=tuple(EXPORT_FORMATS), help="the output format")
    convert.set_defaults(run=_run_convert)


def _add_encode_command(commands: Any) -> None:
    encode = commands.add_parser(
        "encode",
        help="print the ids (or tokens) of each line of files, standard input or a text",
        description=(
            "Encode each line of the FILEs (or of standard input) and print one line of ids "
            'per line, space-separated; the line\'s "\\n" is not encoded, and an output '
            'line ends in "\\n" exactly when its input line did, so `encode | decode` '
            "gives the text back. A FILE that does not exist, given alone, is the text to "
            "encode (as --text says explicitly)."
        ),
    )
    _add_tokenizer_option(encode)
    encode.add_argument(
        "inputs",
        nargs="*",
        metavar="FILE",
        help="files to encode line by line ('-': standard input, the default); a single "
        "argument that names no file is encoded as the text itself",
    )
    encode.add_argument(
        "--text", metavar="TEXT", help="encode TEXT itself (never read as a file name)"
    )
    encode.add_argument("--tokens", action="store_true", help="print tokens instead of ids")
    encode.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per line: ids, tokens and offsets (characters)",
    )
    encode.add_argument(
        "--pair", metavar="TEXT_B", help="a second text (BERT's sentence B, type id 1)"
    )
    encode.add_argument(
        "--type-ids", action="store_true", help="also print the type ids on a second line"
    )
    _add_stream_options(encode)
    encode.set_defaults(run=_run_encode_command)


def _add_decode_command(commands: Any) -> None:
    decode = commands.add_parser(
        "decode",
        help="print the text of token ids (arguments, files or standard input)",
        description=(
            "Decode token ids to text. Integer arguments are the ids of one text; otherwise "
            "each line of the FILEs (or of standard input) is one text's ids, "
            "space-separated or a JSON line of `tokenlab encode --json`, and gives one "
            "line of text."
        ),
    )
    _add_tokenizer_option(decode)
    decode.add_argument(
        "ids",
        nargs="*",
        type=_id_or_file,
        metavar="ID|FILE",
        help="token ids, or files of ids ('-': standard input, the default)",
    )
    decode.add_argument(
        "--keep-special-tokens",
        action="store_true",
        help="write special tokens into the text (default: leave them out)",
    )
    _add_stream_options(decode, threads=False)
    decode.set_defaults(run=_run_decode_command)


def _add_info_command(commands: Any) -> None:
    info = commands.add_parser(
        "info",
        help="describe a tokenizer file",
        description="Print the model type, sizes, pipeline and special tokens (with their "
        "roles for transformers) of a tokenizer file.",
    )
    _add_tokenizer_option(info)
    info.add_argument("--json", action="store_true", help="print the fields as one JSON object")
    info.set_defaults(run=_run_info)


def _add_compare_command(commands: Any) -> None:
    anchors, held_out_lines = cmp.ANCHORS, cmp.DEFAULT_HELD_OUT_LINES
    compare = commands.add_parser(
        "compare",
        help="train tokenlab and tokenizers/sentencepiece side by side and report",
        description=(
            "Train tokenlab and the matching anchor library (tokenizers for bpe and "
            "wordpiece, sentencepiece for sp-bpe and unigram) on the same corpus with "
            "equivalent options, each in its own process, and report training time, peak "
            "memory, encoding speed, bytes per token and vocabulary overlap, with the "
            "ratios tokenlab / anchor. Without --held-out, the last "
            f"{held_out_lines} lines of the files are held out for encoding "
            "(--held-out-lines) and not trained on."
        ),
    )
    compare.add_argument("files", nargs="+", metavar="FILE", help="corpus files (text or .gz)")
    compare.add_argument(
        "--algorithm", choices=tuple(anchors), required=True, help="the algorithm to compare"
    )
    compare.add_argument(
        "--vocab-size",
        type=_positive_int,
        required=True,
        metavar="N",
        help="the vocabulary size both libraries train to",
    )
    compare.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="T",
        help="threads each library may use (default: each library's own default)",
    )
    compare.add_argument(
        "--held-out", metavar="FILE", help="text to encode (default: the last lines)"
    )
    compare.add_argument(
        "--held-out-lines",
        type=_positive_int,
        default=held_out_lines,
        metavar="N",
        help=f"lines held out without --held-out (default: {held_out_lines})",
    )
    compare.add_argument(
        "--min-frequency",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="bpe and wordpiece: minimum pair count (default: 0)",
    )
    compare.add_argument(
        "--anchors",
        type=_anchor_list,
        default=None,
        metavar="NAMES",
        help="also run these optional anchors, comma-separated, or 'all': "
        f"{', '.join(cmp.EXTRA_ANCHORS)} (each skipped with a reason when not installed "
        "or unable to load the model)",
    )
    compare.add_argument("-o", "--output", metavar="PATH", help="write the report here too")
    compare.add_argument("--json", action="store_true", help="JSON instead of Markdown")
    compare.add_argument(
        "--plot", metavar="PNG", help="also draw the ratios (needs matplotlib: tokenlab[plot])"
    )
    compare.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    compare.set_defaults(run=_run_compare)


def _anchor_list(text: str) -> list[str]:
    """``--anchors``: names separated by commas, or ``all``."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return list(cmp.EXTRA_ANCHORS)
    unknown = [n for n in names if n not in cmp.EXTRA_ANCHORS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown anchor(s) {', '.join(unknown) or repr(text)}; "
            f"choose from {', '.join(cmp.EXTRA_ANCHORS)} or all"
        )
    return names


def _run_compare(args: argparse.Namespace) -> int:
    # fail now, not after training: outputs must be writable, the plot drawable
    for path in (args.output, args.plot):
        if path:
            check_writable_path(path)
    if args.plot:
        cmp.check_plot_support()
    report = cmp.compare(
        args.files,
        args.algorithm,
        args.vocab_size,
        threads=args.threads,
        held_out=args.held_out,
        held_out_lines=args.held_out_lines,
        min_frequency=args.min_frequency,
        anchors=args.anchors,
        progress=None if args.quiet else cmp.print_progress,
    )
    command = shlex.join([PROG, *args.argv]) if getattr(args, "argv", None) else None
    text = cmp.to_json(report) if args.json else cmp.to_markdown(report, command)
    sys.stdout.write(text)
    if args.output:
        with atomic_write(args.output) as f:
            f.write(text)
    if args.plot:
        cmp.write_plot(report, args.plot)
    return EXIT_OK


def _add_word_options(parser: argparse.ArgumentParser) -> None:
    """The options that decide what a word is: train and count must agree on them."""
    parser.add_argument(
        "--pre-tokenizer",
        choices=PRE_TOKENIZERS,
        default=None,
        help=f"default: {DEFAULTS['bpe'].pre_tokenizer} for bpe, "
        f"{DEFAULTS['wordpiece'].pre_tokenizer} for wordpiece",
    )
    parser.add_argument(
        "--lowercase",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="lowercase the text first (default: no for bpe, yes for wordpiece)",
    )


def _add_tokenizer_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-t",
        "--tokenizer",
        required=True,
        metavar="PATH",
        help="a tokenizer.json (saved by tokenlab or Hugging Face tokenizers), a BERT "
        "vocab.txt or a SentencePiece .model",
    )


def _load(path: str) -> Tokenizer:
    return Tokenizer.from_file(path)


def _run_train(args: argparse.Namespace) -> int:
    _resolve_train_outputs(args)
    sp_options = _sentencepiece_options(args)
    _check_train_output(args, sp_options)
    corpus = _train_corpus(args)
    start = time.perf_counter()
    with _warnings_as_lines():
        if args.from_counts is not None:
            tokenizer = _train_from_counts(args, sp_options)
        else:
            tokenizer = _train(args, corpus, sp_options)
    _save_trained(tokenizer, args)
    seconds = time.perf_counter() - start
    merges = getattr(tokenizer.model, "merges", None)
    merges_text = f", {len(merges)} merges" if merges is not None else ""
    print(
        f"{PROG}: trained {args.algorithm}: vocab {tokenizer.get_vocab_size()}{merges_text} "
        f"in {seconds:.2f} s (backend: {BACKEND}) -> "
        f"{', '.join(p for p in (args.output, args.output_dir) if p)}",
        file=sys.stderr,
    )
    return EXIT_OK


def _train(args: argparse.Namespace, corpus: Any, sp_options: dict[str, Any]) -> Tokenizer:
    return api.train(
        corpus,
        algorithm=args.algorithm,
        vocab_size=args.vocab_size,
        min_frequency=args.min_frequency,
        special_tokens=args.special_tokens or None,
        pre_tokenizer=args.pre_tokenizer,
        lowercase=args.lowercase,
        normalizer=args.normalizer,
        show_progress=not args.quiet,
        errors=args.errors,
        processes=args.processes,
        **sp_options,
        **_trainer_options(args),
    )


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Python warnings of a training (an unreachable vocab size) as one line each on
    stderr, ``tokenlab: warning: ...``, without the file and source line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for warning in caught:
                print(f"{PROG}: warning: {warning.message}", file=sys.stderr)


def _sentencepiece_options(args: argparse.Namespace) -> dict[str, Any]:
    """The SentencePiece options given on the command line, by their trainer names."""
    options = {
        name: value
        for name, value in (
            ("character_coverage", args.character_coverage),
            ("byte_fallback", args.byte_fallback),
            ("split_digits", args.split_digits),
            ("user_defined_symbols", args.user_defined_symbols),
            ("control_symbols", args.control_symbols),
            ("unk_id", args.unk_id),
            ("bos_id", args.bos_id),
            ("eos_id", args.eos_id),
            ("pad_id", args.pad_id),
        )
        if value is not None
    }
    if args.algorithm in SENTENCEPIECE_ALGORITHMS and args.max_token_length is not None:
        options["max_sentencepiece_length"] = args.max_token_length
    return options


def _trainer_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options of every algorithm given on the command line, by their API names."""
    options: dict[str, Any] = {
        name: value
        for name, value in (
            ("unk_token", args.unk_token),
            ("limit_alphabet", args.limit_alphabet),
            ("input_sentence_size", args.input_sentence_size),
        )
        if value is not None
    }
    if args.input_sentence_size is not None:
        options["input_sentence_seed"] = args.seed
    if args.algorithm not in SENTENCEPIECE_ALGORITHMS and args.max_token_length is not None:
        options["max_token_length"] = args.max_token_length
    if args.limit_alphabet is not None and args.algorithm in SENTENCEPIECE_ALGORITHMS:
        raise ConfigError(
            "--limit-alphabet applies to bpe and wordpiece; SentencePiece trims its "
            "alphabet by --character-coverage"
        )
    return options


def _check_train_output(args: argparse.Namespace, sp_options: Mapping[str, Any]) -> None:
    """Refuse before training what saving or the algorithm would refuse after it."""
    if getattr(args, "user_defined_symbols", None) and not (args.output or "").endswith(".model"):
        # tokenizer.json cannot give user-defined pieces SentencePiece's scoring, so
        # saving would be refused: say so before training, not after.
        raise ConfigError(
            "--user-defined-symbols needs a SentencePiece output: use -o NAME.model "
            "(tokenizer.json cannot express user-defined pieces exactly)"
        )
    if args.algorithm in SENTENCEPIECE_ALGORITHMS:
        return
    if sp_options:
        flag = "--" + next(iter(sp_options)).replace("_", "-")
        raise ConfigError(
            f"the SentencePiece options (e.g. {flag}) apply to --algorithm sp-bpe or "
            f"unigram, not {args.algorithm}"
        )
    if (args.output or "").endswith(".model"):
        raise ConfigError(
            f"a .model output needs --algorithm sp-bpe or unigram, not {args.algorithm}"
        )


def _train_corpus(args: argparse.Namespace) -> Iterable[str] | list[str]:
    """The FILEs, nothing (--from-counts) or the embedded default corpus."""
    if args.from_counts is not None:
        if args.files:
            raise ConfigError("give either FILEs or --from-counts, not both")
        return []
    if args.files:
        return list(args.files)
    return default_corpus()


def _write(tokenizer: Tokenizer, fmt: str, output: str) -> None:
    made_directory = False
    if fmt == "gpt2":
        parent = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(parent):
            check_writable_path(output)  # raises: the parent directory is missing
        made_directory = not os.path.exists(output)
        os.makedirs(output, exist_ok=True)
    else:
        check_writable_path(output)
    writer = EXPORT_FORMATS[fmt]
    try:
        if writer is None:
            tokenizer.save(output)
        else:
            writer(tokenizer, output)
    except BaseException:
        if made_directory:
            _remove_empty_directory(output)  # a refused export leaves nothing behind
        raise
    print(f"{PROG}: wrote {fmt} -> {output}", file=sys.stderr)


def _remove_empty_directory(path: str) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(path)  # fails, and keeps it, if anything is inside


def _run_export(args: argparse.Namespace) -> int:
    tokenizer = _load(args.tokenizer)
    if args.format == "transformers":
        _write_pretrained(tokenizer, args.output, args)
    else:
        _check_no_pretrained_options(args)
        _write(tokenizer, args.format, args.output)
    return EXIT_OK


def _run_convert(args: argparse.Namespace) -> int:
    fmt = args.to or _format_of(args.output)
    if fmt is None:
        raise ConfigError(
            f"cannot tell the format of {args.output!r} from its name; pass --to "
            f"({', '.join(EXPORT_FORMATS)})"
        )
    _write(_load(args.input), fmt, args.output)
    return EXIT_OK


def _run_encode(args: argparse.Namespace) -> int:
    tokenizer = _load(args.tokenizer)
    text = args.text if args.text is not None else sys.stdin.read()
    encoding = tokenizer.encode(text, args.pair)
    items = encoding.tokens if args.tokens else [str(i) for i in encoding.ids]
    print(" ".join(items))
    if args.type_ids:
        print(" ".join(str(t) for t in encoding.type_ids))
    return EXIT_OK


def _run_decode(args: argparse.Namespace) -> int:
    tokenizer = _load(args.tokenizer)
    # An id that is no token (a hole in the vocabulary, or above its largest id) decodes
    # to nothing, as in tokenizers; say so, since the text is then not that of the ids.
    unknown = [i for i in args.ids if _no_token(tokenizer, i)]
    if unknown:
        shown = " ".join(str(i) for i in unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        print(
            f"{PROG}: warning: {len(unknown)} id(s) are no token of {args.tokenizer} and were "
            f"skipped: {shown}",
            file=sys.stderr,
        )
    # Decode only the ids kept: a .model pipeline refuses the others (sentencepiece's rule).
    skipped = set(unknown)
    kept = [i for i in args.ids if i not in skipped] if skipped else args.ids
    print(tokenizer.decode(kept, skip_special_tokens=not args.keep_special_tokens))
    return EXIT_OK


def _no_token(tokenizer: Tokenizer, i: int) -> bool:
    return i > MAX_TOKEN_ID or tokenizer.id_to_token(i) is None


def _abbreviate(value: Any) -> Any:
    """Long strings in a component dict (a charsmap blob) become their size."""
    if isinstance(value, dict):
        return {k: _abbreviate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_abbreviate(v) for v in value]
    if isinstance(value, str) and len(value) > 200:
        return f"<{len(value)} chars>"
    return value


def _component(value: Any) -> str:
    """One line for a component's (abbreviated) dict."""
    if value is None:
        return "none"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _special_token_names(tokenizer: Tokenizer) -> list[str]:
    """The special tokens of ``tokenizer`` in id order: its special added tokens and, in
    a SentencePiece model, the unknown and control pieces (``<unk>``, ``<s>``, ``</s>``,
    ``--control-symbols``)."""
    found = {token.content: i for i, token in tokenizer.added_tokens if token.special}
    # (piece, score, type) per id: Unigram's typed_pieces, SentencePiece BPE's pieces
    model = tokenizer.model
    typed = getattr(model, "typed_pieces", None) or getattr(model, "pieces", None) or []
    for i, entry in enumerate(typed):
        if isinstance(entry, tuple) and len(entry) == 3 and entry[2] in (UNKNOWN, CONTROL):
            found.setdefault(entry[0], i)
    return sorted(found, key=found.__getitem__)


def _info_fields(path: str, tokenizer: Tokenizer) -> dict[str, Any]:
    """What ``tokenlab info`` reports, as JSON-ready values."""
    model = tokenizer.model
    model_type = type(model).__name__
    to_dict = getattr(model, "to_dict", None)
    # SentencePiece models are named by their class: their tokenizer.json form is
    # another model type, or none.
    if to_dict is not None and not model_type.startswith("SentencePiece"):
        model_type = str(to_dict().get("type", model_type))
    merges = getattr(model, "merges", None)
    specials = _special_token_names(tokenizer)
    return {
        "file": path,
        "model": model_type,
        "vocab_size": tokenizer.get_vocab_size(),
        "merges": len(merges) if merges is not None else None,
        "normalizer": _component_dict(tokenizer.normalizer),
        "pre_tokenizer": _component_dict(tokenizer.pre_tokenizer),
        "special_tokens": {token: tokenizer.token_to_id(token) for token in specials},
        "roles": special_token_roles(tokenizer),
    }


def _component_dict(obj: Any) -> Any:
    if obj is None:
        return None
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is None:
        return type(obj).__name__
    try:
        return _abbreviate(to_dict())
    except ConfigError:  # e.g. SentencePiece's user-defined symbols: a .model only
        return f"{type(obj).__name__} (no tokenizer.json form)"


def _run_info(args: argparse.Namespace) -> int:
    fields = _info_fields(args.tokenizer, _load(args.tokenizer))
    if args.json:
        print(json.dumps(fields, ensure_ascii=False, indent=2))
        return EXIT_OK
    specials = " ".join(fields["special_tokens"])  # their ids: --json
    roles = " ".join(f"{role.removesuffix('_token')}={t}" for role, t in fields["roles"].items())
    rows = [
        ("file", fields["file"]),
        ("model", fields["model"]),
        ("vocab size", str(fields["vocab_size"])),
        ("merges", "n/a" if fields["merges"] is None else str(fields["merges"])),
        ("normalizer", _component(fields["normalizer"])),
        ("pre-tokenizer", _component(fields["pre_tokenizer"])),
        ("special tokens", specials or "none"),
        ("roles", roles or "none"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name + ':':<{width + 1}} {value}")
    return EXIT_OK


# Options naming a file to write or read: an empty string is a usage error (it would
# otherwise name the current directory's parent or a temporary file in messages).
_PATH_OPTIONS: tuple[tuple[str, str], ...] = (
    ("output", "-o/--output"),
    ("tokenizer", "-t/--tokenizer"),
    ("from_counts", "--from-counts"),
    ("plot", "--plot"),
    ("held_out", "--held-out"),
)


def _empty_path_option(args: argparse.Namespace) -> str | None:
    for dest, flag in _PATH_OPTIONS:
        if getattr(args, dest, None) == "":
            return flag
    return None


def _output_files(args: argparse.Namespace) -> list[str]:
    """The files a command's ``-o`` makes (a GPT-2 directory: its two files)."""
    output = getattr(args, "output", None)
    if not output:
        return []
    if os.path.isdir(output) or getattr(args, "format", None) == "gpt2":
        return [os.path.join(output, "vocab.json"), os.path.join(output, "merges.txt")]
    if output.endswith(".tiktoken"):
        return [output, output + ".json"]
    return [output]


def _output_state(args: argparse.Namespace) -> list[tuple[int, int, int] | None]:
    """(inode, mtime, size) of each output file, None where missing or not regular."""
    state: list[tuple[int, int, int] | None] = []
    for path in _output_files(args):
        try:
            st = os.stat(path)
        except OSError:
            state.append(None)
            continue
        regular = stat.S_ISREG(st.st_mode)
        state.append((st.st_ino, st.st_mtime_ns, st.st_size) if regular else None)
    return state


def _interrupted(
    args: argparse.Namespace, before: list[tuple[int, int, int] | None], exc: BaseException
) -> int:
    """Exit status and message for a signal: if every output file was replaced (by
    a rename, so it is whole) the work is done, and the run succeeded."""
    after = _output_state(args)
    if after and all(a is not None and a != b for a, b in zip(after, before)):
        print(f"{PROG}: interrupted after {args.output} was completely written", file=sys.stderr)
        return EXIT_OK
    if isinstance(exc, Terminated):
        print(f"{PROG}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    print(f"{PROG}: interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


# Commands whose result goes to stdout (the others print to stderr only).
_PRINTING_COMMANDS = ("encode", "decode", "info", "compare")


def _stdio_encoding_message(
    exc: UnicodeEncodeError | UnicodeDecodeError, stream: Any, verb: str
) -> str:
    """``PYTHONIOENCODING=ascii tokenlab encode --tokens héllo``: say how to fix it."""
    encoding = getattr(stream, "encoding", None) or "unknown"
    where = "standard output" if verb == "print" else "standard input"
    return (
        f"cannot {verb} this text: {where} uses the {encoding!r} encoding ({exc.reason}); "
        "use a UTF-8 locale or set PYTHONIOENCODING=utf-8"
    )


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_FAILURE


def _os_error_message(exc: OSError) -> str:
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    """Run the ``tokenlab`` command line.

    Args:
        argv: the arguments, without the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit status: 0 success, 1 failure, 2 usage error, 130 interrupted by
        SIGINT (Ctrl-C), 143 by SIGTERM; 0 if the signal came after the output was
        completely written.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse exits 2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    empty = _empty_path_option(args)
    if empty is not None:
        print(f"{PROG}: error: {empty} needs a file name, got an empty string", file=sys.stderr)
        return EXIT_USAGE
    if sys.stdout is None and args.command in _PRINTING_COMMANDS:
        return _fail(f"standard output is closed: nothing to print the {args.command} result to")
    before = _output_state(args)
    try:
        with terminate_as_interrupt():
            status: int = args.run(args)
            if sys.stdout is not None:
                sys.stdout.flush()
        return status
    except KeyboardInterrupt as exc:
        return _interrupted(args, before, exc)
    except UnicodeEncodeError as exc:
        return _fail(_stdio_encoding_message(exc, sys.stdout, "print"))
    except UnicodeDecodeError as exc:
        return _fail(_stdio_encoding_message(exc, sys.stdin, "read"))
    except BrokenPipeError:
        # the reader went away (`tokenlab encode ... | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_FAILURE
    except TokenlabError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(_os_error_message(exc))


# -- tokenlab count / train --from-counts ------------------------------------------------------


def _add_count_command(commands: Any) -> None:
    count = commands.add_parser(
        "count",
        help="count the words of text files into a counts file (the first half of training)",
        description=(
            "Count the words of text files (streamed, on several threads or processes, or "
            "on a Dask cluster) as `tokenlab train` with the same options would, and write "
            "a counts file (word TAB count, gzip when the name ends in .gz) for "
            "`tokenlab train --from-counts`."
        ),
    )
    count.add_argument("files", nargs="+", metavar="FILE", help="corpus files, globs or URLs")
    count.add_argument("-o", "--output", required=True, metavar="PATH", help="the counts file")
    count.add_argument("--algorithm", choices=ALGORITHMS, default="bpe", help="default: bpe")
    _add_word_options(count)
    sp = count.add_argument_group(
        "SentencePiece options", "for --algorithm sp-bpe and unigram: those that change words"
    )
    sp.add_argument(
        "--normalizer",
        choices=SENTENCEPIECE_NORMALIZATIONS,
        default=None,
        help=f"text normalization (default: {DEFAULTS['sp-bpe'].normalizer})",
    )
    sp.add_argument(
        "--normalization",
        dest="normalizer",
        choices=SENTENCEPIECE_NORMALIZATIONS,
        help=argparse.SUPPRESS,
    )
    sp.add_argument(
        "--byte-fallback",
        action="store_true",
        default=None,
        help="as train's --byte-fallback (it changes how words are cut)",
    )
    sp.add_argument(
        "--user-defined-symbols",
        type=_special_tokens,
        default=None,
        metavar="A,B",
        help="as train's --user-defined-symbols (they are never split)",
    )
    count.add_argument(
        "--errors",
        choices=ERROR_MODES,
        default="strict",
        help="what to do with invalid UTF-8 (default: strict = stop)",
    )
    _add_threads_option(
        count,
        "counting threads or processes (local: default one per core for inputs over 4 MB; "
        "dask without --scheduler: workers of the local cluster)",
        dest="processes",
    )
    count.add_argument(
        "--min-count",
        type=_positive_int,
        default=1,
        metavar="K",
        help="keep only words seen at least K times (default: 1 = all; training from "
        "pruned counts differs from training on the text)",
    )
    count.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local processes, or a Dask job (needs `pip install tokenlab[dask]`)",
    )
    count.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler to use (default: start a local cluster)",
    )
    count.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    count.set_defaults(run=_run_count)


def _run_count(args: argparse.Namespace) -> int:
    check_writable_path(args.output)
    sp_options = {
        name: value
        for name, value in (
            ("byte_fallback", args.byte_fallback),
            ("user_defined_symbols", args.user_defined_symbols),
        )
        if value is not None
    }
    if args.algorithm not in SENTENCEPIECE_ALGORITHMS and (sp_options or args.normalizer):
        raise ConfigError(
            f"the SentencePiece options apply to --algorithm sp-bpe or unigram, "
            f"not {args.algorithm}"
        )
    if args.scheduler is not None and args.engine != "dask":
        raise ConfigError("--scheduler needs --engine dask")
    settings = api.count_settings(
        args.algorithm,
        pre_tokenizer=args.pre_tokenizer,
        normalizer=args.normalizer,
        lowercase=args.lowercase,
        errors=args.errors,
        **sp_options,
    ).with_options(min_count=args.min_count)
    start = time.perf_counter()
    counts: Mapping[str, int]
    if args.engine == "dask":
        counts = distributed.count_with_scheduler(
            args.files,
            settings,
            scheduler=args.scheduler,
            workers=args.processes,
            errors=args.errors,
            min_count=args.min_count,
        )
    else:
        counts = prune(
            count_files(
                args.files,
                settings,
                errors=args.errors,
                processes=args.processes,
                show_progress=not args.quiet,
            ),
            args.min_count,
        )
    save_counts(args.output, counts, settings)
    seconds = time.perf_counter() - start
    print(
        f"{PROG}: counted {sum(counts.values())} words, {len(counts)} unique in "
        f"{seconds:.2f} s ({args.engine}) -> {args.output}",
        file=sys.stderr,
    )
    return EXIT_OK


def _train_from_counts(args: argparse.Namespace, sp_options: dict[str, Any]) -> Tokenizer:
    return api.train_from_counts(
        args.from_counts,
        algorithm=args.algorithm,
        vocab_size=args.vocab_size,
        min_frequency=args.min_frequency,
        special_tokens=args.special_tokens or None,
        pre_tokenizer=args.pre_tokenizer,
        lowercase=args.lowercase,
        normalizer=args.normalizer,
        show_progress=not args.quiet,
        **sp_options,
        **_trainer_options(args),
    )


# -- tokenlab encode / decode on files and pipes ------------------------------------------------


def _id_or_file(text: str) -> int | str:
    """A positional of ``decode``: an id (a non-negative integer) or a file to read."""
    try:
        value = int(text)
    except ValueError:
        if is_input_file(text):
            return text
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a token id nor a file (a file of ids, one text per line; "
            "'-' is standard input)"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a token id is >= 0, got {value}")
    return value


def _add_stream_options(parser: argparse.ArgumentParser, threads: bool = True) -> None:
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"lines handled per batch (default: {DEFAULT_BATCH_SIZE})",
    )
    if threads:  # decoding is one thread: no option that would do nothing
        _add_threads_option(parser, "encoding threads (default: one per core)")


def _add_threads_option(parser: Any, help_text: str, dest: str = "threads") -> None:
    """``--threads``, the one name for "how many cores"; the older names stay as hidden
    aliases (``--processes``, ``--num-threads``)."""
    parser.add_argument(
        "--threads", dest=dest, type=_positive_int, default=None, metavar="N", help=help_text
    )
    parser.add_argument(
        "--processes",
        "--num-threads",
        dest=dest,
        type=_positive_int,
        default=None,
        help=argparse.SUPPRESS,
    )


def _looks_like_a_path(text: str) -> bool:
    name = os.path.basename(text)
    return not any(c.isspace() for c in text) and (
        os.sep in text or ("." in name.strip(".") and len(name.rsplit(".", 1)[1]) <= 5)
    )


def _encode_inputs(args: argparse.Namespace) -> list[str] | None:
    """The files to encode line by line, or None when ``args.text`` is the text.

    The rule: ``--text`` is always the text; otherwise every positional argument is a
    file ('-': standard input), except a single one that names no file, which is the
    text (tokenlab 0.1's ``tokenlab encode -t tok.json "Hello world"``).
    """
    inputs: list[str] = args.inputs
    if args.text is not None:
        if inputs:
            raise ConfigError("give either --text or FILEs, not both")
        return None
    files = [path for path in inputs if is_input_file(path)]
    if len(inputs) == 1 and not files:
        args.text = inputs[0]
        if _looks_like_a_path(args.text):
            print(
                f"{PROG}: note: no file {args.text!r}: encoding these characters as the text "
                "(use --text to say so, or check the path)",
                file=sys.stderr,
            )
        return None
    missing = [path for path in inputs if path not in files]
    if missing:
        raise ConfigError(f"no such file: {missing[0]} (to encode a text itself, use --text)")
    if args.pair is not None or args.type_ids:
        raise ConfigError("--pair and --type-ids apply to one text (--text), not to files")
    return files


def _run_encode_command(args: argparse.Namespace) -> int:
    files = _encode_inputs(args)
    if files is None:
        if args.json:
            return _print_json_encoding(args)
        return _run_encode(args)
    encode_lines(
        _load(args.tokenizer),
        files,
        sys.stdout,
        batch_size=args.batch_size,
        tokens=args.tokens,
        as_json=args.json,
        threads=args.threads,
    )
    return EXIT_OK


def _print_json_encoding(args: argparse.Namespace) -> int:
    encoding = _load(args.tokenizer).encode(args.text, args.pair)
    record = {
        "ids": encoding.ids,
        "tokens": encoding.tokens,
        "offsets": [list(span) for span in encoding.offsets],
        "type_ids": encoding.type_ids,
    }
    print(json.dumps(record, ensure_ascii=False))
    return EXIT_OK


def _run_decode_command(args: argparse.Namespace) -> int:
    ids = [i for i in args.ids if isinstance(i, int)]
    if args.ids and len(ids) == len(args.ids):
        return _run_decode(args)
    if ids:
        raise ConfigError("give token ids or files of ids, not both")
    decode_lines(
        _load(args.tokenizer),
        args.ids,
        sys.stdout,
        batch_size=args.batch_size,
        skip_special_tokens=not args.keep_special_tokens,
    )
    return EXIT_OK


# -- transformers-ready output: train --output-dir, export --format transformers ---------------

# The special token roles of transformers that the command line can set, by option.
_ROLE_OPTIONS = ("bos", "eos", "pad", "mask", "cls", "sep")


def _add_pretrained_options(parser: argparse.ArgumentParser, output_dir: bool = True) -> None:
    group = parser.add_argument_group(
        "transformers options",
        "for a directory that transformers.AutoTokenizer.from_pretrained loads"
        + (" (--output-dir)" if output_dir else " (--format transformers)"),
    )
    if output_dir:
        group.add_argument(
            "--output-dir",
            metavar="DIR",
            help="also write DIR: tokenizer.json, tokenizer_config.json, "
            "special_tokens_map.json (and tokenizer.model for sp-bpe and unigram)",
        )
    group.add_argument(
        "--model-max-length",
        type=_positive_int,
        metavar="N",
        help="the longest input of the model (tokenizer_config.json's model_max_length)",
    )
    for role in _ROLE_OPTIONS:
        group.add_argument(
            f"--{role}-token",
            metavar="TOKEN",
            help=f"the {role} token (default: found by the algorithm's conventions)",
        )


def _role_overrides(args: argparse.Namespace) -> dict[str, str]:
    roles = {f"{role}_token": getattr(args, f"{role}_token", None) for role in _ROLE_OPTIONS}
    unk = getattr(args, "unk_token", None)
    if unk is not None:
        roles["unk_token"] = unk
    return {role: token for role, token in roles.items() if token is not None}


def _check_no_pretrained_options(args: argparse.Namespace) -> None:
    given = sorted(role for role in _role_overrides(args) if role != "unk_token")
    if given or getattr(args, "model_max_length", None) is not None:
        flag = "--" + (given[0].replace("_", "-") if given else "model-max-length")
        where = "--output-dir" if hasattr(args, "output_dir") else "--format transformers"
        raise ConfigError(f"{flag} applies to a transformers directory: add {where}")


def _write_pretrained(tokenizer: Tokenizer, directory: str, args: argparse.Namespace) -> None:
    _check_output_directory(directory)
    write_pretrained(
        tokenizer, directory, model_max_length=args.model_max_length, **_role_overrides(args)
    )
    print(f"{PROG}: wrote transformers -> {directory}", file=sys.stderr)


def _resolve_train_outputs(args: argparse.Namespace) -> None:
    """-o defaults to tokenizer.json unless --output-dir is the only output; check both
    are writable now, not after a long training run."""
    if args.output is None and args.output_dir is None:
        args.output = "tokenizer.json"
    if args.output is not None:
        check_writable_path(args.output)
    if args.output_dir is None:
        _check_no_pretrained_options(args)
    else:
        _check_output_directory(args.output_dir)


def _check_output_directory(directory: str) -> None:
    """A directory to write into: it exists, or its parent does (it is then made)."""
    if os.path.isdir(directory):
        return
    check_writable_path(directory)  # raises if the parent directory is missing
    if os.path.exists(directory):
        raise ConfigError(f"cannot write the directory {directory!r}: a file has that name")


def _save_trained(tokenizer: Tokenizer, args: argparse.Namespace) -> None:
    if args.output is not None:
        if args.output.endswith(".model"):
            write_sentencepiece(tokenizer, args.output)
        else:
            tokenizer.save(args.output)
    if args.output_dir is not None:
        _write_pretrained(tokenizer, args.output_dir, args)


# -- tokenlab completion -------------------------------------------------------------------------

COMPLETION_SHELLS = ("bash", "zsh", "tcsh")


def _add_completion_command(commands: Any) -> None:
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (needs shtab: pip install tokenlab[completion])",
        description=(
            "Print the completion script of SHELL for tokenlab's subcommands and options. "
            'bash: eval "$(tokenlab completion bash)" in ~/.bashrc; zsh: tokenlab '
            "completion zsh > ~/.zfunc/_tokenlab (a directory on $fpath)."
        ),
    )
    completion.add_argument("shell", choices=COMPLETION_SHELLS, help="the shell")
    completion.set_defaults(run=_run_completion)


def _run_completion(args: argparse.Namespace) -> int:
    try:
        import shtab  # noqa: PLC0415 - optional: pip install "tokenlab[completion]"
    except ImportError:
        raise ConfigError(
            "shell completion needs shtab: pip install shtab (or tokenlab[completion])"
        ) from None
    sys.stdout.write(shtab.complete(build_parser(), shell=args.shell))
    return EXIT_OK
