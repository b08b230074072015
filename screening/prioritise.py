"""Prioritised screening: rank unscreened records by predicted relevance from the decisions so far.

A `Ranker` vectorises the records once and re-ranks on every ``update(labels)`` by fitting a linear
classifier on the labelled rows and scoring the others: the matrix is reused, so a re-rank of 10,000
records costs milliseconds plus the fit on the labelled ones. ``labels`` maps a record's index (its
position in ``texts``) to 1 (relevant) or 0 (irrelevant); the decision store calls ``update`` with what
reviewers decided so far.

Features (`screening.text_features.features`): the text is the title twice + abstract + keywords. A
word block (TF-IDF of words cut to their first 6 characters, unigrams and bigrams, sublinear tf; terms
in one record kept, `MIN_DF`) and a character block (TF-IDF of 3-4-character n-grams inside words)
are joined so that the character block carries half of each row's squared norm. The character block
is left out of the fit while fewer than `CHAR_MIN_RELEVANT` (2) relevant records are known, and above
`CHAR_MAX_RECORDS` records (memory).

Models (``model=``): ``"svm"`` (default: linear SVM, squared hinge, C=0.1, tol=0.1), ``"nb"`` (multinomial
naive Bayes, alpha=3.822, ASReview 1.x's default) and ``"logreg"`` (logistic regression, C=10; 10-20x slower
to fit). Classes are weighted so the relevant records together weigh ``ratio`` times the irrelevant
ones (default 10; 1 = balanced), weights scaled to average 1.

How these settings were chosen, round by round (the simulations and their scores, the embeddings tried):
docs/prioritise-tuning.md.

`estimate_remaining` and `stopping_advice` return data, not decisions: the reviewer stops; the rules a
team can cite and report (statistical, N consecutive irrelevant, knee) are in `screening.stopping`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

from screening.choices import DEFAULT_MODEL, MODELS
from screening.stopping import RemainingEstimate, StoppingAdvice, consecutive_irrelevant, run_needed
from screening.text_features import PREFIX, features

DEFAULT_RATIO = 10.0
"""Relevant records together weigh this many times the irrelevant ones in the fit (see the module doc)."""


SVM_TOL = 0.1
"""LinearSVC's stopping tolerance (scikit-learn's default 1e-4 converges far past what the ranking needs):
on the tuning sets, words + chars, mean WSS@95 0.439 at 1e-4, 0.440 at 0.01, 0.441 at 0.1 (retraining
every 5), 0.448 at both 0.01 and 0.1 (every record); each step ~2x faster (words only: 0.417 at 1e-4
and 0.418 at 0.01)."""

TITLE_WEIGHT = 2
"""How many times the title enters a record's text. Issue 13's tuning half scored once 0.4205 against twice
0.4138 (WSS@95), but once lowered early recall (Kitchenham seed 42: recall at 10% screened 0.27-0.36 against
0.41-0.43). The fourth round's rule (mean WSS@95 + 0.5 x mean recall at 10%, no review's worst seed
losing more than 0.05 of it; `benchmarks/tune_prioritise.py`) scores once 0.6742 and twice 0.6741 on the
app's schedule: no gain, so twice stays (docs/prioritise-tuning.md); the 2026-12-03 same-run table in
docs/benchmarks.md was run with twice."""
MIN_DF = 1
"""Words, prefixes and character n-grams found in fewer records than this are dropped. 1 keeps a term
seen in one record only (as ASReview's TF-IDF does): a rare drug or outcome name in the one relevant
record found so far counts from the first fit. Chosen by the fourth round's rule on the tuning half
(score 0.6822 against 0.6741 for 2, WSS@95 up on 5 of 8 reviews, no review's worst-seed recall at 10%
lower; docs/prioritise-tuning.md)."""
CHAR_MIN_RELEVANT = 2
"""Fits use the word block only while fewer relevant records than this are known (0 = always blend):
one relevant example is too little to learn which character n-grams matter."""


RETRAIN_SHARE = 0.01
"""`retrain_every`: past the first records, the ranking is refitted after each this share of the records
screened so far."""


def retrain_every(screened: int, share: float = RETRAIN_SHARE) -> int:
    """Decisions between two refits once ``screened`` records are screened: 1 while ``share * screened``
    is below 1, then ``floor(share * screened)`` (1% of 1,000 screened = every 10). The ranking changes
    little after one more irrelevant record late in a review, and a fit's cost grows with the records
    labelled, so this keeps a whole review's fitting time close to linear in its size."""
    return max(1, int(share * screened))


def record_text(title: str, abstract: str = "", keywords: Sequence[str] | str = "", *,
                title_weight: int = TITLE_WEIGHT) -> str:
    """The text a record is ranked by: the title (``title_weight`` times), abstract and keywords joined."""
    kw = keywords if isinstance(keywords, str) else " ".join(keywords)
    parts = [title or ""] * max(1, title_weight) + [abstract or "", kw or ""]
    return " ".join(part for part in parts if part)


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
    char_weight: float | None = None
    """Share of the char n-grams (None = `screening.text_features.CHAR_WEIGHT`; after init, the share used)."""
    prefix: int = PREFIX
    """Words are cut to this many characters (0 = whole words)."""
    min_df: int = MIN_DF
    """Features in fewer records are dropped (`MIN_DF`; 1 = keep every one, as ASReview)."""
    embeddings: np.ndarray | None = field(default=None, repr=False)
    """Optional dense rows (one per text, unit norm; `screening.semantic.embed`) blended with the TF-IDF."""
    semantic_weight: float = 0.0
    """Share of each row's squared norm given to ``embeddings`` (0 = TF-IDF only)."""
    tol: float = SVM_TOL
    """The SVM's stopping tolerance (`SVM_TOL`)."""
    blend: float = 0.0
    """Weight (0-1) of a second model on whole-word TF-IDF (``blend_options``) in the score: each model's
    scores are standardised over the unlabelled records and averaged with weights 1 - blend and blend."""
    blend_rate: float = 0.0
    """With a second model: how fast its weight follows the two models' record (0 = fixed at ``blend``).
    After each re-rank, every relevant record found since the previous one adds to each model's loss its
    position in that model's previous ranking (share of the unlabelled records above it, 0 = top); the
    second model's weight is the logistic of logit(``blend``) + ``blend_rate`` x (loss of the first -
    loss of the second): the model that had the relevant records higher gains weight."""
    blend_options: dict[str, Any] | None = None
    """`Ranker` options of the second model (default whole words + bigrams, min_df 1, no char block)."""
    matrix: sparse.csr_matrix = field(init=False, repr=False)
    word_columns: int = field(init=False, repr=False)
    last: RankResult | None = field(init=False, default=None)
    _labels: dict[int, int] = field(init=False, default_factory=dict, repr=False)
    _tiebreak: np.ndarray = field(init=False, repr=False)
    _word_scale: float = field(init=False, default=1.0, repr=False)
    _second: Ranker | None = field(init=False, default=None, repr=False)
    _previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(init=False, default=None, repr=False)
    _loss: np.ndarray = field(init=False, default_factory=lambda: np.zeros(2), repr=False)

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        feats = features(self.texts, char_weight=self.char_weight, prefix=self.prefix, min_df=self.min_df)
        self.matrix, self.word_columns, self.char_weight = feats.matrix, feats.word_columns, feats.char_weight
        self._word_scale = 1.0 / math.sqrt(1.0 - self.char_weight)
        if self.embeddings is not None and self.semantic_weight > 0:
            emb = np.asarray(self.embeddings, dtype=np.float32)
            if emb.shape[0] != self.matrix.shape[0]:
                raise ValueError(f"{emb.shape[0]} embeddings for {self.matrix.shape[0]} records")
            w = float(self.semantic_weight)
            tfidf = self.matrix * np.float32(math.sqrt(1.0 - w))
            dense = sparse.csr_matrix(emb * np.float32(math.sqrt(w)))
            self.matrix = sparse.csr_matrix(sparse.hstack([tfidf, dense], format="csr"), dtype=np.float32)
            self.matrix.sort_indices()
            self._word_scale /= math.sqrt(1.0 - w)
        self._tiebreak = np.random.default_rng(self.seed).permutation(self.matrix.shape[0])
        if self.blend > 0:
            opts: dict[str, Any] = {"prefix": 0, "char_weight": 0.0, "min_df": 1, "model": self.model,
                                    "c": self.c, "ratio": self.ratio, "tol": self.tol}
            opts.update(self.blend_options or {})
            self._second = Ranker(self.texts, seed=self.seed, **opts)

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
        if self._second is not None and rest.size > 1 and y.size and y.min() != y.max():
            second = self._second._scores(idx, y, rest)
            if self.blend_rate > 0:
                self._record_losses(idx[y == 1])
                self._previous = (rest, _positions(scores), _positions(second))
            b = self.blend_weight
            scores = (1 - b) * _standardised(scores) + b * _standardised(second)
        # highest score first; ties broken by a seeded random permutation, not by file order
        key = np.lexsort((self._tiebreak[rest], -scores))
        return RankResult(order=rest[key].tolist(), scores=scores[key].astype(float).tolist())

    @property
    def blend_weight(self) -> float:
        """The second model's weight in the score now (``blend`` moved by ``blend_rate``; see there)."""
        b = min(max(float(self.blend), 1e-6), 1 - 1e-6)
        if self.blend_rate <= 0:
            return float(self.blend)
        logit = math.log(b / (1 - b)) + self.blend_rate * float(self._loss[0] - self._loss[1])
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))

    def _record_losses(self, relevant: np.ndarray) -> None:
        """Add to each model's loss the previous ranking's position of the relevant records found since."""
        if self._previous is None:
            return
        rest, first, second = self._previous
        found = np.isin(rest, relevant)
        self._loss += (float(first[found].sum()), float(second[found].sum()))

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
        if (self.char_weight or 0.0) > 0 and int(y.sum()) < CHAR_MIN_RELEVANT:  # words only while few are relevant
            return fit_scores(X, idx, y, rest, self.model, self.seed, self.c, self.ratio,
                              columns=self.word_columns, scale=self._word_scale, tol=self.tol)
        return fit_scores(X, idx, y, rest, self.model, self.seed, self.c, self.ratio, tol=self.tol)

    def estimate_remaining(self, window: int = 100) -> RemainingEstimate:
        """How many relevant records the unlabelled ones may still hold, from the labels of the last
        ``update`` in their insertion order (taken as the screening order)."""
        return estimate_remaining(self.matrix, self._labels, window=window)


