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
    ("Web of Science Core Collection", "Web of Science"), ("Scopus", "Scopus"),
    ("EBM Reviews - Cochrane Central Register of Controlled Trials", "Cochrane CENTRAL"), ("cctr", "Cochrane CENTRAL"),
    ("EBM Reviews - Cochrane Database of Systematic Reviews", "Cochrane Database of Systematic Reviews"),
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
