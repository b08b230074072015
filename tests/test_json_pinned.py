"""The ``--json`` of the commands whose core results are typed dataclasses (issue 19): the exact text they print
on the worked demo, pinned in ``tests/data/json_pinned`` (moments, run ids, the test's folder and elapsed
seconds masked). A change of shape, key order or value shows here as a diff against the stored file.

Numbers are compared to 1e-9 relative (and 1e-12 absolute): the last binary digits of a REML fit or a sum
differ between CPUs and BLAS builds, which is no change of output. Everything else (keys, their order, types,
strings, list lengths) must be identical.

``METASIFT_PIN_WRITE=1`` rewrites the files (only when a change of output is intended)."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

from cli.app import main
from tests.pdf_factory import write_pdf

PINNED = Path(__file__).with_name("data") / "json_pinned"
MOMENT = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?"')
RUN_ID = re.compile(r'"run_id": "[0-9a-f]{12}"')
UID = re.compile(r'"uid": "[0-9a-f-]{32,36}"')
SECONDS = re.compile(r'"(seconds\w*)": [0-9.e-]+')
SHA256 = re.compile(r'"(sha256|pdf)": "[0-9a-f]{64}"')  # a written PDF carries its creation moment


def _printed(capsys, tmp_path: Path, *argv: str) -> str:
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out.replace(str(tmp_path), "<tmp>")
    out = re.sub(r"/[^\"]*/pytest-\d+/", "<pytest>/", out)  # the session's templates (the worked demo's texts)
    for pattern, mask in ((MOMENT, '"<moment>"'), (RUN_ID, '"run_id": "<run>"'), (UID, '"uid": "<uid>"'),
                          (SECONDS, r'"\1": "<s>"'),
                          (SHA256, r'"\1": "<sha256>"')):
        out = pattern.sub(mask, out)
    return out


def _check(name: str, text: str) -> None:
    path = PINNED / f"{name}.json"
    if os.environ.get("METASIFT_PIN_WRITE"):
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing (METASIFT_PIN_WRITE=1 writes it)"
    pinned = path.read_text(encoding="utf-8")
    if text == pinned:
        return
    try:
        ours, theirs = json.loads(text), json.loads(pinned)
    except ValueError:
        assert text == pinned, name
        return
    difference = _difference(ours, theirs, name)
    assert difference is None, difference


def _difference(ours: object, pinned: object, where: str) -> str | None:
    """The first place where ``ours`` differs from ``pinned`` beyond a float's last digits, or None."""
    if isinstance(ours, bool) or isinstance(pinned, bool) or not isinstance(ours, (int, float)) \
            or not isinstance(pinned, (int, float)):
        if type(ours) is not type(pinned):
            return f"{where}: {ours!r} is not {pinned!r}"
        if isinstance(ours, dict):
            assert isinstance(pinned, dict)
            if list(ours) != list(pinned):
                return f"{where}: keys {list(ours)} are not {list(pinned)}"
            for key in ours:
                found = _difference(ours[key], pinned[key], f"{where}.{key}")
                if found:
                    return found
            return None
        if isinstance(ours, list):
            assert isinstance(pinned, list)
            if len(ours) != len(pinned):
                return f"{where}: {len(ours)} items, pinned {len(pinned)}"
            for i, (a, b) in enumerate(zip(ours, pinned, strict=True)):
                found = _difference(a, b, f"{where}[{i}]")
                if found:
                    return found
            return None
        return None if ours == pinned else f"{where}: {ours!r} is not {pinned!r}"
    if isinstance(ours, int) and isinstance(pinned, int):
        return None if ours == pinned else f"{where}: {ours} is not {pinned}"
    if math.isclose(ours, pinned, rel_tol=1e-9, abs_tol=1e-12):
        return None
    return f"{where}: {ours!r} is not {pinned!r}"


def test_reading_commands_print_the_pinned_json(worked, capsys, tmp_path):
    review = worked.target
    commands = {
        "effects": ["effects", review],
        "effects_history": ["effects", review, "--history"],
        "disagreements": ["disagreements", review, "--all"],
        "worklist": ["worklist", review],
        "duplicates_list": ["duplicates", review, "list"],
        "history": ["history", review, "--record", "DEMO-PSY-0001"],
        "export_studies": ["export", review, str(tmp_path / "studies.csv")],
        "export_effects": ["export", review, str(tmp_path / "effects.xlsx"), "--level", "effects"],
        "export_records": ["export", review, str(tmp_path / "records.csv"), "--level", "records"],
        "export_included": ["export", review, str(tmp_path / "included.ris"), "--level", "included"],
        "export_r": ["export", review, str(tmp_path / "analysis.R")],
        "protocol_show": ["protocol", "show", review],
    }
    for name, argv in commands.items():
        _check(name, _printed(capsys, tmp_path, *argv))


