"""One number formatter (`extraction.apa`) for the CLI, the screens and the plots; --json keeps full precision."""

from __future__ import annotations

import json
import math
import re

import pytest

from cli.app import main
from extraction import apa
from extraction.demo_worked import build_worked_demo


@pytest.mark.parametrize(("p", "text"), [(0.0321, "p = .032"), (0.0004, "p < .001"), (0.001, "p = .001"),
                                         (0.00099, "p < .001"), (0.5, "p = .500"), (0.9996, "p > .999"),
                                         (1.0, "p > .999"), (None, "p —"), (math.nan, "p —")])
def test_p_values_in_apa_style(p, text):
    assert apa.p_value(p) == text
    assert apa.p_cell(p) == text.removeprefix("p ").removeprefix("= ")


def test_bounded_numbers_counts_and_intervals():
    assert (apa.bounded(0.3123), apa.bounded(-0.25, 3), apa.bounded(-0.0001), apa.bounded(1.0)) == \
        (".31", "-.250", ".00", "1.00")
    assert (apa.number(-0.0001), apa.number(6.514, 2), apa.number(None)) == ("0.00", "6.51", "—")
    assert apa.count(1234567) == "1,234,567" and apa.interval((0.169, 0.308)) == "[.17, .31]"


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    db = build_worked_demo(tmp_path_factory.mktemp("worked"))
    yield db.target
    db.close()


