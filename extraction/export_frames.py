"""The export levels as DataFrames: records (with screening outcome), effects (current versions), the
decision log. The study table comes from ``extraction.study_table``. Fixed column order and sorting, so
the same review always gives the same table.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlmodel import select

from db.engine import ReviewDB
from db.models import EffectSize, ImportBatch, Record, ScreeningDecision
from extraction.coding import CORE_FIELDS, CodingSettings, effects, settings
from extraction.samples import samples
from screening.decisions import blind_keep, protocol_of
from screening.outcomes import outcomes

RECORD_COLUMNS = ("record_id", "kept_id", "study_id", "source_id", "source_db", "authors", "year", "title",
                  "journal", "volume", "issue", "pages", "doi", "pmid", "pub_type", "language")
EFFECT_COLUMNS = ("effect_id", "record_id", "study_id", "source_id", "coder", "kind", "replaces", "label",
                  "statistic", "value", "df", "n", "n1", "n2", "tails", "direction", "r", "z", "var_z",
                  "method", "location", "note", "coded_at", "found_in", "page", "quote")
DECISION_COLUMNS = ("decision_id", "record_id", "source_id", "stage", "reviewer", "kind", "verdict", "reason",
                    "method", "undoes", "full_text", "note", "decided_at", "uid")
COLUMN_MEANINGS: dict[str, str] = {
    "record_id": "MetaSift's record id", "kept_id": "the kept record of its duplicate group (itself if none)",
    "source_id": "the record's identifier in its database", "source_db": "the database searched",
    "authors": "authors, separated by '; '", "outcome": "screening result: included, excluded, conflict, "
    "pending", "outcome_stage": "the stage the outcome was reached at",
    "exclusion_reason": "the protocol's exclusion reason (excluded records)",
    "effect_id": "id of the effect-size row (current version)", "coder": "who coded the effect",
    "kind": "coded (one coder) or reconciled (double coding consensus); decisions: decision, undo, "
    "resolution", "replaces": "the earlier version this row corrects", "label": "the effect within its report",
    "method": "how r was computed; decisions: how a conflict was resolved, or stopping_rule (the record was "
    "not screened: the team stopped screening by the rule named in note)",
    "tails": "tails of a reported p", "direction": "+1, or -1 when the sign was reversed",
    "n1": "group 1 size", "n2": "group 2 size", "location": "where in the report",
    "note": "free note", "coded_at": "when it was coded (UTC)", "decision_id": "id of the decision row",
    "stage": "screening stage", "reviewer": "who decided", "verdict": "include, exclude or maybe",
    "reason": "exclusion reason given", "undoes": "the decision row an undo withdraws",
    "full_text": "the full text read (PDF path or URL)", "decided_at": "when (UTC)",
    "uid": "unique id of the act", "z": "Fisher's z of r", "var_z": "sampling variance of z, 1/(n - 3)",
    "found_in": "'full text' when the numbers were taken from a statistic found in the attached PDF, "
    "'typed' when the coder typed them", "page": "the PDF page the numbers were found on",
    "quote": "the statistic as the PDF gives it",
}


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _sample_ids(db: ReviewDB) -> dict[int, int]:
    return {rid: group[0] for group in samples(db) for rid in group}


def records_frame(db: ReviewDB, *, cfg: CodingSettings | None = None) -> pd.DataFrame:
    """One row per record: bibliographic fields, sample, each stage's outcome and the overall outcome."""
    protocol = cfg.protocol if cfg is not None else protocol_of(db)
    per_stage = {s: outcomes(db, s, protocol=protocol) for s in protocol.stages}
    stages = list(protocol.stages)
    study = _sample_ids(db)
    with db.session() as session:
        rows = session.exec(select(Record, ImportBatch.source_db).join(
            ImportBatch, Record.batch_id == ImportBatch.id).order_by(Record.id)).all()  # type: ignore[arg-type]
    out = []
    for rec, source_db in rows:
        assert rec.id is not None  # a stored record has an id
        rid = int(rec.id)
        row: dict[str, Any] = {
            "record_id": rid, "kept_id": per_stage[stages[0]][rid].kept_id if stages else rid,
            "study_id": study.get(rid, rid), "source_id": rec.source_id, "source_db": source_db,
            "authors": "; ".join(rec.authors or []), "year": rec.year, "title": rec.title,
            "journal": rec.journal, "volume": rec.volume, "issue": rec.issue, "pages": rec.pages, "doi": rec.doi,
            "pmid": rec.pmid, "pub_type": rec.pub_type, "language": rec.language}
        final, at, why = "included", stages[-1] if stages else "", ""
        for s in stages:
            o = per_stage[s][rid]
            row[s] = o.state
            row[f"{s}_reason"] = o.reason
        for s in stages:
            o = per_stage[s][rid]
            if o.state != "included":
                final, at, why = o.state, s, o.reason
                break
        row.update(outcome=final, outcome_stage=at, exclusion_reason=why)
        out.append(row)
    stage_cols = [c for s in stages for c in (s, f"{s}_reason")]
    frame = pd.DataFrame(out, columns=[*RECORD_COLUMNS, *stage_cols, "outcome", "outcome_stage",
                                       "exclusion_reason"])
    frame["year"] = frame["year"].astype("Int64")
    return frame


