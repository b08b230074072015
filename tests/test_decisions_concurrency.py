"""Two reviewers screening one review at the same time, as two real processes: nothing lost, nothing twice.

PostgreSQL (the team set-up): 1,000 acts each. SQLite (WAL, busy_timeout): fewer. Both workers wait for a
``go`` so they really run together; every tenth act is an undo.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import select
from test_decisions import add_records
from test_decisions_kill import start_worker

from db.engine import ReviewDB, create_review, open_review
from db.models import ScreeningDecision
from screening.agreement import agreement
from screening.outcomes import outcomes


def _run_two(target: str, n: int, ids: list[int]) -> None:
    workers = [start_worker(target, who, n, ids) for who in ("ann", "bob")]
    for w in workers:
        assert w.stdin is not None
        w.stdin.write("go\n")
        w.stdin.flush()
    results = [w.communicate() for w in workers]
    for w, (out, err) in zip(workers, results, strict=True):
        assert w.returncode == 0, err
        assert len(out.split()) == n  # every act acknowledged


def _check(db: ReviewDB, n: int, ids: list[int]) -> None:
    with db.session() as s:
        got = list(s.exec(select(ScreeningDecision).order_by(ScreeningDecision.id)))
    uids = [r.uid for r in got]
    expected = {f"{who}-{i}" for who in ("ann", "bob") for i in range(n)}
    assert len(got) == 2 * n and len(set(uids)) == len(uids) and set(uids) == expected
    per = Counter((r.reviewer, r.kind) for r in got)
    assert per == {("ann", "decision"): n - n // 10, ("ann", "undo"): n // 10,
                   ("bob", "decision"): n - n // 10, ("bob", "undo"): n // 10}
    by_uid = {r.uid: r for r in got}
    by_id = {r.id: r for r in got}
    for r in got:
        if r.kind == "undo":  # each undo withdrew its own reviewer's act just before it (act i-1)
            i = int(r.uid.split("-")[1])
            assert by_id[r.undoes].uid == f"{r.reviewer}-{i - 1}"
        else:
            i = int(r.uid.split("-")[1])
            assert r.record_id == ids[i % len(ids)] and r.note == f"step {i}"
    assert by_uid["ann-0"].verdict == "include"
    # both reviewers ran the same script, so their current verdicts are equal; model them independently
    live: list[tuple[int, str]] = []
    for i in range(n):
        if i % 10 == 9:
            live.pop()  # Ctrl+Z withdraws the latest act still in force
        else:
            live.append((ids[i % len(ids)], ("include", "exclude", "maybe")[i % 3]))
    current = dict(live)
    (pair,) = agreement(db, "title_abstract")
    assert pair.reviewers == ("ann", "bob") and pair.n == len(current) == pair.agree
    state = {"include": "included", "exclude": "excluded", "maybe": "conflict"}
    assert {rid: o.state for rid, o in outcomes(db, "title_abstract").items()} == {
        rid: state[current[rid]] if rid in current else "pending" for rid in ids}


@pytest.mark.postgres
def test_two_processes_on_postgresql_1000_decisions_each(pg_database):
    db = create_review(pg_database, title="Concurrency")
    ids = add_records(db, 40)
    db.close()
    _run_two(pg_database, 1000, ids)
    db = open_review(pg_database)
    try:
        _check(db, 1000, ids)
    finally:
        db.close()


def test_two_processes_on_sqlite(tmp_path):
    target = str(tmp_path / "review.metasift")
    db = create_review(target, title="Concurrency")
    ids = add_records(db, 20)
    db.close()
    _run_two(target, 200, ids)
    db = open_review(target)
    try:
        _check(db, 200, ids)
    finally:
        db.close()
