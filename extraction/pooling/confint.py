"""Q-profile confidence intervals for tau², tau, I² and H² (metafor's ``confint(res)`` for ``rma.uni``).

The bounds are the tau² values where the generalised Q statistic Q(tau²) (decreasing in tau²) crosses
the chi²(k − p) quantiles: the lower bound solves Q = χ²_{1−α/2}, the upper Q = χ²_{α/2}
(Viechtbauer 2007). Search interval [0, max(100, 10 taû²)] with Brent's method at metafor's tolerance
ε^¼; a bound that does not cross inside it is the interval end (0 or the maximum), and when even Q(0)
is below the lower quantile both bounds are 0 (the interval is the null set; ``ci_null`` is True).
tau = sqrt(tau²); I² = 100 tau²/(s² + tau²) and H² = tau²/s² + 1 with metafor's typical variance s².
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from db.errors import InputError
from extraction.pooling.estimators import CoreFit, q_at, root_q, validate
from extraction.pooling.results import _clean, heterogeneity


@dataclass(frozen=True)
class HeterogeneityCI:
    level: float
    tau2: tuple[float, float, float]   # estimate, lower, upper
    tau: tuple[float, float, float]
    i2: tuple[float, float, float]     # percent
    h2: tuple[float, float, float]
    ci_null: bool

    def to_json(self) -> dict[str, Any]:
        return _clean({"level": self.level, "type": "Q-profile", "tau2": self.tau2, "tau": self.tau,
                       "i2": self.i2, "h2": self.h2, "ci_null": self.ci_null})


def q_profile(yi: np.ndarray, vi: np.ndarray, core: CoreFit, X: np.ndarray | None = None,
              level: float = 0.95) -> HeterogeneityCI:
    """Q-profile CIs for the heterogeneity of the fitted model ``core`` (same yi, vi and X)."""
    y, v = validate(yi, vi)
    k = y.size
    X = np.ones((k, 1)) if X is None else np.asarray(X, dtype=float).reshape(k, -1)
    df = k - X.shape[1]
    if df <= 0:
        raise InputError("a confidence interval for tau² needs more studies than coefficients")
    if not 0 < level < 1:
        raise InputError(f"level must lie between 0 and 1, got {level}")
    alpha = 1 - level
    crit_u = float(stats.chi2.isf(alpha / 2, df))
    crit_l = float(stats.chi2.ppf(alpha / 2, df))
    lo_end, hi_end = 0.0, max(100.0, core.tau2 * 10)
    q_lo, q_hi = q_at(y, v, X, lo_end), q_at(y, v, X, hi_end)
    ci_null = False
    if q_lo < crit_l:
        lb = ub = lo_end
        ci_null = True
    else:
        ub = hi_end if q_hi > crit_l else root_q(y, v, X, crit_l, lo_end, hi_end)
        if q_hi > crit_u:
            lb = ub = hi_end
        elif q_lo < crit_u:
            lb = lo_end
        else:
            lb = root_q(y, v, X, crit_u, lo_end, hi_end)
    s2 = core.s2_typical
    i2, h2 = heterogeneity(core)

    def i2_of(t: float) -> float:
        return 100 * t / (s2 + t)

    return HeterogeneityCI(level, (core.tau2, lb, ub), (math.sqrt(core.tau2), math.sqrt(lb), math.sqrt(ub)),
                           (i2, i2_of(lb), i2_of(ub)), (h2, lb / s2 + 1, ub / s2 + 1), ci_null)
