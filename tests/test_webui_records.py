"""Web UI of what staff know about a project's record: provenance, status, corrections."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kb import KnowledgeBase, Settings
from tests.conftest import write_project
from tests.webui_fixtures import ADMIN_PASSWORD, TEST_CONFIG, csrf_from, log_in
from webui import create_app

PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Erzählcafé</title>
<link rel="canonical" href="https://www.lrabb.de/integrationsfonds/erzaehlcafe">
<meta name="date" content="2024-05-02"></head><body>
<main><h1>Erzählcafé am Freitag</h1><p>Ort: Weil der Stadt</p><p>Laufzeit: 2019 bis 2021</p>
<h2>Herangehensweise</h2><p>Jeden Freitag treffen sich ältere Frauen im Rathaus zum Erzählen.</p>
</main><footer>Stand: 05/2024</footer></body></html>"""


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """Three small projects, ingested with the real model."""
    folder = tmp_path_factory.mktemp("records")
    write_project(folder / "in", "a.md", "Lesepaten Herrenberg", town="Herrenberg",
                  approach="Ehrenamtliche lesen jede Woche mit Grundschulkindern in der Bibliothek.")  # fmt: skip
    write_project(folder / "in", "b.md", "Sprachcafé Sindelfingen", town="Sindelfingen",
                  approach="Jeden Donnerstag wird im Bürgerhaus Deutsch gesprochen, bei Kaffee und Kuchen.")  # fmt: skip
    kb = KnowledgeBase(
        Settings.from_env({}, data_dir=folder / "data", admin_password=ADMIN_PASSWORD), threads=2
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
