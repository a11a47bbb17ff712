"""The disk cache of compiled charsmaps gives back exactly what building them gives.

``CharsMap.nmt_nfkc()`` reads the blob tokenlab ships; listing the keys of a large
blob (a second or two, on first use of its rules) keeps its result in
``TOKENLAB_CACHE_DIR``. A cached map must be byte for byte and
rule for rule the one built without the cache, and a damaged cache file must be
ignored and replaced.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tokenlab import charsmap as charsmap_module
from tokenlab.charsmap import CharsMap

SAMPLE = "ﬁne Ａ wörld\u3000— “quoted” 가\u1100\u1161 \x01\t end"


def test_nmt_nfkc_is_the_shipped_blob() -> None:
    # No build and no cache: the rules ship as a file, read back byte for byte.
    with open(charsmap_module.NMT_NFKC_PATH, "rb") as f:
        assert CharsMap.nmt_nfkc().to_bytes() == f.read()
    fresh = charsmap_module._nmt_nfkc_charsmap.__wrapped__()  # type: ignore[attr-defined]
    assert fresh.normalize(SAMPLE) == CharsMap.nmt_nfkc().normalize(SAMPLE)


def test_keys_cache_survives_damage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blob = CharsMap.nmt_nfkc().to_bytes()
    monkeypatch.setenv("TOKENLAB_CACHE_DIR", "")  # off
    fresh = CharsMap.from_bytes(blob).mapping
    monkeypatch.setenv("TOKENLAB_CACHE_DIR", str(tmp_path))
    assert CharsMap.from_bytes(blob).mapping == fresh  # listed, then written
    files = list(tmp_path.glob("keys-*.bin"))
    assert len(files) == 1
    # A damaged file (cut short, or one byte flipped) is not used; it is rewritten.
    data = files[0].read_bytes()
    name = files[0].name.rsplit("-", 1)[0]
    for damaged in (data[: len(data) // 2], data[:40], b""):
        files[0].write_bytes(damaged)
        assert charsmap_module._read_cache(name) is None
    files[0].write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    assert charsmap_module._read_cache(name) is None
    assert CharsMap.from_bytes(blob).mapping == fresh
    assert files[0].read_bytes() == data


def test_from_bytes_cache_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blob = CharsMap.nmt_nfkc().to_bytes()
    monkeypatch.setenv("TOKENLAB_CACHE_DIR", "")
    fresh = CharsMap.from_bytes(blob)
    monkeypatch.setenv("TOKENLAB_CACHE_DIR", str(tmp_path))
    first = CharsMap.from_bytes(blob)
    assert not list(tmp_path.glob("keys-*.bin")), "loading a blob lists no rules"
    assert first.mapping == fresh.mapping  # the first use lists them, and caches them
    assert len(list(tmp_path.glob("keys-*.bin"))) == 1
    second = CharsMap.from_bytes(blob)
    for cm in (first, second):
        assert cm.to_bytes() == blob
        assert cm.mapping == fresh.mapping == CharsMap.nmt_nfkc().mapping
    # A small map is not worth a file.
    assert CharsMap.from_bytes(CharsMap.build({"a": "b"})).mapping == {"a": "b"}
    assert len(list(tmp_path.iterdir())) == 1


def test_stale_entries_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENLAB_CACHE_DIR", str(tmp_path))
    blob = CharsMap.nmt_nfkc().to_bytes()
    # The same entry from another version of tokenlab (another code digest), and more
    # rule sets of other blobs than are kept, all older.
    name = f"keys-{hashlib.sha256(blob).hexdigest()[:32]}"
    stale = tmp_path / f"{name}-0123456789abcdef.bin"
    stale.write_bytes(b"old")
    others = [tmp_path / f"keys-{i:032x}-0123456789abcdef.bin" for i in range(10)]
    for i, other in enumerate(others):
        other.write_bytes(b"other")
        os.utime(other, (1_000_000 + i, 1_000_000 + i))
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("kept")
    assert CharsMap.from_bytes(blob).mapping  # listing the rules writes the entry
    left = sorted(p.name for p in tmp_path.glob("keys-*.bin"))
    assert not stale.exists() and unrelated.exists()
    assert len(left) == charsmap_module._CACHE_MAX_KEYS
    # the new entry and the newest others are kept
    assert any(n.startswith(name + "-") for n in left)
    assert all((tmp_path / o.name).exists() for o in others[-(len(left) - 1) :])


def test_unwritable_cache_dir_is_harmless(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TOKENLAB_CACHE_DIR", str(blocker / "sub"))
    blob = CharsMap.nmt_nfkc().to_bytes()
    loaded = CharsMap.from_bytes(blob)
    assert loaded.to_bytes() == blob and loaded.mapping == CharsMap.nmt_nfkc().mapping


def test_loading_and_encoding_a_model_lists_no_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The native and pure encoders walk the double array: a .model loads and encodes
    # without the rules as a dict (listing nmt_nfkc's 225,000 keys took a second).
    import tokenlab
    from tokenlab.export.sentencepiece import write_sentencepiece

    tok = tokenlab.train(
        iter(["Ｈｅｌｌｏ ﬁne world", "hello world"] * 20),
        algorithm="unigram",
        vocab_size=40,
        show_progress=False,
    )
    write_sentencepiece(tok, tmp_path / "m.model")

    def refuse(*_: object) -> dict[str, str]:
        raise AssertionError("the rules were listed")

    with monkeypatch.context() as mp:
        mp.setattr(charsmap_module, "_keys_of", refuse)
        loaded = tokenlab.Tokenizer.from_file(tmp_path / "m.model")
        if tokenlab.backend == "cython":
            assert loaded.encode("Ｈｅｌｌｏ ﬁne").ids == tok.encode("Ｈｅｌｌｏ ﬁne").ids
    # The pure encoder looks the rules up in a dict: it lists them at its first encode.
    assert loaded.encode("Ｈｅｌｌｏ ﬁne").ids == tok.encode("Ｈｅｌｌｏ ﬁne").ids
