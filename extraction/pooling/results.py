"""Pooled results: the random-effects summary (`PoolResult`) and how it is built from a core fit.

Definitions follow metafor's printout: I² and H² of random-effects fits come from tau² and the
"typical" within-study variance s² = (k − p) / tr(P_FE) (for p = 1: (k−1)Σw / ((Σw)² − Σw²));
for FE fits from Q (with no residual df: I² = 0, H² = 1, Q = 0, p = 1, as metafor). The prediction
interval is est ± crit · sqrt(SE² + tau²), crit = ``norm.ppf(0.975)`` for z tests and ``t.ppf(0.975, k − p)``
for test "t"/"knha" (metafor's ``predict``). On the r scale every bound is the tanh of the z-scale bound.
``scale`` says which scale the ``*_z`` fields are on: Fisher's z (correlations) or the input's own scale
(yi/vi given directly: SMD, log OR, ... are reported as given, never back-transformed to r).
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
    test: str = "z"            # "z", "t" or "knha" (Knapp-Hartung)
    df: int | None = None      # t-test df (k − p) for test "t"/"knha"
    scale: str = "Fisher's z"  # scale of estimate_z/ci_z/pi_z (see the module docstring)

    def to_json(self, weights: bool = False) -> dict[str, Any]:
        """Plain dict (JSON-ready, NaN -> None); study weights only when asked for."""
        d = asdict(self)
        if not weights:
            d.pop("weights")
        return _clean(d)


def heterogeneity(core: CoreFit) -> tuple[float, float]:
    """(I² in percent, H²) as metafor defines them for this fit."""
    if core.qe_df <= 0:
        return 0.0, 1.0
    if core.method == "FE" and core.tau2 == 0.0:
        df = core.qe_df
        if df <= 0 or core.qe <= 0:
            return float("nan"), float("nan")
        return max(0.0, 100.0 * (core.qe - df) / core.qe), core.qe / df
    s2 = core.s2_typical
    if not math.isfinite(s2):
        return float("nan"), float("nan")
    return 100.0 * core.tau2 / (core.tau2 + s2), (core.tau2 + s2) / s2


def critical(core: CoreFit, level: float = 0.95) -> float:
    """Two-sided critical value: normal for z tests, t(k − p) for test "t"/"knha"."""
    if core.ddf is not None:
        return float(stats.t.isf((1 - level) / 2, core.ddf)) if core.ddf > 0 else float("nan")
    return Z975 if level == 0.95 else float(stats.norm.isf((1 - level) / 2))


def two_sided_p(stat: float, ddf: int | None) -> float:
    """p of a Wald statistic: normal, or t with ``ddf`` df."""
    if ddf is not None:
        return float(2 * stats.t.sf(abs(stat), ddf)) if ddf > 0 else float("nan")
    return float(2 * stats.norm.sf(abs(stat)))


def summarise(core: CoreFit, vi: np.ndarray, back_transform: bool = True,
              scale: str | None = None) -> PoolResult:
    """Build a `PoolResult` from an intercept-only core fit."""
    est = float(core.beta[0])
    se = float(np.sqrt(core.vb[0, 0]))
    zval = est / se if se > 0 else float("nan")
    pval = two_sided_p(zval, core.ddf)
    crit = critical(core)
    ci = (est - crit * se, est + crit * se)
    half = crit * math.sqrt(se**2 + core.tau2)
    pi = (est - half, est + half)
    i2, h2 = heterogeneity(core)
    q_p = float(stats.chi2.sf(core.qe, core.qe_df)) if core.qe_df > 0 else 1.0
    w = 1.0 / (np.asarray(vi, dtype=float) + core.tau2)
    wpct = tuple(float(x) for x in 100.0 * w / w.sum())
    return PoolResult(
        method=core.method, k=core.k, estimate_z=est, se_z=se, ci_z=ci, pi_z=pi, z=zval, p=pval,
        tau2=core.tau2, se_tau2=core.se_tau2, tau=math.sqrt(core.tau2), i2=i2, h2=h2,
        q=core.qe, q_df=core.qe_df, q_p=q_p,
        estimate_r=_ztor(est) if back_transform else None,
        ci_r=(_ztor(ci[0]), _ztor(ci[1])) if back_transform else None,
        pi_r=(_ztor(pi[0]), _ztor(pi[1])) if back_transform else None,
        weights=wpct, test=core.test, df=core.ddf,
        scale=scale or ("Fisher's z" if back_transform else "input (yi)"))


def pool(yi: np.ndarray | None = None, vi: np.ndarray | None = None, *, ri: np.ndarray | None = None,
         ni: np.ndarray | None = None, method: str = "REML", test: str = "z",
         back_transform: bool | None = None) -> PoolResult:
    """Pool effect sizes: give ``yi`` and ``vi`` (analysis scale) or ``ri`` and ``ni`` (converted to Fisher
    z). ``back_transform`` (tanh to r) defaults to True for ri/ni input and False for yi/vi input (the
    result stays on the input's scale: an SMD or log OR is not a Fisher z); pass True when yi are Fisher
    z values. ``test``: "z", "t" or "knha"."""
    from_r = ri is not None or ni is not None
    if from_r:
        if ri is None or ni is None:
            from db.errors import InputError

            raise InputError("give both correlations (ri) and sample sizes (ni)")
        yi, vi = fisher_z(ri, ni)
    if yi is None or vi is None:
        from db.errors import InputError

        raise InputError("give yi and vi, or ri and ni")
    y, v = validate(yi, vi)
    core = fit_core(y, v, method=method, test=test)
    return summarise(core, v, back_transform=from_r if back_transform is None else back_transform)
