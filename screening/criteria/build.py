"""From a `CriterionSpec` to the compiled criterion that assesses records.

The term-list parameters of the kinds map onto the term-list names the criteria modules were first
written with (the alliance protocol's old ``[terms]`` keys, `OLD_TERMS`); old-shape protocols are read
through the same table, so both shapes compile to the same criteria.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from screening.criteria.age import Adult
from screening.criteria.age_groups import AgeGroup
from screening.criteria.alliance import Alliance
from screening.criteria.clinical import Clinical
from screening.criteria.design import Design
from screening.criteria.evidence import CriterionResult, RecordText
from screening.criteria.kinds import OLD_TERMS, CriterionSpec
from screening.criteria.record_fields import Language, Years
from screening.criteria.sample_size import SampleSize


class Criterion(Protocol):
    """What every compiled criterion does."""

    def assess(self, record: RecordText) -> CriterionResult: ...


def old_terms(kind: str, params: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """A kind's term-list parameters under their old ``[terms]`` names."""
    return {old: tuple(params[param]) for old, (k, param) in OLD_TERMS.items() if k == kind}


def build(spec: CriterionSpec) -> Criterion:
    """The compiled criterion for ``spec`` (its params complete, as `validate_params` returns them)."""
    p = spec.params
    if spec.kind == "concept":
        return Alliance(old_terms("concept", p), spec.label or spec.id)
    if spec.kind == "setting":
        return Clinical(old_terms("setting", p), p)
    if spec.kind == "age":
        if p["group"] == "adults":
            return Adult(old_terms("age", p), p["adult_age"], p)
        return AgeGroup(p)
    if spec.kind == "sample_size":
        return SampleSize(old_terms("sample_size", p), p["min_participants"], p)
    if spec.kind == "design":
        return Design(p["allowed"])
    if spec.kind == "years":
        return Years(p["from_year"], p["to_year"])
    if spec.kind == "language":
        return Language(p["allowed"], p["detect"])
    raise ValueError(f"unknown criterion kind {spec.kind!r}")
