"""What screening decided: each record's stage outcome, the conflicts and blind views.

Outcomes follow the protocol's ``rule`` (see `screening.decisions.settle`): ``included``, ``excluded``,
``conflict`` (reviewers disagree, or one said maybe: it needs a resolution) or ``pending``. At full text a
record that has not been included at title/abstract is ``ineligible``. Every member of a duplicate group
carries its kept record's outcome. `outcomes` reads the decision table once per call (not once per record).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from db.engine import ReviewDB
from db.errors import InputError
from db.models import Record
from screening.decisions import (
    LoggedDecision,
    StageState,
    blind_keep,
    group_map,
    history,
    protocol_of,
    replay,
    settle,
    stage_rows,
)
from screening.protocol import STAGES, Protocol
from screening.settle import STATES, Outcome
from screening.settle import outcome_of as _outcome

__all__ = ["STATES", "Outcome", "VisibleDecision", "conflicts", "outcome", "outcome_lookup", "outcomes",
           "visible_decisions"]


def _check(stage: str) -> None:
    if stage not in STAGES:
        raise InputError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")


def _states(db: ReviewDB, stage: str) -> tuple[list[int], dict[int, int], dict[tuple[int, str], StageState]]:
    """All record ids, the duplicate map, and the state per (kept record, stage) for ``stage`` and the
    stages it depends on (one query over the decision table)."""
    stages = ["title_abstract"] if stage == "title_abstract" else ["title_abstract", stage]
    with db.session() as session:
        ids = list(session.exec(select(Record.id).order_by(col(Record.id))))
        canon = group_map(session)
        states = replay(stage_rows(session, stages, keep=blind_keep(db, session)), canon)
    return [int(i) for i in ids if i is not None], canon, states


def outcomes(db: ReviewDB, stage: str = "title_abstract", *, protocol: Protocol | None = None) -> dict[int, Outcome]:
    """The outcome of every record (duplicate members included, with their kept record's outcome).
    ``protocol``: the review's (`protocol_of`), when the caller has read it already."""
    _check(stage)
    rule = (protocol or protocol_of(db)).rule
    ids, canon, states = _states(db, stage)
    return {rid: _outcome(rid, canon.get(rid, rid), stage, states, rule) for rid in ids}


def outcome_lookup(db: ReviewDB, *, protocol: Protocol | None = None) -> Callable[[int, str], tuple[int, str, str]]:
    """``lookup(record id, stage) -> (kept id, state, reason)``: the states of `outcomes` from one replay of the
    decision log, without an `Outcome` per record (memory grows with the decisions, not the records: for
    exports of any size)."""
    rule = (protocol or protocol_of(db)).rule
    with db.session() as session:
        canon = group_map(session)
        settled = {key: settle(st, rule) for key, st in
                   replay(stage_rows(session, list(STAGES), keep=blind_keep(db, session)), canon).items()}

    def lookup(rid: int, stage: str) -> tuple[int, str, str]:
        kept = canon.get(rid, rid)
        if stage == "full_text" and settled.get((kept, "title_abstract"), ("pending", ""))[0] != "included":
            return kept, "ineligible", ""
        state, reason = settled.get((kept, stage), ("pending", ""))
        return kept, state, reason

    return lookup


def outcome(db: ReviewDB, record: int, stage: str = "title_abstract") -> Outcome:
    """One record's outcome at ``stage``."""
    _check(stage)
    found = outcomes(db, stage).get(int(record))
    if found is None:
        raise InputError(f"there is no record #{record} in this review")
    return found


@dataclass(frozen=True)
class Verdict:
    """A reviewer's current verdict on a record at a stage, as a conflict lists it."""

    reviewer: str
    verdict: str
    reason: str
    note: str
    full_text: str
    decided_at: str | None  # ISO 8601, UTC
    protocol_version: int | None = None
    """The protocol version the verdict was made under (None: stored before protocols had versions)."""

    def to_json(self) -> dict[str, Any]:
        return {"reviewer": self.reviewer, "verdict": self.verdict, "reason": self.reason, "note": self.note,
                "full_text": self.full_text, "decided_at": self.decided_at,
                "protocol_version": self.protocol_version}


@dataclass(frozen=True)
class Conflict:
    """A kept record in conflict at a stage, its duplicate group (``members``) and every current verdict."""

    record_id: int
    members: list[int]
    stage: str
    verdicts: list[Verdict]

    def to_json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "members": list(self.members), "stage": self.stage,
                "verdicts": [v.to_json() for v in self.verdicts]}


