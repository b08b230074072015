"""Assess one record against a protocol's criteria and suggest include / exclude / unclear.

A suggestion is a hint for the screeners, never a decision. It is ``exclude`` only when a criterion
is clearly not met; ``include`` only when every criterion is met; otherwise ``unclear``. So a record
that meets every criterion is never suggested for exclusion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from screening.criteria.age import Adult
from screening.criteria.alliance import Alliance
from screening.criteria.clinical import Clinical
from screening.criteria.evidence import MET, NOT_MET, CriterionResult, RecordText
from screening.criteria.sample_size import SampleSize

if TYPE_CHECKING:
    from screening.protocol import Protocol

INCLUDE_SUGGESTION, EXCLUDE_SUGGESTION, UNCLEAR_SUGGESTION = "include", "exclude", "unclear"
LABELS = {"alliance": "alliance", "clinical": "clinical treatment", "sample_size": "sample size",
          "adult": "adults"}


@dataclass
class Assessment:
    """Every criterion's result for one record, and the suggestion with its reasons."""

    criteria: dict[str, CriterionResult]
    suggestion: str
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"criteria": {k: v.as_dict() for k, v in self.criteria.items()},
                "suggestion": self.suggestion, "reasons": list(self.reasons)}


class Assessor:
    """A protocol's criteria compiled once; `assess` is cheap per record."""

    def __init__(self, protocol: Protocol) -> None:
        t = protocol.terms
        self.protocol = protocol
        self.criteria = protocol.criteria
        self.alliance = Alliance(t)
        self.clinical = Clinical(t)
        self.sample_size = SampleSize(t, protocol.min_participants)
        self.adult = Adult(t, protocol.adult_age)

    def assess(self, title: str | None = "", abstract: str | None = "",
               keywords: str | Sequence[str] | None = ()) -> Assessment:
        record = RecordText.of(title, abstract, keywords)
        results: dict[str, CriterionResult] = {}
        for name in self.criteria:
            results[name] = getattr(self, name).assess(record)
        suggestion, reasons = suggest(results, self.protocol.criterion_reasons)
        return Assessment(results, suggestion, reasons)


def suggest(results: dict[str, CriterionResult], reasons: dict[str, str]) -> tuple[str, list[str]]:
    """(suggestion, reasons): exclude on a clear not_met, include when all are met, else unclear."""
    failed = [name for name, r in results.items() if r.verdict == NOT_MET]
    if failed:
        return EXCLUDE_SUGGESTION, [f"{reasons.get(n, LABELS.get(n, n))}: {results[n].detail}"
                                    for n in failed]
    if results and all(r.verdict == MET for r in results.values()):
        return INCLUDE_SUGGESTION, ["meets every criterion"]
    return UNCLEAR_SUGGESTION, [f"{LABELS.get(n, n)} unclear: {r.detail}" for n, r in results.items()
                                if r.verdict != MET]


_CACHE: dict[tuple[Any, ...], Assessor] = {}


def assessor_for(protocol: Protocol | None = None) -> Assessor:
    """The compiled assessor for ``protocol`` (default: the bundled alliance protocol), cached."""
    if protocol is None:
        from screening.protocol import default_protocol

        protocol = default_protocol()
    key = (protocol.terms_key(), protocol.criteria, tuple(sorted(protocol.criterion_reasons.items())))
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= 8:
            _CACHE.clear()
        found = _CACHE[key] = Assessor(protocol)
    return found


def assess_record(title: str | None = "", abstract: str | None = "",
                  keywords: str | Sequence[str] | None = (), protocol: Protocol | None = None) -> Assessment:
    """Assess one record's title, abstract and keywords against ``protocol``'s criteria."""
    return assessor_for(protocol).assess(title, abstract, keywords)
