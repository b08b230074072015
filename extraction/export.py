"""``metasift export``: a review's records, effect sizes, study table and decision log as CSV or XLSX,
and its included records as RIS.

Spreadsheet safety (OWASP "CSV injection"): text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is never a formula. In CSV it is written with a leading single quote; in XLSX it is
stored as a text cell (never a formula cell) carrying Excel's quote-prefix flag, which is how Excel
itself keeps a typed ``'=...`` as text. Real numbers (including negative ones) stay numbers.

Deterministic: a fixed column order and sorting, floats written with Python's shortest round-trip
repr, ``\\n`` line ends, UTF-8 with a BOM (so Excel reads it as UTF-8). The date of the export appears
only in the XLSX summary sheet. Files are written to a temporary file beside the target and renamed,
so a failed export leaves no half-written file.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from db.engine import ReviewDB
from db.errors import InputError
from extraction.coding import CodingSettings, settings
from extraction.export_frames import decisions_frame, effects_frame, records_frame
from extraction.study_table import study_table

LEVELS = ("records", "effects", "studies", "decisions")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_risky(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula."""
    return text.startswith(FORMULA_START)


def safe_text(text: str) -> str:
    """``text`` with a leading single quote when a spreadsheet could read it as a formula."""
    return "'" + text if is_risky(text) else text


def plain(value: Any) -> Any:
    """A cell as a Python value: numpy scalars unwrapped, NaN / NA / infinities as None."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@contextmanager
def atomic_path(out: Path, suffix: str = ""):  # noqa: ANN201 - generator context manager
    """A temporary path beside ``out``; renamed to ``out`` when the block succeeds, removed otherwise."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=suffix or ".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def frame_for(db: ReviewDB, level: str, *, rho: float | None = None, method: str | None = None,
              by: str | Sequence[str] | None = None, cfg: CodingSettings | None = None) -> pd.DataFrame:
    """The table of one export level (``cfg``: the review's settings, read once by the caller)."""
    if level == "records":
        return records_frame(db, cfg=cfg)
    if level == "effects":
        return effects_frame(db, cfg=cfg)
    if level == "studies":
        return study_table(db, rho=rho, method=method, by=by, cfg=cfg)
    if level == "decisions":
        return decisions_frame(db)
    raise InputError(f"unknown export level {level!r}; expected one of {', '.join(LEVELS)} (or included for RIS)")


def _csv_cell(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, float):
        return repr(value)  # shortest round-trip text: identical bytes on every export
    return value


def write_csv(frame: pd.DataFrame, out: Path) -> None:
    """``frame`` as a spreadsheet-safe CSV at ``out`` (atomically)."""
    safe = pd.DataFrame({c: [_csv_cell(v) for v in frame[c]] for c in frame.columns}, columns=frame.columns,
                        dtype=object)
    with atomic_path(out, ".csv") as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")


def export(db: ReviewDB, out: str | Path, level: str = "studies", *, rho: float | None = None,
           method: str | None = None, by: str | Sequence[str] | None = None,
           now: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Export ``level`` to ``out``: ``.csv`` (that level), ``.xlsx`` (every level, ``level`` first, plus
    codebook and summary sheets) or ``.ris`` (level ``included``: the included records).

    ``rho`` / ``method`` / ``by`` shape the study table (defaults: the protocol's, .50 composite).
    Returns what was written: file, format, level, rows per sheet.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    cfg = settings(db)
    rho = cfg.rho if rho is None else rho
    method = cfg.method if method is None else method
    if suffix == ".ris":
        from extraction.export_ris import write_ris

        if level not in ("included", "records"):
            raise InputError(f"RIS holds records: use --level included, not {level!r}")
        n = write_ris(db, out)
        return {"file": str(out), "format": "ris", "level": "included", "rows": {"included": n}}
    if suffix == ".r":  # the study table plus a metafor script reproducing the analysis (issue 15)
        from extraction.export_r import write_r_script

        return write_r_script(db, out, rho=rho, aggregation=method)
    if level not in LEVELS:
        raise InputError(f"unknown export level {level!r}; expected one of {', '.join(LEVELS)}")
    if suffix == ".csv":
        frame = frame_for(db, level, rho=rho, method=method, by=by, cfg=cfg)
        write_csv(frame, out)
        return {"file": str(out), "format": "csv", "level": level, "rows": {level: len(frame)}}
    if suffix in (".xlsx", ".xlsm"):
        from extraction.export_xlsx import write_xlsx

        order = [level, *(x for x in LEVELS if x != level)]
        frames = {lv: frame_for(db, lv, rho=rho, method=method, by=by, cfg=cfg) for lv in order}
        write_xlsx(db, frames, out, rho=rho, method=method, by=by, now=now, cfg=cfg)
        return {"file": str(out), "format": "xlsx", "level": level,
                "rows": {lv: len(f) for lv, f in frames.items()}}
    raise InputError(f"cannot export to {out.name!r}: the file name must end in .xlsx, .csv or .ris "
                     "(or .R for a metafor script)")
