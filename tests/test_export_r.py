"""`metasift export REVIEW analysis.R`: the script runs under Rscript with metafor and gives MetaSift's numbers."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cli.app import main
from extraction.demo_worked import build_worked_demo
from tests.r_oracle import printed_equal, pval_equal, require_r


def test_exported_r_script_reproduces_the_analysis(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_r()
    build_worked_demo(tmp_path).close()
    review = tmp_path / "worked-demo.metasift"
    out = tmp_path / "elsewhere" / "analysis.R"
    assert main(["export", str(review), str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == "R" and Path(info["study_table"]).name == "analysis_studies.csv"
    ours = info["metasift"]
    # the pair can be moved: the script finds its table beside itself, not in the working directory
    moved = tmp_path / "moved"
    shutil.copytree(out.parent, moved)
    proc = subprocess.run(["Rscript", "--vanilla", str(moved / "analysis.R")], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Random-Effects Model (k = 6; tau^2 estimator: REML)" in proc.stdout
    theirs = json.loads((moved / "analysis_results.json").read_text(encoding="utf-8"))
    assert (moved / "analysis_plots.pdf").read_bytes()[:4] == b"%PDF"
    p, q = ours["pooled"], theirs["pooled"]
    assert p["k"] == q["k"] == 6
    for key in ("estimate_z", "se_z", "z", "tau2", "se_tau2", "q", "estimate_r"):
        assert printed_equal(p[key], q[key]), (key, p[key], q[key])
    assert printed_equal(p["i2"], q["i2"], 2) and pval_equal(p["p"], q["p"]) and pval_equal(p["q_p"], q["q_p"])
    assert printed_equal(p["ci_z"][0], q["ci_z"][0]) and printed_equal(p["ci_z"][1], q["ci_z"][1])
    for j, key in enumerate(("tau2", "tau", "i2", "h2")):
        assert all(printed_equal(a, b) for a, b in zip(p["confint"][key], q["confint"][j], strict=True)), key
    assert set(ours["moderators"]) == set(theirs["moderators"]) and ours["moderators"]
    for name, m in ours["moderators"].items():
        t = theirs["moderators"][name]
        assert ("error" in m) == ("error" in t), (name, m, t)
        if "error" not in m:
            assert printed_equal(m["qm"], t["qm"]) and pval_equal(m["qm_p"], t["qm_p"]), (name, m, t)
            assert printed_equal(m["tau2"], t["tau2"]), name
    assert printed_equal(p["egger"]["z"], theirs["egger"]["z"]) and pval_equal(p["egger"]["p"], theirs["egger"]["p"])


def test_r_export_needs_effect_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    review = tmp_path / "empty.metasift"
    assert main(["init", str(review)]) == 0
    capsys.readouterr()
    assert main(["export", str(review), str(tmp_path / "a.R")]) == 2
    assert "no coded effect sizes" in capsys.readouterr().err
    assert not (tmp_path / "a.R").exists()
