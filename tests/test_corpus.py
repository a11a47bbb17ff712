"""Corpus reading: line endings kept, gzip, stdin, and clear errors for bad input."""

from __future__ import annotations

import gzip
import io
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import ConfigError, CorpusError
from tokenlab.corpus import count_words, default_corpus, iter_lines, resolve_files
from tokenlab.pre_tokenizers import Whitespace


def test_lines_keep_their_endings(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(b"one\ntwo\r\nthree")
    assert list(iter_lines(str(path))) == ["one\n", "two\r\n", "three"]


def test_gzip_is_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "c.txt.gz"
    with gzip.open(path, "wb") as f:
        f.write("héllo\nwörld\n".encode())
    assert list(iter_lines(str(path))) == ["héllo\n", "wörld\n"]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(b"a b\nc\n"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    assert list(iter_lines("-")) == ["a b\n", "c\n"]


def test_invalid_utf8_names_file_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    # "ok\n" is 3 bytes, then "ab" (2 bytes): the bad byte 0xff is at offset 5, line 2.
    path.write_bytes(b"ok\nab\xffcd\n")
    with pytest.raises(CorpusError) as info:
        list(iter_lines(str(path)))
    message = str(info.value)
    assert str(path) in message and "byte 5" in message and "line 2" in message
    assert "errors='replace'" in message
    assert list(iter_lines(str(path), errors="replace")) == ["ok\n", "ab\ufffdcd\n"]
    assert list(iter_lines(str(path), errors="ignore")) == ["ok\n", "abcd\n"]


def _lines_one_by_one(data: bytes, errors: str) -> list[str] | tuple[int, int]:
    """The oracle: each line (ending at b"\\n") decoded on its own, or (offset, line)
    of the first bad byte when ``errors`` is strict."""
    out: list[str] = []
    offset = 0
    for number, raw in enumerate(data.split(b"\n"), 1):
        last = offset + len(raw) == len(data)
        chunk = raw if last else raw + b"\n"
        if not chunk:
            break
        try:
            out.append(chunk.decode("utf-8", errors))
        except UnicodeDecodeError as e:
            return offset + e.start, number
        offset += len(chunk)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.lists(
        st.sampled_from([b"a", b"\n", b" ", b"\xc3\xa9", b"\xe2\x82\xac", b"\xff", b"\xc3", b"\r"]),
        max_size=60,
    ).map(b"".join),
    read_bytes=st.integers(1, 12),
    errors=st.sampled_from(["strict", "replace", "ignore"]),
)
def test_block_reading_equals_line_by_line_decoding(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, read_bytes: int, errors: str
) -> None:
    """Lines are read a block at a time; the result (and the place of a bad byte) is
    what decoding each line on its own gives, wherever the blocks end."""
    from tokenlab import corpus

    path = tmp_path_factory.mktemp("blocks") / "c.txt"
    path.write_bytes(data)
    expected = _lines_one_by_one(data, errors)
    old = corpus.READ_BYTES
    corpus.READ_BYTES = read_bytes
    try:
        if isinstance(expected, tuple):
            offset, line = expected
            with pytest.raises(CorpusError, match=rf"byte {offset} \(line {line}\)"):
                list(iter_lines(str(path), errors))
        else:
            # without a cut rule, a line longer than READ_BYTES still comes whole
            assert list(iter_lines(str(path), errors)) == expected
    finally:
        corpus.READ_BYTES = old


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    texts=st.lists(
        st.lists(
            st.sampled_from(
                [
                    "Ab",
                    "c",
                    " ",
                    "\t",
                    "\n",
                    "\r",
                    "\x00",
                    "\x07",
                    ",",
                    "$",
                    "-",
                    "9",
                    "é",
                    "中",
                    "\u2028",
                ]
            ).map(str)
        ).map("".join),
        max_size=12,
    ),
    options=st.sampled_from(
        [None, {}, {"lowercase": False}, {"clean_text": False}, {"strip_accents": False}]
    ),
)
def test_bert_bulk_counting_equals_line_by_line(
    texts: list[str], options: dict[str, bool] | None
) -> None:
    """BERT set-ups count ASCII lines in bulk on the core; the counts are exactly
    what normalizing and pre-tokenizing each text gives."""
    from tokenlab import corpus
    from tokenlab.corpus import bert_word_rules
    from tokenlab.normalizers import BertNormalizer
    from tokenlab.pre_tokenizers import BertPreTokenizer

    normalizer = None if options is None else BertNormalizer(**options)
    pre = BertPreTokenizer()
    assert bert_word_rules(normalizer, pre) is not None  # the bulk path is taken

    def run() -> Counter[str] | str:
        try:
            return count_words(texts, normalizer, pre)
        except CorpusError as e:
            return str(e)

    bulk = run()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(corpus, "bert_word_rules", lambda *_: None)  # the line-by-line path
        exact = run()
    assert bulk == exact
    if isinstance(exact, Counter):  # and the oracle is what the components give
        assert exact == Counter(
            w for t in texts for w in pre.words(normalizer.normalize_str(t) if normalizer else t)
        )


