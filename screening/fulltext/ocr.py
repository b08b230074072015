"""Text for picture pages by optical character recognition: Tesseract (Debian: ``apt-get install
tesseract-ocr``), run as its own program on each page rendered at 300 dpi (pypdfium2), with a time limit per
page. OCR is asked for (``metasift stats ... --ocr``), never done behind the coder's back: its text has no
character positions on the page (nothing can be highlighted) and its digits can be wrong, so what is found in
it says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from db.errors import InputError

DPI = 300
PAGE_SECONDS = 60.0
"""Tesseract gets this long per page; a page it does not finish is reported, not waited for."""


@dataclass(frozen=True)
class OcrResult:
    """``texts``: 1-based page -> its OCR text; ``notes``: one sentence per page that could not be read."""

    texts: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def tesseract() -> str:
    """The path of the ``tesseract`` program, or an `InputError` saying how to install it."""
    path = shutil.which("tesseract")
    if not path:
        raise InputError("OCR needs Tesseract, which is not installed here (Debian/Ubuntu: apt-get install "
                         "tesseract-ocr; other systems: https://tesseract-ocr.github.io); without it picture pages "
                         "stay unread")
    return path


def ocr_pages(data: bytes, pages: list[int], lang: str = "eng", seconds: float = PAGE_SECONDS) -> OcrResult:
    """The text Tesseract reads on each 1-based page in ``pages`` of the PDF ``data`` (see the module docstring)."""
    import pypdfium2 as pdfium

    from screening.fulltext.pdf import pdfium_lock

    exe = tesseract() if pages else ""
    texts: dict[int, str] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="metasift-ocr-") as tmp:
        for number in pages:
            png = Path(tmp) / f"page-{number}.png"
            with pdfium_lock():
                doc = pdfium.PdfDocument(data)
                try:
                    page = doc[number - 1]
                    page.render(scale=DPI / 72, grayscale=True).to_pil().save(png)
                    page.close()
                finally:
                    doc.close()
            try:
                done = subprocess.run([exe, str(png), "stdout", "-l", lang], capture_output=True, text=True,
                                      timeout=seconds, check=False)
            except subprocess.TimeoutExpired:
                notes.append(f"page {number}: OCR stopped after {seconds:g} s; read the page and type its statistics")
                continue
            if done.returncode != 0:
                err = (done.stderr or "").strip().splitlines()
                notes.append(f"page {number}: Tesseract failed ({err[-1] if err else f'exit {done.returncode}'})")
                continue
            texts[number] = done.stdout
    return OcrResult(texts, notes)
