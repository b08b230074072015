"""The review's counts: one definition read by ``metasift status``, PRISMA, every screen and every export.

Definitions (every surface shows these numbers, none computes its own):

- ``records``: every imported database entry; ``records_per_database`` by the batch's source database.
- ``unique``: records after deduplication (a duplicate group counts once, as its kept record, the lowest id);
  ``duplicates`` = ``records - unique``; ``duplicate_groups`` = groups of two or more merged records.
- ``samples``: independent samples, the connected components of duplicate merges and confirmed
  shared-sample links (every other record is a sample of its own). ``shared_samples`` are the samples that
  join two or more *unique* records (a confirmed link is involved); ``links`` are the confirmed link pairs;
  ``included_samples`` are the samples with a record included at full text (PRISMA's "studies included").
- ``decisions``: rows of the screening log (undo and resolution rows included).
- ``stages[stage]``: unique records per outcome at that stage (`screening.outcomes`); at full text only
  records included at title/abstract count. ``awaiting`` = pending + conflicts (what PRISMA reports).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import Session, col, func, select

from db.engine import ReviewDB
from db.models import LINKED, ImportBatch, Record, ScreeningDecision
from db.pair_log import SAMPLE_LINKS, components, merged_pairs, sample_pairs
from screening.outcomes import Outcome, outcomes
from screening.protocol import STAGES


@dataclass(frozen=True)
class StageCounts:
    """Unique records per outcome at one stage, and the exclusions per reason."""

    stage: str
    included: int = 0
    excluded: int = 0
    conflicts: int = 0
    pending: int = 0
    excluded_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def awaiting(self) -> int:
        """Records still waiting on a decision (pending or in conflict)."""
        return self.pending + self.conflicts

    @property
    def total(self) -> int:
        """Unique records at this stage (at full text: those included at title/abstract)."""
        return self.included + self.excluded + self.conflicts + self.pending

    def to_json(self) -> dict[str, Any]:
        return {"included": self.included, "excluded": self.excluded, "conflicts": self.conflicts,
                "pending": self.pending, "excluded_by_reason": dict(self.excluded_by_reason)}


@dataclass(frozen=True)
class DatabaseDuplicates:
    """One source database's records and how many of them were merged into another database's record."""

    records: int
    duplicates: int

    @property
    def unique(self) -> int:
        return self.records - self.duplicates

    def to_json(self) -> dict[str, int]:
        return {"records": self.records, "duplicates": self.duplicates, "unique": self.unique}


@dataclass(frozen=True)
class DuplicateCounts:
    """Records, unique records and duplicate groups, in total and per source database."""

    records: int
    unique: int
    groups: int
    per_database: dict[str, DatabaseDuplicates]

    @property
    def duplicates(self) -> int:
        return self.records - self.unique

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "unique": self.unique, "duplicates": self.duplicates,
                "groups": self.groups, "per_database": {k: c.to_json() for k, c in self.per_database.items()}}


@dataclass(frozen=True)
class ReviewCounts:
    """Every count of a review, computed once (see the module docstring for the definitions)."""

    records: int
    batches: int
    records_per_database: dict[str, int]
    duplicates_per_database: dict[str, int]
    unique: int
    duplicate_groups: int
    samples: int
    shared_samples: int
    links: int
    decisions: int
    included_samples: int
    stages: dict[str, StageCounts]

    @property
    def duplicates(self) -> int:
        return self.records - self.unique

    def unique_per_database(self) -> dict[str, int]:
        return {k: n - self.duplicates_per_database.get(k, 0) for k, n in self.records_per_database.items()}

    def duplicate_counts(self) -> DuplicateCounts:
        """The deduplication part (``metasift dedup`` / ``duplicates``, the Duplicates screen)."""
        return DuplicateCounts(self.records, self.unique, self.duplicate_groups, {
            k: DatabaseDuplicates(n, self.duplicates_per_database.get(k, 0))
            for k, n in self.records_per_database.items()})

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["duplicates"] = self.duplicates
        d["stages"] = {s: c.to_json() for s, c in self.stages.items()}
        return d


def sample_components(session: Session) -> list[list[int]]:
    """Samples of two or more records: components of duplicate merges and confirmed shared-sample links."""
    return components(sample_pairs(session))


def shared_groups(joined: list[list[int]], canon: Mapping[int, int]) -> list[list[int]]:
    """The shared samples among samples of several records (``joined``): those that join two or more unique
    records (a confirmed link is involved), not one record's merged copies (``canon``: record -> kept)."""
    return [g for g in joined if len({canon.get(m, m) for m in g}) > 1]


