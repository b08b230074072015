"""The extraction screen: the reports to code, a report's coded effects, and the coding form."""

from __future__ import annotations

from functools import partial
from html import escape
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from db.changes import Topic
from db.errors import MetasiftError
from db.identity import lenient_identity
from extraction import apa
from extraction.coding import CodedEffect
from extraction.statfinder.find import StatProvenance
from extraction.worklist import CodingReport
from gui.background import Task, alive
from gui.context import ReviewContext
from gui.errors import report_error
from gui.extraction import actions
from gui.extraction.form import CodingForm
from gui.extraction.model import effects_model, report_label, reports_model, sample_text, versions_dialog
from gui.fulltext.found import FoundList
from gui.fulltext.viewer import PdfViewer
from gui.listmodel import list_view
from gui.refreshing import Refreshing
from gui.theme import muted_text

SAVE_KEY = QKeySequence("Ctrl+S")
NEW_KEY = QKeySequence("Ctrl+N")


class ExtractionScreen(Refreshing, QWidget):
    SHORTCUTS = [("Ctrl+S", "Save the effect (committed at once)"), ("Ctrl+N", "New effect for this report"),
                 ("Tab / Shift+Tab", "Next / previous field"), ("Enter (in the effects list)", "Edit the effect"),
                 ("Delete (in the effects list)", "Delete the effect (its versions stay)")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: actions.Snapshot | None = None
        self.effects: list[CodedEffect] = []
        self.editing: CodedEffect | None = None
        self.shown_record: int | None = None
        self._edit_when_loaded = False
        self.provenance: StatProvenance | None = None
        """Where the form's numbers came from, once the coder used a statistic found in the full text."""

        self.summary = QLabel()
        self.summary.setObjectName("extraction-summary")
        self.summary.setWordWrap(True)
        self.reports = reports_model(self)
        self.reports_view = list_view(self.reports, "coding-list")
        for col, width in enumerate((130, 120, 100)):
            self.reports_view.horizontalHeader().resizeSection(col, width)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.reports_view, 1)

        self.heading = QLabel()
        self.heading.setObjectName("report-heading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.all_coders = QCheckBox("Show other coders' effects")
        self.all_coders.setToolTip("Off: you see only your own coding, so double coding stays independent")
        self.all_coders.toggled.connect(lambda _: self._show_effects())
        self.effects_table = effects_model(self)
        self.effects_view = list_view(self.effects_table, "coded-effects")
        for col, width in enumerate((44, 90, 130, 150, 50, 60, 90)):
            self.effects_view.horizontalHeader().resizeSection(col, width)
        self.effects_view.doubleClicked.connect(lambda _: self.edit_current())
        self.effects_view.activated.connect(lambda _: self.edit_current())
        self.edit_button = QPushButton("Edit")
        self.delete_button = QPushButton("Delete")
        self.versions_button = QPushButton("Versions…")
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.versions_button.clicked.connect(self.show_versions)
        effects_bar = QHBoxLayout()
        effects_bar.addWidget(QLabel("<b>Coded effects</b>"))
        effects_bar.addWidget(self.all_coders)
        effects_bar.addStretch(1)
        for b in (self.edit_button, self.delete_button, self.versions_button):
            effects_bar.addWidget(b)
        effects_box = QWidget()
        effects_layout = QVBoxLayout(effects_box)
        effects_layout.setContentsMargins(0, 0, 0, 0)
        effects_layout.addLayout(effects_bar)
        effects_layout.addWidget(self.effects_view, 1)

        self.form_title = QLabel()
        self.form_title.setWordWrap(True)  # a long quote must not widen the form beyond its pane
        self.form_title.setTextFormat(Qt.TextFormat.RichText)
        self.form = CodingForm()
        self.form.validity_changed.connect(lambda ok: self.save_button.setEnabled(ok and self.current() is not None))
        self.new_button = QPushButton("New effect   (Ctrl+N)")
        self.save_button = QPushButton("Save   (Ctrl+S)")
        self.save_button.setObjectName("save-effect")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)
        self.new_button.clicked.connect(self.new_effect)
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        form_box = QWidget()
        form_layout = QVBoxLayout(form_box)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.addWidget(self.form_title)
        form_layout.addWidget(self.form)
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(form_box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        form_outer = QWidget()
        outer_layout = QVBoxLayout(form_outer)
        outer_layout.setContentsMargins(0, 0, 0, 0)
        outer_layout.addWidget(scroll, 1)
        outer_layout.addLayout(buttons)

        right_split = QSplitter(Qt.Orientation.Vertical)
        right_split.addWidget(effects_box)
        right_split.addWidget(form_outer)
        right_split.setStretchFactor(1, 1)
        right_split.setSizes([170, 560])
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(right_split, 1)
        self.viewer = PdfViewer(ctx)
        self.found = FoundList(ctx)
        self.found.highlights_changed = lambda: self.viewer.set_highlights(self.found.highlights())  # type: ignore
        self.found.chosen.connect(lambda s: self.viewer.go(s.page - 1) if s.ocr  # OCR offsets are not on the page
                                  else self.viewer.show_range(s.page - 1, s.start, s.end))
        self.found.use.connect(self.use_statistic)
        fulltext = QSplitter(Qt.Orientation.Vertical)
        fulltext.addWidget(self.found)
        fulltext.addWidget(self.viewer)
        fulltext.setStretchFactor(1, 1)
        fulltext.setSizes([150, 650])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.addWidget(fulltext)
        split.setStretchFactor(1, 0)  # room beyond what the form needs goes to the PDF
        split.setStretchFactor(2, 1)
        split.setSizes([300, 700, 640])
        self.split = split
        self._panes_sized = False
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.reports_view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.reports_view.selectionModel().currentRowChanged.connect(lambda *_: self._report_changed())
        self.effects_view.installEventFilter(self)
        self._update_buttons()
        self._stale = True  # loaded when first shown: opening a large review stays fast

    def showEvent(self, e: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(e)
        QTimer.singleShot(0, alive(self, self._size_panes))  # once the window's layout has settled

    def _size_panes(self) -> None:
        """Once the screen has its width and the codebook's fields: the form gets the room its two columns
        need (so no moderator field is cut off at 1280 pixels), the reports list about a fifth, the PDF the
        rest. Narrower than that (the coder drags the splitter), the form puts the moderators below."""
        if self._panes_sized or self.snapshot is None or not self.isVisible() or self.split.width() < 600:
            return
        self._panes_sized = True
        total = self.split.width()
        form = min(self.form._side_by_side_width() + 36, int(total * 0.58))  # + margins and the scroll bar
        left = max(170, min(300, int(total * 0.16)))
        self.split.setSizes([left, form, max(220, total - left - form)])

    # -- keys: Ctrl+S and Ctrl+N win over the window's shortcuts (Ctrl+N is "New review" elsewhere) ----
    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride and isinstance(e, QKeyEvent) and self._key(e) is not None:
            e.accept()
            return True
        return super().event(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:  # noqa: N802 - Qt override
        slot = self._key(e)
        if slot is not None:
            slot()
            return
        super().keyPressEvent(e)

    def _key(self, e: QKeyEvent) -> Any:
        seq = QKeySequence(e.keyCombination())
        return self.save if seq == SAVE_KEY else self.new_effect if seq == NEW_KEY else None

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:  # noqa: N802 - Qt override
        if obj is self.effects_view and e.type() == QEvent.Type.KeyPress and isinstance(e, QKeyEvent) \
                and e.key() == Qt.Key.Key_Delete:
            self.delete_current()
            return True
        return super().eventFilter(obj, e)

    # -- loading ----------------------------------------------------------------------------------
    def mark_stale(self, what: str) -> None:
        """A change elsewhere: the list reloads when shown next; a full text attached or detached (here by a
        teammate, or on another screen) shows in the viewer at once, with its statistics."""
        super().mark_stale(what)
        if what == Topic.PDFS and self.shown_record is not None:
            self.viewer.refresh()
            self.found.show_record(self.shown_record)

    def reload(self) -> Task:
        current = self.newest()
        return self.ctx.run("Loading the coding list", partial(actions.snapshot, self.ctx.db), dialog=False,
                            on_done=current(self._apply))

    def prepare_screenshot(self) -> None:
        """For ``main.py --screenshot --prepare``: open the first effect of a report coded from a t test."""
        rows = [i for i, r in enumerate(self.reports.items) if r.counts]
        self._edit_when_loaded = True
        self.all_coders.setChecked(True)
        self.reports_view.selectRow(rows[min(4, len(rows) - 1)] if rows else 0)

    def _apply(self, snap: actions.Snapshot) -> None:
        current = self.current()
        first = self.snapshot is None
        self.snapshot = snap
        if first:
            self.form.set_settings(snap.settings)
            QTimer.singleShot(0, alive(self, self._size_panes))
        self.reports.set_items(snap.reports)
        rows = [r.record for r in snap.reports]
        if rows:
            want = current.record if current and current.record in rows else rows[0]
            self.reports_view.selectRow(rows.index(want))
        coded = sum(1 for r in snap.reports if r.counts)
        self.summary.setText(f"<b>{len(rows)}</b> reports included at full text · <b>{coded}</b> with coded effects"
                             if rows else f"<span style='color:{muted_text(self)}'>No report is included at full "
                             "text yet: screen the full texts first.</span>")
        if not rows:
            self.heading.setText("")
            self.form_title.setText("")
        self._update_buttons()

    def current(self) -> CodingReport | None:
        return self.reports.item(self.reports_view.currentIndex().row())

    def _report_changed(self) -> None:
        rep = self.current()
        if rep is None or rep.record == self.shown_record:
            return
        self.shown_record = rep.record
        self.form.year = rep.year
        authors = "; ".join(rep.authors[:4]) + (" et al." if len(rep.authors) > 4 else "")
        muted = muted_text(self)
        self.heading.setText(f"<b>{escape(report_label(rep))}</b> · {escape(rep.title)}<br>"
                             f"<span style='color:{muted}'>{escape(authors)} · {escape(rep.journal)} · "
                             f"independent sample {escape(sample_text(rep))}</span>")
        self.new_effect(keep_moderators=False)
        self.load_effects()
        self.viewer.show_record(rep.record)
        self.found.show_record(rep.record)

    def load_effects(self) -> Task | None:
        rep = self.current()
        if rep is None:
            return None
        record = rep.record
        return self.ctx.run("Loading effects", partial(actions.report_effects, self.ctx.db, record), dialog=False,
                            on_done=lambda rows: self._effects_loaded(record, rows))

    def _effects_loaded(self, record: int, rows: list[CodedEffect]) -> None:
        rep = self.current()
        if rep is None or rep.record != record:
            return
        self.effects = rows
        self._show_effects()
        if self._edit_when_loaded:
            self._edit_when_loaded = False
            self.edit_current()

    def _show_effects(self) -> None:
        me = self.ctx.settings.reviewer
        mine = [e for e in self.effects if e.coder == lenient_identity(me or "")]  # coders are identities
        self.effects_table.set_items(self.effects if self.all_coders.isChecked() or not me else mine)
        if self.effects_table.rowCount():
            self.effects_view.selectRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.effects_table.rowCount() > 0
        for b in (self.edit_button, self.delete_button, self.versions_button):
            b.setEnabled(has)
        self.new_button.setEnabled(self.current() is not None)
        self.save_button.setEnabled(self.form.valid and self.current() is not None)

    # -- coding -----------------------------------------------------------------------------------
    def new_effect(self, keep_moderators: bool = True) -> None:
        """An empty entry (moderators carried over from the last effect of this report)."""
        self.editing = None
        self.provenance = None
        self.form.load(None, keep_moderators=keep_moderators)
        rep = self.current()
        note = " · moderators carried over from the last effect: check them" if keep_moderators else ""
        self.form_title.setText(f"<b>New effect</b> for {escape(report_label(rep))}"
                                f"<span style='color:{muted_text(self)}'>{note}</span>" if rep else "")
        self.form.label.setFocus()

    def edit_current(self) -> None:
        effect = self.effects_table.item(self.effects_view.currentIndex().row())
        if effect is None:
            return
        self.editing = effect
        self.provenance = None  # an edit keeps the version's provenance unless the coder uses a statistic again
        self.form.load(effect.to_json())
        self.form_title.setText(f"<b>Editing effect #{effect.id}</b> ({escape(effect.coder)}) — saving stores "
                                "a new version; the old one stays in the history")
        self.form.edits["value"].setFocus()

    def save(self) -> Task | None:
        rep = self.current()
        result = self.form.update_preview()
        if rep is None or result is None or not result.valid:
            return None
        who = self.ctx.who()
        if who is None:
            return None
        entry = self.form.entry()
        if self.provenance:
            entry["provenance"] = self.provenance.to_json()
        editing = self.editing.id if self.editing else None
        self.save_button.setEnabled(False)

        def done(row: CodedEffect) -> None:
            verb = "Stored a new version" if editing else "Stored"
            r = apa.bounded(row.r, 3)
            self.ctx.message.emit(f"{verb} of effect #{row.id} (r = {r}) for report #{rep.record}." if editing
                                  else f"{verb} effect #{row.id} (r = {r}) for report #{rep.record}.")
            self.new_effect()
            self.load_effects()
            self.reload()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, MetasiftError):
                self.form.show_error(str(getattr(exc, "detail", exc)))
            else:
                report_error(self.window(), exc, "Saving the effect")
            self.save_button.setEnabled(self.form.valid)

        return self.ctx.write("Saving the effect",
                              partial(actions.save_effect, self.ctx.db, rep.record, who, entry, editing),
                              changes=(Topic.EFFECTS,), dialog=False, on_done=done, on_error=failed)

    def find_in_screen(self) -> bool:
        """The window's Ctrl+F: search the report's PDF."""
        return self.viewer.find()

    def use_statistic(self, stat: Any, pdf_sha256: str) -> None:
        """Fill the form from a statistic found in the full text; the coder checks, edits and saves it."""
        sug = stat.suggestion()
        mods = {**self.form.entry()["moderators"], **sug.moderators}
        self.form.load({"statistic": sug.statistic, "value": sug.value, "df": sug.df, "n": sug.n,
                        "location": sug.location, "note": f"\u201c{stat.raw}\u201d (p. {stat.page})",
                        "label": self.form.label.text(), "moderators": mods,
                        "direction": 1})
        self.provenance = stat.provenance(pdf_sha256)
        self.viewer.show_range(stat.page - 1, stat.start, stat.end)
        what = "editing effect #" + str(self.editing.id) if self.editing else "a new effect"
        self.form_title.setText(f"<b>From the full text</b>, p. {stat.page}: {escape(stat.raw)} — check the "
                                f"values and the moderators, then save ({what})")
        self.form.update_preview()
        self.form.edits["value"].setFocus()

    def delete_current(self) -> Task | None:
        effect = self.effects_table.item(self.effects_view.currentIndex().row())
        if effect is None:
            return None

        def done(_row: CodedEffect) -> None:
            self.ctx.message.emit(f"Deleted effect #{effect.id} (its versions stay in the history).")
            if self.editing and self.editing.id == effect.id:
                self.new_effect()
            self.load_effects()
            self.reload()

        return self.ctx.write(f"Deleting effect #{effect.id}", partial(actions.delete, self.ctx.db, effect.id),
                              changes=(Topic.EFFECTS,), dialog=False, on_done=done)

    def show_versions(self) -> QDialog | None:
        effect = self.effects_table.item(self.effects_view.currentIndex().row())
        if effect is None:
            return None
        dialog = versions_dialog(self, effect.id, actions.versions(self.ctx.db, effect.id))
        dialog.open()
        return dialog
