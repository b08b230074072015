"""Classes of damage left after issue 11's first pass, each tested on a file written here in the vendor's
layout (learned from public exports; none is copied): two ISSNs in one field, "Anonymous" as an author, two
links on one ``UR`` line, free-text database names, the parallel reader's warnings, rows with trailing
delimiters, and re-exports from screening tools."""

from __future__ import annotations

import json

import pytest

from cli.app import main
from db.engine import create_review
from db.errors import InputError
from screening.importers import SourceFile, detect, parallel, read_records
from screening.importers.databases import WOS, named_database
from screening.importers.fields import parse_standard_numbers
from screening.importing import import_file


def _read(path, text: str, newline: str = "\n"):
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    source = SourceFile(path)
    det = detect(source)
    return det, list(read_records(source, det.importer)), source.warnings


# ---------------------------------------------------------------- ISSNs


def test_two_issns_in_one_ris_sn_line_give_both_canonical(tmp_path):
    """EndNote and Ovid RIS write "print (Print) electronic (Electronic)" in one SN (EndNote also wraps the
    second onto an untagged line); ProQuest writes bare eight digits; others separate by ";"."""
    rec = "TY  - JOUR\nTI  - Alliance {n}\nAU  - Berg, Ana\nPY  - 2020\nSN  - {sn}\nER  - \n\n"
    sns = ["0022-006X (Print)\n0022-006X (Linking)", "1040-3590 (Print) 1939-134x (Electronic)",
           "00083674", "1932-6203; 2050-084X", "eISSN: 1939-1455", "978-3-319-12345-6; 1611-3349"]
    text = "".join(rec.format(n=i, sn=sn) for i, sn in enumerate(sns))
    _, recs, _ = _read(tmp_path / "endnote.ris", text)
    assert [r.other_ids for r in recs] == [
        {"issn": "0022-006X"},
        {"issn": "1040-3590", "eissn": "1939-134X"},
        {"issn": "0008-3674"},
        {"issn": "1932-6203", "issn_other": "2050-084X"},
        {"issn": "1939-1455"},  # only an electronic one: it is the record's ISSN
        {"issn": "1611-3349", "isbn": "978-3-319-12345-6"},
    ]
    assert recs[1].raw["SN"] == ["1040-3590 (Print) 1939-134x (Electronic)"]  # raw keeps the export


def test_endnote_xml_isbn_field_with_two_issns(tmp_path):
    """EndNote XML keeps ISSNs in its ``isbn`` element, one per line with the MEDLINE labels."""
    body = ('<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><rec-number>1</rec-number>'
            '<ref-type name="Journal Article">17</ref-type><contributors><authors><author><style face="normal" '
            'font="default" size="100%">Berg, A.</style></author></authors></contributors><titles><title><style '
            'face="normal" font="default" size="100%">Alliance</style></title></titles><dates><year><style '
            'face="normal" font="default" size="100%">2020</style></year></dates><isbn><style face="normal" '
            'font="default" size="100%">1040-3590 (Print)&#xD;1939-134X (Electronic)&#xD;1040-3590 (Linking)'
            '</style></isbn></record></records></xml>')
    _, [rec], _ = _read(tmp_path / "lib.xml", body)
    assert rec.other_ids["issn"] == "1040-3590" and rec.other_ids["eissn"] == "1939-134X"
    assert "isbn_issn" not in rec.other_ids


def test_isbn_digits_are_never_read_as_an_issn():
    assert parse_standard_numbers("978-1-4020-9345-3") == ([], ["978-1-4020-9345-3"])
    assert parse_standard_numbers("ISSN not given") == ([], [])
    assert parse_standard_numbers("1234-5678 2019") == ([("1234-5678", False)], [])


# ---------------------------------------------------------------- anonymous authors


