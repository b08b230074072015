"""A protocol change is a logged, versioned act (migration 0007): versions with who, when and what changed; the
review's protocol is the latest; decisions and coded effects record the version they were made under; an older
review upgrades with its stored protocol as version 1."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import text
from sqlmodel import select

from db import protocol_store
from db.engine import alembic_config, create_review, open_review
from db.errors import InputError
from db.models import ScreeningDecision
from extraction.coding import code_effect, effects
from extraction.protocol_check import store_protocol
from screening import decisions
from screening.protocol import default_protocol_text
from screening.review_protocol import current_protocol, describe_changes, protocol_of
from screening.team import PermissionRefused
from tests.conftest import DATA
from tests.test_coding import MODS, add_records

TA = "title_abstract"


def _with_reason(base: str, reason: str) -> str:
    """``base`` with one more title/abstract exclusion reason (a real edit of the bundled protocol's text)."""
    line = '  "no alliance-outcome relation",\n'  # a title/abstract reason (not one of full text's)
    out = base.replace(line, line + f'  "{reason}",\n', 1)
    assert out != base
    return out


CUSTOM = _with_reason(default_protocol_text(), "wrong language")


def test_a_review_created_with_a_protocol_has_it_as_version_1(tmp_path):
    db = create_review(tmp_path / "r.metasift", protocol=CUSTOM, protocol_name="alliance-outcome", by="ann")
    try:
        (v1,) = protocol_store.versions(db)
        assert (v1.version, v1.text, v1.who, v1.name) == (1, CUSTOM, "ann", "alliance-outcome")
        assert current_protocol(db).version == 1 and "wrong language" in protocol_of(db).exclusion_reasons[TA]
    finally:
        db.close()


def test_each_change_is_the_next_version_and_new_work_records_it(review):
    """On both back ends: a review without a stored protocol uses the bundled one (version None); each save is
    the next version with who and what changed; decisions and effects made afterwards name that version."""
    db = review
    (rid,) = add_records(db, ("P1", ["Smith, J."], 2001))
    assert decisions.decide(db, rid, "ann", TA, "include").protocol_version is None
    first = store_protocol(db, default_protocol_text(), "ann")
    assert first.version == 1 and first.summary == "Changes: first protocol stored for the review"
    row = store_protocol(db, _with_reason(first.text, "wrong language"), "ann", "Spanish papers are out")
    assert row.version == 2 and row.who == "ann"
    assert row.summary == ("Spanish papers are out. Changes: [exclusion_reasons] title_abstract: added "
                           "'wrong language'")
    assert "wrong language" in protocol_of(db).exclusion_reasons[TA]
    assert db.review().protocol == row.text  # the copy older MetaSift versions read
    d = decisions.decide(db, rid, "ann", TA, "exclude", reason="wrong language")
    assert d.protocol_version == 2 and decisions.LoggedDecision.of(d).to_json()["protocol_version"] == 2
    e = code_effect(db, rid, "ann", "r", 0.3, n=30, moderators=MODS)
    assert e.protocol_version == 2
    with pytest.raises(InputError, match="is the same as protocol version 2; nothing was stored"):
        store_protocol(db, row.text, "ann")
    assert [v.version for v in protocol_store.versions(db)] == [1, 2]


def test_an_invalid_protocol_names_the_key_and_stores_nothing(sqlite_review):
    db = sqlite_review
    bad = default_protocol_text().replace('rule = "two_agree"', 'rule = "three_agree"')
    with pytest.raises(InputError, match=r"new\.toml.*\[stages\] rule: unknown rule 'three_agree'"):
        store_protocol(db, bad, "ann", where="new.toml")
    bad_codebook = default_protocol_text() + '\n[codebook.custom_fields]\ndose = {type = "weight"}\n'
    with pytest.raises(InputError, match=r"new\.toml.*custom_fields\.dose: type must be one of"):
        store_protocol(db, bad_codebook, "ann", where="new.toml")
    assert protocol_store.versions(db) == [] and current_protocol(db).version is None


def test_only_a_lead_changes_the_protocol_once_the_roster_is_managed(sqlite_review):
    from screening import team

    db = sqlite_review
    team.add(db, "lea", "Lea", ["lead"])
    team.add(db, "lea", "Sam", ["screener"])
    with pytest.raises(PermissionRefused, match="Sam may not change the review's protocol"):
        store_protocol(db, CUSTOM, "sam")
    assert protocol_store.versions(db) == []
    assert store_protocol(db, CUSTOM, "lea").version == 1


def test_describe_changes_says_what_changed_in_words():
    old = {"name": "a", "stages": {"rule": "two_agree"}, "keywords": {"include": ["x", "y"]}}
    new = {"name": "a", "stages": {"rule": "one_reviewer"}, "keywords": {"include": ["y", "z"]},
           "codebook": {"custom_fields": {"dose": {"type": "number"}}}}
    assert describe_changes(old, new) == ["[stages] rule: 'two_agree' -> 'one_reviewer'",
                                          "[keywords] include: added 'z'; removed 'x'",
                                          "[codebook.custom_fields.dose]: added"]
    assert describe_changes(old, old) == []


def _upgrade_to(path, revision: str) -> None:
    from alembic import command

    with sqlite3.connect(path) as c:  # as the app does before a batch-mode upgrade
        c.execute("PRAGMA foreign_keys=OFF")
    cfg = alembic_config("sqlite:///" + str(path))
    command.upgrade(cfg, revision)


def test_a_0005_review_upgrades_with_its_stored_protocol_as_version_1(tmp_path):
    """The 0003 review of tests/data brought to 0005 by the migrations, with the protocol a 0005-era
    `init --protocol` stored in ``review.protocol``; opened now it is upgraded to 0007 with nothing lost."""
    path = tmp_path / "old.metasift"
    shutil.copyfile(DATA / "review_0003.metasift", path)
    _upgrade_to(path, "0005")
    with sqlite3.connect(path) as c:
        c.execute("UPDATE review SET protocol = ?, protocol_name = 'alliance-outcome'", (CUSTOM,))
        old_decisions = c.execute("SELECT id, reviewer, verdict, reason FROM screening_decision ORDER BY id").fetchall()
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == ("0005",)
    db = open_review(path)
    try:
        assert db.backup_path is not None
        (v1,) = protocol_store.versions(db)
        assert (v1.version, v1.text, v1.who, v1.name) == (1, CUSTOM, "migration", "alliance-outcome")
        assert "wrong language" in protocol_of(db).exclusion_reasons[TA]
        with db.session() as s:
            rows = list(s.exec(select(ScreeningDecision).order_by(ScreeningDecision.id)))
        assert [(r.id, r.reviewer, r.verdict, r.reason) for r in rows] == old_decisions
        assert {r.protocol_version for r in rows} == {None}  # made before versions existed
        assert {e.protocol_version for e in effects(db)} == {None}
        row = store_protocol(db, _with_reason(CUSTOM, "no outcome measure"), "carol", "outcome reason")
        assert row.version == 2
        d = decisions.decide(db, 4, "carol", TA, "exclude", reason="no outcome measure")
        assert d.protocol_version == 2
    finally:
        db.close()


def test_a_review_without_a_stored_protocol_upgrades_with_none_and_uses_the_bundled_one(tmp_path):
    path = tmp_path / "old.metasift"
    shutil.copyfile(DATA / "review_0003.metasift", path)
    db = open_review(path)
    try:
        assert protocol_store.versions(db) == []
        cur = current_protocol(db)
        assert cur.version is None and cur.protocol.name == "alliance-outcome"
        assert decisions.decide(db, 4, "carol", TA, "include").protocol_version is None
        first = store_protocol(db, CUSTOM, "carol")
        assert first.version == 1 and first.summary.startswith("Changes: first protocol stored")
    finally:
        db.close()


def test_downgrade_below_0007_keeps_the_current_protocol_in_the_review_row(tmp_path):
    from alembic import command

    db = create_review(tmp_path / "r.metasift", protocol=default_protocol_text(), protocol_name="alliance-outcome")
    store_protocol(db, CUSTOM, "ann")
    db.close()
    with sqlite3.connect(tmp_path / "r.metasift") as c:
        c.execute("PRAGMA foreign_keys=OFF")
    command.downgrade(alembic_config("sqlite:///" + str(tmp_path / "r.metasift")), "0005")
    with sqlite3.connect(tmp_path / "r.metasift") as c:
        assert c.execute("SELECT protocol FROM review").fetchone() == (CUSTOM,)
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "protocol_version" not in tables
    db = open_review(tmp_path / "r.metasift")  # and up again: the text becomes version 1
    try:
        assert [v.text for v in protocol_store.versions(db)] == [CUSTOM]
    finally:
        db.close()


@pytest.mark.postgres
def test_postgres_review_at_0005_upgrades_with_its_protocol_as_version_1(pg_database):
    from alembic import command

    create_review(pg_database, protocol=CUSTOM, protocol_name="alliance-outcome").close()
    db = open_review(pg_database)
    with db.engine.begin() as conn:
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
        assert conn.execute(text("SELECT protocol FROM review")).scalar_one() == CUSTOM
    db.close()
    db = open_review(pg_database)
    try:
        (v1,) = protocol_store.versions(db)
        assert (v1.version, v1.text, v1.who) == (1, CUSTOM, "migration")
        with db.session() as s:
            policies = s.exec(text("SELECT count(*) FROM pg_policies WHERE tablename = 'protocol_version'")
                              ).scalar_one()
        assert policies == 2
    finally:
        db.close()


def test_an_edit_begun_on_an_older_version_is_refused_not_stored_over_it(sqlite_review):
    db = sqlite_review
    store_protocol(db, default_protocol_text(), "ann", base=None)  # began from the bundled protocol
    store_protocol(db, CUSTOM, "bob", "bob's change", base=1)
    with pytest.raises(InputError, match="protocol version 2 was stored by someone else while you edited "
                                         "version 1; nothing was stored"):
        store_protocol(db, _with_reason(default_protocol_text(), "other"), "ann", base=1)
    assert [v.who for v in protocol_store.versions(db)] == ["ann", "bob"]


def test_a_stored_version_is_named_alike_by_its_parse_and_its_coding_settings(sqlite_review):
    """One label for a stored protocol (`screening.protocol.protocol_label`): a broken [aggregation] (read by
    the coding settings) and broken TOML (read by the protocol parse) both name '<review> protocol version N'."""
    from extraction.coding import settings

    db = sqlite_review
    with db.transaction() as session:
        protocol_store.append(session, default_protocol_text() + "\n[aggregation]\nrho = 2\n", name="alliance",
                              summary="edited outside MetaSift", who="lea")
    number = current_protocol(db).version
    label = f"{db.name} protocol version {number}"
    assert current_protocol(db).where == label
    with pytest.raises(InputError, match=r"\[aggregation\] rho: expected a number in \[0, 1\], got 2") as bad:
        settings(db)
    assert str(bad.value).startswith(label)
    with db.transaction() as session:
        protocol_store.append(session, "title = [unclosed", name="alliance", summary="broken", who="lea")
    with pytest.raises(InputError) as broken:
        protocol_of(db)
    assert str(broken.value).startswith(f"{db.name} protocol version {number + 1}")
