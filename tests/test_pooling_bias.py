"""Publication-bias methods against metafor's printed output (sources in comments)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_pooling_metafor import P4, bcg, load, near

from extraction.pooling import effect_vs, egger_test, fisher_z, fsn_orwin, fsn_rosenthal, pool, trim_and_fill


def log_odds_ratios(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """metafor's escalc("OR", ai, n1i, ci, n2i): 1/2 added to every cell of tables with a zero cell."""
    ai, ci = d.ai.to_numpy(float), d.ci.to_numpy(float)
    bi, di = d.n1i.to_numpy(float) - ai, d.n2i.to_numpy(float) - ci
    zero = (ai == 0) | (bi == 0) | (ci == 0) | (di == 0)
    ai, bi, ci, di = (x + 0.5 * zero for x in (ai, bi, ci, di))
    return np.log(ai * di / (bi * ci)), 1 / ai + 1 / bi + 1 / ci + 1 / di


def test_fsn_mcdaniel1994() -> None:
    # metafor tests/testthat/test_misc_fsn.r ("interview data" in Becker 2005), ZCOR of dat.mcdaniel1994:
    # fsn(yi, vi) -> 50364; fsn(yi, type="Orwin", target=.15) -> 129; with vi -> 65
    d = load("dat.mcdaniel1994")
    y, v = fisher_z(d.ri, d.ni)
    assert fsn_rosenthal(y, v).fsn == 50364
    assert fsn_orwin(y, None, target=0.15).fsn == 129
    assert fsn_orwin(y, v, target=0.15).fsn == 65
    # default target = mean / 2 gives N = k exactly (no floating-point off-by-one)
    assert fsn_orwin(y, v).fsn == len(y)


def test_fsn_rosenthal_independent() -> None:
    y, v = np.array([0.3, 0.1, 0.25]), np.array([0.01, 0.02, 0.015])
    zsum = float(np.sum(y / np.sqrt(v)))
    expected = math.ceil(zsum**2 / 1.6448536269514722**2 - 3)
    assert fsn_rosenthal(y, v).fsn == expected


def test_egger_regtest_egger2001() -> None:
    # metafor docs/reference/regtest.html (dat.egger2001 without ISIS-4, OR, REML):
    # regtest(res): z = -2.8062, p = 0.0050; limit estimate b = -0.1639 (CI -0.5681, 0.2402)
    d = load("dat.egger2001")
    y, v = log_odds_ratios(d.iloc[:15])
    e = egger_test(y, v)
    assert near(e.z, -2.8062) and near(e.p, 0.0050)
    assert near(e.limit_estimate, -0.1639) and near(e.limit_ci[0], -0.5681) and near(e.limit_ci[1], 0.2402)
    # metafor tests/testthat/test_misc_pub_bias.r: all 16 trials, regtest(res)$zval = -4.6686
    y, v = log_odds_ratios(d)
    assert near(egger_test(y, v).z, -4.6686)


@pytest.mark.parametrize("method, estimator, k0, est, se, tau2, q, i2", [
    # metafor docs/reference/trimfill.html (dat.bcg, log RR):
    # rma(yi, vi, method="EE"); trimfill(res): 4 missing on the right, k 17, I^2 93.91%,
    # Q(16) = 262.7316, estimate -0.2910 (SE 0.0383); estimator="R0": also 4 on the right
    ("FE", "L0", 4, -0.2910, 0.0383, 0.0, 262.7316, 93.91),
    ("FE", "R0", 4, -0.2910, 0.0383, 0.0, 262.7316, 93.91),
    # rma(yi, vi); trimfill(res): 1 missing on the right, k 14, tau^2 0.3313, I^2 92.14%,
    # Q(13) = 154.6750, estimate -0.6571 (SE 0.1785)
    ("REML", "L0", 1, -0.6571, 0.1785, 0.3313, 154.6750, 92.14),
])
def test_trimfill_bcg(method, estimator, k0, est, se, tau2, q, i2) -> None:
    y, v = bcg()
    t = trim_and_fill(y, v, method=method, estimator=estimator, back_transform=False)
    assert t.k0 == k0 and t.side == "right" and t.result.k == 13 + k0
    assert near(t.result.estimate_z, est) and near(t.result.se_z, se) and near(t.result.tau2, tau2)
    assert abs(t.result.q - q) <= 1e-3 and abs(t.result.i2 - i2) <= 0.02
    # imputed studies mirror the most extreme ones around a centre, on the opposite side
    assert len(t.filled_yi) == k0 and np.all(t.filled_yi > np.median(y))


def test_trimfill_side_can_be_forced_and_k0_zero_leaves_fit_unchanged() -> None:
    y, v = bcg()
    t = trim_and_fill(y, v, side="left", back_transform=False)
    assert t.side == "left"
    if t.k0 == 0:
        assert t.result.estimate_z == pool(y, v, back_transform=False).estimate_z


def test_effect_vs_sample_size_and_year() -> None:
    # metadat dat.crede2010 (criterion "grade"): mods = ~ year -> QM(1) 1.3863, p 0.2390, slope 0.0037
    d = load("dat.crede2010")
    g = d[d.criterion == "grade"]
    y, v = fisher_z(g.ri, g.ni)
    m = effect_vs(y, v, g.year, "year")
    assert abs(m.qm - 1.3863) <= 1e-3 and near(m.coef("year").estimate, 0.0037, P4)
    n = effect_vs(y, v, g.ni, "ni")
    assert n.k == 67 and n.coef("ni").name == "ni" and 0 <= n.qm_p <= 1
