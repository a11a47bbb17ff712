"""Tests for tokenlab.charsmap: golden lookups, builder round trip, corrupt blobs, and parity
with sentencepiece (its own charsmap read by us, and our blobs loaded by sentencepiece)."""

from __future__ import annotations

import io
import struct
import unicodedata
from typing import Any

import pytest
from conftest import multilingual_lines
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenlab.charsmap import CharsMap, nmt_nfkc_mapping
from tokenlab.errors import ConfigError, ModelFileError


def _doc_lines() -> list[str]:
    """~300 lines of the docs every CPython ships (deterministic real text)."""
    from pydoc_data.topics import topics

    lines = [ln for key in sorted(topics) for ln in topics[key].splitlines()]
    step = max(1, len(lines) // 300)
    return lines[::step]


DOC_LINES = _doc_lines()


def _multi_lines(limit: int = 400) -> list[str]:
    return multilingual_lines(limit)


# ---------------------------------------------------------------------------------------------
# Golden cases (derived by hand)


def test_longest_match_and_alignments() -> None:
    cm = CharsMap.from_mapping({"a": "b", "aa": "c", "x": "", "ﬁ": "fi"})
    # "aaa": longest match "aa" -> "c" at 0, then "a" -> "b"; "x" is deleted; "ﬁ" gives
    # two chars that both point at the ligature; "z" is copied.
    text, spans = cm.normalize("aaaxﬁz")
    assert text == "cbfiz"
    assert spans == [(0, 2), (2, 3), (4, 5), (4, 5), (5, 6)]
    assert cm.normalize_str("aaaxﬁz") == text


def test_identity_blob() -> None:
    cm = CharsMap.from_bytes(b"")
    assert len(cm) == 0 and cm.normalize_str("a\tb") == "a\tb" and cm.to_bytes() == b""


def test_builder_layout_by_hand() -> None:
    # One rule "A" -> "b". The root (unit 0) has base 256 ^ 0x41 ^ ... : rather than the
    # exact placement, check the darts-clone invariants a reader relies on.
    blob = CharsMap.build({"A": "b"})
    (size,) = struct.unpack_from("<I", blob)
    assert size % 1024 == 0  # whole blocks of 256 units
    assert blob[4 + size :] == b"b\0"
    units = struct.unpack_from(f"<{size // 4}I", blob, 4)
    base = (units[0] >> 10) << ((units[0] & 0x200) >> 6)
    child = units[base ^ 0x41]
    assert child & 0xFF == 0x41 and child & 0x100  # label "A", has a value
    leaf = units[(base ^ 0x41) ^ ((child >> 10) << ((child & 0x200) >> 6))]
    assert leaf == 0x80000000  # value 0 (offset of "b"), leaf bit set


_RULE_CHARS = st.characters(exclude_characters="\0", max_codepoint=0xD7FF) | st.characters(
    min_codepoint=0xE000
)
RULES = st.dictionaries(
    st.text(_RULE_CHARS, min_size=1, max_size=4), st.text(_RULE_CHARS, max_size=4), max_size=40
)


@settings(max_examples=150, deadline=None)
@given(RULES, st.text(max_size=30))
def test_build_read_round_trip(rules: dict[str, str], text: str) -> None:
    blob = CharsMap.build(rules)
    read = CharsMap.from_bytes(blob)
    assert read.mapping == rules
    assert CharsMap.from_mapping(rules) == read
    # Our matcher equals a naive longest-match over the rules.
    longest = max(map(len, rules), default=1)
    out, i = [], 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 0, -1):
            if text[i : i + size] in rules:
                out.append(rules[text[i : i + size]])
                i += size
                break
        else:
            out.append(text[i])
            i += 1
    norm, spans = read.normalize(text)
    assert norm == "".join(out)
    assert len(spans) == len(norm)


def test_build_rejects_bad_rules() -> None:
    with pytest.raises(ConfigError):
        CharsMap.build({"": "x"})
    with pytest.raises(ConfigError):
        CharsMap.build({"a\0": "x"})
    with pytest.raises(ConfigError):
        CharsMap.build({"a": "x\0"})
    with pytest.raises(ConfigError, match="32"):
        CharsMap.build({"a" * n: "x" for n in range(1, 40)})


# ---------------------------------------------------------------------------------------------
# Corrupt blobs


def test_corrupt_blobs_raise_model_file_error() -> None:
    blob = CharsMap.build({"ﬁ": "fi", "\u3000": " ", "e\u0301": "é"})
    (size,) = struct.unpack_from("<I", blob)
    bad = [
        blob[:3],  # no room for the size
        blob[:6],
        struct.pack("<I", 0) + blob[4:],  # empty trie
        struct.pack("<I", size + 4) + blob[4:],  # trie longer than the blob
        struct.pack("<I", size - 2) + blob[4:],  # not whole units
        struct.pack("<I", 0xFFFFFFFF) + blob[4:],
        blob[: 4 + size // 2],  # truncated trie (declared size too large)
        blob[:4] + b"\xff\xff\xff\xff" + blob[8:],  # root unit overwritten
        blob[:4] + struct.pack("<I", 0x80000000 | (0x00200000 << 10)) + blob[8:],
    ]
    for b in bad:
        with pytest.raises(ModelFileError):
            CharsMap.from_bytes(b)
    with pytest.raises(ModelFileError):
        CharsMap.from_bytes("not bytes")  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_corruption_never_crashes(data: Any) -> None:
    blob = bytearray(CharsMap.build({"ﬁ": "fi", "ab": "X", "a": "", "가": "x"}))
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blob)))
    try:
        cm = CharsMap.from_bytes(bytes(blob[:cut]))
    except ModelFileError:
        return
    # Whatever was accepted must normalize or say the file is damaged, also on the slow
    # path: the rules are read on first use (loading a .model stays fast), so a
    # corrupt replacement string is found there, as a ModelFileError, never a crash.
    try:
        cm.normalize("ﬁab\0가\ud800 z")
    except ModelFileError as err:
        assert "charsmap" in str(err)


