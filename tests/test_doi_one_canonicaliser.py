"""One DOI canonicaliser (issue 12): the importers and the deduplication read a DOI field through the same
function, and a record whose export field holds two DOIs is compared on both."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from db.models import Record
from screening import duplicates
from screening.dedup import normalize as dedup_normalize
from screening.doi import doi_list, normalize_doi
from screening.importers import fields
from screening.importing import import_files


def test_importers_and_dedup_share_the_function():
    assert fields.normalize_doi is normalize_doi is dedup_normalize.normalize_doi
    assert dedup_normalize.doi_list is doi_list


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://doi.org/10.1016/S0140-6736(10)62175-7", ("10.1016/s0140-6736(10)62175-7",)),
    ("doi:10.1037/ccp0000093.", ("10.1037/ccp0000093",)),
    ("10.1097/01.ccm.0000279204.24648.44 [doi]", ("10.1097/01.ccm.0000279204.24648.44",)),
    ("http://dx.doi.org/10.1002%2Fsim.1186", ("10.1002/sim.1186",)),
    ("10.1002/(SICI)1097-4636(199602)30:2<145::AID-JBM3>3.0.CO;2-#",
     ("10.1002/(sici)1097-4636(199602)30:2<145::aid-jbm3>3.0.co;2-#",)),
    ("10.1016/j.jhep.2010.01.001; 10.1016/S0168-8278(10)60001-2",
     ("10.1016/j.jhep.2010.01.001", "10.1016/s0168-8278(10)60001-2")),
    ("10.1000/<i>x</i>123", ("10.1000/x123",)),
    ("NA", ()), ("", ()), (None, ()),
])
def test_variants(raw, expected):
    assert doi_list(raw) == expected
    assert normalize_doi(raw) == (expected[0] if expected else "")


def test_hostile_field_is_read_in_bounded_length():
    assert len(doi_list("10.1234/" + "x" * 1_000_000)[0]) < 10_001


RIS = """TY  - JOUR
AU  - Smith, Jane
TI  - Hepatitis C treatment uptake among people who inject drugs in a harm-reduction cohort
T2  - {journal}
PY  - 2010
VL  - 52
SP  - {pages}
DO  - {doi}
ER  -
"""


def test_a_record_with_two_dois_meets_the_copy_that_has_the_second(review, tmp_path: Path):
    # Embase writes the article DOI and the journal's own PII-DOI in one DO field; Scopus only the second
    a, b = tmp_path / "embase.ris", tmp_path / "scopus.ris"
    a.write_text(RIS.format(journal="Journal of Hepatology", pages="",
                            doi="10.1016/j.jhep.2010.01.001; 10.1016/S0168-8278(10)60001-2"), encoding="utf-8")
    b.write_text(RIS.format(journal="J Hepatol", pages="e12",
                            doi="https://doi.org/10.1016/S0168-8278(10)60001-2"), encoding="utf-8")
    import_files(review, [a], source_db="Embase", who="importer")
    import_files(review, [b], source_db="Scopus", who="importer")
    with review.session() as s:
        stored = list(s.exec(select(Record.doi)))
    assert sorted(stored) == ["10.1016/j.jhep.2010.01.001", "10.1016/s0168-8278(10)60001-2"]
    duplicates.run_dedup(review, "ann")
    groups = duplicates.groups(review)
    assert len(groups) == 1 and len(groups[0]) == 2
    kept = duplicates.kept_record(review, groups[0])
    assert kept.identifiers["doi"] == ["10.1016/j.jhep.2010.01.001", "10.1016/s0168-8278(10)60001-2"]
