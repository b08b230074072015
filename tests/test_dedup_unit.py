"""Unit tests of the duplicate-detection engine (screening.dedup): normalisation, decisions, groups."""

from __future__ import annotations

import pytest

from db.errors import InputError
from screening.dedup import AUTO, DISTINCT, QUEUED, best_record, deduplicate
from screening.dedup.normalize import (
    expand_pages,
    journals_compatible,
    normalize_authors,
    normalize_doi,
    normalize_journal,
    normalize_title,
    publication_kind,
)

TITLE = "Effects of a multifaceted treatment program for executive dysfunction after acquired brain injury"


def rec(rid: str, **kw) -> dict:
    base = {
        "id": rid, "title": TITLE, "authors": ["Spikman, Jacoba M.", "Boelen, Danielle H."], "year": 2010,
        "journal": "Journal of the International Neuropsychological Society", "volume": "16", "issue": "1",
        "pages": "118-129", "doi": "", "abstract": "", "pub_type": "article",
    }
    base.update(kw)
    return base


# --- normalisation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("Efficacy of batroxobin for vascular cognitive impairment. [Chinese]",
     "efficacy of batroxobin for vascular cognitive impairment"),
    ("[Fibrin glue pleurodesis in malignant effusions. A randomized study]",
     "fibrin glue pleurodesis in malignant effusions a randomized study"),
    ("Treatment of pleural effusion (author's transl)", "treatment of pleural effusion"),
    ("RETRACTED: Stem cells in stroke", "stem cells in stroke"),
    ("Erratum: Stem cells in stroke", "stem cells in stroke"),
    ("Über die <i>Wirkung</i> von Café", "uber die wirkung von cafe"),
    ("The current status of HPV DNA testing. [Review] [57 refs]", "the current status of hpv dna testing"),
    ("A TRIAL OF X&amp;Y IN ADULTS", "a trial of x y in adults"),
    ("Screening 12 500 adults and 1,200 children", "screening 12500 adults and 1200 children"),
    ("Doses of 0.5, 1 and 2 mg", "doses of 0 5 1 and 2 mg"),
    (None, ""),
])
def test_normalize_title(raw, expected):
    assert normalize_title(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("Zhai, Q. J. and Yue, X. Y.", ["zhai q", "yue x"]),
    ("B. Abrahao; P. Parigi", ["abrahao b", "parigi p"]),
    ("Adeli K.Lewis G. F.", ["adeli k", "lewis g"]),
    (["Müller, Jörg", "Smith JA"], ["muller j", "smith j"]),
    ("Anonymous", []),
    ("", []),
])
def test_normalize_authors(raw, expected):
    assert normalize_authors(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("123-9", ("123", "129")), ("123-129", ("123", "129")), ("1425-33", ("1425", "1433")),
    ("47--65", ("47", "65")), ("S12-4", ("s12", "s14")), ("pp. 12-15", ("12", "15")),
    ("e1001", ("e1001", "")),
    ("08-Aug", ("", "")), ("", ("", "")), (None, ("", "")),
    ("215 p", ("", "")), ("xii, 180 pp.", ("", "")),
])
def test_expand_pages(raw, expected):
    assert expand_pages(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://doi.org/10.1097/MOL.0b013e3282ffaf82.", "10.1097/mol.0b013e3282ffaf82"),
    ("doi: 10.1002/14651858.CD002273.pub2", "10.1002/14651858.cd002273.pub2"),
    ("not a doi", ""),
])
def test_normalize_doi(raw, expected):
    assert normalize_doi(raw) == expected


@pytest.mark.parametrize(("a", "b", "same"), [
    ("Curr Opin Lipidol", "Current Opinion in Lipidology", True),
    ("J Am Coll Cardiol", "Journal of the American College of Cardiology", True),
    ("Diabetes Metab", "Diabetes & metabolism", True),
    ("Stroke", "Stroke; a journal of cerebral circulation", True),
    ("Brain", "Brain Research", False),
    ("Lancet", "Journal of Pediatrics", False),
    ("Acta Med Scand", "Acta Medica Scandinavica [Electronic Resource]", True),
    ('"Nervenarzt (Berlin, Germany)"', "Der Nervenarzt", True),
    ("Frontiers in Neurology: Stroke and Vascular Disorders", "Front Neurol Stroke Vasc Disord", True),
    ("Frontiers in Neurology: Stroke", "Front Neurol Sleep Disord", False),
    ("Zhonghua nei ke za zhi = Chinese journal of internal medicine", "Chin J Intern Med", True),
    ("Revista Brasileira de Cardiologia/Brazilian Journal of Cardiology", "Braz J Cardiol", True),
    ("Revista Brasileira de Cardiologia/Brazilian Journal of Cardiology", "Brazilian Journal of Oncology", False),
])
def test_journals_compatible(a, b, same):
    assert journals_compatible(normalize_journal(a), normalize_journal(b)) is same


