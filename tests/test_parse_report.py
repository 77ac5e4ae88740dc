"""The parse report: per file and project what was read and what looks wrong, stored per source,
printed by `kb ingest` / `kb report`, written by `kb ingest --report`, shown in the admin."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from ingest import ParseResult, ProjectRecord, Section, parse_file
from ingest.report import ParseReport, build_report
from kb.pipeline import ingest_paths
from kb.store import Store
from tests.brochure_layouts import twenty_projects
from tests.fake_embedder import HashingEmbedder
from tests.helpers import csrf_from, log_in

WORDS = "Wir treffen uns jede Woche im Stadtteilzentrum und reden über den Alltag. "


def project(title: str, value: str | None = WORDS * 4, partners: str = WORDS * 4, **fields) -> ProjectRecord:
    sections = [Section("approach", "Herangehensweise", WORDS * 5), Section("partners", "Partner", partners)]
    if value is not None:
        sections.append(Section("value", "Mehrwert", value))
    sections.append(Section("special", "Besonderheiten", WORDS * 3))
    values = {"town": "Böblingen", "organisation": "Verein e. V.", **fields}
    return ProjectRecord(title=title, sections=sections, **values)


def codes(report: ParseReport, title: str) -> list[str]:
    return [w.code for p in report.projects if p.title == title for w in p.warnings]


def test_a_clean_file_has_no_warnings_and_lists_what_was_read():
    records = [project(f"Projekt {n}", period="seit 2020") for n in range(4)]
    report = build_report("a.pdf", "pdf", ParseResult(records))
    assert report.all_warnings() == []
    first = report.projects[0]
    assert first.sections == ["approach", "partners", "value", "special"]
    assert first.fields == ["organisation", "town", "period"]


def test_the_issue_failure_is_named_a_lost_heading_leaves_one_section_missing_and_one_long():
    """Mehrwert taken for a running header: its text ran into the partners section."""
    records = [project(f"Projekt {n}") for n in range(4)]
    records.append(project("Verschluckt", value=None, partners=WORDS * 8))
    report = build_report("a.pdf", "pdf", ParseResult(records))
    assert codes(report, "Verschluckt") == ["section_missing", "section_long"]
    messages = [w.message for w in report.all_warnings()]
    assert "Abschnitt „Mehrwert“ fehlt" in messages
    assert any(m.startswith("Abschnitt „Zusammenarbeit mit Netzwerkpartnern“ sehr lang") for m in messages)


def test_unknown_heading_text_under_no_heading_short_section_no_town_no_organisation():
    record = project("Karg", value="Kurz.", town=None, organisation=None, summary=WORDS * 10)
    record.sections.append(Section("other", "Ausblick", "Im nächsten Jahr mehr."))
    records = [project(f"Projekt {n}") for n in range(3)] + [record]
    report = build_report("a.pdf", "pdf", ParseResult(records))
    assert codes(report, "Karg") == [
        "unknown_heading",
        "no_heading",
        "no_town",
        "no_organisation",
        "section_short",
    ]
    assert report.projects[3].other_headings == ["Ausblick"]


def test_the_report_survives_json():
    records = [project("A", town=None)]
    report = build_report("a.md", "markdown", ParseResult(records))
    again = ParseReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again == report


def test_parse_file_returns_the_report_for_a_real_pdf():
    result = parse_file("fremd.pdf", twenty_projects())
    report = result.report
    assert report.kind == "pdf" and len(report.projects) == 20
    assert all(p.sections == ["approach", "partners", "value", "special"] for p in report.projects)
    assert report.projects[0].pages == "1–2"
    by_title = {p.title: [w.code for w in p.warnings] for p in report.projects}
    # Project 7 was set short on purpose (all on one page); every fourth has an "Ausblick".
    assert by_title["Projekt 7: Lernen im Quartier"] == ["section_short", "section_short"]
    assert by_title["Projekt 8: Lernen im Quartier"] == ["unknown_heading"]
    assert by_title["Projekt 1: Lernen im Quartier"] == []


def _markdown(folder: Path, name: str, title: str, body: str, town: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    where = f"town: {town}\n" if town else ""
    path.write_text(f"---\ntitle: {title}\norganisation: Verein e. V.\n{where}---\n{body}", encoding="utf-8")
    return path


def test_the_store_keeps_the_report_per_source_and_an_unchanged_file_returns_it(tmp_path):
    path = _markdown(
        tmp_path / "in", "a.md", "Ohne Ort", "## Herangehensweise\nWir kochen.\n\n## Ausblick\nMehr.\n"
    )
    store = Store(tmp_path / "kb.sqlite")
    try:
        first = ingest_paths(store, [path], max_bytes=1 << 20)
        (source,) = store.sources()
        stored = store.source_report(source["id"])
        assert stored == first.files[0].report
        assert stored["file"] == "a.md"
        warning_codes = [w["code"] for w in first.files[0].warnings]
        assert warning_codes[:3] == ["section_missing"] * 3 and "no_town" in warning_codes
        assert "unknown_heading" in warning_codes
        again = ingest_paths(store, [path], max_bytes=1 << 20)
        assert again.files[0].status == "unchanged" and again.files[0].report == stored
    finally:
        store.close()


@pytest.fixture
def cli_data(tmp_path: Path) -> tuple[Path, Path]:
    inputs = tmp_path / "in"
    _markdown(
        inputs,
        "gut.md",
        "Gut",
        "## Herangehensweise\nA.\n## Partner\nB.\n## Mehrwert\nC.\n## Besonderheiten\nD.\n",
        town="Ehningen",
    )
    _markdown(inputs, "luecke.md", "Lücke", "## Herangehensweise\nWir kochen.\n")
    return tmp_path / "data", inputs


def run(data: Path, *args: str):
    """The command in this process, with the test embedder (the report is about parsing)."""
    obj = {"embedder": HashingEmbedder()}
    return CliRunner().invoke(cli, ["--data-dir", str(data), *args], obj=obj, catch_exceptions=False)


def test_kb_ingest_prints_a_warning_summary_and_writes_the_whole_report(cli_data, tmp_path):
    data, inputs = cli_data
    target = tmp_path / "bericht.json"
    result = run(data, "ingest", str(inputs), "--report", str(target))
    assert result.exit_code == 0, result.output
    assert re.search(r"luecke\.md: 4 warning\(s\) in 1 project\(s\)", result.output)
    assert "  - Lücke: Abschnitt „Mehrwert“ fehlt" in result.output
    assert "gut.md:" not in result.output  # files without warnings stay quiet
    reports = json.loads(target.read_text(encoding="utf-8"))
    assert sorted(r["file"] for r in reports) == ["gut.md", "luecke.md"]
    assert {r["status"] for r in reports} == {"ok"}
    lucke = next(r for r in reports if r["file"] == "luecke.md")
    assert lucke["projects"][0]["sections"] == ["approach"]


def test_the_written_report_names_a_file_that_could_not_be_read(cli_data, tmp_path):
    data, inputs = cli_data
    (inputs / "kaputt.pdf").write_bytes(b"kein PDF")
    target = tmp_path / "bericht.json"
    result = run(data, "ingest", str(inputs), "--report", str(target))
    assert result.exit_code == 1
    broken = next(
        r for r in json.loads(target.read_text(encoding="utf-8")) if r["file"].endswith("kaputt.pdf")
    )
    assert broken["status"] == "failed" and broken["projects"] == []
    assert "not a readable PDF" in broken["errors"][0]


def test_kb_report_prints_a_stored_sources_report_by_name_or_id(cli_data):
    data, inputs = cli_data
    run(data, "ingest", "--quiet", str(inputs))
    text = run(data, "report", "luecke.md").output
    assert "Lücke" in text and "Abschnitte: Herangehensweise" in text and "! Kein Ort angegeben" in text
    as_json = json.loads(run(data, "report", "luecke.md", "--json").output)
    source_id = next(
        line.split("source ")[1].split(",")[0] for line in text.splitlines() if "[source" in line
    )
    assert json.loads(run(data, "report", source_id, "--json").output) == as_json
    missing = run(data, "report", "gibtsnicht.md")
    assert missing.exit_code == 1 and "no such source" in missing.output and "luecke.md" in missing.output


def test_the_admin_shows_the_report_with_the_upload_and_reopens_it_per_source(admin_client, writable_kb):
    log_in(admin_client)
    content = "---\ntitle: Nähcafé Lücke\n---\n## Herangehensweise\nWir nähen.\n## Ausblick\nMehr.\n".encode()
    token = csrf_from(admin_client.get("/admin").get_data(as_text=True))
    response = admin_client.post(
        "/admin/upload",
        data={"csrf_token": token, "file": [(io.BytesIO(content), "naehcafe.md")]},
        content_type="multipart/form-data",
    )
    html = unescape(response.get_data(as_text=True))
    assert "1 Projekt(e), <strong>6 Hinweis(e) zum Prüfen</strong>" in html
    assert "<strong>Nähcafé Lücke</strong>: Abschnitt „Mehrwert“ fehlt" in html
    link = re.search(r'href="(/admin/quellen/\d+)">Ganzen Lesebericht ansehen', html).group(1)
    page = unescape(admin_client.get(link).get_data(as_text=True))
    assert "Lesebericht: naehcafe.md" in page
    assert "✗ Mehrwert" in page and "✓ Herangehensweise" in page
    assert "Unbekannte Überschrift „Ausblick“" in page
    dashboard = admin_client.get("/admin").get_data(as_text=True)
    assert f'<a href="{link}">naehcafe.md</a>' in dashboard  # reopened later from the list of sources
    assert admin_client.get("/admin/quellen/999999").status_code == 404


def test_the_report_page_needs_a_login(client):
    assert client.get("/admin/quellen/1").status_code == 403
