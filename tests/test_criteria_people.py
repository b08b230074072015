"""Groups of people named by role, occupation or status (screening/criteria/people.py) and what the adult,
setting and sample-size criteria read from them. Every abstract here is written for these tests."""

from __future__ import annotations

import pytest

from screening.criteria import MET, NOT_MET, UNCLEAR, assess_record
from screening.criteria.people import person_noun


def crit(name: str, abstract: str, title: str = "") -> dict:
    return assess_record(title, abstract, []).to_json()["criteria"][name]


@pytest.mark.parametrize("word", ["firefighters", "dockworkers", "bus drivers", "anaesthetists", "librarians",
                                  "Fluglotsinnen", "Zugbegleiter", "Auszubildende", "Inhaftierten", "Obdachlosen",
                                  "boulangers", "pompiers", "surveillants", "ambulanciers", "magistrati",
                                  "carabinieri", "ricercatori", "pensionati"])
def test_person_nouns_are_read_by_their_form(word):
    assert person_noun(word.split()[-1])


@pytest.mark.parametrize("word", ["numbers", "factors", "treatments", "components", "questionnaires", "données",
                                  "années", "risultati", "trattamenti", "Gebiete", "einige", "jährigen", "Wochenenden",
                                  "schools", "sessions", "weeks"])
def test_things_with_person_like_endings_are_not_people(word):
    assert not person_noun(word)


@pytest.mark.parametrize("abstract", [
    "Dockworkers (n = 212) at two container ports completed a questionnaire on shift work and mood.",
    "A survey of 418 long-distance bus drivers examined sleepiness and accidents.",
    "Einhundertzwölf Fluglotsinnen und Fluglotsen beantworteten Fragen zur Arbeitsbelastung.",
    "Quatre-vingt-dix surveillants pénitentiaires ont répondu à un questionnaire sur l'épuisement.",
    "Settantacinque carabinieri hanno compilato un questionario sul sonno.",
])
def test_a_counted_role_group_without_a_child_cue_is_adults(abstract):
    r = crit("adult", abstract)
    assert r["verdict"] == MET, r
    assert "role or occupation" in r["detail"]


@pytest.mark.parametrize("abstract", [
    # age-neutral words say nothing of age
    "Participants (n = 212) at municipal beaches completed a questionnaire on sun exposure and mood.",
    "Refugees (n = 140) in two reception centres reported their sleep.",
    # a school or class names pupils: the role words are not read as adults
    "Dockworkers (n = 40) and swimmers from 12 secondary schools completed a questionnaire.",
    # age-neutral and role groups together: whose age is asked is not clear
    "Ninety patients and 30 bus drivers (n = 120) completed a questionnaire on sleep.",
])
def test_age_neutral_groups_and_school_cues_stay_unclear(abstract):
    assert crit("adult", abstract)["verdict"] == UNCLEAR


def test_animals_counted_in_parentheses_are_no_role_group():
    r = crit("adult", "Golden hamsters (n = 40) kept in long days showed less anxiety-like behaviour.")
    assert r["verdict"] == NOT_MET


def test_stated_adult_ages_beside_a_youth_service_are_adult():
    abstract = ("Young adults aged 18 to 25 seen at a youth mental health service for depression (n = 88) rated "
                "the alliance with their clinician.")
    assert crit("adult", abstract)["verdict"] == MET
    straddling = abstract.replace("18 to 25", "15 to 25")
    assert crit("adult", straddling)["verdict"] == UNCLEAR


def test_ages_in_number_words():
    assert crit("adult", "We describe the treatment of an eleven-year-old boy with tics.")["verdict"] == NOT_MET
    assert crit("adult", "Beschrieben wird die Therapie eines zwölfjährigen Jungen mit Zwängen.")["verdict"] == NOT_MET
    # a duration in number words is no age
    r = crit("adult", "Dargestellt wird die dreijährige Psychotherapie einer 41-jährigen Patientin mit Bulimie.")
    assert r["verdict"] == MET


