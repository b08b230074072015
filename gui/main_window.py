"""The main window: one tab per stage of the review (screens are added as the stages land)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QTabWidget

from db.engine import ReviewDB
from gui.records.view import RecordsScreen
from screening.status import review_status


class MainWindow(QMainWindow):
    def __init__(self, db: ReviewDB) -> None:
        super().__init__()
        self.db = db
        self.setWindowTitle(f"MetaSift — {db.review().title}")
        self.tabs = QTabWidget()
        self.records = RecordsScreen(db)
        self.tabs.addTab(self.records, "Records")
        self.setCentralWidget(self.tabs)
        find = QAction("Find", self, shortcut=QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: (self.tabs.setCurrentWidget(self.records), self.records.search.setFocus()))
        self.addAction(find)
        self.refresh_status()
        settings = QSettings("MetaSift", "MetaSift")
        geometry = settings.value("main/geometry")
        if geometry is None or not self.restoreGeometry(geometry) or self.width() < 800 or self.height() < 500:
            self.resize(1280, 800)

    def screens(self) -> dict[str, int]:
        return {self.tabs.tabText(i).lower(): i for i in range(self.tabs.count())}

    def show_screen(self, name: str) -> None:
        index = self.screens().get(name.lower())
        if index is None:
            raise KeyError(f"no screen {name!r}; screens: {', '.join(self.screens())}")
        self.tabs.setCurrentIndex(index)

    def refresh_status(self) -> None:
        s = review_status(self.db)
        per_db = ", ".join(f"{k} {v}" for k, v in s["records_per_database"].items())
        self.statusBar().showMessage(f"{self.db.name} · {s['records']:,} records in {s['batches']} batches"
                                     + (f" ({per_db})" if per_db else ""))

    def closeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        QSettings("MetaSift", "MetaSift").setValue("main/geometry", self.saveGeometry())
        super().closeEvent(event)
