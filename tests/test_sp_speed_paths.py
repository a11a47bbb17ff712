"""The fast paths of SentencePiece-style training give exactly what the slow ones give.

* ASCII lines are counted in batches (one translate and one split per batch);
  the per-line path is the reference, on lines built to hit every exception
  (control chars, NUL, meta pieces, over-long lines, non-ASCII text, "▁").
* Files are counted in blocks by several processes: same counts, in the same
  order, as one process and as the line iterator; bad UTF-8 is reported with
  the same file, line and byte as :func:`tokenlab.corpus.iter_lines` says.
* The Unigram E-step over a packed word table in parts equals the plain
  E-step (one part), bit for bit on both cores; training gives the same model
  for any ``num_threads``.
"""

from __future__ import annotations

import gzip
import random
from collections import Counter
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import tokenlab
import tokenlab._pycore as pycore
from tokenlab.charsmap import CharsMap
from tokenlab.corpus import iter_lines
from tokenlab.errors import ConfigError, CorpusError
from tokenlab.sentencepiece_bpe import SentencePieceBPETrainer
from tokenlab.sp_pretokenize import (
    ascii_translation,
    count_sentence_words,
    count_sentence_words_in_files,
)
from tokenlab.unigram import UnigramTrainer, _WordTable

META = ["<unk>", "<s>", "</s>", "<sep>"]

TRICKY = [
    "plain words here\n",
    "  leading and   inner  spaces \n",
    "tab\tseparated\tand\rcarriage\r\n",
    "ctrl\x01chars\x7fdeleted\x0bhere\n",
    "nul\x00inside\n",
    "a <s> meta </s> piece<sep>glued\n",
    "<unk>\n",
    "x" * 5000 + "\n",
    "unicode ﬁne Ａ wörld — “quoted”\n",
    "already▁escaped▁text\n",
    "\n",
    "   \n",
    "\u2585 is skipped\n",
    "digits 123 and 4.5\n",
    "last line without newline",
]


def _random_lines(seed: int, n: int) -> list[str]:
    rnd = random.Random(seed)
    alphabet = "ab c  \t\x01\x00<s>é▁\r"
    return [
        "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) + "\n" for _ in range(n)
    ]


@pytest.mark.parametrize("normalization", ["nmt_nfkc", "identity"])
@pytest.mark.parametrize(
    "flags",
    [
        {},
        {"add_dummy_prefix": False},
        {"remove_extra_whitespaces": False},
        {"treat_whitespace_as_suffix": True},
        {"max_sentence_length": 20},
    ],
)
def test_batch_counting_equals_line_by_line(normalization: str, flags: dict[str, object]) -> None:
    normalize = CharsMap.nmt_nfkc().normalize_str if normalization == "nmt_nfkc" else None
    lines = TRICKY * 3 + _random_lines(7, 3000) + ["inner\nnewline\n"]
    exact_ends: Counter[str] = Counter()
    fast_ends: Counter[str] = Counter()
    exact = count_sentence_words(
        lines,
        normalize=normalize,
        meta_pieces=META,
        ascii_table=None,
        sentence_ends=exact_ends,
        **flags,
    )
    fast = count_sentence_words(
        lines, normalize=normalize, meta_pieces=META, sentence_ends=fast_ends, **flags
    )
    assert fast == exact
    assert fast_ends == exact_ends
    assert exact and exact_ends  # the corpus has words, so the comparison says something
    # The last word of each kept sentence, by hand: "▁here" ends the first line.
    if not flags:
        assert exact_ends["▁here"] >= 3


def test_ascii_translation() -> None:
    assert ascii_translation(None) == {}
    table = ascii_translation(CharsMap.nmt_nfkc().normalize_str)
    assert table is not None
    # nmt_nfkc (see tokenlab.charsmap.nmt_nfkc_mapping): TAB, LF, FF and CR become a
    # space, other C0 controls and DEL are deleted, printable ASCII stays.
    assert table[ord("\t")] == " " and table[ord("\r")] == " "
    assert table[1] == "" and table[0x7F] == ""
    assert all(chr(c) not in table for c in range(0x20, 0x7F))
    assert 0 not in table  # NUL: the exact path
    # A rule whose source is several ASCII chars is not a char-by-char table.
    assert ascii_translation(CharsMap.from_mapping({"ab": "x"}).normalize_str) is None
    # An arbitrary callable is not understood: no fast path.
    assert ascii_translation(str.lower) is None


def _write(path: Path, lines: list[str]) -> Path:
    data = "".join(lines).encode("utf-8")
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["corpus.txt", "corpus.txt.gz"])
def test_file_counting_any_process_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    import tokenlab.sp_pretokenize as spp

    monkeypatch.setattr(spp, "_BLOCK_BYTES", 2000)  # many blocks on a small file
    lines = TRICKY * 5 + _random_lines(11, 2000)
    path = _write(tmp_path / name, lines)
    normalize = CharsMap.nmt_nfkc().normalize_str
    ref_ends: Counter[str] = Counter()
    reference = count_sentence_words(
        iter_lines(str(path)),
        normalize=normalize,
        meta_pieces=META,
        ascii_table=None,
        sentence_ends=ref_ends,
    )
    results = []
    for p in (1, 2, 3):
        ends: Counter[str] = Counter()
        counts = count_sentence_words_in_files(
            path, normalize=normalize, meta_pieces=META, processes=p, sentence_ends=ends
        )
        results.append(counts)
        assert counts == reference
        assert ends == ref_ends
        assert list(counts) == list(results[0])  # same order too


