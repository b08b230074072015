"""Abstracts read as a careful screener does: adults, clinical samples, sample sizes, designs, age groups,
settings and languages (issue 17's hard cases). Every abstract is written for these tests (fictional)."""

from __future__ import annotations

import pytest

from screening.criteria import assess_record
from screening.criteria.record_fields import detect_language, language_codes
from screening.protocol import bundled_protocol, protocol_from_data


def v(name: str, abstract: str, title: str = "", protocol=None) -> str:
    return assess_record(title, abstract, [], protocol).criteria[name].verdict


def test_the_issues_examples():
    volunteers = "Ninety healthy adult volunteers took part in the study of working alliance ratings."
    assert v("adult", volunteers) == "met"
    assert v("clinical", volunteers) == "not_met"
    gad = ("Adults with generalized anxiety disorder were treated with applied relaxation; the therapeutic "
           "alliance was rated after every session by 40 patients.")
    assert v("clinical", gad) == "met" and v("adult", gad) == "met"
    ptsd = ("Eighty veterans with PTSD receiving prolonged exposure therapy rated the working alliance; alliance "
            "predicted symptom change.")
    assert v("clinical", ptsd) == "met" and v("adult", ptsd) == "met"


@pytest.mark.parametrize("abstract,verdict", [
    ("Participants aged 18-65 years rated the alliance.", "met"),
    ("University students seeking counselling rated the alliance.", "met"),
    ("Employees on sick leave for depression received counselling.", "met"),
    ("Older adults with late-life depression were treated with problem-solving therapy.", "met"),
    ("Women with bulimia nervosa attended group therapy.", "met"),
    ("Forty couples in couple therapy rated the alliance.", "met"),
    ("Children aged 8 to 12 years with anxiety were treated in a clinic.", "not_met"),
    ("Adolescents in outpatient treatment rated the alliance.", "not_met"),
    ("Clients aged 15 to 25 years of a youth service rated the alliance.", "unclear"),
    ("Parents of 60 children aged 6 to 11 rated the alliance with their child's therapist.", "not_met"),
    ("Outpatients with depression rated the alliance.", "unclear"),
    ("Wistar rats were exposed to chronic mild stress.", "not_met"),
])
def test_adults(abstract, verdict):
    assert v("adult", abstract) == verdict


def test_career_counselling_is_neither_clinical_nor_analogue():
    text = ("Career counseling with 40 veterans, 23 of whom have PTSD, who had requested career counseling at a VA "
            "hospital; they completed the Working Alliance Inventory.")
    a = assess_record("Working alliance in career counseling for veterans with PTSD", text)
    assert a.criteria["clinical"].verdict == "unclear" and a.suggestion != "exclude"


def test_adult_and_adolescent_patients_are_both():
    assert v("adult", "Adult and adolescent patients with Tourette's disorder were treated.") == "unclear"


def test_clinical_samples_of_children_are_clinical_but_not_adult():
    text = "Fifty children with anxiety disorders were treated with cognitive-behavioral therapy in a clinic."
    assert v("clinical", text) == "met" and v("adult", text) == "not_met"


@pytest.mark.parametrize("abstract", [
    "Die Patienten mit einer Depression wurden ambulant mit kognitiver Verhaltenstherapie behandelt.",
    "Des adultes souffrant de dépression ont été traités par thérapie cognitivo-comportementale.",
    "Pazienti adulti con disturbo di panico sono stati trattati in psicoterapia ambulatoriale.",
    "Veterans with PTSD completed treatment in a VA program.",
    "Adults with major depression were randomly assigned to twelve sessions of cognitive therapy or a waitlist.",
])
def test_problem_and_treatment_are_clinical_in_four_languages(abstract):
    assert v("clinical", abstract) == "met"


