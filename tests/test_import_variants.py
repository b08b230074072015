"""Export variants real teams bring, each in its vendor's layout (written here from the layouts of public
exports), detected by content with the right count and fields."""

from __future__ import annotations

import io

import pytest

from screening.importers import SourceFile, detect, read_records
from screening.importers.ovid import strip_title_label


def _read(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    source = SourceFile(path)
    det = detect(source)
    return det, list(read_records(source, det.importer)), source


_OVID_TAGGED = """<1. >
VN  - Ovid Technologies
DB  - Embase
UI  - 2011234567
TI  - Exercise for depression in older adults: a randomized trial.
SO  - Journal of Aging Studies. 45(3) (pp 210-219), 2019. Date of Publication: 2019.
AU  - Meyer K.
AU  - Okafor N.
AB  - Background: Exercise may reduce symptoms. Methods: 120 adults were
      randomised. Results: Symptoms fell.
DO  - https://dx.doi.org/10.1016/j.jaging.2019.01.004
YR  - 2019
LG  - English

<2. >
VN  - Ovid Technologies
DB  - Embase
UI  - 2011234568
TI  - Yoga and anxiety.
SO  - Complementary Therapies in Medicine. 12(1) (pp 1-9), 2020.
AU  - Singh R.
YR  - 2020
"""


def test_ovid_tagged_with_every_line_indented_by_one_space(tmp_path):
    indented = "\n".join(" " + ln if ln else ln for ln in _OVID_TAGGED.splitlines())
    det, recs, _ = _read(tmp_path, "embase.txt", indented)
    assert det.importer.name == "ovid" and det.source_db == "Embase" and len(recs) == 2
    assert recs[0].title == "Exercise for depression in older adults: a randomized trial."
    assert recs[0].authors == ["Meyer K", "Okafor N"] and recs[0].year == 2019
    assert recs[0].abstract.endswith("randomised. Results: Symptoms fell.")
    assert recs[0].doi == "10.1016/j.jaging.2019.01.004" and recs[1].source_id == "2011234568"


def test_ovid_tagged_with_one_space_tags(tmp_path):
    one_space = _OVID_TAGGED.replace("  - ", " - ")
    det, recs, _ = _read(tmp_path, "embase.ovd", one_space)
    assert det.importer.name == "ovid" and len(recs) == 2
    assert recs[1].title == "Yoga and anxiety." and recs[1].authors == ["Singh R"] and recs[1].year == 2020


# Ovid's display ("Complete Reference") text: a header naming the database, then <N> blocks of a label line
# and its value lines indented by two spaces. The labels differ per database.
_DISPLAY = {
    "APA PsycInfo <1806 to October Week 2 2023>": ("PsycINFO", [
        ("Accession Number", "2019-12345-001"), ("Author", "Lopez, Ana; Kim, Jae"),
        ("Title", "Therapeutic alliance and outcome. [Journal; Peer Reviewed Journal]"),
        ("Source", "Journal of Counseling Psychology. Vol.66(4), 2019, pp. 401-412."),
        ("Abstract", "The alliance predicted outcome."), ("Publication Year", "2019"),
        ("Digital Object Identifier", "https://dx.doi.org/10.1037/cou0000350")]),
    "Ovid MEDLINE(R) ALL <1946 to October 13, 2023>": ("MEDLINE", [
        ("Unique Identifier", "31234567"), ("Authors", "Lopez A; Kim J"),
        ("Authors Full Name", "Lopez, Ana; Kim, Jae"), ("Title", "Therapeutic alliance and outcome."),
        ("Source", "Journal of Counseling Psychology. 66(4):401-412, 2019 Jul."),
        ("Abstract", "The alliance predicted outcome."), ("Year of Publication", "2019")]),
    "Embase <1974 to 2023 October 13>": ("Embase", [
        ("Accession Number", "628123456"), ("Author", "Lopez A.; Kim J."),
        ("Title", "Therapeutic alliance and outcome.[Article]"),
        ("Source", "Journal of Counseling Psychology. 66(4) (pp 401-412), 2019. Date of Publication: July 2019."),
        ("Abstract", "The alliance predicted outcome."), ("Year of Publication", "2019")]),
    "BIOSIS Previews <1993 to 2023 Week 41>": ("BIOSIS Previews", [
        ("Accession Number", "PREV201900123456"), ("Author", "Lopez, Ana [Reprint Author]; Kim, Jae"),
        ("Title", "Therapeutic alliance and outcome. [Article]"),
        ("Source", "Journal of Counseling Psychology, (JUL 2019) Vol. 66, No. 4, pp. 401-412."),
        ("Abstract", "The alliance predicted outcome."), ("Major Concepts", "Psychiatry; Behavior"),
        ("Publication Year", "2019")]),
    "Journals@Ovid Full Text <October 13, 2023>": ("Journals@Ovid", [
        ("Accession Number", "00001234-201907000-00002."), ("Author", "Lopez, Ana 1; Kim, Jae 2"),
        ("Institution", "(1) University of X"), ("Title", "Therapeutic alliance and outcome.[Report]"),
        ("Source", "Journal of Counseling Psychology. 66(4):401-412, July 2019."),
        ("Abstract", "The alliance predicted outcome.")]),
    "Zoological Record <1993 to 2023 Week 40>": ("Zoological Record", [
        ("Accession Number", "ZOOR15500012345"), ("Author", "Lopez, Ana; Kim, Jae"),
        ("Title", "Therapeutic alliance and outcome. [Miscellaneous]"),
        ("Source", "Journal of Counseling Psychology, (2019) Vol. 66, No. 4, pp. 401-412."),
        ("Abstract", "The alliance predicted outcome."), ("Publication Year", "2019")]),
}


def _display(database: str, fields: list[tuple[str, str]], n: int = 2) -> str:
    out = [f"Database: {database}", "Search Strategy:", "-" * 60,
           "1     alliance.mp. (5321)", "2     outcome.mp. (90211)", "3     1 and 2 (812)", "", "*" * 27, ""]
    for i in range(1, n + 1):
        out.append(f"<{i}>")
        for label, value in fields:
            out.append(label)
            out.append(f"  {value}")
        out.append("")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("database", list(_DISPLAY))
def test_ovid_display_layouts_per_database(tmp_path, database):
    canonical, fields = _DISPLAY[database]
    det, recs, _ = _read(tmp_path, "ovid.txt", _display(database, fields))
    assert det.importer.name == "ovid_display" and det.source_db == canonical
    assert len(recs) == 2
    r = recs[0]
    assert r.title == "Therapeutic alliance and outcome."
    assert r.authors[:2] in (["Lopez, Ana", "Kim, Jae"], ["Lopez A", "Kim J"])
    assert r.abstract == "The alliance predicted outcome."
    assert r.year == 2019 or canonical == "Journals@Ovid" and r.year in (2019, None)
    assert r.journal == "Journal of Counseling Psychology"


@pytest.mark.parametrize("label", ["[Article]", "[Report]", "[Miscellaneous]", "[Review]", "[References]",
                                   "[Editorial]", "[Comment]", "[Letter]", "[Erratum]", "[Case Reports]",
                                   "[Journal; Peer Reviewed Journal]", "[Dissertation Abstract]", "[Book]",
                                   "[Chapter]", "[Conference Abstract]", "[Note]", "[Short Survey]",
                                   "[Editorial Material]", "[Journal Article]", "[Meeting Abstract]"])
def test_every_ovid_title_label_is_removed(label):
    assert strip_title_label(f"Alliance and outcome in therapy. {label}") == "Alliance and outcome in therapy."
    assert strip_title_label(f"Alliance and outcome in therapy.{label}.") == "Alliance and outcome in therapy."


def test_translated_titles_in_brackets_are_kept():
    assert strip_title_label("[Alliance in group therapy].") == "[Alliance in group therapy]."


def test_eric_nbib_without_pmid(tmp_path):
    text = ("OWN - ERIC\nTI  - Peer Tutoring and Reading Gains in Grade 3\nAU  - Ramos, Elena\nAU  - Chu, Wei\n"
            "OT  - Peer Teaching\nOT  - Reading Achievement\nJT  - Journal of Educational Psychology\n"
            "SO  - Journal of Educational Psychology v111 n2 p201-215 2019\nAID - http://dx.doi.org/10.1037/edu0000290\n"
            "OID - EJ1201234\nVI  - 111\nIP  - 2\nPG  - 201-215\nDP  - 2019\nLA  - English\n"
            "AB  - A study of peer tutoring in 40 classrooms.\nPT  - Journal Articles\nPT  - Reports - Research\n\n"
            "OWN - ERIC\nTI  - Homework Policies in Rural Schools\nAU  - Njoroge, Paul\nOID - ED598765\nDP  - 2018\n"
            "AB  - A report.\nPT  - Reports - Evaluative\n")
    det, recs, _ = _read(tmp_path, "eric.nbib", text)
    assert det.importer.name == "medline" and det.source_db == "ERIC" and len(recs) == 2
    assert recs[0].title == "Peer Tutoring and Reading Gains in Grade 3" and recs[0].pmid == ""
    assert recs[0].source_id == "EJ1201234" and recs[1].source_id == "ED598765"
    assert recs[0].authors == ["Ramos, Elena", "Chu, Wei"] and recs[0].year == 2019 and recs[1].year == 2018


def test_apa_psycnet_ris_pmid_line(tmp_path):
    text = ("TY  - JOUR\nPMID  - 31122334\nAU  - Ortiz, Maria\nAU  - Bauer, Jonas\nT1  - Alliance ruptures in CBT\n"
            "JF  - Journal of Consulting and Clinical Psychology\nJA  - J Consult Clin Psychol\nY1  - 2019\n"
            "VL  - 87\nIS  - 6\nSP  - 501\nEP  - 512\nPB  - American Psychological Association\n"
            "SN  - 0022-006X(Print); 1939-2117(Electronic)\nN2  - Ruptures predicted dropout.\n"
            "KW  - therapeutic alliance\nDO  - 10.1037/ccp0000400\nUR  - https://psycnet.apa.org/doi/10.1037/ccp0000400\n"
            "ER  - \n")
    det, recs, _ = _read(tmp_path, "PsycNET_Export.ris", text)
    (r,) = recs
    assert det.importer.name == "ris" and det.source_db == "PsycINFO"
    assert r.pmid == "31122334" and r.pub_type == "JOUR" and r.title == "Alliance ruptures in CBT"


def _cochrane(newline: str) -> str:
    recs = [
        ["Record #1 of 2", "ID: CN-01923456", "AU: Haas M", "AU: Ito K", "TI: Brief therapy for panic: a pilot trial",
         "SO: Journal of Anxiety Disorders", "YR: 2018", "VL: 55", "NO: 2", "PG: 44-52", "PM: PUBMED 29512345",
         "XR: EMBASE 621234567", "PT: Journal Article; Randomized Controlled Trial",
         "KY: Adult; Panic Disorder [*therapy]", "DOI: 10.1016/j.janxdis.2018.02.001",
         "AB: Forty adults were randomised.", "Panic fell more with therapy.",
         "US: https://www.cochranelibrary.com/central/doi/10.1002/central/CN-01923456/full", ""],
        ["Record #2 of 2", "ID: CN-01888888", "AU: Berg L", "TI: Exposure for social anxiety",
         "SO: Behaviour Research and Therapy", "YR: 2017", "AB: A trial.", ""],
    ]
    return newline.join(line for rec in recs for line in rec) + newline


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_cochrane_library_plain_text(tmp_path, newline):
    det, recs, _ = _read(tmp_path, "citation-export.txt", _cochrane(newline))
    assert det.importer.name == "cochrane_text" and det.source_db == "Cochrane CENTRAL" and len(recs) == 2
    r = recs[0]
    assert r.title == "Brief therapy for panic: a pilot trial" and r.authors == ["Haas M", "Ito K"]
    assert (r.year, r.volume, r.issue, r.pages) == (2018, "55", "2", "44-52")
    assert r.pmid == "29512345" and r.doi == "10.1016/j.janxdis.2018.02.001" and r.source_id == "CN-01923456"
    assert r.abstract == "Forty adults were randomised. Panic fell more with therapy."


def test_cochrane_reviews_are_cdsr(tmp_path):
    text = ("Record #1 of 1\r\nID: CD013456\r\nAU: Smith J\r\nTI: Psychological therapies for panic\r\n"
            "SO: Cochrane Database of Systematic Reviews\r\nYR: 2021\r\nNO: 4\r\nPB: John Wiley & Sons, Ltd\r\n"
            "DOI: 10.1002/14651858.CD013456.pub2\r\nAB: Background ...\r\nTY: Review\r\n")
    det, recs, _ = _read(tmp_path, "cdsr.txt", text)
    assert det.source_db == "CDSR" and recs[0].source_id == "CD013456"


_EMBASE_FIELDS = [
    [("Title", "Alliance in internet CBT"), ("Author Names", "Nord A.", "Berg K.", "Holm T."),
     ("Source", "Internet Interventions (2020) 19 Article Number: 100301. Date of Publication: 1 Mar 2020"),
     ("Abstract", "Alliance ratings were high."), ("Embase Accession ID", "2004512345"),
     ("Emtree Medical Index Terms", "adult", "cognitive behavioral therapy"),
     ("DOI", "10.1016/j.invent.2019.100301"), ("Publication Year", "2020")],
    [("Title", "Group therapy and alliance"), ("Author Names", "Diaz P."),
     ("Source", "Group Dynamics (2018) 22:1 (1-12). Date of Publication: 2018"),
     ("Abstract", "Group alliance predicted change."), ("Embase Accession ID", "2000123456"),
     ("Publication Year", "2018")],
]


def _field_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for rec in _EMBASE_FIELDS:
        for name, *values in rec:
            rows.append([name, *values])
        rows.append([])
    return rows


def _check_embase(det, recs):
    assert det.source_db == "Embase" and len(recs) == 2
    assert recs[0].title == "Alliance in internet CBT" and recs[0].authors == ["Nord A", "Berg K", "Holm T"]
    assert recs[0].year == 2020 and recs[0].doi == "10.1016/j.invent.2019.100301"
    assert recs[1].authors == ["Diaz P"] and recs[1].journal == "Group Dynamics" and recs[1].year == 2018
    assert recs[0].abstract == "Alliance ratings were high."


def test_embase_csv_one_field_per_row(tmp_path):
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(_field_rows())
    det, recs, _ = _read(tmp_path, "records.csv", "\ufeff" + buf.getvalue())
    assert det.importer.name == "csv"
    _check_embase(det, recs)


def test_embase_xlsx_one_field_per_row(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in _field_rows():
        ws.append(row or [None])
    path = tmp_path / "records.xlsx"
    wb.save(path)
    source = SourceFile(path)
    det = detect(source)
    assert det.importer.name == "xlsx"
    _check_embase(det, list(read_records(source, det.importer)))


_WOS_HEADER = ["Publication Type", "Authors", "Book Authors", "Book Editors", "Book Group Authors",
               "Author Full Names", "Group Authors", "Article Title", "Source Title", "Language", "Document Type",
               "Author Keywords", "Keywords Plus", "Abstract", "Addresses", "Email Addresses", "Publication Date",
               "Publication Year", "Volume", "Issue", "Start Page", "End Page", "Article Number", "DOI",
               "Pubmed Id", "UT (Unique WOS ID)"]


def _wos_row(i: int) -> list[str]:
    return ["J", "Park, S; Lee, J", "", "", "", "Park, Soo; Lee, Jin", "", f"Alliance study {i}",
            "PSYCHOTHERAPY RESEARCH", "English", "Article", "alliance; outcome", "THERAPY", f"Abstract {i}.",
            "[Park, Soo] Seoul Natl Univ, Seoul, South Korea", "soo@snu.ac.kr", "JUN", "2021", "31", "5",
            "600", "612", "", f"10.1080/10503307.2021.{1000 + i}", "", f"WOS:0006543210{i:05d}"]


def test_wos_savedrecs_xlsx(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "savedrecs"
    ws.append(_WOS_HEADER)
    for i in range(3):
        ws.append(_wos_row(i))
    path = tmp_path / "savedrecs.xlsx"
    wb.save(path)
    source = SourceFile(path)
    det = detect(source)
    recs = list(read_records(source, det.importer))
    assert det.importer.name == "xlsx" and det.source_db == "Web of Science Core Collection" and len(recs) == 3
    r = recs[0]
    assert r.title == "Alliance study 0" and r.authors == ["Park, Soo", "Lee, Jin"]
    assert (r.year, r.volume, r.pages, r.journal) == (2021, "31", "600-612", "PSYCHOTHERAPY RESEARCH")
    assert r.source_id == "WOS:000654321000000" and r.doi == "10.1080/10503307.2021.1000"


def test_wos_bibtex(tmp_path):
    text = """@article{ WOS:000654321000001,
Author = {Park, Soo and Lee, Jin},
Title = {Alliance and outcome in {Korean} outpatients},
Journal = {PSYCHOTHERAPY RESEARCH},
Year = {2021},
Volume = {31},
Number = {5},
Pages = {600-612},
Month = {JUN},
Abstract = {We studied 200 outpatients.},
Publisher = {ROUTLEDGE JOURNALS, TAYLOR \\& FRANCIS LTD},
Type = {Article},
Language = {English},
Affiliation = {Park, S (Corresponding Author), Seoul Natl Univ, Seoul, South Korea.},
DOI = {10.1080/10503307.2021.1000},
ISSN = {1050-3307},
Keywords = {alliance; outcome},
Author-Email = {soo@snu.ac.kr},
Web-of-Science-Categories  = {Psychology, Clinical},
Unique-ID = {WOS:000654321000001},
DA = {2023-10-14},
}

@article{ WOS:000654321000002,
Author = {Kim, Ha},
Title = {Ruptures in the alliance},
Journal = {PSYCHOTHERAPY},
Year = {2020},
Unique-ID = {WOS:000654321000002},
}
"""
    det, recs, _ = _read(tmp_path, "savedrecs.bib", text)
    assert det.importer.name == "bibtex" and det.source_db == "Web of Science Core Collection" and len(recs) == 2
    assert recs[0].title == "Alliance and outcome in Korean outpatients" and recs[0].year == 2021
    assert recs[0].authors == ["Park, Soo", "Lee, Jin"] and recs[0].doi == "10.1080/10503307.2021.1000"


def test_unsure_detection_says_what_it_saw_and_which_formats_fit(tmp_path):
    from screening.importers import UnsureFormat

    path = tmp_path / "export.txt"
    path.write_text("T1  - Alliance in CBT\nA1  - Smith, J.\nY1  - 2019\n", encoding="utf-8")
    with pytest.raises(UnsureFormat) as info:
        detect(SourceFile(path))
    msg = str(info.value)
    assert msg.startswith("export.txt: is not a format MetaSift recognises with confidence: it is text starting "
                          "'T1  - Alliance in CBT' (3 non-blank lines")
    assert "ris (RIS)" in msg and "pass --format NAME" in msg
    assert info.value.candidates[0][0] == "ris"
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"\x00\x01" * 100)
    with pytest.raises(UnsureFormat) as info:
        detect(SourceFile(pdf))
    assert "it is a PDF document" in str(info.value)


def test_wos_savedrecs_xls(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("savedrecs")
    for c, name in enumerate(_WOS_HEADER):
        ws.write(0, c, name)
    for r in range(4):
        for c, value in enumerate(_wos_row(r)):
            ws.write(r + 1, c, value)
    path = tmp_path / "savedrecs.xls"
    wb.save(str(path))
    source = SourceFile(path)
    det = detect(source)
    recs = list(read_records(source, det.importer))
    assert det.importer.name == "xls" and det.source_db == "Web of Science Core Collection" and len(recs) == 4
    assert recs[3].title == "Alliance study 3" and recs[3].source_id == "WOS:000654321000003"
    assert recs[0].authors == ["Park, Soo", "Lee, Jin"] and recs[0].year == 2021
