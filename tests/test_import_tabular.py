"""Tabular importers (CSV / TSV / WoS tab-delimited / XLSX / XLS): field values of real exports, the
explicit column mapping, header and delimiter detection, clear errors, and a fuzz test."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, corpus_or_skip
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.errors import InputError
from screening.importers import SourceFile, detect, read_records
from screening.importers.tabular import (
    IMPORTERS,
    DelimitedImporter,
    WosTabImporter,
    XlsImporter,
    XlsxImporter,
    inspect_columns,
)
from screening.importers.tabular_records import split_author_cell

CSV, WOS_TAB, XLSX, XLS = DelimitedImporter(), WosTabImporter(), XlsxImporter(), XlsImporter()


def _read(path: Path, options: dict | None = None):
    source = SourceFile(path)
    det = detect(source)
    return det, list(read_records(source, det.importer, options))


# --- files in tests/data (run without the corpus) ---------------------------------------------------

def test_excel_semicolon_csv_with_bom_and_embase_preamble():
    det, recs = _read(DATA / "_baseline_excel.csv")
    assert det.importer.name == "csv" and det.source_db == "Embase"
    assert len(recs) == 10
    r = recs[0]
    assert r.title == ("Cellular structure of dinosaur scales reveals retention of reptile-type skin during "
                       "the evolutionary transition to feathers")
    assert r.authors[:2] == ["Yang Z", "Jiang B"]
    assert (r.year, r.doi, r.journal, r.volume, r.issue) == (2024, "10.1038/s41467-024-48400-3",
                                                             "Nature Communications", "15", "1")
    assert r.abstract.startswith("Fossil feathers have transformed our understanding")
    assert r.pmid == "38773066" and r.line == 5  # three preamble lines, then the header on line 4
    assert r.raw["Title"] == r.title


def test_inspect_columns_finds_header_after_preamble():
    info = inspect_columns(SourceFile(DATA / "_baseline_excel.csv"))
    assert info.header_row == 3
    assert info.headers[0] == "Title" and len(info.headers) == 49
    assert info.mapping["title"] == "Title"
    assert info.mapping["authors"] == "Author Names"
    assert info.mapping["doi"] == "DOI"
    assert info.mapping["pages"] == "First Page"
    assert info.source_database == "Embase"


def test_pubmed_csv_comma_separated_authors():
    det, recs = _read(DATA / "_baseline_pubmed.csv")
    assert det.source_db == "PubMed" and len(recs) == 10
    r = recs[0]
    assert r.title == "Time lapse: A glimpse into prehistoric genomics"
    assert r.authors == ["Griffin DK", "Larkin DM", "O'Connor RE"]
    assert (r.year, r.doi, r.pmid, r.source_id) == (2020, "10.1016/j.ejmg.2019.03.004", "30922926",
                                                    "30922926")
    assert r.other_ids == {"pmcid": "PMC7026692"}
    assert r.abstract == ""


def test_eppi_reviewer_xlsx_keeps_label_column_in_raw():
    det, recs = _read(DATA / "_baseline_eppireviewer.xlsx")
    assert det.importer.name == "xlsx" and det.source_db is None and det.tool == "EPPI-Reviewer"
    assert len(recs) == 10
    assert recs[0].title.startswith("A juvenile bird with possible crown-group affinities")
    assert recs[0].source_id == "102199191" and recs[0].year == 2024 and recs[0].line == 2
    assert [r.raw["Included"] for r in recs].count("I") == 8
    assert recs[-1].raw["Included"] == "E" and recs[-1].line == 11


def test_explicit_mapping_overrides_auto_mapping():
    src = SourceFile(DATA / "_baseline_pubmed.csv")
    mapping = {"title": "Citation", "source_id": "PMCID", "journal": "journal/book"}
    recs = list(CSV.read(src, {"mapping": mapping}))
    assert recs[0].title.startswith("Eur J Med Genet. 2020 Feb;63(2):103640.")
    assert recs[0].source_id == "PMC7026692"
    assert recs[0].journal == "Eur J Med Genet"


def test_mapping_errors_list_valid_names():
    src = SourceFile(DATA / "_baseline_pubmed.csv")
    with pytest.raises(InputError) as info:
        list(CSV.read(src, {"mapping": {"titel": "Title"}}))
    assert "_baseline_pubmed.csv" in str(info.value) and "'titel'" in str(info.value)
    assert "title" in str(info.value) and "abstract" in str(info.value)
    with pytest.raises(InputError) as info:
        list(CSV.read(src, {"mapping": {"title": "Headline"}}))
    assert "'Headline'" in str(info.value) and "'First Author'" in str(info.value)


def test_no_title_column_is_refused_with_headers_and_hint(tmp_path):
    path = tmp_path / "ids_only.csv"
    path.write_bytes(b"pmid,doi,label_included\n123,10.1/x,1\n456,10.1/y,0\n")
    src = SourceFile(path)
    with pytest.raises(InputError) as info:
        list(CSV.read(src, {}))
    msg = str(info.value)
    assert "ids_only.csv" in msg and "'pmid'" in msg and "'label_included'" in msg and "--map title=" in msg
    recs = list(CSV.read(src, {"mapping": {"title": "doi"}}))
    assert [r.title for r in recs] == ["10.1/x", "10.1/y"]


def test_bad_workbooks_and_empty_files_are_clear_errors(tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"Title,Authors\nA,B\n")
    with pytest.raises(InputError, match=r"fake\.xlsx.*not an XLSX workbook"):
        list(XLSX.read(SourceFile(fake), {}))
    cut = tmp_path / "cut.xlsx"
    data = (DATA / "_baseline_eppireviewer.xlsx").read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.xlsx.*(damaged|truncated)"):
        list(XLSX.read(SourceFile(cut), {}))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv.*empty"):
        list(CSV.read(SourceFile(empty), {}))
    with pytest.raises(InputError, match=r"empty\.csv"):
        detect(SourceFile(empty))
    notxls = tmp_path / "old.xls"
    notxls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(InputError, match=r"old\.xls"):
        list(XLS.read(SourceFile(notxls), {}))


def test_sniff_leaves_tagged_formats_to_their_importers():
    for name in ("_baseline_pubmed.ris", "_baseline_webofscience.ris", "jabref__IsiImporterTestWOS.isi"):
        src = SourceFile(DATA / name)
        assert CSV.sniff(src) < 0.1 and WOS_TAB.sniff(src) == 0.0, name
    medline = SourceFile("x.txt", b"PMID- 123\nOWN - NLM\nTI  - A title, with, commas\n\nPMID- 456\n")
    xml = SourceFile("x.csv", b'<?xml version="1.0"?>\n<records><record>a,b,c</record></records>\n')
    bib = SourceFile("x.csv", b"@article{key1,\n title={A, B},\n year={2001}\n}\n")
    json = SourceFile("x.csv", b'[{"title": "A", "year": 2001}, {"title": "B", "year": 2002}]\n')
    for src in (medline, xml, bib, json):
        assert CSV.sniff(src) < 0.1
    xlsx = SourceFile(DATA / "_baseline_eppireviewer.xlsx")
    assert XLSX.sniff(xlsx) > 0.9 and CSV.sniff(xlsx) == 0.0 and XLS.sniff(xlsx) == 0.0
    assert CSV.sniff(SourceFile(DATA / "_baseline_pubmed.csv")) > 0.8


def test_delimiter_detection_from_content_not_suffix(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("Title\tAuthors\tYear\tDOI\nA study, in part\tSmith, J; Doe, K\t2001\t10.1234/ABC\n"
                    "Another\tRoe, P\t1999\thttps://doi.org/10.5555/Q.1\n", encoding="utf-8")
    det, recs = _read(path)
    assert det.importer.name == "csv"
    assert [r.title for r in recs] == ["A study, in part", "Another"]
    assert recs[0].authors == ["Smith, J", "Doe, K"] and recs[1].doi == "10.5555/q.1"


def test_cr_only_line_ends_and_quoted_newlines(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b'Title,Abstract,Year\r"First","line one\rline two",2001\r\r"Second","x",2002\r')
    recs = list(CSV.read(SourceFile(path), {}))
    assert [(r.title, r.abstract, r.year, r.line) for r in recs] == [
        ("First", "line one line two", 2001, 2), ("Second", "x", 2002, 5)]


@pytest.mark.parametrize("value, expected", [
    ("Zuna, R E and Wang, S S and Group, ALTS", ["Zuna, R E", "Wang, S S", "Group, ALTS"]),
    ("R. L. Whistler and W. C. Lake", ["R. L. Whistler", "W. C. Lake"]),
    ("Department of Health and Human Services", ["Department of Health and Human Services"]),
    ("Yang Z., Jiang B., McNamara M.E.", ["Yang Z", "Jiang B", "McNamara M.E"]),
    ("Achenbach, T. M., Rescorla, L. A.", ["Achenbach, T. M", "Rescorla, L. A"]),
    ("Niinimaa V\n\nShephard RJ", ["Niinimaa V", "Shephard RJ"]),
    ("Massimo Aria|Corrado Cuccurullo", ["Massimo Aria", "Corrado Cuccurullo"]),
    ("Araz R. AlievNigar T. McNamara", ["Araz R. Aliev", "Nigar T. McNamara"]),
    ("Curry Rogers, Kristina", ["Curry Rogers, Kristina"]),
])
def test_author_cell_styles(value, expected):
    assert split_author_cell(value) == expected


# --- corpus records, one per vendor layout ----------------------------------------------------------

CASES = [
    ("scopus_csv/bibliometrix__scopus_sample.csv", "Scopus", 0,
     "Quantitative analysis of studies that use artificial intelligence on spinal diseases: A bibliometric "
     "analysis", "Liu F", 2026, "10.1177/20552076261415846", "Objective: This study aimed to evaluate"),
    ("wos_tabdelimited/deryc__Sample_WoS_Records.txt", "Web of Science Core Collection", 0,
     "Cancer driver mutations in protein kinase genes", "Torkamani, A", 2009, "10.1016/j.canlet.2008.11.008",
     "Recent studies investigating the genetic determina"),
    ("csv_exports/bibliometrix__lens_sample.csv", "Lens", 0,
     "Dynamic real-time risk analytics of uncontrollable states in complex internet of things systems: cyber "
     "risk at the edge", "Petar Radanliev", 2020, "10.1007/s10669-020-09792-x",
     "The Internet of Things (IoT)"),
    ("csv_exports/cpet__ovid_citation8.xls", "MEDLINE", 0,
     "Determinations of performance and mechanical efficiency in nordic skiing.", "Niinimaa V", 1979, "", ""),
    ("csv_exports/asreview__embase.csv", "Embase", 0,
     "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound", "Liu R", 2014, "",
     "Gastrointestinal tract duplication cysts are rare"),
    ("csv_exports/bibliometrix__openalex_sample.csv", "OpenAlex", 0,
     "bibliometrix : An R-tool for comprehensive science mapping analysis", "Massimo Aria", 2017,
     "10.1016/j.joi.2017.08.007", ""),
    ("labeled_duplicates/rathbone_stroke__records_pre_merged.csv", None, 0,
     "Efficacy observation of batroxobin for treatment of vascular cognitive impairment. [Chinese]",
     "Zhai, Q. J", 2010, "", ""),
    ("labeled_screening/asreview-simulation__van_de_Schoot_2017_PTSD.xlsx", None, 2,
     "Posttraumatic Stress Disorder: Scientific and Professional Dimensions: Second Edition", "Ford, J. D",
     2015, "", "This comprehensive overview of research and clinic"),
]


@pytest.mark.corpus
@pytest.mark.parametrize("path, vendor, index, title, author, year, doi, abstract", CASES,
                         ids=[c[0].split("/")[-1] for c in CASES])
def test_corpus_record_fields(path, vendor, index, title, author, year, doi, abstract):
    det, recs = _read(corpus_or_skip() / path)
    assert det.source_db == vendor
    r = recs[index]
    assert (r.title, r.authors[0], r.year, r.doi) == (title, author, year, doi)
    assert r.abstract.startswith(abstract) and (abstract or not r.abstract)


@pytest.mark.corpus
def test_corpus_ids_pages_and_labels():
    corpus = corpus_or_skip()
    _, wos = _read(corpus / "wos_tabdelimited/deryc__Sample_WoS_Records.txt")
    assert (wos[0].source_id, wos[0].pmid, wos[0].pages, wos[0].line) == (
        "WOS:000268076700001", "19081671", "117-127", 2)
    _, scopus = _read(corpus / "scopus_csv/litstudy__scopus.csv")
    assert scopus[0].source_id == "2-s2.0-27344436659" and scopus[0].pages == "1781-1802"
    _, embase = _read(corpus / "csv_exports/asreview__embase.csv")
    assert (embase[0].journal, embase[0].volume, embase[0].issue, embase[0].pages) == (
        "Endoscopic Ultrasound", "3", "3", "152-160")
    _, ptsd = _read(corpus / "labeled_screening/asreview-simulation__van_de_Schoot_2017_PTSD.xlsx")
    assert sum(1 for r in ptsd if r.raw.get("label_included") == "1") == 43
    _, abstrackr = _read(corpus / "crossvendor_baseline/_baseline_abstrackr.csv")
    assert "labeled_at (2)" in abstrackr[0].raw  # duplicate header names stay apart
    assert all(r.title for r in abstrackr)  # the "citations that are not yet labeled" divider is no record


@pytest.mark.corpus
def test_corpus_ids_only_file_is_refused():
    src = SourceFile(corpus_or_skip() / "labeled_screening/synergy__van_Dis_2020_ids.csv")
    with pytest.raises(InputError) as info:
        list(read_records(src, detect(src).importer))
    assert "synergy__van_Dis_2020_ids.csv" in str(info.value) and "'openalex_id'" in str(info.value)


# --- fuzz -------------------------------------------------------------------------------------------

_SUFFIX = {"csv": ".csv", "wos_tab": ".txt", "xlsx": ".xlsx", "xls": ".xls"}
_PREFIXES = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf",
             b"PT\tAU\tTI\tSO\tUT\n"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(_PREFIXES),
       body=st.one_of(st.binary(max_size=400),
                      st.text(alphabet=st.sampled_from(list('ab,;\t|"\r\n 1\x00é')), max_size=300)
                      .map(lambda t: t.encode("utf-8"))))
def test_fuzz_read_raises_only_input_error(prefix, body):
    for imp in IMPORTERS:
        src = SourceFile(f"fuzz{_SUFFIX[imp.name]}", prefix + body)
        imp.sniff(src)
        try:
            for rec in imp.read(src, {}):
                assert isinstance(rec.title, str)
        except InputError:
            pass


_XLSX_BYTES = (DATA / "_baseline_eppireviewer.xlsx").read_bytes()


@settings(max_examples=60, deadline=None)
@given(flips=st.lists(st.tuples(st.integers(0, len(_XLSX_BYTES) - 1), st.integers(0, 255)),
                      min_size=1, max_size=8))
def test_fuzz_damaged_xlsx_raises_only_input_error(flips):
    data = bytearray(_XLSX_BYTES)
    for pos, byte in flips:
        data[pos] = byte
    try:
        list(XLSX.read(SourceFile("damaged.xlsx", bytes(data)), {}))
    except InputError as exc:
        assert "damaged.xlsx" in str(exc)


def test_a_workbook_part_in_an_unknown_compression_method_is_a_clear_error():
    """A zip entry whose method field names no method zipfile knows (found by the fuzz test above: zipfile
    raises NotImplementedError there) is refused as a damaged workbook naming the file and the part."""
    import io
    import struct
    import zipfile

    data = bytearray(_XLSX_BYTES)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        sheet = next(i for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    # method field: offset 8 in the local header, offset 10 in the central directory entry
    struct.pack_into("<H", data, sheet.header_offset + 8, 99)
    pos = bytes(data).find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46:pos + 46 + name_len]).decode() == sheet.filename:
            struct.pack_into("<H", data, pos + 10, 99)
        pos = bytes(data).find(b"PK\x01\x02", pos + 4)
    with pytest.raises(InputError) as err:
        list(XLSX.read(SourceFile("packed.xlsx", bytes(data)), {}))
    assert "packed.xlsx" in str(err.value) and "damaged" in str(err.value)
