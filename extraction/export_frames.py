"""The export levels: records (with screening outcome) and the decision log as streamed `Table`s (read in
chunks, for exports of any size), effects (current versions) as a DataFrame. The study table comes from
``extraction.study_table``. Fixed column order and sorting, so the same review always gives the same table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlmodel import col as sql_col
from sqlmodel import select

from db.engine import ReviewDB
from db.models import EffectSize, ImportBatch, Record, ScreeningDecision
from extraction.coding import CORE_FIELDS, CodingSettings, effects, settings
from extraction.samples import samples
from screening.decisions import blind_keep, protocol_of
from screening.outcomes import outcome_lookup

RECORD_COLUMNS = ("record_id", "kept_id", "study_id", "source_id", "source_db", "authors", "year", "title",
                  "journal", "volume", "issue", "pages", "doi", "pmid", "pub_type", "language")
EFFECT_COLUMNS = ("effect_id", "record_id", "study_id", "source_id", "coder", "kind", "replaces", "label",
                  "statistic", "value", "df", "n", "n1", "n2", "tails", "direction", "r", "z", "var_z",
                  "method", "location", "note", "coded_at", "found_in", "page", "quote", "protocol_version")
DECISION_COLUMNS = ("decision_id", "record_id", "source_id", "stage", "reviewer", "kind", "verdict", "reason",
                    "method", "undoes", "full_text", "note", "decided_at", "uid", "protocol_version")
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
    "'full text (OCR)' when it was found on a scanned page read by OCR, 'typed' when the coder typed them",
    "page": "the PDF page the numbers were found on",
    "quote": "the statistic as the PDF gives it",
    "protocol_version": "the review's protocol version in force when it was stored (empty: before protocols "
    "were versioned, or the bundled protocol)",
}


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _sample_ids(db: ReviewDB) -> dict[int, int]:
    return {rid: group[0] for group in samples(db) for rid in group}


CHUNK = 5000
"""Rows read per query when an export level streams (records, decisions): memory stays flat in the review size."""


@dataclass(frozen=True)
class Table:
    """An export level as its columns and a stream of rows (tuples in column order) read ``CHUNK`` at a time;
    ``rows()`` starts a new pass. `frame` makes a DataFrame of it (small levels, tests, RIS)."""

    columns: tuple[str, ...]
    rows: Callable[[], Iterator[tuple[Any, ...]]]
    dtypes: dict[str, str] = field(default_factory=dict)  # columns to convert in `frame` (e.g. Int64)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(list(self.rows()), columns=list(self.columns))
        for col, dtype in self.dtypes.items():
            frame[col] = frame[col].astype(dtype)
        return frame


_RECORD_FIELDS = ("source_id", "authors", "year", "title", "journal", "volume", "issue", "pages", "doi", "pmid",
                  "pub_type", "language")


def records_table(db: ReviewDB, *, cfg: CodingSettings | None = None, chunk: int = CHUNK) -> Table:
    """One row per record: bibliographic fields, sample, each stage's outcome and the overall outcome
    (``cfg``: the review's settings, read once by the caller)."""
    protocol = cfg.protocol if cfg is not None else protocol_of(db)
    stages = list(protocol.stages)
    stage_cols = tuple(c for s in stages for c in (s, f"{s}_reason"))
    columns = (*RECORD_COLUMNS, *stage_cols, "outcome", "outcome_stage", "exclusion_reason")
    cols = [getattr(Record, f) for f in _RECORD_FIELDS]

    def rows() -> Iterator[tuple[Any, ...]]:
        state_of = outcome_lookup(db, protocol=protocol)
        study = _sample_ids(db)
        last = 0
        while True:
            query = select(sql_col(Record.id), *cols, sql_col(ImportBatch.source_db)).join(  # type: ignore[call-overload]
                ImportBatch, sql_col(Record.batch_id) == sql_col(ImportBatch.id)).where(sql_col(Record.id) > last)
            with db.session() as session:  # Core rows, no ORM loading per row (a fifth less CPU per record)
                batch = session.connection().execute(query.order_by(sql_col(Record.id)).limit(chunk)).all()
            if not batch:
                return
            for rid, sid, authors, year, title, journal, vol, iss, pages, doi, pmid, ptype, lang, source_db in batch:
                found = [state_of(rid, s) for s in stages]  # (kept, state, reason) per stage
                final, at, why = "included", stages[-1] if stages else "", ""
                for s, (_kept, state, reason) in zip(stages, found, strict=True):
                    if state != "included":
                        final, at, why = state, s, reason
                        break
                yield (rid, found[0][0] if stages else rid, study.get(rid, rid), sid, source_db,
                       "; ".join(authors or []), year, title, journal, vol, iss, pages, doi, pmid, ptype, lang,
                       *(x for o in found for x in o[1:]), final, at, why)
            last = int(batch[-1][0])

    return Table(columns, rows, {"year": "Int64"})


def records_frame(db: ReviewDB, *, cfg: CodingSettings | None = None) -> pd.DataFrame:
    """`records_table` as a DataFrame."""
    return records_table(db, cfg=cfg).frame()


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
                    "quote": (e.provenance or {}).get("quote", ""), "protocol_version": e.protocol_version,
                    **{m: e.moderators.get(m) for m in mods}})
    frame = pd.DataFrame(out, columns=[*EFFECT_COLUMNS, *mods])
    for col in ("replaces", "n", "n1", "n2", "page", "protocol_version"):
        frame[col] = frame[col].astype("Int64")
    return frame


def decisions_table(db: ReviewDB, chunk: int = CHUNK) -> Table:
    """The full screening log (every row, undos and resolutions too), oldest first; a blind reader
    (``db.viewer``) gets only the rows they may see."""
    def rows() -> Iterator[tuple[Any, ...]]:
        last = 0
        while True:
            with db.session() as session:
                batch = session.exec(select(ScreeningDecision, Record.source_id).join(
                    Record, sql_col(ScreeningDecision.record_id) == sql_col(Record.id)).where(
                    sql_col(ScreeningDecision.id) > last).order_by(sql_col(ScreeningDecision.id)).limit(chunk)).all()
                keep = blind_keep(db, session)
            if not batch:
                return
            for d, sid in batch:
                if keep is not None and not keep(d):
                    continue
                yield (d.id, d.record_id, sid, d.stage, d.reviewer, d.kind, d.verdict, d.reason, d.method, d.undoes,
                       d.full_text, d.note, _iso(d.decided_at), d.uid, d.protocol_version)
            last = int(batch[-1][0].id or 0)

    return Table(DECISION_COLUMNS, rows, {"undoes": "Int64", "protocol_version": "Int64"})
