"""`metasift pool` from the command line against metafor on the same CSV: scale of yi/vi input, Knapp-Hartung,
Q-profile CIs, several moderators (QM, R², per-coefficient tests). metafor runs live (tests/r_oracle.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli.app import main
from extraction import apa
from tests.r_oracle import dataset, printed_equal, run_r


@pytest.fixture()
def bcg_csv(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    d = pd.DataFrame(run_r('d <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg); '
                           "d$yi <- as.numeric(d$yi); d$vi <- as.numeric(d$vi); out <- as.data.frame(d)"))
    path = tmp_path / "bcg.csv"
    d.to_csv(path, index=False)
    return path, d


def test_yi_vi_input_is_reported_on_its_own_scale(bcg_csv, capsys: pytest.CaptureFixture[str]) -> None:
    path, d = bcg_csv
    want = run_r("r <- rma(yi, vi, data = dat); out <- list(b = c(r$beta), lb = r$ci.lb, ub = r$ci.ub)", d)
    assert main(["pool", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["estimate_r"] is None and data["ci_r"] is None and data["scale"] == "input (yi)"
    assert printed_equal(data["estimate_z"], want["b"]) and printed_equal(data["ci_z"][0], want["lb"])
    assert main(["pool", str(path)]) == 0
    text = capsys.readouterr().out
    assert "not back-transformed" in text and "r = " not in text
    assert f"estimate = {want['b']:.4f}" in text


def test_ztor_flag_back_transforms_fisher_z(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = dataset("dat.molloy2014")
    want = run_r('r <- rma(ri = ri, ni = ni, measure = "ZCOR", data = dat); p <- predict(r, transf = transf.ztor); '
                 "z <- escalc('ZCOR', ri = ri, ni = ni, data = dat); "
                 "out <- list(pred = p$pred, lb = p$ci.lb, ub = p$ci.ub, yi = as.numeric(z$yi), vi = z$vi)", d)
    path = tmp_path / "z.csv"
    pd.DataFrame({"yi": want["yi"], "vi": want["vi"]}).to_csv(path, index=False)
    assert main(["pool", str(path), "--ztor", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert printed_equal(data["estimate_r"], want["pred"]) and printed_equal(data["ci_r"][1], want["ub"])


def test_knapp_hartung_confint_and_mods_from_the_cli(bcg_csv, capsys: pytest.CaptureFixture[str]) -> None:
    path, d = bcg_csv
    want = run_r("""
      r <- rma(yi, vi, data = dat, test = "knha"); ci <- confint(r)$random
      m <- rma(yi, vi, mods = ~ ablat + year + alloc, data = dat, test = "knha")
      out <- list(b = c(r$beta), se = r$se, t = r$zval, p = r$pval, lb = r$ci.lb, ddf = r$ddf,
                  pi = predict(r)$pi.lb, ci = c(ci), QM = m$QM, QMp = m$QMp, QMdf = m$QMdf, R2 = m$R2,
                  tau2 = m$tau2, names = rownames(m$beta), mb = c(m$beta), mse = m$se, mt = m$zval, mp = m$pval)
    """, d)
    assert main(["pool", str(path), "--test", "knha", "--mods", "ablat + year + alloc", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["test"] == "knha" and data["df"] == want["ddf"] == 12
    for ours, theirs in ((data["estimate_z"], want["b"]), (data["se_z"], want["se"]), (data["z"], want["t"]),
                         (data["p"], want["p"]), (data["ci_z"][0], want["lb"]), (data["pi_z"][0], want["pi"])):
        assert printed_equal(ours, theirs), (ours, theirs)
    ci = data["confint"]  # metafor's matrix, column-major: estimates, lower bounds, upper bounds
    ours = [ci["tau2"][0], ci["tau"][0], ci["i2"][0], ci["h2"][0], ci["tau2"][1], ci["tau"][1], ci["i2"][1],
            ci["h2"][1], ci["tau2"][2], ci["tau"][2], ci["i2"][2], ci["h2"][2]]
    assert all(printed_equal(a, b) for a, b in zip(ours, want["ci"], strict=True)), (ours, want["ci"])
    reg = data["meta_regression"]
    assert reg["qm_distribution"] == "F" and [reg["qm_df"], reg["ddf"]] == want["QMdf"]
    assert printed_equal(reg["qm"], want["QM"]) and printed_equal(reg["qm_p"], want["QMp"])
    assert printed_equal(reg["r2"], want["R2"], 2) and printed_equal(reg["tau2"], want["tau2"])
    assert list(reg["coefficients"]) == want["names"]
    for j, name in enumerate(want["names"]):
        c = reg["coefficients"][name]
        assert printed_equal(c["estimate"], want["mb"][j]) and printed_equal(c["se"], want["mse"][j])
        assert printed_equal(c["z"], want["mt"][j]) and printed_equal(c["p"], want["mp"][j])
    assert main(["pool", str(path), "--test", "knha", "--mods", "ablat + year + alloc"]) == 0
    text = capsys.readouterr().out
    assert f"F(df1 = 4, df2 = 8) = {want['QM']:.4f}" in text and f"R² = {apa.percent(want['R2'])}" in text


def test_bad_mods_are_clear_errors(bcg_csv, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = bcg_csv
    assert main(["pool", str(path), "--mods", "ablat + nothere"]) == 2
    assert "nothere" in capsys.readouterr().err
    assert main(["pool", str(path), "--mods", " + "]) == 2
    assert "no moderator" in capsys.readouterr().err


def test_diagnose_commands_print_metafors_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = dataset("dat.molloy2014")
    path = tmp_path / "molloy.csv"
    d.to_csv(path, index=False)
    want = run_r("""
      r <- rma(ri = ri, ni = ni, measure = "ZCOR", data = dat); pdf(NULL)
      l <- leave1out(r); cu <- cumul(r, order = dat$year); inf <- influence(r); tf <- trimfill(r)
      rt <- ranktest(r); pet <- regtest(r, model = "lm")
      out <- list(l1o = l$estimate, l1o_p = l$pval, cum = cu$estimate, rs = inf$inf$rstudent, cook = inf$inf$cook.d,
                  k0 = tf$k0, tf = c(tf$beta), tf_lb = tf$ci.lb, tau = unname(rt$tau), rank_p = rt$pval,
                  pet = pet$est)
    """, d)
    assert main(["diagnose", "leave1out", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["studies"]
    assert all(printed_equal(r["estimate"], w) for r, w in zip(rows, want["l1o"], strict=True))
    assert main(["diagnose", "cumulative", str(path), "--order", "year", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["studies"]
    assert all(printed_equal(r["estimate"], w) for r, w in zip(rows, want["cum"], strict=True))
    assert main(["diagnose", "influence", str(path), "--json", "--plot", str(tmp_path / "baujat.png")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all(printed_equal(r["rstudent"], w) for r, w in zip(data["studies"], want["rs"], strict=True))
    assert all(printed_equal(r["cook_d"], w) for r, w in zip(data["studies"], want["cook"], strict=True))
    assert (tmp_path / "baujat.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["diagnose", "bias", str(path)]) == 0
    text = capsys.readouterr().out
    assert f"k0 = {want['k0']} on the" in text and f"adjusted estimate = {want['tf']:.4f}" in text
    assert f"Kendall's tau = {apa.bounded(want['tau'], 3)}, {apa.p_value(want['rank_p'])}" in text
    assert f"PET (WLS yi ~ sei): intercept = {want['pet']:.4f}" in text
    assert main(["plot", "bubble", str(path), "--mods", "year + design", "--out", str(tmp_path / "b.png")]) == 0
    assert main(["plot", "bubble", str(path), "--mods", "design", "--out", str(tmp_path / "b.png")]) == 2
