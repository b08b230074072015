"""Plots of the diagnostics (matplotlib Agg, no Qt): leave-one-out and cumulative estimates with their CIs,
the Baujat plot (squared Pearson residual against influence on the result) and the meta-regression bubble
plot (effect against one moderator, point area proportional to the weight, with the fitted line and its
95% CI holding other moderators at their mean). Saved with `extraction.pooling.plots.save`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from extraction.pooling.diagnostics import Influence
from extraction.pooling.plots import ROW_IN, _figure


def sequence_plot(rows: list[dict[str, float]], labels: list[str], title: str, xlabel: str) -> Figure:
    """One line per refit (leave-one-out or cumulative step): estimate with its CI."""
    k = len(rows)
    fig, ax = _figure(8.0, max(2.5, 1.2 + ROW_IN * k))
    ys = np.arange(k)[::-1]
    est = np.array([r["estimate"] for r in rows])
    lo = np.array([r["ci_lb"] for r in rows])
    hi = np.array([r["ci_ub"] for r in rows])
    ax.hlines(ys, lo, hi, color="#333333", lw=1)
    ax.plot(est, ys, "s", color="#1f4e79", ms=5)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.axvline(0, color="#999999", lw=0.6, ls=":")
    ax.set_ylim(-1, k)
    return fig


def baujat_plot(inf: Influence, labels: list[str]) -> Figure:
    """Baujat plot: x = squared Pearson residual (contribution to heterogeneity), y = influence on the result."""
    fig, ax = _figure(6.5, 5.0)
    ax.scatter(inf.baujat_x, inf.baujat_y, s=18, color="#1f4e79")
    for x, y, lab in zip(inf.baujat_x, inf.baujat_y, labels, strict=True):
        if np.isfinite(x) and np.isfinite(y):
            ax.annotate(lab, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
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
