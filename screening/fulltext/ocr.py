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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from db.errors import Cancelled, InputError

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


def ocr_pages(data: bytes, pages: list[int], lang: str = "eng", seconds: float = PAGE_SECONDS,
              progress: Callable[[int, int, str], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> OcrResult:
    """The text Tesseract reads on each 1-based page in ``pages`` of the PDF ``data`` (see the module docstring).
    ``progress(done, total, message)`` is told before each page and once at the end; ``should_stop()`` is asked
    before each page (True: `Cancelled`, nothing is returned)."""
    import pypdfium2 as pdfium

    from screening.fulltext.pdf import pdfium_lock

    exe = tesseract() if pages else ""
    texts: dict[int, str] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="metasift-ocr-") as tmp:
        for k, number in enumerate(pages):
            if should_stop is not None and should_stop():
                raise Cancelled(f"OCR stopped before page {number}")
            if progress is not None:
                progress(k, len(pages), f"Reading page {number} by OCR ({k + 1} of {len(pages)})")
            png = Path(tmp) / f"page-{number}.png"
            with pdfium_lock():
                doc = pdfium.PdfDocument(data)
                try:
                    page = doc[number - 1]
                    page.render(scale=DPI / 72, grayscale=True).to_pil().save(png)
                    page.close()
                finally:
                    doc.close()
            got = _run(exe, png, lang, seconds, should_stop)
            if got is None:
                notes.append(f"page {number}: OCR stopped after {seconds:g} s; read the page and type its statistics")
                continue
            code, out, err = got
            if code != 0:
                last = err.strip().splitlines()
                notes.append(f"page {number}: Tesseract failed ({last[-1] if last else f'exit {code}'})")
                continue
            texts[number] = out
    if progress is not None and pages:
        progress(len(pages), len(pages), f"Read {len(pages)} page{'s' if len(pages) != 1 else ''} by OCR")
    return OcrResult(texts, notes)


def _run(exe: str, png: Path, lang: str, seconds: float, should_stop: Callable[[], bool] | None
         ) -> tuple[int, str, str] | None:
    """Tesseract on ``png``: (exit code, text, messages), or None when it ran out of ``seconds``. Asked
    ``should_stop`` five times a second: True kills it and raises `Cancelled`."""
    import time

    proc = subprocess.Popen([exe, str(png), "stdout", "-l", lang], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + seconds
    while True:
        try:
            out, err = proc.communicate(timeout=0.2)
            return proc.returncode, out, err
        except subprocess.TimeoutExpired:
            stop = should_stop is not None and should_stop()
            if stop or time.monotonic() > deadline:
                proc.kill()
                proc.communicate()
                if stop:
                    raise Cancelled("OCR stopped") from None
                return None
