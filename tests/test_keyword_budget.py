"""The keyword half's bounded work: which query terms it leaves out by collection size (logic only)."""

from __future__ import annotations

from kb import keyword_half as searching
from kb.text_analysis import DEFAULT_ANALYZER, match_expression

QUERY = "Sprachkurs für Mütter mit Kinderbetreuung"
WORDS = DEFAULT_ANALYZER.query_terms(QUERY)  # sprachkur, mutt, kinderbetreu
PARTS = DEFAULT_ANALYZER.query_parts(QUERY)


def frequencies(words: dict[str, int], part_share: float, n_chunks: int) -> dict[str, int]:
    return {**words, **{part: int(part_share * n_chunks) for part in PARTS}}


def test_a_collection_within_the_budget_keeps_every_word_and_all_but_common_parts():
    n_chunks = searching.KEYWORD_ROW_BUDGET
    freqs = frequencies(dict.fromkeys(WORDS, n_chunks), 0.5, n_chunks)
    left_out = searching.left_out_terms(QUERY, freqs, n_chunks)
    assert left_out == set(PARTS)  # each part in half the chunks; every word kept however common
    rare_parts = frequencies(dict.fromkeys(WORDS, n_chunks), 0.001, n_chunks)
    assert searching.left_out_terms(QUERY, rare_parts, n_chunks) == set()


def test_a_large_collection_keeps_the_rarest_terms_within_the_budget():
    n_chunks = 100 * searching.KEYWORD_ROW_BUDGET
    budget = searching.KEYWORD_ROW_BUDGET
    words = {"sprachkur": budget // 10, "kinderbetreu": budget // 2, "mutt": budget}
    freqs = frequencies(words, 0.0001, n_chunks)
    left_out = searching.left_out_terms(QUERY, freqs, n_chunks)
    assert "mutt" in left_out and {"sprachkur", "kinderbetreu"}.isdisjoint(left_out)
    kept = [term for term in [*WORDS, *PARTS] if term not in left_out]
    assert sum(freqs[term] for term in kept) <= budget
    assert any(part not in left_out for part in PARTS)  # rare parts fill what the budget leaves


def test_the_rarest_word_is_kept_even_beyond_the_budget():
    n_chunks = 100 * searching.KEYWORD_ROW_BUDGET
    words = dict(zip(WORDS, (3, 2, 4), strict=True))
    words = {term: count * searching.KEYWORD_ROW_BUDGET for term, count in words.items()}
    left_out = searching.left_out_terms(QUERY, frequencies(words, 0.0001, n_chunks), n_chunks)
    assert [term for term in WORDS if term not in left_out] == ["mutt"]
    expression = match_expression(QUERY, too_common=left_out.__contains__, left_out=left_out.__contains__)
    assert expression == '"mutt"'
