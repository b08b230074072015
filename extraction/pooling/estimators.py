"""Heterogeneity estimators and the (mixed-effects) meta-regression core, on numpy/scipy.

Implemented here rather than taken from a library: PyMARE's defaults differ from metafor's, and
statsmodels has no REML meta-analysis. The conventions follow metafor's ``rma.uni``:

* REML (default) and ML by Fisher scoring, started at the DerSimonian–Laird value, step halving
  keeps tau² non-negative, iteration stops when the tau² step is below 1e-5, tau² is truncated at 0;
  SE(tau²) = sqrt(2 / tr(PP)) for REML and sqrt(2 / Σw²) for ML (inverse Fisher information).
* DL: method of moments on the fixed-effect residual Q, truncated at 0; its SE is the square root of
  the variance of the quadratic form, (2(k−p) + 4 tau² tr(P) + 2 tau⁴ tr(PP)) / tr(P)².
* PM (Paule–Mandel): the tau² at which the generalised Q equals k − p (0 when Q(0) < k − p);
  its SE is reported as the REML-type sqrt(2 / tr(PP)) at the estimate.
* FE/EE: tau² fixed at 0.

Everything is O(k·p²): P = W − W X (X'WX)⁻¹ X' W is never formed, so k = 10,000 is fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from db.errors import InputError
from extraction.choices import ESTIMATORS as METHODS  # noqa: E402

_ALIASES = {"EE": "FE", "CE": "FE", "FIXED": "FE"}
TOL = 1e-5
MAX_ITER = 100


def normalise_method(method: str) -> str:
    """Upper-case method name with metafor's aliases (EE, CE -> FE); InputError if unknown."""
    m = str(method).strip().upper()
    m = _ALIASES.get(m, m)
    if m not in METHODS:
        raise InputError(f"unknown pooling method {method!r}; expected one of {', '.join(METHODS)}")
    return m


@dataclass(frozen=True)
class CoreFit:
    """Raw result of one (meta-)regression fit; all quantities on the analysis scale (e.g. Fisher z)."""

    method: str
    k: int
    p: int
    beta: np.ndarray          # coefficients, length p
    vb: np.ndarray            # their covariance matrix (p x p)
    tau2: float
    se_tau2: float
    qe: float                 # (residual) heterogeneity Q with fixed-effect weights
    qe_df: int
    s2_typical: float         # "typical" within-study variance, (k − p) / tr(P_FE)
    iterations: int
    converged: bool


