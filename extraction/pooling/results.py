"""Pooled results: the random-effects summary (`PoolResult`) and how it is built from a core fit.

Definitions follow metafor's printout: I² and H² of random-effects fits come from tau² and the
"typical" within-study variance s² = (k − p) / tr(P_FE) (for p = 1: (k−1)Σw / ((Σw)² − Σw²));
for FE fits from Q. The prediction interval is est ± z_.975 · sqrt(SE² + tau²). The critical value
is ``scipy.stats.norm.ppf(0.975)``. On the r scale every bound is the tanh of the z-scale bound.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from extraction.pooling.estimators import CoreFit, fit_core, validate

Z975 = float(stats.norm.ppf(0.975))


def fisher_z(ri: np.ndarray, ni: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """metafor's ``escalc("ZCOR")``: yi = atanh(r), vi = 1/(n − 3). Needs |r| < 1 and n > 3."""
    from db.errors import InputError

    r = np.asarray(ri, dtype=float).ravel()
    n = np.asarray(ni, dtype=float).ravel()
    if r.shape != n.shape:
        raise InputError(f"{r.size} correlations but {n.size} sample sizes")
    bad = np.flatnonzero(~np.isfinite(r) | (np.abs(r) >= 1))
    if bad.size:
        raise InputError(f"correlation of study {bad[0] + 1} must lie strictly between -1 and 1 "
                         f"(got {r[bad[0]]})")
    bad = np.flatnonzero(~np.isfinite(n) | (n <= 3))
    if bad.size:
        raise InputError(f"sample size of study {bad[0] + 1} must be greater than 3 (got {n[bad[0]]})")
    return np.arctanh(r), 1.0 / (n - 3.0)


def _ztor(x: float) -> float:
    return float(np.tanh(x))


def _clean(x: Any) -> Any:
    """JSON-friendly: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


@dataclass(frozen=True)
class PoolResult:
    """A random- (or fixed-) effects summary. ``*_z`` fields are on the analysis scale; ``*_r`` fields
    are back-transformed with tanh (None when the outcome is not Fisher's z)."""

    method: str
    k: int
    estimate_z: float
    se_z: float
    ci_z: tuple[float, float]
    pi_z: tuple[float, float]
    z: float
    p: float
    tau2: float
    se_tau2: float
    tau: float
    i2: float                  # percent
    h2: float
    q: float
    q_df: int
    q_p: float
    estimate_r: float | None
    ci_r: tuple[float, float] | None
    pi_r: tuple[float, float] | None
    weights: tuple[float, ...]  # percent, per study, in input order

    def to_dict(self, weights: bool = False) -> dict[str, Any]:
        """Plain dict (JSON-ready, NaN -> None); study weights only when asked for."""
        d = asdict(self)
        if not weights:
            d.pop("weights")
        return _clean(d)


def heterogeneity(core: CoreFit) -> tuple[float, float]:
    """(I² in percent, H²) as metafor defines them for this fit."""
    if core.method == "FE" and core.tau2 == 0.0:
        df = core.qe_df
        if df <= 0 or core.qe <= 0:
            return float("nan"), float("nan")
        return max(0.0, 100.0 * (core.qe - df) / core.qe), core.qe / df
    s2 = core.s2_typical
    if not math.isfinite(s2):
        return float("nan"), float("nan")
    return 100.0 * core.tau2 / (core.tau2 + s2), (core.tau2 + s2) / s2


def summarise(core: CoreFit, vi: np.ndarray, back_transform: bool = True) -> PoolResult:
    """Build a `PoolResult` from an intercept-only core fit."""
    est = float(core.beta[0])
    se = float(np.sqrt(core.vb[0, 0]))
    zval = est / se
    pval = float(2 * stats.norm.sf(abs(zval)))
    ci = (est - Z975 * se, est + Z975 * se)
    half = Z975 * math.sqrt(se**2 + core.tau2)
    pi = (est - half, est + half)
    i2, h2 = heterogeneity(core)
    q_p = float(stats.chi2.sf(core.qe, core.qe_df)) if core.qe_df > 0 else float("nan")
    w = 1.0 / (np.asarray(vi, dtype=float) + core.tau2)
    wpct = tuple(float(x) for x in 100.0 * w / w.sum())
    return PoolResult(
        method=core.method, k=core.k, estimate_z=est, se_z=se, ci_z=ci, pi_z=pi, z=zval, p=pval,
        tau2=core.tau2, se_tau2=core.se_tau2, tau=math.sqrt(core.tau2), i2=i2, h2=h2,
        q=core.qe, q_df=core.qe_df, q_p=q_p,
        estimate_r=_ztor(est) if back_transform else None,
        ci_r=(_ztor(ci[0]), _ztor(ci[1])) if back_transform else None,
        pi_r=(_ztor(pi[0]), _ztor(pi[1])) if back_transform else None,
        weights=wpct)


def pool(yi: np.ndarray | None = None, vi: np.ndarray | None = None, *, ri: np.ndarray | None = None,
         ni: np.ndarray | None = None, method: str = "REML",
         back_transform: bool | None = None) -> PoolResult:
    """Pool effect sizes: give ``yi`` and ``vi`` (analysis scale) or ``ri`` and ``ni`` (converted to Fisher
    z). ``back_transform`` (tanh to r) defaults to True for ri/ni input and for yi/vi input alike,
    because MetaSift pools correlations; pass False for other outcomes (e.g. log risk ratios)."""
    if ri is not None or ni is not None:
        if ri is None or ni is None:
            from db.errors import InputError

            raise InputError("give both correlations (ri) and sample sizes (ni)")
        yi, vi = fisher_z(ri, ni)
    if yi is None or vi is None:
        from db.errors import InputError

        raise InputError("give yi and vi, or ri and ni")
    y, v = validate(yi, vi)
    core = fit_core(y, v, method=method)
    return summarise(core, v, back_transform=True if back_transform is None else back_transform)
