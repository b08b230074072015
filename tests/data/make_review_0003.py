"""How tests/data/review_0003.metasift was made: by MetaSift at schema 0003 (main at commit 3c99da3, before the
team existed), with `PYTHONPATH=<that checkout> python tests/data/make_review_0003.py tests/data/review_0003.metasift`
then VACUUM. Names are spelled as people typed them before identities: "Ann"/"ann", "bob "/"Bob",
one with a zero-width space, a consensus "ann+bob", a third reviewer "Carol", two coders."""
import sys
from pathlib import Path

from db.engine import SCHEMA_REVISION, create_review
from db.models import ImportBatch, Record
from extraction.coding import code_effect
from screening.decisions import decide, resolve, undo

assert SCHEMA_REVISION == "0003", SCHEMA_REVISION
out = Path(sys.argv[1])
db = create_review(out, title="Made at 0003")
with db.transaction() as s:
    b = ImportBatch(file_name="t.ris", sha256="sha-0003", format="ris", source_db="PsycINFO", record_count=4)
    s.add(b)
    s.flush()
    recs = [Record(batch_id=b.id, ordinal=i, source_id=f"S{i}", title=f"Study {i}", year=2001, journal="J")
            for i in range(4)]
    s.add_all(recs)
ids = [r.id for r in recs]
TA = "title_abstract"
decide(db, ids[0], "Ann", TA, "include")
decide(db, ids[0], "bob ", TA, "exclude", reason="no alliance measure")
decide(db, ids[1], "ann", TA, "include")
decide(db, ids[1], "Bob", TA, "include")
decide(db, ids[2], "ann\u200b", TA, "maybe")
decide(db, ids[2], "bob", TA, "include")
undo(db, "bob", TA, ids[2])
decide(db, ids[3], "Bob", TA, "include")
resolve(db, ids[0], TA, "include", "Carol", "third_reviewer", note="alliance in methods")
resolve(db, ids[2], TA, "include", "ann+bob", "consensus")
MODS = {"alliance_measure": "Working Alliance Inventory", "alliance_rater": "client", "alliance_time": "early",
        "outcome_measure": "BDI", "outcome_rater": "client", "treatment": "CBT", "pub_source": "journal"}
code_effect(db, ids[1], "Ann", "r", 0.3, n=50, label="WAI total", moderators=MODS)
code_effect(db, ids[1], "bob", "r", 0.35, n=50, label="WAI total", moderators=MODS)
db.close()
