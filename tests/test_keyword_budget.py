"""The keyword half's bounded work: which query terms it leaves out by collection size (logic), and
how a filtered half reads its hits (real SQLite)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kb import keyword_half as searching
from kb.catalog import Catalog
from kb.filters import Filters
from kb.pipeline import ingest_paths
from kb.store import Store
from kb.text_analysis import DEFAULT_ANALYZER, match_expression
from tests.helpers import write_project

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


def test_a_filtered_keyword_half_reads_its_hits_in_batches_and_finds_the_same(tmp_path: Path) -> None:
    # Real SQLite: 40 projects, a few in each town; a town filter passes a tenth of the chunks, so
    # the filtered half reads the ranked hits a batch at a time and stops once it has enough.
    folder = tmp_path / "in"
    towns = ["Böblingen", "Sindelfingen", "Herrenberg", "Leonberg", "Weil der Stadt"]
    for n in range(40):
        words = " ".join(["Sprachkurs"] * (1 + n % 7) + ["Kinderbetreuung"] * (n % 3))
        write_project(
            folder,
            f"{n}.md",
            f"Projekt {n}",
            town=towns[n % 5] if n % 4 else "Aidlingen",
            approach=f"Ein Angebot mit {words} für Mütter.",
        )
    store = Store(tmp_path / "kb.sqlite")
    ingest_paths(store, [folder], 1 << 20)
    catalog = Catalog(store.db)
    n_chunks = catalog.chunk_count()
    read: list[int] = []  # rows read per filtered search
    real_batches = catalog.keyword_hit_batches

    def counted(expression: str, limit: int, batch: int):
        read.append(0)
        for rows in real_batches(expression, limit, batch):
            read[-1] += len(rows)
            yield rows

    catalog.keyword_hit_batches = counted
    stopped_early = 0
    for query in ["Sprachkurs für Mütter", "Kinderbetreuung", "Sprachkurs Kinderbetreuung Aidlingen"]:
        freqs = store.doc_freqs([*DEFAULT_ANALYZER.query_terms(query), *DEFAULT_ANALYZER.query_parts(query)])
        expression = match_expression(query)
        for town in [*towns, "Aidlingen", "Nirgendwo"]:
            allowed = np.unique(np.array(catalog.filtered_chunk_ids(Filters(town=town)), dtype=np.int64))
            for depth in (3, 5, 50):
                found = searching.keyword_hits(catalog, query, freqs, depth, allowed, n_chunks)
                everything = catalog.keyword_hits(expression, searching.FILTERED_DEPTH_FACTOR * depth)
                expected = [hit for hit in everything if hit[0] in set(allowed.tolist())][:depth]
                assert found == expected, (query, town, depth)
                assert all(chunk_id in set(allowed.tolist()) for chunk_id, _ in found)
                stopped_early += read[-1] < len(everything) if len(allowed) else 0
    assert stopped_early >= 10  # those left the rest of the ranked hits unread
    store.close()
