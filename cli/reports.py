"""Terminal output of parse reports: what the parser read from a file, and its warnings."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ingest.record import SECTION_NAMES
from kb.pipeline import IngestReport

FIELD_NAMES = {
    "area": "Bereich",
    "organisation": "Träger",
    "town": "Ort",
    "target_groups": "Zielgruppe",
    "partners": "Partner",
    "contact": "Kontakt",
    "period": "Laufzeit",
    "summary": "Kurzbeschreibung",
}


def print_warning_summary(report: IngestReport) -> None:
    """The short summary `kb ingest` prints: warnings per file, the first few of each."""
    for line in report.warning_summary():
        click.echo(line)


def write_reports(report: IngestReport, target: str) -> None:
    """`kb ingest --report FILE.json`: every file's whole parse report, as a JSON list."""
    try:
        Path(target).write_text(
            json.dumps(report.parse_reports(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    except OSError as error:
        raise click.ClickException(f"{target}: cannot write the report: {error.strerror or error}") from error
    click.echo(f"Parse report of {len(report.parse_reports())} file(s) written to {target}")


def print_report(source: dict, report: dict | None) -> None:
    """`kb report SOURCE`: the parse report of one stored source, project by project."""
    click.echo(
        f"{source['name']}  [source {source['id']}, {source['kind']}, read {(source['ingested_at'] or '')[:16]}]"
    )
    if report is None:
        click.echo(f"No parse report: the last read failed ({source['error'] or 'no projects'}).")
        return
    for warning in report.get("warnings", []):
        click.echo(f"  ! {warning['message']}")
    projects = report.get("projects", [])
    warned = sum(1 for project in projects if project.get("warnings"))
    click.echo(f"{len(projects)} project(s), {warned} with warnings")
    for project in projects:
        pages = f"  (S. {project['pages']})" if project.get("pages") else ""
        click.echo(click.style(project["title"], bold=True) + pages)
        sections = ", ".join(SECTION_NAMES[kind] for kind in project["sections"]) or "keine"
        click.echo(f"  Abschnitte: {sections}")
        if project.get("other_headings"):
            click.echo(f"  Weitere Überschriften: {', '.join(project['other_headings'])}")
        fields = ", ".join(FIELD_NAMES.get(name, name) for name in project["fields"]) or "keine"
        click.echo(f"  Felder: {fields}")
        for warning in project.get("warnings", []):
            click.echo(f"  ! {warning['message']}")
