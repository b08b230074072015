"""Append-only pair logs (duplicate decisions, shared-sample links) and connected components.

A pair log is a table of decisions on pairs of records keyed ``record_a < record_b``. Rows are never updated
or deleted: a person's ``undone`` row withdraws the decision in force, so the one before it applies again,
and the history of a pair is its rows in id order. The two features (``screening.duplicates``,
``extraction.samples``) keep only their policies: which decisions are the machine's, which one waits for a
person, what a new row carries over from the one before. Both return a `PairDecision`.

The replay itself and the grouping (`UnionFind`, `components`) are plain Python in `db.pairs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlmodel import Session, col, select

from db.engine import ReviewDB
from db.errors import InputError
from db.models import DuplicateDecision, Record, SampleLink
from db.pairs import LINKED, MERGED, UNDONE, Pair, UnionFind, components, current, in_force, pair_key

__all__ = ["DUPLICATES", "SAMPLE_LINKS", "UNDONE", "PairDecision", "PairLog", "UnionFind", "components",
           "independent_samples", "merged_pairs", "pair_key", "sample_pairs"]
Row = TypeVar("Row", DuplicateDecision, SampleLink)


@dataclass(frozen=True)
class PairDecision:
    """One row of a pair log as the features return it. ``details``: the feature's own columns that its
    ``--json`` shows (empty for duplicates; ``strength`` and ``evidence`` for sample links)."""

    id: int
    a: int
    b: int
    decision: str
    who: str
    when: datetime
    automatic: bool
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> Pair:
        return (self.a, self.b)

    def to_json(self) -> dict[str, Any]:
        return {"ids": [self.a, self.b], "decision": self.decision, **self.details, "who": self.who,
                "when": self.when.isoformat(), "automatic": self.automatic}


@dataclass(frozen=True)
class PairLog(Generic[Row]):
    """One append-only pair log: ``table`` with its policy.

    ``machine``: decisions the machine writes (shown as automatic); ``waiting``: the machine decision that
    waits for a person (nothing to undo); ``shown``: the table's own columns in `PairDecision.details`.
    """

    table: type[Row]
    machine: frozenset[str]
    waiting: str
    shown: tuple[str, ...] = ()
    nothing_to_undo: str = "have no decision to undo"

    def latest(self, session: Session) -> dict[Pair, Row]:
        """The latest row per pair."""
        out: dict[Pair, Row] = {}
        for row in session.exec(select(self.table).order_by(col(self.table.id))):
            out[(row.record_a, row.record_b)] = row
        return out

    def current(self, session: Session) -> dict[Pair, Row | None]:
        """The decision in force per pair, replaying the log: an ``undone`` row withdraws the latest decision
        still in force (``None`` when no decision is left)."""
        return current(session.exec(select(self.table).order_by(col(self.table.id))))

    def in_force(self, session: Session, decisions: Iterable[str]) -> list[Pair]:
        """Pairs whose decision in force is one of ``decisions``."""
        return in_force(session.exec(select(self.table).order_by(self.table.id)), decisions)  # type: ignore[arg-type]

    def entry(self, row: Row) -> PairDecision:
        assert row.id is not None
        return PairDecision(id=row.id, a=row.record_a, b=row.record_b, decision=row.decision, who=row.who,
                            when=row.decided_at,
                            # a row a dedup run wrote (its run_id) is the machine's too, e.g. the engine's
                            # automatic rejection of recurring column titles
                            automatic=row.decision in self.machine or bool(getattr(row, "run_id", "")),
                            details={c: _copy(getattr(row, c)) for c in self.shown})

    def history(self, db: ReviewDB, a: int, b: int) -> list[PairDecision]:
        """Every row of the pair, oldest first."""
        key = pair_key(a, b)
        with db.session() as session:
            rows = session.exec(select(self.table).where(self.table.record_a == key[0],
                                                         self.table.record_b == key[1])
                                .order_by(col(self.table.id))).all()
            return [self.entry(r) for r in rows]

    def append(self, db: ReviewDB, a: int, b: int, who: str, decision: str,
               carry: Callable[[Row | None], dict[str, Any]]) -> PairDecision:
        """Append a person's ``decision`` on the pair in one transaction; ``carry(prior)`` gives the new row's
        own columns from the decision in force (``None`` when there is none). An undo with nothing in force,
        or with only the machine's waiting decision, is refused."""
        key = pair_key(a, b)
        with db.transaction() as session:
            for rid in key:
                if session.get(Record, rid) is None:
                    raise InputError(f"there is no record #{rid} in this review")
            prior = self.current(session).get(key)
            if decision == UNDONE and (prior is None or prior.decision == self.waiting):
                raise InputError(f"#{key[0]} and #{key[1]} {self.nothing_to_undo}")
            row = self.table(record_a=key[0], record_b=key[1], decision=decision, who=who, **carry(prior))
            session.add(row)
            session.flush()
            return self.entry(row)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


DUPLICATES: PairLog[DuplicateDecision] = PairLog(
    DuplicateDecision, machine=frozenset({"auto", "queued"}), waiting="queued",
    nothing_to_undo="have no merge or decision to undo")
"""Duplicate decisions: the engine's ``auto`` merges and ``queued`` candidates, a person's confirmations
and rejections (policy: ``screening.duplicates``)."""
SAMPLE_LINKS: PairLog[SampleLink] = PairLog(
    SampleLink, machine=frozenset({"suggested"}), waiting="suggested", shown=("strength", "evidence"),
    nothing_to_undo="have no link decision to undo (reject a suggestion)")
"""Shared-sample links: the machine's ``suggested`` links and a person's decisions (policy:
``extraction.samples``)."""


def merged_pairs(session: Session) -> list[Pair]:
    """Pairs whose duplicate decision in force merges them (auto or confirmed)."""
    return DUPLICATES.in_force(session, MERGED)


def sample_pairs(session: Session) -> list[Pair]:
    """Pairs that report one sample: confirmed sample links and duplicate merges (their components are the
    independent samples of more than one record)."""
    return SAMPLE_LINKS.in_force(session, LINKED) + merged_pairs(session)


def independent_samples(session: Session, records: int) -> int:
    """``records`` minus the records that `sample_pairs` join to another (each component counts once)."""
    return records - sum(len(g) - 1 for g in components(sample_pairs(session)))
