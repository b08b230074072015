"""Other people's changes to a shared review: stamps, who added what, undone imports (both back ends)."""

from __future__ import annotations

from pathlib import Path

from db.changes import TOPICS, changes_since, stamp
from extraction.coding import code_effect
from screening.decisions import decide
from screening.importing import import_file, undo_batch

DATA = Path(__file__).with_name("data")
MODERATORS = {"alliance_measure": "WAI", "alliance_rater": "client", "alliance_time": "early",
              "outcome_measure": "BDI", "outcome_rater": "client", "treatment": "CBT", "pub_source": "journal"}


def test_nothing_changed_reports_nothing(review):
    import_file(review, DATA / "_baseline_pubmed.ris", who="ann")
    before = stamp(review)
    assert set(before.marks) == set(TOPICS) and before.marks["records"] == (1, 1)
    changes = changes_since(review, before, "ann")
    assert changes.topics == [] and changes.summary() == "" and changes.stamp == before


def test_others_additions_are_counted_by_author_and_mine_are_not(review):
    import_file(review, DATA / "_baseline_pubmed.ris", who="ann")
    before = stamp(review)
    for rid in (1, 2, 3):
        decide(review, rid, "bob", "title_abstract", "include")
    decide(review, 1, "ann", "title_abstract", "include")
    decide(review, 4, "ann", "title_abstract", "exclude", reason="no alliance measure")
    code_effect(review, 1, "carol", "r", 0.3, n=50, moderators=MODERATORS)
    changes = changes_since(review, before, "ann")
    assert changes.added == {"screening": {"bob": 3}, "effects": {"carol": 1}} and changes.removed == {}
    assert changes.topics == ["screening", "effects"]
    assert changes.summary() == "bob: 3 screening decisions · carol: 1 coded effect"
    # the new stamp is the next baseline: only what comes after it counts
    decide(review, 5, "dave", "title_abstract", "maybe")
    later = changes_since(review, changes.stamp, "ann")
    assert later.added == {"screening": {"dave": 1}}
    # my own rows move the stamp but report nothing to reload
    decide(review, 6, "ann", "title_abstract", "include")
    mine = changes_since(review, later.stamp, "ann")
    assert mine.topics == [] and mine.stamp != later.stamp


def test_an_import_and_its_undo_by_someone_else(review):
    import_file(review, DATA / "_baseline_pubmed.ris", who="ann")
    before = stamp(review)
    batch = import_file(review, DATA / "_baseline_psychInfo_ovid.ris", who="")
    added = changes_since(review, before, "ann")
    assert added.added == {"records": {"": 1}} and added.summary() == "someone: 1 import"
    undo_batch(review, batch.batch_id, who="eve")
    undone = changes_since(review, added.stamp, "ann")
    assert undone.added == {} and undone.removed == {"records": 1}
    assert undone.topics == ["records"] and undone.summary() == "1 import undone"


def test_cli_activity_so_far_and_since_a_stamp(review_target, capsys, monkeypatch):
    import json

    from cli.app import main

    def run(*argv: str) -> tuple[int, dict]:
        code = main([*argv, "--json"])
        out = capsys.readouterr()
        return code, (json.loads(out.out) if code == 0 else {"error": out.err})

    monkeypatch.setenv("METASIFT_USER", "lea")  # who creates the review stores its protocol version 1
    assert main(["init", review_target]) == 0
    assert main(["import", review_target, str(DATA / "_baseline_pubmed.ris"), "--reviewer", "ann"]) == 0
    capsys.readouterr()
    code, so_far = run("activity", review_target)
    assert code == 0 and so_far["added"] == {"records": {"ann": 1}, "protocol": {"lea": 1}}
    assert so_far["topics"] == ["records", "protocol"]
    stamp_text = json.dumps(so_far["stamp"])
    assert main(["screen", review_target, "--reviewer", "bob", "--record", "30922926", "--decision",
                 "include"]) == 0
    assert main(["screen", review_target, "--reviewer", "ann", "--record", "30922926", "--decision",
                 "include"]) == 0
    capsys.readouterr()
    code, since = run("activity", review_target, "--since", stamp_text, "--exclude", "ann")
    assert code == 0 and since["added"] == {"screening": {"bob": 1}} and since["removed"] == {}
    assert since["stamp"]["screening"] == [2, 2]
    assert main(["activity", review_target, "--since", stamp_text, "--exclude", "ann"]) == 0
    assert capsys.readouterr().out.strip() == "bob: 1 screening decision"
    code, bad = run("activity", review_target, "--since", "yesterday")
    assert code == 2 and "--since: expected the stamp" in bad["error"]
    code, bad = run("activity", review_target, "--since", '{"pizza": [1, 1]}')
    assert code == 2 and "unknown topic(s) pizza" in bad["error"]


def test_attaching_and_detaching_full_texts_is_a_topic_of_its_own(review, tmp_path):
    from screening.fulltext import store
    from tests.pdf_factory import write_pdf

    import_file(review, DATA / "_baseline_pubmed.ris", who="ann")
    pdf = tmp_path / "report.pdf"
    write_pdf(pdf, ["Results. The alliance predicted outcome, r(48) = .32, p = .02."])
    before = stamp(review)
    store.attach(review, 1, pdf, "bob")
    store.attach(review, 2, pdf, "ann")  # mine: moves the stamp, not news
    changes = changes_since(review, before, "ann")
    assert changes.added == {"pdfs": {"bob": 1}} and changes.topics == ["pdfs"]
    assert changes.summary() == "bob: 1 full text attached or detached"
    store.detach(review, 1, "carol", note="the wrong paper")  # a detach is a change too (history kept)
    later = changes_since(review, changes.stamp, "ann")
    assert later.added == {"pdfs": {"carol": 1}} and later.removed == {}
