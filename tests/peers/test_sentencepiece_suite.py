"""sentencepiece's own Python tests (google/sentencepiece ``python/test/``), asked of tokenlab.

The models are the two that test suite ships (``tests/peers/data``, provenance and
licence in ``tests/peers/data/PROVENANCE.md``): ``test_model.model`` (English,
Unigram, 1,000 pieces) and ``test_ja_model.model`` (Japanese, Unigram, 8,000
pieces). Inputs and expected values are sentencepiece's; only the API is
tokenlab's: ``Tokenizer.from_file`` for ``SentencePieceProcessor(model_file=...)``,
``encode(...).ids``/``.tokens`` for ``EncodeAsIds``/``EncodeAsPieces``,
``encode(..., nbest_size=, alpha=, seed=)`` for ``SampleEncodeAs*``, the model's
``nbest`` for ``NBestEncodeAs*``, the normalizer's ``normalize`` for
``Normalize(..., with_offsets=True)``. Where sentencepiece's expected values are not
written in its test (a model trained on ``botchan.txt``), sentencepiece itself gives
them here. Each test names the original (``sentencepiece_test.py::test_x``).
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import pytest
from conftest import multilingual_lines, pydoc_lines

import tokenlab
from tokenlab import Tokenizer
from tokenlab.normalizers import NormalizedString, SentencePieceNormalization
from tokenlab.processors import TemplateProcessing

DATA = Path(__file__).resolve().with_name("data")


@pytest.fixture(scope="module")
def model_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("sp_suite")
    paths = {}
    for name in ("test_model", "test_ja_model"):
        paths[name] = out / f"{name}.model"
        paths[name].write_bytes(gzip.decompress((DATA / f"{name}.model.gz").read_bytes()))
    return paths


@pytest.fixture(scope="module")
def sp(model_files: dict[str, Path]) -> Tokenizer:
    return Tokenizer.from_file(model_files["test_model"])


@pytest.fixture(scope="module")
def jasp(model_files: dict[str, Path]) -> Tokenizer:
    return Tokenizer.from_file(model_files["test_ja_model"])


def anchor(path: Path) -> object:
    spm = pytest.importorskip("sentencepiece", reason="parity needs sentencepiece")
    return spm.SentencePieceProcessor(model_file=str(path))


# -- loading ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), [("sp", 1000), ("jasp", 8000)])
def test_load(request: pytest.FixtureRequest, name: str, size: int) -> None:
    # sentencepiece_test.py::test_load and test_ja_load
    tok = request.getfixturevalue(name)
    assert tok.get_vocab_size() == size
    assert [tok.token_to_id(p) for p in ("<unk>", "<s>", "</s>")] == [0, 1, 2]
    assert [tok.id_to_token(i) for i in (0, 1, 2)] == ["<unk>", "<s>", "</s>"]
    assert tok.token_to_id("<pad>") is None  # pad_id() == -1: no pad piece
    for i in range(size):
        assert tok.token_to_id(tok.id_to_token(i)) == i


# -- encoding and decoding ----------------------------------------------------------------


def words(tok: Tokenizer, text: str) -> list[str]:
    """The words the model sees: normalized, cut at each ``▁``."""
    norm = tok.normalizer.normalize_str(text) if tok.normalizer is not None else text
    assert tok.pre_tokenizer is not None
    return tok.pre_tokenizer.words(norm)


@pytest.mark.parametrize(
    ("name", "text"), [("sp", "I saw a girl with a telescope."), ("jasp", "清水寺は京都にある。")]
)
def test_roundtrip(request: pytest.FixtureRequest, name: str, text: str) -> None:
    # sentencepiece_test.py::test_roundtrip and test_ja_roundtrip (calculate_entropy: README)
    tok = request.getfixturevalue(name)
    enc = tok.encode(text)
    assert tok.decode(enc.ids) == text
    # The best of the n-best segmentations is the encoding, word by word.
    best = [tok.model.nbest(w, 10)[0][0] for w in words(tok, text)]
    assert [i for ids in best for i in ids] == enc.ids
    for seed in range(100):
        for nbest_size in (64, -1):
            ids = tok.encode(text, nbest_size=nbest_size, alpha=0.5, seed=seed).ids
            assert tok.decode(ids) == text


def test_roundtrip_matches_sentencepiece(model_files: dict[str, Path]) -> None:
    # sentencepiece_test.py::test_roundtrip and test_ja_roundtrip: the ids and pieces
    # sentencepiece gives, on its texts and on ours.
    for name in ("test_model", "test_ja_model"):
        theirs = anchor(model_files[name])
        ours = Tokenizer.from_file(model_files[name])
        texts = ["I saw a girl with a telescope.", "清水寺は京都にある。", "hello world", "Tokyo"]
        texts += multilingual_lines()[::60]
        for text in texts:
            assert ours.encode(text).ids == theirs.encode(text), text  # type: ignore[attr-defined]
            if 0 not in theirs.encode(text):  # type: ignore[attr-defined]
                assert ours.decode(ours.encode(text).ids) == theirs.decode(theirs.encode(text))  # type: ignore[attr-defined]


def test_decode_unknown_matches_sentencepiece(model_files: dict[str, Path]) -> None:
    # sentencepiece_test.py::test_roundtrip (DecodeIds) on text with unknown chars.
    theirs = anchor(model_files["test_model"])
    ours = Tokenizer.from_file(model_files["test_model"])
    ids = ours.encode("清水寺は京都にある。").ids
    assert ours.decode(ids) == theirs.decode(ids)  # type: ignore[attr-defined]


def test_nbest(sp: Tokenizer) -> None:
    # sentencepiece_test.py::test_nbest: every n-best segmentation spells the text
    # (word by word here: tokenlab's n-best is the model's, one word at a time).
    for text in ("hello world", "I have a pen."):
        for word in words(sp, text):
            results = sp.model.nbest(word, 10)
            assert 1 <= len(results) <= 10
            for ids, _spans, _score in results:
                assert "".join(sp.id_to_token(i) for i in ids) == word


def test_sampling(sp: Tokenizer) -> None:
    # sentencepiece_test.py::test_sampling: sampling varies, the best path does not.
    sampled = {tuple(sp.encode("hello world", nbest_size=-1, alpha=0.1).ids) for _ in range(100)}
    assert len(sampled) > 1
    best = {tuple(sp.encode("hello world").ids) for _ in range(100)}
    assert len(best) == 1
    batch = sp.encode_batch(["hello world", "this is a test"])
    assert len(batch) == 2


def test_new_api(sp: Tokenizer, model_files: dict[str, Path]) -> None:
    # sentencepiece_test.py::test_new_api (ids, pieces, batches, empty decode)
    theirs = anchor(model_files["test_model"])
    for text in ("hello world", "Tokyo"):
        assert sp.encode(text).ids == theirs.encode(text)  # type: ignore[attr-defined]
        assert sp.encode(text).tokens == theirs.encode(text, out_type=str)  # type: ignore[attr-defined]
    ids = [e.ids for e in sp.encode_batch(["hello world", "Tokyo"])]
    assert ids == [sp.encode("hello world").ids, sp.encode("Tokyo").ids]
    assert sp.decode_batch(ids) == ["hello world", "Tokyo"]
    assert sp.decode([]) == ""
    assert sp.decode_batch([[]]) == [""]


def test_new_api_bos_eos(model_files: dict[str, Path]) -> None:
    # sentencepiece_test.py::test_new_api (add_bos, add_eos) and test_new_api_init: a
    # template post-processor adds <s> and </s> around the pieces.
    tok = Tokenizer.from_file(model_files["test_model"])
    plain = tok.encode("hello world")
    tok.post_processor = TemplateProcessing("<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)])
    enc = tok.encode("hello world")
    assert enc.ids == [1, *plain.ids, 2]
    assert enc.tokens == ["<s>", *plain.tokens, "</s>"]
    tok.post_processor = TemplateProcessing("$A </s>", special_tokens=[("</s>", 2)])
    assert tok.encode("hello world").tokens == [*plain.tokens, "</s>"]
    assert tok.encode("hello world", add_special_tokens=False).ids == plain.ids


def test_emit_unk_piece(sp: Tokenizer) -> None:
    # sentencepiece_test.py::test_new_api (emit_unk_piece=True): an unknown char is the
    # unknown id.
    ids = sp.encode("藤").ids
    assert ids[1] == sp.token_to_id("<unk>") == 0


def test_unk_piece_surface(sp: Tokenizer) -> None:
    # sentencepiece_test.py::test_new_api (emit_unk_piece=False): the piece of an
    # unknown char is the char itself.
    assert sp.encode("藤").tokens[1] == "藤"


def test_piece_offsets(jasp: Tokenizer, model_files: dict[str, Path]) -> None:
    # sentencepiece_test.py::test_immutable_proto ("Japanese offset"): each piece's
    # span of the input is its surface, as sentencepiece reports begin and end.
    text = "吾輩は猫である。Hello world. ABC 123"
    theirs = anchor(model_files["test_ja_model"]).encode(text, return_type="proto")  # type: ignore[attr-defined]
    enc = jasp.encode(text)
    assert enc.ids == [p.id for p in theirs.pieces]
    assert [(p.begin, p.end) for p in theirs.pieces] == [
        (len(text[:s].encode()), len(text[:e].encode())) for s, e in enc.offsets
    ]


def test_decode_text(jasp: Tokenizer, model_files: dict[str, Path]) -> None:
    # sentencepiece_test.py::test_decode_bytes (the text decoded, batch and single)
    theirs = anchor(model_files["test_ja_model"])
    texts = ["Hello world", "清水寺は京都にある。"]
    ids = [e.ids for e in jasp.encode_batch(texts)]
    assert jasp.decode_batch(ids) == theirs.decode(ids)  # type: ignore[attr-defined]
    assert jasp.decode(ids[0]) == theirs.decode(ids[0])  # type: ignore[attr-defined]


def test_valid_range(sp: Tokenizer) -> None:
    # sentencepiece_test.py::test_valid_range: ids in range decode, the vocabulary size
    # does not.
    size = sp.get_vocab_size()
    sp.decode([10, 20, 30])
    assert all(sp.id_to_token(i) is not None for i in (10, 20, 30))
    assert sp.id_to_token(size) is None
    with pytest.raises(ValueError):
        sp.decode([size])


def test_batch(sp: Tokenizer) -> None:
    # sentencepiece_test.py::test_batch: the thread count never changes a result (on
    # CPython's pydoc text: botchan.txt is not shipped here).
    texts = pydoc_lines(2000)
    one = [sp.encode(t).ids for t in texts]
    for threads in (None, 1, 8):
        assert [e.ids for e in sp.encode_batch(texts, num_threads=threads)] == one
        assert sp.encode_ordinary_batch(texts, num_threads=threads) == one
    assert sp.decode_batch(one) == [sp.decode(i) for i in one]


def test_pickle(sp: Tokenizer) -> None:
    # sentencepiece_test.py::test_pickle
    before = sp.encode("hello world.").ids
    assert pickle.loads(pickle.dumps(sp)).encode("hello world.").ids == before


# -- normalization ------------------------------------------------------------------------


def normalize_with_offsets(normalizer: object, text: str) -> tuple[str, list[int]]:
    """sentencepiece's ``Normalize(text, with_offsets=True)``: the text and, for each of
    its chars and its end, the input offset it comes from."""
    ns = normalizer.normalize(NormalizedString.from_str(text))  # type: ignore[attr-defined]
    starts = [s for s, _ in ns.alignments]
    return ns.normalized, [*starts, ns.alignments[-1][1] if ns.alignments else 0]


def test_normalize(sp: Tokenizer) -> None:
    # sentencepiece_test.py::test_normalize (text offsets; the byte offsets are the same
    # spans counted in UTF-8)
    assert sp.normalizer is not None
    assert sp.normalizer.normalize_str("ＫＡＤＯＫＡＷＡABC") == "▁KADOKAWAABC"
    assert normalize_with_offsets(sp.normalizer, "ＫＡＤＯＫＡＷＡABC") == (
        "▁KADOKAWAABC",
        [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    )
    assert normalize_with_offsets(sp.normalizer, "㍻") == ("▁平成", [0, 0, 0, 1])


def with_options(
    sp: Tokenizer, prefix: bool, escape: bool, remove: bool
) -> SentencePieceNormalization:
    assert isinstance(sp.normalizer, SentencePieceNormalization)
    return SentencePieceNormalization(
        sp.normalizer.charsmap_bytes,
        add_dummy_prefix=prefix,
        escape_whitespaces=escape,
        remove_extra_whitespaces=remove,
    )


def test_normalizer(sp: Tokenizer) -> None:
    # sentencepiece_test.py::test_normalizer: the model's rules, without the dummy prefix
    # and space escaping that SentencePieceNormalizer leaves out by default.
    bare = with_options(sp, prefix=False, escape=False, remove=True)
    assert bare.normalize_str("ＫＡＤＯＫＡＷＡABC") == "KADOKAWAABC"
    assert normalize_with_offsets(bare, "ＫＡＤＯＫＡＷＡABC") == (
        "KADOKAWAABC",
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    )
    assert normalize_with_offsets(bare, "㍻") == ("平成", [0, 0, 1])
    keep = with_options(sp, prefix=True, escape=True, remove=False)
    assert keep.normalize_str("hello  world") == "▁hello▁▁world"
    squeeze = with_options(sp, prefix=True, escape=True, remove=True)
    assert squeeze.normalize_str("  hello  world  ") == "▁hello▁world"
    plain = with_options(sp, prefix=False, escape=False, remove=True)
    assert plain.normalize_str("  hello  world  ") == "hello world"


def test_normalizer_rule() -> None:
    # sentencepiece_test.py::test_normalizer_rule (identity; nfkc_cf: README)
    identity = SentencePieceNormalization(None, add_dummy_prefix=False, escape_whitespaces=False)
    assert identity.normalize_str("ＡＢＣ") == "ＡＢＣ"


def test_override_normalize_spec(model_files: dict[str, Path]) -> None:
    # sentencepiece_test.py::test_override_normalize_spec
    tok = Tokenizer.from_file(model_files["test_model"])
    assert tok.encode(" hello  world ").tokens == ["▁he", "ll", "o", "▁world"]
    tok.normalizer = with_options(tok, prefix=False, escape=False, remove=False)
    tok.pre_tokenizer = None
    expected = [" ", "he", "ll", "o", "  ", "w", "or", "l", "d", " "]
    enc = tok.encode(" hello  world ")
    # " " and "  " are no pieces of this model: sentencepiece emits them as unknown.
    assert enc.ids == [tok.token_to_id(t) or 0 for t in expected]
    # The spaces are unknown pieces; their surface is test_unk_piece_surface's matter.
    known = [t for t, i in zip(expected, enc.ids) if i != 0]
    assert [t for t, i in zip(enc.tokens, enc.ids) if i != 0] == known
    assert len(enc.tokens) == len(expected)


# -- training -----------------------------------------------------------------------------


def corpus() -> list[str]:
    """What the tests train on (sentencepiece's botchan.txt is not shipped here)."""
    return [line for line in pydoc_lines(6000) if line.strip()]


@pytest.fixture(scope="module")
def trained() -> Tokenizer:
    return tokenlab.train(iter(corpus()), algorithm="unigram", vocab_size=1000, show_progress=False)


def test_train(trained: Tokenizer) -> None:
    # sentencepiece_test.py::test_train: every line encodes and decodes (to itself,
    # spaces squeezed, where no char is unknown).
    assert trained.get_vocab_size() == 1000
    for line in corpus():
        ids = trained.encode(line).ids
        text = trained.decode(ids)
        if 0 not in ids and line.isascii():
            assert text == " ".join(line.split()), line


def test_train_iterator(trained: Tokenizer, tmp_path: Path) -> None:
    # sentencepiece_test.py::test_train_iterator: a file and an iterator over its lines
    # train the same pieces.
    path = tmp_path / "corpus.txt"
    path.write_text("".join(line if line.endswith("\n") else line + "\n" for line in corpus()))
    from_file = tokenlab.train(str(path), algorithm="unigram", vocab_size=1000, show_progress=False)
    assert from_file.get_vocab() == trained.get_vocab()


def test_train_kwargs() -> None:
    # sentencepiece_test.py::test_train_kwargs: user-defined symbols survive, whitespace
    # and control chars among them.
    symbols = ["foo", "bar", ",", " ", "\t", "\b", "\n", "\r"]
    tok = tokenlab.train(
        iter(corpus()),
        algorithm="unigram",
        vocab_size=1002,
        user_defined_symbols=symbols,
        show_progress=False,
    )
    for line in corpus()[:500]:
        tok.decode(tok.encode(line).ids)
    s = "hello\tworld\r\nthis\tis a \b pen"
    assert tok.decode(tok.encode(s).ids) == s
