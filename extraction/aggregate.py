"""One effect per independent sample: aggregation of dependent correlations.

Two methods, both with an assumed correlation ρ between a sample's outcome measures (the alliance
meta-analysis of Horvath et al. 2011 used ρ = .50, after Wampold et al. 1997):

``composite`` (default) — Hunter & Schmidt (2004, ch. 10, pp. 435-438): the correlation of the alliance
with the unit-weighted composite of the k outcome measures,

    r_agg = Σ r_i / sqrt(k + k(k − 1)ρ),

which is the mean r divided by sqrt(1/k + (k − 1)ρ/k) (the same scalar composite formula psychmeta's
``composite_r_scalar`` documents). This is the method R's ``MAc::agg(id, r, n, cor = .50)``
documents ("Hunter and Schmidt's (2004) approach ... chapter 10"), which the alliance meta-analysis
used. n is the mean of the rows' n rounded to a whole number as MAc's ``agg`` does it, with R's
``round``: halves go to the even neighbour (24.5 -> 24, 40.5 -> 40, 12.5 -> 12, 13.5 -> 14).
var_z = 1/(n − 3).
The composite exceeds |1| when the assumed ρ is too low for the observed correlations (the implied
correlation matrix is impossible); that is refused with a message.

``mean`` — Borenstein, Hedges, Higgins & Rothstein (2009, ch. 24, "Multiple outcomes or
time-points within a study"): the mean of the Fisher z values, z̄ = Σ z_i / m, with variance
(1/m)² (Σ V_i + Σ_{i≠j} ρ sqrt(V_i V_j)), V_i = 1/(n_i − 3); r = tanh(z̄). n is again the rounded mean n.

A sample with a single effect passes through unchanged (r, n as given; z = atanh(r), var_z = 1/(n − 3)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from db.errors import InputError
from extraction.choices import AGGREGATION_METHODS as METHODS  # noqa: E402

OUTPUT_COLUMNS = ("r", "n", "k", "z", "var_z")


def composite_r(rs: Sequence[float], rho: float) -> float:
    """Hunter & Schmidt's unit-weighted composite: Σr / sqrt(k + k(k − 1)ρ). May exceed 1 (see module)."""
    k = len(rs)
    return sum(rs) / math.sqrt(k + k * (k - 1) * rho)


def mean_z(rs: Sequence[float], ns: Sequence[int], rho: float) -> tuple[float, float]:
    """Borenstein et al.'s mean of correlated Fisher z values: (z̄, var z̄); each |r| < 1, n >= 4."""
    m = len(rs)
    zs = [math.atanh(r) for r in rs]
    vs = [1.0 / (n - 3) for n in ns]
    root_sum = sum(math.sqrt(v) for v in vs)
    cross = root_sum ** 2 - sum(vs)  # Σ_{i≠j} sqrt(V_i V_j)
    return sum(zs) / m, (sum(vs) + rho * cross) / m ** 2


def round_like_r(x: float) -> int:
    """R's ``round(x)``: the nearest whole number, an exact half to the even one (24.5 -> 24, 13.5 -> 14).

    Python's ``round`` follows the same IEC 60559 rule; the mean of whole numbers is exact for a half.
    """
    return int(round(x))


def _key(value: Any) -> str | None:
    """A grouping label from a cell, always text: 7, 7.0 and " 7" all give "7"; missing gives None.

    Text labels keep ids from a CSV (all text) and an Excel sheet (numbers or text) comparable.
    """
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _number_cell(value: Any, col: str, line: int, source: str | None) -> float:
    text = value.strip() if isinstance(value, str) else value
    if text is None or text == "" or (isinstance(text, float) and math.isnan(text)):
        raise InputError(f"column {col!r} is empty", file=source, line=line)
    try:
        x = float(text)
    except (TypeError, ValueError):
        raise InputError(f"column {col!r}: {value!r} is not a number", file=source, line=line) from None
    if not math.isfinite(x):
        raise InputError(f"column {col!r}: {value!r} is not a finite number", file=source, line=line)
    return x


