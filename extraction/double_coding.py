"""Double coding: two coders code a report independently; MetaSift lists where they differ, stores the
reconciled version, and reports their agreement.

Codings are matched by report and ``label`` (e.g. "BDI, client, early"). Compared fields: r (equal
within ``tolerance``), n, the statistic, and every moderator (exactly, after the codebook's canonical
spelling). A label coded by only some of a report's coders is itself a disagreement (field ``coded``).
`reconcile` stores a ``kind="reconciled"`` row, the consensus or a third person's decision, which the
study table then uses instead of the coders' rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from db.engine import ReviewDB
from db.errors import InputError
from db.models import EffectSize
from extraction.codebook import cohen_kappa, icc, mean_abs_difference, percent_agreement
from extraction.coding import CORE_FIELDS, CodedEffect, edit_effect, effects, settings
from extraction.coding import code_effect as _code

R_TOLERANCE = 0.005
"""Two r values closer than this count as the same (rounding in the report, conversion detail)."""

Key = tuple[int, str]


def _norm_label(label: str) -> str:
    return " ".join(label.casefold().split())


def coded_by_key(db: ReviewDB) -> tuple[dict[Key, dict[str, EffectSize]], dict[Key, EffectSize]]:
    """Current coder rows per (record, label) as {coder: row}, and the current reconciled row per key.

    Labels match case-insensitively with spaces collapsed; the key keeps the first spelling seen.
    """
    coded: dict[Key, dict[str, EffectSize]] = defaultdict(dict)
    reconciled: dict[Key, EffectSize] = {}
    spelling: dict[tuple[int, str], str] = {}
    for row in effects(db):
        key = (row.record_id, spelling.setdefault((row.record_id, _norm_label(row.label)), row.label))
        if row.kind == "reconciled":
            reconciled[key] = row
        else:
            coded[key][row.coder] = row  # one current row per coder and label; the later id wins
    return dict(coded), reconciled


def _field_values(row: EffectSize) -> dict[str, Any]:
    return {"r": row.r, "n": row.n, "statistic": row.statistic, **row.moderators}


def _differs(name: str, values: list[Any], tolerance: float) -> bool:
    if name == "r":
        nums = [v for v in values if v is not None]
        return len(nums) != len(values) or (max(nums) - min(nums) > tolerance if nums else False)
    return len({repr(v) for v in values}) > 1


@dataclass(frozen=True)
class Disagreement:
    """A field on which the coders of a report's effect differ: ``values`` {coder: value} (None = not coded;
    for the field ``coded``: whether each coder coded the label at all), ``ids`` {coder: effect id},
    ``reconciled``: a reconciled row exists."""

    record: int
    label: str
    reconciled: bool
    field: str
    values: dict[str, Any]
    ids: dict[str, int | None]

    def to_json(self) -> dict[str, Any]:
        return {"record": self.record, "label": self.label, "reconciled": self.reconciled, "field": self.field,
                "values": dict(self.values), "ids": dict(self.ids)}


def disagreements(db: ReviewDB, record: int | None = None, *, tolerance: float = R_TOLERANCE,
                  include_reconciled: bool = False) -> list[Disagreement]:
    """Every field on which the coders of a report differ, one item per (record, label, field). Reconciled
    keys are left out unless ``include_reconciled``."""
    coded, reconciled = coded_by_key(db)
    coders_of: dict[int, set[str]] = defaultdict(set)
    for (rec, _), rows in coded.items():
        coders_of[rec].update(rows)
    out: list[Disagreement] = []
    for key in sorted(coded, key=lambda k: (k[0], _norm_label(k[1]))):
        rec, label = key
        if (record is not None and rec != record) or len(coders_of[rec]) < 2:
            continue
        done = key in reconciled
        if done and not include_reconciled:
            continue
        rows = coded[key]
        ids = {c: r.id for c, r in sorted(rows.items())}
        everyone = sorted(coders_of[rec])
        if len(rows) < len(everyone):
            out.append(Disagreement(rec, label, done, "coded", {c: c in rows for c in everyone}, ids))
            if len(rows) < 2:
                continue
        fields = {c: _field_values(r) for c, r in sorted(rows.items())}
        names = list(dict.fromkeys(n for f in fields.values() for n in f))
        for name in names:
            values = [f.get(name) for f in fields.values()]
            if _differs(name, values, tolerance):
                out.append(Disagreement(rec, label, done, name, {c: f.get(name) for c, f in fields.items()}, ids))
    return out


@dataclass(frozen=True)
class ReconcileItem:
    """An effect coded by two or more coders, as the reconciling screen lists it: the report's coders, each
    coder's current row, the reconciled row (None: still open) and the fields `disagreements` names."""

    record: int
    label: str
    coders: list[str]
    rows: dict[str, CodedEffect]
    reconciled: CodedEffect | None
    differs: list[str]


