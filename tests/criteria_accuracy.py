"""Per-criterion accuracy on the hand-labelled abstracts in tests/data/abstracts (tuning, held-out, fresh sets).

Shared by tests/test_criteria_accuracy.py (asserts the targets) and benchmarks/criteria_accuracy.py
(prints the table in docs/criteria-accuracy.md). Each abstract is assessed under the bundled alliance
and CBT-for-depression protocols and a design criterion that allows every primary-study design;
a verdict counts as right only when it equals the hand label (so "unclear" is wrong where the label
decides).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screening.criteria import Assessor
from screening.protocol import Protocol, bundled_protocol, protocol_from_data

DATA = Path(__file__).parent / "data" / "abstracts"
HALVES = ("tuning", "heldout")
SETS = (*HALVES, "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "fresh9", "fresh10")
"""The tuning half, the held-out half (written with it, before tuning), a fresh check written after
tuning ended (measured once, then tuned on in the next session), fresh2 (written before that session's
changes; its misses were listed once and so it was tuned on too), fresh3 (written before those changes
were committed, measured once unseen, then tuned on), fresh4 (written after those changes, measured once
unseen, then tuned on), fresh5 (measured once unseen, then small general fixes) and fresh6 (written after the
last engine change of session 7, measured once, never tuned on), then fresh7 and fresh8 (session 8: both written
before any engine change of that session and measured once unseen; fresh7 then tuned on, fresh8 held out and
measured once more with the final engine), then fresh9 and fresh10 (session 9: both written before any
engine change of that session and measured once on the old engine; fresh10 then tuned on, fresh9 held out and
measured once more with the final engine, its misses read only then)."""
INCLUDED_LANGUAGES = {"eng": "en", "ger": "de", "fre": "fr", "ita": "it"}
PRIMARY = ["rct", "controlled_trial", "cohort", "cross_sectional", "case_report", "qualitative"]


def abstracts(half: str) -> list[dict[str, Any]]:
    """The labelled abstracts of one half."""
    return tomllib.loads((DATA / f"{half}.toml").read_text(encoding="utf-8"))["abstract"]


def _empirical() -> Protocol:
    data = dict(bundled_protocol("alliance").raw)
    data["criterion"] = [{"id": "empirical", "kind": "design", "label": "empirical study",
                          "reason": "not an empirical study", "allowed": PRIMARY}]
    return protocol_from_data(data, "empirical-design protocol")


def _n_verdict(n: int | None, minimum: int) -> str:
    return "unclear" if n is None else ("met" if n >= minimum else "not_met")


def _design_verdict(design: str, allowed: list[str]) -> str:
    return "unclear" if design == "unclear" else ("met" if design in allowed else "not_met")


def expected(a: dict[str, Any]) -> dict[str, str]:
    """Criterion row -> the verdict the hand labels give."""
    e = a["expect"]
    n = e.get("n")
    return {
        "alliance": e["alliance"], "clinical": e["clinical"], "adult": e["adult"],
        "sample_size (min 5)": _n_verdict(n, 5), "cbt": e["cbt"], "depression": e["depression"],
        "design: RCT only": _design_verdict(e["design"], ["rct"]),
        "design: primary studies": _design_verdict(e["design"], PRIMARY),
        "sample_size (min 10)": _n_verdict(n, 10),
        "years (1980 on)": "met" if a["year"] >= 1980 else "not_met",
        "language (field)": "met" if a["language"] in INCLUDED_LANGUAGES else "not_met",
        "language (detected)": "met" if a["language"] in INCLUDED_LANGUAGES else "not_met",
    }


ROWS = tuple(expected({"expect": {"alliance": "", "clinical": "", "adult": "", "cbt": "", "depression": "",
                                  "design": "unclear"}, "year": 2000, "language": "eng"}))


@dataclass
class Outcome:
    """Per criterion row: right count, total, and the wrong ones (id, got, expected)."""

    right: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    wrong: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    false_exclusions: list[tuple[str, str, list[str]]] = field(default_factory=list)
    meeting_all: dict[str, int] = field(default_factory=dict)

    def accuracy(self, row: str) -> float:
        return self.right[row] / self.total[row]


def _verdicts(a: dict[str, Any], assessors: dict[str, Assessor]) -> Iterator[tuple[str, str, Any]]:
    """(row, verdict, assessment) for one abstract."""
    title, abstract, year = a["title"], a["abstract"], a["year"]
    al = assessors["alliance"].assess(title, abstract, (), year=year, language=a["language"])
    cbt = assessors["cbt"].assess(title, abstract, (), year=year, language=a["language"])
    detected = assessors["cbt"].assess(title, abstract, (), year=year, language="")
    emp = assessors["empirical"].assess(title, abstract, (), year=year, language=a["language"])
    c = cbt.criteria
    yield from (("alliance", al.criteria["alliance"].verdict, al), ("clinical", al.criteria["clinical"].verdict, al),
                ("adult", al.criteria["adult"].verdict, al),
                ("sample_size (min 5)", al.criteria["sample_size"].verdict, al),
                ("cbt", c["cbt"].verdict, cbt), ("depression", c["depression"].verdict, cbt),
                ("design: RCT only", c["rct"].verdict, cbt),
                ("design: primary studies", emp.criteria["empirical"].verdict, emp),
                ("sample_size (min 10)", c["sample_size"].verdict, cbt), ("years (1980 on)", c["years"].verdict, cbt),
                ("language (field)", c["language"].verdict, cbt),
                ("language (detected)", detected.criteria["language"].verdict, detected))


def evaluate(half: str) -> Outcome:
    """Every row's accuracy on one half, and the suggested exclusions of records meeting every criterion."""
    assessors = {"alliance": Assessor(bundled_protocol("alliance")),
                 "cbt": Assessor(bundled_protocol("cbt_depression")),
                 "empirical": Assessor(_empirical())}
    out = Outcome()
    alliance_rows = ("alliance", "clinical", "adult", "sample_size (min 5)")
    cbt_rows = ("cbt", "depression", "adult", "design: RCT only", "sample_size (min 10)", "years (1980 on)",
                "language (field)")
    for a in abstracts(half):
        exp = expected(a)
        got: dict[str, tuple[str, Any]] = {}
        for row, verdict, assessment in _verdicts(a, assessors):
            got[row] = (verdict, assessment)
            out.total[row] = out.total.get(row, 0) + 1
            if verdict == exp[row]:
                out.right[row] = out.right.get(row, 0) + 1
            else:
                out.right.setdefault(row, 0)
                out.wrong.setdefault(row, []).append((a["id"], verdict, exp[row]))
        for name, rows in (("alliance", alliance_rows), ("cbt_depression", cbt_rows)):
            if all(exp[r] == "met" for r in rows):
                out.meeting_all[name] = out.meeting_all.get(name, 0) + 1
                assessment = got[rows[0]][1]
                if assessment.suggestion == "exclude":
                    out.false_exclusions.append((a["id"], name, assessment.reasons))
    return out
