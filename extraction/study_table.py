"""The study table: one row per independent sample, the table pooling reads.

A sample (``extraction.samples.samples``: reports joined by confirmed shared-sample links and duplicate
merges) contributes its effects: per report and label the reconciled row where there is one, else the
single coder's row. An effect two or more coders coded without a reconciliation is NOT used: the
sample's ``flags`` column names it, so nobody's coding is silently picked. The effects are reduced to one
correlation per sample with ``extraction.aggregate.aggregate`` (composite by default, rho from the
protocol's ``[aggregation]``, .50 by default), optionally per level of moderator(s) ``by``.

Columns: ``study_id`` (the sample's lowest record id), ``label`` ("Horvath et al. 1993", a/b suffixes
when two samples share one), ``record_ids``, ``source_ids``, the ``by`` columns, ``n``, ``r``, ``z``,
``var_z``, ``k`` (effects aggregated), metafor's ``ri``, ``ni``, ``yi``, ``vi``, every moderator (the
value, or "mixed" when the sample's effects differ), and ``flags``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlmodel import col as sql_col
from sqlmodel import select

from db.engine import ReviewDB
from db.models import EffectSize, Record
from extraction.aggregate import aggregate
from extraction.codebook import Codebook
from extraction.coding import CORE_FIELDS, CodingSettings, settings
from extraction.double_coding import coded_by_key
from extraction.samples import samples

MIXED = "mixed"
LEAD_COLUMNS = ("study_id", "label", "record_ids", "source_ids")
NUMBER_COLUMNS = ("n", "r", "z", "var_z", "k", "ri", "ni", "yi", "vi")
NOT_MODERATORS = frozenset({*LEAD_COLUMNS, *NUMBER_COLUMNS, "flags", "pub_year", "study"})


def moderator_columns(frame: pd.DataFrame, book: Any | None = None) -> list[str]:
    """The categorical moderator columns of a study table that split the samples into two or more
    categories (the rows of a Table-1-style moderator table). With a codebook, only its category fields
    and custom columns; without one, every column that is not an id, label or number."""
    out = []
    for c in frame.columns:
        if c in NOT_MODERATORS or not frame[c].notna().any() or frame[c].dropna().astype(str).nunique() < 2:
            continue
        if book is not None and c in book.fields and book.fields[c].kind != "category":
            continue
        if book is None and pd.api.types.is_numeric_dtype(frame[c]):
            continue
        out.append(c)
    return out
COLUMN_MEANINGS: dict[str, str] = {
    "study_id": "independent sample: the lowest record id of its reports",
    "label": "first author and year of the sample's earliest report",
    "record_ids": "the sample's reports (record ids; linked reports and duplicates)",
    "source_ids": "the reports' identifiers in their databases",
    "n": "participants (mean n of the aggregated effects, rounded half up)",
    "r": "the sample's alliance-outcome correlation (aggregated)",
    "z": "Fisher's z of r",
    "var_z": "sampling variance of z, 1/(n - 3)",
    "k": "number of effects aggregated into the row",
    "ri": "= r (metafor's name)", "ni": "= n (metafor's name)", "yi": "= z (metafor's name)",
    "vi": "= var_z (metafor's name)",
    "flags": "why effects of the sample were left out (double coded, not reconciled)",
}


def _surname(author: str) -> str:
    name = author.strip()
    if "," in name:
        return name.split(",", 1)[0].strip()
    parts = name.split()
    if len(parts) > 1 and len(parts[-1]) <= 3 and parts[-1].replace(".", "").isupper():
        return " ".join(parts[:-1])
    return parts[-1] if parts else ""


def study_label(rec: Record) -> str:
    """'Surname year', 'Surname & Other year' or 'Surname et al. year' for a record."""
    names = [_surname(a) for a in rec.authors or [] if _surname(a)]
    who = (names[0] if len(names) == 1 else f"{names[0]} & {names[1]}" if len(names) == 2
           else f"{names[0]} et al." if names else (re.sub(r"\s+", " ", rec.title)[:30] or f"#{rec.id}"))
    return f"{who} {rec.year}" if rec.year else who


def _unique_labels(labels: dict[int, str]) -> dict[int, str]:
    """Add a, b, c ... to labels that several samples share (in study id order)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for sid in sorted(labels):
        groups[labels[sid]].append(sid)
    out = dict(labels)
    for label, sids in groups.items():
        if len(sids) > 1:
            for i, sid in enumerate(sids):
                out[sid] = f"{label}{chr(ord('a') + i)}" if i < 26 else f"{label}-{i + 1}"
    return out


def usable_effects(db: ReviewDB) -> tuple[list[EffectSize], list[tuple[int, str, list[str]]]]:
    """The effects the study table uses, and the unreconciled double-coded ones: (record, label, coders)."""
    coded, reconciled = coded_by_key(db)
    use: list[EffectSize] = list(reconciled.values())
    flagged = []
    for key, rows in coded.items():
        if key in reconciled:
            continue
        if len(rows) == 1:
            use.extend(rows.values())
        else:
            flagged.append((key[0], key[1], sorted(rows)))
    use.sort(key=lambda e: (e.record_id, e.label.casefold(), e.id))
    return use, sorted(flagged)


