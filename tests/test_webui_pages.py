"""The German pages: search, project, organisation, partner finder, enquiry answer, topics, about."""

from __future__ import annotations

import re
from html import unescape

import pytest

SPRACHCAFE = "Wir wollen ein Sprachcafé, in dem Geflüchtete ohne Anmeldung Deutsch sprechen üben"
SPRACHCAFE_ID = "kaffee-kuchen-konjunktiv"


def titles(html: str) -> list[str]:
    """Result titles in page order."""
    return [unescape(t) for t in re.findall(r'<h3 id="treffer-\d+"[^>]*><a href="[^"]+">([^<]+)</a>', html)]


def fact_values(html: str, label: str) -> list[str]:
    return [unescape(v) for v in re.findall(rf"<dt>{label}</dt><dd[^>]*>(?:<a [^>]+>)?([^<]+)", html)]


def test_start_page_offers_form_filters_and_examples(client, quick_kb):
    html = client.get("/").get_data(as_text=True)
    assert '<label for="q">Beschreiben Sie Ihre Idee oder Frage</label>' in html
    assert '<html lang="de" dir="ltr">' in html
    assert html.count('class="example-list"') == 1
    examples = re.findall(r'<li><a href="/\?q=([^"]+)"', html)
    assert len(examples) >= 3
    for name, values in quick_kb.facets().items():
        assert f'<select id="filter-{name}" name="{name}">' in html
        for value, count in values:  # target groups' sub-groups are indented
            assert f">{value} ({count})</option>" in unescape(html).replace("\u2003", "")


def test_search_shows_the_fitting_project_first_with_section_and_highlight(model_client, sample_kb):
    # ranking: with the real model, as users get it
    html = model_client.get("/", query_string={"q": SPRACHCAFE}).get_data(as_text=True)
    assert titles(html)[0] == sample_kb.project(SPRACHCAFE_ID)["title"]
    first_card = html[html.index('id="treffer-1"') : html.index('id="treffer-2"')]
    assert "passt wegen: <strong" in first_card
    assert 'href="mailto:' in first_card and "Was es besonders macht:" in first_card
    assert "<mark>" in first_card
    assert re.search(
        r"<dt>Träger</dt><dd[^>]*>Freundeskreis Brückenschlag Herrenberg e\.V\.</dd>", first_card
    )
    assert f'name="ids" value="{SPRACHCAFE_ID}"' in html
    assert 'action="/merkliste"' in html


def test_the_results_say_how_many_of_each_level_they_hold(model_client):
    html = model_client.get("/", query_string={"q": SPRACHCAFE}).get_data(as_text=True)
    levels = re.findall(r'<p class="level level-([a-z-]+)">', html)
    summary = unescape(re.search(r'<p class="level-summary">(.*?)</p>', html, re.S).group(1))
    names = {"sehr-aehnlich": "sehr ähnlich", "aehnlich": "ähnlich", "entfernt": "entfernt"}
    expected = [f"{levels.count(css)} {name}" for css, name in names.items() if css in levels]
    assert levels and " ".join(summary.split()) == "Davon: " + " · ".join(expected)
    english = model_client.get("/", query_string={"q": SPRACHCAFE, "lang": "en"}).get_data(as_text=True)
    assert "Of these:" in english


def test_search_page_lists_the_same_projects_as_the_api(client):
    html = client.get("/", query_string={"q": "Gesundheit älterer Menschen"}).get_data(as_text=True)
    api = client.get("/api/search", query_string={"q": "Gesundheit älterer Menschen"}).get_json()
    assert titles(html) == [hit["title"] for hit in api["results"]]


@pytest.mark.parametrize("name,label", [("area", "Themenfeld"), ("town", "Ort")])
def test_filter_keeps_only_matching_projects(client, quick_kb, name, label):
    value, count = quick_kb.facets()[name][0]
    html = client.get("/", query_string={"q": "Ehrenamtliche begleiten Familien", name: value}).get_data(
        as_text=True
    )
    shown = fact_values(html, label)
    assert shown and set(shown) == {value}
    assert f'<option value="{value}" selected>' in html


def test_filter_without_query_lists_every_project_of_that_area(client, quick_kb):
    area, count = quick_kb.facets()["area"][0]
    html = client.get("/", query_string={"area": area}).get_data(as_text=True)
    assert html.count('<article class="card">') == count
    assert set(fact_values(html, "Themenfeld")) == {area}


def test_no_result_page_suggests_dropping_the_filters(client):
    html = client.get("/", query_string={"q": "Sprachcafé", "town": "Atlantis"}).get_data(as_text=True)
    assert "Dazu haben wir in der Sammlung nichts Passendes gefunden" in html
    assert 'href="/?q=Sprachcaf%C3%A9">Ohne Eingrenzung noch einmal suchen' in html


def test_project_page_shows_every_field_section_source_and_links(client, quick_kb):
    project = quick_kb.project(SPRACHCAFE_ID)
    response = client.get(f"/projekte/{SPRACHCAFE_ID}")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    for value in (
        project["title"],
        project["organisation"],
        project["town"],
        project["area"],
        project["contact"],
        project["period"],
        *project["target_groups"],
        *project["partners"],
    ):
        assert value in html
    for section in project["sections"]:
        assert f">{section['name']}</h2>" in html
        assert " ".join(section["text"].split()[:8]) in " ".join(html.split())
    assert project["source"]["name"] in html
    for organisation in project["organisations"]:
        assert f'<a href="/organisationen/{organisation["id"]}">{organisation["name"]}</a>' in html
    similar_ids = re.findall(r'<h3 lang="de" dir="auto"><a href="/projekte/([^"]+)">', html)
    assert similar_ids and SPRACHCAFE_ID not in similar_ids
    assert similar_ids == [hit.id for hit in quick_kb.similar(SPRACHCAFE_ID, k=5)]
    assert "/datei" not in html  # a Markdown source: no original document to open


