"""The PostgreSQL server enforces the team (issue 14): real logins, raw psycopg as a screener trying each
forbidden act, and the same acts through MetaSift giving a clear message."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors

from db.engine import create_review, open_review
from screening import decisions, outcomes, team
from screening.team import PermissionRefused
from tests.test_decisions import add_records

pytestmark = pytest.mark.postgres
TA = "title_abstract"


def login_url(admin_url: str, login: str) -> str:
    scheme, rest = admin_url.split("://", 1)
    return f"{scheme}://{login}@{rest.split('@', 1)[1]}"


@pytest.fixture
def server(pg_database) -> Iterator[dict]:
    """A team review on the server: lead Lea, screeners Ann and Bob, each with their own login, records."""
    tag = "i14t" + uuid.uuid4().hex[:8]
    logins = {who: f"{tag}_{who}" for who in ("lea", "ann", "bob")}
    db = create_review(pg_database, title="Team review")
    recs = add_records(db, 4)
    team.add(db, "Lea", "Lea", ["lead"], login=logins["lea"], create_login=True)  # the owner opens the roster
    db.close()
    lead = open_review(login_url(pg_database, logins["lea"]))
    for who in ("ann", "bob"):  # the lead (not the owner) adds the others
        team.add(lead, None, who.title(), ["screener", "coder"], login=logins[who], create_login=False) \
            if _make_login(pg_database, logins[who]) else None
    lead.close()
    yield {"url": pg_database, "logins": logins, "recs": recs,
           "urls": {w: login_url(pg_database, lg) for w, lg in logins.items()}}
    with psycopg.connect(pg_database, autocommit=True) as conn:
        for lg in logins.values():
            conn.execute(f'DROP OWNED BY "{lg}"')
    admin = pg_database.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{pg_database.rsplit("/", 1)[1]}" WITH (FORCE)')
        for lg in logins.values():
            conn.execute(f'DROP ROLE IF EXISTS "{lg}"')


def _make_login(admin_url: str, login: str) -> bool:
    """An existing login the lead adds (the server's administrator made it)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{login}" LOGIN')
    return True


def _ids(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {i: m for m, i in conn.execute("SELECT id, identity FROM member")}


def test_metasift_knows_the_member_from_the_login_not_the_name(server):
    ann = open_review(server["urls"]["ann"])
    try:
        row = decisions.decide(ann, server["recs"][0], "bob", TA, "include")  # claims to be bob
        assert row.reviewer == "ann" and row.member_id == _ids(server["url"])["ann"]
    finally:
        ann.close()


def test_raw_psycopg_screener_is_refused_each_forbidden_act(server):
    r1, r2, *_ = server["recs"]
    ids = _ids(server["url"])
    bob = open_review(server["urls"]["bob"])
    decisions.decide(bob, r1, "bob", TA, "exclude")
    bob.close()
    with psycopg.connect(server["urls"]["ann"], autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == server["logins"]["ann"]
        # read a blind vote: bob's vote on r1 is invisible until ann has voted on r1
        assert conn.execute("SELECT count(*) FROM screening_decision").fetchone()[0] == 0
        # insert as another member
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO screening_decision (uid, record_id, stage, reviewer, kind, verdict, reason, "
                         "note, full_text, method, member_id) VALUES ('x1', %s, %s, 'bob', 'decision', 'include',"
                         " '', '', '', '', %s)", (r2, TA, ids["bob"]))
        # a resolution (leads only)
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO screening_decision (uid, record_id, stage, reviewer, kind, verdict, reason, "
                         "note, full_text, method, member_id) VALUES ('x2', %s, %s, 'ann', 'resolution', "
                         "'include', '', '', '', 'third_reviewer', %s)", (r1, TA, ids["ann"]))
        # her own vote is accepted; then bob's vote on r1 becomes visible, not his others
        conn.execute("INSERT INTO screening_decision (uid, record_id, stage, reviewer, kind, verdict, reason, note,"
                     " full_text, method, member_id) VALUES ('x3', %s, %s, 'ann', 'decision', 'include', '', '',"
                     " '', '', %s)", (r1, TA, ids["ann"]))
        seen = conn.execute("SELECT reviewer FROM screening_decision ORDER BY id").fetchall()
        assert seen == [("bob",), ("ann",)]
        # update or delete a decision row, even her own
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE screening_decision SET verdict = 'exclude' WHERE uid = 'x3'")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DELETE FROM screening_decision WHERE uid = 'x3'")
        # change the protocol, the roster, unblind, assign: leads only
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE review SET protocol = 'rule = \"one_reviewer\"'")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE member SET roles = 'lead' WHERE identity = 'ann'")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("INSERT INTO member (identity, name, roles, login, active) VALUES "
                         "('eve', 'Eve', 'lead', 'eve', true)")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("INSERT INTO team_event (kind, stage, detail, who) VALUES "
                         "('unblinded', %s, '{}', 'ann')", (TA,))
        # code an effect as another coder
        with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO effect_size (uid, record_id, coder, kind, label, statistic, tails, direction,"
                         " method, location, note, moderators, member_id) VALUES ('e1', %s, 'bob', 'coded', '',"
                         " 'r', 2, 1, '', '', '', '{}', %s)", (r1, ids["bob"]))
    # not even the table's owner may change a decision row: a trigger refuses
    with psycopg.connect(server["url"], autocommit=True) as conn, pytest.raises(errors.InsufficientPrivilege,
                                                                                match="append-only"):
        conn.execute("UPDATE screening_decision SET verdict = 'exclude'")


