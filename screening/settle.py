"""How the screening log settles into outcomes, without the database: plain functions over rows.

`replay` turns the rows of `ScreeningDecision` (in id order) into each (kept record, stage)'s verdicts and
resolution in force, `settle` applies the protocol's rule, `outcome_of` gives a record's `Outcome`. The ORM
path (`screening.outcomes`, `screening.decisions`) and the driver path of `metasift status`
(`screening.counts`) both run these, so every surface settles a record the same way. A row is anything with
the attributes of `DecisionRow` (an ORM row, or a `screening.counts.DecisionTuple`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

STATES = ("included", "excluded", "conflict", "pending", "ineligible")


class DecisionRow(Protocol):
    """What the replay and the rule read of a screening row."""

    @property
    def id(self) -> int | None: ...
    @property
    def record_id(self) -> int: ...
    @property
    def stage(self) -> str: ...
    @property
    def reviewer(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def undoes(self) -> int | None: ...
    @property
    def member_id(self) -> int | None: ...


D = TypeVar("D", bound=DecisionRow)


@dataclass
class StageState(Generic[D]):
    """The rows in force for one (kept record, stage): each reviewer's current verdict and the resolution."""

    verdicts: dict[str, D] = field(default_factory=dict)
    resolution: D | None = None


def replay(rows: Iterable[D], canon: Mapping[int, int]) -> dict[tuple[int, str], StageState[D]]:
    """Rows (in id order) -> state per (kept record, stage). Undone rows are skipped, so a reviewer's earlier
    verdict applies again; a later verdict of the same reviewer replaces their earlier one."""
    rows = list(rows)
    undone = {r.undoes for r in rows if r.kind == "undo"}
    states: dict[tuple[int, str], StageState[D]] = {}
    for r in rows:
        if r.kind == "undo" or r.id in undone:
            continue
        st = states.setdefault((canon.get(r.record_id, r.record_id), r.stage), StageState())
        if r.kind == "resolution":
            st.resolution = r
        else:
            st.verdicts[r.reviewer] = r
    return states


def settle(st: StageState[Any] | None, rule: str) -> tuple[str, str]:
    """(outcome, exclusion reason) of one stage state under the protocol's rule.

    A resolution in force decides. Otherwise ``two_agree`` needs two reviewers and ``one_reviewer`` one;
    when every current verdict is include the record is ``included``, when every one is exclude it is
    ``excluded``. Any disagreement, and any ``maybe`` (a reviewer who is unsure asks for a second look), is a
    ``conflict`` to resolve. Fewer verdicts than the rule needs (and no maybe / disagreement): ``pending``.
    The reason of an exclusion is the resolution's, else the one most reviewers gave (ties: the earliest).
    """
    if st is None:
        return "pending", ""
    if st.resolution is not None:
        r = st.resolution
        return ("included", "") if r.verdict == "include" else ("excluded", r.reason)
    rows = sorted(st.verdicts.values(), key=lambda r: r.id or 0)
    verdicts = {r.verdict for r in rows}
    if "maybe" in verdicts or len(verdicts) > 1:
        return "conflict", ""
    if len(rows) < (2 if rule == "two_agree" else 1):
        return "pending", ""
    if verdicts == {"include"}:
        return "included", ""
    given = [r.reason for r in rows if r.reason]
    return "excluded", (max(given, key=lambda x: (given.count(x), -given.index(x))) if given else "")


@dataclass(frozen=True)
class Outcome:
    """A record's outcome at one stage. ``verdicts`` (reviewer -> current verdict) is not blinded."""

    record_id: int
    kept_id: int
    stage: str
    state: str
    reason: str = ""
    resolved_by: str = ""
    method: str = ""
    verdicts: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "kept_id": self.kept_id, "stage": self.stage, "state": self.state,
                "reason": self.reason, "resolved_by": self.resolved_by, "method": self.method,
                "verdicts": dict(self.verdicts)}


def outcome_of(rid: int, kept: int, stage: str, states: Mapping[tuple[int, str], StageState[Any]],
               rule: str) -> Outcome:
    """Record ``rid``'s outcome at ``stage`` (``kept``: its duplicate group's kept record; ``states``: the
    `replay` of the stage and of title/abstract). At full text a record not included at title/abstract is
    ``ineligible``."""
    if stage == "full_text" and settle(states.get((kept, "title_abstract")), rule)[0] != "included":
        return Outcome(rid, kept, stage, "ineligible")
    st = states.get((kept, stage))
    state, reason = settle(st, rule)
    res = st.resolution if st is not None else None
    return Outcome(rid, kept, stage, state, reason, res.reviewer if res else "", res.method if res else "",
                   {r: row.verdict for r, row in st.verdicts.items()} if st is not None else {})
