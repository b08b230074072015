"""The duplicate queue as clusters: records joined by pending candidate pairs are one decision.

Four exports of one proceedings volume give six candidate pairs but are one question: which of these
records are the same study? `queue_clusters` groups the pending pairs of `duplicates.queue` (with the
groups their records already belong to) into clusters: frozen `QueueCluster` items whose ``to_json`` is
what the CLI's ``--json`` prints and whose records the desktop shows side by side. `decide_cluster` takes
a person's answer, a partition of the cluster's records into studies, and writes it as ordinary pair
decisions (``confirmed`` inside a part, ``rejected`` between parts) in one transaction, so undo and
history work pair by pair as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from db.errors import InputError
from db.models import MERGED, DuplicateDecision, Record
from db.pair_log import DUPLICATES, UnionFind
from screening import duplicates
from screening.importers.fields import display_value


@dataclass(frozen=True, slots=True)
class QueuedPair:
    """One pending candidate pair of a cluster: record ids, the engine's score (``None`` for a pair a
    person undid) and its reasons."""

    ids: tuple[int, int]
    score: float | None
    reasons: tuple[str, ...]

    def to_json(self, names: Mapping[int, str] | None = None) -> dict[str, Any]:
        """As ``metasift duplicates clusters --json`` shows it (ids as ``names`` when given)."""
        return {"ids": [_name(names, i) for i in self.ids], "score": self.score, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class QueueCluster:
    """One item of the duplicate queue, decided at once: its records (``ids``, sorted), the duplicate
    groups already formed inside it, its pending pairs (best first), its best pair's score, and each
    record's fields side by side (``fields`` names them; ``values[k]`` are record ``ids[k]``'s, as shown)."""

    ids: tuple[int, ...]
    groups: tuple[tuple[int, ...], ...]
    pairs: tuple[QueuedPair, ...]
    score: float | None
    fields: tuple[str, ...] = ()
    values: tuple[tuple[str, ...], ...] = ()

    def record(self, rid: int) -> dict[str, str]:
        """The shown fields of one record of the cluster."""
        return dict(zip(self.fields, self.values[self.ids.index(rid)], strict=True))

    def differing(self) -> tuple[str, ...]:
        """Fields whose non-empty values differ between the records (case aside)."""
        return tuple(f for k, f in enumerate(self.fields)
                     if len({v[k].casefold() for v in self.values if v[k]}) > 1)

    def to_json(self, names: Mapping[int, str] | None = None) -> dict[str, Any]:
        """As ``metasift duplicates clusters --json`` shows it (ids as ``names`` when given)."""
        return {"ids": [_name(names, i) for i in self.ids],
                "groups": [[_name(names, i) for i in g] for g in self.groups],
                "score": self.score, "pairs": [p.to_json(names) for p in self.pairs],
                "records": [{"id": _name(names, i), **self.record(i)} for i in self.ids] if self.values else [],
                "differs": list(self.differing())}


def _name(names: Mapping[int, str] | None, rid: int) -> Any:
    return rid if names is None else names[rid]


def queue_clusters(db: ReviewDB, pending: list[duplicates.Candidate] | None = None,
                   groups: list[list[int]] | None = None) -> list[QueueCluster]:
    """Pending candidates as clusters (`QueueCluster`), best first. ``pending`` and ``groups``, when the
    caller has just read them (`duplicates.queue`, `duplicates.groups`), are not read again."""
    if pending is None:
        pending = duplicates.queue(db)
    if not pending:
        return []
    sets: UnionFind[int] = UnionFind()
    for c in pending:
        sets.union(*c.ids)
    inside = [g for g in (duplicates.groups(db) if groups is None else groups) if any(m in sets.parent for m in g)]
    for g in inside:
        for m in g[1:]:
            sets.union(g[0], m)
    clusters: dict[int, dict[str, Any]] = {}
    shown: dict[int, dict[str, str]] = {}
    for c in pending:
        root = sets.find(c.ids[0])
        cl = clusters.setdefault(root, {"ids": set(), "groups": [], "pairs": [], "score": None})
        cl["ids"].update(c.ids)
        cl["pairs"].append(QueuedPair(c.ids, c.score, c.reasons))
        if c.score is not None and (cl["score"] is None or c.score > cl["score"]):
            cl["score"] = c.score
        shown.setdefault(c.ids[0], {f.field: f.a for f in c.fields})
        shown.setdefault(c.ids[1], {f.field: f.b for f in c.fields})
    for g in inside:
        cl = clusters[sets.find(g[0])]
        cl["ids"].update(g)
        cl["groups"].append(tuple(g))
    missing = {i for cl in clusters.values() for i in cl["ids"]} - set(shown)
    if missing:  # group members that are in no pending pair
        with db.session() as session:
            for r in duplicates.load_records(session, missing):
                shown[r["id"]] = {f: display_value(r.get(f), f) for f in duplicates.SIDE_BY_SIDE}
    out = []
    for cl in clusters.values():
        ids = tuple(sorted(cl["ids"]))
        out.append(QueueCluster(ids, tuple(cl["groups"]), tuple(cl["pairs"]), cl["score"], duplicates.SIDE_BY_SIDE,
                                tuple(tuple(shown.get(i, {}).get(f, "") for f in duplicates.SIDE_BY_SIDE)
                                      for i in ids)))
    out.sort(key=lambda cl: (-(cl.score or 0.0), cl.ids))
    return out


def cluster_of(db: ReviewDB, a: int, b: int) -> QueueCluster:
    """The cluster of the pending pair ``a``/``b``."""
    found = next((cl for cl in queue_clusters(db) if a in cl.ids and b in cl.ids), None)
    if found is None:
        raise InputError(f"#{a} and #{b} are not a pending pair of the duplicate queue")
    return found


@dataclass(frozen=True, slots=True)
class ClusterDecision:
    """What `decide_cluster` wrote: the cluster's records and the pairs it confirmed and rejected."""

    ids: list[int]
    confirmed: int
    rejected: int

    def to_json(self) -> dict[str, Any]:
        return {"ids": list(self.ids), "confirmed": self.confirmed, "rejected": self.rejected}


