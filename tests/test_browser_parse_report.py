"""The parse report in the admin, in chromium: an upload shows it, its page opens from there and is
accessible."""

from __future__ import annotations

import pytest

from tests.helpers import browser_page, log_in_browser, serious_violations

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_an_upload_shows_its_report_and_the_whole_report_opens(browser, live_server, tmp_path):
    upload = tmp_path / "naehtreff.md"
    upload.write_text(
        "---\ntitle: Nähtreff am Markt\ntown: Weil der Stadt\n---\n## Herangehensweise\nWir nähen.\n"
        "## Ausblick\nBald auch Stricken.\n",
        encoding="utf-8",
    )
    with browser_page(browser, live_server) as page:
        log_in_browser(page)
        page.get_by_label("Dateien auswählen").set_input_files(str(upload))
        page.get_by_role("button", name="Hochladen und einlesen").click()
        summary = page.locator(".upload-results .report-summary").inner_text()
        assert "1 Projekt(e)" in summary and "5 Hinweis(e) zum Prüfen" in summary
        assert "Kein Träger angegeben" in page.locator(".upload-results").inner_text()
        page.get_by_role("link", name="Ganzen Lesebericht ansehen").click()
        page.wait_for_selector("table.report")
        assert page.get_by_role("heading", level=1).inner_text() == "Lesebericht: naehtreff.md"
        row = page.get_by_role("row", name="Nähtreff am Markt").inner_text()
        assert "✗ Mehrwert" in row and "Unbekannte Überschrift „Ausblick“" in row
        assert serious_violations(page) == []
