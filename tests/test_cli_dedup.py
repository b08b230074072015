"""``metasift dedup``, ``duplicates``, ``samples`` and the new ``status`` counts through ``cli.app.main``."""

from __future__ import annotations

import pytest

from cli.app import main
from screening.demo import write_demo_exports
from tests.cli_run import run

ERRATUM = "39000008"  # the demo's PubMed erratum notice of DEMO-PSY-0001 / 39000000


@pytest.fixture
def demo_review(review_target, tmp_path, capsys) -> str:
    files = write_demo_exports(tmp_path / "exports")
    assert main(["init", review_target]) == 0
    assert main(["import", review_target, *map(str, files), "--reviewer", "importer"]) == 0
    capsys.readouterr()
    return review_target


def test_dedup_json_shape_and_status_counts(demo_review, capsys):
    code, data = run(capsys, "dedup", demo_review, "--json", "--reviewer", "ann")
    assert code == 0
    assert data["records"] == 22 and data["unique"] == 14
    assert len(data["groups"]) == 8 and ["DEMO-PSY-0001", "39000000"] in data["groups"]
    assert all(isinstance(s, str) for g in data["groups"] for s in g)
    # the erratum repeats its article's title: queued for a person, not merged, against both copies
    assert [c["ids"] for c in data["candidates"]] == [["DEMO-PSY-0001", ERRATUM], ["39000000", ERRATUM]]
    assert all(c["decision"] == "queued" and "publication type conflict" in c["reasons"]
               for c in data["candidates"])
    # ... and as one decision: the cluster of the erratum and the article's two (merged) copies
    (cluster,) = data["clusters"]
    assert cluster["ids"] == ["DEMO-PSY-0001", "39000000", ERRATUM] and len(cluster["pairs"]) == 2
    assert cluster["groups"] == [["DEMO-PSY-0001", "39000000"]] and len(cluster["records"]) == 3
    code, status = run(capsys, "status", demo_review, "--json")
    assert code == 0
    assert (status["records"], status["unique"], status["duplicates"], status["independent_samples"]) == \
        (22, 14, 8, 14)
    assert status["records_per_database"] == {"PsycINFO": 13, "PubMed": 9} and status["batches"] == 2
    code, text = run(capsys, "status", demo_review)
    assert code == 0 and "Unique records: 14" in text and "Independent samples: 14" in text


def test_duplicates_reject_undo_confirm_and_list(demo_review, capsys):
    run(capsys, "dedup", demo_review, "--json")
    code, data = run(capsys, "duplicates", demo_review, "reject", "DEMO-PSY-0001", "39000000", "--reviewer",
                      "bob", "--json")
    assert code == 0
    assert data["decision"] == {"ids": ["DEMO-PSY-0001", "39000000"], "decision": "rejected", "who": "bob",
                                "when": data["decision"]["when"], "automatic": False}
    assert [h["decision"] for h in data["history"]] == ["auto", "rejected"]
    assert data["history"][0]["automatic"] and data["unique"] == 15
    assert ["DEMO-PSY-0001", "39000000"] not in data["groups"]
    run(capsys, "duplicates", demo_review, "undo", "DEMO-PSY-0001", "39000000", "--json")
    code, data = run(capsys, "duplicates", demo_review, "undo", "39000000", "DEMO-PSY-0001", "--json")
    assert code == 0 and data["unique"] == 15
    code, listed = run(capsys, "duplicates", demo_review, "list", "--json")
    assert [c["ids"] for c in listed["candidates"] if ERRATUM not in c["ids"]] == [["DEMO-PSY-0001", "39000000"]]
    cand = next(c for c in listed["candidates"] if ERRATUM not in c["ids"])
    assert cand["score"] >= 0.9 and cand["reasons"] and "source_db" in cand["differs"]
    code, data = run(capsys, "duplicates", demo_review, "confirm", "DEMO-PSY-0001", "39000000", "--json")
    assert data["unique"] == 14 and all(ERRATUM in c["ids"] for c in data["candidates"])
    # re-running dedup stores nothing new and keeps the person's decision
    code, again = run(capsys, "dedup", demo_review, "--json")
    assert again["stored"] == {"auto": 0, "queued": 0} and again["unique"] == 14


def test_errors_exit_2_with_a_message(demo_review, capsys, tmp_path):
    code, err = run(capsys, "duplicates", demo_review, "confirm", "DEMO-PSY-0001")
    assert code == 2 and "needs two records" in err
    code, err = run(capsys, "duplicates", demo_review, "confirm", "DEMO-PSY-0001", "nope")
    assert code == 2 and "no record has source_id 'nope'" in err
    code, err = run(capsys, "samples", demo_review, "suggest", "DEMO-PSY-0001")
    assert code == 2 and "takes no records" in err
    code, err = run(capsys, "duplicates", demo_review, "undo", "DEMO-PSY-0003", "DEMO-PSY-0004")
    assert code == 2 and "no merge" in err
    # the same PMID from a second database: ambiguous, the message asks for #<record id>
    medline = (tmp_path / "exports" / "demo_pubmed.nbib").read_text(encoding="utf-8").split("\n\n")[0] + "\n"
    extra = tmp_path / "embase.nbib"
    extra.write_text(medline, encoding="utf-8")
    assert main(["import", demo_review, str(extra), "--source-db", "Embase"]) == 0
    capsys.readouterr()
    code, err = run(capsys, "duplicates", demo_review, "confirm", "39000000", "DEMO-PSY-0001")
    assert code == 2 and "ambiguous" in err and "#<record id>" in err
    code, records = run(capsys, "records", demo_review, "--json")
    embase_id = next(r["id"] for r in records["records"] if r["source_db"] == "Embase")
    code, data = run(capsys, "duplicates", demo_review, "confirm", f"#{embase_id}", "DEMO-PSY-0001", "--json")
    assert code == 0 and f"#{embase_id}" in data["decision"]["ids"]


def test_samples_suggest_confirm_and_groups(demo_review, capsys):
    run(capsys, "dedup", demo_review, "--json")
    code, data = run(capsys, "samples", demo_review, "suggest", "--json")
    assert code == 0
    pair = next(s for s in data["suggestions"] if "DEMO-PSY-0007" in s["ids"])
    assert set(pair["ids"]) == {"DEMO-PSY-0007", "DEMO-PSY-0008"} and pair["strength"] == "strong"
    assert any(e["kind"] == "thesis_article" for e in pair["evidence"]) and pair["automatic"]
    assert data["independent_samples"] == 14
    code, data = run(capsys, "samples", demo_review, "confirm", "DEMO-PSY-0007", "DEMO-PSY-0008",
                      "--reviewer", "eve", "--json")
    assert code == 0 and data["decision"]["who"] == "eve" and data["decision"]["decision"] == "confirmed"
    assert ["DEMO-PSY-0007", "DEMO-PSY-0008", "39000003"] in data["shared_samples"]
    # the erratum notice shares its article's authors and title but reports no sample: never suggested
    assert data["independent_samples"] == 13 and data["suggestions"] == []
    code, status = run(capsys, "status", demo_review, "--json")
    assert status["independent_samples"] == 13 and status["unique"] == 14
    code, data = run(capsys, "samples", demo_review, "undo", "DEMO-PSY-0008", "DEMO-PSY-0007", "--json")
    assert data["independent_samples"] == 14 and len(data["suggestions"]) == 1
    code, text = run(capsys, "samples", demo_review)
    assert code == 0 and "14 independent samples" in text and "dissertation" in text
