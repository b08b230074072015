"""Protocol criteria with evidence: alliance, sample size, adults, clinical treatment, and suggestions.

Every abstract here is written for these tests and describes a fictional study.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.criteria import MET, NOT_MET, UNCLEAR, RecordText, assess_record
from screening.criteria.age import age_facts
from screening.criteria.evidence import TermSet
from screening.criteria.numbers import number_at, parse_digits, word_number


def crit(name: str, title: str = "", abstract: str = "", keywords: list[str] | None = None) -> dict:
    return assess_record(title, abstract, keywords or []).to_json()["criteria"][name]


def check_spans(result: dict, record: RecordText) -> None:
    for ev in result["evidence"]:
        assert getattr(record, ev["field"])[ev["start"]:ev["end"]] == ev["text"]
        assert ev["polarity"] in ("include", "exclude")


# ---------------------------------------------------------------------------------------------- terms

def test_term_matching_is_word_bounded_case_and_accent_tolerant():
    ts = TermSet({"a": ["alliance thérapeutique", "Arbeitsbündnis*", "role-play*", "client*"]})
    hits = lambda text: [text[s:e] for _, s, e in ts.finditer(text)]  # noqa: E731
    assert hits("ALLIANCE THERAPEUTIQUE et issue") == ["ALLIANCE THERAPEUTIQUE"]
    assert hits("das Arbeitsbuendnis und Arbeitsbündnisses") == ["Arbeitsbuendnis", "Arbeitsbündnisses"]
    assert hits("a role play, roleplayed and role-playing") == ["role play", "roleplayed", "role-playing"]
    assert hits("nonclients and subclient") == []


# -------------------------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("text,value", [
    ("1,234", 1234), ("1.234", 1234), ("1 234", 1234), ("12\u202f340", 12340), ("45", 45), ("34.2", None),
])
def test_digits(text, value):
    assert parse_digits(text) == value


@pytest.mark.parametrize("words,value", [
    ("twenty-four", 24), ("one hundred and twenty", 120), ("fünfzig", 50), ("vierundzwanzig", 24),
    ("dreissig", 30), ("trente", 30), ("soixante-dix-huit", 78), ("quatre-vingt-douze", 92),
    ("vingt et un", 21), ("ventotto", 28), ("centoventi", 120), ("trentatré", 33), ("due", 2),
    ("the", None), ("de", None),
])
def test_word_numbers(words, value):
    assert word_number(words) == value


def test_number_at_does_not_read_decimals_as_thousands():
    assert number_at("0.450 points", 0) is None
    assert number_at("2.5 sessions", 0) is None
    assert number_at("2,345 patients", 0) == (2345, 5)


# ------------------------------------------------------------------------------------------- alliance

@pytest.mark.parametrize("title,abstract", [
    ("Early working alliance predicts symptom change",
     "In 80 adult outpatients, the working alliance rated after the third session predicted change."),
    ("Die therapeutische Allianz in der ambulanten Psychotherapie",
     "Bei 64 Patienten wurde die therapeutische Allianz nach der dritten Sitzung erhoben; die Allianz "
     "sagte den Therapieerfolg vorher."),
    ("Das Arbeitsbündnis in der stationären Behandlung",
     "Das Arbeitsbündnis wurde bei 52 stationären Patientinnen erhoben und mit dem Ergebnis verknüpft."),
    ("L'alliance thérapeutique et l'issue du traitement",
     "Chez trente patients adultes, l'alliance thérapeutique mesurée à la troisième séance prédit "
     "l'amélioration des symptômes."),
    ("L'alleanza terapeutica nella psicoterapia breve",
     "In quaranta pazienti adulti l'alleanza terapeutica alla terza seduta prediceva l'esito del "
     "trattamento."),
    ("Process ratings in brief dynamic treatment",
     "Clients (n = 41) completed the CALPAS and the Penn Helping Alliance Questionnaire; observers "
     "rated the VPPS."),
])
def test_alliance_is_met_in_every_language(title, abstract):
    r = crit("alliance", title, abstract)
    assert r["verdict"] == MET, r
    assert r["evidence"] and all(e["polarity"] == "include" for e in r["evidence"])
    check_spans(r, RecordText.of(title, abstract))


@pytest.mark.parametrize("title,abstract", [
    ("Adjuvant chemotherapy in resected colon cancer: a trial of the Alliance for Clinical Trials in Oncology",
     "Patients (N = 1,204) were randomly assigned to two treatment arms in a cooperative group trial "
     "run by the Alliance (CALGB). Overall survival was the primary outcome."),
    ("Strategic alliances between hospitals and outcomes of care",
     "We studied strategic alliances between 45 community hospitals and the treatment outcomes of "
     "their patients."),
    ("Eine strategische Allianz zwischen Kliniken",
     "Die strategische Allianz zwischen zwölf Kliniken verbesserte die Behandlung von Patienten mit "
     "Herzinsuffizienz."),
    ("Une alliance stratégique entre hôpitaux",
     "Cette alliance stratégique entre les hôpitaux universitaires a modifié le traitement des "
     "patients en oncologie."),
    ("Alleanze strategiche tra ospedali",
     "Le alleanze strategiche tra ospedali pubblici hanno modificato il trattamento dei pazienti "
     "oncologici."),
])
def test_organisational_alliance_is_not_the_therapeutic_alliance(title, abstract):
    r = crit("alliance", title, abstract)
    assert r["verdict"] == NOT_MET, r
    assert r["evidence"] and all(e["polarity"] == "exclude" for e in r["evidence"])
    check_spans(r, RecordText.of(title, abstract))
    a = assess_record(title, abstract)
    assert a.suggestion == "exclude"


def test_organisational_mention_does_not_hide_a_therapeutic_alliance():
    abstract = ("Funded by the Global Alliance for Mental Health, this study followed 90 adult "
                "outpatients in psychotherapy; the working alliance predicted outcome.")
    r = crit("alliance", "", abstract)
    assert r["verdict"] == MET
    inc = [e["text"] for e in r["evidence"] if e["polarity"] == "include"]
    assert inc == ["working alliance"]


def test_title_case_title_is_not_read_as_an_organisation():
    r = crit("alliance", "The Alliance For Change: Patient Ratings In Outpatient Psychotherapy", "")
    assert r["verdict"] != NOT_MET


def test_arbeitsbeziehung_needs_a_therapy_context():
    employment = ("Die Arbeitsbeziehung zwischen Führungskräften und Mitarbeitenden wurde in 14 "
                  "Unternehmen mit einem Fragebogen erhoben und mit der Zufriedenheit verglichen.")
    assert crit("alliance", "Führung im Betrieb", employment)["verdict"] == NOT_MET
    therapy = ("Die therapeutische Arbeitsbeziehung wurde bei 70 Patienten der Psychotherapieambulanz "
               "erhoben und sagte den Therapieerfolg vorher.")
    assert crit("alliance", "Arbeitsbeziehung und Therapieerfolg", therapy)["verdict"] == MET


def test_no_alliance_term():
    abstract = "Eighty adults with panic disorder received twelve sessions of exposure therapy in a clinic."
    assert crit("alliance", "Exposure for panic", abstract)["verdict"] == NOT_MET
    assert crit("alliance", "Exposure for panic", "")["verdict"] == UNCLEAR  # no abstract: cannot tell


def test_related_term_only_is_unclear():
    r = crit("alliance", "", "The therapeutic relationship was rated by 55 clients after each session.")
    assert r["verdict"] == UNCLEAR


def test_bare_alliance_without_therapy_context_is_unclear():
    r = crit("alliance", "", "The alliance between the two villages lasted for three generations of farmers.")
    assert r["verdict"] == UNCLEAR


# ---------------------------------------------------------------------------------------- sample size

@pytest.mark.parametrize("abstract,n", [
    ("A total of N = 1,234 outpatients completed the alliance measure.", 1234),
    ("Die Stichprobe umfasste 1.234 Patienten einer Ambulanz.", 1234),
    ("Nous avons inclus 1 234 patients suivis en psychothérapie.", 1234),
    ("Twenty-four clients in brief therapy rated the alliance.", 24),
    ("Fünfzig ambulante Patienten wurden befragt.", 50),
    ("Trente patients adultes ont participé.", 30),
    ("Sono stati valutati sessanta pazienti ambulatoriali.", 60),
    ("Vierundzwanzig Klientinnen nahmen teil.", 24),
    ("The alliance was rated in a sample of 60 after session two.", 60),
    ("We observed 840 sessions of 35 clients treated by 12 therapists.", 35),
    ("Therapists (n = 12) treated clients (N = 120); 840 sessions were rated.", 120),
    ("Sixty-two couples in conjoint therapy rated the alliance.", 124),
    ("Of 300 patients screened, 120 adult outpatients were included.", 120),
    ("Eighteen therapists saw 96 depressed outpatients over 16 weeks.", 96),
])
def test_sample_size_reads_counts(abstract, n):
    r = crit("sample_size", "", abstract)
    assert r["n"] == n, r
    assert r["verdict"] == MET
    check_spans(r, RecordText.of("", abstract))


@pytest.mark.parametrize("title,abstract", [
    ("The alliance in the treatment of a young man with panic: a case study",
     "This case study describes the working alliance over 40 sessions of psychotherapy."),
    ("Alliance ruptures with three patients", "Three patients were followed over 120 sessions."),
    ("Die Allianz in einer Einzelfallstudie", "Einzelfallstudie einer Patientin über 30 Sitzungen."),
    ("", "Étude de cas : l'alliance thérapeutique avec une patiente sur 25 séances."),
    ("", "Studio di caso singolo: due pazienti seguiti per 30 sedute."),
    ("", "An N = 1 design tracked the alliance across 60 sessions."),
])
def test_single_case_and_tiny_samples_are_not_met(title, abstract):
    r = crit("sample_size", title, abstract)
    assert r["verdict"] == NOT_MET, r
    assert r["n"] is not None and r["n"] < 5
    assert all(e["polarity"] == "exclude" for e in r["evidence"])


def test_sample_size_without_numbers_is_unclear():
    r = crit("sample_size", "", "Patients in psychodynamic therapy rated the alliance after every session.")
    assert r["verdict"] == UNCLEAR and r["n"] is None
    r = crit("sample_size", "", "Twelve therapists rated the alliance in 400 sessions.")
    assert r["verdict"] == UNCLEAR and r["n"] is None


def test_sample_size_threshold_comes_from_the_protocol():
    from screening.protocol import default_protocol_text, load_protocol_text

    text = default_protocol_text().replace("min_participants = 5", "min_participants = 30")
    p = load_protocol_text(text, "strict.toml")
    a = assess_record("", "Twenty clients rated the working alliance.", [], p)
    assert a.criteria["sample_size"].verdict == NOT_MET
    assert assess_record("", "Twenty clients rated the working alliance.").criteria["sample_size"].verdict == MET


# ---------------------------------------------------------------------------------------------- adult

@pytest.mark.parametrize("text,kinds", [
    ("participants aged 18-65 years", ["adult"]),
    ("clients aged between 18 and 70", ["adult"]),
    ("adolescents, ages 12 to 17", ["minor"]),
    ("mean age 34.2 (SD = 9.1)", ["adult"]),
    ("(M = 41 years, SD = 12)", ["adult"]),
    ("aged 14-25 years", ["straddle"]),
    ("Patienten im Alter von 14 bis 25 Jahren", ["straddle"]),
    ("Durchschnittsalter 44,5 Jahre", ["adult"]),
    ("âgés de 18 à 65 ans", ["adult"]),
    ("âge moyen de 15,2 ans", ["minor"]),
    ("di età compresa tra 13 e 17 anni", ["minor"]),
    ("età media 38 anni", ["adult"]),
    ("18- to 30-year-old students", ["adult"]),
    ("mean age at onset was 15 years", []),
    ("age, gender and 12-16 sessions", []),
    ("followed up over 1-2 years", []),
])
def test_age_facts(text, kinds):
    assert [f.kind for f in age_facts("abstract", text)] == kinds


@pytest.mark.parametrize("abstract,verdict", [
    ("Forty adult outpatients (aged 18-65) rated the alliance.", MET),
    ("Veterans with PTSD (N = 88) rated the working alliance.", MET),
    ("Older adults in a geriatric clinic rated the alliance.", MET),
    ("Children (n = 60) in play therapy and their therapists rated the alliance.", NOT_MET),
    ("Adolescents aged 13-17 years (n = 80) rated the alliance in family therapy.", NOT_MET),
    ("Young people aged 14-25 (n = 90) in an early intervention service rated the alliance.", UNCLEAR),
    ("Bei 45 Kindern und Jugendlichen wurde die Allianz erhoben.", NOT_MET),
    ("Chez 40 enfants suivis en psychothérapie, l'alliance a été évaluée.", NOT_MET),
    ("In 50 bambini in psicoterapia è stata misurata l'alleanza.", NOT_MET),
    ("Parents of children with conduct problems (n = 70) rated the alliance with the therapist.", MET),
    ("Die Allianz wurde bei 60 Erwachsenen (Alter: 19-64) erhoben.", MET),
    ("Patients with depression rated the alliance after every session.", UNCLEAR),
    ("Adults who had been abused as children (mean age 36) rated the alliance.", MET),
])
def test_adult_criterion(abstract, verdict):
    r = crit("adult", "", abstract)
    assert r["verdict"] == verdict, r
    check_spans(r, RecordText.of("", abstract))


def test_adolescent_evidence_is_red_and_adult_evidence_green():
    r = crit("adult", "", "Adolescents aged 13-17 years rated the alliance.")
    assert {e["polarity"] for e in r["evidence"]} == {"exclude"}
    r = crit("adult", "", "Adults aged 18-65 rated the alliance.")
    assert {e["polarity"] for e in r["evidence"]} == {"include"}


# ------------------------------------------------------------------------------------------- clinical

@pytest.mark.parametrize("abstract", [
    "Sixty undergraduate students watched a videotaped role-play of a counseling session and rated the "
    "working alliance.",
    "In an analogue study, 120 students read vignettes describing a therapist and rated the alliance.",
    "Trainees conducted practice sessions with standardized clients; the alliance was rated.",
    "Im Rollenspiel mit simulierten Patienten bewerteten 48 Studierende die therapeutische Allianz.",
    "Dans un jeu de rôle avec des patients simulés, 50 étudiants ont évalué l'alliance thérapeutique.",
    "In un gioco di ruolo con pazienti simulati, 40 studenti hanno valutato l'alleanza terapeutica.",
])
def test_analogue_studies_are_not_clinical(abstract):
    r = crit("clinical", "", abstract)
    assert r["verdict"] == NOT_MET, r
    assert any(e["polarity"] == "exclude" for e in r["evidence"])
    assert assess_record("", abstract).suggestion == "exclude"


@pytest.mark.parametrize("abstract", [
    "Seventy outpatients in routine psychotherapy rated the alliance.",
    "Die Allianz wurde bei 80 Patienten in ambulanter Psychotherapie erhoben.",
    "L'alliance a été mesurée chez 60 patients en psychothérapie.",
    "L'alleanza è stata misurata in 60 pazienti in psicoterapia.",
    "University students seeking treatment at a counseling center (n = 90) rated the alliance.",
])
def test_clinical_studies_are_clinical(abstract):
    assert crit("clinical", "", abstract)["verdict"] == MET


def test_a_passing_vignette_in_a_clinical_study_is_not_an_analogue_study():
    abstract = ("One hundred outpatients in psychotherapy at two clinics rated the alliance; treatment "
                "outcome was assessed at termination. A clinical vignette illustrates a rupture.")
    assert crit("clinical", "", abstract)["verdict"] == UNCLEAR


# ----------------------------------------------------------------------------------------- suggestion

INCLUDING = [
    ("Working alliance and outcome in outpatient psychotherapy",
     "Sixty-two adult outpatients (mean age 41 years) received cognitive therapy. The Working Alliance "
     "Inventory, completed after session three, predicted symptom change."),
    ("Therapeutische Allianz und Therapieerfolg",
     "Bei 120 erwachsenen Patienten (Alter 19-67 Jahre) in ambulanter Psychotherapie sagte die "
     "therapeutische Allianz den Therapieerfolg vorher."),
    ("Alliance thérapeutique et résultat",
     "Chez quatre-vingts patients adultes (âgés de 20 à 60 ans) en psychothérapie, l'alliance "
     "thérapeutique prédit le résultat du traitement."),
    ("Alleanza terapeutica ed esito",
     "In cinquanta pazienti adulti (età media 37 anni) in psicoterapia l'alleanza terapeutica "
     "prediceva l'esito del trattamento."),
]


@pytest.mark.parametrize("title,abstract", INCLUDING)
def test_record_meeting_every_criterion_is_suggested_for_inclusion(title, abstract):
    a = assess_record(title, abstract)
    assert {k: v.verdict for k, v in a.criteria.items()} == dict.fromkeys(a.criteria, MET)
    assert a.suggestion == "include"


def test_record_without_abstract_is_mostly_unclear():
    a = assess_record("Alliance and outcome in brief psychotherapy", "")
    assert a.suggestion == "unclear"
    assert a.reasons and all("unclear" in r for r in a.reasons)


def test_exclusion_reasons_come_from_the_protocol():
    a = assess_record("", "Children (n = 60) in play therapy rated the working alliance with their therapist.")
    assert a.suggestion == "exclude"
    assert a.reasons[0].startswith("children or adolescents")


# Sentences, each giving one criterion's include evidence and nothing else.
INCLUDE_SENTENCES = {
    "alliance": ["The working alliance predicted outcome.", "Die therapeutische Allianz sagte den Erfolg vorher.",
                 "L'alliance thérapeutique prédit le résultat.", "L'alleanza terapeutica prediceva l'esito."],
    "clinical": ["They were outpatients in psychotherapy.", "Sie erhielten ambulante Psychotherapie.",
                 "Ils suivaient une psychothérapie.", "Erano in psicoterapia."],
    "sample_size": ["N = 85.", "Es nahmen 85 Patienten teil.", "Quatre-vingt-cinq patients.",
                    "Ottantacinque pazienti."],
    "adult": ["All were adults, mean age 39 years.", "Alle waren Erwachsene.", "Tous étaient adultes.",
              "Tutti erano adulti."],
}
# Sentences a record may also contain: neutral, doubtful, or exclusion evidence.
OTHER_SENTENCES = [
    "", "Symptoms were measured weekly.", "Three patients dropped out.", "A clinical vignette is given.",
    "Ages ranged from 14-25 years.", "Children were not included.", "The study was funded by the Alliance "
    "for Clinical Trials in Oncology.", "Twelve therapists took part.", "Students rated the sessions.",
    "This case study followed one client.", "The therapeutic relationship was discussed.",
    "Participants watched a role-play.", "Die Jugendlichen waren 13-17 Jahre alt.", "840 sessions were rated.",
    "Ils étaient des enfants.", "Ventiquattro sedute.", "Eine strategische Allianz zwischen Kliniken.",
]


def _record(sentences: list[str]) -> str:
    return " ".join(s for s in sentences if s)


@settings(max_examples=300, deadline=None)
@given(base=st.lists(st.sampled_from(OTHER_SENTENCES), max_size=5),
       langs=st.fixed_dictionaries({k: st.integers(0, 3) for k in INCLUDE_SENTENCES}),
       order=st.permutations(list(INCLUDE_SENTENCES)), data=st.data())
def test_adding_an_including_abstracts_evidence_never_makes_a_record_excluded(base, langs, order, data):
    """Monotonicity: if a record is not suggested for exclusion, adding the sentences that carry every
    criterion's include evidence (any language, any order, anywhere) cannot make it excluded."""
    before = assess_record("", _record(base))
    added = [INCLUDE_SENTENCES[k][langs[k]] for k in order]
    combined = list(base)
    for sentence in added:
        combined.insert(data.draw(st.integers(0, len(combined))), sentence)
    after = assess_record("", _record(combined))
    if before.suggestion != "exclude":
        assert after.suggestion != "exclude", (combined, after.reasons)
    # and the including sentences alone always meet every criterion
    alone = assess_record("", _record(added))
    assert alone.suggestion == "include", (added, alone.reasons)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(OTHER_SENTENCES + [s for v in INCLUDE_SENTENCES.values() for s in v]),
                max_size=8))
