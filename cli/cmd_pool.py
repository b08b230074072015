"""Commands ``pool`` (random-effects meta-analysis of a study table) and ``plot forest|funnel``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from cli.base import Result, add_json_arg, table
from db.engine import REVIEW_SUFFIX, open_review
from db.errors import InputError
from extraction.pooling import METHODS, effect_sizes, moderator_table, pool_report, read_study_table
from extraction.pooling.estimators import TESTS
from extraction.pooling.table import correlation_input
from extraction.study_table import moderator_columns


def _columns(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE|REVIEW",
                   help="study table (CSV or XLSX), or a review (its study table is built and pooled)")
    p.add_argument("--r", dest="r", default=None, metavar="COL", help="correlation column (default ri or r)")
    p.add_argument("--n", dest="n", default=None, metavar="COL", help="sample-size column (default ni or n)")
    p.add_argument("--yi", default=None, metavar="COL",
                   help="effect-size column (default yi); reported on its own scale unless --ztor")
    p.add_argument("--vi", default=None, metavar="COL", help="sampling-variance column (default vi)")
    p.add_argument("--ztor", action="store_true",
                   help="the yi are Fisher z values: also report r (tanh), as for --r/--n input")
    p.add_argument("--method", default="REML", type=str.upper, choices=[*METHODS, "EE"],
                   help="tau² estimator (default REML; metafor's names)")
    p.add_argument("--test", default="z", type=str.lower, choices=list(TESTS),
                   help="z (default), t, or knha (Knapp-Hartung: t and F tests with adjusted SEs)")
    p.add_argument("--by", default=None, metavar="COL", help="categorical moderator for subgroups")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pool", help="pool correlations (Fisher z, random effects) from a study table")
    _columns(p)
    p.add_argument("--table1", nargs="*", metavar="MODERATOR", default=None,
                   help="also a moderator table (per category: k, r, p, I², p between); "
                        "no names = every moderator column of a review's study table")
    p.add_argument("--mods", default=None, metavar='"A + B"',
                   help="meta-regression on these moderator columns (numbers as is, text as factors)")
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
    if not _is_review(target):
        return read_study_table(Path(target))
    from extraction.study_table import study_table

    db = open_review(target)
    try:
        df = study_table(db)
    finally:
        db.close()
    df = df.dropna(subset=["yi", "vi"]) if len(df) else df
    if df.empty:
        raise InputError("has no coded effect sizes to pool yet (code them with `metasift code`)", file=target)
    return df.rename(columns={"label": "study"}).reset_index(drop=True)


def _load(args: argparse.Namespace):
    df = _read(str(args.file))
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


def _back_transform(args: argparse.Namespace, df: pd.DataFrame) -> bool:
    return bool(getattr(args, "ztor", False)) or correlation_input(df, args.r, args.n, args.yi, args.vi)


def _ci(pair: list | tuple | None, nd: int = 4) -> str:
    return "[NA, NA]" if not pair else f"[{_fmt(pair[0], nd)}, {_fmt(pair[1], nd)}]"


def cmd_pool(args: argparse.Namespace) -> Result:
    df, y, v, keep, groups = _load(args)
    bt = _back_transform(args, df)
    data = pool_report(y, v, method=args.method, groups=groups, by=args.by, test=args.test, back_transform=bt)
    data["file"] = str(args.file)
    data["excluded_rows"] = int((~keep).sum())
    stat = "z" if data["df"] is None else f"t({data['df']})"
    kind = "fixed-effect" if data["method"] == "FE" else "random-effects"
    lines = [f"{data['method']} {kind} model, k = {data['k']} ({args.file})"
             + ("; Knapp-Hartung adjusted" if args.test == "knha" else "")]
    if bt:
        lines.append(f"r = {_fmt(data['estimate_r'])} {_ci(data['ci_r'], 3)}, {stat} = {data['z']:.2f}, "
                     f"p = {data['p']:.3g}; prediction interval {_ci(data['pi_r'], 3)}")
        lines.append(f"Fisher's z = {data['estimate_z']:.4f} (SE {data['se_z']:.4f}) {_ci(data['ci_z'])}")
    else:
        lines.append(f"estimate = {data['estimate_z']:.4f} (SE {data['se_z']:.4f}) {_ci(data['ci_z'])}, "
                     f"{stat} = {data['z']:.4f}, p = {data['p']:.4g}; prediction interval {_ci(data['pi_z'])}")
        lines.append("(on the scale of the input yi, not back-transformed; add --ztor if the yi are Fisher z)")
    lines += [f"tau² = {data['tau2']:.4f} (SE = {_fmt(data['se_tau2'], 4)}), tau = {data['tau']:.4f}, "
              f"I² = {_fmt(data['i2'], 2)}%, H² = {_fmt(data['h2'], 2)}, "
              f"Q({data['q_df']}) = {data['q']:.4f}, p = {data['q_p']:.3g}"]
    ci = data["confint"]
    if ci:
        lines.append(f"Q-profile 95% CIs: tau² {_ci(ci['tau2'][1:])}, tau {_ci(ci['tau'][1:])}, "
                     f"I² {_ci(ci['i2'][1:], 2)}%, H² {_ci(ci['h2'][1:])}")
    lines.append(f"Fail-safe N (Rosenthal) = {data['fsn_rosenthal']}")
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
    if args.table1 is not None:
        data["table1"], text = _table1(df, keep, y, v, args.table1, args.method)
        lines += ["", text]
    if args.mods:
        data["meta_regression"], text = _mods(df, keep, y, v, args)
        lines += ["", text]
    return Result(data, "\n".join(lines))


def _mods(df: pd.DataFrame, keep, y, v, args: argparse.Namespace) -> tuple[dict, str]:  # noqa: ANN001
    """``rma(yi, vi, mods = ~ a + b)``: coefficients, QM, QE, residual tau² and R²."""
    from extraction.pooling.moderators import mods_regression

    frame = df[keep].reset_index(drop=True)
    reg, used = mods_regression(y, v, frame, args.mods, method=args.method, test=args.test)
    out = reg.to_dict()
    out["formula"] = args.mods
    out["excluded_rows"] = int((~used).sum())
    stat = "z" if reg.ddf is None else "t"
    rows = [[c.name, f"{c.estimate:.4f}", f"{c.se:.4f}", f"{c.z:.4f}", _fmt(c.p, 4), _ci(c.ci)]
            for c in reg.coefficients]
    qm = (f"QM(df = {reg.qm_df}) = {reg.qm:.4f}" if reg.ddf is None
          else f"F(df1 = {reg.qm_df}, df2 = {reg.ddf}) = {reg.qm:.4f}")
    text = "\n".join([
        f"Meta-regression ({reg.method}, k = {reg.k}): mods = ~ {args.mods}",
        f"residual tau² = {reg.tau2:.4f} (SE = {_fmt(reg.se_tau2, 4)}), I² = {_fmt(reg.i2, 2)}%, "
        f"H² = {_fmt(reg.h2, 2)}, R² = {_fmt(reg.r2, 2)}%",
        f"Test for residual heterogeneity: QE(df = {reg.qe_df}) = {reg.qe:.4f}, p = {reg.qe_p:.4g}",
        f"Test of moderators: {qm}, p = {reg.qm_p:.4g}",
        table(rows, ["", "estimate", "se", f"{stat}val", "pval", "95% CI"])])
    return out, text


def _table1(df: pd.DataFrame, keep, y, v, names: list[str], method: str) -> tuple[list[dict], str]:  # noqa: ANN001
    """Table 1 of the alliance meta-analysis: per moderator and category k, r, p, I², and p between."""
    frame = df[keep].reset_index(drop=True).copy()
    frame["yi"], frame["vi"] = y, v
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
        ci = f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]" if r["ci_low"] is not None else ""
        out.append([r["moderator"] if first else "", r["category"], r["k"], _fmt(r["r"]), ci, _fmt(r["p"], 4),
                    _fmt(r["i2"], 1), _fmt(r["p_between"], 4) if first else ""])
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
