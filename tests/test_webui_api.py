"""The JSON API: results, records, and one error shape for every error."""

from __future__ import annotations

import re

import pytest

from tests.helpers import TEST_CONFIG
from webui import create_app

SEARCH_KEYS = {
    "id",
    "title",
    "score",
    "area",
    "organisation",
    "town",
    "target_groups",
    "snippet",
    "matched_section",
    "matched_kind",
    "source",
    "source_kind",
    "page_start",
    "page_end",
    "contact",
    "summary",
    "period",
    "status",
    "level",
    "relevance",
    "weak",
    "success",
    "contact_links",
    "groups",
}
PROJECT_ID = "kaffee-kuchen-konjunktiv"


def assert_error(response, status: int) -> str:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    return body["error"]["message"]


def test_search_returns_ranked_hits_with_every_field(client, quick_kb):
    body = client.get("/api/search", query_string={"q": "Sprachcafé Deutsch üben", "k": "3"}).get_json()
    assert body["query"] == "Sprachcafé Deutsch üben"
    assert len(body["results"]) == 3
    assert set(body["results"][0]) == SEARCH_KEYS
    assert body["results"][0]["id"] == PROJECT_ID
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_search_applies_filters(client, quick_kb):
    area = quick_kb.facets()["area"][-1][0]
    body = client.get("/api/search", query_string={"q": "Familien", "area": area}).get_json()
    assert body["filters"]["area"] == area
    assert body["results"] and {hit["area"] for hit in body["results"]} == {area}


@pytest.mark.parametrize(
    "query_string",
    [{}, {"q": ""}, {"q": "   "}, {"q": "x", "k": "0"}, {"q": "x", "k": "viele"}, {"q": "x", "k": "1000"}],
)
def test_search_refuses_missing_query_or_bad_k(client, query_string):
    message = assert_error(client.get("/api/search", query_string=query_string), 400)
    assert "'q'" in message or "'k'" in message


def test_projects_lists_every_project_without_server_paths(client, quick_kb):
    body = client.get("/api/projects").get_json()
    assert len(body["projects"]) == len(quick_kb.projects())
    first = body["projects"][0]
    assert {"id", "title", "sections", "source", "organisations"} <= set(first)
    assert "path" not in first["source"]


def test_one_project_and_its_similar_projects(client, quick_kb):
    project = client.get(f"/api/projects/{PROJECT_ID}").get_json()
    assert project["title"] == quick_kb.project(PROJECT_ID)["title"]
    assert [s["name"] for s in project["sections"]][:2] == [
        "Herangehensweise",
        "Zusammenarbeit mit Netzwerkpartnern",
    ]
    similar = client.get(f"/api/projects/{PROJECT_ID}/similar", query_string={"k": 4}).get_json()
    assert similar["project_id"] == PROJECT_ID
    assert len(similar["results"]) == 4 and PROJECT_ID not in {hit["id"] for hit in similar["results"]}


@pytest.mark.parametrize(
    "url", ["/api/projects/gibt-es-nicht", "/api/projects/gibt-es-nicht/similar", "/api/nichts"]
)
def test_unknown_ids_and_paths_are_json_404(client, url):
    assert_error(client.get(url), 404)


def test_partners_ranks_organisations(client):
    body = client.get("/api/partners", query_string={"q": "Sprachcafé in der Stadtbibliothek"}).get_json()
    assert body["results"]
    first = body["results"][0]
    assert {"id", "name", "score", "towns", "projects"} <= set(first)
    assert {p["role"] for hit in body["results"] for p in hit["projects"]} <= {"traeger", "partner"}
    assert_error(client.get("/api/partners"), 400)


def test_facets_count_projects(client, quick_kb):
    body = client.get("/api/facets").get_json()
    assert set(body) == {"area", "town", "target_group", "status"}
    assert sum(item["count"] for item in body["area"]) == len(quick_kb.projects())


@pytest.mark.parametrize("url", ["/api/search?q=x", "/api/projects", "/api/facets"])
def test_wrong_method_is_json_405(client, url):
    assert_error(client.post(url), 405)


def test_too_large_body_is_json_413(quick_kb):
    small = create_app({"KB": quick_kb, **TEST_CONFIG, "MAX_CONTENT_LENGTH": 1000})
    response = small.test_client().get("/api/search?q=x", data=b"x" * 5000)
    assert_error(response, 413)


class FailingKnowledgeBase:
    """The sample knowledge base whose search breaks, to see what a visitor gets from a server error."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def search(self, *args, **kwargs):
        raise RuntimeError("geheimes-internes-detail")

    find = search


def test_server_error_is_json_500_without_internals(quick_kb):
    app = create_app({"KB": FailingKnowledgeBase(quick_kb), "TESTING": False})
    api = app.test_client().get("/api/search?q=x")
    message = assert_error(api, 500)
    assert "geheimes" not in message
    page = app.test_client().get("/?q=x")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert "Ein Fehler ist aufgetreten" in html
    assert "geheimes" not in html and "Traceback" not in html


def test_openapi_describes_exactly_the_api_routes(client, read_app):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    api_rules = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in read_app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert set(document["paths"]) == api_rules
    for path, operations in document["paths"].items():
        assert set(operations) == {"get"}, path
        for parameter in re.findall(r"{(\w+)}", path):
            assert parameter in {p["name"] for p in operations["get"]["parameters"] if p["in"] == "path"}
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', str(document).replace("'", '"')))
    assert refs <= set(document["components"]["schemas"])


def test_records_keep_their_own_key_order(client):
    # Flask sorts keys unless told not to: a result starts with id, title and score, not "area"
    body = client.get("/api/search", query_string={"q": "Sprachcafé", "k": "1"}).get_json()
    assert list(body) == ["query", "topic", "truncated", "filters", "results", "weak_hidden", "places"]
    assert list(body["results"][0])[:3] == ["id", "title", "score"]
