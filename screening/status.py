"""``metasift status``: the counts of every stage. Later stages add their own sections here."""

from __future__ import annotations

from typing import Any

from db.engine import ReviewDB
from db.pair_log import independent_samples
from screening.duplicates import counts as duplicate_counts
from screening.importing import review_counts
from screening.outcomes import stage_counts
from screening.protocol import STAGES


def review_status(db: ReviewDB) -> dict[str, Any]:
    """Counts for the whole review (records, batches, per database, and each later stage)."""
    review = db.review()
    data: dict[str, Any] = {"review": db.name, "title": review.title}
    data.update(review_counts(db))
    dup = duplicate_counts(db)
    data["unique"] = dup["unique"]
    data["duplicates"] = dup["duplicates"]
    data["duplicates_per_database"] = {name: c["duplicates"] for name, c in dup["per_database"].items()}
    with db.session() as session:
        data["independent_samples"] = independent_samples(session, data["records"])
    # unique records per stage outcome; full text counts only records included at title/abstract
    data["screening"] = {stage: stage_counts(db, stage) for stage in STAGES}
    return data
