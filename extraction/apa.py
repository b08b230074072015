"""Numbers as a reader of a report expects them (APA 7th edition style), one formatter for the CLI's text,
the desktop screens and the plots; ``--json`` output keeps full precision and never goes through here.

- p values: three decimals without a leading zero, ``p = .032``; below .001 ``p < .001``; at .9995 and above
  ``p > .999`` (a p value is never shown as 1). `p_value` gives ``"p = .032"``, `p_cell` gives ``".032"`` /
  ``"< .001"`` for a table column headed p.
- Statistics bounded by 1 (r, rho, ICC, kappa): no leading zero, ``.31`` / ``-.25``, by default 2 decimals.
- Other statistics (z, Q, tau²): a leading zero, fixed decimals; ``-0.00`` is shown as ``0.00``.
- Percentages (I², R², weights): `percent`, one decimal, ``45.3%``.
- Counts: thousands separators, ``12,345``.
Missing values (None, NaN) are shown as an em dash.
"""

from __future__ import annotations

import math

MISSING = "—"


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def number(x: float | None, nd: int = 2) -> str:
    """A statistic with a leading zero and ``nd`` decimals (``-0.00`` as ``0.00``)."""
    if _missing(x):
        return MISSING
    text = f"{x:.{nd}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def bounded(x: float | None, nd: int = 2) -> str:
    """A statistic that cannot exceed 1 in size (r, kappa, ICC): no leading zero, ``.31``, ``-.25``."""
    text = number(x, nd)
    if text == MISSING:
        return text
    if text.startswith(("0.", "-0.")):
        text = text.replace("0.", ".", 1)
    return text


def p_cell(p: float | None) -> str:
    """A p value for a column headed p: ``.032``, ``< .001``, ``> .999``."""
    if p is None or math.isnan(p):
        return MISSING
    if p < 0.001:
        return "< .001"
    if p >= 0.9995:
        return "> .999"
    return f"{p:.3f}".lstrip("0")


def p_value(p: float | None) -> str:
    """A p value in running text: ``p = .032``, ``p < .001``, ``p > .999``."""
    cell = p_cell(p)
    if cell == MISSING:
        return f"p {MISSING}"
    return f"p {cell}" if cell.startswith(("<", ">")) else f"p = {cell}"


def percent(x: float | None, nd: int = 1) -> str:
    """A percentage (I², R²): ``45.3%`` (``nd`` decimals)."""
    text = number(x, nd)
    return text if text == MISSING else f"{text}%"


def count(n: int | None) -> str:
    """A count with thousands separators."""
    return MISSING if n is None else f"{int(n):,}"


def interval(pair: tuple[float, float] | list[float] | None, nd: int = 2, *, is_bounded: bool = True) -> str:
    """``[.12, .45]`` (bounded statistics) or ``[0.12, 0.45]``."""
    if not pair or _missing(pair[0]) or _missing(pair[1]):
        return MISSING
    fmt = bounded if is_bounded else number
    return f"[{fmt(pair[0], nd)}, {fmt(pair[1], nd)}]"
