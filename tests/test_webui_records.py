"""Web UI of what staff know about a project's record: provenance, status, corrections."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kb import KnowledgeBase, Settings
from tests.fake_embedder import HashingEmbedder
from tests.helpers import ADMIN_PASSWORD, TEST_CONFIG, csrf_from, log_in, write_project
from webui import create_app

TODAY = date(2026, 11, 29)

PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Erzählcafé</title>
<link rel="canonical" href="https://www.lrabb.de/integrationsfonds/erzaehlcafe">
<meta name="date" content="2024-05-02"></head><body>
<main><h1>Erzählcafé am Freitag</h1><p>Ort: Weil der Stadt</p><p>Laufzeit: 2019 bis 2021</p>
<h2>Herangehensweise</h2><p>Jeden Freitag treffen sich ältere Frauen im Rathaus zum Erzählen.</p>
</main><footer>Stand: 05/2024</footer></body></html>"""


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """Three small projects, ingested with the test embedder (these tests are not about ranking)."""
    folder = tmp_path_factory.mktemp("records")
    write_project(folder / "in", "a.md", "Lesepaten Herrenberg", town="Herrenberg",
                  approach="Ehrenamtliche lesen jede Woche mit Grundschulkindern in der Bibliothek.")  # fmt: skip
    write_project(folder / "in", "b.md", "Sprachcafé Sindelfingen", town="Sindelfingen",
                  approach="Jeden Donnerstag wird im Bürgerhaus Deutsch gesprochen, bei Kaffee und Kuchen.")  # fmt: skip
    kb = KnowledgeBase(
        Settings.from_env({}, data_dir=folder / "data", admin_password=ADMIN_PASSWORD),
        threads=2,
        embedder=HashingEmbedder(),
    )
    report, _ = kb.ingest([folder / "in"])
    assert not report.failed
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def app(small_kb: KnowledgeBase):
    return create_app({"KB": small_kb, **TEST_CONFIG, "ADMIN_PASSWORD": ADMIN_PASSWORD})


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


def upload(client: FlaskClient, name: str, data: bytes, url: str = ""):
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    form = {"csrf_token": token, "file": [(io.BytesIO(data), name)], "url": url}
    return client.post("/admin/upload", data=form, content_type="multipart/form-data")


def test_page_address_date_and_edition_on_the_project_page(client: FlaskClient):
    log_in(client)
    html = upload(client, "erzaehlcafe.html", PAGE.encode()).get_data(as_text=True)
    assert "eingelesen" in html
    page = client.get("/projekte/erzaehlcafe-am-freitag").get_data(as_text=True)
    assert (
        '<a href="https://www.lrabb.de/integrationsfonds/erzaehlcafe" rel="external noopener noreferrer">'
        in page
    )
    assert "Stand: 05/2024" in page and "02.05.2024" in page
    assert re.search(r"Eingelesen am</dt><dd>\d\d\.\d\d\.20\d\d", page)
    api = client.get("/api/projects/erzaehlcafe-am-freitag").get_json()
    assert api["source"]["url"] == "https://www.lrabb.de/integrationsfonds/erzaehlcafe"
    assert "path" not in api["source"]
    about = client.get("/ueber").get_data(as_text=True)
    assert (
        '<a href="https://www.lrabb.de/integrationsfonds/erzaehlcafe" rel="external noopener noreferrer">erzaehlcafe.html</a>'
        in about
    )
    assert re.search(r"1 Projekt, Stand: 05/2024, eingelesen am \d\d\.\d\d\.20\d\d\)", about)


