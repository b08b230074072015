"""Commands ``pool`` (random-effects meta-analysis of a study table), ``plot forest|funnel|bubble`` and
``diagnose leave1out|cumulative|influence|bias`` (metafor's leave1out, cumul, influence, and the bias tests)."""

from __future__ import annotations

import argparse
import math
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.base import Result, add_json_arg, table
from db.errors import InputError
from extraction import apa
from extraction.choices import ESTIMATORS as METHODS
from extraction.choices import TESTS

if TYPE_CHECKING:
    import pandas as pd

    from extraction.pooling.diagnostics import Refit

# NumPy, pandas and the pooling modules are imported in the handlers: ``--help`` and argument errors load none


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

    p = sub.add_parser("diagnose", help="leave-one-out, cumulative, influence or publication-bias diagnostics")
    p.add_argument("kind", choices=["leave1out", "cumulative", "influence", "bias"])
    _columns(p)
    p.add_argument("--order", default=None, metavar="COL", help="cumulative: add studies in order of this column")
    p.add_argument("--decreasing", action="store_true", help="cumulative: largest --order value first")
    p.add_argument("--mods", default=None, metavar='"A + B"', help="influence: of this meta-regression model")
    p.add_argument("--label", default=None, metavar="COL", help="study-label column")
    p.add_argument("--plot", default=None, type=Path, metavar="OUT",
                   help="also draw it (.png/.svg/.pdf): estimates for leave1out/cumulative, Baujat for influence, "
                        "funnel with trim-and-fill for bias")
    add_json_arg(p)
    p.set_defaults(handler=cmd_diagnose)

    p = sub.add_parser("multilevel", help="three-level model (effects within samples within studies, as metafor's "
                                          "rma.mv) with cluster-robust SEs")
    p.add_argument("file", metavar="FILE", help="effect table (CSV or XLSX), one row per effect size")
    p.add_argument("--yi", default="yi", metavar="COL", help="effect-size column (default yi)")
    p.add_argument("--vi", default="vi", metavar="COL", help="sampling-variance column (default vi)")
    p.add_argument("--cluster", required=True, metavar="COL", help="the outermost level (study) column")
    p.add_argument("--level", action="append", default=[], metavar="COL",
                   help="a nested level inside the previous one (repeatable, e.g. --level sample --level es); "
                        "an effect-level random effect is added unless the last level is one per row")
    p.add_argument("--mods", default=None, metavar='"A + B"', help="moderators (numbers as is, text as factors)")
    p.add_argument("--method", default="REML", type=str.upper, choices=["REML", "ML"])
    p.add_argument("--robust", default=None, type=str.upper, choices=["CR1", "CR2"],
                   help="cluster-robust SEs by the --cluster column: CR1 = metafor's robust(), CR2 = clubSandwich "
                        "(Satterthwaite df)")
    add_json_arg(p)
    p.set_defaults(handler=cmd_multilevel)

    p = sub.add_parser("plot", help="draw a forest, funnel or (meta-regression) bubble plot of a study table")
    p.add_argument("kind", choices=["forest", "funnel", "bubble"])
    _columns(p)
    p.add_argument("--mods", default=None, metavar='"A + B"', help="bubble: the model; x axis = the first term")
    p.add_argument("--out", required=True, type=Path, metavar="OUT", help="output file (.png, .svg or .pdf)")
    p.add_argument("--trimfill", action="store_true", help="funnel: add trim-and-fill imputed studies")
    p.add_argument("--label", default=None, metavar="COL", help="forest: study-label column")
    add_json_arg(p)
    p.set_defaults(handler=cmd_plot)


def _is_review(target: str) -> bool:
    from db.engine import REVIEW_SUFFIX

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
    from db.engine import open_review
    from extraction.study_table import study_table

    with closing(open_review(target)) as db:
        df = study_table(db)
    df = df.dropna(subset=["yi", "vi"]) if len(df) else df
    if df.empty:
        raise InputError("has no coded effect sizes to pool yet (code them with `metasift code`)", file=target)
    return df.rename(columns={"label": "study"}).reset_index(drop=True)


