"""Records for the engine's tests, written field by field as an export gives them, and the outcome of a pair."""

from __future__ import annotations


def rec(rid: str, **kw) -> dict:
    """A record with every field the engine reads empty (year 2012, a journal article) but those given."""
    base = {"id": rid, "title": "", "authors": "", "year": 2012, "journal": "", "volume": "", "issue": "",
            "pages": "", "doi": "", "abstract": "", "pub_type": "JOUR"}
    base.update(kw)
    return base


def outcome(r, a: str, b: str) -> tuple[str, tuple[str, ...]]:
    """The outcome and reasons of the pair ``a``, ``b`` in a `DedupResult` (``'distinct'`` when not compared)."""
    for p in r.pairs:
        if {p.id_a, p.id_b} == {a, b}:
            return p.outcome, p.reasons
    return "distinct", ()


def import_and_dedup(review, folder, exports: list[tuple[str, str, str]]) -> list[list[int]]:
    """Write each export ``(file name, text, database)`` into ``folder``, import them one after the other
    into ``review``, run the deduplication as a reviewer would, and give the automatic groups."""
    from screening import duplicates
    from screening.importing import import_files

    for name, text, database in exports:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        import_files(review, [path], source_db=database, who="importer")
    duplicates.run_dedup(review, "ann")
    return duplicates.groups(review)