def test_address_given_at_upload_wins_and_a_bad_one_is_refused(client: FlaskClient, tmp_path: Path):
    log_in(client)
    saved = PAGE.replace("Erzählcafé am Freitag", "Nähcafé am Montag").replace(
        '<link rel="canonical" href="https://www.lrabb.de/integrationsfonds/erzaehlcafe">', ""
    )
    refused = upload(client, "naehcafe.html", saved.encode(), url="javascript:alert(1)").get_data(
        as_text=True
    )
    assert "the address must be a full web address" in refused
    assert client.get("/projekte/naehcafe-am-montag").status_code == 404
    upload(client, "naehcafe.html", saved.encode(), url="https://www.boeblingen.de/naehcafe")
    page = client.get("/projekte/naehcafe-am-montag").get_data(as_text=True)
    assert 'href="https://www.boeblingen.de/naehcafe"' in page


def form_of(client: FlaskClient, url: str) -> dict[str, str]:
    """The edit form's fields as the page fills them, with its CSRF token."""
    html = client.get(url).get_data(as_text=True)
    values = {"csrf_token": csrf_from(html)}
    for name, value in re.findall(r'<input id="f-[^"]+" name="([^"]+)" type="text" value="([^"]*)"', html):
        values[name] = unescape(value)
    for name, value in re.findall(
        r'<textarea id="f-[^"]+" name="([^"]+)" rows="\d+"[^>]*>([^<]*)</textarea>', html
    ):
        values[name] = unescape(value)
    selected = re.search(r'<select id="f-area" name="area">.*?<option selected>([^<]+)</option>', html, re.S)
    values["area"] = selected.group(1) if selected else ""
    return values


