"""Train tokenlab and its anchor library side by side on your corpus, and report.

``tokenlab compare FILE ... --algorithm A --vocab-size N`` (or :func:`compare`)
trains tokenlab and the library it is measured against on the same text, with
equivalent options, each in a fresh process (``python -m
tokenlab._compare_worker``), one after the other in the same run:

============  =================  ==============================================
algorithm     anchor             options both sides get
============  =================  ==============================================
``bpe``       ``tokenizers``     byte-level, no prefix space, 256-byte alphabet
``wordpiece`` ``tokenizers``     BERT normalizer (lowercase) and pre-tokenizer,
                                 ``##``, ``[PAD] [UNK] [CLS] [SEP] [MASK]``
``sp-bpe``    ``sentencepiece``  SentencePiece's defaults (``nmt_nfkc``, ...)
``unigram``   ``sentencepiece``  SentencePiece's defaults
============  =================  ==============================================

It reports, for each side and as the ratio tokenlab / anchor: training seconds
(the train call, measured in the child), peak memory (the child's ``VmHWM``,
taken right after training), encoding throughput on the held-out text (MB/s,
one ``encode`` per line, and one ``encode_batch`` call), bytes per token on the
held-out text (special tokens not added), the vocabulary overlap, and for
``bpe`` whether the merge lists are identical (tokenlab's BPE is meant to
equal Hugging Face's exactly).

Held-out text: ``held_out`` if given (then all of the files are trained on);
otherwise the last ``held_out_lines`` lines (default 1000) of the files are set
aside and the rest is trained on. ``.gz`` files are read decompressed. Both
sides read the same uncompressed training file.

Not measured: time to start the process and import the library, and the
anchor's accuracy of any other kind. Numbers from a busy machine differ from
run to run: the report records the load average at the start and the end.
"""

from __future__ import annotations

import collections
import gzip
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import errors
from ._atomic import atomic_write
from ._backend import BACKEND
from ._version import __version__
from .errors import ConfigError, CorpusError, TokenlabError

__all__ = [
    "ANCHORS",
    "DEFAULT_HELD_OUT_LINES",
    "EXTRA_ANCHORS",
    "TRAINING_ANCHORS",
    "check_plot_support",
    "compare",
    "machine_info",
    "print_progress",
    "to_json",
    "to_markdown",
    "write_plot",
]

#: The library each algorithm is compared with.
ANCHORS = {
    "bpe": "tokenizers",
    "wordpiece": "tokenizers",
    "sp-bpe": "sentencepiece",
    "unigram": "sentencepiece",
}
#: Lines held out for encoding when no held-out file is given.
DEFAULT_HELD_OUT_LINES = 1000
_INSTALL = {"tokenizers": "pip install tokenizers", "sentencepiece": "pip install sentencepiece"}
_MB = 1_000_000


def print_progress(message: str) -> None:
    """Print one progress line on stderr (the default ``progress`` of :func:`compare`).

    >>> print_progress("training")  # doctest: +SKIP
    tokenlab compare: training
    """
    print(f"tokenlab compare: {message}", file=sys.stderr, flush=True)


def check_plot_support() -> None:
    """Fail early if ``--plot`` cannot work.

    Raises:
        ConfigError: matplotlib is not installed (install hint in the message).

    >>> check_plot_support()  # doctest: +SKIP
    """
    if importlib.util.find_spec("matplotlib") is None:
        raise ConfigError(
            "--plot needs matplotlib, which is not installed: pip install matplotlib "
            "(or pip install 'tokenlab[plot]')"
        )


