"""Commands ``pool`` (random-effects meta-analysis of a study table) and ``plot forest|funnel``."""

from __future__ import annotations

import argparse
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from cli.base import Result, add_json_arg, table
from db.engine import REVIEW_SUFFIX, open_review
from db.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

from extraction import apa
from extraction.choices import ESTIMATORS


def _columns(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE|REVIEW",
                   help="study table (CSV or XLSX), or a review (its study table is built and pooled)")
    p.add_argument("--r", dest="r", default=None, metavar="COL", help="correlation column (default ri or r)")
    p.add_argument("--n", dest="n", default=None, metavar="COL", help="sample-size column (default ni or n)")
    p.add_argument("--yi", default=None, metavar="COL", help="Fisher-z column (default yi)")
    p.add_argument("--vi", default=None, metavar="COL", help="sampling-variance column (default vi)")
    p.add_argument("--method", default="REML", type=str.upper, choices=[*ESTIMATORS, "EE"],
                   help="tau² estimator (default REML)")
    p.add_argument("--by", default=None, metavar="COL", help="categorical moderator for subgroups")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pool")
    _columns(p)
    p.add_argument("--table1", nargs="*", metavar="MODERATOR", default=None,
                   help="also a moderator table (per category: k, r, p, I², p between); "
                        "no names = every moderator column of a review's study table")
    add_json_arg(p)
    p.set_defaults(handler=cmd_pool)

    p = sub.add_parser("plot")
    p.add_argument("kind", choices=["forest", "funnel"])
    _columns(p)
    p.add_argument("--out", required=True, type=Path, metavar="OUT", help="output file (.png, .svg or .pdf)")
    p.add_argument("--trimfill", action="store_true", help="funnel: add trim-and-fill imputed studies")
    p.add_argument("--label", default=None, metavar="COL", help="forest: study-label column")
    add_json_arg(p)
    p.set_defaults(handler=cmd_plot)


