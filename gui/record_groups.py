"""The record groups the pair screens list (duplicate groups, shared samples), with their records loaded.

Qt-free, like the screens' ``actions`` modules that build them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordGroup:
    """A group of records: ids (the lowest first), the records (`screening.duplicates.load_records` dicts; a
    record that is gone is left out) and how many unique reports they are (a duplicate group is one)."""

    ids: list[int]
    records: list[dict[str, Any]]
    reports: int = 1


def record_groups(groups: Sequence[list[int]], recs: Mapping[int, dict[str, Any]],
                  canon: Mapping[int, int] | None = None) -> list[RecordGroup]:
    """``groups`` with their records from ``recs``; ``canon`` (record -> kept record) counts the reports."""
    return [RecordGroup(g, [recs[i] for i in g if i in recs],
                        len({canon.get(i, i) for i in g}) if canon is not None else 1) for g in groups]
