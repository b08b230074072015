"""Optional semantic features: the packaged MiniLM model loads offline and its embeddings blend with TF-IDF."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import corpus_or_skip

from screening import semantic
from screening.prioritise import Ranker
from screening.simulation import read_labelled

pytestmark = pytest.mark.skipif(not semantic.available(), reason="optional: pip install metasift[semantic]")


def test_embeddings_are_unit_rows_and_put_topics_together():
    data = read_labelled(corpus_or_skip() / "labeled_screening" / "srd__Cohen_2006_NSAIDS.csv")
    texts = data.texts[:40]
    seen: list[tuple[int, int]] = []
    emb = semantic.embed(texts, batch=16, progress=lambda done, total: seen.append((done, total)))
    assert emb.shape == (40, semantic.DIMENSIONS) and emb.dtype == np.float32
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    assert seen[-1] == (40, 40) and len(seen) == 3
    # a drug-trial abstract is nearer to another one of the same review than to a software-engineering one
    other = read_labelled(corpus_or_skip() / "labeled_screening" / "srd__Kitchenham_2010.csv").texts[:5]
    far = semantic.embed(other)
    assert float((emb[0] @ emb[1:].T).mean()) > float((emb[0] @ far.T).mean()) + 0.1

    ranker = Ranker(texts, embeddings=emb, semantic_weight=0.3)
    plain = Ranker(texts)
    assert ranker.matrix.shape[1] == plain.matrix.shape[1] + semantic.DIMENSIONS
    assert np.allclose(np.sqrt(ranker.matrix.multiply(ranker.matrix).sum(axis=1)), 1.0, atol=1e-4)
    labels = {i: data.labels[i] for i in range(20)}
    if len(set(labels.values())) == 2:
        assert sorted(ranker.update(labels)) == list(range(20, 40))
    with pytest.raises(ValueError):
        Ranker(texts, embeddings=emb[:10], semantic_weight=0.3)


def test_embedding_stops_when_asked():
    from db.errors import Cancelled

    with pytest.raises(Cancelled):
        semantic.embed(["a text"] * 100, batch=10, should_stop=lambda: True)
