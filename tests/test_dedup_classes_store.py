"""Issue 12 classes through the review: exports written in their real layouts, imported, deduplicated.

A Web of Science RIS export and a PubMed MEDLINE (nbib) export of the same small search: three
"Editor's Comments" of one journal in different issues (recurring columns), one of them in both files;
a trial in both files (PMID + PMCID in PubMed, a DOI URL and an accession number in WoS). Also the
cluster queue: three copies of one conference paper are one decision.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlmodel import select

from db.models import DuplicateDecision, Record
from screening import duplicate_clusters, duplicates
from screening.counts import review_counts
from screening.importing import import_files
from tests.proceedings import write_copies

PRIMA = ("Rituximab maintenance for 2 years in patients with high tumour burden follicular lymphoma responding "
         "to rituximab plus chemotherapy (PRIMA): a phase 3, randomised controlled trial")

WOS_RIS = """TY  - JOUR
AU  - Straub, Detmar W.
TI  - Editor's Comments
T2  - MIS QUARTERLY
PY  - 2009
VL  - 33
IS  - 1
SP  - iii
EP  - vi
AN  - WOS:000263716300001
ER  -

TY  - JOUR
AU  - Straub, Detmar W.
TI  - Editor's Comments
T2  - MIS QUARTERLY
PY  - 2009
VL  - 33
IS  - 2
SP  - iii
EP  - vii
AN  - WOS:000266069400001
ER  -

TY  - JOUR
AU  - Straub, Detmar W.
TI  - Editor's Comments
T2  - MIS QUARTERLY
PY  - 2009
VL  - 33
IS  - 3
SP  - iii
EP  - x
AN  - WOS:000269221600001
ER  -

TY  - JOUR
AU  - Salles, Gilles
AU  - Seymour, John Francis
AU  - Offner, Fritz
TI  - {prima}
T2  - LANCET
PY  - 2011
VL  - 377
IS  - 9759
SP  - 42
EP  - 51
DO  - https://doi.org/10.1016/S0140-6736(10)62175-7
AN  - WOS:000286215300029
ER  -

"""

PUBMED_NBIB = """PMID- 19412001
OWN - NLM
TI  - Editor's comments.
PG  - iii-vi
DP  - 2009 Mar
FAU - Straub, Detmar W
AU  - Straub DW
JT  - MIS quarterly
TA  - MIS Q
VI  - 33
IP  - 1

PMID- 21176949
OWN - NLM
STAT- MEDLINE
DP  - 2011 Jan 1
TI  - Rituximab maintenance for 2 years in patients with high tumour burden follicular lymphoma
      responding to rituximab plus chemotherapy (PRIMA): a phase 3, randomised controlled trial.