def _load(args: argparse.Namespace):
    from extraction.pooling import effect_sizes

    df = _read(str(args.file))
    y, v, keep = effect_sizes(df, file=str(args.file), r=args.r, n=args.n, yi=args.yi, vi=args.vi)
    groups = None
    if args.by:
        if args.by not in df.columns:
            raise InputError(f"no column {args.by!r} for --by (columns: {', '.join(df.columns)})",
                             file=str(args.file))
        groups = df[args.by][keep].to_numpy()
    return df, y, v, keep, groups


def _finite(x: Any) -> Any:
    """A result's number (or tuple of numbers) as the text helpers take it: NaN and inf become None."""
    if isinstance(x, tuple | list):
        return tuple(_finite(v) for v in x)
    return None if isinstance(x, float) and not math.isfinite(x) else x


def _fmt(x: float | None, nd: int = 3) -> str:
    return "NA" if x is None else f"{x:.{nd}f}"


def _back_transform(args: argparse.Namespace, df: pd.DataFrame) -> bool:
    from extraction.pooling.table import correlation_input

    return bool(getattr(args, "ztor", False)) or correlation_input(df, args.r, args.n, args.yi, args.vi)


def _ci(pair: list | tuple | None, nd: int = 4) -> str:
    return "[NA, NA]" if not pair else f"[{_fmt(pair[0], nd)}, {_fmt(pair[1], nd)}]"


def cmd_pool(args: argparse.Namespace) -> Result:
    df, y, v, keep, groups = _load(args)
    from extraction.pooling import pool_report

    bt = _back_transform(args, df)
    rep = pool_report(y, v, method=args.method, groups=groups, by=args.by, test=args.test, back_transform=bt)
    res = rep.pooled
    data = rep.to_json()
    data["file"] = str(args.file)
    data["excluded_rows"] = int((~keep).sum())
    stat = "z" if res.df is None else f"t({res.df})"
    kind = "fixed-effect" if res.method == "FE" else "random-effects"
    lines = [f"{res.method} {kind} model, k = {res.k} ({args.file})"
             + ("; Knapp-Hartung adjusted" if args.test == "knha" else "")]
    if bt:
        lines.append(f"r = {apa.bounded(_finite(res.estimate_r), 3)} {apa.interval(_finite(res.ci_r), 3)}, "
                     f"{stat} = {res.z:.2f}, {apa.p_value(_finite(res.p))}; prediction interval "
                     f"{apa.interval(_finite(res.pi_r), 3)}")
        lines.append(f"Fisher's z = {res.estimate_z:.4f} (SE {res.se_z:.4f}) {_ci(_finite(res.ci_z))}")
    else:
        lines.append(f"estimate = {res.estimate_z:.4f} (SE {res.se_z:.4f}) {_ci(_finite(res.ci_z))}, "
                     f"{stat} = {res.z:.4f}, {apa.p_value(_finite(res.p))}; prediction interval "
                     f"{_ci(_finite(res.pi_z))}")
        lines.append("(on the scale of the input yi, not back-transformed; add --ztor if the yi are Fisher z)")
    lines += [f"tau² = {res.tau2:.4f} (SE = {_fmt(_finite(res.se_tau2), 4)}), tau = {res.tau:.4f}, "
              f"I² = {apa.percent(_finite(res.i2))}, H² = {_fmt(_finite(res.h2), 2)}, "
              f"Q({res.q_df}) = {res.q:.4f}, {apa.p_value(_finite(res.q_p))}"]
    ci = rep.confint
    if ci:
        lines.append(f"Q-profile 95% CIs: tau² {_ci(_finite(ci.tau2[1:]))}, tau {_ci(_finite(ci.tau[1:]))}, "
                     f"I² {apa.interval(_finite(ci.i2[1:]), 1, is_bounded=False)}%, H² {_ci(_finite(ci.h2[1:]))}")
    lines.append(f"Fail-safe N (Rosenthal) = {rep.fsn_rosenthal}")
    if rep.egger:
        e = rep.egger
        lines.append(f"Egger's test (mixed-effects, sei): z = {e.z:.3f}, {apa.p_value(_finite(e.p))}; "
                     f"limit estimate (z) = {e.limit_estimate:.4f}")
    if rep.subgroups is not None:
        fits = [(le.level, rep.subgroups.separate.get(le.level)) for le in rep.subgroups.level_estimates]
        rows = [[lev, s.k, apa.bounded(_finite(s.estimate_r), 3), apa.interval(_finite(s.ci_r), 3),
                 apa.p_cell(_finite(s.p)), apa.percent(_finite(s.i2))] for lev, s in fits if s]
        lines.append("")
        lines.append(table(rows, [args.by, "k", "r", "95% CI", "p", "I²"]))
        m = rep.subgroups.model
        lines.append(f"Test of moderator (common tau²): QM({m.qm_df}) = {m.qm:.4f}, {apa.p_value(_finite(m.qm_p))}")
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
    out = reg.to_json()
    out["formula"] = args.mods
    out["excluded_rows"] = int((~used).sum())
    stat = "z" if reg.ddf is None else "t"
    rows = [[c.name, f"{c.estimate:.4f}", f"{c.se:.4f}", f"{c.z:.4f}", apa.p_cell(c.p), _ci(c.ci)]
            for c in reg.coefficients]
    qm = (f"QM(df = {reg.qm_df}) = {reg.qm:.4f}" if reg.ddf is None
          else f"F(df1 = {reg.qm_df}, df2 = {reg.ddf}) = {reg.qm:.4f}")
    text = "\n".join([
        f"Meta-regression ({reg.method}, k = {reg.k}): mods = ~ {args.mods}",
        f"residual tau² = {reg.tau2:.4f} (SE = {_fmt(reg.se_tau2, 4)}), I² = {apa.percent(reg.i2)}, "
        f"H² = {_fmt(reg.h2, 2)}, R² = {apa.percent(reg.r2)}",
        f"Test for residual heterogeneity: QE(df = {reg.qe_df}) = {reg.qe:.4f}, {apa.p_value(reg.qe_p)}",
        f"Test of moderators: {qm}, {apa.p_value(reg.qm_p)}",
        table(rows, ["", "estimate", "se", f"{stat}val", "p", "95% CI"])])
    return out, text


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
        out.append([r["moderator"] if first else "", r["category"], r["k"], apa.bounded(r["r"], 3), ci,
                    apa.p_cell(r["p"]), apa.percent(r["i2"]), apa.p_cell(r["p_between"]) if first else ""])
    notes = dict.fromkeys(f"{r['moderator']}: no between-category test ({r['note']})" for r in rows if r.get("note"))
    text = table(out, ["moderator", "category", "k", "r", "95% CI", "p", "I²", "p between"])
    return rows, text + "".join(f"\n{n}" for n in notes)


