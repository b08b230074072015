"""Plots of the diagnostics (matplotlib Agg, no Qt): leave-one-out and cumulative estimates with their CIs,
the Baujat plot (squared Pearson residual against influence on the result) and the meta-regression bubble
plot (effect against one moderator, point area proportional to the weight, with the fitted line and its
95% CI holding other moderators at their mean). Saved with `extraction.pooling.plots.save`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from db.errors import InputError
from extraction.pooling.diagnostics import Influence, Refit
from extraction.pooling.plots import ROW_IN, _figure


def sequence_plot(rows: list[Refit], labels: list[str], title: str, xlabel: str,
                  max_labels: int | None = None) -> Figure:
    """One line per refit (leave-one-out or cumulative step): estimate with its CI. With more than
    ``max_labels`` rows the rows are numbered (1 = top) instead of labelled: a screen showing 1,000 refits
    would spend seconds drawing their labels (the table beside it names them); files get every label."""
    k = len(rows)
    numbered = max_labels is not None and k > max_labels
    height = 1.2 + ROW_IN * (min(k, 4 * max_labels) if numbered and max_labels is not None else k)
    fig, ax = _figure(8.0, max(2.5, height))
    ys = np.arange(k)[::-1]
    est = np.array([r.estimate for r in rows])
    lo = np.array([r.ci_lb for r in rows])
    hi = np.array([r.ci_ub for r in rows])
    ax.hlines(ys, lo, hi, color="#333333", lw=1)
    ax.plot(est, ys, "s", color="#1f4e79", ms=5)
    if not numbered:
        ax.set_yticks(ys, labels, fontsize=8)
    else:
        ticks = np.unique(np.linspace(0, k - 1, 11).round().astype(int))
        ax.set_yticks(ys[ticks], [str(t + 1) for t in ticks], fontsize=8)
        ax.set_ylabel("row (as in the table)")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.axvline(0, color="#999999", lw=0.6, ls=":")
    ax.set_ylim(-1, k)
    return fig


def baujat_plot(inf: Influence, labels: list[str], max_labels: int | None = None) -> Figure:
    """Baujat plot: x = squared Pearson residual (contribution to heterogeneity), y = influence on the result.
    Every point is labelled, or only the ``max_labels`` farthest out (largest x/max x + y/max y)."""
    fig, ax = _figure(6.5, 5.0)
    x_all, y_all = np.asarray(inf.baujat_x, dtype=float), np.asarray(inf.baujat_y, dtype=float)
    ax.scatter(x_all, y_all, s=18, color="#1f4e79")
    show = np.isfinite(x_all) & np.isfinite(y_all)
    if max_labels is not None and int(show.sum()) > max_labels:
        score = np.where(show, x_all / (np.nanmax(np.where(show, x_all, np.nan)) or 1.0)
                         + y_all / (np.nanmax(np.where(show, y_all, np.nan)) or 1.0), -np.inf)
        show = np.zeros_like(show)
        show[np.argsort(-score)[:max_labels]] = True
        ax.text(0.99, 0.01, f"labelled: the {max_labels} farthest out of {x_all.size}", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=7, color="#666666")
    for x, y, lab in zip(x_all[show], y_all[show], np.asarray(labels, dtype=object)[show], strict=True):
        ax.annotate(str(lab), (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("Squared Pearson residual (contribution to heterogeneity)")
    ax.set_ylabel("Influence on the pooled result")
    ax.set_title("Baujat plot")
    return fig


def bubble_plot(x: np.ndarray, yi: np.ndarray, weights: np.ndarray, line: tuple[np.ndarray, np.ndarray,
                np.ndarray, np.ndarray], xlabel: str, ylabel: str) -> Figure:
    """Bubble plot: studies as circles (area ~ weight), the regression line (xs, fit, lo, hi)."""
    fig, ax = _figure(6.5, 5.0)
    w = np.asarray(weights, dtype=float)
    size = 20 + 400 * w / w.max()
    ax.scatter(x, yi, s=size, facecolors="none", edgecolors="#1f4e79")
    xs, fit, lo, hi = line
    ax.plot(xs, fit, color="#c0392b")
    ax.plot(xs, lo, color="#c0392b", ls="--", lw=0.8)
    ax.plot(xs, hi, color="#c0392b", ls="--", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title("Meta-regression bubble plot")
    return fig


def bubble_for(yi: np.ndarray, vi: np.ndarray, frame: pd.DataFrame, mods: str, method: str = "REML",
               test: str = "z", ylabel: str = "effect size (yi)") -> Figure:
    """The bubble plot of the meta-regression ``mods`` ("a + b") on ``frame``'s columns: x = its first term
    (must be numeric), the fitted line and its 95% CI with the other moderators at their mean (InputError
    when the first term is not a numeric moderator)."""
    from extraction.pooling.estimators import fit_core
    from extraction.pooling.moderators import formula_design
    from extraction.pooling.results import critical

    X, names, used = formula_design(frame, mods)
    first = mods.replace("~", " ").split("+")[0].strip()
    if first not in names:
        raise InputError(f"the bubble plot's x axis {first!r} must be a numeric moderator")
    y, v = np.asarray(yi, dtype=float)[used], np.asarray(vi, dtype=float)[used]
    core = fit_core(y, v, X, method=method, test=test)
    j = names.index(first)
    xs = np.linspace(X[:, j].min(), X[:, j].max(), 100)
    grid = np.tile(X.mean(axis=0), (xs.size, 1))
    grid[:, j] = xs
    fit = grid @ core.beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", grid, core.vb, grid))
    crit = critical(core)
    return bubble_plot(X[:, j], y, 1.0 / (v + core.tau2), (xs, fit, fit - crit * se, fit + crit * se), first,
                       ylabel)
