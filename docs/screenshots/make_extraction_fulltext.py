"""Retake docs/screenshots/extraction-fulltext.png: the Extraction screen of the worked demo at 1280x800 with a
record's PDF beside the coding form (results in prose and a correlation table on one page), the statistics
found highlighted (green; red where the p does not fit), the chosen one's cues underlined, and Use pressed.

    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_extraction_fulltext.py [OUT.png]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from worked_shot import ROOT, idle, worked_demo  # noqa: E402

PAGE = ("Results\n\nAlliance and outcome. The client-rated WAI-SR at session 3, r(56) = −.41, p = .001, predicted "
        "lower BDI-II scores at the end of treatment. The therapist-rated alliance was related less strongly, "
        "r(56) = −.22, p = .10. Drop-out did not depend on the early alliance, F(1, 56) = 9.50, p = .40.\n\n"
        "Table 2\nCorrelations of the alliance and outcome (N = 58)\nMeasure\t1\t2\t3\n"
        "1. WAI-SR client, session 3\t—\n2. WAI-SR therapist, session 3\t.38**\t—\n"
        "3. BDI-II post-treatment\t−.41**\t−.22\t—\nNote. **p < .01.")


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots" / "extraction-fulltext.png"
    app, db, tmp = worked_demo()
    from gui.main_window import MainWindow
    from gui.settings import Settings
    from screening.fulltext import store
    from tests.pdf_factory import write_pdf

    pdf = Path(tmp) / "report8.pdf"
    write_pdf(pdf, [PAGE], font="liberation-serif", size=10, title="Report 8")
    store.attach(db, 8, pdf, "bob")
    window = MainWindow(db, Settings(reviewer="bob"))
    window.resize(1280, 800)
    window.show()
    screen = window.show_screen("extraction")

    idle(app, lambda: screen.snapshot is not None)
    screen.viewer.zoom = 1.0  # (Ctrl+- once)
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(8))
    idle(app, lambda: screen.viewer.last is not None and bool(screen.found.stats))
    screen.found.list.setCurrentRow(0)
    idle(app)
    screen.found.use_button.click()
    idle(app)
    window.grab().save(str(out))
    print(out, [s.raw for s in screen.found.stats])
    window.close()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
