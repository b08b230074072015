"""Prioritised screening: rank unscreened records by predicted relevance from the decisions so far.

A `Ranker` vectorises the records once (TF-IDF of title twice + abstract + keywords, words cut to their
first 6 characters, unigrams and bigrams, sublinear tf) and re-ranks on every ``update(labels)`` by fitting
a linear classifier on the labelled rows and scoring the others: the matrix is reused, so a re-rank of
10,000 records costs milliseconds plus the fit on the labelled ones. ``labels`` maps a record's index (its
position in ``texts``) to 1 (relevant) or 0 (irrelevant); the decision store calls ``update`` with what
reviewers decided so far.

Models (``model=``): ``"svm"`` (default: linear SVM, squared hinge, C=0.1, tol=0.01), ``"nb"`` (multinomial
naive Bayes, alpha=3.822, ASReview 1.x's default) and ``"logreg"`` (logistic regression, C=10; 10-20x slower
to fit). Classes are weighted so the relevant records together weigh ``ratio`` times the irrelevant
ones (default 10; 1 = balanced), weights scaled to average 1.

Tuning (simulations on Cohen 2006, Kitchenham 2010 and Bannach-Brown 2019, 5 seeds, retraining every 5
records; see ``benchmarks/bench_prioritise.py``), mean WSS@95 over the three sets: the earlier setup
(whole words, title once, balanced) 0.375; 6-character prefixes 0.412; plus the title twice 0.434; plus
``ratio=10`` 0.417 (Kitchenham 0.655 -> 0.724, Bannach-Brown 0.477 -> 0.495, Cohen -0.008 -> 0.031 against
the earlier setup). ``ratio=10`` is kept although balanced scored higher on average because balanced
left one Kitchenham seed (42) with an RRF@10 of 0.11-0.16 (a relevant prior unlike the rest: the first
relevant record came after 65 screened); with ``ratio=10`` it is 0.41-0.43. Character 3-4-grams added
to the words scored 0.445 but made every fit 4-5x slower; an SVM + naive Bayes ensemble, stop words,
unigrams only and ASReview's unnormalised weights did not help.

Character n-grams (same tuning protocol, 5 seeds 42,1,2,3,4, batch 5; off by default, ``char_weight=``
in `vectorise`): each row is the word block and a ``char_wb`` 3-4-gram TF-IDF block, scaled so the char
block carries `CHAR_WEIGHT` of the squared norm. Mean WSS@95: words 0.417 (Cohen 0.031, Kitchenham
0.724, Bannach-Brown 0.495); blend 0.5 with tol=0.1 0.441 (0.051, 0.687, 0.586); char share 0.3 0.431
(tol 1e-4), 0.7 0.435 (tol 0.01); dropping
char n-grams with df > 10% 0.381. Kitchenham loses 0.037, Bannach-Brown gains 0.091. The blend has ~6x the
non-zeros, so a fit costs ~3x; the looser tolerance wins most of that back. Kept off because it fails
the Kitchenham test (seed 42, growing batches: RRF@10 0.30, bar 0.4), vectorising is 4x slower (10,000
records: 20 s against 4.6 s) and on PTSD (one seed) a simulation took 27.8 s against ASReview's ~23 s.

`estimate_remaining` and `stopping_advice` return data, not decisions: the reviewer stops.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

MODELS = ("svm", "logreg", "nb")
DEFAULT_MODEL = "svm"
DEFAULT_RATIO = 10.0
"""Relevant records together weigh this many times the irrelevant ones in the fit (see the module doc)."""


SVM_TOL = 0.01
"""LinearSVC's stopping tolerance (scikit-learn's default 1e-4 converges far past what the ranking needs):
on the tuning sets, with char n-grams, mean WSS@95 0.439 at 1e-4, 0.440 at 0.01, 0.441 at 0.1, with the
simulations 1.7x and 2.4x faster (words only: 0.417 at 1e-4 and 0.418 at 0.01, 2.4x faster)."""

TITLE_WEIGHT = 2
"""How many times the title enters a record's text: a title word counts as much as two abstract words."""
PREFIX = 6
"""Tokens are cut to their first ``PREFIX`` characters (a crude, language-blind stemmer: "depressive",
"depression" and "depressed" become one feature "depres")."""
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
CHAR_NGRAMS = (3, 4)
"""Lengths of the character n-grams (within word boundaries) blended with the word features."""
CHAR_WEIGHT = 0.0
"""Share of each row's squared L2 norm given to the character n-grams (0 = words only, the default; 0.5
scored best on the tuning sets but is off, see the module doc)."""


