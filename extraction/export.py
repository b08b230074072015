"""``metasift export``: a review's records, effect sizes, study table and decision log as CSV or XLSX,
and its included records as RIS.

Spreadsheet safety (OWASP "CSV injection"): text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is never a formula. In CSV it is written with a leading single quote; in XLSX it is
stored as a text cell (never a formula cell) carrying Excel's quote-prefix flag, which is how Excel
itself keeps a typed ``'=...`` as text. Real numbers (including negative ones) stay numbers.

Deterministic: a fixed column order and sorting, floats written with Python's shortest round-trip
repr, ``\\n`` line ends, UTF-8 with a BOM (so Excel reads it as UTF-8). The date of the export appears
only in the XLSX summary sheet. Files are written through `extraction.atomic_write.atomic_path` (a
temporary file beside the target, renamed when complete; umask modes; plain messages for OS errors).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from db.engine import ReviewDB
from db.errors import InputError
from extraction.atomic_write import atomic_path
from extraction.choices import LEVELS  # noqa: E402
from extraction.coding import CodingSettings, settings
from extraction.export_frames import Table, decisions_table, effects_frame, records_table
from extraction.study_table import study_table

if TYPE_CHECKING:
    from extraction.export_r import RScriptExport

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


def frame_table(frame: pd.DataFrame) -> Table:
    """A DataFrame as an export `Table` (its rows in order)."""
    return Table(tuple(str(c) for c in frame.columns), lambda: frame.itertuples(index=False, name=None))


def table_for(db: ReviewDB, level: str, *, rho: float | None = None, method: str | None = None,
              by: str | Sequence[str] | None = None, cfg: CodingSettings | None = None) -> Table:
    """The table of one export level (records and decisions stream from the database in chunks; ``cfg``: the
    review's settings, read once by the caller)."""
    if level == "records":
        return records_table(db, cfg=cfg)
    if level == "effects":
        return frame_table(effects_frame(db, cfg=cfg))
    if level == "studies":
        return frame_table(study_table(db, rho=rho, method=method, by=by, cfg=cfg))
    if level == "decisions":
        return decisions_table(db)
    raise InputError(f"unknown export level {level!r}; expected one of {', '.join(LEVELS)} (or included for RIS)")


def _csv_cell(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, float):
        return repr(value)  # shortest round-trip text: identical bytes on every export
    return "" if value is None else value


_RISKY = frozenset(FORMULA_START)


def _csv_cells(row: Sequence[Any]) -> list[Any]:
    """`_csv_cell` of every value, text and integers (most cells of a records export) without a call each."""
    return [("'" + v if v[:1] in _RISKY else v) if type(v) is str else v if type(v) is int
            else "" if v is None else _csv_cell(v) for v in row]


def write_csv(table: Table | pd.DataFrame, out: Path) -> int:
    """``table`` as a spreadsheet-safe CSV at ``out`` (atomically, row by row); returns the number of rows."""
    if isinstance(table, pd.DataFrame):
        table = frame_table(table)
    n = 0
    with atomic_path(out, ".csv") as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(table.columns)
        rows = table.rows()
        while True:  # a thousand rows per writerows call
            chunk = [_csv_cells(row) for row in islice(rows, 1000)]
            if not chunk:
                break
            writer.writerows(chunk)
            n += len(chunk)
    return n


@dataclass(frozen=True)
class ExportInfo:
    """What `export` wrote: the file, its format (csv, xlsx, ris), the level and the rows per sheet."""

    file: str
    format: str
    level: str
    rows: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "format": self.format, "level": self.level, "rows": dict(self.rows)}


def export(db: ReviewDB, out: str | Path, level: str = "studies", *, rho: float | None = None,
           method: str | None = None, by: str | Sequence[str] | None = None,
           now: Callable[[], Any] | None = None) -> ExportInfo | RScriptExport:
    """Export ``level`` to ``out``: ``.csv`` (that level), ``.xlsx`` (every level, ``level`` first, plus
    codebook and summary sheets), ``.ris`` (level ``included``: the included records) or ``.R`` (the study table
    and a metafor script: `extraction.export_r.RScriptExport`).

    ``rho`` / ``method`` / ``by`` shape the study table (defaults: the protocol's, .50 composite). Returns what
    was written: file, format, level, rows per sheet. Records and decisions are streamed (memory does not grow
    with the review); the XLSX is streamed by XlsxWriter (`extraction.export_xlsx`).
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
        return ExportInfo(str(out), "ris", "included", {"included": n})
    if suffix == ".r":  # the study table plus a metafor script reproducing the analysis (issue 15)
        from extraction.export_r import write_r_script

        return write_r_script(db, out, rho=rho, aggregation=method, cfg=cfg)
    if level not in LEVELS:
        raise InputError(f"unknown export level {level!r}; expected one of {', '.join(LEVELS)}")
    if suffix == ".csv":
        n = write_csv(table_for(db, level, rho=rho, method=method, by=by, cfg=cfg), out)
        return ExportInfo(str(out), "csv", level, {level: n})
    if suffix in (".xlsx", ".xlsm"):
        from extraction.export_xlsx import write_xlsx

        order = [level, *(x for x in LEVELS if x != level)]
        tables = {lv: table_for(db, lv, rho=rho, method=method, by=by, cfg=cfg) for lv in order}
        rows = write_xlsx(db, tables, out, rho=rho, method=method, by=by, now=now, cfg=cfg)
        return ExportInfo(str(out), "xlsx", level, rows)
    raise InputError(f"cannot export to {out.name!r}: the file name must end in .xlsx, .csv or .ris "
                     "(or .R for a metafor script)")