def test_anonymous_placeholders_are_no_authors(tmp_path):
    """ProQuest RIS writes "AU - Anonymous", Web of Science "[Anonymous]", APA PsycInfo "No authorship
    indicated"; none is a person, so two unrelated editorials never share an author."""
    ris = ("TY  - JOUR\nTI  - Biotech pioneers named\nAU  - Anonymous\nT2  - Water Works Journal\nPY  - 2018\n"
           "DB  - ASFA: Aquatic Sciences and Fisheries Abstracts\nER  - \n\n"
           "TY  - JOUR\nTI  - Editorial: a new year\nAU  - No authorship indicated\nPY  - 2019\nER  - \n\n"
           "TY  - JOUR\nTI  - Letters\nAU  - Anon.\nAU  - Anon, Karin\nPY  - 2019\nER  - \n")
    _, recs, _ = _read(tmp_path / "proquest.ris", ris)
    assert [r.authors for r in recs] == [[], [], ["Anon, Karin"]]
    assert recs[0].raw["AU"] == ["Anonymous"]
    wos = ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU [Anonymous]\nTI Editorial\nSO LANCET\nPY 2011\n"
           "UT WOS:000286215300029\nER\n\nEF\n")
    _, [rec], _ = _read(tmp_path / "savedrecs.txt", wos)
    assert rec.authors == [] and rec.source_id == "WOS:000286215300029"


# ---------------------------------------------------------------- links


def test_two_links_on_one_ur_line_are_split(tmp_path):
    """ProQuest writes its document link and the library's link resolver on one UR line."""
    text = ("TY  - JOUR\nTI  - Rhenium in wolframite\nAU  - Alekseev, V. I.\nPY  - 2018\nSN  - 1028-334X\n"
            "UR  - https://search.proquest.com/docview/2015703796?accountid=11111 http://link.example.se/?url_ver="
            "Z39.88-2004&genre=article&issn=1028334X&au=Alekseev%2C+V+I\nAN  - 2015703796\n"
            "DB  - ASFA: Aquatic Sciences and Fisheries Abstracts\nER  - \n\n"
            "TY  - JOUR\nTI  - One link, wrapped\nPY  - 2018\nUR  - https://example.org/a/very/long/\n"
            "path/to/the/record\nER  - \n")
    det, recs, _ = _read(tmp_path / "asfa.ris", text)
    assert det.source_db == "ASFA"
    assert recs[0].url == "https://search.proquest.com/docview/2015703796?accountid=11111"
    assert recs[0].other_ids["url"].startswith("http://link.example.se/?url_ver=Z39.88-2004&genre=article")
    assert "url" not in recs[1].other_ids  # one link with a continuation line: still one link


# ---------------------------------------------------------------- free-text database names


@pytest.mark.parametrize("typed, stored", [
    ("psycinfo", "PsycINFO"), ("PubMed", "PubMed"), ("wos", WOS), ("Web of Science", WOS), ("WoS CC", WOS),
    ("embase.com", "Embase"), ("  cinahl  ", "CINAHL"), ("Hand search of Journal X", "Hand search of Journal X"),
    ("MEDLINE and PsycINFO", "MEDLINE and PsycINFO"), ("ProQuest Dissertations & Theses",
                                                       "ProQuest Dissertations & Theses"),
])
def test_typed_database_names_use_the_clue_table(typed, stored):
    assert named_database(typed) == stored


