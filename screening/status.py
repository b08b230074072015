"""``metasift status``: the counts of every stage. Later stages add their own sections here."""

from __future__ import annotations

from typing import Any

from db.engine import ReviewDB
from db.models import SampleLink, components, current_per_pair, merged_pairs
from screening.duplicates import counts as duplicate_counts
from screening.importing import review_counts
from screening.outcomes import stage_counts
from screening.protocol import STAGES


def _independent_samples(db: ReviewDB, records: int) -> int:
    """Records minus the ones joined to another by a duplicate merge or a confirmed shared-sample link.

    (The same count as ``extraction.samples.independent_samples``; screening may not import extraction.)
    """
    with db.session() as session:
        links = [k for k, r in current_per_pair(session, SampleLink).items()
                 if r is not None and r.decision == "confirmed"]
        joined = components(links + merged_pairs(session))
    return records - sum(len(g) - 1 for g in joined)


def review_status(db: ReviewDB) -> dict[str, Any]:
    """Counts for the whole review (records, batches, per database, and each later stage)."""
    review = db.review()
    data: dict[str, Any] = {"review": db.name, "title": review.title}
    data.update(review_counts(db))
    dup = duplicate_counts(db)
    data["unique"] = dup["unique"]
    data["duplicates"] = dup["duplicates"]
    data["duplicates_per_database"] = {name: c["duplicates"] for name, c in dup["per_database"].items()}
    data["independent_samples"] = _independent_samples(db, data["records"])
    # unique records per stage outcome; full text counts only records included at title/abstract
    data["screening"] = {stage: stage_counts(db, stage) for stage in STAGES}
    return data
