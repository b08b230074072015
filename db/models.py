"""The review schema (SQLModel). One schema serves SQLite and PostgreSQL.

Every change to these tables goes through an Alembic migration in ``db/migrations/versions``; a test
checks that the models and the head migration agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.pairs import LINKED, MERGED  # noqa: F401 - defined with the pair replay that reads them


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Review(SQLModel, table=True):
    """The review itself: one row per database."""

    __tablename__ = "review"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="Untitled review")
    protocol: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    protocol_name: str | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    app_version: str = Field(default="")


class ImportBatch(SQLModel, table=True):
    """One imported export file. ``sha256`` identifies the file's bytes; a second import is refused."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    sha256: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    format: str
    source_db: str = Field(index=True)
    record_count: int = 0
    imported_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    imported_by: str = Field(default="")
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Record(SQLModel, table=True):
    """One bibliographic record as imported (nothing is ever deleted or overwritten by later stages).

    ``source_id`` is the source's own identifier (accession number, PMID, WoS UT, ...), or
    ``"<batch>-<ordinal>"`` when the export carries none. ``raw`` keeps every field as exported.
    """

    __tablename__ = "record"
    __table_args__ = (
        Index("ix_record_batch_ordinal", "batch_id", "ordinal"),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True)
    ordinal: int = 0
    source_id: str = Field(index=True)
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    abstract: str = Field(default="", sa_column=Column(Text, nullable=False))
    authors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    year: int | None = Field(default=None, index=True)
    journal: str = Field(default="")
    volume: str = Field(default="")
    issue: str = Field(default="")
    pages: str = Field(default="")
    doi: str = Field(default="", index=True)
    pmid: str = Field(default="", index=True)
    other_ids: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    language: str = Field(default="")
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    pub_type: str = Field(default="")
    url: str = Field(default="")
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


RECORD_FIELDS: tuple[str, ...] = (
    "source_id", "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi",
    "pmid", "other_ids", "language", "keywords", "pub_type", "url", "raw",
)
"""The record columns an importer fills (everything but ids, batch and ordinal)."""


# --- duplicates and shared samples (append-only decision logs) ---------------------------------------------

DUPLICATE_DECISIONS = ("auto", "queued", "confirmed", "rejected", "undone")
"""``duplicate_decision.decision`` values: machine (auto/queued) and person (confirmed/rejected/undone)."""
LINK_DECISIONS = ("suggested", "confirmed", "rejected", "undone")
"""``sample_link.decision`` values."""


