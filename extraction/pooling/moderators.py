"""Moderator analyses: metafor-style mixed-effects meta-regression, subgroup fits and a Table-1 summary.

* `meta_regression` is ``rma(yi, vi, mods = ~ x1 + x2, test=...)``: coefficients with Wald z tests (t
  tests with k − p df for test "t"/"knha"), the omnibus QM test of all non-intercept coefficients
  (chi² with p − 1 df; for "t"/"knha" QM/(p − 1) against F(p − 1, k − p)), QE (residual heterogeneity, FE
  weights), residual tau², I²/H² from the typical variance, and R² = max(0, (tau²_RE − tau²_ME) / tau²_RE)
  in percent, where tau²_RE comes from the intercept-only model on the same studies (0 when tau²_RE = 0);
  for FE models R² is the adjusted R² of the weighted least-squares fit, as metafor reports it.
* `formula_design` builds X from ``"a + b"`` (numeric columns as they are, text columns as
  treatment-coded factors with the first level in sorted order as reference, metafor's ``factor()``).
* `categorical_moderator` is ``rma(yi, vi, mods = ~ factor(g))`` (common tau²), plus each level's
  estimate from the ``~ 0 + factor(g)`` parametrisation, plus separate per-level random-effects fits and
  the Q-between test of those separate estimates.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from db.errors import InputError
from extraction.pooling.estimators import fit_core, normalise_method, normalise_test, validate
from extraction.pooling.results import PoolResult, _clean, critical, heterogeneity, summarise, two_sided_p


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
    r2: float | None  # percent; None without a non-intercept coefficient
    test: str = "z"
    ddf: int | None = None  # df of the t tests and the F test's denominator (test "t"/"knha")

    def coef(self, name: str) -> Coefficient:
        for c in self.coefficients:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return _clean({
            "method": self.method, "k": self.k, "qm": self.qm, "qm_df": self.qm_df, "qm_p": self.qm_p,
            "qe": self.qe, "qe_df": self.qe_df, "qe_p": self.qe_p, "tau2": self.tau2, "se_tau2": self.se_tau2,
            "i2": self.i2, "h2": self.h2, "r2": self.r2, "test": self.test, "ddf": self.ddf,
            "qm_distribution": "chi2" if self.ddf is None else "F",
            "coefficients": {c.name: {"estimate": c.estimate, "se": c.se, "z": c.z, "p": c.p, "ci": c.ci}
                             for c in self.coefficients}})


def _wls_adj_r2(y: np.ndarray, X: np.ndarray, w: np.ndarray) -> float:
    """Adjusted R² of the weighted least-squares fit y ~ X (X with intercept), as R's summary.lm."""
    k, p = X.shape
    xw = X * w[:, None]
    beta = np.linalg.solve(X.T @ xw, xw.T @ y)
    fitted = X @ beta
    m = np.sum(w * fitted) / np.sum(w)
    mss = float(np.sum(w * (fitted - m) ** 2))
    rss = float(np.sum(w * (y - fitted) ** 2))
    if k - p <= 0:
        return float("nan")
    if mss + rss == 0:
        return 0.0
    r2 = mss / (mss + rss)
    return 1 - (1 - r2) * (k - 1) / (k - p)


def meta_regression(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, names: list[str],
                    method: str = "REML", test: str = "z") -> MetaRegression:
    """Fit ``yi ~ X`` (X must contain the intercept column first; ``names`` labels X's columns)."""
    y, v = validate(yi, vi)
    test = normalise_test(test)
    X = core_x(X, y.size)
    if normalise_method(method) != "FE" and y.size < X.shape[1] + 1:  # metafor's rule: tau² needs a df too
        raise InputError(f"{y.size} studies cannot estimate {X.shape[1]} coefficients and tau²")
    core = fit_core(y, v, X, method=method, test=test)
    beta, vb = core.beta, core.vb
    crit = critical(core)
    coefs = []
    for j, name in enumerate(names):
        se = math.sqrt(vb[j, j])
        z = beta[j] / se if se > 0 else float("nan")
        coefs.append(Coefficient(name, float(beta[j]), se, float(z), two_sided_p(z, core.ddf),
                                 (float(beta[j] - crit * se), float(beta[j] + crit * se))))
    idx = np.arange(1, core.p)
    if idx.size:
        b = beta[idx]
        try:
            qm = float(b @ np.linalg.solve(vb[np.ix_(idx, idx)], b))
        except np.linalg.LinAlgError:  # e.g. Knapp-Hartung on a saturated model: Var(b) = 0
            qm = float("nan")
        if core.ddf is None:
            qm_p = float(stats.chi2.sf(qm, idx.size))
        else:
            qm /= idx.size
            qm_p = float(stats.f.sf(qm, idx.size, core.ddf)) if core.ddf > 0 else float("nan")
    else:
        qm, qm_p = float("nan"), float("nan")
    i2, h2 = heterogeneity(core)
    r2: float | None = None
    if idx.size:
        if core.method == "FE":
            adj = _wls_adj_r2(y, X, 1.0 / v)
            r2 = 0.0 if np.var(y) == 0 else max(0.0, 100.0 * adj) if math.isfinite(adj) else float("nan")
        else:
            tau2_re = fit_core(y, v, method=method).tau2
            r2 = 0.0 if tau2_re == 0 else max(0.0, 100.0 * (tau2_re - core.tau2) / tau2_re)
    qe_p = float(stats.chi2.sf(core.qe, core.qe_df)) if core.qe_df > 0 else 1.0
    return MetaRegression(core.method, core.k, coefs, qm, int(idx.size), qm_p, core.qe, core.qe_df, qe_p,
                          core.tau2, core.se_tau2, i2, h2, r2, test=core.test, ddf=core.ddf)


