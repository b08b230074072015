"""Upgrading a review written by MetaSift at schema 0003 (before the team) to 0004: nothing is lost, the
distinct names become members (one per identity), a lead is chosen, and the review works as a team review."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import text
from sqlmodel import select

from db.engine import SCHEMA_REVISION, alembic_config, create_review, open_review
from db.models import EffectSize, Member, ScreeningDecision, TeamEvent
from screening import decisions, outcomes, team
from tests.conftest import DATA

OLD = DATA / "review_0003.metasift"
TABLES = ("review", "import_batch", "record", "duplicate_decision", "sample_link", "screening_decision",
          "effect_size")


def _old_rows(table: str) -> list[tuple]:
    with sqlite3.connect(OLD) as c:
        return c.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def _check_upgraded(db) -> None:
    with db.session() as s:
        members = {m.identity: m for m in s.exec(select(Member))}
        rows = list(s.exec(select(ScreeningDecision).order_by(ScreeningDecision.id)))
        coded = list(s.exec(select(EffectSize).order_by(EffectSize.id)))
        event = s.exec(select(TeamEvent).where(TeamEvent.kind == "migrated")).one()
    assert set(members) == {"ann", "bob", "carol"}  # Ann, ann, ann+ZWSP -> ann; "bob ", Bob, bob -> bob
    assert members["carol"].role_set == {"lead", "screener", "coder"}  # the first to resolve a conflict
    assert members["ann"].role_set == {"screener", "coder"}
    old = _old_rows("screening_decision")
    assert len(rows) == len(old) == 10 and len(coded) == 2
    assert [r.reviewer for r in rows] == ["ann", "bob", "ann", "bob", "ann", "bob", "bob", "bob", "carol", "ann+bob"]
    assert all(r.member_id == members[r.reviewer.split("+")[0]].id for r in rows)
    assert [(r.kind, r.verdict, r.reason, r.note, r.method, r.undoes) for r in rows] == [
        (o[5], o[6], o[7], o[8], o[10], o[11]) for o in old]  # every other field as it was
    assert [c.coder for c in coded] == ["ann", "bob"] and all(c.member_id for c in coded)
    assert event.detail["renamed"]["Ann"] == "ann" and event.detail["renamed"]["ann\u200b"] == "ann"
    assert event.detail["lead"] == "carol"
    for table in ("record", "import_batch"):
        with db.session() as s:
            assert s.exec(text(f"SELECT count(*) FROM {table}")).scalar_one() == len(_old_rows(table))
    # outcomes as before: #1 resolved include, #2 both include, #3 resolved by consensus, #4 one vote
    got = {rid: o.state for rid, o in outcomes.outcomes(db, "title_abstract").items()}
    assert got == {1: "included", 2: "included", 3: "included", 4: "pending"}
    # a managed roster now: strangers are refused, the lead adds people, blind works
    with pytest.raises(team.PermissionRefused):
        decisions.decide(db, 4, "mallory", "title_abstract", "include")
    team.add(db, "carol", "Dee", ["screener"])
    db.viewer = "dee"
    assert decisions.history(db, 4) == []
    decisions.decide(db, 4, "dee", "title_abstract", "include")
    assert [h.reviewer for h in decisions.history(db, 4)] == ["bob", "dee"]


def test_sqlite_review_from_0003_upgrades_without_loss(tmp_path):
    path = tmp_path / "old.metasift"
    shutil.copyfile(OLD, path)
    db = open_review(path)
    try:
        assert db.backup_path is not None and db.backup_path.is_file()
        with sqlite3.connect(db.backup_path) as c:
            assert c.execute("SELECT version_num FROM alembic_version").fetchone() == ("0003",)
        _check_upgraded(db)
    finally:
        db.close()
    db = open_review(path)  # reopening: already at 0004, nothing more happens
    assert db.backup_path is None
    db.close()


@pytest.mark.postgres
def test_postgres_review_from_0003_upgrades_without_loss(pg_database):
    """The same rows in a PostgreSQL review at 0003 (made by downgrading a new review, then loading the old
    file's rows table by table) upgrade the same way, and the server's policies are installed."""
    from alembic import command

    create_review(pg_database).close()
    db = open_review(pg_database)
    with db.engine.begin() as conn:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
        conn.execute(text("DELETE FROM review"))
        with sqlite3.connect(OLD) as old:
            for table in TABLES:
                cur = old.execute(f"SELECT * FROM {table} ORDER BY id")
                cols = [d[0] for d in cur.description]
                for row in cur.fetchall():
                    values = dict(zip(cols, row, strict=True))
                    names = ", ".join(cols)
                    marks = ", ".join(f"CAST(:{c} AS {_pg_type(conn, table, c)})" for c in cols)
                    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)
            for table in TABLES:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"coalesce((SELECT max(id) FROM {table}), 1))"))
    db.close()
    db = open_review(pg_database)
    try:
        with db.session() as s:
            assert s.exec(text("SELECT version_num FROM alembic_version")).scalar_one() == SCHEMA_REVISION  # the head
            policies = s.exec(text("SELECT count(*) FROM pg_policies WHERE tablename = 'screening_decision'")
                              ).scalar_one()
        assert policies >= 2
        _check_upgraded(db)
    finally:
        db.close()


def _pg_type(conn, table: str, column: str) -> str:
    return conn.execute(text("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                             "WHERE a.attrelid = CAST(:t AS regclass) AND a.attname = :c"),
                        {"t": table, "c": column}).scalar_one()
