"""Multilevel (three-level) meta-analysis with nested random effects and cluster-robust standard errors.

The model is metafor's ``rma.mv(yi, vi, mods, random = ~ 1 | study/sample/es)``: y = Xβ + u_study +
u_sample + u_es + e with independent normal random effects per level (variances σ²₁, σ²₂, ... for the
outer to inner levels; the innermost, one per effect, is always added) and known sampling variances v.
Its marginal covariance is block diagonal by outermost cluster: V_j = diag(v_j) + Σ_l σ²_l S_l, S_l the
same-group indicator; a level whose groups are single effects is the effect level. σ² maximise the
REML (or ML) log-likelihood by Fisher scoring on σ² >= 0 (score and expected information computed block
by block; step halving on the likelihood; a component at 0 with a negative score stays there);
β̂ = (X'V⁻¹X)⁻¹X'V⁻¹y.

Blocks of equal size are inverted together (batched Cholesky), so 5,000 effects in 300 studies take well
under a second per likelihood evaluation. Written here because statsmodels' MixedLM cannot fix the
residual variances at the known vᵢ and no Python library fits rma.mv.

Cluster-robust inference (clusters = the outermost level):

* ``robust="CR1"`` is metafor's ``robust(res, cluster, adjust = TRUE)``: Var(β̂) = M (Σ_j X_j'W_j e_j e_j'
  W_j X_j) M · J/(J − p), M = (X'WX)⁻¹, W = V⁻¹; t tests with J − p df; the omnibus test QM/m against
  F(m, J − p).
* ``robust="CR2"`` is clubSandwich's CR2 (``robust(res, cluster, clubSandwich = TRUE)``; Pustejovsky &
  Tipton 2018): residuals adjusted by A_j = R_j' G_j^{-1/2} R_j (eigenvalues <= 1e-12 of G_j dropped, as
  clubSandwich does), R_j the upper Cholesky factor of V_j and
  G_j = R_j (V_j − X_j M X_j') R_j', t tests with Satterthwaite df
  (Σ_j g_j'V g_j)² / Σ_{j,k} (g_j'V g_k)² for g_j = (I − H)'_{·j} A_j W_j X_j M c (working model V).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from db.errors import InputError
from extraction.pooling.estimators import validate
from extraction.pooling.results import Z975, _clean


def _codes(values: Any) -> np.ndarray:
    return pd.factorize(pd.Series(values).astype(str), sort=False)[0]


@dataclass
class _Blocks:
    """Rows grouped into outer clusters, and clusters grouped by size for batched linear algebra."""

    order: np.ndarray                      # row order (by cluster)
    sizes: dict[int, np.ndarray]           # block size -> cluster indices
    rows: dict[int, np.ndarray]            # block size -> (B, m) row indices into the original data
    same: dict[int, list[np.ndarray]]      # block size -> per level (B, m, m) same-group indicators
    n_clusters: int


def _blocks(levels: list[np.ndarray]) -> _Blocks:
    outer = levels[0]
    n = outer.size
    order = np.argsort(outer, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(outer[order]) != 0])
    bounds = np.r_[starts, n]
    by_size: dict[int, list[np.ndarray]] = {}
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        by_size.setdefault(int(b - a), []).append(order[a:b])
    rows, same, sizes = {}, {}, {}
    for m, blocks in by_size.items():
        idx = np.stack(blocks)
        rows[m] = idx
        sizes[m] = np.arange(len(blocks))
        same[m] = [(lev[idx][:, :, None] == lev[idx][:, None, :]).astype(float) for lev in levels]
    return _Blocks(order, sizes, rows, same, len(starts))


@dataclass(frozen=True)
class RobustCoefficient:
    """One coefficient of a multilevel fit: its Wald statistic is t with ``df`` (robust SEs) or z (``df`` None)."""

    name: str
    estimate: float
    se: float
    stat: float
    df: float | None
    p: float
    ci: tuple[float, float]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "estimate": self.estimate, "se": self.se, "stat": self.stat, "df": self.df,
                "p": self.p, "ci": self.ci}


@dataclass(frozen=True)
class MultilevelFit:
    method: str
    k: int
    n_clusters: int
    level_names: list[str]
    sigma2: list[float]
    n_levels: list[int]              # number of groups per level
    names: list[str]
    beta: np.ndarray
    vb: np.ndarray                   # model-based
    ll: float
    qe: float
    qe_df: int
    robust: str | None = None
    vb_robust: np.ndarray | None = None
    dfs: np.ndarray | None = None    # per-coefficient t df (robust)
    qm: float = float("nan")
    qm_df: tuple[int, int] | int = 0
    qm_p: float = float("nan")
    notes: list[str] = field(default_factory=list)

    def coefficients(self) -> list[RobustCoefficient]:
        vb = self.vb if self.vb_robust is None else self.vb_robust
        out = []
        for j, name in enumerate(self.names):
            se = math.sqrt(vb[j, j])
            stat = self.beta[j] / se
            if self.dfs is None:
                p, crit = 2 * stats.norm.sf(abs(stat)), Z975
            else:
                df = float(self.dfs[j])
                p, crit = 2 * stats.t.sf(abs(stat), df), float(stats.t.isf(0.025, df))
            out.append(RobustCoefficient(name, float(self.beta[j]), se, float(stat),
                                         None if self.dfs is None else float(self.dfs[j]), float(p),
                                         (float(self.beta[j] - crit * se), float(self.beta[j] + crit * se))))
        return out

    def qe_p(self) -> float | None:
        """p of the test for residual heterogeneity (None without residual df)."""
        return float(stats.chi2.sf(self.qe, self.qe_df)) if self.qe_df > 0 else None

    def to_json(self) -> dict[str, Any]:
        return _clean({"model": "multilevel (rma.mv, nested random effects)", "method": self.method, "k": self.k,
                       "clusters": self.n_clusters,
                       "variance_components": [{"level": n, "sigma2": s, "groups": g} for n, s, g in
                                               zip(self.level_names, self.sigma2, self.n_levels, strict=True)],
                       "robust": self.robust, "qe": self.qe, "qe_df": self.qe_df,
                       "qe_p": self.qe_p(),
                       "qm": self.qm, "qm_df": self.qm_df, "qm_p": self.qm_p, "loglik": self.ll,
                       "coefficients": [c.to_json() for c in self.coefficients()], "notes": self.notes})


class _Model:
    def __init__(self, y: np.ndarray, v: np.ndarray, X: np.ndarray, blocks: _Blocks, reml: bool) -> None:
        self.y, self.v, self.X, self.b, self.reml = y, v, X, blocks, reml
        self.k, self.p = X.shape

    def pieces(self, s2: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float, dict]:
        """(log|V|, X'V⁻¹X, X'V⁻¹y, y'V⁻¹y, per-size Cholesky factors)."""
        p = self.p
        logdet, xtx, xty, yty = 0.0, np.zeros((p, p)), np.zeros(p), 0.0
        chol = {}
        for m, idx in self.b.rows.items():
            V = np.zeros((idx.shape[0], m, m))
            V[:, np.arange(m), np.arange(m)] = self.v[idx]
            for s, S in zip(s2, self.b.same[m], strict=True):
                V += s * S
            L = np.linalg.cholesky(V)
            chol[m] = L
            logdet += 2.0 * float(np.sum(np.log(np.diagonal(L, axis1=1, axis2=2))))
            Xb, yb = self.X[idx], self.y[idx]
            # whitened: L⁻¹X, L⁻¹y
            lx = np.linalg.solve(L, Xb)
            ly = np.linalg.solve(L, yb[..., None])[..., 0]
            xtx += np.einsum("bmi,bmj->ij", lx, lx)
            xty += np.einsum("bmi,bm->i", lx, ly)
            yty += float(np.sum(ly * ly))
        return logdet, xtx, xty, yty, chol

    def loglik(self, s2: np.ndarray) -> float:
        logdet, xtx, xty, yty, _ = self.pieces(s2)
        try:
            beta = np.linalg.solve(xtx, xty)
        except np.linalg.LinAlgError:
            return -np.inf
        rss = yty - float(beta @ xty)
        if self.reml:
            sign, ld = np.linalg.slogdet(xtx)
            xx = np.linalg.slogdet(self.X.T @ self.X)[1]
            return -0.5 * (self.k - self.p) * math.log(2 * math.pi) + 0.5 * xx - 0.5 * logdet - 0.5 * ld - 0.5 * rss
        return -0.5 * self.k * math.log(2 * math.pi) - 0.5 * logdet - 0.5 * rss


def fit_multilevel(yi: np.ndarray, vi: np.ndarray, levels: list[Any], level_names: list[str] | None = None,
                   X: np.ndarray | None = None, names: list[str] | None = None, method: str = "REML",
                   robust: str | None = None) -> MultilevelFit:
    """Fit the nested random-effects model. ``levels``: the grouping columns from the outermost (study)
    inwards (e.g. [study, sample, es]); unless the innermost given level is unique per row, an effect-level
    random effect is added as the innermost level (metafor needs it written: ~ 1 | study/es).
    ``robust``: None, "CR1" (metafor's robust()) or "CR2" (clubSandwich) with the outermost level as cluster."""
    y, v = validate(yi, vi)
    k = y.size
    method = str(method).upper()
    if method not in ("REML", "ML"):
        raise InputError(f"the multilevel model is fitted by REML or ML, not {method!r}")
    if not levels:
        raise InputError("give at least the study (outermost cluster) column")
    codes: list[Any] = []
    for j, lev in enumerate(levels):
        arr = pd.Series(lev).reset_index(drop=True)
        if len(arr) != k:
            raise InputError(f"level {j + 1} has {len(arr)} values for {k} effects")
        if arr.isna().any() or (arr.astype(str).str.strip() == "").any():
            row = int(np.flatnonzero((arr.isna() | (arr.astype(str).str.strip() == "")).to_numpy())[0])
            raise InputError(f"level {(level_names or [])[j] if level_names else j + 1} is empty in row {row + 1}")
        # nest: a sample id only means something within its study
        key = arr.astype(str) if j == 0 else pd.Series(codes[-1]).astype(str) + "/" + arr.astype(str)
        codes.append(_codes(key))
    lnames = list(level_names or [f"level{j + 1}" for j in range(len(levels))])
    if np.unique(codes[-1]).size < k:  # the innermost level given groups effects: add one per effect
        codes.append(np.arange(k))
        lnames.append("effect")
    X = np.ones((k, 1)) if X is None else np.asarray(X, dtype=float).reshape(k, -1)
    p = X.shape[1]
    names = names or (["intrcpt"] if p == 1 else [f"b{j}" for j in range(p)])
    if np.linalg.matrix_rank(X) < p or k <= p + len(codes):
        raise InputError(f"cannot fit {p} coefficients and {len(codes)} variance components to {k} effects")
    blocks = _blocks(codes)
    model = _Model(y, v, X, blocks, reml=method == "REML")
    s2 = _fisher_scoring(model, np.full(len(codes), max(float(np.var(y)) / len(codes), 1e-4)))
    logdet, xtx, xty, yty, chol = model.pieces(s2)
    M = np.linalg.inv(xtx)
    beta = M @ xty
    ll = model.loglik(s2)
    # QE: residual heterogeneity with W = diag(1/v) (metafor's rma.mv QE uses the inverse of V = diag(v))
    w = 1.0 / v
    Aw = np.linalg.inv(X.T @ (X * w[:, None]))
    e0 = y - X @ (Aw @ (X.T @ (w * y)))
    qe = float(np.sum(w * e0**2))
    n_levels = [int(np.unique(c).size) for c in codes]
    fit = MultilevelFit(method, k, blocks.n_clusters, lnames, [float(s) for s in s2], n_levels, names, beta, M, ll,
                        qe, k - p)
    idx = np.arange(1, p)
    if robust is None:
        if idx.size:
            b = beta[idx]
            qm = float(b @ np.linalg.solve(M[np.ix_(idx, idx)], b))
            fit = _replace(fit, qm=qm, qm_df=int(idx.size), qm_p=float(stats.chi2.sf(qm, idx.size)))
        return fit
    robust = robust.upper()
    if robust not in ("CR1", "CR2"):
        raise InputError(f"unknown robust variance {robust!r}; expected CR1 (metafor) or CR2 (clubSandwich)")
    J = blocks.n_clusters
    if J <= p:
        raise InputError(f"cluster-robust SEs need more clusters ({J}) than coefficients ({p})")
    e = y - X @ beta
    comps, gvecs = [], []
    for m, idx_rows in blocks.rows.items():
        L = chol[m]                              # V = L L'; the upper factor R = L'
        Xb, eb = X[idx_rows], e[idx_rows]
        Vinv_X = np.linalg.solve(np.swapaxes(L, 1, 2), np.linalg.solve(L, Xb))       # W X
        if robust == "CR1":
            comps.append(np.einsum("bmi,bm->bi", Vinv_X, eb))          # X_j' W_j e_j
        else:
            R = np.swapaxes(L, 1, 2)
            V = L @ R
            G = R @ (V - Xb @ M @ np.swapaxes(Xb, 1, 2)) @ L
            vals, vecs = np.linalg.eigh(G)
            inv_root = np.where(vals > 1e-12, 1.0 / np.sqrt(np.where(vals > 1e-12, vals, 1.0)), 0.0)  # as clubSandwich
            Gm = vecs @ (vecs.transpose(0, 2, 1) * inv_root[..., None])
            A = L @ Gm @ R                        # R' G^{-1/2} R
            Ae = np.einsum("bmn,bn->bm", A, eb)
            comps.append(np.einsum("bmi,bm->bi", Vinv_X, Ae))
            gvecs.append((idx_rows, np.einsum("bmn,bni->bmi", A, Vinv_X)))   # A_j W_j X_j
    C = np.concatenate(comps)
    meat = C.T @ C
    vb_rob = M @ meat @ M
    if robust == "CR1":
        vb_rob *= J / (J - p)
        dfs = np.full(p, float(J - p))
    else:
        dfs = _satterthwaite(M, gvecs, blocks, chol, X)
    fit = _replace(fit, robust=robust, vb_robust=vb_rob, dfs=dfs)
    if idx.size and robust == "CR1":
        b = beta[idx]
        qm = float(b @ np.linalg.solve(vb_rob[np.ix_(idx, idx)], b)) / idx.size
        fit = _replace(fit, qm=qm, qm_df=(int(idx.size), J - p), qm_p=float(stats.f.sf(qm, idx.size, J - p)))
    elif idx.size:
        fit.notes.append("CR2: per-coefficient t tests with Satterthwaite df; no omnibus test is reported "
                         "(clubSandwich's HTZ test is not implemented)")
    return fit


def _score_info(model: _Model, s2: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """REML/ML score and expected information for the variance components, and the log-likelihood."""
    b, X, y, p = model.b, model.X, model.y, model.p
    n_c = s2.size
    blocks = []
    xtx, xty = np.zeros((p, p)), np.zeros(p)
    for m, idx in b.rows.items():
        V = np.zeros((idx.shape[0], m, m))
        V[:, np.arange(m), np.arange(m)] = model.v[idx]
        for s, S in zip(s2, b.same[m], strict=True):
            V += s * S
        Vi = np.linalg.inv(V)
        ViX = Vi @ X[idx]
        Viy = np.einsum("bmn,bn->bm", Vi, y[idx])
        xtx += np.einsum("bmi,bmj->ij", X[idx], ViX)
        xty += np.einsum("bmi,bm->i", X[idx], Viy)
        blocks.append((m, idx, Vi, ViX, Viy))
    M = np.linalg.inv(xtx)
    beta = M @ xty
    score = np.zeros(n_c)
    info = np.zeros((n_c, n_c))
    t1 = np.zeros((n_c, n_c))
    A = [np.zeros((p, p)) for _ in range(n_c)]           # X'Vi S_l Vi X
    Bm = [[np.zeros((p, p)) for _ in range(n_c)] for _ in range(n_c)]  # X'Vi S_l Vi S_m Vi X
    tr_vs = np.zeros(n_c)
    for m, _idx, Vi, ViX, Viy in blocks:
        r = Viy - ViX @ beta                               # V⁻¹(y − Xβ)
        VS = [Vi @ S for S in b.same[m]]                    # V⁻¹ S_l
        for l_ in range(n_c):
            S = b.same[m][l_]
            tr_vs[l_] += float(np.einsum("bmm->", VS[l_]))
            score[l_] += 0.5 * float(np.einsum("bm,bmn,bn->", r, S, r))
            A[l_] += np.einsum("bmi,bmn,bnj->ij", ViX, S, ViX)
            for m_ in range(l_, n_c):
                t1[l_, m_] += float(np.einsum("bmn,bnm->", VS[l_], VS[m_]))
                if model.reml:
                    Bm[l_][m_] += np.einsum("bmi,bmn,bnj->ij", ViX, S @ VS[m_], ViX)
    for l_ in range(n_c):
        score[l_] -= 0.5 * tr_vs[l_]
        if model.reml:
            score[l_] += 0.5 * float(np.trace(M @ A[l_]))
        for m_ in range(l_, n_c):
            val = t1[l_, m_]
            if model.reml:
                val += -2 * float(np.trace(M @ Bm[l_][m_])) + float(np.trace(M @ A[l_] @ M @ A[m_]))
            info[l_, m_] = info[m_, l_] = 0.5 * val
    return score, info, model.loglik(s2)


def _fisher_scoring(model: _Model, s2: np.ndarray, tol: float = 1e-10, max_iter: int = 200) -> np.ndarray:
    """Maximise the (RE)ML likelihood over σ² >= 0: Fisher scoring with step halving on the likelihood;
    a component pushed below 0 is held at 0 while its score is negative (a boundary maximum)."""
    s2 = s2.astype(float).copy()
    ll = model.loglik(s2)
    for _ in range(max_iter):
        score, info, _ = _score_info(model, s2)
        free = ~((s2 <= 0) & (score <= 0))
        step = np.zeros_like(s2)
        if free.any():
            sub = info[np.ix_(free, free)]
            try:
                step[free] = np.linalg.solve(sub, score[free])
            except np.linalg.LinAlgError:
                step[free] = score[free] / np.maximum(np.diag(sub), 1e-12)
        t = 1.0
        while True:
            cand = np.maximum(s2 + t * step, 0.0)
            new = model.loglik(cand)
            if new >= ll - 1e-12 or t < 1e-8:
                break
            t /= 2
        change = float(np.max(np.abs(cand - s2)))
        s2, ll = cand, max(new, ll)
        if change < tol * max(1.0, float(np.max(s2))):
            break
    return s2


def _replace(fit: MultilevelFit, **kw: Any) -> MultilevelFit:
    from dataclasses import replace

    return replace(fit, **kw)


def _satterthwaite(M: np.ndarray, gvecs: list, blocks: _Blocks, chol: dict, X: np.ndarray) -> np.ndarray:
    """Per-coefficient Satterthwaite df of the CR2 variance under the working model (see module docstring).

    With W = V⁻¹ the J x J matrix Q = G'VG of the g_j reduces to diag(a_j'V_j a_j) − B'MB, where a_j =
    A_j W_j X_j M c and B's column j is X_j'a_j; df = tr(Q)² / ||Q||²."""
    p = M.shape[0]
    dfs = np.empty(p)
    for c in range(p):
        mc = M[:, c]
        d_parts, b_parts = [], []
        for idx_rows, AWX in gvecs:
            a = AWX @ mc                                                   # (b, m)
            L = chol[idx_rows.shape[1]]
            La = np.einsum("bnm,bn->bm", L, a)                            # L'a: a'V a = |L'a|²
            d_parts.append(np.sum(La * La, axis=1))
            b_parts.append(np.einsum("bmi,bm->bi", X[idx_rows], a))
        d = np.concatenate(d_parts)
        B = np.concatenate(b_parts).T                                      # p x J
        Q = -(B.T @ M @ B)
        Q[np.diag_indices_from(Q)] += d
        dfs[c] = float(np.trace(Q) ** 2 / np.sum(Q * Q))
    return dfs