@pytest.mark.parametrize("abstract", [
    "Sixty undergraduates role-played clients in a 20-minute session and rated the alliance.",
    "Psychologists read vignettes describing a depressed client and rated the expected alliance.",
    "Medical students interviewed standardized patients portraying depression.",
    "Psychology students viewed recordings of real therapy sessions and rated the alliance, as 40 students did.",
    "Healthy volunteers received a single dose of the drug; none of the participants was in treatment.",
    "Nurses were randomly assigned to a stress management course or a waiting list.",
    "Trainees rated the supervisory working alliance with their supervisors.",
    "Vierzig Studierende führten Rollenspiele mit simulierten Patienten durch.",
    "Quarante étudiants ont participé à des jeux de rôle avec des patients simulés.",
    "An online survey of 900 university students measured depressive symptoms.",
])
def test_analogue_and_non_treatment_studies_are_not_clinical(abstract):
    assert v("clinical", abstract) == "not_met"


@pytest.mark.parametrize("abstract,n", [
    ("Observers rated 450 sessions from the treatments of 30 outpatients.", 30),
    ("Forty-eight therapists treated 212 clients at a training clinic.", 212),
    ("This case study follows one patient over thirty sessions of psychodynamic psychotherapy.", 1),
    ("Sixty-two couples in couple therapy took part.", 124),
    ("Bei 45 Kindern wurde die Allianz erhoben.", 45),
    ("Insgesamt 850 Studierende nahmen teil.", 850),
])
def test_sample_size_counts_participants(abstract, n):
    r = assess_record("", abstract).criteria["sample_size"]
    assert r.extra["n"] == n


def test_raters_or_therapists_only_leave_the_sample_unclear():
    r = assess_record("", "Twelve therapists rated the alliance in 400 sessions.").criteria
    assert r["sample_size"].verdict == "unclear" and r["sample_size"].extra["n"] is None
    r = assess_record("", "Three trained raters coded 360 session recordings with the WAI-O.").criteria
    assert r["sample_size"].verdict == "unclear"


@pytest.mark.parametrize("abstract,n", [
    ("Two hundred licensed psychologists read vignettes and rated them.", 200),
    ("An online survey of 534 psychotherapists in private practice asked how they measure outcome.", 534),
    ("Sechsundvierzig Psychotherapeutinnen in Ausbildung führten Rollenspiele mit Schauspielpatienten durch.", 46),
])
def test_professionals_are_the_sample_when_no_patient_is_treated(abstract, n):
    """Therapists surveyed, or trainees in an analogue design, are the participants (and adults)."""
    r = assess_record("", abstract).criteria
    assert r["sample_size"].extra["n"] == n and r["sample_size"].verdict == "met"
    assert r["adult"].verdict == "met"


@pytest.mark.parametrize("abstract,n", [
    ("Sechzig männliche Ratten wurden chronischem Stress ausgesetzt.", 60),
    ("Trentadue specializzandi hanno condotto colloqui con pazienti simulati.", 32),
    ("Quarante-deux infirmières ont participé à un atelier.", 42),
    ("Patients aged 17 to 64 years (N = 164) referred to an outpatient clinic were randomised.", 164),
    ("Forty couples completed the alliance scale.", 80),
])
def test_a_count_opening_a_sentence_or_in_parentheses_is_the_sample(abstract, n):
    assert assess_record("", abstract).criteria["sample_size"].extra["n"] == n


@pytest.mark.parametrize("title,abstract,design", [
    ("CBT for depression: a randomised controlled trial", "Adults were randomised to CBT or waitlist.", "rct"),
    ("", "This systematic review of 24 randomized controlled trials found moderate effects.", "review"),
    ("", "This meta-analysis synthesised 30 randomized trials of CBT.", "meta_analysis"),
    ("Study protocol", "Participants will be randomised to CBT or usual care.", "protocol"),
    ("", "We followed 200 patients over two years after discharge.", "cohort"),
    ("", "Semi-structured interviews were conducted with twelve clients.", "qualitative"),
    ("", "This case report describes a 32-year-old man treated with exposure.", "case_report"),
    ("", "Previous randomized trials showed effects; in this naturalistic study 300 patients were followed.",
     "cohort"),
])
def test_design_is_read_from_design_phrases(title, abstract, design):
    r = assess_record(title, abstract, [], bundled_protocol("cbt_depression")).criteria["rct"]
    assert r.extra.get("design") == design
    assert r.verdict == ("met" if design == "rct" else "not_met")