def record_text(title: str, abstract: str = "", keywords: Sequence[str] | str = "", *,
                title_weight: int = TITLE_WEIGHT) -> str:
    """The text a record is ranked by: the title (``title_weight`` times), abstract and keywords joined."""
    kw = keywords if isinstance(keywords, str) else " ".join(keywords)
    parts = [title or ""] * max(1, title_weight) + [abstract or "", kw or ""]
    return " ".join(part for part in parts if part)


def prefix_tokens(text: str) -> list[str]:
    """Word tokens (2+ letters or digits) cut to their first `PREFIX` characters."""
    return [t[:PREFIX] for t in _TOKEN.findall(text)]


def vectorise(texts: Sequence[str], *, min_df: int = 2, ngram_max: int = 2,
              char_weight: float | None = None) -> sparse.csr_matrix:
    """TF-IDF matrix of ``texts``: `prefix_tokens` and their bigrams, blended with character n-grams
    (`CHAR_NGRAMS` within word boundaries) so that the char block carries ``char_weight`` of each row's
    squared norm (rows have unit L2 norm); falls back to min_df=1 for tiny inputs."""
    texts = [t or "" for t in texts]
    weight = CHAR_WEIGHT if char_weight is None else float(char_weight)
    words = _tfidf(texts, min_df, dict(ngram_range=(1, ngram_max), tokenizer=prefix_tokens, token_pattern=None))
    if words is None:
        return sparse.csr_matrix((len(texts), 1), dtype=np.float64)
    if weight > 0:
        chars = _tfidf(texts, min_df, dict(analyzer="char_wb", ngram_range=CHAR_NGRAMS))
        if chars is not None:
            words = sparse.hstack([math.sqrt(1 - weight) * words, math.sqrt(weight) * chars], format="csr")
    words.sort_indices()  # once here, not in every fit
    return words


def _tfidf(texts: list[str], min_df: int, options: dict[str, Any]) -> sparse.csr_matrix | None:
    for df in (min_df, 1):
        vec = TfidfVectorizer(sublinear_tf=True, min_df=df, max_df=0.95 if df > 1 else 1.0,
                              strip_accents="unicode", dtype=np.float64, **options)
        try:
            return sparse.csr_matrix(vec.fit_transform(texts))
        except ValueError:  # empty vocabulary (tiny or empty texts)
            continue
    return None


@dataclass(frozen=True)
class RankResult:
    """Unlabelled record indices, most likely relevant first, and each one's score (same order)."""

    order: list[int]
    scores: list[float]


@dataclass
class Ranker:
    """Holds the TF-IDF matrix of a review's records; ``update(labels)`` re-ranks the unlabelled ones."""

    texts: Sequence[str]
    seed: int = 0
    model: str = DEFAULT_MODEL
    c: float | None = None
    ratio: float = DEFAULT_RATIO
    matrix: sparse.csr_matrix = field(init=False, repr=False)
    last: RankResult | None = field(init=False, default=None)
    _labels: dict[int, int] = field(init=False, default_factory=dict, repr=False)
    _tiebreak: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        self.matrix = vectorise(self.texts)
        self._tiebreak = np.random.default_rng(self.seed).permutation(self.matrix.shape[0])

    @property
    def n_records(self) -> int:
        return int(self.matrix.shape[0])

    def update(self, labels: Mapping[int, int]) -> list[int]:
        """Re-rank from ``labels`` (index -> 0/1); returns the unlabelled indices, best first."""
        self.last = self._rank(labels)
        self._labels = {int(k): int(v) for k, v in labels.items()}
        return self.last.order

    def _rank(self, labels: Mapping[int, int]) -> RankResult:
        n = self.n_records
        mask = np.zeros(n, dtype=bool)
        idx = np.fromiter((int(i) for i in labels), dtype=np.int64, count=len(labels))
        y = np.fromiter((1 if int(v) else 0 for v in labels.values()), dtype=np.int64, count=len(labels))
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise IndexError(f"label index out of range 0..{n - 1}")
        mask[idx] = True
        rest = np.flatnonzero(~mask)
        scores = self._scores(idx, y, rest)
        # highest score first; ties broken by a seeded random permutation, not by file order
        key = np.lexsort((self._tiebreak[rest], -scores))
        return RankResult(order=rest[key].tolist(), scores=scores[key].astype(float).tolist())

    def _scores(self, idx: np.ndarray, y: np.ndarray, rest: np.ndarray) -> np.ndarray:
        if rest.size == 0:
            return np.zeros(0)
        X = self.matrix
        if y.size == 0 or y.min() == y.max():  # one class only: similarity to its centroid
            if y.size == 0:
                return np.zeros(rest.size)
            centroid = np.asarray(X[idx].mean(axis=0)).ravel()
            sim = X[rest] @ centroid
            return sim if y[0] == 1 else -sim
        return fit_scores(X, idx, y, rest, self.model, self.seed, self.c, self.ratio)

    def estimate_remaining(self, window: int = 100) -> dict[str, Any]:
        """How many relevant records the unlabelled ones may still hold, from the labels of the last
        ``update`` in their insertion order (taken as the screening order)."""
        return estimate_remaining(self.matrix, self._labels, window=window)