def test_bert_word_rules_only_for_bert() -> None:
    from tokenlab.corpus import bert_word_rules
    from tokenlab.normalizers import BertNormalizer, Lowercase
    from tokenlab.pre_tokenizers import BertPreTokenizer

    assert bert_word_rules(None, Whitespace()) is None
    assert bert_word_rules(Lowercase(), BertPreTokenizer()) is None
    rules = bert_word_rules(BertNormalizer(), BertPreTokenizer())
    assert rules is not None
    table, rule = rules
    # by hand: BERT lowercases, drops NUL, turns tabs into spaces, isolates punctuation,
    # strips accents (a lone combining acute is dropped), puts CJK chars on their own;
    # a mark that survives stripping (U+1D165, which canonical ordering can move) has no
    # rule of its own
    assert (table[ord("A")], table[0], table[9], table[ord("$")]) == ("a", "", " ", " $ ")
    assert (rule("É"), rule("中"), rule("\u0301")) == ("e", " 中 ", "")
    assert rule("\U0001d165") is None


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt.gz"
    data = gzip.compress(b"hello world\n" * 1000)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorpusError, match=r"cut\.txt\.gz"):
        list(iter_lines(str(path)))


@pytest.mark.parametrize("name", ["missing.txt", "."])
def test_unreadable_inputs(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with pytest.raises(CorpusError, match=r"no such file|directory"):
        list(iter_lines(str(path)))


def test_unknown_errors_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        list(iter_lines(str(tmp_path / "x"), errors="bogus"))


def test_count_words() -> None:
    counts = count_words(["a b a\n", "b c"], pre_tokenizer=Whitespace())
    assert counts == {"a": 2, "b": 2, "c": 1}
    # bytes items are UTF-8 text: the same counts as the str items
    assert count_words([b"a b a\n", b"b c"], pre_tokenizer=Whitespace()) == counts
    with pytest.raises(CorpusError, match="must be str or bytes"):
        count_words([3])  # type: ignore[list-item]


def test_default_corpus_is_real_text() -> None:
    lines = list(default_corpus())
    assert len(lines) > 5000
    assert sum(map(len, lines)) > 300_000
    assert all(line.endswith("\n") for line in lines)


def test_train_on_file_equals_train_on_lines(tmp_path: Path) -> None:
    lines = list(default_corpus())[:1500]
    path = tmp_path / "corpus.txt"
    path.write_text("".join(lines), encoding="utf-8")
    from_file = tokenlab.train(str(path), vocab_size=500, show_progress=False)
    from_lines = tokenlab.train(iter(lines), vocab_size=500, show_progress=False)
    assert from_file.to_str() == from_lines.to_str()


def test_parallel_counting_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokenlab import corpus
    from tokenlab.pre_tokenizers import get_pre_tokenizer

    lines = list(default_corpus())[:3000]
    path = tmp_path / "c.txt"
    path.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(corpus, "_CHUNK_BYTES", 4096)  # many chunks, cut mid-file
    assert len(corpus._chunks([str(path)])) > 10
    pre = get_pre_tokenizer("byte-level")
    serial = corpus.count_words_in_files(str(path), None, pre, processes=1)
    parallel = corpus.count_words_in_files(str(path), None, pre, processes=2)
    assert parallel == serial == count_words(lines, None, pre)


def test_parallel_counting_reports_bad_utf8_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tokenlab import corpus

    good = b"hello world\n" * 1000  # 12,000 bytes, 1,000 lines
    path = tmp_path / "bad.txt"
    path.write_bytes(good + b"ab\xc3(\n" + good)
    monkeypatch.setattr(corpus, "_CHUNK_BYTES", 1000)
    # The bad byte 0xc3 starts at 12,000 + 2 = 12,002, on line 1,001.
    with pytest.raises(CorpusError, match=r"byte 12002 \(line 1001\)"):
        corpus.count_words_in_files(str(path), processes=2)
    with pytest.raises(CorpusError, match=r"byte 12002 \(line 1001\)"):
        corpus.count_words_in_files(str(path), processes=1)
    counts = corpus.count_words_in_files(str(path), errors="replace", processes=2)
    assert counts["ab\ufffd(\n"] == 1


# --- what a line is: only "\n" ends one; nothing is lost or invented -------------------


def test_nul_crlf_and_lone_cr_are_kept(tmp_path: Path) -> None:
    raw = b"a\x00b\r\nc\rd\n\x00\r\r\ne\r"
    path = tmp_path / "ctl.txt"
    path.write_bytes(raw)
    # Split at b"\n" only, endings kept; "\r" and NUL are ordinary characters.
    assert list(iter_lines(str(path))) == ["a\x00b\r\n", "c\rd\n", "\x00\r\r\n", "e\r"]
    tok = tokenlab.train(str(path), vocab_size=262, show_progress=False)
    text = raw.decode()
    assert tok.decode(tok.encode(text).ids) == text
    # The words counted hold exactly the characters of the file (byte-level mapped).
    from tokenlab.corpus import count_words_in_files
    from tokenlab.pre_tokenizers import ByteLevel, get_pre_tokenizer

    counts = count_words_in_files(str(path), None, get_pre_tokenizer("byte-level"))
    chars: Counter[str] = Counter()
    for word, n in counts.items():
        for ch in word:
            chars[ch] += n
    # every byte of the file, byte-level mapped, exactly once
    assert chars == Counter("".join(ByteLevel(use_regex=False).words(text)))


# --- inputs: directories, globs, bytes ------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "b.txt").write_text("beta gamma\n" * 30, encoding="utf-8")
    (root / "a.txt").write_text("alpha beta\n" * 30, encoding="utf-8")
    (root / "sub" / "c.txt").write_text("gamma delta\n" * 30, encoding="utf-8")
    (root / ".hidden").write_text("never read\n", encoding="utf-8")
    return root


def test_directory_and_glob_inputs(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    files = [str(root / "a.txt"), str(root / "b.txt"), str(root / "sub" / "c.txt")]
    assert resolve_files(str(root)) == files  # sorted, recursive, hidden skipped
    assert resolve_files(str(root / "*.txt")) == files[:2]
    assert resolve_files(str(root / "**" / "*.txt")) == files
    by_list = tokenlab.train(files, vocab_size=270, show_progress=False).to_str()
    assert tokenlab.train(str(root), vocab_size=270, show_progress=False).to_str() == by_list
    glob_pattern = str(root / "**" / "*.txt")
    assert tokenlab.train(glob_pattern, vocab_size=270, show_progress=False).to_str() == by_list
    # the SentencePiece trainers read files their own way: the same expansion
    sp = {"algorithm": "sp-bpe", "vocab_size": 30, "normalizer": "identity"}
    a = tokenlab.train(files, show_progress=False, **sp)  # type: ignore[arg-type]
    b = tokenlab.train(str(root), show_progress=False, **sp)  # type: ignore[arg-type]
    assert a.to_str() == b.to_str()


def test_directory_and_glob_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="empty: directory holds no files"):
        resolve_files(str(tmp_path / "empty"))
    with pytest.raises(CorpusError, match=r"\*\.txt: no files match"):
        resolve_files(str(tmp_path / "*.txt"))
    with pytest.raises(CorpusError, match=r"must be str or os\.PathLike"):
        resolve_files([3])  # type: ignore[list-item]


def test_cli_trains_on_a_directory_and_a_glob(tmp_path: Path) -> None:
    from tokenlab.cli import main

    root = _tree(tmp_path)
    outs = []
    for arg in (str(root), str(root / "**" / "*.txt")):
        out = tmp_path / f"tok{len(outs)}.json"
        assert main(["train", arg, "--vocab-size", "270", "-q", "-o", str(out)]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece", "sp-bpe", "unigram"])
def test_bytes_iterator_equals_str_iterator(algorithm: str) -> None:
    lines = ["héllo wörld, once more\n", "second line here\n"] * 20
    size = 300 if algorithm == "bpe" else 40
    extra = {"normalizer": "identity"} if algorithm in ("sp-bpe", "unigram") else {}
    a = tokenlab.train(
        iter(lines), algorithm=algorithm, vocab_size=size, show_progress=False, **extra
    )
    b = tokenlab.train(
        (line.encode() for line in lines),
        algorithm=algorithm,
        vocab_size=size,
        show_progress=False,
        **extra,
    )
    assert a.to_str() == b.to_str()


def test_bytes_iterator_invalid_utf8() -> None:
    texts = [b"fine text\n", b"caf\xff\n"]
    with pytest.raises(CorpusError, match=r"text #1 .*byte 3"):
        tokenlab.train(iter(texts), vocab_size=260, show_progress=False)
    # replace: U+FFFD (3 bytes in byte-level) is learned; ignore drops the byte
    tok = tokenlab.train(iter(texts), vocab_size=260, errors="replace", show_progress=False)
    assert tok.decode(tok.encode("caf\ufffd").ids) == "caf\ufffd"
    with pytest.raises(ConfigError):
        tokenlab.train(iter(texts), vocab_size=260, errors="nope", show_progress=False)


def test_train_invalid_utf8_file_api(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"hello world\n" * 3 + b"x\xe9y\n")  # 0xe9 at byte 36 + 1, line 4
    sizes = {"bpe": 300, "wordpiece": 60, "sp-bpe": 30, "unigram": 30}
    for algorithm, size in sizes.items():
        extra = {"normalizer": "identity"} if algorithm in ("sp-bpe", "unigram") else {}
        with pytest.raises(CorpusError) as info:
            tokenlab.train(
                str(path), algorithm=algorithm, vocab_size=size, show_progress=False, **extra
            )
        assert "bad.txt" in str(info.value) and "byte 37" in str(info.value)
        assert "line 4" in str(info.value)
    for errors in ("replace", "ignore"):
        tok = tokenlab.train(str(path), vocab_size=262, errors=errors, show_progress=False)
        assert tok.get_vocab_size() == 262


# --- empty and whitespace-only corpora --------------------------------------------------


@pytest.mark.parametrize("algorithm", ["bpe", "wordpiece", "sp-bpe", "unigram"])
@pytest.mark.parametrize("content", ["", " \t \n\n  \r\n"], ids=["empty", "whitespace"])
def test_empty_or_whitespace_corpus(tmp_path: Path, algorithm: str, content: str) -> None:
    path = tmp_path / "c.txt"
    path.write_text(content, encoding="utf-8")
    # (SentencePiece's default nmt_nfkc makes tabs and CRs spaces, as the others see them)
    for source in (str(path), iter(content.splitlines(keepends=True))):
        with pytest.raises(CorpusError, match=r"empty|only whitespace"):
            tokenlab.train(source, algorithm=algorithm, vocab_size=300, show_progress=False)


def test_whitespace_corpus_message(tmp_path: Path) -> None:
    path = tmp_path / "c.txt"
    path.write_text("   \n\t\n" * 1000, encoding="utf-8")
    for processes in (1, 2):
        with pytest.raises(CorpusError, match="only whitespace"):
            tokenlab.train(str(path), processes=processes, vocab_size=300, show_progress=False)


# --- long lines: read in pieces, counted exactly as whole lines ----------------------------

_ALPHABET = "ab cdé ΣσςXY09 9 ,.!'\t  \r\n中文😀\u0301-'s't"
PRE_NAMES = ["byte-level", "gpt2", "cl100k_base", "o200k_base", "whitespace", "bert"]


def _counts_both_ways(
    tmp_path: Path, text: str, pre_name: str, normalizer: object
) -> tuple[Counter[str], Counter[str]]:
    from tokenlab.corpus import count_words_in_files
    from tokenlab.pre_tokenizers import get_pre_tokenizer

    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8", newline="")
    pre = get_pre_tokenizer(pre_name)
    chunked = count_words_in_files(str(path), normalizer, pre, processes=1)  # type: ignore[arg-type]
    parts = text.split("\n")  # lines end at "\n" only (not at "\r", as splitlines would)
    lines = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    whole = count_words(lines, normalizer, pre)  # type: ignore[arg-type]
    return chunked, whole


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    text=st.text(alphabet=_ALPHABET, min_size=1, max_size=300),
    read_bytes=st.integers(1, 40),
    pre_name=st.sampled_from(PRE_NAMES),
    normalized=st.booleans(),
)
def test_chunked_counting_equals_whole_lines(
    tmp_path_factory: pytest.TempPathFactory,
    text: str,
    read_bytes: int,
    pre_name: str,
    normalized: bool,
) -> None:
    from tokenlab import corpus
    from tokenlab.normalizers import NFKC, Lowercase, Sequence

    normalizer = Sequence([NFKC(), Lowercase()]) if normalized else None
    old = corpus.READ_BYTES, corpus.MAX_RUN_CHARS
    corpus.READ_BYTES, corpus.MAX_RUN_CHARS = read_bytes, 10**9  # never a forced cut
    try:
        chunked, whole = _counts_both_ways(
            tmp_path_factory.mktemp("h"), "Ok " + text, pre_name, normalizer
        )
    finally:
        corpus.READ_BYTES, corpus.MAX_RUN_CHARS = old
    assert chunked == whole


def test_cut_places() -> None:
    from tokenlab.corpus import cut_rule
    from tokenlab.normalizers import Lowercase
    from tokenlab.pre_tokenizers import Split, get_pre_tokenizer

    cut = cut_rule(None, get_pre_tokenizer("cl100k_base"))
    assert cut is not None
    # "b c" is the last letter-space-letter place; " 9" and ", d" are not safe places
    assert cut("a b c 9 ,d") == 3
    assert cut("é σ") == 1  # any letters without a normalizer
    ascii_cut = cut_rule(Lowercase(), get_pre_tokenizer("gpt2"))
    assert ascii_cut is not None and ascii_cut("é σ") == 0 and ascii_cut("x y") == 1
    assert cut_rule(None, Split(r"\s", "removed")) is None  # unknown pattern: whole lines
    assert cut_rule(None, None) is None


def test_run_without_cut_is_bounded_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tokenlab import corpus
    from tokenlab.pre_tokenizers import get_pre_tokenizer

    monkeypatch.setattr(corpus, "READ_BYTES", 16)
    monkeypatch.setattr(corpus, "MAX_RUN_CHARS", 100)
    path = tmp_path / "run.txt"
    path.write_text("x" * 1000, encoding="utf-8")
    cut = corpus.cut_rule(None, get_pre_tokenizer("byte-level"))
    with pytest.warns(UserWarning, match="no place where the pre-tokenizer surely splits"):
        pieces = list(corpus.iter_lines(str(path), cut=cut))
    assert "".join(pieces) == "x" * 1000  # nothing lost
    assert max(map(len, pieces)) <= 100 + 16


def test_long_line_counts_equal_whole_line_counts(tmp_path: Path) -> None:
    """A 12 MB line (3x the longest run kept whole) is read in bounded pieces."""
    import random

    from tokenlab import corpus
    from tokenlab.pre_tokenizers import get_pre_tokenizer

    rng = random.Random(7)
    words = ["".join(rng.choices("abcdefghij", k=rng.randint(1, 8))) for _ in range(3000)]
    words += ["123", "!?", "naïve", "Σας"]
    text = " ".join(rng.choices(words, k=2_000_000))[: 12 << 20]
    path = tmp_path / "line.txt"
    path.write_text(text, encoding="utf-8")
    pre = get_pre_tokenizer("byte-level")
    cut = corpus.cut_rule(None, pre)
    longest = max(len(p) for p in corpus.iter_lines(str(path), cut=cut))
    assert longest <= 2 * corpus.READ_BYTES  # never the whole 12 MB line
    chunked = corpus.count_words_in_files(str(path), None, pre, processes=1)
    assert chunked == count_words([text], None, pre)


def test_sentencepiece_skips_long_lines_without_holding_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SentencePiece skips lines over max_sentence_length: the reader drops them early."""
    from tokenlab import corpus

    monkeypatch.setattr(corpus, "READ_BYTES", 1000)
    normal = "hello world, the quick brown fox\n" * 40
    long_line = "abc def " * 2000 + "\n"  # 16,000 bytes > max_sentence_length=4192
    with_long = tmp_path / "with.txt"
    with_long.write_text(normal + long_line + normal, encoding="utf-8")
    without = tmp_path / "without.txt"
    without.write_text(normal + normal, encoding="utf-8")
    pieces = list(corpus.iter_lines(str(with_long), skip_over=4192))
    assert pieces == list(corpus.iter_lines(str(without)))
    for algorithm in ("sp-bpe", "unigram"):
        kwargs = {
            "algorithm": algorithm,
            "vocab_size": 40,
            "normalizer": "identity",  # (building nmt_nfkc's table is slow, and beside the point)
            "show_progress": False,
        }
        a = tokenlab.train(str(with_long), **kwargs)  # type: ignore[arg-type]
        b = tokenlab.train(str(without), **kwargs)  # type: ignore[arg-type]
        assert a.to_str() == b.to_str()
    # a bad byte inside a dropped line is still reported, at its offset
    bad = tmp_path / "bad.txt"
    bad.write_bytes(normal.encode() + b"x" * 5000 + b"\xff" + b"y\n")
    with pytest.raises(CorpusError, match=rf"byte {len(normal) + 5000} \(line 41\)"):
        list(corpus.iter_lines(str(bad), skip_over=4192))


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(alphabet="".join(map(chr, range(128))), max_size=40), max_size=6))
def test_bert_ascii_counting_equals_tokenizers(texts: list[str]) -> None:
    """Every ASCII char, control chars included, against the anchor's BERT pipeline."""
    tokenizers = pytest.importorskip("tokenizers", reason="the anchor library is not installed")
    from tokenlab.normalizers import BertNormalizer
    from tokenlab.pre_tokenizers import BertPreTokenizer

    norm = tokenizers.normalizers.BertNormalizer(lowercase=True)
    pre = tokenizers.pre_tokenizers.BertPreTokenizer()
    expected = Counter(w for t in texts for w, _ in pre.pre_tokenize_str(norm.normalize_str(t)))
    assert count_words(texts, BertNormalizer(), BertPreTokenizer()) == expected
