"""Diagnostics against metafor run live on the same data: leave1out, cumul, influence (rstudent, DFFITS,
Cook's distance, COVRATIO, tau²/QE deleted, hat, weight, DFBETAS, the influential flag), baujat, ranktest,
regtest(model = "lm") as PET/PEESE, and trimfill (k0, side, adjusted estimate). Printed precision (4 decimals,
I²/H² 2)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from extraction.pooling import fisher_z, trim_and_fill
from extraction.pooling.diagnostics import Refit, cumulative, influence, leave_one_out, pet_peese, rank_test
from extraction.pooling.moderators import formula_design
from tests.r_oracle import printed_equal, pval_equal, run_r

CASES = {  # name -> (R code making d, python effect kind, moderator for influence, order column for cumul)
    "molloy2014": ('d <- escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014)', "zcor", "meanage", "year"),
    "bcg": ('d <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)', "yivi", "ablat",
            "year"),
    "hackshaw1998": ("d <- dat.hackshaw1998", "yivi", "year", "year"),
    "raudenbush1985": ("d <- dat.raudenbush1985", "yivi", "weeks", "year"),
    "normand1999": ('d <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, '
                    'data = dat.normand1999)', "yivi", None, None),
    "cohen1981": ('d <- escalc("ZCOR", ri = ri, ni = ni, data = dat.cohen1981)', "zcor", None, None),
    "li2007": ('d <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.li2007)', "yivi", "year",
               "year"),
    "craft2003": ('d <- escalc("ZCOR", ri = ri, ni = ni, data = dat.craft2003)', "zcor", None, None),
}
METHODS = ("REML", "DL", "PM", "FE")
TESTS = ("z", "knha")

R = r"""
pdf(NULL)
lst <- function(x) lapply(as.data.frame(x), function(col) as.numeric(col))
cols <- c("rstudent", "dffits", "cook.d", "cov.r", "tau2.del", "QE.del", "hat", "weight")
pick <- function(x, names) setNames(lapply(names, function(n) {
  v <- x[[n]]; if (is.null(v) && n == "zval") v <- x[["tval"]]; as.numeric(v) }), names)
