"""Decoding of SentencePiece ``.model`` pipelines against sentencepiece itself.

Every model here is trained by ``sentencepiece`` inside the test (on the suite's
multilingual text) with the options under test: a denormalizer and a custom
normalization rule TSV, ``treat_whitespace_as_suffix`` (Marian's models),
``add_dummy_prefix``/``remove_extra_whitespaces`` off, ``split_by_whitespace=False``,
byte fallback, control and user-defined symbols, a custom ``unk_surface``. Each is
loaded by tokenlab and must encode and decode as ``SentencePieceProcessor`` does:
on held-out text, code-like and whitespace-heavy text, and random id sequences
(Hypothesis), which reach control, unknown and byte pieces in any order.
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_proven_tie, multilingual_lines, pydoc_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tokenlab
from tokenlab import cli
from tokenlab.decoders import SentencePieceDecoder
from tokenlab.errors import TokenIdError
from tokenlab.export.sentencepiece import write_sentencepiece
from tokenlab.export.sentencepiece_proto import parse_model
from tokenlab.models import SentencePieceUnigram

spm = pytest.importorskip("sentencepiece", reason="parity with sentencepiece")

SPACES = [
    "",
    " ",
    "   ",
    " x",
    "x ",
    "  a  b ",
    "\t\tq",
    "a\u2581b",
    "\u2581\u2581a",
    " \u2581 a",
    "E ",
    "E  E",
    "<s> a </s> <unk> <0x41>",
    "日本語 🙂 ok  Ünïcödé\u3000x",
]


def _texts() -> list[str]:
    multi = multilingual_lines(1200)[1::2]
    code = [line.rstrip("\n") for line in pydoc_lines(400) if line.strip()]
    # The same text with its spaces doubled and around it: the leading-space rules.
    spaced = ["  " + t.replace(" ", "   ") + "  " for t in multi[:150]]
    return multi + code + spaced + SPACES


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spdec") / "train.txt"
    lines = multilingual_lines(1200)[::2] + [t.rstrip("\n") for t in pydoc_lines(400)[::2]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _train(corpus: Path, name: str, **options: Any) -> Path:
    prefix = corpus.parent / name
    options.setdefault("vocab_size", 1500)
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), minloglevel=2, **options
    )
    return prefix.with_suffix(".model")


def _assert_same_encoding(tok: tokenlab.Tokenizer, sp: Any, texts: list[str]) -> None:
    """Equal ids, except float32-level ties of Unigram, which must stay rare."""
    ties = 0
    for text in texts:
        ours, theirs = tok.encode(text).ids, sp.encode(text)
        if ours != theirs:
            assert isinstance(tok.model, SentencePieceUnigram), (text, ours, theirs)
            assert_proven_tie(tok.model.pieces, ours, theirs, rel=1e-5)
            ties += 1
    assert ties <= max(2, len(texts) // 100)


def _random_ids(size: int, special: list[int], count: int, seed: int) -> Iterator[list[int]]:
    rng = random.Random(seed)
    for _ in range(count):
        pool = special if rng.random() < 0.3 else range(size)
        yield [rng.choice(pool) if rng.random() < 0.5 else rng.randrange(size) for _ in range(8)]


def _special_ids(sp: Any) -> list[int]:
    """Ids of the control, unknown, user-defined and byte pieces (never empty: unk)."""
    return [
        i
        for i in range(sp.get_piece_size())
        if sp.is_control(i)
        or sp.is_unknown(i)
        or sp.is_byte(i)
        or sp.is_unused(i)
        or sp.id_to_piece(i).startswith("<")
    ]


def _assert_same_decoding(tok: tokenlab.Tokenizer, sp: Any, texts: list[str]) -> None:
    for text in texts:
        ids = sp.encode(text)
        assert tok.decode(ids) == sp.decode(ids), (text, ids)
    size = sp.get_piece_size()
    for ids in _random_ids(size, _special_ids(sp), 600, seed=size):
        assert tok.decode(ids) == sp.decode(ids), ids


# -- whitespace options: Marian's suffix, no dummy prefix, kept spaces -------------------------

WHITESPACE = {
    "marian-suffix": {"model_type": "unigram", "treat_whitespace_as_suffix": True},
    "suffix-bpe-keep-spaces": {
        "model_type": "bpe",
        "treat_whitespace_as_suffix": True,
        "remove_extra_whitespaces": False,
    },
    "suffix-no-dummy-byte-fallback": {
        "model_type": "bpe",
        "treat_whitespace_as_suffix": True,
        "add_dummy_prefix": False,
        "remove_extra_whitespaces": False,
        "byte_fallback": True,
    },
    "no-dummy-prefix": {"model_type": "unigram", "add_dummy_prefix": False},
    "keep-spaces": {"model_type": "unigram", "remove_extra_whitespaces": False},
    "keep-spaces-no-dummy": {
        "model_type": "bpe",
        "remove_extra_whitespaces": False,
        "add_dummy_prefix": False,
    },
    "no-split-by-whitespace": {"model_type": "unigram", "split_by_whitespace": False},
    "no-split-keep-spaces-bpe": {
        "model_type": "bpe",
        "split_by_whitespace": False,
        "remove_extra_whitespaces": False,
    },
}


@pytest.mark.parametrize("name", list(WHITESPACE))
def test_whitespace_options_encode_and_decode_as_sentencepiece(
    corpus_file: Path, name: str
) -> None:
    path = _train(corpus_file, name, **WHITESPACE[name])
    sp = spm.SentencePieceProcessor(model_file=str(path))
    tok = tokenlab.Tokenizer.from_file(path)
    texts = _texts()
    _assert_same_encoding(tok, sp, texts)
    _assert_same_decoding(tok, sp, texts)


def test_leading_space_rules_by_hand() -> None:
    # sentencepiece drops a leading "▁" while nothing is written: with the dummy prefix
    # only from the first piece, with remove_extra_whitespaces from each piece until text
    # appears; control pieces write nothing and the unknown piece writes its surface.
    pieces = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("▁", -1.0, 1), ("▁a", -2.0, 1)]
    tokens = ["<s>", "▁", "▁", "▁a"]

    def decode(dummy: bool, extra: bool, toks: list[str] = tokens) -> str:
        decoder = SentencePieceDecoder(
            pieces, add_dummy_prefix=dummy, remove_extra_whitespaces=extra
        )
        return decoder.decode(toks)

    assert decode(True, False) == "  a"
    assert decode(True, True) == "a"
    assert decode(False, True) == "a"
    assert decode(False, False) == "   a"
    assert decode(True, True, ["<unk>", "▁a"]) == " \u2047  a"
    assert decode(True, False, ["▁a\u2581b\u2581"]) == "a b "  # only the leading one


# -- control, user-defined, unknown and byte pieces ------------------------------------------


@pytest.fixture(scope="module")
def typed_model(corpus_file: Path) -> Path:
    return _train(
        corpus_file,
        "typed",
        model_type="bpe",
        byte_fallback=True,
        control_symbols=["<mask>"],
        user_defined_symbols=["<sep>", "ab\u2581c"],
    )


def test_control_pieces_are_invisible_user_defined_kept(typed_model: Path) -> None:
    sp = spm.SentencePieceProcessor(model_file=str(typed_model))
    tok = tokenlab.Tokenizer.from_file(typed_model)
    bos, eos, mask = (tok.token_to_id(p) for p in ("<s>", "</s>", "<mask>"))
    a = sp.encode("a")
    ids = [bos, *a, mask, eos]
    assert tok.decode(ids) == "a" == sp.decode(ids)
    # A control piece in front does not end the leading-space rule.
    ids = [bos, mask, *sp.encode("b c")]
    assert tok.decode(ids) == "b c" == sp.decode(ids)
    sep = sp.encode("x<sep>y")
    assert tok.decode(sep) == "x<sep>y" == sp.decode(sep)
    unk = tok.token_to_id("<unk>")
    ids = [unk, *a, unk]
    assert tok.decode(ids) == " \u2047  a \u2047 " == sp.decode(ids)
    _assert_same_decoding(tok, sp, _texts())


def test_byte_runs_decode_per_char(typed_model: Path) -> None:
    # sentencepiece reads a run of byte pieces char by char: an invalid byte is one
    # U+FFFD and a valid char after it stays (tokenizers' ByteFallback would give
    # U+FFFD for every byte of the run).
    sp = spm.SentencePieceProcessor(model_file=str(typed_model))
    tok = tokenlab.Tokenizer.from_file(typed_model)

    def byte_ids(data: bytes) -> list[int]:
        return [tok.token_to_id(f"<0x{b:02X}>") for b in data]  # type: ignore[misc]

    for data, text in [
        (b"\xc3A", "\ufffdA"),
        (b"\xc3\xa9", "é"),
        (b"\xe2\x82", "\ufffd\ufffd"),
        (b"\xed\xa0\x80z", "\ufffd\ufffd\ufffdz"),  # a surrogate is no char
        (b"\xf4\x90\x80\x80", "\ufffd" * 4),  # above U+10FFFF
        (b"\xc0\x80", "\ufffd\ufffd"),  # overlong
        (b"\xf0\x9f\x99\x82\xff", "🙂\ufffd"),
    ]:
        ids = byte_ids(data)
        assert tok.decode(ids) == text == sp.decode(ids), data


def test_unk_surface_of_the_trainer_spec(corpus_file: Path) -> None:
    path = _train(corpus_file, "surface", model_type="unigram", unk_surface="<?>")
    sp = spm.SentencePieceProcessor(model_file=str(path))
    tok = tokenlab.Tokenizer.from_file(path)
    ids = tok.encode("a \U0001d11e b").ids
    assert tok.decode(ids) == sp.decode(ids)
    assert "<?>" in tok.decode(ids)


# -- ids outside the vocabulary --------------------------------------------------------------


def test_ids_outside_the_vocabulary_are_refused(typed_model: Path, tmp_path: Path) -> None:
    sp = spm.SentencePieceProcessor(model_file=str(typed_model))
    tok = tokenlab.Tokenizer.from_file(typed_model)
    size = tok.get_vocab_size()
    for bad in ([size], [5, size + 7], [-1]):
        with pytest.raises(IndexError):
            sp.decode(bad)
        with pytest.raises(TokenIdError, match=f"id {bad[-1]} .*{size} pieces") as info:
            tok.decode(bad)
        assert isinstance(info.value, (ValueError, IndexError))
    with pytest.raises(TokenIdError):
        tok.decode_batch([[5], [size]])
    # An added token's id is a valid id, past the pieces.
    tok.add_tokens(["<extra>"])
    assert tok.decode([tok.token_to_id("<extra>")]) == "<extra>"  # type: ignore[list-item]


def test_the_cli_skips_what_it_says_it_skips(
    typed_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `tokenlab decode` warns about ids that are no token and decodes the others, for a
    # .model too (whose decode would refuse them).
    tok = tokenlab.Tokenizer.from_file(typed_model)
    ids = tok.encode("a b").ids
    size = tok.get_vocab_size()
    argv = ["decode", "-t", str(typed_model), *map(str, [*ids, size + 3])]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    assert out == tok.decode(ids) + "\n"
    assert f"1 id(s) are no token of {typed_model} and were skipped: {size + 3}" in err


def test_a_tokenizer_json_keeps_the_skip_rule_of_tokenizers(
    corpus_file: Path, tmp_path: Path
) -> None:
    tokenizers = pytest.importorskip("tokenizers", reason="parity with tokenizers")
    tok = tokenlab.Tokenizer.from_file(_train(corpus_file, "plain", model_type="unigram"))
    size = tok.get_vocab_size()
    tok.save(tmp_path / "tokenizer.json")
    reloaded = tokenlab.Tokenizer.from_file(tmp_path / "tokenizer.json")
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    ids = [*tok.encode("a b").ids, size + 50]
    assert reloaded.decode(ids) == hf.decode(ids) == "a b"


# -- the denormalizer ----------------------------------------------------------------------

#: A custom normalization (German transliteration, a fullwidth letter, an ellipsis) and a
#: denormalizer that undoes it and tidies spaces; multi-char sources on both sides.
NORMALIZATION = {"Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ä": "ae", "ü": "ue", "ß": "ss"}
NORMALIZATION |= {"…": "...", "\u3000": " ", "Ｅ": "E"}
DENORMALIZATION = {"Ae": "Ä", "Oe": "Ö", "Ue": "Ü", "ae": "ä", "ue": "ü", "...": "…"}
DENORMALIZATION |= {" ,": ",", "E ": "É ", "  ": " "}


def _rule_tsv(path: Path, rules: dict[str, str]) -> Path:
    def hexes(text: str) -> str:
        return " ".join(f"{ord(c):X}" for c in text)

    path.write_text("".join(f"{hexes(a)}\t{hexes(b)}\n" for a, b in rules.items()))
    return path


@pytest.mark.parametrize("model_type", ["bpe", "unigram"])
def test_denormalizer_applies_on_decode(corpus_file: Path, model_type: str, tmp_path: Path) -> None:
    path = _train(
        corpus_file,
        f"denorm-{model_type}",
        model_type=model_type,
        byte_fallback=True,
        normalization_rule_tsv=str(_rule_tsv(tmp_path / "norm.tsv", NORMALIZATION)),
        denormalization_rule_tsv=str(_rule_tsv(tmp_path / "denorm.tsv", DENORMALIZATION)),
    )
    sp = spm.SentencePieceProcessor(model_file=str(path))
    tok = tokenlab.Tokenizer.from_file(path)
    texts = [*_texts(), "Über Äpfel , Öl ... Straße", "E E  E", "Ｅ ", "ueue Ue", "Ae"]
    _assert_same_encoding(tok, sp, texts)
    _assert_same_decoding(tok, sp, texts)
    ids = tok.encode("Über Äpfel , Öl ... Straße E x").ids
    assert tok.decode(ids) == "Über Äpfel, Öl … Strasse É x"  # the rules above, by hand
    # The denormalizer is kept through pickling and written back to a .model.
    assert pickle.loads(pickle.dumps(tok)).decode(ids) == tok.decode(ids)
    write_sentencepiece(tok, tmp_path / "back.model")
    original = parse_model(path.read_bytes())
    back = parse_model((tmp_path / "back.model").read_bytes())
    assert back.denormalizer_spec == original.denormalizer_spec is not None
    again = spm.SentencePieceProcessor(model_file=str(tmp_path / "back.model"))
    assert again.decode(ids) == sp.decode(ids)


# -- random ids, Hypothesis ----------------------------------------------------------------


@pytest.fixture(scope="module")
def pair(typed_model: Path) -> tuple[tokenlab.Tokenizer, Any, list[int]]:
    sp = spm.SentencePieceProcessor(model_file=str(typed_model))
    return tokenlab.Tokenizer.from_file(typed_model), sp, _special_ids(sp)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_ids_decode_as_sentencepiece(
    pair: tuple[tokenlab.Tokenizer, Any, list[int]], data: st.DataObject
) -> None:
    tok, sp, special = pair
    size = sp.get_piece_size()
    one_id = st.one_of(st.integers(0, size - 1), st.sampled_from(special))
    ids = data.draw(st.lists(one_id, max_size=24))
    assert tok.decode(ids) == sp.decode_ids(ids)
