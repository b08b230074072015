"""``metasift screen / undo / resolve / conflicts / agreement / history`` and the ``status`` screening counts,
through ``cli.app.main`` on the demo review (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from cli.app import main
from screening.demo import write_demo_exports
from tests.cli_run import run

PSY1, PUB1 = "DEMO-PSY-0001", "39000000"  # one study in both exports (merged by dedup)


@pytest.fixture
def demo(review_target, tmp_path, capsys) -> str:
    files = write_demo_exports(tmp_path / "exports")
    assert main(["init", review_target]) == 0
    assert main(["import", review_target, *map(str, files), "--reviewer", "importer"]) == 0
    assert main(["dedup", review_target, "--reviewer", "importer"]) == 0
    capsys.readouterr()
    return review_target


def screen(capsys, demo: str, who: str, record: str, decision: str, *extra: str) -> tuple[int, dict | str]:
    return run(capsys, "screen", demo, "--reviewer", who, "--record", record, "--decision", decision, *extra)


def test_blind_screening_conflict_resolution_and_history(demo, capsys):
    code, out = screen(capsys, demo, "ann", PSY1, "include", "--note", "clear alliance study")
    assert code == 0 and "ann include at title/abstract" in out and "outcome: pending" in out
    code, data = screen(capsys, demo, "ann", "DEMO-PSY-0002", "exclude", "--reason", "no alliance measure", "--json")
    assert code == 0 and data["decision"]["reason"] == "no alliance measure" and data["outcome"] == "pending"
    # bob screens the PubMed twin of PSY1: the decision lands on the group's kept record
    code, data = screen(capsys, demo, "bob", PUB1, "exclude", "--reason", "not an empirical study", "--json")
    assert code == 0 and data["decision"]["record"] == PSY1 and data["outcome"] == "conflict"
    # bob has now decided, so ann's verdict is visible to him
    assert {(v["reviewer"], v["verdict"]) for v in data["visible"]} == {("ann", "include"), ("bob", "exclude")}
    # a third reviewer agreeing with ann settles DEMO-PSY-0002 (two agree); once cat decided, ann's verdict shows
    code, out = screen(capsys, demo, "cat", "DEMO-PSY-0002", "exclude", "--reason", "no alliance measure")
    assert code == 0 and "outcome: excluded" in out and "ann: exclude" in out

    code, data = run(capsys, "conflicts", demo, "--json")
    assert code == 0 and data["count"] == 1
    (c,) = data["conflicts"]
    assert c["record"] == PSY1 and [(v["reviewer"], v["verdict"], v["reason"]) for v in c["verdicts"]] == [
        ("ann", "include", ""), ("bob", "exclude", "not an empirical study")]

    code, err = run(capsys, "resolve", demo, "--record", PSY1, "--decision", "include", "--by", "bob",
                     "--method", "third_reviewer")
    assert code == 2 and "third reviewer must be someone else" in err
    code, data = run(capsys, "resolve", demo, "--record", PUB1, "--decision", "include", "--by", "dan",
                      "--method", "third_reviewer", "--json")
    assert code == 0 and data["outcome"] == "included" and data["decision"]["kind"] == "resolution"

    code, data = run(capsys, "history", demo, "--record", PUB1, "--json")
    assert code == 0 and data["outcomes"] == {"title_abstract": "included", "full_text": "pending"}
    assert [(h["reviewer"], h["kind"], h["verdict"]) for h in data["history"]] == [
        ("ann", "decision", "include"), ("bob", "decision", "exclude"), ("dan", "resolution", "include")]
    assert all(h["decided_at"] for h in data["history"]) and data["history"][0]["note"] == "clear alliance study"
    code, out = run(capsys, "history", demo, "--record", PSY1)
    assert code == 0 and "third_reviewer" in out

    # full text: the included record can be screened now, with its PDF
    code, data = screen(capsys, demo, "ann", PSY1, "exclude", "--stage", "full_text", "--full-text",
                        "https://journals.example.org/papers/psy1.pdf", "--reason", "sample reported elsewhere",
                        "--json")
    assert code == 0 and data["decision"]["full_text"] == "https://journals.example.org/papers/psy1.pdf"

    code, data = run(capsys, "status", demo, "--json")
    assert code == 0 and data["records"] == 22 and data["unique"] == 14
    assert data["screening"] == {
        "title_abstract": {"included": 1, "excluded": 1, "conflicts": 0, "pending": 12,
                           "excluded_by_reason": {"no alliance measure": 1}},
        "full_text": {"included": 0, "excluded": 0, "conflicts": 0, "pending": 1, "excluded_by_reason": {}}}


def test_undo_and_agreement(demo, capsys):
    for sid, (a, b) in {"DEMO-PSY-0002": ("include", "include"), "DEMO-PSY-0003": ("exclude", "exclude"),
                        "DEMO-PSY-0004": ("include", "exclude"), "DEMO-PSY-0005": ("maybe", "maybe")}.items():
        assert screen(capsys, demo, "ann", sid, a)[0] == 0
        assert screen(capsys, demo, "bob", sid, b)[0] == 0
    assert screen(capsys, demo, "ann", "DEMO-PSY-0005", "exclude")[0] == 0  # ann changes her mind
    code, data = run(capsys, "agreement", demo, "--json")
    assert code == 0 and data["categories"] == ["include", "exclude", "maybe"]
    (p,) = data["pairs"]
    # ann: inc, exc, inc, exc; bob: inc, exc, exc, maybe -> agree 2/4
    assert p["reviewers"] == ["ann", "bob"] and p["n"] == 4 and p["agree"] == 2 and p["percent"] == 50.0
    assert p["counts"]["exclude"] == {"include": 0, "exclude": 1, "maybe": 1}
    code, data = run(capsys, "undo", demo, "--reviewer", "ann", "--json")
    assert code == 0 and data["decision"]["kind"] == "undo" and data["decision"]["verdict"] == "exclude"
    assert data["decision"]["record"] == "DEMO-PSY-0005" and data["outcome"] == "conflict"  # maybe/maybe again
    code, data = run(capsys, "agreement", demo, "--json")
    assert data["pairs"][0]["agree"] == 3
    code, out = run(capsys, "agreement", demo, "--stage", "full_text")
    assert code == 0 and "no two reviewers" in out
    code, out = run(capsys, "undo", demo, "--reviewer", "cat")
    assert code == 2 and "cat has no decision" in out


@pytest.mark.parametrize("argv, message", [
    (["--record", "NOPE", "--decision", "include"], "no record has source_id 'NOPE'"),
    (["--record", "DEMO-PSY-0002", "--decision", "exclude", "--reason", "boring"], "not an exclusion reason"),
    (["--record", "DEMO-PSY-0002", "--decision", "include", "--stage", "full_text", "--full-text", "x.pdf"],
     "has not passed title/abstract"),
    (["--record", "#99999", "--decision", "include"], "no record #99999"),
])
def test_screen_errors_exit_2_and_store_nothing(demo, capsys, argv, message):
    code, err = run(capsys, "screen", demo, "--reviewer", "ann", *argv)
    assert code == 2 and message in err and "Traceback" not in err
    code, data = run(capsys, "status", demo, "--json")
    assert data["screening"]["title_abstract"]["pending"] == 14
    code, data = run(capsys, "history", demo, "--record", "DEMO-PSY-0002", "--json")
    assert data["history"] == []


def test_decision_lists_name_the_protocol_version(demo, capsys, tmp_path):
    """conflicts, history and screen --json (and their text) say which protocol version each verdict was made
    under; a new protocol version applies to the decisions after it."""
    from screening.protocol import bundled_protocol_text

    assert screen(capsys, demo, "ann", PSY1, "include")[0] == 0
    new = tmp_path / "cbt.toml"
    new.write_text(bundled_protocol_text("cbt_depression"), encoding="utf-8")
    code, _ = run(capsys, "protocol", "import", demo, str(new), "--reviewer", "ann", "--summary", "CBT question")
    assert code == 0
    code, data = screen(capsys, demo, "bob", PSY1, "exclude", "--reason", "not CBT", "--json")
    assert code == 0
    before, after = data["decision"]["protocol_version"], None
    assert before is not None
    code, data = run(capsys, "conflicts", demo, "--json")
    versions = {v["reviewer"]: v["protocol_version"] for v in data["conflicts"][0]["verdicts"]}
    after = versions["bob"]
    assert after == before and versions["ann"] == after - 1
    code, out = run(capsys, "conflicts", demo)
    assert f"ann: include [protocol v{after - 1}]" in out and f"[protocol v{after}]" in out
    code, data = run(capsys, "history", demo, "--record", PSY1, "--json")
    assert [h["protocol_version"] for h in data["history"]] == [after - 1, after]
