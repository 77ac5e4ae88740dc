"""The Überblick, the network and the Ideen-Check in Chromium: use, phone width, axe-core, screenshots."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.helpers import browser_page, screenshot, serious_violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]

IDEA = "Wir möchten ein offenes Sprachcafé, in dem Geflüchtete ohne Anmeldung Deutsch sprechen üben"
IDEA_URL = (
    f"/ideen-check?q={quote(IDEA)}&town=Herrenberg&betrag=3.500+%E2%82%AC&monate=18&traeger=Kulturverein"
)
PAGES = ["/ueberblick", "/netzwerk", "/netzwerk?area=Bildung", "/ideen-check", IDEA_URL]


@pytest.mark.parametrize("language", ["de", "ar"])
@pytest.mark.parametrize("width", [1100, 360])
def test_new_pages_have_no_serious_accessibility_violations_and_no_sideways_scroll(
    browser, live_server, width, language
):
    found, overflowing = {}, {}
    with browser_page(browser, live_server, viewport={"width": width, "height": 800}) as page:
        for url in PAGES:
            page.goto(f"{url}{'&' if '?' in url else '?'}lang={language}")
            shown = page.get_attribute("html", "lang"), page.get_attribute("html", "dir") or "ltr"
            assert shown == (("ar", "rtl") if language == "ar" else ("de", "ltr")), url
            problems = serious_violations(page)
            if problems:
                found[url] = problems
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                overflowing[url] = overflow
    assert found == {}
    assert overflowing == {}  # wide tables and the network scroll inside their own box


def test_a_map_circle_and_a_heat_cell_lead_to_their_lists(page):
    page.goto("/ueberblick")
    page.locator("#karte-titel").scroll_into_view_if_needed()
    screenshot(page, "ueberblick")
    page.locator("a.map-town[aria-label^='Herrenberg:']").click()
    page.wait_for_selector("#liste-titel")
    assert "town=Herrenberg" in page.url
    cards = page.locator("article.card").count()
    page.go_back()
    label = page.locator("a.map-town[aria-label^='Herrenberg:']").get_attribute("aria-label")
    assert label == f"Herrenberg: {cards} Projekt{'e' if cards != 1 else ''}"
    cell = page.locator("#heat-orte tbody tr", has_text="Herrenberg").locator("td.heat a").first
    number = int(cell.inner_text())
    cell.click()
    page.wait_for_selector("#liste-titel")
    assert page.locator("article.card").count() == number


def test_the_network_links_to_an_organisation(page):
    page.goto("/netzwerk")
    screenshot(page, "netzwerk")
    node = page.locator("a.network-node").first
    name = node.get_attribute("aria-label").split(":")[0]
    node.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text().strip() == name


def test_an_initiative_checks_its_idea(page):
    page.goto("/ideen-check")
    page.get_by_label("Ihre Idee in ein paar Sätzen").fill(IDEA)
    page.get_by_label("Ort", exact=True).select_option("Herrenberg")
    page.get_by_label("Geplanter Betrag in Euro").fill("3.500 €")
    page.get_by_label("Laufzeit in Monaten").fill("18")
    page.get_by_label("Wer führt das Projekt durch?").fill("Deutsch-Syrischer Kulturverein e.V.")
    page.get_by_role("button", name="Idee prüfen").click()
    page.wait_for_selector("#bericht-titel")
    verdict = page.locator(".verdict").inner_text()
    assert "Kaffee, Kuchen, Konjunktiv" in verdict and "Herrenberg" in verdict
    statuses = page.locator("table.checklist tbody tr td:nth-child(2)").all_inner_texts()
    assert [s.strip("✓✗? \n") for s in statuses] == ["erfüllt", "nicht erfüllt", "erfüllt", "erfüllt"]
    page.locator("#bericht-titel").scroll_into_view_if_needed()
    screenshot(page, "ideen-check")
    page.goto(page.url + "&lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "ideen-check-ar")
    page.emulate_media(media="print")
    assert not page.locator("form.idea-form").is_visible()  # the printed page is the report alone
    assert page.locator("table.checklist").is_visible()


def test_the_pages_work_without_javascript(browser, live_server):
    with browser_page(browser, live_server, java_script_enabled=False) as page:
        page.goto("/ideen-check")
        page.get_by_label("Ihre Idee in ein paar Sätzen").fill("Nähcafé für Frauen")
        page.get_by_role("button", name="Idee prüfen").click()
        page.wait_for_selector("table.checklist")
        page.goto("/ueberblick")
        assert page.locator("#heat-orte td.heat").count() > 50
