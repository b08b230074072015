"""Heterogeneity estimators and the (mixed-effects) meta-regression core, on numpy/scipy.

Implemented here rather than taken from a library: PyMARE's defaults differ from metafor's, and
statsmodels has no REML meta-analysis. The algorithms follow metafor's ``rma.uni`` (3.8), so that every
printed digit agrees (checked live against metafor in tests/test_pooling_oracle.py):

* HS (Hunter-Schmidt): (Q_FE − k) / Σw, w = 1/v; HE (Hedges): (RSS_OLS − tr(P_OLS V)) / (k − p);
  DL: (Q_FE − (k − p)) / tr(P_FE); SJ (Sidik-Jonkman): τ₀² Q(τ₀²) / (k − p) with τ₀² = the variance of
  y with divisor k. Each is truncated at 0 and has metafor's SE of the quadratic form it is built on.
* REML, ML and EB by Fisher scoring started at the (truncated) HE value: the step
  (y'PPy − tr P)/tr(PP) (REML), (y'PPy − Σw)/Σw² (ML), (Q(τ²)·k/(k − p) − k)/Σw (EB) is halved while it
  would make τ² negative; iteration stops when |Δτ²| <= 1e-5 (at most 100 steps). For REML/ML a τ² > 1e-5
  whose log-likelihood is below that at τ² = 0 by more than ε^¼ is replaced by 0 (metafor's ll0check).
  SE: sqrt(2/tr(PP)) (REML), sqrt(2/Σw²) (ML).
* PM (Paule-Mandel): the root of Q(τ²) = k − p on [0, 100] found by Brent's method (as R's uniroot) with metafor's
  tolerance ε^¼ (0 when Q(0) < k − p); an estimate above 100 is searched on a widened interval.
  PM and EB share metafor's SE sqrt(2k² / (k − p)) / Σw.
* FE/EE: tau² fixed at 0.
* ``test="t"`` uses t(k − p) instead of the normal; ``test="knha"`` (Knapp-Hartung) also multiplies
  Var(β̂) by s² = Q(τ̂²)/(k − p), the weighted residual sum of squares (0 when it is ~0, as metafor).

Everything is O(k·p²): P = W − W X (X'WX)⁻¹ X' W is never formed, so k = 10,000 is fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from db.errors import InputError
from extraction.choices import ESTIMATORS as METHODS  # noqa: E402
from extraction.choices import TESTS  # noqa: E402

_ALIASES = {"EE": "FE", "CE": "FE", "FIXED": "FE"}
TOL = 1e-5                 # metafor's threshold on the change in tau² between iterations
MAX_ITER = 100
ROOT_TOL = float(np.finfo(float).eps) ** 0.25  # metafor's uniroot tolerance (PM, Q-profile CIs)
LL0_TOL = ROOT_TOL
TAU2_MAX = 100.0


def normalise_method(method: str) -> str:
    """Upper-case method name with metafor's aliases (EE, CE -> FE); InputError if unknown."""
    m = str(method).strip().upper()
    m = _ALIASES.get(m, m)
    if m not in METHODS:
        raise InputError(f"unknown pooling method {method!r}; expected one of {', '.join(METHODS)}")
    return m


def normalise_test(test: str) -> str:
    """"z", "t" or "knha" (metafor's names; "hksj"/"kh" are accepted for knha); InputError otherwise."""
    t = str(test).strip().lower()
    t = {"hksj": "knha", "kh": "knha", "hk": "knha"}.get(t, t)
    if t not in TESTS:
        raise InputError(f"unknown test {test!r}; expected one of {', '.join(TESTS)}")
    return t


@dataclass(frozen=True)
class CoreFit:
    """Raw result of one (meta-)regression fit; all quantities on the analysis scale (e.g. Fisher z).

    ``vb`` already includes the Knapp-Hartung factor ``s2w`` when ``test == "knha"``; ``ddf`` is the
    t/F denominator df (k − p) for test "t"/"knha" and None for z tests.
    """

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
    test: str = "z"
    ddf: int | None = None
    s2w: float = 1.0


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
    """Weighted least squares pieces for weights w; gives the P-matrix traces without forming P.

    P = W − W X A X' W with A = (X'WX)⁻¹; for a diagonal D = diag(d) the traces below expand the
    products so that only p x p matrices appear.
    """

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

    def _ab(self, c: np.ndarray) -> np.ndarray:
        """A X' diag(c) X."""
        return self.A @ (self.X.T @ (self.X * c[:, None]))

    def tr_p(self) -> float:
        return self.tr_pd(np.ones_like(self.w))

    def tr_pp(self) -> float:
        return self.tr_pdpd(np.ones_like(self.w))

    def tr_pd(self, d: np.ndarray) -> float:
        """tr(P D)."""
        w = self.w
        return float(np.sum(w * d) - np.trace(self._ab(w**2 * d)))

    def tr_pdpd(self, d: np.ndarray) -> float:
        """tr(P D P D)."""
        w = self.w
        m = self._ab(w**2 * d)
        return float(np.sum((w * d) ** 2) - 2.0 * np.trace(self._ab(w**3 * d**2)) + np.trace(m @ m))

    def tr_pdp(self, d: np.ndarray) -> float:
        """tr(P D P)."""
        w = self.w
        return float(np.sum(w**2 * d) - 2.0 * np.trace(self._ab(w**3 * d))
                     + np.trace(self._ab(w**2 * d) @ self._ab(w**2)))


