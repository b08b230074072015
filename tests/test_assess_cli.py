"""`metasift assess`: a real review, a RIS file imported through the importer, JSON on stdout."""

from __future__ import annotations

import json

from cli.app import main
from db.engine import create_review
from screening.importing import import_files
from screening.protocol import default_protocol_text

# Fictional studies written for this test: (id, title, abstract, keywords).
INC_ABSTRACT = ("Seventy-two adult outpatients (mean age 38.5 years) with major depression received sixteen "
                "sessions of cognitive therapy. The Working Alliance Inventory, rated after the third session, "
                "predicted symptom change at termination.")
STUDIES = [
    ("inc-1", "Early working alliance and symptom change in outpatient psychotherapy", INC_ABSTRACT,
     ["working alliance", "outcome"]),
    ("org-1", "Adjuvant chemotherapy in stage III colon cancer",
     "Patients (N = 2,310) were randomly assigned in a cooperative group trial conducted by the Alliance for "
     "Clinical Trials in Oncology (CALGB). Disease-free survival was the primary end point.", []),
    ("kid-1", "Die therapeutische Allianz in der Psychotherapie mit Kindern",
     "Bei 45 Kindern im Alter von 8 bis 12 Jahren wurde die therapeutische Allianz in der ambulanten "
     "Psychotherapie erhoben und mit dem Therapieerfolg verknüpft.", []),
    ("notitle-abs", "Alliance and outcome in brief psychotherapy", "", []),
]


def ris_text() -> str:
    lines: list[str] = []
    for sid, title, abstract, keywords in STUDIES:
        lines += ["TY  - JOUR", f"ID  - {sid}", f"TI  - {title}"]
        lines += [f"AB  - {abstract}"] if abstract else []
        lines += [f"KW  - {k}" for k in keywords]
        lines += ["ER  -", ""]
    return "\n".join(lines)


def _review(tmp_path, protocol: str | None = None) -> str:
    path = tmp_path / "assess.metasift"
    db = create_review(path, title="Assess test", protocol=protocol)
    ris = tmp_path / "search.ris"
    ris.write_text(ris_text(), encoding="utf-8")
    try:
        import_files(db, [ris])
    finally:
        db.close()
    return str(path)


def test_assess_json(tmp_path, capsys):
    path = _review(tmp_path, default_protocol_text())
    assert main(["assess", path, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    recs = {r["source_id"]: r for r in data["records"]}
    assert set(recs) == {"inc-1", "org-1", "kid-1", "notitle-abs"}

    inc = recs["inc-1"]
    assert inc["suggestion"] == "include"
    assert set(inc["criteria"]) == {"alliance", "clinical", "sample_size", "adult"}
    assert inc["criteria"]["sample_size"]["n"] == 72
    ev = inc["criteria"]["alliance"]["evidence"]
    assert {e["field"] for e in ev} == {"title", "abstract", "keywords"}
    fields = {"title": inc["title"], "abstract": INC_ABSTRACT, "keywords": "working alliance; outcome"}
    for e in ev:
        assert set(e) == {"start", "end", "text", "field", "polarity"}
        assert fields[e["field"]][e["start"]:e["end"]] == e["text"]

    org = recs["org-1"]
    assert org["criteria"]["alliance"]["verdict"] == "not_met"
    assert org["suggestion"] == "exclude" and org["reasons"][0].startswith("no alliance measure")
    assert {e["polarity"] for e in org["criteria"]["alliance"]["evidence"]} == {"exclude"}

    kid = recs["kid-1"]
    assert kid["criteria"]["alliance"]["verdict"] == "met"
    assert kid["criteria"]["adult"]["verdict"] == "not_met"
    assert kid["suggestion"] == "exclude"

    assert recs["notitle-abs"]["suggestion"] == "unclear"
    assert data["counts"] == {"include": 1, "exclude": 2, "unclear": 1}


def test_assess_limit_text_and_default_protocol(tmp_path, capsys):
    path = _review(tmp_path, protocol=None)  # no protocol stored: the default applies
    assert main(["assess", path, "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "inc-1" in out and "org-1" in out and "kid-1" not in out
    assert "suggestions only" in out


def test_assess_uses_the_reviews_own_protocol(tmp_path, capsys):
    strict = default_protocol_text().replace("min_participants = 5", "min_participants = 100")
    path = _review(tmp_path, strict)
    assert main(["assess", path, "--json"]) == 0
    recs = {r["source_id"]: r for r in json.loads(capsys.readouterr().out)["records"]}
    assert recs["inc-1"]["criteria"]["sample_size"]["verdict"] == "not_met"
    assert recs["inc-1"]["suggestion"] == "exclude"


def test_assess_bad_protocol_and_missing_review(tmp_path, capsys):
    path = _review(tmp_path, 'name = "x"\n[criteria]\nmin_participants = -1\n')
    assert main(["assess", path, "--json"]) == 2
    assert "min_participants" in capsys.readouterr().err
    assert main(["assess", str(tmp_path / "nope.metasift")]) == 2