def test_through_metasift_the_same_acts_get_a_clear_message(server):
    r1, r2, *_ = server["recs"]
    bob = open_review(server["urls"]["bob"])
    decisions.decide(bob, r1, None, TA, "exclude")
    bob.close()
    ann = open_review(server["urls"]["ann"])
    try:
        assert decisions.history(ann, r1) == []  # blind: the server hides bob's vote
        assert outcomes.outcome(ann, r1, TA).verdicts == {}
        with pytest.raises(PermissionRefused, match="lead"):
            team.add(ann, None, "Eve", ["lead"])
        with pytest.raises(PermissionRefused, match="lead"):
            team.unblind(ann, None, TA)
        with pytest.raises(PermissionRefused, match="lead"):
            team.assign(ann, None, ["ann"], TA, [r1])
        decisions.decide(ann, r1, None, TA, "include")
        assert {h.reviewer for h in decisions.history(ann, r1)} == {"ann", "bob"}
        with pytest.raises(PermissionRefused, match="resolve"):
            decisions.resolve(ann, r1, TA, "include", "ann", "third_reviewer")
        # a write MetaSift's own checks would let through is refused by the server, with a clear message
        from db.models import ScreeningDecision

        forged = ScreeningDecision(uid="forged", record_id=r2, stage=TA, reviewer="bob", verdict="include",
                                   member_id=_ids(server["url"])["bob"])
        with pytest.raises(PermissionRefused, match="server refused"):
            decisions._store(ann, forged, lambda _s: None, "ann")
    finally:
        ann.close()
    lea = open_review(server["urls"]["lea"])
    try:
        assert len(decisions.history(lea, r1)) == 2
        assert decisions.resolve(lea, r1, TA, "include", None, "third_reviewer").reviewer == "lea"
        team.unblind(lea, None, TA)
        team.set_roles(lea, None, "bob", ["viewer"])
    finally:
        lea.close()
    bob = open_review(server["urls"]["bob"])
    try:
        with pytest.raises(PermissionRefused, match="screener"):
            decisions.decide(bob, r2, None, TA, "include")
        assert len(decisions.history(bob, r1)) == 3  # unblinded: everyone sees every vote
    finally:
        bob.close()
    lea = open_review(server["urls"]["lea"])
    team.remove(lea, None, "bob")
    lea.close()
    with pytest.raises(Exception, match="permission denied"):
        open_review(server["urls"]["bob"]).review()


def test_cli_as_a_screener_login(server, capsys):
    import json

    from cli.app import main

    r1 = server["recs"][0]
    ann, bob = server["urls"]["ann"], server["urls"]["bob"]
    assert main(["screen", bob, "--record", f"#{r1}", "--decision", "exclude", "--json"]) == 0
    capsys.readouterr()
    code = main(["screen", ann, "--record", f"#{r1}", "--decision", "include", "--reviewer", "bob", "--json"])
    out = capsys.readouterr()
    assert code == 0 and json.loads(out.out)["decision"]["reviewer"] == "ann"  # the login decides, not --reviewer
    code = main(["team", "add", ann, "--name", "Eve", "--role", "lead", "--login", "eve", "--json"])
    err = capsys.readouterr().err
    assert code == 3 and "may not add members" in err and "Traceback" not in err
    code = main(["team", "unblind", ann, "--stage", TA, "--json"])
    err = capsys.readouterr().err
    assert code == 3 and "lead" in err
    # blind on the command line too: ann sees nothing of bob's vote on r2 before her own
    r2 = server["recs"][1]
    assert main(["screen", bob, "--record", f"#{r2}", "--decision", "include", "--json"]) == 0
    capsys.readouterr()
    assert main(["history", ann, "--record", f"#{r2}", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["history"] == []
    assert main(["conflicts", ann, "--json"]) == 0
    assert [c["record_id"] for c in json.loads(capsys.readouterr().out)["conflicts"]] == [r1]
    # allocation on the server: the lead assigns, the screener's --next follows her login's queue
    lea = server["urls"]["lea"]
    assert main(["team", "assign", lea, "--to", "ann", "--to", "bob", "--count", "2", "--per-record", "2",
                 "--json"]) == 0  # r1 and r2, the first two nobody holds
    assert json.loads(capsys.readouterr().out)["given"] == {"ann": 2, "bob": 2}
    assert main(["screen", ann, "--next", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["next"]["record_id"] == r2  # she has voted on r1 already
    assert main(["screen", ann, "--next", "--decision", "exclude", "--json"]) == 0
    capsys.readouterr()
    assert main(["screen", ann, "--next", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["next"] is None
