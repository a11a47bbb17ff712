"""Every fenced code block of README.md runs as written and shows what it really gives.

How a block is run depends on its fence:

- ```` ```python ```` with ``>>>`` prompts: a doctest (``ELLIPSIS``), every shown output
  compared; without prompts: executed as a script, which must not raise.
- ```` ```console ````: ``$ `` lines are shell commands (a trailing ``\\`` continues one
  on a ``> `` line);
  the lines up to the next ``$ `` are what the command prints (stdout then stderr,
  merged), compared with ``...`` matching anything (doctest's ``ELLIPSIS``).
- ```` ```sh ```` / ```` ```bash ````: every command runs in ``bash`` and must succeed;
  ``#`` comments are explanations, not outputs.

In shell blocks ``tokenlab`` is ``python -m tokenlab`` of the interpreter running the
tests. Each block runs in a fresh temporary directory holding the files the README's
examples name (see :func:`_prepare`): ``corpus.txt`` (the suite's multilingual text,
``tests/data``), ``more.txt``, ``test.txt``, ``big.txt``, ``latin1.txt``.

A block that needs an optional package (``NEEDS``: Dask) is reported as skipped where
the package is missing. The one rule that skips a command: the set-up commands listed verbatim in
``SETUP_COMMANDS`` (``pip install``, a fresh venv, the lint and test commands) are what
CI itself runs (``.ci/run`` checks that the README's test command is its own). Any other
command runs, and a block with any other fence (or none) fails the test: nothing is
skipped silently.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import multilingual_lines

README = Path(__file__).resolve().parent.parent / "README.md"

#: Commands the test does not run, verbatim: installing and CI's own checks (CI runs
#: them: .ci/run installs the package and runs the lint and test commands).
SETUP_COMMANDS = frozenset(
    {
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && "
        'tokenlab train -o tokenizer.json && tokenlab encode -t tokenizer.json "Hello world"',
        'python3 -m venv .venv && . .venv/bin/activate && pip install ".[test]" && '
        "pytest --import-mode=importlib -p no:cacheprovider tests",
        "python3 -m venv .venv && . .venv/bin/activate",
        'pip install ".[test]" tokenizers sentencepiece tiktoken ruff mypy cython-lint',
        "ruff check . && ruff format --check . && mypy && "
        "cython-lint tokenlab/*.pyx tokenlab/*.pxd",
        "TOKENLAB_EXPECT_BACKEND=cython pytest --import-mode=importlib -p no:cacheprovider tests",
        "TOKENLAB_PURE_PYTHON=1 TOKENLAB_EXPECT_BACKEND=python pytest --import-mode=importlib "
        "-p no:cacheprovider tests",
        "bash .ci/run    # all of the above from a fresh venv, as CI runs it",
    }
)

#: A block holding one of these needs an optional package: it runs where the package is
#: installed (CI installs it with the ``test`` extra) and is reported as skipped, with
#: the reason, where it is not.
NEEDS = {
    "--engine dask": "distributed",
    "from distributed import": "distributed",
    "--plot": "matplotlib",
}

SHELL_FENCES = {"sh", "bash"}
FENCE = re.compile(r"^```(\S*)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: its fence word, first line number and text."""

    lang: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.lang or 'no language'})"


def readme_blocks(text: str) -> list[Block]:
    """Every fenced code block of ``text``, in order."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        start, lang, body = i + 1, m.group(1), []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise AssertionError(f"README.md:{start}: code block never closed")
        blocks.append(Block(lang, start, "\n".join(body) + "\n"))
        i += 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def _prepare(directory: Path) -> None:
    """The files the README's examples read, and a ``tokenlab`` command."""
    lines = multilingual_lines(keepends=True)
    (directory / "corpus.txt").write_text("".join(lines[:600]), encoding="utf-8")
    (directory / "more.txt").write_text("".join(lines[600:900]), encoding="utf-8")
    (directory / "test.txt").write_text("".join(lines[900:1200]), encoding="utf-8")
    (directory / "big.txt").write_text("".join(lines), encoding="utf-8")
    (directory / "latin1.txt").write_bytes("".join(lines[:200]).encode("latin-1", "replace"))
    (directory / "latin1.txt").open("ab").write(b"caf\xe9 cr\xe8me\n")
    bin_dir = directory / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "tokenlab"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m tokenlab "$@"\n')
    shim.chmod(0o755)