def test_publication_kind():
    assert publication_kind("Dissertation", "") == "thesis"
    assert publication_kind("article", "Dissertation Abstracts International") == "thesis"
    assert publication_kind("Conference Abstract", "Stroke") == "conference"
    assert publication_kind("article", "Proceedings of the National Academy of Sciences") == "article"
    assert publication_kind("article", "Stroke", "Erratum: a trial") == "erratum"
    assert publication_kind("article", "", "A title", "Ph.D.") == "thesis"
    assert publication_kind("article", "", "A title", "M.Sc. thesis") == "thesis"
    assert publication_kind("article", "Stroke", "A title", "12") == "article"



@pytest.mark.parametrize(("code", "journal", "kind"), [
    ("THES", "", "thesis"), ("CHAP", "Handbook of psychotherapy", "book"), ("BOOK", "", "book"),
    ("CPAPER", "", "conference"), ("CONF", "", "conference"), ("JOUR", "Stroke", "article"),
    ("EJOUR", "", "article"), ("JOUR", "Dissertation Abstracts International", "thesis"),
    ("JOUR", "Annual Meeting of the Society for Psychotherapy Research", "conference"), ("GEN", "", ""),
])
def test_ris_type_codes_give_the_kind(code, journal, kind):
    assert publication_kind(code, journal) == kind


def test_a_ris_thesis_and_its_article_with_one_title_are_not_merged_automatically():
    # RIS exports type records by code: TY THES against TY JOUR is a thesis against an article
    thesis = rec("thesis", pub_type="THES", journal="", volume="", issue="", pages="")
    article = rec("art", pub_type="JOUR")
    r = deduplicate([article, thesis])
    assert r.groups == [] and r.outcome("art", "thesis") == QUEUED
    assert deduplicate([article, dict(article, id="copy")]).groups == [["art", "copy"]]


# --- decisions -------------------------------------------------------------------------------------------

def test_all_caps_title_merges():
    r = deduplicate([rec("a"), rec("b", title=TITLE.upper(), authors="Spikman, J. M. and Boelen, D. H.")])
    assert r.groups == [["a", "b"]]
    assert r.outcome("a", "b") == AUTO


def test_abbreviated_pages_and_journal_agree():
    r = deduplicate([rec("a"), rec("b", pages="118-29", journal="J Int Neuropsychol Soc")])
    assert r.groups == [["a", "b"]]
    reasons = next(p.reasons for p in r.pairs)
    assert "pages equal" in reasons and "journal compatible" in reasons


def test_missing_fields_do_not_contradict():
    r = deduplicate([rec("a", doi="10.1017/S1355617709991020"),
                     rec("b", doi="", volume="", issue="", pages="", journal="")])
    assert r.groups == [["a", "b"]]


def test_conflicting_doi_vetoes():
    r = deduplicate([rec("a", doi="10.1000/aaa"), rec("b", doi="10.1000/bbb")])
    assert r.groups == []
    assert r.outcome("a", "b") == QUEUED
    assert "doi conflict" in r.candidates[0].reasons


def test_year_gap_two_vetoes():
    r = deduplicate([rec("a", year=2010), rec("b", year=2012)])
    assert r.groups == []
    assert r.outcome("a", "b") != AUTO


def test_year_gap_one_allowed():
    r = deduplicate([rec("a", year=2010), rec("b", year=2011)])
    assert r.groups == [["a", "b"]]
    assert "year ±1" in r.pairs[0].reasons


def test_conference_abstract_is_not_the_article():
    r = deduplicate([rec("art"), rec("conf", pub_type="Conference Abstract", pages="", volume="", issue="")])
    assert r.groups == []
    assert r.outcome("art", "conf") in (QUEUED, DISTINCT)


def test_dissertation_is_not_the_article():
    r = deduplicate([rec("art"), rec("diss", journal="Dissertation Abstracts International", volume="70",
                                      pages="4714", pub_type="")])
    assert r.groups == []
    assert r.outcome("art", "diss") != AUTO


def test_electronic_resource_journal_tag_merges():
    r = deduplicate([rec("a", journal="Brain Injury", pages=""),
                     rec("b", journal="Brain Injury [Electronic Resource]", pages="e118")])
    assert r.groups == [["a", "b"]]


def test_thousands_separator_is_not_a_number_conflict():
    title = "Outcomes of thrombolysis in 12 000 patients with acute ischaemic stroke"
    r = deduplicate([rec("a", title=title), rec("b", title=title.replace("12 000", "12000"), issue="",
                                                 volume="16", pages="")])
    assert r.groups == [["a", "b"]]
    r = deduplicate([rec("a", title=title), rec("b", title=title.replace("12 000", "14 000"))])
    assert r.groups == []


def test_thesis_with_degree_in_volume_is_not_the_article():
    # a thesis exported as a generic "article", recognisable by "Ph.D." where the volume goes
    for pages in ("180 p", ""):
        r = deduplicate([rec("art"), rec("thesis", journal="", volume="Ph.D.", issue="", pages=pages)])
        assert r.groups == []
        assert r.outcome("art", "thesis") != AUTO