def test_source_db_option_and_correction_are_canonical(tmp_path, capsys):
    path = tmp_path / "refs.ris"
    path.write_text("TY  - JOUR\nTI  - Alliance\nAU  - Berg, Ana\nPY  - 2020\nER  - \n", encoding="utf-8")
    review = str(tmp_path / "r.metasift")
    assert main(["init", review]) == 0
    assert main(["import", review, str(path), "--source-db", "psycinfo", "--json"]) == 0
    capsys.readouterr()
    assert main(["set-database", review, "1", "wos", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source_db"] == WOS
    assert main(["prisma", review, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["identified_per_database"] == {WOS: 1}
    path2 = tmp_path / "refs2.ris"
    path2.write_text("TY  - JOUR\nTI  - Outcome\nAU  - Holm, Per\nPY  - 2021\nER  - \n", encoding="utf-8")
    assert main(["import", review, str(path2), "--source-db", "Our hand search", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["batches"][0]["source_db"] == "Our hand search"


def test_source_db_option_is_stored_canonical(tmp_path):
    path = tmp_path / "refs.ris"
    path.write_text("TY  - JOUR\nTI  - Alliance\nAU  - Berg, Ana\nPY  - 2020\nER  - \n", encoding="utf-8")
    db = create_review(tmp_path / "r.metasift")
    try:
        assert import_file(db, path, source_db="Ovid MEDLINE(R) ALL").source_db == "MEDLINE"
    finally:
        db.close()


# ---------------------------------------------------------------- the parallel reader's warnings


def test_parallel_and_sequential_readers_give_the_same_warnings(tmp_path, monkeypatch):
    """Type-only records (``TY``/``ER`` with nothing between) and a cut last record, in a file cut into chunks
    for worker processes: the same records and the same warnings, with the same line numbers."""
    rec = ("TY  - JOUR\nTI  - Alliance and outcome in sample {i}\nAU  - Berg, Ana\nAU  - Anonymous\nPY  - 2020\n"
           "SN  - 1040-3590 (Print) 1939-134X (Electronic)\nUR  - https://a.example/{i} https://b.example/{i}\n"
           "AB  - {pad}\nER  - \n\n")
    parts = []
    for i in range(400):
        parts.append(rec.format(i=i, pad="x" * 2000))
        if i % 97 == 5:
            parts.append("TY  - GEN\nER  - \n\n")
    parts.append("TY  - JOUR\nTI  - Cut short\nAU  - Holm, Per\n")
    path = tmp_path / "big.ris"
    path.write_text("".join(parts), encoding="utf-8")

    seq = create_review(tmp_path / "seq.metasift")
    monkeypatch.setenv("METASIFT_IMPORT_WORKERS", "1")
    a = import_file(seq, path)
    seq.close()
    monkeypatch.setenv("METASIFT_IMPORT_WORKERS", "2")
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "TARGET_CHUNK", path.stat().st_size // 5)
    source = SourceFile(path)
    assert parallel.supports(source, detect(source).importer)
    assert len(parallel.plan(source, detect(source).importer)) >= 4
    par = create_review(tmp_path / "par.metasift")
    b = import_file(par, path)
    par.close()
    assert a.records == b.records == 401
    assert a.warnings == b.warnings
    assert len(a.warnings) == 2 and "5 records with nothing but a type line" in a.warnings[1]
    assert "may be truncated" in a.warnings[0]


# ---------------------------------------------------------------- rows ending in a delimiter


def _trailing_csv(rows: list[str]) -> str:
    return "Title,Year,DOI,Journal\n" + "\n".join(rows) + "\n"


def test_a_row_with_an_unquoted_comma_is_realigned_when_every_row_ends_in_a_delimiter(tmp_path):
    """Excel-made CSVs end every row with a delimiter; a field with an unquoted comma must still be realigned,
    not read from the left (the DOI under the journal's name)."""
    rows = [f"Study number {i} of alliance,{2000 + i % 20},10.1000/x{i},Journal of Tests," for i in range(30)]
    rows[10] = "Study ten, with a comma,2010,10.1000/x10,Journal of Tests,"
    _, recs, warnings = _read(tmp_path / "excel.csv", _trailing_csv(rows))
    assert len(recs) == 30
    r = recs[10]
    assert (r.title, r.year, r.doi, r.journal) == ("Study ten, with a comma", 2010, "10.1000/x10", "Journal of Tests")
    assert warnings == ["excel.csv: line 12: 1 row did not have the header's 4 fields and was realigned where only "
                        "one placement fits the other rows"]


def test_an_uncertain_row_is_refused_naming_its_line_when_rows_end_in_a_delimiter(tmp_path):
    rows = [f"Study number {i} of alliance,Journal of Tests {i},{2000 + i % 20}," for i in range(30)]
    rows[7] = "Study seven, part two,Journal of Tests 7,2007,"
    path = tmp_path / "excel.csv"
    path.write_text("Title,Journal,Year\n" + "\n".join(rows) + "\n", encoding="utf-8")
    source = SourceFile(path)
    with pytest.raises(InputError) as err:
        list(read_records(source, detect(source).importer))
    assert err.value.line == 9 and "title column cannot be placed with certainty" in str(err.value)


# ---------------------------------------------------------------- screening tools' re-exports


def _eppi_record(i: int, link: str) -> str:
    """One record in EPPI-Reviewer's RIS layout (T1, JF, A1, ST, its own keyword, PY/DA/Y1, AB, DO, VL, IS,
    SP/EP, CY, UR, SN, U1 item id, N1; CRLF line ends)."""
    return (f"TY  - JOUR\nT1  - Alliance and outcome {i}\nJF  - BMC psychology\nA1  - Berg A\nST  - Berg (2024)\n"
            f"KW  - eppi-reviewer\nKW  - alliance\nPY  - 2024\nDA  - 2024///\nY1  - 2024///\nAB  - We studied it.\n"
            f"DO  - 10.1186/s40359-024-0{i}\nVL  - 12\nIS  - 1\nSP  - 20\nCY  - \nUR  - {link} "
            f"http://dx.doi.org/10.1186/s40359-024-0{i}\nSN  - 2050-7283\nU1  - 10219919{i}\nN1  - \nER  - \n\n")


def test_an_eppi_reviewer_ris_is_a_tool_not_a_database(tmp_path, capsys):
    """EPPI-Reviewer marks every record with its own keyword; its links point to the database each record was
    found in (Embase, an Ovid MEDLINE link), but the re-export mixes them: database unknown, exported by
    EPPI-Reviewer, and the mark is no keyword."""
    text = (_eppi_record(1, "https://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=medp&NEWS=N&AN=38000001")
            + _eppi_record(2, "https://www.embase.com/search/results?subaction=viewrecord&id=L643474277"))
    path = tmp_path / "ExportedRis_file_1_of_1.txt"
    det, recs, _ = _read(path, text, newline="\r\n")
    assert det.source_db is None and det.tool == "EPPI-Reviewer"
    assert [r.keywords for r in recs] == [["alliance"], ["alliance"]]
    assert recs[0].url.startswith("https://ovidsp.ovid.com/") and recs[0].other_ids["url"].startswith("http://dx.")
    review = str(tmp_path / "r.metasift")
    assert main(["init", review]) == 0
    capsys.readouterr()
    assert main(["import", review, str(path)]) == 0
    out = capsys.readouterr().out
    assert "database unknown: pass --source-db" in out and "exported by EPPI-Reviewer" in out


def test_a_tool_named_in_ris_db_lines_wins_over_link_clues(tmp_path):
    text = ("TY  - JOUR\nTI  - Alliance\nAU  - Berg, Ana\nPY  - 2020\nDB  - Covidence\n"
            "UR  - https://ovidsp.ovid.com/ovidweb.cgi?T=JS&D=psyc10&AN=2020-00001-001\nER  - \n")
    det, _, _ = _read(tmp_path / "covidence.ris", text)
    assert det.source_db is None and det.tool == "Covidence"


def test_links_glued_without_a_separator_are_split(tmp_path):
    """EndNote re-exports of Lens records glue every link to the one before it on one UR line; a link that
    carries another as a parameter or an archived page's address stays whole."""
    text = ("TY  - JOUR\nTI  - Greenhouse gases from arable land\nAU  - Collins, Alexandra M.\nPY  - 2019\n"
            "SN  - 0013-9351 1096-0953\nUR  - https://ir.library.example.ca/pub/25937https://link.springer.com/article/"
            "10.1186%2Fs13750-019-0182-2https://repository.example.ac.uk/id/eprint/17481/https://lens.org/050-704-668"
            "\nID  - 519\nER  - \n\n"
            "TY  - JOUR\nTI  - Proxy\nPY  - 2019\nUR  - https://proxy.example.edu/login?url=https://doi.org/10.1/x\n"
            "ER  - \n\n"
            "TY  - JOUR\nTI  - Archived\nPY  - 2019\nUR  - https://web.archive.org/web/20200101000000/https://a.org/x\n"
            "ER  - \n")
    _, recs, _ = _read(tmp_path / "tia.ris", text)
    assert recs[0].url == "https://ir.library.example.ca/pub/25937"
    assert recs[0].other_ids["url"].split() == [
        "https://link.springer.com/article/10.1186%2Fs13750-019-0182-2",
        "https://repository.example.ac.uk/id/eprint/17481/", "https://lens.org/050-704-668"]
    assert recs[0].other_ids["issn"] == "0013-9351" and recs[0].other_ids["issn_other"] == "1096-0953"
    assert recs[1].url == "https://proxy.example.edu/login?url=https://doi.org/10.1/x"
    assert recs[2].url == "https://web.archive.org/web/20200101000000/https://a.org/x"
    assert "url" not in recs[1].other_ids and "url" not in recs[2].other_ids


# ---------------------------------------------------------------- EndNote tagged text (Refer, .enw)

ENW = ("%T How trust leads to commitment on platforms\n%0 Journal Article\n%A Guo, Wenbo\n%A Straub, Detmar W.\n"
       "%B Management Information Systems Quarterly\n%D 2021\n%8 September  1, 2021\n%V 45\n%N 3\n%P 1309-1348\n"
       "%U https://aisel.aisnet.org/misq/vol45/iss3/13\n%X IS research has examined trust\nin client-vendor ties.\n"
       "\n\n"
       "%T MISQ Volume 45, Issue 3 Table of Contents\n%B Management Information Systems Quarterly\n%D 2021\n"
       "%V 45\n%N 3\n%P i-ii\n%U https://aisel.aisnet.org/misq/vol45/iss3/1\n\n\n")


def test_endnote_tagged_text_from_the_ais_elibrary(tmp_path):
    """The AIS eLibrary's download: %T first, %0 not always there, %B for the journal, %8 the date; records
    separated by two blank lines; an abstract wrapped onto an untagged line."""
    det, recs, warnings = _read(tmp_path / "ais.txt", ENW)
    assert det.importer.name == "refer" and det.source_db == "AIS eLibrary" and not warnings
    assert [r.title for r in recs] == ["How trust leads to commitment on platforms",
                                       "MISQ Volume 45, Issue 3 Table of Contents"]
    r = recs[0]
    assert r.authors == ["Guo, Wenbo", "Straub, Detmar W."] and r.year == 2021 and r.pub_type == "Journal Article"
    assert (r.journal, r.volume, r.issue, r.pages) == ("Management Information Systems Quarterly", "45", "3",
                                                      "1309-1348")
    assert r.abstract == "IS research has examined trust in client-vendor ties."
    assert recs[1].pages == "i-ii" and recs[1].authors == []


def test_endnote_tagged_text_from_a_database_with_keywords_issns_and_doi(tmp_path):
    """EndNote's own export (CRLF, %0 first, keywords one per line under %K, %@ with two ISSNs, %R the DOI,
    %M the accession number, %~ the database, %W the platform)."""
    text = ("%0 Journal Article\n%A Berg, Ana\n%A Anonymous\n%T Alliance and outcome\n%J Psychotherapy Research\n"
            "%D 2019\n%V 29\n%N 4\n%P 401-412\n%@ 1050-3307 (Print) 1468-4381 (Electronic)\n"
            "%R 10.1080/10503307.2017.1\n"
            "%M 2019-12345-001\n%K alliance\noutcome\npsychotherapy\n%X We studied it.\n%G English\n"
            "%~ APA PsycInfo\n%W EBSCOhost\n\n"
            "%0 Journal Article\n%A Holm, Per\n%T Second record\n%D 2020\n%~ APA PsycInfo\n%W EBSCOhost\n")
    det, recs, _ = _read(tmp_path / "export.enw", text, newline="\r\n")
    assert det.importer.name == "refer" and det.source_db == "PsycINFO"
    r = recs[0]
    assert r.authors == ["Berg, Ana"] and r.doi == "10.1080/10503307.2017.1" and r.source_id == "2019-12345-001"
    assert r.keywords == ["alliance", "outcome", "psychotherapy"] and r.language == "English"
    assert r.other_ids["issn"] == "1050-3307" and r.other_ids["eissn"] == "1468-4381"
    assert recs[1].title == "Second record" and recs[1].line == 21


def test_endnote_tagged_text_without_a_title_line_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "bad.enw"
    path.write_text("%T Fine record\n%A Berg, Ana\n%D 2019\n\n%V 3\n%N 2\n%P 1-9\n", encoding="utf-8")
    source = SourceFile(path)
    with pytest.raises(InputError) as err:
        list(read_records(source, detect(source).importer))
    assert err.value.line == 5 and "no title (%T)" in str(err.value) and err.value.file == "bad.enw"


# ---------------------------------------------------------------- clues record by record


def _lens(i: int, pubmed: bool) -> str:
    more = f"UR  - https://pubmed.ncbi.nlm.nih.gov/3300000{i}/\n" if pubmed else ""
    return (f"TY  - JOUR\r\nTI  - Alliance {i}\r\nAU  - Berg, Ana\r\nPY  - 2020\r\n{more}"
            f"UR  - https://lens.org/016-598-600-357-1{i}X\r\nER  - \r\n\r\n").replace("/\n", "/\r\n")


def test_a_lens_export_linking_some_records_to_pubmed_is_lens(tmp_path):
    """Lens links every record to lens.org and those with a PMID to PubMed too: the database is Lens."""
    det, _, _ = _read(tmp_path / "lens.ris", "".join(_lens(i, pubmed=i % 3 > 0) for i in range(9)))
    assert det.source_db == "Lens"


def test_a_library_of_records_from_several_databases_is_from_no_one(tmp_path):
    """A reference manager's RIS holding Scopus records and Lens records (links of each) names no database;
    EndNote's own PDF links mark its exports (the tool, not a database)."""
    scopus = ("TY  - JOUR\nTI  - Scopus {i}\nPY  - 2020\nUR  - https://www.scopus.com/inward/record.uri?eid=2-s2.0-85{i}"
              "\nER  - \n\n")
    lens = "TY  - GEN\nTI  - Lens {i}\nPY  - 2021\nUR  - https://lens.org/190-777-589-117-35{i}\nER  - \n\n"
    text = "".join(scopus.format(i=i) + lens.format(i=i) for i in range(3))
    det, recs, _ = _read(tmp_path / "library.ris", text)
    assert det.source_db is None and det.tool is None and len(recs) == 6
    wos = ("TY  - JOUR\nTI  - WoS record\nAN  - WOS:000449407900002\nPY  - 2017\nER  - \n\n"
           "TY  - JOUR\nTI  - Dimensions record\nAN  - pub.1110284499\nL1  - internal-pdf://4155050691/Duporge.pdf\n"
           "UR  - https://app.dimensions.ai/details/publication/pub.1110284499\nPY  - 2018\nER  - \n")
    det, _, _ = _read(tmp_path / "endnote.ris", wos)
    assert det.source_db is None and det.tool == "EndNote"


def test_a_mendeley_ris_names_the_tool_and_local_pdf_paths_are_no_links(tmp_path):
    """Mendeley's RIS keeps the path of each PDF on the exporting computer in L1 and writes "AB - NA" where
    there is no abstract; keywords continue on untagged lines."""
    text = ("TY  - JOUR\nAB  - NA\nAU  - Adhikari, Bhim\nDO  - 10.1016/j.forpol.2005.11.002\n"
            "KW  - Adaptive management\nCommunity forestry\n"
            "L1  - file://Users\\ann\\Documents\\Mendeley Desktop\\Adhikari - 2007.pdf\nPY  - 2007\n"
            "SP  - 464-478\nT2  - Forest Policy and Economics\nTI  - Local benefits\nID  - 4725\nER  - \n\n"
            "TY  - JOUR\nAU  - Gautam, Ambika P.\nTI  - GIS assessment\nPY  - 2002\n"
            "L1  - file:///home/ann/papers/Gautam.pdf\nL2  - https://example.org/gautam\nER  - \n")
    det, recs, _ = _read(tmp_path / "mendeley.ris", text)
    assert det.source_db is None and det.tool == "Mendeley"
    assert recs[0].url == "" and recs[0].abstract == "" and recs[0].keywords == ["Adaptive management",
                                                                                 "Community forestry"]
    assert recs[0].raw["L1"][0].startswith("file://") and recs[1].url == "https://example.org/gautam"


# ---------------------------------------------------------------- databases on the Web of Science platform

ZR_COLUMNS = ("PT AN DT TI FT AU BA GP ED SO VL IS SU PS PD PY UR AW NT LA U1 U2 AB C1 EM RI OI PU PA SC SN BN BD DE "
              "TN ST OR DI UT PM OA HC HP DA").split()


def test_zoological_record_tab_delimited_names_its_database_pages_and_issn(tmp_path):
    """Zoological Record's tab-delimited export (Web of Science platform): UT "ZOOREC:...", the page span in
    PS (no BP/EP), the ISSN in SN; CRLF rows."""
    def row(**cells: str) -> str:
        return "\t".join(cells.get(c, "") for c in ZR_COLUMNS)

    rows = [row(PT="J", AN=f"ZOOR1560100086{i}", TI=f"Habitat connectivity {i}", AU="Scriven, Sarah A.; Hill, Jane K.",
                SO="Journal of Applied Ecology", VL="56", IS="10", PS=f"227{i}-2285", PD="Oct 2019", PY="2019",
                AB="Connectivity matters.", SN="0021-8901", UT=f"ZOOREC:ZOOR1560100086{i}", PM="3176249" + str(i))
            for i in range(3)]
    det, recs, _ = _read(tmp_path / "savedrecs.txt", "\t".join(ZR_COLUMNS) + "\n" + "\n".join(rows) + "\n",
                         newline="\r\n")
    assert det.importer.name == "wos_tab" and det.source_db == "Zoological Record"
    assert [r.pages for r in recs] == ["2270-2285", "2271-2285", "2272-2285"]
    assert recs[0].other_ids["issn"] == "0021-8901" and recs[0].source_id == "ZOOREC:ZOOR15601000860"
    tagged = ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Tuff, KT\nTI Shrinking skinks\nSO LANDSCAPE "
              "ECOLOGY\nPS 1395-1409\nPY 2019\nUT ZOOREC:ZOOR15512081533\nER\n\nEF\n")
    det, [rec], _ = _read(tmp_path / "zr.txt", tagged)
    assert det.source_db == "Zoological Record" and rec.pages == "1395-1409"


def test_r_written_csv_na_cells_are_empty(tmp_path):
    """A table saved by R's write.csv writes NA (unquoted) in every empty cell: no ISBN "NA", no journal "NA"."""
    text = ('"","Title","Authors","Year","Source title","ISSN","ISBN","PubMed ID","DOI"\n'
            '"1","Alliance and outcome","Berg A.; Holm P.",2019,"J Couns","00220167",NA,NA,"10.1037/cou0000001"\n'
            '"2","Second study","Lind M.",NA,NA,NA,"9780367358655",31234567,NA\n')
    _, recs, _ = _read(tmp_path / "fromr.csv", text)
    assert recs[0].other_ids == {"issn": "0022-0167"} and recs[0].pmid == ""
    assert recs[1].year is None and recs[1].journal == "" and recs[1].doi == "" and recs[1].pmid == "31234567"
    assert recs[1].other_ids == {"isbn": "9780367358655"} and recs[1].raw["Year"] == "NA"


def test_scopus_author_ids_leave_the_full_names(tmp_path):
    """Scopus's "Author full names" column carries each author's Scopus id in brackets; mapped as the authors,
    the names come without it."""
    text = ('"Authors","Author full names","Title","Year","Source title","EID"\n'
            '"Liu F.; Li C.","Liu, Fengyuan (60410297700); Li, Chunyun (58862216200)","AI in spine",2026,'
            '"Digital Health","2-s2.0-105030721984"\n')
    path = tmp_path / "scopus.csv"
    path.write_text(text, encoding="utf-8")
    source = SourceFile(path)
    [rec] = read_records(source, detect(source).importer, {"mapping": {"authors": "Author full names"}})
    assert rec.authors == ["Liu, Fengyuan", "Li, Chunyun"] and "author_scopus_id" not in rec.other_ids


def test_eric_nbib_issn_prefixes_give_both_issns(tmp_path):
    """ERIC's MEDLINE-style export writes "ISSN-" and "EISSN-" before the numbers and has no PMID."""
    text = ("OWN - ERIC\nOID - EJ1300001\nTI  - Working alliance in school counselling\nAU  - Berg, Ana\n"
            "JT  - Journal of Counseling Psychology\nDP  - 2021\nVI  - 68\nIP  - 3\nPG  - 301-312\n"
            "IS  - ISSN-0022-0167\nIS  - EISSN-1939-2168\nLA  - English\nPT  - Journal Articles\n\n"
            "OWN - ERIC\nOID - ED600002\nTI  - A report on alliance\nAU  - Holm, Per\nDP  - 2020\n"
            "IS  - ISBN-978-1-4020-9345-3\n")
    det, recs, _ = _read(tmp_path / "eric.nbib", text)
    assert det.importer.name == "medline" and det.source_db == "ERIC" and len(recs) == 2
    assert recs[0].other_ids == {"issn": "0022-0167", "eissn": "1939-2168", "accession": "EJ1300001"}
    assert recs[1].other_ids == {"isbn": "978-1-4020-9345-3", "accession": "ED600002"}


def test_embase_ris_pmid_and_accession_number(tmp_path):
    """embase.com's RIS keeps the MEDLINE PMID in C5 and Embase's accession number in U2 (affiliations in M1):
    both land in their fields, so the record meets its PubMed copy in the deduplication."""
    text = ("TY  - JOUR\nT1  - Cellular structure of dinosaur scales\nA1  - Yang, Z.\nY1  - 2024//\nJF  - Nature "
            "Communications\nVL  - 15\nIS  - 1\nSN  - 2041-1723 (electronic)\nM3  - Article\nDB  - Embase\n"
            "U2  - L2029880245\nC5  - 38773066\nM1  - (Yang Z., zyang@example.ie) University College Cork, Ireland\n"
            "DO  - 10.1038/s41467-024-48400-3\nER  - \n\n"
            "TY  - JOUR\nT1  - Erratum: petroglyphs\nA1  - Troiano, L.P.\nY1  - 2024//\nDB  - Embase\n"
            "U2  - L644585435\nER  - \n")
    det, recs, _ = _read(tmp_path / "embase.ris", text)
    assert det.source_db == "Embase"
    assert (recs[0].pmid, recs[0].source_id) == ("38773066", "L2029880245")
    assert recs[0].other_ids == {"embase": "L2029880245", "issn": "2041-1723"}  # its only ISSN, electronic
    assert (recs[1].pmid, recs[1].source_id) == ("", "L644585435")


def test_identifiers_vendors_hide_in_other_fields(tmp_path):
    """Ovid's ERIC writes an electronic ISSN as "E2196-7822"; the Cochrane Library's RIS keeps the PMID in C3
    ("PUBMED 38407106,EMBASE 643589775"); Lens and RefWorks link records to PubMed; Rayyan glues a second tag
    into a link's line (its CSV too); a PDF on the exporter's computer beside a link is no link."""
    text = ("TY  - JOUR\nTI  - ERIC record\nPY  - 2019\nSN  - E2196-7822\nER  - \n\n"
            "TY  - JOUR\nTI  - CENTRAL record\nPY  - 2024\nC3  -  PUBMED 38407106,EMBASE 643589775\nER  - \n\n"
            "TY  - JOUR\nTI  - Lens record\nPY  - 2021\nUR  - https://europepmc.org/article/PMC/PMC8008960\n"
            "L2  - https://pubmed.ncbi.nlm.nih.gov/33796074/\nER  - \n\n"
            "TY  - JOUR\nAN  - rayyan-42924189\nTI  - Rayyan record\nPY  - 2024\n"
            "UR  - https://www.embase.com/search/results?subaction=viewrecord&id=L2029880245&from=export     "
            "U2  - L2029880245\nER  - \n\n"
            "TY  - JOUR\nTI  - EndNote record\nPY  - 2016\n"
            "UR  - https://onlinelibrary.wiley.com/doi/abs/10.1002/ebm2.15, "
            "internal-pdf://3779373774/K.J-2016-From a mouse.pdf\nER  - \n")
    _, recs, _ = _read(tmp_path / "mixed.ris", text)
    assert recs[4].url == "https://onlinelibrary.wiley.com/doi/abs/10.1002/ebm2.15" and "url" not in recs[4].other_ids
    assert recs[0].other_ids == {"issn": "2196-7822"}
    assert recs[1].pmid == "38407106" and recs[2].pmid == "33796074"
    assert recs[3].url == "https://www.embase.com/search/results?subaction=viewrecord&id=L2029880245&from=export"
    assert recs[3].other_ids["embase"] == "L2029880245" and recs[3].source_id == "rayyan-42924189"
    assert recs[3].raw["UR"][0].endswith("U2  - L2029880245")  # raw keeps the line as exported


def test_a_rayyan_ris_is_named_by_its_record_ids(tmp_path):
    text = ("TY  - JOUR\nAN  - rayyan-42924189\nTI  - Alliance\nY1  - 2024\nAU  - Yang, Z.\n"
            "UR  - https://pubmed.ncbi.nlm.nih.gov/38773066/\nER  - \n")
    det, [rec], _ = _read(tmp_path / "rayyan.ris", text)
    assert det.source_db is None and det.tool == "Rayyan" and rec.pmid == "38773066"


def test_every_database_a_wos_accession_names_is_canonical():
    from screening.importers.databases import CANONICAL, WOS_UT_DATABASES, canonical_database

    for name in set(WOS_UT_DATABASES.values()):
        assert name in CANONICAL and canonical_database(name) == name
