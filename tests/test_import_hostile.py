"""Hostile and huge files are refused (or read) with a clear message, exit 2 and nothing stored; the
Import screen's preview code (`previewer`, the same detection and column inspection) survives them.

The inputs are generated here (tests/hostile_inputs.py); sizes are scaled down where the limit that
stops the full-size file is the same (the full sizes run in benchmarks/bench_import_hostile.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import hostile_inputs as h
import pytest
from sqlmodel import select

from cli.app import main
from db.engine import open_review
from db.errors import InputError
from db.models import ImportBatch, Record
from screening.importers import SourceFile, detect, read_records
from screening.importing import batches, import_file

ROOT = Path(__file__).resolve().parents[1]


def _refused(db, path: Path, *expected: str) -> str:
    with pytest.raises(InputError) as info:
        import_file(db, path)
    msg = str(info.value)
    assert msg.startswith(path.name), msg
    for part in expected:
        assert part in msg, msg
    with db.session() as s:
        assert s.exec(select(Record)).first() is None and s.exec(select(ImportBatch)).first() is None
    return msg


def _preview_survives(path: Path) -> None:
    from gui.imports.actions import previewer

    try:
        previewer(path)
    except InputError as exc:
        assert path.name in str(exc)


def test_xlsx_claiming_the_whole_sheet_in_its_dimension_reads_its_three_records(sqlite_review, tmp_path):
    path = h.xlsx_dimension_claim(tmp_path / "dimension.xlsx")
    assert path.stat().st_size < 4000
    _preview_survives(path)
    assert import_file(sqlite_review, path).records == 3


def test_xlsx_with_a_cell_at_xfd4000_is_refused_naming_the_cell(sqlite_review, tmp_path):
    path = h.xlsx_far_cell(tmp_path / "far.xlsx")
    _preview_survives(path)
    _refused(sqlite_review, path, "has a cell at XFD4000", "16384 columns x 4000 rows", "save the sheet as CSV")


def test_xlsx_shared_strings_bomb_is_refused(sqlite_review, tmp_path):
    path = h.xlsx_shared_strings_bomb(tmp_path / "bomb.xlsx", size=300 << 20)
    assert path.stat().st_size < 2 << 20
    _preview_survives(path)
    _refused(sqlite_review, path, "xl/sharedStrings.xml expands to 299 MB (limit 256 MB)")


def test_gzip_bomb_in_one_element_is_refused(sqlite_review, tmp_path):
    path = h.gzip_bomb(tmp_path / "pubmed.xml.gz", size=48 << 20)
    _refused(sqlite_review, path, "more than 32 MB of XML in one record", "decompression bomb")


def test_gzip_of_blank_lines_is_refused(sqlite_review, tmp_path):
    path = h.gzip_blank_lines(tmp_path / "blank.xml.gz", lines=48 << 20)
    assert path.stat().st_size < 100_000
    _refused(sqlite_review, path, "without a complete record")


def test_single_line_csv_is_refused_before_it_is_decoded(sqlite_review, tmp_path):
    path = h.single_line_csv(tmp_path / "one_line.csv", size=8 << 20)
    _preview_survives(path)
    _refused(sqlite_review, path, "line 1: has no line break in its first 1 MB")


def test_endnote_xml_is_streamed_from_disk(tmp_path):
    path = h.endnote_xml(tmp_path / "big.xml", records=3000)
    source = SourceFile(path)
    records = list(read_records(source, detect(source).importer))
    assert len(records) == 3000 and records[-1].title == "Study 2999 of something"
    assert source._data is None and source.loaded_text() is None  # never held whole


@pytest.mark.parametrize("make", [h.billion_laughs,
                                  lambda p: h.external_entity(p, Path("/etc/hostname"))])
def test_xml_entities_are_refused_explicitly(sqlite_review, tmp_path, make):
    path = make(tmp_path / "entities.xml")
    _refused(sqlite_review, path, "declares the XML entity", "refused")


def test_cli_exits_2_without_a_traceback(tmp_path, capsys):
    review = tmp_path / "r.metasift"
    assert main(["init", str(review)]) == 0
    bad = h.xlsx_far_cell(tmp_path / "far.xlsx")
    capsys.readouterr()
    assert main(["import", str(review), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "far.xlsx: has a cell at XFD4000" in err and "Traceback" not in err


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_a_sigkilled_import_leaves_no_worker_processes(tmp_path):
    path = tmp_path / "big.ris"
    record = ("TY  - JOUR\nTI  - A study of {i}\nAU  - Smith, J.\nPY  - 2020\nAB  - " + "word " * 300
              + "\nER  - \n\n")
    with path.open("w", encoding="utf-8") as fh:
        for i in range(12_000):
            fh.write(record.replace("{i}", str(i)))
    assert path.stat().st_size > 17 << 20
    review = tmp_path / "r.metasift"
    assert main(["init", str(review)]) == 0
    env = {**os.environ, "METASIFT_IMPORT_WORKERS": "2"}
    proc = subprocess.Popen([sys.executable, "-m", "cli.app", "import", str(review), str(path)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    kids: list[int] = []
    while time.monotonic() < deadline and len(kids) < 3:  # resource tracker + 2 workers
        kids = _children(proc.pid)
        time.sleep(0.05)
    assert len(kids) >= 2, "the import never started its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.2)
    assert not [k for k in kids if _alive(k)], "orphaned worker processes"
    db = open_review(review)  # nothing half-written either
    try:
        assert batches(db) == []
    finally:
        db.close()


@pytest.mark.parametrize("command", [["pool"], ["aggregate", "--id", "study", "--r", "r", "--n", "n"]])
def test_table_commands_refuse_hostile_workbooks_too(tmp_path, capsys, command):
    bad = h.xlsx_far_cell(tmp_path / "table.xlsx")
    assert main([command[0], str(bad), *command[1:]]) == 2
    err = capsys.readouterr().err
    assert "table.xlsx: has a cell at XFD4000" in err and "Traceback" not in err
