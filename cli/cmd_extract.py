"""Effect-size coding commands: ``code``, ``effects``, ``disagreements``, ``reconcile``, ``studies``, ``export``."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from cli.base import Result, add_json_arg, add_review_arg, add_reviewer_arg, open_for, reviewer_name, table
from db.engine import ReviewDB
from db.errors import InputError
from extraction import apa
from extraction.choices import AGGREGATION_METHODS as METHODS
from extraction.choices import LEVELS
from extraction.coding import CodedEffect, code_effect, delete_effect, edit_effect, effects
from extraction.double_coding import agreement, disagreements, reconcile
from extraction.effect_sizes import STATISTICS
from extraction.worklist import coding_worklist
from screening.duplicates import resolve as resolve_ref


def _coding_args(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--stat", dest="statistic", required=required, choices=list(STATISTICS),
                   help="the statistic the report gives")
    p.add_argument("--value", type=float, required=required, help="its value")
    p.add_argument("--df", type=float, default=None, help="(denominator) degrees of freedom of t or F")
    p.add_argument("--n", type=int, default=None, help="total sample size")
    p.add_argument("--n1", type=int, default=None, help="group 1 size (d, or)")
    p.add_argument("--n2", type=int, default=None, help="group 2 size (d, or)")
    p.add_argument("--tails", type=int, choices=[1, 2], default=None, help="tails of a p value (default 2)")
    p.add_argument("--direction", type=int, choices=[1, -1], default=None,
                   help="sign for F, chi2, p; -1 reverses a signed statistic")
    p.add_argument("--mod", action="append", default=[], metavar="FIELD=VALUE",
                   help="a moderator, e.g. --mod alliance_measure=WAI (repeatable)")
    p.add_argument("--location", default=None, help="where in the report (table, page)")
    p.add_argument("--note", default=None, help="a free note")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("code")
    add_review_arg(p)
    p.add_argument("--record", required=True, help="the report: source_id, #<record id> or record id")
    p.add_argument("--coder", default=None, help="who codes (default: $METASIFT_USER or $USER)")
    p.add_argument("--label", default="", help='the effect within the report, e.g. "BDI, client, early"')
    p.add_argument("--edit", type=int, default=None, metavar="ID",
                   help="store a corrected version of effect ID (give only what changes)")
    p.add_argument("--from-stat", type=int, default=None, metavar="K",
                   help="take statistic, value, df, n, page, quote and cues from the K-th statistic "
                        "`metasift stats REVIEW --record R` lists (options given override them)")
    _coding_args(p, required=False)
    add_json_arg(p)
    p.set_defaults(handler=cmd_code)

    p = sub.add_parser("worklist")
    add_review_arg(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_worklist)

    p = sub.add_parser("effects")
    add_review_arg(p)
    p.add_argument("--coder", default=None, help="only this coder's effects")
    p.add_argument("--record", default=None, help="only this record's effects (source_id, #<record id> or record id)")
    p.add_argument("--history", action="store_true", help="every version, deletions too")
    p.add_argument("--delete", type=int, default=None, metavar="ID", help="withdraw effect ID (history stays)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_effects)

    p = sub.add_parser("disagreements")
    add_review_arg(p)
    p.add_argument("--record", default=None, help="only this record (source_id, #<record id> or record id)")
    p.add_argument("--all", action="store_true", help="also those already reconciled")
    add_json_arg(p)
    p.set_defaults(handler=cmd_disagreements)

    p = sub.add_parser("reconcile")
    add_review_arg(p)
    p.add_argument("--record", required=True, help="the report: source_id, #<record id> or record id")
    p.add_argument("--label", required=True, help="the effect's label")
    p.add_argument("--by", default=None, help="who reconciled (third person or 'consensus')")
    p.add_argument("--adopt", default=None, metavar="CODER", help="start from this coder's row")
    _coding_args(p, required=False)
    add_json_arg(p)
    p.set_defaults(handler=cmd_reconcile)

    p = sub.add_parser("studies")
    add_review_arg(p)
    _table_args(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_studies)

    p = sub.add_parser("export")
    add_review_arg(p)
    p.add_argument("out", type=Path, metavar="OUT",
                   help="OUT.xlsx (all levels), OUT.csv (one level), OUT.ris, or OUT.R (study table + metafor script)")
    p.add_argument("--level", default=None, choices=[*LEVELS, "included"],
                   help="what to export (default studies; included for .ris)")
    add_reviewer_arg(p, "who reads, for blind stages")
    _table_args(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_export)


def _table_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rho", type=float, default=None,
                   help="assumed correlation between a sample's outcomes (default: protocol, else 0.5)")
    p.add_argument("--method", default=None, choices=list(METHODS), help="aggregation (default composite)")
    p.add_argument("--by", action="append", default=[], metavar="FIELD",
                   help="aggregate separately per level of this moderator (repeatable)")


def _mods(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--mod {item!r}: expected FIELD=VALUE, e.g. alliance_measure=WAI")
        out[name.strip()] = value.strip()
    return out


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The coding options actually given on the command line."""
    keys = ("statistic", "value", "df", "n", "n1", "n2", "tails", "direction", "location", "note")
    out = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    if args.mod:
        out["moderators"] = _mods(args.mod)
    return out


