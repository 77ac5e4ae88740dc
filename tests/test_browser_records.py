"""In a real browser: staff correct a project's section in the admin, and search finds the new text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb import KnowledgeBase, Settings
from tests.helpers import (
    ADMIN_PASSWORD,
    browser_page,
    log_in_browser,
    serving,
    violations_by_url,
    write_project,
)
from webui import create_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-records")
    write_project(folder / "in", "a.md", "Lesepaten Herrenberg", town="Herrenberg",
                  approach="Ehrenamtliche lesen jede Woche mit Grundschulkindern in der Bibliothek.")  # fmt: skip
    write_project(folder / "in", "b.md", "Sprachcafé Sindelfingen", town="Sindelfingen",
                  approach="Jeden Donnerstag wird im Bürgerhaus Deutsch gesprochen, bei Kaffee und Kuchen.")  # fmt: skip
    kb = KnowledgeBase(
        Settings.from_env({}, data_dir=folder / "data", admin_password=ADMIN_PASSWORD), threads=2
    )
    report, _ = kb.ingest([folder / "in"])
    assert not report.failed
    with serving(create_app({"KB": kb, "ADMIN_FAILURE_DELAY_SECONDS": 0.2}), "records-live-server") as url:
        yield url
    kb.close()


def test_staff_edit_a_section_and_search_finds_the_new_text(browser, server):  # noqa: F811
    with browser_page(browser, server, viewport={"width": 1100, "height": 900}, locale="de-DE") as page:
        log_in_browser(page)
        page.get_by_role("link", name="Projekte bearbeiten, korrigieren oder von Hand anlegen").click()
        page.get_by_role("link", name="Sprachcafé Sindelfingen").click()
        approach = page.get_by_label("Herangehensweise")
        assert "Bürgerhaus" in approach.input_value()
        approach.fill("Auf dem Wochenmarkt steht samstags ein Lastenrad mit Tee, an dem Gäste Deutsch üben.")
        page.get_by_role("button", name="Speichern").click()
        page.wait_for_selector("text=Gespeichert: Herangehensweise")
        assert page.locator("#verlauf-titel").is_visible()
        page.goto("/")
        page.get_by_label("Beschreiben Sie Ihre Idee oder Frage").fill(
            "Deutsch üben am Lastenrad auf dem Markt"
        )
        page.get_by_role("button", name="Passende Projekte finden").click()
        page.wait_for_selector("#ergebnis-titel")
        first = page.locator("#trefferliste .card").first
        assert first.locator("h3").inner_text() == "Sprachcafé Sindelfingen"
        assert "Lastenrad" in first.inner_text()


def test_record_pages_have_no_serious_accessibility_violations(browser, server):  # noqa: F811
    found = {}
    with browser_page(browser, server) as page:
        log_in_browser(page)
        found = violations_by_url(
            page, list(("/admin/projekte", "/admin/projekte/lesepaten-herrenberg", "/admin/projekte/neu"))
        )
    assert found == {}
