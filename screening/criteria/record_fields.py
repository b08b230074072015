"""Criteria read from a record's own fields: publication years and languages.

The language is the record's language field when it has one ("eng", "English", "ger; fre", "de-DE"),
else, when the protocol allows it, detected from title and abstract by counting each language's most
frequent short words. That is deliberately small: the criterion only has to tell the seven languages of
`LANGUAGES` apart on a paragraph of text, where function words decide reliably; a statistical detector
(langdetect, lingua) would add megabytes of profiles for no better answer on abstracts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from screening.criteria.evidence import MET, NOT_MET, UNCLEAR, CriterionResult, RecordText

LANGUAGE_NAMES = {
    "en": ("en", "eng", "english", "englisch", "anglais", "inglese"),
    "de": ("de", "ger", "deu", "german", "deutsch", "allemand", "tedesco"),
    "fr": ("fr", "fre", "fra", "french", "französisch", "français", "francais", "francese"),
    "it": ("it", "ita", "italian", "italienisch", "italien", "italiano"),
    "es": ("es", "spa", "spanish", "spanisch", "espagnol", "español", "espanol", "spagnolo"),
    "pt": ("pt", "por", "portuguese", "portugiesisch", "portugais", "português", "portugues", "portoghese"),
    "nl": ("nl", "dut", "nld", "dutch", "niederländisch", "néerlandais", "olandese", "nederlands"),
}
_BY_NAME = {n: code for code, names in LANGUAGE_NAMES.items() for n in names}
_STOPWORDS = {
    "en": "the of and to with was were is are for that this by from on at as which after than or their "
          "in an be not".split(),
    "de": "der die das und mit von den im ist wurden wurde zu bei für eine einer des nicht sich auf nach zur "
          "zum dem ein".split(),
    "fr": "le la les des et du une dans est sont pour avec sur par au aux qui été ont chez entre l d un en "
          "ne pas".split(),
    "it": "il di e la che per con del della dei sono gli le nel è stati una degli alla tra l nella delle "
          "stato un in non".split(),
    "es": "el de la los las y en con para por una del que se fueron es al un no".split(),
    "pt": "o os as de e em com para por uma do da dos das que foram não um no".split(),
    "nl": "de het een en van met voor zijn werd werden in op bij dat die niet naar".split(),
}
_SHARE = {w: 1 / sum(w in ws for ws in _STOPWORDS.values()) for ws in _STOPWORDS.values() for w in ws}
_SETS = {code: frozenset(ws) for code, ws in _STOPWORDS.items()}
_WORD = re.compile(r"[^\W\d_]+")


def language_codes(field: str | None) -> list[str]:
    """ISO 639-1 codes of a record's language field (several values split on ; , /); unknown names dropped."""
    out: list[str] = []
    for part in re.split(r"[;,/|]+", field or ""):
        name = part.strip().lower()
        code = _BY_NAME.get(name) or _BY_NAME.get(name.split("-")[0].split("_")[0])
        if code and code not in out:
            out.append(code)
    return out


def detect_language(text: str) -> str | None:
    """The language of a text by its function words (a word shared by k languages counts 1/k for each),
    or None when the best language scores under 2 or less than 1.5 times the next."""
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {code: sum(_SHARE[w] for w in words if w in sw) for code, sw in _SETS.items()}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < 2 or top < 1.5 * second:
        return None
    return best


class Years:
    """Publication years within bounds (0: no bound)."""

    def __init__(self, from_year: int, to_year: int) -> None:
        self.lo, self.hi = from_year, to_year

    def assess(self, record: RecordText) -> CriterionResult:
        if record.year is None:
            return CriterionResult(UNCLEAR, [], "no publication year", {"year": None})
        if self.lo and record.year < self.lo:
            return CriterionResult(NOT_MET, [], f"published {record.year}, before {self.lo}", {"year": record.year})
        if self.hi and record.year > self.hi:
            return CriterionResult(NOT_MET, [], f"published {record.year}, after {self.hi}", {"year": record.year})
        return CriterionResult(MET, [], f"published {record.year}", {"year": record.year})


class Language:
    """The record's language is one of ``allowed`` (ISO 639-1 codes)."""

    def __init__(self, allowed: Sequence[str], detect: bool) -> None:
        self.allowed = tuple(a.strip().lower() for a in allowed)
        self.detect = detect

    def assess(self, record: RecordText) -> CriterionResult:
        codes = language_codes(record.language)
        how = "language field"
        if not codes and self.detect:
            found = detect_language(f"{record.title} {record.abstract}")
            codes, how = ([found] if found else []), "detected from the text"
        if not codes:
            return CriterionResult(UNCLEAR, [], "language not known", {"language": None})
        ok = [c for c in codes if c in self.allowed]
        if ok:
            return CriterionResult(MET, [], f"{ok[0]} ({how})", {"language": ok[0]})
        return CriterionResult(NOT_MET, [], f"{', '.join(codes)} ({how}; allowed: {', '.join(self.allowed)})",
                               {"language": codes[0]})
