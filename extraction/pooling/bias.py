"""Publication-bias diagnostics with metafor's conventions.

* `fsn_rosenthal`: Stouffer sum of the z tests (yi/sqrt(vi)), one-tailed alpha (default .05):
  N = ceil(max(0, (Σz / z_{1−α})² − k)).
* `fsn_orwin`: N = ceil(k (ȳ − target) / target), ȳ the inverse-variance weighted mean when vi are given
  (the plain mean otherwise); target defaults to ȳ / 2 (so N = k).
* `egger_test`: metafor's ``regtest()`` default, the mixed-effects model ``yi ~ sei`` fitted with the
  same tau² method: z test of the sei slope and the intercept as the limit estimate (sei -> 0).
* `trim_and_fill`: Duval & Tweedie's iterative L0 / R0 estimators; the side is chosen as metafor does
  (the sign of the sei slope in ``yi ~ sei``: negative -> studies missing on the right); the filled
  values are 2·μ̂ − y of the k0 most extreme studies, μ̂ from the trimmed fit; the final model is refitted
  to the augmented data with the same method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from db.errors import InputError
from extraction.pooling.estimators import fit_core, normalise_method, validate
from extraction.pooling.moderators import MetaRegression, continuous_moderator, meta_regression
from extraction.pooling.results import PoolResult, _clean, summarise


def _ceil(x: float) -> int:
    # round first so that 16.000000000000004 is 16, as the exact arithmetic would give
    return int(math.ceil(round(x, 9)))


def fsn_rosenthal(yi: np.ndarray, vi: np.ndarray, alpha: float = 0.05) -> dict[str, float]:
    """Rosenthal's fail-safe N; returns {"fsn", "p" (one-tailed Stouffer p), "alpha"}."""
    y, v = validate(yi, vi)
    zsum = float(np.sum(y / np.sqrt(v)))
    k = y.size
    p = float(stats.norm.sf(zsum / math.sqrt(k)))
    n = max(0.0, (zsum / stats.norm.isf(alpha)) ** 2 - k)
    return {"fsn": _ceil(n), "p": p, "alpha": alpha}


def fsn_orwin(yi: np.ndarray, vi: np.ndarray | None = None, target: float | None = None) -> dict[str, float]:
    """Orwin's fail-safe N; returns {"fsn", "mean", "target"}."""
    y = np.asarray(yi, dtype=float).ravel()
    if vi is not None:
        y, v = validate(y, vi)
        mean = float(np.sum(y / v) / np.sum(1.0 / v))
    else:
        mean = float(np.mean(y))
    target = mean / 2.0 if target is None else float(target)
    if target == 0 or np.sign(target) != np.sign(mean):
        return {"fsn": 0, "mean": mean, "target": target}
    return {"fsn": max(0, _ceil(y.size * (mean - target) / target)), "mean": mean, "target": target}


@dataclass(frozen=True)
class EggerTest:
    z: float
    p: float
    slope: float
    limit_estimate: float
    limit_ci: tuple[float, float]
    method: str

    def to_json(self) -> dict[str, Any]:
        return _clean({"z": self.z, "p": self.p, "slope": self.slope, "limit_estimate": self.limit_estimate,
                       "limit_ci": self.limit_ci, "model": "mixed-effects meta-regression",
                       "predictor": "sei", "method": self.method})


def egger_test(yi: np.ndarray, vi: np.ndarray, method: str = "REML") -> EggerTest:
    """metafor's ``regtest(res)`` with model="rma", predictor="sei" (needs k >= 3)."""
    y, v = validate(yi, vi)
    if y.size < 3:
        raise InputError("Egger's test needs at least 3 studies")
    X = np.column_stack([np.ones(y.size), np.sqrt(v)])
    reg = meta_regression(y, v, X, ["intrcpt", "sei"], method=method)
    s, b0 = reg.coef("sei"), reg.coef("intrcpt")
    return EggerTest(s.z, s.p, s.estimate, b0.estimate, b0.ci, reg.method)


@dataclass(frozen=True)
class TrimFill:
    k0: int
    side: str
    estimator: str
    filled_yi: np.ndarray
    filled_vi: np.ndarray
    result: PoolResult  # the model refitted to observed + filled studies

    def to_json(self) -> dict[str, Any]:
        return _clean({"k0": self.k0, "side": self.side, "estimator": self.estimator,
                       "filled_yi": [float(x) for x in self.filled_yi],
                       "filled_vi": [float(x) for x in self.filled_vi], "result": self.result.to_json()})


def _side(y: np.ndarray, v: np.ndarray, method: str) -> str:
    X = np.column_stack([np.ones(y.size), np.sqrt(v)])
    slope = float(fit_core(y, v, X, method=method).beta[1])
    return "right" if slope < 0 else "left"


def trim_and_fill(yi: np.ndarray, vi: np.ndarray, method: str = "REML", estimator: str = "L0",
                  side: str | None = None, back_transform: bool = True, max_iter: int = 100) -> TrimFill:
    """Trim-and-fill (metafor's ``trimfill``); ``side`` is "left"/"right" or chosen automatically."""
    method = normalise_method(method)
    y0, v0 = validate(yi, vi)
    estimator = estimator.upper()
    if estimator not in ("L0", "R0"):
        raise InputError(f"unknown trim-and-fill estimator {estimator!r}; expected L0 or R0")
    k = y0.size
    if k < 3:
        raise InputError("trim-and-fill needs at least 3 studies")
    side = side or _side(y0, v0, method)
    if side not in ("left", "right"):
        raise InputError(f"side must be 'left' or 'right', not {side!r}")
    # Work with missing studies on the left: flip the sign when they are missing on the right.
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * y0, kind="stable")
    y, v = sign * y0[order], v0[order]
    k0, previous, beta = 0, -1, 0.0
    for _ in range(max_iter):
        if k0 == previous:
            break
        previous = k0
        beta = float(fit_core(y[: k - k0], v[: k - k0], method=method).beta[0])
        dev = y - beta
        ranks = np.empty(k)
        ranks[np.argsort(np.abs(dev), kind="stable")] = np.arange(1, k + 1)
        signed = np.sign(dev) * ranks
        if estimator == "L0":
            sr = float(np.sum(signed[signed > 0]))
            est = (4 * sr - k * (k + 1)) / (2 * k - 1)
        else:
            neg = signed[signed < 0]
            est = (k - float(np.max(-neg)) if neg.size else k) - 1
        k0 = max(0, int(np.round(est)))  # R rounds half to even, as numpy does
        k0 = min(k0, k - 1)
    fill_y = sign * (2 * beta - y[k - k0:]) if k0 else np.empty(0)
    fill_v = v[k - k0:] if k0 else np.empty(0)
    all_y, all_v = np.concatenate([y0, fill_y]), np.concatenate([v0, fill_v])
    res = summarise(fit_core(all_y, all_v, method=method), all_v, back_transform=back_transform)
    return TrimFill(k0, side, estimator, fill_y, fill_v, res)


def effect_vs(yi: np.ndarray, vi: np.ndarray, x: np.ndarray, name: str,
              method: str = "REML") -> MetaRegression:
    """Relation of effect size to a study characteristic (e.g. sample size or year): meta-regression."""
    return continuous_moderator(yi, vi, x, name=name, method=method)
