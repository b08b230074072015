"""Groups of people named by what they are: the participant noun phrases of an abstract and their heads.

A careful screener reads "Male prisoners (n = 186)", "932 career firefighters", "Zweiundsiebzig
Polizeibeamtinnen", "Soixante-douze détenus" or "Sessantadue operatori sanitari" as a group of adults
without any list of occupations: the people are named by a role, an occupation, an institution or a
status, and nothing says they are children. This module finds such groups by form, not by lists:

- `person_noun`: a plural noun that names people by its ending (English -ers/-ors/-ists/-ians/-ants/
  -ents/-ees, German -innen/-ende/-ierte/-lose/-kräfte/-leute, French -eurs/-iers/-istes/-ants/-aires/
  -és, Italian -tori/-isti/-anti/-enti/-ieri/-uti/-ati/-ari), except a short list of common things with
  the same endings (numbers, factors, events, Daten, données, risultati).
- `Groups.heads`: the heads of the counted groups: the noun a count stands before ("932 career
  firefighters", "N = 45 patients"), the noun phrase a parenthesised "(n = 186)" follows (its head is
  the word before the first preposition or participle: "Active-duty soldiers with insomnia (n = 360)"
  -> soldiers), and the word after a number opening a sentence ("Ottanta vigili del fuoco").

Each head is then "generic" (participants, patients, refugees: age-neutral words from the protocol's
list), "minor" (children, pupils), "demographic" (adults, women, mothers: age or sex, no role) or a
"role" (anything else that names people): the adult criterion
reads a role group without any child cue as adults, and the setting criterion reads a course or a
survey of a role group as no treatment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from screening.criteria.evidence import INCLUDE, RecordText, Span, TermSet

if TYPE_CHECKING:
    from screening.criteria.sample_size import SampleSize

_EN = r"(?:ers|ors|ists|ians|ants|ents|ees|eers|iers|mates)"
_DE = (r"(?:innen|ende|enden|ierte|ierten|igte|igten|agte|agten|llte|llten|erte|erten|ete|eten|ene|enen|ige|igen|"
       r"lose|losen|kräfte|kräften|leute|männer|männern|frauen|beamte|beamten|isten|anten|enten|euten|ären)")
_FR = r"(?:eurs|euses|ières|iers|istes|iens|iennes|ants|antes|ents|entes|aires|és|ées|enus)"
_IT = r"(?:tori|trici|isti|iste|anti|enti|ieri|iere|uti|ati|ari|andi|endi)"
_PERSON_FORM = re.compile(rf"[^\W\d_]{{3,}}(?:{_EN}|{_FR}|{_IT})", re.IGNORECASE)
_GERMAN = re.compile(rf"[A-ZÄÖÜ][^\W\d_]{{2,}}(?:{_DE}|er|ern)")
"""German nouns (capitalised: "Angehörige" is a noun, "einige" is not); -er/-ern name people in the plural
too (Lehrer, Teilnehmer)."""
_NOT_PERSON_END = re.compile(r"(?:ments?|mente|menti|mentes|ités|tées|zentren|centern|centers|werte|werten)$",
                             re.IGNORECASE)
NOT_PEOPLE = frozenset("""
numbers letters papers clusters chapters markers parameters answers computers disorders layers quarters semesters
trimesters registers meters filters waters matters powers orders headers folders corners offers borders towers
others centers centres barriers members' ranges changes factors predictors errors sectors indicators descriptors
motors behaviors behaviours colors doors floors vectors mirrors moderators mediators precursors tumors tumours
events components contents talents continents ingredients coefficients gradients nutrients incidents accidents
percents agents restaurants variants plants implants antidepressants pollutants stimulants grants degrees fees
trees committees knees lists checklists wrists specimens regimens abdomens
receptors inhibitors agonists antagonists blockers transporters promoters biomarkers modulators activators regulators
suppressors polymers dimers monomers oligomers isomers primers buffers fibers fibres mutants oxidants antioxidants
determinants reagents solvents agents stimulants depressants anticoagulants relaxants contaminants surfactants
boosters triggers modifiers sensors reactors detectors monitors conductors cofactors transmitters neurotransmitters
messengers containers computers controllers drivers' terriers retrievers setters pointers lobsters oysters
hamsters sparrows warblers flycatchers woodpeckers
weekenden wochenende wochenenden gebiete gebieten ebene ebenen szene szenen hygiene tuberkulose länder ländern
kinder kindern zimmer zimmern fenster bücher eier muster parameter cluster marker filter monaten
années données journées entrées idées durées sociétés difficultés facultés communautés questionnaires
commentaires horaires inventaires affaires salaires revenus
risultati mercati trattati stati questionari scenari orari binari pensieri quartieri contenuti minuti interviste
""".split())
"""Common words with a person-like ending that name things (never a group of people)."""

_WORD = re.compile(r"[^\W\d_]+(?:[\-\u2010\u2011'\u2019][^\W\d_]+)*")
_BOUNDARY = re.compile(r"[.;:!?,()\[\]]")
_HEAD_STOP = re.compile(
    r"^(?:with|without|from|for|of|at|in|on|who|whom|which|that|aged|living|attending|receiving|referred|recruited|"
    r"seeking|undergoing|treated|admitted|enrolled|diagnosed|using|working|serving|mit|ohne|aus|für|von|im|in|bei|"
    r"die|der|den|des|avec|sans|de|du|des|d|pour|en|qui|atteints?|souffrant|con|senza|di|da|per|in|che|affetti|"
    r"\w+ed|\w+ing)$", re.IGNORECASE)
SCHOOL = re.compile(r"\b(?:(?:primary|secondary|elementary|middle|high|junior)\s+schools?|schools?|school-based|"
                    r"classrooms?|kindergartens?|grades?\s+\d|years?\s+\d+\s+(?:and|to)\s+\d+|"
                    r"Schulen|Schule|Klasse\w*|Kita\w*|Kindertages\w*|Kindergärten|écoles?|collèges?|lycées?|"
                    r"scuol[ae]|classi|asili)\b")
"""School and class words: the people of the study may be pupils (a role group is then not read as adults)."""


def person_noun(word: str) -> bool:
    """True when ``word`` names people by its form (a plural of a role, occupation or status)."""
    low = word.lower()
    if low in NOT_PEOPLE or _NOT_PERSON_END.search(low) or "jährig" in low:
        return False
    return bool(_PERSON_FORM.fullmatch(word) or _GERMAN.fullmatch(word))


_PERSON_IN_TEXT = re.compile(rf"(?<![\w'\u2019])[^\W\d_]{{3,}}(?:{_EN}|{_FR}|{_IT})(?!\w)", re.IGNORECASE)
_GERMAN_IN_TEXT = re.compile(rf"(?<![\w'\u2019])[A-ZÄÖÜ][^\W\d_]{{2,}}(?:{_DE}|er|ern)(?!\w)")


_GERMAN_TEXT = re.compile(r"\b(?:und|der|die|das|mit|wurden|nahmen|von|bei|eine[rnm]?)\b")
"""German function words: German endings (capitalised -er, -ende, -ierte) are read only in a German text
(English titles capitalise "Cocker", "Walker")."""


def person_spans(text: str, taken: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """(start, end) of the words in ``text`` that name people by form, outside the ``taken`` spans (a
    hyphenated word by its last part: "sapeurs-pompiers")."""
    forms = (_PERSON_IN_TEXT, _GERMAN_IN_TEXT) if _GERMAN_TEXT.search(text) else (_PERSON_IN_TEXT,)
    found = {m.start(): m.end() for rx in forms for m in rx.finditer(text)}
    return [(s, e) for s, e in sorted(found.items()) if person_noun(text[s:e])
            and not any(a < e and s < b for a, b in taken)]


def _head_before_paren(text: str, paren: int) -> tuple[int, int] | None:
    """The head of the noun phrase a "(n = 186)" follows: the word before the first preposition or
    participle of the clause ("Active-duty soldiers with insomnia (n = 360)" -> soldiers)."""
    lo = paren
    while lo > 0 and not _BOUNDARY.match(text[lo - 1]):
        lo -= 1
    words = list(_WORD.finditer(text, lo, paren))
    if not words:
        return None
    head = None
    for w in words:
        if _HEAD_STOP.match(w.group()) and head is not None:
            break
        if not _HEAD_STOP.match(w.group()):
            head = w
    if head is None or len(words) > 12:
        return None
    return head.start(), head.end()


@dataclass(frozen=True, slots=True)
class Head:
    """The head noun of a counted group and what it says of age."""

    kind: str  # "generic", "minor", "role" or "thing"
    span: Span


class Groups:
    """The counted groups of people in a record, by their head nouns (counts read by ``sample``)."""

    def __init__(self, sample: SampleSize, generic: Sequence[str], minors: Sequence[str],
                 demographic: Sequence[str] = ()) -> None:
        self.sample = sample
        self.generic = TermSet({"generic": tuple(generic)})
        self.minors = TermSet({"minors": tuple(minors)})
        self.demographic = TermSet({"demographic": tuple(demographic)})

    def _kind(self, word: str) -> str:
        rec = RecordText(title=word)
        if self.minors.any(rec):
            return "minor"
        if self.generic.any(rec) or self.sample.nouns_of(word) == "non_participants":
            return "generic"
        if self.demographic.any(rec):
            return "demographic"
        return "role"

    def _people(self, word: str) -> bool:
        return person_noun(word) or self.sample.nouns_of(word) in ("participants", "couples", "therapists") \
            or self.generic.any(RecordText(title=word)) or self.minors.any(RecordText(title=word))

    def heads(self, record: RecordText) -> list[Head]:
        """Every counted group's head, in reading order (screening counts left out)."""
        out: list[Head] = []
        seen: set[tuple[str, int]] = set()
        for fname, text in record.fields():
            kinds = ("participants", "couples") + (("therapists",) if self.sample.no_patients(record) else ())
            counts = [c for c in self.sample.counts(fname, text) if not c.screened and c.kind in kinds]
            if fname == "abstract":
                counts += self.sample.opening_counts(fname, text)
            for c in sorted(counts, key=lambda c: c.start):
                piece = text[c.start:c.end]
                if piece[-1:].isdigit():  # "(n = 186)": the noun phrase before the parenthesis
                    paren = text.rfind("(", 0, c.start + 1)
                    got = _head_before_paren(text, paren) if paren >= 0 and not text[paren + 1:c.start].strip() \
                        else None
                    if got is not None and not self._people(text[got[0]:got[1]]):
                        got = None  # "Siberian hamsters (n = 56)": only a word for people heads a group
                else:
                    words = list(_WORD.finditer(piece))
                    got = (c.start + words[-1].start(), c.start + words[-1].end()) if words else None
                if got is None or (fname, got[0]) in seen:
                    continue
                seen.add((fname, got[0]))
                word = text[got[0]:got[1]]
                out.append(Head(self._kind(word), Span(got[0], got[1], word, fname, INCLUDE)))
        return out