def test_no_design_phrase_is_unclear():
    r = assess_record("", "Forty outpatients rated the alliance; it predicted outcome.", [],
                      bundled_protocol("cbt_depression")).criteria["rct"]
    assert r.verdict == "unclear"


def _protocol(kind: str, **params) -> object:
    return protocol_from_data({"name": "p", "exclusion_reasons": {"title_abstract": ["no"]},
                               "criterion": [{"id": "c", "kind": kind, "reason": "no", **params}]})


@pytest.mark.parametrize("group,abstract,verdict", [
    ("older_adults", "Participants aged 65 to 85 years with depression were treated.", "met"),
    ("older_adults", "Participants aged 40 to 85 years with depression were treated.", "unclear"),
    ("older_adults", "Adults with depression were treated.", "unclear"),
    ("older_adults", "Children with anxiety were treated.", "not_met"),
    ("children", "Children aged 6 to 10 with anxiety were treated.", "met"),
    ("children", "Children and adolescents aged 8 to 17 were treated.", "unclear"),
    ("children", "Adults aged 20 to 60 were treated.", "not_met"),
    ("adolescents", "Adolescents aged 13 to 17 years were treated.", "met"),
    ("minors", "Children and adolescents were treated.", "met"),
    ("minors", "Adults were treated.", "not_met"),
])
def test_other_age_groups(group, abstract, verdict):
    assert v("c", abstract, protocol=_protocol("age", group=group)) == verdict


def test_non_clinical_setting_turns_the_verdict_round():
    p = _protocol("setting", wanted="non_clinical")
    assert v("c", "Sixty undergraduates role-played clients in a mock session.", protocol=p) == "met"
    assert v("c", "Outpatients with depression were treated with psychotherapy.", protocol=p) == "not_met"


@pytest.mark.parametrize("text,code", [
    ("The patients were treated with cognitive therapy and the alliance was rated after the third session.", "en"),
    ("Die Patienten wurden mit einer Verhaltenstherapie behandelt und die Allianz wurde erhoben.", "de"),
    ("Les patients ont été traités par une psychothérapie et l'alliance a été mesurée.", "fr"),
    ("I pazienti sono stati trattati con la psicoterapia e l'alleanza è stata valutata.", "it"),
    ("Los pacientes fueron tratados con psicoterapia y la alianza se evaluó al final.", "es"),
    ("Alliance", None),
])
def test_language_detection(text, code):
    assert detect_language(text) == code


def test_language_field_names():
    assert language_codes("eng; ger") == ["en", "de"]
    assert language_codes("French") == ["fr"] and language_codes("it-IT") == ["it"]
    assert language_codes("Klingon") == []


def test_an_animal_study_is_excluded_as_not_human_not_as_children():
    a = assess_record("Fluoxetine and depressive-like behaviour in rats",
                      "Adult male Wistar rats (n = 40) were exposed to chronic mild stress and given fluoxetine.")
    assert a.criteria["adult"].verdict == "not_met" and a.criteria["clinical"].verdict == "not_met"
    assert a.suggestion == "exclude"
    assert "not human participants: an animal study (rats)" in a.reasons
    assert not any(r.startswith("children or adolescents") for r in a.reasons)
    assert len(a.reasons) == len(set(a.reasons))
    # children are still excluded as children
    kids = assess_record("", "Sixty children aged 7 to 12 with anxiety were treated with CBT; the alliance was rated.")
    assert any(r.startswith("children or adolescents") for r in kids.reasons)
