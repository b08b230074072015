"""Duplicate decisions stored in the review: run the engine, confirm / reject / undo pairs, read groups.

Every decision is a new `DuplicateDecision` row in the review's pair log (`db.pair_log.DUPLICATES`). An undo
appends an ``undone`` row that withdraws the decision in force, so the one before it applies again (undoing a
rejection of an automatic merge restores the merge; undoing the merge itself sends the pair back to the
queue). Groups are
computed on the fly: connected components of pairs whose decision in force is ``auto`` or ``confirmed``.
No record is ever deleted or changed, so per-database counts survive every merge and any merge can be undone.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.engine import ReviewDB
from db.errors import InputError
from db.models import MERGED, DuplicateDecision, ImportBatch, Record
from db.pair_log import DUPLICATES, UNDONE, PairDecision, components, merged_pairs, pair_key
from db.progress import Progress, ShouldStop, check_stop, never_stop, no_progress
from screening.importers.fields import display_value

if TYPE_CHECKING:
    from screening.counts import DuplicateCounts

# the engine's outcomes as stored; the engine itself (`screening.dedup`, with numpy) is imported only where it
# runs, so reading counts and queues (`metasift status`) starts without it
AUTO, QUEUED = "auto", "queued"

PERSON_DECISIONS = frozenset({"confirmed", "rejected", "undone"})
SIDE_BY_SIDE = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid", "abstract",
                "pub_type", "language", "source_db", "source_id")
_ENGINE_FIELDS = ("id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "abstract",
                  "pub_type")


def load_records(session: Session, ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Records as dicts (every column plus ``source_db`` and ``file``), in id order."""
    q = select(Record, ImportBatch.source_db, ImportBatch.file_name).join(
        ImportBatch, col(Record.batch_id) == col(ImportBatch.id)).order_by(col(Record.id))
    if ids is not None:
        q = q.where(col(Record.id).in_(list(ids)))
    out = []
    for rec, source_db, file_name in session.exec(q):
        d = rec.model_dump()
        d.update(source_db=source_db, file=file_name)
        out.append(d)
    return out


def engine_records(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored records as the engine's input. The engine compares every DOI a record has: the importer
    keeps one DOI in ``doi``, the others of a field holding two (``10.1/a; 10.1/b``) are read back from the
    raw export fields and ``other_ids`` (`screening.dedup.best.identifiers`)."""
    from screening.dedup.best import identifiers

    out = []
    for r in records:
        e = {k: r[k] for k in _ENGINE_FIELDS}
        dois = identifiers([r]).get("doi", [])
        if len(dois) > 1 or (dois and not e["doi"]):
            e["doi"] = "; ".join(dois)
        out.append(e)
    return out


def run_dedup(db: ReviewDB, who: str = "", progress: Progress = no_progress,
              should_stop: ShouldStop = never_stop) -> DedupRun:
    """Find duplicates among all records and store the automatic merges and the queued candidates.

    One transaction. A pair a person already decided (confirmed, rejected or undone) is left alone, and a
    pair whose latest machine decision is unchanged gets no new row, so re-running stores nothing new.
    Pairs the engine rejects by itself (`screening.dedup.rules.distinct_classes`) are stored as
    ``rejected`` rows with this run's ``run_id`` and the engine's reasons.
    """
    from screening.dedup import deduplicate

    run_id = uuid.uuid4().hex[:12]
    progress(0, 3, "loading records")
    with db.transaction() as session:
        records = load_records(session)
        untitled = sum(1 for r in records if not (r["title"] or "").strip())
        check_stop(should_stop)
        progress(1, 3, f"comparing {len(records)} records")
        result = deduplicate(engine_records(records)) if len(records) > 1 else None
        check_stop(should_stop)
        progress(2, 3, "storing decisions")
        latest = DUPLICATES.latest(session)
        stored = Counter[str]()
        kept_by_person = 0
        wanted = [] if result is None else (
            [p for p in result.pairs if p.outcome == AUTO] + list(result.candidates) + list(result.rejected))
        for p in wanted:
            key = pair_key(int(p.id_a), int(p.id_b))
            prior = latest.get(key)
            if prior is not None and prior.decision in PERSON_DECISIONS and not prior.run_id:
                kept_by_person += 1
                continue
            if prior is not None and prior.decision == p.outcome:
                continue
            row = DuplicateDecision(record_a=key[0], record_b=key[1], decision=p.outcome, score=p.score,
                                    reasons=list(p.reasons), who=who, run_id=run_id)
            session.add(row)
            latest[key] = row
            stored[p.outcome] += 1
        check_stop(should_stop)
    progress(3, 3, "done")
    from screening.counts import review_counts

    return DedupRun(run_id, len(records), untitled,
                    [] if result is None else [[int(i) for i in g] for g in result.groups],
                    stored[AUTO], stored[QUEUED], stored["rejected"], kept_by_person,
                    review_counts(db, stages=()).duplicate_counts())


@dataclass(frozen=True)
class DedupRun:
    """What one `run_dedup` did, and the review's duplicate counts after it."""

    run_id: str
    records: int  # records compared
    untitled: int  # of them, records without a title (they match on their other fields only)
    auto_groups: list[list[int]]  # the engine's automatic groups (record ids)
    stored_auto: int  # new automatic merges stored
    stored_queued: int  # new candidate pairs stored for a person
    auto_rejected: int  # plainly distinct pairs the engine rejected, each with its reason
    kept_person_decisions: int  # pairs a person had decided, left as decided
    counts: DuplicateCounts

    @property
    def message(self) -> str:
        if self.records == 0:
            return "the review has no records yet; nothing to deduplicate (import exports first)"
        if self.records == 1:
            return "the review has one record; there is nothing to compare it with"
        parts = [f"{self.records} records, {self.counts.unique} unique after deduplication "
                 f"({self.counts.duplicates} duplicates merged); {self.stored_auto} automatic merges and "
                 f"{self.stored_queued} candidate pairs stored"]
        if self.auto_rejected:
            parts.append(f"{self.auto_rejected} plainly distinct pairs rejected automatically, each with its "
                         "reason (recurring columns of other issues, companion papers, other parts, other authors, "
                         "an abstract and its later article)")
        if self.kept_person_decisions:
            parts.append(f"{self.kept_person_decisions} pairs already decided by a person were left as decided")
        if self.untitled:
            parts.append(f"{self.untitled} records have no title and can only match on their other fields")
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "run_id": self.run_id, "records": self.records, "untitled": self.untitled,
            "auto_groups": [list(g) for g in self.auto_groups],
            "stored": {"auto": self.stored_auto, "queued": self.stored_queued},
            "auto_rejected": self.auto_rejected, "kept_person_decisions": self.kept_person_decisions}
        out.update(self.counts.to_json())
        out["message"] = self.message
        return out


