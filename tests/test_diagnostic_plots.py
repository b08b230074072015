"""The diagnostics plots (leave-one-out/cumulative, Baujat): every row drawn, labelled in full for a file and, past
``max_labels`` rows, numbered (sequence) or labelled at the points farthest out (Baujat), as the screen shows them."""

from __future__ import annotations

import numpy as np

from extraction.pooling import diagnostics as dg
from extraction.pooling.diagnostic_plots import baujat_plot, sequence_plot
from tests.r_oracle import dataset


def _data(k: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    d = dataset("dat.molloy2014")  # 16 correlations (metadat); repeated with jitter for a long review
    ri, ni = d["ri"].to_numpy(float), d["ni"].to_numpy(float)
    rng = np.random.default_rng(1)
    idx = np.resize(np.arange(ri.size), k)
    y = np.arctanh(ri[idx]) + rng.normal(0, 0.02, k)
    return y, 1.0 / (ni[idx] - 3), [f"{d['authors'][i]} #{j}" for j, i in enumerate(idx)]


def test_sequence_plot_labels_every_row_or_numbers_them_past_max_labels():
    y, v, labels = _data(12)
    rows = dg.leave_one_out(y, v)
    full = sequence_plot(rows, labels, "Leave-one-out", "z")
    ax = full.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == labels
    assert len(ax.collections[0].get_segments()) == 12
    y, v, labels = _data(300)
    rows = dg.leave_one_out(y, v)
    short = sequence_plot(rows, labels, "Leave-one-out", "z", max_labels=50).axes[0]
    ticks = [t.get_text() for t in short.get_yticklabels()]
    assert ticks[0] == "1" and ticks[-1] == "300" and len(ticks) <= 11
    assert len(short.collections[0].get_segments()) == 300
    assert short.lines[0].get_xdata().size == 300  # every estimate is drawn


def test_baujat_plot_labels_the_points_farthest_out_past_max_labels():
    y, v, labels = _data(200)
    inf = dg.influence(y, v)
    ax = baujat_plot(inf, labels, max_labels=10).axes[0]
    shown = [t.get_text() for t in ax.texts if t.get_text() in labels]
    assert len(shown) == 10 and len(ax.collections[0].get_offsets()) == 200
    score = inf.baujat_x / inf.baujat_x.max() + inf.baujat_y / inf.baujat_y.max()
    assert set(shown) == {labels[i] for i in np.argsort(-score)[:10]}
    assert len([t for t in baujat_plot(inf, labels).axes[0].texts if t.get_text() in labels]) == 200
