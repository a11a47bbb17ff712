"""Tests of tokenlab/compare.py and the ``tokenlab compare`` command.

Each algorithm whose anchor is installed is compared once on a few hundred lines
of the pydoc topics (module-scoped: the workers train in fresh processes), and
the report is checked field by field. The workers run with the temporary
directory as their working directory, outside the checkout.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import pydoc_lines

from tokenlab import _compare_worker as _worker
from tokenlab import compare as cmp
from tokenlab.cli import main
from tokenlab.errors import ConfigError, CorpusError

ANCHOR_OF = {"bpe": "tokenizers", "wordpiece": "tokenizers"}
ANCHOR_OF.update({"sp-bpe": "sentencepiece", "unigram": "sentencepiece"})
HELD_OUT = 60
VOCAB = 300


def _anchor(algorithm: str) -> Any:
    name = ANCHOR_OF[algorithm]
    return pytest.importorskip(name, reason=f"the {algorithm} comparison needs {name}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = [line for line in pydoc_lines(1500) if line.strip()][:400]
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines))
    return path


_RUNS: dict[str, tuple[dict[str, Any], str, Path]] = {}


def _json_run(algorithm: str, corpus: Path, tmp: Path, capsys: Any) -> tuple[dict[str, Any], Path]:
    """``tokenlab compare --json -o FILE`` once per algorithm; (report, FILE)."""
    if algorithm not in _RUNS:
        out = tmp / f"{algorithm}.json"
        argv = ["compare", str(corpus), "--algorithm", algorithm, "--vocab-size", str(VOCAB)]
        argv += ["--held-out-lines", str(HELD_OUT), "--json", "-o", str(out)]
        capsys.readouterr()
        assert main(argv) == 0
        captured = capsys.readouterr()
        _RUNS[algorithm] = (json.loads(captured.out), captured.err, out)
    report, _err, out = _RUNS[algorithm]
    return report, out


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece", "sp-bpe", "unigram"])
def test_report_has_every_field(
    algorithm: str, corpus: Path, tmp_path_factory: pytest.TempPathFactory, capsys: Any
) -> None:
    anchor = _anchor(algorithm)
    report, out = _json_run(algorithm, corpus, tmp_path_factory.mktemp("out"), capsys)
    # -o holds exactly what was printed, and no temporary file is left beside it
    assert json.loads(out.read_text(encoding="utf-8")) == report
    assert [p.name for p in out.parent.iterdir()] == [out.name]
    assert report["algorithm"] == algorithm and report["anchor"] == ANCHOR_OF[algorithm]
    assert report["versions"][ANCHOR_OF[algorithm]] == anchor.__version__
    for key in ("nproc", "cpu", "python", "tokenlab"):
        assert report["machine"][key]
    assert len(report["load_start"]) == len(report["load_end"]) == 3
    assert report["extra_anchors"] == []  # none asked for
    # 400 lines, the last HELD_OUT of them held out
    assert report["corpus"]["train_lines"] == 400 - HELD_OUT
    for side in ("tokenlab", "anchor_metrics"):
        m = report[side]
        assert m["train_s"] > 0 and m["peak_rss_mib"] > 1
        assert m["encode_mb_s"] > 0 and m["batch_mb_s"] > 0
        assert 1 <= m["bytes_per_token"] < 10
        assert m["vocab_size"] == VOCAB
    for key, ratio in report["ratios"].items():
        assert math.isclose(ratio, report["tokenlab"][key] / report["anchor_metrics"][key])
    overlap = report["vocab_overlap"]
    assert 0 < overlap["common"] <= VOCAB
    assert math.isclose(overlap["share_of_anchor"], overlap["common"] / VOCAB)
    if algorithm == "bpe":
        # tokenlab's byte-level BPE is Hugging Face's exactly: same merges, same vocab
        assert report["merges_identical"] is True
        assert overlap["common"] == VOCAB
        assert report["ratios"]["bytes_per_token"] == 1.0
    else:
        assert report["merges_identical"] is None


def test_held_out_file_is_not_cut_from_the_corpus(
    corpus: Path, tmp_path: Path, capsys: Any
) -> None:
    _anchor("bpe")
    held = tmp_path / "held.txt"
    held.write_text("hello world\nsome more held-out text\n", encoding="utf-8")
    report = cmp.compare([str(corpus)], "bpe", VOCAB, held_out=str(held), progress=None)
    assert report["corpus"]["train_lines"] == 400
    assert report["corpus"]["held_out"] == str(held)
    assert report["merges_identical"] is True


def test_markdown_report_and_progress(corpus: Path, tmp_path: Path, capsys: Any) -> None:
    tokenizers = _anchor("bpe")
    out = tmp_path / "report.md"
    argv = ["compare", str(corpus), "--algorithm", "bpe", "--vocab-size", str(VOCAB)]
    argv += ["--held-out-lines", str(HELD_OUT), "-o", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert out.read_text(encoding="utf-8") == captured.out
    text = captured.out
    assert "| training seconds |" in text and "| merge lists identical | yes |" in text
    assert f"| tokenizers | {tokenizers.__version__} |" in text
    assert "| nproc |" in text and "load average" in text
    assert "`tokenlab compare " in text  # the command that made it
    # one progress line per phase on stderr
    phases = [line for line in captured.err.splitlines() if line.startswith("tokenlab compare:")]
    assert len(phases) >= 5


@pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is not None, reason="matplotlib is installed"
)
def test_plot_without_matplotlib_fails_before_training(
    corpus: Path, tmp_path: Path, capsys: Any
) -> None:
    argv = ["compare", str(corpus), "--algorithm", "bpe", "--vocab-size", "300"]
    assert main([*argv, "--plot", str(tmp_path / "r.png")]) == 1
    err = capsys.readouterr().err
    assert "pip install matplotlib" in err and "tokenlab compare:" not in err


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib")
def test_plot_with_matplotlib(corpus: Path, tmp_path: Path, capsys: Any) -> None:
    _anchor("bpe")
    png = tmp_path / "r.png"
    argv = ["compare", str(corpus), "--algorithm", "bpe", "--vocab-size", "300"]
    assert main([*argv, "--held-out-lines", "50", "--plot", str(png), "-q"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_algorithm(corpus: Path, capsys: Any) -> None:
    assert main(["compare", str(corpus), "--algorithm", "bpe2", "--vocab-size", "300"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="unknown algorithm 'bpe2'"):
        cmp.compare([str(corpus)], "bpe2", 300)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: str(p / "missing.txt"), "does not exist"),
        (lambda p: str(p), "is a directory"),
    ],
)
def test_bad_files(make: Any, match: str, tmp_path: Path, capsys: Any) -> None:
    path = make(tmp_path)
    assert main(["compare", path, "--algorithm", "bpe", "--vocab-size", "300"]) == 1
    assert match in capsys.readouterr().err
    with pytest.raises(CorpusError, match=match):
        cmp.compare([path], "bpe", 300, progress=None)


def test_not_utf8_names_file_and_line(tmp_path: Path) -> None:
    _anchor("bpe")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine\n\xff\xfe broken\n")
    with pytest.raises(CorpusError, match=r"bad\.txt, line 2: not valid UTF-8"):
        cmp.compare([str(bad)], "bpe", 300, progress=None)


def test_too_few_lines_for_the_held_out_part(tmp_path: Path) -> None:
    _anchor("bpe")
    small = tmp_path / "small.txt"
    small.write_text("one line\ntwo lines\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="last 1000 lines are held out"):
        cmp.compare([str(small)], "bpe", 300, progress=None)


def test_anchor_not_installed(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "sentencepiece" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ConfigError, match="pip install sentencepiece"):
        cmp.compare([str(corpus)], "unigram", 300, progress=None)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"vocab_size": 0}, "vocab_size must be an integer >= 1"),
        ({"threads": 0}, "threads must be a positive integer"),
        ({"algorithm": "unigram", "min_frequency": 2}, "min_frequency does not apply"),
    ],
)
def test_bad_options(corpus: Path, kwargs: dict[str, Any], match: str) -> None:
    args = {"algorithm": "bpe", "vocab_size": 300, **kwargs}
    with pytest.raises(ConfigError, match=match):
        cmp.compare([str(corpus)], progress=None, **args)


def test_output_directory_checked_before_training(
    corpus: Path, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "no" / "such" / "dir" / "r.md"
    argv = ["compare", str(corpus), "--algorithm", "bpe", "--vocab-size", "300", "-o", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "tokenlab compare:" not in err
    assert not os.path.exists(out)


# -- the optional anchors (gigatoken, fastokens, tokie, splintr, kitoken, rustbpe, ...) ----

# the anchors that load a byte-level BPE tokenizer.json: each must run, not skip
_LOADS_BYTE_LEVEL_JSON = ("gigatoken", "fastokens", "tokie", "splintr", "kitoken")


def _present(name: str) -> bool:
    return importlib.util.find_spec(cmp.EXTRA_ANCHORS[name][0]) is not None


@pytest.fixture(scope="module")
def all_anchors_report(corpus: Path) -> dict[str, Any]:
    """``compare(..., anchors=every optional anchor)`` once, on byte-level BPE."""
    _anchor("bpe")
    return cmp.compare(
        [str(corpus)], "bpe", VOCAB, held_out_lines=HELD_OUT, anchors=list(cmp.EXTRA_ANCHORS),
        progress=None,
    )  # fmt: skip


@pytest.mark.parametrize("name", list(cmp.EXTRA_ANCHORS))
def test_each_present_anchor_runs_and_absent_ones_skip(
    name: str, all_anchors_report: dict[str, Any]
) -> None:
    entries = [e for e in all_anchors_report["extra_anchors"] if e["anchor"] == name]
    roles = [e["role"] for e in entries]
    assert roles == (["train", "encode"] if name in cmp.TRAINING_ANCHORS else ["encode"])
    for e in entries:
        if not _present(name):
            assert e["status"] == "skipped" and "pip install" in e["reason"]
            continue
        assert e["version"], e
        if e["role"] == "train":
            # same pre-tokenizer and lines: gigatoken's merges are Hugging Face's (so
            # tokenlab's); rustbpe breaks ties its own way but learns the same tokens
            assert e["status"] == "ok", e
            assert e["metrics"]["train_s"] > 0 and e["metrics"]["peak_rss_mib"] > 1
            if name == "gigatoken":
                assert e["reason"] == "merges identical"
        elif name in _LOADS_BYTE_LEVEL_JSON:
            assert e["status"] == "ok", e
            assert e["metrics"]["encode_mb_s"] > 0
            ours = all_anchors_report["tokenlab"]["encode_mb_s"]
            assert math.isclose(e["ratios"]["encode_mb_s"], ours / e["metrics"]["encode_mb_s"])
        else:  # rustbpe loads no file; bpe-openai has only OpenAI's own encodings
            assert e["status"] == "skipped" and e["reason"], e


def test_anchor_table_in_markdown(all_anchors_report: dict[str, Any]) -> None:
    text = cmp.to_markdown(all_anchors_report)
    assert "| anchor | version | job | status |" in text
    for name in cmp.EXTRA_ANCHORS:
        assert f"| {name} | " in text


def test_absent_anchor_is_skipped_with_the_install_hint(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _anchor("bpe")
    monkeypatch.setattr(cmp, "_installed", lambda name: name != "splintr")
    report = cmp.compare(
        [str(corpus)], "bpe", VOCAB, held_out_lines=HELD_OUT, anchors=["splintr"], progress=None
    )
    [entry] = report["extra_anchors"]
    assert entry["status"] == "skipped" and entry["metrics"] == {}
    assert entry["reason"] == "not installed (pip install splintr-rs)"


def test_anchor_names_checked() -> None:
    assert cmp._check_anchors(None) == []
    assert cmp._check_anchors(["kitoken", "tokie", "kitoken"]) == ["kitoken", "tokie"]


def test_unknown_anchor(corpus: Path, capsys: Any) -> None:
    with pytest.raises(ConfigError, match=r"unknown anchor.*'nope'"):
        cmp.compare([str(corpus)], "bpe", VOCAB, anchors=["nope"], progress=None)
    with pytest.raises(ConfigError, match="list of names"):
        cmp.compare([str(corpus)], "bpe", VOCAB, anchors="gigatoken", progress=None)
    argv = ["compare", str(corpus), "--algorithm", "bpe", "--vocab-size", "300"]
    assert main([*argv, "--anchors", "gigatoken,nope"]) == 2
    assert "unknown anchor(s) nope" in capsys.readouterr().err


def test_anchor_whose_ids_differ_is_not_timed() -> None:
    lines = ["ab", "cd"]
    reference = [[1, 2], [3]]
    wrong = _worker._time_encoders(lambda s: [1, 2], None, lines, reference)
    assert wrong == {"status": "differs", "reason": "ids differ on held-out line 1"}
    right = _worker._time_encoders(
        lambda s: reference[lines.index(s)], lambda b: [[1, 2], [4]], lines, reference
    )
    assert right["status"] == "ok" and right["encode_s"] >= 0
    assert right["batch_status"] == "differs" and right["batch_s"] is None


def test_training_check() -> None:
    assert cmp._training_check(["ab", "cd"], ["ab", "cd"]) == ("ok", "merges identical")
    status, note = cmp._training_check(["ab", "cd"], ["cd", "ab"])
    assert status == "ok" and note.startswith("merge order first differs at merge 0")
    status, note = cmp._training_check(["ab", "cd"], ["ab", "xy"])
    assert status == "differs" and "50.00% of tokens shared" in note


def test_anchor_that_cannot_load_the_file_says_why(tmp_path: Path) -> None:
    path = tmp_path / "x.model"
    path.write_bytes(b"not a model")
    for name in cmp.EXTRA_ANCHORS:
        with pytest.raises(_worker.AnchorSkipped) as e:
            _worker.load_encoder(name, str(path))
        assert str(e.value)  # a reason: not installed, cannot load, or not this kind


def test_encoder_of_an_absent_anchor_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The benchmarks' path (load_encoder, in the worker's process): absence simulated."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "kitoken" else real(name, *a)
    )
    with pytest.raises(_worker.AnchorSkipped, match=r"not installed \(pip install kitoken\)"):
        _worker.load_encoder("kitoken", str(tmp_path / "tokenizer.json"))
    result = _worker.run_anchor({"impl": "kitoken", "mode": "encode", "model": "x.json"})
    assert result["status"] == "skipped"
    assert result["reason"] == "not installed (pip install kitoken)"
