"""Commands ``pool`` (random-effects meta-analysis of a study table) and ``plot forest|funnel``."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.base import Result, add_json_arg, table
from db.errors import InputError
from extraction.pooling import METHODS, effect_sizes, pool_report, read_study_table


def _columns(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="study table (CSV or XLSX)")
    p.add_argument("--r", dest="r", default=None, metavar="COL", help="correlation column (default ri or r)")
    p.add_argument("--n", dest="n", default=None, metavar="COL", help="sample-size column (default ni or n)")
    p.add_argument("--yi", default=None, metavar="COL", help="Fisher-z column (default yi)")
    p.add_argument("--vi", default=None, metavar="COL", help="sampling-variance column (default vi)")
    p.add_argument("--method", default="REML", type=str.upper, choices=[*METHODS, "EE"],
                   help="tau² estimator (default REML)")
    p.add_argument("--by", default=None, metavar="COL", help="categorical moderator for subgroups")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pool", help="pool correlations (Fisher z, random effects) from a study table")
    _columns(p)
    add_json_arg(p)
    p.set_defaults(handler=cmd_pool)

    p = sub.add_parser("plot", help="draw a forest or funnel plot of a study table")
    p.add_argument("kind", choices=["forest", "funnel"])
    _columns(p)
    p.add_argument("--out", required=True, type=Path, metavar="OUT", help="output file (.png, .svg or .pdf)")
    p.add_argument("--trimfill", action="store_true", help="funnel: add trim-and-fill imputed studies")
    p.add_argument("--label", default=None, metavar="COL", help="forest: study-label column")
    add_json_arg(p)
    p.set_defaults(handler=cmd_plot)


def _load(args: argparse.Namespace):
    df = read_study_table(args.file)
    y, v, keep = effect_sizes(df, file=str(args.file), r=args.r, n=args.n, yi=args.yi, vi=args.vi)
    groups = None
    if args.by:
        if args.by not in df.columns:
            raise InputError(f"no column {args.by!r} for --by (columns: {', '.join(df.columns)})",
                             file=str(args.file))
        groups = df[args.by][keep].to_numpy()
    return df, y, v, keep, groups


def _fmt(x: float | None, nd: int = 3) -> str:
    return "NA" if x is None else f"{x:.{nd}f}"


def cmd_pool(args: argparse.Namespace) -> Result:
    df, y, v, keep, groups = _load(args)
    data = pool_report(y, v, method=args.method, groups=groups, by=args.by)
    data["file"] = str(args.file)
    data["excluded_rows"] = int((~keep).sum())
    lines = [f"{data['method']} random-effects model, k = {data['k']} ({args.file})",
             f"r = {_fmt(data['estimate_r'])} [{_fmt(data['ci_r'][0])}, {_fmt(data['ci_r'][1])}], "
             f"z = {data['z']:.2f}, p = {data['p']:.3g}; prediction interval "
             f"[{_fmt(data['pi_r'][0])}, {_fmt(data['pi_r'][1])}]",
             f"tau² = {data['tau2']:.4f}, I² = {_fmt(data['i2'], 2)}%, H² = {_fmt(data['h2'], 2)}, "
             f"Q({data['q_df']}) = {data['q']:.4f}, p = {data['q_p']:.3g}",
             f"Fail-safe N (Rosenthal) = {data['fsn_rosenthal']}"]
    if data["egger"]:
        e = data["egger"]
        lines.append(f"Egger's test (mixed-effects, sei): z = {e['z']:.3f}, p = {e['p']:.3g}; "
                     f"limit estimate (z) = {e['limit_estimate']:.4f}")
    if groups is not None:
        rows = [[lev, s["k"], _fmt(s["estimate_r"]), f"[{_fmt(s['ci_r'][0])}, {_fmt(s['ci_r'][1])}]",
                 _fmt(s["p"], 4), _fmt(s["i2"], 1)] for lev, s in data["subgroups"].items() if s]
        lines.append("")
        lines.append(table(rows, [args.by, "k", "r", "95% CI", "p", "I²"]))
        lines.append(f"Test of moderator (common tau²): QM({data['qm_df']}) = {data['qm']:.4f}, "
                     f"p = {data['qm_p']:.4g}")
    return Result(data, "\n".join(lines))


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
