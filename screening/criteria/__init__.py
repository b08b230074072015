"""Protocol criteria assessed on title, abstract and keywords, with evidence spans for highlighting.

``assess_record(title, abstract, keywords, protocol)`` returns an `Assessment`: per criterion a
verdict (met / not_met / unclear) with evidence spans, and a suggestion (include / exclude / unclear)
with short reasons. Suggestions never decide anything.

The names below are loaded on first use (PEP 562): validating a protocol's terms
(`screening.criteria.evidence.check_term`, every review command) does not load the assessor's term tables.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from screening.criteria.assess import Assessment, Assessor, assess_record, assessor_for, suggest
    from screening.criteria.evidence import (
        EXCLUDE,
        INCLUDE,
        MET,
        NOT_MET,
        UNCLEAR,
        CriterionResult,
        RecordText,
        Span,
    )

_FROM = {**dict.fromkeys(("Assessment", "Assessor", "assess_record", "assessor_for", "suggest"), "assess"),
         **dict.fromkeys(("EXCLUDE", "INCLUDE", "MET", "NOT_MET", "UNCLEAR", "CriterionResult", "RecordText",
                          "Span"), "evidence")}
__all__ = ["EXCLUDE", "INCLUDE", "MET", "NOT_MET", "UNCLEAR", "Assessment", "Assessor", "CriterionResult",
           "RecordText", "Span", "assess_record", "assessor_for", "suggest"]


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_FROM[name]}"), name)
    globals()[name] = value
    return value
