"""Replaying a finished review to measure the ranker: `simulate`, its metrics, labelled-file reading.

Convention (ASReview Insights' default): the prior records (one relevant, one irrelevant, drawn with
``seed``) do not count: with N records, R relevant and P priors of which P_R relevant,
``N' = N - P`` and ``R' = R - P_R``; the recall curve counts records screened after the priors.

* ``screened_to_95``: records screened (after the priors) until ``ceil(0.95 * R')`` relevant are found.
* ``wss95 = (N' - screened_to_95) / N' - 0.05``, i.e. (TN + FN) / N' - (1 - 0.95) at that point.
* ``rrf10``: share of the R' relevant records found after screening ``ceil(0.10 * N')`` records.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from db.errors import InputError
from screening.prioritise import DEFAULT_MODEL, Ranker, record_text, retrain_every


@dataclass(frozen=True)
class ScreeningMetrics:
    """WSS@95, RRF@10 and screened_to_95 of one screening order (see the module docstring); ``n_records`` and
    ``n_relevant`` without the priors. None: no relevant record (nothing to measure)."""

    n_records: int
    n_relevant: int
    wss95: float | None
    rrf10: float | None
    screened_to_95: int | None

    def to_json(self) -> dict[str, Any]:
        return {"n_records": self.n_records, "n_relevant": self.n_relevant, "wss95": self.wss95,
                "rrf10": self.rrf10, "screened_to_95": self.screened_to_95}


@dataclass(frozen=True)
class SimulationResult:
    """One simulated review: its metrics, the screening order and the recall curve as (screened, found) steps.
    ``n_records`` and ``n_relevant`` count the whole review (priors included, unlike ``metrics``)."""

    n_records: int
    n_relevant: int
    priors: list[int]
    screened_order: list[int]
    found_labels: list[int]
    seconds: float
    metrics: ScreeningMetrics
    seed: int
    model: str
    batch: int
    seconds_to_95: float | None  # until 95% of the relevant records after the priors were found

    def curve(self) -> list[tuple[int, int]]:
        """(screened, found) after the priors, at the start, each relevant record found, and the end."""
        points = [(0, 0)]
        found = 0
        for k, lab in enumerate(self.found_labels, start=1):
            if lab:
                found += 1
                points.append((k, found))
        if points[-1][0] != len(self.found_labels):
            points.append((len(self.found_labels), found))
        return points

    def to_json(self, curve: bool = True) -> dict[str, Any]:
        """The metrics and the run's settings (``curve=False``: as one flat table row, for the benchmarks),
        then the recall curve."""
        row = {"n_records": self.n_records, "n_relevant": self.n_relevant, "wss95": self.metrics.wss95,
               "rrf10": self.metrics.rrf10, "screened_to_95": self.metrics.screened_to_95,
               "n_priors": len(self.priors), "screened_until_all_found": len(self.screened_order),
               "seed": self.seed, "model": self.model, "batch": self.batch, "seconds": round(self.seconds, 3),
               "seconds_to_95": None if self.seconds_to_95 is None else round(self.seconds_to_95, 3)}
        return {**row, "curve": [list(p) for p in self.curve()]} if curve else row


def metrics(found_labels: Sequence[int], n_records: int, n_relevant: int) -> ScreeningMetrics:
    """WSS@95, RRF@10 and screened_to_95 from the labels in screening order (priors excluded).

    ``n_records`` and ``n_relevant`` exclude the priors too. Records never screened (the simulation
    stops once all relevant ones are found) count as screened after the last one, in any order.
    """
    cum = np.cumsum(np.asarray(found_labels, dtype=np.int64)) if len(found_labels) else np.zeros(0, np.int64)
    if n_relevant <= 0 or n_records <= 0:
        return ScreeningMetrics(n_records, n_relevant, None, None, None)
    target = math.ceil(0.95 * n_relevant - 1e-9)
    hits = np.flatnonzero(cum >= target)
    screened_to_95 = int(hits[0]) + 1 if hits.size else n_records
    k10 = math.ceil(0.10 * n_records - 1e-9)
    found10 = int(cum[min(k10, cum.size) - 1]) if cum.size and k10 > 0 else 0
    return ScreeningMetrics(n_records, n_relevant, round((n_records - screened_to_95) / n_records - 0.05, 4),
                            round(found10 / n_relevant, 4), screened_to_95)


def pick_priors(labels: Sequence[int], seed: int, n_relevant: int = 1, n_irrelevant: int = 1) -> list[int]:
    """Seeded random prior records: ``n_relevant`` relevant, then ``n_irrelevant`` irrelevant."""
    rng = np.random.default_rng(seed)
    y = np.asarray(labels)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if pos.size < n_relevant or neg.size < n_irrelevant:
        raise InputError(f"a simulation needs at least {n_relevant} relevant and {n_irrelevant} irrelevant "
                         f"labelled records (found {pos.size} and {neg.size})")
    return [int(i) for i in rng.choice(pos, n_relevant, replace=False)] + \
        [int(i) for i in rng.choice(neg, n_irrelevant, replace=False)]


def simulate(texts: Sequence[str], labels: Sequence[int], seed: int = 0, prior: tuple[int, int] = (1, 1),
             batch: int = 1, model: str = DEFAULT_MODEL, c: float | None = None,
             ranker: Ranker | None = None, stop_recall: float | None = None,
             ranker_options: dict[str, Any] | None = None, tail_batch: int | None = None,
             relevant_refit: bool = True) -> SimulationResult:
    """Replay a finished review: from the priors, repeatedly rank, screen the top ``batch`` records and
    retrain, until every relevant record is found. ``labels[i]`` is record i's true 0/1 label.

    ``stop_recall`` (0-1) ends the replay once that share of the relevant records after the priors is
    found (a faster loop for tuning; metrics past that point, like screened_until_all_found, are then
    lower bounds). ``ranker_options`` are passed to `Ranker` when none is given. ``tail_batch`` (0 = growing)
    replaces ``batch`` once 95% of the relevant records after the priors are found: the screening order up
    to that point, and so WSS@95, is the same, and the rest of the order (used to replay stopping rules)
    costs far fewer retrainings. ``seconds_to_95`` is the time until that point.

    ``batch`` > 1 retrains less often (faster, usually a little lower WSS); ``batch=0`` picks
    ``max(1, screened // 20)``, growing as the labelled set grows; ``batch=-1`` is the app's schedule,
    `screening.prioritise.retrain_every`, and with ``relevant_refit`` a relevant record also ends the batch.
    ``seconds`` excludes vectorising
    when a prepared ``ranker`` is passed.
    """
    y = [1 if int(v) else 0 for v in labels]
    if len(y) != len(texts):
        raise ValueError("texts and labels differ in length")
    t0 = time.perf_counter()
    ranker = ranker or Ranker(texts, seed=seed, model=model, c=c, **(ranker_options or {}))
    priors = pick_priors(y, seed, *prior)
    known = {i: y[i] for i in priors}
    total_rel = sum(y)
    found = sum(known.values())
    goal = total_rel if stop_recall is None else found + math.ceil(stop_recall * (total_rel - found) - 1e-9)
    at95 = found + math.ceil(0.95 * (total_rel - found) - 1e-9)
    seconds_to_95 = None
    order: list[int] = []
    while found < goal and len(known) < len(y):
        if seconds_to_95 is None and found >= at95:
            seconds_to_95 = time.perf_counter() - t0
        now = batch if tail_batch is None or seconds_to_95 is None else tail_batch
        step = now if now > 0 else max(1, len(order) // 20) if now == 0 else retrain_every(len(order))
        for i in ranker.update(known)[:step]:
            known[i] = y[i]
            order.append(i)
            found += y[i]
            if found >= goal or (y[i] and now < 0 and relevant_refit):
                break
    seconds = time.perf_counter() - t0
    if seconds_to_95 is None and found >= at95:
        seconds_to_95 = seconds
    found_labels = [y[i] for i in order]
    prior_rel = sum(y[i] for i in priors)
    return SimulationResult(len(y), total_rel, priors, order, found_labels, seconds,
                            metrics(found_labels, len(y) - len(priors), total_rel - prior_rel), seed, ranker.model,
                            batch, seconds_to_95)


@dataclass
class LabelledSet:
    """Records of a labelled file: ranking texts, 0/1 labels, ids and titles (records without a label
    are left out and counted)."""

    texts: list[str]
    labels: list[int]
    ids: list[str]
    titles: list[str]
    unlabelled: int = 0
    abstracts: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


def read_labelled(path: Path | str, label: str = "label_included") -> LabelledSet:
    """Read a labelled CSV/XLSX/RIS file through the importers; ``label`` names the 0/1 column or tag."""
    from screening.importers import SourceFile, detect, read_records

    source = SourceFile(path)
    if not source.path.is_file():
        raise InputError("does not exist or is not a file", file=str(path))
    det = detect(source)
    out = LabelledSet([], [], [], [])
    seen_column = False
    bad: list[tuple[int, str]] = []
    for n, rec in enumerate(read_records(source, det.importer), start=1):
        raw = {str(k).strip().lower(): v for k, v in rec.raw.items()}
        value = raw.get(label.strip().lower())
        if label.strip().lower() in raw:
            seen_column = True
        if isinstance(value, list):
            value = value[0] if value else None
        text = "" if value is None else str(value).strip()
        if text in {"", "nan", "None"}:
            out.unlabelled += 1
            continue
        try:
            num = float(text)
        except ValueError:
            num = -1.0
        if num not in (0.0, 1.0):
            bad.append((n, text))
            continue
        out.texts.append(record_text(rec.title, rec.abstract, rec.keywords))
        out.labels.append(int(num))
        out.ids.append(rec.source_id or str(n))
        out.titles.append(rec.title)
        out.abstracts.append(rec.abstract or "")
        out.keywords.append(" ".join(rec.keywords) if not isinstance(rec.keywords, str) else rec.keywords)
    if not seen_column:
        raise InputError(f"has no label column {label!r}; name the 0/1 column with --label COLUMN "
                         "(ASReview's convention is label_included)", file=source.name)
    if bad:
        n, text = bad[0]
        raise InputError(f"label {label!r} must be 0 or 1, found {text!r} ({len(bad)} such records)",
                         file=source.name, record=n)
    return out