def cmd_plot(args: argparse.Namespace) -> Result:
    from extraction.pooling.bias import trim_and_fill
    from extraction.pooling.plots import SUFFIXES, forest_plot, funnel_plot, save

    if args.out.suffix.lower() not in SUFFIXES:
        raise InputError(f"output must end in {', '.join(SUFFIXES)}", file=str(args.out))
    df, y, v, keep, groups = _load(args)
    if args.kind == "bubble":
        fig = _bubble(df, keep, y, v, args)
    elif args.kind == "forest":
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


def _bubble(df: pd.DataFrame, keep, y, v, args: argparse.Namespace):  # noqa: ANN001, ANN202
    from extraction.pooling.diagnostic_plots import bubble_for

    if not args.mods:
        raise InputError("a bubble plot needs --mods (its first term is the x axis)")
    return bubble_for(y, v, df[keep].reset_index(drop=True), args.mods, method=args.method, test=args.test)


def _labels(df: pd.DataFrame, keep, label: str | None) -> list[str]:  # noqa: ANN001
    col = label or next((c for c in ("study", "authors", "author") if c in df.columns), None)
    if label and label not in df.columns:
        raise InputError(f"no column {label!r} for --label")
    if col is None:
        return [str(i + 1) for i in range(int(keep.sum()))]
    labels = df[col].astype(str)
    if "year" in df.columns and col != "study":
        labels = labels + " (" + df["year"].astype(str) + ")"
    return list(labels[keep])


def _diag_rows(rows: list[Refit], stat: str) -> str:
    out = [[r.label, f"{r.estimate:.4f}", f"{r.se:.4f}", f"{r.zval:.4f}", apa.p_cell(r.pval),
            f"{r.ci_lb:.4f}", f"{r.ci_ub:.4f}", f"{r.q:.4f}", f"{r.tau2:.4f}", apa.percent(r.i2)] for r in rows]
    return table(out, ["", "estimate", "se", stat, "p", "ci.lb", "ci.ub", "Q", "tau²", "I²"])


