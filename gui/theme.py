"""Light, dark or the system's palette, and the few colours screens add (palette-aware)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

_DEFAULT: dict[str, object] = {}


def dark_palette() -> QPalette:
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    base, window, text = QColor(32, 33, 36), QColor(45, 46, 50), QColor(230, 230, 230)
    for r, c in ((role.Window, window), (role.WindowText, text), (role.Base, base),
                 (role.AlternateBase, QColor(40, 41, 45)), (role.ToolTipBase, window), (role.ToolTipText, text),
                 (role.PlaceholderText, QColor(150, 150, 150)), (role.Text, text), (role.Button, window),
                 (role.ButtonText, text), (role.BrightText, QColor(255, 90, 90)), (role.Link, QColor(120, 170, 255)),
                 (role.Highlight, QColor(56, 110, 190)), (role.HighlightedText, QColor(255, 255, 255)),
                 (role.Mid, QColor(70, 70, 75)), (role.Dark, QColor(25, 25, 28)), (role.Light, QColor(75, 76, 80)),
                 (role.Midlight, QColor(60, 61, 65)), (role.Shadow, QColor(0, 0, 0))):
        p.setColor(r, c)
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor(125, 125, 125))
    return p


def apply_theme(theme: str, app: QApplication | None = None) -> None:
    """``system`` keeps the platform style and palette; ``light`` / ``dark`` use Fusion with fixed palettes."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if not isinstance(app, QApplication):
        return
    if not _DEFAULT:
        _DEFAULT["style"] = app.style().name()
        _DEFAULT["palette"] = QPalette(app.palette())
    if theme == "dark":
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    elif theme == "light":
        app.setStyle("Fusion")
        app.setPalette(app.style().standardPalette())
    else:
        app.setStyle(str(_DEFAULT["style"]))
        app.setPalette(_DEFAULT["palette"])  # type: ignore[arg-type]


def is_dark(widget: QWidget | None = None) -> bool:
    pal = widget.palette() if widget is not None else QApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def differs_color(widget: QWidget | None = None) -> QColor:
    """Background for a field that differs between two records: amber, readable on light and dark bases."""
    return QColor(150, 105, 0, 150) if is_dark(widget) else QColor(255, 200, 60, 110)


def strength_color(strength: str, widget: QWidget | None = None) -> QColor:
    dark = is_dark(widget)
    table = {"strong": ((40, 120, 60), (200, 240, 205)), "moderate": ((130, 105, 20), (250, 235, 180)),
             "weak": ((90, 90, 95), (230, 230, 230))}
    rgb = table.get(strength, table["weak"])[0 if dark else 1]
    return QColor(*rgb)


def muted_text(widget: QWidget | None = None) -> str:
    """A CSS colour for secondary text that stays readable on the current palette."""
    return "#9aa0a6" if is_dark(widget) else "#5f6368"
