"""A matplotlib figure shown at its own size in a scroll area, with a note and "Save as PNG/SVG/PDF…"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.theme import muted_text

FILTERS = {"PNG image (*.png)": ".png", "SVG drawing (*.svg)": ".svg", "PDF document (*.pdf)": ".pdf"}


def with_suffix(path: str, chosen_filter: str) -> Path:
    """The chosen file name, with the filter's suffix added when it has none of ours."""
    p = Path(path)
    return p if p.suffix.lower() in FILTERS.values() else p.with_name(p.name + FILTERS.get(chosen_filter, ".png"))


class FigurePane(QWidget):
    """``save_requested(path)`` asks the screen to draw the picture afresh into ``path``."""

    save_requested = Signal(Path)

    def __init__(self, name: str, default_name: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"figure-{name}")
        self.name = name
        self.default_name = default_name
        self.canvas: FigureCanvasQTAgg | None = None
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.save_button = QPushButton("Save as PNG / SVG / PDF…")
        self.save_button.setObjectName(f"save-{name}")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.choose_file)
        bar = QHBoxLayout()
        bar.addWidget(self.note, 1)
        bar.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        self.scroll = QScrollArea()
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

    def set_figure(self, fig: Figure | None, note: str = "") -> None:
        """Show ``fig`` at its natural size (None: show ``note`` as the placeholder)."""
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.canvas = None
        self.save_button.setEnabled(fig is not None)
        if fig is None:
            self.note.setText("")
            self.placeholder.setText(f"<span style='color:{muted_text(self)}; font-size:13pt'>{note}</span>")
            self.stack.setCurrentIndex(0)
            return
        self.note.setText(note)
        w, h = fig.get_size_inches() * fig.dpi
        self.canvas = FigureCanvasQTAgg(fig)
        self.canvas.setObjectName(f"canvas-{self.name}")
        self.canvas.setFixedSize(int(w), int(h))
        self.scroll.setWidget(self.canvas)
        self.stack.setCurrentIndex(1)

    def choose_file(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(self, f"Save the {self.name} picture", self.default_name(),
                                                   ";;".join(FILTERS))
        if path:
            self.save_requested.emit(with_suffix(path, chosen))
