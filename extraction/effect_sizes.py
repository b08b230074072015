"""Exact conversions of reported statistics to the correlation r, and Fisher's z.

Sources: Borenstein, Hedges, Higgins & Rothstein (2009), *Introduction to Meta-Analysis*, ch. 6-7
(r <-> z, d -> r, log odds ratio -> d); Lipsey & Wilson (2001), *Practical Meta-Analysis*, appendix B
(r from t, F(1, df), chi-square(1), a z test statistic (r = z/sqrt(N)) and an exact p). A chi-square
with more than 1 df has no single r and is refused unless its 2 x 2 table is given (then r is the
phi coefficient of the table, (ad − bc)/sqrt((a+b)(c+d)(a+c)(b+d))). All functions are pure; bad input raises
`db.errors.InputError` with a message saying what was expected.

Sign convention: statistics that carry a sign (t, d, ln OR, z, r) keep it; F, chi-square and p carry
none, so the coder's ``direction`` (+1 or -1) gives it. ``direction`` multiplies every result, so a coder
can also reverse a signed statistic whose scale runs the other way (e.g. symptoms, where lower is
better).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

from db.errors import InputError

STATISTICS: dict[str, str] = {
    "r": "correlation coefficient",
    "t": "t statistic (df = n - 2 for a correlation or two independent groups)",
    "F": "F(1, df) statistic",
    "d": "standardized mean difference (Cohen's d)",
    "chi2": "chi-square with 1 degree of freedom (2 x 2 table)",
    "p": "exact p value with the total N",
    "or": "odds ratio",
    "z": "Fisher's z (r = tanh z)",
    "ztest": "z test statistic with the total N (r = z / sqrt(N))",
}


@dataclass(frozen=True)
class Conversion:
    """The result of a conversion: r, Fisher's z, its variance (None without n) and how it was made.

    ``z`` is +-inf when |r| == 1 (Fisher's z is unbounded there).
    """

    r: float
    z: float
    var_z: float | None
    method: str


def _number(value: object, name: str) -> float:
    """A finite float from ``value`` or an InputError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise InputError(f"{name} must be a finite number, got {value!r}")
    return x


def _df(df: object, name: str = "df") -> float:
    x = _number(df, name)
    if x <= 0:
        raise InputError(f"{name} must be > 0, got {df!r}")
    return x


def _whole(n: object, name: str, minimum: int) -> int:
    x = _number(n, name)
    if x != int(x):
        raise InputError(f"{name} must be a whole number, got {n!r}")
    if x < minimum:
        raise InputError(f"{name} must be >= {minimum}, got {n!r}")
    return int(x)


def _direction(direction: object) -> int:
    if isinstance(direction, bool) or direction not in (1, -1):
        raise InputError(f"direction must be +1 or -1, got {direction!r}")
    return int(direction)


def _r_over_hypot(x: float, c: float) -> float:
    """x / sqrt(x² + c) without overflow for large |x| (c > 0)."""
    return x / math.hypot(x, math.sqrt(c))


def fisher_z(r: float) -> float:
    """Fisher's z = atanh(r) = ½ ln((1 + r)/(1 − r)) (Borenstein et al. 2009, eq. 6.2).

    |r| == 1 gives +-inf; |r| > 1 is refused.
    """
    r = _number(r, "r")
    if abs(r) > 1:
        raise InputError(f"r must lie in [-1, 1], got {r!r}")
    if abs(r) == 1:
        return math.copysign(math.inf, r)
    return math.atanh(r)


def var_z(n: int) -> float:
    """Variance of Fisher's z, 1/(n − 3) (Borenstein et al. 2009, eq. 6.3); n is the total N, n >= 4."""
    return 1.0 / (_whole(n, "n", 4) - 3)


def r_from_z(z: float) -> float:
    """r = tanh(z), the inverse of Fisher's transformation (Borenstein et al. 2009, eq. 6.4)."""
    return math.tanh(_number(z, "z"))


def r_from_t(t: float, df: float) -> float:
    """r = t / sqrt(t² + df), sign of t (Lipsey & Wilson 2001, table B10). df > 0."""
    return _r_over_hypot(_number(t, "t"), _df(df))


def r_from_f(f: float, df: float, direction: int = 1, df1: float = 1) -> float:
    """r = ±sqrt(F / (F + df)) for F(1, df) (Lipsey & Wilson 2001, table B10); the sign is ``direction``.

    F with a numerator df other than 1 compares more than two groups and has no single r: refused.
    """
    f = _number(f, "F")
    if _number(df1, "numerator df") != 1:
        raise InputError(f"F({df1:g}, df) has no single correlation: only F with 1 numerator degree "
                         "of freedom (two groups or one predictor) converts to r")
    if f < 0:
        raise InputError(f"F must be >= 0, got {f!r}")
    df = _df(df)
    return _direction(direction) * math.sqrt(f / (f + df))


def r_from_d(d: float, n1: int | None = None, n2: int | None = None) -> float:
    """r = d / sqrt(d² + a), a = (n1 + n2)² / (n1·n2) (Borenstein et al. 2009, eq. 7.5).

    Without both group sizes a = 4 (equal groups).
    """
    d = _number(d, "d")
    if (n1 is None) != (n2 is None):
        raise InputError("give both group sizes n1 and n2, or neither (equal groups assumed)")
    if n1 is None or n2 is None:
        a = 4.0
    else:
        g1, g2 = _whole(n1, "n1", 1), _whole(n2, "n2", 1)
        a = (g1 + g2) ** 2 / (g1 * g2)
    return _r_over_hypot(d, a)


def d_from_or(odds_ratio: float) -> float:
    """d = ln(OR)·√3/π, the logit method (Borenstein et al. 2009, eq. 7.1). OR > 0."""
    o = _number(odds_ratio, "odds ratio")
    if o <= 0:
        raise InputError(f"an odds ratio must be > 0, got {odds_ratio!r}")
    return math.log(o) * math.sqrt(3) / math.pi


def r_from_chi2(chi2: float, n: int, direction: int = 1) -> float:
    """r (phi) = ±sqrt(χ²/N) for a chi-square with 1 df (Lipsey & Wilson 2001, table B10).

    0 <= χ² <= N is required (phi² = χ²/N cannot exceed 1); the sign is ``direction``.
    """
    chi2 = _number(chi2, "chi-square")
    n = _whole(n, "n", 1)
    if chi2 < 0:
        raise InputError(f"chi-square must be >= 0, got {chi2!r}")
    if chi2 > n:
        raise InputError(f"chi-square(1) = {chi2:g} exceeds N = {n}: phi would be > 1; check both values")
    return _direction(direction) * math.sqrt(chi2 / n)


def r_from_ztest(z: float, n: int) -> float:
    """r = z / sqrt(N) for a standard-normal test statistic z with total N (Rosenthal 1991; Lipsey &
    Wilson 2001, appendix B). Keeps the sign of z; |z| > sqrt(N) (|r| > 1) is refused."""
    z = _number(z, "z")
    n = _whole(n, "n", 1)
    if z * z > n:
        raise InputError(f"z = {z:g} with N = {n} gives |r| > 1; check both values")
    return z / math.sqrt(n)


def phi_from_table(a: float, b: float, c: float, d: float) -> float:
    """The phi coefficient of a 2 x 2 table [[a, b], [c, d]]: (ad − bc)/sqrt((a+b)(c+d)(a+c)(b+d)).

    Positive when the first row has relatively more in the first column. Counts >= 0; a table with
    an empty row or column has no phi and is refused."""
    cells = [_number(x, "2 x 2 table cell") for x in (a, b, c, d)]
    if any(x < 0 for x in cells):
        raise InputError(f"2 x 2 table cells must be counts >= 0, got {cells}")
    a, b, c, d = cells
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins == 0:
        raise InputError("the 2 x 2 table has an empty row or column: phi is undefined")
    return (a * d - b * c) / math.sqrt(margins)


def r_from_p(p: float, n: int, tails: int = 2, direction: int = 1) -> float:
    """r from an exact p with total N: |t| = t⁻¹(1 − p/2; N − 2), then r = t/sqrt(t² + N − 2).

    A one-tailed p is doubled first (it must then be <= 1). The sign is ``direction``.
    Source: Lipsey & Wilson (2001), appendix B (exact p -> t -> r). p in (0, 1], N >= 3.
    """
    p = _number(p, "p")
    n = _whole(n, "n", 3)
    if tails not in (1, 2) or isinstance(tails, bool):
        raise InputError(f"tails must be 1 or 2, got {tails!r}")
    if not 0 < p <= 1:
        raise InputError(f"p must lie in (0, 1], got {p!r}")
    p2 = 2 * p if tails == 1 else p
    if p2 > 1:
        raise InputError(f"a one-tailed p of {p:g} (> .5) points the other way: give the two-tailed p "
                         "and the direction instead")
    df = n - 2
    from scipy import stats  # imported here: scipy.stats takes seconds to load, and only p needs it

    t = float(stats.t.isf(p2 / 2, df))  # = t.ppf(1 - p/2, df), exact for tiny p
    r = 1.0 if math.isinf(t) else _r_over_hypot(t, df)
    return _direction(direction) * r


def convert(statistic: str, value: float, *, df: float | tuple[float, float] | None = None,
            n: int | None = None, n1: int | None = None, n2: int | None = None, tails: int = 2,
            direction: int = 1, table: tuple[float, float, float, float] | None = None) -> Conversion:
    """Convert a reported statistic to r, z = atanh(r) and var_z = 1/(n − 3) (None when n is unknown).

    ``statistic`` is one of `STATISTICS`. ``df``: for t and F the (denominator) df; F also accepts
    ``(df1, df2)``; without df, n − 2 is used; chi2 takes df = 1 only, unless ``table`` (a, b, c, d) gives
    its 2 x 2 table (then r is the table's phi and n its total). ``n`` is the total sample size (n1 + n2
    when only the group sizes are given). ``tails`` concerns p only. ``direction`` (+1/-1) multiplies
    the result.
    """
    if not isinstance(statistic, str):
        raise InputError(f"statistic must be a name, got {statistic!r}")
    key = {"f": "F", "chi": "chi2", "chisq": "chi2", "x2": "chi2"}.get(statistic.strip().lower(),
                                                                       statistic.strip().lower())
    if key not in STATISTICS:
        raise InputError(f"unknown statistic {statistic!r}; expected one of {', '.join(STATISTICS)}")
    sign = _direction(direction)
    if tails not in (1, 2) or isinstance(tails, bool):
        raise InputError(f"tails must be 1 or 2, got {tails!r}")
    if n is not None:
        n = _whole(n, "n", 4)
    if n1 is not None or n2 is not None:
        if n1 is None or n2 is None:
            raise InputError("give both group sizes n1 and n2, or neither")
        total = _whole(n1, "n1", 1) + _whole(n2, "n2", 1)
        if n is not None and n != total:
            raise InputError(f"n = {n} but n1 + n2 = {total}")
        n = total
    df1: float = 1
    if table is not None:
        if key != "chi2":
            raise InputError("a 2 x 2 table is accepted for chi2 only")
        if len(table) != 4:
            raise InputError(f"a 2 x 2 table has 4 cells (a, b, c, d), got {len(table)}")
    if isinstance(df, tuple):
        if key != "F" or len(df) != 2:
            raise InputError("a pair of degrees of freedom (df1, df2) is accepted for F only")
        df1, df = df
    if df is None and key in ("t", "F"):
        if n is None:
            raise InputError(f"{key} needs its degrees of freedom (df) or the sample size n")
        df = n - 2

    value_name = {"or": "odds ratio", "chi2": "chi-square"}.get(key, key)
    _number(value, value_name)
    if key == "r":
        r = _number(value, "r")
        if abs(r) > 1:
            raise InputError(f"r must lie in [-1, 1], got {value!r}")
        method = "r as reported"
    elif key == "t":
        r = r_from_t(value, df)  # type: ignore[arg-type]
        method = f"r = t / sqrt(t^2 + df), df = {df:g}"
    elif key == "F":
        r = r_from_f(value, df, 1, df1)  # type: ignore[arg-type]
        method = f"r = sqrt(F / (F + df)), F(1, {df:g}), sign from direction"
    elif key == "d":
        r = r_from_d(value, n1, n2)
        method = "r = d / sqrt(d^2 + a), " + ("a = (n1 + n2)^2 / (n1 n2)" if n1 is not None else "a = 4")
    elif key == "chi2":
        chi_df = 1.0 if df is None else _df(df)
        if table is not None:
            r = phi_from_table(*table)
            cells = float(sum(table))
            if n is not None and n != cells:
                raise InputError(f"n = {n} but the 2 x 2 table holds {cells:g}")
            n = _whole(cells, "the 2 x 2 table's total", 4)
            method = "r = phi of the 2 x 2 table (ad - bc) / sqrt((a+b)(c+d)(a+c)(b+d))"
        elif chi_df != 1:
            raise InputError(f"chi-square({chi_df:g}) = {value:g} has no single correlation: only a chi-square "
                             "with 1 df (a 2 x 2 table) converts to r; give the 2 x 2 table (a, b, c, d) "
                             "to compute phi, or code a statistic for a two-group comparison")
        else:
            if n is None:
                raise InputError("chi-square needs the total sample size n")
            r = r_from_chi2(value, n)
            method = "r = sqrt(chi2 / N), sign from direction"
    elif key == "ztest":
        if n is None:
            raise InputError("a z test statistic needs the total sample size n")
        r = r_from_ztest(value, n)
        method = "r = z / sqrt(N) (z test statistic)"
    elif key == "p":
        if n is None:
            raise InputError("p needs the total sample size n")
        r = r_from_p(value, n, tails)
        method = f"{tails}-tailed p -> t with df = N - 2 -> r, sign from direction"
    elif key == "or":
        r = r_from_d(d_from_or(value), n1, n2)
        method = "d = ln(OR) sqrt(3) / pi, then r = d / sqrt(d^2 + a)"
    else:
        r = r_from_z(value)
        method = "r = tanh(z)"
    r = sign * r + 0.0  # + 0.0 turns -0.0 into 0.0
    if sign < 0 and key not in ("F", "chi2", "p"):
        method += "; sign reversed by the coder"
    return Conversion(r=r, z=fisher_z(r), var_z=None if n is None else var_z(n), method=method)
