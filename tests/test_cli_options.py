"""The command line's options: trainer options, one name per idea, help on every option,
``info --json``, transformers-ready output, completion, and the unreachable vocabulary
(tokenlab/cli.py, tokenlab/api.py, tokenlab/compare.py).

Commands run as ``python -m tokenlab`` in subprocesses (PYTHONPATH carried over), or
through ``main`` where only the parser is concerned.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import CLI_CWD, pydoc_lines

import tokenlab
from tokenlab import api
from tokenlab import compare as cmp
from tokenlab.cli import build_parser
from tokenlab.errors import VocabSizeWarning

ROOT = Path(__file__).resolve().parents[1]


def _cli(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "tokenlab", *argv],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=CLI_CWD if cwd is None else cwd,
        check=False,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("options") / "corpus.txt"
    # English with a few accented words: a small alphabet, so small vocabularies work
    lines = [line.rstrip("\n") for line in pydoc_lines(1500)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the parser ---------------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_option_has_help() -> None:
    missing = []
    for name, sub in _subparsers(build_parser()).items():
        for action in sub._actions:
            if action.help is None or (action.help != argparse.SUPPRESS and not action.help):
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


@pytest.mark.parametrize(
    ("command", "old", "new"),
    [
        ("train", ["--processes", "3"], ["--threads", "3"]),
        ("train", ["--num-threads", "3"], ["--threads", "3"]),
        ("train", ["--max-piece-length", "8"], ["--max-token-length", "8"]),
        ("train", ["--normalization", "identity"], ["--normalizer", "identity"]),
        ("count", ["--processes", "2"], ["--threads", "2"]),
        ("count", ["--normalization", "identity"], ["--normalizer", "identity"]),
    ],
)
def test_old_names_are_hidden_aliases(command: str, old: list[str], new: list[str]) -> None:
    parser = build_parser()
    extra = ["-o", "x.counts", "c.txt"] if command == "count" else []
    assert vars(parser.parse_args([command, *extra, *old])) == vars(
        parser.parse_args([command, *extra, *new])
    )
    assert old[0] not in _subparsers(parser)[command].format_help()
    assert new[0] in _subparsers(parser)[command].format_help()


def test_one_threads_name_everywhere() -> None:
    for name in ("train", "count", "encode", "compare"):
        assert "--threads" in _subparsers(build_parser())[name].format_help(), name


# -- trainer options ----------------------------------------------------------------------------


def test_unk_token_matches_tokenizers(corpus: Path, tmp_path: Path) -> None:
    tk = pytest.importorskip("tokenizers")
    out = tmp_path / "w.json"
    argv = ["train", str(corpus), "-q", "--pre-tokenizer", "whitespace", "--vocab-size", "400"]
    proc = _cli(*argv, "--unk-token", "<unk>", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    ours = tokenlab.Tokenizer.from_file(str(out))
    # the anchor trained alike: the unknown token first, then the alphabet and merges
    anchor = tk.Tokenizer(tk.models.BPE(unk_token="<unk>"))
    anchor.pre_tokenizer = tk.pre_tokenizers.Whitespace()
    trainer = tk.trainers.BpeTrainer(vocab_size=400, special_tokens=["<unk>"], show_progress=False)
    anchor.train([str(corpus)], trainer)
    assert ours.get_vocab() == anchor.get_vocab()
    text = "first ∮ zebra ☃ 𝔘nknown"
    assert ours.encode(text).tokens == anchor.encode(text).tokens
    assert "<unk>" in ours.encode(text).tokens
    # without it, the unknown characters are dropped (the old behaviour, still available)
    plain = tokenlab.train(
        str(corpus), vocab_size=400, pre_tokenizer="whitespace", show_progress=False
    )
    assert "<unk>" not in plain.encode(text).tokens


def test_unk_token_wordpiece_is_unk_only() -> None:
    with pytest.raises(tokenlab.ConfigError, match=r"\[UNK\]"):
        tokenlab.train(iter(["a b"]), algorithm="wordpiece", unk_token="<unk>")


def test_limit_alphabet_and_max_token_length(corpus: Path, tmp_path: Path) -> None:
    tk = pytest.importorskip("tokenizers")
    out = tmp_path / "l.json"
    argv = ["train", str(corpus), "-q", "--pre-tokenizer", "whitespace", "--vocab-size", "300"]
    proc = _cli(*argv, "--limit-alphabet", "60", "--max-token-length", "4", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    vocab = tokenlab.Tokenizer.from_file(str(out)).get_vocab()
    assert max(len(t) for t in vocab) <= 4
    single = {t for t in vocab if len(t) == 1}
    assert len(single) == 60
    anchor = tk.Tokenizer(tk.models.BPE())
    anchor.pre_tokenizer = tk.pre_tokenizers.Whitespace()
    anchor.train([str(corpus)], tk.trainers.BpeTrainer(vocab_size=300, limit_alphabet=60))
    theirs = {t for t in anchor.get_vocab() if len(t) == 1}
    # HF's character frequency: each occurrence in each word (split as the anchor
    # splits); its order among equal frequencies is random, so at the cut only the
    # frequency decides, and ours breaks the tie deterministically
    freq: dict[str, int] = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        for word, _ in anchor.pre_tokenizer.pre_tokenize_str(line):
            for ch in word:
                freq[ch] = freq.get(ch, 0) + 1
    cut = sorted(freq.values(), reverse=True)[59]
    above = {ch for ch, n in freq.items() if n > cut}
    at_cut = {ch for ch, n in freq.items() if n == cut}
    for chosen in (single, theirs):
        assert above <= chosen <= above | at_cut
    assert single - at_cut == theirs - at_cut


@pytest.mark.parametrize("algorithm", ["unigram", "sp-bpe"])
def test_sentencepiece_ids_and_control_symbols(
    corpus: Path, tmp_path: Path, algorithm: str
) -> None:
    spm = pytest.importorskip("sentencepiece")
    model = tmp_path / "u.model"
    proc = _cli(
        "train", str(corpus), "-q", "--algorithm", algorithm, "--vocab-size", "1000",
        "--pad-id", "3", "--control-symbols", "<sep>,<cls>", "-o", str(model),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    anchor = spm.SentencePieceProcessor(model_file=str(model))
    assert anchor.pad_id() == 3 and anchor.id_to_piece(3) == "<pad>"
    assert anchor.is_control(anchor.piece_to_id("<sep>"))
    info = _cli("info", "-t", str(model), "--json")
    assert info.returncode == 0, info.stderr
    fields = json.loads(info.stdout)
    specials = {
        anchor.id_to_piece(i): i
        for i in range(anchor.get_piece_size())
        if anchor.is_control(i) or anchor.is_unknown(i)
    }
    assert fields["special_tokens"] == specials
    assert fields["roles"]["pad_token"] == "<pad>" and fields["roles"]["sep_token"] == "<sep>"
    text = _cli("info", "-t", str(model)).stdout
    assert "special tokens: <unk> <s> </s> <pad> <sep> <cls>" in text


def test_input_sentence_size_is_seeded(tmp_path: Path) -> None:
    lines = [f"line {i}\n" for i in range(1000)]
    path = tmp_path / "numbered.txt"
    path.write_text("".join(lines), encoding="utf-8")
    a = api.sample_lines(str(path), 100, seed=7)
    assert a == api.sample_lines(str(path), 100, seed=7)
    assert a == api.sample_lines(iter(lines), 100, seed=7)  # files and texts alike
    assert a != api.sample_lines(str(path), 100, seed=8)
    assert len(a) == 100 == len(set(a))
    positions = [lines.index(line) for line in a]
    assert positions == sorted(positions)  # in corpus order
    assert positions[-1] > 500  # drawn from the whole corpus, not its head
    assert api.sample_lines(iter(lines[:5]), 100) == lines[:5]


def test_input_sentence_size_trains_on_the_sample(corpus: Path) -> None:
    sample = api.sample_lines(str(corpus), 300, seed=3)
    on_sample = tokenlab.train(iter(sample), vocab_size=400, show_progress=False)
    sampled = tokenlab.train(
        str(corpus), vocab_size=400, show_progress=False, input_sentence_size=300,
        input_sentence_seed=3,
    )  # fmt: skip
    assert sampled.model.merges == on_sample.model.merges


# -- unreachable vocabulary ----------------------------------------------------------------------


def test_unigram_unreachable_vocab_warns_with_the_size() -> None:
    lines = ["hug pug pun bun hugs"] * 20
    with pytest.warns(VocabSizeWarning) as caught:
        tok = tokenlab.train(iter(lines), algorithm="unigram", vocab_size=500, show_progress=False)
    reached = tok.get_vocab_size()
    assert reached < 500
    assert f"has {reached} pieces" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tokenlab.train(iter(lines), algorithm="unigram", vocab_size=reached, show_progress=False)


def test_cli_warning_is_one_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text("hug pug pun bun hugs\n" * 20, encoding="utf-8")
    proc = _cli(
        "train", str(corpus), "--algorithm", "unigram", "--vocab-size", "500", "-q",
        "-o", str(tmp_path / "u.model"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("tokenlab: warning: unigram: vocab_size=500 is not reachable")
    assert len(lines) == 2 and "Traceback" not in proc.stderr


def test_compare_reports_the_anchors_refusal_in_one_line(tmp_path: Path) -> None:
    spm = pytest.importorskip("sentencepiece")
    corpus = tmp_path / "c.txt"
    corpus.write_text("hug pug pun bun hugs\n" * 20, encoding="utf-8")
    # sentencepiece's own refusal, as its worker prints it
    prefix = str(tmp_path / "m")
    script = (
        "import sentencepiece as s; s.SentencePieceTrainer.train("
        f"input={str(corpus)!r}, model_prefix={prefix!r}, vocab_size=500, "
        "model_type='unigram', minloglevel=5)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode != 0 and spm is not None
    line = cmp._worker_failure("sentencepiece", proc.returncode, proc.stderr, {})
    assert "\n" not in line
    assert line.startswith("sentencepiece refuses --vocab-size 500 on this corpus")


def test_compare_other_failures_are_the_exception_line() -> None:
    stderr = 'Traceback (most recent call last):\n  File "x", line 1\nMemoryError: out\n'
    assert cmp._worker_failure("tokenizers", 1, stderr, {}) == (
        "the tokenizers worker failed (exit code 1): MemoryError: out"
    )


# -- compare's revision and plot -----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_revision_of_another_repository_is_not_tokenlabs(tmp_path: Path) -> None:
    repo = tmp_path / "user-project"
    site = repo / ".venv" / "site-packages"
    site.mkdir(parents=True)
    shutil.copytree(
        ROOT / "tokenlab", site / "tokenlab", ignore=shutil.ignore_patterns("*.so", "*.cpp")
    )
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-q",
         "--allow-empty", "-m", "user commit"],
        check=True,
    )  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(site), TOKENLAB_PURE_PYTHON="1")
    proc = subprocess.run(
        [sys.executable, "-c", "from tokenlab import compare; print(compare._git_revision())"],
        capture_output=True, text=True, env=env, cwd=repo, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "not a git checkout"


def test_plot_has_one_panel_per_metric(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    metrics = {
        "train_s": 2.0, "peak_rss_mib": 100.0, "encode_mb_s": 5.0,
        "batch_mb_s": 20.0, "bytes_per_token": 4.0, "vocab_size": 300,
    }  # fmt: skip
    anchor = {**metrics, "train_s": 1.0, "peak_rss_mib": 50.0, "batch_mb_s": 10.0}
    report = {
        "tokenlab": metrics, "anchor_metrics": anchor, "anchor": "tokenizers",
        "algorithm": "bpe", "backend": "cython", "options": {"vocab_size": 300},
    }  # fmt: skip
    png = tmp_path / "p.png"
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    cmp.write_plot(report, str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(plt.get_fignums()) == before  # the figure is closed
    # what each panel says, checked on the figure the function draws
    fig, axes = plt.subplots(1, 5)
    for ax, key in zip(axes, cmp._PLOT_METRICS):
        cmp._plot_panel(ax, key, float(metrics[key]), float(anchor[key]), "tokenizers")
    titles = [ax.get_title() for ax in axes]
    assert "lower is better" in titles[0] and "higher is better" in titles[2]
    labels = [[t.get_text() for t in ax.texts] for ax in axes]
    assert labels[0] == ["2.00", "1.00"] and labels[1] == ["100", "50.00"]
    colours = [ax.patches[0].get_facecolor()[:3] for ax in axes]
    red, green = (0xC6 / 255, 0x28 / 255, 0x28 / 255), (0x2E / 255, 0x7D / 255, 0x32 / 255)
    assert colours[0] == pytest.approx(red) and colours[3] == pytest.approx(green)
    assert axes[0].lines[0].get_ydata()[0] == 1.0  # the anchor's reference line
    plt.close(fig)


# -- transformers output, info, completion -------------------------------------------------------


def test_train_output_dir_loads_in_transformers(corpus: Path, tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers")
    out = tmp_path / "pretrained"
    proc = _cli(
        "train", str(corpus), "-q", "--vocab-size", "500", "--special-tokens",
        "<|endoftext|>,<pad>", "--output-dir", str(out), "--model-max-length", "64",
        "--pad-token", "<pad>",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "tokenizer.json").exists()
    hf = transformers.AutoTokenizer.from_pretrained(str(out))
    ours = tokenlab.Tokenizer.from_file(str(out / "tokenizer.json"))
    assert hf.pad_token == "<pad>" and hf.model_max_length == 64
    assert hf.eos_token == "<|endoftext|>"
    texts = ["Hello world", "a longer line of text, with more tokens"]
    batch = hf(texts, padding=True)["input_ids"]
    assert [ids[: len(ours.encode(t).ids)] for ids, t in zip(batch, texts)] == [
        ours.encode(t).ids for t in texts
    ]


def test_export_format_transformers(corpus: Path, tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers")
    tok = tmp_path / "w.json"
    tokenlab.train(str(corpus), algorithm="wordpiece", vocab_size=500, show_progress=False).save(
        str(tok)
    )
    out = tmp_path / "bert"
    proc = _cli("export", "-t", str(tok), "--format", "transformers", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    hf = transformers.AutoTokenizer.from_pretrained(str(out))
    assert (hf.cls_token, hf.sep_token, hf.mask_token) == ("[CLS]", "[SEP]", "[MASK]")
    bad = _cli("export", "-t", str(tok), "--format", "bert", "-o", str(tmp_path / "v.txt"),
               "--pad-token", "[PAD]")  # fmt: skip
    assert bad.returncode == 1 and "--format transformers" in bad.stderr


def test_role_options_need_output_dir(corpus: Path, tmp_path: Path) -> None:
    proc = _cli("train", str(corpus), "-q", "--pad-token", "x", "-o", str(tmp_path / "t.json"))
    assert proc.returncode == 1
    assert proc.stderr.startswith("tokenlab: error: --pad-token applies to a transformers")
    assert not (tmp_path / "t.json").exists()


def test_info_json(corpus: Path, tmp_path: Path) -> None:
    tok = tmp_path / "w.json"
    trained = tokenlab.train(
        str(corpus), algorithm="wordpiece", vocab_size=500, show_progress=False
    )
    trained.save(str(tok))
    proc = _cli("info", "-t", str(tok), "--json")
    assert proc.returncode == 0, proc.stderr
    fields = json.loads(proc.stdout)
    assert fields["model"] == "WordPiece" and fields["vocab_size"] == trained.get_vocab_size()
    assert fields["special_tokens"] == {
        t: trained.token_to_id(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
    }
    assert fields["roles"]["mask_token"] == "[MASK]"
    assert fields["normalizer"]["type"] == "BertNormalizer"


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion(shell: str) -> None:
    pytest.importorskip("shtab")
    proc = _cli("completion", shell)
    assert proc.returncode == 0, proc.stderr
    for word in ("encode", "decode", "--vocab-size", "--output-dir", "--batch-size"):
        assert word in proc.stdout, word
    assert "--num-threads" not in proc.stdout  # hidden aliases are not offered


def test_completion_without_shtab_says_how_to_install(tmp_path: Path) -> None:
    blocker = tmp_path / "shtab.py"
    blocker.write_text("raise ImportError('blocked for the test')\n")
    installed = os.path.dirname(os.path.dirname(os.path.abspath(tokenlab.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), installed]))
    proc = subprocess.run(
        [sys.executable, "-m", "tokenlab", "completion", "bash"],
        capture_output=True, text=True, env=env, timeout=300, check=False, cwd=CLI_CWD,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr == (
        "tokenlab: error: shell completion needs shtab: pip install shtab "
        "(or tokenlab[completion])\n"
    )