@dataclass(frozen=True, slots=True)
class ClusterUndo:
    """What `undo_cluster` withdrew: the pairs (record ids) that got an ``undone`` row."""

    pairs: list[tuple[int, int]]

    def to_json(self) -> dict[str, Any]:
        return {"ids": [list(p) for p in self.pairs]}


def same_study(db: ReviewDB, a: int, b: int, who: str) -> ClusterDecision:
    """Every record of the pending pair's cluster is one study (see `decide_cluster`)."""
    return decide_cluster(db, [cluster_of(db, a, b).ids], who)


def all_apart(db: ReviewDB, a: int, b: int, who: str) -> ClusterDecision:
    """The groups and records of the pending pair's cluster are different studies: its pending pairs are
    rejected, groups already formed inside it stay (see `decide_cluster`)."""
    cl = cluster_of(db, a, b)
    grouped = {m for g in cl.groups for m in g}
    return decide_cluster(db, [*cl.groups, *([r] for r in cl.ids if r not in grouped)], who)


def undo_cluster(db: ReviewDB, a: int, b: int, who: str) -> ClusterUndo:
    """Withdraw the cluster decision that wrote the decision in force on ``a``/``b``: every pair it wrote
    gets an ``undone`` row, in one transaction."""
    key = (a, b) if a < b else (b, a)
    with db.transaction() as session:
        current = DUPLICATES.current(session)
        row = current.get(key)
        token = next((x for x in reversed(row.reasons if row is not None else []) if x.startswith(_TOKEN)), None)
        if token is None:
            raise InputError(f"#{key[0]} and #{key[1]} have no cluster decision to undo")
        undone = []
        for pair, r in current.items():
            if r is not None and token in r.reasons:
                session.add(DuplicateDecision(record_a=pair[0], record_b=pair[1], decision="undone",
                                              score=r.score, reasons=list(r.reasons) + [f"undoes {r.decision} #{r.id}"],
                                              who=who))
                undone.append(pair)
    return ClusterUndo(sorted(undone))


_TOKEN = "decided as one cluster"


def decide_cluster(db: ReviewDB, parts: Sequence[Sequence[int]], who: str) -> ClusterDecision:
    """A person's decision on one cluster: ``parts`` lists the records that are one study each. A record not
    named stays with its duplicate group (in the part of a named group-mate, else its group is a study of
    its own); a record in no group and not named is a study of its own. Inside a part, records not yet in
    one group get a ``confirmed`` pair; between parts, pending pairs and merges in force get ``rejected``.
    All in one transaction."""
    named = [int(r) for part in parts for r in part]
    if not named:
        raise InputError("name the records of one cluster that are the same study")
    if len(set(named)) != len(named):
        raise InputError("a record is named in two parts; each record belongs to one study")
    cluster = next((cl for cl in queue_clusters(db) if set(named) <= set(cl.ids)), None)
    if cluster is None:
        raise InputError(f"records {sorted(named)} are not all in one cluster of the duplicate queue; "
                         "see `metasift duplicates clusters`")
    part_of = {r: k for k, part in enumerate(parts) for r in part}
    # a record not named stays with its group: with a named group-mate's study, else its group is one
    next_part = len(parts)
    for g in cluster.groups:
        target = next((part_of[m] for m in g if m in part_of), None)
        if target is None:
            target, next_part = next_part, next_part + 1
        for m in g:
            part_of.setdefault(m, target)
    for r in sorted(set(cluster.ids) - set(part_of)):
        part_of[r], next_part = next_part, next_part + 1
    members = sorted(cluster.ids)
    confirmed = rejected = 0
    token = f"{_TOKEN} {uuid.uuid4().hex[:10]}"
    with db.transaction() as session:
        for rid in members:
            if session.get(Record, rid) is None:
                raise InputError(f"there is no record #{rid} in this review")
        current = DUPLICATES.current(session)
        joined: UnionFind[int] = UnionFind()
        for (a, b), row in current.items():
            if row is not None and row.decision in MERGED and a in part_of and b in part_of \
                    and part_of[a] == part_of[b]:
                joined.union(a, b)

        def write(a: int, b: int, decision: str) -> None:
            prior = current.get((a, b))
            session.add(DuplicateDecision(record_a=a, record_b=b, decision=decision,
                                          score=prior.score if prior is not None else None,
                                          reasons=(list(prior.reasons) if prior is not None else [])
                                          + [token], who=who))

        for x, a in enumerate(members):
            for b in members[x + 1:]:
                row = current.get((a, b))
                if part_of[a] == part_of[b]:
                    if joined.find(a) != joined.find(b):
                        write(a, b, "confirmed")
                        joined.union(a, b)
                        confirmed += 1
                elif row is not None and (row.decision == duplicates.QUEUED or row.decision in MERGED):
                    write(a, b, "rejected")
                    rejected += 1
    return ClusterDecision(members, confirmed, rejected)