PG  - 42-51
LID - 10.1016/S0140-6736(10)62175-7 [doi]
FAU - Salles, Gilles
AU  - Salles G
FAU - Seymour, John Francis
AU  - Seymour JF
FAU - Offner, Fritz
AU  - Offner F
JT  - Lancet (London, England)
TA  - Lancet
VI  - 377
IP  - 9759
PMC - PMC3056171
"""


def _import(review, tmp_path: Path) -> dict[str, int]:
    ris = tmp_path / "wos.ris"
    ris.write_text(WOS_RIS.replace("{prima}", PRIMA), encoding="utf-8")
    nbib = tmp_path / "pubmed.nbib"
    nbib.write_text(PUBMED_NBIB, encoding="utf-8")
    import_files(review, [ris], source_db="Web of Science", who="importer")
    import_files(review, [nbib], source_db="PubMed", who="importer")
    with review.session() as s:
        return {sid: rid for rid, sid in s.exec(select(Record.id, Record.source_id))}


def test_columns_are_rejected_with_the_reason_and_the_trial_keeps_every_identifier(review, tmp_path):
    ids = _import(review, tmp_path)
    summary = duplicates.run_dedup(review, "ann")
    groups = duplicates.groups(review)
    issue1 = sorted([ids["WOS:000263716300001"], ids["19412001"]])
    trial = sorted([ids["WOS:000286215300029"], ids["21176949"]])
    assert sorted(groups) == sorted([issue1, trial])
    assert duplicates.queue(review) == []
    # the other issues' columns are rejected by the engine, each with its reason, in the review's log
    with review.session() as s:
        rows = list(s.exec(select(DuplicateDecision).where(DuplicateDecision.decision == "rejected")))
    assert summary.auto_rejected == len(rows) >= 3
    assert all(r.run_id == summary.run_id and r.who == "ann" for r in rows)
    assert all(any(x.startswith("automatic rejection: another issue's column (issue") for x in r.reasons)
               for r in rows)
    entry = duplicates.history(review, rows[0].record_a, rows[0].record_b)[-1]
    assert entry.decision == "rejected" and entry.automatic  # the engine's, not a person's
    # re-running stores nothing new (the machine's own rejections are not a person's decisions)
    again = duplicates.run_dedup(review, "ann")
    assert (again.stored_auto, again.stored_queued) == (0, 0) and again.auto_rejected == 0
    assert again.kept_person_decisions == 0
    kept = duplicates.kept_record(review, trial)
    assert kept.identifiers["doi"] == ["10.1016/s0140-6736(10)62175-7"]
    assert kept.identifiers["pmid"] == ["21176949"] and kept.pmid == "21176949"
    assert kept.identifiers["pmcid"] == ["PMC3056171"]
    # the typed "Web of Science" is stored by its canonical name (issue 11)
    assert kept.identifiers["source_id"] == ["Web of Science Core Collection:WOS:000286215300029",
                                                "PubMed:21176949"]


def test_copies_of_one_paper_are_one_cluster_and_one_decision(review, tmp_path):
    # three exports of one proceedings paper whose DOIs differ by one typed character each: a person must
    # look, and sees one cluster of three records, not three pairs
    files = write_copies(tmp_path, "export")
    import_files(review, files, source_db="Scopus", who="importer")
    duplicates.run_dedup(review, "ann")
    with review.session() as s:
        all_ids = sorted(s.exec(select(Record.id)))
    assert duplicates.groups(review) == []
    assert len(duplicates.queue(review)) == 3
    clusters = duplicate_clusters.queue_clusters(review)
    assert len(clusters) == 1 and list(clusters[0].ids) == all_ids and len(clusters[0].pairs) == 3
    assert all("doi one character apart" in c.reasons for c in clusters[0].pairs)
    # the item carries each record's fields side by side, and is what --json prints
    assert [clusters[0].record(i)["doi"] for i in all_ids] == [
        "10.1145/2556325.2566237", "10.1145/2556325.2566239", "10.1145/2556325.2566231"]
    assert "doi" in clusters[0].differing() and "title" not in clusters[0].differing()
    doc = clusters[0].to_json()
    assert doc["ids"] == all_ids and [r["id"] for r in doc["records"]] == all_ids and len(doc["pairs"]) == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        clusters[0].score = 1.0  # type: ignore[misc]
    # one decision: the first two are one paper, the third (another DOI) stays apart
    done = duplicate_clusters.decide_cluster(review, [all_ids[:2]], "bob")
    assert done == duplicate_clusters.ClusterDecision(all_ids, confirmed=1, rejected=2)
    assert duplicates.groups(review) == [all_ids[:2]]
    assert duplicate_clusters.queue_clusters(review) == []
    assert review_counts(review, stages=()).unique == 2
    # the decision is ordinary pair decisions: undo works pair by pair
    duplicates.undo(review, all_ids[0], all_ids[1], "bob")
    assert duplicates.groups(review) == []


def test_cli_lists_the_queue_as_clusters_and_decides_one(review_target, tmp_path, capsys):
    import json

    from cli.app import main
    from screening.demo import write_demo_exports

    assert main(["init", review_target]) == 0
    assert main(["import", review_target, *map(str, write_demo_exports(tmp_path / "x")), "--reviewer", "i"]) == 0
    assert main(["dedup", review_target, "--json"]) == 0
    capsys.readouterr()
    assert main(["duplicates", review_target, "clusters", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # the demo's erratum notice is queued against both copies of its article: one cluster, one decision
    assert [cl["ids"] for cl in data["clusters"]] == [["DEMO-PSY-0001", "39000000", "39000008"]]
    assert data["clusters"][0]["groups"] == [["DEMO-PSY-0001", "39000000"]]
    assert len(data["clusters"][0]["pairs"]) == 2
    # every record of the cluster with its fields, as the desktop shows them side by side
    records = data["clusters"][0]["records"]
    assert [r["id"] for r in records] == ["DEMO-PSY-0001", "39000000", "39000008"]
    assert all(r["title"] for r in records) and "title" in data["clusters"][0]["differs"]
    # naming only the erratum: it is a study of its own, the article's two copies stay one group
    assert main(["duplicates", review_target, "cluster", "39000008", "--reviewer", "bob", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["decided"]["confirmed"] == 0 and data["decided"]["rejected"] == 2 and data["clusters"] == []
    assert main(["duplicates", review_target, "cluster", "DEMO-PSY-0001", "--json"]) == 2
    assert "not all in one cluster" in capsys.readouterr().err
