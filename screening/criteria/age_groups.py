"""The age criterion for groups other than adults: older adults, children, adolescents, minors.

Stated ages decide first (`screening.criteria.age.age_values`): a range or lower bound inside the
group's years is met, one outside is not met, one reaching over a bound is unclear; a mean age counts
as inside or outside. Without ages, the group words decide (child, adolescent, older-adult, adult
words from the kind's parameters); words of the wanted group together with another group's are unclear.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screening.criteria.age import AGE_OPEN, age_values
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

GROUP_LABELS = {"adults": "adults", "older_adults": "older adults", "children": "children",
                "adolescents": "adolescents", "minors": "children or adolescents"}


class AgeGroup:
    """A wanted age group with its bounds in years (from the kind's parameters)."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.group = str(params["group"])
        adult, older, teen = float(params["adult_age"]), float(params["older_age"]), float(params["adolescent_age"])
        self.lo, self.hi = {"older_adults": (older, AGE_OPEN), "children": (0.0, teen),
                            "adolescents": (teen, adult), "minors": (0.0, adult)}[self.group]
        self.words = TermSet({"older": params["older_terms"], "child": params["child_terms"],
                              "adolescent": params["adolescent_terms"], "minor": params["minor_terms"],
                              "adult": params["adult_terms"]})
        self.contexts = TermSet({"adult_contexts": params["adult_contexts"]})
        self.wanted_words = {"older_adults": {"older"}, "children": {"child"}, "adolescents": {"adolescent"},
                             "minors": {"child", "adolescent", "minor"}}[self.group]

    def _inside(self, lo: float, hi: float) -> str:
        if self.hi == AGE_OPEN:
            return "in" if lo >= self.lo else ("out" if hi < self.lo else "straddle")
        if lo >= self.lo and hi < self.hi + (1 if hi != lo else 0):
            return "in"
        if hi < self.lo or lo >= self.hi:
            return "out"
        return "straddle"

    def assess(self, record: RecordText) -> CriterionResult:
        label = GROUP_LABELS[self.group]
        inside: list[Span] = []
        outside: list[Span] = []
        straddle: list[Span] = []
        for fname, text in record.fields():
            for v in age_values(text):
                where = self._inside(v.lo, v.hi)
                span = Span(v.start, v.end, text[v.start:v.end], fname, INCLUDE if where == "in" else EXCLUDE)
                if overlaps(span, inside + outside + straddle):
                    continue
                {"in": inside, "out": outside, "straddle": straddle}[where].append(span)
        if straddle or (inside and outside):
            return CriterionResult(UNCLEAR, straddle + inside + outside, f"stated ages reach beyond {label}")
        if inside:
            return CriterionResult(MET, inside, f"stated ages are {label}")
        if outside:
            return CriterionResult(NOT_MET, outside, f"stated ages are not {label}")
        found = self.words.spans(record, INCLUDE)
        contexts = self.contexts.spans(record, INCLUDE).get("adult_contexts", [])
        wanted = [s for k, v in found.items() if k in self.wanted_words for s in v if not overlaps(s, contexts)]
        other = [s for k, v in found.items() if k not in self.wanted_words for s in v
                 if not overlaps(s, wanted) and not overlaps(s, contexts)]
        if wanted and other:
            return CriterionResult(UNCLEAR, wanted + with_polarity(other, EXCLUDE), f"{label} and other ages")
        if wanted:
            return CriterionResult(MET, wanted, label)
        adult_only = {k for k, v in found.items() if any(s in other for s in v)} == {"adult"}
        if other and self.group == "older_adults" and adult_only:  # adults may be older adults
            return CriterionResult(UNCLEAR, other, "adults, not said to be older adults")
        if other:
            return CriterionResult(NOT_MET, with_polarity(other, EXCLUDE), f"not {label}")
        return CriterionResult(UNCLEAR, [], "no age or age group stated")
