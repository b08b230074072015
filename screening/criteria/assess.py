"""Assess one record against a protocol's criteria and suggest include / exclude / unclear.

A suggestion is a hint for the screeners, never a decision. It is ``exclude`` only when a criterion
is clearly not met; ``include`` only when every criterion is met; otherwise ``unclear``. So a record
that meets every criterion is never suggested for exclusion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from screening.criteria.build import Criterion, build, old_terms
from screening.criteria.evidence import MET, NOT_MET, CriterionResult, RecordText
from screening.criteria.kinds import default_params
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
    labels: dict[str, str] = field(default_factory=dict)
    """Criterion id -> the label screeners read (the protocol's ``label``)."""

    def label(self, cid: str) -> str:
        """The criterion's label, or its id when the protocol gives none."""
        return self.labels.get(cid) or LABELS.get(cid) or cid.replace("_", " ")

    def to_json(self) -> dict[str, Any]:
        return {"criteria": {k: {"label": self.label(k), **v.to_json()} for k, v in self.criteria.items()},
                "suggestion": self.suggestion, "reasons": list(self.reasons)}


class Assessor:
    """A protocol's criteria compiled once; `assess` is cheap per record."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.criteria = protocol.criteria
        self.compiled: dict[str, Criterion] = {s.id: build(s) for s in protocol.criteria_specs}
        self.labels = {s.id: s.label for s in protocol.criteria_specs}
        sizes = [s for s in protocol.criteria_specs if s.kind == "sample_size"]
        params = sizes[0].params if sizes else default_params("sample_size")
        self.sample_size = SampleSize(old_terms("sample_size", params), int(params["min_participants"]), params)
        """The protocol's (first) sample-size criterion, or the default one: other modules read counts."""

    def assess(self, title: str | None = "", abstract: str | None = "",
               keywords: str | Sequence[str] | None = (), *, year: int | None = None,
               language: str | None = "") -> Assessment:
        """Every criterion's verdict on one record (year and language field for those kinds)."""
        record = RecordText.of(title, abstract, keywords, year=year, language=language)
        results = {cid: crit.assess(record) for cid, crit in self.compiled.items()}
        suggestion, reasons = suggest(results, self.protocol.criterion_reasons, self.labels)
        return Assessment(results, suggestion, reasons, dict(self.labels))


def suggest(results: dict[str, CriterionResult], reasons: dict[str, str],
            labels: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """(suggestion, reasons): exclude on a clear not_met, include when all are met, else unclear."""
    names = {**LABELS, **(labels or {})}
    failed = [name for name, r in results.items() if r.verdict == NOT_MET]
    if failed:
        why = [f"{results[n].reason or reasons.get(n, names.get(n, n))}: {results[n].detail}" for n in failed]
        return EXCLUDE_SUGGESTION, list(dict.fromkeys(why))  # an animal study fails two criteria for one reason
    if results and all(r.verdict == MET for r in results.values()):
        return INCLUDE_SUGGESTION, ["meets every criterion"]
    return UNCLEAR_SUGGESTION, [f"{names.get(n, n)} unclear: {r.detail}" for n, r in results.items()
                                if r.verdict != MET]


_CACHE: dict[tuple[Any, ...], Assessor] = {}


def assessor_for(protocol: Protocol | None = None) -> Assessor:
    """The compiled assessor for ``protocol`` (default: the bundled alliance protocol), cached."""
    if protocol is None:
        from screening.protocol import default_protocol

        protocol = default_protocol()
    key = protocol.terms_key()
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= 8:
            _CACHE.clear()
        found = _CACHE[key] = Assessor(protocol)
    return found


def assess_record(title: str | None = "", abstract: str | None = "",
                  keywords: str | Sequence[str] | None = (), protocol: Protocol | None = None, *,
                  year: int | None = None, language: str | None = "") -> Assessment:
    """Assess one record's title, abstract, keywords (and year, language field) against ``protocol``."""
    return assessor_for(protocol).assess(title, abstract, keywords, year=year, language=language)