def confirmed_links(session: Session) -> list[tuple[int, int]]:
    """The shared-sample link pairs whose decision in force is ``confirmed``."""
    return SAMPLE_LINKS.in_force(session, LINKED)


def stage_counts(db: ReviewDB, stage: str, found: Mapping[int, Outcome] | None = None) -> StageCounts:
    """Unique records (kept records of duplicate groups count once) per outcome at ``stage`` (from ``found``,
    the stage's `outcomes`, when the caller has them already)."""
    tally = {"included": 0, "excluded": 0, "conflict": 0, "pending": 0}
    by_reason: dict[str, int] = {}
    for rid, o in (outcomes(db, stage) if found is None else found).items():
        if rid != o.kept_id or o.state == "ineligible":
            continue
        tally[o.state] += 1
        if o.state == "excluded":
            key = o.reason or "no reason given"
            by_reason[key] = by_reason.get(key, 0) + 1
    return StageCounts(stage, tally["included"], tally["excluded"], tally["conflict"], tally["pending"],
                       dict(sorted(by_reason.items())))


def record_totals(db: ReviewDB) -> tuple[int, int, dict[str, int]]:
    """(records, import batches, records per database): the cheap part, one grouped query each."""
    with db.session() as session:
        n_batches = session.exec(select(func.count()).select_from(ImportBatch)).one()
        per_db = dict(session.exec(select(ImportBatch.source_db, func.count(col(Record.id))).join(
            Record, col(Record.batch_id) == col(ImportBatch.id)).group_by(ImportBatch.source_db)).all())
    return sum(int(n) for n in per_db.values()), int(n_batches), {k: int(v) for k, v in sorted(per_db.items())}


def review_counts(db: ReviewDB, stages: tuple[str, ...] = STAGES) -> ReviewCounts:
    """The review's counts (records, unique records, samples, decisions, the outcomes at ``stages``: pass
    ``()`` when only records, duplicates and samples are wanted, which skips replaying the decision log)."""
    records, batches, per_db = record_totals(db)
    with db.session() as session:
        dup_groups = components(merged_pairs(session))
        canon = {m: g[0] for g in dup_groups for m in g}
        removed = [m for g in dup_groups for m in g[1:]]
        removed_db: dict[str, int] = {}
        if removed:
            removed_db = {k: int(n) for k, n in session.exec(
                select(ImportBatch.source_db, func.count(col(Record.id))).join(
                    Record, col(Record.batch_id) == col(ImportBatch.id))
                .where(col(Record.id).in_(removed)).group_by(ImportBatch.source_db))}
        links = confirmed_links(session)
        joined = components(links + merged_pairs(session))
        n_decisions = session.exec(select(func.count()).select_from(ScreeningDecision)).one()
    shared = len(shared_groups(joined, canon))
    found = {s: outcomes(db, s) for s in stages}
    included_samples = 0
    if "full_text" in found:
        included = {rid for rid, o in found["full_text"].items() if o.state == "included"}
        in_groups = {m for g in joined for m in g}
        included_samples = sum(1 for g in joined if included & set(g)) + len(included - in_groups)
    return ReviewCounts(
        records=records, batches=batches, records_per_database=per_db,
        duplicates_per_database={k: removed_db.get(k, 0) for k in per_db}, unique=records - len(removed),
        duplicate_groups=len(dup_groups), samples=records - sum(len(g) - 1 for g in joined),
        shared_samples=shared, links=len(links), decisions=int(n_decisions),
        included_samples=included_samples, stages={s: stage_counts(db, s, found[s]) for s in stages})
