"""The Import screen with real files that are not straightforward: already imported, unsure format, unknown
database, one bad file among good ones; and hostile files that must not take the app down."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox
from sqlmodel import func, select

from db.models import ImportBatch, Record
from gui.imports.model import PendingFilesModel

sys.path.insert(0, str(Path(__file__).parent))
import hostile_inputs as h
from screens import open_window


@pytest.fixture
def window(qtbot, sqlite_review):
    """The window on a new, empty review."""
    return open_window(qtbot, sqlite_review, "librarian")


def _added(qtbot, screen, paths):
    files = screen.add_files(paths)
    qtbot.waitUntil(lambda: all(f.state != "checking" for f in files), timeout=20_000)
    return files


def _count(db, model=Record) -> int:
    with db.session() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def _ris(name: str, db_line: str = "DB  - Embase\n") -> str:
    return f"TY  - JOUR\nTI  - {name}\nAU  - Smith, J.\nPY  - 2020\n{db_line}ER  - \n\n"


def test_good_files_land_and_the_refused_one_is_listed(qtbot, window, tmp_path):
    screen = window.screen_widgets["import"]
    good = tmp_path / "embase.ris"
    good.write_text(_ris("A trial") + _ris("Another trial"), encoding="utf-8")
    bad = tmp_path / "broken.ris"  # detected as RIS, but its second record has neither TY nor a title
    bad.write_text(_ris("Fine") + "AU  - Nobody\nER  - \n", encoding="utf-8")
    f_good, f_bad = _added(qtbot, screen, [good, bad])
    assert f_good.state == f_bad.state == "ready"
    task = screen.start_import()
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    assert task.outcome == "ok"
    assert f_good.state == "imported" and f_bad.state == "error" and "broken.ris" in f_bad.message
    assert "1 file was refused" in screen.note.text() and "broken.ris" in screen.note.text()
    assert _count(window.db) == 2 and _count(window.db, ImportBatch) == 1


def test_unsure_format_offers_the_formats_that_fit(qtbot, window, tmp_path):
    screen = window.screen_widgets["import"]
    path = tmp_path / "export.txt"  # RIS tags but no TY/ER lines: too unsure to decide alone
    path.write_text("T1  - Alliance in CBT\nA1  - Smith, J.\nY1  - 2019\nN2  - An abstract.\n", encoding="utf-8")
    [f] = _added(qtbot, screen, [path])
    assert f.state == "error" and "ris" in [c[0] for c in f.candidates]
    assert "export formats that might fit" in f.message
    index = screen.pending.index(0, PendingFilesModel.FORMAT)
    assert screen.pending.flags(index) & screen.pending.flags(index).ItemIsEditable
    screen.files.edit(index)
    box = screen.files.findChild(QComboBox, "format-choice")
    assert box is not None and box.findData("ris") >= 0
    box.setCurrentIndex(box.findData("ris"))
    screen.choices.setModelData(box, screen.pending, index)
    qtbot.waitUntil(lambda: f.state == "ready", timeout=20_000)
    assert f.format == "ris" and f.forced_format == "ris"
    assert screen.pending.data(screen.pending.index(0, 2)) == "unknown — double-click to choose"
    screen.pending.setData(screen.pending.index(0, 2), "PsycINFO")
    task = screen.start_import()
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    assert f.state == "imported" and _count(window.db) == 1


def test_unknown_database_is_asked_before_importing(qtbot, window, tmp_path):
    screen = window.screen_widgets["import"]
    path = tmp_path / "refs.ris"
    path.write_text(_ris("A trial", db_line=""), encoding="utf-8")
    [f] = _added(qtbot, screen, [path])
    assert f.state == "ready" and f.database == "unknown"
    assert screen.start_import() is None
    assert "Which database did refs.ris come from?" in screen.note.text()
    box = screen.files.findChild(QComboBox, "database-choice")
    assert box is not None and box.isEditable() and box.findText("CINAHL") >= 0
    box.setCurrentText("CINAHL")
    screen.choices.setModelData(box, screen.pending, screen.pending.index(0, PendingFilesModel.DATABASE))
    task = screen.start_import()
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    with window.db.session() as s:
        assert s.exec(select(ImportBatch.source_db)).one() == "CINAHL"


def test_a_tool_export_is_asked_for_its_database_naming_the_tool(qtbot, window, tmp_path):
    """A Covidence CSV names Covidence, a screening tool: the screen asks for the database and says why."""
    screen = window.screen_widgets["import"]
    path = tmp_path / "covidence.csv"
    path.write_text('"Title","Authors","Abstract","Published Year","Journal","DOI","Covidence #","Study"\n'
                    '"Alliance and outcome","Smith, J.; Ito, K.","We studied it.","2019","J Couns","10.1000/x1",'
                    '"#123","Smith 2019"\n', encoding="utf-8")
    [f] = _added(qtbot, screen, [path])
    assert f.state == "ready" and f.database == "unknown" and f.tool == "Covidence"
    assert screen.start_import() is None and _count(window.db) == 0
    assert ("Which database did covidence.csv come from? It was exported by Covidence, a screening tool or "
            "reference manager, which is not a database") in screen.note.text()


@pytest.mark.parametrize("make", [h.xlsx_dimension_claim, h.xlsx_far_cell,
                                  lambda p: h.xlsx_shared_strings_bomb(p, size=300 << 20)])
def test_hostile_workbooks_never_take_the_preview_down(qtbot, window, tmp_path, make):
    screen = window.screen_widgets["import"]
    path = make(tmp_path / "hostile.xlsx")
    [f] = _added(qtbot, screen, [path])
    assert f.state in ("ready", "error")
    if f.state == "error":
        assert "hostile.xlsx" in f.message
    assert window.isVisible()


def test_a_batch_database_is_corrected_after_import_and_prisma_follows(qtbot, window, tmp_path):
    from extraction.prisma import prisma_counts

    screen = window.screen_widgets["import"]
    path = tmp_path / "embase.ris"
    path.write_text(_ris("A trial") + _ris("Another"), encoding="utf-8")
    [f] = _added(qtbot, screen, [path])
    task = screen.start_import()
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    index = screen.batches.index(0, screen.batches.DATABASE)
    assert screen.batches.flags(index) & screen.batches.flags(index).ItemIsEditable
    with qtbot.waitSignal(screen.batches.modelReset, timeout=20_000):
        assert screen.batches.setData(index, "emed26")
    assert screen.batches.data(index) == "Embase"  # emed26, Ovid's code for Embase, is stored as its name
    with qtbot.waitSignal(screen.batches.modelReset, timeout=20_000):
        assert screen.batches.setData(index, "CINAHL")
    assert screen.batches.data(index) == "CINAHL"
    assert prisma_counts(window.db).identified_per_database == {"CINAHL": 2}
