"""The team (issue 14): identities, the roster and its roles, blind stages everywhere, allocation — SQLite and
PostgreSQL as the review's owner (the server's own enforcement is tested in test_team_pg.py)."""

from __future__ import annotations

import json

import pytest

from cli.app import main
from db.errors import InputError
from db.identity import identity
from screening import decisions, outcomes, team
from screening.team import PermissionRefused
from tests.test_decisions import add_records

TA = "title_abstract"


@pytest.mark.parametrize(("a", "b"), [("Ann", "ann"), ("  ANN   Smith ", "ann smith"), ("Straße", "STRASSE"),
                                      ("Zoe\u0301", "Zo\u00e9")])
def test_spellings_of_one_person_are_one_identity(a, b):
    assert identity(a) == identity(b)


@pytest.mark.parametrize("bad", ["ann\u200b", "\u200dann", "an\u00adn", "ann\u2066", "\u3164", "  ", "ann\ufeff"])
def test_invisible_characters_are_refused(bad):
    with pytest.raises(InputError):
        identity(bad)


def test_an_open_roster_becomes_managed_and_checks_roles(review):
    r1, r2 = add_records(review, 2)
    decisions.decide(review, r1, "Ann", TA, "include")  # an open roster: Ann joins as lead
    with pytest.raises(InputError, match="invisible|nobody can see"):
        decisions.decide(review, r1, "ann\u200b", TA, "exclude")
    decisions.decide(review, r1, "ANN", TA, "exclude")  # the same person changing her mind, not a 2nd reviewer
    assert outcomes.outcome(review, r1, TA).verdicts == {"ann": "exclude"}
    seat = team.add(review, "ann", "Bob", ["screener"])
    assert seat.roles == ["screener"] and seat.identity == "bob"
    with pytest.raises(PermissionRefused, match="not on this review's roster"):
        decisions.decide(review, r2, "mallory", TA, "include")  # the roster is managed now
    with pytest.raises(PermissionRefused, match="lead"):
        team.add(review, "bob", "Carol", ["screener"])
    with pytest.raises(PermissionRefused, match="lead"):
        team.unblind(review, "bob", TA)
    decisions.decide(review, r1, "bob", TA, "include")
    with pytest.raises(PermissionRefused, match="resolve conflicts"):
        decisions.resolve(review, r1, TA, "include", "bob", "consensus")
    with pytest.raises(InputError, match="only lead"):
        team.set_roles(review, "ann", "ann", ["screener"])
    team.set_roles(review, "ann", "bob", ["screener", "lead"])
    team.set_roles(review, "bob", "ann", ["screener"])
    with pytest.raises(PermissionRefused):
        team.remove(review, "ann", "bob")
    team.remove(review, "bob", "ann")
    with pytest.raises(PermissionRefused, match="removed"):
        decisions.decide(review, r2, "ann", TA, "include")
    assert [s.identity for s in team.roster(review)] == ["bob"]
    assert [s.identity for s in team.roster(review, include_removed=True)] == ["ann", "bob"]


def _blind_team(db):
    recs = add_records(db, 4)
    team.add(db, "lea", "Lea", ["lead"])  # Lea opens the roster and becomes its lead
    for name in ("Ann", "Bob"):
        team.add(db, "lea", name, ["screener"])
    return recs


def test_blind_stage_hides_votes_everywhere_until_own_vote(review, tmp_path):
    r1, r2, *_ = _blind_team(review)
    decisions.decide(review, r1, "bob", TA, "exclude", reason="")
    decisions.decide(review, r2, "bob", TA, "include")
    review.viewer = "ann"
    assert decisions.history(review, r1) == []
    assert outcomes.outcome(review, r1, TA).verdicts == {}
    assert outcomes.visible_decisions(review, r1, TA, "ann") == []
    decisions.decide(review, r1, "ann", TA, "include")  # now ann has voted on r1: she sees bob's vote there
    assert [h.reviewer for h in decisions.history(review, r1)] == ["bob", "ann"]
    assert [c.record_id for c in outcomes.conflicts(review, TA)] == [r1]
    assert decisions.history(review, r2) == []  # but not on r2
    decisions.undo(review, "ann", TA, r1)  # decide-then-undo: her vote is withdrawn, bob's is hidden again
    assert [h.reviewer for h in decisions.history(review, r1)] == ["ann", "ann"]
    review.viewer = "lea"
    assert len(decisions.history(review, r2)) == 1  # a lead sees everything
    review.viewer = "ann"
    team.unblind(review, "lea", TA)
    assert len(decisions.history(review, r2)) == 1  # unblinded: a logged act
    from db.changes import Stamp, changes_since

    assert changes_since(review, Stamp({})).added["team"]["lea"] >= 4


