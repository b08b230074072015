"""The coding worklist the command line and the desktop app share: reports included at full text.

Each report is a kept record (duplicates once) with the independent sample it belongs to and how many
effects each coder coded from it, so a coder sees what is left to code and a lead sees what is double coded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from extraction import coding
from extraction.samples import samples
from screening.duplicates import load_records
from screening.outcomes import outcomes


@dataclass(frozen=True)
class CodingReport:
    """One report to code: a kept record included at full text, its sample and the effects coded from it."""

    record: int
    sample: int  # the sample's id: its lowest record id
    sample_records: list[int]  # every record of the sample (this one included)
    title: str
    authors: list[str]
    year: int | None
    journal: str
    source_id: str
    counts: dict[str, int]  # coder -> current effects; reconciled effects under "reconciled"

    def to_json(self) -> dict[str, Any]:
        return {"record": self.record, "sample": self.sample, "sample_records": list(self.sample_records),
                "title": self.title, "authors": list(self.authors), "year": self.year, "journal": self.journal,
                "source_id": self.source_id, "counts": dict(self.counts)}


def coding_worklist(db: ReviewDB) -> list[CodingReport]:
    """Reports included at full text (kept records, by id), each with its sample and effects per coder."""
    included = sorted(rid for rid, o in outcomes(db, "full_text").items()
                      if o.state == "included" and rid == o.kept_id)
    group_of = {rid: group for group in samples(db) for rid in group}
    with db.session() as session:
        recs = {r["id"]: r for r in load_records(session, included)}
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for e in coding.effects(db):
        counts[e.record_id]["reconciled" if e.kind == "reconciled" else e.coder] += 1
    out = []
    for rid in included:
        rec = recs.get(rid, {})
        group = group_of.get(rid, [rid])
        out.append(CodingReport(rid, group[0], list(group), rec.get("title") or "", list(rec.get("authors") or []),
                                rec.get("year"), rec.get("journal") or "", rec.get("source_id") or "",
                                dict(counts[rid])))
    return out
