"""Retake docs/screenshots/screening-history.png: the Screening screen of the worked demo with a record's
decision history open (H): both stages, two reviewers, an undo and the protocol version of each act
(the window and the dialog are each rendered by Qt and the dialog drawn over the window where it opens).

    xvfb-run -a -s "-screen 0 1400x900x24" python docs/screenshots/make_screening_history.py [OUT.png]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from worked_shot import ROOT, idle, worked_demo  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots" / "screening-history.png"
    app, db, _home = worked_demo()
    from extraction.protocol_check import store_protocol
    from gui.main_window import MainWindow
    from gui.settings import Settings
    from screening import decisions
    from screening.protocol import bundled_protocol_text, default_protocol_text

    store_protocol(db, default_protocol_text(), "ann")
    rid = 8
    decisions.decide(db, rid, "carol", "title_abstract", "exclude", reason="fewer than five participants",
                     note="n unclear from the abstract")
    decisions.undo(db, "carol", "title_abstract")
    store_protocol(db, bundled_protocol_text("alliance").replace("version = 1", "version = 2"), "ann",
                   "minimum sample size kept at five; reasons reworded")
    decisions.decide(db, rid, "carol", "title_abstract", "include", note="reread: N = 58")
    window = MainWindow(db, Settings(reviewer="bob"))
    window.resize(1380, 860)
    window.show()
    screen = window.show_screen("screening")

    idle(app, lambda: screen.queue is not None)
    screen.blind.setChecked(False)
    screen.show_record(rid)
    idle(app)
    screen.show_history()
    dialog = screen.history_dialog
    assert dialog is not None
    dialog.move(window.x() + 120, window.y() + 160)
    end = time.perf_counter() + 2.0  # let the dialog paint before the screen is read
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.02)
    # the window and the dialog, each rendered by Qt (Xvfb has no window manager to composite the dialog)
    from PySide6.QtGui import QPainter

    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(120, 150, dialog.grab())
    painter.end()
    shot.save(str(out))
    print(out, dialog.table.rowCount())
    window.close()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
