"""The whole review on the worked demo, through the command line: every stage's output agrees."""

from __future__ import annotations

import math

import pandas as pd

from cli.app import main
from extraction.demo_worked import build_worked_demo
from tests.cli_run import run_json


def test_worked_demo_from_screening_to_pooling(tmp_path, capsys):
    build_worked_demo(tmp_path).close()
    review = str(tmp_path / "worked-demo.metasift")
    status = run_json(capsys, "status", review)
    assert status["records"] == 22 and status["unique"] == 14
    assert status["screening"]["title_abstract"]["excluded_by_reason"]["not an empirical study"] == 1
    assert status["screening"]["title_abstract"]["included"] == 8
    assert status["screening"]["full_text"]["included"] == 7

    studies = run_json(capsys, "studies", review)["studies"]
    okafor = next(s for s in studies if s["label"].startswith("Okafor"))
    r_f = math.sqrt(1.35 / (1.35 + 56))  # dropout: F(1, 56) = 1.35 -> r
    assert okafor["k"] == 2 and math.isclose(okafor["r"], (0.24 + r_f) / math.sqrt(2 + 2 * 1 * 0.5), abs_tol=1e-9)
    assert len(studies) == 6

    pooled = run_json(capsys, "pool", review, "--table1", "treatment")
    assert pooled["k"] == 6 and 0.17 < pooled["estimate_r"] < 0.31
    assert {row["category"] for row in pooled["table1"]} >= {"CBT", "psychodynamic", "substance abuse"}

    prisma = run_json(capsys, "prisma", review, "--out", str(tmp_path / "prisma.svg"))
    assert prisma["adds_up"] and prisma["studies_included"] == 6 and prisma["reports_included"] == 7

    out = tmp_path / "review.xlsx"
    run_json(capsys, "export", review, str(out), "--level", "studies")
    back = pd.read_excel(out, sheet_name="studies", engine="openpyxl")
    assert len(back) == 6
    assert math.isclose(back.loc[back["label"].str.startswith("Okafor"), "ri"].iloc[0], okafor["r"], abs_tol=1e-9)


def test_table1_of_every_moderator_keeps_a_moderator_too_thin_for_the_between_test(worked, tmp_path, capsys):
    """Two studies in two languages cannot estimate the factor model and tau² (metafor refuses it too): Table 1
    still lists both categories with their own fits and says why the between-category p is missing, instead of
    failing for every moderator."""
    review = str(tmp_path / "worked" / "worked-demo.metasift")
    assert main(["pool", review, "--table1"]) == 0
    text = capsys.readouterr().out
    assert "language: no between-category test (2 studies cannot estimate 2 coefficients and tau²)" in text
    rows = run_json(capsys, "pool", review, "--table1")["table1"]
    language = [r for r in rows if r["moderator"] == "language"]
    assert [r["category"] for r in language] == ["French", "German"]
    assert all(r["k"] == 1 and r["p_between"] is None and "cannot estimate" in r["note"] for r in language)
    treatment = [r for r in rows if r["moderator"] == "treatment"]
    assert treatment and all(r["p_between"] is not None and r["note"] == "" for r in treatment)
