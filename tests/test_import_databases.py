"""The database each record came from: canonical names from the file's own clues, never a library file or a
code; unknown when the file does not tell (the CLI says so), and correctable after import (PRISMA follows)."""

from __future__ import annotations

import json

import pytest

from cli.app import main
from screening.importers import SourceFile, detect
from screening.importers.databases import canonical_database, database_or_none
from screening.importing import import_file, import_good_files, set_batch_database


@pytest.mark.parametrize(("clue", "name"), [
    ("psyh", "PsycINFO"), ("APA PsycInfo", "PsycINFO"), ("psyc10", "PsycINFO"), ("PsycINFO", "PsycINFO"),
    ("cin20", "CINAHL"), ("CINAHL Complete", "CINAHL"),
    ("i3h", "Criminal Justice Abstracts"), ("Ovid MEDLINE(R) ALL", "MEDLINE"), ("cmedm", "MEDLINE"),
    ("emed26", "Embase"), ("Embase Classic+Embase", "Embase"), ("eric", "ERIC"), ("ERIC", "ERIC"),
    ("Web of Science Core Collection", "Web of Science Core Collection"),
    ("Web of Science", "Web of Science Core Collection"), ("Scopus", "Scopus"),
    ("EBM Reviews - Cochrane Central Register of Controlled Trials", "Cochrane CENTRAL"), ("cctr", "Cochrane CENTRAL"),
    ("EBM Reviews - Cochrane Database of Systematic Reviews", "CDSR"),
    ("ProQuest Dissertations & Theses Global", "ProQuest Dissertations & Theses"), ("PSYNDEX", "PSYNDEX"),
    ("BIOSIS Previews", "BIOSIS Previews"), ("Zoological Record", "Zoological Record"),
])
def test_vendor_names_and_codes_map_to_one_canonical_name(clue, name):
    assert canonical_database(clue) == name


@pytest.mark.parametrize("not_a_db", ["endnote.enl", "My EndNote Library.enl", "EBSCOhost", "Ovid Technologies",
                                      "xq17", "", None])
def test_platforms_library_files_and_unknown_codes_are_never_a_database(not_a_db):
    assert database_or_none(not_a_db) is None


def _endnote(remote: str | None, library: str = "endnote.enl") -> str:
    rdb = f"<remote-database-name>{remote}</remote-database-name>" if remote else ""
    return ('<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><database name="endnote.enl" '
            f'path="C:\\refs\\endnote.enl">{library}</database><source-app name="EndNote" version="20.6">EndNote'
            '</source-app><rec-number>1</rec-number><ref-type name="Journal Article">17</ref-type><contributors>'
            '<authors><author><style face="normal" font="default" size="100%">Smith, J.</style></author></authors>'
            '</contributors><titles><title><style face="normal" font="default" size="100%">A trial</style></title>'
            f'</titles><dates><year><style face="normal" font="default" size="100%">2020</style></year></dates>{rdb}'
            '<remote-database-provider>EBSCOhost</remote-database-provider></record></records></xml>')


def test_endnote_xml_remote_database_code_not_the_library_file(tmp_path):
    path = tmp_path / "library.xml"
    path.write_text(_endnote("cin20"), encoding="utf-8")
    assert detect(SourceFile(path)).source_db == "CINAHL"
    path.write_text(_endnote(None), encoding="utf-8")
    assert detect(SourceFile(path)).source_db is None  # EBSCOhost is a platform, endnote.enl a file


def test_ebsco_ris_db_code(tmp_path):
    path = tmp_path / "ebsco.ris"
    path.write_text("TY  - JOUR\nTI  - A trial\nPY  - 2020\nDB  - psyh\nDP  - EBSCOhost\nER  - \n", encoding="utf-8")
    assert detect(SourceFile(path)).source_db == "PsycINFO"


def test_ovid_link_code(tmp_path):
    path = tmp_path / "ovid.ris"
    path.write_text("TY  - JOUR\nTI  - A trial\nPY  - 2020\nUR  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&"
                    "PAGE=reference&D=emed21&NEWS=N&AN=2004512345\nER  - \n", encoding="utf-8")
    assert detect(SourceFile(path)).source_db == "Embase"