def test_project_records_need_login_and_csrf(app):
    client = app.test_client()
    for url in ("/admin/projekte", "/admin/projekte/neu", "/admin/projekte/lesepaten-herrenberg"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/admin")
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    for url in ("/admin/projekte/neu", "/admin/projekte/lesepaten-herrenberg", "/admin/projekte/x/pruefen"):
        assert client.post(url, data={"csrf_token": token, "title": "X"}).status_code == 403
    log_in(client)
    assert client.post("/admin/projekte/lesepaten-herrenberg", data={"town": "X"}).status_code == 400
    assert client.get("/projekte/lesepaten-herrenberg").get_data(as_text=True).count("Herrenberg") >= 1


def test_editing_a_project_is_seen_by_search_at_once_and_recorded(
    client: FlaskClient, small_kb: KnowledgeBase
):
    log_in(client)
    url = "/admin/projekte/lesepaten-herrenberg"
    form = form_of(client, url)
    assert form["title"] == "Lesepaten Herrenberg" and form["town"] == "Herrenberg"
    assert form["target_groups"] == "Geflüchtete\nFrauen"
    form["town"] = "Nufringen"
    form["section:approach"] = (
        "Im Seniorenheim lesen Bewohnerinnen Kindern aus der Nachbarschaft Märchen vor."
    )
    page = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "Gespeichert: Ort, Herangehensweise" in page
    assert "Korrigiert am" in page and "laut Quelle: <bdi>Herrenberg</bdi>" in page
    assert "Verlauf der Änderungen" in page and page.count("korrigiert</td>") == 2
    public = client.get("/projekte/lesepaten-herrenberg").get_data(as_text=True)
    assert "Im Seniorenheim lesen Bewohnerinnen" in public and "Nufringen" in public
    hits = client.get("/api/search", query_string={"q": "Märchen im Seniorenheim", "k": 3}).get_json()[
        "results"
    ]
    assert hits[0]["id"] == "lesepaten-herrenberg" and hits[0]["town"] == "Nufringen"
    assert small_kb.corrections.parsed_record("lesepaten-herrenberg").town == "Herrenberg"
    unchanged = client.post(url, data=form_of(client, url), follow_redirects=True).get_data(as_text=True)
    assert "Keine Änderung." in unchanged


def test_adding_a_project_by_form(client: FlaskClient):
    log_in(client)
    token = csrf_from(client.get("/admin/projekte/neu").get_data(as_text=True))
    refused = client.post("/admin/projekte/neu", data={"csrf_token": token, "title": "Nur ein Titel"})
    assert refused.status_code == 400 and "at least one section" in refused.get_data(as_text=True)
    response = client.post(
        "/admin/projekte/neu",
        data={"csrf_token": token, "title": "Fahrradwerkstatt Magstadt", "town": "Magstadt", "area": "Arbeitsmarkt",
              "partners": "Stadt Magstadt\nJugendhaus", "section:approach":
              "Jugendliche reparieren samstags gespendete Fahrräder und geben sie an Familien weiter."},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/projekte/fahrradwerkstatt-magstadt")
    public = client.get("/projekte/fahrradwerkstatt-magstadt").get_data(as_text=True)
    assert "Von Hand erfasst" in public and "Jugendliche reparieren samstags" in public
    hits = client.get("/api/search", query_string={"q": "Fahrräder reparieren", "k": 3}).get_json()["results"]
    assert hits[0]["id"] == "fahrradwerkstatt-magstadt"
    assert "Fahrradwerkstatt Magstadt" in client.get("/admin/projekte").get_data(as_text=True)
    token = csrf_from(client.get("/admin/projekte/fahrradwerkstatt-magstadt").get_data(as_text=True))
    assert (
        client.post("/admin/projekte/lesepaten-herrenberg/loeschen", data={"csrf_token": token}).status_code
        == 400
    )
    client.post("/admin/projekte/fahrradwerkstatt-magstadt/loeschen", data={"csrf_token": token})
    assert client.get("/projekte/fahrradwerkstatt-magstadt").status_code == 404
    hits = client.get("/api/search", query_string={"q": "Fahrräder reparieren", "k": 3}).get_json()["results"]
    assert "fahrradwerkstatt-magstadt" not in {hit["id"] for hit in hits}


def test_a_source_changing_under_a_correction_is_shown_for_review(
    client: FlaskClient, small_kb: KnowledgeBase
):
    log_in(client)
    small_kb.correct_project("sprachcafe-sindelfingen", {"town": "Maichingen"})
    [source] = [s for s in small_kb.sources() if s["name"] == "b.md"]
    path = Path(source["path"])
    path.write_text(path.read_text(encoding="utf-8").replace("town: Sindelfingen", "town: Darmsheim"))
    small_kb.ingest([path])
    assert "1 Korrektur zu prüfen" in client.get("/admin").get_data(as_text=True)
    overview = client.get("/admin/projekte").get_data(as_text=True)
    assert "Zu prüfen (1)" in overview and "Die Quelle sagt jetzt: <bdi>Darmsheim</bdi>" in overview
    token = csrf_from(overview)
    form = {"csrf_token": token, "field": "town", "decision": "source", "next": "overview"}
    page = client.post("/admin/projekte/sprachcafe-sindelfingen/pruefen", data=form, follow_redirects=True)
    assert "Zu prüfen (0)" in page.get_data(as_text=True)
    assert small_kb.project("sprachcafe-sindelfingen")["town"] == "Darmsheim"
    history = client.get("/admin/projekte/sprachcafe-sindelfingen").get_data(as_text=True)
    for action in ("Wert der Quelle übernommen", "Quelle hat sich geändert – zu prüfen", "korrigiert"):
        assert action in history


def test_status_on_cards_pages_and_in_the_api(client: FlaskClient):
    log_in(client)
    upload(client, "erzaehlcafe.html", PAGE.encode())  # "Laufzeit: 2019 bis 2021"
    page = client.get("/projekte/erzaehlcafe-am-freitag").get_data(as_text=True)
    assert '<span class="status status-abgeschlossen">abgeschlossen</span>' in page
    assert client.get("/api/projects/erzaehlcafe-am-freitag").get_json()["status"] == "abgeschlossen"
    hit = client.get("/api/search", query_string={"q": "Erzählcafé ältere Frauen", "k": 1}).get_json()[
        "results"
    ][0]
    assert (hit["id"], hit["status"], hit["period"]) == (
        "erzaehlcafe-am-freitag",
        "abgeschlossen",
        "2019 bis 2021",
    )
    cards = client.get("/", query_string={"q": "Erzählcafé ältere Frauen"}).get_data(as_text=True)
    assert 'abgeschlossen</span> <span class="meta">(2019 bis 2021)</span>' in cards
    status_counts = {f["name"]: f["count"] for f in client.get("/api/facets").get_json()["status"]}
    assert status_counts["abgeschlossen"] >= 1 and status_counts["unbekannt"] >= 2


def test_status_filter_in_search_listing_and_api(client: FlaskClient):
    log_in(client)
    upload(client, "erzaehlcafe.html", PAGE.encode())  # "2019 bis 2021": finished
    everything = client.get("/api/projects").get_json()["projects"]
    finished_ids = {p["id"] for p in everything if p["period"] == "2019 bis 2021"}
    assert "erzaehlcafe-am-freitag" in finished_ids and len(finished_ids) < len(everything)
    finished = client.get(
        "/api/search", query_string={"q": "Deutsch lernen", "status": "abgeschlossen"}
    ).get_json()
    assert {h["id"] for h in finished["results"]} == finished_ids
    assert finished["filters"]["status"] == "abgeschlossen"
    listed = client.get("/api/projects", query_string={"status": "Abgeschlossen"}).get_json()["projects"]
    assert {p["id"] for p in listed} == finished_ids
    others = client.get("/api/projects", query_string={"status": "unbekannt"}).get_json()["projects"]
    assert {p["id"] for p in others} == {p["id"] for p in everything} - finished_ids
    assert client.get("/api/projects", query_string={"status": "laufend"}).get_json()["projects"] == []
    page = client.get("/", query_string={"status": "abgeschlossen"}).get_data(as_text=True)
    assert '<select id="filter-status" name="status">' in page and "Erzählcafé am Freitag" in page
    assert "Lesepaten Herrenberg" not in page


def test_partners_similar_and_answer_see_a_correction_at_once(client: FlaskClient, small_kb: KnowledgeBase):
    small_kb.correct_project(
        "lesepaten-herrenberg",
        {"partners": "Seniorenzentrum Am Schlossberg; Stadtbibliothek Böblingen",
         "summary": "Vorlesepatenschaften zwischen Seniorinnen und Kindern."},
    )  # fmt: skip
    partners = client.get("/api/partners", query_string={"q": "lesepaten-herrenberg"}).get_json()["results"]
    assert "Seniorenzentrum Am Schlossberg" not in {
        p["name"] for p in partners
    }  # partners of *similar* projects
    page = client.get("/projekte/lesepaten-herrenberg").get_data(as_text=True)
    assert "Seniorenzentrum Am Schlossberg" in page and "/organisationen/" in page
    found = client.get("/api/partners", query_string={"q": "Vorlesen mit Seniorinnen"}).get_json()["results"]
    assert "Seniorenzentrum Am Schlossberg" in {p["name"] for p in found}
    answer = client.get("/antwort", query_string={"ids": "lesepaten-herrenberg"}).get_data(as_text=True)
    assert "\nVorlesepatenschaften zwischen Seniorinnen und Kindern.\n" in answer
    similar = client.get("/api/projects/sprachcafe-sindelfingen/similar").get_json()["results"]
    assert "lesepaten-herrenberg" in {hit["id"] for hit in similar}
    assert next(h for h in similar if h["id"] == "lesepaten-herrenberg")["summary"].startswith(
        "Vorlesepatenschaften"
    )


def test_project_page_offers_staff_the_edit_link(app):
    visitor = app.test_client()
    assert "Projekt bearbeiten" not in visitor.get("/projekte/lesepaten-herrenberg").get_data(as_text=True)
    staff = app.test_client()
    log_in(staff)
    page = staff.get("/projekte/lesepaten-herrenberg").get_data(as_text=True)
    assert 'href="/admin/projekte/lesepaten-herrenberg">Projekt bearbeiten</a>' in page
    form = staff.get("/admin/projekte/lesepaten-herrenberg").get_data(as_text=True)
    assert "Leer gelassen, zeigt die Projektseite" in form or "Kurzbeschreibung" in form
