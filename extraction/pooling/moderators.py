"""Moderator analyses: metafor-style mixed-effects meta-regression, subgroup fits and a Table-1 summary.

* `meta_regression` is ``rma(yi, vi, mods = ~ x)``: coefficients with Wald z tests, the omnibus QM test
  of all non-intercept coefficients (chi² with p − 1 df), QE (residual heterogeneity, FE weights),
  residual tau², I²/H² from the typical variance, and R² = max(0, (tau²_RE − tau²_ME) / tau²_RE) in
  percent, where tau²_RE comes from the intercept-only model on the same studies.
* `categorical_moderator` is ``rma(yi, vi, mods = ~ factor(g))`` (common tau²), plus each level's
  estimate from the ``~ 0 + factor(g)`` parametrisation, plus separate per-level random-effects fits and
  the Q-between test of those separate estimates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from db.errors import InputError
from extraction.pooling.estimators import fit_core, validate
from extraction.pooling.results import Z975, PoolResult, _clean, heterogeneity, summarise


@dataclass(frozen=True)
class Coefficient:
    name: str
    estimate: float
    se: float
    z: float
    p: float
    ci: tuple[float, float]


@dataclass(frozen=True)
class MetaRegression:
    """Mixed-effects meta-regression (all on the analysis scale)."""

    method: str
    k: int
    coefficients: list[Coefficient]
    qm: float
    qm_df: int
    qm_p: float
    qe: float
    qe_df: int
    qe_p: float
    tau2: float
    se_tau2: float
    i2: float
    h2: float
    r2: float | None  # percent; None when the intercept-only tau² is 0

    def coef(self, name: str) -> Coefficient:
        for c in self.coefficients:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return _clean({
            "method": self.method, "k": self.k, "qm": self.qm, "qm_df": self.qm_df, "qm_p": self.qm_p,
            "qe": self.qe, "qe_df": self.qe_df, "qe_p": self.qe_p, "tau2": self.tau2, "se_tau2": self.se_tau2,
            "i2": self.i2, "h2": self.h2, "r2": self.r2,
            "coefficients": {c.name: {"estimate": c.estimate, "se": c.se, "z": c.z, "p": c.p, "ci": c.ci}
                             for c in self.coefficients}})


def meta_regression(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, names: list[str],
                    method: str = "REML") -> MetaRegression:
    """Fit ``yi ~ X`` (X must contain the intercept column first; ``names`` labels X's columns)."""
    y, v = validate(yi, vi)
    core = fit_core(y, v, X, method=method)
    beta, vb = core.beta, core.vb
    coefs = []
    for j, name in enumerate(names):
        se = math.sqrt(vb[j, j])
        z = beta[j] / se
        coefs.append(Coefficient(name, float(beta[j]), se, float(z), float(2 * stats.norm.sf(abs(z))),
                                 (float(beta[j] - Z975 * se), float(beta[j] + Z975 * se))))
    idx = np.arange(1, core.p)
    if idx.size:
        b = beta[idx]
        qm = float(b @ np.linalg.solve(vb[np.ix_(idx, idx)], b))
        qm_p = float(stats.chi2.sf(qm, idx.size))
    else:
        qm, qm_p = float("nan"), float("nan")
    i2, h2 = heterogeneity(core)
    r2: float | None = None
    if core.method != "FE":
        tau2_re = fit_core(y, v, method=method).tau2
        if tau2_re > 0:
            r2 = max(0.0, 100.0 * (tau2_re - core.tau2) / tau2_re)
    qe_p = float(stats.chi2.sf(core.qe, core.qe_df)) if core.qe_df > 0 else float("nan")
    return MetaRegression(core.method, core.k, coefs, qm, int(idx.size), qm_p, core.qe, core.qe_df, qe_p,
                          core.tau2, core.se_tau2, i2, h2, r2)


def continuous_moderator(yi: np.ndarray, vi: np.ndarray, x: np.ndarray, name: str = "x",
                         method: str = "REML") -> MetaRegression:
    """``rma(yi, vi, mods = ~ x)``; studies with a missing x are dropped (as metafor does)."""
    x = np.asarray(x, dtype=float).ravel()
    keep = np.isfinite(x)
    if keep.sum() < 3:
        raise InputError(f"moderator {name!r} has fewer than 3 studies with a value")
    X = np.column_stack([np.ones(int(keep.sum())), x[keep]])
    return meta_regression(np.asarray(yi, float)[keep], np.asarray(vi, float)[keep], X, ["intrcpt", name],
                           method=method)


@dataclass(frozen=True)
class LevelEstimate:
    """One category's estimate from the common-tau² model (analysis scale, plus r via tanh)."""

    level: str
    k: int
    estimate: float
    se: float
    ci: tuple[float, float]
    pi: tuple[float, float]
    p: float


@dataclass(frozen=True)
class SubgroupAnalysis:
    """A categorical moderator: the mixed-effects model (common tau²) and separate per-level fits."""

    moderator: str
    levels: list[str]
    model: MetaRegression                       # ~ factor(g), reference level first
    level_estimates: list[LevelEstimate]        # ~ 0 + factor(g)
    separate: dict[str, PoolResult | None]      # per-level RE fits (None when k < 2)
    q_between: float
    q_between_df: int
    q_between_p: float
    excluded: int = 0                           # studies without a level
    notes: list[str] = field(default_factory=list)

    def to_dict(self, back_transform: bool = True) -> dict[str, Any]:
        subgroups: dict[str, Any] = {}
        for le in self.level_estimates:
            sep = self.separate.get(le.level)
            subgroups[le.level] = {"k": le.k, "separate": sep.to_dict() if sep else None,
                                   "common_tau2": {"estimate_z": le.estimate, "se_z": le.se, "ci_z": le.ci,
                                                   "pi_z": le.pi, "p": le.p}}
            if back_transform:
                subgroups[le.level]["common_tau2"].update(
                    estimate_r=math.tanh(le.estimate), ci_r=tuple(math.tanh(c) for c in le.ci),
                    pi_r=tuple(math.tanh(c) for c in le.pi))
        return _clean({"moderator": self.moderator, "levels": self.levels, "excluded": self.excluded,
                       "qm": self.model.qm, "qm_df": self.model.qm_df, "qm_p": self.model.qm_p,
                       "tau2_residual": self.model.tau2, "q_between": self.q_between,
                       "q_between_df": self.q_between_df, "q_between_p": self.q_between_p,
                       "subgroups": subgroups, "notes": self.notes})


def _levels(groups: pd.Series | np.ndarray | list) -> tuple[np.ndarray, np.ndarray, list[str]]:
    g = pd.Series(groups, dtype="object").reset_index(drop=True)
    keep = g.notna() & (g.astype(str).str.strip() != "")
    labels = g[keep].astype(str).str.strip()
    levels = sorted(labels.unique())  # factor() order: sorted
    return keep.to_numpy(), labels.to_numpy(), levels


def categorical_moderator(yi: np.ndarray, vi: np.ndarray, groups: pd.Series | np.ndarray | list,
                          name: str = "group", method: str = "REML") -> SubgroupAnalysis:
    """Subgroup analysis for a categorical moderator (missing/blank levels are dropped)."""
    y_all, v_all = validate(yi, vi)
    keep, labels, levels = _levels(groups)
    if len(keep) != y_all.size:
        raise InputError(f"moderator {name!r} has {len(keep)} values for {y_all.size} studies")
    if len(levels) < 2:
        raise InputError(f"moderator {name!r} needs at least 2 categories (found {len(levels)})")
    y, v = y_all[keep], v_all[keep]
    D = np.column_stack([(labels == lev).astype(float) for lev in levels])
    X = np.column_stack([np.ones(y.size), D[:, 1:]])
    model = meta_regression(y, v, X, ["intrcpt"] + [f"{name}{lev}" for lev in levels[1:]], method=method)
    # Level estimates with the common tau²: same tau² as the ~ factor(g) fit (the models are equivalent).
    cell = fit_core(y, v, D, method=method, tau2=model.tau2)
    ests = []
    for j, lev in enumerate(levels):
        est, se = float(cell.beta[j]), math.sqrt(cell.vb[j, j])
        half = Z975 * math.sqrt(se**2 + model.tau2)
        ests.append(LevelEstimate(lev, int(D[:, j].sum()), est, se, (est - Z975 * se, est + Z975 * se),
                                  (est - half, est + half), float(2 * stats.norm.sf(abs(est / se)))))
    separate: dict[str, PoolResult | None] = {}
    notes: list[str] = []
    for j, lev in enumerate(levels):
        m = D[:, j] == 1
        if m.sum() >= 2:
            separate[lev] = summarise(fit_core(y[m], v[m], method=method), v[m])
        elif m.sum() == 1:
            separate[lev] = summarise(fit_core(y[m], v[m], method="FE"), v[m])
            notes.append(f"level {lev!r} has a single study")
        else:
            separate[lev] = None
    fitted = [r for r in separate.values() if r is not None]
    if len(fitted) >= 2:
        w = np.array([1.0 / r.se_z**2 for r in fitted])
        e = np.array([r.estimate_z for r in fitted])
        mean = float(np.sum(w * e) / np.sum(w))
        qb = float(np.sum(w * (e - mean) ** 2))
        qb_df = len(fitted) - 1
        qb_p = float(stats.chi2.sf(qb, qb_df))
    else:
        qb, qb_df, qb_p = float("nan"), 0, float("nan")
    return SubgroupAnalysis(name, levels, model, ests, separate, qb, qb_df, qb_p,
                            excluded=int((~keep).sum()), notes=notes)


def moderator_table(data: pd.DataFrame, moderators: list[str], yi: str = "yi", vi: str = "vi",
                    method: str = "REML") -> pd.DataFrame:
    """A Table-1-like summary: per moderator and category, k, r [95% CI], p and I² of the separate
    random-effects fit, and the p of the between-category test (metafor's QM, common tau²)."""
    rows = []
    for mod in moderators:
        if mod not in data.columns:
            raise InputError(f"no moderator column {mod!r}")
        sa = categorical_moderator(data[yi].to_numpy(), data[vi].to_numpy(), data[mod], name=mod,
                                   method=method)
        for lev in sa.levels:
            r = sa.separate[lev]
            rows.append({"moderator": mod, "category": lev, "k": r.k if r else 0,
                         "r": r.estimate_r if r else None, "ci_low": r.ci_r[0] if r and r.ci_r else None,
                         "ci_high": r.ci_r[1] if r and r.ci_r else None, "p": r.p if r else None,
                         "i2": r.i2 if r else None, "p_between": sa.model.qm_p, "q_between": sa.model.qm,
                         "df_between": sa.model.qm_df})
    return pd.DataFrame(rows)
