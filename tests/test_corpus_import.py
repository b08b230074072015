"""Acceptance: every real export in ../shared/corpus imports with exactly the manifest's record count,
and title / authors / year / abstract / DOI land in the right fields."""

from __future__ import annotations

import re

import pytest
from conftest import CORPUS, corpus_or_skip
from corpus_manifest import read_manifest

from db.errors import InputError
from screening.importers import SourceFile, detect, read_records

# Where MetaSift's abstract count differs from the manifest's tag count, and why.
EMPTY_ABSTRACT_TAGS = {
    # PMID 30042925 has an empty "AB  - " line; its only text is "OAB - Publisher: Abstract available
    # from the publisher." The manifest counted the tag; MetaSift stores no abstract.
    "pubmed_medline/nbib__pmc_medlars.txt": 1,
    # 33 abstract cells hold R's literal "NA"; the manifest counts "NA" as missing for the RIS files
    # (CAB, AGRIS) but as an abstract here. MetaSift treats "NA" as missing everywhere.
    "labeled_duplicates/asysd__labelled_test_set.csv": 33,
    # the record's <AbstractText></AbstractText> is empty; the manifest counted the element
    "pubmed_xml/jabref__MedlineImporterTestArticleNoISSN.xml": 1,
}

# Where the manifest's row count includes a line that is not a record, and why.
NOT_RECORDS = {
    # line 36 is the one-cell divider "citations that are not yet labeled by anyone" between abstrackr's
    # labelled and unlabelled citations, not a citation
    "crossvendor_baseline/_baseline_abstrackr.csv": 1,
}

_YEAR_COLUMN = re.compile(r"year|date|^py$|^yr$|^dp$|^source$", re.I)  # (Embase's "Source" holds the date)
TABULAR = {"csv", "tsv", "xlsx", "xls"}


def _has_year_column(importer: str, records) -> bool:
    """False for a tabular layout whose header has no year or date column at all (abstrackr's export, the
    Cohen 2006 screening sets): such a file cannot give years. Decided from the header MetaSift read, not
    from a list of file names, so a new file in such a layout needs no entry here."""
    keys = {k for r in records[:50] for k in r.raw}
    return importer not in TABULAR or any(_YEAR_COLUMN.search(k) for k in keys)

FILES = read_manifest(CORPUS) if CORPUS.is_dir() else []
EXPORTS = [f for f in FILES if f.is_export]
DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def test_manifest_was_read():
    corpus_or_skip()
    assert len(EXPORTS) > 120


@pytest.mark.corpus
@pytest.mark.parametrize("entry", EXPORTS, ids=[f.path for f in EXPORTS])
def test_corpus_file_imports_with_manifest_count(entry):
    corpus = corpus_or_skip()
    source = SourceFile(corpus / entry.path)
    det = detect(source)
    records = list(read_records(source, det.importer))
    expected_n = entry.records - NOT_RECORDS.get(entry.path, 0)
    assert len(records) == expected_n, f"{entry.path}: read as {det.importer.name}"
    titled = [r for r in records if r.title]
    if not entry.is_fixture:  # hand-made/edited parser fixtures may have no title tag at all
        assert len(titled) >= 0.95 * len(records), "titles missing"
    for r in records:
        assert r.title == r.title.strip() and "\n" not in r.title
        assert all(isinstance(a, str) and a and len(a) < 300 for a in r.authors), r.authors[:3]
        assert r.year is None or 1800 <= r.year <= 2030
        assert r.doi == "" or DOI.match(r.doi), r.doi
        assert r.doi == r.doi.lower()
        assert not re.match(r"^[A-Z][A-Z0-9]  - ", r.abstract), "a RIS tag leaked into the abstract"
    if entry.no_abstract is not None:
        with_abstract = sum(1 for r in records if r.abstract)
        # (a NOT_RECORDS line was counted by the manifest as a record without an abstract)
        expected = entry.records - entry.no_abstract - EMPTY_ABSTRACT_TAGS.get(entry.path, 0)
        assert with_abstract == expected
    if not entry.is_fixture and _has_year_column(det.importer.name, records):
        assert sum(1 for r in records if r.year) >= 0.8 * len(records), "years missing"


NON_EXPORTS = [f for f in FILES if not f.is_export]


@pytest.mark.corpus
@pytest.mark.parametrize("entry", NON_EXPORTS, ids=[f.path for f in NON_EXPORTS])
def test_corpus_non_export_is_refused_clearly(entry):
    corpus = corpus_or_skip()
    source = SourceFile(corpus / entry.path)
    with pytest.raises(InputError) as info:
        det = detect(source)
        list(read_records(source, det.importer))
    assert entry.path.rsplit("/", 1)[1] in str(info.value)
