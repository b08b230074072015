"""Export: CSV / XLSX round trips, spreadsheet safety, determinism, atomic writes, RIS."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime

import openpyxl
import pandas as pd
import pytest

from db.errors import InputError
from db.models import ImportBatch, Record
from extraction.atomic_write import atomic_path
from extraction.coding import code_effect
from extraction.export import export
from extraction.samples import confirm_link
from extraction.study_table import study_table
from screening.decisions import decide
from screening.importers import get_importer
from screening.importers.base import SourceFile

MODS = {"alliance_measure": "WAI", "alliance_rater": "client", "alliance_time": "early", "outcome_measure": "BDI",
        "outcome_rater": "client", "treatment": "CBT", "pub_source": "journal"}
EVIL = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def filled(review):
    """Four records: two linked reports (included), one with formula-like text (included), one excluded."""
    with review.transaction() as s:
        batch = ImportBatch(file_name="t.ris", sha256="sha", format="ris", source_db="PsycINFO")
        s.add(batch)
        s.flush()
        specs = [("P1", ["Horvath, A. O.", "Greenberg, L."], 1989, "Alliance and outcome", "12-20"),
                 ("P2", ["Horvath, A. O."], 1991, "Alliance and outcome: a follow-up", ""),
                 ("P3", ["@Smith, J."], 2001, EVIL, ""),
                 ("P4", ["Lee, K."], 2005, "-2+3", "")]
        rows = [Record(batch_id=batch.id, ordinal=i, source_id=sid, title=t, authors=au, year=y, pages=pg,
                       journal="Journal of Counseling Psychology", abstract="An abstract\nover two lines.",
                       keywords=["alliance", "outcome"], doi=f"10.1000/{sid.lower()}")
                for i, (sid, au, y, t, pg) in enumerate(specs)]
        s.add_all(rows)
        s.flush()
        ids = [r.id for r in rows]
    confirm_link(review, ids[0], ids[1], "lead")
    for rid in ids[:3]:
        for stage in ("title_abstract", "full_text"):
            for who in ("ann", "bob"):
                decide(review, rid, who, stage, "include",
                       full_text=f"https://example.org/{rid}.pdf" if stage == "full_text" else "")
    for who in ("ann", "bob"):
        decide(review, ids[3], who, "title_abstract", "exclude", reason="not an empirical study")
    code_effect(review, ids[0], "ann", "r", 0.30, n=100, moderators=MODS, label="BDI")
    code_effect(review, ids[1], "ann", "r", 0.20, n=100, moderators={**MODS, "outcome_measure": "SCL-90"},
                label="SCL")
    code_effect(review, ids[2], "ann", "r", -0.25, n=40, moderators={**MODS, "alliance_measure": "Other: -2+3"},
                label="=1+1", note=EVIL)
    return review, ids


def test_csv_and_xlsx_round_trip_the_study_table(filled, tmp_path):
    db, ids = filled
    table = study_table(db)
    csv_out, xlsx_out = tmp_path / "studies.csv", tmp_path / "review.xlsx"
    assert export(db, csv_out, "studies").rows == {"studies": 2}
    info = export(db, xlsx_out, "studies")
    assert info.rows == {"studies": 2, "records": 4, "effects": 3, "decisions": 14}
    back_csv = pd.read_csv(csv_out)
    back_xlsx = pd.read_excel(xlsx_out, sheet_name="studies", engine="openpyxl")
    for back, rel in ((back_csv, 0), (back_xlsx, 1e-15)):  # CSV: exact reprs; XLSX: Excel's 15-17 digits
        assert list(back.columns) == list(table.columns)
        for col in ("r", "z", "var_z", "ri", "yi", "vi"):
            assert back[col].tolist() == pytest.approx(table[col].astype(float).tolist(), rel=rel, abs=0)
        assert back["n"].tolist() == table["n"].astype(int).tolist()
    assert back_csv["r"].tolist()[1] == -0.25


def test_xlsx_layout_sheets_codebook_summary(filled, tmp_path):
    db, _ = filled
    out = tmp_path / "review.xlsx"
    export(db, out, "effects", rho=0.6, now=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["effects", "records", "studies", "decisions", "codebook", "summary"]
    assert wb.active.title == "effects"
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
    eff = wb["effects"]
    head = [c.value for c in eff[1]]
    assert head[:3] == ["effect_id", "record_id", "study_id"] and "alliance_measure" in head
    r_cell = eff.cell(row=4, column=head.index("r") + 1)
    assert r_cell.data_type == "n" and r_cell.value == pytest.approx(-0.25)
    assert eff.column_dimensions["H"].width >= 8
    book = {row[0].value: row for row in wb["codebook"].iter_rows(min_row=2)}
    assert "WAI" in book["alliance_measure"][2].value and book["yi"][1].value.startswith("= z")
    summary = {r[0].value: r[1].value for r in wb["summary"].iter_rows(min_row=2)}
    assert summary["rho (assumed correlation between outcomes)"] == 0.6
    assert summary["exported at (UTC)"] == "2026-01-02 03:04:05" and summary["full text: unique records included"] == 3
    rec = pd.read_excel(out, sheet_name="records", engine="openpyxl")
    assert rec.loc[3, "outcome"] == "excluded" and rec.loc[3, "exclusion_reason"] == "not an empirical study"
    assert rec.loc[3, "outcome_stage"] == "title_abstract" and list(rec["outcome"][:3]) == ["included"] * 3


def test_formula_text_is_inert_in_csv_and_xlsx(filled, tmp_path):
    db, ids = filled
    export(db, tmp_path / "records.csv", "records")
    export(db, tmp_path / "effects.csv", "effects")
    export(db, tmp_path / "review.xlsx", "records")
    recs = pd.read_csv(tmp_path / "records.csv", dtype=str)
    assert recs.loc[2, "title"] == "'" + EVIL and recs.loc[3, "title"] == "'-2+3"
    assert recs.loc[2, "authors"] == "'@Smith, J."
    eff = pd.read_csv(tmp_path / "effects.csv")
    row = eff[eff["record_id"] == ids[2]].iloc[0]
    assert row["label"] == "'=1+1" and row["note"] == "'" + EVIL and row["r"] == -0.25
    assert row["alliance_measure"] == "Other: -2+3"          # does not start with a formula character
    raw = (tmp_path / "effects.csv").read_text(encoding="utf-8-sig")
    assert ",-0.25," in raw                                   # a real negative number stays a number
    wb = openpyxl.load_workbook(tmp_path / "review.xlsx")
    titles = {c.value: c for c in wb["records"]["H"][1:]}
    for text in (EVIL, "-2+3"):
        cell = titles[text]
        assert cell.data_type == "s" and cell.quotePrefix
    with zipfile.ZipFile(tmp_path / "review.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in z.read(n).decode() for n in sheets)   # no formula anywhere
    back = pd.read_excel(tmp_path / "review.xlsx", sheet_name="records", engine="openpyxl")
    assert back.loc[2, "title"] == EVIL and back.loc[3, "title"] == "-2+3"
    effects = pd.read_excel(tmp_path / "review.xlsx", sheet_name="effects", engine="openpyxl")
    assert effects.loc[2, "r"] == -0.25 and isinstance(effects.loc[2, "r"], float)


def test_csv_export_is_deterministic(filled, tmp_path):
    db, _ = filled
    for level in ("records", "effects", "studies", "decisions"):
        a, b = tmp_path / f"{level}-1.csv", tmp_path / f"{level}-2.csv"
        export(db, a, level)
        export(db, b, level)
        assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 0


def test_failed_export_leaves_no_file(filled, tmp_path):
    db, ids = filled
    code_effect(db, ids[0], "ann", "r", 0.9, n=100, moderators=MODS, label="HAM-D")
    code_effect(db, ids[0], "ann", "r", 0.9, n=100, moderators=MODS, label="GAF")
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "studies.csv"
    with pytest.raises(InputError, match="rho = 0 is too low"):
        export(db, out, "studies", rho=0.0)
    with pytest.raises(InputError, match="rho = 0 is too low"):
        export(db, folder / "all.xlsx", "records", rho=0.0)
    assert list(folder.iterdir()) == []
    out.write_text("old")
    with pytest.raises(InputError):
        export(db, out, "studies", rho=0.0)
    assert out.read_text() == "old" and list(folder.iterdir()) == [out]
    with pytest.raises(InputError, match="must end in .xlsx, .csv or .ris"):
        export(db, folder / "x.txt", "studies")


def test_interrupted_write_keeps_the_old_file(tmp_path):
    out = tmp_path / "table.csv"
    out.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(out, ".csv") as tmp:
        tmp.write_text("half a ta")
        raise RuntimeError("disk full")
    assert out.read_text() == "old" and list(tmp_path.iterdir()) == [out]
    with atomic_path(out, ".csv") as tmp:
        tmp.write_text("new")
    assert out.read_text() == "new" and list(tmp_path.iterdir()) == [out]


def test_ris_export_reads_back_with_the_importer(filled, tmp_path):
    db, ids = filled
    out = tmp_path / "included.ris"
    assert export(db, out, "included").rows == {"included": 3}
    source = SourceFile(out)
    recs = list(get_importer("ris").read(source, {}))
    assert [r.source_id for r in recs] == ["P1", "P2", "P3"]
    assert recs[0].authors == ["Horvath, A. O.", "Greenberg, L."] and recs[0].year == 1989
    assert recs[2].title == EVIL and recs[0].doi == "10.1000/p1" and recs[0].pages.startswith("12")
    assert recs[0].abstract == "An abstract over two lines." and recs[0].keywords == ["alliance", "outcome"]
    assert recs[0].journal == "Journal of Counseling Psychology"
    with pytest.raises(InputError, match="use --level included"):
        export(db, out, "studies")
