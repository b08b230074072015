"""The features records are ranked by: a word block (TF-IDF of words cut to `PREFIX` characters, with
their bigrams) and a character block (TF-IDF of 3-4-character n-grams inside words), joined into one
float32 matrix whose rows have unit L2 norm.

Counting is done here with numpy rather than by two scikit-learn vectorisers: every text is cleaned and
split into words once, each distinct word gets an id in one pass, and everything else (prefixes, bigrams,
character n-grams) is derived from those ids with array operations and one sparse product. The TF-IDF
weights are scikit-learn's ``TfidfTransformer``'s (sublinear tf, smooth idf, L2 rows), so the values
equal ``TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.95)`` over the same features up to float32
rounding (tested); only the order of the word block's columns differs (unigrams, then bigrams). On the
6,189 PTSD abstracts this is about twice as fast as the vectorisers.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

PREFIX = 6
"""Tokens are cut to their first ``PREFIX`` characters (a crude, language-blind stemmer: "depressive",
"depression" and "depressed" become one feature "depres")."""
CHAR_NGRAMS = (3, 4)
"""Lengths of the character n-grams (within words padded with one space each side)."""
CHAR_WEIGHT = 0.5
"""Share of each row's squared L2 norm given to the character n-grams (0 = words only)."""
CHAR_MAX_RECORDS = 20_000
"""Above this many records the matrix is words only: the char block holds ~1,000 non-zeros per abstract
(8 bytes each). At 20,000 records (real abstracts) the finished matrix takes ~200 MB and building it
peaks 0.81 GB above the process's start, in 10.3 s."""
MAX_DF = 0.95
"""Features in more than this share of the records are dropped (as are those in fewer than ``min_df``)."""
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class Features:
    """A TF-IDF matrix (float32, rows of unit L2 norm) whose first ``word_columns`` columns are the word
    block; the rest, if any, is the character block carrying ``char_weight`` of each row's squared norm."""

    matrix: sparse.csr_matrix
    word_columns: int
    char_weight: float


@functools.cache
def _combining_marks() -> dict[int, None]:
    """A `str.translate` table deleting every combining code point (912 of them; built once, ~60 ms)."""
    return {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.combining(chr(cp))}


def clean_text(text: str) -> str:
    """Lower case without accents: what scikit-learn's ``lowercase=True, strip_accents="unicode"`` gives
    (NFKD, combining marks dropped), the marks deleted by one ``str.translate`` instead of a Python loop
    over every character (most abstracts hold some non-ASCII character: a dash, a quote)."""
    text = text.lower()
    return text if text.isascii() else unicodedata.normalize("NFKD", text).translate(_combining_marks())


def tokenise(texts: Sequence[str]) -> list[list[str]]:
    """Each text's `clean_text` words (2+ letters or digits), in order."""
    return [_TOKEN.findall(clean_text(t or "")) for t in texts]


def prefix_tokens(text: str) -> list[str]:
    """A text's `tokenise` words cut to their first `PREFIX` characters."""
    return [t[:PREFIX] for t in tokenise([text])[0]]


@dataclass(frozen=True)
class _Words:
    """Every token as an id into ``vocabulary`` (sorted), with each document's token count."""

    ids: np.ndarray
    lengths: np.ndarray
    vocabulary: list[str]

    @property
    def rows(self) -> np.ndarray:
        """Each token's document index."""
        return np.repeat(np.arange(self.lengths.size, dtype=np.int32), self.lengths)

    def counts(self) -> sparse.csr_matrix:
        """Document x word counts."""
        return _counts(self.rows, self.ids, (self.lengths.size, len(self.vocabulary)))


