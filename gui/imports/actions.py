"""Background work for the import screen: preview a file, import the checked files (core calls only)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.engine import ReviewDB
from db.progress import Progress, ShouldStop, check_stop, never_stop, no_progress, sub_progress
from screening.importers import SourceFile
from screening.importers.tabular import ColumnInfo, inspect_columns
from screening.importing import BatchSummary, import_files, preview

TABULAR_FORMATS = frozenset({"csv", "xlsx", "xls", "tabular"})
"""Formats whose columns can be mapped by hand (the column-mapping dialog)."""


@dataclass
class PendingFile:
    """A file chosen for import: what detection found, and what the person changed."""

    path: Path
    state: str = "checking"  # checking | ready | error | imported
    format: str = ""
    format_label: str = ""
    confidence: float | None = None
    detected_db: str = ""
    source_db: str = ""  # the person's override ("" = use detected)
    columns: ColumnInfo | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # explicit {field: header} over the automatic map
    message: str = ""
    records: int | None = None

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


def previewer(path: Path, *, progress: Progress = no_progress) -> Preview:
    progress(0, 1, f"reading {path.name}")
    det = preview(path)
    columns = inspect_columns(SourceFile(path)) if det.importer.name in TABULAR_FORMATS else None
    return Preview(det.importer.name, det.importer.label, det.confidence, det.source_db or "", columns)


def import_groups(files: list[PendingFile]) -> list[tuple[str | None, dict[str, Any] | None, list[PendingFile]]]:
    """Files sharing a database override and column mapping are imported in one transaction together."""
    groups: dict[tuple[str, str], list[PendingFile]] = {}
    for f in files:
        groups.setdefault((f.source_db, json.dumps(f.mapping, sort_keys=True)), []).append(f)
    return [(db_name or None, {"mapping": json.loads(m)} if m != "{}" else None, fs)
            for (db_name, m), fs in groups.items()]


def importer_work(db: ReviewDB, files: list[PendingFile], who: str, *, progress: Progress = no_progress,
                  should_stop: ShouldStop = never_stop) -> list[BatchSummary]:
    """Import ``files``; each group (see `import_groups`) lands whole or not at all."""
    groups = import_groups(files)
    out: list[BatchSummary] = []
    scale = 1000
    for k, (source_db, options, fs) in enumerate(groups):
        check_stop(should_stop)
        part = sub_progress(progress, scale * k // len(groups), scale * (k + 1) // len(groups), scale)
        out += import_files(db, [f.path for f in fs], source_db=source_db, options=options, who=who,
                            progress=part, should_stop=should_stop)
    return out
