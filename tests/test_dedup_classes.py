"""The error classes of issue 12, each on records written the way real exports write them.

Field values copy the habits of the exporting databases: MEDLINE authors as ``Surname AB``, Scopus/WoS as
``Surname, A.B.``, EndNote runs, ISO journal abbreviations against full names, DOIs with resolver prefixes,
online-first article numbers against final pages. None of these records comes from a benchmark set.
"""

from __future__ import annotations

import pytest

from screening.dedup import AUTO, QUEUED, REJECTED, best_record, deduplicate
from screening.dedup.normalize import doi_list, journals_compatible, normalize_doi, normalize_journal


def grouped(result) -> list[list[str]]:
    """The automatic groups with sorted member ids, sorted."""
    return sorted(sorted(map(str, g)) for g in result.groups)


# --- 1. recurring column titles of a serial ----------------------------------------------------------------


def column(rid: str, title: str, issue: str, pages: str, doi: str = "", **kw) -> dict:
    base = {"id": rid, "title": title, "authors": "Straub, Detmar W.", "year": 2009,
            "journal": "MIS Quarterly", "volume": "33", "issue": issue, "pages": pages, "doi": doi,
            "abstract": "", "pub_type": "JOUR"}
    base.update(kw)
    return base


def test_editors_comments_of_other_issues_are_rejected_automatically_with_the_reason():
    recs = [column("q1", "Editor's Comments", "1", "iii-vi"), column("q2", "Editor's Comments", "2", "iii-vii"),
            column("q3", "Editor's comments.", "3", "iii-x"), column("q4", "EDITOR'S COMMENTS", "4", "iii-v")]
    r = deduplicate(recs)
    assert r.groups == []
    assert r.candidates == []  # nobody has to look at them
    assert len(r.rejected) == 6
    for p in r.rejected:
        assert p.outcome == REJECTED
        assert "recurring column title" in p.reasons
        assert any(x.startswith("automatic rejection: another issue's column (issue") for x in p.reasons)


def test_editorials_with_different_dois_or_volumes_are_never_merged():
    a = column("a", "Editorial", "", "", doi="10.1111/j.1365-2575.2009.00330.x", journal="Info Systems J",
               volume="19", authors="Avison, D. and Fitzgerald, G.")
    b = column("b", "Editorial", "", "", doi="10.1111/j.1365-2575.2009.00331.x", journal="Information Systems Journal",
               volume="19", authors="Avison, David; Fitzgerald, Guy")
    c = column("c", "Editorial.", "", "", doi="", journal="Information Systems Journal", volume="20",
               authors="Avison D, Fitzgerald G")
    r = deduplicate([a, b, c])
    assert r.groups == []
    assert {r.outcome("a", "b"), r.outcome("b", "c"), r.outcome("a", "c")} == {REJECTED}


def test_the_same_column_exported_twice_still_merges():
    # one issue's "In this issue", from Scopus and from Web of Science: same DOI, or same volume, issue, page
    scopus = column("s", "In this issue", "4", "565", doi="10.1002/ejhf.1234", volume="21", year=2019,
                    journal="European Journal of Heart Failure", authors="")
    wos = column("w", "IN THIS ISSUE", "4", "565-565", doi="https://doi.org/10.1002/EJHF.1234", volume="21",
                 year=2019, journal="EUR J HEART FAIL", authors="")
    assert grouped(deduplicate([scopus, wos])) == [["s", "w"]]
    assert grouped(deduplicate([scopus, dict(wos, doi="")])) == [["s", "w"]]
    # no place in the serial on one side: a person decides
    r = deduplicate([scopus, dict(wos, doi="", volume="", issue="", pages="")])
    assert r.groups == [] and r.outcome("s", "w") == QUEUED


def test_a_title_repeated_in_many_issues_of_one_journal_is_recognised_as_a_column():
    # "Research roundup" is no known column name, but five issues of one journal carry it
    recs = [column(f"r{k}", "Research roundup", str(k), f"{100 * k}-{100 * k + 2}", journal="Nursing Times",
                   authors="Smith J", volume="110") for k in range(1, 6)]
    r = deduplicate(recs)
    assert r.groups == [] and r.candidates == []
    assert len(r.rejected) == 10


# --- 2. weighing the evidence -------------------------------------------------------------------------------

ART = {"id": "pubmed", "title": "Rituximab maintenance for follicular lymphoma in first remission: a randomised trial",
       "authors": ["Salles GA", "Seymour JF", "Offner F", "Lopez-Guillermo A"], "year": 2011,
       "journal": "Lancet", "volume": "377", "issue": "9759", "pages": "42-51",
       "doi": "10.1016/S0140-6736(10)62175-7", "abstract": "Background: Patients with follicular lymphoma "
       "who respond to first-line immunochemotherapy were randomly assigned to rituximab maintenance or "
       "observation. Findings: progression-free survival at 3 years was 74.9% versus 57.6%.", "pub_type": "JOUR"}


