"""Models of the extraction screens: the reports to code, a report's effects, versions and agreement."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from extraction import apa
from extraction.coding import CodedEffect
from extraction.double_coding import CoderAgreement
from extraction.worklist import CodingReport
from gui.listmodel import ListTableModel, list_view

STAT_NAMES = {"chi2": "χ²", "or": "OR", "z": "z"}


def first_author(authors: list[str]) -> str:
    return authors[0].split(",")[0].strip() if authors else ""


def report_label(rep: CodingReport) -> str:
    """'#6 Whitfield 2015' for a coding-list entry."""
    return f"#{rep.record} {first_author(rep.authors)} {rep.year or ''}".strip()


def sample_text(rep: CodingReport) -> str:
    others = [f"#{i}" for i in rep.sample_records if i != rep.record]
    return f"S{rep.sample}" + (f" (with {', '.join(others)})" if others else "")


def counts_text(counts: dict[str, int]) -> str:
    return " · ".join(f"{who} {n}" for who, n in sorted(counts.items())) or "—"


def reported(e: CodedEffect) -> str:
    """'t = 2.26, df = 154' for an effect."""
    stat = STAT_NAMES.get(e.statistic, e.statistic)
    parts = [f"{stat} = {e.value:g}" if e.value is not None else stat]
    if e.df is not None and e.statistic in ("t", "F"):
        parts.append(f"df = {e.df:g}")
    if e.n1 is not None:
        parts.append(f"n1/n2 = {e.n1}/{e.n2}")
    if e.statistic == "p" and e.tails == 1:
        parts.append("one-tailed")
    if e.direction == -1:
        parts.append("reversed")
    return ", ".join(parts)


def reports_model(parent: QWidget | None = None) -> ListTableModel:
    """One row per report included at full text."""
    return ListTableModel([
        ("Report", report_label),
        ("Sample", sample_text),
        ("Effects coded", lambda r: counts_text(r.counts)),
        ("Title", lambda r: r.title),
    ], parent, tooltip=lambda r: f"{r.title}\n{'; '.join(r.authors)}")


def protocol_version(row: CodedEffect) -> str:
    """"v3" for an effect stored under protocol version 3 (empty: stored before protocols had versions)."""
    return f"v{row.protocol_version}" if row.protocol_version else ""


def effects_model(parent: QWidget | None = None) -> ListTableModel:
    """A report's current effects."""
    return ListTableModel([
        ("#", lambda e: e.id),
        ("Coder", lambda e: e.coder + (" (reconciled)" if e.kind == "reconciled" else "")),
        ("Label", lambda e: e.label),
        ("Reported", reported),
        ("n", lambda e: e.n),
        ("r", lambda e: round(e.r, 3) if e.r is not None else None),
        ("Location", lambda e: e.location),
        ("Moderators", lambda e: ", ".join(str(v) for v in e.moderators.values())),
        ("Protocol", protocol_version),
    ], parent, tooltip=lambda e: e.method + (f"\nNote: {e.note}" if e.note else ""))


def versions_model(parent: QWidget | None = None) -> ListTableModel:
    """Every version of one effect, oldest first."""
    return ListTableModel([
        ("#", lambda e: e.id),
        ("Kind", lambda e: e.kind),
        ("When (UTC)", lambda e: (e.coded_at or "")[:19].replace("T", " ")),
        ("Reported", reported),
        ("n", lambda e: e.n),
        ("r", lambda e: round(e.r, 3) if e.r is not None else None),
        ("Note", lambda e: e.note),
        ("Protocol", protocol_version),
    ], parent)


def versions_dialog(parent: QWidget, effect_id: int | None, rows: list[CodedEffect]) -> QDialog:
    """A dialog listing every version of one effect (not shown yet)."""
    dialog = QDialog(parent)
    dialog.setObjectName("effect-versions")
    dialog.setWindowTitle(f"Versions of effect #{effect_id}")
    dialog.resize(760, 300)
    model = versions_model(dialog)
    model.set_items(rows)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    lay = QVBoxLayout(dialog)
    lay.addWidget(list_view(model, "versions"))
    lay.addWidget(buttons)
    return dialog


def _pct(x: float | None) -> str:
    return apa.percent(x, 0)


def _num(x: float | None, nd: int = 2) -> str:
    """kappa, ICC and mean |difference| of r: statistics bounded by 1 (`extraction.apa.bounded`)."""
    return apa.bounded(x, nd)


def agreement_rows(report: CoderAgreement) -> list[dict[str, str]]:
    """The agreement report of one coder pair as table rows (field, items, agreement, kappa / ICC, MAD)."""
    rows = [{"field": name.replace("_", " "), "items": str(f.items), "agreement": _pct(f.percent),
             "kappa": _num(f.kappa), "icc": "", "mad": ""} for name, f in report.fields.items()]
    if report.n:
        rows.append({"field": "n", "items": str(report.n.items), "agreement": _pct(report.n.percent),
                     "kappa": "", "icc": "", "mad": ""})
    if report.r:
        r = report.r
        rows.append({"field": "r", "items": str(r.items), "agreement": "", "kappa": "",
                     "icc": _num(r.icc), "mad": _num(r.mean_abs_difference, 3)})
    return rows


def agreement_model(parent: QWidget | None = None) -> ListTableModel:
    return ListTableModel([
        ("Field", lambda a: a["field"]), ("Items", lambda a: a["items"]), ("Agreement", lambda a: a["agreement"]),
        ("Cohen's κ", lambda a: a["kappa"]), ("ICC(2,1)", lambda a: a["icc"]),
        ("Mean |Δr|", lambda a: a["mad"]),
    ], parent)
