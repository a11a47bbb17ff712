"""BERT's ``vocab.txt``: one WordPiece token per line, the line number is the id.

Export writes the vocabulary of a WordPiece tokenizer in id order; import builds
the whole BERT pipeline around a ``vocab.txt`` (BertNormalizer, BertPreTokenizer,
WordPiece model, ``[CLS] A [SEP]`` / ``[CLS] A [SEP] B [SEP]`` template, WordPiece
decoder), as Hugging Face's ``BertWordPieceTokenizer`` does.

Reading follows Hugging Face: trailing whitespace is trimmed from each line, and a
token listed twice keeps its last line number. Not supported: vocabularies for
other models (a BPE or Unigram tokenizer is refused, with the reason).
"""

from __future__ import annotations

import os

from .._atomic import atomic_write, check_writable_path
from .._modelfile import read_head, read_model_text
from ..decoders import WordPiece as WordPieceDecoder
from ..errors import ConfigError, ModelFileError
from ..models import WordPiece
from ..normalizers import BertNormalizer
from ..pre_tokenizers import BertPreTokenizer
from ..processors import TemplateProcessing
from ..tokenizer import AddedToken, Tokenizer

__all__ = ["looks_like_vocab_txt", "read_vocab_txt", "write_vocab_txt"]

BERT_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def looks_like_vocab_txt(path: str) -> bool:
    """By name (``.txt`` / ``.json``), else by content: not a JSON object, and a ``[UNK]`` line.

    A bare ``[UNK]`` line is no JSON (a JSON vocabulary quotes its tokens), so it
    tells a BERT vocabulary from a ``tokenizer.json``, even when the vocabulary
    starts with ``[PAD]``.
    """
    if path.endswith(".txt"):
        return True
    if path.endswith(".json"):
        return False
    try:
        head = read_head(path, 1 << 16)
    except OSError:
        return False  # let the JSON path report the error with its message
    return not head.lstrip().startswith(b"{") and b"[UNK]" in head.splitlines()


def write_vocab_txt(tokenizer: Tokenizer, path: str | os.PathLike[str]) -> None:
    """Write the WordPiece vocabulary of ``tokenizer`` as ``vocab.txt`` (atomically).

    Raises:
        ConfigError: the model is not WordPiece, the ids have gaps, or a token
            holds a line break (the format cannot express it).
    """
    if not isinstance(tokenizer.model, WordPiece):
        raise ConfigError(
            f"vocab.txt holds a WordPiece vocabulary; this tokenizer's model is "
            f"{type(tokenizer.model).__name__} (export it as tokenizer.json instead)"
        )
    vocab = tokenizer.get_vocab()
    by_id = sorted(vocab.items(), key=lambda kv: kv[1])
    for expected, (token, tid) in enumerate(by_id):
        if tid != expected:
            raise ConfigError(
                f"vocab.txt needs ids 0..{len(by_id) - 1} without gaps; id {expected} is missing"
            )
        if "\n" in token or "\r" in token or token != token.rstrip():
            raise ConfigError(
                f"token {token!r} cannot be written to vocab.txt (line breaks or trailing spaces)"
            )
    check_writable_path(path)
    with atomic_write(path) as f:
        f.write("".join(token + "\n" for token, _ in by_id))


def read_vocab_txt(
    path: str | os.PathLike[str],
    *,
    lowercase: bool = True,
    strip_accents: bool | None = None,
    handle_chinese_chars: bool = True,
    clean_text: bool = True,
    unk_token: str = "[UNK]",
    continuing_subword_prefix: str = "##",
) -> Tokenizer:
    """Build a BERT tokenizer around a ``vocab.txt``.

    Args:
        path: the file.
        lowercase: lowercase the text (uncased BERT; False for cased models).
        strip_accents: strip accents (None: follow ``lowercase``, as BERT does).
        handle_chinese_chars: put spaces around CJK ideographs.
        clean_text: remove control characters, map whitespace to spaces.
        unk_token: the unknown token (must be in the file).
        continuing_subword_prefix: the prefix of non-initial pieces.

    Returns:
        A :class:`~tokenlab.Tokenizer` with the BERT pipeline.

    Raises:
        ModelFileError: the file is missing, not UTF-8, empty, or lacks ``unk_token``.
    """
    p = os.fspath(path)
    text = read_model_text(p)
    if "\x00" in text:
        raise ModelFileError(f"{p}: contains NUL bytes; not a vocab.txt")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    vocab: dict[str, int] = {}
    for i, line in enumerate(lines):
        vocab[line.rstrip()] = i
    if not vocab:
        raise ModelFileError(f"{p}: the vocabulary is empty")
    if unk_token not in vocab:
        raise ModelFileError(f"{p}: the unknown token {unk_token!r} is not in the vocabulary")
    model = WordPiece(
        vocab, unk_token=unk_token, continuing_subword_prefix=continuing_subword_prefix
    )
    processor = None
    if "[CLS]" in vocab and "[SEP]" in vocab:
        processor = TemplateProcessing(
            "[CLS] $A [SEP]",
            "[CLS] $A [SEP] $B:1 [SEP]:1",
            [("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
        )
    tok = Tokenizer(
        model,
        normalizer=BertNormalizer(
            clean_text=clean_text,
            handle_chinese_chars=handle_chinese_chars,
            strip_accents=strip_accents,
            lowercase=lowercase,
        ),
        pre_tokenizer=BertPreTokenizer(),
        post_processor=processor,
        decoder=WordPieceDecoder(prefix=continuing_subword_prefix),
    )
    tok.add_special_tokens([AddedToken(t) for t in BERT_SPECIALS if t in vocab])
    return tok
