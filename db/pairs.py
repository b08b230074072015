"""Pairs of records and the groups they make, without the database: `UnionFind`, `components`, and the
replay of a pair log (which decision is in force per pair). Plain Python over rows that have ``record_a``,
``record_b`` and ``decision`` (ORM rows, or the tuples `metasift status` reads through the driver), so the
ORM path (`db.pair_log`) and the driver path (`screening.counts`) share one definition.

`UnionFind` is written by hand (no maintained library offers one small enough to be worth a dependency);
every grouping of pairs in the review (duplicate groups, independent samples, the dedup engine, its
evaluation) uses it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, Protocol, TypeVar

from db.errors import InputError

H = TypeVar("H", bound=Hashable)
Pair = tuple[int, int]
UNDONE = "undone"
MERGED = frozenset({"auto", "confirmed"})
"""Decisions in force that put a pair into one duplicate group."""
LINKED = frozenset({"confirmed"})
"""Link decisions in force that put two reports into one sample."""


class PairRow(Protocol):
    """What the replay reads of a pair-log row."""

    @property
    def record_a(self) -> int: ...
    @property
    def record_b(self) -> int: ...
    @property
    def decision(self) -> str: ...


R = TypeVar("R", bound=PairRow)


class UnionFind(Generic[H]):
    """Disjoint sets over hashable items (path halving); an item is added on first sight."""

    def __init__(self) -> None:
        self.parent: dict[H, H] = {}

    def find(self, x: H) -> H:
        """The root of ``x``'s set (``x`` itself for a new item)."""
        parent = self.parent
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: H, b: H) -> H:
        """Join the sets of ``a`` and ``b``; the root of ``a``'s set becomes the root of both."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
        return ra

    def roots(self) -> dict[H, H]:
        """Every item seen -> the root of its set."""
        return {x: self.find(x) for x in list(self.parent)}


def components(pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components (sorted id lists of size >= 2, sorted) of an undirected pair list."""
    uf: UnionFind[int] = UnionFind()
    for a, b in pairs:
        uf.union(a, b)
    out: dict[int, list[int]] = {}
    for x, root in uf.roots().items():
        out.setdefault(root, []).append(x)
    return sorted(sorted(g) for g in out.values() if len(g) > 1)


def pair_key(a: int, b: int) -> Pair:
    """``(low, high)``; the same record twice is refused."""
    if a == b:
        raise InputError(f"#{a} and #{b} are the same record; give two different records")
    return (a, b) if a < b else (b, a)


def current(rows: Iterable[R]) -> dict[Pair, R | None]:
    """The decision in force per pair from the log's rows in id order: an ``undone`` row withdraws the latest
    decision still in force (``None`` when no decision is left)."""
    stacks: dict[Pair, list[R]] = {}
    for row in rows:
        stack = stacks.setdefault((row.record_a, row.record_b), [])
        if row.decision == UNDONE:
            if stack:
                stack.pop()
        else:
            stack.append(row)
    return {k: (st[-1] if st else None) for k, st in stacks.items()}


def in_force(rows: Iterable[PairRow], decisions: Iterable[str]) -> list[Pair]:
    """Pairs whose decision in force (`current`) is one of ``decisions``."""
    wanted = frozenset(decisions)
    return [k for k, row in current(rows).items() if row is not None and row.decision in wanted]
