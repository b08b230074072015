"""The review's protocol versions as stored (`ProtocolVersion` rows): read the current one, list them, append one.

The text is stored as given; parsing and validating it is the screening layer's (`screening.review_protocol`).
Appending takes the next version number and copies the text to ``review.protocol`` in the same transaction
(older MetaSift versions, and a downgrade below 0007, read it there). On PostgreSQL the server refuses the
insert to anyone but a lead (`db.pg_security`).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.engine import ReviewDB
from db.models import ProtocolVersion, Review


def latest(session: Session) -> ProtocolVersion | None:
    """The current protocol version (the highest number), None when the review never stored a protocol."""
    return session.exec(select(ProtocolVersion).order_by(col(ProtocolVersion.version).desc()).limit(1)).first()


def latest_number(session: Session) -> int | None:
    """The current protocol version's number (one indexed read), None when there is none."""
    return session.exec(select(func.max(ProtocolVersion.version))).one()


def versions(db: ReviewDB) -> list[ProtocolVersion]:
    """Every protocol version, oldest first."""
    with db.session() as session:
        return list(session.exec(select(ProtocolVersion).order_by(col(ProtocolVersion.version))))


def version(db: ReviewDB, number: int) -> ProtocolVersion | None:
    """Protocol version ``number`` (None when there is no such version)."""
    with db.session() as session:
        return session.exec(select(ProtocolVersion).where(ProtocolVersion.version == number)).first()


def append(session: Session, text: str, *, name: str, summary: str, who: str,
           member_id: int | None = None) -> ProtocolVersion:
    """Add the next version (1 for the first) with ``text``; the caller's transaction commits it."""
    number = (latest_number(session) or 0) + 1
    row = ProtocolVersion(version=number, name=name, text=text, summary=summary, who=who, member_id=member_id)
    session.add(row)
    review = session.exec(select(Review)).first()
    if review is not None:
        review.protocol, review.protocol_name = text, name
        session.add(review)
    session.flush()
    session.refresh(row)
    return row
