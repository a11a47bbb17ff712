"""Regenerate ``multilingual.txt.gz``: the tests' multilingual text (see PROVENANCE.md).

Run with the Faker version named in PROVENANCE.md (``pip install faker==40.63.0``);
another version may choose other words. The tests read the file, never Faker, so the
suite's input never changes under them.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from faker import Faker

# Locales with a lorem word list of their own: 24 languages, 15 scripts.
LOCALES = (
    "ar_AA", "az_AZ", "bn_BD", "cs_CZ", "da_DK", "de_DE", "el_GR", "es_ES", "fa_IR",
    "fr_FR", "he_IL", "hy_AM", "it_IT", "ja_JP", "nl_NL", "pl_PL", "ru_RU", "th_TH",
    "tl_PH", "uk_UA", "vi_VN", "zh_CN", "zh_TW", "en_US",
)  # fmt: skip
LINES_PER_LOCALE = 125


def lines() -> list[str]:
    out: list[str] = []
    for i, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(1000 + i)
        for j in range(LINES_PER_LOCALE):
            kind = j % 5
            if kind == 0:
                line = fake.paragraph(nb_sentences=3)
            elif kind == 1:
                line = (
                    f"{fake.name()}, {fake.address()} — {fake.date()} {fake.random_int(0, 99999)}"
                )
            elif kind == 2:
                line = " ".join(fake.words(nb=12))
            elif kind == 3:
                line = f"{fake.sentence()} ({fake.company()}) {fake.random_int(1, 9999)}"
            else:
                line = fake.text(max_nb_chars=300)
            out.append(" ".join(line.split()))
    # Interleave the languages, as a translated corpus would: line k of every locale, then k+1.
    return [
        out[k + LINES_PER_LOCALE * i] for k in range(LINES_PER_LOCALE) for i in range(len(LOCALES))
    ]


if __name__ == "__main__":
    default = Path(__file__).with_name("multilingual.txt.gz")
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    data = "".join(line + "\n" for line in lines()).encode("utf-8")
    # mtime=0: the same bytes on every run.
    target.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
