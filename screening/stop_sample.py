"""The random sample at the end of prioritised screening (the exact form of the hypergeometric rule in
`screening.stopping`, Callaghan & Müller-Hansen 2020): once the ranking finds few relevant records, the
reviewer screens a simple random sample of the records left; if the sample holds few enough relevant ones,
"recall is below the target" is rejected at the chosen confidence and screening may stop.

Starting a sample is an act on the team, logged as a ``team_event`` of kind `SAMPLE_EVENT` (who, when, the
reviewer whose decisions it tests, where their decisions stood, the seed of the random order, target and
confidence), so the stop that follows can be reported and the sample's order rebuilt. Ending it early (back
to ranked order) is logged too. Only leads start or end one, as only leads stop screening.

Sample size: with ``r`` relevant found in ``s`` screened of ``N`` records, the null "recall < target"
means at least ``K = floor(r / target) + 1`` relevant in all, so at least ``K - r`` among the ``N - s``
left. A sample of ``n`` with no relevant record has probability ``C(N-s-(K-r), n) / C(N-s, n)`` under the
null; `sample_size` is the smallest ``n`` where that is below ``1 - confidence``. Each relevant record the
sample finds raises the size needed; the verdict is always the test on the sample screened so far.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sqlmodel import col, select

from db.engine import ReviewDB
from db.errors import InputError
from db.models import TeamEvent
from screening.choices import DEFAULT_CONFIDENCE, DEFAULT_TARGET
from screening.stopping import P_ROUNDING, StopCheck, check_hypergeometric, hypergeom_cdf

SAMPLE_EVENT = "stop_sample"


def sample_size(found: int, screened: int, n_records: int, target: float = DEFAULT_TARGET,
                confidence: float = DEFAULT_CONFIDENCE, *, in_sample: int = 0,
                relevant_in_sample: int = 0) -> int | None:
    """Records to screen at random for "recall < ``target``" to be rejected at ``confidence``, when
    ``found`` relevant were found in the ``screened`` records before the sample (of ``n_records``) and the
    sample so far holds ``relevant_in_sample`` relevant in ``in_sample`` screened: the smallest size, at
    least ``in_sample``, at which the test passes if the rest of the sample holds no relevant record. None
    when no relevant record is found yet (no recall to test) or when even every record left would not do."""
    total = found + relevant_in_sample
    urn = n_records - screened
    if total <= 0 or urn <= 0:
        return None
    k = relevant_in_sample
    rel_null = math.floor(total / target) + 1 - found  # relevant among the rest under the null
    first = max(1, in_sample, k)
    if rel_null > urn:
        return first  # the null cannot hold
    n = np.arange(first, urn + 1, dtype=np.float64)
    p = hypergeom_cdf(np.full(n.size, k), np.full(n.size, urn), np.full(n.size, rel_null), n)
    hit = np.flatnonzero(p < 1.0 - confidence - P_ROUNDING)
    return int(n[hit[0]]) if hit.size else None


def sample_order(ids: Sequence[int], seed: int) -> list[int]:
    """``ids`` in the sample's seeded random order (the same for the same ids and seed)."""
    ordered = sorted(int(i) for i in ids)
    return [ordered[k] for k in np.random.default_rng(seed).permutation(len(ordered))]


@dataclass(frozen=True)
class RandomSample:
    """A reviewer's random sample of the records they had not screened, as logged: after ``sample_from``
    decisions (``found_before`` relevant) of ``n_records``, ``planned`` records in the order of ``seed``, for
    ``target_recall`` at ``confidence``; who started it and when (ISO 8601, UTC)."""

    reviewer: str
    sample_from: int
    found_before: int
    n_records: int
    planned: int
    seed: int
    target_recall: float
    confidence: float
    started_by: str
    started_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {"reviewer": self.reviewer, "sample_from": self.sample_from, "found_before": self.found_before,
                "n_records": self.n_records, "planned": self.planned, "seed": self.seed,
                "target_recall": self.target_recall, "confidence": self.confidence, "started_by": self.started_by,
                "started_at": self.started_at}