def _effect_line(e: dict[str, Any]) -> list[Any]:
    return [e["id"], e["record"], e["coder"], e["kind"], e["label"], e["statistic"], f"{e['value']:g}",
            e["n"], apa.bounded(e['r'], 3)]


EFFECT_HEADERS = ["id", "record", "coder", "kind", "label", "stat", "value", "n", "r"]


def _record(db: ReviewDB, ref: str | None) -> int | None:
    return resolve_ref(db, ref) if ref else None


def _from_stat(db: ReviewDB, record: int, k: int, given: dict[str, Any]) -> dict[str, Any]:
    """The coding fields of the ``k``-th statistic found in ``record``'s PDF, under what the coder gave."""
    from extraction.statfinder.sources import record_statistics

    which, found = record_statistics(db, record)
    if not 1 <= k <= len(found):
        raise InputError(f"--from-stat {k}: the record's PDF has {len(found)} statistics found (1..{len(found)})")
    s = found[k - 1]
    sug = s.suggestion()
    if not sug.statistic:
        raise InputError(f"--from-stat {k}: {s.raw!r} is a {s.kind}, not a statistic MetaSift converts to r"
                         + (f" ({s.why_not_r})" if s.why_not_r else ""))
    out = {key: v for key, v in (("statistic", sug.statistic), ("value", sug.value), ("df", sug.df), ("n", sug.n),
                                  ("location", sug.location)) if v is not None}
    if s.kind == "F":
        out["df"] = s.df2
    out["moderators"] = {**sug.moderators, **given.get("moderators", {})}
    out["provenance"] = s.provenance(which["sha256"]).to_json()
    return {**out, **{key: v for key, v in given.items() if key != "moderators"}}


def cmd_code(args: argparse.Namespace) -> Result:
    given = _given(args)
    with open_for(args) as db:
        if args.edit is not None:
            if args.label:
                given["label"] = args.label
            if not given:
                raise InputError("--edit: give at least one field to change")
            row = edit_effect(db, args.edit, **given)
        else:
            if args.from_stat is not None:
                given = _from_stat(db, resolve_ref(db, args.record), args.from_stat, given)
            for need in ("statistic", "value"):
                if need not in given:
                    raise InputError(f"--{'stat' if need == 'statistic' else need} is required")
            coder = args.coder or reviewer_name(args)
            row = code_effect(db, resolve_ref(db, args.record), coder, given.pop("statistic"), given.pop("value"),
                              label=args.label, **given)
    e = CodedEffect.of(row).to_json()
    return Result({"effect": e}, f"Stored effect #{e['id']} of record #{e['record']} ({e['coder']}): "
                                 f"r = {apa.bounded(e['r'], 3)}, n = {apa.count(e['n'])} ({e['method']})")


