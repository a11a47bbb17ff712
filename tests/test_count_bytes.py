"""Byte-level word counting straight from UTF-8 bytes (``ByteWordCounter.add_lines``).

The training path of the byte-level set-ups reads files in blocks of bytes and counts
them in threads (tokenlab.corpus._count_bytes). Its counts must be those of the line
reader and of Hugging Face's ByteLevel pre-tokenizer, on both cores; invalid UTF-8 and
very long lines go back to the line reader, which reports and cuts them as before.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from conftest import multilingual_lines, pydoc_lines
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import corpus
from tokenlab._patterns import SCAN_PATTERNS
from tokenlab.errors import CorpusError
from tokenlab.pre_tokenizers import ByteLevel, get_pre_tokenizer

# Lines that stress the scanners and the UTF-8 decoder: CRLF and lone CR, whitespace
# runs before a newline, contractions, combining marks, 2-, 3- and 4-byte chars,
# non-ASCII whitespace, an empty line and a last line without a newline.
ADVERSARIAL = (
    "plain ascii line\n"
    "crlf line\r\n"
    "lone\rcarriage\n"
    "   \n"
    "\n"
    "it's they'll WE'VE I'M\n"
    "e\u0301te\u0301 cafe\u0301  \t\n"
    "\u00a0nbsp\u2003em\u3000ideo\n"
    "日本語のテキスト、漢字。\n"
    "emoji 😀🙃 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and ‮rtl\n"
    "numbers 12345 ١٢٣ 一二三\n"
    "def f(x):\n    return x ** 2  # code\n"
    "no newline at the end"
)


def _texts() -> list[str]:
    """Multilingual, English (pydoc) and adversarial lines, endings kept."""
    english = [t if t.endswith("\n") else t + "\n" for t in pydoc_lines(400)]
    text = "".join(multilingual_lines(600, keepends=True) + english) + ADVERSARIAL
    # lines end at "\n" only (a lone "\r" is inside a line), as files are read
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines


def _reference(core: ModuleType, name: str, prefix: bool, texts: list[str]) -> dict[str, int]:
    counter = core.ByteWordCounter(core.PatternScanner(name), prefix)
    counter.add(texts)
    return counter.to_dict()


@pytest.mark.parametrize("prefix", [False, True])
@pytest.mark.parametrize("name", sorted(SCAN_PATTERNS))
def test_add_lines_counts_as_add(core: ModuleType, name: str, prefix: bool) -> None:
    texts = _texts()
    k = len(texts) // 2
    head, tail = texts[k][:5], texts[k][5:]  # a block may end inside a line
    counter = core.ByteWordCounter(core.PatternScanner(name), prefix)
    assert counter.add_lines(("".join(texts[:k]) + head).encode("utf-8")) == -1
    assert counter.add_lines(memoryview((tail + "".join(texts[k + 1 :])).encode("utf-8"))) == -1
    expected = _reference(core, name, prefix, [*texts[:k], head, tail, *texts[k + 1 :]])
    got = counter.to_dict()
    assert got == expected and list(got) == list(expected)


def test_byte_level_counts_equal_tokenizers(core: ModuleType) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    pre = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    texts = _texts()
    expected: Counter[str] = Counter()
    for text in texts:
        expected.update(w for w, _ in pre.pre_tokenize_str(text))
    counter = core.ByteWordCounter(core.PatternScanner("byte_level"))
    assert counter.add_lines("".join(texts).encode("utf-8")) == -1
    assert counter.to_dict() == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=12), st.booleans())
def test_add_lines_property(core: ModuleType, lines: list[str], prefix: bool) -> None:
    lines = [line.replace("\n", " ") for line in lines]
    texts = [line + "\n" for line in lines]
    if texts and lines[-1]:
        texts[-1] = lines[-1]  # a last line without its newline
    try:
        data = "".join(texts).encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates are not UTF-8 text
    for name in ("byte_level", "cl100k_base", "o200k_base"):
        counter = core.ByteWordCounter(core.PatternScanner(name), prefix)
        assert counter.add_lines(data) == -1
        assert counter.to_dict() == _reference(core, name, prefix, [t for t in texts if t])


@pytest.mark.parametrize(
    "bad",
    [
        b"\x80",  # a stray continuation byte
        b"\xc0\xaf",  # overlong "/"
        b"\xc1\xbf",
        b"\xe0\x80\xaf",  # overlong 3-byte form
        b"\xed\xa0\x80",  # a surrogate
        b"\xf0\x80\x80\xaf",  # overlong 4-byte form
        b"\xf4\x90\x80\x80",  # above U+10FFFF
        b"\xf5\x80\x80\x80",
        b"\xff",
        b"\xe2\x82",  # truncated before the newline
        b"\xe2\x82\n",
        b"\xf0\x9f\x98",  # truncated at the end of the data
    ],
)
def test_add_lines_reports_invalid_utf8_where_decode_does(core: ModuleType, bad: bytes) -> None:
    data = "ok line\nnon-ascii é line ".encode() + bad + b" tail\n"
    with pytest.raises(UnicodeDecodeError) as e:
        data.decode("utf-8")
    counter = core.ByteWordCounter(core.PatternScanner("gpt2"))
    assert counter.add_lines(data) == e.value.start


def test_valid_edges_of_utf8_are_accepted(core: ModuleType) -> None:
    text = "\u0080\u07ff\u0800\ud7ff\ue000\uffff\U00010000\U0010ffff\n"
    counter = core.ByteWordCounter(core.PatternScanner("cl100k_base"))
    assert counter.add_lines(text.encode("utf-8")) == -1
    assert counter.to_dict() == _reference(core, "cl100k_base", False, [text])


def test_update_adds_counts_in_first_seen_order(core: ModuleType) -> None:
    texts = _texts()
    half = len(texts) // 2
    scanner = core.PatternScanner("byte_level")
    first, second = core.ByteWordCounter(scanner), core.ByteWordCounter(scanner)
    first.add(texts[:half])
    second.add(texts[half:])
    first.update(second)
    expected = _reference(core, "byte_level", False, texts)
    got = first.to_dict()
    assert got == expected and list(got) == list(expected)
    with pytest.raises(ValueError, match="same pattern"):
        first.update(core.ByteWordCounter(core.PatternScanner("gpt2")))
    with pytest.raises(ValueError, match="same pattern"):
        first.update(core.ByteWordCounter(scanner, True))


# -- count_words_in_files: the bytes path against the line reader ---------------------


def _line_reader_counts(monkeypatch: pytest.MonkeyPatch, *args: object, **kw: object) -> object:
    with monkeypatch.context() as m:
        m.setattr(corpus, "_count_bytes", lambda *a, **k: None)
        return corpus.count_words_in_files(*args, **kw)  # type: ignore[arg-type]


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("".join(_texts()) * 3, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("processes", [1, 2, 3])
@pytest.mark.parametrize("pre_name", ["byte-level", "gpt2", "cl100k_base", "o200k_base"])
def test_files_count_as_the_line_reader(
    monkeypatch: pytest.MonkeyPatch, corpus_file: Path, pre_name: str, processes: int
) -> None:
    monkeypatch.setattr(corpus, "_BLOCK_BYTES", 4096)  # many blocks, cut mid-line
    pre = get_pre_tokenizer(pre_name)
    got = corpus.count_words_in_files(str(corpus_file), None, pre, processes=processes)
    expected = _line_reader_counts(monkeypatch, str(corpus_file), None, pre, processes=1)
    assert got == expected


def test_prefix_space_and_gzip(
    monkeypatch: pytest.MonkeyPatch, corpus_file: Path, tmp_path: Path
) -> None:
    gz = tmp_path / "corpus.txt.gz"
    gz.write_bytes(gzip.compress(corpus_file.read_bytes()))
    pre = ByteLevel(add_prefix_space=True)
    for path in (str(corpus_file), str(gz)):
        got = corpus.count_words_in_files(path, None, pre, processes=2)
        assert got == _line_reader_counts(monkeypatch, path, None, pre, processes=1)


def test_invalid_utf8_is_reported_by_the_line_reader(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\n" * 5000 + b"bad \xed\xa0\x80 here\n" + b"more\n" * 10)
    monkeypatch.setattr(corpus, "_BLOCK_BYTES", 4096)
    pre = ByteLevel(add_prefix_space=False)
    with pytest.raises(CorpusError) as native:
        corpus.count_words_in_files(str(path), None, pre, processes=2)
    with pytest.raises(CorpusError) as reader:
        _line_reader_counts(monkeypatch, str(path), None, pre, processes=1)
    assert str(native.value) == str(reader.value)
    assert ":5001" in str(native.value) or "line 5001" in str(native.value)


def test_a_long_line_goes_to_the_line_reader(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "long.txt"
    path.write_text("short\n" + "word " * 20000 + "\nend\n", encoding="utf-8")
    monkeypatch.setattr(corpus, "_BLOCK_BYTES", 1024)
    monkeypatch.setattr(corpus, "MAX_RUN_CHARS", 4096)
    calls: list[int] = []
    real = corpus._count
    monkeypatch.setattr(corpus, "_count", lambda *a: calls.append(1) or real(*a))
    pre = ByteLevel(add_prefix_space=False)
    got = corpus.count_words_in_files(str(path), None, pre, processes=1)
    assert calls  # the line reader counted it
    # by hand: "word", then " word" 19,999 times, then " \n" (whitespace up to the end)
    assert got == Counter({"short": 1, "Ċ": 2, "word": 1, "Ġword": 19999, "ĠĊ": 1, "end": 1})


def test_whitespace_only_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\t\n\u3000\u00a0\n" * 10, encoding="utf-8")
    with pytest.raises(CorpusError, match="only whitespace"):
        corpus.count_words_in_files(str(path), None, ByteLevel(), processes=2)


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_training_on_files_matches_tokenizers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, processes: int
) -> None:
    tk = pytest.importorskip("tokenizers", reason="parity test needs Hugging Face tokenizers")
    path = tmp_path / "mixed.txt"
    path.write_text("".join(_texts()) * 2, encoding="utf-8", newline="")
    monkeypatch.setattr(corpus, "_BLOCK_BYTES", 8192)  # many blocks over the threads
    hf = tk.Tokenizer(tk.models.BPE())
    hf.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
    alphabet = tk.pre_tokenizers.ByteLevel.alphabet()
    trainer = tk.trainers.BpeTrainer(
        vocab_size=2000, initial_alphabet=alphabet, show_progress=False
    )
    hf.train([str(path)], trainer)
    model = json.loads(hf.to_str())["model"]
    tok = tokenlab.train(str(path), vocab_size=2000, show_progress=False, processes=processes)
    assert len(tok.model.merges) > 1000
    assert tok.model.merges == [tuple(m) for m in model["merges"]]
    assert tok.model.vocab == model["vocab"]


def test_to_dict_into_adds_to_the_given_dict(core: ModuleType) -> None:
    counter = core.ByteWordCounter(core.PatternScanner("byte_level"))
    assert counter.add_lines(b"a b a\n") == -1
    # by hand: "a", " b", " a", "\n"
    into: Counter[str] = Counter({"a": 5, "zz": 1})
    got = counter.to_dict(into)
    assert got is into
    assert got == Counter({"a": 6, "Ġb": 1, "Ġa": 1, "Ċ": 1, "zz": 1})
    assert counter.to_dict() == {"a": 1, "Ġb": 1, "Ġa": 1, "Ċ": 1}
