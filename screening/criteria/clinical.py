"""The setting criterion (kind ``setting``): real treatment of patients or clients, not an analogue study.

Clinical evidence: clinical words (patients, outpatients, clinics, psychotherapy), names of therapies
(exposure therapy, Verhaltenstherapie, counselling, CBT) and a treatment received ("were treated with",
"receiving prolonged exposure therapy", "completed treatment"); a diagnosis or presenting problem
together with a treatment counts twice more. Non-clinical evidence: analogue designs (role-play,
simulated clients, vignettes, students viewing recordings of others), healthy volunteers and negations
("none of the participants was in treatment"), courses that are no treatment (stress management for
nurses) and supervision count twice; weak hints (students, volunteers) once. Clinical words inside a
non-clinical phrase ("simulated patients", "was in treatment" in a negation) do not count.

Professionals' names ("psychotherapists") are no clinical evidence. A survey, screening or other
population study without any treatment is not clinical when professionals are surveyed (therapists,
nurses), and unclear when patients are (primary-care patients screened with the PHQ-9: whether they are
treated is not said).

A course or training with neither a problem nor a treatment named (a parenting course for mothers of
infants) is not clinical. Participants with a problem given a placebo-controlled or randomly ordered
treatment are clinical.

Career counselling is neither (unclear), also for clients with a diagnosis.
Not met when strong non-clinical evidence (or three weak hints) outweighs the clinical evidence, for
animal studies, for population surveys and cohorts without any treatment, and for studies of firms;
met on clinical evidence alone; otherwise unclear. With ``wanted = "non_clinical"`` met and not met
change places.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from screening.criteria.age import ANIMAL_REASON, animal_study
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
from screening.criteria.people import Groups
from screening.criteria.sample_size import counting

ASSIGNED = re.compile(r"\b(?:randomi[sz]ed|randomly\s+(?:assigned|allocated)|allocated|assigned)\s+to\b"
                      r"|\b(?:will|shall)\s+(?:be\s+)?(?:randomi[sz]ed?|randomly\s+(?:assigned|allocated)|allocated|"
                      r"assigned)\b(?:\s+\w+){0,6}?\s+to\b"
                      r"|\brandomi[sz]ed\s+(?:einer|entre|a|alla|al)\b|\bassegnati\s+(?:casualmente|in\s+modo)"
                      r"|\b(?:randomisiert|randomisé|randomisée|randomisés|randomisées|randomizzat[iaoe])\b"
                      r"|\b(?:zugeteilt|zugewiesen|zugeordnet|assegnat[ie]|allocat[ie])\b"
                      r"|\br[ée]partis?\s+(?:au\s+hasard|al[ée]atoirement)\b"
                      r"|\b(?:placebo|placébo)\b|\bin\s+random\s+order\b|\bin\s+ordine\s+casuale\b"
                      r"|\ben\s+ordre\s+al[ée]atoire\b|\bin\s+zuf[äa]lliger\s+Reihenfolge\b",
                      re.IGNORECASE)
"""Participants assigned to an intervention: a treatment received when they have a problem."""
CAREER = re.compile(r"\b(?:career|vocational|Berufs)[\s-]*(?:counsel\w*|guidance|beratung)", re.IGNORECASE)
TREATED = re.compile(r"treat|therap|thérap|terap|behandl|traite|tratt|counsel|beratung|consulenz|\bCBT|EMDR|exposure|"
                     r"activation|psychoanaly|interven|receiv|erhielten|reçu|ricevut|session|sedute|séance|Sitzung",
                     re.IGNORECASE)
"""Clinical evidence that a treatment was received (not merely patients or a clinic named)."""
PATIENT = re.compile(r"patient|client|klient|pazient|outpatient|inpatient|ambulan|stationä|hospitalis|ricoverat",
                     re.IGNORECASE)
"""Clinical evidence that names the treated people themselves."""
COURSE = re.compile(r"\b(?:training|trainings|course|courses|workshops?|seminars?|Kurs\w*|Seminar\w*|Schulung\w*|"
                    r"Fortbildung\w*|Training\w*|formations?|cours|ateliers?|stages?|séminaires?|cors[oi]|"
                    r"formazione|seminari[oa]?|laboratori[oa]?)\b", re.IGNORECASE)
"""A course or a training: no treatment when a role group attends it (care staff, police officers)."""
ATTENDED = re.compile(r"\b(?:(?:took|take|takes)\s+part\s+in|participated\s+in|enrolled\s+in|attended|completed|"
                      r"nahmen\s+an|teilgenommen|besuchten|ont\s+(?:suivi|participé\s+à)|hanno\s+(?:frequentato|"
                      r"partecipato\s+a))\b[^.]{0,60}?\b(?:course|workshop|seminar|class|programme|program|"
                      r"Kurs\w*|Seminar\w*|Training\w*|cours|atelier|stage|formation|corso|seminario|laboratorio)s?\b",
                      re.IGNORECASE)
"""People attending a course (the course rule needs it: "training set" or "stages of" are no course)."""
STRONG_WEIGHT = 2
PROBLEM_BONUS = 2
WEAK_ENOUGH = 3
"""Weak analogue hints that together act as strong evidence (students + volunteers + recordings)."""


def _texts(spans: list[Span]) -> str:
    return ", ".join(sorted({s.text.lower() for s in spans}))


class Clinical:
    """Compiled term lists of the setting criterion."""

    def __init__(self, terms: dict[str, tuple[str, ...]], params: Mapping[str, Any] | None = None) -> None:
        p = {**default_params("setting"), **(params or {})}
        self.wanted = str(p["wanted"])
        self.analogue = TermSet({"analogue": terms["analogue"], "analogue_weak": terms["analogue_weak"]})
        self.healthy = TermSet({"healthy": p["healthy_terms"], "non_treatment": p["non_treatment_terms"]})
        self.clinical = TermSet({"clinical": terms["clinical"], "treatment": p["treatment_terms"],
                                 "therapy": p["therapy_terms"]})
        self.problems = TermSet({"problem": p["problem_terms"]})
        self.other = TermSet({"animals": p["animal_terms"], "population": p["population_terms"],
                              "organisations": p["organisation_terms"]})
        self.professionals = TermSet({"professionals": p["professional_terms"]})
        self.interviews = TermSet({"interviews": lexicon()["interview_studies"]})
        self.groups = Groups(counting(), lexicon()["age_neutral_people"], lexicon()["minors"],
                             lexicon()["demographic_people"])

    def _role_groups(self, record: RecordText) -> list[Span]:
        """The counted groups when every one is named by a role, occupation or status (no patients, no
        age-neutral participants, not only by age or sex: "homeless adults"): `screening.criteria.people`."""
        heads = self.groups.heads(record)
        return [h.span for h in heads] if heads and all(h.kind == "role" for h in heads) else []

    def assess(self, record: RecordText) -> CriterionResult:
        """Met when the setting is the wanted one (clinical, or non_clinical: the verdict turned round)."""
        result = self.clinical_verdict(record)
        if self.wanted == "non_clinical" and result.verdict != UNCLEAR:
            flipped = NOT_MET if result.verdict == MET else MET
            return CriterionResult(flipped, with_polarity(result.evidence, INCLUDE if flipped == MET else EXCLUDE),
                                   result.detail, result.extra)
        return result

    def clinical_verdict(self, record: RecordText) -> CriterionResult:
        """Met for clinical treatment, not met for an analogue or non-clinical study."""
        found = self.analogue.spans(record, EXCLUDE)
        strong, weak = found.get("analogue", []), found.get("analogue_weak", [])
        hz = self.healthy.spans(record, EXCLUDE)
        problems = self.problems.spans(record, INCLUDE).get("problem", [])
        # career counselling is a service to clients, but not a treatment: never clinical, never analogue
        # ("career counseling for veterans with PTSD" stays unclear)
        mixed = [Span(m.start(), m.end(), m.group(), f, EXCLUDE) for f, text in record.fields()
                 for m in CAREER.finditer(text)]
        healthy = hz.get("healthy", []) + hz.get("non_treatment", [])
        pros = self.professionals.spans(record, EXCLUDE).get("professionals", [])
        hits = self.clinical.spans(record, INCLUDE)
        found_roles: list[list[Span]] = []

        def role_groups() -> list[Span]:  # read only where a rule needs them (it counts the groups)
            if not found_roles:
                found_roles.append(self._role_groups(record))
            return found_roles[0]

        courses = [Span(m.start(), m.end(), m.group(), f, EXCLUDE) for f, text in record.fields()
                   for m in COURSE.finditer(text)]
        if courses and not any(PATIENT.search(s.text) for v in hits.values() for s in v) and role_groups():
            # a course or training attended by a role group (care staff, policiers) is no treatment
            healthy += [s for s in courses if not overlaps(s, healthy)]
        against = strong + weak + healthy + mixed + pros
        clinical = [s for v in hits.values() for s in v if not overlaps(s, against)]
        clinical = [s for i, s in enumerate(clinical) if not overlaps(s, clinical[:i])]
        other = self.other.spans(record, EXCLUDE)
        strong_all = strong + healthy
        # a problem counts with the treatment only in a study without analogue evidence ("a depressed client"
        # in a vignette is no patient)
        clinical_weight = len(clinical) + (PROBLEM_BONUS if problems and clinical and not strong_all else 0)
        analogue_weight = STRONG_WEIGHT * len(strong_all) + len(weak)
        if animal_study(record, other.get("animals", [])):
            return CriterionResult(NOT_MET, other["animals"], f"an animal study ({other['animals'][0].text})",
                                   reason=ANIMAL_REASON)
        if (strong_all or len(weak) >= WEAK_ENOUGH) and analogue_weight > clinical_weight:
            return CriterionResult(NOT_MET, strong_all + weak + clinical,
                                   "analogue or non-clinical evidence (" + _texts(strong_all or weak)
                                   + ") outweighs clinical evidence")
        if strong_all or mixed:
            return CriterionResult(UNCLEAR, clinical + strong_all + mixed + weak,
                                   "both clinical and non-clinical evidence")
        population = other.get("population", [])
        patients_named = any(PATIENT.search(s.text) for s in clinical)
        interviews = self.interviews.spans(record, EXCLUDE).get("interviews", [])
        if clinical and (population or interviews) and not hits.get("treatment") and role_groups():
            roles = role_groups()
            # "In einer Befragung gaben 634 Hausärztinnen und Hausärzte an, wie sie Patienten ... behandeln"
            return CriterionResult(NOT_MET, population + interviews + with_polarity(roles, EXCLUDE),
                                   "a survey or interviews of " + _texts(roles) + ", no treatment received")
        if clinical and population and pros and not patients_named:  # "a survey of 412 psychotherapists ... CBT"
            return CriterionResult(NOT_MET, population + pros,
                                   "a survey of professionals (" + _texts(pros) + "), no patients")
        if clinical and population and not any(TREATED.search(s.text) for s in clinical + problems):
            if pros:
                return CriterionResult(NOT_MET, population + pros,
                                       "a survey of professionals (" + _texts(pros) + "), no treatment")
            return CriterionResult(UNCLEAR, clinical + population + problems,
                                   "patients in a survey or screening study; no treatment named")
        if clinical:
            return CriterionResult(MET, clinical + problems + weak, "clinical treatment")
        if other.get("population"):
            return CriterionResult(NOT_MET, other["population"] + weak,
                                   "a population study (" + _texts(other["population"]) + "), no treatment")
        assigned = [Span(m.start(), m.end(), m.group(), f, INCLUDE) for f, text in record.fields()
                    for m in ASSIGNED.finditer(text)]
        if problems and assigned:  # "participants with depressive symptoms were randomized to exercise"
            return CriterionResult(MET, problems + assigned, "a problem, and participants assigned to an intervention")
        roles = [] if assigned else role_groups()
        if roles:  # "Long-haul truck drivers (n = 205) completed questionnaires"
            return CriterionResult(NOT_MET, with_polarity(roles, EXCLUDE) + problems,
                                   "a group of " + _texts(roles) + ", no treatment named")
        if problems:
            return CriterionResult(UNCLEAR, problems + weak, "a problem or diagnosis, but no treatment named")
        attended = [c for c in courses if any(ATTENDED.search(t) for f, t in record.fields() if f == c.field)]
        if attended and not assigned:  # "mothers of infants took part in a parenting course": no problem or treatment
            return CriterionResult(NOT_MET, attended + weak,
                                   "a course (" + _texts(courses) + "), no problem or treatment named")
        if weak:
            return CriterionResult(UNCLEAR, weak, "students or volunteers; no clinical treatment named")
        if other.get("organisations") and record.has_abstract:
            return CriterionResult(NOT_MET, other["organisations"], "a study of organisations, not of patients")
        return CriterionResult(UNCLEAR, [], "no clinical or analogue evidence")
