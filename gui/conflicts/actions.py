"""Background work of the conflicts & agreement screen (Qt-free; core calls only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from db.progress import Progress, no_progress
from screening import agreement, decisions, outcomes
from screening.agreement import PairAgreement
from screening.duplicates import load_records
from screening.protocol import STAGES


@dataclass(frozen=True)
class ConflictRow:
    """A conflict and its kept record (a `load_records` dict; empty when the record is gone)."""

    conflict: outcomes.Conflict
    record: dict[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """The conflicts of one stage (with their records) and the agreement of every stage and pair."""

    stage: str
    conflicts: list[ConflictRow]
    agreement: list[PairAgreement]  # every stage's reviewer pairs
    reasons: tuple[str, ...]          # the stage's exclusion reasons
    stages: tuple[str, ...]


def snapshot(db: ReviewDB, stage: str, *, progress: Progress = no_progress) -> Snapshot:
    progress(0, 2, "finding conflicts")
    protocol = decisions.protocol_of(db)
    found = outcomes.conflicts(db, stage)
    with db.session() as session:
        recs = {r["id"]: r for r in load_records(session, [c.record_id for c in found])}
    rows = [ConflictRow(c, recs.get(c.record_id, {})) for c in found]
    progress(1, 2, "computing agreement")
    stats = [row for s in STAGES if s in protocol.stages for row in agreement.agreement(db, s)]
    return Snapshot(stage, rows, stats, protocol.exclusion_reasons.get(stage, ())[:9], protocol.stages)
