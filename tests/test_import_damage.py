"""Nothing damaged silently: invalid UTF-8 bytes, NUL bytes, ragged rows, a cut last record, vendor
annotations in author strings. Every input is written by the test itself in a real export layout."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from cli.app import main
from db.errors import InputError
from db.models import ImportBatch, Record
from screening.importers import SourceFile, detect, read_records
from screening.importing import import_file


def _ris(title: str, n: int) -> bytes:
    return (f"TY  - JOUR\r\nTI  - {title} {n}\r\nAU  - Dupont, Jean\r\nPY  - 2019\r\n"
            f"AB  - Une étude de l'été {n}.\r\nER  - \r\n\r\n").encode()


def _titles(db) -> list[str]:
    with db.session() as s:
        return list(s.exec(select(Record.title).order_by(Record.ordinal)))


def test_one_bad_byte_run_does_not_redecode_the_whole_file(review, tmp_path):
    good1 = b"".join(_ris("Résultats de l'été", i) for i in range(300))
    bad = _ris("Résultats de l'été", 300).replace(b"TI  - R", b"TI  - \xff\xfe\xc3R")
    good2 = b"".join(_ris("Résultats de l'été", i) for i in range(301, 601))
    path = tmp_path / "ebsco.ris"
    path.write_bytes(good1 + bad + good2)
    summary = import_file(review, path)
    assert summary.records == 601
    titles = _titles(review)
    assert [t for i, t in enumerate(titles) if i != 300] == \
        [f"Résultats de l'été {i}" for i in range(601) if i != 300]
    assert titles[300] == "\ufffdRésultats de l'été 300"
    assert summary.encoding == "utf-8"
    (warning,) = summary.warnings
    assert "ebsco.ris" in warning and "line 2102" in warning and "3 bytes" in warning
    with review.session() as s:
        assert s.exec(select(ImportBatch)).one().options["warnings"] == [warning]


def test_a_lone_cp1252_letter_in_utf8_text_is_repaired(tmp_path):
    path = tmp_path / "mixed.ris"
    path.write_bytes(_ris("Caf\xe9 été", 1).replace("Caf\xe9".encode(), b"Caf\xe9"))
    source = SourceFile(path)
    (rec,) = read_records(source, detect(source).importer)
    assert rec.title == "Café été 1"
    assert "read as cp1252" in source.warnings[0] and "line 2" in source.warnings[0]


def test_a_cp1252_file_is_still_read_as_cp1252(tmp_path):
    path = tmp_path / "legacy.ris"
    path.write_bytes(_ris("Caf\xe9 \xe9t\xe9", 1).replace("Caf\xe9 \xe9t\xe9".encode(), b"Caf\xe9 \xe9t\xe9")
                     .replace("étude de l'été".encode(), b"\xe9tude de l'\xe9t\xe9"))
    source = SourceFile(path)
    (rec,) = read_records(source, detect(source).importer)
    assert rec.title == "Café été 1" and source.encoding == "cp1252" and source.warnings == []


def test_nul_bytes_are_stripped_with_a_warning_and_postgres_never_sees_them(review, tmp_path):
    data = b"".join(_ris("Trial", i) for i in range(5)).replace(b"TI  - Trial 3", b"TI  - Tri\x00al 3")
    path = tmp_path / "nul.ris"
    path.write_bytes(data)
    summary = import_file(review, path)
    assert summary.records == 5
    assert _titles(review)[3] == "Trial 3"
    assert any("NUL" in w and "line 23" in w for w in summary.warnings)


def test_cli_prints_the_warning(tmp_path, capsys):
    review = tmp_path / "r.metasift"
    assert main(["init", str(review)]) == 0
    path = tmp_path / "damaged.ris"
    path.write_bytes(_ris("Été", 1) + _ris("Été", 2).replace(b"TI  - ", b"TI  - \xff"))
    capsys.readouterr()
    assert main(["import", str(review), str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning: damaged.ris: line 9: 1 byte is not valid UTF-8" in out
    assert main(["import", "--json", str(review), str(tmp_path / "nope.ris")]) == 2
    path2 = tmp_path / "damaged2.ris"
    path2.write_bytes(_ris("Été", 3).replace(b"PY  - ", b"PY  - \x00"))
    capsys.readouterr()
    assert main(["import", "--json", str(review), str(path2)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "NUL" in data["batches"][0]["warnings"][0]


def test_head_with_a_nul_is_still_text(tmp_path):
    path = tmp_path / "n.ris"
    path.write_bytes(_ris("A\x00B", 1))
    source = SourceFile(path)
    assert detect(source).importer.name == "ris"
    with pytest.raises(InputError):
        detect(SourceFile(tmp_path / "bin.ris", data=b"\x00\x01\x02\x00" * 500))


def test_a_cut_last_record_is_imported_with_a_warning_naming_file_and_line(review, tmp_path):
    data = b"".join(_ris("Trial", i) for i in range(3))
    path = tmp_path / "cut.ris"
    path.write_bytes(data[: data.rindex(b"ER  - ")])
    summary = import_file(review, path)
    assert summary.records == 3
    assert summary.warnings == ("cut.ris, line 15: the last record has no closing 'ER  - ' line: the file may "
                                "be truncated (that record was imported as it is)",)
    wos = tmp_path / "savedrecs.txt"
    wos.write_text("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A study\nPY 2020\n"
                   "UT WOS:000000000000001\nER\n\nPT J\nAU Lee, K\nTI Another stu", encoding="utf-8")
    summary = import_file(review, wos)
    assert summary.records == 2 and "savedrecs.txt, line 10: the last record has no closing 'ER'" in \
        summary.warnings[0]


def test_complete_files_carry_no_warning(review, tmp_path):
    path = tmp_path / "ok.ris"
    path.write_bytes(b"".join(_ris("Été", i) for i in range(3)))
    assert import_file(review, path).warnings == ()


@pytest.mark.parametrize(("raw", "name", "notes"), [
    ("Smith, J. [Author, Reprint Author; E-mail: js@uni.org]", "Smith, J.",
     {"author_email": "js@uni.org", "author_role": "Reprint Author: Smith, J."}),
    ("Lee K (k.lee@snu.ac.kr)", "Lee K", {"author_email": "k.lee@snu.ac.kr"}),
    ("Zhang Y1,2,+", "Zhang Y", {}),
    ("Müller, Hans\u00b9\u00b2", "Müller, Hans", {}),
    ("O'Brien, T.", "O'Brien, T.", {}),
])
def test_author_annotations_leave_the_name(tmp_path, raw, name, notes):
    path = tmp_path / "a.ris"
    path.write_text(f"TY  - JOUR\nTI  - T\nAU  - {raw}\nAU  - Dupont, Jean\nER  - \n", encoding="utf-8")
    source = SourceFile(path)
    (rec,) = read_records(source, detect(source).importer)
    assert rec.authors == [name, "Dupont, Jean"]
    assert {k: v for k, v in rec.other_ids.items() if k.startswith("author_")} == notes


def _scopus_rows(n: int) -> list[str]:
    return [f'"Author{i} A., Other B.",Study number {i} of sleep,{2000 + i % 20},Sleep Medicine,{i + 1},'
            f'{i % 4 + 1},{100 + i}-{110 + i},10.1016/j.sleep.{i}.001,Abstract of study {i}.,2-s2.0-{85000000 + i}'
            for i in range(n)]


_SCOPUS_HEADER = "Authors,Title,Year,Source title,Volume,Issue,Pages,DOI,Abstract,EID"


def test_an_unquoted_delimiter_is_realigned_when_only_one_placement_fits(tmp_path):
    rows = _scopus_rows(40)
    rows[20] = rows[20].replace("Sleep Medicine", "Sleep, Medicine and Health")
    path = tmp_path / "scopus.csv"
    path.write_text("\n".join([_SCOPUS_HEADER, *rows]) + "\n", encoding="utf-8")
    source = SourceFile(path)
    records = list(read_records(source, detect(source).importer))
    assert len(records) == 40
    rec = records[20]
    assert (rec.journal, rec.volume, rec.doi, rec.source_id) == (
        "Sleep, Medicine and Health", "21", "10.1016/j.sleep.20.001", "2-s2.0-85000020")
    assert source.warnings == ["scopus.csv: line 22: 1 row did not have the header's 10 fields and was realigned "
                               "where only one placement fits the other rows"]


def test_an_ambiguous_ragged_row_is_refused_naming_the_line(sqlite_review, tmp_path):
    rows = _scopus_rows(40)
    rows[30] = rows[30].replace("Study number 30 of sleep", "Study number 30, of sleep")
    path = tmp_path / "scopus.csv"
    path.write_text("\n".join([_SCOPUS_HEADER, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_file(sqlite_review, path)
    assert str(info.value).startswith("scopus.csv, line 32: has 11 fields where the header has 10")
    with sqlite_review.session() as s:
        assert s.exec(select(Record)).first() is None


def test_a_short_row_is_read_as_ending_early_with_a_warning(tmp_path):
    rows = _scopus_rows(30)
    rows[5] = rows[5].rsplit(",", 2)[0]
    path = tmp_path / "s.csv"
    path.write_text("\n".join([_SCOPUS_HEADER, *rows]) + "\n", encoding="utf-8")
    source = SourceFile(path)
    records = list(read_records(source, detect(source).importer))
    assert records[5].doi == "10.1016/j.sleep.5.001" and records[5].abstract == ""
    assert "line 7: 1 row had fewer fields than the header's 10" in source.warnings[0]


def test_a_cut_endnote_xml_keeps_the_complete_records_with_a_warning(review, tmp_path):
    rec = ('<record><rec-number>{n}</rec-number><ref-type name="Journal Article">17</ref-type>\n'
           '<titles><title><style face="normal" font="default" size="100%">Study {n}</style></title></titles>\n'
           '<dates><year><style face="normal" font="default" size="100%">2020</style></year></dates></record>\n')
    text = ('<?xml version="1.0" encoding="UTF-8" ?>\n<xml><records>\n'
            + "".join(rec.format(n=n) for n in range(1, 4)) + "</records></xml>\n")
    path = tmp_path / "library.xml"
    path.write_text(text[: text.index("Study 3") + 4], encoding="utf-8")
    summary = import_file(review, path)
    assert summary.records == 2 and _titles(review) == ["Study 1", "Study 2"]
    assert summary.warnings == ("library.xml, line 9: the file ends inside a record (from line 9) without closing "
                                "it: the file may be truncated; the 2 complete records before the cut were imported",)