def fit_scores(X: sparse.csr_matrix, idx: np.ndarray, y: np.ndarray, rest: np.ndarray, model: str,
               seed: int = 0, c: float | None = None, ratio: float = DEFAULT_RATIO) -> np.ndarray:
    """Fit ``model`` on rows ``idx`` (labels ``y``, both classes present); scores of rows ``rest``.

    Sample weights give the relevant records ``ratio`` times the total weight of the irrelevant ones
    (1 = balanced classes), scaled to average 1.
    """
    clf = make_classifier(model, seed, c)
    clf.fit(X[idx], y, sample_weight=class_weights(y, ratio))
    if model == "nb":
        logp = clf.predict_log_proba(X[rest])
        return logp[:, 1] - logp[:, 0]
    # X @ w over every row then picking ``rest`` avoids copying X[rest] (same values as decision_function)
    return (X @ clf.coef_.ravel() + clf.intercept_[0])[rest]


def make_classifier(model: str, seed: int = 0, c: float | None = None) -> Any:
    """The scikit-learn estimator behind ``model`` (classes are weighted in `fit_scores`)."""
    if model == "svm":
        return LinearSVC(C=0.1 if c is None else c, tol=SVM_TOL, random_state=seed)
    if model == "logreg":
        return LogisticRegression(C=10.0 if c is None else c, solver="liblinear", random_state=seed)
    if model == "nb":
        return MultinomialNB(alpha=3.822 if c is None else c)
    raise ValueError(f"unknown model {model!r}")


def class_weights(y: np.ndarray, ratio: float = DEFAULT_RATIO) -> np.ndarray:
    """Per-record weights: relevant ones together weigh ``ratio`` times the irrelevant ones; mean 1."""
    pos = max(int(y.sum()), 1)
    neg = max(int(y.size - y.sum()), 1)
    w = np.where(y == 1, ratio / pos, 1.0 / neg)
    return w * (y.size / w.sum())


def rank(texts: Sequence[str], labels: Mapping[int, int], seed: int = 0, model: str = DEFAULT_MODEL,
         ratio: float = DEFAULT_RATIO) -> RankResult:
    """One-off ranking of the unlabelled ``texts`` from ``labels`` (index -> 0/1)."""
    ranker = Ranker(texts, seed=seed, model=model, ratio=ratio)
    ranker.update(labels)
    assert ranker.last is not None
    return ranker.last


