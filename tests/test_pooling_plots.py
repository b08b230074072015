"""Forest/funnel plots (Agg) and the ``pool``/``plot`` commands through ``cli.app.main``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_pooling_metafor import load, near

from cli.app import main
from extraction.pooling import fisher_z, trim_and_fill
from extraction.pooling.plots import forest_plot, funnel_plot, save


@pytest.fixture
def molloy_csv(tmp_path: Path) -> Path:
    d = load("dat.molloy2014")
    out = tmp_path / "molloy.csv"
    d.to_csv(out, index=False)
    return out


def test_forest_height_scales_and_files_are_written(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(20, 400, 200)
    y, v = np.arctanh(rng.uniform(-0.1, 0.5, 200)), 1 / (n - 3)
    small = forest_plot(y[:10], v[:10])
    big = forest_plot(y, v, groups=np.array(["a", "b"])[rng.integers(0, 2, 200)])
    assert big.get_size_inches()[1] > 10 * small.get_size_inches()[1] / 2
    for suffix in (".png", ".svg", ".pdf"):
        out = save(forest_plot(y[:20], v[:20]), tmp_path / f"f{suffix}")
        assert out.stat().st_size > 1000
    save(small, tmp_path / "small.png")
    save(big, tmp_path / "big.png")


def test_funnel_with_trimfill(tmp_path: Path) -> None:
    d = load("dat.molloy2014")
    y, v = fisher_z(d.ri, d.ni)
    tf = trim_and_fill(y, v)
    fig = funnel_plot(y, v, trimfill=tf)
    ax = fig.axes[0]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # SE axis inverted: precise studies on top
    assert save(fig, tmp_path / "funnel.svg").read_text().startswith("<?xml")


def test_cli_pool_json(molloy_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pool", str(molloy_csv), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("k", "estimate_z", "se_z", "ci_z", "estimate_r", "ci_r", "pi_r", "z", "p", "tau2", "tau",
                "i2", "h2", "q", "q_df", "q_p", "fsn_rosenthal", "egger"):
        assert key in data
    assert data["k"] == 16 and near(data["tau2"], 0.0081) and abs(data["i2"] - 61.73) <= 0.02
    assert near(data["pi_r"][0], -0.037, 5e-4) and near(data["pi_r"][1], 0.325, 5e-4)
    assert set(data["egger"]) >= {"z", "p", "limit_estimate"}


def test_cli_pool_by_and_methods(molloy_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pool", str(molloy_csv), "--by", "design", "--method", "DL", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "DL" and set(data["subgroups"]) == {"cross-sectional", "prospective"}
    assert data["qm_df"] == 1 and 0 <= data["qm_p"] <= 1
    assert sum(s["k"] for s in data["subgroups"].values()) == 16
    assert main(["pool", str(molloy_csv)]) == 0
    assert "I² = 61.7%" in capsys.readouterr().out  # one APA style: I² with one decimal (extraction/apa.percent)


def test_cli_yi_vi_and_r_n_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = load("dat.molloy2014")
    y, v = fisher_z(d.ri, d.ni)
    f = tmp_path / "z.csv"
    d.assign(z=y, var=v, r=d.ri, n=d.ni).drop(columns=["ri", "ni"]).to_csv(f, index=False)
    assert main(["pool", str(f), "--yi", "z", "--vi", "var", "--json"]) == 0
    a = json.loads(capsys.readouterr().out)
    assert main(["pool", str(f), "--json"]) == 0  # falls back to r/n columns
    b = json.loads(capsys.readouterr().out)
    assert abs(a["estimate_z"] - b["estimate_z"]) < 1e-12 and near(a["estimate_z"], 0.1499)


def test_cli_bad_input(tmp_path: Path, molloy_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pool", str(molloy_csv), "--r", "nope", "--n", "ni"]) == 2
    assert "nope" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("ri,ni\n0.2,50\n0.3,abc\n1.4,40\n", encoding="utf-8")
    assert main(["pool", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "line 3" in err and "'ni'" in err
    bad.write_text("ri,ni\n0.2,50\n1.4,40\n", encoding="utf-8")
    assert main(["pool", str(bad)]) == 2
    assert "line 3" in capsys.readouterr().err
    assert main(["pool", str(molloy_csv), "--by", "missing_col"]) == 2
    assert main(["plot", "forest", str(molloy_csv), "--out", str(tmp_path / "x.gif")]) == 2


def test_cli_plot(tmp_path: Path, molloy_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "forest.png"
    assert main(["plot", "forest", str(molloy_csv), "--out", str(out), "--by", "design"]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    out = tmp_path / "funnel.pdf"
    assert main(["plot", "funnel", str(molloy_csv), "--out", str(out), "--trimfill"]) == 0
    assert out.read_bytes()[:4] == b"%PDF"
