"""The import screen on real files: detection preview, database override, column mapping, cancel, errors."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from screens import open_window
from sqlmodel import func, select

from db.models import ImportBatch, Record
from gui.background import run_task
from gui.imports.mapping import ColumnMappingDialog
from gui.imports.model import BatchesModel, PendingFilesModel
from screening.demo import write_demo_exports
from screening.importing import preview

DATA = Path(__file__).with_name("data")


@pytest.fixture
def window(qtbot, sqlite_review):
    """The window on a new, empty review."""
    return open_window(qtbot, sqlite_review, "librarian")


def _records(db, **where) -> int:
    q = select(func.count(Record.id)).join(ImportBatch, Record.batch_id == ImportBatch.id)
    for k, v in where.items():
        q = q.where(getattr(ImportBatch, k) == v)
    with db.session() as s:
        return int(s.exec(q).one())


def _added(qtbot, screen, paths):
    files = screen.add_files(paths)
    qtbot.waitUntil(lambda: all(f.state != "checking" for f in files), timeout=20_000)
    return files


def test_a_new_review_opens_on_the_import_screen(window):
    assert window.tabs.currentWidget() is window.screen_widgets["import"]


def test_importing_a_real_file_through_the_screen_stores_its_records(qtbot, window, tmp_path):
    screen = window.screen_widgets["import"]
    [f] = _added(qtbot, screen, [DATA / "_baseline_pubmed.ris"])
    assert f.state == "ready", f.message
    expected = preview(DATA / "_baseline_pubmed.ris").importer
    assert f.format == expected.name and screen.pending.data(screen.pending.index(0, 1)).startswith(expected.label)
    assert screen.import_button.isEnabled() and screen.import_button.text() == "Import 1 file"
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: f.state == "imported", timeout=30_000)
    n = _records(window.db)
    assert n > 0 and f.records == n
    assert screen.batches.rowCount() == 1
    row = [screen.batches.data(screen.batches.index(0, c)) for c in range(7)]
    assert row[1] == "_baseline_pubmed.ris" and row[2] == expected.name and row[4] == f"{n:,}" and row[6] == "librarian"
    assert f"{n:,} records" in window.statusBar().currentMessage()
    assert window.records.model.rowCount() == n  # the records screen follows


def test_source_database_override_is_stored(qtbot, window, tmp_path):
    screen = window.screen_widgets["import"]
    psy, _pub = write_demo_exports(tmp_path / "exports")
    [f] = _added(qtbot, screen, [psy])
    assert f.detected_db == "PsycINFO"
    index = screen.pending.index(0, PendingFilesModel.DATABASE)
    assert screen.pending.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert screen.pending.setData(index, "psyndex")  # typed as free text: shown and stored by its canonical name
    assert screen.pending.data(index) == "PSYNDEX"
    task = screen.start_import()
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    assert _records(window.db, source_db="PSYNDEX") == 13
    assert _records(window.db, source_db="PsycINFO") == 0


def test_csv_column_mapping_reaches_the_importer(qtbot, window):
    screen = window.screen_widgets["import"]
    [f] = _added(qtbot, screen, [DATA / "_baseline_pubmed.csv"])
    assert f.tabular and f.columns is not None and "Citation" in f.columns.headers
    assert f.columns.mapping.get("title") == "Title"
    dialog = ColumnMappingDialog(f.path.name, f.columns, parent=screen)
    assert dialog.mapping() == {}  # the automatic mapping as is
    box = dialog.boxes["journal"]
    box.setCurrentIndex(box.findData("Citation"))
    assert dialog.mapping() == {"journal": "Citation"}
    f.mapping = dialog.mapping()
    dialog.close()
    task = screen.start_import()
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    assert task.outcome == "ok"
    with window.db.session() as s:
        journals = list(s.exec(select(Record.journal).order_by(Record.id)).all())
        batch = s.exec(select(ImportBatch)).one()
    assert journals[0].startswith("Eur J Med Genet. 2020 Feb")
    assert batch.options == {"mapping": {"journal": "Citation"}}


def test_cancel_rolls_the_import_back(qtbot, window, tmp_path):
    screen = window.screen_widgets["import"]
    files = _added(qtbot, screen, write_demo_exports(tmp_path / "exports"))
    gate = threading.Event()
    blocker = run_task("hold the write queue", lambda: gate.wait(10), write=True, dialog=False)
    task = screen.start_import()
    assert screen.cancel_button.isVisible()
    qtbot.mouseClick(screen.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: bool(task.outcome and blocker.outcome), timeout=30_000)
    assert task.outcome == "cancelled"
    assert _records(window.db) == 0 and screen.batches.rowCount() == 0
    assert "cancelled" in screen.note.text().lower()
    assert all(f.state == "ready" for f in files) and not screen.cancel_button.isVisible()


def test_unreadable_and_repeated_files_give_errors_naming_the_file(qtbot, window, tmp_path):
    screen = window.screen_widgets["import"]
    junk = tmp_path / "notes.txt"
    junk.write_text("just some notes\nnothing bibliographic here\n", encoding="utf-8")
    [bad] = _added(qtbot, screen, [junk])
    assert bad.state == "error" and "notes.txt" in bad.message
    assert screen.import_button.text() == "Import"  # nothing ready
    psy, _ = write_demo_exports(tmp_path / "exports")
    [ok] = _added(qtbot, screen, [psy])
    task = screen.start_import()
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    again = tmp_path / "again.ris"
    again.write_bytes(psy.read_bytes())
    [dup] = _added(qtbot, screen, [again])  # marked before anyone presses Import
    assert dup.state == "duplicate" and dup.message.startswith("batch 1 (")
    assert screen.pending.data(screen.pending.index(2, 4)).startswith("Already imported as batch 1")
    assert screen.start_import() is None and screen.import_button.text() == "Import"
    assert _records(window.db) == 13


def test_import_models_pass_the_qt_model_tester(qtmodeltester, qtbot, window, tmp_path):
    screen = window.screen_widgets["import"]
    _added(qtbot, screen, write_demo_exports(tmp_path / "exports"))
    qtmodeltester.check(screen.pending)
    task = screen.start_import()
    qtbot.waitUntil(lambda: bool(task.outcome), timeout=30_000)
    model = BatchesModel(window.db)
    assert model.rowCount() == 2
    qtmodeltester.check(model)


@pytest.mark.parametrize("width", [962, 1100, 1400, 1800])
def test_the_drop_hint_never_runs_into_the_choose_button(qtbot, window, width):
    """The hint wraps in its own column: at every window width its text fits its box and the box ends before
    the "or" and the button begin (the old one-line hint ended in "or" right against the button)."""
    window.resize(width, 700)
    window.show()
    qtbot.waitExposed(window)
    screen = window.screen_widgets["import"]
    hint, button = screen.hint, screen.choose
    qtbot.waitUntil(lambda: hint.width() > 0 and button.isVisible())
    gap = button.mapTo(screen.drop, button.rect().topLeft()).x() - hint.geometry().right()
    assert gap >= 12, gap
    assert hint.heightForWidth(hint.width()) <= hint.height()  # no line cut off
    assert not hint.text().rstrip().endswith("or")
