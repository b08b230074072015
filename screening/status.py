"""``metasift status``: the counts of every stage, as `screening.counts` defines them.

`direct_status` reads them through the database driver alone (`db.direct`: no SQLAlchemy, which takes most of
half a second to import) and answers None whenever the normal way (`review_status` on an opened review) could
give anything else: the review needs an upgrade or is damaged, the login needs a prompt, or the reader may not
see every screening row of a blind stage (`screening.blind`). Both build the same document from the same
`count_review`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from screening.blind import MANAGED_BY, sees_everything
from screening.counts import ReviewCounts, count_review, review_counts
from screening.protocol import protocol_label, review_protocol

if TYPE_CHECKING:
    from db.direct import DirectReview
    from db.engine import ReviewDB


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


def _sees_everything(review: DirectReview, viewer: str | None) -> bool:
    """`screening.team.visible_filter`'s first question (is there no filter?), asked through the driver."""
    if viewer is None:
        return True
    kinds = ", ".join(f"'{k}'" for k in MANAGED_BY)
    managed = bool(review.rows(f"SELECT 1 FROM team_event WHERE kind IN ({kinds}) LIMIT 1"))
    if not managed:
        return True
    if not review.is_sqlite:
        from db.direct import IS_ADMIN_SQL

        admin = review.rows(IS_ADMIN_SQL)
        if not (admin and admin[0][0]):
            return True  # a member: the server's row-level security filters already
    lead = False
    if viewer.strip():
        from db.identity import identity

        me = review.rows("SELECT active, roles FROM member WHERE identity = ?", (identity(viewer),))
        lead = bool(me) and bool(me[0][0]) and "lead" in str(me[0][1]).split(",")
    return sees_everything(viewer, managed, False, lead)


def direct_status(target: str, viewer: str | None) -> ReviewStatus | None:
    """`review_status` of the review at ``target`` read as ``viewer`` through the database driver, or None
    when the review must be opened the normal way (see the module docstring)."""
    from db.direct import open_direct
    from db.errors import MetasiftError

    review = open_direct(target)
    if review is None:
        return None
    try:
        if not _sees_everything(review, viewer):
            return None
        title, text = review.rows("SELECT title, protocol FROM review")[0]
        counts = count_review(review.rows, review_protocol(text, protocol_label(review.name, None)).rule)
    except Exception as exc:  # a driver error or MetasiftError: the normal way says what is wrong
        if isinstance(exc, (*review.errors, MetasiftError)):
            return None
        raise
    finally:
        review.close()
    return ReviewStatus(review.name, title, counts)
