"""The answer letter and the search results in Chromium: German and Arabic, 1100 and 360 px, axe-core."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docx
import pytest

from tests.helpers import browser_page, screenshot, serious_violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARABIC_IDEA = "مقهى لغة للنساء مع رعاية الأطفال لممارسة اللغة الألمانية"
RESULTS = "/?q=Sprachcaf%C3%A9+f%C3%BCr+Gefl%C3%BCchtete"


@contextmanager
def page_in(browser, live_server: str, width: int, language: str) -> Iterator:
    with browser_page(browser, live_server, viewport={"width": width, "height": 900}) as page:
        page.goto(f"/?lang={language}")  # the cookie remembers it for the pages below
        yield page


def fill_the_merkliste(page) -> None:
    """Tick on a filtered list, then on a search: the Merkliste keeps both (no JavaScript needed)."""
    page.goto("/?area=Bildung")
    page.locator("#auswahl-1").check()
    page.locator("button[name=go][value=merken]").click()
    page.goto(RESULTS)
    page.locator("#auswahl-2").check()
    page.locator("button[name=go][value=antwort]").click()
    page.wait_for_selector("#antworttext")


@pytest.mark.parametrize("language", ["de", "ar"])
@pytest.mark.parametrize("width", [1100, 360])
def test_results_and_answer_pages_pass_axe(browser, live_server, width, language):
    with page_in(browser, live_server, width, language) as page:
        found = {}
        for url in (RESULTS, f"/?q={ARABIC_IDEA}", "/?area=Gesundheit"):
            page.goto(url)
            found[url] = serious_violations(page)
        fill_the_merkliste(page)
        found["/antwort"] = serious_violations(page)
        page.locator("button[type=submit]", has_text="Druck" if language == "de" else "الطباعة").first.click()
        page.wait_for_selector("pre.answer-print")
        found["/antwort/druck"] = serious_violations(page)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    assert {url: problems for url, problems in found.items() if problems} == {}
    assert overflow <= 0


def test_arabic_results_are_right_to_left_with_the_query_isolated(browser, live_server):
    with page_in(browser, live_server, 1100, "ar") as page:
        page.goto(f"/?q={ARABIC_IDEA}")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert (
            page.evaluate("getComputedStyle(document.querySelector('#trefferliste .card h3')).direction")
            == "ltr"
        )
        heading = page.locator("#ergebnis-titel")
        assert heading.locator("bdi").inner_text() == ARABIC_IDEA
        assert "مشاريع" in heading.inner_text() or "مشروع" in heading.inner_text()
        page.evaluate("window.scrollTo(0, document.getElementById('ergebnis-titel').offsetTop - 120)")
        screenshot(page, "ergebnisse-arabisch")


def test_the_merkliste_survives_new_searches_and_the_way_back_without_javascript(browser, live_server):
    with browser_page(browser, live_server, java_script_enabled=False) as page:
        fill_the_merkliste(page)
        assert page.locator(".merkliste-count").inner_text() == "2"
        page.get_by_role("link", name="Zurück zur Liste").click()
        assert "q=Sprachcaf" in page.url
        assert page.locator("#auswahl-2").is_checked()
        page.goto("/?area=Bildung")
        assert page.locator("#auswahl-1").is_checked()


def test_edited_letter_is_printed_and_downloaded_as_edited(browser, live_server):
    with browser_page(browser, live_server, accept_downloads=True) as page:
        fill_the_merkliste(page)
        box = page.get_by_label("Antworttext zum Kopieren")
        edited = box.input_value().replace("[Ihr Name]", "Anna Beispiel")
        box.fill(edited)
        with page.expect_download() as download:
            page.get_by_role("button", name="Als Word-Datei (.docx)").click()
        document = docx.Document(io.BytesIO(Path(download.value.path()).read_bytes()))
        paragraphs = [p.text for p in document.paragraphs]
        assert paragraphs[1] == "Guten Tag," and any("Anna Beispiel" in p for p in paragraphs)
        assert sum(p.startswith(("1. ", "2. ")) for p in paragraphs) == 2
        page.get_by_role("button", name="Druckansicht").click()
        assert "Anna Beispiel" in page.locator("pre.answer-print").inner_text()
        mailto = page.go_back() and page.get_by_role("link", name="Als E-Mail öffnen").get_attribute("href")
        assert mailto.startswith("mailto:?subject=") and "body=Guten%20Tag" in mailto