@pytest.mark.parametrize("processes", [1, 2])
def test_file_counting_reports_bad_utf8_like_iter_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    import tokenlab.sp_pretokenize as spp

    monkeypatch.setattr(spp, "_BLOCK_BYTES", 64)
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\n" * 30 + b"bad \xff byte\n" + b"more\n" * 10)
    with pytest.raises(CorpusError) as expected:
        list(iter_lines(str(path)))
    with pytest.raises(CorpusError) as got:
        count_sentence_words_in_files(path, normalize=None, processes=processes)
    assert str(got.value) == str(expected.value)
    assert "line 31" in str(got.value) and "byte 304" in str(got.value)
    replaced = count_sentence_words_in_files(
        path, normalize=None, processes=processes, errors="replace"
    )
    assert replaced["▁\ufffd"] == 1


def test_file_counting_rejects_bad_options(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.txt", ["a b\n"])
    with pytest.raises(ConfigError, match="processes"):
        count_sentence_words_in_files(path, normalize=None, processes=0)
    with pytest.raises(ConfigError, match="errors"):
        count_sentence_words_in_files(path, normalize=None, errors="bogus")
    with pytest.raises(ConfigError, match="num_threads"):
        UnigramTrainer(num_threads=0)
    with pytest.raises(ConfigError, match="num_threads"):
        SentencePieceBPETrainer(num_threads=-1)


def _packed(words: list[str], freqs: list[int]) -> _WordTable:
    return _WordTable(words, freqs, 1)


@pytest.mark.parametrize("core_name", ["python", "cython"])
def test_expected_counts_part_equals_plain_e_step(core_name: str) -> None:
    core: ModuleType = pycore
    if core_name == "cython":
        core = pytest.importorskip("tokenlab._core", reason="native core not built")
    rnd = random.Random(5)
    pieces = ["<unk>", "a", "b", "ab", "ba", "aab", "é", "▁a"]
    scores = [0.0] + [-rnd.uniform(0.5, 6.0) for _ in pieces[1:]]
    lat = core.UnigramLattice(pieces, scores, 0, min(scores) - 10.0)
    words = ["".join(rnd.choice("ab▁éz") for _ in range(rnd.randint(0, 12))) for _ in range(300)]
    freqs = [rnd.randint(1, 50) for _ in words]
    table = _packed(words, freqs)
    # One part (start 0, step 1) adds in the same order as the plain E-step: equal bit for bit.
    out = np.zeros(len(pieces))
    loglik = lat.expected_counts_part(table.cps, table.offsets, table.ffreqs, 0, 1, out)
    plain, plain_loglik = lat.expected_counts(words, freqs)
    assert out.tolist() == plain and loglik == plain_loglik
    # Parts cover every word once: their sum equals the plain E-step up to rounding.
    total = np.zeros(len(pieces))
    for p in range(3):
        part = np.zeros(len(pieces))
        lat.expected_counts_part(table.cps, table.offsets, table.ffreqs, p, 3, part)
        total += part
    assert np.allclose(total, plain, rtol=1e-12)
    counts = np.zeros(len(pieces), dtype=np.int64)
    for p in range(2):
        lat.viterbi_counts_part(table.cps, table.offsets, table.ifreqs, p, 2, counts)
    assert counts.tolist() == lat.viterbi_counts(words, freqs)
    with pytest.raises(ValueError):
        lat.expected_counts_part(table.cps, table.offsets, table.ffreqs, 0, 0, out)


def test_expected_counts_part_same_on_both_cores() -> None:
    native = pytest.importorskip("tokenlab._core", reason="native core not built")
    rnd = random.Random(9)
    pieces = ["<unk>", "x", "y", "xy", "yx", "xyx", "▁x"]
    scores = [0.0] + [-rnd.uniform(0.5, 6.0) for _ in pieces[1:]]
    words = ["".join(rnd.choice("xy▁q") for _ in range(rnd.randint(0, 10))) for _ in range(200)]
    table = _packed(words, [rnd.randint(1, 9) for _ in words])
    outs = []
    for core in (pycore, native):
        lat = core.UnigramLattice(pieces, scores, 0, min(scores) - 10.0)
        out = np.zeros(len(pieces))
        ll = lat.expected_counts_part(table.cps, table.offsets, table.ffreqs, 1, 4, out)
        outs.append((out.tolist(), ll))
    assert outs[0] == outs[1]


def test_unigram_same_model_for_any_thread_count(pydoc_text: list[str]) -> None:
    lines = pydoc_text[:3000]
    models = [
        UnigramTrainer(vocab_size=600, show_progress=False, num_threads=n)
        .train_from_sentences(lines)
        .pieces
        for n in (1, 2, 3)
    ]
    assert models[0] == models[1] == models[2]


@pytest.mark.parametrize("algorithm", ["unigram", "sp-bpe"])
def test_files_and_iterator_train_the_same(
    tmp_path: Path, pydoc_text: list[str], algorithm: str
) -> None:
    lines = pydoc_text[:2500]
    path = _write(tmp_path / "c.txt", lines)
    from_iter = tokenlab.train(
        iter(lines), algorithm=algorithm, vocab_size=500, show_progress=False
    )
    from_files = [
        tokenlab.train(
            str(path), algorithm=algorithm, vocab_size=500, show_progress=False, processes=p
        )
        for p in (1, 2)
    ]
    for tok in from_files:
        assert tok.get_vocab() == from_iter.get_vocab()
        assert tok.model.to_dict() == from_iter.model.to_dict()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"split_by_unicode_script": False},
        {"split_by_number": False},
        {"split_digits": True},
        {"treat_whitespace_as_suffix": True},
    ],
)
def test_segment_counts_equal_piece_boundaries(
    core: ModuleType, monkeypatch: pytest.MonkeyPatch, options: dict[str, bool]
) -> None:
    """Both cores' sum_segments give what cutting each word at piece_boundaries gives."""
    from tokenlab import sp_pretokenize
    from tokenlab.sp_pretokenize import piece_boundaries, segment_counts, split_at_boundaries

    monkeypatch.setattr(sp_pretokenize, "sum_segments", core.sum_segments)
    rnd = random.Random(3)
    # Latin, digits, a combining mark (Inherited), Greek, Han, Hiragana, "▁", TAB,
    # U+2585, an unknown char ("q") and punctuation (Common).
    alphabet = "ab1２\u0301αβ漢ひ▁\t\u2585q,."
    known = set(alphabet) - {"q"}
    counts = {
        "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 9))): rnd.randint(-1, 5)
        for _ in range(3000)
    }
    expected: dict[str, int] = {}
    for word, count in counts.items():
        if count <= 0 or len(word) < 2:
            continue
        cuts = piece_boundaries(word, known=known.__contains__, **options)
        for part in split_at_boundaries(word, cuts):
            if len(part) > 1:
                expected[part] = expected.get(part, 0) + count
    got = segment_counts(counts, known=known.__contains__, **options)
    assert got == expected and list(got) == list(expected)  # first-seen order too


