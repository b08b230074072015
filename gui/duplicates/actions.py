"""Background work for the duplicates screen (core calls only: `screening.duplicates`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from db.pair_log import PairDecision
from db.progress import Progress, no_progress
from screening import duplicates


@dataclass(frozen=True)
class Snapshot:
    """What the screen shows: the pending queue, the counts, and the groups with their records."""

    queue: list[dict[str, Any]]
    counts: dict[str, Any]
    groups: list[dict[str, Any]]  # {"ids", "records": [record dicts]}


def snapshot(db: ReviewDB, *, progress: Progress = no_progress) -> Snapshot:
    progress(0, 3, "loading the queue")
    q = duplicates.queue(db)
    progress(1, 3, "counting")
    c = duplicates.counts(db)
    progress(2, 3, "loading groups")
    gs = duplicates.groups(db)
    with db.session() as session:
        recs = {r["id"]: r for r in duplicates.load_records(session, {i for g in gs for i in g})}
    return Snapshot(q, c, [{"ids": g, "records": [recs[i] for i in g if i in recs]} for g in gs])


DECISIONS = {"merge": duplicates.confirm, "reject": duplicates.reject, "undo": duplicates.undo}


def decide(db: ReviewDB, kind: str, a: int, b: int, who: str) -> PairDecision:
    """``kind`` is merge, reject or undo (one `DuplicateDecision` row)."""
    return DECISIONS[kind](db, a, b, who)


def kept(db: ReviewDB, ids: list[int]) -> dict[str, Any]:
    """The merged record of a group (best value of each field)."""
    return duplicates.kept_record(db, ids)
