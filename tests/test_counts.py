"""One count model (`screening.counts`): status, PRISMA, the CLI listings and every export agree with it, on a
review with merges, a shared-sample link, conflicts and exclusions at both stages (tests/counts_review.py)."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from counts_review import EXPECTED, FT, TA, build

from cli.app import main
from extraction.export import export
from extraction.prisma import prisma_counts
from screening.counts import review_counts
from screening.status import review_status
from tests.cli_run import run_json


@pytest.fixture
def built(review):
    ids = build(review)
    return review, ids


def test_the_model_counts_what_was_built(built):
    db, _ = built
    assert review_counts(db).to_json() == EXPECTED


def test_status_and_prisma_agree_with_the_model(built, capsys):
    db, _ = built
    status = review_status(db).to_json()
    for key, want in (("records", 10), ("unique", 8), ("duplicates", 2), ("independent_samples", 6),
                      ("shared_samples", 1), ("decisions", 19), ("duplicate_groups", 2)):
        assert status[key] == want, key
    assert status["screening"] == EXPECTED["stages"]
    ta, ft = EXPECTED["stages"][TA], EXPECTED["stages"][FT]
    p = prisma_counts(db)
    assert p.problems() == []
    assert (p.identified, p.duplicates_removed, p.screened, p.excluded_screening, p.sought) == \
        (10, 2, 8, ta["excluded"], ta["included"])
    assert p.awaiting == {TA: ta["pending"] + ta["conflicts"], FT: ft["pending"] + ft["conflicts"]}
    assert (p.reports_included, p.studies_included, sum(p.excluded_full_text.values())) == (1, 1, 1)


def test_cli_listings_agree_with_the_model(built, capsys):
    db, _ = built
    where = db.target
    status = run_json(capsys, "status", where, "--json")
    assert status["screening"] == EXPECTED["stages"] and status["unique"] == 8
    dup = run_json(capsys, "duplicates", where, "list", "--json")
    assert (dup["records"], dup["unique"], dup["duplicates"], len(dup["groups"])) == (10, 8, 2, 2)
    smp = run_json(capsys, "samples", where, "--json")
    assert smp["independent_samples"] == 6
    assert len(smp["shared_samples"]) == 1 and len(smp["duplicate_groups"]) == 2
    assessed = run_json(capsys, "assess", where, "--json")
    assert len(assessed["records"]) == 8  # unique records only: a duplicate group is assessed once


def test_exports_agree_with_the_model(built, tmp_path):
    db, ids = built
    out = tmp_path / "review.xlsx"
    export(db, out, "records")
    summary = {r[0].value: r[1].value for r in openpyxl.load_workbook(out)["summary"].iter_rows(min_row=2)}
    assert summary["records (database entries)"] == 10 and summary["unique records after deduplication"] == 8
    assert summary["independent samples"] == 6 and summary["samples shared by several reports"] == 1
    assert summary["screening decisions (log rows)"] == 19
    for stage, label in ((TA, "title / abstract"), (FT, "full text")):
        want = EXPECTED["stages"][stage]
        got = {k: summary[f"{label}: unique records {k}"] for k in ("included", "excluded", "pending")}
        assert got == {k: want[k] for k in got} and summary[f"{label}: unique records in conflict"] == \
            want["conflicts"]
    csv_out = tmp_path / "records.csv"
    export(db, csv_out, "records")
    with csv_out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 10
    unique = [r for r in rows if r["record_id"] == r["kept_id"]]
    assert len(unique) == 8 and len({r["study_id"] for r in rows}) == 6
    for stage in (TA, FT):
        want = EXPECTED["stages"][stage]
        states = [r[stage] for r in unique]
        assert (states.count("included"), states.count("excluded"), states.count("conflict"),
                states.count("pending")) == (want["included"], want["excluded"], want["conflicts"], want["pending"])


def test_samples_listing_computes_suggestions_before_suggest_is_run(built, capsys):
    """Two reports with a registration in common: the plain listing finds the link (without storing it) and
    says how to store it."""
    db, ids = built
    from sqlmodel import select

    from db.models import Record

    with db.transaction() as s:
        for name in ("p6", "m3"):  # both pending: an excluded record is never suggested
            rec = s.exec(select(Record).where(Record.id == ids[name])).one()
            rec.abstract = (rec.abstract or "") + " Trial registration: ClinicalTrials.gov NCT01234567."
            s.add(rec)
    where = db.target
    data = run_json(capsys, "samples", where, "--json")
    assert data["suggestions"] == [] and len(data["unstored_suggestions"]) == 1
    assert main(["samples", where]) == 0
    text = capsys.readouterr().out
    assert "not stored yet" in text and f"metasift samples {where} suggest" in text
    stored = run_json(capsys, "samples", where, "suggest", "--json")
    assert len(stored["suggestions"]) == 1 and stored["unstored_suggestions"] == []