def _word_ids(texts: Sequence[str]) -> _Words:
    """Ids of every text's `tokenise` words, one text at a time (no token list is kept: on 100,000
    abstracts those would take gigabytes)."""
    vocab: dict[str, int] = {}
    flat = array("i")  # 4 bytes a token
    lengths = np.zeros(len(texts), dtype=np.int64)
    for d, text in enumerate(texts):
        toks = _TOKEN.findall(clean_text(text or ""))
        lengths[d] = len(toks)
        flat.extend([vocab.setdefault(t, len(vocab)) for t in toks])
    words = list(vocab)
    order = sorted(range(len(words)), key=words.__getitem__)
    rank = np.empty(len(words), dtype=np.int32)
    rank[order] = np.arange(len(words), dtype=np.int32)
    ids = rank[np.frombuffer(flat, dtype=np.int32)] if flat else np.zeros(0, dtype=np.int32)
    return _Words(ids, lengths, [words[i] for i in order])


def _counts(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    """Sparse float32 counts of (row, col) pairs (duplicates summed; exact below 2**24)."""
    return sparse.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=shape)


def _tfidf(counts: sparse.csr_matrix, min_df: int) -> sparse.csr_matrix | None:
    """TF-IDF (scikit-learn's ``TfidfTransformer(sublinear_tf=True)``: float32 in, float32 out) of the
    columns in at least ``min_df`` and at most `MAX_DF` of the documents, else of every column present
    (tiny inputs); None when no column is left."""
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    for low, high in ((min_df, MAX_DF * n_docs), (1, n_docs)):
        keep = np.flatnonzero((df >= low) & (df <= high))
        if keep.size:
            return sparse.csr_matrix(TfidfTransformer(sublinear_tf=True).fit_transform(counts[:, keep]))
    return None


def _prefix_counts(words: _Words, ngram_max: int, prefix: int = PREFIX) -> sparse.csr_matrix:
    """Document x feature counts: word prefixes (whole words when ``prefix`` is 0), then their
    2..``ngram_max``-grams within a document."""
    prefixes = [w[:prefix] if prefix > 0 else w for w in words.vocabulary]  # sorted, as the words are
    pid_of_word = np.zeros(len(prefixes), dtype=np.int32)
    n_prefixes = 0
    for i in range(1, len(prefixes)):
        n_prefixes += prefixes[i] != prefixes[i - 1]
        pid_of_word[i] = n_prefixes
    n_prefixes = n_prefixes + 1 if prefixes else 0
    pids = pid_of_word[words.ids]
    rows = words.rows
    blocks = [_counts(rows, pids, (words.lengths.size, n_prefixes))]
    # tokens left in their document counting themselves: an n-gram starts where at least n are left
    left = np.repeat(np.cumsum(words.lengths, dtype=np.int32), words.lengths) - np.arange(pids.size, dtype=np.int32)
    for n in range(2, ngram_max + 1):
        first = np.flatnonzero(left >= n)
        if first.size == 0:
            continue
        key = np.zeros(first.size, dtype=np.int64)
        for k in range(n):  # mixed-radix number of the n prefix ids: unique and ordered like the n-gram
            key = key * n_prefixes + pids[first + k]
        grams = np.unique(key)
        cols = np.searchsorted(grams, key).astype(np.int32)
        del key
        blocks.append(_counts(rows[first], cols, (words.lengths.size, grams.size)))
    return sparse.hstack(blocks, format="csr")


def _char_counts(words: _Words, lengths: tuple[int, int]) -> sparse.csr_matrix | None:
    """Document x character n-gram counts: (document x word counts) @ (word x n-gram counts)."""
    grams: dict[str, int] = {}
    rows, cols = array("i"), array("i")  # 4 bytes an entry, not a Python int each
    for j, word in enumerate(words.vocabulary):
        padded = f" {word} "
        for n in range(lengths[0], lengths[1] + 1):
            for i in range(len(padded) - n + 1):
                rows.append(j)
                cols.append(grams.setdefault(padded[i:i + n], len(grams)))
    if not grams:
        return None
    word_grams = _counts(np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32),
                         (len(words.vocabulary), len(grams)))
    return sparse.csr_matrix(words.counts() @ word_grams)  # a gram twice in a word counts 2


