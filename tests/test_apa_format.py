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