def test_suggestion_follows_the_verdicts(sentences):
    a = assess_record("", _record(sentences))
    verdicts = [r.verdict for r in a.criteria.values()]
    if all(v == MET for v in verdicts):
        assert a.suggestion == "include"
    if a.suggestion == "exclude":
        assert NOT_MET in verdicts
    text = _record(sentences)
    for r in a.criteria.values():
        for s in r.evidence:
            assert text[s.start:s.end] == s.text




def test_plain_terms_with_regex_characters_always_compile():
    """`check_term` does not compile plain terms (protocol loading stays fast) because they are built from
    escaped fragments: any plain text, regex metacharacters included, gives a valid pattern matching itself."""
    import re

    from screening.criteria.evidence import check_term, term_pattern

    for term in ["a(b", "x[y", "back\\slash", "plus+", "q?", "{3}", "(?P<n>x)", "al*ian", "ther-apeutic",
                 "Allianz (Arbeits-)", "l'alliance", "ä|ö", "$^."]:
        assert check_term(term) is None, term
        pattern = re.compile(term_pattern(term), re.IGNORECASE)
        assert pattern.search(f" {term.replace('*', '')} ") is not None or "*" in term, term
    assert check_term("re:(unclosed") is not None


@pytest.mark.parametrize("abstract", [
    "We describe a 9-year-old boy with a dog phobia treated over five sessions.",
    "Beschrieben wird die Behandlung eines 15-jährigen Jungen mit Zwangsstörung in 18 Sitzungen.",
    "Nous décrivons la prise en charge d'une femme de 52 ans atteinte de dépression en seize séances.",
    "Si descrive il trattamento di una donna di 28 anni con disturbo di panico in quaranta sedute.",
])
def test_one_person_described_is_a_single_case(abstract):
    r = crit("sample_size", "", abstract)
    assert r["verdict"] == NOT_MET and r["n"] == 1, r


