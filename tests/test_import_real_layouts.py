"""Classes of damage found by importing real exports from other projects' test suites (issue 11): each test
writes its own file in the vendor's layout (other people's files stay out of the project) and checks that
every value lands in its field."""

from __future__ import annotations

from screening.importers import SourceFile, detect, read_records


def _read(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    source = SourceFile(path)
    det = detect(source)
    return det, list(read_records(source, det.importer)), source.warnings


def test_trid_ris_compact_start_date_page_prefix_and_database(tmp_path):
    """TRID writes ``PY - Start date: 20170812`` and ``SP - pp 278-298``; its links name it."""
    text = ("TY  - ABST\nAN  - 01699001\nTI  - Roundabout crash rates in rural Ohio\nPY  - Start date: 20170812\n"
            "AB  - We counted crashes.\nUR  - https://trid.trb.org/view/1500001\nER  - \n\n"
            "TY  - JOUR\nAN  - 01699002\nJO  - Transportation Research Record\nAU  - Okafor, N\n"
            "TI  - Lane width and speed\nPY  - 2018/04\nVL  - 78\nSP  - pp 37-64\n"
            "DO  - https://doi.org/10.3141/2018.05.005\nUR  - https://trid.trb.org/view/1500002\nER  - \n")
    det, recs, _ = _read(tmp_path / "trid.ris", text)
    assert det.source_db == "TRID" and len(recs) == 2
    assert recs[0].year == 2017 and recs[1].year == 2018
    assert recs[1].pages == "37-64" and recs[1].doi == "10.3141/2018.05.005" and recs[1].source_id == "01699002"


def test_an_isbn_in_the_ris_sn_field_is_an_isbn(tmp_path):
    """RIS ``SN`` holds an ISSN or an ISBN (JSTOR book chapters): 13 digits are an ISBN."""
    text = ("TY  - CHAP\nTI  - Alliance in groups\nAU  - Lind, Maja\nPY  - 2019\nSN  - 9780367358655\n"
            "SP  - 125\nEP  - 154\nT2  - Handbook of group therapy\nER  - \n\n"
            "TY  - JOUR\nTI  - Alliance in couples\nAU  - Lind, Maja\nPY  - 2019\nSN  - 0022-0167\nER  - \n")
    _, recs, _ = _read(tmp_path / "jstor.ris", text)
    assert recs[0].other_ids == {"isbn": "9780367358655"} and recs[0].pages == "125-154"
    assert recs[1].other_ids == {"issn": "0022-0167"}


def test_wos_bibtex_doi_loses_its_latex_escape(tmp_path):
    text = ("@inproceedings{ WOS:000111122223333,\nAuthor = {Berg, Ana and Holm, Per},\nTitle = {Alliance online},\n"
            "Booktitle = {Proceedings of the e-health meeting},\nYear = {2017},\nPages = {48-98},\n"
            "DOI = {10.1007/978-3-319-12345-6\\_3},\nISBN = {978-3-319-12345-6},\n"
            "Unique-ID = {WOS:000111122223333},\n}\n")
    det, [rec], _ = _read(tmp_path / "savedrecs.bib", text)
    assert det.source_db == "Web of Science Core Collection"
    assert rec.doi == "10.1007/978-3-319-12345-6_3" and rec.source_id == "WOS:000111122223333"


def test_europe_pmc_bibtex_pmid_key_html_sections_and_em_dash_pages(tmp_path):
    text = ("@article {PMID:31000001,\n\tTitle = {Alliance in <i>online</i> CBT},\n"
            "\tAuthor = {Berg, Ana and Holm, Per},\n\tVolume = {15},\n\tYear = {2023},\n"
            "\tJournal = {Nature and science of sleep},\n\tPages = {59\u201467},\n"
            "\tAbstract = {<h4>Purpose</h4>We tested it.<h4>Results</h4>It held (<i>P</i> = 0.02).},\n"
            "\tURL = {https://europepmc.org/articles/PMC9000001},\n}\n")
    det, [rec], _ = _read(tmp_path / "europepmc.bib", text)
    assert det.source_db == "Europe PMC"
    assert rec.pmid == "31000001" and rec.pages == "59-67" and rec.title == "Alliance in online CBT"
    assert rec.abstract == "Purpose: We tested it. Results: It held (P = 0.02)."


def test_ebsco_permalink_names_the_database(tmp_path):
    """EBSCOhost's BibTeX has no database field, but its permalinks carry the database code (db=...)."""
    text = ("@article{170000001,\nAbstract = {We asked them.},\nAuthor = {Berg, Ana and Holm, Per},\n"
            "Journal = {MIS Quarterly},\nPages = {1 - 10},\nTitle = {Alliance at work.},\nYear = {2000},\n"
            "URL = {https://search.ebscohost.com/login.aspx?direct=true&AuthType=ip&db=psyh&AN=170000001&site="
            "ehost-live},\n}\n")
    det, [rec], _ = _read(tmp_path / "ebsco.bib", text)
    assert det.source_db == "PsycINFO" and rec.pages == "1-10"


def test_medline_issn_lines_keep_the_number_not_the_label(tmp_path):
    text = ("PMID- 31000002\nOWN - NLM\nIS  - 1878-0849 (Electronic)\nIS  - 1769-7212 (Print)\n"
            "IS  - 1769-7212 (Linking)\nDP  - 2020 Feb\nTI  - Alliance over time.\nFAU - Berg, Ana\nAU  - Berg A\n"
            "JT  - Journal of therapy\n\n"
            "PMID- 31000003\nOWN - NLM\nIS  - 2050-084X (Electronic)\nIS  - 2050-084X (Linking)\nDP  - 2022 Nov 30\n"
            "TI  - Alliance online.\nFAU - Holm, Per\nAU  - Holm P\n")
    _, recs, _ = _read(tmp_path / "pubmed.nbib", text)
    assert recs[0].other_ids == {"issn": "1769-7212", "eissn": "1878-0849"}
    assert recs[1].other_ids == {"issn": "2050-084X"}


def test_endnote_ris_names_endnote_which_is_a_tool(tmp_path):
    """EndNote writes its own name in ``DB`` (values wrapped onto untagged lines): the tool, not a database."""
    text = ("TY  - JOUR\nAU  - Berg, Ana\nDB  - EndNote\nRIS\nKW  - alliance\noutcome\nPY  - 2024\n"
            "TI  - Alliance in groups\nSN  - 0000-0000\nER  -\n")
    det, [rec], _ = _read(tmp_path / "endnote.ris", text)
    assert det.source_db is None and det.tool == "EndNote" and rec.keywords == ["alliance", "outcome"]


def test_pandas_list_cells_and_rispy_column_names(tmp_path):
    """A CSV written by pandas from rispy-named columns (ASReview's exports): list cells are Python
    literals, the journal is ``alternate_title3`` (RIS JF), authors ``first_authors`` (RIS A1)."""
    text = ("abstract;alternate_title3;first_authors;id;issn;keywords;title;publication_year;type_of_reference\n"
            "We asked them.;Journal of Therapy;['Berg, Ana', 'Holm, Per'];77;1932-6208;['alliance', 'outcome'];"
            "Alliance at work;2014//;JOUR\n")
    _, [rec], _ = _read(tmp_path / "asreview_export.csv", text)
    assert rec.authors == ["Berg, Ana", "Holm, Per"] and rec.keywords == ["alliance", "outcome"]
    assert rec.journal == "Journal of Therapy" and rec.year == 2014 and rec.pub_type == "JOUR"
    assert rec.other_ids == {"issn": "1932-6208"} and rec.source_id == "77"


def test_ebsco_ris_abstract_notice_removed_and_greenfile_named(tmp_path):
    """EBSCOhost RIS: ``DB - 8gh`` (GreenFILE) and the notice it appends to abstracts, wrapped onto an
    untagged line."""
    text = ("TY  - JOUR\nTI  - Mine dust and hares\nAU  - Amuno, S.\nT2  - Science of the Total Environment\n"
            "AB  - Bones were weaker near the mine. [ABSTRACT FROM AUTHOR]\nCopyright of Science of the Total "
            "Environment is the property of Elsevier B.V. and its content may not be copied or emailed to multiple "
            "sites. This abstract may be abridged. (Copyright applies to all Abstracts.)\nPY  - 2018\n"
            "DP  - EBSCOhost\nUR  - http://search.ebscohost.com/login.aspx?direct=true&db=8gh&AN=126062847\n"
            "AN  - 126062847\nDB  - 8gh\nER  - \n")
    det, [rec], _ = _read(tmp_path / "greenfile.ris", text)
    assert det.source_db == "GreenFILE" and rec.abstract == "Bones were weaker near the mine."
    assert "Copyright applies" in " ".join(rec.raw["AB"])  # kept as exported


def test_dimensions_ris_glued_headings_and_database(tmp_path):
    """Dimensions glues a structured abstract's headings to the text and names itself only in its links;
    its second link wraps onto an untagged line."""
    text = ("TY  - JOUR\nAB  - BackgroundAlliance predicts outcome.MethodsWe pooled 30 trials (n = 2,000)."
            "ResultsThe pooled r was 0.28.ConclusionsIt holds.\nAN  - pub.1117000001\nAU  - Berg, Ana\n"
            "DO  - 10.1186/s13750-019-0001-5\nPY  - 2019\nT2  - Environmental Evidence\nTI  - Alliance pooled\n"
            "UR  - https://app.dimensions.ai/details/publication/pub.1117000001\nhttps://example.org/pdf/1\n"
            "ID  - 264\nER  - \n")
    det, [rec], _ = _read(tmp_path / "dimensions.ris", text)
    assert det.source_db == "Dimensions" and rec.source_id == "pub.1117000001"
    assert rec.abstract == ("Background: Alliance predicts outcome. Methods: We pooled 30 trials (n = 2,000). "
                            "Results: The pooled r was 0.28. Conclusions: It holds.")


def test_a_word_that_merely_starts_like_a_heading_is_left_alone():
    from screening.importers.fields import unglue_headings

    text = "We used BackgroundNoise data. Results were clear. The MethodsSection is long."
    assert unglue_headings(text) == text


def test_ovid_medline_ris_accession_is_the_pmid_and_link_lines_are_not_records(tmp_path):
    """Ovid's RIS of MEDLINE (``D=medp``): the record's AN in its link is the PMID; the 'Link to the Ovid
    Full Text' lines Ovid writes after each ``ER`` are not records."""
    rec = ("{n}. \nTY  - JOUR\nID  - {pmid}\nT1  - Alliance {n}.\nA1  - Berg, Ana\nY1  - 2018//\n"
           "JF  - Journal of therapy\nSN  - 1557-7740\nDO  - https://dx.doi.org/10.1089/jpm.2018.{n}\n"
           "L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=medp&NEWS=N&AN={pmid}\nER  -  \n\n"
           "Link to the Ovid Full Text or citation: https://proxy.example.edu/login?url=http://ovidsp.ovid.com?"
           "T=JS&CSC=Y&NEWS=N&PAGE=fulltext&D=medp&AN={pmid}Link to the External Link Resolver: http://x.example"
           ".com/?rft_id=info:pmid/{pmid}&rft.aulast=Berg \n\n")
    text = rec.format(n=1, pmid="30484626") + rec.format(n=2, pmid="30412005")
    det, recs, _ = _read(tmp_path / "ovid.ris", text)
    assert det.source_db == "MEDLINE" and [r.pmid for r in recs] == ["30484626", "30412005"]
    assert [r.title for r in recs] == ["Alliance 1.", "Alliance 2."] and recs[1].doi == "10.1089/jpm.2018.2"


def test_endnote_xml_records_taken_from_web_of_science(tmp_path):
    """EndNote keeps a WoS record's link as ``<Go to ISI>://WOS:...`` (escaped in the XML): the database is
    Web of Science Core Collection and the WoS id is kept."""
    style = '<style face="normal" font="default" size="100%">{}</style>'
    text = ('<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><database name="newlib.enl" '
            'path="/Users/ann/newlib.enl">newlib.enl</database><source-app name="EndNote" version="17.2">EndNote'
            '</source-app><rec-number>2</rec-number><ref-type name="Journal Article">17</ref-type><contributors>'
            f'<authors><author>{style.format("Berg, A.")}</author></authors></contributors><titles><title>'
            f'{style.format("Alliance online")}</title><secondary-title>{style.format("J Ther")}</secondary-title>'
            f'</titles><dates><year>{style.format("2015")}</year></dates><urls><related-urls><url>'
            f'{style.format("&lt;Go to ISI&gt;://WOS:000356201700010")}</url></related-urls></urls>'
            '</record></records></xml>')
    det, [rec], _ = _read(tmp_path / "newlib.xml", text)
    assert det.source_db == "Web of Science Core Collection" and det.tool is None
    assert rec.other_ids["wos"] == "WOS:000356201700010" and rec.source_id == "WOS:000356201700010"


def test_ris_doi_prefix_and_hyphenated_isbn(tmp_path):
    text = ("TY  - CHAP\nPY  - 2015\nDO  - doi:10.1201/b19107-2\nAU  - Barata, Catarina\nSP  - 1-22\n"
            "TI  - Dermoscopy under different conditions\nT2  - Dermoscopy Image Analysis\n"
            "SN  - 978-1-4822-5326-9\nPB  - CRC Press\nER  - \n")
    _, [rec], _ = _read(tmp_path / "chapter.ris", text)
    assert rec.doi == "10.1201/b19107-2" and rec.other_ids == {"isbn": "978-1-4822-5326-9"}


def test_placeholder_ris_ids_are_not_record_ids(tmp_path):
    """``M1 - 0`` (Crossref-made RIS) or Ovid's ``M1 - vwt, 1307333`` must not become two records' shared id."""
    text = ("TY  - CHAP\nM1  - 0\nTI  - First chapter\nPY  - 2015\nER  - \n\n"
            "TY  - CHAP\nM1  - 0\nTI  - Second chapter\nPY  - 2015\nER  - \n\n"
            "TY  - JOUR\nM1  - vwt, 1307333\nTI  - An article\nPY  - 2018\nER  - \n\n"
            "TY  - JOUR\nAN  - 01611111\nU1  - User definable 1. Free text.\nTI  - A report\nER  - \n")
    _, recs, _ = _read(tmp_path / "ids.ris", text)
    assert [r.source_id for r in recs] == ["", "", "", "01611111"]


def test_lens_ris_jats_abstract_and_wrapped_links(tmp_path):
    """Lens passes on the publisher's JATS markup in abstracts and wraps its many links onto untagged lines."""
    text = ("TY  - JOUR\nAB  - <jats:title>Abstract</jats:title><jats:sec> <jats:title>Background</jats:title> "
            "<jats:p>Light draws birds.</jats:p> </jats:sec><jats:sec> <jats:title>Review findings</jats:title> "
            "<jats:p>Most were (<jats:italic>Passeriformes</jats:italic>, and others).</jats:p> </jats:sec>\n"
            "AU  - Adams, Carrie Ann\nDO  - 10.1186/s13750-021-00246-8\nPY  - 2021\nT2  - Environmental Evidence\n"
            "TI  - Light and birds\nUR  - https://pubag.nal.usda.gov/catalog/6354553\nhttps://lens.org/112-891-077-491-681"
            "\nID  - 493\nER  - \n")
    det, [rec], _ = _read(tmp_path / "lens.ris", text)
    assert det.source_db == "Lens"
    assert rec.abstract == "Background: Light draws birds. Review findings: Most were (Passeriformes, and others)."


def test_scielo_ris_label_in_abstract_and_one_database_name(tmp_path):
    """SciELO writes ``DB - SciELO Brazil`` / ``SciELO Colombia`` and starts abstracts with their label."""
    rec = ("TY  - JOUR\nAU  - Lind, Maja\nTI  - Aves {n}\nJO  - Caldasia\nDB  - SciELO {c}\nDP  - http://www.scielo.org/\n"
           "ID  - S0366-5232201800010000{n}-col\nPY  - 2018\nAB  - ABSTRACT Body condition varies.\n"
           "AB  - RESUMEN La condición corporal varía.\nER  -\n\n")
    det, recs, _ = _read(tmp_path / "scielo.ris", rec.format(n=1, c="Colombia") + rec.format(n=2, c="Brazil"))
    assert det.source_db == "SciELO" and [r.abstract for r in recs] == ["Body condition varies."] * 2


def test_an_abstract_that_starts_with_the_word_summary_as_text_is_kept():
    from screening.importers.base import ParsedRecord
    from screening.importers.fields import field_hygiene

    rec = ParsedRecord(title="t", abstract="Summary statistics were pooled.")
    field_hygiene(rec)
    assert rec.abstract == "Summary statistics were pooled."


def test_ris_records_with_nothing_but_a_type_are_skipped_with_a_warning(tmp_path):
    """ASReview's reference-type test file opens with ``TY -`` / ``ER -`` pairs that hold nothing: they are
    no records, and the import says so instead of losing them from the count silently."""
    text = "TY  -\nER  -\n\nTY  - GEN\nER  -\n\nTY  - BOOK\nN1  - Reference Type: Book\nER  -\n"
    _, recs, warnings = _read(tmp_path / "types.ris", text)
    assert [r.pub_type for r in recs] == ["BOOK"]
    assert warnings == ["types.ris: lines 1, 4: 2 records with nothing but a type line (TY) between TY and ER "
                        "were not imported"]
