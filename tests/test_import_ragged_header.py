"""A delimited export whose header names fewer columns than its rows have: realigned when the cause is
certain, otherwise refused naming the lines; never read from the left into the wrong columns.

The Scopus file is written here in the layout of a real Scopus CSV export (45 header names up to "EID") whose
rows, as in litstudy's tests/resources/scopus.csv, carry a "Funding Text 2" cell the header does not name,
with two rows written under the 45-name header."""

from __future__ import annotations

import csv
import io

import pytest

from cli.app import main
from db.errors import InputError
from screening.importers import SourceFile, detect, read_records

SCOPUS_HEADER = [
    "Authors", "Author(s) ID", "Title", "Year", "Source title", "Volume", "Issue", "Art. No.", "Page start",
    "Page end", "Page count", "Cited by", "DOI", "Link", "Affiliations", "Authors with affiliations", "Abstract",
    "Author Keywords", "Index Keywords", "Molecular Sequence Numbers", "Chemicals/CAS", "Tradenames",
    "Manufacturers", "Funding Details", "Funding Text 1", "References", "Correspondence Address", "Editors",
    "Sponsors", "Publisher", "Conference name", "Conference date", "Conference location", "Conference code",
    "ISSN", "ISBN", "CODEN", "PubMed ID", "Language of Original Document", "Abbreviated Source Title",
    "Document Type", "Publication Stage", "Open Access", "Source", "EID"]


def _scopus_row(i: int, *, funding_2: bool) -> list[str]:
    cells = {
        "Authors": f"Okafor N., Lindqvist M.{i}", "Author(s) ID": f"5720{i:04d};7402{i:04d};",
        "Title": f"Working alliance and outcome in study {i}", "Year": str(2000 + i % 20),
        "Source title": "Journal of Counseling Psychology", "Volume": str(10 + i), "Issue": str(1 + i % 4),
        "Page start": str(100 + i), "Page end": str(110 + i), "Cited by": str(i * 3),
        "DOI": f"10.1037/cou{i:04d}", "Link": f"https://www.scopus.com/inward/record.uri?eid=2-s2.0-8512{i:05d}",
        "Affiliations": "Dept of Psychology, Uppsala University, Uppsala, Sweden",
        "Authors with affiliations": f"Okafor, N., Dept of Psychology, Uppsala; Lindqvist, M.{i}, Uppsala",
        "Abstract": f"Alliance predicted outcome in sample {i}. © 2020 APA",
        "Author Keywords": "alliance; outcome", "Index Keywords": "Psychotherapy; Humans",
        "Funding Details": "Vetenskapsradet: 2016-01234", "Funding Text 1": "Funded by the Swedish council.",
        "References": "Bordin, E.S., (1979) Psychotherapy, 16, p. 252; Horvath, A.O., (1991) J Couns Psychol, 38",
        "Correspondence Address": f"Okafor, N.; Uppsala University; email: n{i}@uu.se",
        "Publisher": "American Psychological Association", "ISSN": "00220167", "CODEN": "JLCPA",
        "PubMed ID": str(30000000 + i), "Language of Original Document": "English",
        "Abbreviated Source Title": "J. Couns. Psychol.", "Document Type": "Article", "Publication Stage": "Final",
        "Open Access": "All Open Access, Green" if i % 2 else "", "Source": "Scopus", "EID": f"2-s2.0-8512{i:05d}",
    }
    row = [cells.get(h, "") for h in SCOPUS_HEADER]
    if funding_2:  # the unnamed column, right after "Funding Text 1"
        row.insert(SCOPUS_HEADER.index("Funding Text 1") + 1, "Second grant text." if i % 3 == 0 else "")
    return row


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return "\ufeff" + out.getvalue()


def _read(path):
    source = SourceFile(path)
    det = detect(source)
    return det, list(read_records(source, det.importer)), source.warnings


