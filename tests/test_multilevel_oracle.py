"""The three-level model against metafor's rma.mv (nested random effects), robust() and clubSandwich's CR2,
run live on the same data (tests/r_oracle.py). Printed precision: 4 decimals (df 2, p values 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cli.app import main
from extraction.pooling.moderators import formula_design
from extraction.pooling.multilevel import fit_multilevel
from tests.r_oracle import printed_equal, pval_equal, run_r

PKGS = ("metafor", "metadat", "jsonlite", "clubSandwich")
CASES = {  # name -> (data, levels, moderator formulas)
    "konstantopoulos2011": ("dat.konstantopoulos2011", ["district", "school"], ["year"]),
    "assink2016": ("dat.assink2016", ["study", "esid"], ["year + deltype", "pubstatus"]),
    "bangertdrowns2004": ("dat.bangertdrowns2004", ["subject", "id"], ["length"]),
}
ROBUST = (None, "CR1", "CR2")

R = r"""
one <- function(r, rob) {
  o <- list(sigma2 = r$sigma2, beta = c(r$beta), se = r$se, zval = r$zval, pval = r$pval, ci_lb = r$ci.lb,
            ci_ub = r$ci.ub, QE = r$QE, QM = r$QM, QMp = r$QMp, QMdf = r$QMdf, ll = c(logLik(r)),
            ddf = if (is.null(r$ddf) || all(is.na(r$ddf))) NA else r$ddf, names = rownames(r$beta), k = r$k)
  o
}
out <- list()
for (case in names(cases)) {
  cs <- cases[[case]]; d <- as.data.frame(get(cs$data)); d <- d[!is.na(d$yi), ]
  rnd <- as.formula(paste("~ 1 |", paste(cs$levels, collapse = "/")))
  res <- list()
  for (f in c(NA, cs$mods)) for (m in c("REML", "ML")) {
    dd <- if (is.na(f)) d else d[complete.cases(d[, all.vars(as.formula(paste("~", f)))]), ]
    r <- if (is.na(f)) rma.mv(yi, vi, random = rnd, data = dd, method = m)
         else rma.mv(yi, vi, mods = as.formula(paste("~", f)), random = rnd, data = dd, method = m)
    cl <- dd[[cs$levels[1]]]
    res[[paste(f, m, "none")]] <- one(r)
    res[[paste(f, m, "CR1")]] <- one(robust(r, cluster = cl))
    res[[paste(f, m, "CR2")]] <- one(robust(r, cluster = cl, clubSandwich = TRUE))
  }
  out[[case]] <- list(data = d, fits = res)
}
"""


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    cases = ", ".join(
        f"{n} = list(data = '{d}', levels = c({', '.join(repr(x) for x in lv)}), "
        f"mods = c({', '.join(repr(m) for m in mods)}))" for n, (d, lv, mods) in CASES.items())
    return run_r(f"cases <- list({cases})\n" + R, packages=PKGS)


PARAMS = [(n, f, m, rb) for n, (_, _, mods) in CASES.items() for f in [None, *mods] for m in ("REML", "ML")
          for rb in ROBUST]


@pytest.mark.parametrize("name, formula, method, robust", PARAMS,
                         ids=[f"{n}-{f or 'intercept'}-{m}-{r or 'model'}" for n, f, m, r in PARAMS])
def test_multilevel_equals_rma_mv(oracle: dict[str, Any], name: str, formula: str | None, method: str,
                                  robust: str | None) -> None:
    df = pd.DataFrame(oracle[name]["data"])
    levels = CASES[name][1]
    want = oracle[name]["fits"][f"{'NA' if formula is None else formula} {method} {robust or 'none'}"]
    X, names = None, ["intrcpt"]
    if formula:
        X, names, keep = formula_design(df, formula)
        df = df[keep].reset_index(drop=True)
    fit = fit_multilevel(df["yi"], df["vi"], [df[c] for c in levels], levels, X=X, names=names, method=method,
                         robust=robust)
    bad: list[str] = []

    def same(label: str, ours: float, theirs: float, digits: int = 4) -> None:
        if not printed_equal(ours, theirs, digits):
            bad.append(f"{label}: ours {ours!r} metafor {theirs!r}")

    assert fit.k == want["k"] and names == ([want["names"]] if isinstance(want["names"], str) else want["names"])
    for j, s in enumerate(np.atleast_1d(want["sigma2"])):
        same(f"sigma2[{j}]", fit.sigma2[j], s)
    same("QE", fit.qe, want["QE"])
    same("logLik", fit.ll, want["ll"])
    vec = {k: np.atleast_1d(want[k]) for k in ("beta", "se", "zval", "pval", "ci_lb", "ci_ub")}
    for j, c in enumerate(fit.coefficients()):
        same(f"{c.name} estimate", c.estimate, vec["beta"][j])
        same(f"{c.name} se", c.se, vec["se"][j])
        same(f"{c.name} stat", c.stat, vec["zval"][j])
        same(f"{c.name} ci.lb", c.ci[0], vec["ci_lb"][j])
        same(f"{c.name} ci.ub", c.ci[1], vec["ci_ub"][j])
        if not pval_equal(c.p, vec["pval"][j]):
            bad.append(f"{c.name} p: ours {c.p} metafor {vec['pval'][j]}")
        if robust:
            ddf = np.atleast_1d(want["ddf"])
            same(f"{c.name} df", c.df, ddf[j] if ddf.size > 1 else ddf[0], 2)
    if formula and robust != "CR2":
        same("QM", fit.qm, want["QM"])
        if not pval_equal(fit.qm_p, want["QMp"]):
            bad.append(f"QMp: ours {fit.qm_p} metafor {want['QMp']}")
    assert not bad, "\n".join(bad)


def test_multilevel_from_the_cli(oracle: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.DataFrame(oracle["assink2016"]["data"])
    path = tmp_path / "assink.csv"
    df.to_csv(path, index=False)
    want = oracle["assink2016"]["fits"]["year + deltype REML CR2"]
    assert main(["multilevel", str(path), "--cluster", "study", "--level", "esid", "--mods", "year + deltype",
                 "--robust", "CR2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in data["coefficients"]] == want["names"]
    assert all(printed_equal(c["se"], s) for c, s in zip(data["coefficients"], want["se"], strict=True))
    assert all(printed_equal(c["df"], s, 2) for c, s in zip(data["coefficients"], want["ddf"], strict=True))
    assert main(["multilevel", str(path), "--cluster", "study", "--level", "esid", "--robust", "CR1"]) == 0
    text = capsys.readouterr().out
    r1 = oracle["assink2016"]["fits"]["NA REML CR1"]
    assert f"{r1['beta']:.4f}" in text and f"{r1['se']:.4f}" in text and "sigma²" in text
    assert main(["multilevel", str(path), "--cluster", "nope"]) == 2