def reconcile_items(db: ReviewDB) -> list[ReconcileItem]:
    """Every double-coded effect (reports with two or more coders), by report and label."""
    coded, reconciled = coded_by_key(db)
    differs: dict[Key, list[str]] = defaultdict(list)
    for d in disagreements(db, include_reconciled=True):
        differs[(d.record, d.label)].append(d.field)
    coders_of: dict[int, set[str]] = defaultdict(set)
    for (rec, _), rows in coded.items():
        coders_of[rec].update(rows)
    items = []
    for key in sorted(coded, key=lambda k: (k[0], k[1].casefold())):
        if len(coders_of[key[0]]) < 2:
            continue
        rec_row = reconciled.get(key)
        items.append(ReconcileItem(key[0], key[1], sorted(coders_of[key[0]]),
                                   {c: CodedEffect.of(r) for c, r in sorted(coded[key].items())},
                                   CodedEffect.of(rec_row) if rec_row is not None else None, differs.get(key, [])))
    return items


_CODE_KEYS = ("statistic", "value", "df", "n", "n1", "n2", "tails", "direction", "moderators", "location",
              "note")


def reconcile(db: ReviewDB, record: int, label: str, values: Mapping[str, Any], by: str, *,
              adopt: str | None = None, uid: str | None = None) -> EffectSize:
    """Store the reconciled coding of ``record``/``label`` (``by``: the third person, or "consensus").

    ``values`` holds `code_effect`'s fields (statistic, value, df, n, moderators, ...; a moderator may
    also be given at the top level). ``adopt`` names a
    coder whose row is the starting point; ``values`` then only overrides (``moderators`` merge into the
    adopted ones). Reconciling again stores a new version of the reconciled row.
    """
    book = settings(db).codebook
    loose = {k: v for k, v in values.items() if k not in _CODE_KEYS and k in book.fields and k not in CORE_FIELDS}
    if loose:  # a moderator given at the top level, e.g. {"treatment": "CBT"}
        values = {**{k: v for k, v in values.items() if k not in loose},
                  "moderators": {**dict(values.get("moderators") or {}), **loose}}
    bad = sorted(set(values) - set(_CODE_KEYS))
    if bad:
        raise InputError(f"reconcile: unknown field(s) {', '.join(bad)}; expected some of {', '.join(_CODE_KEYS)}")
    coded, reconciled = coded_by_key(db)
    key = next((k for k in (*coded, *reconciled) if k[0] == record and _norm_label(k[1]) == _norm_label(label)),
               None)
    if key is None:
        raise InputError(f"record #{record} has no coded effect labelled {label!r}; nothing to reconcile")
    fields: dict[str, Any] = {}
    if adopt is not None:
        row = coded.get(key, {}).get(adopt)
        if row is None:
            raise InputError(f"{adopt!r} coded no effect {label!r} of record #{record}; coders: "
                             f"{', '.join(sorted(coded.get(key, {}))) or 'none'}")
        fields = {k: getattr(row, k) for k in _CODE_KEYS}
        fields["moderators"] = {**row.moderators, **dict(values.get("moderators") or {})}
        fields.update({k: v for k, v in values.items() if k != "moderators"})
        if "n" in values and "n1" not in values:
            fields["n1"] = fields["n2"] = None
    else:
        fields = dict(values)
        if "statistic" not in fields or "value" not in fields:
            raise InputError("reconcile: give the statistic and its value, or adopt one coder's row")
    note = fields.pop("note", "") or f"reconciled by {by}"
    if key in reconciled:
        return edit_effect(db, reconciled[key].id, uid=uid, note=note, **fields)  # type: ignore[arg-type]
    return _code(db, record, by, fields.pop("statistic"), fields.pop("value"), label=key[1], note=note,
                 kind="reconciled", uid=uid, **fields)


