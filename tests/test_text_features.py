"""The ranking's text features against scikit-learn's vectorisers on the same inputs."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import corpus_or_skip
from sklearn.feature_extraction.text import TfidfVectorizer, strip_accents_unicode

from screening.simulation import read_labelled
from screening.text_features import (
    PREFIX,
    char_ngram_tfidf,
    clean_text,
    features,
    prefix_tokens,
    tokenise,
)

CATS = ["cats purr and groom their whiskers at home", "stock market prices fell on bank news",
        "bond market yields rose after bank report", "cats groom whiskers and purr when calm",
        "central bank sets interest rates for market", "market traders sold bank shares today"]
HARD = ["Arbeitsbündnis und Übertragung", "Alliance THÉRAPEUTIQUE", "alleanza terapeutica è",
        "ﬁnal Œuvre Ångström", "naïve café—“quoted”", "Ελληνικά κείμενα", "日本語 テキスト", "", "x"]


def _cut_words(text: str) -> list[str]:
    return [t[:PREFIX] for t in re.findall(r"(?u)\b\w\w+\b", text)]


def _sklearn_words(texts: list[str]) -> np.ndarray:
    """The word block as scikit-learn's vectoriser builds it: prefixes and their bigrams, TF-IDF."""
    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, max_df=0.95, strip_accents="unicode", ngram_range=(1, 2),
                          tokenizer=_cut_words, token_pattern=None)
    return vec.fit_transform(texts).toarray()


def _same_up_to_column_order(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    np.testing.assert_allclose(np.sort(a, axis=1), np.sort(b, axis=1), atol=1e-6)
    np.testing.assert_allclose(a @ a.T, b @ b.T, atol=1e-5)
    # the columns themselves are the same vectors
    np.testing.assert_allclose(np.array(sorted(map(tuple, a.T.round(5)))), np.array(sorted(map(tuple, b.T.round(5)))),
                               atol=1e-5)


def test_clean_text_equals_scikit_learns_lowercase_and_accent_stripping():
    for text in HARD:
        assert clean_text(text) == strip_accents_unicode(text.lower())
    assert tokenise(["Arbeitsbündnis, n = 12"]) == [["arbeitsbundnis", "12"]]  # 1-character words dropped
    assert prefix_tokens("Therapeutic alliance") == ["therap", "allian"]


@pytest.mark.parametrize("texts", [
    HARD * 2,
    ["cats purr and groom", "bank market prices", "cats groom whiskers", "market bank bond", "purr cats"],
])
def test_word_block_equals_tfidf_vectorizer_over_prefixes_and_bigrams(texts):
    feats = features(texts, char_weight=0)
    assert feats.char_weight == 0 and feats.matrix.shape[1] == feats.word_columns
    _same_up_to_column_order(feats.matrix.toarray(), _sklearn_words(texts))


def test_word_block_on_a_real_export_equals_tfidf_vectorizer():
    data = read_labelled(corpus_or_skip() / "labeled_screening" / "srd__Cohen_2006_Antihistamines.csv")
    feats = features(data.texts, char_weight=0)
    ours, ref = feats.matrix.toarray(), _sklearn_words(data.texts)
    assert ours.shape == ref.shape == (310, ref.shape[1])
    np.testing.assert_allclose(np.sort(ours, axis=1), np.sort(ref, axis=1), atol=1e-6)
    np.testing.assert_allclose(ours @ ours.T, ref @ ref.T, atol=1e-5)


def test_tiny_and_empty_inputs():
    one = features(["only words here"])
    assert one.matrix.shape[0] == 1 and one.matrix.shape[1] >= 1  # min_df falls back to 1
    assert features([]).matrix.shape == (0, 1)
    assert features(["", "!"]).matrix.shape == (2, 1)


def test_above_the_char_limit_the_streamed_word_block_has_the_same_values(monkeypatch):
    import screening.text_features as tf

    texts = HARD * 2 + ["cats purr and groom", "bank market prices", "cats groom whiskers", "market bank bond"]
    array_path = features(texts, char_weight=0)
    monkeypatch.setattr(tf, "CHAR_MAX_RECORDS", 5)
    streamed = tf.features(texts)
    assert streamed.char_weight == 0 and streamed.matrix.dtype == np.float32
    _same_up_to_column_order(streamed.matrix.toarray(), array_path.matrix.toarray())
    assert tf.features(["", "!"] * 3).matrix.shape == (6, 1)


def test_char_ngrams_equal_scikit_learns_char_wb_analyser():
    # words of 2+ letters, no punctuation: the tokens are exactly the whitespace-split words char_wb uses
    texts = [t.replace(" a ", " ") for t in CATS] + ["bank bank interest", "purring cats", "xyz"]
    ours = char_ngram_tfidf(texts, (3, 4), min_df=2)
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True, min_df=2,
                          max_df=0.95).fit_transform(texts)
    assert ours is not None and ours.shape == ref.shape
    # same vectors up to the order of the columns and float32 rounding (ours is float32 to halve memory)
    assert ours.dtype == np.float32
    np.testing.assert_allclose((ours @ ours.T).toarray(), (ref @ ref.T).toarray(), atol=1e-6)
    np.testing.assert_allclose(np.sort(ours.toarray(), axis=1), np.sort(ref.toarray(), axis=1), atol=1e-6)
    assert char_ngram_tfidf(["", "!!"]) is None


def test_features_blend_words_and_chars_half_and_half():
    feats = features(CATS)
    X = feats.matrix
    assert X.dtype == np.float32 and feats.char_weight == 0.5 and 0 < feats.word_columns < X.shape[1]
    words, chars = X[:, :feats.word_columns], X[:, feats.word_columns:]
    np.testing.assert_allclose(np.asarray(words.multiply(words).sum(axis=1)).ravel(), 0.5, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(chars.multiply(chars).sum(axis=1)).ravel(), 0.5, rtol=1e-5)
    only_words = features(CATS, char_weight=0)
    assert only_words.matrix.shape[1] == feats.word_columns and only_words.char_weight == 0
    assert features(["", ""]).matrix.shape == (2, 1)