fits <- function(d, mod, ord) {
  o <- list()
  for (m in c(%(methods)s)) for (t in c("z", "knha")) {
    r <- rma(yi, vi, data = d, method = m, test = t)
    ir <- influence(r)
    e <- list(l1o = pick(leave1out(r), c("estimate", "se", "zval", "pval", "ci.lb", "ci.ub", "Q", "Qp", "tau2", "I2",
                                          "H2")),
              cum = pick(if (is.na(ord)) cumul(r) else cumul(r, order = d[[ord]]),
                        c("estimate", "se", "zval", "pvals", "ci.lb", "ci.ub", "Q", "Qp", "tau2", "I2", "H2")),
              inf = pick(ir$inf, cols), infl = ir$is.infl,
              dfbs = pick(ir$dfbs, "intrcpt"), bj = pick(baujat(r), c("x", "y")))
    if (!is.na(mod)) {
      rm <- rma(yi, vi, mods = as.formula(paste("~", mod)), data = d, method = m, test = t)
      im <- influence(rm)
      e$minf <- pick(im$inf, cols)
      e$mdfbs <- pick(im$dfbs, names(im$dfbs)[1:2]); e$minfl <- im$is.infl
    }
    if (t == "z") {
      tf <- trimfill(r)
      e$tf <- list(k0 = tf$k0, side = tf$side, b = c(tf$beta), se = tf$se, lb = tf$ci.lb, ub = tf$ci.ub,
                   tau2 = tf$tau2)
    }
    o[[paste(m, t)]] <- e
  }
  rt <- ranktest(d$yi, d$vi)
  pet <- regtest(d$yi, d$vi, model = "lm", predictor = "sei")
  peese <- regtest(d$yi, d$vi, model = "lm", predictor = "vi")
  o$bias <- list(rank = c(rt$tau, rt$pval), pet = c(pet$zval, pet$pval, pet$est, pet$ci.lb, pet$ci.ub),
                 peese = c(peese$zval, peese$pval, peese$est, peese$ci.lb, peese$ci.ub))
  o
}
out <- list()
%(cases)s
"""


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    cases = []
    for name, (code, _, mod, order) in CASES.items():
        m = "NA" if mod is None else f'"{mod}"'
        o = "NA" if order is None else f'"{order}"'
        cases.append(f"local({{ {code}; d <- as.data.frame(d); d <- d[!is.na(d$yi), ]; d$yi <- as.numeric(d$yi); "
                     f"out[['{name}']] <<- list(data = d, fits = fits(d, {m}, {o})) }})")
    return run_r(R % {"methods": ", ".join(f'"{m}"' for m in METHODS), "cases": "\n".join(cases)})


def _data(oracle: dict[str, Any], name: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    df = pd.DataFrame(oracle[name]["data"])
    if CASES[name][1] == "zcor":
        y, v = fisher_z(df["ri"].to_numpy(float), df["ni"].to_numpy(float))
    else:
        y, v = df["yi"].to_numpy(float), df["vi"].to_numpy(float)
    return df, y, v


def _same(label: str, ours: Any, theirs: Any, bad: list[str], digits: int = 4) -> None:
    ours = list(np.atleast_1d(np.asarray(ours, dtype=float)))
    theirs = [math.nan if t is None else t for t in np.atleast_1d(theirs)]
    if not theirs and label.endswith(("tau2", "I2", "H2")):  # metafor lists no tau²/I²/H² for FE models
        assert all(x == 0 or math.isnan(x) or label.endswith(("I2", "H2")) for x in ours), label
        return
    assert len(ours) == len(theirs), label
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if math.isnan(a) and math.isnan(b):
            continue
        if not printed_equal(a, b, digits):
            bad.append(f"{label}[{i}]: ours {a!r} metafor {b!r}")


def _rows(rows: list[Refit], key: str) -> list[float]:
    return [getattr(r, key) for r in rows]


PARAMS = [(n, m, t) for n in CASES for m in METHODS for t in TESTS]


@pytest.mark.parametrize("name, method, test", PARAMS, ids=[f"{n}-{m}-{t}" for n, m, t in PARAMS])
def test_diagnostics_equal_metafor(oracle: dict[str, Any], name: str, method: str, test: str) -> None:
    df, y, v = _data(oracle, name)
    want = oracle[name]["fits"][f"{method} {test}"]
    bad: list[str] = []
    for label, rows, ref in (("leave1out", leave_one_out(y, v, method, test), want["l1o"]),
                             ("cumul", None, want["cum"])):
        if rows is None:
            order = CASES[name][3]
            idx, rows = cumulative(y, v, None if order is None else df[order].to_numpy(float), method, test)
        for ours_key, r_key, digits in (("estimate", "estimate", 4), ("se", "se", 4), ("zval", "zval", 4),
                                        ("ci_lb", "ci.lb", 4), ("ci_ub", "ci.ub", 4), ("q", "Q", 4),
                                        ("tau2", "tau2", 4), ("i2", "I2", 2), ("h2", "H2", 2)):
            _same(f"{label} {r_key}", _rows(rows, ours_key), ref[r_key], bad, digits)
        p_key = "pval" if "pval" in ref else "pvals"
        for i, (a, b) in enumerate(zip(_rows(rows, "pval"), ref[p_key], strict=True)):
            if not pval_equal(a, b):
                bad.append(f"{label} pval[{i}]: ours {a} metafor {b}")
    inf = influence(y, v, method=method, test=test)
    for ours, key in ((inf.rstudent, "rstudent"), (inf.dffits, "dffits"), (inf.cook_d, "cook.d"),
                      (inf.cov_r, "cov.r"), (inf.tau2_del, "tau2.del"), (inf.qe_del, "QE.del"), (inf.hat, "hat"),
                      (inf.weight, "weight")):
        _same(f"influence {key}", ours, want["inf"][key], bad)
    _same("dfbetas", inf.dfbetas[:, 0], want["dfbs"]["intrcpt"], bad)
    assert list(inf.influential) == want["infl"]
    _same("baujat x", inf.baujat_x, want["bj"]["x"], bad)
    _same("baujat y", inf.baujat_y, want["bj"]["y"], bad)
    if "minf" in want:
        X, names, keep = formula_design(df, CASES[name][2])
        assert keep.all()
        mi = influence(y, v, X, method=method, test=test)
        for ours, key in ((mi.rstudent, "rstudent"), (mi.dffits, "dffits"), (mi.cook_d, "cook.d"),
                          (mi.cov_r, "cov.r"), (mi.tau2_del, "tau2.del"), (mi.qe_del, "QE.del"), (mi.hat, "hat"),
                          (mi.weight, "weight")):
            _same(f"mods influence {key}", ours, want["minf"][key], bad)
        for j, col in enumerate(want["mdfbs"]):
            _same(f"mods dfbetas {col}", mi.dfbetas[:, j], want["mdfbs"][col], bad)
        assert list(mi.influential) == want["minfl"]
    if "tf" in want:
        tf = trim_and_fill(y, v, method=method, back_transform=False)
        w = want["tf"]
        assert tf.k0 == w["k0"] and tf.side == w["side"], (tf.k0, tf.side, w)
        _same("trimfill estimate", tf.result.estimate_z, w["b"], bad)
        _same("trimfill se", tf.result.se_z, w["se"], bad)
        _same("trimfill ci", tf.result.ci_z, [w["lb"], w["ub"]], bad)
        _same("trimfill tau2", tf.result.tau2, w["tau2"], bad)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", list(CASES))
def test_rank_test_and_pet_peese_equal_metafor(oracle: dict[str, Any], name: str) -> None:
    _, y, v = _data(oracle, name)
    b = oracle[name]["fits"]["bias"]
    rt = rank_test(y, v)
    assert printed_equal(rt["tau"], b["rank"][0], 3) and pval_equal(rt["p"], b["rank"][1]), (rt, b["rank"])
    pp = pet_peese(y, v)
    for part, ref in ((pp.pet, b["pet"]), (pp.peese, b["peese"])):
        slope, b0 = part.coefficients[1], part.coefficients[0]
        assert printed_equal(slope.z, ref[0]) and pval_equal(slope.p, ref[1])
        assert printed_equal(b0.estimate, ref[2]) and printed_equal(b0.ci[0], ref[3])
        assert printed_equal(b0.ci[1], ref[4])
    assert pp.chosen == ("PEESE" if pp.pet.coefficients[0].p < 0.05 else "PET")
