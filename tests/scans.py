"""Scanned papers for the OCR tests: pages of text drawn into greyscale pictures (Pillow, a real TrueType font,
150 dpi, a little noise as a flatbed scanner leaves), saved as a PDF of pictures only (Pillow's PDF writer):
no text layer at all, as a library's scan of an old volume."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tests.pdf_factory import FONTS

DPI = 150


def scan_page(lines: list[str], seed: int = 0) -> Image.Image:
    """One A4 page at `DPI`: ``lines`` in Liberation Serif 11 pt, specks of grey scattered over it."""
    img = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONTS["liberation-serif"]), 34)
    for k, line in enumerate(lines):
        draw.text((150, 200 + 52 * k), line, fill=0, font=font)
    rng = random.Random(seed)
    for _ in range(400):
        x, y = rng.randrange(img.width), rng.randrange(img.height)
        draw.point((x, y), fill=rng.randrange(150, 230))
    return img


def write_scan(path: Path, pages: list[list[str]]) -> Path:
    """A PDF of ``pages`` (lines each), every page a scanned picture (`scan_page`)."""
    imgs = [scan_page(lines, seed=k) for k, lines in enumerate(pages)]
    imgs[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=imgs[1:])
    return path


def need_tesseract() -> None:
    """Skip the test without the ``tesseract`` program, or fail it where CI promised to install it."""
    import pytest

    if shutil.which("tesseract"):
        return
    if os.environ.get("CI"):
        pytest.fail("CI is set but Tesseract is not installed (.ci/run installs tesseract-ocr)")
    pytest.skip("tesseract not installed (apt-get install tesseract-ocr)")