def test_cli_history_conflicts_export_activity_are_blind(review, tmp_path, capsys):
    db = review
    r1, r2, *_ = _blind_team(db)
    decisions.decide(db, r1, "bob", TA, "include")
    target = db.target
    capsys.readouterr()

    def run(*argv):
        code = main([*argv, "--json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        return json.loads(out.out)

    assert run("history", target, "--record", f"#{r1}", "--reviewer", "ann")["history"] == []
    assert len(run("history", target, "--record", f"#{r1}", "--reviewer", "lea")["history"]) == 1
    assert run("conflicts", target, "--reviewer", "ann")["count"] == 0
    out = tmp_path / "d.csv"
    run("export", target, str(out), "--level", "decisions", "--reviewer", "ann")
    assert "bob" not in out.read_text(encoding="utf-8")
    run("export", target, str(out), "--level", "decisions", "--reviewer", "lea")
    assert "bob" in out.read_text(encoding="utf-8")
    act = run("activity", target, "--reviewer", "ann")
    assert "bob" not in act["added"].get("screening", {})
    act = run("activity", target, "--reviewer", "lea")
    assert act["added"]["screening"] == {"bob": 1}


def test_team_cli_and_allocation_with_next(sqlite_review, capsys):
    db = sqlite_review
    recs = add_records(db, 7)
    target = db.target
    capsys.readouterr()

    def run(*argv, code=0):
        got = main([*argv, "--json"])
        out = capsys.readouterr()
        assert got == code, out.err
        return json.loads(out.out) if code == 0 else out.err

    run("team", "add", target, "--reviewer", "Lea", "--name", "Lea", "--role", "lead")
    for name in ("Ann", "Bob", "Cy"):
        run("team", "add", target, "--reviewer", "lea", "--name", name, "--role", "screener")
    err = run("team", "add", target, "--reviewer", "ann", "--name", "Eve", "--role", "lead", code=3)
    assert "lead" in err and "Traceback" not in err
    members = run("team", "list", target)["members"]
    assert [m["identity"] for m in members] == ["lea", "ann", "bob", "cy"]
    given = run("team", "assign", target, "--reviewer", "lea", "--to", "ann", "--to", "bob", "--to", "cy",
                "--all", "--per-record", "2")["given"]
    assert sum(given.values()) == 14 and max(given.values()) - min(given.values()) <= 1
    seen = []
    while True:
        nxt = run("screen", target, "--next", "--reviewer", "ann")["next"]
        if nxt is None:
            break
        seen.append(nxt["record_id"])
        run("screen", target, "--next", "--reviewer", "ann", "--decision", "include")
    assert len(seen) == given["ann"] and len(set(seen)) == len(seen) and set(seen) <= set(recs)
    prog = {(p["member"], p["stage"]): p for p in run("team", "progress", target)["progress"]}
    assert prog[("ann", TA)]["done_of_assigned"] == given["ann"] == prog[("ann", TA)]["assigned"]
    assert prog[("bob", TA)]["done_of_assigned"] == 0
    run("team", "role", target, "--reviewer", "lea", "--name", "cy", "--role", "viewer")
    err = run("screen", target, "--record", f"#{recs[0]}", "--decision", "include", "--reviewer", "cy", code=3)
    assert "screener" in err
    run("team", "unblind", target, "--reviewer", "lea", "--stage", TA)
    run("team", "remove", target, "--reviewer", "lea", "--name", "bob")
    assert [m["identity"] for m in run("team", "list", target)["members"]] == ["lea", "ann", "cy"]


def test_allocation_by_number_and_by_batch(sqlite_review, capsys):
    db = sqlite_review
    recs = add_records(db, 5)
    target = db.target
    team.add(db, "lea", "Lea", ["lead"])
    for name in ("Ann", "Bob", "Cy"):
        team.add(db, "lea", name, ["screener"])
    capsys.readouterr()

    def assign(*argv):
        assert main(["team", "assign", target, "--reviewer", "lea", *argv, "--json"]) == 0
        return json.loads(capsys.readouterr().out)["given"]

    assert assign("--to", "ann", "--count", "2") == {"ann": 2}
    assert assign("--to", "bob", "--count", "2") == {"bob": 2}  # the next two nobody holds
    with db.session() as s:
        held = {m: team.assigned(s, team.find(s, m), TA) for m in ("ann", "bob")}
    assert held == {"ann": recs[:2], "bob": recs[2:4]}
    given = assign("--to", "ann", "--to", "cy", "--batch", "1", "--per-record", "1")
    # ann already holds records 1-2 (each needs one screener: covered); of 3-5 cy gets two, then they tie
    assert given == {"ann": 1, "cy": 2}
    assert main(["team", "assign", target, "--reviewer", "lea", "--to", "ann", "--batch", "99"]) == 2
    assert "batch 99" in capsys.readouterr().err