def core_x(X: np.ndarray, k: int) -> np.ndarray:
    return np.asarray(X, dtype=float).reshape(k, -1)


def formula_design(data: pd.DataFrame, formula: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(X with intercept, column names, kept-row mask) for ``"a + b + ..."`` over ``data``'s columns.

    A column whose every non-missing value is a number enters as is; any other column is a factor
    (treatment coding, sorted levels, the first is the reference; names like metafor's, e.g. "typep").
    Rows with a missing value in any moderator are dropped (metafor drops them with a warning).
    """
    terms = [t.strip() for t in str(formula).replace("~", " ").split("+")]
    terms = [t for t in terms if t]
    if not terms:
        raise InputError(f"no moderator in {formula!r}; write e.g. \"year + design\"")
    missing = [t for t in terms if t not in data.columns]
    if missing:
        raise InputError(f"no moderator column {missing[0]!r} (columns: {', '.join(map(str, data.columns))})")
    keep = np.ones(len(data), dtype=bool)
    parsed: list[tuple[str, pd.Series, bool]] = []
    for t in terms:
        col = data[t].reset_index(drop=True)
        text = col.astype("object").where(col.notna(), None)
        blank = text.map(lambda x: x is None or (isinstance(x, str) and not x.strip())).to_numpy(dtype=bool)
        num = pd.to_numeric(col, errors="coerce")
        numeric = bool((num.notna() | blank).all())
        keep &= ~blank
        parsed.append((t, num if numeric else text.map(lambda x: str(x).strip() if x is not None else None),
                       numeric))
    cols, names = [np.ones(int(keep.sum()))], ["intrcpt"]
    for t, col, numeric in parsed:
        vals = col.to_numpy()[keep]
        if numeric:
            cols.append(vals.astype(float))
            names.append(t)
        else:
            levels = sorted(set(vals))
            for lev in levels[1:]:
                cols.append((vals == lev).astype(float))
                names.append(f"{t}{lev}")
    return np.column_stack(cols), names, keep


def mods_regression(yi: np.ndarray, vi: np.ndarray, data: pd.DataFrame, formula: str, method: str = "REML",
                    test: str = "z") -> tuple[MetaRegression, np.ndarray]:
    """``rma(yi, vi, mods = ~ formula, data = data)``; returns the fit and the kept-row mask."""
    y, v = validate(yi, vi)
    if len(data) != y.size:
        raise InputError(f"{len(data)} moderator rows for {y.size} studies")
    X, names, keep = formula_design(data, formula)
    # metafor's rule: the coefficients (and tau², unless FE) may not outnumber the studies
    if keep.sum() < X.shape[1] + (0 if normalise_method(method) == "FE" else 1):
        raise InputError(f"moderators {formula!r} leave {int(keep.sum())} studies for {X.shape[1]} coefficients")
    return meta_regression(y[keep], v[keep], X, names, method=method, test=test), keep


def continuous_moderator(yi: np.ndarray, vi: np.ndarray, x: np.ndarray, name: str = "x",
                         method: str = "REML", test: str = "z") -> MetaRegression:
    """``rma(yi, vi, mods = ~ x)``; studies with a missing x are dropped (as metafor does)."""
    x = np.asarray(x, dtype=float).ravel()
    keep = np.isfinite(x)
    if keep.sum() < 3:
        raise InputError(f"moderator {name!r} has fewer than 3 studies with a value")
    X = np.column_stack([np.ones(int(keep.sum())), x[keep]])
    return meta_regression(np.asarray(yi, float)[keep], np.asarray(vi, float)[keep], X, ["intrcpt", name],
                           method=method, test=test)


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

    def to_json(self, back_transform: bool = True) -> dict[str, Any]:
        subgroups: dict[str, Any] = {}
        for le in self.level_estimates:
            sep = self.separate.get(le.level)
            subgroups[le.level] = {"k": le.k, "separate": sep.to_json() if sep else None,
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
                          name: str = "group", method: str = "REML", test: str = "z",
                          back_transform: bool = True) -> SubgroupAnalysis:
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
    model = meta_regression(y, v, X, ["intrcpt"] + [f"{name}{lev}" for lev in levels[1:]], method=method,
                            test=test)
    # Level estimates with the common tau²: same tau² as the ~ factor(g) fit (the models are equivalent).
    cell = fit_core(y, v, D, method=method, tau2=model.tau2, test=test)
    crit = critical(cell)
    ests = []
    for j, lev in enumerate(levels):
        est, se = float(cell.beta[j]), math.sqrt(cell.vb[j, j])
        half = crit * math.sqrt(se**2 + model.tau2)
        ests.append(LevelEstimate(lev, int(D[:, j].sum()), est, se, (est - crit * se, est + crit * se),
                                  (est - half, est + half), two_sided_p(est / se, cell.ddf)))
    separate, notes = _separate_fits(y, v, labels, levels, method, test, back_transform)
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


def _separate_fits(y: np.ndarray, v: np.ndarray, labels: np.ndarray, levels: list[str], method: str, test: str,
                   back_transform: bool = True) -> tuple[dict[str, PoolResult | None], list[str]]:
    """Each level's own fit (random effects from 2 studies, the one study as is), and notes on single studies."""
    separate: dict[str, PoolResult | None] = {}
    notes: list[str] = []
    for lev in levels:
        m = labels == lev
        if m.sum() >= 2:
            separate[lev] = summarise(fit_core(y[m], v[m], method=method, test=test), v[m],
                                      back_transform=back_transform)
        elif m.sum() == 1:
            separate[lev] = summarise(fit_core(y[m], v[m], method="FE"), v[m], back_transform=back_transform)
            notes.append(f"level {lev!r} has a single study")
        else:
            separate[lev] = None
    return separate, notes


@dataclass(frozen=True)
class ModeratorRow:
    """One category of a moderator in the Table-1 summary: k, r [95% CI], p and I² (percent) of its separate
    random-effects fit (None without studies), and the moderator's between-category test (metafor's QM with a
    common tau²; None, with ``note`` saying why, when it cannot be fitted)."""

    moderator: str
    category: str
    k: int
    r: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None
    i2: float | None
    p_between: float | None
    q_between: float | None
    df_between: int | None
    note: str


def moderator_rows(data: pd.DataFrame, moderators: list[str], yi: str = "yi", vi: str = "vi",
                   method: str = "REML", test: str = "z") -> list[ModeratorRow]:
    """The Table-1-like summary's rows: per moderator and category (see `ModeratorRow`)."""
    rows = []
    for mod in moderators:
        if mod not in data.columns:
            raise InputError(f"no moderator column {mod!r}")
        y_all, v_all = validate(data[yi].to_numpy(), data[vi].to_numpy())
        try:
            sa = categorical_moderator(y_all, v_all, data[mod], name=mod, method=method, test=test)
            levels, separate = sa.levels, sa.separate
            between: tuple[float | None, float | None, int | None] = (sa.model.qm_p, sa.model.qm, sa.model.qm_df)
            note = ""
        except InputError as exc:  # too few studies or categories for the between test: still each category
            keep, labels, levels = _levels(data[mod])
            separate, _ = _separate_fits(y_all[keep], v_all[keep], labels, levels, method, test)
            between, note = (None, None, None), exc.detail
        for lev in levels:
            r = separate[lev]
            rows.append(ModeratorRow(mod, lev, r.k if r else 0, r.estimate_r if r else None,
                                     r.ci_r[0] if r and r.ci_r else None, r.ci_r[1] if r and r.ci_r else None,
                                     r.p if r else None, r.i2 if r else None, *between, note))
    return rows


def moderator_table(data: pd.DataFrame, moderators: list[str], yi: str = "yi", vi: str = "vi",
                    method: str = "REML", test: str = "z") -> pd.DataFrame:
    """A Table-1-like summary: per moderator and category, k, r [95% CI], p and I² of the separate
    random-effects fit, and the p of the between-category test (metafor's QM, common tau²): `moderator_rows`
    as a table, one column per field."""
    return pd.DataFrame([asdict(r) for r in moderator_rows(data, moderators, yi, vi, method, test)])