def groups(db: ReviewDB) -> list[list[int]]:
    """The current duplicate groups (sorted record id lists of two or more)."""
    with db.session() as session:
        return components(merged_pairs(session))


def _carry(decision: str) -> Callable[[DuplicateDecision | None], dict[str, Any]]:
    """A person's row keeps the pair's score and reasons; an undo names what it withdraws."""
    def carry(prior: DuplicateDecision | None) -> dict[str, Any]:
        reasons = list(prior.reasons) if prior is not None else []
        if decision == UNDONE and prior is not None:
            reasons.append(f"undoes {prior.decision} #{prior.id}")
        return {"score": prior.score if prior is not None else None, "reasons": reasons}

    return carry


def confirm(db: ReviewDB, a: int, b: int, who: str) -> PairDecision:
    """Record that ``a`` and ``b`` are duplicates (they join one group)."""
    return DUPLICATES.append(db, a, b, who, "confirmed", _carry("confirmed"))


def reject(db: ReviewDB, a: int, b: int, who: str) -> PairDecision:
    """Record that ``a`` and ``b`` are different records (an automatic merge of the pair is reversed)."""
    return DUPLICATES.append(db, a, b, who, "rejected", _carry("rejected"))


def undo(db: ReviewDB, a: int, b: int, who: str) -> PairDecision:
    """Withdraw the decision in force (a compensating ``undone`` row); the one before it applies again."""
    return DUPLICATES.append(db, a, b, who, UNDONE, _carry(UNDONE))


def history(db: ReviewDB, a: int, b: int) -> list[PairDecision]:
    """Every decision on the pair, oldest first."""
    return DUPLICATES.history(db, a, b)


@dataclass(frozen=True)
class SideBySide:
    """One field of a candidate pair: both records' values as shown, whether they differ (case aside) and
    whether only one side has a value (``one_empty``: no contradiction)."""

    field: str
    a: str
    b: str
    differs: bool
    one_empty: bool

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "a": self.a, "b": self.b, "differs": self.differs, "one_empty": self.one_empty}


@dataclass(frozen=True)
class Candidate:
    """A pending candidate pair of the duplicate queue: its records, the engine's score and reasons, the
    decision that keeps it pending (``queued``, or ``undone`` by a person) and its fields side by side."""

    ids: tuple[int, int]
    score: float | None
    reasons: tuple[str, ...]
    decision: str
    fields: tuple[SideBySide, ...]

    @property
    def differs(self) -> list[str]:
        """The fields whose values differ."""
        return [f.field for f in self.fields if f.differs]

    def to_json(self, names: Mapping[int, str] | None = None) -> dict[str, Any]:
        """As ``metasift dedup --json`` lists it under ``candidates`` (ids as ``names`` when given)."""
        return {"ids": [i if names is None else names[i] for i in self.ids], "score": self.score,
                "reasons": list(self.reasons), "differs": self.differs, "fields": [f.to_json() for f in self.fields],
                "decision": self.decision}


