"""On a PostgreSQL team review the server enforces who changes the protocol (migration 0007): real logins of a
lead and two screeners; raw psycopg as each trying the forbidden acts, and the same acts through MetaSift."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from db import protocol_store
from db.engine import open_review
from extraction.protocol_check import store_protocol
from screening import decisions
from screening.protocol import default_protocol_text
from screening.review_protocol import protocol_of
from screening.team import PermissionRefused
from tests.test_protocol_versions import CUSTOM
from tests.test_team_pg import (
    _ids,
    server,  # noqa: F401 - the team review fixture
)

pytestmark = pytest.mark.postgres
TA = "title_abstract"
INSERT = ("INSERT INTO protocol_version (version, name, text, summary, who, member_id) "
          "VALUES (%s, 'x', 'name = \"x\"', 'sneaked in', %s, %s)")


def test_a_lead_stores_a_version_a_screener_cannot_and_nobody_rewrites_one(server):  # noqa: F811
    ids = _ids(server["url"])
    lea = open_review(server["urls"]["lea"])
    try:
        first = store_protocol(lea, default_protocol_text(), "someone else", "start")  # the login counts
        second = store_protocol(lea, CUSTOM, None, "a reason for Spanish papers")
        assert (first.version, second.version, second.who, second.member_id) == (1, 2, "lea", ids["lea"])
    finally:
        lea.close()
    ann = open_review(server["urls"]["ann"])
    try:
        with pytest.raises(PermissionRefused, match="may not change the review's protocol"):
            store_protocol(ann, default_protocol_text(), None)
        assert "wrong language" in protocol_of(ann).exclusion_reasons[TA]  # members read the versions
        d = decisions.decide(ann, server["recs"][0], None, TA, "exclude", reason="wrong language")
        assert d.protocol_version == 2
    finally:
        ann.close()
    with psycopg.connect(server["urls"]["ann"], autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM protocol_version").fetchone()[0] == 2
        with pytest.raises(errors.InsufficientPrivilege):  # a screener: no INSERT privilege at all
            conn.execute(INSERT, (3, "ann", ids["ann"]))
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE protocol_version SET text = 'name = \"x\"'")
    with psycopg.connect(server["urls"]["lea"], autocommit=True) as conn:
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):  # a lead, as another
            conn.execute(INSERT, (3, "ann", ids["ann"]))
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DELETE FROM protocol_version WHERE version = 2")
        conn.execute(INSERT, (3, "lea", ids["lea"]))  # as herself it is accepted
    with psycopg.connect(server["url"], autocommit=True) as conn, pytest.raises(errors.InsufficientPrivilege,
                                                                                match="append-only"):
        conn.execute("UPDATE protocol_version SET summary = 'rewritten'")  # not even the owner
    admin = open_review(server["url"])
    try:
        assert [v.summary for v in protocol_store.versions(admin)][2] == "sneaked in"
    finally:
        admin.close()