def _moderator_names(book: Codebook, rows: Sequence[EffectSize]) -> list[str]:
    present = {k for e in rows for k in e.moderators}
    known = [f for f in book.fields if f not in CORE_FIELDS and f in present]
    return known + sorted(present - set(known))


def _one(values: list[Any]) -> Any:
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    if not distinct:
        return None
    return distinct[0] if len(distinct) == 1 else MIXED


def _records(db: ReviewDB, ids: set[int], chunk: int = 500) -> dict[int, Record]:
    """The records ``ids`` (only the samples in the table: a review of 100,000 records with 40 coded samples
    reads 40-odd records, not all of them), in chunks that stay under SQLite's parameter limit."""
    wanted = sorted(ids)
    out: dict[int, Record] = {}
    with db.session() as session:
        for k in range(0, len(wanted), chunk):
            for r in session.exec(select(Record).where(sql_col(Record.id).in_(wanted[k:k + chunk]))):
                assert r.id is not None  # a stored record has an id
                out[r.id] = r
    return out


def study_table(db: ReviewDB, rho: float | None = None, method: str | None = None,
                by: str | Sequence[str] | None = None, *, cfg: CodingSettings | None = None) -> pd.DataFrame:
    """One row per independent sample (per sample and ``by`` level) with its aggregated effect.

    ``rho`` and ``method`` default to the protocol's ``[aggregation]`` settings (.50, composite). Samples
    without a usable effect but with flagged ones appear with empty numbers and their ``flags``.
    Rows are sorted by study id (then the ``by`` levels, as text). ``cfg``: the review's `settings`, when the
    caller has read them already.
    """
    cfg = cfg or settings(db)
    rho = cfg.rho if rho is None else rho
    method = cfg.method if method is None else method
    by_cols = [by] if isinstance(by, str) else list(by or [])
    use, flagged = usable_effects(db)
    sample_of = {rid: group for group in samples(db) for rid in group}
    mods = [m for m in _moderator_names(cfg.codebook, use) if m not in by_cols]

    flags: dict[int, list[str]] = defaultdict(list)
    for rec, label, coders in flagged:
        flags[sample_of[rec][0]].append(f"#{rec} {label or '(no label)'!r}: coded by {', '.join(coders)}, "
                                        "not reconciled")
    effect_rows = [{"study_id": sample_of[e.record_id][0], "r": e.r, "n": e.n,
                    **{c: e.moderators.get(c) for c in [*by_cols, *mods]}} for e in use]
    frame = pd.DataFrame(effect_rows, columns=["study_id", "r", "n", *by_cols, *mods], dtype=object)
    frame = frame.sort_values("study_id", kind="stable")
    agg = aggregate(frame, "study_id", "r", "n", rho=rho, method=method, by=by_cols or None)

    sids = sorted({int(s) for s in agg["id"]} | set(flags))
    records = _records(db, {i for sid in sids for i in sample_of[sid]})
    labels = _unique_labels({sid: study_label(min((records[i] for i in sample_of[sid]),
                                                  key=lambda r: (r.year or 9999, r.id or 0)))
                             for sid in sids})
    out: list[dict[str, Any]] = []
    for row in agg.to_dict(orient="records"):
        sid = int(row["id"])
        mine = frame[frame["study_id"] == sid]
        for col in by_cols:
            mine = mine[mine[col].map(lambda v: None if v is None else str(v)) == row[col]]
        level = {col: row[col] for col in by_cols}
        out.append({"study_id": sid, **level, "n": int(row["n"]), "r": row["r"], "z": row["z"],
                    "var_z": row["var_z"], "k": int(row["k"]),
                    **{m: _one(list(mine[m])) for m in mods}})
    done = {o["study_id"] for o in out}
    out += [{"study_id": sid} for sid in sids if sid not in done]
    for o in out:
        sid = o["study_id"]
        group = sample_of[sid]
        o["label"] = labels[sid]
        o["record_ids"] = "; ".join(str(i) for i in group)
        o["source_ids"] = "; ".join(records[i].source_id for i in group)
        o["flags"] = "; ".join(flags.get(sid, []))
        o.update(ri=o.get("r"), ni=o.get("n"), yi=o.get("z"), vi=o.get("var_z"))
    out.sort(key=lambda o: (o["study_id"], *(str(o.get(c)) for c in by_cols)))
    columns = [*LEAD_COLUMNS, *by_cols, *NUMBER_COLUMNS, *mods, "flags"]
    table = pd.DataFrame(out, columns=columns)
    for col in ("n", "k", "ni"):
        table[col] = table[col].astype("Int64")
    return table
