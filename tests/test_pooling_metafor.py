"""Pooling against metafor's printed output (reference numbers with their source in comments).

Tolerances: metafor prints 4 decimals, so tau², estimates and SEs are compared at 5e-5 around the printed
value plus 2e-5 (i.e. "equal at the printed precision"); Q ±1e-3; I² ±0.02 points.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from db.errors import InputError
from extraction.pooling import (
    categorical_moderator,
    continuous_moderator,
    fisher_z,
    fit_core,
    generalised_q,
    moderator_table,
    pool,
)

REF = Path(__file__).resolve().parents[2] / "shared" / "reference" / "metafor"
P4 = 5e-5 + 2e-5  # half a unit in the 4th decimal, plus the brief's 2e-5
P2 = 5e-3 + 2e-5  # printed with 2 decimals


def load(name: str) -> pd.DataFrame:
    path = REF / f"{name}.csv"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return pd.read_csv(path)


def near(value: float, printed: float, tol: float = P4) -> bool:
    return abs(value - printed) <= tol


# --- dat.molloy2014 (k = 16). Values from the brief / metadat's dat.molloy2014 reference page (REML). ---

def test_molloy2014_reml() -> None:
    d = load("dat.molloy2014")
    r = pool(ri=d.ri, ni=d.ni)
    assert r.k == 16 and r.method == "REML"
    assert near(r.tau2, 0.0081)
    assert near(r.estimate_z, 0.1499) and near(r.se_z, 0.0316)
    assert abs(r.q - 38.1595) <= 1e-3 and r.q_df == 15
    assert abs(r.i2 - 61.73) <= 0.02
    assert near(r.estimate_r, 0.149, 5e-4) and near(r.ci_r[0], 0.088, 5e-4) and near(r.ci_r[1], 0.209, 5e-4)
    assert near(r.pi_r[0], -0.037, 5e-4) and near(r.pi_r[1], 0.325, 5e-4)
    # internal consistency: CI uses qnorm(.975), not 1.96
    z = stats.norm.ppf(0.975)
    assert math.isclose(r.ci_z[1] - r.estimate_z, z * r.se_z, rel_tol=1e-12)
    assert math.isclose(sum(r.weights), 100.0)


def _dl_closed_form(y: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    w = 1 / v
    mu = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - mu) ** 2)
    tau2 = max(0.0, (q - (len(y) - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    ws = 1 / (v + tau2)
    return tau2, float(np.sum(ws * y) / np.sum(ws)), float(np.sqrt(1 / np.sum(ws)))


def test_molloy2014_fe_dl_ml_pm_against_independent_computations() -> None:
    d = load("dat.molloy2014")
    y, v = fisher_z(d.ri, d.ni)
    w = 1 / v
    fe = pool(y, v, method="FE")
    assert math.isclose(fe.estimate_z, np.sum(w * y) / np.sum(w), rel_tol=1e-12)
    assert math.isclose(fe.se_z, np.sqrt(1 / np.sum(w)), rel_tol=1e-12)
    assert math.isclose(fe.i2, 100 * (fe.q - 15) / fe.q, rel_tol=1e-12)  # FE: I² from Q
    assert pool(y, v, method="EE").estimate_z == fe.estimate_z
    dl = pool(y, v, method="DL")
    tau2, mu, se = _dl_closed_form(y, v)
    assert math.isclose(dl.tau2, tau2, rel_tol=1e-10)
    assert math.isclose(dl.estimate_z, mu, rel_tol=1e-10) and math.isclose(dl.se_z, se, rel_tol=1e-10)
    # PM: generalised Q at the estimate equals k - 1, to metafor's uniroot tolerance on tau² (eps^0.25;
    # the digits themselves are compared with metafor in test_pooling_oracle.py)
    pm = pool(y, v, method="PM")
    slope = abs(generalised_q(y, v, pm.tau2 + 1e-6) - generalised_q(y, v, pm.tau2)) / 1e-6
    assert abs(generalised_q(y, v, pm.tau2) - 15) < slope * 1.3e-4
    # ML: the score of the profile likelihood vanishes at the estimate
    ml = pool(y, v, method="ML")
    ws = 1 / (v + ml.tau2)
    mu = np.sum(ws * y) / np.sum(ws)
    assert abs(np.sum(ws**2 * (y - mu) ** 2) - np.sum(ws)) < 1e-3 * np.sum(ws)
    # REML estimate lies between ML and the less shrunken PM here, and all are positive
    assert 0 < ml.tau2 < pool(y, v).tau2 < pm.tau2


def test_cohen1981_reml() -> None:
    # metadat reference page dat.cohen1981 (rma(yi, vi, digits=2)): tau^2 0.01 (SE 0.01), I^2 11.64%,
    # H^2 1.13, Q(19) = 20.97, estimate 0.38 (SE 0.05), z 7.88, CI 0.29..0.48; predict(transf.ztor):
    # 0.36 [0.28, 0.44], PI [0.21, 0.50]
    d = load("dat.cohen1981")
    r = pool(ri=d.ri, ni=d.ni)
    assert r.k == 20
    assert near(r.tau2, 0.01, P2) and near(r.se_tau2, 0.01, P2)
    assert abs(r.i2 - 11.64) <= 0.02 and near(r.h2, 1.13, P2)
    assert abs(r.q - 20.97) <= 5e-3 and near(r.estimate_z, 0.38, P2) and near(r.se_z, 0.05, P2)
    assert near(r.z, 7.88, P2) and near(r.ci_z[0], 0.29, P2) and near(r.ci_z[1], 0.48, P2)
    assert near(r.estimate_r, 0.36, P2) and near(r.ci_r[0], 0.28, P2) and near(r.ci_r[1], 0.44, P2)
    assert near(r.pi_r[0], 0.21, P2) and near(r.pi_r[1], 0.50, P2)


def test_mcdaniel1994_reml() -> None:
    # metadat reference page dat.mcdaniel1994: tau^2 0.0293 (SE 0.0049), I^2 81.29%, H^2 5.35,
    # Q(159) = 789.7321, estimate 0.2374 (SE 0.0170), z 13.9995, CI 0.2042..0.2706; r 0.23 [0.20, 0.26],
    # PI [-0.10, 0.52]
    d = load("dat.mcdaniel1994")
    r = pool(ri=d.ri, ni=d.ni)
    assert r.k == 160
    assert near(r.tau2, 0.0293) and near(r.se_tau2, 0.0049)
    assert abs(r.i2 - 81.29) <= 0.02 and abs(r.q - 789.7321) <= 1e-3
    assert near(r.estimate_z, 0.2374) and near(r.se_z, 0.0170) and near(r.z, 13.9995)
    assert near(r.ci_z[0], 0.2042) and near(r.ci_z[1], 0.2706)
    assert near(r.pi_r[0], -0.10, P2) and near(r.pi_r[1], 0.52, P2)


@pytest.mark.parametrize("mod, k, tau2, se_tau2, i2, r2, qe, qm, qm_df, qm_p, coefs, levels", [
    # metadat dat.mcdaniel1994: rma(yi, vi, mods = ~ factor(type)) and predict(~ 0 + factor(type))
    ("type", 157, 0.0282, 0.0049, 79.62, 1.92, 738.4411, 5.8455, 2, 0.0538,
     {"intrcpt": (0.2474, 0.0187), "typep": (-0.1228, 0.0582), "types": (0.0573, 0.0598)},
     {"j": (0.24, 0.21, 0.28, -0.08, 0.52), "p": (0.12, 0.02, 0.23, -0.22, 0.44),
      "s": (0.30, 0.19, 0.39, -0.04, 0.57)}),
    # rma(yi, vi, mods = ~ factor(struct)) and predict(~ 0 + factor(struct))
    ("struct", 145, 0.0298, 0.0053, 79.91, 1.95, 701.2270, 3.8417, 1, 0.0500,
     {"intrcpt": (0.2697, 0.0211), "structu": (-0.0786, 0.0401)},
     {"s": (0.26, 0.22, 0.30, -0.07, 0.54), "u": (0.19, 0.12, 0.25, -0.15, 0.49)}),
])
def test_mcdaniel1994_categorical_moderators(mod, k, tau2, se_tau2, i2, r2, qe, qm, qm_df, qm_p, coefs,
                                             levels) -> None:
    d = load("dat.mcdaniel1994")
    y, v = fisher_z(d.ri, d.ni)
    sa = categorical_moderator(y, v, d[mod], name=mod)
    m = sa.model
    assert m.k == k and sa.excluded == 160 - k
    assert near(m.tau2, tau2) and near(m.se_tau2, se_tau2)
    assert abs(m.i2 - i2) <= 0.02 and abs(m.r2 - r2) <= 0.02
    assert abs(m.qe - qe) <= 1e-3 and abs(m.qm - qm) <= 1e-3 and m.qm_df == qm_df and near(m.qm_p, qm_p)
    for name, (est, se) in coefs.items():
        assert near(m.coef(name).estimate, est) and near(m.coef(name).se, se)
    for le in sa.level_estimates:
        pred, lo, hi, plo, phi = levels[le.level]
        got = (math.tanh(le.estimate), math.tanh(le.ci[0]), math.tanh(le.ci[1]), math.tanh(le.pi[0]),
               math.tanh(le.pi[1]))
        want = (pred, lo, hi, plo, phi)
        assert all(near(g, x, P2) for g, x in zip(got, want, strict=True)), (le.level, got)
    # separate fits: each level's own REML model equals an independent pool() of that level
    for lev, res in sa.separate.items():
        mask = (d[mod] == lev).to_numpy()
        assert res.k == int(mask.sum())
        assert math.isclose(res.estimate_z, pool(y[mask], v[mask]).estimate_z)
    assert sa.q_between_df == len(sa.levels) - 1 and sa.q_between >= 0


def test_crede2010_subsets_and_continuous_moderator() -> None:
    # metadat dat.crede2010: subset criterion == "grade": k 67, tau^2 0.0511 (SE 0.0104), I^2 93.83%,
    # Q(66) = 1068.7213, estimate 0.4547 (SE 0.0300); r 0.43 [0.38, 0.47], PI [0.01, 0.72].
    # mods = ~ year: tau^2 0.0504 (SE 0.0104), I^2 93.70%, R^2 1.31%, QE(65) 1050.5282, QM(1) 1.3863,
    # p 0.2390, intercept -7.0137 (SE 6.3432), year 0.0037 (SE 0.0032).
    # mods = ~ class: QM(1) 0.6234, p 0.4298, R^2 0.00%, tau^2 0.0515.
    # subset criterion == "gpa": k 30, tau^2 0.0555 (SE 0.0165), I^2 93.76%, Q(29) 430.9743,
    # estimate 0.3724 (SE 0.0459).
    d = load("dat.crede2010")
    g = d[d.criterion == "grade"]
    y, v = fisher_z(g.ri, g.ni)
    r = pool(y, v, back_transform=True)  # yi are Fisher z values
    assert r.k == 67 and near(r.tau2, 0.0511) and near(r.se_tau2, 0.0104) and abs(r.i2 - 93.83) <= 0.02
    assert abs(r.q - 1068.7213) <= 1e-3 and near(r.estimate_z, 0.4547) and near(r.se_z, 0.0300)
    assert near(r.estimate_r, 0.43, P2) and near(r.pi_r[0], 0.01, P2) and near(r.pi_r[1], 0.72, P2)
    m = continuous_moderator(y, v, g.year, "year")
    assert near(m.tau2, 0.0504) and near(m.se_tau2, 0.0104) and abs(m.i2 - 93.70) <= 0.02
    assert abs(m.r2 - 1.31) <= 0.02 and abs(m.qe - 1050.5282) <= 1e-3 and abs(m.qm - 1.3863) <= 1e-3
    assert near(m.qm_p, 0.2390) and near(m.coef("intrcpt").estimate, -7.0137)
    assert near(m.coef("intrcpt").se, 6.3432) and near(m.coef("year").estimate, 0.0037)
    assert near(m.coef("year").se, 0.0032)
    c = categorical_moderator(y, v, g["class"], name="class").model
    assert abs(c.qm - 0.6234) <= 1e-3 and near(c.qm_p, 0.4298) and c.r2 == 0.0 and near(c.tau2, 0.0515)
    gp = d[d.criterion == "gpa"]
    r = pool(ri=gp.ri, ni=gp.ni)
    assert r.k == 30 and near(r.tau2, 0.0555) and near(r.se_tau2, 0.0165) and abs(r.i2 - 93.76) <= 0.02
    assert abs(r.q - 430.9743) <= 1e-3 and near(r.estimate_z, 0.3724) and near(r.se_z, 0.0459)


def bcg() -> tuple[np.ndarray, np.ndarray]:
    d = load("dat.bcg")
    a, b, c, e = (d[x].to_numpy(float) for x in ("tpos", "tneg", "cpos", "cneg"))
    return np.log((a / (a + b)) / (c / (c + e))), 1 / a - 1 / (a + b) + 1 / c - 1 / (c + e)


def test_bcg_reml_log_risk_ratios() -> None:
    # metadat dat.bcg: tau^2 0.3132 (SE 0.1664), tau 0.5597, I^2 92.22%, H^2 12.86, Q(12) 152.2330,
    # estimate -0.7145 (SE 0.1798), z -3.9744, CI -1.0669..-0.3622; exp: PI 0.1546..1.5490
    y, v = bcg()
    r = pool(y, v, back_transform=False)
    assert r.estimate_r is None
    assert near(r.tau2, 0.3132) and near(r.se_tau2, 0.1664) and near(r.tau, 0.5597)
    assert abs(r.i2 - 92.22) <= 0.02 and near(r.h2, 12.86, P2) and abs(r.q - 152.2330) <= 1e-3
    assert near(r.estimate_z, -0.7145) and near(r.se_z, 0.1798) and near(r.z, -3.9744)
    assert near(r.ci_z[0], -1.0669) and near(r.ci_z[1], -0.3622)
    assert near(math.exp(r.pi_z[0]), 0.1546) and near(math.exp(r.pi_z[1]), 1.5490)


def test_moderator_table_shape_and_p_between() -> None:
    d = load("dat.mcdaniel1994")
    y, v = fisher_z(d.ri, d.ni)
    t = moderator_table(d.assign(yi=y, vi=v), ["type", "struct"])
    assert list(t["category"]) == ["j", "p", "s", "s", "u"]
    assert t.loc[t.moderator == "type", "k"].sum() == 157
    assert near(t.loc[t.moderator == "struct", "p_between"].iloc[0], 0.0500)


def test_bad_input_is_input_error() -> None:
    with pytest.raises(InputError, match="study 2"):
        pool([0.1, 0.2], [0.01, -1.0])
    with pytest.raises(InputError, match="between -1 and 1"):
        pool(ri=[0.1, 1.0], ni=[20, 30])
    with pytest.raises(InputError, match="unknown pooling method"):
        pool([0.1, 0.2], [0.01, 0.02], method="XYZ")
    single = pool([0.2], [0.01])  # k = 1: estimate equals the study, no heterogeneity statistics
    assert single.k == 1 and single.estimate_z == 0.2 and single.tau2 == 0.0
    assert fit_core([0.1, 0.3, 0.2], [0.01, 0.01, 0.01]).tau2 == 0.0  # homogeneous -> truncated at 0
