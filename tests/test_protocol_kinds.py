"""Criterion kinds as protocol data: the typed API an editor builds on, validation, TOML round trip,
the old protocol shape read into the same criteria, and the record-field kinds (years, languages)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from db.errors import InputError
from screening.criteria import assess_record
from screening.criteria.kinds import PARAM_TYPES, check_param
from screening.protocol import (
    CRITERION_KINDS,
    CriterionSpec,
    bundled_protocol_text,
    bundled_protocols,
    default_protocol,
    load_protocol_text,
    protocol_from_data,
    protocol_to_toml,
    spec_data,
)

OLD_SHAPE = Path(__file__).parent / "data" / "protocols" / "alliance_v1_old_shape.toml"
REASONS = {"title_abstract": ["not about CBT", "not adults", "not an RCT", "too old", "not English"]}


def test_every_kind_describes_typed_parameters_with_valid_defaults():
    assert set(CRITERION_KINDS) == {"concept", "age", "setting", "design", "sample_size", "years", "language"}
    for kind in CRITERION_KINDS.values():
        assert kind.label and kind.help and kind.params
        for p in kind.params:
            assert p.type in PARAM_TYPES and p.help, (kind.name, p.name)
            if p.type == "choice":
                assert p.default in p.choices
            assert check_param(p, p.default) is None, (kind.name, p.name)


def test_spec_is_frozen_and_protocol_lists_its_criteria_specs():
    p = default_protocol()
    assert [s.kind for s in p.criteria_specs] == ["concept", "setting", "sample_size", "age"]
    spec = p.spec("sample_size")
    assert isinstance(spec, CriterionSpec) and spec.params["min_participants"] == 5
    with pytest.raises(AttributeError):
        spec.id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.params["min_participants"] = 3  # type: ignore[index]


def _cbt_data() -> dict:
    return {
        "name": "cbt", "title": "CBT for depression", "exclusion_reasons": REASONS,
        "criterion": [
            {"id": "cbt", "kind": "concept", "label": "CBT", "reason": "not about CBT",
             "terms": ("cognitive behavio* therap*", "CBT")},
            {"id": "adult", "kind": "age", "label": "adults", "reason": "not adults"},
            {"id": "rct", "kind": "design", "label": "RCT", "reason": "not an RCT", "allowed": ["rct"]},
            {"id": "recent", "kind": "years", "label": "since 1990", "reason": "too old", "from_year": 1990},
            {"id": "english", "kind": "language", "label": "English", "reason": "not English", "allowed": ["en"]},
        ],
    }


def test_protocol_from_data_and_toml_round_trip():
    data = _cbt_data()
    p = protocol_from_data(data, "editor")
    assert p.criteria == ("cbt", "adult", "rct", "recent", "english")
    text = protocol_to_toml(data)
    assert "[[criterion]]" in text
    assert load_protocol_text(text, "saved.toml") == p
    for b in bundled_protocols():
        raw = tomllib.loads(bundled_protocol_text(b.key))
        assert load_protocol_text(protocol_to_toml(raw)) == protocol_from_data(raw)
    # a criterion written back with only the parameters that differ from the defaults
    slim = dict(data, criterion=[spec_data(s) for s in p.criteria_specs])
    assert protocol_from_data(slim).criteria_specs == p.criteria_specs


@pytest.mark.parametrize("change,message", [
    ({"kind": "vibes"}, r"\[\[criterion\]\] rct kind: unknown kind 'vibes'"),
    ({"allowed": ["rct", "anecdote"]}, r"\[\[criterion\]\] rct allowed: \[1\] 'anecdote': expected one of"),
    ({"allowed": "rct"}, r"\[\[criterion\]\] rct allowed: expected a list of strings"),
    ({"reason": "bad design"}, r"\[\[criterion\]\] rct reason: 'bad design' is not one of"),
    ({"min_participants": 5}, r"\[\[criterion\]\] rct min_participants: unknown parameter for kind 'design'"),
    ({"id": "Has Spaces"}, r"\[\[criterion\]\] 3 id: expected a short name"),
    ({"id": "adult"}, r"\[\[criterion\]\] adult: id used twice"),
])
def test_validation_names_the_criterion_and_key(change, message):
    data = _cbt_data()
    data["criterion"][2] = {**data["criterion"][2], **change}
    with pytest.raises(InputError, match=r"^editor: " + message):
        protocol_from_data(data, "editor")
    with pytest.raises(InputError):
        protocol_to_toml(data, "editor")


def test_parameter_bounds_and_shapes_are_checked():
    data = _cbt_data()
    data["criterion"][1]["adult_age"] = 40
    with pytest.raises(InputError, match=r"adult adult_age: expected a whole number <= 30"):
        protocol_from_data(data, "p")
    data = _cbt_data()
    data["criterion"][0]["terms"] = ["re:(CBT"]
    with pytest.raises(InputError, match=r"cbt terms: \[0\] 're:\(CBT': is not a valid regular expression"):
        protocol_from_data(data, "p")
    data = _cbt_data()
    data["terms"] = {"minors": ["kids"]}
    with pytest.raises(InputError, match=r"cannot be mixed with the old \[criteria\] / \[terms\] shape"):
        protocol_from_data(data, "p")
    data = _cbt_data()
    del data["exclusion_reasons"]
    with pytest.raises(InputError, match=r"needs \[exclusion_reasons\] title_abstract"):
        protocol_from_data(data, "p")


def test_old_shape_protocol_gives_the_same_criteria_as_the_bundled_one():
    old = load_protocol_text(OLD_SHAPE.read_text(encoding="utf-8"), "old.toml", fallback_terms=False)
    new = default_protocol()
    assert old.criteria_specs == new.criteria_specs
    assert old.terms == new.terms and old.min_participants == new.min_participants == 5


def test_bundled_protocols_are_named_with_titles():
    found = {b.key: b for b in bundled_protocols()}
    assert bundled_protocols()[0].key == "alliance"
    assert found["alliance"].title.startswith("Alliance and outcome")
    with pytest.raises(InputError, match="no bundled protocol 'nope'; expected one of alliance"):
        bundled_protocol_text("nope")


def test_years_and_language_read_the_record_fields():
    p = protocol_from_data(_cbt_data())
    english = "Patients with depression were randomized to cognitive behavioral therapy or waitlist in the trial."
    a = assess_record("CBT trial", english, [], p, year=1985, language="")
    assert a.criteria["recent"].verdict == "not_met" and a.criteria["english"].verdict == "met"
    assert assess_record("CBT", english, [], p).criteria["recent"].verdict == "unclear"
    assert assess_record("CBT", english, [], p, year=2001, language="ger").criteria["english"].verdict == "not_met"
    german = ("Die Patienten mit einer Depression wurden in der Studie zufällig einer kognitiven "
              "Verhaltenstherapie oder einer Wartegruppe zugewiesen, und die Ergebnisse waren bei den "
              "Patienten nach der Behandlung stabil.")
    assert assess_record("KVT", german, [], p, year=2001).criteria["english"].verdict == "not_met"