def queue(db: ReviewDB) -> list[Candidate]:
    """Pending candidate pairs, best score first, each with its fields side by side.

    A pair is pending when no decision is in force or only the machine's ``queued``, and its records are not
    already in one group through other pairs.
    """
    with db.session() as session:
        current = DUPLICATES.current(session)
        grouped = {m: g[0] for g in components(k for k, r in current.items() if r is not None
                                               and r.decision in MERGED) for m in g}
        latest = DUPLICATES.latest(session)
        pending = [latest[k] if r is None else r for k, r in current.items()
                   if (r is None or r.decision == QUEUED) and grouped.get(k[0], -1) != grouped.get(k[1], -2)]
        recs = {r["id"]: r for r in load_records(session, {i for p in pending for i in (p.record_a, p.record_b)})}
    pending.sort(key=lambda r: (-(r.score or 0.0), r.record_a, r.record_b))
    out = []
    for row in pending:
        a, b = recs[row.record_a], recs[row.record_b]
        fields = []
        for f in SIDE_BY_SIDE:
            va, vb = display_value(a.get(f), f), display_value(b.get(f), f)
            fields.append(SideBySide(f, va, vb, va.casefold() != vb.casefold(), bool(va) != bool(vb)))
        out.append(Candidate((row.record_a, row.record_b), row.score, tuple(row.reasons),
                             row.decision if row.decision == QUEUED else "undone", tuple(fields)))
    return out


def group_pairs(db: ReviewDB, group: Sequence[int]) -> list[PairDecision]:
    """The pair decisions in force that hold ``group`` together (auto or confirmed): undo or reject them to
    split the group."""
    members = set(group)
    with db.session() as session:
        current = DUPLICATES.current(session)
    return [DUPLICATES.entry(r) for (a, b), r in sorted(current.items())
            if r is not None and r.decision in MERGED and a in members and b in members]


@dataclass(frozen=True)
class KeptRecord:
    """The merged record of a duplicate group (`screening.dedup.best.best_record`): ``id`` the lowest id,
    ``merged_ids`` the group, the best value of each field, and every identifier of every copy."""

    id: int
    merged_ids: list[int]
    title: str
    authors: list[str]
    year: int | None
    journal: str
    volume: str
    issue: str
    pages: str
    doi: str
    abstract: str
    pub_type: str
    pmid: str
    identifiers: dict[str, list[str]]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "merged_ids": list(self.merged_ids), "title": self.title, "authors": list(self.authors),
                "year": self.year, "journal": self.journal, "volume": self.volume, "issue": self.issue,
                "pages": self.pages, "doi": self.doi, "abstract": self.abstract, "pub_type": self.pub_type,
                "pmid": self.pmid, "identifiers": {k: list(v) for k, v in self.identifiers.items()}}


def kept_record(db: ReviewDB, group: Sequence[int]) -> KeptRecord:
    """The merged record of a group: the best value of each field (`best_record`), ``id`` = lowest id."""
    with db.session() as session:
        recs = load_records(session, group)
    if len(recs) != len(set(group)):
        raise InputError(f"some of the records {sorted(set(group))} do not exist")
    if not recs:
        raise InputError("a duplicate group has at least one record")
    from screening.dedup import best_record

    return KeptRecord(**best_record(recs))


def resolve(db: ReviewDB, ref: str) -> int:
    """A record id from a CLI reference: its ``source_id``, ``#<record id>``, or a bare record id when no
    record has that text as its source_id (a source_id wins: PMIDs are numbers too).

    An ambiguous source_id (the same PMID imported from two databases) is refused with the candidates.
    """
    text = str(ref).strip()
    with db.session() as session:
        if text.startswith("#"):
            try:
                rid = int(text[1:])
            except ValueError:
                raise InputError(f"{ref!r}: expected #<record id>, e.g. #12") from None
            if session.get(Record, rid) is None:
                raise InputError(f"there is no record {text} in this review")
            return rid
        rows = session.exec(select(Record.id, ImportBatch.source_db).join(
            ImportBatch, col(Record.batch_id) == col(ImportBatch.id)).where(Record.source_id == text).order_by(
            col(Record.id))).all()
    if not rows and text.isdigit():
        with db.session() as session:
            if session.get(Record, int(text)) is not None:
                return int(text)
    if not rows:
        raise InputError(f"no record has source_id {text!r}; see `metasift records` (or give #<record id>)")
    if len(rows) > 1:
        which = ", ".join(f"#{rid} ({name})" for rid, name in rows)
        raise InputError(f"source_id {text!r} is ambiguous: it names records {which}; "
                         "give #<record id> instead")
    found = rows[0][0]
    assert found is not None  # a stored record has an id
    return int(found)


def labels(db: ReviewDB, ids: Iterable[int]) -> dict[int, str]:
    """How the CLI names records: the source_id, or ``#<id>`` when that source_id is not unique."""
    wanted = set(ids)
    if not wanted:
        return {}
    with db.session() as session:
        rows = [(int(rid), sid) for rid, sid in session.exec(select(Record.id, Record.source_id).where(
            col(Record.id).in_(wanted))).all() if rid is not None]
        sids = {sid for _, sid in rows}
        repeated = {sid for sid, n in session.exec(select(Record.source_id, func.count(col(Record.id))).where(
            col(Record.source_id).in_(sids)).group_by(Record.source_id)) if n > 1}
    return {rid: (f"#{rid}" if sid in repeated else sid) for rid, sid in rows}