def char_ngram_tfidf(texts: Sequence[str], lengths: tuple[int, int] = CHAR_NGRAMS,
                     min_df: int = 2) -> sparse.csr_matrix | None:
    """TF-IDF of the character n-grams (lengths ``lengths[0]..lengths[1]``) of each word padded with one
    space on each side (scikit-learn's ``char_wb`` idea over `tokenise` words: each distinct word is cut
    into n-grams once, not every position of every document); sublinear tf, smooth idf, min_df (1 for
    tiny inputs), max_df `MAX_DF`. None when no text has a word."""
    counts = _char_counts(_word_ids(texts), lengths)
    return None if counts is None else _tfidf(counts, min_df)


def features(texts: Sequence[str], *, min_df: int = 2, ngram_max: int = 2,
             char_weight: float | None = None, prefix: int = PREFIX) -> Features:
    """`Features` of ``texts``: word prefixes and their 2..``ngram_max``-grams, blended with character
    n-grams (weight ``char_weight``, default `CHAR_WEIGHT`) up to `CHAR_MAX_RECORDS` records, words only
    above (`_streamed_words`). ``prefix`` is the length words are cut to (0 = whole words). Falls back to
    min_df=1 for tiny inputs; no usable word at all gives one all-zero column."""
    if len(texts) > CHAR_MAX_RECORDS:
        return _streamed_words(texts, min_df, ngram_max)
    words = _word_ids(texts)
    n_docs = words.lengths.size
    weight = CHAR_WEIGHT if char_weight is None else float(char_weight)
    block = _tfidf(_prefix_counts(words, ngram_max, prefix), min_df) if words.vocabulary else None
    if block is None:
        return Features(sparse.csr_matrix((n_docs, 1), dtype=np.float32), 1, 0.0)
    n_word_columns, used = block.shape[1], 0.0
    if weight > 0 and n_docs <= CHAR_MAX_RECORDS:
        counts = _char_counts(words, CHAR_NGRAMS)
        chars = None if counts is None else _tfidf(counts, min_df)
        if chars is not None:
            block.data *= np.float32(math.sqrt(1 - weight))  # in place: no copies of the big blocks
            chars.data *= np.float32(math.sqrt(weight))
            block = sparse.hstack([block, chars], format="csr")
            del chars
            used = weight
    matrix = sparse.csr_matrix(block, dtype=np.float32, copy=False)
    matrix.sort_indices()  # once here, not in every fit
    return Features(matrix, n_word_columns, used)


def _cut_tokens(text: str) -> list[str]:
    return [t[:PREFIX] for t in _TOKEN.findall(text)]


def _streamed_words(texts: Sequence[str], min_df: int, ngram_max: int) -> Features:
    """The word block alone, by scikit-learn's ``TfidfVectorizer`` (same features and values as the array
    path, columns in another order). Used above `CHAR_MAX_RECORDS` records because it reads one text at a
    time: on 100,000 abstracts its peak is 0.8 GB above the process's start against 1.3 GB for the array
    path, though it takes 44 s against 35 s."""
    for df, max_df in ((min_df, MAX_DF), (1, 1.0)):
        vec = TfidfVectorizer(preprocessor=clean_text, tokenizer=_cut_tokens, token_pattern=None,
                              ngram_range=(1, ngram_max), sublinear_tf=True, min_df=df, max_df=max_df,
                              dtype=np.float32)
        try:
            matrix = sparse.csr_matrix(vec.fit_transform([t or "" for t in texts]))
        except ValueError:  # nothing left after pruning, or no word at all
            continue
        matrix.sort_indices()
        return Features(matrix, matrix.shape[1], 0.0)
    return Features(sparse.csr_matrix((len(texts), 1), dtype=np.float32), 1, 0.0)
