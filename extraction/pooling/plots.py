"""Forest and funnel plots with matplotlib's Agg backend (no Qt). Saved as PNG/SVG/PDF by suffix.

The forest plot draws each study's correlation with its 95% CI (tanh of the z-scale bounds), the
random-effects weight in percent, the summary diamond, the prediction interval as a line through the
diamond, and optionally subgroup diamonds. Figure height grows with the number of rows, so 200 studies
stay readable. The funnel plot shows SE against the estimate (z or r), the pseudo 95% confidence region
around the pooled estimate and, optionally, trim-and-fill's imputed studies as open circles.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402

from db.errors import InputError  # noqa: E402
from extraction.apa import number, p_value, percent  # noqa: E402
from extraction.pooling.bias import TrimFill  # noqa: E402
from extraction.pooling.estimators import fit_core, validate  # noqa: E402
from extraction.pooling.results import Z975, PoolResult, summarise  # noqa: E402

SUFFIXES = (".png", ".svg", ".pdf")
ROW_IN = 0.24  # inches per row
FIG_W, AX_LEFT, AX_RIGHT = 11.0, 0.30, 0.62
COL_CI = 1.03
COL_W = COL_CI + 1.75 / (FIG_W * (AX_RIGHT - AX_LEFT))  # weight column 1.75 in right of the CI column


def save(fig: Figure, out: str | Path) -> Path:
    """Save by suffix (.png at 150 dpi, .svg, .pdf), written to a temporary file first and then renamed,
    so a failed save leaves no half-written picture."""
    out = Path(out)
    if out.suffix.lower() not in SUFFIXES:
        raise InputError(f"output must end in {', '.join(SUFFIXES)}", file=str(out))
    save_atomic(fig, out)
    return out


def save_atomic(fig: Figure, out: Path, **kwargs: object) -> None:
    """``fig.savefig`` to ``out`` through `extraction.atomic_write.atomic_path` (temporary file, then rename)."""
    from extraction.atomic_write import atomic_path

    options: dict[str, Any] = {"dpi": 150, "bbox_inches": "tight", **kwargs}
    with atomic_path(out, out.suffix) as tmp:
        fig.savefig(tmp, format=out.suffix.lower().lstrip("."), **options)


def _figure(width: float, height: float) -> tuple[Figure, Any]:
    """A figure with one axes, outside pyplot's global state (safe to draw from a background thread)."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _diamond(ax, y: float, est: float, lo: float, hi: float, color: str) -> None:
    ax.add_patch(Polygon([(lo, y), (est, y + 0.35), (hi, y), (est, y - 0.35)], closed=True,
                         facecolor=color, edgecolor=color, zorder=3))


def _num(x: float) -> str:
    return number(x, 2).rjust(5)  # a monospaced column


def _fmt(est: float, lo: float, hi: float) -> str:
    return f"{_num(est)} [{_num(lo)}, {_num(hi)}]"