@dataclass(frozen=True)
class VisibleDecision:
    """A current verdict or resolution on a record as a viewer may see it (`visible_decisions`): in blind
    mode another reviewer's is ``hidden`` (verdict None, reason, note, full text and method empty)."""

    reviewer: str
    verdict: str | None
    reason: str
    note: str
    full_text: str
    decided_at: str | None  # ISO 8601, UTC
    kind: str  # decision or resolution
    method: str
    hidden: bool
    protocol_version: int | None = None
    """The protocol version it was made under (None: before protocols had versions, or hidden)."""

    def to_json(self) -> dict[str, Any]:
        return {"reviewer": self.reviewer, "verdict": self.verdict, "reason": self.reason, "note": self.note,
                "full_text": self.full_text, "decided_at": self.decided_at, "kind": self.kind,
                "method": self.method, "hidden": self.hidden, "protocol_version": self.protocol_version}


def _row(row: Any) -> Verdict:
    return Verdict(row.reviewer, row.verdict, row.reason, row.note, row.full_text,
                   row.decided_at.isoformat() if row.decided_at else None, getattr(row, "protocol_version", None))


def conflicts(db: ReviewDB, stage: str = "title_abstract") -> list[Conflict]:
    """Records in conflict at ``stage`` (kept records, by id), each with every reviewer's current verdict,
    reason and note."""
    _check(stage)
    rule = protocol_of(db).rule
    ids, canon, states = _states(db, stage)
    members: dict[int, list[int]] = {}
    for rid in ids:
        members.setdefault(canon.get(rid, rid), []).append(rid)
    out = []
    for kept, group in sorted(members.items()):
        if _outcome(kept, kept, stage, states, rule).state != "conflict":
            continue
        st = states[(kept, stage)]
        rows = sorted(st.verdicts.values(), key=lambda r: r.id or 0)
        out.append(Conflict(kept, group, stage, [_row(r) for r in rows]))
    return out


def visible_decisions(db: ReviewDB, record: int, stage: str, viewer: str, blind: bool = True
                      ) -> list[VisibleDecision]:
    """The current verdicts (and resolution) on ``record`` at ``stage`` as ``viewer`` may see them.

    Blind mode: until ``viewer`` has a verdict of their own there, other reviewers' verdicts, reasons and
    notes are hidden (``hidden``; only the fact that they decided is shown), and so is a resolution."""
    _check(stage)
    with db.session() as session:
        if session.get(Record, int(record)) is None:
            raise InputError(f"there is no record #{record} in this review")
        canon = group_map(session)
        kept = canon.get(int(record), int(record))
        group = [m for m, k in canon.items() if k == kept] or [kept]
        st = replay(stage_rows(session, [stage], group, blind_keep(db, session)), canon).get((kept, stage))
    if st is None:
        return []
    rows = sorted(st.verdicts.values(), key=lambda r: r.id or 0)
    if st.resolution is not None:
        rows.append(st.resolution)
    hide = blind and viewer not in st.verdicts
    out = []
    for r in rows:
        v = _row(r)
        if hide and r.reviewer != viewer:
            out.append(VisibleDecision(v.reviewer, None, "", "", "", v.decided_at, r.kind, "", True))
        else:
            out.append(VisibleDecision(v.reviewer, v.verdict, v.reason, v.note, v.full_text, v.decided_at, r.kind,
                                       r.method, False, v.protocol_version))
    return out



@dataclass(frozen=True)
class RecordHistory:
    """A record's full decision history: every screening row on its duplicate group at every stage
    (decisions, undos, resolutions; oldest first, each with the protocol version it was made under) and its
    outcome per stage."""

    record_id: int
    rows: list[LoggedDecision]
    states: dict[str, str]


def record_history(db: ReviewDB, record: int) -> RecordHistory:
    """The history `metasift screen history` prints and the record's history dialog shows."""
    rows = [LoggedDecision.of(r) for r in history(db, record)]
    return RecordHistory(record, rows, {s: outcome(db, record, s).state for s in STAGES})
