"""Files are never damaged: special files are written through, symlinks keep
pointing at their (replaced) target, multi-file exports are all or nothing, and
an unwritable output is refused before any work, naming the user's path."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

import tokenlab
from tokenlab import _atomic
from tokenlab._atomic import atomic_write, atomic_write_all, check_writable_path
from tokenlab.cli import main
from tokenlab.errors import ConfigError, ModelFileError
from tokenlab.export.gpt2 import read_gpt2, write_gpt2
from tokenlab.export.tiktoken import read_tiktoken, sidecar_path, write_tiktoken

posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")

LINES = ["hello world, the quick brown fox jumps\n"] * 20 + ["lazy dogs sleep all day\n"] * 20


def _bpe(vocab_size: int) -> tokenlab.Tokenizer:
    return tokenlab.train(iter(LINES), vocab_size=vocab_size, show_progress=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "c.txt"
    path.write_text("".join(LINES), encoding="utf-8")
    return path


# -- special files and symlinks ---------------------------------------------------------------


@posix
def test_dev_null_is_written_through_and_stays_a_device() -> None:
    with atomic_write("/dev/null") as f:
        f.write("gone")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@posix
def test_cli_train_to_dev_null_leaves_the_device(corpus: Path) -> None:
    code = main(["train", str(corpus), "--vocab-size", "270", "-q", "-o", "/dev/null"])
    assert code == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@posix
def test_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []

    def reader() -> None:
        with open(fifo, encoding="utf-8") as f:
            got.append(f.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    with atomic_write(fifo) as f:
        f.write("through the pipe")
    thread.join(timeout=60)
    assert got == ["through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temp left


def test_symlink_target_is_replaced_and_link_kept(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "tok.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to(os.path.join("real", "tok.json"))  # relative, as users make them
    with atomic_write(link) as f:
        f.write("new")
    assert link.is_symlink()
    assert os.readlink(link) == os.path.join("real", "tok.json")
    assert target.read_text() == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    # the temporary file lived beside the target, and is gone
    assert sorted(p.name for p in real_dir.iterdir()) == ["tok.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real"]


def test_chained_and_dangling_symlinks(tmp_path: Path) -> None:
    final = tmp_path / "final.txt"
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(final)  # dangling until written
    with atomic_write(tmp_path / "a") as f:
        f.write("x")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()
    assert final.read_text() == "x"


def test_tokenizer_save_through_symlink(tmp_path: Path) -> None:
    tok = _bpe(270)
    target = tmp_path / "t.json"
    target.write_text("{}")
    link = tmp_path / "l.json"
    link.symlink_to(target)
    tok.save(str(link))
    assert link.is_symlink()
    assert tokenlab.Tokenizer.from_file(str(target)).get_vocab() == tok.get_vocab()


def test_write_error_names_the_users_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / ".tokenlab-x.tmp"))

    monkeypatch.setattr(_atomic.os, "replace", no_space)
    with pytest.raises(OSError) as info, atomic_write(tmp_path / "out.json") as f:
        f.write("x")
    assert info.value.filename == str(tmp_path / "out.json")
    assert os.listdir(tmp_path) == []


# -- multi-file exports -----------------------------------------------------------------------


def _fail_on_rename(monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    real = os.replace

    def replace(src: str, dst: str) -> None:
        if os.path.basename(dst) == which:
            raise OSError(28, "No space left on device", dst)
        real(src, dst)

    monkeypatch.setattr(_atomic.os, "replace", replace)


@pytest.mark.parametrize("failing", ["vocab.json", "merges.txt"])
def test_gpt2_pair_is_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    old, new = _bpe(270), _bpe(300)
    write_gpt2(old, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    _fail_on_rename(monkeypatch, failing)
    with pytest.raises(OSError):
        write_gpt2(new, tmp_path)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # old pair, no temps
    assert read_gpt2(tmp_path / "vocab.json", tmp_path / "merges.txt").get_vocab() == (
        old.get_vocab()
    )


def test_gpt2_mixed_pair_is_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    write_gpt2(_bpe(270), a)
    write_gpt2(_bpe(300), b)
    # what a crash between the two renames would leave: a new vocab.json, old merges.txt
    (a / "vocab.json").write_bytes((b / "vocab.json").read_bytes())
    with pytest.raises(ModelFileError, match=r"merges\.txt: written with another vocab\.json"):
        read_gpt2(a / "vocab.json", a / "merges.txt")
    # and through the generic loader
    with pytest.raises(ModelFileError, match="export both files again"):
        tokenlab.Tokenizer.from_file(str(a))


def test_gpt2_pair_still_loads_in_tokenizers(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    tok = _bpe(300)
    vocab, merges = write_gpt2(tok, tmp_path)
    hf = tokenizers.ByteLevelBPETokenizer(vocab, merges)
    text = "the quick brown fox"
    assert hf.encode(text).ids == tok.encode(text).ids


def test_gpt2_hand_written_pair_without_hash_loads(tmp_path: Path) -> None:
    (tmp_path / "vocab.json").write_text(json.dumps({"a": 0, "b": 1, "ab": 2}))
    (tmp_path / "merges.txt").write_text("#version: 0.2\na b\n")
    tok = read_gpt2(tmp_path / "vocab.json", tmp_path / "merges.txt", pre_tokenizer="whitespace")
    assert tok.encode("ab").ids == [2]


@pytest.mark.parametrize("failing", ["t.tiktoken", "t.tiktoken.json"])
def test_tiktoken_pair_is_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "t.tiktoken"
    old, new = _bpe(270), _bpe(300)
    write_tiktoken(old, path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    _fail_on_rename(monkeypatch, failing)
    with pytest.raises(OSError):
        write_tiktoken(new, path)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert read_tiktoken(path).encode("lazy dogs").ids == old.encode("lazy dogs").ids


def test_tiktoken_mixed_pair_is_refused_and_rank_file_loads_in_tiktoken(tmp_path: Path) -> None:
    a, b = tmp_path / "a.tiktoken", tmp_path / "b.tiktoken"
    write_tiktoken(_bpe(270), a)
    write_tiktoken(_bpe(300), b)
    Path(sidecar_path(a)).write_bytes(Path(sidecar_path(b)).read_bytes())
    with pytest.raises(ModelFileError, match=r"a\.tiktoken\.json: written for another version"):
        read_tiktoken(a)
    tiktoken_load = pytest.importorskip("tiktoken.load")
    ranks = tiktoken_load.load_tiktoken_bpe(str(b))
    assert len(ranks) == len(_bpe(300).get_vocab())


def test_refused_gpt2_export_leaves_no_directory(tmp_path: Path) -> None:
    wp = tokenlab.train(iter(LINES), algorithm="wordpiece", vocab_size=60, show_progress=False)
    source = tmp_path / "wp.json"
    wp.save(str(source))
    out = tmp_path / "gpt2-out"
    assert main(["export", "-t", str(source), "--format", "gpt2", "-o", str(out)]) == 1
    assert not out.exists()


# -- writability before work ------------------------------------------------------------------


def _unwritable_dir() -> str | None:
    """A directory that refuses new files even to root (sysfs), if this machine has one."""
    for d in ("/sys", "/proc/sys"):
        if os.path.isdir(d):
            try:
                check_writable_path(os.path.join(d, "probe.json"))
            except ConfigError:
                return d
    return None


def test_unwritable_directory_is_refused_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / ".tokenlab-abc.tmp"))

    monkeypatch.setattr(_atomic.tempfile, "mkstemp", refused)
    with pytest.raises(ConfigError) as info:
        check_writable_path(tmp_path / "tok.json")
    message = str(info.value)
    assert repr(str(tmp_path / "tok.json")) in message
    assert ".tokenlab-" not in message


def test_cli_train_to_read_only_directory_fails_before_training(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = _unwritable_dir()
    if d is None:
        pytest.skip("no directory here refuses new files")
    out = os.path.join(d, "tok.json")
    assert main(["train", str(corpus), "--vocab-size", "270", "-q", "-o", out]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tokenlab: error: cannot write {out!r}")
    assert ".tokenlab-" not in err and err.count("\n") == 1


def test_cli_empty_output_is_a_usage_error(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", str(corpus), "-q", "-o", ""]) == 2
    assert capsys.readouterr().err == (
        "tokenlab: error: -o/--output needs a file name, got an empty string\n"
    )
    with pytest.raises(ConfigError, match="empty"):
        check_writable_path("")


def test_atomic_write_all_writes_every_file(tmp_path: Path) -> None:
    with atomic_write_all([tmp_path / "a", tmp_path / "b"]) as (fa, fb):
        fa.write("1")
        fb.write("2")
    assert (tmp_path / "a").read_text() == "1" and (tmp_path / "b").read_text() == "2"
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]