def test_shared_doi_outweighs_a_volume_typo():
    embase = dict(ART, id="embase", volume="337", authors="Salles G.; Seymour J.F.; Offner F.; Lopez-Guillermo A.")
    r = deduplicate([ART, embase])
    assert grouped(r) == [["embase", "pubmed"]]
    assert "volume conflict" in r.pairs[0].reasons and "doi equal" in r.pairs[0].reasons


def test_online_first_pagination_is_not_a_page_conflict():
    # the Epub-ahead-of-print copy numbers its pages 1-10; the issue copy has the final pages
    epub = dict(ART, id="epub", volume="", issue="", pages="1-10", year=2010, doi="")
    r = deduplicate([ART, epub])
    assert grouped(r) == [["epub", "pubmed"]]
    assert "online-first and final pagination" in r.pairs[0].reasons
    # an electronic article number against the printed range
    plos = {"id": "p1", "title": "Transmission dynamics of dengue in Singapore, 2005-2015", "year": 2016,
            "authors": "Ooi, E.E. and Goh, K.T.", "journal": "PLoS Neglected Tropical Diseases", "volume": "10",
            "issue": "6", "pages": "e0004759", "doi": "", "abstract": "", "pub_type": ""}
    wos = dict(plos, id="p2", pages="1-18", authors="Ooi, Eng Eong; Goh, Kee Tai", journal="PLOS NEGL TROP DIS")
    assert grouped(deduplicate([plos, wos])) == [["p1", "p2"]]


def test_two_discordant_fields_still_veto_even_with_one_doi():
    other = dict(ART, id="x", volume="380", pages="1101-1110")
    r = deduplicate([ART, other])
    assert r.groups == []
    assert r.outcome("pubmed", "x") == QUEUED


# --- 3. DOI variants ----------------------------------------------------------------------------------------


def test_doi_variants_canonicalise():
    assert normalize_doi("https://doi.org/10.1016/S0140-6736(10)62175-7") == "10.1016/s0140-6736(10)62175-7"
    assert normalize_doi("DOI: 10.1016/S0140-6736(10)62175-7.") == "10.1016/s0140-6736(10)62175-7"
    assert normalize_doi("http://dx.doi.org/10.1016%2FS0140-6736%2810%2962175-7") == "10.1016/s0140-6736(10)62175-7"
    sici = "10.1002/(SICI)1097-4636(199602)30:2<145::AID-JBM3>3.0.CO;2-#"
    assert normalize_doi(sici) == sici.lower()
    assert doi_list("10.1182/blood-2010-01-261305; 10.1182/blood.V116.21.1234.1234") == (
        "10.1182/blood-2010-01-261305", "10.1182/blood.v116.21.1234.1234")
    assert doi_list("NA") == () and doi_list(None) == ()


def test_two_dois_in_one_field_match_either_copy():
    both = dict(ART, id="both", doi="10.1016/S0140-6736(10)62175-7 10.1016/j.fake.2011.01.001",
                authors="Salles, G.; Seymour, J.")
    assert grouped(deduplicate([ART, both])) == [["both", "pubmed"]]
    sici = "10.1002/(SICI)1097-0142(19990101)85:1<1::AID-CNCR1>3.0.CO;2-#"
    assert grouped(deduplicate([dict(ART, doi=sici),
                                dict(ART, id="b", doi="https://doi.org/" + sici.upper())])) == [["b", "pubmed"]]


def test_dois_one_character_apart_are_queued_not_conflicts():
    typo = dict(ART, id="typo", doi="10.1016/S0140-6736(10)62176-7")
    r = deduplicate([ART, typo])
    assert r.groups == []
    assert r.outcome("pubmed", "typo") == QUEUED
    assert "doi one character apart" in r.candidates[0].reasons
    assert "doi conflict" not in r.candidates[0].reasons


# --- 5. translated titles -----------------------------------------------------------------------------------

GERMAN = {"id": "medline",
          "title": "[Rehabilitation nach Schlaganfall: eine randomisierte Studie zur Fruhmobilisation]",
          "authors": ["Muller K", "Schmidt HP", "Weber A"], "year": 2004, "journal": "Nervenarzt", "volume": "75",
          "issue": "6", "pages": "554-561", "doi": "", "abstract": "", "pub_type": "Journal Article"}


def test_original_language_record_and_english_copy_merge_on_the_full_citation():
    english = dict(GERMAN, id="embase", title="Rehabilitation after stroke: a randomised trial of early mobilisation",
                   authors="Müller, K.; Schmidt, H.P.; Weber, A.", journal="Der Nervenarzt", pages="554-61")
    r = deduplicate([GERMAN, english])
    assert grouped(r) == [["embase", "medline"]]