def test_scopus_header_without_funding_text_2_is_realigned(tmp_path):
    rows = [_scopus_row(i, funding_2=i > 2) for i in range(1, 31)]  # rows 1-2 as wide as the header
    path = tmp_path / "scopus.csv"
    path.write_text(_csv(SCOPUS_HEADER, rows), encoding="utf-8")
    det, recs, warnings = _read(path)
    assert det.source_db == "Scopus" and len(recs) == 30
    for i, r in enumerate(recs, start=1):  # every value under its own name, wide rows and narrow ones alike
        assert r.title == f"Working alliance and outcome in study {i}" and r.year == 2000 + i % 20
        assert r.doi == f"10.1037/cou{i:04d}" and r.pmid == str(30000000 + i)
        assert r.source_id == f"2-s2.0-8512{i:05d}" and r.language == "English" and r.pub_type == "Article"
        assert r.abstract.startswith(f"Alliance predicted outcome in sample {i}.")
        assert r.raw["References"].startswith("Bordin") and r.raw["Source"] == "Scopus"
        assert r.raw.get("Funding Text 2", "") == ("Second grant text." if i > 2 and i % 3 == 0 else "")
        assert "unaligned cells" not in r.raw
    [w] = warnings
    assert w.startswith("scopus.csv: lines 4, 5, 6") and "28 rows have 46 fields but the header names 45" in w
    assert "'Funding Text 2' after 'Funding Text 1'" in w


def test_a_missing_name_between_typed_columns_is_placed_there(tmp_path):
    header = ["Title", "Year", "DOI", "Link", "PubMed ID"]
    rows = [[f"Study {i}", str(2001 + i), f"10.1000/s{i}", "J Couns", f"https://doi.org/10.1000/s{i}", str(900 + i)]
            for i in range(6)]
    path = tmp_path / "export.csv"
    path.write_text(_csv(header, rows), encoding="utf-8")
    _, recs, warnings = _read(path)
    assert [r.year for r in recs] == [2001 + i for i in range(6)] and recs[5].pmid == "905"
    assert recs[0].doi == "10.1000/s0" and recs[0].raw["column 4"] == "J Couns"
    assert "as 'column 4' after 'DOI'" in warnings[0]


def test_an_uncertain_missing_name_is_refused_naming_the_lines(tmp_path, capsys):
    header = ["Authors", "Title", "Year", "DOI"]  # the journal column has no name: before or after the title?
    rows = [[f"Smith, J{i}", f"A study of alliance {i}", "Journal of Psychotherapy", str(2001 + i), f"10.1000/x{i}"]
            for i in range(5)]
    path = tmp_path / "ragged.csv"
    path.write_text(_csv(header, rows), encoding="utf-8")
    with pytest.raises(InputError) as err:
        _read(path)
    msg = str(err.value)
    assert msg.startswith("ragged.csv: lines 2, 3, 4, 5, 6: 5 rows have 5 fields but the header names 4")
    assert "between the first column and 'Year'" in msg and "Add the missing name to the header row" in msg
    review = str(tmp_path / "r.metasift")
    assert main(["init", review]) == 0
    capsys.readouterr()
    assert main(["import", review, str(path)]) == 2  # refused, nothing stored, no traceback
    captured = capsys.readouterr()
    assert "ragged.csv: lines 2, 3" in captured.err and "Traceback" not in captured.err
    assert main(["status", review, "--json"]) == 0
    assert '"records": 0' in capsys.readouterr().out


def test_a_trailing_delimiter_in_the_header_only_is_not_a_missing_column(tmp_path):
    path = tmp_path / "trail.csv"
    path.write_text("Title,Year,DOI,\nStudy A,2001,10.1000/a\nStudy B,2002,10.1000/b\n", encoding="utf-8")
    _, recs, warnings = _read(path)
    assert [(r.title, r.year, r.doi) for r in recs] == [("Study A", 2001, "10.1000/a"), ("Study B", 2002,
                                                                                        "10.1000/b")]
    assert warnings == []
