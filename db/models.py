"""The review schema (SQLModel). One schema serves SQLite and PostgreSQL.

Every change to these tables goes through an Alembic migration in ``db/migrations/versions``; a test
checks that the models and the head migration agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel


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
