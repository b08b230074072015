"""Benchmark: REML random-effects pooling of 10,000 synthetic studies (target: under 0.5 s).

Run: ``python benchmarks/bench_pooling.py [k] [repeats]``; prints the median wall time of the repeats.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from extraction.pooling import pool


def synthetic(k: int, seed: int = 2011) -> tuple[np.ndarray, np.ndarray]:
    """Correlations around r = .28 (the alliance–outcome size) with tau = .1 and n from 20 to 500."""
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 500, k)
    theta = rng.normal(np.arctanh(0.28), 0.1, k)
    y = rng.normal(theta, 1 / np.sqrt(n - 3))
    return y, 1.0 / (n - 3)


def main(k: int = 10_000, repeats: int = 7) -> float:
    y, v = synthetic(k)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = pool(y, v, method="REML", back_transform=True)  # y are Fisher z values
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"REML, k = {k}: median {med * 1000:.1f} ms over {repeats} runs "
          f"(min {min(times) * 1000:.1f} ms); tau2 = {res.tau2:.5f}, r = {res.estimate_r:.4f}, "
          f"target < 500 ms: {'OK' if med < 0.5 else 'TOO SLOW'}")
    return med


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
