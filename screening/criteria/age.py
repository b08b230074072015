"""The adult criterion: are the participants adults?

Stated ages decide first: an age range ("aged 18-65", "ages 12 to 17", "im Alter von 14 bis 25
Jahren", "âgés de 18 à 65 ans", "di età compresa tra 18 e 65 anni"), a mean age ("mean age 34.2",
"M = 41 years", "Durchschnittsalter", "âge moyen", "età media"), a lower bound ("18 years and older")
and single ages ("a 15-year-old", weak: it may be a relative). A range straddling
the adult age is unclear. Without ages, words decide: children,
adolescents, Kinder, Jugendliche, enfants, bambini vs adults, veterans, older adults,
university students; "parents of children" are adults (a study of parents' own distress), unless the
children's stated ages say the children are the participants; teachers or parents who rate the children
("Teachers rated fewer symptoms") do not make the sample adult. Professionals who are themselves the
participants (therapists surveyed, trainees in role-plays: counted where no patient is named, or in an
analogue design) are adults. A range in parentheses with its unit ("(6 bis 11 Jahre)", "(60 to 84
years)") is an age range.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
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
    overlaps,
    with_polarity,
)
from screening.criteria.kinds import default_params, lexicon
from screening.criteria.numbers import word_number
from screening.criteria.people import SCHOOL, Groups
from screening.criteria.sample_size import counting

_AGE = r"(\d{1,2}(?:[.,]\d{1,2})?)"
_TO = r"\s*-?\s*(?:[\-\u2010\u2011\u2012\u2013\u2014]|(?:to|and|bis|und|à|et|a|e|y)(?!\w))\s*"
_YEARS = r"(?:years?|yrs?|Jahre[n]?|ans|anni|años)"
_AGE_KEY = (r"(?:aged|ages|age|ranging\s+in\s+age|Alter(?:sspanne|sbereich|srange)?|âgé(?:e)?s?|âges?|"
            r"età|edad)"
            r"(?:\s+(?:range[ds]?|ranging|between|from|of|was|were|de|entre|compris|comprise?s|compresa|tra|"
            r"da|von|zwischen|in|the))*\s*[:=]?\s*\(?\s*")
_RANGE_KEYED = re.compile(r"(?<!\w)" + _AGE_KEY + r"(?<![\d.,])" + _AGE + r"(?:\s*" + _YEARS + r")?"
                          + _TO + _AGE + r"(?![\d])", re.IGNORECASE)
_RANGE_OLD = re.compile(r"(?<![\d.,])" + _AGE + _TO + _AGE + r"[\s\-\u2010\u2011]*(?:"
                        r"years?[\s\-\u2010\u2011]*(?:old|of\s+age)|year[\s\-\u2010\u2011]*olds?|"
                        r"Jahre\s+alt|jährig\w*|anni\s+di\s+età)", re.IGNORECASE)
_MEAN = re.compile(r"(?<!\w)(?:mean\s+age|average\s+age|age\s*\(?\s*M|M\s*age|Durchschnittsalter|"
                   r"mittlere[sn]?\s+Alter|Alter\s*\(?\s*(?:M|MW)|Altersdurchschnitt|âge\s+moyen|"
                   r"moyenne\s+d['\u2019]âge|età\s+media|media\s+(?:dell['\u2019])?età)"
                   r"(?!\s+(?:at|of|bei|au|à|all['\u2019]|di)\s+(?:the\s+)?(?:onset|first|diagnosis|Beginn|"
                   r"Erkrankung\w*|début|esordio))"
                   r"[^\d.;,]{0,25}?(?<![\d.,])" + _AGE + r"(?![\d])", re.IGNORECASE)
_MEAN_M = re.compile(r"(?<!\w)M\s*=\s*" + _AGE + r"\s*" + _YEARS, re.IGNORECASE)
_LOWER = re.compile(r"(?<![\d.,])\b(\d{2})\s*(?:" + _YEARS + r"(?:\s+of\s+age)?\s*)?"
                    r"(?:and|or|und|oder|et|ou|e|o)\s+"
                    r"(?:older|over|above|älter|darüber|plus|più|oltre)|"
                    r"(?<!\w)(?:older\s+than|at\s+least|over|above|≥|>=|ab|über|mindestens|plus\s+de|au\s+moins|"
                    r"più\s+di|almeno)\s*(\d{2})\s*" + _YEARS, re.IGNORECASE)
_RANGE_PAREN = re.compile(r"\(\s*(?<![\d.,])" + _AGE + _TO + _AGE + r"\s*" + _YEARS + r"(?!\w)", re.IGNORECASE)
_SINGLE = re.compile(r"(?<![\d.,\-\u2013])(\d{1,2})[\s\-\u2010\u2011]*(?:years?[\s\-\u2010\u2011]*old|"
                     r"year[\s\-\u2010\u2011]*olds?|jährig\w*)", re.IGNORECASE)

_SINGLE_WORD = re.compile(r"(?<!\w)([^\W\d_]+?(?:[\-\u2010\u2011][^\W\d_]+?)?)"
                          r"(?:[\s\-\u2010\u2011]+years?[\s\-\u2010\u2011]*old|"
                          r"[\s\-\u2010\u2011]+year[\s\-\u2010\u2011]*olds?|jährig\w*\s+(?=[A-ZÄÖÜ]\w*(?<!therapie)(?<!behandlung)"
                          r"(?<!studie)(?<!zeit)\b))", re.IGNORECASE)
"""A single age in number words ("an eight-year-old", "eines achtjährigen Mädchens"; not the duration in
"die zweijährige Schematherapie")."""
_SINGLE_OF = re.compile(r"(?<!\w)(?:di|de|von)\s+(\d{1,2})\s+(?:anni|ans|Jahren)\b", re.IGNORECASE)

ADULT, MINOR, STRADDLE = "adult", "minor", "straddle"
ANIMAL_REASON = "not human participants"
"""The reason an animal study fails a population criterion (not the criterion's "children or adolescents")."""
HUMANS = re.compile(r"\b(?:humans?|patients?|participants|volunteers|adults|children|women|men|persons|people|"
                    r"boys?|girls?|man|woman|mothers?|fathers?|child|Kinder?|Jungen?|Mädchen|enfants?|garçons?|"
                    r"filles?|bambin[aoie]|ragazz[aoie]|"
                    r"veterans|clients?|therapists?|students|employees|workers|nurses|soldiers|owners? of|"
                    r"Patienten|Menschen|Teilnehmer\w*|humains|patients|pazienti|partecipanti)\b", re.IGNORECASE)
"""Words for people: an animal word in a record that also names people does not make it an animal study
(MeSH keywords "Animals; Humans; Mice")."""


def animal_study(record: RecordText, animals: list[Span]) -> bool:
    """True when ``animals`` evidence exists and the record names no people."""
    return bool(animals) and not any(HUMANS.search(text) for _, text in record.fields())
# Cheap substring tests: a regex runs only on a text holding one of its words (lower-cased).
_NEEDS = {
    _RANGE_KEYED: ("age", "alter", "âg", "età", "edad"),
    _RANGE_OLD: ("old", "of age", "jahre alt", "jährig", "anni di"),
    _RANGE_PAREN: ("(",),
    _MEAN: ("mean", "average", "age", "alter", "âge", "età", "durchschnitt"),
    _MEAN_M: ("m =", "m=", "m ="),
    _LOWER: ("older", "over", "above", "least", "ab ", "über", "mindest", "plus", "moins", "più", "almeno",
             "oltre", "≥", ">"),
    _SINGLE: ("old", "jährig"),
    _SINGLE_WORD: ("old", "jährig"),
    _SINGLE_OF: ("anni", "ans", "jahren"),
}


def _wanted(regex: re.Pattern[str], low: str) -> bool:
    return any(k in low for k in _NEEDS[regex])


@dataclass(frozen=True, slots=True)
class AgeFact:
    """One stated age and what it says about adulthood."""

    kind: str
    span: Span


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _range_kind(lo: float, hi: float, adult_age: int) -> str | None:
    if lo > hi or hi > 110:
        return None
    if lo >= adult_age:
        return ADULT
    if hi <= adult_age:
        return MINOR
    return STRADDLE


AGE_OPEN = 120.0
"""The upper end of an open age bound ("18 years and older")."""


@dataclass(frozen=True, slots=True)
class AgeValue:
    """One stated age as an interval in years: a range, a mean (lo == hi) or a lower bound (hi = AGE_OPEN)."""

    lo: float
    hi: float
    how: str
    start: int
    end: int


def age_values(text: str) -> list[AgeValue]:
    """Every stated age range, mean age and lower age bound in one field, in the order they are read."""
    out: list[AgeValue] = []
    low = text.lower()
    for regex in (_RANGE_KEYED, _RANGE_OLD, _RANGE_PAREN):
        if _wanted(regex, low):
            for m in regex.finditer(text):
                out.append(AgeValue(_num(m.group(1)), _num(m.group(2)), "range", m.start(1), m.end(2)))
    for regex in (_MEAN, _MEAN_M):
        if _wanted(regex, low):
            for m in regex.finditer(text):
                out.append(AgeValue(_num(m.group(1)), _num(m.group(1)), "mean", m.start(), m.end()))
    if _wanted(_LOWER, low):
        for m in _LOWER.finditer(text):
            out.append(AgeValue(float(m.group(1) or m.group(2)), AGE_OPEN, "lower", m.start(), m.end()))
    return out


def age_facts(fname: str, text: str, adult_age: int = 18) -> list[AgeFact]:
    """The stated ages in one field, classified adult / minor / straddling the adult age."""
    facts: list[AgeFact] = []

    def add(kind: str | None, start: int, end: int) -> None:
        if kind is None:
            return
        span = Span(start, end, text[start:end], fname, INCLUDE if kind == ADULT else EXCLUDE)
        if not overlaps(span, [f.span for f in facts]):
            facts.append(AgeFact(kind, span))

    for v in age_values(text):
        if v.how == "range":
            add(_range_kind(v.lo, v.hi, adult_age), v.start, v.end)
        elif v.how == "mean":
            add(ADULT if v.lo >= adult_age else MINOR, v.start, v.end)
        elif v.lo >= adult_age:
            add(ADULT, v.start, v.end)
    return facts


def single_ages(fname: str, text: str, adult_age: int = 18) -> tuple[list[Span], list[Span]]:
    """Single ages ("a 15-year-old"): (adult spans, minor spans). Weak: they may name a relative."""
    old: list[Span] = []
    young: list[Span] = []
    low = text.lower()
    for regex in (_SINGLE, _SINGLE_OF, _SINGLE_WORD):
        if not _wanted(regex, low):
            continue
        for m in regex.finditer(text):
            age = word_number(m.group(1)) if regex is _SINGLE_WORD else int(m.group(1))
            if age is None or age > 110:
                continue
            adult = age >= adult_age
            span = Span(m.start(), m.end(), m.group(), fname, INCLUDE if adult else EXCLUDE)
            if not overlaps(span, old + young):
                (old if adult else young).append(span)
    return old, young


class Adult:
    """Compiled term lists of the adult criterion."""

    def __init__(self, terms: dict[str, tuple[str, ...]], adult_age: int,
                 params: Mapping[str, Any] | None = None) -> None:
        self.adult_age = adult_age
        self.words = TermSet({"minors": terms["minors"], "adults": terms["adults"]})
        self.contexts = TermSet({"adult_contexts": terms["adult_contexts"]})
        self.informants = TermSet({"informants": lexicon()["informants"]})
        animals = (params or {}).get("animal_terms")
        self.animals = TermSet({"animals": tuple(animals) if animals is not None else ()})
        p = {**default_params("age"), **(params or {})}
        self.professionals = TermSet({"professionals": tuple(p["professional_terms"])})
        self.patients = TermSet({"patients": tuple(p["patient_terms"])})
        self.analogue = TermSet({"analogue": lexicon()["analogue"], "survey": lexicon()["population"]})
        self.settings = TermSet({"minor_settings": tuple(p["minor_setting_terms"])})
        self.groups = Groups(counting(), p["generic_person_terms"], terms["minors"])

    def _role_groups(self, record: RecordText) -> list[Span]:
        """Counted groups named by a role, occupation or status (prisoners, firefighters, Polizeibeamte),
        when no counted group is age-neutral (patients, participants) and no school or class is named."""
        heads = self.groups.heads(record)
        if any(h.kind not in ("role", "demographic") for h in heads) \
                or any(SCHOOL.search(t) for _, t in record.fields()):
            return []
        return [h.span for h in heads]

    def _professionals(self, record: RecordText) -> list[Span]:
        """Professionals who are the participants: named where no patient is, in an analogue design or a survey."""
        pros = self.professionals.spans(record, INCLUDE).get("professionals", [])
        if not pros:
            return []
        found = self.analogue.spans(record, EXCLUDE)
        analogue = found.get("analogue", []) + found.get("survey", [])
        patients = [s for s in self.patients.spans(record, INCLUDE).get("patients", []) if not overlaps(s, analogue)]
        return pros if analogue or not patients else []

    def assess(self, record: RecordText) -> CriterionResult:
        animals = self.animals.spans(record, EXCLUDE).get("animals", [])
        if animal_study(record, animals):
            return CriterionResult(NOT_MET, animals, f"an animal study ({animals[0].text})", reason=ANIMAL_REASON)
        facts = [f for fname, text in record.fields() for f in age_facts(fname, text, self.adult_age)]
        words = self.words.spans(record, INCLUDE)
        settings = self.settings.spans(record, INCLUDE).get("minor_settings", [])
        # "a youth mental health service": a service for minors does not say the participants are minors
        minors = [s for s in with_polarity(words.get("minors", []), EXCLUDE) if not overlaps(s, settings)]
        adults = words.get("adults", [])
        if not minors:
            adults += [s for s in self._professionals(record) if not overlaps(s, adults)]
        contexts: list[Span] = []
        if minors:  # "parents of children": the minors word does not describe the participants
            contexts = self.contexts.spans(record, INCLUDE).get("adult_contexts", [])
            minors = [s for s in minors if not overlaps(s, contexts)]
            adults = [s for s in adults if not overlaps(s, contexts)] + contexts
            # "Teachers rated fewer symptoms": adults who only rate the minors are no adult participants
            raters = self.informants.spans(record, INCLUDE).get("informants", [])
            adults = [s for s in adults if not overlaps(s, raters)]
        for fname, text in record.fields():
            old_single, young_single = single_ages(fname, text, self.adult_age)
            facts_here = [f.span for f in facts]
            adults += [s for s in old_single if not overlaps(s, facts_here)]
            minors += [s for s in young_single if not overlaps(s, facts_here)]
        straddle = [f.span for f in facts if f.kind == STRADDLE]
        old = [f.span for f in facts if f.kind == ADULT]
        young = [f.span for f in facts if f.kind == MINOR]
        if straddle:
            return CriterionResult(UNCLEAR, straddle + old + young,
                                   f"an age range straddles {self.adult_age}")
        if young and old:
            return CriterionResult(UNCLEAR, young + old, "stated ages of both minors and adults")
        if old:
            if minors:
                return CriterionResult(UNCLEAR, old + minors, "adult ages, but minors are mentioned")
            return CriterionResult(MET, old + adults, "stated ages are adult")
        if young:
            if adults and all(overlaps(s, contexts) for s in adults):  # "parents of 95 children aged 7 to 13"
                return CriterionResult(NOT_MET, young + minors, f"the children's ages are under {self.adult_age}")
            if adults:
                return CriterionResult(UNCLEAR, young + adults, "minor ages, but adults are mentioned")
            return CriterionResult(NOT_MET, young + minors, f"stated ages are under {self.adult_age}")
        if minors and adults:
            return CriterionResult(UNCLEAR, minors + adults, "both minors and adults are mentioned")
        if minors:
            return CriterionResult(NOT_MET, minors, "children or adolescents")
        if adults:
            return CriterionResult(MET, adults, "adults")
        roles = self._role_groups(record)
        if roles:
            return CriterionResult(MET, roles, "a group named by role or occupation ("
                                   + ", ".join(sorted({s.text.lower() for s in roles})) + "), no child named")
        return CriterionResult(UNCLEAR, [], "no age or age group stated")
