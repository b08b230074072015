"""Background work for the duplicates screen (core calls only: `screening.duplicates`)."""

from __future__ import annotations

from dataclasses import dataclass

from db.engine import ReviewDB
from db.pair_log import PairDecision
from db.progress import Progress, no_progress
from gui.record_groups import RecordGroup, record_groups
from screening import duplicate_clusters, duplicates
from screening.counts import DuplicateCounts, review_counts
from screening.duplicate_clusters import QueueCluster


@dataclass(frozen=True)
class Snapshot:
    """What the screen shows: the pending queue, the counts, and the groups with their records."""

    queue: list[duplicates.Candidate]
    counts: DuplicateCounts
    groups: list[RecordGroup]
    clusters: list[QueueCluster]  # the queue as clusters, one decision each (`duplicate_clusters`)

    def cluster_of(self, pair: tuple[int, int]) -> QueueCluster | None:
        return next((cl for cl in self.clusters if pair[0] in cl.ids and pair[1] in cl.ids), None)

    def items(self) -> list[QueueRow]:
        """The screen's queue rows, one per cluster."""
        return [QueueRow(cl.pairs[0].ids, cl) for cl in self.clusters if cl.pairs]


@dataclass(frozen=True)
class QueueRow:
    """One row of the Duplicates screen's queue: ``ids`` is the cluster's best pending pair (the decisions
    find the whole cluster from it), ``cluster`` the `QueueCluster`."""

    ids: tuple[int, int]
    cluster: QueueCluster


def snapshot(db: ReviewDB, *, progress: Progress = no_progress) -> Snapshot:
    progress(0, 3, "loading the queue")
    q = duplicates.queue(db)
    progress(1, 3, "counting")
    c = review_counts(db, stages=()).duplicate_counts()
    progress(2, 3, "loading groups")
    gs = duplicates.groups(db)
    with db.session() as session:
        recs = {r["id"]: r for r in duplicates.load_records(session, {i for g in gs for i in g})}
    return Snapshot(q, c, record_groups(gs, recs),
                    duplicate_clusters.queue_clusters(db, q, gs))


DECISIONS = {"merge": duplicates.confirm, "reject": duplicates.reject, "undo": duplicates.undo,
             # the whole cluster of the pair at once, and the undo of such a decision
             "same": duplicate_clusters.same_study, "apart": duplicate_clusters.all_apart,
             "undo-cluster": duplicate_clusters.undo_cluster}


def decide(db: ReviewDB, kind: str, a: int, b: int, who: str) -> (
        PairDecision | duplicate_clusters.ClusterDecision | duplicate_clusters.ClusterUndo):
    """``kind`` is merge, reject or undo (one `DuplicateDecision` row), or same / apart / undo-cluster (the
    pair's whole cluster, `screening.duplicate_clusters`)."""
    return DECISIONS[kind](db, a, b, who)


def kept(db: ReviewDB, ids: list[int]) -> duplicates.KeptRecord:
    """The merged record of a group (best value of each field)."""
    return duplicates.kept_record(db, ids)
