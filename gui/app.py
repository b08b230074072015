"""Start the desktop app: the start screen, a review, or the demo; optionally render a screen to PNG and exit.

Qt is imported only after `gui.qt_env.problem` found a display and the system libraries (else one line says
which is missing and how to install it, exit 1). ``--screenshot`` renders offscreen by itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from db.engine import open_review
from db.errors import MetasiftError
from gui import qt_env

__all__ = ["main", "parse_args"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="main.py", description="MetaSift desktop app")
    p.add_argument("review", nargs="?", help="review file or postgresql:// URL (omit for the start screen)")
    p.add_argument("--demo", action="store_true", help="open the bundled demo review")
    p.add_argument("--screenshot", type=Path, help="render the window to this PNG and exit")
    p.add_argument("--screen", default="records", help="which screen to render with --screenshot")
    p.add_argument("--theme", choices=("system", "light", "dark"), help="override the saved theme")
    p.add_argument("--prepare", action="store_true",
                   help="with --screenshot: run the screen's first step (find duplicates, suggest links)")
    return p.parse_args(argv)


def _settle(app) -> None:  # noqa: ANN001 - QApplication
    """Let background loads finish and their results arrive (for screenshots)."""
    from gui import background

    for _ in range(200):
        background.wait_all(10_000)
        app.processEvents()
        if background.running() == 0:
            break
    for _ in range(5):
        app.processEvents()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no display
    why = qt_env.problem()
    if why:
        print(f"metasift: {why}", file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.errors import install_excepthook, setup_logging
    from gui.gc_guard import collect_on_gui_thread
    from gui.main_window import MainWindow
    from gui.settings import Settings
    from gui.start.actions import demo_folder
    from gui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("MetaSift")
    app.setOrganizationName("MetaSift")
    collect_on_gui_thread()
    setup_logging()
    install_excepthook()
    settings = Settings.load()
    apply_theme(args.theme or settings.theme)
    db = None
    try:
        if args.demo:
            from screening.demo import build_demo_review

            db = build_demo_review(demo_folder())
        elif args.review:
            db = open_review(args.review)
    except MetasiftError as exc:
        if args.screenshot:
            print(f"metasift: error: {exc}", file=sys.stderr)
            return 2
        QMessageBox.critical(None, "MetaSift", str(exc))
        db = None
    window = MainWindow(db, settings)
    window.show()
    if args.screenshot:
        try:
            screen = window.show_screen(args.screen)
        except KeyError:
            names = [window.tabs.widget(i).objectName() for i in range(window.tabs.count())]
            print(f"metasift: no screen {args.screen!r}; the screens are: {', '.join(names)}"
                  + ("" if db is not None else " (open a review, e.g. --demo, for the others)"), file=sys.stderr)
            return 2
        _settle(app)
        prepare = getattr(screen, "prepare_screenshot", None)
        if args.prepare and callable(prepare):
            prepare()
            _settle(app)
        window.grab().save(str(args.screenshot))
        print(f"saved {args.screenshot}")
        return 0
    return app.exec()
