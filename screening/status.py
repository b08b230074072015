"""``metasift status``: the counts of every stage, as `screening.counts` defines them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from screening.counts import ReviewCounts, review_counts


@dataclass(frozen=True)
class ReviewStatus:
    """The review (its name and title) and every count (`screening.counts.ReviewCounts`)."""

    review: str
    title: str
    counts: ReviewCounts

    def to_json(self) -> dict[str, Any]:
        """The ``metasift status --json`` document."""
        c = self.counts
        return {"review": self.review, "title": self.title, "records": c.records, "batches": c.batches,
                "records_per_database": c.records_per_database, "unique": c.unique, "duplicates": c.duplicates,
                "duplicate_groups": c.duplicate_groups, "duplicates_per_database": c.duplicates_per_database,
                "independent_samples": c.samples, "shared_samples": c.shared_samples, "sample_links": c.links,
                "decisions": c.decisions, "screening": {s: st.to_json() for s, st in c.stages.items()}}


def review_status(db: ReviewDB) -> ReviewStatus:
    """Counts for the whole review (records, batches, per database, and each later stage)."""
    return ReviewStatus(db.name, db.review().title, review_counts(db))