def test_describing_a_model_of_client_change_is_no_single_case():
    assert crit("sample_size", "", "We present a model of client change in psychotherapy.")["verdict"] == UNCLEAR


@pytest.mark.parametrize("abstract,verdict", [
    ("Children with ADHD (n = 46) took methylphenidate and placebo. Teachers rated fewer symptoms.", NOT_MET),
    ("This case study describes psychotherapy with a woman in her thirties with avoidant personality disorder.",
     MET),
    ("Teachers (n = 204) rated their own self-efficacy after a classroom management course.", MET),
])
def test_adult_informants_and_decades(abstract, verdict):
    r = crit("adult", "", abstract)
    assert r["verdict"] == verdict, r


@pytest.mark.parametrize("abstract,verdict", [
    ("Children with ADHD (n = 46) took methylphenidate and placebo for two weeks each in random order.", MET),
    ("Quarantotto bambini con disturbo dello spettro autistico sono stati assegnati in modo casuale a un "
     "intervento comportamentale intensivo o alle cure abituali.", MET),
    ("Mothers of infants (n = 130) took part in a six-week parenting course at family centres.", NOT_MET),
])
def test_clinical_problem_with_treatment_and_courses_without_one(abstract, verdict):
    r = crit("clinical", "", abstract)
    assert r["verdict"] == verdict, r