def test_writing_commands_print_the_pinned_json(demo, worked, capsys, tmp_path):
    fresh, review = demo.target, worked.target
    _check("dedup", _printed(capsys, tmp_path, "dedup", fresh, "--reviewer", "ann"))
    _check("duplicates_after_dedup", _printed(capsys, tmp_path, "duplicates", fresh, "list"))
    _check("screen_blind", _printed(capsys, tmp_path, "screen", fresh, "--reviewer", "cem", "--record",
                                    "DEMO-PSY-0002", "--decision", "include"))
    _check("screen_second", _printed(capsys, tmp_path, "screen", fresh, "--reviewer", "dan", "--record",
                                     "DEMO-PSY-0002", "--decision", "exclude", "--reason", "not an empirical study"))
    _check("sample_rest", _printed(capsys, tmp_path, "sample-rest", fresh, "--reviewer", "cem", "--seed", "3",
                                   "--limit", "5"))
    labels = tmp_path / "labels.csv"
    labels.write_text("source_id,label\nDEMO-PSY-0003,1\nDEMO-PSY-0004,0\nDEMO-PSY-0005,0\n", encoding="utf-8")
    _check("rank", _printed(capsys, tmp_path, "rank", fresh, "--labels", str(labels), "--limit", "3"))
    mods = [f"--mod={m}" for m in ("outcome_rater=client", "pub_source=journal", "alliance_measure=WAI",
                                    "alliance_rater=client", "alliance_time=early", "outcome_measure=BDI",
                                    "treatment=CBT", "pub_year=2004")]
    _check("code", _printed(capsys, tmp_path, "code", review, "--record", "#1", "--coder", "cem", "--label", "BDI",
                            "--stat", "t", "--value", "2.5", "--df", "82", "--n", "84", *mods))
    _check("disagreements_double", _printed(capsys, tmp_path, "disagreements", review))
    _check("reconcile", _printed(capsys, tmp_path, "reconcile", review, "--record", "#1", "--label", "BDI",
                                 "--by", "lea", "--adopt", "ann"))
    _check("disagreements_all", _printed(capsys, tmp_path, "disagreements", review, "--all"))
    pdf = tmp_path / "paper.pdf"
    write_pdf(pdf, ["The alliance predicted outcome, r(58) = .31, p = .02."], title="Alliance")
    assert main(["attach", review, "--record", "DEMO-PSY-0001", str(pdf), "--reviewer", "ann"]) == 0
    assert main(["detach", review, "--record", "DEMO-PSY-0001", "--reviewer", "bob", "--note", "wrong"]) == 0
    _check("pdf", _printed(capsys, tmp_path, "pdf", review, "--record", "DEMO-PSY-0001"))
    toml = tmp_path / "protocol.toml"
    assert main(["protocol", "export", review, str(toml)]) == 0
    _check("protocol_import", _printed(capsys, tmp_path, "protocol", "import", review, str(toml), "--reviewer", "lea",
                                       "--summary", "stored as it is"))
    _check("protocol_history", _printed(capsys, tmp_path, "protocol", "history", review))


def test_simulate_prints_the_pinned_json(capsys, tmp_path):
    from tests.conftest import corpus_or_skip

    path = corpus_or_skip() / "labeled_screening" / "srd__Cohen_2006_ADHD.csv"
    _check("simulate", _printed(capsys, tmp_path, "simulate", str(path), "--seed", "1"))



def test_pool_prints_the_pinned_json(worked, capsys, tmp_path):
    review = worked.target
    _check("pool", _printed(capsys, tmp_path, "pool", review))
    _check("pool_by", _printed(capsys, tmp_path, "pool", review, "--by", "alliance_rater", "--method", "DL",
                               "--test", "knha", "--table1", "--mods", "pub_year"))
    table = tmp_path / "smd.csv"
    table.write_text("study,yi,vi\nA,0.42,0.05\nB,0.10,0.02\nC,,0.03\n", encoding="utf-8")
    _check("pool_yi_fe", _printed(capsys, tmp_path, "pool", str(table), "--method", "FE"))
    _check("pool_yi_ztor", _printed(capsys, tmp_path, "pool", str(table), "--ztor", "--test", "t"))


