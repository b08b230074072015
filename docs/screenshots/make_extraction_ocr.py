"""Retake docs/screenshots/extraction-ocr-offered.png and extraction-ocr.png: the Extraction screen of the
worked demo at 1280x800 with a record's PDF that is a scan (two pictures of pages, no text layer): first
"Found in the full text" naming the scanned pages and offering "Read scanned pages (OCR)", then after Tesseract
read them, the statistics found there (marked OCR) and one used in the form. With ``--xwd OUT.png`` (under
Xvfb) the second picture is also taken of the whole screen by ``xwd``, as a person would see it.

    xvfb-run -a -s "-screen 0 1400x900x24" python docs/screenshots/make_extraction_ocr.py [--xwd OUT.png]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from worked_shot import ROOT, idle, worked_demo  # noqa: E402

SCAN = [["Method", "Sixty clients (N = 60) rated the Working Alliance Inventory",
         "(client form) after the third session; outcome was the change", "on the BDI-II from intake to session 16."],
        ["Results", "The client-rated alliance predicted BDI-II change,",
         "r(58) = .34, p = .008, and drop-out did not,", "t(58) = 1.20, p = .24. The therapist-rated alliance was",
         "unrelated to change, r(58) = .11, p = .40."]]


def main() -> int:
    args = sys.argv[1:]
    xwd = Path(args[args.index("--xwd") + 1]) if "--xwd" in args else None
    shots = ROOT / "docs" / "screenshots"
    app, db, tmp = worked_demo()
    from gui.main_window import MainWindow
    from gui.settings import Settings
    from screening.fulltext import store
    from tests.scans import write_scan

    store.attach(db, 8, write_scan(Path(tmp) / "scanned-report8.pdf", SCAN), "bob")
    window = MainWindow(db, Settings(reviewer="bob"))
    window.resize(1280, 800)
    window.move(0, 0)
    window.show()
    screen = window.show_screen("extraction")
    idle(app, lambda: screen.snapshot is not None)
    screen.viewer.zoom = 1.0
    screen.reports_view.selectRow([r.record for r in screen.reports.items].index(8))
    idle(app, lambda: screen.viewer.last is not None and screen.found.pdf is not None)
    window.grab().save(str(shots / "extraction-ocr-offered.png"))
    screen.found.ocr_button.click()
    idle(app, lambda: not screen.found.ocr_running(), seconds=120)
    screen.found.list.setCurrentRow(0)
    idle(app)
    screen.found.use_button.click()
    idle(app)
    window.grab().save(str(shots / "extraction-ocr.png"))
    if xwd is not None:
        subprocess.run(f"xwd -root -silent | convert xwd:- {xwd}", shell=True, check=True)
    print([(s.page, s.raw, s.ocr) for s in screen.found.stats], screen.found.ocr_status.text())
    window.close()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