class DuplicateDecision(SQLModel, table=True):
    """One decision on a pair of records (``record_a < record_b``).

    Rows are never updated or deleted: an undo appends an ``undone`` row that withdraws the decision in
    force (the one before it applies again; see `db.pair_log`), so the whole history stays.
    ``run_id`` names the `run_dedup` run that wrote a machine decision (empty for a person's).
    """

    __tablename__ = "duplicate_decision"
    __table_args__ = (
        Index("ix_duplicate_decision_pair", "record_a", "record_b", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_a: int = Field(foreign_key="record.id")
    record_b: int = Field(foreign_key="record.id", index=True)
    decision: str = Field(index=True)
    score: float | None = Field(default=None)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    who: str = Field(default="")
    decided_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    run_id: str = Field(default="")


class SampleLink(SQLModel, table=True):
    """One decision that two reports (``record_a < record_b``) describe the same sample (see `db.pair_log`).

    ``evidence`` lists what suggested the link (``{"kind", "detail"}``); ``strength`` is strong, moderate
    or weak. Append-only like `DuplicateDecision`.
    """

    __tablename__ = "sample_link"
    __table_args__ = (
        Index("ix_sample_link_pair", "record_a", "record_b", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_a: int = Field(foreign_key="record.id")
    record_b: int = Field(foreign_key="record.id", index=True)
    decision: str = Field(index=True)
    strength: str = Field(default="")
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    who: str = Field(default="")
    decided_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


# --- the team ---------------------------------------------------------------------------------------------

ROLES = ("lead", "screener", "coder", "viewer")
"""Member roles: lead (protocol, roster, conflict resolution, unblinding, allocation), screener, coder, viewer."""
TEAM_EVENTS = ("member_added", "roles_changed", "member_removed", "unblinded", "assigned", "migrated", "stop_sample")
"""``team_event.kind`` values."""


class Member(SQLModel, table=True):
    """One person of the review. ``identity`` is the normalised name (`db.identity.identity`) every decision
    and coded value refers to; ``name`` is how they wrote it. ``roles`` is a comma-joined subset of `ROLES`.
    ``login`` is their PostgreSQL login (empty on SQLite): the server identifies them by it, never by a
    name the client sends. A removed member keeps their row (``active`` false): their decisions stay theirs.
    """

    __tablename__ = "member"

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    name: str = Field(default="")
    roles: str = Field(default="")
    login: str = Field(default="", index=True)
    active: bool = Field(default=True)
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class TeamEvent(SQLModel, table=True):
    """One act on the team, append-only: a member added, their roles changed or removed, a stage unblinded,
    records assigned, the roster made at migration. ``who`` is the acting member's identity."""

    __tablename__ = "team_event"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    stage: str = Field(default="")
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    who: str = Field(default="")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class Assignment(SQLModel, table=True):
    """A record a lead gave a member to screen at a stage (``batch`` names the allocation run)."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("record_id", "stage", "member_id", name="uq_assignment_record_stage_member"),
        Index("ix_assignment_member_stage", "member_id", "stage"),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id")
    stage: str
    member_id: int = Field(foreign_key="member.id")
    batch: str = Field(default="")
    assigned_by: str = Field(default="")
    assigned_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


VERDICTS = ("include", "exclude", "maybe")
"""Screening verdicts a reviewer gives."""
DECISION_KINDS = ("decision", "undo", "resolution")
"""``screening_decision.kind``: a reviewer's verdict, a compensating undo of one, a conflict resolution."""


class ScreeningDecision(SQLModel, table=True):
    """One screening act on a record at a stage (``reviewer``: the member's identity; ``member_id``: them).

    Append-only: changing a verdict adds a row, an undo adds a
    ``kind="undo"`` row naming the row it withdraws (``undoes``), and resolving a conflict adds a
    ``kind="resolution"`` row (``method`` = third_reviewer or consensus). ``uid`` is unique: a client
    that retries a write it is unsure about cannot store the same decision twice.
    """

    __tablename__ = "screening_decision"
    __table_args__ = (
        Index("ix_screening_decision_record_stage", "record_id", "stage", "id"),
        Index("ix_screening_decision_reviewer_stage", "reviewer", "stage"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    record_id: int = Field(foreign_key="record.id")
    stage: str
    reviewer: str
    kind: str = Field(default="decision")
    verdict: str = Field(default="")
    reason: str = Field(default="")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    full_text: str = Field(default="")
    method: str = Field(default="")
    undoes: int | None = Field(default=None, foreign_key="screening_decision.id", index=True)
    decided_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    protocol_version: int | None = Field(default=None)
    """The protocol version (`ProtocolVersion.version`) in force when the row was stored (0007; None for rows
    stored before protocols were versioned, or in a review that never stored a protocol)."""


class EffectSize(SQLModel, table=True):
    """One coded alliance–outcome relation from a report, as one coder entered it.

    Append-only versions: an edit adds a row with ``replaces`` = the row it corrects; a deletion adds a
    ``kind="deleted"`` row. ``kind="reconciled"`` rows hold the consensus of double coding. ``statistic``
    is what the report gave (r, t, F, d, chi2, p, or, z) with ``value`` and its companions; ``r``, ``z``
    and ``var_z`` (1/(n-3)) are computed by MetaSift. ``moderators`` maps codebook fields to values.
    """

    __tablename__ = "effect_size"
    __table_args__ = (
        Index("ix_effect_size_record_coder", "record_id", "coder"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    record_id: int = Field(foreign_key="record.id")
    coder: str
    kind: str = Field(default="coded")
    replaces: int | None = Field(default=None, foreign_key="effect_size.id")
    label: str = Field(default="")
    statistic: str = Field(default="r")
    value: float | None = Field(default=None)
    df: float | None = Field(default=None)
    n: int | None = Field(default=None)
    n1: int | None = Field(default=None)
    n2: int | None = Field(default=None)
    tails: int = Field(default=2)
    direction: int = Field(default=1)
    r: float | None = Field(default=None)
    z: float | None = Field(default=None)
    var_z: float | None = Field(default=None)
    method: str = Field(default="")
    location: str = Field(default="")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    moderators: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    coded_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    provenance: dict[str, Any] | None = Field(default_factory=dict, sa_column=Column(JSON, nullable=True))
    """Where the numbers came from (0005): empty = typed by the coder; ``{"source": "full text", "pdf":
    sha256, "page", "quote", "start", "end", "kind"}`` = taken from a statistic the finder found."""
    protocol_version: int | None = Field(default=None)
    """The protocol version the effect was coded under (0007), as for `ScreeningDecision.protocol_version`."""


# --- full texts (migration 0005) -----------------------------------------------------------------------------

PDF_ACTIONS = ("attach", "detach")
"""``pdf_attachment.action`` values."""


class PdfBlob(SQLModel, table=True):
    """One PDF's bytes, stored once however many records it is attached to (content-addressed by ``sha256``).

    ``page_text`` is the text of each page as pypdfium2 read it when the file was stored (searching, DOI
    matching and the statistics finder read it without opening the PDF again); ``meta`` keeps the document
    information (title, author, ...). Rows are never changed: detaching a PDF leaves its bytes in the review.
    """

    __tablename__ = "pdf_blob"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    size: int = 0
    pages: int = 0
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    page_text: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    added_by: str = Field(default="")
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


class PdfAttachment(SQLModel, table=True):
    """One act on a record's full texts, append-only: ``attach`` a stored PDF, or ``detach`` it again.

    The PDFs attached to a record now are those whose latest row for the record is an ``attach``; the
    history (who, when, from which file, how) is the rows themselves. ``how`` is file, folder or drop.
    """

    __tablename__ = "pdf_attachment"
    __table_args__ = (
        Index("ix_pdf_attachment_record", "record_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id")
    pdf_id: int = Field(foreign_key="pdf_blob.id", index=True)
    action: str = Field(default="attach")
    file_name: str = Field(default="")
    how: str = Field(default="file")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    who: str = Field(default="")
    member_id: int | None = Field(default=None, foreign_key="member.id")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))


# --- protocol versions (migration 0007) -------------------------------------------------------------------------


class ProtocolVersion(SQLModel, table=True):
    """One version of the review's protocol, append-only: the full TOML ``text``, who stored it and when, and a
    ``summary`` a person reads (what changed). The review's protocol is its highest ``version``; version 1 is
    the protocol the review was created with (or, for a review older than 0007, the one it had stored).
    ``review.protocol`` keeps a copy of the current text for older MetaSift versions and downgrades."""

    __tablename__ = "protocol_version"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(sa_column=Column(Integer, unique=True, nullable=False))
    name: str = Field(default="")
    text: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    who: str = Field(default="")
    member_id: int | None = Field(default=None, foreign_key="member.id")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True)))