def _positions(scores: np.ndarray) -> np.ndarray:
    """Each score's position in the ranking, as the share of the other scores above it (0 = top)."""
    order = np.argsort(-scores, kind="stable")
    out = np.empty(scores.size)
    out[order] = np.arange(scores.size) / max(1, scores.size - 1)
    return out


def _standardised(scores: np.ndarray) -> np.ndarray:
    """``scores`` minus their mean, over their standard deviation (unchanged spread when it is 0)."""
    sd = float(scores.std())
    return (scores - scores.mean()) / (sd if sd > 0 else 1.0)


def fit_scores(X: sparse.csr_matrix, idx: np.ndarray, y: np.ndarray, rest: np.ndarray, model: str,
               seed: int = 0, c: float | None = None, ratio: float = DEFAULT_RATIO, *,
               columns: int | None = None, scale: float = 1.0, tol: float = SVM_TOL) -> np.ndarray:
    """Fit ``model`` on rows ``idx`` (labels ``y``, both classes present); scores of rows ``rest``.

    Sample weights give the relevant records ``ratio`` times the total weight of the irrelevant ones
    (1 = balanced classes), scaled to average 1. With ``columns``, the fit sees only the first
    ``columns`` columns (the word block) multiplied by ``scale`` (back to unit norm).
    """
    clf = make_classifier(model, seed, c, tol)
    if columns is None or columns >= X.shape[1]:
        train, columns, scale = X[idx], X.shape[1], 1.0
    else:
        train = X[idx][:, :columns] * scale
    clf.fit(train, y, sample_weight=class_weights(y, ratio))
    if model == "nb":
        logp = clf.predict_log_proba(X[rest][:, :columns] * scale if columns < X.shape[1] else X[rest])
        return logp[:, 1] - logp[:, 0]
    # X @ w over every row then picking ``rest`` avoids copying X[rest]; w in X's dtype (float32) keeps
    # scipy from converting the whole matrix on every call; a words-only fit scores with zeros for chars
    w = np.zeros(X.shape[1], dtype=X.dtype)
    w[:columns] = clf.coef_.ravel() * scale
    return (X @ w)[rest].astype(np.float64) + float(clf.intercept_[0])


