"""The keyboard shortcuts sheet (F1): every screen lists its keys in a ``SHORTCUTS`` class attribute."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

GLOBAL_SHORTCUTS = [("F1", "This sheet"), ("Ctrl+O", "Open a review"), ("Ctrl+N", "New review"),
                    ("Ctrl+1 … Ctrl+9", "Go to screen 1 … 9"), ("Ctrl+F", "Search records"), ("Ctrl+Q", "Quit")]


def sheet_html(sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    parts = []
    for title, keys in sections:
        if not keys:
            continue
        rows = "".join(f"<tr><td style='padding:2px 16px 2px 0'><b><code>{escape(k)}</code></b></td>"
                       f"<td>{escape(v)}</td></tr>" for k, v in keys)
        parts.append(f"<h3>{escape(title)}</h3><table>{rows}</table>")
    return "".join(parts)


class ShortcutsDialog(QDialog):
    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcuts-sheet")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 560)
        self.text = QTextBrowser()
        self.text.setHtml(sheet_html([("Everywhere", GLOBAL_SHORTCUTS), *sections]))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
