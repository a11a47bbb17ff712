"""atomic_write: the file appears whole or not at all, with the mode open() gives."""

from __future__ import annotations

import os
import stat

from tokenlab._atomic import atomic_write


def test_new_file_gets_umask_mode(tmp_path):
    # mkstemp creates 0600 files; a plain open() would give 0666 & ~umask
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "out.json") as f:
            f.write("{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "out.json").st_mode) == 0o644
    assert (tmp_path / "out.json").read_text() == "{}"


def test_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("old")
    os.chmod(path, 0o640)
    with atomic_write(path) as f:
        f.write("new")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert path.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocab.txt"]  # no temp left
