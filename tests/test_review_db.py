"""The review database: creation at head, reopening, refusing newer files, upgrading older ones."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from db.engine import (
    SCHEMA_REVISION,
    alembic_config,
    create_review,
    head_revision,
    make_engine,
    open_review,
    review_url,
)
from db.errors import InputError, ReviewVersionError


def test_new_review_is_at_head_and_reopens(review_target):
    db = create_review(review_target, title="Alliance")
    db.close()
    db = open_review(review_target)
    try:
        assert db.review().title == "Alliance"
        with db.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    finally:
        db.close()


def test_the_written_out_revision_is_alembics_head():
    # opening an up-to-date review compares with SCHEMA_REVISION and never loads Alembic
    assert SCHEMA_REVISION == head_revision()


def test_opening_an_up_to_date_review_does_not_load_alembic(tmp_path):
    import subprocess
    import sys

    create_review(tmp_path / "r.metasift").close()
    code = ("import sys; from db.engine import open_review; db = open_review(sys.argv[1]); db.close(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.metasift")], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"


def test_models_match_the_head_migration(review_target):
    """A database built by running every migration has exactly the tables and columns of the models."""
    url = review_url(review_target)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_creating_over_an_existing_review_is_refused(review_target):
    create_review(review_target).close()
    with pytest.raises(InputError, match="already"):
        create_review(review_target)


def test_review_from_a_newer_metasift_is_refused_unchanged(review_target):
    db = create_review(review_target)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    db.close()
    with pytest.raises(ReviewVersionError, match="newer MetaSift"):
        open_review(review_target)
    engine = make_engine(review_url(review_target))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999_future"
    engine.dispose()


def test_older_review_is_backed_up_and_upgraded_without_losing_data(tmp_path):
    """Build a review at the first revision, store data, open it with this MetaSift."""
    path = tmp_path / "old.metasift"
    url = review_url(path)
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO review (title, app_version) VALUES ('Old review', '0.0.1')"))
        conn.execute(text("INSERT INTO import_batch (file_name, sha256, format, source_db, record_count, "
                          "imported_by, options) VALUES ('a.ris', 'abc', 'ris', 'PsycINFO', 1, 'me', '{}')"))
        conn.execute(text("INSERT INTO record (batch_id, ordinal, source_id, title, abstract, authors, "
                          "journal, volume, issue, pages, doi, pmid, other_ids, language, keywords, "
                          "pub_type, url, raw) VALUES (1, 1, 'X1', 'The alliance', '', '[\"A, B\"]', '', '', "
                          "'', '', '', '', '{}', '', '[]', '', '', '{}')"))
    engine.dispose()
    db = open_review(path)
    try:
        with db.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head_revision()
            assert conn.execute(text("SELECT title FROM record")).scalar() == "The alliance"
        if head_revision() != "0001":
            assert db.backup_path is not None and db.backup_path.exists()
            with sqlite3.connect(db.backup_path) as bak:
                assert bak.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
                assert bak.execute("SELECT title FROM record").fetchone()[0] == "The alliance"
        else:
            assert db.backup_path is None
    finally:
        db.close()


def test_opening_something_that_is_not_a_review(tmp_path):
    junk = tmp_path / "notes.metasift"
    junk.write_text("just some text, not a database\n" * 50)
    with pytest.raises(InputError, match="not a MetaSift review"):
        open_review(junk)
    empty_db = tmp_path / "empty.sqlite"
    sqlite3.connect(empty_db).execute("CREATE TABLE t (x int)").connection.close()
    with pytest.raises(InputError, match="not a MetaSift review"):
        open_review(empty_db)
    with pytest.raises(InputError, match="no review at"):
        open_review(tmp_path / "missing.metasift")