def cmd_effects(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        if args.delete is not None:
            row = delete_effect(db, args.delete, note=f"deleted by {reviewer_name(args)}")
            return Result({"deleted": args.delete, "row": CodedEffect.of(row).to_json()},
                          f"Effect #{args.delete} withdrawn (row #{row.id})")
        rows = [CodedEffect.of(e).to_json() for e in effects(db, coder=args.coder, current=not args.history,
                                                record=_record(db, args.record))]
    return Result({"effects": rows, "count": len(rows)},
                  table([_effect_line(e) for e in rows], EFFECT_HEADERS) + f"\n{len(rows)} effect sizes")


def cmd_disagreements(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        items = disagreements(db, _record(db, args.record), include_reconciled=args.all)
        stats = agreement(db)
    rows = [[d.record, d.label, d.field, "; ".join(f"{c}: {v}" for c, v in d.values.items()),
             "yes" if d.reconciled else ""] for d in items]
    text = table(rows, ["record", "label", "field", "values", "reconciled"]) + f"\n{len(items)} disagreements"
    for rep in stats:
        a, b = rep.coders
        text += f"\nagreement {a} / {b}: {rep.items} effects coded by both"
        for name, f in rep.fields.items():
            text += f"\n  {name}: {apa.percent(f.percent, 0)} agree, kappa {apa.bounded(f.kappa)}"
        if rep.r:
            icc = apa.bounded(rep.r.icc, 3)
            text += f"\n  r: ICC(2,1) {icc}, mean |difference| {apa.bounded(rep.r.mean_abs_difference, 3)}"
    return Result({"disagreements": [d.to_json() for d in items], "agreement": [rep.to_json() for rep in stats]},
                  text)


def cmd_reconcile(args: argparse.Namespace) -> Result:
    with open_for(args) as db:
        row = reconcile(db, resolve_ref(db, args.record), args.label, _given(args), args.by or reviewer_name(args),
                        adopt=args.adopt)
    e = CodedEffect.of(row).to_json()
    return Result({"effect": e}, f"Reconciled {args.label!r} of record #{e['record']}: effect #{e['id']}, "
                                 f"r = {apa.bounded(e['r'], 3)}, n = {apa.count(e['n'])}")


def _plain(v: Any) -> Any:
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if v is None or (isinstance(v, float) and math.isnan(v)) or str(v) == "<NA>":
        return None
    return v


def cmd_studies(args: argparse.Namespace) -> Result:
    from extraction.study_table import study_table

    with open_for(args) as db:
        frame = study_table(db, rho=args.rho, method=args.method, by=args.by or None)
    rows = [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]
    cols = ["study_id", "label", *args.by, "k", "n", "r", "flags"]
    lines = [[r[c] if c != "r" else ("" if r["r"] is None else apa.bounded(r["r"], 3)) for c in cols] for r in rows]
    return Result({"studies": rows, "count": len(rows)}, table(lines, cols) + f"\n{len(rows)} samples")


def cmd_export(args: argparse.Namespace) -> Result:
    from extraction.export import export
    from extraction.export_r import RScriptExport

    level = args.level or ("included" if args.out.suffix.lower() == ".ris" else "studies")
    with open_for(args) as db:
        info = export(db, args.out, level, rho=args.rho, method=args.method, by=args.by or None)
    counts = ", ".join(f"{k}: {v}" for k, v in info.rows.items())
    if isinstance(info, RScriptExport):
        return Result(info.to_json(), f"Wrote {info.file} and {info.study_table} ({counts}); run: Rscript {info.file}")
    return Result(info.to_json(), f"Wrote {info.file} ({info.format}; {counts})")


def cmd_worklist(args: argparse.Namespace) -> Result:
    """The coding worklist (`extraction.worklist.coding_worklist`, the one the Extraction screen lists)."""
    with open_for(args) as db:
        items = coding_worklist(db)
    rows = [[i.source_id, i.sample, i.year or "", i.title[:60],
             ", ".join(f"{c}: {n}" for c, n in sorted(i.counts.items())) or "not coded"] for i in items]
    coded = sum(1 for i in items if i.counts)
    text = (table(rows, ["report", "sample", "year", "title", "effects coded"]) + "\n" if rows else "") + (
        f"{len(items)} reports included at full text, {coded} with coded effects")
    return Result({"reports": [i.to_json() for i in items], "count": len(items), "coded": coded}, text)
