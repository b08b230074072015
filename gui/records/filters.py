"""Screening filters of the records table: which records have which outcome, and who screened them.

Built from `screening.outcomes.outcomes` ONCE per stage (not per row); the table then keeps only the ids in
the chosen set. Duplicate members carry their kept record's outcome and reviewers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from db.engine import ReviewDB
from screening.outcomes import STATES, outcomes

OUTCOMES = ("included", "excluded", "conflict", "pending")


@dataclass(frozen=True)
class OutcomeIndex:
    """Record ids per outcome and per reviewer who has a current verdict, at one stage."""

    stage: str
    by_state: dict[str, frozenset[int]] = field(default_factory=dict)
    by_reviewer: dict[str, frozenset[int]] = field(default_factory=dict)
    all_ids: frozenset[int] = frozenset()

    @property
    def reviewers(self) -> list[str]:
        return sorted(self.by_reviewer)

    def ids(self, state: str = "", reviewer: str = "", screened: bool = True) -> frozenset[int] | None:
        """The ids passing both filters (``None``: no filter at all)."""
        if not state and not reviewer:
            return None
        out = self.by_state.get(state, frozenset()) if state else self.all_ids
        if reviewer:
            mine = self.by_reviewer.get(reviewer, frozenset())
            out = out & mine if screened else out - mine
        return out


def outcome_index(db: ReviewDB, stage: str) -> OutcomeIndex:
    """Which records are in each outcome state and which each reviewer decided, at ``stage``."""
    states: dict[str, set[int]] = {s: set() for s in STATES}
    reviewers: dict[str, set[int]] = {}
    for rid, o in outcomes(db, stage).items():
        states.setdefault(o.state, set()).add(rid)
        for who in o.verdicts:
            reviewers.setdefault(who, set()).add(rid)
    eligible = frozenset(rid for s, ids in states.items() if s != "ineligible" for rid in ids)
    return OutcomeIndex(stage, {s: frozenset(v) for s, v in states.items()},
                        {r: frozenset(v) for r, v in reviewers.items()}, eligible)