def cmd_diagnose(args: argparse.Namespace) -> Result:
    import numpy as np
    import pandas as pd

    from extraction.pooling import diagnostics as dg
    from extraction.pooling.plots import save

    df, y, v, keep, _ = _load(args)
    labels = _labels(df, keep, args.label)
    stat = "zval" if args.test == "z" else "tval"
    data: dict = {"kind": args.kind, "file": str(args.file), "method": args.method, "test": args.test,
                  "k": int(y.size), "scale": "Fisher's z" if _back_transform(args, df) else "input (yi)"}
    fig = None
    if args.kind in ("leave1out", "cumulative"):
        if args.kind == "leave1out":
            rows = dg.leave_one_out(y, v, args.method, args.test)
            names = [f"-{lab}" for lab in labels]
        else:
            order = None
            if args.order:
                if args.order not in df.columns:
                    raise InputError(f"no column {args.order!r} for --order", file=str(args.file))
                order = pd.to_numeric(df[args.order][keep], errors="coerce").to_numpy(float)
            idx, rows = dg.cumulative(y, v, order, args.method, args.test, decreasing=args.decreasing)
            names = [f"+{labels[i]}" for i in idx]
        rows = [r.labelled(n) for n, r in zip(names, rows, strict=True)]
        data["studies"] = [r.to_json() for r in rows]
        text = _diag_rows(rows, stat)
        if args.plot:
            from extraction.pooling.diagnostic_plots import sequence_plot

            title = "Leave-one-out" if args.kind == "leave1out" else "Cumulative meta-analysis"
            fig = sequence_plot(rows, names, title, "estimate (yi scale)")
    elif args.kind == "influence":
        X, coef_names = None, ["intrcpt"]
        lab = labels
        yy, vv = y, v
        if args.mods:
            from extraction.pooling.moderators import formula_design

            X, coef_names, used = formula_design(df[keep].reset_index(drop=True), args.mods)
            yy, vv, lab = y[used], v[used], [labels[i] for i in np.flatnonzero(used)]
        inf = dg.influence(yy, vv, X, method=args.method, test=args.test)
        studies = inf.rows(coef_names, lab)
        data["studies"] = [r.to_json() for r in studies]
        rows = [[r.label, *(_fmt(_finite(x), 4) for x in (r.rstudent, r.dffits, r.cook_d, r.cov_r, r.tau2_del,
                                                             r.qe_del, r.hat, r.weight)),
                 "*" if r.influential else ""] for r in studies]
        text = table(rows, ["", "rstudent", "dffits", "cook.d", "cov.r", "tau2.del", "QE.del", "hat", "weight",
                            "inf"])
        if args.plot:
            from extraction.pooling.diagnostic_plots import baujat_plot

            fig = baujat_plot(inf, lab)
    else:
        from extraction.pooling.bias import egger_test, fsn_rosenthal, trim_and_fill

        rank = dg.rank_test(y, v)
        pp = dg.pet_peese(y, v)
        egger = egger_test(y, v, method=args.method)
        tf = trim_and_fill(y, v, method=args.method, back_transform=data["scale"] == "Fisher's z")
        tfd = tf.to_json()
        data.update(rank_test=rank, egger=egger.to_json(), pet_peese=pp.to_json(),
                    trimfill={"k0": tf.k0, "side": tf.side, "estimator": tf.estimator, "result": tfd["result"]},
                    fsn_rosenthal=fsn_rosenthal(y, v)["fsn"])
        r = tf.result
        ppd = data["pet_peese"]
        text = "\n".join([
            f"Rank correlation test (Begg): Kendall's tau = {apa.bounded(rank['tau'], 3)}, {apa.p_value(rank['p'])}",
            f"Egger's regression test (mixed-effects, sei): z = {egger.z:.4f}, {apa.p_value(egger.p)}; "
            f"limit estimate = {egger.limit_estimate:.4f} {_ci(egger.limit_ci)}",
            f"PET (WLS yi ~ sei): intercept = {ppd['pet']['estimate']:.4f} {_ci(ppd['pet']['ci'])}, "
            f"{apa.p_value(ppd['pet']['p'])}",
            f"PEESE (WLS yi ~ vi): intercept = {ppd['peese']['estimate']:.4f} {_ci(ppd['peese']['ci'])}, "
            f"{apa.p_value(ppd['peese']['p'])}",
            f"PET-PEESE (conditional): {pp.chosen} estimate = {ppd['estimate']:.4f} {_ci(ppd['ci'])}",
            f"Trim-and-fill ({tf.estimator}): estimated missing studies k0 = {tf.k0} on the {tf.side} side; "
            f"adjusted estimate = {r.estimate_z:.4f} (SE {r.se_z:.4f}) {_ci(r.ci_z)}, tau² = {r.tau2:.4f}"
            + (f"; adjusted r = {apa.bounded(r.estimate_r, 3)} {apa.interval(r.ci_r, 3)}"
               if r.estimate_r is not None else ""),
            f"Fail-safe N (Rosenthal) = {data['fsn_rosenthal']}"])
        if args.plot:
            from extraction.pooling.plots import funnel_plot

            fig = funnel_plot(y, v, method=args.method, trimfill=tf)
    if fig is not None:
        data["plot"] = str(save(fig, args.plot))
        text += f"\nWrote {data['plot']}"
    return Result(data, text)


