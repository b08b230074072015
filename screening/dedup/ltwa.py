"""ISO 4 abbreviation of journal names over the ISSN List of Title Word Abbreviations (LTWA).

Data: ``data/ltwa_20210702.tsv.gz`` is derived from the LTWA of 2021-07-02 published by the ISSN
International Centre (the registration authority for ISO 4), which makes the list available for free use
in abbreviating titles; the file holds its single-word entries folded to ASCII (word or ``prefix-``, then
the abbreviation without full stops; empty = not abbreviated). Multi-word and suffix entries are left out.
Provenance and licence: ``data/README.md``.

Written here (instead of depending on pyiso4, MIT, whose required ``unidecode`` is GPL-2+ and so cannot
ship in an MIT application) because deduplication needs only the word-level rule: each word of a
normalised name is replaced by the abbreviation of the longest LTWA entry it matches (an exact word entry
wins over a prefix entry: ``medicaid`` is kept, ``medicine`` becomes ``med``); words without an entry stay.
Accents are folded by `screening.dedup.normalize.fold` (unicodedata, no transliteration library needed:
the LTWA gives Cyrillic and Greek words already in Latin letters).
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "ltwa_20210702.tsv.gz"
MAX_WORD = 40
"""Longer words are not looked up (no LTWA entry is that long; bounded time on hostile input)."""


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    """``(words, prefixes)``: exact-word entries and prefix entries (without their ``-``), loaded once."""
    words: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    with gzip.open(DATA, "rt", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            key, _, abbr = line.rstrip("\n").partition("\t")
            if key.endswith("-"):
                prefixes.setdefault(key[:-1], abbr)
            else:
                words.setdefault(key, abbr)
    return words, prefixes


@lru_cache(maxsize=200_000)
def abbreviate_word(word: str) -> str:
    """The ISO 4 abbreviation of one folded, lower-case word (the word itself when the LTWA has none):
    ``'psychology'`` -> ``'psychol'``, ``'journal'`` -> ``'j'``, ``'blood'`` -> ``'blood'``."""
    if not word or len(word) > MAX_WORD:
        return word
    words, prefixes = _table()
    if word in words:
        return words[word] or word
    for k in range(len(word), 1, -1):
        abbr = prefixes.get(word[:k])
        if abbr is not None:
            return abbr or word
    return word


def abbreviate(name: str) -> str:
    """A normalised journal name (lower-case words, stop words removed) abbreviated word by word:
    ``'consulting clinical psychology'`` -> ``'consult clin psychol'``."""
    return " ".join(abbreviate_word(w) for w in name.split())
