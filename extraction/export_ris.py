"""The included records as RIS, for reference managers (EndNote, Zotero, Mendeley, ...).

One record per duplicate group (the kept record), sorted by record id. Tags: TY, AU, TI, PY, T2/JO, VL,
IS, SP/EP, DO, AN (the source id), AB, KW, LA, UR, plus ``N1`` naming the MetaSift record id. Values
are single lines (line breaks become spaces).
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import col, select

from db.engine import ReviewDB
from db.errors import InputError
from db.models import Record
from extraction.atomic_write import atomic_path
from extraction.export_frames import records_frame

RIS_TYPES = ("JOUR", "THES", "BOOK", "CHAP", "CONF", "RPRT", "GEN", "ELEC", "EJOUR", "ABST", "UNPB")


def _one_line(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def _type(pub_type: str) -> str:
    t = pub_type.strip().upper()
    if t in RIS_TYPES:
        return t
    low = pub_type.lower()
    if any(w in low for w in ("thesis", "dissertation")):
        return "THES"
    if "chapter" in low:
        return "CHAP"
    if "book" in low:
        return "BOOK"
    if "conference" in low or "proceeding" in low:
        return "CONF"
    return "JOUR"


def ris_entry(rec: Record) -> list[str]:
    """The RIS lines of one record (``TY`` to ``ER``)."""
    lines = [f"TY  - {_type(rec.pub_type or '')}"]

    def tag(name: str, value: object) -> None:
        text = _one_line(value) if value is not None else ""
        if text:
            lines.append(f"{name}  - {text}")

    for author in rec.authors or []:
        tag("AU", author)
    tag("TI", rec.title)
    tag("PY", rec.year)
    tag("T2", rec.journal)
    tag("JO", rec.journal)
    tag("VL", rec.volume)
    tag("IS", rec.issue)
    first, _, last = (rec.pages or "").partition("-")
    tag("SP", first)
    tag("EP", last)
    tag("DO", rec.doi)
    tag("AN", rec.source_id)
    tag("AB", rec.abstract)
    for kw in rec.keywords or []:
        tag("KW", kw)
    tag("LA", rec.language)
    tag("UR", rec.url)
    tag("N1", f"MetaSift record {rec.id}")
    lines.append("ER  - ")
    return lines


def write_ris(db: ReviewDB, out: Path) -> int:
    """Write the included records (kept record of each duplicate group) to ``out``; returns the count."""
    frame = records_frame(db)
    chosen = frame[(frame["outcome"] == "included") & (frame["record_id"] == frame["kept_id"])]
    ids = sorted(int(i) for i in chosen["record_id"])
    if not ids:
        raise InputError("no record is included yet (screening has not included any record at the "
                         "protocol's last stage); nothing to export as RIS")
    with db.session() as session:
        recs = list(session.exec(select(Record).where(col(Record.id).in_(ids)).order_by(col(Record.id))))
    text = "\n".join("\n".join(ris_entry(r)) + "\n" for r in recs)
    with atomic_path(out, ".ris") as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return len(recs)
