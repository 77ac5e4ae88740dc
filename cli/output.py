"""Plain-text output of the CLI commands."""

from __future__ import annotations

import html
import re

import click

from kb.catalog import ROLE_LABELS
from kb.evaluation import EvalReport
from kb.search import PartnerHit, SearchHit


def plain_snippet(snippet: str) -> str:
    """The HTML snippet as terminal text: <mark> shown bold, entities decoded."""
    marked = re.sub(r"<mark>(.*?)</mark>", lambda m: click.style(m.group(1), bold=True), snippet)
    return html.unescape(re.sub(r"<[^>]+>", "", marked))


def print_hits(hits: list[SearchHit]) -> None:
    if not hits:
        click.echo("No matching projects.")
    for rank, hit in enumerate(hits, start=1):
        where = " · ".join(x for x in (hit.area, hit.town, hit.organisation) if x)
        click.echo(f"{rank:>2}. {click.style(hit.title, bold=True)}  [{hit.id}]  score {hit.score:.3f}")
        click.echo(f"    {where}")
        click.echo(f"    passt bei: {hit.matched_section} — {plain_snippet(hit.snippet)}")


def print_partners(hits: list[PartnerHit]) -> None:
    if not hits:
        click.echo("No organisations found.")
    for rank, hit in enumerate(hits, start=1):
        click.echo(
            f"{rank:>2}. {click.style(hit.name, bold=True)}  score {hit.score:.2f}  ({', '.join(hit.towns)})"
        )
        for project in hit.projects:
            role = ROLE_LABELS.get(project["role"], project["role"])
            click.echo(f"      {role}: {project['title']} [{project['id']}]")


def print_projects(projects: list[dict]) -> None:
    for project in projects:
        click.echo(
            f"{project['id']}: {project['title']} ({project['area'] or '-'}, {project['town'] or '-'}, "
            f"{project.get('status') or '-'})"
        )


def print_eval(report: EvalReport) -> None:
    def row(label: str, metrics: dict) -> str:
        values = "  ".join(f"{key} {value:.3f}" for key, value in metrics.items() if key != "queries")
        return f"{label:<8} n={metrics['queries']:<4} {values}"

    click.echo(row("all", report.metrics()))
    for lang, metrics in report.by_language().items():
        click.echo(row(lang, metrics))


def write_export(projects: list[dict], fmt: str, output: str | None) -> None:
    """Projects as JSON, CSV or XLSX, to a file (written whole, then renamed into place) or stdout."""
    import json
    import os
    from pathlib import Path

    from kb import export

    if fmt == "json":
        data: bytes = json.dumps(projects, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    elif fmt == "csv":
        # a file gets a byte order mark: Excel reads UTF-8 (umlauts) only with it
        data = ("\ufeff" if output else "") + export.to_csv(export.project_table(projects))
        data = data.encode("utf-8")
    else:
        data = export.to_xlsx([export.project_table(projects)])
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"{output}: cannot be written: {error.strerror or error}") from error
    click.echo(f"{len(projects)} project(s) written to {output}", err=True)
