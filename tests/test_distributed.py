"""Tests of word counting on Dask (tokenlab/distributed.py, `tokenlab count --engine dask`).

One ``LocalCluster`` with two single-threaded worker processes serves the module.
The workers inherit this process's environment, so they import the same tokenlab
and run the same backend (``TOKENLAB_PURE_PYTHON``), which the first test checks.
Every count is compared with the local count of the same text.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import pydoc_lines

import tokenlab
from tokenlab.cli import main
from tokenlab.counts import (
    CountSettings,
    count_files,
    join_partial_counts,
    load_counts,
    save_counts,
)
from tokenlab.errors import ConfigError, CorpusError

HAVE_DASK = all(importlib.util.find_spec(m) is not None for m in ("dask", "distributed"))
needs_dask = pytest.mark.skipif(
    not HAVE_DASK, reason="dask[distributed] is not installed (pip install 'tokenlab[dask]')"
)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    if not HAVE_DASK:
        pytest.skip("dask[distributed] is not installed (pip install 'tokenlab[dask]')")
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    )
    with cluster, Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A plain file, a gzip file and a second plain file with odd lines."""
    d = tmp_path_factory.mktemp("dask")
    lines = pydoc_lines(2000)
    (d / "a.txt").write_text("".join(lines[:1200]), encoding="utf-8")
    with gzip.open(d / "b.txt.gz", "wt", encoding="utf-8", newline="") as f:
        f.write("".join(lines[1200:]))
    odd = "tab\there\r\nCafé NAÏVE\n\n  spaced   out  \nno final newline"
    (d / "c.txt").write_text(odd * 50, encoding="utf-8", newline="")
    return {"dir": d, "a": d / "a.txt", "b": d / "b.txt.gz", "c": d / "c.txt"}


def _local(paths: list[Path], settings: CountSettings) -> dict[str, int]:
    return dict(count_files([str(p) for p in paths], settings, processes=1))


@needs_dask
def test_workers_run_this_tokenlab_and_backend(client: Any) -> None:
    def where() -> tuple[str, str]:
        import tokenlab as t

        return t.backend, os.path.dirname(t.__file__)

    seen = set(client.run(where).values())
    assert seen == {(tokenlab.backend, os.path.dirname(tokenlab.__file__))}


SETTINGS = [
    ("bpe", {}),
    ("bpe", {"pre_tokenizer": "whitespace", "lowercase": True}),
    ("wordpiece", {}),
    ("unigram", {"byte_fallback": True}),
]


@needs_dask
@pytest.mark.parametrize(("algorithm", "options"), SETTINGS)
def test_files_globs_and_gzip_count_as_locally(
    client: Any, texts: dict[str, Path], algorithm: str, options: dict
) -> None:
    from tokenlab import distributed

    s = CountSettings.for_training(algorithm, **options)
    paths = [texts["a"], texts["b"], texts["c"]]
    got = distributed.count_words(
        [str(texts["dir"] / "*.txt"), str(texts["b"])],
        client=client,
        settings=s,
        blocksize=7000,  # many blocks, cut mid-line: tree reduction over ~40 partials
        split_every=3,
    )
    assert dict(got) == _local(paths, s)
    # SentencePiece words bring their sentence ends (Unigram's seeds use them)
    local = count_files([str(p) for p in paths], s, processes=1)
    assert getattr(got, "ends", None) == getattr(local, "ends", None)


@needs_dask
def test_options_build_the_same_settings(client: Any, texts: dict[str, Path]) -> None:
    from tokenlab import distributed

    got = distributed.count_words(
        str(texts["c"]), client=client, pre_tokenizer="whitespace", lowercase=True
    )
    s = CountSettings.for_training("bpe", pre_tokenizer="whitespace", lowercase=True)
    assert dict(got) == _local([texts["c"]], s)
    # "Café NAÏVE" lowercased; 50 repeats, one per copy of the odd text
    assert got["naïve"] == 50


