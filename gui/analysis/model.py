"""The analysis screen's texts and the Table-1 moderator model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from extraction import apa
from extraction.pooling import PoolReport
from extraction.pooling.moderators import ModeratorRow
from gui.listmodel import ListTableModel

if TYPE_CHECKING:
    from gui.analysis.actions import Regression, ThreeLevel

num = apa.number
pval = apa.p_cell


def interval(pair: Any, nd: int = 2) -> str:
    """``[0.12, 3.40]``: an interval of a statistic that is not bounded by 1 (tau², I², H²)."""
    return apa.interval(pair, nd, is_bounded=False)


def p_is(p: float | None) -> str:
    """``p = .023`` / ``p < .001`` (`extraction.apa`), escaped for rich text."""
    return escape(apa.p_value(p))


def summary_html(rep: PoolReport, muted: str) -> str:
    """The pooled estimate and heterogeneity in one block (k, r [CI], PI, tau², I², Q, p, Q-profile CIs)."""
    res = rep.pooled
    kind = "fixed-effect" if res.method == "FE" else "random-effects"
    stat = "z" if res.df is None else f"t({res.df})"
    main = (f"<span style='font-size:15pt'><b>r = {apa.bounded(res.estimate_r)}</b> "
            f"{apa.interval(res.ci_r)}</span>"
            f" &nbsp; k = <b>{res.k}</b> · {stat} = {num(res.z)}, {p_is(res.p)}"
            f" · 95% prediction interval {apa.interval(res.pi_r)}")
    het = (f"Heterogeneity: τ² = {num(res.tau2, 4)} · I² = {apa.percent(res.i2)} · "
           f"Q({res.q_df}) = {num(res.q)}, {p_is(res.q_p)}")
    ci = rep.confint
    if ci:
        het += (f"<br>95% CIs (Q-profile): τ² {interval(ci.tau2[1:], 4)} · τ {interval(ci.tau[1:], 4)} · "
                f"I² {interval(ci.i2[1:], 1)}% · H² {interval(ci.h2[1:])}")
    test = " with Knapp–Hartung t tests" if res.test == "knha" else ""
    extra = [f"{escape(res.method)} {kind} model{test} on Fisher's z, back-transformed to r",
             f"fail-safe N (Rosenthal) {rep.fsn_rosenthal}"]
    if rep.egger:
        extra.append(f"Egger's test z = {num(rep.egger.z)}, {p_is(rep.egger.p)}")
    return f"{main}<br>{het}<br><span style='color:{muted}'>{' · '.join(extra)}</span>"


@dataclass(frozen=True)
class ModeratorLine:
    """A row of the moderator table: the core's `ModeratorRow` and whether it is its moderator's first (the
    moderator's name and p between show there only)."""

    row: ModeratorRow
    first: bool


def moderator_rows(rows: list[ModeratorRow] | None) -> list[ModeratorLine]:
    """`moderator_rows` of the core with the moderator and p between shown once per moderator."""
    out, last = [], None
    for r in rows or []:
        out.append(ModeratorLine(r, r.moderator != last))
        last = r.moderator
    return out


def _p_between(line: ModeratorLine) -> str:
    """The between-category test, once per moderator; without one (a single category with data, or no df) the
    reason instead of an empty Q(None)."""
    r = line.row
    if not line.first:
        return ""
    if r.p_between is None or math.isnan(r.p_between) or r.df_between is None:
        return f"— ({r.note})" if r.note else "—"
    return f"{pval(r.p_between)}  (Q({r.df_between}) = {num(r.q_between)})"


def moderator_model(parent: QWidget | None = None) -> ListTableModel:
    """Table 1 style: per moderator and category k, r, 95% CI, p, I², and p between."""
    return ListTableModel([
        ("Moderator", lambda r: r.row.moderator.replace("_", " ") if r.first else ""),
        ("Category", lambda r: r.row.category),
        ("k", lambda r: r.row.k),
        ("r", lambda r: apa.bounded(r.row.r)),
        ("95% CI", lambda r: apa.interval((r.row.ci_low, r.row.ci_high))),
        ("p", lambda r: pval(r.row.p)),
        ("I²", lambda r: apa.percent(r.row.i2)),
        ("p between", _p_between),
    ], parent)


def regression_html(reg: Regression | None, error: str, muted: str) -> str:
    """The meta-regression: omnibus test, residual heterogeneity, R² and the coefficient table."""
    if error:
        return f"<span style='color:{muted}'>{escape(error)}</span>"
    if reg is None:
        return (f"<span style='color:{muted}'>Type moderators (study-table columns) joined by +, e.g. "
                "“alliance_time + pub_year”, and press Fit: numbers enter as they are, text as categories.</span>")
    fit = reg.fit
    qm = (f"F({fit.qm_df}, {fit.ddf}) = {num(fit.qm, 4)}" if fit.ddf is not None
          else f"QM({fit.qm_df}) = {num(fit.qm, 4)}")
    stat = "t" if fit.ddf is not None else "z"
    rows = "".join(
        f"<tr><td>{escape(c.name)}</td><td align='right'>{num(c.estimate, 4)}</td>"
        f"<td align='right'>{num(c.se, 4)}</td><td align='right'>{num(c.z, 3)}</td>"
        f"<td align='right'>{pval(c.p)}</td><td>{interval(c.ci, 4)}</td></tr>"
        for c in fit.coefficients)
    return (f"<b>mods = ~ {escape(reg.formula)}</b> · k = {fit.k}"
            + (f" ({reg.excluded} without a value left out)" if reg.excluded else "")
            + f"<br>Test of moderators: {qm}, {p_is(fit.qm_p)} · R² = {apa.percent(fit.r2)} · "
            f"residual τ² = {num(fit.tau2, 4)} · QE({fit.qe_df}) = {num(fit.qe)}, {p_is(fit.qe_p)}"
            f"<table cellspacing='6'><tr><th></th><th>estimate</th><th>SE</th><th>{stat}</th><th>p</th>"
            f"<th>95% CI</th></tr>{rows}</table>"
            f"<span style='color:{muted}'>Coefficients on Fisher's z.</span>")


def multilevel_html(three: ThreeLevel, muted: str) -> str:
    """The three-level model: pooled r [CI] (robust), the coefficient on z with robust SE, t and df, and
    σ² per level."""
    fit, c = three.fit, three.pooled
    df = "" if c.df is None else f"({num(c.df, 2)})"
    robust = f"cluster-robust {escape(str(fit.robust))} SE" if fit.robust else "model-based SE"
    levels = " · ".join(f"σ²<sub>{escape(name)}</sub> = {num(s2, 4)} ({groups} groups)"
                        for name, s2, groups in zip(fit.level_names, fit.sigma2, fit.n_levels, strict=True))
    return (f"<span style='font-size:15pt'><b>r = {apa.bounded(three.estimate_r)}</b> {apa.interval(three.ci_r)}"
            "</span>"
            f" &nbsp; three-level model ({escape(fit.method)}): k = <b>{fit.k}</b> effects in "
            f"<b>{fit.n_clusters}</b> samples · z̄ = {num(c.estimate, 4)}, {robust} = {num(c.se, 4)}, "
            f"t{df} = {num(c.stat)}, {p_is(c.p)}"
            f"<br>{levels} · QE({fit.qe_df}) = {num(fit.qe)}, {p_is(fit.qe_p())}"
            + ("".join(f"<br><span style='color:{muted}'>{escape(n)}</span>" for n in fit.notes)))


def _f(x: Any, nd: int = 4) -> str:
    return num(None if x is None else float(x), nd)


def refit_model(parent: QWidget | None = None) -> ListTableModel:
    """Leave-one-out or cumulative rows, as metafor's leave1out/cumul print them (Fisher's z)."""
    return ListTableModel([
        ("", lambda r: r.label),
        ("estimate", lambda r: _f(r.estimate)), ("se", lambda r: _f(r.se)),
        ("z / t", lambda r: _f(r.zval)), ("p", lambda r: pval(r.pval)),
        ("ci.lb", lambda r: _f(r.ci_lb)), ("ci.ub", lambda r: _f(r.ci_ub)),
        ("Q", lambda r: _f(r.q)), ("τ²", lambda r: _f(r.tau2)), ("I²", lambda r: apa.percent(r.i2)),
    ], parent)


def influence_model(parent: QWidget | None = None) -> ListTableModel:
    """metafor's influence(): studentized residual, DFFITS, Cook's distance, COVRATIO, τ² and QE when left out,
    hat, weight (%), and * for an influential sample."""
    return ListTableModel([
        ("", lambda r: r.label),
        ("rstudent", lambda r: _f(r.rstudent)), ("dffits", lambda r: _f(r.dffits)),
        ("cook.d", lambda r: _f(r.cook_d)), ("cov.r", lambda r: _f(r.cov_r)),
        ("τ².del", lambda r: _f(r.tau2_del)), ("QE.del", lambda r: _f(r.qe_del)),
        ("hat", lambda r: _f(r.hat)), ("weight", lambda r: _f(r.weight)),
        ("inf", lambda r: "*" if r.influential else ""),
    ], parent)
