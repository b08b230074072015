"""Background work for the import screen: preview a file, import the checked files (core calls only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from db.engine import ReviewDB
from db.progress import Progress, ShouldStop, never_stop, no_progress
from screening.importers import SourceFile
from screening.importers.tabular import ColumnInfo, inspect_columns
from screening.importing import BatchSummary, ImportSpec, Refused, already_imported, import_good_files, preview

TABULAR_FORMATS = frozenset({"csv", "xlsx", "xls", "tabular"})
"""Formats whose columns can be mapped by hand (the column-mapping dialog)."""


@dataclass
class PendingFile:
    """A file chosen for import: what detection found, and what the person changed."""

    path: Path
    state: str = "checking"  # checking | ready | error | imported | duplicate (imported before, by hash)
    format: str = ""
    format_label: str = ""
    confidence: float | None = None
    detected_db: str = ""
    tool: str = ""  # the screening tool or reference manager the file came through (never its database)
    source_db: str = ""  # the person's override ("" = use detected)
    columns: ColumnInfo | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # explicit {field: header} over the automatic map
    message: str = ""
    records: int | None = None
    candidates: list[tuple[str, str, float]] = field(default_factory=list)  # formats that may fit (unsure)
    forced_format: str = ""  # the format the person chose

    @property
    def database(self) -> str:
        return self.source_db or self.detected_db or "unknown"

    @property
    def tabular(self) -> bool:
        return self.format in TABULAR_FORMATS


@dataclass(frozen=True)
class Preview:
    format: str
    format_label: str
    confidence: float
    source_db: str
    columns: ColumnInfo | None
    already: str = ""  # "imported as batch 3 (file, date)" when the review holds these exact bytes
    tool: str = ""  # the screening tool or reference manager the file's clues name


def previewer(path: Path, db: ReviewDB | None = None, format: str | None = None, *,
              progress: Progress = no_progress) -> Preview:
    """Detect (or, with ``format``, read as that format) and say whether ``db`` already holds the file."""
    progress(0, 1, f"reading {path.name}")
    det = preview(path, format=format or None)
    columns = inspect_columns(SourceFile(path)) if det.importer.name in TABULAR_FORMATS else None
    already = already_imported(db, path) if db is not None else ""
    return Preview(det.importer.name, det.importer.label, det.confidence, det.source_db or "", columns, already,
                   det.tool or "")


def importer_work(db: ReviewDB, files: list[PendingFile], who: str, *, progress: Progress = no_progress,
                  should_stop: ShouldStop = never_stop) -> tuple[list[BatchSummary], list[Refused]]:
    """Import ``files`` each in its own transaction, with its own database, format and column mapping: the
    good ones land, the refused ones are listed (`screening.importing.import_good_files`)."""
    specs = [ImportSpec(f.path, f.source_db or None, f.forced_format or None,
                        {"mapping": f.mapping} if f.mapping else None) for f in files]
    return import_good_files(db, specs, who=who, progress=progress, should_stop=should_stop)
