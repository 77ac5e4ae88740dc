"""Towns named in a query, in five languages and inflected forms, found as places (no model needed)."""

from __future__ import annotations

import pytest

from kb.places import PlaceFinder, without_places
from kb.result_details import contact_links, first_sentence

FINDER = PlaceFinder(["Herrenberg", "Leonberg", "Holzgerlingen", "Weil der Stadt", "Tübingen"])

CASES = [
    (
        "Wir sind ein Sportverein in Herrenberg und wollen Jugendliche",
        ["Herrenberg"],
        "Wir sind ein Sportverein und wollen Jugendliche",
    ),
    ("Ideen für Leonberg: Radfahren für Frauen", ["Leonberg"], "Ideen: Radfahren für Frauen"),
    (
        "Holzgerlingen'de mülteci gençler için meslek eğitimi",
        ["Holzgerlingen"],
        "mülteci gençler için meslek eğitimi",
    ),
    ("розмовний клуб німецької мови в Леонберзі", ["Leonberg"], "розмовний клуб німецької мови"),
    ("Курси для мам у Герренберзі", ["Herrenberg"], "Курси для мам"),
    ("دورة لغة للأمهات في هيرنبرغ", ["Herrenberg"], "دورة لغة للأمهات"),
    ("مشروع بهيرنبرغ للنساء", ["Herrenberg"], "مشروع للنساء"),
    ("Sindelfingen'deki veliler", ["Sindelfingen"], "veliler"),  # from the county table, not the collection
    ("Hausaufgabenhilfe in Weil der Stadt", ["Weil der Stadt"], "Hausaufgabenhilfe"),
    ("Böblinger Vereine und Projekte in Tübingen", ["Böblingen", "Tübingen"], "Vereine und Projekte"),
    ("HERRENBERGS Sprachcafé", ["Herrenberg"], "Sprachcafé"),
]


@pytest.mark.parametrize(("query", "towns", "topic"), CASES, ids=[c[0][:30] for c in CASES])
def test_town_found_and_taken_out_of_the_topic(query: str, towns: list[str], topic: str):
    mentions = FINDER.find(query)
    assert [m.town for m in mentions] == towns
    assert without_places(query, mentions) == topic


@pytest.mark.parametrize(
    "query",
    ["weil ich nicht weiß, wie", "Leonhard berät Familien", "Herrenhaus und Bergwandern", "Зіна", "بر"],
)
def test_words_that_only_resemble_a_town_are_not_places(query: str):
    assert FINDER.find(query) == []


def test_a_query_of_only_a_town_leaves_no_topic():
    assert without_places("in Herrenberg", FINDER.find("in Herrenberg")) == ""


def test_contact_links_for_mail_and_phone():
    links = contact_links("Miriam Vogelsang, Tel. 07032 123-4501, sprachcafe@example.org")
    assert {
        "kind": "email",
        "text": "sprachcafe@example.org",
        "href": "mailto:sprachcafe@example.org",
    } in links
    assert {"kind": "phone", "text": "07032 123-4501", "href": "tel:07032123-4501".replace("-", "")} in links
    assert contact_links("seit 2017, 3 Kurse") == []
    assert contact_links(None) == []


def test_first_sentence_is_one_short_line():
    assert first_sentence("Es kommt ohne Anmeldung aus. Zweiter Satz.") == "Es kommt ohne Anmeldung aus."
    long = first_sentence("Wort " * 100)
    assert len(long) <= 222 and long.endswith("…")


def _every_name_tried(finder: PlaceFinder) -> PlaceFinder:
    """The same finder without the first-letters filter: every name tried on every query."""
    unfiltered = PlaceFinder([])
    unfiltered.names = finder.names
    unfiltered._keys = [None] * len(finder.names)
    return unfiltered


def _spellings_inflected() -> list[str]:
    from kb.places import COUNTY_TOWNS

    queries = []
    for town, others in COUNTY_TOWNS.items():
        for spelling in (town, *others):
            for before, after in (("", ""), ("in ", "s"), ("", "er"), ("", "ern"), ("", "'de"), ("", "’deki"),
                                  ("", "і"), ("у ", "ом"), ("ب", ""), ("ل", ""), ("وب", ""), ("ال", "ي")):  # fmt: skip
                queries.append(f"Sprachkurs {before}{spelling}{after} für Mütter")
                queries.append(f"{before}{spelling[:-1]}{after} Hilfe")  # one letter short
                queries.append(f"{before}{spelling[:-2]}{after}")  # two letters short
    return queries


def test_names_skipped_by_their_first_letters_could_not_have_matched() -> None:
    """The filter that spares trying every town on every query changes no result."""
    unfiltered = _every_name_tried(FINDER)
    queries = _spellings_inflected() + [query for query, _, _ in CASES]
    assert any(FINDER.find(query) for query in queries)
    for query in queries:
        assert FINDER.find(query) == unfiltered.find(query), query
