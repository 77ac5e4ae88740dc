"""Keyword analysis: compounds, umlauts, stop words, and MATCH expressions that user text cannot break."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.text_analysis import (
    BM25_WEIGHTS,
    DEFAULT_ANALYZER,
    FTS_COLUMNS,
    FTS_TOKENIZE,
    index_parts,
    index_terms,
    masculine,
    match_expression,
    query_terms,
)

# (one wording, another wording): a search for either must find a text that uses the other.
COMPOUND_PAIRS = [
    ("Sprachpatenschaft", "Sprachpaten"),
    ("Gesundheitslotsinnen", "Lotsen im Gesundheitswesen"),
    ("Sprachcafé", "Café für Sprache"),
    ("Ausbildungspaten", "Paten für die Ausbildung"),
    ("Elterncafé", "Café für Eltern"),
    ("Kinderbetreuung", "Betreuung der Kinder"),
    ("Hausaufgabenhilfe", "Hilfe bei den Hausaufgaben"),
    ("Integrationskurs", "Kurs zur Integration"),
    ("Sprachpatin", "Sprachpaten"),
    ("Migrantinnen", "Migranten"),
    ("Sprach-Café", "Sprachcafé"),
    ("Frauentreff", "Treff für Frauen"),
    ("Fotografie", "Photographie"),
    ("Grafikdesign", "Graphik"),
    ("Potenzialanalyse", "Potential"),
]
# Pairs that share letters but no meaning must not match.
UNRELATED_PAIRS = [
    ("Sprachpaten", "Gesundheitslotsinnen"),
    ("Kaffee", "Café"),  # two words, not two spellings of one: the model relates them, not the analysis
    ("Haft", "Partnerschaft"),
    ("Termin", "Terminal"),
    ("Kurs", "Kursiv"),
    ("Ausbildungspaten", "Hausaufgabenhilfe"),
]
DISTRACTORS = [
    "Ein Fußballverein trainiert jeden Samstag mit Jugendlichen aus der Nachbarschaft.",
    "Die Gemeinde organisiert Fahrdienste zu Behörden und Ämtern.",
]


def keyword_table() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE docs USING fts5({', '.join(FTS_COLUMNS)}, tokenize='{FTS_TOKENIZE}')")
    return db


def add(db: sqlite3.Connection, rowid: int, text: str) -> None:
    db.execute(
        "INSERT INTO docs(rowid, terms, parts) VALUES (?, ?, ?)",
        [rowid, index_terms(text), index_parts(text)],
    )


def search(db: sqlite3.Connection, query: str) -> list[int]:
    expression = match_expression(query)
    if expression is None:
        return []
    bm25 = f"bm25(docs, {', '.join(map(str, BM25_WEIGHTS))})"
    return [
        row[0]
        for row in db.execute(f"SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY {bm25}", [expression])
    ]


@pytest.mark.parametrize(("first", "second"), COMPOUND_PAIRS + [(b, a) for a, b in COMPOUND_PAIRS])
def test_compound_wordings_find_each_other(first: str, second: str) -> None:
    db = keyword_table()
    for rowid, text in enumerate(DISTRACTORS, start=2):
        add(db, rowid, text)
    add(db, 1, f"Unser Projekt: {second}, seit 2019 im Landkreis.")
    assert search(db, first) == [1]


@pytest.mark.parametrize(("first", "second"), UNRELATED_PAIRS + [(b, a) for a, b in UNRELATED_PAIRS])
def test_unrelated_words_do_not_match(first: str, second: str) -> None:
    db = keyword_table()
    add(db, 1, second)
    assert search(db, first) == []


def test_a_whole_word_outranks_a_compound_part() -> None:
    db = keyword_table()
    add(db, 1, "Wir vermitteln eine Sprachpatenschaft.")
    add(db, 2, "Wir vermitteln Sprachpaten.")
    assert search(db, "Sprachpaten") == [2, 1]


@pytest.mark.parametrize(
    "spellings",
    [
        ("Häuser", "Haeuser", "HÄUSER", "Hauser"),
        ("Mütter", "Muetter", "mütter"),
        ("Straße", "Strasse", "STRASSE"),
        ("Café", "Cafe", "café"),
        ("Öffnungszeiten", "Oeffnungszeiten", "offnungszeiten"),
    ],
)
def test_umlauts_sharp_s_and_accents_fold_to_one_term(spellings: tuple[str, ...]) -> None:
    assert len({index_terms(word) for word in spellings}) == 1
    assert len({index_parts(word) for word in spellings}) == 1


def test_inflected_forms_share_a_term() -> None:
    assert index_terms("Beratung") == index_terms("Beratungen")
    assert index_terms("Familie") == index_terms("Familien")
    assert index_terms("Lehrerin") == index_terms("Lehrer") == index_terms("Lehrerinnen")


@pytest.mark.parametrize("word", ["termin", "medizin", "berlin", "vitamin", "beginnen", "gewinnen", "innen"])
def test_words_ending_in_in_that_are_not_feminine_keep_their_ending(word: str) -> None:
    assert masculine(word) == word


def test_query_terms_drop_stop_words_and_repeat_nothing() -> None:
    assert query_terms("Wer bietet Sprachkurse für die Eltern und Sprachkurse für Kinder an?") == [
        "biet",
        "sprachkurs",
        "elt",
        "kind",
    ]
    assert query_terms("und die der für") == []
    assert match_expression("und die der für") is None
    assert match_expression("   ") is None


def test_hyphenated_words_yield_parts_and_joined_word() -> None:
    assert index_terms("Sprach-Café") == "sprach caf sprachcaf"


@pytest.mark.parametrize(
    "hostile",
    [
        'NEAR("Sprache" Kurs, 2)',
        "Sprach*",
        '"unbalanced',
        'say ""hi""',
        "terms: Sprache",
        "parts : Kurs",
        "^Anfang",
        "Kurs AND NOT Sprache OR",
        "-Kurs +Sprache",
        "(Sprache",
        "{terms parts}: x",
        "a:b:c",
        "\x00 null",
    ],
)
def test_fts_syntax_in_user_text_stays_plain_words(hostile: str) -> None:
    expression = match_expression(hostile)
    assert expression is not None
    # Outside the quoted terms only OR and the compound-part column filter may appear.
    syntax = re.sub(r'"(?:[^"]|"")*"', "", expression)
    assert set(syntax.split()) <= {"OR", "terms", ":"}
    db = keyword_table()
    add(db, 1, hostile)
    assert search(db, hostile) == [1]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_a_valid_expression(text: str) -> None:
    db = keyword_table()
    add(db, 1, text)
    found = search(db, text)  # raises sqlite3.OperationalError on an invalid expression
    assert found == ([1] if match_expression(text) else [])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_fts5_stores_exactly_the_analysed_terms(text: str) -> None:
    """The tokenizer must not split or change a term, or doc_freq lookups by term would miss."""
    db = keyword_table()
    db.execute("CREATE VIRTUAL TABLE vocab USING fts5vocab(docs, 'row')")
    add(db, 1, text)
    stored = {row[0] for row in db.execute("SELECT term FROM vocab")}
    assert stored == set(index_terms(text).split()) | set(index_parts(text).split())
    assert set(query_terms(text)) <= stored


def test_match_expression_leaves_out_compound_parts_said_to_be_too_common():
    full = match_expression("Sprachpatenschaft")
    assert "terms :" in full
    pruned = match_expression("Sprachpatenschaft", too_common=lambda term: True)
    assert "terms :" not in pruned and pruned == match_expression("Sprachpatenschaft").split(" OR ")[0]


def test_compound_pairs_are_the_part_terms_at_each_break():
    pairs = DEFAULT_ANALYZER.compound_pairs("Hausaufgabenhilfe für Kinder")
    assert ("hausaufgab", "hilf") in pairs["hausaufgabenhilf"]
    assert all(len(pair) == 2 for pair in pairs["hausaufgabenhilf"])
    assert pairs["kind"] == []  # too short to be a compound
    assert "fur" not in pairs  # stop words ask for nothing