@dataclass(frozen=True)
class FieldAgreement:
    """Agreement on one field: items both coded, percent agreement (%) and Cohen's kappa (None: undefined;
    ``kappa`` is left out for n)."""

    items: int
    percent: float | None
    kappa: float | None = None

    def to_json(self, with_kappa: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"items": self.items, "percent": self.percent}
        if with_kappa:
            out["kappa"] = self.kappa
        return out


@dataclass(frozen=True)
class RAgreement:
    """Agreement on r: items, ICC(2,1) (None with fewer than two items) and the mean absolute difference."""

    items: int
    icc: float | None
    mean_abs_difference: float | None

    def to_json(self) -> dict[str, Any]:
        return {"items": self.items, "icc": self.icc, "mean_abs_difference": self.mean_abs_difference}


@dataclass(frozen=True)
class CoderAgreement:
    """One pair of coders over the effects both coded: per categorical field, for r and for n (``r`` and
    ``n`` are None when they coded nothing in common)."""

    coders: tuple[str, str]
    items: int
    fields: dict[str, FieldAgreement]
    r: RAgreement | None = None
    n: FieldAgreement | None = None

    def to_json(self) -> dict[str, Any]:
        return {"coders": list(self.coders), "items": self.items,
                "fields": {k: f.to_json() for k, f in self.fields.items()},
                "r": self.r.to_json() if self.r is not None else None,
                "n": self.n.to_json(with_kappa=False) if self.n is not None else None}


def agreement(db: ReviewDB, coders: tuple[str, str] | None = None) -> list[CoderAgreement]:
    """Agreement between coders on the effects both coded (matched by record and label), per pair.

    Per categorical field (statistic and the codebook's category and yes/no moderators): percent agreement and
    Cohen's kappa; for r: ICC(2,1) and the mean absolute difference; for n: percent agreement. A field
    nobody coded is left out; a statistic that is undefined (e.g. kappa when everyone used one
    category, ICC with fewer than two items) is None.
    """
    coded, _ = coded_by_key(db)
    book = settings(db).codebook
    names = sorted({c for rows in coded.values() for c in rows})
    pairs = [coders] if coders else list(combinations(names, 2))
    out = []
    for a, b in pairs:
        items = [(rows[a], rows[b]) for rows in coded.values() if a in rows and b in rows]
        if not items:
            out.append(CoderAgreement((a, b), 0, {}))
            continue
        fields: dict[str, FieldAgreement] = {}
        cats = ["statistic", *(f.name for f in book.fields.values()
                               if f.kind in ("category", "yes_no") and f.name != "statistic")]
        for name in cats:
            xa = [_field_values(x).get(name) for x, _ in items]
            xb = [_field_values(y).get(name) for _, y in items]
            both = sum(u is not None and v is not None for u, v in zip(xa, xb, strict=True))
            if both:
                fields[name] = FieldAgreement(both, percent_agreement(xa, xb), cohen_kappa(xa, xb))
        both_r = [(x.r, y.r) for x, y in items if x.r is not None and y.r is not None]  # coded effects carry r
        ra, rb = [a for a, _ in both_r], [b for _, b in both_r]
        out.append(CoderAgreement(
            (a, b), len(items), fields,
            RAgreement(len(items), icc(ra, rb) if len(items) >= 2 else None, mean_abs_difference(ra, rb)),
            FieldAgreement(len(items), percent_agreement([x.n for x, _ in items], [y.n for _, y in items]))))
    return out
