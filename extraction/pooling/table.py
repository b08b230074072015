"""Study tables for pooling: read CSV/XLSX, pick the effect-size columns, build the pooled report.

Columns default to metafor's names: ``ri``/``ni`` (correlation, sample size; ``r``/``n`` also accepted)
or ``yi``/``vi`` (any effect size and its sampling variance; reported on that scale unless the caller
says the yi are Fisher z values). `pool_report` takes arrays and returns a `PoolReport`, so the lead can wire a
review's own study table in without going through a file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from db.errors import InputError
from extraction.pooling.bias import EggerTest, egger_test, fsn_rosenthal
from extraction.pooling.confint import HeterogeneityCI, q_profile
from extraction.pooling.estimators import fit_core
from extraction.pooling.moderators import SubgroupAnalysis, categorical_moderator
from extraction.pooling.results import PoolResult, _clean, fisher_z, pool
from screening.importers.tabular_rows import check_workbook_file


def read_study_table(path: str | Path) -> pd.DataFrame:
    """A CSV (any delimiter pandas sniffs) or XLSX study table; InputError if unreadable or empty."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            check_workbook_file(path)  # a stray far cell or a compressed bomb would exhaust memory
            df = pd.read_excel(path)
        else:
            df = pd.read_csv(path, sep=None, engine="python")
    except FileNotFoundError as exc:
        raise InputError("file not found", file=str(path)) from exc
    except (OSError, ValueError, csv.Error, pd.errors.ParserError) as exc:
        raise InputError(f"cannot be read as a study table: {exc}", file=str(path)) from exc
    if df.empty:
        raise InputError("the study table has no rows", file=str(path))
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _pick(df: pd.DataFrame, given: str | None, defaults: tuple[str, ...]) -> str | None:
    if given:
        return given
    lower = {c.lower(): c for c in df.columns}
    for name in defaults:
        if name in lower:
            return lower[name]
    return None


def _numeric(df: pd.DataFrame, col: str, file: str) -> np.ndarray:
    if col not in df.columns:
        raise InputError(f"no column {col!r} (columns: {', '.join(df.columns)})", file=file)
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna() & df[col].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"column {col!r}: {df[col].iloc[row]!r} is not a number", file=file, line=row + 2)
    return values.to_numpy(dtype=float)


def correlation_input(df: pd.DataFrame, r: str | None = None, n: str | None = None, yi: str | None = None,
                      vi: str | None = None) -> bool:
    """True when `effect_sizes` would read correlations and sample sizes (then the yi are Fisher z)."""
    rc, nc = _pick(df, r, ("ri", "r")), _pick(df, n, ("ni", "n"))
    return bool(r or n) or (rc is not None and nc is not None and not (yi or vi))


def effect_sizes(df: pd.DataFrame, file: str = "", r: str | None = None, n: str | None = None,
                 yi: str | None = None, vi: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(yi, vi, kept-row mask): Fisher's z from ri/ni columns, or the yi/vi columns as they are. Rows with
    a missing value are dropped; impossible values raise InputError naming the column and line
    (header = line 1)."""
    if (r or n) and (yi or vi):
        raise InputError("give either --r/--n or --yi/--vi, not both")
    rc, nc = _pick(df, r, ("ri", "r")), _pick(df, n, ("ni", "n"))
    yc, vc = _pick(df, yi, ("yi",)), _pick(df, vi, ("vi",))
    use_r = correlation_input(df, r, n, yi, vi)
    if use_r:
        if rc is None or nc is None:
            raise InputError("need a correlation column and a sample-size column (ri/ni or r/n)", file=file)
        a, b = _numeric(df, rc, file), _numeric(df, nc, file)
    else:
        if yc is None or vc is None:
            raise InputError("no effect-size columns: expected ri/ni, r/n or yi/vi (or name them with "
                             "--r/--n or --yi/--vi)", file=file)
        a, b = _numeric(df, yc, file), _numeric(df, vc, file)
    keep = np.isfinite(a) & np.isfinite(b)
    for i in np.flatnonzero(keep):
        if use_r and not -1 < a[i] < 1:
            raise InputError(f"column {rc!r}: correlation {a[i]} is not strictly between -1 and 1",
                             file=file, line=int(i) + 2)
        if use_r and b[i] <= 3:
            raise InputError(f"column {nc!r}: sample size {b[i]:g} must be greater than 3", file=file,
                             line=int(i) + 2)
        if not use_r and b[i] <= 0:
            raise InputError(f"column {vc!r}: sampling variance {b[i]} must be positive", file=file,
                             line=int(i) + 2)
    if keep.sum() == 0:
        raise InputError("no study has both an effect size and its sample size/variance", file=file)
    if use_r:
        y, v = fisher_z(a[keep], b[keep])
    else:
        y, v = a[keep], b[keep]
    return y, v, keep


@dataclass(frozen=True)
class PoolReport:
    """The pooled analysis the CLI prints and the Analysis screen shows: the pooled result, Q-profile CIs of
    the heterogeneity (None for one study or an FE fit), Rosenthal's fail-safe N, Egger's test (None with
    fewer than 3 studies) and, when grouped ``by`` a moderator, the subgroup analysis. ``back_transform``:
    the yi are Fisher z values (``*_r`` fields via tanh)."""

    pooled: PoolResult
    confint: HeterogeneityCI | None
    fsn_rosenthal: int
    egger: EggerTest | None
    subgroups: SubgroupAnalysis | None = None
    by: str | None = None
    back_transform: bool = True

    def to_json(self) -> dict[str, Any]:
        """The pooled result's fields, then confint, fsn_rosenthal, egger and (grouped) by, the separate and
        common-tau² fits per level and the moderator tests (JSON-ready, NaN -> None)."""
        out = self.pooled.to_json()
        out["confint"] = self.confint.to_json() if self.confint is not None else None
        out["fsn_rosenthal"] = self.fsn_rosenthal
        out["egger"] = self.egger.to_json() if self.egger is not None else None
        if self.subgroups is not None:
            d = self.subgroups.to_json(back_transform=self.back_transform)
            out["by"] = self.by
            out["subgroups"] = {lev: s["separate"] for lev, s in d["subgroups"].items()}
            out["subgroups_common_tau2"] = {lev: s["common_tau2"] for lev, s in d["subgroups"].items()}
            out.update(qm=d["qm"], qm_df=d["qm_df"], qm_p=d["qm_p"], q_between=d["q_between"],
                       q_between_df=d["q_between_df"], q_between_p=d["q_between_p"])
        return _clean(out)


def pool_report(yi: np.ndarray, vi: np.ndarray, method: str = "REML", groups: Any = None,
                by: str | None = None, test: str = "z", back_transform: bool = True) -> PoolReport:
    """Pool ``yi``/``vi`` into a `PoolReport` (with ``groups``, one level per study: the subgroup analysis
    ``by`` that moderator). ``back_transform``: the yi are Fisher z values; False keeps the input scale."""
    res = pool(yi, vi, method=method, test=test, back_transform=back_transform)
    ci = None
    if res.k > 1 and res.method != "FE":
        ci = q_profile(yi, vi, fit_core(yi, vi, method=method, test=test))
    egger = egger_test(yi, vi, method=method) if len(yi) >= 3 else None
    sub = None
    if groups is not None:
        sub = categorical_moderator(yi, vi, groups, name=by or "group", method=method, test=test,
                                    back_transform=back_transform)
    return PoolReport(res, ci, int(fsn_rosenthal(yi, vi)["fsn"]), egger, sub, by, back_transform)