MULTILEVEL_ASSUMES = (
    "Assumes: effects nested in the given levels, normal random effects per level with one variance each, "
    "known sampling variances, and no sampling correlation between effects of the same sample (the "
    "cluster-robust SEs guard against that and other misspecification; with few clusters prefer CR2).")


def cmd_multilevel(args: argparse.Namespace) -> Result:
    import numpy as np
    import pandas as pd

    from extraction.pooling import read_study_table
    from extraction.pooling.moderators import formula_design
    from extraction.pooling.multilevel import fit_multilevel
    from extraction.pooling.table import _numeric

    df = read_study_table(Path(args.file))
    file = str(args.file)
    cols = [args.cluster, *args.level]
    for c in cols:
        if c not in df.columns:
            raise InputError(f"no column {c!r} (columns: {', '.join(df.columns)})", file=file)
    y, v = _numeric(df, args.yi, file), _numeric(df, args.vi, file)
    keep = pd.Series(np.isfinite(y) & np.isfinite(v))
    for c in cols:
        keep &= df[c].notna().to_numpy()
    X, names = None, ["intrcpt"]
    if args.mods:
        X, names, used = formula_design(df, args.mods)
        X = X[keep.to_numpy()[used]]
        keep &= pd.Series(used)
    k = keep.to_numpy()
    fit = fit_multilevel(y[k], v[k], [df[c][k].reset_index(drop=True) for c in cols], cols, X=X, names=names,
                         method=args.method, robust=args.robust)
    data = fit.to_json()
    data.update(file=file, excluded_rows=int((~k).sum()), assumes=MULTILEVEL_ASSUMES)
    stat = "z" if args.robust is None else "t"
    lines = [f"Multilevel model ({fit.method}), k = {fit.k} effects in {fit.n_clusters} clusters ({file})"
             + ("" if args.robust is None else f"; cluster-robust SEs ({args.robust}) by {args.cluster}")]
    for vc in data["variance_components"]:
        lines.append(f"  sigma² ({vc['level']}, {vc['groups']} groups) = {vc['sigma2']:.4f}")
    lines.append(f"Test for residual heterogeneity: QE(df = {fit.qe_df}) = {fit.qe:.4f}, {apa.p_value(data['qe_p'])}")
    if fit.qm == fit.qm:
        qm = (f"QM(df = {fit.qm_df}) = {fit.qm:.4f}" if isinstance(fit.qm_df, int)
              else f"F(df1 = {fit.qm_df[0]}, df2 = {fit.qm_df[1]}) = {fit.qm:.4f}")
        lines.append(f"Test of moderators: {qm}, {apa.p_value(fit.qm_p)}")
    rows = [[c["name"], f"{c['estimate']:.4f}", f"{c['se']:.4f}", f"{c['stat']:.4f}",
             "" if c["df"] is None else f"{c['df']:.2f}", apa.p_cell(c["p"]), _ci(c["ci"])]
            for c in data["coefficients"]]
    lines.append(table(rows, ["", "estimate", "se", f"{stat}val", "df", "p", "95% CI"]))
    lines += fit.notes + [MULTILEVEL_ASSUMES]
    return Result(data, "\n".join(lines))
