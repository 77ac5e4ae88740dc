"""Snippets: escaped HTML, marks where the keyword analysis matches, the window that answers the query."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kb.snippets import make_snippet

FILLER = "Die Gruppe trifft sich regelmäßig in den Räumen der Gemeinde. "


def marked(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


def plain(snippet: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", snippet)).strip("…")


def test_text_is_html_escaped_and_only_marks_are_tags() -> None:
    text = 'Der Kurs <script>alert("x")</script> für Eltern & Kinder'
    snippet = make_snippet(text, "Kurs Eltern")
    assert "<script>" not in snippet
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in snippet
    assert "&amp; Kinder" in snippet
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0
    assert marked(snippet) == ["Kurs", "Eltern"]


def test_a_query_that_looks_like_html_is_harmless() -> None:
    snippet = make_snippet("Ein Script für Bewerbungen.", "<script>")
    assert marked(snippet) == ["Script"]
    assert "<script>" not in snippet


def test_compounds_are_marked_by_their_parts() -> None:
    text = (
        "Die Sprachpatenschaft verbindet Ehrenamtliche mit Familien; Gesundheitslotsinnen begleiten zum Arzt."
    )
    assert marked(make_snippet(text, "Sprachpaten")) == ["Sprachpatenschaft"]
    assert marked(make_snippet(text, "Lotsen")) == ["Gesundheitslotsinnen"]
    assert marked(make_snippet("Lotsen im Gesundheitswesen", "Gesundheitslotsinnen")) == ["Lotsen"]


def test_umlauts_inflection_and_hyphens_are_matched() -> None:
    assert marked(make_snippet("Treffpunkt für Mütter mit Kindern", "Muetter Kind")) == ["Mütter", "Kindern"]
    assert marked(make_snippet("Unser Sprach-Café am Dienstag", "Sprachcafé")) == ["Sprach-Café"]


def test_stop_words_are_not_marked() -> None:
    assert marked(make_snippet("Die Kurse und die Beratung", "die Beratung und")) == ["Beratung"]


def test_the_window_moves_to_the_match_with_ellipses_at_cut_ends() -> None:
    text = FILLER * 8 + "Hier beginnt die Hausaufgabenhilfe für Grundschulkinder. " + FILLER * 8
    snippet = make_snippet(text, "Hausaufgabenhilfe", width=120)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert marked(snippet) == ["Hausaufgabenhilfe"]
    assert len(plain(snippet)) <= 120


def test_the_window_prefers_more_distinct_query_terms() -> None:
    text = (
        "Beratung, Beratung und nochmals Beratung. "
        + FILLER * 6
        + "Beratung für Frauen mit Kinderbetreuung im Haus. "
        + FILLER * 6
    )
    snippet = make_snippet(text, "Beratung Frauen Kinderbetreuung", width=100)
    assert marked(snippet) == ["Beratung", "Frauen", "Kinderbetreuung"]


def test_without_a_match_the_snippet_is_the_beginning() -> None:
    text = FILLER * 10
    snippet = make_snippet(text, "Fahrradwerkstatt", width=80)
    assert not snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>" not in snippet
    assert text.startswith(plain(snippet))


def test_a_short_text_is_shown_whole_with_whitespace_collapsed() -> None:
    assert make_snippet("Sprachkurs\n  für   Frauen", "Frauen") == "Sprachkurs für <mark>Frauen</mark>"
    assert make_snippet("", "Frauen") == ""


def test_windows_are_cut_at_word_boundaries() -> None:
    text = (
        " ".join(f"wort{n}" for n in range(200)) + " Elterncafé " + " ".join(f"wort{n}" for n in range(200))
    )
    snippet = make_snippet(text, "Café", width=90)
    words = set(text.split())
    assert all(word in words for word in plain(snippet).split())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.text(max_size=40), st.integers(20, 300))
def test_a_snippet_is_always_an_escaped_piece_of_the_text(text: str, query: str, width: int) -> None:
    snippet = make_snippet(text, query, width)
    assert plain(snippet) in " ".join(text.split())
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0


# The plain reading of the matching rule, word by word, every word stemmed: the fast path
# (only words holding a query stem's letters are stemmed) must find exactly what this finds.
def exhaustive_matches(text: str, query: str) -> list[tuple[int, int, str]]:
    from kb.text_analysis import DEFAULT_ANALYZER as analyzer
    from kb.text_analysis import GERMAN_STOP_WORDS, HYPHENS, WORD, fold

    wanted = set(analyzer.query_terms(query))
    wanted_parts = set(analyzer.query_parts(query))
    found_matches = []
    for found in WORD.finditer(text):
        folded = [fold(piece) for piece in HYPHENS.split(found.group())]
        for word in folded + ["".join(folded)] if len(folded) > 1 else folded:
            if word in GERMAN_STOP_WORDS:
                continue
            term = analyzer.term(word)
            if term in wanted or term in wanted_parts:
                found_matches.append((found.start(), found.end(), term))
                break
            shared = wanted.intersection(analyzer.part_terms(word))
            if shared:
                found_matches.append((found.start(), found.end(), min(shared)))
                break
    return found_matches


VOCABULARY = (
    "Lotsinnen Lotse Gesundheitslotsinnen Patin Paten Sprachpatenschaft Sprachcafé Sprach-Café Kaffee "
    "Elternkaffee Mütter Muetter Kindern Kind Kinderbetreuung Beratung Ärztinnen Arzt Migrantinnen "
    "Migranten Integrationskurs Integrations-kurs Quelle neue Straße Strasse Fahrradwerkstatt Werkstatt "
    "für fuer und die Hausaufgabenhilfe Grundschulkinder Frauen Frauencafé Deutsch-Türkischer Eltern-Kind "
    "Ausbildung Ausbildungspaten Begleitung Dolmetscherinnen Dolmetscher 2024 ½ ﬁnden Öffnungszeiten"
).split()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=30),
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4),
)
def test_fast_matching_finds_what_word_by_word_matching_finds(words: list[str], query: list[str]) -> None:
    from kb.snippets import find_matches

    text, question = " ".join(words), " ".join(query)
    fast = [(m.start, m.end, m.term) for m in find_matches(text, question)]
    assert fast == exhaustive_matches(text, question)


def test_a_needle_holding_another_is_left_out_and_the_same_words_are_found() -> None:
    from kb.snippets import _needles, find_matches, query_analysis

    wanted = query_analysis("Sprachkurs für Mütter mit Kinderbetreuung")
    every = {term[:-1] if term.endswith("e") else term for term in wanted.terms | wanted.parts}
    assert set(wanted.needle_list) < every
    assert "sprachkur" not in wanted.needle_list and "kur" in wanted.needle_list
    for needle in every:  # each one left out holds one kept
        assert any(kept in needle for kept in wanted.needle_list)
    text = "Ein Sprachkurs: Kurse für Mütter, die Kinder werden betreut (Kinderbetreuung im Haus)."
    query = "Sprachkurs für Mütter mit Kinderbetreuung"
    found = [(m.start, m.end, m.term) for m in find_matches(text, query)]
    assert found == exhaustive_matches(text, query)
    assert {"sprachkur", "mutt", "kinderbetreu"} <= {term for _, _, term in found}
    many = frozenset(f"w{number:03d}" for number in range(100))  # past the bound: all kept
    assert len(_needles(many)) == 100


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400), st.sampled_from(VOCABULARY), st.integers(20, 300))
def test_a_text_spaced_beforehand_gives_the_same_snippet(text: str, query: str, width: int) -> None:
    from kb.snippets import spaced_text

    assert make_snippet(spaced_text(text), query, width, spaced=True) == make_snippet(text, query, width)
