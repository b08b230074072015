"""Background work for the duplicates screen (core calls only: `screening.duplicates`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from db.progress import Progress, ShouldStop
from screening import duplicates
from screening.counts import review_counts


@dataclass(frozen=True)
class Snapshot:
    """What the screen shows: the pending queue, the counts, and the groups with their records."""

    queue: list[dict[str, Any]]
    counts: dict[str, Any]
    groups: list[dict[str, Any]]  # {"ids", "records": [record dicts]}


def snapshot(db: ReviewDB) -> Callable[[Progress, ShouldStop], Snapshot]:
    def work(progress: Progress, _should_stop: ShouldStop) -> Snapshot:
        progress(0, 3, "loading the queue")
        q = duplicates.queue(db)
        progress(1, 3, "counting")
        c = review_counts(db, stages=()).duplicates_json()
        progress(2, 3, "loading groups")
        gs = duplicates.groups(db)
        with db.session() as session:
            recs = {r["id"]: r for r in duplicates.load_records(session, {i for g in gs for i in g})}
        return Snapshot(q, c, [{"ids": g, "records": [recs[i] for i in g if i in recs]} for g in gs])

    return work


def dedup(db: ReviewDB, who: str) -> Callable[[Progress, ShouldStop], dict[str, Any]]:
    def work(progress: Progress, should_stop: ShouldStop) -> dict[str, Any]:
        return duplicates.run_dedup(db, who=who, progress=progress, should_stop=should_stop)

    return work


DECISIONS = {"merge": duplicates.confirm, "reject": duplicates.reject, "undo": duplicates.undo}


def decide(db: ReviewDB, kind: str, a: int, b: int, who: str) -> Callable[[Progress, ShouldStop], Any]:
    """``kind`` is merge, reject or undo (one `DuplicateDecision` row)."""
    fn = DECISIONS[kind]

    def work(_progress: Progress, _should_stop: ShouldStop) -> Any:
        return fn(db, a, b, who)

    return work


def kept(db: ReviewDB, ids: list[int]) -> dict[str, Any]:
    """The merged record of a group (best value of each field)."""
    return duplicates.kept_record(db, ids)