def forest_plot(yi: np.ndarray, vi: np.ndarray, labels: list[str] | None = None, method: str = "REML",
                groups: list | np.ndarray | None = None, title: str | None = None,
                r_scale: bool = True, window: tuple[int, int] | None = None) -> Figure:
    """Forest plot on the r scale (tanh) or the analysis scale; ``groups`` adds subgroup diamonds.

    ``window=(start, stop)`` draws only those rows of the body (studies, and group headers and subtotals
    when grouped; 0-based, stop exclusive) above the overall diamond, with the x axis, weights and pooled
    result of all studies: a screen shows a long plot a page at a time (matplotlib renders every glyph of
    every label, about 11 s for 1,000 rows), a file gets every row."""
    y, v = validate(yi, vi)
    k = y.size
    labels = [str(s) for s in labels] if labels is not None else [f"Study {i + 1}" for i in range(k)]
    tf = np.tanh if r_scale else (lambda x: x)
    overall = summarise(fit_core(y, v, method=method), v)
    se = np.sqrt(v)
    # Row layout, top to bottom: (kind, payload)
    rows: list[tuple[str, object]] = []
    if groups is not None:
        def level(x: object) -> str:
            missing = x is None or (isinstance(x, float) and math.isnan(x)) or str(x).strip() == ""
            return "(missing)" if missing else str(x).strip()

        g = np.array([level(x) for x in groups], dtype=object)
        for lev in sorted(set(g)):
            idx = np.flatnonzero(g == lev)
            rows.append(("header", lev))
            rows.extend(("study", int(i)) for i in idx)
            sub = summarise(fit_core(y[idx], v[idx], method=method if idx.size > 1 else "FE"), v[idx])
            rows.append(("subtotal", (lev, sub)))
            rows.append(("gap", None))
    else:
        rows.extend(("study", i) for i in range(k))
        rows.append(("gap", None))
    if window is not None:
        start, stop = max(0, window[0]), min(len(rows) - 1, window[1])
        rows = rows[start:stop]
        if not rows or rows[-1][0] != "gap":
            rows.append(("gap", None))
    rows.append(("total", overall))
    n = len(rows)
    fig_h = max(3.0, ROW_IN * (n + 4))
    fig, ax = _figure(FIG_W, fig_h)
    fontsize = 8 if n <= 60 else 7
    w_all = 1.0 / (v + overall.tau2)
    wpct = 100.0 * w_all / w_all.sum()
    lo_all, hi_all = tf(y - Z975 * se), tf(y + Z975 * se)
    xmin = float(min(np.min(lo_all), tf(overall.pi_z[0]))) if k else -1.0
    xmax = float(max(np.max(hi_all), tf(overall.pi_z[1]))) if k else 1.0
    pad = 0.05 * (xmax - xmin or 1.0)
    xmin, xmax = xmin - pad, xmax + pad
    trans = ax.get_yaxis_transform()
    # the studies' lines and squares as two collections (one artist each: 1,000 studies draw in well under a second)
    study_pos = [(n - pos, int(p)) for pos, (kind, p) in enumerate(rows) if kind == "study"]  # type: ignore[call-overload]
    if study_pos:
        ys = np.array([yy for yy, _ in study_pos], dtype=float)
        ix = np.array([i for _, i in study_pos])
        ax.hlines(ys, lo_all[ix], hi_all[ix], color="black", lw=0.8)
        ms = 3 + 9 * np.sqrt(wpct[ix] / wpct.max())
        ax.scatter(tf(y[ix]), ys, s=ms**2, marker="s", color="#1f4e79", zorder=3, linewidths=0)
    for pos, (kind, payload) in enumerate(rows):
        yy = n - pos
        if kind == "study":
            i = int(payload)  # type: ignore[call-overload]
            ax.text(-0.01, yy, labels[i][:45], transform=trans, ha="right", va="center", fontsize=fontsize)
            ax.text(COL_CI, yy, _fmt(tf(y[i]), lo_all[i], hi_all[i]), transform=trans, ha="left", va="center",
                    fontsize=fontsize, family="monospace")
            ax.text(COL_W, yy, f"{wpct[i]:5.1f}%", transform=trans, ha="left", va="center", fontsize=fontsize,
                    family="monospace")
        elif kind == "header":
            ax.text(-0.01, yy, str(payload), transform=trans, ha="right", va="center", fontsize=fontsize + 1,
                    fontweight="bold")
        elif kind in ("subtotal", "total"):
            res: PoolResult = payload[1] if kind == "subtotal" else payload  # type: ignore[index,assignment]
            name = (f"Subtotal {payload[0]} (k = {res.k})" if kind == "subtotal"  # type: ignore[index]
                    else f"RE model ({res.method}, k = {res.k})")
            est, lo, hi = tf(res.estimate_z), tf(res.ci_z[0]), tf(res.ci_z[1])
            _diamond(ax, yy, est, lo, hi, "#7f7f7f" if kind == "subtotal" else "#c00000")
            if res.tau2 > 0:
                ax.plot([tf(res.pi_z[0]), tf(res.pi_z[1])], [yy, yy], color="#c00000" if kind == "total"
                        else "#7f7f7f", lw=1.2, zorder=2)
            ax.text(-0.01, yy, name, transform=trans, ha="right", va="center", fontsize=fontsize,
                    fontweight="bold")
            ax.text(COL_CI, yy, _fmt(est, lo, hi), transform=trans, ha="left", va="center", fontsize=fontsize,
                    family="monospace", fontweight="bold")
            if kind == "total":
                het = (f"Q({res.q_df}) = {number(res.q)}, {p_value(res.q_p)}; I² = {percent(res.i2)}, "
                       f"τ² = {number(res.tau2, 4)}; PI [{_num(tf(res.pi_z[0])).strip()}, "
                       f"{_num(tf(res.pi_z[1])).strip()}]")
                ax.text(-0.01, yy - 0.9, het, transform=trans, ha="right", va="center", fontsize=fontsize - 1)
    ax.axvline(0.0, color="grey", lw=0.6, ls=":")
    ax.axvline(tf(overall.estimate_z), color="#c00000", lw=0.6, ls="--", alpha=0.6)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(-0.5, n + 1.2)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("Correlation (r)" if r_scale else "Effect size")
    ax.text(COL_CI, n + 0.9, "r [95% CI]" if r_scale else "est [95% CI]", transform=trans, ha="left",
            fontsize=fontsize, fontweight="bold")
    ax.text(COL_W, n + 0.9, "Weight", transform=trans, ha="left", fontsize=fontsize, fontweight="bold")
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    fig.subplots_adjust(left=AX_LEFT, right=AX_RIGHT)
    return fig


