"""Fusion of dense and keyword rankings, and the keyword confidence that scales it."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.fusion import KEYWORD_WEIGHT, fuse, keyword_confidence
from kb.text_analysis import (
    DEFAULT_ANALYZER,
    FTS_COLUMNS,
    FTS_TOKENIZE,
    index_parts,
    index_terms,
    query_terms,
)

DENSE = [(10, 0.91), (20, 0.90), (30, 0.86), (40, 0.85)]

rankings = st.lists(
    st.tuples(st.integers(0, 30), st.floats(-1, 1, allow_nan=False)), max_size=25, unique_by=lambda p: p[0]
).map(lambda pairs: sorted(pairs, key=lambda p: -p[1]))
keyword_rankings = st.lists(
    st.tuples(st.integers(0, 40), st.floats(0, 50, allow_nan=False)), max_size=25, unique_by=lambda p: p[0]
).map(lambda pairs: sorted(pairs, key=lambda p: -p[1]))


def ids(ranking: list[tuple[int, float]]) -> list[int]:
    return [item for item, _ in ranking]


@given(rankings, keyword_rankings)
def test_without_confidence_the_dense_order_is_kept_exactly(dense, keyword) -> None:
    fused = fuse(dense, keyword, keyword_confidence=0.0, k=100)
    assert fused == dense


def test_a_strong_keyword_hit_moves_up_when_the_query_speaks_the_corpus_language() -> None:
    keyword = [(20, 12.0), (40, 3.0)]
    assert ids(fuse(DENSE, keyword, keyword_confidence=1.0, k=4)) == [20, 10, 30, 40]


def test_the_same_hit_does_not_move_a_query_in_another_language() -> None:
    keyword = [(20, 12.0), (40, 3.0)]
    assert ids(fuse(DENSE, keyword, keyword_confidence=0.05, k=4)) == [10, 20, 30, 40]


def test_keyword_evidence_cannot_overturn_a_clear_dense_lead() -> None:
    dense = [(1, 0.92), (2, 0.80)]
    assert ids(fuse(dense, [(2, 9.0)], keyword_confidence=1.0, k=2)) == [1, 2]


def test_keyword_scores_count_relative_to_the_best_one() -> None:
    keyword_small = [(40, 2.0), (30, 1.0)]
    keyword_large = [(40, 200.0), (30, 100.0)]
    assert fuse(DENSE, keyword_small, keyword_confidence=0.7, k=4) == fuse(
        DENSE, keyword_large, keyword_confidence=0.7, k=4
    )


def test_the_boost_is_the_weight_times_confidence_for_the_best_keyword_hit() -> None:
    fused = dict(fuse(DENSE, [(40, 5.0), (30, 2.5)], keyword_confidence=0.5, k=4))
    assert fused[40] == pytest.approx(0.85 + 0.5 * KEYWORD_WEIGHT)
    assert fused[30] == pytest.approx(0.86 + 0.25 * KEYWORD_WEIGHT)
    assert fused[10] == pytest.approx(0.91)


def test_equal_scores_keep_the_dense_order() -> None:
    dense = [(7, 0.8), (3, 0.8), (5, 0.8), (1, 0.7)]
    assert ids(fuse(dense, [], keyword_confidence=1.0, k=4)) == [7, 3, 5, 1]
    # 1 is lifted exactly level with the others: it stays behind them.
    lifted = fuse(dense, [(1, 4.0)], keyword_confidence=1.0, k=4, keyword_weight=0.1)
    assert ids(lifted) == [7, 3, 5, 1]


def test_keyword_only_hits_enter_below_the_dense_floor_plus_their_boost() -> None:
    fused = fuse(DENSE, [(99, 8.0)], keyword_confidence=1.0, k=5)
    assert ids(fused) == [10, 20, 99, 30, 40]
    assert dict(fused)[99] == pytest.approx(0.85 + KEYWORD_WEIGHT)


def test_k_limits_the_result_and_empty_inputs_give_nothing() -> None:
    assert len(fuse(DENSE, [(40, 1.0)], keyword_confidence=1.0, k=2)) == 2
    assert fuse([], [], keyword_confidence=1.0, k=5) == []


@given(rankings, keyword_rankings, st.floats(0, 1))
def test_fusion_returns_each_candidate_once_best_first(dense, keyword, confidence) -> None:
    fused = fuse(dense, keyword, keyword_confidence=confidence, k=10)
    assert len(ids(fused)) == len(set(ids(fused)))
    assert [score for _, score in fused] == sorted((score for _, score in fused), reverse=True)
    assert set(ids(fused)) <= set(ids(dense)) | set(ids(keyword))


# ---- keyword confidence ---------------------------------------------------------------------
def test_confidence_is_one_when_every_term_occurs_and_zero_when_none_does() -> None:
    freq = {"sprach": 3, "kurs": 5}
    assert keyword_confidence(["sprach", "kurs"], freq, 50) == 1.0
    assert keyword_confidence(["language", "course"], freq, 50) == 0.0
    assert keyword_confidence([], freq, 50) == 0.0
    assert keyword_confidence(["sprach"], freq, 0) == 0.0


def test_a_rare_term_found_counts_more_than_a_common_one() -> None:
    freq = {"rare": 1, "common": 40}
    rare = keyword_confidence(["rare", "unknown"], freq, 50)
    common = keyword_confidence(["common", "unknown"], freq, 50)
    assert 0 < common < rare < 0.5


def test_doc_freq_may_be_a_function_or_a_mapping() -> None:
    freq = {"eltern": 4, "cafe": 2}
    terms = ["eltern", "cafe", "treff"]
    assert keyword_confidence(terms, freq, 30) == keyword_confidence(terms, lambda t: freq.get(t, 0), 30)


@given(
    st.lists(st.text(min_size=1, max_size=5), max_size=8),
    st.dictionaries(st.text(max_size=5), st.integers(0, 60)),
)
def test_confidence_stays_between_zero_and_one(terms, freq) -> None:
    assert 0.0 <= keyword_confidence(terms, freq, 60) <= 1.0


def test_a_compound_the_corpus_never_uses_speaks_its_language_when_both_parts_do() -> None:
    freq = {"hausaufgab": 2, "hilf": 9}
    pairs = {"hausaufgabenhilf": [("hausaufgab", "enhilf"), ("hausaufgab", "hilf")]}
    assert keyword_confidence(["hausaufgabenhilf"], freq, 50) == 0.0
    assert keyword_confidence(["hausaufgabenhilf"], freq, 50, pairs) == 1.0
    one_part_only = {"hausaufgabenhilf": [("hausaufgab", "enhilf")]}
    assert keyword_confidence(["hausaufgabenhilf"], freq, 50, one_part_only) == 0.0


def _fts_corpus(corpus: list[str]):
    """A real FTS5 index of the texts (the product's columns and tokenizer) and its doc_freq."""
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE docs USING fts5({', '.join(FTS_COLUMNS)}, tokenize='{FTS_TOKENIZE}')")
    db.execute("CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, 'row')")
    for rowid, text in enumerate(corpus):
        db.execute(
            "INSERT INTO docs(rowid, terms, parts) VALUES (?, ?, ?)",
            [rowid, index_terms(text), index_parts(text)],
        )

    def doc_freq(term: str) -> int:
        row = db.execute("SELECT doc FROM vocab WHERE term = ?", [term]).fetchone()
        return row[0] if row else 0

    return doc_freq


CORPUS = [
    "Ehrenamtliche Sprachpaten begleiten geflüchtete Familien beim Deutschlernen.",
    "Das Elterncafé lädt Mütter und Väter zum Austausch über Schule und Ausbildung ein.",
    "Gesundheitslotsinnen erklären das deutsche Gesundheitswesen in mehreren Sprachen.",
    "Ein Bewerbungstraining bereitet junge Erwachsene auf die Ausbildung im Handwerk vor.",
    "Kinder machen ihre Hausaufgaben, Ehrenamtliche helfen und geben Hilfe beim Lesen.",
]


def test_a_german_query_is_confident_and_other_languages_are_not_over_a_real_index() -> None:
    doc_freq = _fts_corpus(CORPUS)

    def confidence(query: str) -> float:
        return keyword_confidence(
            query_terms(query), doc_freq, len(CORPUS), DEFAULT_ANALYZER.compound_pairs(query)
        )

    german = confidence("Wo finden Eltern Austausch über Schule und Ausbildung?")
    english = confidence("Where can parents talk about school and vocational training?")
    turkish = confidence("Veliler okul ve meslek eğitimi hakkında nerede konuşabilir?")
    arabic = confidence("أين يمكن للآباء التحدث عن المدرسة والتدريب المهني؟")
    assert german > 0.5
    assert max(english, turkish, arabic) < 0.2
    # a German compound none of the texts uses, made of words they do use
    assert confidence("Hausaufgabenhilfe") == 1.0
    assert keyword_confidence(query_terms("Hausaufgabenhilfe"), doc_freq, len(CORPUS)) == 0.0
    for other in (
        "homework assistance",
        "ödev yardımı",
        "مساعدة في الواجبات",
        "допомога з домашніми завданнями",
    ):
        assert confidence(other) < 0.2, other
