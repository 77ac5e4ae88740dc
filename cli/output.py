"""Plain-text output of the CLI commands."""

from __future__ import annotations

import html
import re

import click

from kb.catalog import ROLE_LABELS
from kb.evaluation import EvalReport
from kb.input_limits import MAX_QUERY_CHARS
from kb.partners import PartnerHit
from kb.search_results import SearchHit, SearchOutcome


def plain_snippet(snippet: str) -> str:
    """The HTML snippet as terminal text: <mark> shown bold, entities decoded."""
    marked = re.sub(r"<mark>(.*?)</mark>", lambda m: click.style(m.group(1), bold=True), snippet)
    return html.unescape(re.sub(r"<[^>]+>", "", marked))


def print_hits(hits: list[SearchHit]) -> None:
    if not hits:
        click.echo("No matching projects.")
    for rank, hit in enumerate(hits, start=1):
        where = " · ".join(x for x in (hit.area, hit.town, hit.organisation) if x)
        level = f"  {hit.level}" if hit.level else ""
        click.echo(f"{rank:>2}. {click.style(hit.title, bold=True)}  [{hit.id}]{level}")
        click.echo(f"    {where}")
        click.echo(f"    passt wegen: {hit.matched_section} — {plain_snippet(hit.snippet)}")
        if hit.success:
            click.echo(f"    Was es besonders macht: {hit.success}")
        if hit.contact:
            click.echo(f"    Kontakt: {hit.contact}")


def print_outcome(outcome: SearchOutcome) -> None:
    """A search as a person reads it: a cut query noted, the hits, the towns offered as filters."""
    if outcome.truncated:
        click.echo(f"Note: only the first {MAX_QUERY_CHARS} characters of the query were used.", err=True)
    if outcome.hits:
        print_hits(outcome.hits)
    else:
        click.echo("Dazu haben wir in der Sammlung nichts Passendes gefunden.")
        click.echo("Weiter: mit weniger Wörtern suchen, `kb projects --area ...` stöbern,")
        if outcome.weak_hidden:
            click.echo("oder mit --all die nächstliegenden (nur entfernt passenden) Projekte zeigen.")
    for offer in outcome.places:
        if not offer.count:
            click.echo(f"In {offer.town} gibt es dazu kein passendes Projekt.")
            continue
        found = "1 passendes Projekt" if offer.count == 1 else f"{offer.count} passende Projekte"
        click.echo(f'Auch in {offer.town}: {found} – nur {offer.town}: --town "{offer.town}"')


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
        if hit.contact:
            via = "" if hit.contact["role"] == "traeger" else f" (über {hit.contact['project_title']})"
            click.echo(f"      Kontakt{via}: {hit.contact['text']}")


def print_projects(projects: list[dict]) -> None:
    for project in projects:
        click.echo(
            f"{project['id']}: {project['title']} ({project['area'] or '-'}, {project['town'] or '-'}, "
            f"{project.get('status') or '-'})"
        )


def print_eval(report: EvalReport) -> None:
    """Per language: each figure with its bootstrap 95 % interval."""
    k = report.k
    columns = [
        ("nDCG@5", "ndcg@5"),
        (f"MRR@{k}", f"mrr@{k}"),
        ("OOS empty", "out_of_scope_empty"),
        ("best hidden", "best_removed"),
        ("same-town top3", "same_town_unjudged_top3"),
        ("'sehr ähnlich' ok", "sehr ähnlich"),  # judged relevant among the hits shown so
    ]

    def cell(value: list[float] | None) -> str:
        return "-" if value is None else f"{value[0]:.3f} [{value[1]:.2f}–{value[2]:.2f}]"

    click.echo(f"{'':<6} {'n':>4} {'oos':>4}  " + "  ".join(f"{label:<18}" for label, _ in columns))
    rows = [("all", report.metrics()), *report.by_language().items()]
    for label, metrics in rows:
        shares = metrics["judged_share_by_level"]
        cells = "  ".join(f"{cell(metrics.get(key, shares.get(key))):<18}" for _, key in columns)
        click.echo(f"{label:<6} {metrics['queries']:>4} {metrics['out_of_scope_queries']:>4}  {cells}")


def write_export(projects: list[dict], fmt: str, output: str | None) -> None:
    """Projects as JSON, CSV or XLSX, to a file (written whole, then renamed into place) or stdout."""
    import json

    from kb import export

    if fmt == "json":
        data = json.dumps(projects, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        _write(data, output, f"{len(projects)} project(s)")
    else:
        write_tables([export.project_table(projects)], fmt, output)


def write_tables(tables: list, fmt: str, output: str | None) -> None:
    """Tables as CSV (the first; UTF-8 with a byte order mark in a file, for Excel) or XLSX (a sheet each)."""
    from kb import export

    if fmt == "csv":
        data = (("\ufeff" if output else "") + export.to_csv(tables[0])).encode("utf-8")
    else:
        data = export.to_xlsx(tables)
    _write(data, output, f"{len(tables[0].rows)} row(s)")


def _write(data: bytes, output: str | None, what: str) -> None:
    import os
    from pathlib import Path

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
    click.echo(f"{what} written to {output}", err=True)


def print_table(table) -> None:
    """A table in the terminal: columns padded to their widest cell."""
    rows = [table.columns] + [["" if cell is None else str(cell) for cell in row] for row in table.rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.columns))]
    click.echo(table.title)
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    click.echo()