def funnel_plot(yi: np.ndarray, vi: np.ndarray, method: str = "REML", r_scale: bool = False,
                trimfill: TrimFill | None = None, title: str | None = None) -> Figure:
    """Funnel plot: SE (inverted axis) against the estimate, pseudo 95% region around the pooled estimate
    (the trim-and-fill estimate when given), imputed studies as open circles."""
    y, v = validate(yi, vi)
    se = np.sqrt(v)
    res = trimfill.result if trimfill is not None else summarise(fit_core(y, v, method=method), v)
    center = res.estimate_z
    tf = np.tanh if r_scale else (lambda x: x)
    fig, ax = _figure(6.5, 5)
    all_se = se if trimfill is None or trimfill.k0 == 0 else np.concatenate([se, np.sqrt(trimfill.filled_vi)])
    top = float(np.max(all_se)) * 1.05
    s = np.linspace(0.0, top, 100)
    ax.fill_betweenx(s, tf(center - Z975 * s), tf(center + Z975 * s), color="#e8e8e8", zorder=0,
                     label="pseudo 95% CI region")
    ax.plot(tf(center - Z975 * s), s, color="grey", lw=0.8, ls="--")
    ax.plot(tf(center + Z975 * s), s, color="grey", lw=0.8, ls="--")
    ax.axvline(tf(center), color="#c00000", lw=1.0,
               label="pooled estimate" + (" (trim-and-fill)" if trimfill is not None else ""))
    ax.plot(tf(y), se, "o", color="#1f4e79", ms=5, label="studies", zorder=3)
    if trimfill is not None and trimfill.k0 > 0:
        ax.plot(tf(trimfill.filled_yi), np.sqrt(trimfill.filled_vi), "o", mfc="white", mec="#1f4e79",
                ms=5, label=f"imputed (k0 = {trimfill.k0})", zorder=3)
    ax.set_ylim(top, 0.0)
    ax.set_ylabel("Standard error (Fisher z)" if r_scale else "Standard error")
    ax.set_xlabel("Correlation (r)" if r_scale else "Effect size (Fisher z)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)
    if trimfill is not None:  # the figure says what trim and fill did, also when it imputed nothing
        ax.text(0.0, 1.02, f"Trim and fill ({trimfill.estimator}): {trimfill.k0} "
                f"{'study' if trimfill.k0 == 1 else 'studies'} imputed"
                + (f" on the {trimfill.side} side" if trimfill.k0 else ""), transform=ax.transAxes,
                ha="left", va="bottom", fontsize=9)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    return fig