def _is_review(target: str) -> bool:
    if "://" in target or target.endswith(REVIEW_SUFFIX):
        return True
    path = Path(target)
    if path.is_file():
        with path.open("rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    return False


def _read(target: str) -> pd.DataFrame:
    """A study table file, or the study table of a review (one row per independent sample)."""
    from extraction.pooling import read_study_table
    if not _is_review(target):
        return read_study_table(Path(target))
    from extraction.study_table import study_table

    with closing(open_review(target)) as db:
        df = study_table(db)
    df = df.dropna(subset=["yi", "vi"]) if len(df) else df
    if df.empty:
        raise InputError("has no coded effect sizes to pool yet (code them with `metasift code`)", file=target)
    return df.rename(columns={"label": "study"}).reset_index(drop=True)


def _load(args: argparse.Namespace):
    df = _read(str(args.file))
    from extraction.pooling import effect_sizes

    y, v, keep = effect_sizes(df, file=str(args.file), r=args.r, n=args.n, yi=args.yi, vi=args.vi)
    groups = None
    if args.by:
        if args.by not in df.columns:
            raise InputError(f"no column {args.by!r} for --by (columns: {', '.join(df.columns)})",
                             file=str(args.file))
        groups = df[args.by][keep].to_numpy()
    return df, y, v, keep, groups


def _fmt(x: float | None, nd: int = 3) -> str:
    return apa.number(x, nd)


def _r(x: float | None) -> str:
    return apa.bounded(x, 3)


def cmd_pool(args: argparse.Namespace) -> Result:
    df, y, v, keep, groups = _load(args)
    from extraction.pooling import pool_report

    data = pool_report(y, v, method=args.method, groups=groups, by=args.by)
    data["file"] = str(args.file)
    data["excluded_rows"] = int((~keep).sum())
    lines = [f"{data['method']} random-effects model, k = {data['k']} ({args.file})",
             f"r = {_r(data['estimate_r'])} {apa.interval(data['ci_r'], 3)}, "
             f"z = {_fmt(data['z'], 2)}, {apa.p_value(data['p'])}; prediction interval "
             f"{apa.interval(data['pi_r'], 3)}",
             f"tau² = {_fmt(data['tau2'], 4)}, I² = {_fmt(data['i2'], 1)}%, H² = {_fmt(data['h2'], 2)}, "
             f"Q({data['q_df']}) = {_fmt(data['q'], 2)}, {apa.p_value(data['q_p'])}",
             f"Fail-safe N (Rosenthal) = {apa.count(data['fsn_rosenthal'])}"]
    if data["egger"]:
        e = data["egger"]
        lines.append(f"Egger's test (mixed-effects, sei): z = {_fmt(e['z'], 2)}, {apa.p_value(e['p'])}; "
                     f"limit estimate (z) = {_fmt(e['limit_estimate'], 3)}")
    if groups is not None:
        rows = [[lev, s["k"], _r(s["estimate_r"]), apa.interval(s["ci_r"], 3),
                 apa.p_cell(s["p"]), _fmt(s["i2"], 1)] for lev, s in data["subgroups"].items() if s]
        lines.append("")
        lines.append(table(rows, [args.by, "k", "r", "95% CI", "p", "I²"]))
        lines.append(f"Test of moderator (common tau²): QM({data['qm_df']}) = {_fmt(data['qm'], 2)}, "
                     f"{apa.p_value(data['qm_p'])}")
    if args.table1 is not None:
        data["table1"], text = _table1(df, keep, y, v, args.table1, args.method)
        lines += ["", text]
    return Result(data, "\n".join(lines))


def _table1(df: pd.DataFrame, keep, y, v, names: list[str], method: str) -> tuple[list[dict], str]:  # noqa: ANN001
    """Table 1 of the alliance meta-analysis: per moderator and category k, r, p, I², and p between."""
    frame = df[keep].reset_index(drop=True).copy()
    frame["yi"], frame["vi"] = y, v
    from extraction.pooling import moderator_table
    from extraction.study_table import moderator_columns

    mods = names or moderator_columns(frame)
    for m in mods:
        if m not in frame.columns:
            raise InputError(f"no moderator column {m!r}; columns: {', '.join(map(str, frame.columns))}")
    frame[mods] = frame[mods].astype(str)
    result = moderator_table(frame, mods, method=method)
    rows = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in result.to_dict("records")]
    out, last = [], None
    for r in rows:
        first = r["moderator"] != last
        last = r["moderator"]
        ci = apa.interval((r["ci_low"], r["ci_high"]), 3) if r["ci_low"] is not None else ""
        out.append([r["moderator"] if first else "", r["category"], r["k"], _r(r["r"]), ci, apa.p_cell(r["p"]),
                    _fmt(r["i2"], 1), apa.p_cell(r["p_between"]) if first else ""])
    return rows, table(out, ["moderator", "category", "k", "r", "95% CI", "p", "I²", "p between"])


def cmd_plot(args: argparse.Namespace) -> Result:
    from extraction.pooling.bias import trim_and_fill
    from extraction.pooling.plots import SUFFIXES, forest_plot, funnel_plot, save

    if args.out.suffix.lower() not in SUFFIXES:
        raise InputError(f"output must end in {', '.join(SUFFIXES)}", file=str(args.out))
    df, y, v, keep, groups = _load(args)
    if args.kind == "forest":
        if args.label and args.label not in df.columns:
            raise InputError(f"no column {args.label!r} for --label", file=str(args.file))
        label_col = args.label or next((c for c in ("study", "authors", "author") if c in df.columns), None)
        labels = None
        if label_col:
            labels = df[label_col].astype(str)
            if "year" in df.columns and label_col != "study":
                labels = labels + " (" + df["year"].astype(str) + ")"
            labels = list(labels[keep])
        fig = forest_plot(y, v, labels=labels, method=args.method, groups=groups)
    else:
        tf = trim_and_fill(y, v, method=args.method) if args.trimfill else None
        fig = funnel_plot(y, v, method=args.method, trimfill=tf)
    out = save(fig, args.out)
    return Result({"plot": args.kind, "out": str(out), "k": int(y.size)}, f"Wrote {out}")
