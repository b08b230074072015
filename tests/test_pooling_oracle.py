"""MetaSift's pooling against metafor itself, run live through Rscript on the same data (tests/r_oracle.py).

For every case below (metadat datasets; correlations through Fisher's z, yi/vi ones through escalc) and
every estimator metafor's ``rma.uni`` offers here (REML ML DL PM FE HS HE SJ EB), with z and
Knapp-Hartung tests, without and with moderators: every number metafor prints must print the same —
tau², SE(tau²), I², H², R², Q/QE and p, QM and p, each coefficient's estimate, SE, z/t, p and CI, the
pooled prediction and its CI/PI, and the Q-profile CIs of tau², tau, I², H² (``confint``).
Precision: metafor's defaults (4 decimals; I², H², R² 2 decimals; p values 4 decimals or "<.0001").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from db.errors import InputError
from extraction.pooling import fisher_z, fit_core, pool
from extraction.pooling.confint import q_profile
from extraction.pooling.estimators import METHODS
from extraction.pooling.moderators import mods_regression
from tests.r_oracle import printed_equal, pval_equal, run_r

# name -> (R code making `d` with yi/vi, Python effect: "zcor" (from ri/ni) or "yivi", moderator formulas)
CASES: dict[str, tuple[str, str, list[str]]] = {
    "molloy2014": ('d <- escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014)', "zcor",
                   ["year", "meanage + quality", "design", "controls + design"]),
    "mcdaniel1994": ('d <- escalc("ZCOR", ri = ri, ni = ni, data = dat.mcdaniel1994)', "zcor",
                     ["type", "struct", "type + struct"]),
    "crede2010": ('d <- escalc("ZCOR", ri = ri, ni = ni, data = dat.crede2010)', "zcor",
                  ["year", "class + criterion", "source"]),
    "cohen1981": ('d <- escalc("ZCOR", ri = ri, ni = ni, data = dat.cohen1981)', "zcor", ["control"]),
    "craft2003": ('d <- escalc("ZCOR", ri = ri, ni = ni, data = dat.craft2003)', "zcor", ["sport"]),
    "bcg": ('d <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)', "yivi",
            ["ablat", "ablat + year", "alloc"]),
    "normand1999": ('d <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, '
                    'data = dat.normand1999)', "yivi", ["source"]),
    "hackshaw1998": ("d <- dat.hackshaw1998", "yivi", ["year", "design"]),
    "bangertdrowns2004": ("d <- dat.bangertdrowns2004", "yivi", ["length", "grade + meta", "imag + wic"]),
    "raudenbush1985": ("d <- dat.raudenbush1985", "yivi", ["weeks", "setting + tester", "weeks + year"]),
    "konstantopoulos2011": ("d <- dat.konstantopoulos2011", "yivi", ["year"]),
    "li2007": ('d <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.li2007)', "yivi", ["year"]),
    "nielweise2007": ('d <- escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.nielweise2007)',
                      "yivi", ["year"]),
    "pritz1997": ('d <- escalc("PLO", xi = xi, ni = ni, data = dat.pritz1997)', "yivi", []),
    "laopaiboon2015": ('d <- escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.laopaiboon2015)',
                       "yivi", ["ctrl", "year"]),
    "anand1999": ('d <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.anand1999)', "yivi",
                  ["intensity"]),
    "curtis1998": ('d <- escalc("ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, '
                   'data = dat.curtis1998)', "yivi", ["time", "fungrp + method"]),
    "assink2016": ("d <- dat.assink2016", "yivi", ["year + deltype"]),
}
TESTS = ("z", "knha")

R_CODE = r"""
methods <- c(%(methods)s)
tests <- c("z", "knha")
one <- function(res) {
  o <- list(k = res$k, tau2 = res$tau2, se_tau2 = res$se.tau2, names = rownames(res$beta), beta = c(res$beta),
            se = res$se, zval = res$zval, pval = res$pval, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
            QE = res$QE, QEp = res$QEp, QM = res$QM, QMp = res$QMp, I2 = res$I2, H2 = res$H2,
            R2 = if (is.null(res$R2)) NA else res$R2, ddf = if (is.na(res$ddf[1])) NA else res$ddf[1])
  if (res$int.only) {
    p <- predict(res)
    o$pred <- c(p$pred, p$ci.lb, p$ci.ub, if (is.null(p$pi.lb)) c(NA, NA) else c(p$pi.lb, p$pi.ub))
    if (!is.element(res$method, c("FE", "EE"))) {
      ci <- confint(res)$random
      o$confint <- list(tau2 = ci[1, ], tau = ci[2, ], i2 = ci[3, ], h2 = ci[4, ])
    }
  }
  o
}
fit <- function(d, f, m, t) tryCatch({
  res <- if (is.na(f)) rma(yi, vi, data = d, method = m, test = t)
         else rma(yi, vi, mods = as.formula(paste("~", f)), data = d, method = m, test = t)
  one(res)
}, error = function(e) list(error = conditionMessage(e)))
out <- list()
%(cases)s
"""


def _r_case(name: str, code: str, formulas: list[str]) -> str:
    fs = ", ".join(['NA'] + [f'"{f}"' for f in formulas])
    return (f"local({{ {code}; d <- as.data.frame(d); d <- d[!is.na(d$yi) & !is.na(d$vi), ]; res <- list(); "
            f"for (f in c({fs})) for (m in methods) for (t in tests) "
            f"res[[paste(f, m, t, sep = '|')]] <- fit(d, f, m, t); "
            f"d$yi <- as.numeric(d$yi); d$vi <- as.numeric(d$vi); "
            f"out[['{name}']] <<- list(data = d, fits = res) }})")


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    code = R_CODE % {"methods": ", ".join(f'"{m}"' for m in METHODS),
                     "cases": "\n".join(_r_case(n, c, f) for n, (c, _, f) in CASES.items())}
    return run_r(code)


def _data(oracle: dict[str, Any], name: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    df = pd.DataFrame(oracle[name]["data"])
    if CASES[name][1] == "zcor":  # the conversion is part of what is compared
        y, v = fisher_z(df["ri"].to_numpy(float), df["ni"].to_numpy(float))
    else:
        y, v = df["yi"].to_numpy(float), df["vi"].to_numpy(float)
    return df, y, v


def _vec(x: Any) -> list[float | None]:
    return x if isinstance(x, list) else [x]


PARAMS = [(n, f, m, t) for n, (_, _, fs) in CASES.items() for f in [None, *fs] for m in METHODS for t in TESTS]


def _check(label: str, ours: float | None, theirs: float | None, digits: int, bad: list[str]) -> None:
    if isinstance(theirs, float) and math.isnan(theirs):
        theirs = None
    if isinstance(ours, float) and not math.isfinite(ours):
        ours = None
    if not printed_equal(ours, theirs, digits):
        bad.append(f"{label}: ours {ours!r} metafor {theirs!r}")


def _checkp(label: str, ours: float, theirs: float | None, bad: list[str]) -> None:
    if theirs is None and not math.isfinite(ours):  # NA in metafor, NaN here
        return
    if theirs is None or not pval_equal(ours, theirs):
        bad.append(f"{label}: p ours {ours!r} metafor {theirs!r}")


@pytest.mark.parametrize("name, formula, method, test", PARAMS,
                         ids=[f"{n}-{f or 'intercept'}-{m}-{t}" for n, f, m, t in PARAMS])
def test_equals_metafor(oracle: dict[str, Any], name: str, formula: str | None, method: str, test: str) -> None:
    want = oracle[name]["fits"][f"{'NA' if formula is None else formula}|{method}|{test}"]
    df, y, v = _data(oracle, name)
    if "error" in want:  # metafor refuses the model: so must MetaSift, with a message
        with pytest.raises(InputError):
            if formula is None:
                pool(y, v, method=method, test=test)
            else:
                mods_regression(y, v, df, formula, method=method, test=test)
        return
    bad: list[str] = []
    if formula is None:
        core = fit_core(y, v, method=method, test=test)
        res = pool(y, v, method=method, test=test, back_transform=False)
        names = ["intrcpt"]
        beta, se, zval, pvals = [res.estimate_z], [res.se_z], [res.z], [res.p]
        ci = [res.ci_z]
        k, tau2, se_tau2, qe, qe_p, i2, h2, r2 = (res.k, res.tau2, res.se_tau2, res.q, res.q_p, res.i2, res.h2,
                                                  None)
        qm, qm_p = None, None
        pred = want["pred"]
        for lab, ours, theirs in zip(("pred", "ci.lb", "ci.ub", "pi.lb", "pi.ub"),
                                     (res.estimate_z, *res.ci_z, *res.pi_z), pred, strict=True):
            if theirs is not None:
                _check(lab, ours, theirs, 4, bad)
        if "confint" in want:
            qp = q_profile(y, v, core)
            for key, digits in (("tau2", 4), ("tau", 4), ("i2", 2), ("h2", 4)):
                for j, lab in enumerate(("est", "ci.lb", "ci.ub")):
                    _check(f"confint {key} {lab}", getattr(qp, key)[j], want["confint"][key][j], digits, bad)
    else:
        reg, _ = mods_regression(y, v, df, formula, method=method, test=test)
        names = [c.name for c in reg.coefficients]
        beta = [c.estimate for c in reg.coefficients]
        se = [c.se for c in reg.coefficients]
        zval = [c.z for c in reg.coefficients]
        pvals = [c.p for c in reg.coefficients]
        ci = [c.ci for c in reg.coefficients]
        k, tau2, se_tau2, qe, qe_p, i2, h2, r2 = (reg.k, reg.tau2, reg.se_tau2, reg.qe, reg.qe_p, reg.i2, reg.h2,
                                                  reg.r2)
        qm, qm_p = reg.qm, reg.qm_p
    assert k == want["k"]
    assert names == _vec(want["names"]), (names, want["names"])
    _check("tau2", tau2, want["tau2"], 4, bad)
    if method != "FE":
        _check("se.tau2", se_tau2, want["se_tau2"], 4, bad)
    _check("I2", i2, want["I2"], 2, bad)
    _check("H2", h2, want["H2"], 2, bad)
    _check("QE", qe, want["QE"], 4, bad)
    _checkp("QE", qe_p, want["QEp"], bad)
    if formula is not None:
        _check("QM", qm, want["QM"], 4, bad)
        _checkp("QM", qm_p, want["QMp"], bad)
        _check("R2", r2, want["R2"], 2, bad)
    for j, nm in enumerate(names):
        _check(f"{nm} estimate", beta[j], _vec(want["beta"])[j], 4, bad)
        _check(f"{nm} se", se[j], _vec(want["se"])[j], 4, bad)
        _check(f"{nm} zval", zval[j], _vec(want["zval"])[j], 4, bad)
        _checkp(nm, pvals[j], _vec(want["pval"])[j], bad)
        _check(f"{nm} ci.lb", ci[j][0], _vec(want["ci_lb"])[j], 4, bad)
        _check(f"{nm} ci.ub", ci[j][1], _vec(want["ci_ub"])[j], 4, bad)
    assert not bad, "\n".join(bad)
