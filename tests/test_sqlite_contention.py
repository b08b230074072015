"""SQLite: a decision made while another process imports 100,000 records waits and is stored, or says clearly
that it was not stored — never "internal error: database is locked" with the decision lost (issue 14)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from cli.app import main
from db.engine import create_review
from screening import team
from tests.conftest import ROOT
from tests.test_decisions import add_records


def _write_ris(path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        for i in range(n):
            out.write(f"TY  - JOUR\r\nTI  - Alliance and outcome in study {i}\r\nAU  - Author, A{i % 97}\r\n"
                      f"PY  - {1990 + i % 30}\r\nJO  - Journal {i % 50}\r\nAB  - An abstract of study {i}.\r\n"
                      "ER  - \r\n\r\n")


def _write_locked(path) -> bool:
    """True while another connection holds the file's write lock."""
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def _decisions(path) -> int:
    with sqlite3.connect(path) as c:
        return c.execute("SELECT count(*) FROM screening_decision").fetchone()[0]


def test_a_decision_during_a_100k_import_waits_or_says_it_was_not_stored(tmp_path, capsys, monkeypatch):
    path = tmp_path / "busy.metasift"
    db = create_review(path)
    rid = add_records(db, 1)[0]
    team.add(db, "lea", "Lea", ["lead", "screener"])
    db.close()
    big = tmp_path / "big.ris"
    _write_ris(big, 100_000)
    # 1) another program holds the write lock and the person will not wait long: a clear message, nothing stored
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        monkeypatch.setenv("METASIFT_WRITE_WAIT", "1")
        code = main(["screen", str(path), "--record", f"#{rid}", "--decision", "include", "--reviewer", "lea"])
        err = capsys.readouterr().err
        assert code == 1 and "NOT stored" in err and "internal error" not in err, err
    finally:
        holder.rollback()
        holder.close()
    assert _decisions(path) == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    importer = subprocess.Popen([sys.executable, "-m", "cli.app", "import", str(path), str(big), "--reviewer",
                                 "lea", "--json"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _write_locked(path):
            assert importer.poll() is None, importer.communicate()
            assert time.monotonic() < deadline, "the import never took the write lock"
            time.sleep(0.05)
        # 2) the default: the decision waits for the import and is stored
        monkeypatch.delenv("METASIFT_WRITE_WAIT")
        still_importing = importer.poll() is None
        code = main(["screen", str(path), "--record", f"#{rid}", "--decision", "include", "--reviewer", "lea",
                     "--json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert json.loads(out.out)["decision"]["verdict"] == "include"
        out_import, err_import = importer.communicate(timeout=600)
        assert importer.returncode == 0, err_import
        assert _decisions(path) == 1
        with sqlite3.connect(path) as c:
            assert c.execute("SELECT count(*) FROM record").fetchone()[0] == 100_001
        assert still_importing, "the import finished before the decision was made: the test proved nothing"
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait()


@pytest.mark.parametrize("text", ["database is locked", "database is busy"])
def test_busy_is_recognised(text):
    from sqlalchemy.exc import OperationalError

    from db.engine import is_busy

    assert is_busy(OperationalError("INSERT", {}, sqlite3.OperationalError(text)))
    assert not is_busy(OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error")))
