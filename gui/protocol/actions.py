"""Background work of the Protocol screen and the wizard (core calls only; run off the GUI thread)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from db import protocol_store
from db.engine import ReviewDB
from db.errors import InputError
from db.progress import Progress, no_progress
from extraction.protocol_check import store_protocol
from screening.review_protocol import VersionInfo, current_protocol


@dataclass
class Snapshot:
    """What the Protocol screen shows: the current version (None: the bundled protocol), its text and data,
    and the history (newest first)."""

    version: int | None
    text: str
    data: dict[str, Any]
    stored: VersionInfo | None
    history: list[VersionInfo] = field(default_factory=list)


def snapshot(db: ReviewDB, *, progress: Progress = no_progress) -> Snapshot:
    import tomllib

    progress(0, 1, "reading the protocol")
    cur = current_protocol(db)
    rows = protocol_store.versions(db)
    history = [VersionInfo.of(r, cur.version) for r in reversed(rows)]
    stored = next((h for h in history if h.version == cur.version), None)
    return Snapshot(cur.version, cur.text, tomllib.loads(cur.text), stored, history)


def save(db: ReviewDB, text: str, who: str, summary: str, where: str = "the edited protocol",
         base: int | None | Literal["any"] = "any", *, progress: Progress = no_progress) -> VersionInfo:
    """Store an edited protocol (``base``: the version the edit began from; see `store_protocol`)."""
    progress(0, 1, "storing the protocol as a new version")
    row = store_protocol(db, text, who, summary, where=where, base=base)
    return VersionInfo.of(row, row.version)


def import_file(db: ReviewDB, path: str, who: str, summary: str, *, progress: Progress = no_progress
                ) -> VersionInfo:
    progress(0, 1, f"reading {path}")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}", file=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start}): a protocol is a TOML text file", file=path) from exc
    return save(db, text, who, summary or f"imported from {Path(path).name}", where=path)


def export(db: ReviewDB, path: str, *, progress: Progress = no_progress) -> str:
    from extraction.atomic_write import atomic_path

    progress(0, 1, f"writing {path}")
    text = current_protocol(db).text
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
