"""Picture pages (`screening.fulltext.pdf.picture_pages`: an image covers most of the page, little text) are
named for the coder, and read by OCR when asked (`metasift stats FILE.pdf --ocr`, Tesseract). Every PDF is
written here with fpdf2 around images drawn with Pillow in a real font."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from cli.app import main
from db.errors import InputError
from extraction.statfinder.sources import read_paper
from screening.fulltext.ocr import ocr_pages
from screening.fulltext.pdf import image_cover, picture_pages, read_pdf
from tests.pdf_factory import FONTS
from tests.scans import need_tesseract

SCANNED = ["Results", "The early alliance predicted outcome,", "r(95) = .31, p = .002, and the late",
           "alliance did too, t(40) = 2.10, p = .04."]
STAMP = ("Downloaded from https://journals.example.org by University Library on 3 December 2026. "
         "Copyright the authors; for personal use only.")


def _scan(lines: list[str]) -> io.BytesIO:
    """A page of text as a scanner gives it: an A4 picture at 150 dpi, a real font at 11 pt."""
    img = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONTS["liberation-serif"]), 34)
    for k, line in enumerate(lines):
        draw.text((150, 200 + 52 * k), line, fill=0, font=font)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    return buf


def _pdf(path: Path, *, stamp: bool = False, ocr_layer: bool = False, logo: bool = False) -> None:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    pdf.multi_cell(0, 5, "Method. Clients rated the alliance after session 2; outcome was the BDI-II at the end "
                         "of treatment, r(70) = .25, p = .03.")
    pdf.add_page()
    if logo:  # a page with a small picture (a logo) and a line of text: no picture page, only a short one
        pdf.image(_scan(["logo"]), x=160, y=20, w=30)
        pdf.multi_cell(0, 5, "Appendix")
    else:
        pdf.image(_scan(SCANNED), x=0, y=0, w=210, h=297)
    if stamp:
        pdf.set_xy(10, 285)
        pdf.set_font("Helvetica", size=6)
        pdf.multi_cell(0, 3, STAMP)
    if ocr_layer:  # a scan someone already OCR'd: invisible text over the picture
        pdf.text_mode = "INVISIBLE"
        pdf.set_xy(25, 34)
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 9, " ".join(SCANNED * 6))
        pdf.text_mode = "FILL"
    pdf.output(str(path))


def test_a_scan_with_a_download_line_is_a_picture_page_an_ocrd_scan_or_a_logo_is_not(tmp_path):
    path = tmp_path / "stamped.pdf"
    _pdf(path, stamp=True)
    data = path.read_bytes()
    texts = read_pdf(data, path.name).page_text
    assert sum(c.isalnum() for c in texts[1]) > 40  # the old "< 40 characters" rule saw text on the scan
    assert image_cover(data, [0, 1])[1] > 0.95
    assert picture_pages(data, texts) == [2]
    paper = read_paper(path)
    assert paper.without_text == [2]
    assert paper.notes()[0].startswith("page 2 has no text layer (a picture covers it") and "--ocr" in paper.notes()[0]
    ocrd = tmp_path / "ocrd.pdf"
    _pdf(ocrd, ocr_layer=True)
    assert read_paper(ocrd).without_text == [] and read_paper(ocrd).pictures == []
    logo = tmp_path / "logo.pdf"
    _pdf(logo, logo=True)
    paper = read_paper(logo)
    assert paper.pictures == [] and paper.without_text == [2]  # too little text, but no picture of a page
    assert paper.notes()[0].startswith("page 2 has no text layer (a scan or a picture)")


def test_ocr_reads_the_picture_page_and_marks_what_it_found(tmp_path, capsys):
    need_tesseract()
    path = tmp_path / "scan.pdf"
    _pdf(path)
    assert main(["stats", str(path), "--json"]) in (0, None)
    plain = json.loads(capsys.readouterr().out)
    assert plain["pages_without_text"] == [2] and [s["page"] for s in plain["statistics"]] == [1]
    assert main(["stats", str(path), "--ocr", "--json"]) in (0, None)
    data = json.loads(capsys.readouterr().out)
    assert data["ocr_pages"] == [2] and "read by OCR" in data["notes"][0]
    found = [(s["page"], s["kind"], s["value"], s["df1"], s["p"], s["ocr"]) for s in data["statistics"]]
    assert found == [(1, "r", 0.25, 70, 0.03, False), (2, "r", 0.31, 95, 0.002, True),
                     (2, "t", 2.1, 40, 0.04, True)]
    ocr = [s for s in data["statistics"] if s["ocr"]]
    assert all("read by OCR" in s["warning"] for s in ocr) and ocr[0]["p_check"]["consistent"]


def test_ocr_without_tesseract_says_how_to_install_it(tmp_path, monkeypatch):
    path = tmp_path / "scan.pdf"
    _pdf(path)
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without the program, as on a machine without it
    with pytest.raises(InputError, match="apt-get install tesseract-ocr"):
        ocr_pages(path.read_bytes(), [2])
    with pytest.raises(InputError, match="Tesseract"):
        read_paper(path, ocr=True)
    assert read_paper(path).without_text == [2]  # without --ocr nothing needs it


def test_a_statistic_read_by_ocr_keeps_that_in_its_provenance():
    from extraction.coding import clean_provenance
    from extraction.statfinder.find import find_statistics

    s = next(x for x in find_statistics(["The alliance predicted outcome, r(95) = .31, p = .002."]) if x.kind == "r")
    assert clean_provenance(s.provenance("ab12").to_json())["source"] == "full text"
    s.ocr = True
    assert clean_provenance(s.provenance("ab12").to_json())["source"] == "full text (OCR)"
    assert "read by OCR" in s.warning and s.to_json()["ocr"] is True
    with pytest.raises(InputError, match="only 'full text'"):
        clean_provenance({**s.provenance("ab12").to_json(), "source": "typed"})
