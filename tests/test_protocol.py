"""Protocol files: the bundled alliance protocol, term lists, and validation errors naming file and key."""

from __future__ import annotations

import pytest

from db.errors import InputError
from screening.criteria import assess_record
from screening.protocol import CRITERIA, TERM_LISTS, default_protocol, default_protocol_text, load_protocol_text


def test_default_protocol_loads_with_every_term_list():
    p = load_protocol_text(default_protocol_text(), "alliance.toml", fallback_terms=False)
    assert p.name == "alliance-outcome" and p.title.startswith("Alliance and outcome")
    assert p.criteria == CRITERIA
    assert set(p.terms) == set(TERM_LISTS) and all(p.terms[k] for k in TERM_LISTS)
    assert p.min_participants == 5 and p.adult_age == 18
    assert p.criterion_reasons["adult"] in p.exclusion_reasons["title_abstract"]
    assert "vignette" in p.exclude_keywords and "Allianz" in p.include_keywords


MINIMAL = 'name = "empathy"\ntitle = "Empathy and outcome"\n'


def test_missing_term_lists_fall_back_to_the_default():
    p = load_protocol_text(MINIMAL, "empathy.toml")
    assert p.name == "empathy" and p.terms == default_protocol().terms
    with pytest.raises(InputError, match=r"empathy\.toml: \[terms\] is missing"):
        load_protocol_text(MINIMAL, "empathy.toml", fallback_terms=False)


def test_a_review_can_bring_its_own_terms_and_switch_criteria_off():
    text = MINIMAL + """
[criteria]
assess = ["alliance", "sample_size", "adult"]
adults_only = false
min_participants = 10

[terms]
alliance_qualified = ["empathy", "Empathie", "empathie", "empatia"]
alliance_measures = ["Barrett-Lennard Relationship Inventory"]
"""
    p = load_protocol_text(text, "empathy.toml")
    assert p.criteria == ("alliance", "sample_size")
    a = assess_record("", "Therapist empathy was rated by 8 clients in psychotherapy.", [], p)
    assert set(a.criteria) == {"alliance", "sample_size"}
    assert a.criteria["alliance"].verdict == "met"
    assert a.criteria["sample_size"].verdict == "not_met"  # 8 < 10
    # the default protocol does not know "empathy"
    assert assess_record("", "Therapist empathy was rated by 8 clients in psychotherapy.") \
        .criteria["alliance"].verdict == "not_met"


@pytest.mark.parametrize("body,message", [
    ('name = "x"\n[criteria]\nmin_participants = 0\n', r"\[criteria\] min_participants"),
    ('name = "x"\n[criteria]\nmin_participants = true\n', r"\[criteria\] min_participants"),
    ('name = "x"\n[criteria]\nadult_age = "18"\n', r"\[criteria\] adult_age"),
    ('name = "x"\n[criteria]\nassess = ["alliance", "bogus"]\n', r"\[criteria\] assess: unknown criterion 'bogus'"),
    ('name = "x"\n[criteria.reasons]\nadult = "too young"\n',
     r"\[criteria\.reasons\] adult: 'too young' is not one of"),
    ('name = "x"\n[terms]\nalliances = ["a"]\n', r"\[terms\] alliances: unknown term list"),
    ('name = "x"\n[terms]\nminors = "kids"\n', r"\[terms\] minors: expected a list of strings"),
    ('name = "x"\n[terms]\nminors = ["kids", ""]\n', r"\[terms\] minors\[1\] '': expected a non-empty"),
    ('name = "x"\n[terms]\nminors = ["re:(kids"]\n', r"\[terms\] minors\[0\] 're:\(kids': is not a valid regular"),
    ('name = "x"\n[stages]\nrule = "majority"\n', r"\[stages\] rule"),
    ('name = "x"\n[keywords]\ninclude = "alliance"\n', r"\[keywords\] include"),
    ('title = "no name"\n', r"needs a `name"),
    ('name = "x"\n[criteria\n', r"is not valid TOML"),
])
def test_validation_errors_name_the_file_and_key(body, message):
    reasons = '\n[exclusion_reasons]\ntitle_abstract = ["no alliance measure"]\n'
    text = body if "TOML" in message else body + reasons
    with pytest.raises(InputError, match=r"^my-protocol\.toml: .*" + message) as exc:
        load_protocol_text(text, "my-protocol.toml")
    assert exc.value.file == "my-protocol.toml"


def test_reason_must_be_a_listed_exclusion_reason():
    text = MINIMAL + '[exclusion_reasons]\ntitle_abstract = ["kids"]\n[criteria.reasons]\nadult = "kids"\n'
    assert load_protocol_text(text, "p.toml").criterion_reasons["adult"] == "kids"
