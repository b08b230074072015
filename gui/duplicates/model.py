"""Models of the duplicates screen: the review queue and the groups (short lists, loaded whole)."""

from __future__ import annotations

from typing import Any

from gui.compare import show
from gui.listmodel import ListTableModel


def _field(entry: dict[str, Any], name: str, side: int) -> str:
    for f in entry["fields"]:
        if f["field"] == name:
            return f["a" if side == 0 else "b"]
    return ""


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def queue_model(parent=None) -> ListTableModel:  # noqa: ANN001 - Qt parent
    """One row per pending pair: ids, score, the title, what differs (databases and reasons in the tooltip)."""
    return ListTableModel([
        ("Pair", lambda e: f"#{e['ids'][0]} · #{e['ids'][1]}"),
        ("Score", lambda e: round(e["score"], 2) if e["score"] is not None else ""),
        ("Title", lambda e: _short(_field(e, "title", 0) or _field(e, "title", 1))),
        ("Differs in", lambda e: ", ".join(f for f in e["differs"] if f not in ("source_db", "source_id"))),
    ], parent, tooltip=lambda e: f"{_field(e, 'source_db', 0)} / {_field(e, 'source_db', 1)}: "
       + "; ".join(e["reasons"]))


def groups_model(parent=None) -> ListTableModel:  # noqa: ANN001 - Qt parent
    """One row per duplicate group: its records, databases and the kept (lowest-id) record's title."""
    return ListTableModel([
        ("Kept", lambda g: f"#{g.ids[0]}"),
        ("Records", lambda g: len(g.ids)),
        ("Databases", lambda g: ", ".join(sorted({show(r["source_db"]) for r in g.records}))),
        ("Title", lambda g: _short(show(g.records[0]["title"]) if g.records else "")),
    ], parent, tooltip=lambda g: "Records " + ", ".join(f"#{i}" for i in g.ids))