# ---------------------------------------------------------------------------------------------
# Parity with sentencepiece


def _spm() -> Any:
    return pytest.importorskip(
        "sentencepiece",
        reason="parity tests need the `sentencepiece` package (pip install sentencepiece)",
    )


@pytest.fixture(scope="module")
def spm_model() -> bytes:
    """A tiny nmt_nfkc model trained by sentencepiece: no dummy prefix, no space cleanup."""
    spm = _spm()
    f = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(DOC_LINES),
        model_writer=f,
        vocab_size=200,
        normalization_rule_name="nmt_nfkc",
        add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        minloglevel=2,
    )
    return f.getvalue()


def _proto(model: bytes) -> Any:
    pytest.importorskip("google.protobuf", reason="needs the `protobuf` package")
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()  # type: ignore[attr-defined]
    proto.ParseFromString(model)
    return proto


def _processor(model: bytes, charsmap: bytes | None = None) -> Any:
    spm = _spm()
    proto = _proto(model)
    if charsmap is not None:
        proto.normalizer_spec.precompiled_charsmap = charsmap
    return spm.SentencePieceProcessor(model_proto=proto.SerializeToString())


_READ: dict[bytes, CharsMap] = {}


def _spm_charsmap(model: bytes) -> CharsMap:
    # Reading the 225,000 rules takes half a second: once per module.
    if model not in _READ:
        _READ[model] = CharsMap.from_bytes(_proto(model).normalizer_spec.precompiled_charsmap)
    return _READ[model]


def test_reader_matches_sentencepiece_code_point_by_code_point(spm_model: bytes) -> None:
    sp = _processor(spm_model)
    cm = _spm_charsmap(spm_model)
    chars = [chr(cp) for cp in range(1, 0x110000) if not 0xD800 <= cp <= 0xDFFF]
    # Alone and after "e" (combining marks compose with it).
    for batch in (chars, [f"e{c}" for c in chars[:0x3000]]):
        expected = sp.normalize(batch)
        for text, exp in zip(batch, expected):
            assert cm.normalize_str(text).replace(" ", "▁") == exp, [hex(ord(c)) for c in text]


def test_reader_matches_sentencepiece_on_real_text(spm_model: bytes) -> None:
    sp = _processor(spm_model)
    cm = _spm_charsmap(spm_model)
    lines = DOC_LINES + _multi_lines()
    for line, exp in zip(lines, sp.normalize(lines)):
        assert cm.normalize_str(line).replace(" ", "▁") == exp, line


def test_reader_matches_sentencepiece_on_nul_and_malformed_input(spm_model: bytes) -> None:
    # NUL goes through the byte-level walk; a lone surrogate is what sentencepiece sees as
    # three malformed bytes, each of which it turns into U+FFFD (its Python binding refuses
    # such a str, so compare through bytes).
    sp = _processor(spm_model)
    cm = _spm_charsmap(spm_model)
    for text in ["a\0b", "\0\t", "\0", "ﬁ\0\u3000", "x\ud800y", "\udfff\0ﬁ", "e\0\u0301"]:
        exp = sp.normalize(text.encode("utf-8", "surrogatepass")).decode("utf-8")
        assert cm.normalize_str(text).replace(" ", "▁") == exp, repr(text)


def test_sentencepiece_accepts_built_blobs(spm_model: bytes) -> None:
    # Recompile sentencepiece's own rules with our builder, and our nmt_nfkc rules: the
    # model loads, and normalizes and encodes exactly like the original on real text.
    original = _processor(spm_model)
    own_rules = CharsMap.build(_spm_charsmap(spm_model).mapping)
    lines = DOC_LINES + _multi_lines()
    for blob in (own_rules, CharsMap.nmt_nfkc().to_bytes()):
        rebuilt = _processor(spm_model, blob)
        assert rebuilt.normalize(lines) == original.normalize(lines)
        assert rebuilt.encode(lines) == original.encode(lines)


def test_nmt_nfkc_rules_equal_sentencepiece_rules(spm_model: bytes) -> None:
    # Key by key, except rules involving chars that are unassigned in Python's Unicode
    # database (sentencepiece 0.2.3 was built with Unicode 16 data; on Python 3.11 that is
    # Unicode 14, so 477 rules for chars added in Unicode 15.0-16.0 are missing).
    theirs = _spm_charsmap(spm_model).mapping
    ours = nmt_nfkc_mapping()

    def assigned(s: str) -> bool:
        return all(unicodedata.category(c) != "Cn" for c in s)

    newer = {k for k in theirs if not assigned(k)}
    assert {k: v for k, v in theirs.items() if k not in newer} == ours
    assert len(newer) < 1000, f"{len(newer)} rules for chars Python does not know"
    # What tokenlab uses is sentencepiece's own blob, byte for byte.
    assert CharsMap.nmt_nfkc().to_bytes() == _spm_charsmap(spm_model).to_bytes()
