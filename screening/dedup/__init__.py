"""Duplicate detection: pure functions from records to duplicate groups and candidate pairs (no database).

>>> result = deduplicate(records)       # records: dicts/objects with id, title, authors, year, journal,
...                                     # volume, issue, pages, doi, abstract, pub_type
>>> result.groups                       # automatic merges (lists of ids)
>>> result.candidates                   # pairs for a person to decide, best first
>>> best_record(records_of_one_group)   # the best value of each field
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from db.pair_log import UnionFind
from screening.dedup.best import best_record
from screening.dedup.blocking import MAX_BLOCK, candidate_pairs
from screening.dedup.features import build_features
from screening.dedup.groups import build_groups
from screening.dedup.rules import (
    AUTO,
    DISTINCT,
    OUTCOME_NAMES,
    QUEUED,
    REJECTED,
    decide,
    distinct_classes,
    reasons,
)
from screening.dedup.scoring import score_pairs

__all__ = ["AUTO", "DISTINCT", "QUEUED", "REJECTED", "DedupResult", "PairDecision", "best_record", "deduplicate"]


@dataclass(frozen=True, slots=True)
class PairDecision:
    """One compared pair: ids, score in [0, 1], outcome (auto/queued/distinct) and short reasons."""

    id_a: Any
    id_b: Any
    score: float
    outcome: str
    reasons: tuple[str, ...]


@dataclass(slots=True)
class DedupResult:
    """Automatic merge groups, the queue of candidate pairs, the pairs rejected automatically (recurring
    columns of a serial in different issues), and the outcome of every compared pair."""

    groups: list[list[Any]] = field(default_factory=list)
    candidates: list[PairDecision] = field(default_factory=list)
    pairs: list[PairDecision] = field(default_factory=list)
    rejected: list[PairDecision] = field(default_factory=list)

    def clusters(self) -> list[list[Any]]:
        """The queue as decisions: records joined by queued pairs (with the automatic groups they belong
        to) form one cluster, decided at once; four exports of one proceedings volume are one cluster, not
        six pairs. Clusters are sorted by their best pair's score, members by first appearance."""
        if not self.candidates:
            return []
        sets: UnionFind[Any] = UnionFind()
        for c in self.candidates:  # best first
            sets.union(c.id_a, c.id_b)
        for g in self.groups:
            if any(m in sets.parent for m in g):
                for m in g[1:]:
                    sets.union(g[0], m)
        order = {m: k for k, m in enumerate(m for c in self.candidates for m in (c.id_a, c.id_b))}
        members: dict[Any, list[Any]] = {}
        for x, root in sets.roots().items():
            members.setdefault(root, []).append(x)
        rank = {root: min(order.get(m, len(order)) for m in ms) for root, ms in members.items()}
        return [sorted(ms, key=lambda m: order.get(m, len(order)))
                for _, ms in sorted(members.items(), key=lambda kv: rank[kv[0]])]

    def outcome(self, id_a: Any, id_b: Any) -> str:
        """The outcome for two ids (``'distinct'`` when the pair was never compared)."""
        for p in self.pairs:
            if {p.id_a, p.id_b} == {id_a, id_b}:
                return p.outcome
        return DISTINCT


def deduplicate(records: Sequence[Any], *, max_block: int = MAX_BLOCK,
                keep_distinct: bool = False) -> DedupResult:
    """Find duplicates among ``records``.

    ``groups`` are connected components of auto-merge pairs (a union that would join records with two
    DOIs, years more than one apart, different volumes or a thesis with an article is refused, and that
    pair is queued instead). ``candidates`` are the queued pairs, best score first. ``pairs`` holds every
    auto or queued pair, plus the distinct ones when ``keep_distinct`` is set.
    """
    feats = build_features(records)
    i, j = candidate_pairs(feats, max_block=max_block)
    if len(i) == 0:
        return DedupResult()
    p = score_pairs(feats, i, j)
    code, score = decide(p)
    auto = np.flatnonzero(code == 2)
    groups_idx, refused = build_groups(feats, i[auto], j[auto], score[auto])
    code[auto[refused]] = 1
    score[auto[refused]] = np.minimum(score[auto[refused]], 0.89)
    ids = feats.ids
    refused_pairs = set(auto[refused].tolist())
    keep = np.flatnonzero(code > 0) if not keep_distinct else np.arange(len(i))
    why: dict[int, list[str]] = {}
    for name, mask in distinct_classes(p)[1:]:
        for k in np.flatnonzero(mask & (code == 3) & ~p.serial):
            why.setdefault(int(k), []).append(f"automatic rejection: {name}")

    def extra(k: int) -> list[str]:
        return (["merge refused: group conflict"] if k in refused_pairs else []) + why.get(k, [])

    pairs = [
        PairDecision(ids[i[k]], ids[j[k]], round(float(score[k]), 4), OUTCOME_NAMES[code[k]],
                     tuple(reasons(p, int(k)) + extra(int(k))))
        for k in keep
    ]
    # pairs already joined through the automatic groups need no decision
    group_of = {m: g for g, members in enumerate(groups_idx) for m in members}
    queued = [
        pd for pd, k in zip(pairs, keep, strict=True)
        if pd.outcome == QUEUED and (group_of.get(int(i[k]), -1) != group_of.get(int(j[k]), -2))
    ]
    queued.sort(key=lambda d: -d.score)
    return DedupResult(groups=[[ids[m] for m in g] for g in groups_idx], candidates=queued, pairs=pairs,
                       rejected=[pd for pd in pairs if pd.outcome == REJECTED])