def validate(yi: np.ndarray, vi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float arrays of equal length with finite yi and finite vi > 0; InputError naming the row."""
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.shape != v.shape:
        raise InputError(f"yi has {y.size} values but vi has {v.size}")
    if y.size == 0:
        raise InputError("no studies to pool")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise InputError(f"effect size of study {bad[0] + 1} is not a finite number")
    bad = np.flatnonzero(~np.isfinite(v) | (v <= 0))
    if bad.size:
        raise InputError(f"sampling variance of study {bad[0] + 1} must be a positive number "
                         f"(got {v[bad[0]]})")
    return y, v


class _Weighted:
    """Weighted least squares pieces for weights w; gives the P-matrix traces without forming P."""

    def __init__(self, y: np.ndarray, X: np.ndarray, w: np.ndarray) -> None:
        xw = X * w[:, None]
        xtwx = X.T @ xw
        self.A = np.linalg.inv(xtwx)
        self.beta = self.A @ (xw.T @ y)
        self.res = y - X @ self.beta
        self.w = w
        self.X = X

    def q(self) -> float:
        """y'Py = Σ w e²."""
        return float(np.sum(self.w * self.res**2))

    def ypp_y(self) -> float:
        """y'PPy = Σ (w e)²."""
        return float(np.sum((self.w * self.res) ** 2))

    def _b(self, power: int) -> np.ndarray:
        return self.X.T @ (self.X * (self.w**power)[:, None])

    def tr_p(self) -> float:
        return float(np.sum(self.w) - np.trace(self.A @ self._b(2)))

    def tr_pp(self) -> float:
        ab2 = self.A @ self._b(2)
        return float(np.sum(self.w**2) - 2.0 * np.trace(self.A @ self._b(3)) + np.trace(ab2 @ ab2))


def _dl(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    k, p = X.shape
    fe = _Weighted(y, X, 1.0 / v)
    tr_p = fe.tr_p()
    tau2 = max(0.0, (fe.q() - (k - p)) / tr_p) if tr_p > 0 else 0.0
    var = (2 * (k - p) + 4 * tau2 * tr_p + 2 * tau2**2 * fe.tr_pp()) / tr_p**2 if tr_p > 0 else np.nan
    return tau2, float(np.sqrt(var))


def _scoring(y: np.ndarray, v: np.ndarray, X: np.ndarray, reml: bool) -> tuple[float, int, bool]:
    """Fisher scoring for the ML/REML tau²; start at DL, halve steps that would go negative."""
    tau2 = _dl(y, v, X)[0]
    for it in range(1, MAX_ITER + 1):
        fit = _Weighted(y, X, 1.0 / (v + tau2))
        if reml:
            step = (fit.ypp_y() - fit.tr_p()) / fit.tr_pp()
        else:
            step = (fit.ypp_y() - float(np.sum(fit.w))) / float(np.sum(fit.w**2))
        while tau2 + step < 0:
            step /= 2.0
            if abs(step) < TOL * 1e-3:
                step = -tau2
                break
        tau2 += step
        if abs(step) < TOL:
            return max(0.0, tau2), it, True
    return max(0.0, tau2), MAX_ITER, False


def _pm(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape

    def excess(t: float) -> float:
        return _Weighted(y, X, 1.0 / (v + t)).q() - (k - p)

    if k - p <= 0 or excess(0.0) <= 0:
        return 0.0
    upper = max(1.0, 10.0 * float(np.var(y)))
    while excess(upper) > 0:
        upper *= 4.0
    return float(optimize.brentq(excess, 0.0, upper, xtol=1e-12, rtol=1e-12, maxiter=500))


def fit_core(yi: np.ndarray, vi: np.ndarray, X: np.ndarray | None = None, method: str = "REML",
             tau2: float | None = None) -> CoreFit:
    """Fit ``yi ~ X`` with sampling variances ``vi`` and a common tau² (metafor's ``rma.uni``).

    X defaults to an intercept column. ``tau2`` fixes tau² (skips estimation). Needs k > p;
    a singular design raises InputError. With k == p (e.g. one study) tau² is 0.
    """
    method = normalise_method(method)
    y, v = validate(yi, vi)
    k = y.size
    X = np.ones((k, 1)) if X is None else np.asarray(X, dtype=float).reshape(k, -1)
    p = X.shape[1]
    if k < p or np.linalg.matrix_rank(X) < p:
        raise InputError(f"cannot fit {p} coefficients to {k} studies (design matrix is not of full rank)")
    iterations, converged = 0, True
    if tau2 is not None:
        t2, se_t2 = float(tau2), float("nan")
    elif method == "FE" or k <= p:  # no residual df: nothing to estimate tau² from
        t2, se_t2 = 0.0, float("nan")
    elif method == "DL":
        t2, se_t2 = _dl(y, v, X)
    elif method in ("REML", "ML"):
        t2, iterations, converged = _scoring(y, v, X, reml=method == "REML")
        fit = _Weighted(y, X, 1.0 / (v + t2))
        info = fit.tr_pp() if method == "REML" else float(np.sum(fit.w**2))
        se_t2 = float(np.sqrt(2.0 / info)) if info > 0 else float("nan")
    else:  # PM
        t2 = _pm(y, v, X)
        fit = _Weighted(y, X, 1.0 / (v + t2))
        tr_pp = fit.tr_pp()
        se_t2 = float(np.sqrt(2.0 / tr_pp)) if tr_pp > 0 else float("nan")
    fit = _Weighted(y, X, 1.0 / (v + t2))
    fe = _Weighted(y, X, 1.0 / v)
    tr_p_fe = fe.tr_p()
    s2 = (k - p) / tr_p_fe if tr_p_fe > 0 and k > p else float("nan")
    return CoreFit(method=method, k=k, p=p, beta=fit.beta, vb=fit.A, tau2=t2, se_tau2=se_t2,
                   qe=fe.q(), qe_df=k - p, s2_typical=s2, iterations=iterations, converged=converged)


def generalised_q(yi: np.ndarray, vi: np.ndarray, tau2: float) -> float:
    """Σ w (y − μ̂)² with w = 1/(v + tau²) for an intercept-only model (used by PM and in tests)."""
    y, v = validate(yi, vi)
    w = 1.0 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))
