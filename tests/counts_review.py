"""A small review whose every count is known by construction (used by the count-model tests).

Ten records from two databases: PsycINFO p1..p6 (ids first), PubMed m1..m4.
- merges: p1 = m1, p2 = m2 (confirmed by a person) -> 8 unique records, 2 duplicates, 2 groups
- confirmed shared-sample links p3 + p4 and p2 + p3 -> one shared sample {p2, m2, p3, p4} (a duplicate group
  inside a shared sample) -> 6 independent samples
- title/abstract (two_agree): p1, p3, p4 included; p2 conflict; p5, m4 excluded; p6 (one verdict), m3 pending
- full text: p1 included; p3 excluded (no usable statistic); p4 conflict
- 19 decision rows; 1 sample included (p1 + m1)
"""

from __future__ import annotations

from db.engine import ReviewDB
from db.models import ImportBatch, Record
from extraction.samples import confirm_link
from screening import duplicates
from screening.decisions import decide

TA, FT = "title_abstract", "full_text"
TOPICS = {"p1": "depression in cognitive therapy", "p2": "alcohol dependence treatment", "p3": "panic disorder",
          "p4": "eating disorders in day care", "p5": "couples counselling", "p6": "borderline personality",
          "m1": "depression in cognitive therapy", "m2": "alcohol dependence treatment", "m3": "insomnia groups",
          "m4": "social anxiety online"}
SURNAMES = {"p1": "Marlowe", "p2": "Brennan", "p3": "Fontaine", "p4": "Okafor", "p5": "Ruiz", "p6": "Takeda",
            "m1": "Marlowe", "m2": "Brennan", "m3": "Novak", "m4": "Haddad"}
ABSTRACT = ("Method: N = {n} adult outpatients with depression completed the Working Alliance Inventory after "
            "session three; symptom change was related to the alliance (r = .{r}).")

EXPECTED = {
    "records": 10, "batches": 2, "records_per_database": {"PsycINFO": 6, "PubMed": 4},
    "duplicates_per_database": {"PsycINFO": 0, "PubMed": 2}, "unique": 8, "duplicates": 2, "duplicate_groups": 2,
    "samples": 6, "shared_samples": 1, "links": 2, "decisions": 19, "included_samples": 1,
    "stages": {TA: {"included": 3, "excluded": 2, "conflicts": 1, "pending": 2,
                    "excluded_by_reason": {"children or adolescents": 1, "not an empirical study": 1}},
               FT: {"included": 1, "excluded": 1, "conflicts": 1, "pending": 0,
                    "excluded_by_reason": {"no usable alliance-outcome statistic": 1}}},
}


def build(db: ReviewDB) -> dict[str, int]:
    """Fill ``db`` with the scenario above; returns the record ids by name."""
    ids: dict[str, int] = {}
    with db.transaction() as s:
        for source_db, names in (("PsycINFO", ["p1", "p2", "p3", "p4", "p5", "p6"]),
                                 ("PubMed", ["m1", "m2", "m3", "m4"])):
            batch = ImportBatch(file_name=f"{source_db}.ris", sha256=source_db, format="ris", source_db=source_db)
            s.add(batch)
            s.flush()
            for i, name in enumerate(names):
                rec = Record(batch_id=batch.id, ordinal=i, source_id=f"{source_db[:3].upper()}-{name}",
                             title=f"The working alliance and outcome: {TOPICS[name]}",
                             abstract=ABSTRACT.format(n=40 + i, r=20 + i), authors=[f"{SURNAMES[name]}, A."],
                             year=2000 + int(name[1]))
                s.add(rec)
                s.flush()
                ids[name] = int(rec.id)  # type: ignore[arg-type]
    for a, b in (("p1", "m1"), ("p2", "m2")):
        duplicates.confirm(db, ids[a], ids[b], "lead")
    confirm_link(db, ids["p3"], ids["p4"], "lead")
    confirm_link(db, ids["p2"], ids["p3"], "lead")
    for name in ("p1", "p3", "p4"):
        for who in ("ann", "bob"):
            decide(db, ids[name], who, TA, "include")
    decide(db, ids["p2"], "ann", TA, "include")
    decide(db, ids["p2"], "bob", TA, "exclude", reason="not an empirical study")
    for name, reason in (("p5", "not an empirical study"), ("m4", "children or adolescents")):
        for who in ("ann", "bob"):
            decide(db, ids[name], who, TA, "exclude", reason=reason)
    decide(db, ids["p6"], "ann", TA, "include")
    for who in ("ann", "bob"):
        decide(db, ids["p1"], who, FT, "include", full_text="https://example.org/p1.pdf")
        decide(db, ids["p3"], who, FT, "exclude", reason="no usable alliance-outcome statistic", full_text="https://example.org/p3.pdf")
    decide(db, ids["p4"], "ann", FT, "include", full_text="https://example.org/p4.pdf")
    decide(db, ids["p4"], "bob", FT, "exclude", reason="sample reported elsewhere", full_text="https://example.org/p4.pdf")
    return ids
