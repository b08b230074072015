"""Upgrading a review written by MetaSift at schema 0005 to 0006: the stored database names MetaSift wrote
itself become the canonical names of issue 11 ("Web of Science" -> "Web of Science Core Collection",
"Cochrane Database of Systematic Reviews" -> "CDSR"), PRISMA's per-database counts show them, the rename is
logged in each batch's database history, and nothing else changes. Downgrading gives the old rows back."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import text
from sqlmodel import select

from db.engine import SCHEMA_REVISION, alembic_config, create_review, open_review
from db.models import ImportBatch
from extraction.prisma import prisma_counts
from tests.conftest import DATA

OLD = DATA / "review_0005.metasift"
TABLES = ("review", "import_batch", "member", "record", "screening_decision", "effect_size")
WOS = "Web of Science Core Collection"
PER_DB = {WOS: 14, "PubMed": 50, "CDSR": 1, "Web of Science via our library": 1}


def _rows(path, table: str) -> list[tuple]:
    """The rows of ``table`` in the columns it had at 0005 (later migrations, such as 0007's protocol
    version of each decision, add columns this test does not judge)."""
    with sqlite3.connect(OLD) as c:
        columns = ", ".join(f'"{r[1]}"' for r in c.execute(f"PRAGMA table_info({table})"))
    with sqlite3.connect(path) as c:
        return c.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()


def _check_upgraded(db) -> None:
    with db.session() as s:
        batches = {b.file_name: b for b in s.exec(select(ImportBatch))}
    assert {n: b.source_db for n, b in batches.items()} == {
        "jabref__IsiImporterTestWOS.isi": WOS, "_baseline_webofscience.ris": WOS, "_baseline_pubmed.ris": "PubMed",
        "cdsr.txt": "CDSR", "typed.ris": "Web of Science via our library", "fixed.ris": WOS}
    assert prisma_counts(db).identified_per_database == PER_DB
    assert batches["fixed.ris"].options["database_history"] == [  # the person's correction, then the rename
        {"from": "Scopus", "to": "Web of Science", "by": "bob"},
        {"from": "Web of Science", "to": WOS, "by": "migration 0006", "why": "canonical database name"}]
    assert batches["cdsr.txt"].options == {"database_history": [
        {"from": "Cochrane Database of Systematic Reviews", "to": "CDSR", "by": "migration 0006",
         "why": "canonical database name"}]}
    assert batches["_baseline_pubmed.ris"].options == {} and batches["typed.ris"].options == {}


def _downgrade(db, to: str) -> None:
    from alembic import command

    with db.engine.begin() as conn:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, to)


def test_sqlite_review_from_0005_gets_canonical_names_and_nothing_else_changes(tmp_path):
    path = tmp_path / "old.metasift"
    shutil.copyfile(OLD, path)
    db = open_review(path)
    try:
        assert db.backup_path is not None
        _check_upgraded(db)
    finally:
        db.close()
    for table in TABLES:
        old, new = _rows(OLD, table), _rows(path, table)
        if table == "import_batch":  # columns: id file_name sha256 format source_db record_count at by options
            old = [r[:4] + r[5:8] for r in old]
            new = [r[:4] + r[5:8] for r in new]
        assert new == old, table
    db = open_review(path)
    try:
        _downgrade(db, "0005")
    finally:
        db.close()
    for table in TABLES:  # downgrade: every row exactly as MetaSift 0005 wrote it
        assert _rows(path, table) == _rows(OLD, table), table


@pytest.mark.postgres
def test_postgres_review_from_0005_gets_canonical_names(pg_database):
    """The same rows in a PostgreSQL review at 0005 (a new review downgraded, then the old file's rows
    loaded table by table) upgrade the same way; downgrading restores the old names and options."""
    create_review(pg_database).close()
    db = open_review(pg_database)
    _downgrade(db, "0005")
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM review"))
        conn.execute(text("DELETE FROM member"))
        with sqlite3.connect(OLD) as old:
            for table in TABLES:
                cur = old.execute(f"SELECT * FROM {table} ORDER BY id")
                cols = [d[0] for d in cur.description]
                types = {c: _pg_type(conn, table, c) for c in cols}
                marks = ", ".join(f"CAST(:{c} AS {types[c]})" for c in cols)
                for row in cur.fetchall():  # SQLite keeps booleans as 0/1
                    values = {c: bool(v) if types[c] == "boolean" else v for c, v in zip(cols, row, strict=True)}
                    conn.execute(text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"), values)
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"coalesce((SELECT max(id) FROM {table}), 1))"))
    db.close()
    db = open_review(pg_database)
    try:
        with db.session() as s:
            assert s.exec(text("SELECT version_num FROM alembic_version")).scalar_one() == SCHEMA_REVISION
            titles = list(s.exec(text("SELECT id, source_id, title FROM record ORDER BY id")))
            decided = list(s.exec(text("SELECT record_id, reviewer, verdict, reason FROM screening_decision "
                                       "ORDER BY id")))
        _check_upgraded(db)
        with sqlite3.connect(OLD) as old:
            assert [tuple(r) for r in titles] == old.execute("SELECT id, source_id, title FROM record ORDER BY id"
                                                             ).fetchall()
            assert [tuple(r) for r in decided] == old.execute(
                "SELECT record_id, reviewer, verdict, reason FROM screening_decision ORDER BY id").fetchall()
        _downgrade(db, "0005")
        with db.session() as s:
            got = {r[0]: (r[1], r[2]) for r in s.exec(text("SELECT file_name, source_db, options FROM import_batch"))}
        with sqlite3.connect(OLD) as old:
            import json
            want = {n: (d, json.loads(o)) for n, d, o in old.execute(
                "SELECT file_name, source_db, options FROM import_batch")}
        assert got == want
    finally:
        db.close()


def _pg_type(conn, table: str, column: str) -> str:
    return conn.execute(text("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                             "WHERE a.attrelid = CAST(:t AS regclass) AND a.attname = :c"),
                        {"t": table, "c": column}).scalar_one()