def _load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_revision() -> str:
    """The commit of tokenlab's own sources, if they are tokenlab's git checkout.

    An installed tokenlab may sit inside another project's repository (a virtual
    environment in it): that repository's revision is not tokenlab's, so a revision is
    reported only when the checkout's top level is the directory above this package.
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        top = _git(root, "rev-parse", "--show-toplevel")
        if os.path.realpath(top) != os.path.realpath(root):
            return "not a git checkout"
        head = _git(root, "rev-parse", "--short", "HEAD")
        dirty = _git(root, "status", "--porcelain", "--", "tokenlab", "setup.py")
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return head + (" + uncommitted changes" if dirty else "")


def _git(root: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", root, *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def machine_info() -> dict[str, str]:
    """Where and with what the numbers are taken (no anchor versions: see the report).

    Returns:
        ``nproc``, ``cpu``, ``os``, ``python`` and ``tokenlab`` (version and git rev).

    >>> sorted(machine_info())
    ['cpu', 'nproc', 'os', 'python', 'tokenlab']
    """
    try:
        usable = str(len(os.sched_getaffinity(0)))
    except AttributeError:
        usable = "?"
    return {
        "nproc": f"{os.cpu_count()} (usable: {usable})",
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "tokenlab": f"{__version__} (git {_git_revision()}, backend {BACKEND})",
    }


def _check_files(files: Sequence[str], what: str) -> None:
    for path in files:
        if not os.path.exists(path):
            raise CorpusError(f"{what} {path!r} does not exist")
        if os.path.isdir(path):
            raise CorpusError(f"{what} {path!r} is a directory; give text files")
        if not os.access(path, os.R_OK):
            raise CorpusError(f"{what} {path!r} is not readable (check its permissions)")


def _lines(path: str) -> Any:
    """Lines of a text or ``.gz`` file, decoded strictly, endings kept."""
    opener: Any = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise CorpusError(
                        f"{path}, line {number}: not valid UTF-8 ({e.reason}); "
                        "convert the file to UTF-8 first"
                    ) from e
                yield text if text.endswith("\n") else text + "\n"
    except (OSError, EOFError) as e:
        raise CorpusError(f"cannot read {path!r}: {e}") from e


def _prepare(
    files: Sequence[str], held_out: str | None, held_out_lines: int, tmp: str
) -> dict[str, Any]:
    """Write train.txt and held_out.txt into ``tmp``; say what went where."""
    train_path = os.path.join(tmp, "train.txt")
    held_path = os.path.join(tmp, "held_out.txt")
    n_train = b_train = 0
    tail: collections.deque[str] = collections.deque(maxlen=0 if held_out else held_out_lines)
    with open(train_path, "w", encoding="utf-8", newline="") as out:
        for path in files:
            for line in _lines(path):
                if tail.maxlen:
                    if len(tail) == tail.maxlen:
                        old = tail.popleft()
                        out.write(old)
                        n_train += 1
                        b_train += len(old.encode("utf-8"))
                    tail.append(line)
                else:
                    out.write(line)
                    n_train += 1
                    b_train += len(line.encode("utf-8"))
    held = list(_lines(held_out)) if held_out else list(tail)
    if not n_train or not any(line.strip() for line in held):
        raise CorpusError(
            f"too little text: {n_train} training lines and {len(held)} held-out lines "
            f"(without --held-out, the last {held_out_lines} lines are held out, so the "
            "files need more lines than that)"
        )
    with open(held_path, "w", encoding="utf-8", newline="") as f:
        f.writelines(held)
    return {
        "files": [os.fspath(p) for p in files],
        "train_path": train_path,
        "held_out_path": held_path,
        "train_lines": n_train,
        "train_bytes": b_train,
        "held_out": held_out or f"last {len(held)} lines of the files",
    }


def _child_env() -> dict[str, str]:
    """The environment of a worker: it must import this same tokenlab."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = root + (os.pathsep + old if old else "")
    return env


_EXIT_REFUSED = 3  # _compare_worker.EXIT_REFUSED (not imported: it is the child's module)


