"""Core calls of the extraction screens (`extraction.coding`, `extraction.double_coding`, the codebook).

Everything here is a thin adapter: the statistics and the checks live in ``extraction``; the screens only
show what these functions return.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from db.engine import ReviewDB
from db.errors import InputError
from db.progress import Progress, no_progress
from extraction import coding, double_coding
from extraction.codebook import Codebook, Field
from extraction.effect_sizes import Conversion, convert
from extraction.worklist import CodingReport, coding_worklist


@dataclass(frozen=True)
class Snapshot:
    """The coding list (reports included at full text) and the review's coding settings."""

    reports: list[CodingReport]
    settings: coding.CodingSettings


def moderator_fields(book: Codebook) -> list[Field]:
    """The codebook fields a coder fills in as moderators (every field MetaSift does not fill itself)."""
    return [f for f in book.fields.values() if f.name not in coding.CORE_FIELDS]


def snapshot(db: ReviewDB, *, progress: Progress = no_progress) -> Snapshot:
    progress(0, 2, "reading the coding settings")
    cfg = coding.settings(db)
    progress(1, 2, "listing the included reports")
    return Snapshot(coding_worklist(db), cfg)


def report_effects(db: ReviewDB, record: int) -> list[coding.CodedEffect]:
    """The current effects of one report (every coder, reconciled rows too)."""
    return [coding.CodedEffect.of(e) for e in coding.effects(db, record=record)]


def versions(db: ReviewDB, effect_id: int) -> list[coding.CodedEffect]:
    """Every version of an effect, oldest first."""
    return [coding.CodedEffect.of(e) for e in coding.history(db, effect_id)]


# -- the coding form ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Preview:
    """What the form shows while the coder types: the conversion (None if impossible) and every problem."""

    conversion: Conversion | None
    conversion_error: str
    problems: list[str]

    @property
    def valid(self) -> bool:
        return self.conversion is not None and not self.problems


def preview(cfg: coding.CodingSettings, entry: Mapping[str, Any], year: int | None = None) -> Preview:
    """Convert and validate a form entry as `extraction.coding.code_effect` will (without storing it).

    ``entry``: statistic, value, df, n, n1, n2, tails, direction, moderators. ``year``: the report's year,
    which `code_effect` uses when ``pub_year`` is left empty.
    """
    conv, error = None, ""
    try:
        conv = convert(entry["statistic"], entry["value"], df=entry.get("df"), n=entry.get("n"),
                       n1=entry.get("n1"), n2=entry.get("n2"), tails=entry.get("tails", 2),
                       direction=entry.get("direction", 1))
    except InputError as exc:
        error = exc.detail
    mods = {k: v for k, v in dict(entry.get("moderators") or {}).items() if v not in (None, "")}
    if "pub_year" in cfg.codebook.fields and "pub_year" not in mods and year:
        mods["pub_year"] = year
    n1, n2 = entry.get("n1"), entry.get("n2")
    total = entry.get("n") if entry.get("n") is not None else (
        n1 + n2 if isinstance(n1, int) and isinstance(n2, int) else None)
    values: dict[str, Any] = {"study_id": "new", "statistic": entry["statistic"], "value": entry["value"],
                              "df": entry.get("df"), "n": total, **mods}
    problems: list[str] = []
    if conv is not None:
        values["r"] = conv.r
        if abs(conv.r) >= 1:
            problems.append(f"r = {conv.r:g}: a correlation of exactly ±1 cannot be pooled")
    problems += [p for p in cfg.codebook.validate_effect(values, cfg.min_n)
                 if conv is not None or not p.startswith("missing required field 'r'")]
    return Preview(conv, error, list(dict.fromkeys(problems)))


def save_effect(db: ReviewDB, record: int, coder: str, entry: Mapping[str, Any],
                effect_id: int | None = None) -> coding.CodedEffect:
    """Store a new effect (`code_effect`) or a corrected version of ``effect_id`` (`edit_effect`)."""
    uid = uuid.uuid4().hex  # a retried write stores nothing twice
    fields = {k: entry.get(k) for k in ("df", "n", "n1", "n2", "moderators")}
    fields.update(tails=entry.get("tails", 2), direction=entry.get("direction", 1),
                  location=entry.get("location", ""), note=entry.get("note", ""), label=entry.get("label", ""))
    if entry.get("provenance"):  # taken from a statistic found in the full text ("Use")
        fields["provenance"] = entry["provenance"]
    if effect_id is None:
        row = coding.code_effect(db, record, coder, entry["statistic"], entry["value"], uid=uid, **fields)
    else:
        row = coding.edit_effect(db, effect_id, uid=uid, statistic=entry["statistic"], value=entry["value"],
                                 **fields)
    return coding.CodedEffect.of(row)


def delete(db: ReviewDB, effect_id: int) -> coding.CodedEffect:
    uid = uuid.uuid4().hex
    return coding.CodedEffect.of(coding.delete_effect(db, effect_id, uid=uid))


# -- double coding --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DoubleCoding:
    """Effects coded by two or more coders (`extraction.double_coding.reconcile_items`) and the agreement
    report."""

    items: list[double_coding.ReconcileItem]
    agreement: list[double_coding.CoderAgreement]
    settings: coding.CodingSettings


def double_coding_snapshot(db: ReviewDB, *, progress: Progress = no_progress) -> DoubleCoding:
    progress(0, 2, "matching the coders' effects")
    items = double_coding.reconcile_items(db)
    progress(1, 2, "computing agreement")
    return DoubleCoding(items, double_coding.agreement(db), coding.settings(db))


def reconcile(db: ReviewDB, record: int, label: str, values: Mapping[str, Any], by: str) -> coding.CodedEffect:
    uid = uuid.uuid4().hex
    return coding.CodedEffect.of(double_coding.reconcile(db, record, label, values, by, uid=uid))
