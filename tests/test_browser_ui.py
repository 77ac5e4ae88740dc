"""The web UI in a real browser (Debian's chromium through Playwright) against the real WSGI server."""

from __future__ import annotations

import pytest

from tests.helpers import WEBUI_DATA, browser_page, log_in_browser, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SPRACHCAFE_TITLE = "Kaffee, Kuchen, Konjunktiv"
IDEA = "Wir möchten ein offenes Sprachcafé, in dem Geflüchtete ohne Anmeldung Deutsch sprechen üben"


def search_for(page, idea: str) -> None:
    page.goto("/")
    page.get_by_label("Beschreiben Sie Ihre Idee oder Frage").fill(idea)
    page.get_by_role("button", name="Passende Projekte finden").click()
    page.wait_for_selector("#ergebnis-titel")


def result_titles(page) -> list[str]:
    return page.locator("#trefferliste h3").all_inner_texts()


def test_an_idea_finds_the_comparable_project_first(page):
    search_for(page, IDEA)
    assert result_titles(page)[0] == SPRACHCAFE_TITLE
    assert page.locator("#trefferliste .card").first.locator("mark").count() > 0
    assert "passt wegen:" in page.locator("#trefferliste .card").first.inner_text()
    page.evaluate("window.scrollTo(0, document.getElementById('ergebnis-titel').offsetTop - 200)")
    screenshot(page, "suche-ergebnisse")


def test_an_example_query_runs_a_search(page):
    page.goto("/")
    screenshot(page, "startseite")
    examples = page.locator(".example-list a")
    assert examples.count() >= 3
    example = examples.first.inner_text()
    examples.first.click()
    assert page.get_by_label("Beschreiben Sie Ihre Idee oder Frage").input_value() == example
    assert len(result_titles(page)) > 0


def test_a_filter_narrows_the_results(page):
    search_for(page, "Eltern und Kinder gemeinsam unterstützen")
    page.get_by_label("Themenfeld").select_option(value="Gesundheit")
    page.get_by_role("button", name="Passende Projekte finden").click()
    page.wait_for_selector("#trefferliste")
    assert "area=Gesundheit" in page.url
    areas = page.locator("#trefferliste .facts div:has(dt:text('Themenfeld')) dd").all_inner_texts()
    assert areas and set(areas) == {"Gesundheit"}


def test_open_a_project_then_a_similar_one(page):
    search_for(page, IDEA)
    page.locator("#trefferliste h3 a").first.click()
    assert page.locator("h1").inner_text() == SPRACHCAFE_TITLE
    for heading in (
        "Herangehensweise",
        "Zusammenarbeit mit Netzwerkpartnern",
        "Mehrwert",
        "Besonderheiten",
        "Kontakt",
        "Quelle",
        "Beteiligte Organisationen",
        "Ähnliche Projekte",
    ):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1, heading
    screenshot(page, "projekt")
    similar = page.locator("#aehnlich-titel + ul h3 a").first
    similar_title = similar.inner_text()
    similar.click()
    assert page.locator("h1").inner_text() == similar_title != SPRACHCAFE_TITLE


def test_pick_two_results_and_copy_the_answer(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    search_for(page, IDEA)
    titles = result_titles(page)[:2]
    for number in (1, 2):
        page.locator(f"#auswahl-{number}").check()
    page.get_by_role("button", name="Antwort aus Auswahl erstellen").click()
    text = page.get_by_label("Antworttext zum Kopieren").input_value()
    assert text.startswith("Guten Tag,")
    assert f"1. {titles[0]}" in text and f"2. {titles[1]}" in text
    assert text.count("Kontakt:") == 2 and text.count("Angeboten von") == 2
    page.get_by_role("button", name="Text kopieren").click()
    page.wait_for_selector(".copy-status:has-text('kopiert')")
    assert page.evaluate("navigator.clipboard.readText()") == text
    screenshot(page, "antwort")
    page.get_by_role("button", name="Druckansicht").click()
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator("pre.answer-print").inner_text().startswith("Guten Tag,")


def test_admin_uploads_a_file_and_its_project_is_found(page, tmp_path):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in_browser(page)
    upload = tmp_path / "rad-und-tat.md"
    upload.write_bytes((WEBUI_DATA / "fahrradwerkstatt-rad-und-tat.md").read_bytes())
    markup = tmp_path / "lesenacht.md"
    markup.write_bytes((WEBUI_DATA / "xss-projekt.md").read_bytes())
    page.get_by_label("Dateien auswählen").set_input_files([str(upload), str(markup)])
    page.get_by_role("button", name="Hochladen und einlesen").click()
    page.wait_for_selector(".upload-results")
    assert page.locator(".outcome-failed").count() == 0
    screenshot(page, "verwaltung")
    search_for(page, "Jugendliche reparieren gespendete Fahrräder in einer Werkstatt")
    assert result_titles(page)[0] == "Rad und Tat"
    search_for(page, "Lesenacht mit Taschenlampengeschichten in der Bücherei")
    page.locator("#trefferliste h3 a").first.click()
    page.wait_for_load_state("load")
    assert "<script>" in page.locator("h1").inner_text()  # shown as text, never run
    assert dialogs == []
    assert page.title().startswith("Lesenacht <script>")  # the script would have set it to 'gehackt'


def test_phone_width_has_no_horizontal_scroll(browser, live_server):
    with browser_page(browser, live_server, viewport={"width": 360, "height": 740}, is_mobile=True) as page:
        for url in [
            "/",
            f"/?q={IDEA}",
            "/projekte/kaffee-kuchen-konjunktiv",
            "/themen",
            "/partner?q=Sprachcafé",
            "/antwort?ids=kaffee-kuchen-konjunktiv",
            "/admin",
            "/ueber",
        ]:
            page.goto(url)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 360px width"
        page.goto(f"/?q={IDEA}")
        page.evaluate("window.scrollTo(0, document.getElementById('ergebnis-titel').offsetTop - 16)")
        screenshot(page, "handy-ergebnisse")


def test_keyboard_reaches_the_skip_link_and_the_search(page):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    assert page.url.endswith("#inhalt")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id || document.activeElement.tagName")
    assert focused in {"q", "A"}


def test_search_works_without_javascript(browser, live_server):
    with browser_page(browser, live_server, java_script_enabled=False) as page:
        search_for(page, IDEA)
        assert result_titles(page)[0] == SPRACHCAFE_TITLE
        page.locator("#auswahl-1").check()
        page.get_by_role("button", name="Antwort aus Auswahl erstellen").click()
        assert page.get_by_label("Antworttext zum Kopieren").input_value().startswith("Guten Tag,")
        assert page.get_by_role("button", name="Text kopieren").is_hidden()  # needs JS, so not offered