@dataclass(frozen=True)
class SampleProgress:
    """Where a random sample stands (`sample_progress`): screened and relevant in it, the size still needed if
    the rest of it holds no relevant record (None: more than the records left), and the test's verdict."""

    screened: int
    relevant: int
    planned: int
    needed: int | None
    verdict: StopCheck

    def to_json(self) -> dict[str, Any]:
        return {"screened": self.screened, "relevant": self.relevant, "planned": self.planned,
                "needed": self.needed, "verdict": self.verdict.to_json()}


def start_sample(db: ReviewDB, stage: str, by: str, decisions: Sequence[int], n_records: int,
                 target: float = DEFAULT_TARGET, confidence: float = DEFAULT_CONFIDENCE,
                 seed: int | None = None) -> RandomSample:
    """Log that ``by`` (a lead) starts a random sample of the records they have not screened, after their
    ``decisions`` (0/1, in screening order) of ``n_records``; returns the sample as `current_sample` reads it."""
    from screening.team import _log, _write, acting, require

    found, screened = int(sum(decisions)), len(decisions)
    size = sample_size(found, screened, n_records, target, confidence)
    if size is None:
        raise InputError("a random sample tests recall, so it needs at least one relevant record found first")
    if size == 0:
        raise InputError("every record is screened: there is nothing left to sample")
    seed = int(np.random.default_rng().integers(1, 2**31 - 1)) if seed is None else int(seed)

    def write(session: Any) -> dict[str, Any]:
        me = acting(db, session, by)
        require(me, "lead", act="start a random sample to test the stopping rule")
        detail: dict[str, Any] = {"reviewer": me.identity, "sample_from": screened, "found_before": found,
                  "n_records": n_records, "planned": size, "seed": seed, "target_recall": target,
                  "confidence": confidence}
        _log(session, SAMPLE_EVENT, me, stage=stage, **detail)
        return detail

    _write(db, "start a random sample", write)
    out = current_sample(db, stage, by)
    assert out is not None
    return out


def end_sample(db: ReviewDB, stage: str, by: str, why: str = "back to ranked order") -> None:
    """Log that ``by`` (a lead) ends their random sample before it decided anything."""
    from screening.team import _log, _write, acting, require

    def write(session: Any) -> None:
        me = acting(db, session, by)
        require(me, "lead", act="end a random sample")
        _log(session, SAMPLE_EVENT, me, stage=stage, reviewer=me.identity, ended=True, why=why)

    _write(db, "end the random sample", write)


def current_sample(db: ReviewDB, stage: str, reviewer: str) -> RandomSample | None:
    """The random sample ``reviewer`` is screening at ``stage`` (its logged detail plus who and when), or
    None: none started, or the latest one was ended."""
    from db.identity import lenient_identity

    who = lenient_identity(reviewer or "") or reviewer
    with db.session() as session:
        rows = list(session.exec(select(TeamEvent).where(TeamEvent.kind == SAMPLE_EVENT,
                                                          TeamEvent.stage == stage).order_by(col(TeamEvent.id))))
    mine = [r for r in rows if r.detail.get("reviewer") in (who, reviewer)]
    if not mine or mine[-1].detail.get("ended"):
        return None
    last, d = mine[-1], mine[-1].detail
    return RandomSample(str(d["reviewer"]), int(d["sample_from"]), int(d["found_before"]), int(d["n_records"]),
                        int(d["planned"]), int(d["seed"]), float(d["target_recall"]), float(d["confidence"]),
                        last.who, last.at.isoformat() if last.at else None)


def sample_progress(decisions: Sequence[int], sample: RandomSample) -> SampleProgress:
    """Where the sample stands after the reviewer's ``decisions`` (all of them, in order): screened and
    relevant in the sample, the size still needed if the rest of it holds no relevant record, and the
    hypergeometric verdict on the sample (`StopCheck.to_json`)."""
    start, n_records = sample.sample_from, sample.n_records
    part = list(decisions[start:])
    found = int(sum(decisions))
    verdict = check_hypergeometric(decisions, n_records, sample.target_recall, sample.confidence,
                                   sample_from=start if part else None)
    needed = sample_size(found - int(sum(part)), start, n_records, sample.target_recall, sample.confidence,
                         in_sample=len(part), relevant_in_sample=int(sum(part)))
    return SampleProgress(len(part), int(sum(part)), sample.planned, needed,
                          verdict if part else replace(verdict, stop=False))
