"""The clinical criterion: real treatment of patients or clients, not an analogue study.

Analogue evidence (role-play, simulated or standardised clients, vignettes, "analogue study") counts
twice, weak hints (students, volunteers) once; clinical words (patients, outpatients, psychotherapy,
treatment) once each. Not met only when strong analogue evidence outweighs the clinical evidence;
clinical words inside an analogue phrase ("simulated patients") do not count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screening.criteria.evidence import (
    EXCLUDE,
    INCLUDE,
    MET,
    NOT_MET,
    UNCLEAR,
    CriterionResult,
    RecordText,
    TermSet,
    overlaps,
    with_polarity,
)

STRONG_WEIGHT = 2


class Clinical:
    """Compiled term lists of the clinical criterion."""

    def __init__(self, terms: dict[str, tuple[str, ...]], params: Mapping[str, Any] | None = None) -> None:
        self.wanted = str((params or {}).get("wanted", "clinical"))
        self.analogue = TermSet({"analogue": terms["analogue"], "analogue_weak": terms["analogue_weak"]})
        self.clinical = TermSet({"clinical": terms["clinical"]})

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
        clinical = [s for s in self.clinical.spans(record, INCLUDE).get("clinical", [])
                    if not overlaps(s, strong + weak)]
        analogue_weight = STRONG_WEIGHT * len(strong) + len(weak)
        if strong and analogue_weight > len(clinical):
            return CriterionResult(NOT_MET, strong + weak + clinical,
                                   "analogue evidence (" + ", ".join(sorted({s.text.lower() for s in strong}))
                                   + ") outweighs clinical evidence")
        if strong:
            return CriterionResult(UNCLEAR, clinical + strong + weak, "both clinical and analogue evidence")
        if clinical:
            return CriterionResult(MET, clinical + weak, "clinical treatment")
        if weak:
            return CriterionResult(UNCLEAR, weak, "students or volunteers; no clinical treatment named")
        return CriterionResult(UNCLEAR, [], "no clinical or analogue evidence")
