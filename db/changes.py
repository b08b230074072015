"""What other people changed in a shared review: for a window that keeps a review open while a team works.

Everything a person stores is an appended row naming its author (imports, duplicate and sample decisions,
screening decisions, coded effects, protocol versions); only undoing an import removes rows. So a `Stamp` (per
topic: rows and highest id) taken now and compared later tells whether anything changed, and the rows above the
old highest id tell who changed what. Topics are the names the desktop app's screens refresh on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from db.engine import ReviewDB
from db.errors import InputError
from db.identity import lenient_identity
from db.models import (
    DuplicateDecision,
    EffectSize,
    ImportBatch,
    PdfAttachment,
    ProtocolVersion,
    SampleLink,
    ScreeningDecision,
    TeamEvent,
)


class Topic(StrEnum):
    """What a write changes: the desktop app's screens refresh on these, and team changes are reported
    under them (a member is its plain text, e.g. ``"screening"``)."""

    RECORDS = "records"
    DUPLICATES = "duplicates"
    SAMPLES = "samples"
    SCREENING = "screening"
    EFFECTS = "effects"
    PDFS = "pdfs"
    """Full texts attached to records or detached from them (`screening.fulltext.store`)."""
    TEAM = "team"
    PROTOCOL = "protocol"


TOPICS: dict[Topic, tuple[Any, str]] = {
    Topic.RECORDS: (ImportBatch, "imported_by"),
    Topic.DUPLICATES: (DuplicateDecision, "who"),
    Topic.SAMPLES: (SampleLink, "who"),
    Topic.SCREENING: (ScreeningDecision, "reviewer"),
    Topic.EFFECTS: (EffectSize, "coder"),
    Topic.PDFS: (PdfAttachment, "who"),
    Topic.TEAM: (TeamEvent, "who"),
    Topic.PROTOCOL: (ProtocolVersion, "who"),
}
"""topic -> (table, the column naming who wrote a row)."""

NOUNS = {Topic.RECORDS: ("import", "imports"), Topic.DUPLICATES: ("duplicate decision", "duplicate decisions"),
         Topic.SAMPLES: ("sample link decision", "sample link decisions"),
         Topic.SCREENING: ("screening decision", "screening decisions"),
         Topic.EFFECTS: ("coded effect", "coded effects"),
         Topic.PDFS: ("full text attached or detached", "full texts attached or detached"),
         Topic.TEAM: ("team change", "team changes"),
         Topic.PROTOCOL: ("protocol version", "protocol versions")}


@dataclass(frozen=True)
class Stamp:
    """Per topic ``(rows, highest id)`` at one moment (0, 0 for an empty table)."""

    marks: dict[str, tuple[int, int]]

    def to_json(self) -> dict[str, list[int]]:
        return {t: [rows, top] for t, (rows, top) in self.marks.items()}

    @classmethod
    def parse(cls, text: str) -> Stamp:
        """A stamp from its JSON form (`to_json`), as ``metasift activity --json`` prints it."""
        import json

        try:
            data = json.loads(text)
            marks = {str(t): (int(v[0]), int(v[1])) for t, v in data.items()}
        except (ValueError, TypeError, IndexError, AttributeError, KeyError):
            raise InputError(f"--since: expected the stamp printed by `metasift activity --json`, e.g. "
                             f'\'{{"screening": [120, 131]}}\', not {text!r}') from None
        unknown = sorted(set(marks) - set(TOPICS))
        if unknown:
            raise InputError(f"--since: unknown topic(s) {', '.join(unknown)}; topics: {', '.join(TOPICS)}")
        return cls(marks)


@dataclass
class Changes:
    """What happened between two stamps: ``added[topic][author]`` rows by people other than the caller;
    ``removed[topic]`` rows that disappeared (an undone import); ``stamp`` is the new baseline."""

    stamp: Stamp
    added: dict[str, dict[str, int]] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)

    @property
    def topics(self) -> list[Topic]:
        """Topics the caller should reload (in `TOPICS` order)."""
        return [t for t in TOPICS if t in self.added or t in self.removed]

    def summary(self) -> str:
        """One line for a status bar, e.g. ``bob: 12 screening decisions · carol: 1 coded effect``."""
        parts = []
        for topic in self.topics:
            singular, plural = NOUNS[topic]
            for author, n in sorted(self.added.get(topic, {}).items()):
                parts.append(f"{author or 'someone'}: {n} {singular if n == 1 else plural}")
            if self.removed.get(topic):
                n = self.removed[topic]
                parts.append(f"{n} {singular if n == 1 else plural} undone")
        return " · ".join(parts)


def stamp(db: ReviewDB) -> Stamp:
    """The review's stamp now (one short read per topic; the id column is the primary key)."""
    marks: dict[str, tuple[int, int]] = {}
    with db.session() as session:
        for topic, (table, _who) in TOPICS.items():
            rows, top = session.exec(select(func.count(table.id), func.max(table.id))).one()
            marks[topic] = (int(rows or 0), int(top or 0))
    return Stamp(marks)


def changes_since(db: ReviewDB, before: Stamp, me: str | None = None,
                  keep: Callable[[Any], bool] | None = None) -> Changes:
    """What others (authors other than ``me``) added since ``before``, and rows removed since then.

    Rows ``me`` wrote, here or in another program, are not reported: the caller showed them already
    (``me=None`` reports everyone). ``Stamp({})`` as ``before`` counts every row: who did what so far.
    ``keep`` (a blind reader's `screening.decisions.blind_keep`) limits the screening rows counted to those
    the reader may see, so not even who voted on what leaks from a blind stage.
    """
    now = stamp(db)
    out = Changes(now)
    mine = {me, lenient_identity(me)} if me is not None else set()  # decisions carry the identity
    moved = [t for t in TOPICS if now.marks[t] != before.marks.get(t, (0, 0))]
    if not moved:
        return out
    with db.session() as session:
        for topic in moved:
            table, who_column = TOPICS[topic]
            rows_before, top_before = before.marks.get(topic, (0, 0))
            who = getattr(table, who_column)
            if topic == "screening" and keep is not None:
                seen: dict[str, int] = {}
                for row in session.exec(select(table).where(table.id > top_before)):
                    if keep(row):
                        seen[row.reviewer] = seen.get(row.reviewer, 0) + 1
                counted: list[tuple[Any, int]] = list(seen.items())
                hidden = len(session.exec(select(table.id).where(table.id > top_before)).all()) - sum(seen.values())
            else:
                counted = list(session.exec(select(who, func.count(table.id)).where(table.id > top_before)
                                            .group_by(who)).all())
                hidden = 0
            others = {str(author): int(n) for author, n in counted if me is None or author not in mine}
            if others:
                out.added[topic] = others
            new_rows = sum(int(n) for _author, n in counted) + hidden
            gone = rows_before + new_rows - now.marks[topic][0]
            if gone > 0:
                out.removed[topic] = gone
    return out