@pytest.mark.parametrize("abstract, n", [
    ("A survey of 418 long-distance bus drivers examined sleepiness.", 418),
    ("Zweiundneunzig Zugbegleiterinnen nahmen an der Befragung teil.", 92),
    ("Une enquête auprès de 1 310 ambulanciers a estimé la prévalence de l'épuisement.", 1310),
    ("Sono stati intervistati 236 ricercatori universitari.", 236),
    ("Descriviamo il caso di una donna di 52 anni con tricotillomania.", 1),
    ("We report the case of a 60-year-old man with hoarding disorder.", 1),
])
def test_sample_size_counts_role_groups_and_single_cases(abstract, n):
    assert crit("sample_size", abstract)["n"] == n


def test_interviewed_therapists_are_the_sample():
    abstract = "In-depth interviews with 14 family therapists explored how they work with their clients' siblings."
    assert crit("sample_size", abstract)["n"] == 14
    assert crit("clinical", abstract)["verdict"] == NOT_MET


@pytest.mark.parametrize("abstract, clinical", [
    # courses, surveys and role groups with no treatment named are not clinical
    ("Call-centre operators (n = 150) attended a two-day communication training. Job satisfaction rose.", False),
    ("Quatre-vingts conducteurs de bus ont suivi une formation de trois jours sur la conduite défensive.", False),
    ("Bus drivers (n = 320) completed questionnaires on sleep and depressive symptoms.", False),
    ("In einer Befragung gaben 412 Apothekerinnen und Apotheker an, wie sie Kunden mit Schlafstörungen beraten.",
     False),
    # treated role groups, and people named only by age, are never excluded as not clinical
    ("Bus drivers with insomnia (n = 96) were randomised to digital cognitive behavioural therapy or a waiting list.",
     True),
    ("Achtzig Fluglotsen mit Angststörung wurden randomisiert einer Gruppentherapie zugeteilt.", True),
    ("Sessanta carabinieri con sintomi depressivi sono stati randomizzati a un intervento psicologico.", True),
    ("Homeless adults with schizophrenia (N = 150) in a housing programme rated their case managers.", True),
])
def test_role_groups_in_the_setting_criterion(abstract, clinical):
    verdict = crit("clinical", abstract)["verdict"]
    assert verdict != NOT_MET if clinical else verdict == NOT_MET


@pytest.mark.parametrize("title", [
    "Targeted therapy against all three VEGF receptors by cediranib slows tumour growth",
    "DPP-4 inhibitors: a promising target in the prevention of atherosclerosis",
    "Two GLP-1 agonists compared in obese rats",
])
def test_molecules_and_glued_numbers_are_no_sample(title):
    """A count read only by a noun's form may say "enough", never "too few" (records the corpus diff found)."""
    assert crit("sample_size", "", title)["verdict"] == UNCLEAR


def test_a_dog_study_is_an_animal_study_and_a_dog_phobia_is_not():
    dogs = crit("adult", "", "Clinical and genetic findings in 28 American Cocker Spaniels with gland hyperplasia")
    assert dogs["verdict"] == NOT_MET and "animal" in dogs["detail"]
    phobia = crit("adult", "A 9-year-old boy with a specific phobia of dogs received five sessions of CBT.")
    assert phobia["verdict"] == NOT_MET and "animal" not in phobia["detail"]


def test_an_acronym_is_no_animal_and_people_keep_a_record_human():
    abstract = ("Sixty-eight veterans with PTSD in therapy completed the Client Attachment to Therapist Scale "
                "(CATS) and the Working Alliance Inventory.")
    r = assess_record("Attachment to therapist and the working alliance", abstract, [])
    assert r.suggestion != "exclude"
    assert r.criteria["adult"].verdict == MET


def test_the_case_of_a_thing_is_no_single_case():
    assert crit("sample_size", "The case of a 0.5% annual probability flood event.")["verdict"] == UNCLEAR
    assert crit("sample_size", "We report the case of a 60-year-old man with hoarding.")["n"] == 1
