"""The ranker in its own process gives the same order and estimate as the ranker in this process."""

from __future__ import annotations

from sqlmodel import select

from db.errors import Cancelled
from db.models import Record
from screening.prioritise import Ranker, record_text
from screening.ranker_process import RankerProcess


def test_same_answers_as_the_in_process_ranker(demo):
    db = demo
    with db.session() as s:
        rows = s.exec(select(Record.id, Record.title, Record.abstract, Record.keywords).order_by(Record.id)).all()
    ids = [r[0] for r in rows]
    local = Ranker([record_text(r[1], r[2], r[3] or []) for r in rows], seed=0)
    remote = RankerProcess(db.target, ids, seed=0)
    try:
        remote.wait_ready()
        labels = {0: 1, 8: 0, 9: 0}
        assert remote.update(labels) == local.update(labels)
        labels |= {5: 1, 10: 0}
        assert remote.update(labels) == local.update(labels)
        assert remote.estimate_remaining().method == local.estimate_remaining().method
    finally:
        remote.close()


def test_cancel_while_building_ends_the_process(demo):
    db = demo
    remote = RankerProcess(db.target, [1, 2, 3])
    try:
        remote.wait_ready(should_stop=lambda: True)
    except Cancelled:
        pass
    else:
        raise AssertionError("a stop request must cancel the wait")
    assert not remote._proc.is_alive()
