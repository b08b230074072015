"""Models of the duplicates screen: the review queue (one row per cluster) and the groups (short lists,
loaded whole)."""

from __future__ import annotations

from gui.compare import show
from gui.duplicates.actions import QueueRow
from gui.listmodel import ListTableModel


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def queue_model(parent=None) -> ListTableModel:  # noqa: ANN001 - Qt parent
    """One row per cluster of the queue (one decision each): its records, best score, title, what differs
    (the pairs' reasons in the tooltip)."""
    def title(e: QueueRow) -> str:
        cl = e.cluster
        return _short(next((v for v in (cl.record(i)["title"] for i in cl.ids) if v), ""))

    return ListTableModel([
        ("Records", lambda e: " · ".join(f"#{i}" for i in e.cluster.ids)),
        ("Score", lambda e: round(e.cluster.score, 2) if e.cluster.score is not None else ""),
        ("Title", title),
        ("Differs in", lambda e: ", ".join(f for f in e.cluster.differing() if f not in ("source_db", "source_id"))),
    ], parent, tooltip=lambda e: "\n".join(f"#{p.ids[0]} / #{p.ids[1]}: " + "; ".join(p.reasons)
                                           for p in e.cluster.pairs))


def groups_model(parent=None) -> ListTableModel:  # noqa: ANN001 - Qt parent
    """One row per duplicate group: its records, databases and the kept (lowest-id) record's title."""
    return ListTableModel([
        ("Kept", lambda g: f"#{g.ids[0]}"),
        ("Records", lambda g: len(g.ids)),
        ("Databases", lambda g: ", ".join(sorted({show(r["source_db"]) for r in g.records}))),
        ("Title", lambda g: _short(show(g.records[0]["title"]) if g.records else "")),
    ], parent, tooltip=lambda g: "Records " + ", ".join(f"#{i}" for i in g.ids))
