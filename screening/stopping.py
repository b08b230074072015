"""Stopping rules for prioritised screening: when may a team stop screening in ranked order?

Each rule reads only the 0/1 decisions in screening order (1 = relevant) and the number of records, and
returns a `StopCheck`: whether it is met, why, the numbers behind it, and its assumption in words (shown
on the Screening screen and written to the export and decision log when a team stops by it). The rules
give advice; the team decides.

* ``hypergeometric`` (Callaghan & Müller-Hansen 2020, Systematic Reviews 9:273): a test of the null
  hypothesis "recall so far is below the target" at a confidence level. With ``r`` relevant found in
  ``s`` screened of ``N`` records, the null is that at least ``K = floor(r / target) + 1`` are relevant.
  The last ``n`` records screened are treated as a random sample drawn without replacement from the
  ``N - s + n`` records not screened before them; under the null those hold at least ``K - (r - k)``
  relevant, ``k`` being the relevant ones in the sample, and the chance of seeing ``k`` or fewer is a
  hypergeometric tail. The rule is met when that chance is below ``1 - confidence`` for some ``n``.
  Screening in ranked order puts relevant records first, so treating the tail as random is conservative
  when the ranking beats random order; with ``sample_from`` (the position where the team switched to
  screening a simple random sample of the rest) only that sample is tested and the test is exact.
* ``consecutive`` (a heuristic; one of the conditions of the SAFE procedure, Boetje & van de Schoot 2024,
  Systematic Reviews 13:81): stop after the last ``max(min_run, share * N)`` decisions were all
  irrelevant. It gives no recall guarantee.
* ``knee`` (Cormack & Grossman 2016, SIGIR "Engineering quality and reliability in technology-assisted
  review"): the knee of the gain curve (relevant found against records screened) is the point farthest
  above the line from the origin to the current point; stop when the slope before the knee is at least
  ``slope_ratio`` (156) times the slope after it (one relevant record added after the knee, as the
  authors do, so a flat tail still has a finite slope) and at least ``min_screened`` (150) are screened.

`simulate_rules` replays a finished review's screening order against every rule: where each stops, the
recall reached there and the share of records it saves from screening.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.special import gammaln

from screening.choices import DEFAULT_CONFIDENCE, DEFAULT_RULE, DEFAULT_TARGET, RULES  # noqa: E402, F401

P_ROUNDING = 1e-12
"""p-values within this of ``1 - confidence`` count as not below it (log-gamma sums round; at an exact
tie the test must not pass)."""
# 0/1 decisions in screening order: a list, or a NumPy array (a replay passes slices of one, uncopied)
Decisions = Sequence[int] | np.ndarray

ASSUMPTIONS = {
    "hypergeometric": ("the records screened last are treated as a random sample of those not screened before "
                       "them (conservative when the ranking puts relevant records first; exact for a random "
                       "sample screened at the end); recall is measured against the relevant records the "
                       "screening criteria would find"),
    "consecutive": ("a heuristic: relevant records come early in the ranking, so a long run of irrelevant ones "
                    "means few remain; it gives no recall guarantee"),
    "knee": ("the gain curve of a ranked review flattens after a knee once most relevant records are found; "
             "an empirical rule with no stated confidence"),
}
LABELS = {"hypergeometric": "statistical (hypergeometric test)", "consecutive": "N consecutive irrelevant",
          "knee": "knee of the gain curve"}
CITATIONS = {"hypergeometric": "Callaghan & Müller-Hansen 2020, Systematic Reviews 9:273",
             "consecutive": "heuristic; cf. the SAFE procedure, Boetje & van de Schoot 2024, Systematic Reviews 13:81",
             "knee": "Cormack & Grossman 2016, SIGIR"}


@dataclass(frozen=True)
class StopCheck:
    """One rule's verdict on a review's decisions so far."""

    rule: str
    stop: bool
    reason: str
    screened: int
    relevant_found: int
    n_records: int
    params: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def assumption(self) -> str:
        return ASSUMPTIONS[self.rule]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "label": LABELS[self.rule], "assumption": self.assumption,
                "citation": CITATIONS[self.rule]}

    def summary(self) -> str:
        """One line for a screen or a log: the rule, its parameters and whether it is met."""
        params = ", ".join(f"{k} {v}" for k, v in self.params.items())
        return f"{LABELS[self.rule]} ({params}): {'met' if self.stop else 'not met'}; {self.reason}"

    def note(self) -> str:
        """`stop_note` of this verdict."""
        return stop_note(self.to_json())


@dataclass(frozen=True)
class RemainingEstimate:
    """`screening.prioritise.estimate_remaining`: the relevant records the unlabelled ones may still hold
    (NaN: no estimate)."""

    unlabelled: int
    labelled: int
    relevant_found: int
    expected: float
    method: str
    decay_slope: float
    recent_window: int
    recent_rate: float
    recent_rate_bound: float

    @classmethod
    def no_decisions(cls) -> RemainingEstimate:
        """Before any decision: nothing to estimate from."""
        nan = math.nan
        return cls(0, 0, 0, nan, "no decisions", nan, 0, nan, nan)

    def to_json(self) -> dict[str, Any]:
        return {"unlabelled": self.unlabelled, "labelled": self.labelled, "relevant_found": self.relevant_found,
                "expected": self.expected, "method": self.method, "decay_slope": self.decay_slope,
                "recent_window": self.recent_window, "recent_rate": self.recent_rate,
                "recent_rate_bound": self.recent_rate_bound}


@dataclass(frozen=True)
class StoppingAdvice:
    """`screening.prioritise.stopping_advice`: the heuristic, where the review stands, and whether it is met."""

    stop: bool
    reason: str
    screened: int
    n_records: int
    consecutive_irrelevant: int
    run_needed: int
    expected_remaining: float | None
    assumptions: str = ("records screened in ranked order with retraining; relevant records resemble those "
                        "found; the estimate is a model sum, not a bound")

    def to_json(self) -> dict[str, Any]:
        return {"stop": self.stop, "reason": self.reason, "screened": self.screened, "n_records": self.n_records,
                "consecutive_irrelevant": self.consecutive_irrelevant, "run_needed": self.run_needed,
                "expected_remaining": self.expected_remaining, "assumptions": self.assumptions}


def stop_note(verdict: dict[str, Any]) -> str:
    """What the decision log keeps about the rule a team stopped by (``StopCheck.to_json()``), read back
    by the PRISMA counts: the rule and parameters first (up to the first colon), then the numbers, the
    assumption and the source."""
    params = ", ".join(f"{k} {v}" for k, v in verdict["params"].items())
    met = "met" if verdict["stop"] else "not met [stopped although the rule was not met]"
    return (f"{verdict['label']} ({params}): {met}; {verdict['reason']}. Screened {verdict['screened']} of "
            f"{verdict['n_records']}, {verdict['relevant_found']} relevant. Assumes: {verdict['assumption']}. "
            f"Source: {verdict['citation']}.")


def _as_array(decisions: Decisions) -> np.ndarray:
    return (np.asarray(decisions, dtype=np.int64).reshape(-1) != 0).astype(np.int64)


def _log_choose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ok = (b >= 0) & (b <= a)
    a, b = np.maximum(a, 0), np.clip(b, 0, np.maximum(a, 0))
    return np.where(ok, gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1), -np.inf)


def hypergeom_cdf(k: np.ndarray, urn: np.ndarray, good: np.ndarray, n: np.ndarray) -> np.ndarray:
    """P(X <= k) for X hypergeometric: ``n`` drawn without replacement from ``urn`` items of which
    ``good`` are good; elementwise (log-gamma sums: scipy.stats.hypergeom gives the same values up to
    rounding but costs ~1 ms a call, too slow for replaying a review record by record)."""
    k, urn, good, n = (np.asarray(v, dtype=np.float64) for v in (k, urn, good, n))
    j = np.arange(int(k.max()) + 1 if k.size else 1, dtype=np.float64)[None, :]
    terms = (_log_choose(good[:, None], j) + _log_choose((urn - good)[:, None], n[:, None] - j)
             - _log_choose(urn, n)[:, None])
    terms = np.where(j <= k[:, None], terms, -np.inf)
    return np.minimum(1.0, np.exp(terms).sum(axis=1))


def _check_counts(seq: np.ndarray, n_records: int) -> None:
    if n_records < seq.size:
        raise ValueError(f"{seq.size} decisions but only {n_records} records")


def hypergeometric_p(decisions: Decisions, n_records: int, target: float = DEFAULT_TARGET,
                     sample_from: int | None = None) -> tuple[float, int]:
    """The smallest p-value of "recall < ``target``" over the sample windows, and that window's size.

    Windows are the last n decisions for every n (``sample_from`` None), or the decisions from position
    ``sample_from`` on (a random sample). p = 1 when nothing is relevant yet or no window exists.
    """
    seq = _as_array(decisions)
    _check_counts(seq, n_records)
    s, r = int(seq.size), int(seq.sum())
    if not 0 < target <= 1:
        raise ValueError("target recall must be in (0, 1]")
    if r == 0 or s == 0:
        return 1.0, 0
    k_null = math.floor(r / target) + 1  # fewest relevant records in total under "recall < target"
    if sample_from is None:
        # For a given k, the longest window holding k relevant records gives the smallest p (a longer
        # sample from a proportionally larger urn), so only the r + 1 windows starting just after a
        # relevant record (or at the first decision) are tested: the same minimum as testing every n.
        rel = np.flatnonzero(seq)
        starts = np.concatenate([[0], rel + 1])[::-1]  # k = 0: after the last relevant; k = r: from the start
        k = np.arange(r + 1)
        n = s - starts
        keep = n > 0
        n, k = n[keep], k[keep]
    else:
        if not 0 <= sample_from < s:
            return 1.0, 0
        n = np.array([s - sample_from])
        k = np.array([int(seq[sample_from:].sum())])
    if n.size == 0:
        return 1.0, 0
    urn = n_records - s + n
    rel_null = k_null - (r - k)
    p = np.where(rel_null > urn, 0.0, hypergeom_cdf(k, urn, np.minimum(rel_null, urn), n))
    best = int(np.argmin(p))
    return float(p[best]), int(n[best])


def check_hypergeometric(decisions: Decisions, n_records: int, target: float = DEFAULT_TARGET,
                         confidence: float = DEFAULT_CONFIDENCE, sample_from: int | None = None) -> StopCheck:
    """The statistical rule: met when "recall < target" is rejected at ``confidence``."""
    p, window = hypergeometric_p(decisions, n_records, target, sample_from)
    seq = _as_array(decisions)
    alpha = 1.0 - confidence
    met = p < alpha - P_ROUNDING or seq.size >= n_records
    if seq.size >= n_records:
        reason = "every record is screened"
    elif seq.sum() == 0:
        reason = "no relevant record found yet"
    elif met:
        reason = (f"recall below {target:.0%} is rejected: p = {p:.3g} < {alpha:.3g} "
                  f"(last {window} records taken as the sample)")
    else:
        reason = f"recall below {target:.0%} cannot be rejected yet: p = {p:.3g} >= {alpha:.3g}"
    return StopCheck("hypergeometric", bool(met), reason, int(seq.size), int(seq.sum()), n_records,
                     {"target_recall": target, "confidence": confidence,
                      **({"sample_from": sample_from} if sample_from is not None else {})},
                     {"p_value": p, "sample_size": window})


def run_needed(n_records: int, min_run: int = 50, share: float = 0.05) -> int:
    """The run of irrelevant decisions the consecutive rule asks for."""
    return max(int(min_run), math.ceil(share * n_records))


def consecutive_irrelevant(decisions: Decisions) -> int:
    """Length of the run of irrelevant decisions at the end of ``decisions`` (screening order)."""
    run = 0
    for d in reversed(decisions):
        if d:
            break
        run += 1
    return run


def check_consecutive(decisions: Decisions, n_records: int, min_run: int = 50,
                      share: float = 0.05) -> StopCheck:
    """The heuristic: met after ``max(min_run, share * n_records)`` irrelevant decisions in a row."""
    _check_counts(_as_array(decisions), n_records)
    need = run_needed(n_records, min_run, share)
    run = consecutive_irrelevant(decisions)
    s = len(decisions)
    found = sum(1 for d in decisions if int(d))
    if s >= n_records:
        met, reason = True, "every record is screened"
    elif found == 0:
        met, reason = False, "no relevant record found yet"
    elif run >= need:
        met, reason = True, f"the last {run} records were all irrelevant (needed {need})"
    else:
        met, reason = False, f"{need - run} more consecutive irrelevant records needed (run {run} of {need})"
    return StopCheck("consecutive", met, reason, s, found, n_records, {"run": need},
                     {"consecutive_irrelevant": run, "run_needed": need})


def knee_point(decisions: Decisions) -> tuple[int, float]:
    """(knee rank, slope ratio) of the gain curve; (0, 0.0) before a first relevant record."""
    seq = _as_array(decisions)
    s, r = int(seq.size), int(seq.sum())
    if r == 0:
        return 0, 0.0
    gain = np.cumsum(seq)
    ranks = np.arange(1, s + 1)
    knee = int(np.argmax(s * gain - r * ranks)) + 1  # farthest above the line from (0, 0) to (s, r)
    before = gain[knee - 1] / knee
    after = (r - gain[knee - 1] + 1) / max(s - knee, 1)
    return knee, float(before / after)


def check_knee(decisions: Decisions, n_records: int, slope_ratio: float = 156.0,
               min_screened: int = 150) -> StopCheck:
    """The knee method: met when the slope ratio at the knee reaches ``slope_ratio`` after ``min_screened``."""
    _check_counts(_as_array(decisions), n_records)
    knee, ratio = knee_point(decisions)
    s = len(decisions)
    found = sum(1 for d in decisions if int(d))
    if s >= n_records:
        met, reason = True, "every record is screened"
    elif found == 0:
        met, reason = False, "no relevant record found yet"
    elif s < min_screened:
        met, reason = False, f"{min_screened - s} more records to screen before the rule applies (min. {min_screened})"
    elif ratio >= slope_ratio:
        met, reason = True, f"slope ratio {ratio:.0f} at the knee (record {knee}) reached {slope_ratio:g}"
    else:
        met, reason = False, f"slope ratio {ratio:.1f} at the knee (record {knee}) is below {slope_ratio:g}"
    return StopCheck("knee", met, reason, s, found, n_records,
                     {"slope_ratio": slope_ratio, "min_screened": min_screened},
                     {"knee": knee, "ratio": ratio})


def check(rule: str, decisions: Decisions, n_records: int, **params: Any) -> StopCheck:
    """`StopCheck` of ``rule`` (one of `RULES`) with its parameters (defaults when left out)."""
    if rule == "hypergeometric":
        return check_hypergeometric(decisions, n_records, **params)
    if rule == "consecutive":
        return check_consecutive(decisions, n_records, **params)
    if rule == "knee":
        return check_knee(decisions, n_records, **params)
    raise ValueError(f"unknown stopping rule {rule!r}; choose one of {', '.join(RULES)}")


def first_stop(rule: str, labels: Sequence[int], n_records: int, *, start: int = 1, **params: Any) -> int:
    """The fewest decisions after which ``rule`` is met, replaying ``labels`` (the whole review in
    screening order; shorter sequences are padded with irrelevant records up to ``n_records``, which is
    what screening on after the last relevant record would give). Checks begin at ``start`` decisions."""
    seq = np.concatenate([_as_array(labels), np.zeros(max(0, n_records - len(labels)), dtype=np.int64)])
    if rule == "consecutive":  # closed form: the first end of a long enough run after a relevant record
        need = run_needed(n_records, **params)
        run, seen = 0, False
        for i, v in enumerate(seq, start=1):
            seen = seen or bool(v)
            run = 0 if v else run + 1
            if i >= start and seen and run >= need:
                return i
        return n_records
    for i in range(max(1, start), n_records + 1):
        if check(rule, seq[:i], n_records, **params).stop:
            return i
    return n_records


@dataclass(frozen=True)
class RuleReplay:
    """One rule replayed on one screening order (`simulate_rules`): where it stopped, recall there, work saved
    (both over the whole review)."""

    rule: str
    params: dict[str, Any]
    stopped_at: int
    n_records: int
    recall: float
    reached_target: bool
    work_saved: float

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "params": self.params, "stopped_at": self.stopped_at,
                "n_records": self.n_records, "recall": self.recall, "reached_target": self.reached_target,
                "work_saved": self.work_saved}


def simulate_rules(found_labels: Sequence[int], n_records: int, n_relevant: int, *, priors: int = 0,
                   prior_relevant: int = 0, target: float = DEFAULT_TARGET,
                   rules: dict[str, dict[str, Any]] | None = None) -> list[RuleReplay]:
    """Each rule on one simulated review: records screened when it stops, recall there, work saved.

    ``found_labels`` are the labels in screening order after ``priors`` prior records (of which
    ``prior_relevant`` relevant), as `screening.simulation.simulate` gives them; ``n_records`` and
    ``n_relevant`` exclude the priors. The rules see the priors' decisions first. Recall and work saved
    are counted over the whole review, priors included.
    """
    rules = rules or {"hypergeometric": {"target": target, "confidence": DEFAULT_CONFIDENCE},
                      "consecutive": {}, "knee": {}}
    total = n_records + priors
    rel_total = n_relevant + prior_relevant
    seq = [1] * prior_relevant + [0] * (priors - prior_relevant) + [1 if int(v) else 0 for v in found_labels]
    seq += [0] * max(0, total - len(seq))
    gain = np.cumsum(seq)
    out = []
    for rule, params in rules.items():
        at = first_stop(rule, seq, total, start=priors + 1, **params)
        recall = float(gain[at - 1]) / rel_total if rel_total else 1.0
        out.append(RuleReplay(rule, params, at, total, round(recall, 4), recall >= target - 1e-12,
                              round(1.0 - at / total, 4)))
    return out


def summarise_rules(rows: list[dict[str, Any]], target: float = DEFAULT_TARGET) -> list[str]:
    """Markdown table of `RuleReplay.to_json` rows with their ``half``: per half and rule, how often it
    stopped below ``target`` recall, mean and lowest recall at the stop, mean share of records saved."""
    lines = [f"| half | rule | runs | stopped below {target:.0%} recall | mean recall | lowest recall | "
             "mean work saved |", "|---|---|---|---|---|---|---|"]
    for half in sorted({r["half"] for r in rows}):
        for rule in RULES:
            sel = [r for r in rows if r["half"] == half and r["rule"] == rule]
            if not sel:
                continue
            missed = sum(1 for r in sel if not r["reached_target"])
            lines.append(f"| {half} | {rule} | {len(sel)} | {missed} ({missed / len(sel):.0%}) | "
                         f"{np.mean([r['recall'] for r in sel]):.3f} | {min(r['recall'] for r in sel):.3f} | "
                         f"{np.mean([r['work_saved'] for r in sel]):.3f} |")
    return lines
