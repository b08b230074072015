"""The coding worklist the command line and the desktop app share: reports included at full text.

Each report is a kept record (duplicates once) with the independent sample it belongs to and how many
effects each coder coded from it, so a coder sees what is left to code and a lead sees what is double coded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from db.engine import ReviewDB
from extraction import coding
from extraction.samples import samples
from screening.duplicates import load_records
from screening.outcomes import outcomes


def coding_worklist(db: ReviewDB) -> list[dict[str, Any]]:
    """Reports included at full text (kept records, by id), each with its sample and effects per coder
    (``counts``: coder -> effects; reconciled effects under ``"reconciled"``)."""
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
        out.append({"record": rid, "sample": group[0], "sample_records": list(group),
                    "title": rec.get("title") or "", "authors": list(rec.get("authors") or []),
                    "year": rec.get("year"), "journal": rec.get("journal") or "",
                    "source_id": rec.get("source_id") or "", "counts": dict(counts[rid])})
    return out
