"""The study-design criterion: which design does the record report, and is it one the review allows?

Designs are read from design phrases in the title, abstract and keywords (English, German, French,
Italian), strongest first: a protocol (no results yet), a meta-analysis, a review, a randomised trial,
a non-randomised controlled trial, a single-case study, a qualitative study, a cohort or naturalistic
study, a cross-sectional survey. The title counts more than the abstract, and a design named only as
background ("previous meta-analyses showed") does not make the record that design. The phrases are
fixed here (not protocol data): they are the vocabulary of study designs, not of a review question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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
from screening.criteria.kinds import DESIGN_LABELS, DESIGNS, lexicon

R = "re:"
PHRASES: dict[str, tuple[str, ...]] = {
    "protocol": (
        "study protocol", "trial protocol", "protocol for a", "protocol of a", "this protocol", "the protocol of",
        R + r"\b(?:will|shall)\s+be\s+(?:randomi[sz]ed|recruited|allocated|assigned|included|enrolled)",
        R + r"\bparticipants\s+will\b", R + r"\bwe\s+will\s+(?:recruit|randomi[sz]e|assess|compare|enrol)",
        "Studienprotokoll", R + r"\bwerden\s+(?:randomisiert|rekrutiert|eingeschlossen)",
        "protocole d'étude", "protocole de l'étude", R + r"\bseront\s+(?:randomisés|recrutés|inclus)",
        "protocollo di studio", "protocollo dello studio", R + r"\bsaranno\s+(?:randomizzati|reclutati|inclusi)",
    ),
    "meta_analysis": (
        "meta-analy*", "metaanaly*", "meta-analytic", "meta analytic", "meta-regression", "Metaanalyse*",
        "Meta-Analyse*", "méta-analyse*", "méta-analytique", "meta-analisi", "metanalisi",
    ),
    "review": (
        "systematic review*", "literature review*", "narrative review*", "scoping review*", "integrative review*",
        "umbrella review*", "review of the literature", "we review", "this review", "this article reviews",
        "this paper reviews", "reviews the literature", "Übersichtsarbeit*", "Literaturübersicht*",
        "systematische* Review*", "Überblick über", "revue de la littérature", "revue systématique",
        "revue narrative", "revisione sistematica", "revisione della letteratura", "rassegna della letteratura",
        "rassegna",
    ),
    "rct": (
        "randomized controlled trial*", "randomised controlled trial*", "randomized clinical trial*",
        "randomised clinical trial*", "randomized trial*", "randomised trial*", "randomly assigned",
        "randomly allocated", "randomized to", "randomised to", "were randomized", "were randomised",
        "randomization", "randomisation", "random assignment", "randomly divided",
        "randomi*ed", "RCT", "RCTs", "randomisiert*", "randomisierte* kontrollierte*",
        "zufällig zugewiesen", "zufällig zugeteilt", "essai contrôlé randomisé", "essai randomisé",
        "randomisés", "randomisées", "répartis aléatoirement", "studio randomizzato", "randomizzat*",
        "assegnati casualmente", "assegnati in modo casuale", "randomisé*", "au hasard", "tirés au sort",
        "in random order", "in ordine casuale",
        "en ordre aléatoire", "in zufälliger Reihenfolge",
        "aléatoirement", "in modo casuale", "casualmente", "randomizzazione", "Randomisierung", "zufällig",
    ),
    "controlled_trial": (
        "non-randomized", "non-randomised", "nonrandomized", "nonrandomised", "quasi-experimental",
        "quasi-randomi*", "controlled trial", "waitlist control", "wait-list control", "quasi-experimentell*",
        "control group", "untreated controls", "untreated control group", "waiting group", "waiting list",
        "waiting-list",
        R + r"\bcompared\s+with\s+(?:\d+\s+|an?\s+)?(?:untreated|waiting|wait-list|waitlist|no-treatment)\b",
        R + r"\bor\s+no\s+(?:intervention|treatment|counsel+ing)\b",
        "comparison group", "Vergleichsgruppe", "groupe de comparaison", "gruppo di confronto",
        "Kontrollgruppe", "Wartegruppe", "groupe contrôle", "groupe témoin", "gruppo di controllo",
        "nicht-randomisiert*", "non randomisé*", "non randomizzat*", "quasi-sperimentale",
    ),
    "case_report": (
        R + r"\bwe\s+(?:describe|present|report)\s+(?:two|three|four|five|\d)\s+(?:\w+\s+)?(?:patients|cases|clients)",
        R + r"\b(?:two|three|four|five)\s+cases\b", "case series", "a case of", "the case of", "we present the case",
        "Fallbeispiel", "Falldarstellung", "présentation de cas", "il caso di",
        "single case", "single-case", "case study", "case report", "n-of-1", "n of 1", "Einzelfall*",
        "Fallstudie", "Fallbericht", "Kasuistik", "étude de cas", "cas unique", "cas clinique",
        "studio di caso", "caso singolo", "caso clinico",
        *(t for t in lexicon()["single_case"] if t.startswith(R)),  # one person described (the sample-size rule)
    ),
    "qualitative": (
        "qualitative", "interpretative phenomenological", "grounded theory", "thematic analysis",
        "semi-structured interviews", "semistructured interviews", "in-depth interviews", "interview study",
        "focus groups", "conversation analysis",
        "qualitativ*", "qualitatif", "analyse thématique", "qualitativo", "qualitativa",
        "analisi tematica",
    ),
    "cohort": (
        R + r"\b(?:we|were|was)\s+followed\b(?!\s+by)", R + r"\bfollowed\s+(?:up\s+)?(?:for|over)\s+\w+",
        "cohort", "longitudinal", "naturalistic", "prospective study", "prospective", "observational",
        "follow-up study", "routine practice", "routine care", "Kohorte*", "naturalistisch*", "Längsschnitt*",
        "prospektiv*", "cohorte", "longitudinale", "naturaliste", "coorte", "naturalistico", "prospettico",
        "studio di follow-up", "étude de suivi", "Follow-up-Studie", "Katamnese*", "Verlaufsstudie*",
        R + r"\bseguit[ieao]\s+per\s+(?:\w+\s+)?(?:anni|anno|mesi|settimane)\b",
        R + r"\bsuivi(?:e|s|es)?\s+pendant\s+(?:\w+\s+)?(?:ans?|années?|mois)\b",
        R + r"\büber\s+(?:\w+\s+)?(?:Jahre|Monate)\s+(?:begleitet|beobachtet|nachuntersucht)",
    ),
    "cross_sectional": (
        "cross-sectional", "survey", "surveyed", "questionnaire survey", "online survey", "Querschnitt*", "Umfrage",
        "Befragung", "Onlinebefragung",
        "Online-Befragung", "Fragebogenerhebung",
        "transversale", "enquête", "trasversale", "sondaggio", "online questionnaire*", "web-based questionnaire*",
        "questionario online", "questionari online", "indagine", "questionnaire en ligne", "Online-Fragebogen*",
    ),
}
PRIORITY = ("protocol", "meta_analysis", "review", "rct", "controlled_trial", "case_report", "qualitative",
            "cohort", "cross_sectional")
"""The order designs are decided in when a record names several (a review of RCTs is a review)."""
assert set(PRIORITY) == set(DESIGNS) == set(PHRASES)
BACKGROUND = re.compile(
    r"(?:previous|prior|earlier|recent|existing|several|many|numerous)\s+(?:\w+\s+){0,2}$|"
    r"(?:bisherige[n]?|frühere[n]?|précédente?s|précédents|precedenti)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE)


class Design:
    """Compiled design phrases and the designs a protocol allows."""

    def __init__(self, allowed: Sequence[str]) -> None:
        self.allowed = tuple(allowed)
        self.phrases = TermSet(PHRASES)

    def designs(self, record: RecordText) -> dict[str, list[Span]]:
        """Design -> evidence spans (background mentions left out)."""
        out: dict[str, list[Span]] = {}
        for fname, text in record.fields():
            for name, start, end in self.phrases.finditer(text):
                if BACKGROUND.search(text[max(0, start - 60):start]):
                    continue
                out.setdefault(name, []).append(Span(start, end, text[start:end], fname, INCLUDE))
        return out

    def primary(self, found: dict[str, list[Span]]) -> str | None:
        """The record's design: the first of `PRIORITY` with evidence; the title decides over the abstract."""
        for scope in (("title",), ("title", "abstract", "keywords")):
            for design in PRIORITY:
                if any(s.field in scope for s in found.get(design, [])):
                    return design
        return None

    def assess(self, record: RecordText) -> CriterionResult:
        found = self.designs(record)
        design = self.primary(found)
        if design is None:
            return CriterionResult(UNCLEAR, [], "no study design named")
        ev = found[design]
        label = DESIGN_LABELS[design]
        if design in self.allowed:
            return CriterionResult(MET, ev, label, {"design": design})
        return CriterionResult(NOT_MET, [Span(s.start, s.end, s.text, s.field, EXCLUDE) for s in ev],
                               f"{label} (allowed: {', '.join(self.allowed)})", {"design": design})
