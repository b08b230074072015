"""``metasift status``: the counts of every stage. Later stages add their own sections here."""

from __future__ import annotations

from typing import Any

from db.engine import ReviewDB
from screening.importing import review_counts


def review_status(db: ReviewDB) -> dict[str, Any]:
    """Counts for the whole review (records, batches, per database, and each later stage)."""
    review = db.review()
    data: dict[str, Any] = {"review": db.name, "title": review.title}
    data.update(review_counts(db))
    return data
