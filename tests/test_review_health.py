"""Read-only and damaged review files, on real files: a read-only review reads (status, records, export) and
says it cannot write; a damaged one says "damaged" and which check failed.

Read-only folders/files are real chmod ones; as root (who may write anyway) the commands run with the effective
user ``nobody``. The read-only file system is a real read-only tmpfs where mounting works (root).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from as_nobody import ordinary_user, shared_folder
from counts_review import build

from cli.app import main
from db.engine import create_review, open_review
from db.errors import InputError
from db.health import DamagedReview, ReadOnlyReview, diagnose
from screening.decisions import decide

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder every user may enter (pytest's tmp_path is private to its owner)."""
    yield from shared_folder("metasift-health-")


def _made(folder: Path) -> Path:
    db = create_review(folder / "r.metasift", title="Health")
    build(db)
    db.close()
    return folder / "r.metasift"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _check_read_only(capsys, review: Path, out_dir: Path) -> None:
    spare = out_dir / "spare.metasift"  # every command once on a writable copy: modules loaded before the switch
    shutil.copyfile(review, spare)
    spare.chmod(0o644)
    for argv in (["status", str(spare)], ["export", str(spare), str(out_dir / "warm.csv"), "--level", "records"],
                 ["screen", str(spare), "--record", "PUB-m3", "--decision", "include", "--reviewer", "ann"]):
        assert _run(capsys, *argv)[0] == 0
    with ordinary_user():
        code, out, err = _run(capsys, "status", str(review))
        assert code == 0 and "Unique records: 8" in out, err
        assert _run(capsys, "records", str(review), "--limit", "2")[0] == 0
        code, _, err = _run(capsys, "export", str(review), str(out_dir / "records.csv"), "--level", "records")
        assert code == 0 and (out_dir / "records.csv").is_file(), err
        code, _, err = _run(capsys, "screen", str(review), "--record", "PUB-m3", "--decision", "include",
                            "--reviewer", "ann")
    assert code == 1 and "Traceback" not in err and "internal error" not in err
    assert "read-only" in err and "nothing can be stored" in err and str(review) in err


def test_a_read_only_file_reads_and_refuses_writes(shared_dir, capsys):
    folder = shared_dir / "team"
    folder.mkdir()
    review = _made(folder)
    review.chmod(0o444)
    folder.chmod(0o777)
    out_dir = shared_dir / "out"
    out_dir.mkdir()
    out_dir.chmod(0o777)
    _check_read_only(capsys, review, out_dir)


def test_a_review_in_a_read_only_folder(shared_dir, capsys):
    folder = shared_dir / "archive"
    folder.mkdir()
    review = _made(folder)
    folder.chmod(0o555)
    out_dir = shared_dir / "out"
    out_dir.mkdir()
    out_dir.chmod(0o777)
    _check_read_only(capsys, review, out_dir)
    assert sorted(p.name for p in folder.iterdir()) == ["r.metasift"]  # no -wal / -shm left behind


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root")
def test_a_read_only_file_system(tmp_path):
    src = _made(tmp_path)
    mnt = tmp_path / "ro"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("mount is not permitted here")
    try:
        shutil.copyfile(src, mnt / "r.metasift")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        db = open_review(mnt / "r.metasift")
        try:
            assert db.read_only == "it is on a read-only file system"
            assert db.review().title == "Health"
            with pytest.raises(ReadOnlyReview, match="read-only file system"):
                decide(db, 8, "ann", "title_abstract", "include")
        finally:
            db.close()
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_a_truncated_review_is_damaged(tmp_path):
    review = _made(tmp_path)
    data = review.read_bytes()
    review.write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedReview, match="is damaged") as err:
        open_review(review)
    assert "quick_check" in str(err.value) or "SQLite" in str(err.value)
    assert "not a MetaSift review" not in str(err.value)


def test_an_unreadable_time_is_damaged_and_named(tmp_path, capsys):
    review = _made(tmp_path)
    with sqlite3.connect(review) as con:
        con.execute("UPDATE screening_decision SET decided_at = 'yesterday-ish' WHERE id = 3")
    assert diagnose(review) == "stored times: screening_decision.decided_at of row 3 is not a time ('yesterday-ish')"
    assert main(["history", str(review), "--record", "PSY-p3"]) == 1
    err = capsys.readouterr().err
    assert "is damaged (stored times: screening_decision.decided_at of row 3" in err
    assert "internal error" not in err and "isoformat" not in err


def test_a_damaged_review_row_is_found_at_open(tmp_path):
    review = _made(tmp_path)
    with sqlite3.connect(review) as con:
        con.execute("UPDATE review SET created_at = 'not a time'")
    with pytest.raises(DamagedReview, match=r"stored times: review\.created_at"):
        open_review(review)


def test_a_file_that_is_no_database_is_not_called_damaged(tmp_path):
    other = tmp_path / "notes.metasift"
    other.write_text("just some notes\n" * 20)
    with pytest.raises(InputError, match="is not a MetaSift review"):
        open_review(other)


@pytest.mark.gui
def test_the_window_title_says_a_review_is_read_only(shared_dir, qtbot):
    from gui.main_window import MainWindow
    from gui.settings import Settings

    folder = shared_dir / "archive"
    folder.mkdir()
    review = _made(folder)
    writable = open_review(review)
    review.chmod(0o666)  # the file could be written: the folder is what refuses
    folder.chmod(0o555)
    with ordinary_user():  # the folder refuses this user's writes (root may write anywhere)
        db = open_review(review)
    try:
        assert db.read_only == f"its folder {folder} is read-only"
        window = MainWindow(db, Settings(reviewer="ann"))
        qtbot.addWidget(window)
        title = window.windowTitle()
        assert title.startswith("Health — ") and str(review) in title, title
        assert f"(read-only: its folder {folder} is read-only; nothing can be stored)" in title, title
        window.set_review(writable)
        assert "read-only" not in window.windowTitle() and "Health" in window.windowTitle()
    finally:
        db.close()
        writable.close()