def test_sum_segments_errors(core: ModuleType) -> None:
    with pytest.raises(KeyError):
        core.sum_segments({"ab": 1}, {"a": 8}, False, True)
    with pytest.raises(ValueError, match="not an info value"):
        core.sum_segments({"ab": 1}, {}, False, True, lambda ch: -1)
    with pytest.raises(TypeError):
        core.sum_segments({b"ab": 1}, {}, False, True, lambda ch: 8)
    # count 2**70: summed exactly, as Python ints
    assert core.sum_segments({"ab": 2**70, "abc,": 1}, {}, False, True, lambda ch: 8) == {
        "ab": 2**70,
        "abc,": 1,
    }


def test_cli_num_threads_gives_the_same_model(
    tmp_path: Path, pydoc_text: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from tokenlab.cli import main

    corpus = _write(tmp_path / "c.txt", pydoc_text[:2000])
    outputs = []
    for flag, n in (("--num-threads", "1"), ("--num-threads", "2"), ("--processes", "2")):
        out = tmp_path / f"m{flag}{n}.model"
        argv = ["train", str(corpus), "--algorithm", "unigram", "--vocab-size", "400"]
        code = main([*argv, flag, n, "-q", "-o", str(out)])
        assert code == 0, capsys.readouterr().err
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    capsys.readouterr()
    code = main(["train", str(corpus), "--algorithm", "unigram", "--num-threads", "0"])
    assert code == 2  # a usage error, named
    assert "--num-threads: must be > 0" in capsys.readouterr().err


@pytest.mark.parametrize("block", [64, 1000, 1 << 20])
def test_file_counting_drops_long_lines_while_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    import tokenlab.sp_pretokenize as spp

    monkeypatch.setattr(spp, "_BLOCK_BYTES", block)
    # Lines of exactly max_sentence_length bytes are kept, one byte more is skipped
    # (SentencePiece's rule); a 300 KB line is read past, not held; a bad byte after
    # it is still reported at its true byte and line.
    lines = ["short one\n", "k" * 100 + "\n", "x" * 101 + "\n", "y" * 300_000 + "\n", "end\n"]
    path = _write(tmp_path / "long.txt", lines)
    got = count_sentence_words_in_files(path, normalize=None, max_sentence_length=100, processes=1)
    assert got == {"▁short": 1, "▁one": 1, "▁" + "k" * 100: 1, "▁end": 1}
    bad = tmp_path / "long_bad.txt"
    bad.write_bytes(path.read_bytes() + b"bad \xff\n")
    with pytest.raises(CorpusError) as expected:
        list(iter_lines(str(bad)))
    with pytest.raises(CorpusError) as err:
        count_sentence_words_in_files(bad, normalize=None, max_sentence_length=100, processes=1)
    assert str(err.value) == str(expected.value)
