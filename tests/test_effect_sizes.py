"""Conversions to r: hand-computed values (arithmetic in the comments), validation, property tests, CLI."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.app import main
from db.errors import InputError
from extraction.effect_sizes import (
    Conversion,
    convert,
    d_from_or,
    fisher_z,
    r_from_chi2,
    r_from_d,
    r_from_f,
    r_from_p,
    r_from_t,
    r_from_z,
    var_z,
)

TOL = 1e-9


# ------------------------------------------------------------------ single conversions, by hand


def test_r_from_t_exact_values() -> None:
    assert r_from_t(3, 16) == pytest.approx(0.6, abs=TOL)      # 3 / sqrt(9 + 16) = 3/5
    assert r_from_t(-4, 9) == pytest.approx(-0.8, abs=TOL)     # -4 / sqrt(16 + 9) = -4/5
    assert r_from_t(0, 30) == 0.0
    assert r_from_t(2.5, 40) == pytest.approx(2.5 / math.sqrt(6.25 + 40), abs=TOL)


def test_r_from_f_uses_the_coders_direction() -> None:
    assert r_from_f(9, 16) == pytest.approx(0.6, abs=TOL)                 # sqrt(9 / (9 + 16)) = 3/5
    assert r_from_f(9, 16, direction=-1) == pytest.approx(-0.6, abs=TOL)
    assert r_from_f(0, 10) == 0.0


def test_f_with_more_than_one_numerator_df_is_refused() -> None:
    with pytest.raises(InputError, match="numerator degree"):
        r_from_f(4.0, 40, df1=2)
    with pytest.raises(InputError, match="numerator degree"):
        convert("F", 4.0, df=(3, 40))


def test_r_from_d_with_and_without_group_sizes() -> None:
    assert r_from_d(1.0) == pytest.approx(0.4472135954999579, abs=TOL)   # 1 / sqrt(1 + 4) = 1/sqrt(5)
    # n1 = 10, n2 = 40: a = 50² / 400 = 6.25; d = 2.5: 2.5 / sqrt(6.25 + 6.25) = 1/sqrt(2)
    assert r_from_d(2.5, 10, 40) == pytest.approx(0.7071067811865476, abs=TOL)
    # equal groups give a = (2m)² / m² = 4, the same as no group sizes
    assert r_from_d(-0.8, 25, 25) == pytest.approx(-0.8 / math.sqrt(0.64 + 4), abs=TOL)
    with pytest.raises(InputError, match="both group sizes"):
        r_from_d(0.5, 10, None)


def test_r_from_chi2() -> None:
    assert r_from_chi2(9, 100) == pytest.approx(0.3, abs=TOL)                # sqrt(9 / 100)
    assert r_from_chi2(9, 100, direction=-1) == pytest.approx(-0.3, abs=TOL)
    with pytest.raises(InputError, match="exceeds N"):
        r_from_chi2(120, 100)


def test_r_from_p_closed_forms() -> None:
    # df = 2 (N = 4): the t CDF is 1/2 + t / (2 sqrt(t² + 2)), so r = t / sqrt(t² + 2) = 2F(t) − 1
    # = 2(1 − p/2) − 1 = 1 − p exactly.
    assert r_from_p(0.2, 4) == pytest.approx(0.8, abs=TOL)
    assert r_from_p(0.1, 4, tails=1) == pytest.approx(0.8, abs=TOL)             # one-tailed .1 -> .2
    assert r_from_p(0.2, 4, direction=-1) == pytest.approx(-0.8, abs=TOL)
    # df = 1 (N = 3), Cauchy: t = tan(π(1 − p)/2), r = t / sqrt(t² + 1) = sin(π(1 − p)/2) = cos(πp/2)
    assert r_from_p(0.5, 3) == pytest.approx(math.cos(math.pi / 4), abs=TOL)
    # df = 10, two-tailed .05: the tabled critical t is 2.228138851964938
    t = 2.228138851964938
    assert r_from_p(0.05, 12) == pytest.approx(t / math.sqrt(t * t + 10), abs=TOL)
    assert r_from_p(1.0, 50) == pytest.approx(0.0, abs=TOL)                     # p = 1 -> t = 0


def test_one_tailed_p_above_half_is_refused() -> None:
    with pytest.raises(InputError, match="one-tailed"):
        r_from_p(0.7, 40, tails=1)


def test_odds_ratio_and_fisher_z() -> None:
    # OR = exp(π/√3) -> d = ln(OR)·√3/π = 1 -> r = 1/√5
    assert d_from_or(math.exp(math.pi / math.sqrt(3))) == pytest.approx(1.0, abs=TOL)
    assert convert("or", math.exp(math.pi / math.sqrt(3))).r == pytest.approx(0.4472135954999579, abs=TOL)
    assert convert("or", 1.0).r == 0.0
    assert r_from_z(0.5) == pytest.approx((math.e - 1) / (math.e + 1), abs=TOL)   # (e^1 − 1)/(e^1 + 1)
    assert fisher_z(0.6) == pytest.approx(math.log(2), abs=TOL)                 # ½ ln(1.6/0.4) = ln 2
    assert fisher_z(1.0) == math.inf
    assert var_z(53) == pytest.approx(0.02, abs=TOL)                             # 1 / (53 − 3)


# ------------------------------------------------------------------ the front door


def test_convert_front_door() -> None:
    c = convert("t", 3, n=18)                               # df = n − 2 = 16: r = 3/5
    assert isinstance(c, Conversion)
    assert c.r == pytest.approx(0.6, abs=TOL)
    assert c.z == pytest.approx(math.log(2), abs=TOL)       # atanh(.6) = ln 2
    assert c.var_z == pytest.approx(1 / 15, abs=TOL)        # 1 / (18 − 3)
    assert "t" in c.method
    c = convert("d", 2.5, n1=10, n2=40)                     # n = 50
    assert c.r == pytest.approx(0.7071067811865476, abs=TOL)
    assert c.var_z == pytest.approx(1 / 47, abs=TOL)
    assert convert("t", 2.5, df=40).var_z is None           # n unknown
    assert convert("F", 9, df=(1, 16), direction=-1).r == pytest.approx(-0.6, abs=TOL)
    assert convert("chi2", 9, n=100).r == pytest.approx(0.3, abs=TOL)
    assert convert("p", 0.2, n=4).r == pytest.approx(0.8, abs=TOL)
    assert convert("z", 0.5).r == pytest.approx((math.e - 1) / (math.e + 1), abs=TOL)
    assert convert("r", 0.3, direction=-1).r == -0.3        # a reverse-scored outcome
    assert convert("t", -3, df=16, direction=-1).r == pytest.approx(0.6, abs=TOL)


@pytest.mark.parametrize(("statistic", "value", "kwargs", "message"), [
    ("r", 1.5, {}, r"\[-1, 1\]"),
    ("t", 2.0, {"df": 0}, "df must be > 0"),
    ("t", 2.0, {}, "degrees of freedom"),
    ("p", 0.0, {"n": 30}, r"\(0, 1\]"),
    ("p", 1.2, {"n": 30}, r"\(0, 1\]"),
    ("p", 0.05, {}, "sample size"),
    ("chi2", 4.0, {}, "sample size"),
    ("t", 2.0, {"df": 10, "n": 3}, "n must be >= 4"),
    ("d", math.inf, {}, "finite"),
    ("d", math.nan, {}, "finite"),
    ("or", 0.0, {}, "> 0"),
    ("or", -2.0, {}, "> 0"),
    ("F", -1.0, {"df": 10}, ">= 0"),
    ("chi2", -1.0, {"n": 10}, ">= 0"),
    ("q", 1.0, {}, "unknown statistic"),
    ("t", 2.0, {"df": 10, "direction": 0}, "direction"),
    ("t", 2.0, {"df": 10, "tails": 3}, "tails"),
    ("d", 0.5, {"n": 40, "n1": 10, "n2": 20}, "n1 \\+ n2"),
    ("t", "2.0", {"df": 10}, "must be a number"),
])
def test_convert_refuses_bad_input_with_a_clear_message(statistic: str, value: object, kwargs: dict,
                                                         message: str) -> None:
    with pytest.raises(InputError, match=message):
        convert(statistic, value, **kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------ properties

_finite = st.floats(allow_nan=False, allow_infinity=False)
_valid = st.one_of(
    st.tuples(st.just("r"), st.floats(-1, 1), st.just({})),
    st.tuples(st.just("t"), st.floats(-1e6, 1e6), st.builds(lambda df: {"df": df}, st.floats(0.5, 1e6))),
    st.tuples(st.just("F"), st.floats(0, 1e6), st.builds(lambda df: {"df": df}, st.floats(0.5, 1e6))),
    st.tuples(st.just("d"), st.floats(-50, 50),
              st.one_of(st.just({}), st.builds(lambda a, b: {"n1": a, "n2": b}, st.integers(2, 500),
                                               st.integers(2, 500)))),
    st.builds(lambda n, f: ("chi2", f * n, {"n": n}), st.integers(4, 10_000), st.floats(0, 1)),
    st.builds(lambda n, p: ("p", p, {"n": n}), st.integers(4, 10_000), st.floats(1e-300, 1)),
    st.builds(lambda n, p: ("p", p, {"n": n, "tails": 1}), st.integers(4, 10_000), st.floats(1e-300, 0.5)),
    st.tuples(st.just("or"), st.floats(1e-10, 1e10), st.just({})),
    st.tuples(st.just("z"), st.floats(-30, 30), st.just({})),
)


@settings(max_examples=300, deadline=None)
@given(_valid, st.sampled_from([1, -1]))
def test_valid_inputs_give_a_correlation_that_round_trips(case: tuple, direction: int) -> None:
    statistic, value, kwargs = case
    c = convert(statistic, value, direction=direction, **kwargs)
    assert -1.0 <= c.r <= 1.0
    assert math.tanh(c.z) == pytest.approx(c.r, abs=1e-12)
    if abs(c.r) < 0.999:
        assert math.atanh(math.tanh(c.z)) == pytest.approx(c.z, rel=1e-9, abs=1e-12)
    if statistic == "z" and abs(value) < 5:
        assert c.z == pytest.approx(direction * value, rel=1e-9, abs=1e-12)


_anything = st.one_of(st.none(), st.floats(), st.integers(-10, 100), st.text(max_size=3))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["r", "t", "F", "d", "chi2", "p", "or", "z", "x", ""]),
       st.one_of(st.floats(), st.integers(-5, 5), st.text(max_size=3)),
       st.one_of(_anything, st.tuples(st.floats(), st.floats())),
       _anything, _anything, _anything,
       st.sampled_from([0, 1, 2, 3]), st.sampled_from([-2, -1, 0, 1, 2]))
def test_any_input_either_converts_or_raises_input_error(statistic: str, value: object, df: object,
                                                        n: object, n1: object, n2: object, tails: int,
                                                        direction: int) -> None:
    try:
        c = convert(statistic, value, df=df, n=n, n1=n1, n2=n2, tails=tails,  # type: ignore[arg-type]
                    direction=direction)
    except InputError:
        return
    assert -1.0 <= c.r <= 1.0
    assert c.var_z is None or c.var_z > 0


# ------------------------------------------------------------------ CLI


def test_cli_convert_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--from", "F", "--value", "9", "--df", "1,16", "--n", "18", "--direction", "-1",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["r"] == pytest.approx(-0.6, abs=TOL)          # -sqrt(9 / 25)
    assert data["z"] == pytest.approx(-math.log(2), abs=TOL)  # atanh(-.6)
    assert data["var_z"] == pytest.approx(1 / 15, abs=TOL)    # 1 / (18 − 3)
    assert "F" in data["method"]


def test_cli_convert_without_n_has_null_variance(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--from", "d", "--value", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["r"] == pytest.approx(1 / math.sqrt(5), abs=TOL)
    assert data["var_z"] is None


def test_cli_convert_text_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--from", "t", "--value", "3", "--df", "16"]) == 0
    assert "r = .600" in capsys.readouterr().out
    assert main(["convert", "--from", "F", "--value", "4", "--df", "2,40"]) == 2
    assert "numerator" in capsys.readouterr().err
    assert main(["convert", "--from", "p", "--value", "0.03"]) == 2
    assert "sample size" in capsys.readouterr().err
    assert main(["convert", "--from", "t", "--value", "3", "--df", "x"]) == 2
    assert "--df" in capsys.readouterr().err


def test_chi2_with_more_than_one_df_is_refused_unless_a_table_is_given() -> None:
    # issue 15: chi²(3) = 9, N = 100 used to give r = .30 silently
    with pytest.raises(InputError, match=r"chi-square\(3\) = 9 has no single correlation"):
        convert("chi2", 9, n=100, df=3)
    assert convert("chi2", 9, n=100, df=1).r == pytest.approx(0.3, abs=TOL)
    conv = convert("chi2", 4, df=3, table=(30, 20, 20, 30))
    assert conv.r == pytest.approx(0.2, abs=TOL) and conv.var_z == pytest.approx(1 / 97)  # (900-400)/2500
    assert convert("chi2", 4, table=(20, 30, 30, 20)).r == pytest.approx(-0.2, abs=TOL)
    with pytest.raises(InputError, match="empty row or column"):
        convert("chi2", 4, table=(0, 0, 3, 4))
    with pytest.raises(InputError, match="holds 100"):
        convert("chi2", 4, n=90, table=(30, 20, 20, 30))
    with pytest.raises(InputError, match="chi2 only"):
        convert("t", 2, n=40, table=(30, 20, 20, 30))


def test_phi_of_a_table_squares_to_r_chisq_test() -> None:
    from extraction.effect_sizes import phi_from_table
    from tests.r_oracle import run_r

    tables = [(30, 20, 20, 30), (12, 5, 7, 40), (3, 17, 9, 9)]
    chi = run_r("out <- sapply(list(" + ", ".join(f"c({a}, {b}, {c}, {d})" for a, b, c, d in tables) + "), "
                "function(x) unname(chisq.test(matrix(x, 2, byrow = TRUE), correct = FALSE)$statistic))",
                packages=("jsonlite",))
    for t, x2 in zip(tables, chi, strict=True):
        assert sum(t) * phi_from_table(*t) ** 2 == pytest.approx(x2, rel=1e-12)


def test_z_test_statistic_is_not_fishers_z() -> None:
    conv = convert("ztest", 3.0, n=100)
    assert conv.r == pytest.approx(0.3, abs=TOL) and conv.method.startswith("r = z / sqrt(N)")
    assert convert("ztest", -2.0, n=16).r == pytest.approx(-0.5, abs=TOL)
    assert convert("z", 0.3).r == pytest.approx(math.tanh(0.3), abs=TOL)  # Fisher's z stays Fisher's z
    with pytest.raises(InputError, match="sample size"):
        convert("ztest", 3.0)
    with pytest.raises(InputError, match=r"\|r\| > 1"):
        convert("ztest", 11.0, n=100)
