"""Models of the shared-samples screen: open suggestions and the samples made of several reports."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from gui.compare import show
from gui.listmodel import ListTableModel
from gui.theme import strength_color

RECORD_FIELDS = ("title", "authors", "year", "journal", "pub_type", "source_db", "doi", "abstract")


def _label(rec: dict[str, Any]) -> str:
    first = show((rec.get("authors") or [""])[0]).split(",")[0]
    return f"#{rec.get('id')} {first} {rec.get('year') or ''}".strip()


def suggestions_model(parent: QWidget | None = None) -> ListTableModel:
    """One row per open suggestion: strength, the two reports, the evidence in brief."""
    return ListTableModel([
        ("Strength", lambda s: s.strength),
        ("Reports", lambda s: " · ".join(_label(r) for r in s.records)),
        ("Evidence", lambda s: "; ".join(e["detail"] for e in s.evidence)),
    ], parent, background=lambda s: strength_color(s.strength, parent),
        tooltip=lambda s: "\n".join(e["detail"] for e in s.evidence))


def duplicate_groups_model(parent: QWidget | None = None) -> ListTableModel:
    """One row per duplicate group: its kept record, the number of copies (records), the copies."""
    return ListTableModel([
        ("Record", lambda g: f"#{g.ids[0]}"),
        ("Copies", lambda g: len(g.ids)),
        ("Records", lambda g: " · ".join(_label(r) for r in g.records)),
    ], parent, tooltip=lambda g: "\n".join(show(r.get("title")) for r in g.records))


def joined_model(parent: QWidget | None = None) -> ListTableModel:
    """One row per sample of two or more reports (confirmed links and duplicate groups)."""
    return ListTableModel([
        ("Sample", lambda g: f"#{g.ids[0]}"),
        ("Reports", lambda g: g.reports),
        ("Records", lambda g: " · ".join(_label(r) for r in g.records)),
    ], parent, tooltip=lambda g: "\n".join(show(r.get("title")) for r in g.records))
