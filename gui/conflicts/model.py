"""Models of the conflicts & agreement screen: short lists, loaded whole (`ListTableModel`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from gui.conflicts.actions import ConflictRow
from gui.listmodel import ListTableModel
from screening.agreement import CATEGORIES, PairAgreement
from screening.protocol import STAGE_LABELS

STAGE_LABEL = STAGE_LABELS


class NumbersModel(ListTableModel):
    """A `ListTableModel` whose columns from ``first_number`` on are right-aligned figures."""

    def __init__(self, columns, parent=None, first_number: int = 1, **kw: Any) -> None:  # noqa: ANN001
        super().__init__(columns, parent, **kw)
        self.first_number = first_number

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.isValid() and index.column() >= self.first_number:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _verdicts(c: ConflictRow) -> str:
    return " · ".join(f"{v.reviewer}: {v.verdict}" + (f" ({v.reason})" if v.reason else "")
                      for v in c.conflict.verdicts)


def conflicts_model(parent=None) -> ListTableModel:  # noqa: ANN001 - Qt parent
    """One row per record in conflict: id, title and every reviewer's verdict (not blinded)."""
    return ListTableModel([
        ("#", lambda c: c.conflict.record_id),
        ("Title", lambda c: _short(c.record.get("title") or "")),
        ("Verdicts", _verdicts),
    ], parent, tooltip=lambda c: _verdicts(c))


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def agreement_model(parent=None) -> ListTableModel:  # noqa: ANN001 - Qt parent
    """One row per stage and reviewer pair: n, percent agreement, kappa and AC1 (three categories, and
    include vs exclude with maybe counted as include)."""
    return NumbersModel([
        ("Stage", lambda a: STAGE_LABEL.get(a.stage, a.stage)),
        ("Reviewers", lambda a: " × ".join(a.reviewers or ())),
        ("n", lambda a: a.n),
        ("% agree", lambda a: _num(a.percent, 1)),
        ("Cohen's κ", lambda a: _num(a.kappa)),
        ("Gwet's AC1", lambda a: _num(a.ac1)),
        ("% agree (incl./excl.)", lambda a: _num(a.include_exclude.percent, 1)),
        ("κ (incl./excl.)", lambda a: _num(a.include_exclude.kappa)),
        ("AC1 (incl./excl.)", lambda a: _num(a.include_exclude.ac1)),
    ], parent, first_number=2,
        tooltip=lambda a: "κ is undefined (—) when both reviewers used one and the same category")


def counts_model(parent=None) -> ListTableModel:  # noqa: ANN001 - Qt parent
    """The counts table of one pair: rows = reviewer A's verdict, columns = reviewer B's."""
    return NumbersModel([("A \\ B", lambda row: row[0])] + [
        (cat, lambda row, k=k: row[1][k]) for k, cat in enumerate(CATEGORIES)], parent)


def counts_rows(entry: PairAgreement | None) -> list[tuple[str, list[int]]]:
    if entry is None:
        return []
    table = entry.counts
    return [(a, [table[a][b] for b in CATEGORIES]) for a in CATEGORIES]