def test_a_similar_project_opens(client):
    html = client.get(f"/projekte/{SPRACHCAFE_ID}").get_data(as_text=True)
    similar_id = re.findall(r'<h3 lang="de" dir="auto"><a href="/projekte/([^"]+)">', html)[0]
    assert client.get(f"/projekte/{similar_id}").status_code == 200


def test_unknown_project_and_organisation_give_a_german_404(client):
    for url in ("/projekte/gibt-es-nicht", "/organisationen/gibt-es-nicht", "/gibt/es/nicht"):
        response = client.get(url)
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert "<h1>Seite nicht gefunden</h1>" in html
        assert "Zur Startseite" in html


def test_organisation_page_lists_its_projects(client, quick_kb):
    organisation = quick_kb.project(SPRACHCAFE_ID)["organisations"][0]
    html = unescape(client.get(f"/organisationen/{organisation['id']}").get_data(as_text=True))
    assert re.search(rf"<h1[^>]*>{re.escape(organisation['name'])}</h1>", html)
    linked = re.findall(r'<a href="/projekte/([^"]+)">', html)
    assert SPRACHCAFE_ID in linked
    assert len(linked) == organisation["n_projects"]


def test_partner_finder_lists_organisations_with_their_projects(client, quick_kb):
    html = unescape(
        client.get("/partner", query_string={"q": "Sprachcafé mit der Stadtbibliothek"}).get_data(
            as_text=True
        )
    )
    expected = quick_kb.partners("Sprachcafé mit der Stadtbibliothek", k=10)
    assert re.findall(r'<h3 id="org-\d+"[^>]*><a href="/organisationen/([^"]+)">', html) == [
        hit.id for hit in expected
    ]
    assert "(Träger" in html and "(Partner" in html


def test_partner_finder_town_filter(client, quick_kb):
    town = quick_kb.facets()["town"][0][0]
    html = unescape(
        client.get("/partner", query_string={"q": "Deutsch lernen", "town": town}).get_data(as_text=True)
    )
    towns = re.findall(r"Aktiv in: (?:<bdi[^>]*>)?([^<]+)", html)
    assert towns and all(town in line.split(", ") for line in towns)


def test_partner_finder_without_query_shows_only_the_form(client):
    html = client.get("/partner").get_data(as_text=True)
    assert '<label for="q">Thema oder Idee</label>' in html
    assert "Organisationen zu" not in html and 'class="cards"' not in html


def test_topics_page_counts_and_links_to_filtered_searches(client, quick_kb):
    html = unescape(client.get("/themen").get_data(as_text=True))
    for name, values in quick_kb.facets().items():
        for value, count in values:
            assert f'>{value}</a> <span class="count">({count})</span>' in html
        first = values[0][0]
        assert re.search(rf'<a href="/\?{name}=[^"]+">{re.escape(first)}</a>', html)


def test_about_page_says_the_sample_collection_is_invented(client, quick_kb):
    html = client.get("/ueber").get_data(as_text=True)
    assert "erfunden" in html
    assert all(source["name"] in unescape(html) for source in quick_kb.sources())


@pytest.mark.parametrize(
    "url", ["/", "/themen", "/ueber", "/partner", "/antwort", f"/projekte/{SPRACHCAFE_ID}"]
)
def test_every_page_has_landmarks_skip_link_and_no_inline_script(client, url):
    html = client.get(url).get_data(as_text=True)
    for landmark in ("<header", "<nav", '<main id="inhalt"', "<footer"):
        assert landmark in html
    assert '<a class="skip-link" href="#inhalt">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert re.search(r'<script src="/static/app\.js', html)


def test_static_assets_are_served_locally(client):
    for name in ("style.css", "app.js"):
        with client.get(f"/static/{name}") as response:
            assert response.status_code == 200
    html = client.get("/").get_data(as_text=True)
    assert not re.search(r'(?:href|src)="(?:https?:)?//', html)


def test_an_empty_collection_explains_how_to_fill_it(quick_kb, tmp_path):
    from dataclasses import replace

    from kb import KnowledgeBase
    from webui import create_app

    empty = KnowledgeBase(
        replace(quick_kb.settings, data_dir=tmp_path / "leer"), embedder=quick_kb.dense.embedder
    )
    try:
        client = create_app({"KB": empty, "TESTING": True}).test_client()
        for url in ("/", "/?q=Sprachcafé", "/themen", "/partner?q=Sprachcafé"):
            response = client.get(url)
            assert response.status_code == 200
        assert "Es sind noch keine Projekte eingelesen." in client.get("/").get_data(as_text=True)
        assert "nichts Passendes gefunden" in client.get("/?q=Sprachcafé").get_data(as_text=True)
        assert client.get("/api/search?q=Sprachcafé").get_json()["results"] == []
    finally:
        empty.close()


def test_a_sample_projects_generator_key_is_not_shown_as_a_field(client):
    # the sample sources say `format: pdf` or `format: html` for the generators; no field of a project
    html = client.get(f"/projekte/{SPRACHCAFE_ID}").get_data(as_text=True)
    assert "<dt>format</dt>" not in html and "<dt>Ort</dt>" in html
