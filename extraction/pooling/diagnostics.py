"""Sensitivity and small-study diagnostics with metafor's definitions (``leave1out``, ``cumul``,
``influence``, ``ranktest``, ``regtest(model = "lm")``), on the same core fit as the pooled result.

* `leave_one_out`: the model refitted without each study in turn (estimate, SE, z/t, p, CI, Q, p, tau²,
  I², H²). `cumulative`: refitted on the first 1, 2, ... k studies in the given order (a stable sort on
  ``order`` when given, as R's ``order``).
* `influence`: per study, with the fit without it ("(-i)"): externally studentized residual
  (y_i − x_i'β̂₍₋ᵢ₎) / sqrt(s²w₍₋ᵢ₎ (v_i + τ²₍₋ᵢ₎) + x_i'V(β̂₍₋ᵢ₎)x_i); DFFITS (x_i'β̂ − x_i'β̂₍₋ᵢ₎) /
  sqrt(s²w₍₋ᵢ₎ h_i (τ²₍₋ᵢ₎ + v_i)); Cook's distance (β̂ − β̂₍₋ᵢ₎)' V(β̂)⁻¹ (β̂ − β̂₍₋ᵢ₎); COVRATIO
  det V(β̂₍₋ᵢ₎) / det V(β̂); τ²₍₋ᵢ₎, QE₍₋ᵢ₎; hat h_i = w_i x_i'(X'WX)⁻¹x_i; weight in %; DFBETAS
  (β̂ − β̂₍₋ᵢ₎) / sqrt(s²w₍₋ᵢ₎ diag((X'W₍₋ᵢ₎X)⁻¹)) with W₍₋ᵢ₎ = 1/(v + τ²₍₋ᵢ₎) over all studies; and
  metafor's "influential" flag (|DFFITS| > 3 sqrt(p/(k − p)), P(χ²_p <= Cook) > .5, h > 3p/k or any
  |DFBETAS| > 1). s²w is 1 except with Knapp-Hartung.
  The Baujat plot's coordinates (metafor's ``baujat``, same model): x_i = (y_i − x_i'β̂)²/(τ̂² + v_i), the
  squared Pearson residual (for FE the contribution to Q), and y_i = (x_i'β̂₍₋ᵢ₎ − x_i'β̂)² / x_i'V(β̂₍₋ᵢ₎)x_i.
* `rank_test` (Begg & Mazumdar): Kendall's tau between (y − θ̂_FE)/sqrt(v − 1/Σw) and v; exact p for
  k < 50 without ties, else the normal approximation with tie correction (R's ``cor.test``).
* `pet_peese`: PET is the weighted least-squares regression y ~ SE (weights 1/v, residual variance
  estimated: metafor's ``regtest(model = "lm")``); PEESE the same with y ~ v. The intercepts are the
  limit estimates. Conditional PET-PEESE (Stanley & Doucouliagos 2014) takes PEESE when PET's intercept
  differs from 0 at two-sided alpha = .05, else PET.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from scipy import stats

from db.errors import InputError
from extraction.pooling.estimators import CoreFit, fit_core, normalise_method, validate
from extraction.pooling.moderators import MetaRegression, meta_regression
from extraction.pooling.results import _clean, critical, heterogeneity, two_sided_p


@dataclass(frozen=True)
class Refit:
    """The model refitted on a subset of the studies (one row of metafor's leave1out or cumul): the estimate, its
    SE, z (or t), p and CI, Q and its p, tau², I² (percent) and H². ``label`` names the subset (the CLI and the
    screen label "-study" / "+study"); empty as the core returns it."""

    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    q: float
    q_p: float
    tau2: float
    i2: float
    h2: float
    label: str = ""

    def labelled(self, label: str) -> Refit:
        return replace(self, label=label)

    def to_json(self) -> dict[str, Any]:
        """The label (when set) and the statistics, as metafor names them (NaN kept as the core gives it)."""
        d = asdict(self)
        label = d.pop("label")
        return {"label": label, **d} if label else d


def _row(core: CoreFit) -> Refit:
    est, se = float(core.beta[0]), float(math.sqrt(core.vb[0, 0]))
    z = est / se if se > 0 else float("nan")
    crit = critical(core)
    i2, h2 = heterogeneity(core)
    q_p = float(stats.chi2.sf(core.qe, core.qe_df)) if core.qe_df > 0 else 1.0
    return Refit(est, se, z, two_sided_p(z, core.ddf), est - crit * se, est + crit * se, core.qe, q_p, core.tau2,
                 i2, h2)


def _design(k: int, X: np.ndarray | None) -> np.ndarray:
    return np.ones((k, 1)) if X is None else np.asarray(X, dtype=float).reshape(k, -1)


def leave_one_out(yi: np.ndarray, vi: np.ndarray, method: str = "REML", test: str = "z") -> list[Refit]:
    """One row per omitted study (input order); needs k >= 2."""
    y, v = validate(yi, vi)
    if y.size < 2:
        raise InputError("leave-one-out needs at least 2 studies")
    keep = np.ones(y.size, dtype=bool)
    rows = []
    for i in range(y.size):
        keep[i] = False
        rows.append(_row(fit_core(y[keep], v[keep], method=method, test=test)))
        keep[i] = True
    return rows


def cumulative(yi: np.ndarray, vi: np.ndarray, order: np.ndarray | None = None, method: str = "REML",
               test: str = "z", decreasing: bool = False) -> tuple[list[int], list[Refit]]:
    """(study positions in the order added, one row per step). ``order``: sort key (e.g. year)."""
    y, v = validate(yi, vi)
    if order is None:
        idx = np.arange(y.size)
    else:
        key = np.asarray(order, dtype=float).ravel()
        if key.size != y.size or not np.all(np.isfinite(key)):
            raise InputError("the order of a cumulative meta-analysis needs a number for every study")
        idx = np.argsort(-key if decreasing else key, kind="stable")
    rows = [_row(fit_core(y[idx[: j + 1]], v[idx[: j + 1]], method=method, test=test)) for j in range(y.size)]
    return [int(i) for i in idx], rows


@dataclass(frozen=True)
class Influence:
    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    qe_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray      # percent
    dfbetas: np.ndarray     # k x p
    influential: np.ndarray  # bool
    baujat_x: np.ndarray
    baujat_y: np.ndarray

    def rows(self, names: list[str] | None = None, labels: list[str] | None = None) -> list[InfluenceRow]:
        """One row per study (``names``: the coefficients' names for DFBETAS; ``labels``: the studies')."""
        names = names or [f"b{j}" for j in range(self.dfbetas.shape[1])]
        return [InfluenceRow(float(self.rstudent[i]), float(self.dffits[i]), float(self.cook_d[i]),
                             float(self.cov_r[i]), float(self.tau2_del[i]), float(self.qe_del[i]), float(self.hat[i]),
                             float(self.weight[i]), dict(zip(names, map(float, self.dfbetas[i]), strict=True)),
                             bool(self.influential[i]), (float(self.baujat_x[i]), float(self.baujat_y[i])),
                             labels[i] if labels is not None else "")
                for i in range(self.hat.size)]

    def to_json(self, names: list[str] | None = None, labels: list[str] | None = None) -> dict[str, Any]:
        return {"studies": [r.to_json() for r in self.rows(names, labels)]}


@dataclass(frozen=True)
class InfluenceRow:
    """One study's influence diagnostics (metafor's influence() columns; weight in percent; ``baujat`` its
    (x, y) in the Baujat plot; ``label`` the study's, empty unless given)."""

    rstudent: float
    dffits: float
    cook_d: float
    cov_r: float
    tau2_del: float
    qe_del: float
    hat: float
    weight: float
    dfbetas: dict[str, float]
    influential: bool
    baujat: tuple[float, float]
    label: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (NaN -> None), the label last and only when set."""
        d = asdict(self)
        d["dfbetas"] = dict(self.dfbetas)
        if not self.label:
            d.pop("label")
        return _clean(d)


def influence(yi: np.ndarray, vi: np.ndarray, X: np.ndarray | None = None, method: str = "REML",
              test: str = "z") -> Influence:
    """metafor's ``influence(rma(yi, vi, mods = X))`` (see the module docstring); needs k > p + 1."""
    method = normalise_method(method)
    y, v = validate(yi, vi)
    k = y.size
    X = _design(k, X)
    p = X.shape[1]
    if k < p + 2:
        raise InputError(f"influence diagnostics need at least {p + 2} studies")
    full = fit_core(y, v, X, method=method, test=test)
    w = 1.0 / (v + full.tau2)
    A = np.linalg.inv(X.T @ (X * w[:, None]))
    hat = w * np.einsum("ij,jk,ik->i", X, A, X)
    weight = 100 * w / w.sum()
    pred_full = X @ full.beta
    svb = np.linalg.inv(full.vb)
    out = {n: np.full(k, np.nan) for n in ("rs", "dffits", "cook", "covr", "tau2", "qe", "bx", "by")}
    dfbs = np.full((k, p), np.nan)
    keep = np.ones(k, dtype=bool)
    for i in range(k):
        keep[i] = False
        try:
            res = fit_core(y[keep], v[keep], X[keep], method=method, test=test)
        except InputError:  # e.g. a factor level left without studies: metafor leaves NA too
            keep[i] = True
            continue
        keep[i] = True
        xi = X[i]
        delpred = float(xi @ res.beta)
        vdel = float(xi @ res.vb @ xi)
        out["tau2"][i], out["qe"][i] = res.tau2, res.qe
        out["by"][i] = (delpred - pred_full[i]) ** 2 / vdel
        resid = y[i] - delpred
        if abs(resid) < 100 * np.finfo(float).eps:
            resid = 0.0
        out["rs"][i] = resid / math.sqrt(v[i] * res.s2w + vdel + res.tau2 * res.s2w)
        out["dffits"][i] = (pred_full[i] - delpred) / math.sqrt(res.s2w * hat[i] * (res.tau2 + v[i]))
        vb_del = np.linalg.inv(X.T @ (X / (v + res.tau2)[:, None]))
        dfb = full.beta - res.beta
        dfbs[i] = dfb / np.sqrt(res.s2w * np.diag(vb_del))
        out["cook"][i] = float(dfb @ svb @ dfb)
        out["covr"][i] = float(np.linalg.det(res.vb) / np.linalg.det(full.vb))
    with np.errstate(invalid="ignore"):
        infl = ((np.abs(out["dffits"]) > 3 * math.sqrt(p / (k - p))) | (stats.chi2.cdf(out["cook"], p) > 0.5)
                | (hat > 3 * p / k) | np.any(np.abs(dfbs) > 1, axis=1))
    bx = (y - pred_full) ** 2 / (full.tau2 + v)
    return Influence(out["rs"], out["dffits"], out["cook"], out["covr"], out["tau2"], out["qe"], hat, weight,
                     dfbs, infl & ~np.isnan(out["dffits"]), bx, out["by"])


def rank_test(yi: np.ndarray, vi: np.ndarray) -> dict[str, float]:
    """Begg and Mazumdar's rank correlation test: {"tau", "p", "exact"}; needs k >= 3."""
    y, v = validate(yi, vi)
    if y.size < 3:
        raise InputError("the rank correlation test needs at least 3 studies")
    w = 1.0 / v
    theta = float(np.sum(w * y) / np.sum(w))
    ystar = (y - theta) / np.sqrt(v - 1.0 / np.sum(w))
    ties = np.unique(ystar).size < y.size or np.unique(v).size < y.size
    exact = y.size < 50 and not ties
    res = stats.kendalltau(ystar, v, method="exact" if exact else "asymptotic", variant="b")
    return {"tau": float(res.statistic), "p": float(res.pvalue), "exact": exact}


@dataclass(frozen=True)
class PetPeese:
    pet: MetaRegression
    peese: MetaRegression
    chosen: str        # "PET" or "PEESE"
    alpha: float

    def to_json(self) -> dict[str, Any]:
        def part(m: MetaRegression, slope: str) -> dict[str, Any]:
            b0, b1 = m.coefficients
            return {"estimate": b0.estimate, "se": b0.se, "t": b0.z, "p": b0.p, "ci": b0.ci, "df": m.ddf,
                    "slope": {"name": slope, "estimate": b1.estimate, "se": b1.se, "t": b1.z, "p": b1.p}}

        chosen = self.pet if self.chosen == "PET" else self.peese
        return _clean({"pet": part(self.pet, "sei"), "peese": part(self.peese, "vi"), "chosen": self.chosen,
                       "alpha": self.alpha, "estimate": chosen.coefficients[0].estimate,
                       "ci": chosen.coefficients[0].ci,
                       "rule": "PEESE when PET's intercept differs from 0 (two-sided p < alpha), else PET"})


def pet_peese(yi: np.ndarray, vi: np.ndarray, alpha: float = 0.05) -> PetPeese:
    """PET and PEESE limit estimates and the conditional choice; needs k >= 3."""
    y, v = validate(yi, vi)
    if y.size < 3:
        raise InputError("PET-PEESE needs at least 3 studies")
    one = np.ones(y.size)
    pet = meta_regression(y, v, np.column_stack([one, np.sqrt(v)]), ["intrcpt", "sei"], method="FE", test="knha")
    peese = meta_regression(y, v, np.column_stack([one, v]), ["intrcpt", "vi"], method="FE", test="knha")
    return PetPeese(pet, peese, "PEESE" if pet.coefficients[0].p < alpha else "PET", alpha)
