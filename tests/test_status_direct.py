"""``metasift status`` read through the database driver alone (`db.direct`, `screening.status.direct_status`):
the same document as the review opened the normal way, on SQLite and PostgreSQL, without importing SQLAlchemy;
where the two could differ (an older or newer schema, a damaged review row, a reader a blind stage hides votes
from) the driver path steps aside and the normal way answers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from counts_review import EXPECTED, build

from cli.app import main
from db.revision import SCHEMA_REVISION
from screening import decisions, team
from screening.status import direct_status, review_status
from tests.test_decisions import add_records

TA = "title_abstract"
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "alembic", "db.models", "db.engine", "keyring", "tomlkit",
         "screening.criteria.build", "numpy")


def test_the_driver_path_gives_the_normal_document(review):
    build(review)
    direct = direct_status(review.target, "ann")
    assert direct is not None
    assert direct == review_status(review) and direct.to_json() == review_status(review).to_json()
    doc = direct.to_json()
    assert doc["screening"] == EXPECTED["stages"]
    assert (doc["unique"], doc["independent_samples"], doc["decisions"]) == (8, 6, 19)


def test_status_imports_neither_sqlalchemy_nor_the_models(review):
    build(review)
    code = ("import json, sys; from cli.app import main; main(['status', sys.argv[1], '--json']); "
            f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, review.target], capture_output=True, text=True, check=True)
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []
    assert json.loads(proc.stdout)["screening"] == EXPECTED["stages"]


def test_a_reader_whom_a_blind_stage_hides_votes_from_is_answered_the_normal_way(review, capsys):
    r1, r2, *_ = add_records(review, 4)
    team.add(review, "lea", "Lea", ["lead"])
    for name in ("Ann", "Bob"):
        team.add(review, "lea", name, ["screener"])
    decisions.decide(review, r1, "bob", TA, "maybe")  # a conflict, for those who may see bob's vote
    decisions.decide(review, r2, "bob", TA, "include")
    assert direct_status(review.target, "ann") is None  # blind: ann has not voted on r1
    lead = direct_status(review.target, "lea")
    assert lead is not None and lead.counts.stages[TA].conflicts == 1
    review.viewer = "lea"
    assert lead == review_status(review)

    def status_as(who: str) -> dict:  # `status` reads as $METASIFT_USER
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("METASIFT_USER", who)
            assert main(["status", review.target, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    ann = status_as("ann")
    assert (ann["screening"][TA]["conflicts"], ann["screening"][TA]["pending"]) == (0, 4)
    assert status_as("lea")["screening"] == lead["screening"]


def test_an_older_newer_or_damaged_review_is_opened_the_normal_way(tmp_path, capsys):
    from db.engine import create_review

    db = create_review(tmp_path / "r.metasift", title="Revisions")
    build(db)
    db.close()
    review = str(tmp_path / "r.metasift")
    assert direct_status(review, "ann") is not None
    with sqlite3.connect(review) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    assert direct_status(review, "ann") is None
    assert main(["status", review]) == 2
    assert "was written by a newer MetaSift (schema revision 9999)" in capsys.readouterr().err
    with sqlite3.connect(review) as con:
        con.execute("UPDATE alembic_version SET version_num = '0004'")
    assert direct_status(review, "ann") is None  # an older schema: the normal way upgrades it first
    with sqlite3.connect(review) as con:
        con.execute("UPDATE alembic_version SET version_num = ?", (SCHEMA_REVISION,))
        con.execute("UPDATE review SET created_at = 'not a time'")
    assert direct_status(review, "ann") is None
    assert main(["status", review]) == 1
    err = capsys.readouterr().err
    assert "is damaged (stored times: review.created_at" in err and "Traceback" not in err
    assert direct_status(str(tmp_path / "missing.metasift"), "ann") is None
    assert main(["status", str(tmp_path / "missing.metasift")]) == 2
