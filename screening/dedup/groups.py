"""Duplicate groups: connected components of auto-merge pairs, refusing unions whose members conflict."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from db.pair_log import UnionFind
from screening.dedup.features import Features


@dataclass(slots=True)
class _Component:
    """What a growing group has committed to: its DOIs, year span, volumes, kinds."""

    members: list[int]
    dois: set[str]
    years: tuple[int, int] | None
    volumes: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)


def _conflict(a: _Component, b: _Component) -> bool:
    if a.dois and b.dois and not (a.dois & b.dois):
        return True
    if a.years and b.years and max(a.years[1], b.years[1]) - min(a.years[0], b.years[0]) > 1:
        return True
    # a shared DOI outweighs a discordant volume (see `rules.doi_outweighs`)
    if a.volumes and b.volumes and not (a.volumes & b.volumes) and not (a.dois & b.dois):
        return True
    special = {"thesis", "conference", "erratum", "commentary"}
    ka, kb = a.kinds - {""}, b.kinds - {""}
    return bool(ka and kb and ka != kb and (ka | kb) & special)


def build_groups(feats: Features, i: np.ndarray, j: np.ndarray, scores: np.ndarray) -> tuple[list[list[int]],
                                                                                          np.ndarray]:
    """Union the auto pairs ``(i, j)`` best score first; a union that would join conflicting records
    (two DOIs, a year span over one, disjoint volumes, a thesis with an article...) is refused.

    Returns the groups (index lists of size >= 2, sorted) and a mask of the pairs that were refused.
    """
    sets: UnionFind[int] = UnionFind()
    find = sets.find
    comps: dict[int, _Component] = {}

    def comp(x: int) -> _Component:
        if x not in comps:
            y = int(feats.year[x])
            comps[x] = _Component([x], set(feats.dois[x]), (y, y) if y > 0 else None,
                                  {feats.volume[x]} - {""}, {feats.kind[x]})
        return comps[x]

    refused = np.zeros(len(i), dtype=bool)
    for k in np.argsort(-scores, kind="stable"):
        ra, rb = find(int(i[k])), find(int(j[k]))
        if ra == rb:
            continue
        ca, cb = comp(ra), comp(rb)
        if _conflict(ca, cb):
            refused[k] = True
            continue
        if len(ca.members) < len(cb.members):
            ra, rb, ca, cb = rb, ra, cb, ca
        sets.union(ra, rb)
        ca.members.extend(cb.members)
        ca.dois |= cb.dois
        if cb.years:
            lo, hi = ca.years or cb.years
            ca.years = (min(lo, cb.years[0]), max(hi, cb.years[1]))
        ca.volumes |= cb.volumes
        ca.kinds |= cb.kinds
        del comps[rb]
    groups = [sorted(c.members) for c in comps.values() if len(c.members) > 1]
    groups.sort()
    return groups, refused
