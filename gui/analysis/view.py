"""The analysis screen: the pooled estimate with heterogeneity, moderators, forest, funnel and PRISMA
pictures, and the export; all computing and drawing runs in the background."""

from __future__ import annotations

from functools import partial
from html import escape
from pathlib import Path

from matplotlib.figure import Figure
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db.engine import is_url
from db.errors import MetasiftError
from extraction.apa import bounded, interval
from extraction.prisma import PrismaCounts
from gui.analysis import actions
from gui.analysis.export_dialog import ExportDialog
from gui.analysis.figure import FigurePane
from gui.analysis.model import (
    influence_model,
    moderator_model,
    moderator_rows,
    multilevel_html,
    refit_model,
    regression_html,
    summary_html,
)
from gui.background import Task
from gui.context import ReviewContext
from gui.errors import report_error
from gui.extraction.form import error_color
from gui.listmodel import list_view
from gui.refreshing import Refreshing
from gui.theme import muted_text


class AnalysisScreen(Refreshing, QWidget):
    SHORTCUTS = [("Ctrl+E", "Export (XLSX or CSV)"), ("Ctrl+R", "Pool again"),
                 ("Ctrl+Shift+S", "Save the picture shown")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.analysis: actions.Analysis | None = None
        self.prisma_counts: PrismaCounts | None = None
        self.export_dialog: ExportDialog | None = None

        self.method = QComboBox()
        self.method.setObjectName("pool-method")
        for m in actions.METHODS:
            self.method.addItem({"REML": "REML (restricted maximum likelihood)", "DL": "DL (DerSimonian–Laird)",
                                 "ML": "ML (maximum likelihood)", "PM": "PM (Paule–Mandel)",
                                 "EB": "EB (empirical Bayes)", "HS": "HS (Hunter–Schmidt)",
                                 "HE": "HE (Hedges)", "SJ": "SJ (Sidik–Jonkman)",
                                 "FE": "FE (fixed effect)"}[m], m)
        self.method.currentIndexChanged.connect(lambda _: self.reload())
        self.test = QComboBox()
        self.test.setObjectName("pool-test")
        self.test.addItem("z tests", "z")
        self.test.addItem("Knapp–Hartung (t and F)", "knha")
        self.test.setToolTip("Knapp–Hartung: t/F tests and CIs with the SE scaled by the residual heterogeneity "
                             "(safer with few studies); z: normal-theory Wald tests")
        self.test.currentIndexChanged.connect(lambda _: self.reload())
        self.aggregation = QComboBox()
        self.aggregation.setObjectName("aggregation")
        self.aggregation.addItem("Composite (Hunter–Schmidt, as MAc's agg)", "composite")
        self.aggregation.addItem("Mean of the correlations", "mean")
        self.aggregation.addItem("Three-level model, CR2 robust SEs (every effect)", "multilevel")
        self.aggregation.setToolTip("How several effects of one independent sample become one: the composite "
                                    "correlation assumes the protocol's ρ between outcomes (default .50); "
                                    "the three-level model keeps every effect")
        self.aggregation.setCurrentIndex(max(0, self.aggregation.findData(actions.default_method(ctx.db))))
        self.aggregation.currentIndexChanged.connect(lambda _: self.reload())
        self.assumes = QLabel()
        self.assumes.setObjectName("dependence-assumes")
        self.assumes.setWordWrap(True)
        self.multilevel = QLabel()
        self.multilevel.setObjectName("multilevel-result")
        self.multilevel.setWordWrap(True)
        self.multilevel.setTextFormat(Qt.TextFormat.RichText)
        self.multilevel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.multilevel.hide()
        self.multilevel_result: actions.ThreeLevel | None = None
        self.trimfill = QCheckBox("Trim and fill (funnel plot)")
        self.trimfill.toggled.connect(lambda _: self.reload())
        self.refresh_button = QPushButton("Pool again")
        self.refresh_button.clicked.connect(self.reload)
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("open-export")
        self.export_button.clicked.connect(self.open_export)
        top = QHBoxLayout()
        top.addWidget(QLabel("&Method"))
        top.itemAt(0).widget().setBuddy(self.method)  # type: ignore[union-attr]
        top.addWidget(self.method)
        top.addWidget(QLabel("&Tests"))
        top.itemAt(2).widget().setBuddy(self.test)  # type: ignore[union-attr]
        top.addWidget(self.test)
        agg_label = QLabel("&Dependent effects")
        agg_label.setBuddy(self.aggregation)
        top.addWidget(agg_label)
        top.addWidget(self.aggregation)
        top.addWidget(self.trimfill)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)
        self.summary = QLabel()
        self.summary.setObjectName("pooled-summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.moderators = moderator_model(self)
        self.moderators_view = list_view(self.moderators, "moderator-table")
        header = self.moderators_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # every column fits its content
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.moderators_note = QLabel()
        self.moderators_note.setWordWrap(True)
        mods = QWidget()
        mods_layout = QVBoxLayout(mods)
        mods_layout.addWidget(self.moderators_view, 1)
        mods_layout.addWidget(self.moderators_note)
        self.mods = QLineEdit()
        self.mods.setObjectName("mods-formula")
        self.mods.setPlaceholderText("moderators, e.g. alliance_time + pub_year")
        self.mods.returnPressed.connect(self.reload)
        fit = QPushButton("Fit")
        fit.setObjectName("fit-regression")
        fit.clicked.connect(self.reload)
        self.regression = QLabel()
        self.regression.setObjectName("regression-result")
        self.regression.setWordWrap(True)
        self.regression.setTextFormat(Qt.TextFormat.RichText)
        self.regression.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.regression.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        reg = QWidget()
        reg_layout = QVBoxLayout(reg)
        row = QHBoxLayout()
        row.addWidget(QLabel("mods = ~"))
        row.addWidget(self.mods, 1)
        row.addWidget(fit)
        reg_layout.addLayout(row)
        reg_layout.addWidget(self.regression)
        stem = self._stem()
        self.bubble = FigurePane("bubble", lambda: f"{stem}-bubble.png")
        reg_layout.addWidget(self.bubble, 1)
        self.sensitivity: actions.Sensitivity | None = None
        self._sensitivity_stale = True
        self.loo_model, self.cum_model = refit_model(self), refit_model(self)
        self.influence_model = influence_model(self)
        self.loo_plot = FigurePane("leave1out", lambda: f"{stem}-leave1out.png")
        self.cum_plot = FigurePane("cumulative", lambda: f"{stem}-cumulative.png")
        self.baujat = FigurePane("baujat", lambda: f"{stem}-baujat.png")
        self.sensitivity_tabs = QTabWidget()
        for model, name, pane, title in ((self.loo_model, "leave1out-table", self.loo_plot, "Leave-one-out"),
                                         (self.cum_model, "cumulative-table", self.cum_plot, "Cumulative"),
                                         (self.influence_model, "influence-table", self.baujat,
                                          "Influence (Baujat)")):
            view = list_view(model, name)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            split = QSplitter(Qt.Orientation.Horizontal)
            split.addWidget(view)
            split.addWidget(pane)
            split.setSizes([560, 640])
            self.sensitivity_tabs.addTab(split, title)
        self.sensitivity_note = QLabel()
        self.sensitivity_note.setObjectName("sensitivity-note")
        self.sensitivity_note.setWordWrap(True)
        sens = QWidget()
        sens.setObjectName("sensitivity")
        sens_layout = QVBoxLayout(sens)
        sens_layout.addWidget(self.sensitivity_note)
        sens_layout.addWidget(self.sensitivity_tabs, 1)
        self.sensitivity_page = sens
        self.forest = FigurePane("forest", lambda: f"{stem}-forest.png")
        self.forest_start = 0
        self.page_prev, self.page_next = QPushButton("◀ Previous"), QPushButton("Next ▶")
        self.page_prev.setObjectName("forest-previous")
        self.page_next.setObjectName("forest-next")
        self.page_label = QLabel()
        self.page_label.setObjectName("forest-page")
        self.page_prev.clicked.connect(lambda: self.forest_page(self.forest_start - actions.PAGE_ROWS))
        self.page_next.clicked.connect(lambda: self.forest_page(self.forest_start + actions.PAGE_ROWS))
        pager = QHBoxLayout()
        pager.addWidget(self.page_prev)
        pager.addWidget(self.page_label)
        pager.addWidget(self.page_next)
        pager.addStretch(1)
        self.pager = QWidget()
        self.pager.setLayout(pager)
        self.pager.hide()
        forest_page = QWidget()
        forest_layout = QVBoxLayout(forest_page)
        forest_layout.setContentsMargins(0, 0, 0, 0)
        forest_layout.addWidget(self.pager)
        forest_layout.addWidget(self.forest, 1)
        self.funnel = FigurePane("funnel", lambda: f"{stem}-funnel.png")
        self.prisma = FigurePane("prisma", lambda: f"{stem}-prisma.png")
        for pane in (self.forest, self.funnel, self.prisma, self.bubble, self.loo_plot, self.cum_plot, self.baujat):
            pane.save_requested.connect(lambda path, p=pane: self.save_picture(p.name, path))
        self.tabs = QTabWidget()
        self.tabs.addTab(mods, "Moderators")
        self.tabs.addTab(reg, "Meta-regression")
        self.tabs.addTab(forest_page, "Forest plot")
        self.tabs.addTab(self.funnel, "Funnel plot")
        self.tabs.addTab(sens, "Sensitivity")
        self.tabs.addTab(self.prisma, "PRISMA 2020")
        self.tabs.setCurrentIndex(2)
        self.tabs.currentChanged.connect(lambda _: self._sensitivity_if_shown())
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.assumes)
        layout.addWidget(self.multilevel)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key, slot in (("Ctrl+E", self.open_export), ("Ctrl+R", self.reload),
                          ("Ctrl+Shift+S", self._save_shown)):
            QShortcut(QKeySequence(key), self, slot, context=context)
        self._stale = True  # loaded when first shown: opening a large review stays fast

    def _stem(self) -> str:
        target = self.ctx.db.target
        return str(Path.home() / "review") if is_url(target) else str(Path(target).with_suffix(""))

    # -- loading ----------------------------------------------------------------------------------
    def reload(self) -> Task:
        """Pool, tabulate moderators and draw (and the PRISMA diagram) in the background."""
        current = self.newest()
        method, tf, agg = self.method.currentData(), self.trimfill.isChecked(), self.aggregation.currentData()
        test, mods = self.test.currentData(), self.mods.text().strip()
        self.summary.setText(f"<span style='color:{muted_text(self)}'>Pooling ({escape(method)})…</span>")
        dependence = "multilevel" if agg == "multilevel" else "aggregate"
        agg = self._aggregated_by()
        self.assumes.setText(f"<span style='color:{muted_text(self)}'>{escape(actions.ASSUMES[dependence])}</span>")
        self.multilevel_result = None
        self.multilevel.setVisible(dependence == "multilevel")
        if dependence == "multilevel":
            self.multilevel.setText(f"<span style='color:{muted_text(self)}'>Fitting the three-level model…</span>")
            self.ctx.run("Fitting the three-level model", partial(actions.multilevel, self.ctx.db, method),
                         dialog=False, on_done=current(self._multilevel), on_error=current(self._multilevel_failed))
        self.ctx.run("Drawing the PRISMA diagram", partial(actions.prisma, self.ctx.db), dialog=False,
                     on_done=current(self._prisma), on_error=current(self._prisma_failed))
        self._sensitivity_stale = True
        self._sensitivity_if_shown()
        return self.ctx.run("Pooling", partial(actions.analyse, self.ctx.db, method, tf, agg, test=test, mods=mods),
                            dialog=False,
                            on_done=current(self._apply),
                            on_error=self._failed)

    def _apply(self, a: actions.Analysis) -> None:
        self.analysis = a
        muted = muted_text(self)
        if a.report is None:
            self.summary.setText(f"<span style='color:{muted}'>{escape(a.message)}</span>")
            self.moderators.set_items([])
            self.moderators_note.setText("")
            self.forest.set_figure(None, escape(a.message))
            self._update_pager()
            self.funnel.set_figure(None, escape(a.message))
            self.regression.setText(f"<span style='color:{muted}'>{escape(a.message)}</span>")
            return
        self.regression.setText(regression_html(a.regression, a.regression_error, muted))
        if a.bubble is not None:
            self.bubble.set_figure(a.bubble, f"<span style='color:{muted}'>Circles sized by weight; the line and its "
                                             "95% CI hold the other moderators at their mean</span>")
        else:
            self.bubble.set_figure(None, escape(a.bubble_note) if a.bubble_note else
                                   "A bubble plot appears when the first moderator is numeric.")
        text = summary_html(a.report, muted) + (f"<br><span style='color:{muted}'>Dependent effects within a "
                                                 f"sample: {escape(actions.aggregation_text(a.aggregation, a.rho))}"
                                                 "</span>")
        if a.flags:
            n = sum(len(f.split("; ")) for f in a.flags)
            text += (f"<br><span style='color:{error_color(self)}'>{n} double-coded effect{'s' if n != 1 else ''} "
                     "left out until reconciled (Double coding screen)</span>")
        self.summary.setText(text)
        self.summary.setToolTip("\n".join(a.flags))
        self.moderators.set_items(moderator_rows(a.moderators))
        notes = list(a.moderator_notes)
        if a.moderators is None and not notes:
            notes.append("No moderator splits the samples into two or more categories yet.")
        self.moderators_note.setText(f"<span style='color:{muted}'>Separate {escape(a.method)} fits per category; "
                                     "p between: test of the moderator (common τ²)."
                                     + ("<br>" + escape(" · ".join(notes)) if notes else "") + "</span>")
        self.forest_start = 0
        self.forest.set_figure(a.forest, self._forest_note())
        self._update_pager()
        tf = a.trimfill
        if tf is not None:
            note = (f"Trim and fill ({tf.estimator}): <b>{tf.k0}</b> "
                    f"{'study' if tf.k0 == 1 else 'studies'} imputed on the {tf.side}; "
                    f"adjusted r = {bounded(tf.result.estimate_r)} {interval(tf.result.ci_r)}")
        elif self.trimfill.isChecked():
            note = "Trim and fill needs at least 3 studies."
        else:
            note = f"<span style='color:{muted}'>Tick “Trim and fill” to impute possibly missing studies.</span>"
        self.funnel.set_figure(a.funnel, note)

    def _aggregated_by(self) -> str | None:
        """How the aggregated analysis combines a sample's effects (with the three-level model chosen, the
        aggregated one shown beside it uses the protocol's method)."""
        agg = self.aggregation.currentData()
        return None if agg == "multilevel" else agg

    def _sensitivity_if_shown(self) -> Task | None:
        """Leave-one-out, cumulative and influence refits run only when their tab is shown (k refits each)."""
        if self.tabs.currentWidget() is not self.sensitivity_page or not self._sensitivity_stale:
            return None
        return self.reload_sensitivity()

    def reload_sensitivity(self) -> Task:
        self._sensitivity_stale = False
        self.sensitivity = None
        method, test = self.method.currentData(), self.test.currentData()
        self.sensitivity_note.setText(f"<span style='color:{muted_text(self)}'>Refitting ({escape(method)})…</span>")
        current = self.newest("sensitivity")
        return self.ctx.run("Sensitivity analyses", partial(actions.sensitivity, self.ctx.db, method, test,
                                                                   self._aggregated_by()),
                            dialog=False, on_done=current(self._apply_sensitivity),
                            on_error=current(self._sensitivity_failed))

    def _apply_sensitivity(self, s: actions.Sensitivity) -> None:
        self.sensitivity = s
        muted = muted_text(self)
        self.loo_model.set_items(s.leave1out)
        self.cum_model.set_items(s.cumulative)
        self.influence_model.set_items(s.influence)
        n_inf = sum(1 for r in s.influence if r.influential)
        self.sensitivity_note.setText(
            f"<span style='color:{muted}'>{escape(self.method.currentData())} refits on Fisher's z, as metafor's "
            f"leave1out(), cumul() and influence(); {n_inf} influential sample{'s' if n_inf != 1 else ''} (*: "
            "|DFFITS| > 3√(p/(k−p)) or Cook's distance above the χ² median).</span>")
        self.loo_plot.set_figure(s.leave1out_plot, f"<span style='color:{muted}'>Estimate and 95% CI without each "
                                                   "sample</span>")
        self.cum_plot.set_figure(s.cumulative_plot, f"<span style='color:{muted}'>Estimate and 95% CI as samples "
                                                    "are added in table order</span>")
        self.baujat.set_figure(s.baujat, f"<span style='color:{muted}'>Top right: samples that add heterogeneity "
                                         "and move the result</span>")

    def _sensitivity_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, MetasiftError):
            report_error(self.window(), exc, "Sensitivity analyses")
        self.sensitivity_note.setText(f"<span style='color:{error_color(self)}'>{escape(str(exc))}</span>")
        for model in (self.loo_model, self.cum_model, self.influence_model):
            model.set_items([])
        for pane in (self.loo_plot, self.cum_plot, self.baujat):
            pane.set_figure(None, escape(str(exc)))

    def _multilevel(self, fit: actions.ThreeLevel) -> None:
        self.multilevel_result = fit
        self.multilevel.setText(multilevel_html(fit, muted_text(self))
                                + f"<br><span style='color:{muted_text(self)}'>Below, for comparison and for the "
                                  "moderators and pictures: the aggregated analysis (one r per sample).</span>")

    def _multilevel_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, MetasiftError):
            report_error(self.window(), exc, "Three-level model")
        self.multilevel.setText(f"<span style='color:{error_color(self)}'>{escape(str(exc))}</span>")

    def _forest_note(self) -> str:
        a = self.analysis
        assert a is not None
        return (f"<span style='color:{muted_text(self)}'>{a.k} independent samples · {escape(a.method)} · squares "
                "sized by weight; the line through the diamond is the 95% prediction interval"
                + (" · saving draws every row" if a.k > actions.PAGE_ROWS else "") + "</span>")

    def _update_pager(self) -> None:
        a = self.analysis
        k = a.k if a is not None else 0
        self.pager.setVisible(k > actions.PAGE_ROWS)
        stop = min(k, self.forest_start + actions.PAGE_ROWS)
        self.page_label.setText(f"samples {self.forest_start + 1:,}–{stop:,} of {k:,}")
        self.page_prev.setEnabled(self.forest_start > 0)
        self.page_next.setEnabled(stop < k)

    def forest_page(self, start: int) -> Task | None:
        """Draw the forest plot's page of samples from ``start`` in the background."""
        a = self.analysis
        if a is None or a.data is None:
            return None
        start = max(0, min(start, a.k - 1))
        self.forest_start = start
        self._update_pager()
        current = self.newest("forest-page")
        return self.ctx.run("Drawing the forest plot", partial(actions.forest_page, a.data, a.method, start),
                            dialog=False, on_done=current(lambda fig: self.forest.set_figure(fig, self._forest_note())))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, MetasiftError):
            self.summary.setText(f"<span style='color:{error_color(self)}'>{escape(str(exc))}</span>")
        else:
            self.summary.setText("")
            report_error(self.window(), exc, "Pooling")

    def _prisma(self, result: tuple[Figure, PrismaCounts]) -> None:
        fig, counts = result
        self.prisma_counts = counts
        self.prisma.set_figure(fig, f"<span style='color:{muted_text(self)}'>{counts.identified:,} records "
                                    f"identified · {counts.reports_included:,} reports of "
                                    f"{counts.studies_included:,} studies included (live counts)</span>")

    def _prisma_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, MetasiftError):
            report_error(self.window(), exc, "PRISMA diagram")
        self.prisma.set_figure(None, escape(str(exc)))

    # -- saving and exporting ---------------------------------------------------------------------
    def save_picture(self, kind: str, path: Path) -> Task:
        """Draw ``kind`` afresh into ``path`` (.png, .svg or .pdf) in the background."""
        method, tf, agg = self.method.currentData(), self.trimfill.isChecked(), self._aggregated_by()
        test, mods = self.test.currentData(), self.mods.text().strip()
        return self.ctx.run(f"Saving the {kind} picture",
                            partial(actions.save_picture, self.ctx.db, kind, path, method, tf, agg, test=test,
                                    mods=mods),
                            on_done=lambda out: self.ctx.message.emit(f"Saved {out}"))

    def _save_shown(self) -> None:
        pane = self.tabs.currentWidget()
        if isinstance(pane, FigurePane) and pane.save_button.isEnabled():
            pane.choose_file()

    def open_export(self) -> ExportDialog:
        if self.export_dialog is None:
            self.export_dialog = ExportDialog(self.ctx, self)
        self.export_dialog.open()
        return self.export_dialog
