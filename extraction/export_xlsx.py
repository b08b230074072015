"""The XLSX export: one sheet per level (the chosen one first and active), a ``codebook`` sheet and a
``summary`` sheet. Frozen header rows, column widths from the content, numbers stored as numbers, and
text a spreadsheet could read as a formula stored as quote-prefixed text (see ``extraction.export``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from db.engine import APP_VERSION, ReviewDB
from extraction import export_frames, study_table
from extraction.coding import CodingSettings, settings
from extraction.export import atomic_path, is_risky, plain

MAX_WIDTH = 60
BOLD = Font(bold=True)


def _put(ws: Worksheet, row: int, col: int, value: Any) -> int:
    """Write one cell; returns its display length (for the column width)."""
    value = plain(value)
    cell = ws.cell(row=row, column=col)
    if isinstance(value, bool):
        value = str(value).lower()
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if is_risky(value):
            cell.quotePrefix = True
        return max((len(line) for line in value.splitlines()), default=0)
    cell.value = value
    return len(f"{value:.6g}" if isinstance(value, float) else str(value)) if value is not None else 0


def write_sheet(ws: Worksheet, frame: pd.DataFrame) -> None:
    """``frame`` into ``ws``: bold frozen header, cells by type, sensible widths."""
    widths = []
    for j, col in enumerate(frame.columns, start=1):
        widths.append(_put(ws, 1, j, str(col)))
        ws.cell(row=1, column=j).font = BOLD
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(values, start=1):
            length = _put(ws, i, j, value)
            if i < 1000 and length > widths[j - 1]:
                widths[j - 1] = length
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(MAX_WIDTH, max(8, w + 2))
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(1, len(frame) + 1)}"


def codebook_frame(db: ReviewDB, frames: Mapping[str, pd.DataFrame], *,
                   cfg: CodingSettings | None = None) -> pd.DataFrame:
    """Every exported column: the codebook's fields first (with allowed values), then the others."""
    rows = [dict(r) for r in (cfg or settings(db)).codebook.describe()]
    for r in rows:
        r["sheets"] = ", ".join(lv for lv, f in frames.items() if r["column"] in f.columns)
    known = {r["column"] for r in rows}
    meanings = {**export_frames.COLUMN_MEANINGS, **study_table.COLUMN_MEANINGS}
    for frame in frames.values():
        for col in frame.columns:
            if col in known:
                continue
            known.add(col)
            meaning = meanings.get(col) or (f"screening outcome at {col}" if col in ("title_abstract", "full_text")
                                            else "exclusion reason at that stage" if col.endswith("_reason")
                                            else "")
            rows.append({"column": col, "meaning": meaning, "allowed values": "", "required": "",
                         "sheets": ", ".join(x for x, f in frames.items() if col in f.columns)})
    return pd.DataFrame(rows, columns=["column", "meaning", "allowed values", "required", "sheets"])


def summary_frame(db: ReviewDB, frames: Mapping[str, pd.DataFrame], *, rho: float, method: str,
                  by: str | Sequence[str] | None, when: datetime) -> pd.DataFrame:
    """Counts and settings of the export as setting/value rows."""
    recs, eff, studies, dec = (frames.get(k, pd.DataFrame()) for k in ("records", "effects", "studies",
                                                                       "decisions"))
    review = db.review()
    items: list[tuple[str, Any]] = [
        ("review", review.title), ("protocol", review.protocol_name or "alliance-outcome (default)"),
        ("MetaSift version", APP_VERSION), ("exported at (UTC)", when.strftime("%Y-%m-%d %H:%M:%S")),
        ("records", len(recs))]
    if "outcome" in recs:
        for state in ("included", "excluded", "conflict", "pending"):
            items.append((f"records {state}", int((recs["outcome"] == state).sum())))
    items += [("effect sizes (current)", len(eff)),
              ("coders", ", ".join(sorted(set(eff["coder"]))) if "coder" in eff else ""),
              ("independent samples in the study table", len(studies)),
              ("samples with unreconciled double coding",
               int((studies["flags"].fillna("") != "").sum()) if "flags" in studies else 0),
              ("screening decisions (log rows)", len(dec)),
              ("aggregation method", method), ("rho (assumed correlation between outcomes)", rho),
              ("aggregated per moderator", ", ".join([by] if isinstance(by, str) else list(by or [])) or "no"),
              ("effect size metric", "Fisher z (yi) with variance 1/(n - 3) (vi)")]
    return pd.DataFrame(items, columns=["setting", "value"])


def write_xlsx(db: ReviewDB, frames: Mapping[str, pd.DataFrame], out: Path, *, rho: float, method: str,
               by: str | Sequence[str] | None = None, now: Callable[[], datetime] | None = None,
               cfg: CodingSettings | None = None) -> None:
    """The workbook: the level sheets in ``frames`` order (the first one active), codebook, summary."""
    wb = Workbook()
    first = wb.active
    for level, frame in frames.items():
        write_sheet(wb.create_sheet(level), frame)
    wb.remove(first)
    write_sheet(wb.create_sheet("codebook"), codebook_frame(db, frames, cfg=cfg))
    when = (now or (lambda: datetime.now(UTC)))()
    write_sheet(wb.create_sheet("summary"), summary_frame(db, frames, rho=rho, method=method, by=by, when=when))
    wb.active = 0
    with atomic_path(out, ".xlsx") as tmp:
        wb.save(tmp)
