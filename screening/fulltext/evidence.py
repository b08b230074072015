"""The protocol's criteria evidence (alliance terms, sample sizes, age words...) on each page of a full text:
the same assessor as the abstract view (`screening.criteria.assess`), run on every page's stored text, so the
viewer can mark the evidence on the page in the same green (for inclusion) / red (against) language."""

from __future__ import annotations

from collections.abc import Sequence

from screening.criteria.assess import assessor_for
from screening.protocol import Protocol

MAX_PAGE_CHARS = 40_000
"""A page with more text than this (a data table dump) is assessed on its first part only."""


def page_evidence(pages: Sequence[str], protocol: Protocol | None = None) -> list[list[tuple[int, int, str]]]:
    """Per page: ``(start, end, polarity)`` spans indexing that page's text; polarity include or exclude."""
    assessor = assessor_for(protocol)
    out = []
    for text in pages:
        found = assessor.assess("", (text or "")[:MAX_PAGE_CHARS], ())
        out.append(sorted({(s.start, s.end, s.polarity) for r in found.criteria.values() for s in r.evidence
                           if s.field == "abstract"}))
    return out
