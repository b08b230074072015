"""`metasift init --protocol cbt_depression` (a bundled protocol by name) and `metasift assess` under it:
a review on another question, assessed with its own criteria, exclusion reasons, year and language."""

from __future__ import annotations

import json

from cli.app import main
from db.engine import open_review
from screening.importing import import_files

# Fictional studies written for this test.
STUDIES = [
    ("rct-1", "Cognitive behavioural therapy versus waitlist for major depression: a randomised controlled trial",
     "One hundred and twenty adults aged 18 to 65 with major depressive disorder were randomly assigned to "
     "sixteen sessions of cognitive behavioural therapy or a waitlist. Depression (BDI-II) improved more "
     "after CBT.", 2015),
    ("old-1", "Cognitive therapy of depression in adult outpatients: a randomized trial",
     "Forty adult outpatients with major depression were randomly assigned to cognitive therapy or "
     "imipramine; both groups improved on the Hamilton scale.", 1977),
    ("kid-1", "CBT for depressed adolescents: a randomized controlled trial",
     "Eighty adolescents aged 13 to 17 years with a depressive disorder were randomized to cognitive "
     "behavioral therapy or usual care in school clinics.", 2010),
]
RIS = "".join(f"TY  - JOUR\nID  - {sid}\nTI  - {ti}\nAB  - {ab}\nPY  - {year}\nLA  - eng\nER  -\n\n"
              for sid, ti, ab, year in STUDIES)


def test_init_with_a_bundled_protocol_and_assess_under_it(tmp_path, capsys):
    path = str(tmp_path / "cbt.metasift")
    assert main(["init", path, "--protocol", "cbt_depression", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["protocol"] == "cbt-depression"
    ris = tmp_path / "search.ris"
    ris.write_text(RIS, encoding="utf-8")
    db = open_review(path)
    try:
        import_files(db, [ris])
    finally:
        db.close()
    assert main(["assess", path, "--json"]) == 0
    recs = {r["source_id"]: r for r in json.loads(capsys.readouterr().out)["records"]}
    assert list(recs["rct-1"]["criteria"]) == ["cbt", "depression", "adult", "rct", "sample_size", "years",
                                               "language"]
    assert recs["rct-1"]["suggestion"] == "include", recs["rct-1"]
    assert recs["old-1"]["suggestion"] == "exclude"
    assert recs["old-1"]["reasons"] == ["published before 1980: published 1977, before 1980"]
    assert recs["kid-1"]["criteria"]["adult"]["verdict"] == "not_met"
    assert recs["kid-1"]["reasons"][0].startswith("not adults")


def test_init_names_the_bundled_protocols_when_neither_file_nor_name(tmp_path, capsys):
    assert main(["init", str(tmp_path / "x.metasift"), "--protocol", "nonexistent"]) == 2
    assert "nonexistent" in capsys.readouterr().err
