"""Reports that share one sample: suggestions with evidence, person decisions, independent samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from db.errors import InputError
from db.models import Record, SampleLink
from db.pair_log import PairDecision
from extraction import samples
from screening import duplicates
from screening.counts import review_counts
from screening.importing import import_files
from screening.status import review_status


def _ris(path: Path, records: list[dict]) -> Path:
    out = []
    for r in records:
        out.append(f"TY  - {r.get('type', 'JOUR')}")
        out += [f"AU  - {a}" for a in r["authors"]]
        out += [f"TI  - {r['title']}", f"PY  - {r['year']}", f"JO  - {r.get('journal', 'Psychotherapy Research')}",
                f"AB  - {r.get('abstract', '')}"]
        out += [f"KW  - {k}" for k in r.get("keywords", ())]
        out += [f"AN  - {r['id']}", "ER  - ", ""]
    path.write_text("\n".join(out), encoding="utf-8")
    return path


THESIS = {"id": "T1", "type": "THES", "authors": ["Alvarez, Maria C."], "year": 2009,
          "journal": "Dissertation Abstracts International: Section B",
          "title": "Early therapeutic alliance and treatment retention among methadone-maintained outpatients",
          "abstract": "This dissertation examined the helping alliance in 74 methadone-maintained outpatients "
                      "receiving individual drug counseling. Alliance ratings after session 2 predicted "
                      "retention at six months."}
ARTICLE = {"id": "T2", "authors": ["Alvarez, M. C.", "Hendricks, Paul", "Yoon, Ji-woo"], "year": 2011,
           "journal": "Journal of Substance Abuse Treatment",
           "title": "The helping alliance predicts retention in methadone maintenance counseling",
           "abstract": "Method: N = 74 methadone-maintained outpatients rated the helping alliance (HAq) after "
                       "the second counseling session. Results: A stronger early alliance predicted retention."}
TDCRP = [
    {"id": "D1", "authors": ["Krupnick, J. L.", "Sotsky, S. M."], "year": 1996,
     "title": "The role of the therapeutic alliance in psychotherapy and pharmacotherapy outcome",
     "abstract": "Findings from the National Institute of Mental Health Treatment of Depression Collaborative "
                 "Research Program. Observer-rated alliance predicted outcome in all four conditions."},
    {"id": "D2", "authors": ["Zuroff, D. C.", "Blatt, S. J."], "year": 2006,
     "title": "The therapeutic relationship in the brief treatment of depression: contributions to outcome",
     "abstract": "Data came from the NIMH Treatment of Depression Collaborative Research Program (TDCRP); "
                 "patients' perceptions of the relationship predicted clinical improvement."},
    {"id": "D3", "authors": ["Barber, Jacques P."], "year": 2004,
     "title": "Patient and therapist contributions to the alliance in short-term treatment of depression",
     "abstract": "A secondary analysis of alliance ratings and symptom change.",
     "keywords": ["TDCRP", "alliance"]},
]
SAME_N = [
    {"id": "N1", "authors": ["Fischer, Anna", "Weber, Jonas"], "year": 2012,
     "title": "Alliance ruptures in cognitive therapy for social anxiety",
     "abstract": "Method: N = 84 adults with social anxiety disorder. Ruptures were coded from video."},
    {"id": "N2", "authors": ["Okoro, Chidi", "Mensah, Ama"], "year": 2015,
     "title": "Therapist empathy and outcome in counseling for alcohol problems",
     "abstract": "Method: N = 84 clients with alcohol use disorder. Empathy was rated by observers."},
]
SAME_AUTHORS = [
    {"id": "S1", "authors": ["Lindgren, Per", "Holm, Karin"], "year": 2014,
     "title": "Working alliance and outcome in internet-delivered CBT for depression",
     "abstract": "Method: N = 120 adults with depression received eight weeks of guided internet CBT."},
    {"id": "S2", "authors": ["Lindgren, Per", "Holm, Karin"], "year": 2016,
     "title": "Working alliance and outcome in internet-delivered CBT for social anxiety",
     "abstract": "Method: N = 204 adults with social anxiety disorder received nine weeks of internet CBT."},
    {"id": "S3", "authors": ["Lindgren, Per", "Holm, Karin"], "year": 2018,
     "title": "Cost-effectiveness of a stepped-care service for insomnia in primary care",
     "abstract": "Method: N = 310 primary care patients with insomnia. Costs were compared."},
]
REGISTERED = [
    {"id": "R1", "authors": ["Novak, Tomas"], "year": 2019,
     "title": "Alliance and dropout in a randomised trial of group therapy for panic",
     "abstract": "A randomised trial of group cognitive behavioural therapy (CBT). Trial registration: "
                 "ClinicalTrials.gov NCT02345678. Alliance predicted dropout."},
    {"id": "R2", "authors": ["Baker, Sue", "Ito, Ken"], "year": 2021,
     "title": "Long-term follow-up of group panic treatment",
     "abstract": "Two-year outcomes of a randomised trial.", "keywords": ["NCT 02345678", "panic"]},
    {"id": "R3", "authors": ["Moreau, Luc"], "year": 2020,
     "title": "The Alliance in Routine Care Study (ARCS): design and baseline data",
     "abstract": "The working alliance was rated with the WAI (WAI) in community clinics."},
    {"id": "R4", "authors": ["Hall, Ruth"], "year": 2022,
     "title": "Therapist effects on the alliance in community clinics",
     "abstract": "We used data from the ARCS study (ARCS); alliance was rated with the (WAI) inventory."},
    {"id": "R5", "authors": ["Quinn, Mo"], "year": 2022,
     "title": "Brief alliance measures compared",
     "abstract": "In a controlled trial of cognitive behavioural therapy (CBT), clients completed the Working "
                 "Alliance Inventory (WAI) and the (HAQ)."},
]


def _load(review, tmp_path: Path, records: list[dict], name: str = "export.ris") -> dict[str, int]:
    import_files(review, [_ris(tmp_path / name, records)], source_db="PsycINFO", who="importer")
    with review.session() as s:
        return {sid: rid for rid, sid in s.exec(select(Record.id, Record.source_id))}


def _pairs(found: list[PairDecision]) -> dict[frozenset[int], dict]:
    """The suggestions by pair, as ``--json`` shows them."""
    return {frozenset(s.ids): s.to_json() for s in found}


def test_thesis_and_its_article_are_suggested_then_confirmed(review, tmp_path):
    ids = _load(review, tmp_path, [THESIS, ARTICLE] + SAME_N)
    found = _pairs(samples.suggest_links(review, who="metasift"))
    link = found[frozenset((ids["T1"], ids["T2"]))]
    assert link["strength"] == "strong" and link["decision"] == "suggested" and link["automatic"]
    kinds = {e["kind"] for e in link["evidence"]}
    assert {"thesis_article", "authors", "sample_size"} <= kinds
    assert link["who"] == "metasift" and link["when"]
    # two unrelated studies with the same n are not linked
    assert frozenset((ids["N1"], ids["N2"])) not in found
    assert review_counts(review, stages=()).samples == 4
    samples.confirm_link(review, ids["T2"], ids["T1"], "bob")
    assert [ids["T1"], ids["T2"]] in samples.samples(review)
    assert review_counts(review, stages=()).samples == 3 == review_status(review).counts.samples
    assert samples.suggestions(review) == []


def test_three_reports_of_one_named_trial_with_different_first_authors(review, tmp_path):
    ids = _load(review, tmp_path, TDCRP)
    found = _pairs(samples.suggest_links(review))
    d1, d2, d3 = ids["D1"], ids["D2"], ids["D3"]
    assert set(found) == {frozenset((d1, d2)), frozenset((d1, d3)), frozenset((d2, d3))}
    assert all(s["strength"] == "strong" for s in found.values())
    assert "TDCRP" in found[frozenset((d1, d3))]["evidence"][0]["detail"]
    samples.confirm_link(review, d1, d2, "ann")
    samples.confirm_link(review, d2, d3, "ann")
    assert samples.samples(review) == [[d1, d2, d3]] and review_counts(review, stages=()).samples == 1


def test_same_authors_reporting_different_samples_are_at_most_weak(review, tmp_path):
    ids = _load(review, tmp_path, SAME_AUTHORS)
    found = _pairs(samples.suggest_links(review))
    s12 = found.get(frozenset((ids["S1"], ids["S2"])))
    assert s12 is not None and s12["strength"] == "weak"
    assert any(e["kind"] == "sample_size_differs" for e in s12["evidence"])
    assert frozenset((ids["S1"], ids["S3"])) not in found and frozenset((ids["S2"], ids["S3"])) not in found
    # a suggestion is never a link: nothing is confirmed until a person says so
    assert review_counts(review, stages=()).samples == 3
    with review.session() as s:
        assert {r.decision for r in s.exec(select(SampleLink))} == {"suggested"}


def test_registration_numbers_and_study_acronyms_but_not_measure_acronyms(review, tmp_path):
    ids = _load(review, tmp_path, REGISTERED)
    found = _pairs(samples.suggest_links(review))
    reg = found[frozenset((ids["R1"], ids["R2"]))]
    assert reg["strength"] == "strong" and "NCT02345678" in reg["evidence"][0]["detail"]
    acro = found[frozenset((ids["R3"], ids["R4"]))]
    assert acro["evidence"][0] == {"kind": "study_acronym", "detail": "both name the study (ARCS)"}
    assert set(found) == {frozenset((ids["R1"], ids["R2"])), frozenset((ids["R3"], ids["R4"]))}


def test_reject_undo_and_history_are_kept(review, tmp_path):
    ids = _load(review, tmp_path, [THESIS, ARTICLE])
    samples.suggest_links(review, who="metasift")
    a, b = ids["T1"], ids["T2"]
    samples.reject_link(review, a, b, "carol")
    assert samples.suggestions(review) == [] and review_counts(review, stages=()).samples == 2
    samples.suggest_links(review)                   # a decided pair is not suggested again
    assert samples.suggestions(review) == []
    samples.undo_link(review, a, b, "carol")        # the suggestion is back
    assert [s.ids for s in samples.suggestions(review)] == [(a, b)]
    with pytest.raises(InputError, match="no link decision to undo"):
        samples.undo_link(review, a, b, "carol")
    samples.confirm_link(review, a, b, "dave")
    hist = samples.link_history(review, a, b)
    assert [(h.decision, h.who, h.automatic) for h in hist] == [
        ("suggested", "metasift", True), ("rejected", "carol", False), ("undone", "carol", False),
        ("confirmed", "dave", False)]
    assert all(h.details["evidence"] for h in hist)


def test_duplicates_are_one_report_not_a_shared_sample(review, tmp_path):
    ids = _load(review, tmp_path, [THESIS, ARTICLE])
    copy = dict(ARTICLE, id="PM-1")
    ids.update(_load(review, tmp_path, [copy], name="pubmed.ris"))
    duplicates.run_dedup(review, "ann")
    assert [ids["T2"], ids["PM-1"]] in duplicates.groups(review)
    found = _pairs(samples.suggest_links(review))
    assert frozenset((ids["T2"], ids["PM-1"])) not in found
    assert len(found) == 1                           # the thesis links to the article's group once
    assert review_counts(review, stages=()).samples == 2
    link = next(iter(found))
    samples.confirm_link(review, *sorted(link), "bob")
    assert samples.samples(review) == [[ids["T1"], ids["T2"], ids["PM-1"]]]
    assert review_counts(review, stages=()).samples == 1 == review_status(review).counts.samples


def test_sample_size_readers_and_registration_spellings():
    assert samples.read_n("", "Method: N = 1,204 adults; n = 600 completed") == 1204
    assert samples.read_n("", "We followed 45 children and their parents") is None
    assert samples.read_n("", "Ninety-six patients took part") is None
    assert samples.read_n("", "We enrolled 96 adult outpatients") == 96
    assert samples.registration_key("nct 01234567") == "NCT01234567"
    assert samples.registration_key("EudraCT No. 2004-123456-12") == "EudraCT 2004-123456-12"
    assert samples.author_key("Alvarez, M. C.") == samples.author_key("Maria Alvarez") == "alvarez m"
    assert samples.author_key("Alvarez MC") == "alvarez m"


def test_links_lists_what_people_decided(review, tmp_path):
    from extraction.samples import confirm_link, links, reject_link
    from screening.demo import write_demo_exports
    from screening.importing import import_files

    import_files(review, write_demo_exports(tmp_path / "ex"))
    confirm_link(review, 7, 8, who="ann")
    reject_link(review, 1, 2, who="bob")
    got = {(x.ids, x.decision, x.who) for x in links(review)}
    assert got == {((7, 8), "confirmed", "ann"), ((1, 2), "rejected", "bob")}


def test_an_erratum_notice_is_never_a_report_of_a_sample(review, tmp_path):
    erratum = dict(ARTICLE, id="E1", year=2012, title="Erratum: " + ARTICLE["title"],
                   abstract="In the article by Alvarez et al. (2011), Table 2 should read n = 74.")
    ids = _load(review, tmp_path, [THESIS, ARTICLE, erratum])
    found = _pairs(samples.suggest_links(review))
    assert set(found) == {frozenset((ids["T1"], ids["T2"]))}
    assert review_counts(review, stages=()).samples == 3  # the notice still counts until it is screened out


def test_suggestions_leave_out_records_excluded_at_screening_until_the_exclusion_is_undone(review, tmp_path):
    from screening.decisions import decide, undo

    ids = _load(review, tmp_path, [THESIS, ARTICLE])
    samples.suggest_links(review)
    assert len(samples.suggestions(review)) == 1
    for who in ("ann", "bob"):
        decide(review, ids["T1"], who, "title_abstract", "exclude", reason="no alliance measure")
    assert samples.suggestions(review) == []
    assert samples.suggest_links(review) == []  # and no new row is stored for the pair
    undo(review, "bob", "title_abstract")
    assert [frozenset(s.ids) for s in samples.suggestions(review)] == [frozenset((ids["T1"], ids["T2"]))]
