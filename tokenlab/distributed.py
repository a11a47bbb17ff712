"""Word counting as a Dask job: the counting half of training, past one machine.

Counting words is a map-reduce over bytes: each block of text is counted on
its own, then the partial counts are added up. :func:`count_words` runs it on
a Dask cluster: files (local paths, globs, or any URL ``fsspec`` reads, such as
``s3://bucket/*.txt`` with ``s3fs`` installed) are cut into byte blocks at line
boundaries (a compressed file is one block), each block is counted on a worker
exactly as :mod:`tokenlab.corpus` counts lines, and the partial counts are
combined on the cluster in a tree (``split_every`` at a time), so neither the
client nor one worker ever receives all partial counts at once. The result is
identical to the local count; save it with :func:`tokenlab.counts.save_counts`
and train with :func:`tokenlab.train_from_counts`.

The workers must import the same tokenlab (install it on them) and see the
files (a local path needs a shared file system); they count with whichever
backend they have, which gives the same counts.

Needs ``dask[distributed]`` (``pip install 'tokenlab[dask]'``), imported only
when used.

Not supported: reading standard input; error modes other than those of
:mod:`tokenlab.corpus`.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import Any

from .corpus import line_at
from .counts import CountSettings, join_partial_counts, prune
from .errors import ConfigError, CorpusError

__all__ = ["DEFAULT_BLOCKSIZE", "count_with_scheduler", "count_words"]

#: Bytes of uncompressed text per task.
DEFAULT_BLOCKSIZE = 8 << 20
_INSTALL_HINT = (
    "the Dask engine needs dask[distributed]: pip install 'tokenlab[dask]' "
    "(or pip install 'dask[distributed]')"
)


def _require_dask() -> Any:
    try:
        # optional (pip install 'tokenlab[dask]'): the hint below names both packages
        import dask.bag  # noqa: PLC0415
        import distributed  # noqa: F401, PLC0415
    except ImportError as e:
        raise ConfigError(f"{_INSTALL_HINT} ({e})") from e
    return dask.bag


def count_words(
    paths_or_bag: Any,
    *,
    client: Any = None,
    settings: CountSettings | None = None,
    algorithm: str = "bpe",
    pre_tokenizer: Any = None,
    normalizer: Any = None,
    lowercase: bool | None = None,
    errors: str = "strict",
    min_count: int = 1,
    blocksize: int = DEFAULT_BLOCKSIZE,
    split_every: int = 8,
    storage_options: dict[str, Any] | None = None,
    **sp_options: Any,
) -> dict[str, int]:
    """Count words on a Dask cluster, exactly as training on the same text counts them.

    Args:
        paths_or_bag: a path, glob or URL, a list of them, or a ``dask.bag.Bag``
            of texts (each item is one line or document, as in
            :func:`tokenlab.corpus.count_words`).
        client: a ``distributed.Client``; None uses Dask's current scheduler
            (the active client, if any).
        settings: what to count (:class:`tokenlab.counts.CountSettings`); None
            builds them from ``algorithm``, ``pre_tokenizer``, ``normalizer``,
            ``lowercase`` and ``sp_options`` as :func:`tokenlab.train` would.
        errors: invalid UTF-8: ``"strict"`` (an error naming file, line and
            byte), ``"replace"`` or ``"ignore"``.
        min_count: drop words counted fewer times (after the total).
        blocksize: bytes of text per task (uncompressed files).
        split_every: partial counts added up per reduction task.
        storage_options: passed to ``fsspec`` (credentials of a remote store).
        **sp_options: SentencePiece options that change words (``byte_fallback``,
            ``user_defined_symbols``, ...), for ``sp-bpe`` and ``unigram``.

    Returns:
        word -> count, identical to :func:`tokenlab.counts.count_files`.

    Raises:
        ConfigError: Dask is missing, or an option is invalid.
        CorpusError: no file matches, a file is unreadable, or invalid UTF-8.

    >>> from distributed import Client  # doctest: +SKIP
    >>> with Client(n_workers=2) as client:  # doctest: +SKIP
    ...     counts = count_words("corpus/*.txt", client=client, pre_tokenizer="whitespace")
    """
    db = _require_dask()
    if settings is None:
        settings = CountSettings.for_training(
            algorithm,
            pre_tokenizer=pre_tokenizer,
            normalizer=normalizer,
            lowercase=lowercase,
            **sp_options,
        )
    if errors not in ("strict", "replace", "ignore"):
        raise ConfigError(f"errors must be strict, replace or ignore, got {errors!r}")
    for name, value, minimum in (
        ("min_count", min_count, 1),
        ("blocksize", blocksize, 1),
        ("split_every", split_every, 2),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    settings.word_counter()  # fail here, not on every worker, on unusable settings
    if isinstance(paths_or_bag, db.Bag):
        bag = paths_or_bag
        total = bag.reduction(partial(_count_texts, settings), _add_counts, split_every=split_every)
    else:
        blocks = _blocks(paths_or_bag, blocksize, storage_options or {})
        if not blocks:
            return join_partial_counts(Counter(), settings)
        tasks = db.from_sequence(blocks, npartitions=len(blocks))
        total = tasks.map(_count_block, settings=settings, errors=errors).reduction(
            _add_counts, _add_counts, split_every=split_every
        )
    result = client.compute(total).result() if client is not None else total.compute()
    # min_count after the total, here: a word's sentence ends stay with the word
    return prune(join_partial_counts(result, settings), min_count)


def count_with_scheduler(
    paths: Sequence[str],
    settings: CountSettings,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    errors: str = "strict",
    min_count: int = 1,
) -> dict[str, int]:
    """``tokenlab count --engine dask``: connect to ``scheduler``, or start a local cluster.

    Args:
        paths: paths, globs or URLs.
        settings: what to count.
        scheduler: a scheduler address (``tcp://host:8786``); None starts a
            ``LocalCluster`` of ``workers`` single-threaded processes.
        workers: local cluster size (None: one per core).
        errors, min_count: as for :func:`count_words`.

    Returns:
        word -> count.

    Raises:
        ConfigError: Dask is missing, or the scheduler cannot be reached.
    """
    _require_dask()
    from distributed import Client, LocalCluster  # noqa: PLC0415 - optional, checked above

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as e:
            raise ConfigError(f"cannot reach the Dask scheduler {scheduler!r}: {e}") from e
        with client:
            return count_words(
                paths, client=client, settings=settings, errors=errors, min_count=min_count
            )
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, Client(cluster) as client:
        return count_words(
            paths, client=client, settings=settings, errors=errors, min_count=min_count
        )


# ---------------------------------------------------------------------------------------------
# Tasks (run on the workers)


def _count_texts(settings: CountSettings, texts: Iterable[str]) -> Counter[str]:
    return settings.word_counter()(texts)


def _add_counts(parts: Iterable[Counter[str]]) -> Counter[str]:
    """The sum of partial counts (the largest is updated in place, the others added)."""
    parts = list(parts)
    if not parts:
        return Counter()
    parts.sort(key=len, reverse=True)
    total = parts[0] if isinstance(parts[0], Counter) else Counter(parts[0])
    for part in parts[1:]:
        total.update(part)
    return total


def _blocks(
    paths: Any, blocksize: int, storage_options: dict[str, Any]
) -> list[tuple[Any, int, int]]:
    """``(open file, start, end)`` per task; a compressed file is one block (end = -1)."""
    import fsspec  # noqa: PLC0415 - optional: comes with dask, checked by _require_dask

    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise CorpusError("no input files given")
    out: list[tuple[Any, int, int]] = []
    for item in items:
        name = os.fspath(item)
        if name == "-":
            raise CorpusError("standard input cannot be counted on Dask; use --engine local")
        try:
            files = fsspec.open_files(name, mode="rb", compression="infer", **storage_options)
        except (OSError, ValueError) as e:
            raise CorpusError(f"{name}: cannot open ({e})") from e
        if not files:
            raise CorpusError(f"{name}: no file matches")
        for of in files:
            try:
                if of.fs.isdir(of.path):
                    raise CorpusError(f"{of.path}: is a directory (pass the files inside it)")
                size = of.fs.size(of.path)
            except FileNotFoundError:
                raise CorpusError(f"{name}: no such file") from None
            except OSError as e:
                raise CorpusError(f"{of.path}: cannot read ({e})") from e
            if of.compression:
                out.append((of, 0, -1))
                continue
            out.extend(
                (of, start, min(start + blocksize, size)) for start in range(0, size, blocksize)
            )
    return out


def _count_block(
    block: tuple[Any, int, int], *, settings: CountSettings, errors: str
) -> Counter[str]:
    """Count the lines that START in ``[start, end)`` (the whole file when ``end < 0``)."""
    of, start, end = block
    count = settings.word_counter()
    with of as f:
        if end < 0:  # compressed: streamed line by line
            return count(_decoded(of, 0, f, errors))
        pos = 0
        if start > 0:
            f.seek(start - 1)
            f.readline()  # the line holding byte start-1 belongs to the block before
            pos = f.tell()
        if pos >= end:
            return Counter()
        data = f.read(end - pos)
        if data and not data.endswith(b"\n"):
            data += f.readline()  # the last line started here: finish it
    if errors == "strict":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass  # found again line by line below, to name the line
        else:
            # Lines end at LF only, as reading a file by lines gives them (newline="\n":
            # no other line break splits, nothing is translated).
            return count(io.StringIO(text, newline="\n"))
    return count(_decoded(of, pos, io.BytesIO(data), errors))


def _decoded(of: Any, offset: int, lines: Iterable[bytes], errors: str) -> Iterator[str]:
    for raw in lines:
        try:
            yield raw.decode("utf-8", errors)
        except UnicodeDecodeError as e:
            bad = offset + e.start
            raise CorpusError(
                f"{of.path}: invalid UTF-8 at byte {bad} (line {_line_of(of, bad)}); "
                "fix the file or pass errors='replace' (CLI: --errors replace)"
            ) from None
        offset += len(raw)


def _line_of(of: Any, offset: int) -> int:
    """1-based line number of the byte at ``offset`` (of the uncompressed text)."""

    with of.fs.open(of.path, "rb", compression=of.compression) as f:
        return line_at(f, offset)