def test_dissertation_listing_a_year_apart_is_queued():
    listing = rec("dai", authors="Okafor, Ngozi", journal="Dissertation Abstracts International: Section B",
                  volume="71", issue="5-B", pages="3120", year=2011)
    thesis = rec("thesis", authors="Okafor, N.", journal="", volume="Ph.D.", issue="", pages="212 p", year=2010)
    r = deduplicate([listing, thesis])
    assert r.outcome("dai", "thesis") == QUEUED
    assert deduplicate([listing, dict(thesis, year=2011)]).groups == [["dai", "thesis"]]


def test_translated_title_with_the_same_full_citation_merges():
    # no authors on one side; the translated title differs, but journal, year, volume and page range agree
    a = rec("a", title="[Early mobilisation after hip fracture surgery. Results of a controlled study]",
            authors="Keller, H.", journal="Zeitschrift fur Orthopadie", volume="121", issue="4",
            pages="455-461", year=1983)
    b = rec("b", title="Early postoperative mobilisation after hip fracture surgery", authors="",
            journal="Z-Orthop", volume="121", issue="", pages="455-61", year=1983)
    r = deduplicate([a, b])
    assert r.groups == [["a", "b"]]
    # only the start page agrees: a person decides
    r = deduplicate([a, dict(b, pages="455")])
    assert r.groups == []
    assert r.outcome("a", "b") == QUEUED


def test_truncated_subtitle_with_the_same_citation_merges():
    full = rec("full", title="Mirror therapy for phantom limb pain: a randomised trial in 64 amputees")
    short = rec("short", title="Mirror therapy for phantom limb pain", authors="Spikman, J. and Boelen, D.",
                journal="J Int Neuropsychol Soc")
    r = deduplicate([full, short])
    assert r.groups == [["full", "short"]]
    assert "one title is the other cut short" in r.pairs[0].reasons
    # without volume and pages, the shared beginning alone only queues the pair
    r = deduplicate([full, dict(short, volume="", pages="")])
    assert r.outcome("full", "short") == QUEUED


def test_different_titles_are_distinct():
    r = deduplicate([rec("a"), rec("b", title="Constraint-induced movement therapy after stroke: a trial",
                                    pages="200-210")])
    assert r.groups == [] and r.candidates == []


def test_group_with_conflicting_dois_is_not_merged():
    # a-b and b-c look like duplicates, but a and c carry different DOIs: they must not end in one group
    r = deduplicate([rec("a", doi="10.1000/aaa"), rec("b"), rec("c", doi="10.1000/ccc")])
    assert all(not {"a", "c"} <= set(g) for g in r.groups)
    assert len(r.groups) == 1 and len(r.groups[0]) == 2
    assert any("b" in (c.id_a, c.id_b) for c in r.candidates)


def test_three_copies_form_one_group():
    r = deduplicate([rec("a"), rec("b", title=TITLE.upper()), rec("c", pages="118-29", doi="10.1000/x")])
    assert r.groups == [["a", "b", "c"]]
    assert r.candidates == []


def test_empty_one_and_blank_titles():
    assert deduplicate([]).groups == []
    assert deduplicate([rec("a")]).groups == []
    r = deduplicate([rec("a", title=""), rec("b", title=""), rec("c", title=None)])
    assert r.groups == []


def test_objects_are_accepted():
    class R:
        def __init__(self, **kw):
            self.__dict__.update(kw)
    r = deduplicate([R(**rec("a")), R(**rec("b", title=TITLE.lower()))])
    assert r.groups == [["a", "b"]]


def test_duplicate_or_missing_ids_are_input_errors():
    with pytest.raises(InputError):
        deduplicate([rec("a"), rec("a")])
    with pytest.raises(InputError):
        deduplicate([rec(None)])


def test_scores_and_candidates_order():
    r = deduplicate([rec("a"), rec("b", doi="10.1000/aaa", year=2012),
                     rec("c", doi="10.1000/ccc", year=2012)])
    assert all(0.0 <= p.score <= 1.0 for p in r.pairs)
    assert [c.score for c in r.candidates] == sorted((c.score for c in r.candidates), reverse=True)


# --- best record -----------------------------------------------------------------------------------------

def test_best_record_picks_best_values():
    group = [
        rec("a", title=TITLE.upper(), journal="J Int Neuropsychol Soc", pages="118-29", doi="",
            abstract="Short.", authors="Spikman JM; Boelen DH"),
        rec("b", journal="Journal of the International Neuropsychological Society", pages="118",
            doi="https://doi.org/10.1017/S1355617709991020", abstract="A much longer abstract text.",
            authors=["Spikman, Jacoba M.", "Boelen, Danielle H.", "Lamberts, K. F."]),
        rec("c", title=TITLE + ". [Review] [40 refs]", year=2010, pages="", abstract=""),
    ]
    best = best_record(group)
    assert best["title"] == TITLE
    assert best["journal"] == "Journal of the International Neuropsychological Society"
    assert best["pages"] == "118-129"
    assert best["doi"] == "10.1017/s1355617709991020"
    assert best["abstract"] == "A much longer abstract text."
    assert best["authors"] == ["Spikman, Jacoba M.", "Boelen, Danielle H.", "Lamberts, K. F."]
    assert best["year"] == 2010
    assert best["merged_ids"] == ["a", "b", "c"]
    assert best_record([]) == {}
