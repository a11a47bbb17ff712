"""tiktoken's ``.tiktoken`` rank files: one ``base64(token bytes) rank`` line per token.

A ``.tiktoken`` file holds only the mergeable tokens: no split pattern, no
special tokens. The exporter writes them to a JSON sidecar next to it,
``<path>.json`` (``cl100k_like.tiktoken`` -> ``cl100k_like.tiktoken.json``)::

    {"name": "...", "pat_str": "...", "special_tokens": {"<|endoftext|>": 100257}}

which is what ``tiktoken.Encoding(name, pat_str=..., mergeable_ranks=...,
special_tokens=...)`` takes. The importer reads the sidecar if there is one;
otherwise a file named after a published encoding (``gpt2``/``r50k_base``,
``p50k_base``, ``cl100k_base``, ``o200k_base``) gets that encoding's pattern
and special tokens; otherwise ``pattern=`` must be given.

Only what tiktoken encodes exactly is exported: a byte-level pipeline (no
normalizer, ``ByteLevel`` or a regex ``Split`` + ``ByteLevel(use_regex=False)``
without a prefix space, no post-processor adding tokens) around a
:class:`~tokenlab.models.TiktokenBPE`, or around a byte-level
:class:`~tokenlab.models.BPE` whose merges tiktoken's rule reproduces (see
:func:`check_tiktoken_exact`). Anything else is refused with the reason.
Added tokens all become tiktoken special tokens (tiktoken has no other kind),
so an added token that was not special comes back special.

Token ids are tiktoken's ranks; the tokens of the model are stored byte-mapped
(``"Ġthe"`` for ``b" the"``), as in GPT-2's ``vocab.json``.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping
from typing import Any

from .._atomic import atomic_write_all, check_writable_path
from .._backend import ByteRankMerger
from .._modelfile import read_head, read_model_bytes
from ..decoders import ByteLevel as ByteLevelDecoder
from ..errors import ConfigError, ModelFileError
from ..models import BPE, TiktokenBPE
from ..pre_tokenizers import (
    _BYTE_LEVEL_PATTERN,
    PATTERNS,
    ByteLevel,
    PreTokenizer,
    Sequence,
    Split,
    byte_level_setup,
    bytes_to_unicode,
    unicode_to_bytes,
)
from ..processors import ByteLevel as ByteLevelProcessor
from ..tokenizer import AddedToken, Tokenizer

__all__ = [
    "PUBLISHED_ENCODINGS",
    "check_tiktoken_exact",
    "looks_like_tiktoken",
    "read_tiktoken",
    "read_tiktoken_ranks",
    "write_tiktoken",
]

_ENDOFTEXT = "<|endoftext|>"

# tiktoken_ext/openai_public.py (tiktoken 0.14): pattern name in PATTERNS and specials.
_PUBLISHED: dict[str, tuple[str, dict[str, int]]] = {
    "gpt2": ("gpt2", {_ENDOFTEXT: 50256}),
    "r50k_base": ("gpt2", {_ENDOFTEXT: 50256}),
    "p50k_base": ("gpt2", {_ENDOFTEXT: 50256}),
    "cl100k_base": (
        "cl100k_base",
        {
            _ENDOFTEXT: 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
    "o200k_base": ("o200k_base", {_ENDOFTEXT: 199999, "<|endofprompt|>": 200018}),
}


_TIKTOKEN_LINE = re.compile(rb"[A-Za-z0-9+/]+=*[ \t]+[0-9]+\r?")


def looks_like_tiktoken(path: str) -> bool:
    """Whether ``path`` is a tiktoken rank file: by its first line, else by name.

    A first line ``base64 rank`` decides, whatever the name: Meta's Llama 3 ships
    its tiktoken ranks as ``tokenizer.model``, the name of SentencePiece files. A
    ``.tiktoken`` / ``.tiktoken.gz`` name decides when the content does not (a
    gzip file, or a damaged one, then gets this reader's error). ``.txt`` and
    ``.json`` files are never read as one.
    """
    if path.endswith((".txt", ".json")):
        return False
    try:
        head = read_head(path, 256)
    except OSError:
        head = b""
    if _TIKTOKEN_LINE.fullmatch(head.split(b"\n", 1)[0]) is not None:
        return True
    return path.endswith((".tiktoken", ".tiktoken.gz"))


def _published() -> dict[str, tuple[str, dict[str, int]]]:
    return {name: (PATTERNS[pat], dict(sp)) for name, (pat, sp) in _PUBLISHED.items()}


#: name -> (pat_str, special_tokens) of the encodings tiktoken publishes.
PUBLISHED_ENCODINGS: dict[str, tuple[str, dict[str, int]]] = _published()

_LINE_RE = re.compile(rb"^(\S+)\s+(\S+)$")


def sidecar_path(path: str | os.PathLike[str]) -> str:
    """The JSON sidecar of a ``.tiktoken`` file: the same path plus ``.json``."""
    return os.fspath(path) + ".json"


def _encoding_name(path: str) -> str:
    base = os.path.basename(path)
    for suffix in (".gz", ".tiktoken"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base


_MAX_RANK = 2**31 - 2  # token ids are 32-bit in the core (one id is kept as "none")


# A base64 token as the line reader takes it, b64decode(validate=True) (which is this
# call since Python 3.11), without its per-call overhead.
if sys.version_info >= (3, 11):

    def _decode(b64: bytes) -> bytes:
        return binascii.a2b_base64(b64, strict_mode=True)

else:

    def _decode(b64: bytes) -> bytes:
        return base64.b64decode(b64, validate=True)


# Every byte that is not ASCII whitespace (what ``bytes.split()`` splits at).
_NOT_WHITESPACE = bytes(c for c in range(256) if c not in b" \t\n\x0b\x0c\r")


def _parse_well_formed(raw: bytes) -> dict[bytes, int] | None:
    """The ranks of a well-formed rank file, or None for any other (to be diagnosed).

    Well-formed: lines ``base64 SPACE digits`` ended by ``\n`` or ``\r\n`` (the last
    one may lack it), as tiktoken writes them. The same result as the line reader
    :func:`_parse_lines`, checked and split in bulk (C-level ``translate``, ``split``,
    ``map``; no Python loop per line). The shape is checked on the whitespace alone:
    once the file's whitespace bytes, in order, are exactly ``" \n" * n`` and it
    splits into ``2 * n`` fields (so none is empty), field ``2k`` is line ``k``'s token
    and field ``2k + 1`` its rank. Blank lines, tabs, the empty token and every error
    take the line reader.
    """
    if b"\r\n" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    separators = raw.translate(None, _NOT_WHITESPACE)
    lines = len(separators) // 2
    fields = raw.split()  # splits at exactly those separators
    if not lines or separators != b" \n" * lines or len(fields) != 2 * lines:
        return None
    texts = fields[1::2]
    if not b"".join(texts).isdigit():
        return None
    try:
        tokens = list(map(_decode, fields[0::2]))
    except binascii.Error:
        return None
    numbers = list(map(int, texts))
    ranks = dict(zip(tokens, numbers))
    if (
        len(ranks) != lines  # a token twice
        or b"" in ranks  # "=": the empty token, which the line reader skips
        or len(set(numbers)) != lines
        or max(numbers) > _MAX_RANK
    ):
        return None
    return ranks


def read_tiktoken_ranks(path: str | os.PathLike[str]) -> dict[bytes, int]:
    """Read a ``.tiktoken`` rank file (gzip-compressed too) as token bytes -> rank.

    Empty lines are skipped, as tiktoken's ``load_tiktoken_bpe`` does.

    Raises:
        ModelFileError: the file is missing or unreadable, or a line is not
            ``base64 rank``, has bad base64 or a rank that is not an integer
            >= 0, or repeats a token or a rank; the message names the file
            and line.
    """
    p = os.fspath(path)
    raw = read_model_bytes(p)
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise ModelFileError(f"{p}: corrupt gzip data ({e})") from None
    fast = _parse_well_formed(raw)
    if fast is not None:
        return fast
    return _parse_lines(p, raw)


def _parse_lines(p: str, raw: bytes) -> dict[bytes, int]:
    """The ranks of ``raw`` (the content of file ``p``), line by line.

    Reads what :func:`_parse_well_formed` leaves (blank lines, tabs, the empty
    token) and names the first bad line of a malformed file.

    Raises:
        ModelFileError: see :func:`read_tiktoken_ranks`.
    """
    ranks: dict[bytes, int] = {}
    seen: dict[int, int] = {}
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE_RE.match(line.strip())
        if m is None:
            raise ModelFileError(f"{p}, line {lineno}: expected 'base64 rank', got {line[:60]!r}")
        b64, rank_text = m.groups()
        if not b64.strip(b"="):
            # The empty token ("=": Whisper's multilingual ranks hold one). tiktoken
            # reads it as b"", which no text encodes to: it takes no part in encoding.
            continue
        try:
            token = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise ModelFileError(f"{p}, line {lineno}: {b64[:60]!r} is not valid base64") from None
        if not token:
            raise ModelFileError(f"{p}, line {lineno}: empty token")
        if not rank_text.isdigit():
            raise ModelFileError(
                f"{p}, line {lineno}: rank {rank_text[:30]!r} is not an integer >= 0"
            )
        rank = int(rank_text)
        if rank > _MAX_RANK:
            raise ModelFileError(
                f"{p}, line {lineno}: rank {rank_text[:30]!r} is too large (at most {_MAX_RANK})"
            )
        if token in ranks:
            raise ModelFileError(
                f"{p}, line {lineno}: token {token!r} is listed twice (first with rank "
                f"{ranks[token]})"
            )
        if rank in seen:
            raise ModelFileError(
                f"{p}, line {lineno}: rank {rank} is used twice (first on line {seen[rank]})"
            )
        ranks[token] = rank
        seen[rank] = lineno
    if not ranks:
        raise ModelFileError(f"{p}: no tokens")
    return ranks


def _read_sidecar(path: str) -> dict[str, Any] | None:
    side = sidecar_path(path)
    if not os.path.exists(side):
        return None
    try:
        with open(side, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{side}: not a readable JSON sidecar ({e})") from None
    except RecursionError:
        raise ModelFileError(f"{side}: JSON nested too deeply to be a sidecar") from None
    if not isinstance(d, dict):
        raise ModelFileError(f"{side}: must hold a JSON object")
    pat = d.get("pat_str")
    specials = d.get("special_tokens", {})
    if not isinstance(pat, str) or not pat:
        raise ModelFileError(f"{side}: 'pat_str' must be a non-empty string")
    if not isinstance(specials, dict) or not all(
        isinstance(k, str) and k and isinstance(v, int) and not isinstance(v, bool) and v >= 0
        for k, v in specials.items()
    ):
        raise ModelFileError(f"{side}: 'special_tokens' must map non-empty strings to ids >= 0")
    name = d.get("name")
    if name is not None and not isinstance(name, str):
        raise ModelFileError(f"{side}: 'name' must be a string")
    _check_partner(path, side, d.get(_RANKS_HASH))
    return d


# The sidecar holds the SHA-256 of the rank file it was written with, so that a
# rank file and a sidecar of two different exports (a crash between the two
# renames, or one file copied without the other) are refused, not mixed.
_RANKS_HASH = "ranks_sha256"


def _check_partner(path: str, side: str, expected: Any) -> None:
    if expected is None:
        return  # written by an older tokenlab or by hand: nothing to check
    if not isinstance(expected, str):
        raise ModelFileError(f"{side}: {_RANKS_HASH!r} must be a hex string")
    found = hashlib.sha256(read_model_bytes(path)).hexdigest()
    if found != expected.lower():
        raise ModelFileError(
            f"{side}: written for another version of {path} (its {_RANKS_HASH} does not "
            "match the rank file); export both files again, or delete the sidecar's "
            f"{_RANKS_HASH!r} entry if you edited the rank file on purpose"
        )


def _pre_tokenizer(pattern: str) -> PreTokenizer:
    if pattern == _BYTE_LEVEL_PATTERN:
        return ByteLevel(add_prefix_space=False)
    return Sequence(
        [Split(pattern, "isolated"), ByteLevel(add_prefix_space=False, use_regex=False)]
    )


def read_tiktoken(
    path: str | os.PathLike[str],
    pattern: str | None = None,
    special_tokens: Mapping[str, int] | None = None,
    name: str | None = None,
) -> Tokenizer:
    """Build a tokenizer from a ``.tiktoken`` rank file.

    Args:
        path: the rank file (gzip-compressed files are read too).
        pattern: the split regex (tiktoken's ``pat_str``). None: from the
            sidecar ``<path>.json``, else from the published encoding named
            ``name`` or by the file name (``cl100k_base.tiktoken``).
        special_tokens: special token -> id. None: from the sidecar or the
            published encoding (none if ``pattern`` was given).
        name: the encoding name to look up (None: the sidecar's, else the file
            name without ``.tiktoken``).

    Returns:
        A :class:`~tokenlab.Tokenizer` with a :class:`~tokenlab.models.TiktokenBPE`,
        the regex split + byte mapping, and the ByteLevel decoder.

    Raises:
        ModelFileError: the file or its sidecar is malformed (file and line named).
        ConfigError: no pattern is known; pass ``pattern=``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "bytes.tiktoken")
    >>> _ = open(path, "w").write("".join(
    ...     f"{base64.b64encode(bytes([b])).decode()} {b}\\n" for b in range(256)))
    >>> read_tiktoken(path, pattern=r"\\S+|\\s+").encode("hi").ids
    [104, 105]
    """
    p = os.fspath(path)
    ranks = read_tiktoken_ranks(p)
    side = _read_sidecar(p)
    if name is None:
        name = side.get("name") if side and side.get("name") else _encoding_name(p)
    if pattern is None:
        if side is not None:
            pattern = side["pat_str"]
            if special_tokens is None:
                special_tokens = side.get("special_tokens", {})
        elif name in PUBLISHED_ENCODINGS:
            pattern, published = PUBLISHED_ENCODINGS[name]
            if special_tokens is None:
                special_tokens = published
        else:
            raise ConfigError(
                f"{p}: a .tiktoken file holds no split pattern, it has no sidecar "
                f"{sidecar_path(p)!r}, and {name!r} is not a published encoding "
                f"({', '.join(PUBLISHED_ENCODINGS)}); pass pattern= (tiktoken's pat_str), "
                "e.g. Tokenizer.from_tiktoken(path, pattern=..., special_tokens={...})"
            )
    try:
        model = TiktokenBPE(ranks)
    except ModelFileError as e:
        raise ModelFileError(f"{p}: {e}") from None
    tok = Tokenizer(
        model,
        pre_tokenizer=_pre_tokenizer(pattern),
        post_processor=ByteLevelProcessor(trim_offsets=False),
        decoder=ByteLevelDecoder(),
    )
    taken = set(ranks.values()) if special_tokens else set()
    for content, tid in sorted((special_tokens or {}).items(), key=lambda kv: kv[1]):
        if not isinstance(content, str) or not content:
            raise ConfigError(f"special tokens must be non-empty strings, got {content!r}")
        if not isinstance(tid, int) or isinstance(tid, bool) or tid < 0:
            raise ConfigError(f"special token {content!r} needs an id >= 0, got {tid!r}")
        if tid in taken:
            token = next(t for t, r in ranks.items() if r == tid)
            raise ConfigError(
                f"special token {content!r} has id {tid}, the rank of the ordinary token "
                f"{token!r}; tiktoken requires distinct ids"
            )
        tok._register(tid, AddedToken(content, special=True))
    return tok


def _pattern_of(tokenizer: Tokenizer) -> str:
    """tiktoken's ``pat_str`` for the tokenizer's pipeline, or ConfigError saying why not."""
    if tokenizer.normalizer is not None:
        raise ConfigError(
            "tiktoken has no normalizer; this tokenizer normalizes text "
            f"({type(tokenizer.normalizer).__name__}), so tiktoken would encode differently"
        )
    post = tokenizer.post_processor
    if post is not None and not isinstance(post, ByteLevelProcessor):
        raise ConfigError(
            f"tiktoken has no post-processor; this tokenizer's {type(post).__name__} adds "
            "tokens tiktoken would not"
        )
    setup = byte_level_setup(tokenizer.pre_tokenizer)
    if setup is not None and not setup.add_prefix_space:
        return r"(?s:.+)" if setup.pattern is None else setup.pattern
    pre = tokenizer.pre_tokenizer
    raise ConfigError(
        f"tiktoken splits text with one regex and maps bytes; this tokenizer's pre-tokenizer "
        f"{pre!r} is not that (use ByteLevel(add_prefix_space=False), or a Split(pattern, "
        "'isolated') followed by ByteLevel(add_prefix_space=False, use_regex=False))"
    )


def check_tiktoken_exact(
    model: BPE, skip: set[str] | frozenset[str] = frozenset()
) -> dict[bytes, int]:
    """The tiktoken ranks of a byte-level BPE, if tiktoken's rule encodes exactly like it.

    The rank of a token is its id. With ``R`` the rank and ``(a_k, b_k) -> t_k``
    the merges, the conditions checked are:

    1. every vocabulary token (but ``skip``) is one of the 256 bytes or the
       result of exactly one merge, and ``R(t_k)`` increases with ``k``;
    2. merging the bytes of each ``t_k`` by tiktoken's rule, with only ranks
       below ``R(t_k)``, stops at exactly ``[a_k, b_k]``.

    Why that suffices. Both rules merge, from the same bytes, the leftmost
    adjacent pair of lowest priority: BPE's priority is the merge's rank,
    tiktoken's the rank of the concatenation. Say both have run alike so far.
    A BPE candidate ``(a_k, b_k)`` is a tiktoken candidate of priority
    ``R(t_k)``, in the same order by (1). Conversely, let ``x, y`` be adjacent
    with ``x + y = t_k``. The parts covering exactly those bytes were only ever
    merged among themselves, in the order the run on ``t_k``'s bytes alone
    would merge them (the global choice, restricted to them, is that run's
    choice), so ``[x, y]`` is a state of that run. That run first merges only
    priorities below ``R(t_k)`` and by (2) stops doing so at ``[a_k, b_k]``,
    which is its only two-part state; so ``(x, y) = (a_k, b_k)``. The candidate
    sets and their orders agree, hence so does every step. A word that is a
    token, which tiktoken emits whole, is then also what BPE builds (its run
    ends at ``[a_k, b_k]`` and merges them).

    Args:
        model: a BPE over ByteLevel chars, without prefix or suffix.
        skip: vocabulary tokens that are added tokens (written as specials).

    Returns:
        token bytes -> rank (= id) for the ``.tiktoken`` file.

    Raises:
        ConfigError: a condition fails; the message names the token and why.
    """
    ranks = _byte_ranks(model, skip)
    _check_merge_order(model, ranks)
    _check_merge_splits(model, ranks)
    return ranks


def _token_bytes(token: str, table: dict[str, int]) -> bytes:
    """The bytes of a ByteLevel-mapped token (``table``: :func:`unicode_to_bytes`)."""
    try:
        return bytes(table[ch] for ch in token)
    except KeyError:
        raise ConfigError(
            f"token {token!r} is not made of ByteLevel chars: tiktoken works on bytes, so "
            "only byte-level BPE models (pre_tokenizer 'byte-level', 'gpt2', "
            "'cl100k_base', 'o200k_base') can be exported"
        ) from None


def _byte_ranks(model: BPE, skip: set[str] | frozenset[str]) -> dict[bytes, int]:
    """Token bytes -> id of every vocabulary token but ``skip``; all 256 bytes needed."""
    if model.continuing_subword_prefix or model.end_of_word_suffix:
        raise ConfigError(
            "tiktoken has no continuing-subword prefix or end-of-word suffix; this BPE uses "
            f"{model.continuing_subword_prefix or model.end_of_word_suffix!r}"
        )
    table = unicode_to_bytes()
    ranks: dict[bytes, int] = {}
    for token, tid in model.vocab.items():
        if token not in skip:
            ranks[_token_bytes(token, table)] = tid
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise ConfigError(
            f"tiktoken needs all 256 single bytes as tokens; {len(missing)} are missing (first: "
            f"{bytes([missing[0]])!r}); train with the full byte alphabet (initial_alphabet)"
        )
    return ranks


def _check_merge_order(model: BPE, ranks: dict[bytes, int]) -> None:
    """Condition 1 of :func:`check_tiktoken_exact`: one merge per token, ids increasing."""
    results: dict[str, int] = {}
    last = -1
    for k, (a, b) in enumerate(model.merges):
        t = a + b
        if t in results:
            raise ConfigError(
                f"merges #{results[t]} and #{k} both make {t!r}; tiktoken ranks a token once"
            )
        results[t] = k
        rank = model.vocab[t]
        if rank <= last:
            raise ConfigError(
                f"merge #{k} ({a!r} {b!r}) makes id {rank}, not above the previous merge's "
                f"{last}: tiktoken merges in id order, so it would apply merges in another order"
            )
        last = rank
    for raw in ranks:
        if len(raw) > 1 and _mapped(raw) not in results:
            raise ConfigError(
                f"token {_mapped(raw)!r} is in the vocabulary but no merge makes it and it is "
                "not an added token; tiktoken would merge into it where this BPE does not"
            )


def _check_merge_splits(model: BPE, ranks: dict[bytes, int]) -> None:
    """Condition 2 of :func:`check_tiktoken_exact`: tiktoken's rule builds each merge."""
    merger = ByteRankMerger(ranks)
    table = unicode_to_bytes()
    for k, (a, b) in enumerate(model.merges):
        t = a + b
        got = merger.merge(_token_bytes(t, table), model.vocab[t])
        if got != [model.vocab[a], model.vocab[b]]:
            inv = model._inverse()
            raise ConfigError(
                f"merge #{k} makes {t!r} from {a!r} + {b!r}, but tiktoken's rule builds it from "
                f"{[inv.get(i) for i in got]!r}: tiktoken would encode differently"
            )


def _mapped(token: bytes) -> str:
    table = bytes_to_unicode()
    return "".join(table[b] for b in token)


def write_tiktoken(
    tokenizer: Tokenizer, path: str | os.PathLike[str], name: str | None = None
) -> None:
    """Write ``tokenizer`` as a ``.tiktoken`` rank file plus its JSON sidecar (atomically).

    Args:
        tokenizer: a byte-level BPE or tiktoken tokenizer.
        path: the rank file; the sidecar is ``path + ".json"``.
        name: the encoding name stored in the sidecar (None: the file name
            without ``.tiktoken``).

    Raises:
        ConfigError: tiktoken cannot encode exactly like this tokenizer (the
            message says why), or the directory does not exist.

    >>> import tokenlab, tempfile, os
    >>> tok = tokenlab.train(iter(["abab abab"]), vocab_size=258, show_progress=False)
    >>> path = os.path.join(tempfile.mkdtemp(), "mine.tiktoken")
    >>> write_tiktoken(tok, path)
    >>> read_tiktoken(path).encode("abab").ids == tok.encode("abab").ids
    True
    """
    pattern = _pattern_of(tokenizer)
    model = tokenizer.model
    added = {a.content: tid for tid, a in tokenizer.added_tokens}
    if isinstance(model, TiktokenBPE):
        ranks = dict(model.ranks)
    elif isinstance(model, BPE):
        # byte_fallback and unk_token never act with all 256 bytes present, and
        # ignore_merges changes nothing once the checks pass (see their proof).
        ranks = check_tiktoken_exact(model, skip=frozenset(added))
    else:
        raise ConfigError(
            f"tiktoken files hold a byte-level BPE; this tokenizer's model is "
            f"{type(model).__name__}, which tiktoken cannot express (export it as "
            "tokenizer.json instead)"
        )
    used = {r: t for t, r in ranks.items()}
    for content, tid in added.items():
        if tid in used:
            raise ConfigError(
                f"added token {content!r} has id {tid}, also the id of token {used[tid]!r}"
            )
    check_writable_path(path)
    p = os.fspath(path)
    if name is None:
        name = _encoding_name(p)
    lines = [
        f"{base64.b64encode(token).decode('ascii')} {rank}\n"
        for token, rank in sorted(ranks.items(), key=lambda kv: kv[1])
    ]
    ranks_text = "".join(lines)
    side = {
        "name": name,
        "pat_str": pattern,
        "special_tokens": added,
        _RANKS_HASH: hashlib.sha256(ranks_text.encode("utf-8")).hexdigest(),
    }
    # Both files or neither: see atomic_write_all; the hash catches a crash between
    # the two renames.
    with atomic_write_all([p, sidecar_path(p)]) as (f, f_side):
        f.write(ranks_text)
        f_side.write(json.dumps(side, ensure_ascii=False, indent=2) + "\n")
