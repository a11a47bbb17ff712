"""Tests of counts files and training from counts (tokenlab/counts.py, `tokenlab count`).

The central property: counting, saving, loading and training from the counts gives
the byte-identical tokenizer.json that training on the text gives, for every
algorithm; the backend is whichever the suite runs on (CI runs it twice).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
from pathlib import Path

import pytest
from conftest import pydoc_lines
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import corpus
from tokenlab.bpe import BPETrainer
from tokenlab.cli import main
from tokenlab.counts import (
    CountSettings,
    WordCounts,
    count_files,
    load_counts,
    prune,
    save_counts,
)
from tokenlab.errors import ConfigError, CorpusError, ModelFileError
from tokenlab.pre_tokenizers import Whitespace
from tokenlab.sentencepiece_bpe import SentencePieceBPETrainer
from tokenlab.unigram import UnigramTrainer

WS = CountSettings.for_words(None, Whitespace())
# Text with what a counts file must survive: tabs, CR LF, backslashes, control chars,
# non-ASCII, a line without a final newline.
ODD_LINES = [
    "tab\tinside a\tline\n",
    "windows line\r\n",
    "back\\slash and \\t literal\n",
    "bell\x07 and nul\x00 and del\x7f\n",
    "café naïve — 日本語 テキスト 🙂\n",
    "  spaces   everywhere  \n",
    "\n",
    "last line without newline",
]


@pytest.fixture(scope="module")
def text_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("counts") / "corpus.txt"
    lines = pydoc_lines(1500)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.writelines(lines[:-1])
        f.writelines(ODD_LINES)
    return path


# -- the format ---------------------------------------------------------------------------------


def test_format_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "c.tsv"
    save_counts(path, {"b": 1, "a\tb": 2, "\\": 2, "x\x01": 1}, WS)
    lines = path.read_bytes().split(b"\n")
    assert lines[0] == b"#tokenlab-counts 1"
    header = json.loads(lines[1][1:])
    assert header["unique_words"] == 4 and header["total_count"] == 6
    assert header["settings"]["pre_tokenizer"] == {"type": "Whitespace"}
    # count descending, then code point order ("\\" is U+005C < "a" U+0061; "b" < "x")
    assert lines[2:] == [b"\\\\\t2", b"a\\tb\t2", b"b\t1", b"x\\x01\t1", b""]


words = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(words, st.integers(1, 2**63), max_size=30), st.booleans())
def test_any_word_round_trips(tmp_path_factory: pytest.TempPathFactory, counts, gz) -> None:
    path = tmp_path_factory.mktemp("rt") / ("c.tsv.gz" if gz else "c.tsv")
    save_counts(path, counts, WS)
    loaded = load_counts(path)
    assert dict(loaded) == counts
    assert loaded.settings == WS


def test_bytes_are_deterministic(tmp_path: Path) -> None:
    items = [(f"w{i % 37}\t{i}", i % 5 + 1) for i in range(200)]
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    for name in ("a.tsv", "a.tsv.gz"):
        save_counts(tmp_path / name, dict(items), WS)
        first = (tmp_path / name).read_bytes()
        save_counts(tmp_path / name, dict(shuffled), WS)
        assert (tmp_path / name).read_bytes() == first
    with gzip.open(tmp_path / "a.tsv.gz", "rb") as f:
        assert f.read() == (tmp_path / "a.tsv").read_bytes()


def test_save_refuses_bad_counts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lone surrogate"):
        save_counts(tmp_path / "c.tsv", {"a\ud800": 1}, WS)
    with pytest.raises(ConfigError, match=">= 1"):
        save_counts(tmp_path / "c.tsv", {"a": 0}, WS)
    with pytest.raises(ConfigError, match="does not exist"):
        save_counts(tmp_path / "missing" / "c.tsv", {"a": 1}, WS)
    assert not (tmp_path / "c.tsv").exists()  # atomic: nothing half-written


def _with_body(body: str, unique: int = 1, total: int = 1) -> str:
    header = {"settings": WS.to_json(), "unique_words": unique, "total_count": total}
    return f"#tokenlab-counts 1\n#{json.dumps(header)}\n{body}"


@pytest.mark.parametrize(
    ("content", "where", "what"),
    [
        ("hello\t1\n", ":1:", "not a tokenlab counts file"),
        ("#tokenlab-counts 9\n#{}\n", ":1:", "newer"),
        ("#tokenlab-counts 1\n#{bad json\n", ":2:", "bad header"),
        ("#tokenlab-counts 1\n#{}\n", ":2:", "settings must be a JSON object"),
        (_with_body("a\t01\n"), ":3:", "not an integer"),
        (_with_body("a\t-1\n"), ":3:", "not an integer"),
        (_with_body("a\t1\r\n"), ":3:", "not an integer"),
        (_with_body("a 1\n"), ":3:", "found 0 TABs"),
        (_with_body("a\tb\t1\n"), ":3:", "found 2 TABs"),
        (_with_body("a\\q\t1\n"), ":3:", "unknown escape"),
        (_with_body("a\\\t1\n"), ":3:", "backslash ends"),
        (_with_body("a\\x41\t1\n"), ":3:", "written as itself"),
        (_with_body("a\x01\t1\n"), ":3:", "must be escaped"),
        (_with_body("a\t1\na\t1\n", 2, 2), ":4:", "appears twice"),
        (_with_body("a\t1\n", 2, 3), "", "cut off"),
    ],
)
def test_reader_names_file_and_line(tmp_path: Path, content: str, where: str, what: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_bytes(content.encode("utf-8"))
    with pytest.raises(ModelFileError, match=what) as info:
        load_counts(path)
    assert f"{path}{where}" in str(info.value)


def test_reader_on_damaged_files(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no such counts file"):
        load_counts(tmp_path / "none.tsv")
    save_counts(tmp_path / "c.tsv.gz", {f"w{i}": i + 1 for i in range(5000)}, WS)
    data = (tmp_path / "c.tsv.gz").read_bytes()
    (tmp_path / "cut.tsv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="cut off"):
        load_counts(tmp_path / "cut.tsv.gz")
    (tmp_path / "bad.tsv").write_bytes(_with_body("").encode() + b"\xff\t1\n")
    with pytest.raises(ModelFileError, match=r"bad\.tsv:3: invalid UTF-8"):
        load_counts(tmp_path / "bad.tsv")


def test_prune() -> None:
    counts = {"a": 3, "b": 1, "c": 2}
    assert prune(counts, 2) == {"a": 3, "c": 2}
    assert prune(counts, 1) == counts


# -- counting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece", "sp-bpe"])
def test_parallel_count_equals_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text_file: Path, algorithm: str
) -> None:
    monkeypatch.setattr(corpus, "_CHUNK_BYTES", 20000)  # many chunks, cut mid-file
    s = CountSettings.for_training(algorithm)
    serial = count_files(text_file, s, processes=1)
    assert len(serial) > 1000
    assert count_files(text_file, s, processes=3) == serial


def test_sentencepiece_count_equals_trainer_count(text_file: Path) -> None:
    trainer = UnigramTrainer(vocab_size=100, user_defined_symbols=["<sep>"], show_progress=False)
    from tokenlab.charsmap import CharsMap

    trainer_nfkc = UnigramTrainer(
        vocab_size=100,
        user_defined_symbols=["<sep>"],
        normalizer=CharsMap.nmt_nfkc().normalize_str,
        show_progress=False,
    )
    lines = list(corpus.iter_lines(text_file))
    s = CountSettings.for_training("unigram", user_defined_symbols=["<sep>"])
    assert not s.differences(CountSettings.for_sentencepiece(trainer_nfkc))
    assert count_files(text_file, s, processes=1) == trainer_nfkc.count_words(lines)
    ident = CountSettings.for_sentencepiece(trainer)
    assert ident.sentencepiece["normalization"] == "identity"
    assert count_files(text_file, ident, processes=1) == trainer.count_words(lines)


def test_sentencepiece_parallel_reports_bad_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"fine line\n" * 500 + b"bad \xff here\n" + b"more\n" * 500)
    monkeypatch.setattr(corpus, "_CHUNK_BYTES", 1000)
    with pytest.raises(CorpusError, match=r"bad.txt: invalid UTF-8 at byte 5004 \(line 501\)"):
        count_files(path, CountSettings.for_training("sp-bpe"), processes=2)


# -- training from counts = training from text --------------------------------------------------

ALGORITHM_OPTIONS = [
    ("bpe", 400, {}),
    ("bpe", 400, {"pre_tokenizer": "whitespace", "lowercase": True}),
    ("wordpiece", 400, {}),
    ("sp-bpe", 300, {}),
    ("sp-bpe", 450, {"byte_fallback": True}),
    # Unigram's seeds also use how often each word ends a sentence: the counts file of
    # SentencePiece words carries that as a third column.
    ("unigram", 450, {}),
]


@pytest.mark.parametrize(("algorithm", "vocab_size", "options"), ALGORITHM_OPTIONS)
def test_training_from_counts_equals_training_from_text(
    tmp_path: Path, text_file: Path, algorithm: str, vocab_size: int, options: dict
) -> None:
    from_text = tokenlab.train(
        [str(text_file)], algorithm=algorithm, vocab_size=vocab_size, show_progress=False, **options
    )
    s = CountSettings.for_training(algorithm, **options)
    counts_path = tmp_path / "counts.tsv.gz"
    save_counts(counts_path, count_files(text_file, s, processes=2), s)
    from_counts = tokenlab.train_from_counts(
        counts_path, algorithm=algorithm, vocab_size=vocab_size, show_progress=False, **options
    )
    assert from_counts.to_str() == from_text.to_str()


def test_unigram_trains_from_counts(tmp_path: Path, text_file: Path) -> None:
    s = CountSettings.for_training("unigram")
    save_counts(tmp_path / "u.tsv", count_files(text_file, s, processes=1), s)
    tok = tokenlab.train_from_counts(
        tmp_path / "u.tsv", algorithm="unigram", vocab_size=300, show_progress=False
    )
    assert tok.get_vocab_size() == 300
    assert tok.decode(tok.encode("the function returns").ids) == "the function returns"


def test_sentence_ends_round_trip(tmp_path: Path, text_file: Path) -> None:
    s = CountSettings.for_training("unigram")
    counts = count_files(text_file, s, processes=1)
    ends = getattr(counts, "ends", None)
    # every non-empty line ends with exactly one word occurrence
    lines = [line for line in corpus.iter_lines(text_file) if line.strip()]
    assert ends is not None and sum(ends.values()) == len(lines)
    save_counts(tmp_path / "u.tsv.gz", counts, s)
    loaded = load_counts(tmp_path / "u.tsv.gz")
    assert dict(loaded) == dict(counts) and loaded.ends == ends
    assert prune(loaded, 3).ends == {w: e for w, e in ends.items() if counts[w] >= 3}


@pytest.mark.parametrize(
    ("row", "message"),
    [("a\t2\t3", "sentence-end count '3'"), ("a\t2", "expected WORD<TAB>COUNT<TAB>ENDS")],
)
def test_bad_sentence_end_column(tmp_path: Path, row: str, message: str) -> None:
    s = CountSettings.for_training("unigram")
    good = tmp_path / "good.tsv"
    save_counts(good, WordCounts({"a": 2}, settings=None, ends={"a": 1}), s)
    head = good.read_text(encoding="utf-8").splitlines()[:2]
    bad = tmp_path / "bad.tsv"
    bad.write_text("\n".join([*head, row]) + "\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match=re.escape(message)):
        load_counts(bad)


def test_trainer_accepts_a_path(tmp_path: Path, text_file: Path) -> None:
    s = CountSettings.for_training("bpe", pre_tokenizer="whitespace")
    counts = count_files(text_file, s, processes=1)
    save_counts(tmp_path / "c.tsv", counts, s)
    by_path = BPETrainer(vocab_size=300, show_progress=False).train_from_counts(
        str(tmp_path / "c.tsv")
    )
    by_mapping = BPETrainer(vocab_size=300, show_progress=False).train_from_counts(counts)
    assert by_path.merges == by_mapping.merges and len(by_path.merges) > 100

    sp = SentencePieceBPETrainer(vocab_size=200, show_progress=False)
    sp_settings = CountSettings.for_sentencepiece(sp)
    sp_counts = count_files(text_file, sp_settings, processes=1)
    save_counts(tmp_path / "sp.tsv", sp_counts, sp_settings)
    again = SentencePieceBPETrainer(vocab_size=200, show_progress=False)
    assert (
        again.train_from_counts(tmp_path / "sp.tsv").pieces
        == sp.train_from_counts(sp_counts).pieces
    )


# -- refusing counts made with other settings ---------------------------------------------------


@pytest.fixture(scope="module")
def bpe_counts(tmp_path_factory: pytest.TempPathFactory, text_file: Path) -> Path:
    path = tmp_path_factory.mktemp("bpe") / "bpe.tsv"
    s = CountSettings.for_training("bpe")
    save_counts(path, count_files(text_file, s, processes=1), s)
    return path


@pytest.fixture(scope="module")
def sp_counts(tmp_path_factory: pytest.TempPathFactory, text_file: Path) -> Path:
    path = tmp_path_factory.mktemp("sp") / "sp.tsv"
    s = CountSettings.for_training("sp-bpe")
    save_counts(path, count_files(text_file, s, processes=1), s)
    return path


@pytest.mark.parametrize(
    ("algorithm", "options", "setting"),
    [
        ("bpe", {"pre_tokenizer": "whitespace"}, "pre_tokenizer"),
        ("bpe", {"lowercase": True}, "normalizer"),
        ("wordpiece", {}, "normalizer"),
        ("sp-bpe", {}, "kind of words"),
    ],
)
def test_refuses_word_counts_made_otherwise(
    bpe_counts: Path, algorithm: str, options: dict, setting: str
) -> None:
    with pytest.raises(ConfigError, match=setting) as info:
        tokenlab.train_from_counts(
            bpe_counts, algorithm=algorithm, vocab_size=300, show_progress=False, **options
        )
    assert str(bpe_counts) in str(info.value)


@pytest.mark.parametrize(
    ("options", "setting"),
    [
        ({"byte_fallback": True}, "byte_fallback"),
        ({"normalizer": "identity"}, "normalization"),
        ({"user_defined_symbols": ["<x>"]}, "meta_pieces"),
    ],
)
def test_refuses_sentencepiece_counts_made_otherwise(
    sp_counts: Path, options: dict, setting: str
) -> None:
    with pytest.raises(ConfigError, match=setting):
        tokenlab.train_from_counts(
            sp_counts, algorithm="unigram", vocab_size=300, show_progress=False, **options
        )


def test_word_trainers_refuse_sentencepiece_counts(sp_counts: Path) -> None:
    with pytest.raises(ConfigError, match="SentencePiece word counts"):
        BPETrainer(vocab_size=300, show_progress=False).train_from_counts(str(sp_counts))


def test_plain_mapping_is_trusted() -> None:
    tok = tokenlab.train_from_counts(
        WordCounts({"hug": 10, "pug": 5}, settings=None), vocab_size=258, show_progress=False
    )
    # u+g is the most frequent pair (15), then h+ug (10)
    assert tok.model.merges == [("u", "g"), ("h", "ug")]
    with pytest.raises(ConfigError, match="errors does not apply"):
        tokenlab.train_from_counts({"a": 1}, errors="replace")


# -- the command line -----------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    _, err = capsys.readouterr()
    assert code == 0, err
    return err


@pytest.mark.parametrize(
    ("algorithm", "extra"),
    [("bpe", ["--pre-tokenizer", "whitespace", "--lowercase"]), ("sp-bpe", ["--byte-fallback"])],
)
def test_cli_count_then_train_equals_train(
    tmp_path: Path,
    text_file: Path,
    capsys: pytest.CaptureFixture[str],
    algorithm: str,
    extra: list[str],
) -> None:
    common = ["--algorithm", algorithm, *extra]
    counts = str(tmp_path / "counts.tsv")
    err = _cli(capsys, "count", str(text_file), "-o", counts, "--processes", "2", "-q", *common)
    assert "unique" in err
    direct, from_counts = str(tmp_path / "a.json"), str(tmp_path / "b.json")
    train = ["train", "--vocab-size", "450", "-q", *common]
    _cli(capsys, *train, str(text_file), "-o", direct)
    _cli(capsys, *train, "--from-counts", counts, "-o", from_counts)
    assert Path(direct).read_bytes() == Path(from_counts).read_bytes()


def test_cli_min_count(tmp_path: Path, text_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full, pruned = str(tmp_path / "full.tsv"), str(tmp_path / "pruned.tsv.gz")
    _cli(capsys, "count", str(text_file), "-o", full, "-q")
    _cli(capsys, "count", str(text_file), "-o", pruned, "-q", "--min-count", "3")
    all_counts, kept = load_counts(full), load_counts(pruned)
    assert kept.settings is not None and kept.settings.min_count == 3
    assert dict(kept) == {w: c for w, c in all_counts.items() if c >= 3}
    assert 0 < len(kept) < len(all_counts)


def test_cli_refusals(tmp_path: Path, bpe_counts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "t.json")
    code = main(["train", "--from-counts", str(bpe_counts), "--pre-tokenizer", "bert", "-o", out])
    err = capsys.readouterr().err
    assert code == 1 and "pre_tokenizer" in err and err.startswith("tokenlab: error:")
    code = main(["train", "x.txt", "--from-counts", str(bpe_counts), "-o", out])
    assert code == 1 and "not both" in capsys.readouterr().err
    code = main(["count", "x.txt", "-o", out, "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 1 and "--engine dask" in capsys.readouterr().err
    assert not os.path.exists(out)
