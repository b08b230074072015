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

`count_review` computes all of them from the plain rows of a few SELECTs (this module's SQL, run on a
SQLAlchemy connection by `review_counts`, or through the database driver alone by `metasift status`, see
`db.direct`), with the pair replay of `db.pairs` and the settling rule of `screening.settle`: one definition,
whichever way the rows are read. The module imports no SQLAlchemy at load time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from db.pairs import LINKED, MERGED, components, in_force
from screening.protocol import STAGES
from screening.settle import Outcome, outcome_of, replay

if TYPE_CHECKING:
    from sqlmodel import Session

    from db.engine import ReviewDB
    from screening.protocol import Protocol

Rows = Callable[[str], Sequence[Sequence[Any]]]
"""Runs one SELECT (no parameters) and returns its rows."""


class PairTuple(NamedTuple):
    record_a: int
    record_b: int
    decision: str


class DecisionTuple(NamedTuple):
    """The columns of a `db.models.ScreeningDecision` row that settling and blind views read."""

    id: int
    record_id: int
    stage: str
    reviewer: str
    kind: str
    verdict: str
    reason: str
    method: str
    undoes: int | None
    member_id: int | None


PER_DATABASE_SQL = ("SELECT b.source_db, count(r.id) FROM import_batch b JOIN record r ON r.batch_id = b.id "
                    "GROUP BY b.source_db")
BATCHES_SQL = "SELECT count(*) FROM import_batch"
DUPLICATES_SQL = "SELECT record_a, record_b, decision FROM duplicate_decision ORDER BY id"
LINKS_SQL = "SELECT record_a, record_b, decision FROM sample_link ORDER BY id"
DECISION_COUNT_SQL = "SELECT count(*) FROM screening_decision"
RECORD_IDS_SQL = "SELECT id FROM record ORDER BY id"
DECISIONS_SQL = ("SELECT " + ", ".join(DecisionTuple._fields) + " FROM screening_decision WHERE stage IN ("
                 + ", ".join(f"'{s}'" for s in STAGES) + ") ORDER BY id")
_CHUNK = 500


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


def _per_database(rows: Rows, sql: str) -> dict[str, int]:
    return {str(k): int(n) for k, n in sorted(rows(sql), key=lambda r: str(r[0]))}


def record_totals_from(rows: Rows) -> tuple[int, int, dict[str, int]]:
    """(records, import batches, records per database): the cheap part, one grouped query each."""
    per_db = _per_database(rows, PER_DATABASE_SQL)
    return sum(per_db.values()), int(rows(BATCHES_SQL)[0][0]), per_db


def count_review(rows: Rows, rule: str, stages: tuple[str, ...] = STAGES,
                 keep: Callable[[Any], bool] | None = None) -> ReviewCounts:
    """Every count of the review from the rows ``rows`` returns for this module's SQL; ``rule``: the protocol's
    (`screening.protocol.Protocol.rule`); ``keep``: the screening rows the reader may see (`blind_keep`; None:
    all). ``stages=()`` skips replaying the decision log."""
    records, batches, per_db = record_totals_from(rows)
    merged = in_force((PairTuple(*r) for r in rows(DUPLICATES_SQL)), MERGED)
    links = in_force((PairTuple(*r) for r in rows(LINKS_SQL)), LINKED)
    dup_groups = components(merged)
    canon = {m: g[0] for g in dup_groups for m in g}
    removed = sorted(m for g in dup_groups for m in g[1:])
    removed_db: dict[str, int] = {}
    for i in range(0, len(removed), _CHUNK):  # integer ids written into the SQL: no parameter limit applies
        chunk = ", ".join(str(int(m)) for m in removed[i:i + _CHUNK])
        sql = PER_DATABASE_SQL.replace(" GROUP BY", f" WHERE r.id IN ({chunk}) GROUP BY")
        for k, n in _per_database(rows, sql).items():
            removed_db[k] = removed_db.get(k, 0) + n
    joined = components(links + merged)
    n_decisions = int(rows(DECISION_COUNT_SQL)[0][0])
    found: dict[str, dict[int, Outcome]] = {}
    if stages:
        ids = [int(r[0]) for r in rows(RECORD_IDS_SQL)]
        decided = [DecisionTuple(*r) for r in rows(DECISIONS_SQL)]
        states = replay(decided if keep is None else [r for r in decided if keep(r)], canon)
        found = {s: {rid: outcome_of(rid, canon.get(rid, rid), s, states, rule) for rid in ids} for s in stages}
    included_samples = 0
    if "full_text" in found:
        included = {rid for rid, o in found["full_text"].items() if o.state == "included"}
        in_groups = {m for g in joined for m in g}
        included_samples = sum(1 for g in joined if included & set(g)) + len(included - in_groups)
    return ReviewCounts(
        records=records, batches=batches, records_per_database=per_db,
        duplicates_per_database={k: removed_db.get(k, 0) for k in per_db}, unique=records - len(removed),
        duplicate_groups=len(dup_groups), samples=records - sum(len(g) - 1 for g in joined),
        shared_samples=len(shared_groups(joined, canon)), links=len(links), decisions=n_decisions,
        included_samples=included_samples, stages={s: tally(s, found[s]) for s in stages})


def _session_rows(session: Session) -> Rows:
    conn = session.connection()
    return lambda sql: conn.exec_driver_sql(sql).all()


def sample_components(session: Session) -> list[list[int]]:
    """Samples of two or more records: components of duplicate merges and confirmed shared-sample links."""
    from db.pair_log import sample_pairs

    return components(sample_pairs(session))


def shared_groups(joined: list[list[int]], canon: Mapping[int, int]) -> list[list[int]]:
    """The shared samples among samples of several records (``joined``): those that join two or more unique
    records (a confirmed link is involved), not one record's merged copies (``canon``: record -> kept)."""
    return [g for g in joined if len({canon.get(m, m) for m in g}) > 1]


def tally(stage: str, found: Mapping[int, Outcome]) -> StageCounts:
    """Unique records (kept records of duplicate groups count once) per outcome at ``stage``, from the stage's
    outcomes ``found`` (every record's)."""
    counts = {"included": 0, "excluded": 0, "conflict": 0, "pending": 0}
    by_reason: dict[str, int] = {}
    for rid, o in found.items():
        if rid != o.kept_id or o.state == "ineligible":
            continue
        counts[o.state] += 1
        if o.state == "excluded":
            key = o.reason or "no reason given"
            by_reason[key] = by_reason.get(key, 0) + 1
    return StageCounts(stage, counts["included"], counts["excluded"], counts["conflict"], counts["pending"],
                       dict(sorted(by_reason.items())))


def record_totals(db: ReviewDB) -> tuple[int, int, dict[str, int]]:
    """(records, import batches, records per database): the cheap part, one grouped query each."""
    with db.session() as session:
        return record_totals_from(_session_rows(session))


def review_counts(db: ReviewDB, stages: tuple[str, ...] = STAGES, protocol: Protocol | None = None) -> ReviewCounts:
    """The review's counts (records, unique records, samples, decisions, the outcomes at ``stages``: pass
    ``()`` when only records, duplicates and samples are wanted, which skips replaying the decision log), as
    ``db.viewer`` may see them. ``protocol``: the review's, when the caller has read it already."""
    from screening.decisions import blind_keep, protocol_of

    rule = (protocol or protocol_of(db)).rule if stages else ""
    with db.session() as session:
        return count_review(_session_rows(session), rule, stages, blind_keep(db, session) if stages else None)