def test_english_title_with_the_original_in_brackets_meets_the_original():
    both = dict(GERMAN, id="psyc", title="Rehabilitation after stroke: a randomised trial of early mobilisation "
                "[Rehabilitation nach Schlaganfall: eine randomisierte Studie zur Fruhmobilisation]", pages="554")
    r = deduplicate([GERMAN, dict(both, volume="", issue="")])
    assert r.outcome("medline", "psyc") in (AUTO, QUEUED)
    assert grouped(deduplicate([GERMAN, both])) == [["medline", "psyc"]]


def test_same_citation_with_other_authors_is_not_a_translation():
    other = dict(GERMAN, id="x", title="Depression after stroke: prevalence in a rehabilitation clinic",
                 authors=["Fischer B", "Klein R"])
    assert deduplicate([GERMAN, other]).groups == []


# --- 6. authors as sets -------------------------------------------------------------------------------------


def test_reordered_and_abbreviated_authors_corroborate():
    a = {"id": "a", "title": "Cognitive behavioural therapy for insomnia in older adults", "year": 2015,
         "authors": "Morin, Charles M. and Vallieres, Annie and Ivers, Hans", "journal": "", "volume": "",
         "issue": "", "pages": "", "doi": "", "abstract": "", "pub_type": ""}
    b = dict(a, id="b", authors=["Ivers H", "Morin CM", "Vallieres A"])
    r = deduplicate([a, b])
    assert grouped(r) == [["a", "b"]]
    assert "authors 1.00" in r.pairs[0].reasons


# --- 8. identifiers of every copy ---------------------------------------------------------------------------


def test_kept_record_carries_every_identifier():
    pubmed = dict(ART, pmid="21176949", source_id="21176949", source_db="PubMed", other_ids={"pmcid": "PMC3056171"})
    embase = dict(ART, id="embase", doi="https://doi.org/10.1016/S0140-6736(10)62175-7", pmid="",
                  source_id="L51189234", source_db="Embase", other_ids={"accession": "2011012345"})
    wos = dict(ART, id="wos", doi="10.1016/S0140-6736(10)62175-7; 10.1016/s0140-6736(11)60001-x", pmid="21176949",
               source_id="WOS:000286215300029", source_db="Web of Science", other_ids={"issn": "0140-6736"})
    best = best_record([pubmed, embase, wos])
    ids = best["identifiers"]
    assert ids["doi"] == ["10.1016/s0140-6736(10)62175-7", "10.1016/s0140-6736(11)60001-x"]
    assert ids["pmid"] == ["21176949"] and best["pmid"] == "21176949"
    assert ids["pmcid"] == ["PMC3056171"] and ids["accession"] == ["2011012345"]
    assert ids["source_id"] == ["PubMed:21176949", "Embase:L51189234", "Web of Science:WOS:000286215300029"]
    assert "issn" not in ids


# --- 4. venue aliases ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "same"), [
    ("J. Consult. Clin. Psychol.", "Journal of Consulting and Clinical Psychology", True),
    ("JAMA", "Journal of the American Medical Association", True),
    ("BMJ", "British Medical Journal", True),
    ("Elsevier Journal of Hepatology", "J Hepatol", True),  # a publisher in front in one copy
    ("Dtsch Med Wochenschr", "Deutsche Medizinische Wochenschrift", True),
    ("Trans R Soc Trop Med Hyg", "Transactions of the Royal Society of Tropical Medicine and Hygiene", True),
    ("Proc 2019 CHI Conf Hum Factors Comput Syst",
     "Proceedings of the 2019 CHI Conference on Human Factors in Computing Systems", True),
    ("International Conference on Robotics and Automation",
     "2019 IEEE International Conference on Robotics and Automation (ICRA)", True),
    ("IEEE Trans Pattern Anal Mach Intell", "IEEE Transactions on Pattern Analysis and Machine Intelligence", True),
    ("Lancet", "Lancet Oncology", False),
    ("Clinical Neurophysiology", "Clinical Neurophysiology Practice", False),
    ("Blood", "British Journal of Haematology", False),
    ("Bone Marrow Transplant", "Biology of Blood and Marrow Transplantation", False),
])
def test_venue_aliases(a, b, same):
    assert journals_compatible(normalize_journal(a), normalize_journal(b)) is same


def test_a_letter_with_an_abbreviated_venue_and_no_pages_merges():
    # PsycINFO writes the full journal name, MEDLINE the ISO abbreviation; one copy lacks the pages
    psyc = {"id": "psyc", "title": "Mindfulness-based cognitive therapy for recurrent depression: a trial",
            "authors": "Kuyken, Willem; Warren, Fiona C.; Taylor, Rod S.", "year": 2016,
            "journal": "Journal of Consulting and Clinical Psychology", "volume": "84", "issue": "", "pages": "",
            "doi": "", "abstract": "", "pub_type": "Journal Article"}
    med = dict(psyc, id="med", authors=["Kuyken W", "Warren FC", "Taylor RS"], journal="J Consult Clin Psychol",
               pages="565-74", issue="6")
    r = deduplicate([psyc, med])
    assert grouped(r) == [["med", "psyc"]]
    assert "journal compatible" in r.pairs[0].reasons