def _fe_parts(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> _Weighted:
    return _Weighted(y, X, 1.0 / v)


def _dl(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    k, p = X.shape
    fe = _fe_parts(y, v, X)
    tr_p = fe.tr_p()
    tau2 = max(0.0, (fe.q() - (k - p)) / tr_p) if tr_p > 0 else 0.0
    var = (2 * (k - p) + 4 * tau2 * tr_p + 2 * tau2**2 * fe.tr_pp()) / tr_p**2 if tr_p > 0 else np.nan
    return tau2, float(np.sqrt(var))


def _hs(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    k, p = X.shape
    fe = _fe_parts(y, v, X)
    sw = float(np.sum(fe.w))
    tau2 = max(0.0, (fe.q() - k) / sw)
    var = (2 * (k - p) + 4 * tau2 * fe.tr_p() + 2 * tau2**2 * fe.tr_pp()) / sw**2
    return tau2, float(np.sqrt(var))


def _he_raw(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[float, _Weighted]:
    k, p = X.shape
    ols = _Weighted(y, X, np.ones(k))
    return (ols.q() - ols.tr_pd(v)) / (k - p), ols


def _he(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    k, p = X.shape
    raw, ols = _he_raw(y, v, X)
    tau2 = max(0.0, raw)
    var = (2 * ols.tr_pdpd(v) + 4 * tau2 * ols.tr_pd(v) + 2 * tau2**2 * (k - p)) / (k - p) ** 2
    return tau2, float(np.sqrt(var))


def _sj(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[float, float]:
    k, p = X.shape
    tau0 = float(np.var(y))  # divisor k, as var(y) (k − 1) / k
    fit = _Weighted(y, X, 1.0 / (v + tau0))
    tau2 = max(0.0, tau0 * fit.q() / (k - p))
    var = tau0**2 / (k - p) ** 2 * (2 * fit.tr_pdpd(v) + 4 * tau2 * fit.tr_pdp(v) + 2 * tau2**2 * fit.tr_pp())
    return tau2, float(np.sqrt(var))


def _loglik(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float, reml: bool) -> float:
    """metafor's ll0check log-likelihood (without the constant log|X'X| term, which cancels)."""
    k, p = X.shape
    fit = _Weighted(y, X, 1.0 / (v + tau2))
    ll = -0.5 * float(np.sum(np.log(v + tau2))) - 0.5 * fit.q()
    if reml:
        ll -= 0.5 * float(np.linalg.slogdet(np.linalg.inv(fit.A))[1])
        ll -= 0.5 * (k - p) * np.log(2 * np.pi)
    else:
        ll -= 0.5 * k * np.log(2 * np.pi)
    return ll


def _scoring(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str) -> tuple[float, int, bool]:
    """Fisher scoring for the REML/ML/EB tau², as metafor iterates it (see the module docstring)."""
    k, p = X.shape
    tau2 = max(0.0, _he_raw(y, v, X)[0])
    converged, it = True, 0
    change = TOL + 1.0
    while change > TOL:
        it += 1
        old = tau2
        fit = _Weighted(y, X, 1.0 / (v + tau2))
        if method == "REML":
            adj = (fit.ypp_y() - fit.tr_p()) / fit.tr_pp()
        elif method == "ML":
            adj = (fit.ypp_y() - float(np.sum(fit.w))) / float(np.sum(fit.w**2))
        else:  # EB
            adj = (fit.q() * k / (k - p) - k) / float(np.sum(fit.w))
        if not np.isfinite(adj):
            adj = 0.0
        while tau2 + adj < 0:  # a negative step halves until it lands on [0, inf); -tiny/2 ends at -0.0
            adj /= 2.0
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if it > MAX_ITER:
            converged = False
            break
    if converged and method in ("REML", "ML") and tau2 > TOL:
        reml = method == "REML"
        if _loglik(y, v, X, 0.0, reml) - _loglik(y, v, X, tau2, reml) > LL0_TOL:
            tau2 = 0.0
    return max(0.0, tau2), it, converged


def q_at(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float) -> float:
    """The generalised Q: Σ w (y − Xβ̂)² with w = 1/(v + tau²) (metafor's .QE.func)."""
    return _Weighted(y, X, 1.0 / (v + tau2)).q()


def zeroin(f: Callable[[float], float], lower: float, upper: float, tol: float = ROOT_TOL,
           maxiter: int = 1000) -> float:
    """A root of f on [lower, upper] (signs must differ) by Brent's (1973) method, the variant of his
    ALGOL procedure ``zero`` that R's ``uniroot`` runs: bisection safeguarding secant/inverse quadratic
    steps, stopping when the bracket is below 2ε|b| + tol/2. Written out (not scipy's brentq) because
    metafor's bounds are only accurate to ``tol``, so the iterates themselves must be the same."""
    eps = float(np.finfo(float).eps)
    a, b = float(lower), float(upper)
    fa, fb = f(a), f(b)
    if fa == 0:
        return a
    if fb == 0:
        return b
    if fa * fb > 0:
        raise InputError("no sign change of the function on the search interval")
    c, fc = a, fa
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p, q = cb * t1, 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def root_q(y: np.ndarray, v: np.ndarray, X: np.ndarray, target: float, lower: float = 0.0,
           upper: float = TAU2_MAX) -> float:
    """The tau² on [lower, upper] where Q(tau²) = target (Q decreases in tau²), to metafor's uniroot
    tolerance; the interval is widened (x10) while Q(upper) is still above the target."""
    def excess(t: float) -> float:
        return q_at(y, v, X, t) - target

    while excess(upper) > 0:
        upper *= 10.0
        if upper > 1e12:
            raise InputError("tau² has no finite solution of Q(tau²) = target (the effects are too spread)")
    return zeroin(excess, lower, upper)


def _pm(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    k, p = X.shape
    if k - p <= 0 or q_at(y, v, X, 0.0) < k - p:
        return 0.0
    return root_q(y, v, X, k - p)


def _se_pm_eb(v: np.ndarray, tau2: float, k: int, p: int) -> float:
    sw = float(np.sum(1.0 / (v + tau2)))
    return float(np.sqrt(2.0 * k**2 / (k - p)) / sw)


def fit_core(yi: np.ndarray, vi: np.ndarray, X: np.ndarray | None = None, method: str = "REML",
             tau2: float | None = None, test: str = "z") -> CoreFit:
    """Fit ``yi ~ X`` with sampling variances ``vi`` and a common tau² (metafor's ``rma.uni``).

    X defaults to an intercept column. ``tau2`` fixes tau² (skips estimation). Needs k >= p;
    a singular design raises InputError. With k == p (e.g. one study) tau² is 0.
    ``test``: "z" (default), "t" or "knha" (see the module docstring).
    """
    method = normalise_method(method)
    test = normalise_test(test)
    y, v = validate(yi, vi)
    k = y.size
    if k == 1:
        test = "z"  # one study has no residual df for a t test: metafor switches to z as well
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
    elif method == "HS":
        t2, se_t2 = _hs(y, v, X)
    elif method == "HE":
        t2, se_t2 = _he(y, v, X)
    elif method == "SJ":
        t2, se_t2 = _sj(y, v, X)
    elif method in ("REML", "ML", "EB"):
        t2, iterations, converged = _scoring(y, v, X, method)
        fit = _Weighted(y, X, 1.0 / (v + t2))
        if method == "EB":
            se_t2 = _se_pm_eb(v, t2, k, p)
        else:
            info = fit.tr_pp() if method == "REML" else float(np.sum(fit.w**2))
            se_t2 = float(np.sqrt(2.0 / info)) if info > 0 else float("nan")
    else:  # PM
        t2 = _pm(y, v, X)
        se_t2 = _se_pm_eb(v, t2, k, p)
    fit = _Weighted(y, X, 1.0 / (v + t2))
    fe = _fe_parts(y, v, X)
    tr_p_fe = fe.tr_p()
    s2 = (k - p) / tr_p_fe if tr_p_fe > 0 and k > p else float("nan")
    vb, s2w, ddf = fit.A, 1.0, None
    if test != "z":
        ddf = k - p
        if test == "knha":
            rss = fit.q()
            s2w = 0.0 if rss <= float(np.finfo(float).eps) else rss / (k - p) if k > p else float("nan")
            vb = s2w * fit.A
    return CoreFit(method=method, k=k, p=p, beta=fit.beta, vb=vb, tau2=t2, se_tau2=se_t2,
                   qe=max(0.0, fe.q()), qe_df=k - p, s2_typical=s2, iterations=iterations, converged=converged,
                   test=test, ddf=ddf, s2w=s2w)


def generalised_q(yi: np.ndarray, vi: np.ndarray, tau2: float) -> float:
    """Σ w (y − μ̂)² with w = 1/(v + tau²) for an intercept-only model (used by PM and in tests)."""
    y, v = validate(yi, vi)
    w = 1.0 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))