def _raise_refusal(name: str, out: str) -> None:
    """Re-raise, in this process, the tokenlab error that refused a worker's job."""
    try:
        with open(out, encoding="utf-8") as f:
            refusal = json.load(f)
        kind = getattr(errors, str(refusal["refused"]), TokenlabError)
        message = str(refusal["message"])
    except (OSError, ValueError, KeyError, TypeError):
        raise TokenlabError(f"the {name} worker refused the job, and left no reason") from None
    if not (isinstance(kind, type) and issubclass(kind, TokenlabError)):
        kind = TokenlabError
    raise kind(f"{name}: {message}")


# sentencepiece's refusal of a vocabulary the corpus cannot fill, inside its check text
_SP_VOCAB_TOO_HIGH = re.compile(
    r"Vocabulary size too high \((\d+)\)\. Please set it to a value <= (\d+)"
)
_EXCEPTION_LINE = re.compile(r"^[\w.]*(?:Error|Exception|Interrupt)\b:? ?.*$")


def _worker_failure(name: str, code: int, stderr: str, job: Mapping[str, Any]) -> str:
    """One line saying why a worker failed: the exception's own line, not its traceback.

    sentencepiece refuses a vocab_size its corpus cannot reach (tokenlab warns and
    returns the smaller vocabulary): that refusal is named as such, with its limit.
    """
    too_high = _SP_VOCAB_TOO_HIGH.search(stderr)
    if too_high:
        return (
            f"{name} refuses --vocab-size {too_high.group(1)} on this corpus (it reaches at "
            f"most {too_high.group(2)} pieces): compare with --vocab-size "
            f"{too_high.group(2)} or less, or on more text"
        )
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    reason = next((line for line in reversed(lines) if _EXCEPTION_LINE.match(line)), None)
    reason = reason or (lines[-1] if lines else "no message")
    return f"the {name} worker failed (exit code {code}): {reason}"


def _run_worker(job: dict[str, Any], tmp: str, label: str | None = None) -> dict[str, Any]:
    name = job["impl"]
    label = label or name
    spec = os.path.join(tmp, f"{label}.job.json")
    job = {**job, "out": os.path.join(tmp, f"{label}.result.json")}
    with open(spec, "w", encoding="utf-8") as f:
        json.dump(job, f)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "tokenlab._compare_worker", spec],
        cwd=tmp,
        env=_child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    if proc.returncode == _EXIT_REFUSED:
        _raise_refusal(name, job["out"])
    if proc.returncode != 0:
        raise TokenlabError(_worker_failure(name, proc.returncode, proc.stderr, job))
    with open(job["out"], encoding="utf-8") as f:
        result: dict[str, Any] = json.load(f)
    result["process_s"] = time.perf_counter() - start
    return result


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _metrics(r: dict[str, Any]) -> dict[str, Any]:
    mb = r["held_out_bytes"] / _MB
    return {
        "train_s": r["train_s"],
        "peak_rss_mib": r["peak_rss_bytes"] / 2**20,
        "encode_mb_s": mb / r["encode_s"] if r["encode_s"] else None,
        "batch_mb_s": mb / r["batch_s"] if r["batch_s"] else None,
        "bytes_per_token": r["held_out_bytes"] / r["tokens"] if r["tokens"] else None,
        "vocab_size": len(r["vocab"]),
    }