def make_classifier(model: str, seed: int = 0, c: float | None = None, tol: float = SVM_TOL) -> Any:
    """The scikit-learn estimator behind ``model`` (classes are weighted in `fit_scores`)."""
    if model == "svm":
        return LinearSVC(C=0.1 if c is None else c, tol=tol, random_state=seed)
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
                       order: Sequence[int] | None = None, n_priors: int = 0) -> RemainingEstimate:
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
    return RemainingEstimate(unlabelled, len(labels), int(sum(int(v) for v in labels.values())),
                             min(expected, unlabelled) if not math.isnan(expected) else expected,
                             method, slope, int(recent.size), rate, bound)


def stopping_advice(decisions: Sequence[int], n_records: int, expected_remaining: float | None = None,
                    *, min_run: int = 50, run_share: float = 0.05, max_expected: float = 1.0) -> StoppingAdvice:
    """A stopping guide as data: the heuristic, where the review stands, and whether it is met.

    Rule (a heuristic, stated so reviewers can judge it): stop screening in ranked order when the last
    ``max(min_run, run_share * n_records)`` decisions were all irrelevant AND, if an estimate is given,
    fewer than ``max_expected`` relevant records are expected among the rest (NaN = no estimate yet:
    never stop). Assumes the ranking was
    retrained as decisions arrived and that relevant records resemble the ones already found; a relevant
    record unlike all found ones can hide below any run. The rules a team can report (statistical,
    consecutive irrelevant, knee) are in `screening.stopping`.
    """
    need = run_needed(n_records, min_run, run_share)
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
    return StoppingAdvice(met, reason, screened, n_records, run, need, expected_remaining)