def test_unknown_database_is_said_and_can_be_corrected_with_prisma_following(tmp_path, capsys):
    review = str(tmp_path / "r.metasift")
    assert main(["init", review]) == 0
    path = tmp_path / "refs.ris"
    path.write_text("TY  - JOUR\nTI  - A trial\nPY  - 2020\nER  - \n\nTY  - JOUR\nTI  - Another\nER  - \n",
                    encoding="utf-8")
    capsys.readouterr()
    assert main(["import", review, str(path)]) == 0
    out = capsys.readouterr().out
    assert "refs.ris: database unknown: pass --source-db" in out
    assert main(["set-database", review, "1", "psyh", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["from"] == "unknown" and data["source_db"] == "PsycINFO"
    assert main(["prisma", review, "--json"]) == 0
    prisma = json.loads(capsys.readouterr().out)
    assert prisma["identified_per_database"] == {"PsycINFO": 2}
    assert main(["set-database", review, "7", "ERIC"]) == 2


def test_skip_bad_imports_the_good_files_and_lists_the_refused(tmp_path, capsys, sqlite_review):
    good = tmp_path / "good.ris"
    good.write_text("TY  - JOUR\nTI  - A trial\nDB  - Embase\nER  - \n", encoding="utf-8")
    bad = tmp_path / "bad.ris"
    bad.write_text("Dear colleague, the results are attached.\n", encoding="utf-8")
    done, refused = import_good_files(sqlite_review, [good, bad])
    assert [b.file for b in done] == ["good.ris"] and [r.file for r in refused] == ["bad.ris"]
    assert refused[0].message.startswith("bad.ris:")
    review = str(tmp_path / "r2.metasift")
    assert main(["init", review]) == 0
    assert main(["import", review, str(good), str(bad)]) == 2  # all or nothing by default
    capsys.readouterr()
    assert main(["import", review, str(good), str(bad), "--skip-bad", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 1 and [r["file"] for r in data["refused"]] == ["bad.ris"]


def test_set_batch_database_keeps_its_history(sqlite_review, tmp_path):
    path = tmp_path / "x.ris"
    path.write_text("TY  - JOUR\nTI  - A trial\nER  - \n", encoding="utf-8")
    b = import_file(sqlite_review, path)
    set_batch_database(sqlite_review, b.batch_id, "Embase", who="ana")
    out = set_batch_database(sqlite_review, b.batch_id, "CINAHL Plus", who="ben")
    assert out.old == "Embase" and out.source_db == "CINAHL"
    from screening.importing import batches
    (row,) = batches(sqlite_review)
    assert row.source_db == "CINAHL"
    assert [h["by"] for h in row.options["database_history"]] == ["ana", "ben"]


@pytest.mark.parametrize("name", ["PsycINFO", "MEDLINE", "PubMed", "Embase", "Web of Science Core Collection",
                                  "Scopus", "CINAHL", "ERIC", "Cochrane CENTRAL", "CDSR",
                                  "ProQuest Dissertations & Theses", "PSYNDEX"])
def test_issue_names_are_canonical_as_spelled(name):
    """The names issue 11 lists ("MEDLINE / PubMed" and "Cochrane CENTRAL / CDSR" are two each) are the
    canonical names themselves, spelled the same, and map to themselves."""
    from screening.importers.databases import CANONICAL

    assert name in CANONICAL and canonical_database(name) == name


TOOL_EXPORTS = {  # header row and one record, in each tool's own CSV layout
    "Covidence": ('"Title","Authors","Abstract","Published Year","Published Month","Journal","Volume","Issue",'
                  '"Pages","Accession Number","DOI","Ref","Covidence #","Study","Notes","Tags"\n'
                  '"Alliance and outcome","Smith, J.; Ito, K.","We studied it.","2019","","J Couns","12","3",'
                  '"1-9","","10.1000/x1","","#123","Smith 2019","",""\n'),
    "Rayyan": ('key,title,authors,journal,issn,volume,issue,pages,year,publisher,url,abstract,notes,doi,keywords,'
               'pubmed_id,pmc_id\nrayyan-1234,Alliance and outcome,"Smith, J and Ito, K",J Couns,,12,3,1-9,2019,'
               ',,We studied it.,"RAYYAN-INCLUSION: {""Ann""=>""Included""}",10.1000/x1,,,\n'),
    "abstrackr": ('(internal) id,(source) id,pubmed id,keywords,abstract,title,journal,authors,tags,notes\n'
                  '17,S-1,,alliance,We studied it.,Alliance and outcome,J Couns,"Smith J, Ito K",,\n'),
    "Zotero": ('"Key","Item Type","Publication Year","Author","Title","Publication Title","ISBN","ISSN","DOI",'
               '"Url","Abstract Note","Date","Pages","Issue","Volume","Library Catalog"\n'
               '"ABCD1234","journalArticle","2019","Smith, J.; Ito, K.","Alliance and outcome","J Couns","",'
               '"","10.1000/x1","","We studied it.","2019","1-9","3","12","DOI.org (Crossref)"\n'),
    "RefWorks": ('"Reference Type","Authors, Primary","Title Primary","Periodical Full","Pub Year","Volume",'
                 '"Issue","Start Page","Abstract","DOI"\n"Journal Article","Smith, J.;Ito, K.",'
                 '"Alliance and outcome","J Couns","2019","12","3","1","We studied it.","10.1000/x1"\n'),
}


@pytest.mark.parametrize("tool", sorted(TOOL_EXPORTS))
def test_a_screening_tool_or_reference_manager_is_never_the_database(tmp_path, capsys, tool):
    """A file exported from a screening tool or reference manager names the tool, which is not where the
    records were found: the database is unknown, the CLI says so (naming the tool), PRISMA never lists it."""
    path = tmp_path / f"{tool.lower()}.csv"
    path.write_text(TOOL_EXPORTS[tool], encoding="utf-8")
    det = detect(SourceFile(path))
    assert det.source_db is None and det.tool == tool
    review = str(tmp_path / "r.metasift")
    assert main(["init", review]) == 0
    capsys.readouterr()
    assert main(["import", review, str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path.name}: database unknown: pass --source-db" in out and f"exported by {tool}" in out
    assert main(["prisma", review, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["identified_per_database"] == {"unknown": 1}
    from db.engine import open_review
    from screening.importing import batches
    db = open_review(review)
    try:
        (row,) = batches(db)
    finally:
        db.close()
    assert row.options["exported_by"] == tool and row.source_db == "unknown"


@pytest.mark.parametrize("text", ["EPPI-Reviewer 4", "Covidence", "Zotero", "RefWorks", "Mendeley", "abstrackr",
                                  "Rayyan", "EndNote", "My EndNote Library.enl", "endnote.enl",
                                  "MEDLINE and PsycINFO searches.enl", "Alliance review.Data"])
def test_tool_and_library_names_are_not_databases(text):
    assert database_or_none(text) is None and canonical_database(text) is None


def test_endnote_xml_library_name_is_not_the_database_but_the_remote_database_is(tmp_path):
    body = ('<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><database name="MEDLINE and PsycINFO'
            '.enl" path="C:\\Users\\ann\\MEDLINE and PsycINFO.enl">MEDLINE and PsycINFO.enl</database>'
            '<source-app name="EndNote" version="20.0">EndNote</source-app><rec-number>1</rec-number>'
            '<ref-type name="Journal Article">17</ref-type><contributors><authors><author><style face="normal" '
            'font="default" size="100%">Smith, J.</style></author></authors></contributors><titles><title>'
            '<style face="normal" font="default" size="100%">Alliance and outcome</style></title></titles>'
            '<dates><year><style face="normal" font="default" size="100%">2019</style></year></dates>'
            '{remote}</record></records></xml>')
    path = tmp_path / "lib.xml"
    path.write_text(body.replace("{remote}", ""), encoding="utf-8")
    det = detect(SourceFile(path))
    assert det.importer.name == "endnote_xml" and det.source_db is None
    path.write_text(body.replace("{remote}", '<remote-database-name><style face="normal" font="default" '
                                 'size="100%">APA PsycInfo</style></remote-database-name><remote-database-'
                                 'provider><style face="normal" font="default" size="100%">Ovid Technologies'
                                 '</style></remote-database-provider>'), encoding="utf-8")
    assert detect(SourceFile(path)).source_db == "PsycINFO"