def aggregate(df: pd.DataFrame, id_col: str, r_col: str, n_col: str, rho: float = 0.5,
              method: str = "composite", by: str | Sequence[str] | None = None, *,
              source: str | None = None) -> pd.DataFrame:
    """Reduce ``df`` to one correlation per sample (``id_col``), or per sample and ``by`` level(s).

    Returns a DataFrame with columns ``id`` and the ``by`` columns (as text), then ``r``, ``n``
    (whole), ``k`` (rows aggregated), ``z`` and ``var_z``, one row per group in order of first
    appearance. Cells may be numbers or text ("0.3"). Bad values raise `InputError` naming
    ``source``, the column and the line (row position + 2: line 1 is the header, as in the CSV or
    Excel sheet).
    """
    by_cols = [by] if isinstance(by, str) else list(by or [])
    for col in [id_col, r_col, n_col, *by_cols]:
        if col not in df.columns:
            have = ", ".join(map(str, df.columns)) or "none"
            raise InputError(f"no column {col!r} (the columns are: {have})", file=source)
    clash = [c for c in by_cols if c in ("id", *OUTPUT_COLUMNS)]
    if clash:
        raise InputError(f"a --by column may not be named {clash[0]!r} (an output column)", file=source)
    if method not in METHODS:
        raise InputError(f"unknown aggregation method {method!r}; expected one of {', '.join(METHODS)}")
    if isinstance(rho, bool) or not isinstance(rho, int | float) or not 0 <= rho <= 1:
        raise InputError(f"rho (the assumed correlation between outcome measures) must lie in [0, 1], "
                         f"got {rho!r}")

    groups: dict[tuple[str | None, ...], list[tuple[float, int, int]]] = {}
    for pos, row in enumerate(df[[id_col, r_col, n_col, *by_cols]].itertuples(index=False, name=None)):
        line = pos + 2
        sample = _key(row[0])
        if sample is None:
            raise InputError(f"column {id_col!r} (the sample id) is empty", file=source, line=line)
        r = _number_cell(row[1], r_col, line, source)
        if abs(r) >= 1:
            raise InputError(f"column {r_col!r}: r = {r:g} must lie strictly between -1 and 1",
                             file=source, line=line)
        n = _number_cell(row[2], n_col, line, source)
        if not n.is_integer() or n < 4:
            raise InputError(f"column {n_col!r}: n = {row[2]!r} must be a whole number >= 4",
                             file=source, line=line)
        key = (sample, *(_key(v) for v in row[3:]))
        groups.setdefault(key, []).append((r, int(n), line))

    out: list[dict[str, Any]] = []
    for key, items in groups.items():
        rs = [r for r, _, _ in items]
        ns = [n for _, n, _ in items]
        k = len(items)
        n_out = ns[0] if k == 1 else round_like_r(sum(ns) / k)
        if k == 1:
            r_out, z_out, v_out = rs[0], math.atanh(rs[0]), 1.0 / (ns[0] - 3)
        elif method == "composite":
            r_out = composite_r(rs, rho)
            if abs(r_out) >= 1:
                lines = ", ".join(str(line) for _, _, line in items)
                raise InputError(
                    f"sample {key[0]!r}: the composite r = {r_out:.3f} of {k} correlations is not a "
                    f"correlation: rho = {rho:g} is too low for these values (lines {lines}); raise "
                    "rho or use the mean method", file=source)
            z_out, v_out = math.atanh(r_out), 1.0 / (n_out - 3)
        else:
            z_out, v_out = mean_z(rs, ns, rho)
            r_out = math.tanh(z_out)
        row_out: dict[str, Any] = {"id": key[0]}
        row_out.update(zip(by_cols, key[1:], strict=True))
        row_out.update({"r": r_out, "n": n_out, "k": k, "z": z_out, "var_z": v_out})
        out.append(row_out)
    return pd.DataFrame(out, columns=["id", *by_cols, *OUTPUT_COLUMNS])
