"""Duplicate decisions stored in the review: run, confirm / reject / undo, history, idempotence, counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from db.errors import InputError
from db.models import DuplicateDecision, ImportBatch, Record
from screening import duplicates
from screening.counts import review_counts
from screening.demo import write_demo_exports
from screening.importing import import_files
from screening.status import review_status

ERRATUM = "39000008"  # the demo's PubMed erratum notice of DEMO-PSY-0001 / 39000000


def _demo(review, tmp_path: Path) -> dict[str, int]:
    import_files(review, write_demo_exports(tmp_path), who="importer")
    with review.session() as s:
        return {sid: rid for rid, sid in s.exec(select(Record.id, Record.source_id))}


def _rows(review) -> list[DuplicateDecision]:
    with review.session() as s:
        return list(s.exec(select(DuplicateDecision).order_by(DuplicateDecision.id)))


def _record_count(review) -> int:
    with review.session() as s:
        return s.exec(select(func.count()).select_from(Record)).one()


def test_demo_dedup_merges_cross_database_pairs_and_counts_per_database(review, tmp_path):
    ids = _demo(review, tmp_path)
    summary = duplicates.run_dedup(review, "ann")
    groups = duplicates.groups(review)
    assert len(groups) == 8 and all(len(g) == 2 for g in groups)
    # the PsycINFO record of the cognitive-therapy study and its PubMed twin are one group
    assert [ids["DEMO-PSY-0001"], ids["39000000"]] in groups
    # the thesis (A7) is not merged with its article (A8): different kinds of record
    assert not any(ids["DEMO-PSY-0007"] in g for g in groups)
    assert summary.records == 22 and summary.counts.unique == 14 and summary.counts.duplicates == 8
    assert summary.to_json()["per_database"] == {"PsycINFO": {"records": 13, "duplicates": 0, "unique": 13},
                                                 "PubMed": {"records": 9, "duplicates": 8, "unique": 1}}
    rows = _rows(review)
    auto = [r for r in rows if r.decision == "auto"]
    assert len(auto) == 8 and all(r.who == "ann" and r.run_id == summary.run_id and r.decided_at is not None
                                  and r.score >= 0.9 and r.reasons for r in auto)
    # the erratum notice (same authors and title as DEMO-PSY-0001) waits for a person, against both copies
    queued = [r for r in rows if r.decision != "auto"]
    assert [(r.decision, sorted((r.record_a, r.record_b))) for r in queued] == [
        ("queued", sorted((ids["DEMO-PSY-0001"], ids[ERRATUM]))), ("queued", sorted((ids["39000000"], ids[ERRATUM])))]
    assert all(r.score < 0.9 and "publication type conflict" in r.reasons for r in queued)
    status = review_status(review).to_json()
    assert (status["records"], status["unique"], status["duplicates"]) == (22, 14, 8)
    assert status["records_per_database"] == {"PsycINFO": 13, "PubMed": 9}
    assert status["independent_samples"] == 14


def test_confirm_reject_undo_keep_history_and_never_delete(review, tmp_path):
    ids = _demo(review, tmp_path)
    duplicates.run_dedup(review, "ann")
    a, b = ids["DEMO-PSY-0001"], ids["39000000"]
    n_records = _record_count(review)

    duplicates.reject(review, b, a, "bob")          # order of the ids does not matter
    assert [a, b] not in duplicates.groups(review)
    assert review_counts(review, stages=()).duplicate_counts().unique == 15
    duplicates.undo(review, a, b, "bob")            # undoing the rejection restores the automatic merge
    assert [a, b] in duplicates.groups(review)
    duplicates.undo(review, a, b, "carol")          # undoing the merge itself sends the pair to the queue
    assert [a, b] not in duplicates.groups(review)
    pending = [p for p in duplicates.queue(review) if ids[ERRATUM] not in p.ids]
    assert [p.ids for p in pending] == [(a, b)]
    assert pending[0].decision == "undone" and "undoes auto" in pending[0].reasons[-1]
    fields = {f.field: f for f in pending[0].fields}
    assert fields["source_db"] == duplicates.SideBySide("source_db", "PsycINFO", "PubMed", differs=True,
                                                        one_empty=False)
    assert not fields["doi"].differs and "source_id" in pending[0].differs
    with pytest.raises(InputError, match="no merge or decision to undo"):
        duplicates.undo(review, a, b, "carol")
    duplicates.confirm(review, a, b, "dave")
    assert [a, b] in duplicates.groups(review)
    assert all(ids[ERRATUM] in p.ids for p in duplicates.queue(review))

    hist = duplicates.history(review, a, b)
    assert [(h.decision, h.who) for h in hist] == [("auto", "ann"), ("rejected", "bob"), ("undone", "bob"),
                                                   ("undone", "carol"), ("confirmed", "dave")]
    runs = {r.id: r.run_id for r in _rows(review)}  # only the machine's decision names its run
    assert all(runs[h.id] == "" for h in hist[1:]) and runs[hist[0].id]
    assert _record_count(review) == n_records
    assert review_status(review).to_json()["records_per_database"] == {"PsycINFO": 13, "PubMed": 9}


def test_rerun_is_idempotent_and_respects_person_decisions(review, tmp_path):
    ids = _demo(review, tmp_path)
    duplicates.run_dedup(review, "ann")
    a, b = ids["DEMO-PSY-0002"], ids["39000001"]
    duplicates.reject(review, a, b, "bob")
    before = len(_rows(review))
    again = duplicates.run_dedup(review, "ann")
    assert len(_rows(review)) == before
    assert (again.stored_auto, again.stored_queued) == (0, 0) and again.kept_person_decisions == 1
    assert [a, b] not in duplicates.groups(review) and again.counts.unique == 15


def test_kept_record_takes_the_best_fields_of_the_group(review, tmp_path):
    ids = _demo(review, tmp_path)
    duplicates.run_dedup(review, "ann")
    group = next(g for g in duplicates.groups(review) if ids["DEMO-PSY-0002"] in g)
    kept = duplicates.kept_record(review, group)
    # PsycINFO gave this title in capitals; PubMed's sentence case is kept
    assert kept.title == "Helping alliance, dropout and outcome in outpatient substance abuse treatment"
    assert kept.id == min(group) and sorted(kept.merged_ids) == group
    assert kept.pages == "145-159"


def test_source_ids_resolve_and_ambiguity_asks_for_a_record_id(review, tmp_path):
    ids = _demo(review, tmp_path)
    # the same PubMed record exported again from a second database: the PMID is now ambiguous
    medline = (tmp_path / "demo_pubmed.nbib").read_text(encoding="utf-8")
    first = medline.split("\n\n")[0] + "\n"
    again = tmp_path / "embase_one.nbib"
    again.write_text(first, encoding="utf-8")
    import_files(review, [again], source_db="Embase", who="importer")
    assert duplicates.resolve(review, "DEMO-PSY-0003") == ids["DEMO-PSY-0003"]
    with pytest.raises(InputError, match=r"ambiguous.*#\d+ \(PubMed\).*#\d+ \(Embase\).*#<record id>"):
        duplicates.resolve(review, "39000000")
    assert duplicates.resolve(review, f"#{ids['39000000']}") == ids["39000000"]
    with pytest.raises(InputError, match="no record has source_id"):
        duplicates.resolve(review, "nope")
    with pytest.raises(InputError, match="no record #999999"):
        duplicates.resolve(review, "#999999")
    names = duplicates.labels(review, [ids["39000000"], ids["DEMO-PSY-0003"]])
    assert names == {ids["39000000"]: f"#{ids['39000000']}", ids["DEMO-PSY-0003"]: "DEMO-PSY-0003"}
    # the three copies of the study form one group; per-database counts keep every source record
    duplicates.run_dedup(review, "ann")
    assert [len(g) for g in duplicates.groups(review) if ids["DEMO-PSY-0001"] in g] == [3]
    per_db = review_counts(review, stages=()).duplicate_counts().to_json()["per_database"]
    assert per_db["Embase"] == {"records": 1, "duplicates": 1, "unique": 0}


def test_bad_pairs_are_refused(review, tmp_path):
    ids = _demo(review, tmp_path)
    a = ids["DEMO-PSY-0001"]
    with pytest.raises(InputError, match="same record"):
        duplicates.confirm(review, a, a, "bob")
    with pytest.raises(InputError, match="no record #999999"):
        duplicates.confirm(review, a, 999999, "bob")
    with pytest.raises(InputError, match="nothing|no merge"):
        duplicates.undo(review, a, ids["DEMO-PSY-0003"], "bob")
    assert _rows(review) == []


def _ris(path: Path, records: list[dict[str, str]]) -> Path:
    lines = []
    for r in records:
        lines += ["TY  - JOUR"] + [f"AU  - {a}" for a in r.get("authors", [])]
        lines += [f"TI  - {r['title']}" if r.get("title") else "", f"PY  - {r.get('year', '2001')}",
                  f"AB  - {r.get('abstract', '')}", "ER  - ", ""]
    path.write_text("\n".join(x for x in lines if x is not None), encoding="utf-8")
    return path


def test_empty_review_one_record_and_untitled_records(review, tmp_path):
    out = duplicates.run_dedup(review, "ann")
    assert out.records == 0 and "no records" in out.message and out.counts.unique == 0
    import_files(review, [_ris(tmp_path / "one.ris", [{"title": "Alliance in group therapy", "authors": ["Li, X"]}])])
    out = duplicates.run_dedup(review, "ann")
    assert out.records == 1 and "one record" in out.message and duplicates.groups(review) == []
    import_files(review, [_ris(tmp_path / "untitled.ris", [
        {"title": "", "authors": ["Roe, A"], "abstract": "An abstract about the working alliance."},
        {"title": "", "authors": ["Doe, B"], "abstract": "Another abstract, on dropout."}])])
    out = duplicates.run_dedup(review, "ann")
    assert out.records == 3 and out.untitled == 2 and "2 records have no title" in out.message
    assert out.counts.unique == 3 and duplicates.groups(review) == []
    with review.session() as s:
        assert s.exec(select(func.count()).select_from(ImportBatch)).one() == 2


def test_group_pairs_and_one_sided_fields(review, tmp_path):
    from screening.demo import write_demo_exports
    from screening.duplicates import group_pairs, groups, queue, run_dedup, undo
    from screening.importing import import_files

    import_files(review, write_demo_exports(tmp_path / "ex"))
    run_dedup(review, who="t")
    group = groups(review)[0]
    pairs = group_pairs(review, group)
    assert pairs and all(p.decision == "auto" and p.automatic for p in pairs)
    a, b = pairs[0].ids
    undo(review, a, b, who="ann")  # back to the queue
    item = next(q for q in queue(review) if q.ids == (a, b))
    for f in item.fields:
        assert f.one_empty == (bool(f.a) != bool(f.b))
    assert any(f.one_empty for f in item.fields)  # e.g. the PubMed record has a PMID, the other none


def test_publication_types_compare_as_words_not_codes(review, tmp_path):
    """PsycINFO's RIS says JOUR where PubMed says "Journal Article": shown alike, not flagged as differing;
    the erratum's "Published Erratum" still differs."""
    from screening.importers.fields import publication_type_label

    assert publication_type_label("JOUR") == "Journal article" and publication_type_label(" thes ") == "Thesis"
    assert publication_type_label("Journal Article") == "Journal Article" and publication_type_label(None) == ""
    ids = _demo(review, tmp_path)
    duplicates.run_dedup(review, "ann")
    a, b = ids["DEMO-PSY-0001"], ids["39000000"]
    duplicates.undo(review, a, b, "carol")  # the merged pair back in the queue, to see its comparison
    queue = {p.ids: {f.field: f for f in p.fields} for p in duplicates.queue(review)}
    assert queue[(a, b)]["pub_type"].to_json() == {"field": "pub_type", "a": "Journal article", "b": "Journal Article",
                                         "differs": False, "one_empty": False}
    erratum = queue[(a, ids[ERRATUM])]["pub_type"]
    assert erratum.a == "Journal article" and erratum.b == "Published Erratum" and erratum.differs