def effects_frame(db: ReviewDB, *, cfg: CodingSettings | None = None) -> pd.DataFrame:
    """Every current effect-size row (coded and reconciled), long format, moderators as columns."""
    rows: list[EffectSize] = effects(db)
    study = _sample_ids(db)
    with db.session() as session:
        source = dict(session.exec(select(Record.id, Record.source_id)).all())
    book = (cfg or settings(db)).codebook
    present = {k for e in rows for k in e.moderators}
    mods = [f for f in book.fields if f not in CORE_FIELDS and f in present] + sorted(
        present - set(book.fields))
    out = []
    for e in sorted(rows, key=lambda e: (e.record_id, e.label.casefold(), e.kind, e.coder, e.id or 0)):
        out.append({"effect_id": e.id, "record_id": e.record_id, "study_id": study.get(e.record_id, e.record_id),
                    "source_id": source.get(e.record_id, ""), "coder": e.coder, "kind": e.kind,
                    "replaces": e.replaces, "label": e.label, "statistic": e.statistic, "value": e.value,
                    "df": e.df, "n": e.n, "n1": e.n1, "n2": e.n2, "tails": e.tails, "direction": e.direction,
                    "r": e.r, "z": _finite(e.z), "var_z": e.var_z, "method": e.method, "location": e.location,
                    "note": e.note, "coded_at": _iso(e.coded_at),
                    "found_in": (e.provenance or {}).get("source", "typed"), "page": (e.provenance or {}).get("page"),
                    "quote": (e.provenance or {}).get("quote", ""), **{m: e.moderators.get(m) for m in mods}})
    frame = pd.DataFrame(out, columns=[*EFFECT_COLUMNS, *mods])
    for col in ("replaces", "n", "n1", "n2", "page"):
        frame[col] = frame[col].astype("Int64")
    return frame


def decisions_frame(db: ReviewDB) -> pd.DataFrame:
    """The full screening log (every row, undos and resolutions too), oldest first; a blind reader
    (``db.viewer``) gets only the rows they may see."""
    with db.session() as session:
        rows = session.exec(select(ScreeningDecision, Record.source_id).join(
            Record, ScreeningDecision.record_id == Record.id).order_by(ScreeningDecision.id)).all()  # type: ignore[arg-type]
        keep = blind_keep(db, session)
    rows = rows if keep is None else [(d, sid) for d, sid in rows if keep(d)]
    out = [{"decision_id": d.id, "record_id": d.record_id, "source_id": sid, "stage": d.stage,
            "reviewer": d.reviewer, "kind": d.kind, "verdict": d.verdict, "reason": d.reason, "method": d.method,
            "undoes": d.undoes, "full_text": d.full_text, "note": d.note, "decided_at": _iso(d.decided_at),
            "uid": d.uid} for d, sid in rows]
    frame = pd.DataFrame(out, columns=list(DECISION_COLUMNS))
    frame["undoes"] = frame["undoes"].astype("Int64")
    return frame
