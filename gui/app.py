"""Start the desktop app: open a review (or the demo), optionally render a screen to PNG and exit."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from db.engine import open_review
from db.errors import MetasiftError


def demo_folder() -> Path:
    """Where the demo review lives: $METASIFT_HOME/demo or ~/.local/share/metasift/demo."""
    home = os.environ.get("METASIFT_HOME")
    base = Path(home) if home else Path.home() / ".local" / "share" / "metasift"
    return base / "demo"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="main.py", description="MetaSift desktop app")
    p.add_argument("review", nargs="?", help="review file or postgresql:// URL")
    p.add_argument("--demo", action="store_true", help="open the bundled demo review")
    p.add_argument("--screenshot", type=Path, help="render the window to this PNG and exit")
    p.add_argument("--screen", default="records", help="which screen to render with --screenshot")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from PySide6.QtWidgets import QApplication, QMessageBox

    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("MetaSift")
    app.setOrganizationName("MetaSift")
    try:
        if args.demo:
            from screening.demo import build_demo_review

            db = build_demo_review(demo_folder())
        elif args.review:
            db = open_review(args.review)
        else:
            print("usage: python main.py REVIEW | --demo", file=sys.stderr)
            return 2
    except MetasiftError as exc:
        if args.screenshot:
            print(f"metasift: error: {exc}", file=sys.stderr)
            return 2
        QMessageBox.critical(None, "MetaSift", str(exc))
        return 2
    window = MainWindow(db)
    window.show()
    if args.screenshot:
        window.show_screen(args.screen)
        for _ in range(5):
            app.processEvents()
        window.grab().save(str(args.screenshot))
        print(f"saved {args.screenshot}")
        return 0
    return app.exec()
