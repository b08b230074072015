"""Fuzz the line-tagged parsers: any text or bytes give records or an InputError, never another error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.errors import InputError
from screening.importers import SourceFile
from screening.importers.medline import MedlineImporter
from screening.importers.ris import RisImporter
from screening.importers.wos import WosTaggedImporter

IMPORTERS = [RisImporter(), MedlineImporter(), WosTaggedImporter()]
TAGS = ["TY  - ", "ER  - ", "TI  - ", "AU  - ", "PY  - ", "DO  - ", "PMID- ", "AB  - ", "FAU - ", "PT ",
        "ER", "EF", "FN ", "UT ", "      ", "   ", "1.", ""]

lines = st.lists(st.tuples(st.sampled_from(TAGS), st.text(max_size=40)), max_size=40).map(
    lambda items: "\n".join(t + v for t, v in items))
line_ends = st.sampled_from(["\n", "\r\n", "\r"])


def _consume(data: bytes) -> None:
    source = SourceFile("fuzz.txt", data)
    for imp in IMPORTERS:
        try:
            # call the importer itself: the registry's safety net must not hide a parser bug
            for rec in imp.read(source, {}):
                assert isinstance(rec.title, str) and isinstance(rec.authors, list)
        except InputError:
            pass


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(lines, line_ends)
def test_tag_shaped_text_never_raises_anything_else(text, end):
    _consume(text.replace("\n", end).encode("utf-8"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_anything_else(data):
    _consume(data)