def test_multilevel_prints_the_pinned_json(worked, capsys, tmp_path):
    from extraction.export_frames import effects_frame

    effects = effects_frame(worked)[["study_id", "z", "var_z"]].rename(columns={"z": "yi", "var_z": "vi"})
    effects["es"] = range(len(effects))
    table = tmp_path / "effects.csv"
    effects.to_csv(table, index=False)
    _check("multilevel", _printed(capsys, tmp_path, "multilevel", str(table), "--cluster", "study_id", "--level", "es"))
    _check("multilevel_cr2", _printed(capsys, tmp_path, "multilevel", str(table), "--cluster", "study_id", "--robust",
                                      "CR2"))


def test_diagnose_prints_the_pinned_json(worked, capsys, tmp_path):
    review = worked.target
    for kind in ("leave1out", "cumulative", "influence", "bias"):
        _check(f"diagnose_{kind}", _printed(capsys, tmp_path, "diagnose", kind, review))
    _check("diagnose_cumulative_year", _printed(capsys, tmp_path, "diagnose", "cumulative", review, "--order",
                                                "pub_year", "--decreasing", "--test", "knha"))


def test_team_import_and_counts_print_the_pinned_json(demo, worked, capsys, tmp_path):
    fresh, review = demo.target, worked.target
    lead = ["--reviewer", "lea"]
    _check("team_add", _printed(capsys, tmp_path, "team", "add", fresh, *lead, "--name", "Lea", "--role", "lead"))
    for name in ("ann", "bob"):
        assert main(["team", "add", fresh, *lead, "--name", name, "--role", "screener"]) == 0
    _check("team_assign", _printed(capsys, tmp_path, "team", "assign", fresh, *lead, "--to", "ann", "--to", "bob",
                                   "--count", "5", "--per-record", "2", "--label", "first"))
    assert main(["screen", fresh, "--reviewer", "ann", "--record", "DEMO-PSY-0002", "--decision", "include"]) == 0
    _check("team_progress", _printed(capsys, tmp_path, "team", "progress", fresh))
    _check("team_unblind", _printed(capsys, tmp_path, "team", "unblind", fresh, *lead, "--stage", "title_abstract"))
    _check("history_unblinded", _printed(capsys, tmp_path, "history", fresh, "--record", "DEMO-PSY-0002",
                                         "--reviewer", "ann"))
    ris = tmp_path / "more.ris"
    ris.write_text("TY  - JOUR\nTI  - The working alliance in group therapy\nAU  - Smith, Jane\nPY  - 2011\n"
                   "JO  - Psychotherapy Research\nDO  - 10.1000/pin.1\nER  - \n", encoding="utf-8")
    _check("import", _printed(capsys, tmp_path, "import", fresh, str(ris), "--source-db", "PsycINFO",
                              "--reviewer", "ann"))
    _check("assess", _printed(capsys, tmp_path, "assess", fresh, "--limit", "3"))
    _check("prisma", _printed(capsys, tmp_path, "prisma", review))
    _check("activity", _printed(capsys, tmp_path, "activity", review))


def test_statistics_found_print_the_pinned_json(worked, capsys, tmp_path):
    review = worked.target
    pdf = tmp_path / "found.pdf"
    write_pdf(pdf, ["Title page. Participants were adults (N = 64).",
                    "The client-rated WAI at session 2 predicted BDI change, r(62) = .31, p = .01, "
                    "and the F test gave F(1, 62) = 6.6, p = .30; beta = .20, t < 1."], title="Found")
    _check("stats_file", _printed(capsys, tmp_path, "stats", str(pdf)))
    assert main(["attach", review, "--record", "DEMO-PSY-0001", str(pdf), "--reviewer", "ann"]) == 0
    _check("stats_record", _printed(capsys, tmp_path, "stats", review, "--record", "DEMO-PSY-0001"))
    _check("code_from_stat", _printed(capsys, tmp_path, "code", review, "--record", "DEMO-PSY-0001", "--coder", "cem",
                                      "--label", "WAI-BDI", "--from-stat", "2",
                                      "--mod=outcome_rater=client", "--mod=treatment=CBT", "--mod=pub_source=journal",
                                      "--mod=alliance_time=early"))
