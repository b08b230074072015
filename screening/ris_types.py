"""RIS reference types: the codes RIS exports give (``TY  - JOUR``) as the words other databases use.

Shared by the importers' display helpers and the dedup engine (which reads a record's kind from the words),
so it imports nothing.
"""

from __future__ import annotations

RIS_TYPE_NAMES = {
    "JOUR": "Journal article", "EJOUR": "Journal article", "JFULL": "Journal", "MGZN": "Magazine article",
    "NEWS": "Newspaper article", "THES": "Thesis", "BOOK": "Book", "EBOOK": "Book", "EDBOOK": "Edited book",
    "CHAP": "Book chapter", "ECHAP": "Book chapter", "CONF": "Conference proceedings",
    "CPAPER": "Conference paper", "RPRT": "Report", "GEN": "Generic", "ELEC": "Web page",
    "UNPB": "Unpublished work", "INPR": "In press", "DATA": "Dataset", "SER": "Serial",
}
"""RIS reference type codes (``TY``) as the words other databases use for the same type."""


def publication_type_label(value: object) -> str:
    """A publication type for people: a RIS code as words (``JOUR`` -> ``Journal article``, so it matches
    PubMed's "Journal Article" when compared case-insensitively); any other value as it is."""
    text = " ".join(str(value).split()) if value is not None else ""
    return RIS_TYPE_NAMES.get(text.upper(), text)