def estimate_remaining(matrix: sparse.csr_matrix, labels: Mapping[int, int], *, window: int = 100,
                       order: Sequence[int] | None = None, n_priors: int = 0) -> dict[str, Any]:
    """Estimates of the relevant records among the unlabelled ones, as data (never a decision).

    The decisions are taken in screening order (``order``, else ``labels``' insertion order), the first
    ``n_priors`` left out. Model (stated so reviewers can judge it): screening in ranked order, the chance
    that the k-th screened record is relevant decays exponentially, ``rate(k) = exp(a + b k)``, fitted by
    Poisson regression on the 0/1 sequence; ``expected`` is the fitted rate summed over the records not
    yet screened. When the fit does not decay (b >= 0: relevant records still arrive steadily),
    ``expected`` falls back to ``recent_rate_bound``; before 20 decisions or a first relevant record it
    is NaN (no estimate). ``recent_rate_bound`` is the share
    relevant among the last ``window`` decisions times the number unlabelled (pessimistic when the
    ranking works). In simulations (docs) the decay fit runs low early on and tracks the truth within a
    few records late in a review; the run of irrelevant records in `stopping_advice` guards the early part.
    """
    n = int(matrix.shape[0])
    keys = [int(i) for i in (order if order is not None else labels)]
    seq = np.array([1 if int(labels[i]) else 0 for i in keys], dtype=np.float64)[n_priors:]
    unlabelled = n - len(set(int(i) for i in labels))
    recent = seq[-window:]
    rate = float(recent.mean()) if recent.size else float("nan")
    bound = rate * unlabelled if recent.size else float("nan")
    expected, slope, method = float("nan"), float("nan"), "too few decisions (< 20) or none relevant"
    if unlabelled == 0:
        expected, method = 0.0, "all records labelled"
    elif seq.size >= 20 and seq.sum() > 0:
        expected, method = bound, "recent rate (the discovery rate does not decay yet)"
        total = seq.size + unlabelled
        k = (np.arange(1, seq.size + 1) / total).reshape(-1, 1)
        fit = PoissonRegressor(alpha=0.0, max_iter=300).fit(k, seq)
        slope = float(fit.coef_[0])
        if slope < 0:
            tail = (np.arange(seq.size + 1, total + 1) / total).reshape(-1, 1)
            expected, method = float(fit.predict(tail).sum()), "exponential decay of the discovery rate"
    return {"unlabelled": unlabelled, "labelled": len(labels), "relevant_found": int(sum(int(v) for v in
                                                                                         labels.values())),
            "expected": min(expected, unlabelled) if not math.isnan(expected) else expected,
            "method": method, "decay_slope": slope, "recent_window": int(recent.size), "recent_rate": rate,
            "recent_rate_bound": bound}


def consecutive_irrelevant(decisions: Sequence[int]) -> int:
    """Length of the run of irrelevant decisions at the end of ``decisions`` (screening order)."""
    run = 0
    for d in reversed(decisions):
        if d:
            break
        run += 1
    return run


def stopping_advice(decisions: Sequence[int], n_records: int, expected_remaining: float | None = None,
                    *, min_run: int = 50, run_share: float = 0.05, max_expected: float = 1.0) -> dict[str, Any]:
    """A stopping guide as data: the heuristic, where the review stands, and whether it is met.

    Rule (a heuristic, stated so reviewers can judge it): stop screening in ranked order when the last
    ``max(min_run, run_share * n_records)`` decisions were all irrelevant AND, if an estimate is given,
    fewer than ``max_expected`` relevant records are expected among the rest (NaN = no estimate yet:
    never stop). Assumes the ranking was
    retrained as decisions arrived and that relevant records resemble the ones already found; a relevant
    record unlike all found ones can hide below any run.
    """
    need = max(min_run, math.ceil(run_share * n_records))
    run = consecutive_irrelevant(decisions)
    screened = len(decisions)
    estimate_ok = expected_remaining is None or (not math.isnan(expected_remaining)
                                                 and expected_remaining < max_expected)
    met = run >= need and estimate_ok and screened > 0
    if screened >= n_records:
        met, reason = True, "every record is screened"
    elif run < need:
        reason = f"{need - run} more consecutive irrelevant records needed (run {run} of {need})"
    elif not estimate_ok and expected_remaining is not None and math.isnan(expected_remaining):
        reason = "no estimate of the relevant records left yet (too few decisions or none relevant)"
    elif not estimate_ok:
        reason = f"the model still expects {expected_remaining:.1f} relevant records (limit {max_expected})"
    else:
        reason = f"run of {run} irrelevant records reached and fewer than {max_expected} expected to remain"
    return {"stop": met, "reason": reason, "screened": screened, "n_records": n_records,
            "consecutive_irrelevant": run, "run_needed": need, "expected_remaining": expected_remaining,
            "assumptions": ("records screened in ranked order with retraining; relevant records resemble those "
                            "found; the estimate is a model sum, not a bound")}