def _environment(directory: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{directory / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    # the checkout (or the installed package) as the test process imports it
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["PYTHONIOENCODING"] = "utf-8"
    env["TOKENLAB_CACHE_DIR"] = str(directory / ".cache")
    env.pop("COLUMNS", None)
    return env


def shell_commands(text: str) -> list[str]:
    """The commands of a shell block: lines joined at a trailing backslash, blanks and
    comment-only lines dropped."""
    commands: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = pending + raw
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if line.strip() and not line.lstrip().startswith("#"):
            commands.append(line.strip())
    assert not pending, "a shell block ends inside a continued line"
    return commands


def console_steps(text: str) -> list[tuple[str, str]]:
    """``(command, expected output)`` pairs of a console block."""
    steps: list[tuple[str, list[str]]] = []
    continued = False
    for line in text.splitlines():
        if continued:
            more = line.strip().removeprefix("> ")
            steps[-1] = (steps[-1][0][:-1] + " " + more, steps[-1][1])
        elif line.startswith("$ "):
            steps.append((line[2:].strip(), []))
        elif steps:
            steps[-1][1].append(line)
        else:
            raise AssertionError(f"console output before any '$ ' command: {line!r}")
        continued = steps[-1][0].endswith("\\")
    return [(cmd, "".join(out + "\n" for out in want)) for cmd, want in steps]


def _run(command: str, directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=directory,
        env=_environment(directory),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )


def _run_shell(block: Block, directory: Path) -> None:
    for command in shell_commands(block.text):
        if command in SETUP_COMMANDS:
            continue
        done = _run(command, directory)
        assert done.returncode == 0, f"{block}: `{command}` failed:\n{done.stdout}"


def _run_console(block: Block, directory: Path) -> None:
    checker = doctest.OutputChecker()
    for command, want in console_steps(block.text):
        done = _run(command, directory)
        assert done.returncode == 0, f"{block}: `{command}` failed:\n{done.stdout}"
        if not checker.check_output(want, done.stdout, doctest.ELLIPSIS):
            raise AssertionError(
                f"{block}: `{command}` printed\n{done.stdout}\nthe README shows\n{want}"
            )


def _run_python(block: Block) -> None:
    globs: dict[str, object] = {"__name__": "__readme__"}
    if ">>>" not in block.text:
        exec(compile(block.text, str(block), "exec"), globs)
        return
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.text, globs, str(block), str(README), block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, f"{block}: {runner.failures} example(s) failed:\n" + "".join(
        report
    )


@pytest.mark.parametrize("block", BLOCKS, ids=[str(b.line) for b in BLOCKS])
def test_block(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for marker, module in NEEDS.items():
        if marker in block.text:
            pytest.importorskip(module, reason=f"{block} needs {module} (`{marker}`)")
    _prepare(tmp_path)
    if block.lang == "python":
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("TOKENLAB_CACHE_DIR", str(tmp_path / ".cache"))
        _run_python(block)
    elif block.lang == "console":
        _run_console(block, tmp_path)
    elif block.lang in SHELL_FENCES:
        _run_shell(block, tmp_path)
    else:
        raise AssertionError(
            f"{block}: a block the README test cannot run; fence it as python, console, "
            "sh or bash (see tests/test_readme.py)"
        )


def test_setup_commands_are_in_the_readme() -> None:
    """Every skipped command is still in the README (a stale entry would hide nothing,
    but keeps the rule honest)."""
    commands = {c for b in BLOCKS if b.lang in SHELL_FENCES for c in shell_commands(b.text)}
    assert commands >= SETUP_COMMANDS, SETUP_COMMANDS - commands


def test_blocks_are_found() -> None:
    """The parser sees every fence: an odd number of fence lines would be a bug."""
    fences = [line for line in README.read_text(encoding="utf-8").splitlines() if FENCE.match(line)]
    assert len(fences) == 2 * len(BLOCKS)
