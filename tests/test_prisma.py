"""PRISMA 2020 counts from a constructed review add up, and the diagram is drawn from them."""

from __future__ import annotations

import json

import pytest

from cli.app import main
from db.engine import create_review
from extraction.prisma import PrismaCounts, draw_prisma, prisma_counts
from extraction.samples import confirm_link
from screening.decisions import decide, resolve
from screening.demo import ERRATUM, STUDIES, pubmed_id, write_demo_exports
from screening.duplicates import queue, reject, run_dedup
from screening.duplicates import resolve as record_id
from screening.importing import import_files

PSY_ORDER = [s.key for s in STUDIES if s.in_psycinfo]  # record ids 1.. follow this order


def rid(key: str) -> int:
    return PSY_ORDER.index(key) + 1


TA_EXCLUDE = {"X1": "children or adolescents", "X2": "analogue / non-clinical treatment",
              "X3": "no alliance measure", "X4": "fewer than five participants"}


@pytest.fixture
def screened_review(review_target, tmp_path):
    db = create_review(review_target, title="Constructed review")
    import_files(db, write_demo_exports(tmp_path / "exports"), who="librarian")
    run_dedup(db, who="librarian")
    erratum = record_id(db, pubmed_id(ERRATUM))
    for pair in queue(db):  # the erratum notice is not a duplicate of its article ...
        reject(db, *pair.ids, who="librarian")
    for reviewer in ("ann", "bob"):  # ... and is excluded at title/abstract
        decide(db, erratum, reviewer, "title_abstract", "exclude", reason="not an empirical study")
    for key in PSY_ORDER:
        for reviewer in ("ann", "bob"):
            if key in TA_EXCLUDE:
                decide(db, rid(key), reviewer, "title_abstract", "exclude", reason=TA_EXCLUDE[key])
            elif key == "X5":  # a conflict, resolved by a third reviewer
                verdict = "exclude" if reviewer == "ann" else "include"
                decide(db, rid(key), reviewer, "title_abstract", verdict,
                       reason="no alliance measure" if verdict == "exclude" else "")
            else:
                decide(db, rid(key), reviewer, "title_abstract", "include")
    resolve(db, rid("X5"), "title_abstract", "exclude", by="carl", method="third_reviewer",
            reason="no alliance measure")
    for key in ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"):
        for reviewer in ("ann", "bob"):
            pdf = f"https://journals.example.org/pdfs/{key}.pdf"
            if key == "A5":
                decide(db, rid(key), reviewer, "full_text", "exclude", reason="full text not retrievable",
                       full_text="https://doi.org/none")
            elif key == "A6":
                decide(db, rid(key), reviewer, "full_text", "exclude",
                       reason="no usable alliance-outcome statistic", full_text=pdf)
            else:
                decide(db, rid(key), reviewer, "full_text", "include", full_text=pdf)
    confirm_link(db, rid("A7"), rid("A8"), who="ann")  # the thesis and its article: one sample
    yield db
    db.close()


def test_counts_of_a_constructed_review_add_up(screened_review):
    c = prisma_counts(screened_review)
    assert c.identified_per_database == {"PsycINFO": 13, "PubMed": 9}
    assert c.duplicates_removed == 8 and c.screened == 14
    assert c.excluded_screening == 6 and c.sought == 8
    assert c.not_retrieved == 1 and c.assessed == 7
    assert c.excluded_full_text == {"no usable alliance-outcome statistic": 1}
    assert c.reports_included == 6 and c.studies_included == 5
    assert c.awaiting == {"title_abstract": 0, "full_text": 0}
    assert c.problems() == []


def test_pending_records_are_shown_as_awaiting_and_still_add_up(review_target, tmp_path):
    db = create_review(review_target)
    import_files(db, write_demo_exports(tmp_path / "exports"))
    run_dedup(db)
    decide(db, rid("A1"), "ann", "title_abstract", "include")
    decide(db, rid("A1"), "bob", "title_abstract", "include")
    decide(db, rid("X1"), "ann", "title_abstract", "exclude", reason="children or adolescents")
    decide(db, rid("X1"), "bob", "title_abstract", "include")  # a conflict: awaiting
    c = prisma_counts(db)
    db.close()
    assert c.sought == 1 and c.excluded_screening == 0
    assert c.awaiting["title_abstract"] == 13 and c.awaiting["full_text"] == 1
    assert c.problems() == []


def test_counts_that_do_not_add_up_are_named_and_not_drawn(tmp_path):
    bad = PrismaCounts(identified_per_database={"PubMed": 10}, duplicates_removed=2, screened=9)
    assert any("screened 9 != identified 10 - removed 2" in p for p in bad.problems())
    with pytest.raises(Exception, match="do not add up"):
        draw_prisma(bad, tmp_path / "x.png")


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_cli_prisma_writes_the_diagram(screened_review, review_target, tmp_path, capsys, suffix):
    out = tmp_path / f"prisma{suffix}"
    assert main(["prisma", review_target, "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["adds_up"] and data["studies_included"] == 5 and data["identified"] == 22
    head = out.read_bytes()[:8]
    assert {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix] in head