def _text(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("argv", [["status"], ["pool", "--by", "alliance_rater"], ["studies"],
                                  ["effects"], ["agreement"], ["prisma"], ["samples"], ["duplicates"],
                                  ["history", "--record", "39000003"]])
def test_human_output_has_no_raw_python(worked, capsys, argv):
    out = _text(capsys, argv[0], worked, *argv[1:])
    for raw in (r"\bTrue\b", r"\bFalse\b", r"\bNone\b", r"\{", r"\}", "title_abstract", "full_text", r"\bnan\b"):
        assert not re.search(raw, out), (raw, out)
    numbers = [w for w in out.replace(",", " ").replace("]", " ").replace("[", " ").split() if "." in w]
    assert all(len(w.split(".")[-1].rstrip("%")) <= 4 for w in numbers if w.lstrip("-.").replace(".", "")
               .isdigit()), numbers


def test_pool_text_in_apa_style_and_json_in_full_precision(worked, capsys):
    out = _text(capsys, "pool", worked)
    assert "p < .001" in out and "r = .240 [.169, .308]" in out
    data = json.loads(_text(capsys, "pool", worked, "--json"))
    assert len(repr(data["estimate_r"])) > 8 and data["p"] < 0.001


def test_convert_rounds_for_people_only(capsys):
    out = _text(capsys, "convert", "--from", "t", "--value", "2.5", "--df", "40")
    assert out.startswith("r = .368\n")
    data = json.loads(_text(capsys, "convert", "--from", "t", "--value", "2.5", "--df", "40", "--json"))
    assert data["r"] == pytest.approx(2.5 / math.sqrt(2.5 ** 2 + 40), rel=1e-15)


def test_percentages_one_decimal():
    assert (apa.percent(45.678), apa.percent(0.0), apa.percent(None), apa.percent(99.96, 0)) == \
        ("45.7%", "0.0%", "—", "100%")


def _strong_effects(path):
    """Twelve studies of three effects each, all near r = .3 with n of 60 to 120: every p far below .0001."""
    rows = ["study,effect,yi,vi,ri,ni"]
    for s in range(12):
        for e in range(3):
            yi, n = 0.30 + 0.02 * ((s * 7 + e * 3) % 5 - 2), 60 + 20 * ((s + 2 * e) % 4)
            rows.append(f"S{s},{e},{yi:.4f},{1 / (n - 3):.6f},{math.tanh(yi):.4f},{n}")
    path.write_text("\n".join(rows) + "\n")
    return str(path)


OLD_P = re.compile(r"<\.0001|p = 0?\.\d{4}")


def test_diagnose_and_multilevel_print_p_values_in_apa_style(tmp_path, capsys):
    """metafor prints "<.0001" and 4-decimal p values; MetaSift's text says "< .001" / ".032" everywhere."""
    table = _strong_effects(tmp_path / "effects.csv")
    for argv in (["diagnose", "leave1out", table, "--r", "ri", "--n", "ni"],
                 ["diagnose", "cumulative", table, "--r", "ri", "--n", "ni"],
                 ["diagnose", "bias", table, "--r", "ri", "--n", "ni"],
                 ["multilevel", table, "--cluster", "study", "--robust", "CR2"]):
        out = _text(capsys, *argv)
        assert "<.0001" not in out and not OLD_P.search(out), (argv, out)
        assert "< .001" in out or "p < .001" in out, (argv, out)
    out = _text(capsys, "diagnose", "leave1out", table, "--r", "ri", "--n", "ni")
    head, first = out.splitlines()[:3:2]
    assert head.split()[3] == "p" and first.split()[4:6] == ["<", ".001"] and re.search(r"\d\.\d%$", first), out
    assert "I²" in head.split()


def test_pool_prints_i2_with_one_decimal(worked, capsys):
    out = _text(capsys, "pool", worked, "--by", "alliance_rater")
    assert re.search(r"I² = \d+\.\d%,", out) and not re.search(r"I² = \d+\.\d\d%", out), out
    rows = [line for line in out.splitlines() if line.startswith(("client", "observer", "therapist"))]
    assert rows and all(re.search(r"\d\.\d%$", line) for line in rows), out


def test_plots_use_the_same_style(tmp_path):
    import numpy as np
    from matplotlib.text import Text

    from extraction.pooling.plots import forest_plot

    yi = np.array([0.30, 0.25, 0.41, 0.18, 0.35, 0.28])
    fig = forest_plot(yi, np.full(6, 0.0103))
    texts = [t.get_text() for t in fig.findobj(Text)]
    het = next(t for t in texts if t.startswith("Q("))
    assert re.search(r"p (=|<) \.\d{3}", het) and re.search(r"I² = \d+\.\d%", het), het
    assert not re.search(r"I² = \d+\.\d\d%", het)


@pytest.mark.gui
def test_the_analysis_screen_texts_use_the_same_style(qtbot):
    from PySide6.QtCore import Qt

    from extraction.pooling import PoolReport, PoolResult
    from extraction.pooling.diagnostics import leave_one_out
    from gui.analysis.model import refit_model, summary_html

    pooled = PoolResult(method="REML", k=12, estimate_z=0.311, se_z=0.019, ci_z=(0.26, 0.37), pi_z=(0.2, 0.42), z=16.4,
                        p=2e-60, tau2=0.00123, se_tau2=0.001, tau=0.035, i2=12.3456, h2=1.14, q=12.6, q_df=11, q_p=0.32,
                        estimate_r=0.3012, ci_r=(0.25, 0.35), pi_r=(0.2, 0.4), weights=())
    html = summary_html(PoolReport(pooled, None, 40, None), "#777")
    assert "I² = 12.3%" in html and "p &lt; .001" in html and "p = .320" in html and "<.0001" not in html
    yi = [0.30, 0.25, 0.41, 0.18, 0.35, 0.28]
    model = refit_model()
    model.set_items([r.labelled(f"-S{i}") for i, r in enumerate(leave_one_out(yi, [0.0103] * 6, "REML", "z"))])
    cells = {model.headerData(c, Qt.Orientation.Horizontal): model.data(model.index(0, c))
             for c in range(model.columnCount())}
    assert cells["p"] == "< .001" and re.fullmatch(r"\d+\.\d%", cells["I²"]), cells


@pytest.mark.gui
def test_a_moderator_without_a_between_test_says_why_not_none(qtbot):
    from dataclasses import replace

    from extraction.pooling.moderators import ModeratorRow
    from gui.analysis.model import moderator_model, moderator_rows

    model = moderator_model()
    row = ModeratorRow("language", "French", 1, 0.27, 0.1, 0.43, 0.003, 0.0, None, None, None,
                       "2 studies cannot estimate 2 coefficients and tau²")
    model.set_items(moderator_rows([row, replace(row, category="German")]))
    texts = [model.data(model.index(i, c)) for i in range(2) for c in range(model.columnCount())]
    assert not any("None" in str(t) for t in texts), texts
    assert "— (2 studies cannot estimate 2 coefficients and tau²)" in texts and "0.0%" in texts
