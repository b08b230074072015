"""The worklists the CLI and the desktop app share (`screening.worklist`, `extraction.worklist`), on the demo
review in both back ends and on the worked demo."""

from __future__ import annotations

from collections import Counter

from sqlmodel import select

from db.models import Record
from extraction import coding
from extraction.samples import samples
from extraction.worklist import coding_worklist
from screening import duplicates, outcomes
from screening.decisions import decide
from screening.demo import write_demo_exports
from screening.importing import import_files
from screening.protocol import default_protocol
from screening.worklist import ScreeningQueue, label_of, merge_order, ranking_labels, screening_queue

TA = "title_abstract"


def _demo(review, tmp_path) -> tuple[list[int], list[list[int]]]:
    """All record ids and the duplicate groups of the deduplicated demo review."""
    import_files(review, write_demo_exports(tmp_path), who="importer")
    duplicates.run_dedup(review, "machine")
    with review.session() as s:
        ids = sorted(int(i) for i in s.exec(select(Record.id)))
    return ids, duplicates.groups(review)


def test_label_of_pulls_towards_include_and_maybe():
    assert label_of(["exclude"]) == 0 and label_of(["exclude", "maybe"]) == 1 and label_of(["include"]) == 1
    assert label_of([]) == 0


def test_a_reviewers_queue_has_each_group_once_and_their_verdicts_in_decision_order(review, tmp_path):
    ids, groups = _demo(review, tmp_path)
    members = {m for g in groups for m in g[1:]}
    kept = [i for i in ids if i not in members]
    first, second = [i for i in kept if i not in {g[0] for g in groups}][:2]
    third = groups[0][0]
    decide(review, second, "ann", TA, "include")
    decide(review, groups[0][1], "ann", TA, "maybe")   # a duplicate member: the verdict is its kept record's
    decide(review, first, "ann", TA, "exclude")
    decide(review, first, "bob", TA, "include")        # another reviewer's verdicts are not ann's

    queue = screening_queue(review, TA, "ann")
    assert queue.ids == kept and queue.stage == TA and queue.reviewer == "ann"
    assert list(queue.mine.items()) == [(second, "include"), (third, "maybe"), (first, "exclude")]
    assert queue.members == {g[0]: g for g in groups}
    assert queue.labels() == {second: 1, third: 1, first: 0}
    assert queue.reasons == tuple(queue.protocol.exclusion_reasons[TA][:9])
    assert screening_queue(review, TA, "bob").mine == {first: "include"}
    assert screening_queue(review, "full_text", "ann").ids == []  # nothing included at title/abstract yet


def test_ranking_labels_follow_the_outcome_in_first_decision_order(review, tmp_path):
    ids, groups = _demo(review, tmp_path)
    members = {m for g in groups for m in g[1:]}
    a, b, c = [i for i in ids if i not in members and i not in {g[0] for g in groups}][:3]
    decide(review, c, "ann", TA, "exclude")
    decide(review, a, "ann", TA, "include")
    decide(review, a, "bob", TA, "include")            # included
    decide(review, b, "bob", TA, "exclude")
    decide(review, b, "ann", TA, "maybe")              # a conflict: labelled from its verdicts
    decide(review, groups[0][1], "ann", TA, "include")  # through a duplicate member
    labels = ranking_labels(review, TA)
    states = outcomes.outcomes(review, TA)
    assert states[a].state == "included" and states[b].state == "conflict"
    assert list(labels.items()) == [(c, 0), (a, 1), (b, 1), (groups[0][0], 1)]
    assert not members & set(labels)


def test_merge_order_keeps_decided_records_first_and_the_current_one_next():
    queue = ScreeningQueue(TA, "ann", [1, 2, 3, 4, 5], {4: "include", 2: "exclude"}, {}, (), default_protocol())
    assert merge_order([5, 3, 1, 4, 2], queue, current=3) == [4, 2, 3, 5, 1]
    assert merge_order([5], queue, current=None) == [4, 2, 5, 1, 3]  # records the ranking missed come last


def test_the_coding_worklist_lists_full_text_inclusions_with_their_samples_and_coders(worked):
    db = worked
    items = coding_worklist(db)
    included = sorted(rid for rid, o in outcomes.outcomes(db, "full_text").items()
                      if o.state == "included" and rid == o.kept_id)
    assert [i.record for i in items] == included and included
    sample_of = {m: s for s in samples(db) for m in s}
    for item in items:
        assert item.sample_records == sample_of[item.record] and item.sample == item.sample_records[0]
        coded = Counter("reconciled" if e.kind == "reconciled" else e.coder
                        for e in coding.effects(db, record=item.record))
        assert item.counts == dict(coded)
    assert any(len(i.sample_records) > 1 for i in items)  # the thesis and its article: one sample
    assert any(i.counts for i in items) and any(not i.counts for i in items)


def test_the_cli_lists_the_same_worklists_as_the_core(worked, capsys):
    import json

    from cli.app import main

    target = str(worked.target)
    queue = screening_queue(worked, "full_text", "ann")
    names = duplicates.labels(worked, queue.ids)
    assert main(["queue", target, "--stage", "full_text", "--reviewer", "ann", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["records"] == len(queue.ids) and data["reviewer"] == "ann"
    assert data["decided"] == [{"record": names[r], "verdict": v} for r, v in queue.mine.items()]
    assert data["open"] == [names[r] for r in queue.open()]
    assert main(["queue", target, "--stage", "full_text", "--reviewer", "nobody-yet"]) == 0
    assert f"0 of {len(queue.ids)} records decided, {len(queue.ids)} open" in capsys.readouterr().out

    assert main(["worklist", target, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["reports"] == json.loads(json.dumps([i.to_json() for i in coding_worklist(worked)]))
    assert listed["count"] == len(listed["reports"]) and 0 < listed["coded"] < listed["count"]