def compare(
    files: Sequence[str],
    algorithm: str,
    vocab_size: int,
    *,
    threads: int | None = None,
    held_out: str | None = None,
    held_out_lines: int = DEFAULT_HELD_OUT_LINES,
    min_frequency: int = 0,
    anchors: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = print_progress,
) -> dict[str, Any]:
    """Train tokenlab and the anchor on ``files``; measure both (see the module doc).

    Args:
        files: corpus files (UTF-8 text, or ``.gz``).
        algorithm: ``"bpe"``, ``"wordpiece"``, ``"sp-bpe"`` or ``"unigram"``.
        vocab_size: the vocabulary size both sides train to.
        threads: threads (processes for tokenlab's word counting) each side may
            use; None: each library's default.
        held_out: a file to encode; None: the last ``held_out_lines`` lines.
        held_out_lines: lines held out when ``held_out`` is None.
        min_frequency: ``bpe`` and ``wordpiece`` only: minimum pair count.
        anchors: optional anchors to add (names of :data:`EXTRA_ANCHORS`): each
            encodes the held-out text with the model tokenlab trained, and with
            ``bpe`` gigatoken and rustbpe also train; one that is not installed or
            cannot load the model is reported as skipped, with the reason.
        progress: called with one line per phase (None: silent).

    Returns:
        The report: ``algorithm``, ``anchor``, ``options``, ``corpus``, ``machine``,
        ``versions``, ``load_start``/``load_end``, per side (``tokenlab``,
        ``anchor``) the metrics, ``ratios`` (tokenlab / anchor), ``vocab_overlap``,
        ``merges_identical`` (``bpe``; None otherwise) and ``extra_anchors`` (one
        entry per job of an optional anchor: status ``ok``, ``differs`` or
        ``skipped``, its reason, metrics and ratios).

    Raises:
        ConfigError: unknown algorithm or anchor, bad option, home anchor not
            installed.
        CorpusError: a file is missing, unreadable, not UTF-8, or too short.
        TokenlabError: a worker process failed (its error is quoted).

    >>> report = compare(["corpus.txt"], "bpe", 8000)  # doctest: +SKIP
    >>> report["ratios"]["train_s"], report["merges_identical"]  # doctest: +SKIP
    (0.61, True)
    """
    # 1. the options and the files, before any work
    anchor = _check_options(files, algorithm, vocab_size, threads, held_out_lines, min_frequency)
    extra = _check_anchors(anchors)
    _check_files(files, "corpus file")
    if held_out is not None:
        _check_files([held_out], "held-out file")
    say = progress or (lambda _msg: None)
    load_start = _load()
    options = {"vocab_size": vocab_size, "threads": threads, "min_frequency": min_frequency}
    with tempfile.TemporaryDirectory(prefix="tokenlab-compare-") as tmp:
        # 2. the corpus split into training text and held-out text
        say(f"preparing the corpus ({len(files)} file(s))")
        corpus = _prepare(files, held_out, held_out_lines, tmp)
        say(
            f"corpus: {corpus['train_lines']:,} lines, {corpus['train_bytes']:,} bytes to "
            f"train on; held out: {corpus['held_out']}"
        )
        job = {
            "algorithm": algorithm,
            **options,
            "train": corpus.pop("train_path"),
            "held_out": corpus.pop("held_out_path"),
        }
        if extra:
            job.update(_model_files(algorithm, tmp))
        # 3. each side trained and measured in a fresh process
        results = {
            side: _run_side(job, impl, tmp, say)
            for side, impl in (("tokenlab", "tokenlab"), ("anchor", anchor))
        }
        extra_entries = _extra_anchors(extra, job, results["tokenlab"], tmp, say)
    # 4. the report
    say("writing the report")
    measured = _comparison(algorithm, results["tokenlab"], results["anchor"])
    return {
        "algorithm": algorithm,
        "anchor": anchor,
        "options": options,
        "corpus": corpus,
        "machine": machine_info(),
        "versions": measured.pop("versions"),
        "load_start": load_start,
        "load_end": _load(),
        **measured,
        "extra_anchors": extra_entries,
    }


