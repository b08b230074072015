"""Screening decisions: validation, append-only history, undo, blind view, outcomes, conflicts, duplicates,
ranking labels and status counts (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from db.errors import InputError
from db.models import DuplicateDecision, ImportBatch, Record, ScreeningDecision
from screening import decisions, outcomes
from screening.decisions import decide, history, resolve, undo
from screening.status import review_status
from screening.worklist import ranking_labels

TA, FT = "title_abstract", "full_text"
PDF = "https://journals.example.org/papers/study.pdf"  # a free source must be a URL or an existing file


def add_records(db, n: int) -> list[int]:
    """``n`` plain records in one batch; their ids."""
    with db.transaction() as s:
        batch = ImportBatch(file_name="t.ris", sha256=f"sha-{n}", format="ris", source_db="PsycINFO",
                            record_count=n)
        s.add(batch)
        s.flush()
        recs = [Record(batch_id=batch.id, ordinal=i, source_id=f"S{i}", title=f"Study {i}") for i in range(n)]
        s.add_all(recs)
    return [r.id for r in recs]


def rows(db) -> list[ScreeningDecision]:
    with db.session() as s:
        return list(s.exec(select(ScreeningDecision).order_by(ScreeningDecision.id)))


@pytest.fixture
def recs(review) -> list[int]:
    return add_records(review, 6)


def test_decide_stores_who_when_why_and_changes_are_new_rows(review, recs):
    r = decide(review, recs[0], "ann", TA, "exclude", reason="children or adolescents", note="age 12")
    assert r.id is not None and r.uid and r.decided_at is not None
    decide(review, recs[0], "ann", TA, "include", note="second look: adults too")
    got = rows(review)
    assert [(x.reviewer, x.kind, x.verdict, x.reason) for x in got] == [
        ("ann", "decision", "exclude", "children or adolescents"), ("ann", "decision", "include", "")]
    assert got[0].note == "age 12" and got[1].note == "second look: adults too"
    assert outcomes.outcome(review, recs[0], TA).verdicts == {"ann": "include"}
    assert [h.verdict for h in history(review, recs[0])] == ["exclude", "include"]


@pytest.mark.parametrize("kwargs, message", [
    ({"verdict": "yes"}, "unknown decision"),
    ({"verdict": "exclude", "reason": "too boring"}, "not an exclusion reason"),
    ({"verdict": "include", "reason": "no alliance measure"}, "only with exclude"),
    ({"stage": "abstract_only"}, "unknown stage"),
    ({"reviewer": " "}, "name is required"),
    ({"record": 999999}, "no record #999999"),
])
def test_invalid_decisions_are_refused_and_store_nothing(review, recs, kwargs, message):
    args = {"record": recs[0], "reviewer": "ann", "stage": TA, "verdict": "include", **kwargs}
    with pytest.raises(InputError, match=message):
        decide(review, args.pop("record"), args.pop("reviewer"), args.pop("stage"), args.pop("verdict"), **args)
    assert rows(review) == []


def test_full_text_needs_title_abstract_pass_a_source_and_a_reason_to_exclude(review, recs):
    with pytest.raises(InputError, match="has not passed title/abstract"):
        decide(review, recs[0], "ann", FT, "include", full_text=PDF)
    decide(review, recs[0], "ann", TA, "include")
    with pytest.raises(InputError, match="has not passed title/abstract.*pending"):
        decide(review, recs[0], "ann", FT, "include", full_text=PDF)  # two_agree: one include is not enough
    decide(review, recs[0], "bob", TA, "include")
    with pytest.raises(InputError, match="has no PDF attached"):
        decide(review, recs[0], "ann", FT, "include")
    with pytest.raises(InputError, match="needs a reason"):
        decide(review, recs[0], "ann", FT, "exclude", full_text=PDF)
    with pytest.raises(InputError, match="not an exclusion reason"):
        decide(review, recs[0], "ann", FT, "exclude", reason="not an empirical study", full_text=PDF)  # TA only
    r = decide(review, recs[0], "ann", FT, "exclude", reason="full text not retrievable", full_text="https://x/y")
    assert r.full_text == "https://x/y" and outcomes.outcome(review, recs[0], FT).state == "pending"


def test_two_agree_outcomes_and_maybe_is_a_conflict(review, recs):
    a, b, c, d, e, _ = recs
    decide(review, a, "ann", TA, "include")
    decide(review, a, "bob", TA, "include")
    decide(review, b, "ann", TA, "exclude", reason="no alliance measure")
    decide(review, b, "bob", TA, "exclude", reason="not an empirical study")
    decide(review, c, "ann", TA, "include")
    decide(review, c, "bob", TA, "exclude")
    decide(review, d, "ann", TA, "maybe")
    decide(review, d, "bob", TA, "include")
    decide(review, e, "ann", TA, "exclude")
    got = {rid: o.state for rid, o in outcomes.outcomes(review, TA).items()}
    assert got == {a: "included", b: "excluded", c: "conflict", d: "conflict", e: "pending", recs[5]: "pending"}
    # disagreeing reasons: the earliest wins the tie
    assert outcomes.outcome(review, b, TA).reason == "no alliance measure"
    found = outcomes.conflicts(review, TA)
    assert [x.record_id for x in found] == [c, d]
    assert [(v.reviewer, v.verdict) for v in found[0].verdicts] == [("ann", "include"), ("bob", "exclude")]


def test_resolution_by_third_reviewer_or_consensus(review, recs):
    a, b = recs[:2]
    for rid in (a, b):
        decide(review, rid, "ann", TA, "include")
        decide(review, rid, "bob", TA, "exclude", reason="no alliance measure")
    with pytest.raises(InputError, match="third reviewer must be someone else"):
        resolve(review, a, TA, "include", "ann", "third_reviewer")
    with pytest.raises(InputError, match="unknown method"):
        resolve(review, a, TA, "include", "cat", "vote")
    r = resolve(review, a, TA, "include", "cat", "third_reviewer", note="alliance is in the methods")
    assert (r.kind, r.method, r.reviewer) == ("resolution", "third_reviewer", "cat")
    resolve(review, b, TA, "exclude", "ann+bob", "consensus", reason="no alliance measure")
    assert outcomes.outcome(review, a, TA).state == "included"
    o = outcomes.outcome(review, b, TA)
    assert (o.state, o.reason, o.resolved_by, o.method) == ("excluded", "no alliance measure", "ann+bob", "consensus")
    assert outcomes.conflicts(review, TA) == []
    with pytest.raises(InputError, match="not in conflict"):
        resolve(review, a, TA, "exclude", "dan", "third_reviewer", reason="no alliance measure")
    # undoing the resolution brings the conflict back
    u = undo(review, "cat", TA)
    assert u.undoes == r.id and outcomes.outcome(review, a, TA).state == "conflict"


def test_undo_restores_the_earlier_verdict_and_ctrl_z_takes_the_latest_overall(review, recs):
    a, b = recs[:2]
    first = decide(review, a, "ann", TA, "exclude", reason="no alliance measure")
    second = decide(review, a, "ann", TA, "include")
    third = decide(review, b, "ann", TA, "maybe")
    decide(review, b, "bob", TA, "include")
    u = undo(review, "ann", TA)  # Ctrl+Z: ann's latest overall is on b
    assert (u.kind, u.undoes, u.record_id, u.reviewer) == ("undo", third.id, b, "ann")
    assert outcomes.outcome(review, b, TA).verdicts == {"bob": "include"}
    u2 = undo(review, "ann", TA, record=a)
    assert u2.undoes == second.id
    assert outcomes.outcome(review, a, TA).verdicts == {"ann": "exclude"}
    assert undo(review, "ann", TA, record=a).undoes == first.id
    with pytest.raises(InputError, match="no decision on #.* to undo"):
        undo(review, "ann", TA, record=a)
    assert len(rows(review)) == 7  # nothing deleted: 4 decisions + 3 undos
    assert [h.kind for h in history(review, a)] == ["decision", "decision", "undo", "undo"]


def test_uid_makes_a_retry_idempotent(review, recs):
    r1 = decide(review, recs[0], "ann", TA, "include", uid="u-1")
    r2 = decide(review, recs[0], "ann", TA, "include", uid="u-1")
    assert r1.id == r2.id and len(rows(review)) == 1
    with pytest.raises(InputError, match="already used"):
        decide(review, recs[0], "ann", TA, "exclude", uid="u-1")
    decide(review, recs[1], "ann", TA, "exclude", uid="u-2")
    u1 = undo(review, "ann", TA, uid="u-3")
    u2 = undo(review, "ann", TA, uid="u-3")  # a retried Ctrl+Z does not withdraw a second decision
    assert u1.id == u2.id and u1.undoes == u2.undoes and len(rows(review)) == 3
    assert outcomes.outcome(review, recs[0], TA).verdicts == {"ann": "include"}
    with pytest.raises(InputError, match="already used"):
        undo(review, "bob", uid="u-3")


def test_blind_mode_hides_others_until_the_viewer_decides(review, recs):
    a = recs[0]
    decide(review, a, "ann", TA, "exclude", reason="no alliance measure", note="secret")
    seen = outcomes.visible_decisions(review, a, TA, "bob")
    assert [(v.reviewer, v.verdict, v.reason, v.note, v.method, v.hidden) for v in seen] == [
        ("ann", None, "", "", "", True)]
    open_view = outcomes.visible_decisions(review, a, TA, "bob", blind=False)
    assert open_view[0].verdict == "exclude" and open_view[0].note == "secret"
    decide(review, a, "bob", TA, "include")
    seen = outcomes.visible_decisions(review, a, TA, "bob")
    assert {(v.reviewer, v.verdict, v.hidden) for v in seen} == {("ann", "exclude", False),
                                                                  ("bob", "include", False)}
    # the other stage is separate: deciding at title/abstract does not unblind full text
    assert outcomes.visible_decisions(review, a, FT, "bob") == []


def _merge(db, a: int, b: int) -> None:
    with db.transaction() as s:
        s.add(DuplicateDecision(record_a=min(a, b), record_b=max(a, b), decision="confirmed", who="ann"))


def test_duplicate_members_inherit_the_kept_records_outcome(review, recs):
    a, b, c = recs[:3]
    _merge(review, a, b)
    r = decide(review, b, "ann", TA, "include")  # decided on the member: stored on the kept record
    assert r.record_id == a
    decide(review, a, "bob", TA, "include")
    got = outcomes.outcomes(review, TA)
    assert got[a].state == got[b].state == "included" and got[b].kept_id == a
    assert got[c].state == "pending"
    assert ranking_labels(review, TA) == {a: 1}  # the kept record stands for its group in a ranking
    decide(review, b, "ann", FT, "include", full_text=PDF)  # the member passed title/abstract with its group
    assert [h.record_id for h in history(review, b)] == [a, a, a]
    assert review_status(review).to_json()["screening"][TA] == {"included": 1, "excluded": 0, "conflicts": 0,
                                                       "pending": len(recs) - 2, "excluded_by_reason": {}}


def test_labels_for_ranking(review, recs):
    a, b, c, d, e, _ = recs
    decide(review, a, "ann", TA, "include")
    decide(review, a, "bob", TA, "include")  # included -> 1
    decide(review, b, "ann", TA, "exclude")
    decide(review, b, "bob", TA, "exclude")  # excluded -> 0
    decide(review, c, "ann", TA, "maybe")  # conflict with a maybe -> 1
    decide(review, d, "ann", TA, "exclude")  # pending, all exclude -> 0
    decide(review, e, "ann", TA, "exclude")
    decide(review, e, "bob", TA, "include")  # conflict, one include -> 1
    assert list(ranking_labels(review, TA).items()) == [(a, 1), (b, 0), (c, 1), (d, 0), (e, 1)]


def test_status_counts_per_stage_outcome_and_reason(review, recs):
    a, b, c, d, e, f = recs
    for rid in (a, b):
        decide(review, rid, "ann", TA, "include")
        decide(review, rid, "bob", TA, "include")
    for rid in (c, d):
        decide(review, rid, "ann", TA, "exclude", reason="children or adolescents")
        decide(review, rid, "bob", TA, "exclude", reason="children or adolescents")
    decide(review, e, "ann", TA, "include")
    decide(review, e, "bob", TA, "exclude")
    for who in ("ann", "bob"):
        decide(review, a, who, FT, "exclude", reason="sample reported elsewhere", full_text=PDF)
    status = review_status(review).to_json()
    assert status["records"] == 6  # the existing keys stay
    assert status["screening"] == {
        TA: {"included": 2, "excluded": 2, "conflicts": 1, "pending": 1,
             "excluded_by_reason": {"children or adolescents": 2}},
        FT: {"included": 0, "excluded": 1, "conflicts": 0, "pending": 1,
             "excluded_by_reason": {"sample reported elsewhere": 1}}}
    assert outcomes.outcome(review, f, FT).state == "ineligible"


def test_one_reviewer_rule(review_target, tmp_path):
    from db.engine import create_review
    from screening.protocol import default_protocol_text

    text = default_protocol_text().replace('rule = "two_agree"', 'rule = "one_reviewer"')
    assert 'rule = "one_reviewer"' in text
    db = create_review(review_target, protocol=text, protocol_name="one")
    try:
        a, b, c = add_records(db, 3)
        decide(db, a, "ann", TA, "include")
        decide(db, b, "ann", TA, "exclude")
        decide(db, c, "ann", TA, "maybe")
        got = outcomes.outcomes(db, TA)
        assert (got[a].state, got[b].state, got[c].state) == ("included", "excluded", "conflict")
        decide(db, a, "ann", FT, "include", full_text=PDF)  # one include suffices to move on
        assert outcomes.outcome(db, a, FT).state == "included"
        assert decisions.protocol_of(db).rule == "one_reviewer"
    finally:
        db.close()


def test_outcomes_read_the_decision_table_once(review, recs):
    """outcomes() is one query over screening_decision whatever the number of records."""
    from sqlalchemy import event

    for rid in recs:
        decide(review, rid, "ann", TA, "include")
    seen: list[str] = []

    def count(conn, cursor, statement, *a):  # noqa: ANN001
        if "screening_decision" in statement:
            seen.append(statement)

    event.listen(review.engine, "before_cursor_execute", count)
    try:
        outcomes.outcomes(review, FT)
    finally:
        event.remove(review.engine, "before_cursor_execute", count)
    assert len(seen) == 1
    with review.session() as s:
        assert s.exec(select(func.count()).select_from(ScreeningDecision)).one() == len(recs)
