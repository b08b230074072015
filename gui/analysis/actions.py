"""Core calls of the analysis screen: pool the review's study table, the moderator table, the plots, PRISMA,
saving pictures and the export (`extraction.study_table`, `extraction.pooling`, `extraction.prisma`,
`extraction.export`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from db.engine import ReviewDB
from db.errors import InputError
from db.progress import Progress, no_progress
from extraction import apa
from extraction.codebook import Codebook
from extraction.coding import CodingSettings, settings
from extraction.pooling import PoolReport, TrimFill, effect_sizes, pool_report, trim_and_fill
from extraction.pooling import diagnostics as dg
from extraction.pooling.diagnostic_plots import baujat_plot, bubble_for, sequence_plot
from extraction.pooling.moderators import MetaRegression, ModeratorRow, moderator_rows, mods_regression
from extraction.pooling.multilevel import MultilevelFit, RobustCoefficient, fit_multilevel
from extraction.pooling.plots import forest_plot, funnel_plot
from extraction.pooling.plots import save as save_figure
from extraction.prisma import PrismaCounts, draw_prisma, prisma_counts, prisma_figure
from extraction.samples import samples
from extraction.study_table import moderator_columns, study_table, usable_effects

ASSUMES = {
    "aggregate": "Aggregate: the effects of one sample become one r (the protocol's rho and method); assumes "
                 "their correlation is known (rho) and every sample is independent of the others.",
    "multilevel": "Three-level model: every effect kept, nested in its sample (random effects per sample and "
                  "per effect, metafor's rma.mv ~ 1 | sample/effect); cluster-robust CR2 SEs by sample "
                  "(clubSandwich) protect against the unknown correlation of effects within a sample.",
}
PAGE_ROWS = 50  # forest-plot rows drawn at a time on the screen (files get every row)
METHODS = ("REML", "DL", "ML", "PM", "EB", "HS", "HE", "SJ", "FE")
TESTS = ("z", "knha")


@dataclass
class Analysis:
    """What the screen shows. ``message`` explains an empty analysis (nothing coded yet)."""

    method: str
    k: int = 0
    report: PoolReport | None = None
    moderators: list[ModeratorRow] | None = None
    moderator_notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    forest: Figure | None = None
    funnel: Figure | None = None
    trimfill: TrimFill | None = None
    message: str = ""
    test: str = "z"
    mods: str = ""
    regression: Regression | None = None   # the meta-regression on ``mods``
    regression_error: str = ""
    bubble: Figure | None = None  # the bubble plot of ``mods`` when its first term is numeric
    bubble_note: str = ""
    data: Data | None = None       # what the forest plot's further pages are drawn from
    aggregation: str = "composite"  # how dependent effects of one sample were combined (extraction.aggregate)
    rho: float = 0.5  # the assumed correlation between a sample's outcomes (composite)


@dataclass(frozen=True)
class Data:
    """The review's study table on Fisher's z: estimates, variances, labels, the rows used."""

    table: pd.DataFrame
    yi: Any
    vi: Any
    labels: list[str]


def data(db: ReviewDB, cfg: CodingSettings | None = None, aggregation: str | None = None) -> Data:
    """The study table (dependent effects combined by ``aggregation``, default the protocol's) and its effect
    sizes (InputError when no sample has a usable effect yet)."""
    table = study_table(db, method=aggregation, cfg=cfg)
    usable = table[table["r"].notna()] if len(table) else table
    if usable.empty:
        raise InputError("no independent sample has a coded effect yet: code effects on the Extraction screen")
    yi, vi, keep = effect_sizes(usable.reset_index(drop=True))
    kept = usable.reset_index(drop=True)[keep].reset_index(drop=True)
    return Data(table, yi, vi, [str(s) for s in kept["label"]])


def _moderators(book: Codebook, d: Data, method: str, test: str = "z") -> tuple[list[ModeratorRow] | None, list[str]]:
    frame = d.table[d.table["r"].notna()].reset_index(drop=True).copy()
    frame["yi"], frame["vi"] = d.yi, d.vi
    rows: list[ModeratorRow] = []
    notes = []
    for name in moderator_columns(frame, book):
        frame[name] = frame[name].astype("object").where(frame[name].notna(), None)
        try:
            rows.extend(moderator_rows(frame, [name], method=method, test=test))
        except InputError as exc:
            notes.append(f"{name}: {exc.detail}")
    return (rows or None), notes


@dataclass(frozen=True)
class Regression:
    """The meta-regression on ``formula`` ("a + b") and how many samples it left out (no value of a moderator)."""

    fit: MetaRegression
    formula: str
    excluded: int


def regression(d: Data, mods: str, method: str, test: str) -> Regression:
    """The meta-regression ``mods`` ("a + b") on the study table (InputError with a message if it cannot)."""
    frame = d.table[d.table["r"].notna()].reset_index(drop=True)
    reg, used = mods_regression(d.yi, d.vi, frame, mods, method=method, test=test)
    return Regression(reg, mods, int((~used).sum()))


def analyse(db: ReviewDB, method: str = "REML", trimfill: bool = False, aggregation: str | None = None, *,
            test: str = "z", mods: str = "", progress: Progress = no_progress) -> Analysis:
    """Pool the study table with ``method`` and ``test`` (z or knha); moderator table, the meta-regression on
    ``mods`` when given, forest and funnel plot (trim-and-fill). ``aggregation`` combines a sample's dependent
    effects (composite or mean; default the protocol's)."""
    progress(0, 4, "building the study table")
    try:
        cfg = settings(db)
        agg = aggregation or cfg.method
        d = data(db, cfg, agg)
    except InputError as exc:
        return Analysis(method, message=exc.detail, test=test, mods=mods, aggregation=aggregation or "composite")
    flags = [f for f in d.table["flags"] if f]
    progress(1, 4, "pooling")
    report = pool_report(d.yi, d.vi, method=method, test=test)
    reg, reg_error, bubble_fig, bubble_note = None, "", None, ""
    if mods.strip():
        try:
            reg = regression(d, mods, method, test)
        except InputError as exc:
            reg_error = exc.detail
        else:
            try:
                frame = d.table[d.table["r"].notna()].reset_index(drop=True)
                bubble_fig = bubble_for(d.yi, d.vi, frame, mods, method=method, test=test,
                                        ylabel="effect size (Fisher's z)")
            except InputError as exc:
                bubble_note = exc.detail
    progress(2, 4, "moderators")
    mods_table, notes = _moderators(cfg.codebook, d, method, test) if len(d.yi) >= 2 else (None, [])
    progress(3, 4, "drawing")
    tf = trim_and_fill(d.yi, d.vi, method=method) if trimfill and len(d.yi) >= 3 else None
    forest = forest_page(d, method, 0)
    funnel = funnel_plot(d.yi, d.vi, method=method, trimfill=tf)
    _release(funnel, *([bubble_fig] if bubble_fig is not None else []))
    return Analysis(method, len(d.yi), report, mods_table, notes, flags, forest, funnel,
                    tf, test=test, mods=mods, regression=reg,
                    regression_error=reg_error, aggregation=agg, rho=cfg.rho, bubble=bubble_fig,
                    bubble_note=bubble_note, data=d)


def forest_page(d: Data, method: str, start: int, rows: int | None = None) -> Figure:
    """The forest plot of samples ``start`` to ``start + rows`` (x axis, weights and the pooled diamond of
    all samples), fitted to its content: what the screen shows of a long plot (saving draws every row)."""
    rows = PAGE_ROWS if rows is None else rows
    fig = forest_plot(d.yi, d.vi, labels=d.labels, method=method,
                      window=None if len(d.yi) <= rows else (start, start + rows))
    _release(fig)
    return fig


@dataclass
class Sensitivity:
    """Leave-one-out and cumulative refits (metafor's leave1out, cumul: labelled `Refit` rows on Fisher's z),
    influence diagnostics per sample (labelled `InfluenceRow`) and their plots."""

    leave1out: list[dg.Refit]
    cumulative: list[dg.Refit]
    influence: list[dg.InfluenceRow]
    leave1out_plot: Figure
    cumulative_plot: Figure
    baujat: Figure


def _sensitivity_figures(d: Data, method: str, test: str, max_labels: int | None = None
                         ) -> tuple[list, list, list, Figure, Figure, Figure]:
    loo = dg.leave_one_out(d.yi, d.vi, method, test)
    loo_names = [f"-{lab}" for lab in d.labels]
    idx, cum = dg.cumulative(d.yi, d.vi, None, method, test)
    cum_names = [f"+{d.labels[i]}" for i in idx]
    inf = dg.influence(d.yi, d.vi, method=method, test=test)
    rows = inf.rows(["intrcpt"], d.labels)
    figs = (sequence_plot(loo, loo_names, "Leave-one-out", "estimate (Fisher's z)", max_labels),
            sequence_plot(cum, cum_names, "Cumulative meta-analysis (in table order)", "estimate (Fisher's z)",
                          max_labels),
            baujat_plot(inf, d.labels, max_labels))
    return ([r.labelled(n) for n, r in zip(loo_names, loo, strict=True)],
            [r.labelled(n) for n, r in zip(cum_names, cum, strict=True)], rows, *figs)


def sensitivity(db: ReviewDB, method: str = "REML", test: str = "z", aggregation: str | None = None,
                progress: Progress = no_progress) -> Sensitivity:
    """Leave-one-out, cumulative (samples in study-table order) and influence diagnostics of the pooled model,
    with their plots as the screen shows them (beyond `PAGE_ROWS` samples, rows numbered and only the points
    farthest out labelled; InputError when fewer than 3 samples have an effect)."""
    progress(0, 2, "refitting without each sample")
    d = data(db, aggregation=aggregation)
    if len(d.yi) < 3:
        raise InputError("leave-one-out and influence diagnostics need at least 3 samples with an effect")
    loo, cum, inf, *figs = _sensitivity_figures(d, method, test, PAGE_ROWS)  # the screen's: saving labels all
    progress(1, 2, "drawing")
    _release(*figs)
    return Sensitivity(loo, cum, inf, *figs)


def bubble(db: ReviewDB, mods: str, method: str = "REML", test: str = "z", aggregation: str | None = None) -> Figure:
    """The bubble plot of the meta-regression ``mods`` (its first term, numeric, on the x axis)."""
    d = data(db, aggregation=aggregation)
    frame = d.table[d.table["r"].notna()].reset_index(drop=True)
    fig = bubble_for(d.yi, d.vi, frame, mods, method=method, test=test, ylabel="effect size (Fisher's z)")
    _release(fig)
    return fig


@dataclass(frozen=True)
class ThreeLevel:
    """The three-level model the screen shows: the fit (its notes saying when REML stood in for the chosen
    estimator) and its pooled coefficient back-transformed to r."""

    fit: MultilevelFit

    @property
    def pooled(self) -> RobustCoefficient:
        return self.fit.coefficients()[0]

    @property
    def estimate_r(self) -> float:
        return float(np.tanh(self.pooled.estimate))

    @property
    def ci_r(self) -> tuple[float, float]:
        lo, hi = self.pooled.ci
        return float(np.tanh(lo)), float(np.tanh(hi))


def multilevel(db: ReviewDB, method: str = "REML", robust: str = "CR2") -> ThreeLevel:
    """The three-level model of every usable effect (Fisher's z, var 1/(n - 3)), nested in its independent
    sample, with cluster-robust SEs by sample (`extraction.pooling.multilevel.fit_multilevel`);
    ``method`` REML or ML (other estimators fall back to REML: rma.mv has no others). InputError with a message
    when it cannot be fitted (too few effects or samples)."""
    use, _ = usable_effects(db)
    sample_of = {rid: group[0] for group in samples(db) for rid in group}
    rows = [(sample_of.get(e.record_id, e.record_id), e.z, e.var_z) for e in use
            if e.z is not None and e.var_z is not None and e.var_z > 0]
    if not rows:
        raise InputError("no coded effect yet: code effects on the Extraction screen")
    sample = [str(r[0]) for r in rows]
    y = np.array([r[1] for r in rows], dtype=float)
    v = np.array([r[2] for r in rows], dtype=float)
    chosen, method = method, method if method in ("REML", "ML") else "REML"
    fit = fit_multilevel(y, v, [sample], ["sample"], method=method, robust=robust)
    if chosen != method:
        fit = replace(fit, notes=[*fit.notes, f"Fitted by REML: the three-level model (rma.mv) is fitted by REML or "
                                              f"ML, not {chosen}."])
    return ThreeLevel(fit)


def _release(*figures: Figure) -> None:
    """Fit each figure to its content (the core draws outside pyplot, so there is nothing to close)."""
    for fig in figures:
        fit_to_content(fig)


def fit_to_content(fig: Figure, pad: float = 0.15) -> None:
    """Grow the figure so labels drawn outside it (axis titles, legends below) show on screen too, as
    ``savefig(bbox_inches="tight")`` does for files; the axes keep their size in inches."""
    w, h = fig.get_size_inches()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    left, bottom = max(0.0, -box.x0 + pad), max(0.0, -box.y0 + pad)
    right, top = max(0.0, box.x1 - w + pad), max(0.0, box.y1 - h + pad)
    if not any((left, bottom, right, top)):
        return
    w2, h2 = w + left + right, h + bottom + top
    for ax in fig.axes:
        p = ax.get_position()
        ax.set_position(((p.x0 * w + left) / w2, (p.y0 * h + bottom) / h2, p.width * w / w2, p.height * h / h2))
    fig.set_size_inches(w2, h2)


def prisma(db: ReviewDB) -> tuple[Figure, PrismaCounts]:
    """The PRISMA 2020 figure of the review's live counts (InputError naming what does not add up)."""
    counts = prisma_counts(db)
    return prisma_figure(counts, title=db.review().title), counts


def save_picture(db: ReviewDB, kind: str, out: Path, method: str = "REML", trimfill: bool = False,
                 aggregation: str | None = None, *, test: str = "z", mods: str = "") -> Path:
    """Draw ``kind`` (forest, funnel, prisma, leave1out, cumulative, baujat, bubble) afresh and save it to
    ``out`` (.png, .svg, .pdf)."""
    if kind == "prisma":
        return draw_prisma(prisma_counts(db), out, title=db.review().title)
    if kind == "bubble":
        return save_figure(bubble(db, mods, method, test, aggregation), out)
    d = data(db, aggregation=aggregation)
    if kind in ("leave1out", "cumulative", "baujat"):
        figs = _sensitivity_figures(d, method, test)[3:]
        return save_figure(figs[("leave1out", "cumulative", "baujat").index(kind)], out)
    tf = trim_and_fill(d.yi, d.vi, method=method) if kind == "funnel" and trimfill and len(d.yi) >= 3 else None
    if kind == "forest":
        fig = forest_plot(d.yi, d.vi, labels=d.labels, method=method)
    else:
        fig = funnel_plot(d.yi, d.vi, method=method, trimfill=tf)
    return save_figure(fig, out)


def aggregation_text(method: str, rho: float) -> str:
    """How the dependent effects of one sample were combined, in words."""
    if method == "composite":
        return (f"Hunter–Schmidt composite correlation with ρ = {apa.bounded(rho)} between a sample's outcomes "
                "(as MAc's agg)")
    return "the mean of a sample's correlations"


def default_method(db: ReviewDB) -> str:
    """The protocol's aggregation of dependent effects (composite or mean)."""
    return settings(db).method


def default_rho(db: ReviewDB) -> float:
    return settings(db).rho
