"""Candidate pairs from a union of cheap exact blocking keys (never all n² pairs)."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from screening.dedup.features import Features

TITLE_STOP = frozenset(
    "a an and are as at by for from in into is of on or the to with without its their after before between "
    "during under over than versus vs via".split()
)
MAX_BLOCK = 40


def _title_words(title: str) -> list[str]:
    return [w for w in title.split() if w not in TITLE_STOP]


def blocking_keys(feats: Features) -> list[list[str]]:
    """The blocking keys of each record (strings prefixed by key kind)."""
    words = [_title_words(t) for t in feats.title]
    df: Counter[str] = Counter()
    for ws in words:
        df.update(set(ws))
    keys: list[list[str]] = []
    for i, ws in enumerate(words):
        k: list[str] = []
        year = int(feats.year[i])
        k.extend("d:" + d for d in feats.dois[i])
        alt = _title_words(feats.title_alt[i])
        if len(alt) >= 2:
            # the other-language title of "English [Original]" meets the copy titled in the original
            k.append("t3:" + " ".join(alt[:3]))
            k.append("tp:" + "".join(alt)[:20])
        if len(ws) >= 2:
            k.append("t3:" + " ".join(ws[:3]))
            k.append("te:" + " ".join(ws[-3:]))
            rare = sorted(set(ws), key=lambda w: (df[w], w))[:3]
            k.append("tr:" + " ".join(sorted(rare)))
            k.append("tp:" + "".join(ws)[:20])
        elif ws:
            k.append("t1:" + ws[0])
        first = feats.first_author[i]
        if first and year > 0:
            k.append(f"ay:{first}:{year}")
        start = feats.page_start[i]
        if start and start not in ("1", "0"):
            if year > 0:
                k.append(f"py:{start}:{year}")
            if feats.volume[i]:
                k.append(f"pv:{start}:{feats.volume[i]}")
        keys.append(k)
    return keys


def candidate_pairs(feats: Features, max_block: int = MAX_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays ``(i, j)`` with ``i < j`` of every pair sharing at least one key.

    Blocks bigger than ``max_block`` (e.g. a very common first author and year) are skipped: the other keys
    still pair the records that really agree.
    """
    n = len(feats)
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, ks in enumerate(blocking_keys(feats)):
        # a key given twice (a second title opening like the first) must not pair a record with itself
        for key in dict.fromkeys(ks):
            blocks[key].append(i)
    chunks: list[np.ndarray] = []
    tri_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for members in blocks.values():
        k = len(members)
        if k < 2 or k > max_block:
            continue
        if k not in tri_cache:
            tri_cache[k] = np.triu_indices(k, 1)
        a, b = tri_cache[k]
        idx = np.asarray(members, dtype=np.int64)
        chunks.append(idx[a] * n + idx[b])
    if not chunks:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes = np.unique(np.concatenate(chunks))
    return codes // n, codes % n