@needs_dask
def test_bag_of_texts(client: Any) -> None:
    import dask.bag as db

    from tokenlab import distributed

    lines = pydoc_lines(3000)
    s = CountSettings.for_training("sp-bpe")
    got = distributed.count_words(db.from_sequence(lines, npartitions=7), client=client, settings=s)
    want = join_partial_counts(s.word_counter()(lines), s)
    assert dict(got) == dict(want) and got.ends == want.ends  # type: ignore[attr-defined]


@needs_dask
def test_min_count_prunes_after_the_total(client: Any, texts: dict[str, Path]) -> None:
    from tokenlab import distributed

    s = CountSettings.for_training("bpe")
    full = _local([texts["a"]], s)
    got = distributed.count_words(
        str(texts["a"]), client=client, settings=s, min_count=5, blocksize=5000
    )
    assert dict(got) == {w: c for w, c in full.items() if c >= 5}


@needs_dask
@pytest.mark.parametrize(
    ("algorithm", "vocab_size"), [("bpe", 400), ("sp-bpe", 300), ("unigram", 450)]
)
def test_training_from_dask_counts_equals_training_from_text(
    client: Any, tmp_path: Path, texts: dict[str, Path], algorithm: str, vocab_size: int
) -> None:
    from tokenlab import distributed

    paths = [str(texts["a"]), str(texts["b"])]
    s = CountSettings.for_training(algorithm)
    counts = distributed.count_words(paths, client=client, settings=s, blocksize=9000)
    save_counts(tmp_path / "counts.tsv", counts, s)
    from_counts = tokenlab.train_from_counts(
        tmp_path / "counts.tsv", algorithm=algorithm, vocab_size=vocab_size, show_progress=False
    )
    from_text = tokenlab.train(
        paths, algorithm=algorithm, vocab_size=vocab_size, show_progress=False
    )
    assert from_counts.to_str() == from_text.to_str()


@needs_dask
def test_errors_come_back_with_file_and_line(client: Any, tmp_path: Path) -> None:
    from tokenlab import distributed

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"good line\n" * 300 + b"bad \xfe byte\n" + b"tail\n" * 300)
    with pytest.raises(CorpusError, match=r"invalid UTF-8 at byte 3004 \(line 301\)"):
        distributed.count_words(str(bad), client=client, blocksize=1000)
    replaced = distributed.count_words(
        str(bad), client=client, blocksize=1000, errors="replace", pre_tokenizer="whitespace"
    )
    assert replaced["\ufffd"] == 1
    with pytest.raises(CorpusError, match="no file matches"):
        distributed.count_words(str(tmp_path / "none-*.txt"), client=client)
    with pytest.raises(CorpusError, match="no such file"):
        distributed.count_words(str(tmp_path / "missing.txt"), client=client)


@needs_dask
def test_cli_engine_dask_writes_the_local_file(
    client: Any, tmp_path: Path, texts: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    local, dask_out = str(tmp_path / "local.tsv"), str(tmp_path / "dask.tsv")
    args = [str(texts["a"]), str(texts["c"]), "--pre-tokenizer", "whitespace", "-q"]
    assert main(["count", *args, "-o", local]) == 0
    scheduler = client.scheduler.address
    code = main(["count", *args, "-o", dask_out, "--engine", "dask", "--scheduler", scheduler])
    assert code == 0, capsys.readouterr().err
    assert Path(local).read_bytes() == Path(dask_out).read_bytes()
    assert load_counts(dask_out).settings is not None


def test_missing_dask_gives_an_install_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokenlab import distributed

    monkeypatch.setitem(sys.modules, "distributed", None)  # import now fails
    with pytest.raises(ConfigError, match=r"pip install 'tokenlab\[dask\]'"):
        distributed.count_words(["x.txt"])
    out = str(tmp_path / "c.tsv")
    assert main(["count", "x.txt", "-o", out, "--engine", "dask"]) == 1
    assert "tokenlab[dask]" in capsys.readouterr().err
    # the local engine needs no Dask
    path = tmp_path / "t.txt"
    path.write_text("a b a\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "dask", None)
    assert main(["count", str(path), "-o", out, "--pre-tokenizer", "whitespace", "-q"]) == 0
    assert dict(load_counts(out)) == {"a": 2, "b": 1}
