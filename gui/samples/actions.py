"""Background work for the shared-samples screen (core calls only: `extraction.samples`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from db.pair_log import PairDecision
from db.progress import Progress, no_progress
from extraction import samples
from screening import duplicates
from screening.duplicates import load_records


@dataclass(frozen=True)
class Snapshot:
    suggestions: list[dict[str, Any]]  # extraction.samples.suggestions + "records": [a, b] record dicts
    joined: list[dict[str, Any]]  # samples of two or more reports: {"ids", "records"}
    independent: int
    records: int
    pending_duplicates: int  # duplicate pairs still waiting in the duplicates queue


def snapshot(db: ReviewDB, *, progress: Progress = no_progress) -> Snapshot:
    progress(0, 2, "loading suggestions")
    sug = [s.to_json() for s in samples.suggestions(db)]
    all_samples = samples.samples(db)
    joined = [s for s in all_samples if len(s) > 1]
    wanted = {i for s in sug for i in s["ids"]} | {i for s in joined for i in s}
    progress(1, 2, "loading records")
    with db.session() as session:
        recs = {r["id"]: r for r in load_records(session, wanted)}
    for s in sug:
        s["records"] = [recs.get(i, {"id": i}) for i in s["ids"]]
    n_records = sum(len(s) for s in all_samples)
    return Snapshot(sug, [{"ids": s, "records": [recs[i] for i in s if i in recs]} for s in joined],
                    len(all_samples), n_records, len(duplicates.queue(db)))


def suggest(db: ReviewDB, who: str, *, progress: Progress = no_progress) -> list[PairDecision]:
    progress(0, 1, "looking for reports that share a sample")
    return samples.suggest_links(db, who=who)


DECISIONS = {"link": samples.confirm_link, "reject": samples.reject_link, "undo": samples.undo_link}


def decide(db: ReviewDB, kind: str, a: int, b: int, who: str) -> PairDecision:
    """``kind`` is link (same sample), reject (different samples) or undo."""
    return DECISIONS[kind](db, a, b, who)
