"""Background work for the shared-samples screen (core calls only: `extraction.samples`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from db.pair_log import PairDecision
from db.progress import Progress, ShouldStop
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


def snapshot(db: ReviewDB) -> Callable[[Progress, ShouldStop], Snapshot]:
    def work(progress: Progress, _should_stop: ShouldStop) -> Snapshot:
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

    return work


def suggest(db: ReviewDB, who: str) -> Callable[[Progress, ShouldStop], list[PairDecision]]:
    def work(progress: Progress, _should_stop: ShouldStop) -> list[PairDecision]:
        progress(0, 1, "looking for reports that share a sample")
        return samples.suggest_links(db, who=who)

    return work


DECISIONS = {"link": samples.confirm_link, "reject": samples.reject_link, "undo": samples.undo_link}


def decide(db: ReviewDB, kind: str, a: int, b: int, who: str) -> Callable[[Progress, ShouldStop], Any]:
    """``kind`` is link (same sample), reject (different samples) or undo."""
    fn = DECISIONS[kind]

    def work(_progress: Progress, _should_stop: ShouldStop) -> Any:
        return fn(db, a, b, who)

    return work
