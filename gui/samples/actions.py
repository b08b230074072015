"""Background work for the shared-samples screen (core calls only: `extraction.samples`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from db.pair_log import PairDecision
from db.progress import Progress, no_progress
from extraction import samples
from gui.record_groups import RecordGroup, record_groups
from screening import duplicates
from screening.counts import ReviewCounts, review_counts, sample_components, shared_groups
from screening.decisions import group_map
from screening.duplicates import load_records


@dataclass(frozen=True)
class Suggestion:
    """An open link suggestion (`extraction.samples.suggestions`) with its two records' fields."""

    link: PairDecision
    records: list[dict[str, Any]]

    @property
    def ids(self) -> tuple[int, int]:
        return self.link.ids

    @property
    def strength(self) -> str:
        return str(self.link.details.get("strength") or "")

    @property
    def evidence(self) -> list[dict[str, Any]]:
        """The stored evidence items (``kind``, ``detail``)."""
        return list(self.link.details.get("evidence") or [])


@dataclass(frozen=True)
class Snapshot:
    suggestions: list[Suggestion]
    joined: list[RecordGroup]  # shared samples (a link joins unique records)
    duplicate_groups: list[RecordGroup]  # every duplicate group (one record's merged copies)
    counts: ReviewCounts  # the review's counts (samples, records, shared samples, duplicate groups)
    pending_duplicates: int  # duplicate pairs still waiting in the duplicates queue

    @property
    def independent(self) -> int:
        return self.counts.samples

    @property
    def records(self) -> int:
        return self.counts.records


def snapshot(db: ReviewDB, *, progress: Progress = no_progress) -> Snapshot:
    progress(0, 2, "loading suggestions")
    sug = samples.suggestions(db)
    counts = review_counts(db, stages=())
    with db.session() as session:
        canon = group_map(session)
        shared = shared_groups(sample_components(session), canon)
    dup_groups = duplicates.groups(db)
    wanted = {i for s in sug for i in s.ids} | {i for s in shared + dup_groups for i in s}
    progress(1, 2, "loading records")
    with db.session() as session:
        recs = {r["id"]: r for r in load_records(session, wanted)}
    with_records = [Suggestion(s, [recs.get(i, {"id": i}) for i in s.ids]) for s in sug]
    return Snapshot(with_records, record_groups(shared, recs, canon), record_groups(dup_groups, recs, canon), counts,
                    len(duplicates.queue(db)))


def suggest(db: ReviewDB, who: str, *, progress: Progress = no_progress) -> list[PairDecision]:
    progress(0, 1, "looking for reports that share a sample")
    return samples.suggest_links(db, who=who)


DECISIONS = {"link": samples.confirm_link, "reject": samples.reject_link, "undo": samples.undo_link}


def decide(db: ReviewDB, kind: str, a: int, b: int, who: str) -> PairDecision:
    """``kind`` is link (same sample), reject (different samples) or undo."""
    return DECISIONS[kind](db, a, b, who)
