"""The sample-size criterion: how many participants (clients, patients, couples x 2) the study has.

Counts are read before a counted noun ("twenty-four adult outpatients", "N = 45 patients"), after
"N =" / "n =" and after "a sample of". Sessions, sites, studies and items are never the sample;
therapists are not the client sample, unless no patient or client is named (a survey of therapists,
trainees in role-plays: then they are the participants). When several counts appear, the largest
participant count that was not a screening count is the sample ("Of 300 patients screened, 120 ..." ->
120); a count in parentheses ("(N = 164) referred to ...") describes the noun before it and is never a
screening count. Without any counted noun, a number opening a sentence of the abstract ("Sechzig männliche Ratten",
"Trentadue specializzandi") counts the participants unless it counts something else (sessions, weeks);
such a guessed count can meet the minimum but never fails it ("Two mutations ..." is unclear).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from screening.criteria.evidence import (
    EXCLUDE,
    INCLUDE,
    MET,
    NOT_MET,
    UNCLEAR,
    CriterionResult,
    RecordText,
    Span,
    TermSet,
)
from screening.criteria.kinds import OLD_TERMS, default_params, lexicon
from screening.criteria.numbers import DIGITS, number_at, parse_digits, word_number
from screening.criteria.people import person_spans

PARTICIPANT, COUPLE, THERAPIST, OTHER = "participants", "couples", "therapists", "non_participants"
NOUN_LISTS = (COUPLE, THERAPIST, OTHER, PARTICIPANT)
BY_FORM = "by_form"
"""Internal: a participant noun read by its form (`Count.by_form`)."""

_TOKEN = re.compile(DIGITS + r"|[^\W\d_]+(?:[\-\u2010\u2011'\u2019][^\W\d_]+)*|[^\w\s]")
# Words that end the look-back from a noun to its number ("45 of the patients", "40 were women").
_STOP = frozenset("""
of from in at with by per among than for to on over under about only all each every both those these the
after before during within across who which that whom and or but as were was are is had have been being
became completed rated
nach vor während innerhalb welche und oder après avant pendant qui que et ou dopo prima durante che e o
von aus bei mit pro je unter über der die den des dem waren sind wurden hatten
de des du d la le les parmi avec par sur étaient sont ont
di dei degli delle tra fra con per su erano sono hanno il lo la gli le
year years yrs year-old years-old old jährige jährigen jahre jahren ans anni età percent prozent cent
""".split())
_N_EQ = re.compile(r"(?<![\w.])([Nn])\s*(?:=|:|\uff1d)\s*")
_SAMPLE_OF = re.compile(
    r"(?<!\w)(?:(?:total\s+)?sample(?:\s+size)?|Stichprobe(?:ngröße|numfang)?|Gesamtstichprobe|échantillon|"
    r"campione)\s+(?:of|von|mit|aus|umfasste|comprised|included|consisted\s+of|de|d['\u2019]|di|"
    r"includeva|comprenait)\s+(?:(?:insgesamt|total|totale)\s+)?", re.IGNORECASE)
_SAMPLE_WORDS = ("sample", "stichprobe", "échantillon", "echantillon", "campione")
_SENTENCE_START = re.compile(r"(?:^|(?<=[.;!?])\s+)(?=\S)")
_NOT_A_COUNT = re.compile(r"\s*(?:%|percent|per\s*cent|Prozent|pour\s*cent|per\s*cento|of\s+the|der|des|dei|"
                          r"degli|delle)\b", re.IGNORECASE)
_LOOKBACK = 70
_MAX_MODIFIERS = 3


@dataclass(frozen=True, slots=True)
class Count:
    """A number read from the text and what it counts."""

    value: int
    kind: str
    field: str
    start: int
    end: int
    upper_n: bool = False
    screened: bool = False
    by_form: bool = False
    """The noun was read as people by its form only (`screening.criteria.people`): such a count may say
    "enough", never "too few" ("three VEGF receptors" is no sample of three)."""

    @property
    def people(self) -> int:
        return self.value * 2 if self.kind == COUPLE else self.value


def _count_before(text: str, noun_start: int) -> tuple[int, int] | None:
    """The count in front of a noun (allowing a few modifier words): (value, start) or None."""
    lo = max(0, noun_start - _LOOKBACK)
    window = text[lo:noun_start]
    toks = list(_TOKEN.finditer(window))
    i, skipped = len(toks) - 1, 0
    while i >= 0:
        tok = toks[i].group()
        if tok[0].isdigit():
            before = window[toks[i].start() - 1] if toks[i].start() > 0 else " "
            if before.isalpha() or before in "-\u2010\u2011":
                return None  # "DPP-4 inhibitors", "IL-6": a number glued to a name is no count
            value = parse_digits(tok)
            return (value, lo + toks[i].start()) if value is not None else None
        if tok in "-\u2010\u2011":
            i -= 1
            continue
        if not tok[0].isalpha():
            return None
        # the longest run of number words ending here ("one hundred and twenty", "vingt et un")
        j = i
        while j > 0 and i - j < 5 and toks[j - 1].group()[0].isalpha() \
                and window[toks[j - 1].end():toks[j].start()].isspace():
            j -= 1
        for k in range(j, i + 1):
            value = word_number(window[toks[k].start():toks[i].end()])
            if value is not None:
                return value, lo + toks[k].start()
        if tok.lower() in _STOP or skipped >= _MAX_MODIFIERS:
            return None
        skipped += 1
        i -= 1
    return None


def _noun_after(nouns: dict[int, tuple[str, int]], text: str, pos: int) -> tuple[str, int] | None:
    """The counted noun within three words after ``pos`` (no punctuation in between)."""
    for _ in range(4):
        m = re.match(r"\s*", text[pos:])
        pos += m.end() if m else 0
        if pos in nouns:
            return nouns[pos]
        w = re.match(r"[^\W\d_]+(?:[\-\u2010\u2011][^\W\d_]+)*", text[pos:])
        if not w or w.group().lower() in _STOP:
            return None
        pos += w.end()
    return None


@cache
def counting() -> SampleSize:
    """The sample-size criterion with the built-in noun lists: how the adult and setting criteria find the
    counted groups of people (one instance, so its remembered counts are shared)."""
    params = default_params("sample_size")
    return SampleSize({old: tuple(params[p]) for old, (k, p) in OLD_TERMS.items() if k == "sample_size"}, 1)


class SampleSize:
    """Compiled term lists of the sample-size criterion."""

    def __init__(self, terms: dict[str, tuple[str, ...]], min_participants: int,
                 params: Mapping[str, Any] | None = None) -> None:
        self.min = min_participants
        self.nouns = TermSet({k: terms[k] for k in NOUN_LISTS})
        self.screened = TermSet({"screened": terms["screened"]})
        self.single = TermSet({"single_case": terms["single_case"]})
        patients = (params or {}).get("patient_terms")
        self.patients = TermSet({"patients": tuple(patients if patients is not None
                                                   else default_params("sample_size")["patient_terms"])})
        self.analogue = TermSet({"analogue": lexicon()["analogue"], "survey": lexicon()["population"],
                                 "interviews": lexicon()["interview_studies"]})
        self._memo: dict[tuple[str, str], list[Count]] = {}
        self._no_patients: dict[RecordText, bool] = {}

    def counts(self, fname: str, text: str) -> list[Count]:
        """Every count in one field (remembered for the last few texts: three criteria read them)."""
        key = (fname, text)
        got = self._memo.get(key)
        if got is None:
            if len(self._memo) >= 64:
                self._memo.clear()
            got = self._memo[key] = self._counts(fname, text)
        return list(got)

    def _counts(self, fname: str, text: str) -> list[Count]:
        nouns = self._nouns(text)
        out: list[Count] = []
        low = text.lower()
        for regex, is_n in ((_N_EQ, True), (_SAMPLE_OF, False)):
            if not is_n and not any(k in low for k in _SAMPLE_WORDS):
                continue
            for m in regex.finditer(text):
                got = number_at(text, m.end())
                if got is None:
                    continue
                value, end = got
                noun = _noun_after(nouns, text, end)
                stop = noun[1] if noun else end
                in_parens = text[:m.start()].rstrip().endswith("(")
                out.append(Count(value, noun[0] if noun else PARTICIPANT, fname, m.start(), stop,
                                 upper_n=is_n and m.group(1) == "N",
                                 screened=not in_parens and self._screened(text, stop)))
        for start, (kind, end) in nouns.items():
            got = _count_before(text, start)
            if got is not None:
                out.append(Count(got[0], kind, fname, got[1], end, screened=self._screened(text, end),
                                 by_form=kind == BY_FORM))
        return [c if c.kind != BY_FORM else Count(c.value, PARTICIPANT, c.field, c.start, c.end, c.upper_n,
                                                  c.screened, True) for c in out]

    def _nouns(self, text: str) -> dict[int, tuple[str, int]]:
        """Counted nouns by start: the protocol's lists, and words naming people by their form
        ("firefighters", "Polizeibeamtinnen", "détenus", "operatori": `screening.criteria.people`)."""
        nouns = {s: (name, e) for name, s, e in self.nouns.finditer(text)}
        for s, e in person_spans(text, [(s, e) for s, (_n, e) in nouns.items()]):
            nouns[s] = (BY_FORM, e)
        return nouns

    def nouns_of(self, word: str) -> str | None:
        """The noun list ``word`` is on (participants, couples, therapists, non_participants), or None."""
        for name, _s, _e in self.nouns.finditer(word):
            return name
        return None

    def opening_counts(self, fname: str, text: str) -> list[Count]:
        """Numbers opening a sentence and followed by a word that is not a counted noun of another kind."""
        nouns = {s: name for name, s, _e in self.nouns.finditer(text)}
        out: list[Count] = []
        for m in _SENTENCE_START.finditer(text):
            got = number_at(text, m.end())
            if got is None:
                continue
            value, end = got
            if _NOT_A_COUNT.match(text, end) or (text[m.end()].isdigit() and 1900 <= value <= 2100):
                continue
            words = list(re.finditer(r"[^\W\d_]+(?:[\-\u2010\u2011][^\W\d_]+)*", text[end:end + 60]))[:3]
            if not words or not text[end:end + words[0].start()].isspace() or words[0].group().lower() in _STOP:
                continue
            kinds = [nouns.get(end + w.start(), PARTICIPANT) for w in words]
            if any(k != PARTICIPANT for k in kinds):  # "Three trained raters", "Twelve weeks"
                continue
            out.append(Count(value, PARTICIPANT, fname, m.end(), end + words[0].end()))
        return out

    def no_patients(self, record: RecordText) -> bool:
        """True when no patient or client is named outside analogue phrases ("simulated patients"), or the
        study is an analogue design or a survey (of the therapists themselves)."""
        got = self._no_patients.get(record)
        if got is None:
            if len(self._no_patients) >= 64:
                self._no_patients.clear()
            got = self._no_patients[record] = self._find_no_patients(record)
        return got

    def _find_no_patients(self, record: RecordText) -> bool:
        found = self.analogue.spans(record, EXCLUDE)
        analogue = found.get("analogue", [])
        if analogue or found.get("survey") or found.get("interviews"):
            return True
        return not any(not any(a.field == p.field and a.start <= p.start and p.end <= a.end for a in analogue)
                       for p in self.patients.spans(record, INCLUDE).get("patients", []))

    def _screened(self, text: str, end: int) -> bool:
        return any(s <= end + 12 for _, s, _e in self.screened.finditer(text, end, min(len(text), end + 40)))

    def assess(self, record: RecordText) -> CriterionResult:
        counts = [c for fname, text in record.fields() for c in self.counts(fname, text)]
        people = [c for c in counts if c.kind in (PARTICIPANT, COUPLE) and not c.screened
                  and not (c.by_form and c.people < self.min)]
        single = [s for spans in self.single.spans(record, EXCLUDE).values() for s in spans]
        therapists = [c for c in counts if c.kind == THERAPIST]
        if not people and therapists and not single and self.no_patients(record):
            people = therapists  # the therapists are the participants (a survey of therapists, a role-play)
        guessed = False
        if not people and not single and record.abstract:
            people = self.opening_counts("abstract", record.abstract)
            guessed = bool(people)
        best = max(people, key=lambda c: (c.upper_n, c.people), default=None)
        if best is not None and guessed and best.people < self.min:
            best = None  # a count read without a known noun may say "enough", never "too few" ("Two mutations")
        if best is not None:
            ok = best.people >= self.min
            text = getattr(record, best.field)
            span = Span(best.start, best.end, text[best.start:best.end], best.field,
                        INCLUDE if ok else EXCLUDE)
            evidence = [span] + ([] if ok else single)
            return CriterionResult(MET if ok else NOT_MET, evidence,
                                   f"n = {best.people}" + ("" if ok else f" (fewer than {self.min})"),
                                   {"n": best.people})
        if single:
            return CriterionResult(NOT_MET, single, "single-case study", {"n": 1})
        if therapists:
            ev = [Span(c.start, c.end, getattr(record, c.field)[c.start:c.end], c.field, INCLUDE)
                  for c in therapists]
            return CriterionResult(UNCLEAR, ev, "only the number of therapists is given", {"n": None})
        return CriterionResult(UNCLEAR, [], "no participant count", {"n": None})
