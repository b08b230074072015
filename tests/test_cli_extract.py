"""The coding commands end to end: code, effects, disagreements, reconcile, studies, export."""

from __future__ import annotations

import pandas as pd
import pytest

from cli.app import main
from db.engine import open_review
from db.models import ImportBatch, Record
from tests.cli_run import run_json

MODS = ["--mod", "alliance_measure=WAI", "--mod", "alliance_rater=client", "--mod", "alliance_time=early",
        "--mod", "outcome_measure=BDI", "--mod", "outcome_rater=client", "--mod", "treatment=CBT",
        "--mod", "pub_source=journal"]


@pytest.fixture
def review_file(tmp_path):
    path = tmp_path / "r.metasift"
    assert main(["init", str(path)]) == 0
    db = open_review(path)
    with db.transaction() as s:
        batch = ImportBatch(file_name="t.ris", sha256="sha", format="ris", source_db="PsycINFO")
        s.add(batch)
        s.flush()
        s.add_all([Record(batch_id=batch.id, ordinal=i, source_id=f"S{i}", title=f"Study {i}",
                          authors=[f"Author{i}, A."], year=2000 + i) for i in range(2)])
    db.close()
    return str(path)


def test_code_disagree_reconcile_studies_export(review_file, capsys, tmp_path):
    out = run_json(capsys, "code", review_file, "--record", "1", "--coder", "ann", "--stat", "t", "--value", "2.5",
                         "--df", "48", "--n", "50", "--label", "BDI", *MODS)
    assert out["effect"]["r"] == pytest.approx(2.5 / (2.5 ** 2 + 48) ** 0.5)
    run_json(capsys, "code", review_file, "--record", "1", "--coder", "bob", "--stat", "r", "--value", "0.5",
                   "--n", "50", "--label", "bdi", *MODS)
    dis = run_json(capsys, "disagreements", review_file)
    assert [d["field"] for d in dis["disagreements"]] == ["r", "statistic"]
    assert dis["agreement"][0]["items"] == 1
    studies = run_json(capsys, "studies", review_file)
    assert studies["studies"][0]["flags"].endswith("not reconciled") and studies["studies"][0]["r"] is None
    rec = run_json(capsys, "reconcile", review_file, "--record", "1", "--label", "BDI", "--by", "carl",
                         "--adopt", "ann")
    assert rec["effect"]["kind"] == "reconciled"
    studies = run_json(capsys, "studies", review_file)
    assert studies["studies"][0]["r"] == pytest.approx(out["effect"]["r"])
    csv_out = tmp_path / "s.csv"
    assert main(["export", review_file, str(csv_out), "--level", "studies"]) == 0
    assert pd.read_csv(csv_out)["ri"].tolist() == pytest.approx([out["effect"]["r"]])
    assert main(["export", review_file, str(tmp_path / "all.xlsx"), "--level", "effects", "--rho", "0.6"]) == 0
    assert pd.ExcelFile(tmp_path / "all.xlsx", engine="openpyxl").sheet_names[0] == "effects"


def test_bad_input_exits_2_and_stores_nothing(review_file, capsys):
    capsys.readouterr()
    assert main(["code", review_file, "--record", "1", "--coder", "ann", "--stat", "r", "--value", "1.4",
                 "--n", "3", "--mod", "treatment=yoga"]) == 2
    err = capsys.readouterr().err
    assert "r: 1.4 is out of range" in err and "treatment: 'yoga'" in err and "nothing stored" in err
    assert run_json(capsys, "effects", review_file)["count"] == 0
    assert main(["code", review_file, "--record", "1", "--mod", "oops"]) == 2
    assert main(["export", review_file, "out.ris"]) == 2          # nothing included yet


def test_edit_and_delete_from_the_command_line(review_file, capsys):
    first = run_json(capsys, "code", review_file, "--record", "2", "--coder", "ann", "--stat", "r", "--value", "0.3",
                           "--n", "40", "--label", "BDI", *MODS)["effect"]
    edited = run_json(capsys, "code", review_file, "--record", "2", "--edit", str(first["id"]), "--value", "0.35")
    assert edited["effect"]["replaces"] == first["id"] and edited["effect"]["r"] == pytest.approx(0.35)
    run_json(capsys, "effects", review_file, "--delete", str(edited["effect"]["id"]))
    assert run_json(capsys, "effects", review_file)["count"] == 0
    assert run_json(capsys, "effects", review_file, "--history")["count"] == 3


def test_records_are_named_as_in_the_screening_commands(review_file, capsys):
    """--record takes a source_id, #<record id> or a bare record id, like `metasift screen`."""
    by_source = run_json(capsys, "code", review_file, "--record", "S1", "--coder", "ann", "--stat", "r",
                               "--value", "0.3", "--n", "40", *MODS)
    by_hash = run_json(capsys, "code", review_file, "--record", "#2", "--coder", "bob", "--stat", "r",
                             "--value", "0.3", "--n", "40", *MODS)
    bare = run_json(capsys, "code", review_file, "--record", "1", "--coder", "ann", "--stat", "r",
                          "--value", "0.2", "--n", "40", *MODS)
    assert (by_source["effect"]["record"], by_hash["effect"]["record"], bare["effect"]["record"]) == (2, 2, 1)
    listed = run_json(capsys, "effects", review_file, "--record", "S1")
    assert listed["count"] == 2 and {e["coder"] for e in listed["effects"]} == {"ann", "bob"}
    capsys.readouterr()
    assert main(["code", review_file, "--record", "S9", "--stat", "r", "--value", "0.3", *MODS]) == 2
    assert "no record has source_id 'S9'" in capsys.readouterr().err
    assert main(["effects", review_file, "--record", "77"]) == 2
    assert "no record has source_id '77'" in capsys.readouterr().err
