"""``metasift status``: the counts of every stage, as `screening.counts` defines them."""

from __future__ import annotations

from typing import Any

from db.engine import ReviewDB
from screening.counts import review_counts


def review_status(db: ReviewDB) -> dict[str, Any]:
    """Counts for the whole review (records, batches, per database, and each later stage) as JSON."""
    review = db.review()
    c = review_counts(db)
    return {"review": db.name, "title": review.title, "records": c.records, "batches": c.batches,
            "records_per_database": c.records_per_database, "unique": c.unique, "duplicates": c.duplicates,
            "duplicate_groups": c.duplicate_groups, "duplicates_per_database": c.duplicates_per_database,
            "independent_samples": c.samples, "shared_samples": c.shared_samples, "sample_links": c.links,
            "decisions": c.decisions, "screening": {s: st.to_json() for s, st in c.stages.items()}}
