"""Recomputing p from a test statistic and checking the reported p against it, the way statcheck does.

The statistic is taken as reported, so rounded: a value printed with k decimals stands for the interval
``value ± 0.5·10^-k``, which gives an interval of p. A reported ``p = x`` (printed with m decimals) is
consistent when some p in that interval rounds to it (``x ± 0.5·10^-m`` overlaps); ``p < x`` when the
smallest p in it is below x; ``p > x`` when the largest is above x. A *decision error* is an inconsistency
that changes significance at alpha = .05 (a reported p of exactly .05 counts as significant, as statcheck's
default does). r(df) is tested as t = r·sqrt(df / (1 - r²)), z two-sided, chi² and F upper-tailed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALPHA = 0.05


@dataclass(frozen=True)
class PCheck:
    computed: float
    """p from the statistic as printed (two-sided for t, r and z)."""
    consistent: bool
    decision_error: bool

    def to_json(self) -> dict[str, object]:
        return {"computed_p": self.computed, "consistent": self.consistent, "decision_error": self.decision_error}


def _decimals(text: str) -> int:
    """Decimal places as printed (``.030`` -> 3; ``.5e-3`` -> 4)."""
    from decimal import Decimal, InvalidOperation

    try:
        exponent = Decimal(text.strip()).as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(0, -exponent) if isinstance(exponent, int) else 0


def p_of(kind: str, value: float, df1: float | None, df2: float | None) -> float | None:
    """The p of a statistic, or None when it cannot be computed (missing df, impossible value)."""
    from scipy import stats

    try:
        if kind == "t" and df1:
            return float(2 * stats.t.sf(abs(value), df1))
        if kind == "F" and df1 and df2 and value >= 0:
            return float(stats.f.sf(value, df1, df2))
        if kind == "r" and df1 and abs(value) < 1:
            t = value * math.sqrt(df1 / (1 - value * value))
            return float(2 * stats.t.sf(abs(t), df1))
        if kind == "r" and df1 and abs(value) == 1:
            return 0.0
        if kind in ("chi2", "Q") and df1 and value >= 0:
            return float(stats.chi2.sf(value, df1))
        if kind == "z":
            return float(2 * stats.norm.sf(abs(value)))
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return None


def check(kind: str, value_text: str, df1: float | None, df2: float | None, p_op: str, p_text: str
          ) -> PCheck | None:
    """The check of one reported result (see the module docstring), or None when p cannot be recomputed."""
    value = float(value_text)
    computed = p_of(kind, value, df1, df2)
    if computed is None:
        return None
    half = 0.5 * 10 ** -_decimals(value_text)
    a, b = abs(value) - half, abs(value) + half
    if kind == "r":
        a, b = max(a, 0.0), min(b, 0.999999999)
    ends = [e for e in (p_of(kind, max(x, 0.0), df1, df2) for x in (a, b)) if e is not None]
    if len(ends) < 2:
        return None
    lo, hi = min(ends), max(ends)
    p = float(p_text)
    if p_op == "=":
        ph = 0.5 * 10 ** -_decimals(p_text)
        ok = lo <= p + ph and hi >= p - ph
    elif p_op in ("<", "≤"):
        ok = lo < p or (p_op == "≤" and lo <= p)
    else:  # > or ≥
        ok = hi > p or (p_op == "≥" and hi >= p)
    computed_sig = computed < ALPHA
    if p_op in ("=", "<", "≤"):
        decision = not ok and (p <= ALPHA) != computed_sig
    else:  # "p > .05" reports non-significance; "p > .01" reports nothing at .05
        decision = not ok and p >= ALPHA and computed_sig
    return PCheck(computed=computed, consistent=ok, decision_error=decision)