def _check_options(
    files: Sequence[str],
    algorithm: str,
    vocab_size: int,
    threads: int | None,
    held_out_lines: int,
    min_frequency: int,
) -> str:
    """The anchor library of ``algorithm``, once every option is checked.

    Raises:
        ConfigError: unknown algorithm, bad option, anchor not installed.
        CorpusError: no files.
    """
    if algorithm not in ANCHORS:
        raise ConfigError(
            f"unknown algorithm {algorithm!r}; valid algorithms: {', '.join(ANCHORS)}"
        )
    for name, value, low in (
        ("vocab_size", vocab_size, 1),
        ("held_out_lines", held_out_lines, 1),
        ("min_frequency", min_frequency, 0),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ConfigError(f"threads must be a positive integer or None, got {threads!r}")
    if min_frequency and algorithm not in ("bpe", "wordpiece"):
        raise ConfigError(f"min_frequency does not apply to {algorithm} (SentencePiece has none)")
    if not files:
        raise CorpusError("no corpus files given")
    anchor = ANCHORS[algorithm]
    if importlib.util.find_spec(anchor) is None:
        raise ConfigError(
            f"{algorithm} is compared with {anchor}, which is not installed: "
            f"{_INSTALL[anchor]} (or pip install 'tokenlab[compare]')"
        )
    return anchor


def _run_side(
    job: dict[str, Any], impl: str, tmp: str, say: Callable[[str], None]
) -> dict[str, Any]:
    """One side's measurements, from a worker process of its own."""
    say(f"training and encoding with {impl} (fresh process)")
    r = _run_worker({**job, "impl": impl}, tmp)
    say(
        f"{impl}: trained in {r['train_s']:.2f} s, peak "
        f"{r['peak_rss_bytes'] / 2**20:.0f} MiB, encoded {r['held_out_bytes']:,} "
        f"bytes in {r['encode_s']:.2f} s (batch {r['batch_s']:.2f} s)"
    )
    return r


def _comparison(algorithm: str, ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """The report's measurements of both sides, their ratios and vocabulary agreement."""
    m_ours, m_theirs = _metrics(ours), _metrics(theirs)
    # Throughput is better when higher; the ratio is still tokenlab / anchor.
    ratios = {k: _ratio(m_ours[k], m_theirs[k]) for k in m_ours}
    common = set(ours["vocab"]) & set(theirs["vocab"])
    merges_identical = None
    first_difference = None
    if algorithm == "bpe":
        merges_identical = ours["merges"] == theirs["merges"]
        if not merges_identical:
            for i, (x, y) in enumerate(zip(ours["merges"], theirs["merges"])):
                if x != y:
                    first_difference = {"index": i, "tokenlab": x, "anchor": y}
                    break
    return {
        "versions": {**ours["versions"], **theirs["versions"]},
        "backend": ours["backend"],
        "tokenlab": m_ours,
        "anchor_metrics": m_theirs,
        "ratios": ratios,
        "vocab_overlap": {
            "common": len(common),
            "share_of_anchor": len(common) / len(theirs["vocab"]) if theirs["vocab"] else None,
        },
        "merges_identical": merges_identical,
        "merges_first_difference": first_difference,
        "process_s": {"tokenlab": ours["process_s"], "anchor": theirs["process_s"]},
    }


# -- the newer anchors (optional) --------------------------------------------------------

#: The optional anchors ``anchors=`` may name: name -> (module, ``pip install`` name).
EXTRA_ANCHORS: dict[str, tuple[str, str]] = {
    "gigatoken": ("gigatoken", "gigatoken"),
    "fastokens": ("fastokens", "fastokens"),
    "tokie": ("tokie", "tokie"),
    "splintr": ("splintr", "splintr-rs"),
    "kitoken": ("kitoken", "kitoken"),
    "rustbpe": ("rustbpe", "rustbpe"),
    "bpe-openai": ("bpe_openai", "bpe-openai"),
}
#: The optional anchors that also train (byte-level BPE, so with ``bpe`` only).
TRAINING_ANCHORS = ("gigatoken", "rustbpe")
# merged-token overlap from which a differently tie-broken training counts as the same
_SAME_TRAINING = 0.99


def _installed(name: str) -> bool:
    """Whether an optional anchor can be imported (tests replace this to simulate absence)."""
    return importlib.util.find_spec(EXTRA_ANCHORS[name][0]) is not None


def _check_anchors(anchors: Sequence[str] | None) -> list[str]:
    """The optional anchors asked for, de-duplicated, in the order given."""
    if anchors is None:
        return []
    if isinstance(anchors, str):
        raise ConfigError(f"anchors must be a list of names, got the string {anchors!r}")
    unknown = [a for a in anchors if a not in EXTRA_ANCHORS]
    if unknown:
        raise ConfigError(
            f"unknown anchor(s) {', '.join(map(repr, unknown))}; known: {', '.join(EXTRA_ANCHORS)}"
        )
    return list(dict.fromkeys(anchors))


def _model_files(algorithm: str, tmp: str) -> dict[str, str]:
    """Where tokenlab's worker saves its model and ids, for the optional anchors to load
    and to match (the worker writes ``*_out``; the anchors' workers read the others)."""
    suffix = ".model" if algorithm in ("sp-bpe", "unigram") else ".json"
    model = os.path.join(tmp, "tokenlab" + suffix)
    ids = os.path.join(tmp, "tokenlab.ids.json")
    return {"model_out": model, "model": model, "ids_out": ids, "reference_ids": ids}


def _extra_entry(name: str, role: str, r: dict[str, Any]) -> dict[str, Any]:
    return {
        "anchor": name,
        "role": role,
        "version": r.get("version"),
        "status": r.get("status", "skipped"),
        "reason": r.get("reason"),
        "metrics": {},
        "ratios": {},
    }


def _training_check(ours: list[str], theirs: list[str]) -> tuple[str, str]:
    """(status, note) of an anchor's merged tokens against tokenlab's."""
    if ours == theirs:
        return "ok", "merges identical"
    first = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), None)
    first = min(len(ours), len(theirs)) if first is None else first
    shared = len(set(ours) & set(theirs)) / max(1, len(ours))
    note = f"merge order first differs at merge {first}; {100 * shared:.2f}% of tokens shared"
    return ("ok" if shared >= _SAME_TRAINING else "differs"), note


