"""One project's text is bounded: kept up to MAX_PROJECT_CHARS in reading order, cut at a word,
reported for that project, the file's other projects untouched."""

from __future__ import annotations

import json
from pathlib import Path

from ingest import parse_file
from ingest.project_size import MAX_PROJECT_CHARS, cap_project_text
from ingest.record import ProjectRecord, Section

WORDS = "Eltern lernen gemeinsam Deutsch im Stadtteil. "


def record(approach: str, value: str = "Kurzer Mehrwert.", summary: str | None = None) -> ProjectRecord:
    return ProjectRecord(
        title="Lange Beschreibung",
        summary=summary,
        sections=[Section("approach", "Herangehensweise", approach), Section("value", "Mehrwert", value)],
    )


def text_length(project: ProjectRecord) -> int:
    return (
        len(project.summary or "")
        + sum(len(s.text) for s in project.sections)
        + sum(len(v) for v in project.extra.values())
    )


def test_a_project_within_the_limit_is_left_as_it_is():
    project = record(WORDS * 10)
    assert cap_project_text(project, limit=1_000) is None
    assert project.sections[0].text == WORDS * 10 and project.sections[1].text == "Kurzer Mehrwert."


def test_a_long_project_is_cut_in_reading_order_at_a_word():
    project = record(WORDS * 100, summary="Ein Elterncafé.", value="Der Mehrwert kommt zuletzt.")
    project.extra["Förderung"] = "Landesprogramm"
    before = text_length(project)
    assert cap_project_text(project, limit=1_000) == before
    assert text_length(project) <= 1_000
    assert project.summary == "Ein Elterncafé."  # the lead comes first and is kept
    approach = project.sections[0].text
    assert approach.endswith(" …") and approach[:-2].endswith(("Stadtteil.", "Deutsch", "im", "lernen"))
    assert [s.kind for s in project.sections] == ["approach"]  # what came after the cut is gone
    assert project.extra == {}


def test_text_without_spaces_is_cut_at_the_limit():
    project = record("x" * 5_000)
    cap_project_text(project, limit=1_000)
    assert 990 < text_length(project) <= 1_000


def test_a_file_keeps_its_other_projects_and_names_the_cut_one(tmp_path: Path):
    lines = [
        {"title": "Riesig", "town": "Böblingen", "text": WORDS * (3 * MAX_PROJECT_CHARS // len(WORDS))},
        {"title": "Normal", "town": "Sindelfingen", "text": WORDS * 20},
    ]
    path = tmp_path / "projekte.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    result = parse_file(path)
    big, normal = result.records
    assert text_length(big) <= MAX_PROJECT_CHARS and text_length(normal) == len((WORDS * 20).strip())
    warned = {w.project: w.message for w in result.report.all_warnings() if w.code == "text_cut"}
    assert list(warned) == ["Riesig"]
    assert "gespeichert sind die ersten 100.000" in warned["Riesig"]