def _run_extra(
    name: str, job: dict[str, Any], tmp: str, say: Callable[[str], None]
) -> dict[str, Any]:
    """One optional anchor's job in a fresh process; a failed worker is a skip."""
    if not _installed(name):
        return {
            "status": "skipped",
            "reason": f"not installed (pip install {EXTRA_ANCHORS[name][1]})",
        }
    say(f"{job['mode']} with {name} (fresh process)")
    try:
        return _run_worker({**job, "impl": name}, tmp, label=f"{name}.{job['mode']}")
    except TokenlabError as e:
        return {"status": "skipped", "reason": str(e)}


def _extra_anchors(
    anchors: list[str],
    job: dict[str, Any],
    ours: dict[str, Any],
    tmp: str,
    say: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Train (``bpe``) and encode with each optional anchor; one report entry per job."""
    entries = []
    mine = _metrics(ours)
    merged = ["".join(m) for m in ours["merges"] or []]
    for name in anchors:
        if job["algorithm"] == "bpe" and name in TRAINING_ANCHORS:
            r = _run_extra(name, {**job, "mode": "train"}, tmp, say)
            entry = _extra_entry(name, "train", r)
            if entry["status"] == "ok":
                entry["status"], entry["reason"] = _training_check(merged, r["merged"])
            if entry["status"] == "ok":
                entry["metrics"] = {
                    "train_s": r["train_s"],
                    "peak_rss_mib": r["peak_rss_bytes"] / 2**20,
                }
            entries.append(entry)
        r = _run_extra(name, {**job, "mode": "encode"}, tmp, say)
        entry = _extra_entry(name, "encode", r)
        if entry["status"] == "ok":
            mb = r["held_out_bytes"] / _MB
            entry["metrics"] = {
                "encode_mb_s": mb / r["encode_s"] if r["encode_s"] else None,
                "batch_mb_s": mb / r["batch_s"] if r.get("batch_s") else None,
            }
            if r["batch_status"] != "ok":
                entry["reason"] = f"encode_batch: {r['batch_status']}"
        entries.append(entry)
    for entry in entries:
        entry["ratios"] = {k: _ratio(mine[k], v) for k, v in entry["metrics"].items()}
    return entries


def _extra_markdown(entries: list[dict[str, Any]]) -> list[str]:
    """The optional anchors' table (empty when none was asked for)."""
    if not entries:
        return []
    lines = [
        "",
        "Optional anchors (ids checked equal to tokenlab's on every held-out line, merges "
        "compared, before any number is reported; ratios are tokenlab / anchor):",
        "",
        "| anchor | version | job | status | training s | peak MiB | encode MB/s, per line "
        "| encode_batch MB/s | note |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for e in entries:
        cells = []
        for key, digits in (
            ("train_s", 2),
            ("peak_rss_mib", 0),
            ("encode_mb_s", 2),
            ("batch_mb_s", 2),
        ):
            value, ratio = e["metrics"].get(key), e["ratios"].get(key)
            cells.append("" if value is None else f"{_fmt(value, digits)} ({_fmt(ratio)}x)")
        lines.append(
            f"| {e['anchor']} | {e['version'] or '-'} | {e['role']} | {e['status']} | "
            + " | ".join(cells)
            + f" | {(e['reason'] or '').replace('|', '/')} |"
        )
    return lines


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


_ROWS = (
    ("training seconds", "train_s"),
    ("peak memory MiB (VmHWM)", "peak_rss_mib"),
    ("encode MB/s, one line at a time", "encode_mb_s"),
    ("encode MB/s, encode_batch", "batch_mb_s"),
    ("held-out bytes per token", "bytes_per_token"),
    ("vocabulary size", "vocab_size"),
)


def to_markdown(report: dict[str, Any], command: str | None = None) -> str:
    """The report as Markdown: the results table, then machine and versions.

    Args:
        report: what :func:`compare` returned.
        command: the command line to show (None: not shown).

    Returns:
        Markdown text ending with a newline.
    """
    anchor = report["anchor"]
    opts = report["options"]
    corpus = report["corpus"]
    lines = [f"## tokenlab vs {anchor}: {report['algorithm']}, vocab {opts['vocab_size']}", ""]
    if command:
        lines += [f"`{command}`", ""]
    lines += [
        f"Corpus: {', '.join(f'`{p}`' for p in corpus['files'])}: trained on "
        f"{corpus['train_lines']:,} lines ({corpus['train_bytes']:,} bytes); encoded: "
        f"{corpus['held_out']}. Threads: {opts['threads'] or 'library default'}; "
        f"min_frequency: {opts['min_frequency']}.",
        "",
        f"| | tokenlab ({report['backend']}) | {anchor} | tokenlab / {anchor} |",
        "| --- | ---: | ---: | ---: |",
    ]
    ours, theirs, ratios = report["tokenlab"], report["anchor_metrics"], report["ratios"]
    for label, key in _ROWS:
        digits = 0 if key == "peak_rss_mib" else 2
        lines.append(
            f"| {label} | {_fmt(ours[key], digits)} | {_fmt(theirs[key], digits)} "
            f"| {_fmt(ratios[key])} |"
        )
    overlap = report["vocab_overlap"]
    share = overlap["share_of_anchor"]
    lines.append(
        f"| vocabulary overlap | {overlap['common']:,} tokens in both "
        f"| {_fmt(None if share is None else 100 * share, 1)}% of the anchor's | |"
    )
    if report["merges_identical"] is not None:
        same = "yes" if report["merges_identical"] else "no"
        diff = report["merges_first_difference"]
        if diff:
            same += f" (first differs at merge {diff['index']})"
        lines.append(f"| merge lists identical | {same} | | |")
    lines += _extra_markdown(report.get("extra_anchors", []))
    lines += [
        "",
        "Training seconds: the train call, in a fresh process per library; peak memory: "
        "that process's VmHWM after training; encode: the held-out lines without special "
        "tokens. Ratios are tokenlab / anchor (below 1 is better for time and memory, "
        "above 1 for MB/s).",
        "",
        "| machine | |",
        "| --- | --- |",
    ]
    load = report["load_start"], report["load_end"]
    rows = {
        **report["machine"],
        **report["versions"],
        "load average 1/5/15 min, start / end": " / ".join(
            " ".join(f"{x:.2f}" for x in v) or "?" for v in load
        ),
    }
    lines += [f"| {k} | {v} |" for k, v in rows.items()]
    return "\n".join(lines) + "\n"


def to_json(report: dict[str, Any]) -> str:
    """The report as indented JSON (for machines).

    >>> to_json({"ratios": {"train_s": 0.5}})
    '{\\n  "ratios": {\\n    "train_s": 0.5\\n  }\\n}\\n'
    """
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


# The metrics drawn by write_plot: key -> (title, unit, True when higher is better).
_PLOT_METRICS: dict[str, tuple[str, str, bool]] = {
    "train_s": ("training time", "s", False),
    "peak_rss_mib": ("peak memory", "MiB", False),
    "encode_mb_s": ("encode, one line at a time", "MB/s", True),
    "batch_mb_s": ("encode, encode_batch", "MB/s", True),
    "bytes_per_token": ("held-out bytes per token", "bytes", True),
}


def write_plot(report: dict[str, Any], path: str) -> None:
    """Draw tokenlab against the anchor as a PNG at ``path`` (atomically).

    One panel per metric, each with its own scale and unit: a bar for each library
    with its value written on it, the anchor's value as a dashed reference line, the
    better direction in the panel's title, and tokenlab's bar green where it is
    better than the anchor, red where it is worse.

    Args:
        report: what :func:`compare` returned.
        path: the PNG file to write.

    Raises:
        ConfigError: matplotlib is not installed (install hint in the message).
    """
    check_plot_support()
    # optional (pip install 'tokenlab[plot]'), checked just above
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    ours, theirs = report["tokenlab"], report["anchor_metrics"]
    keys = [k for k in _PLOT_METRICS if ours.get(k) is not None and theirs.get(k) is not None]
    fig, axes = plt.subplots(1, max(1, len(keys)), figsize=(3.0 * max(1, len(keys)), 3.6))
    for ax, key in zip(list(getattr(axes, "flat", [axes])), keys):
        _plot_panel(ax, key, float(ours[key]), float(theirs[key]), report["anchor"])
    opts = report["options"]
    fig.suptitle(
        f"tokenlab ({report['backend']}) vs {report['anchor']}: {report['algorithm']}, "
        f"vocab {opts['vocab_size']}"
    )
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=110)
    plt.close(fig)


def _plot_panel(ax: Any, key: str, ours: float, theirs: float, anchor: str) -> None:
    """One metric: two labelled bars, the anchor as a reference line."""
    title, unit, higher_is_better = _PLOT_METRICS[key]
    better = ours > theirs if higher_is_better else ours < theirs
    colour = "#2e7d32" if better else ("#9e9e9e" if ours == theirs else "#c62828")
    bars = ax.bar(["tokenlab", anchor], [ours, theirs], color=[colour, "#90a4ae"])
    ax.axhline(theirs, color="black", linestyle="--", linewidth=0.8)
    for bar, value in zip(bars, (ours, theirs)):
        ax.annotate(
            _fmt(value, 0 if value >= 100 else 2),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ratio = ours / theirs if theirs else float("nan")
    arrow = "higher is better \u2191" if higher_is_better else "lower is better \u2193"
    ax.set_title(f"{title}\n({arrow})", fontsize=9)
    ax.set_ylabel(unit)
    ax.set_ylim(0, max(ours, theirs) * 1.18 or 1)
    ax.set_xlabel(f"tokenlab / {anchor} = {ratio:.2f}", fontsize=8)
