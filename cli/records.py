"""`kb correct` and `kb corrections`: staff corrections from the command line (see kb.corrections)."""

from __future__ import annotations

import click

from cli.commands import _emit, _open, cli
from kb.corrections import FIELD_LABELS, FIELDS, CorrectionError


def _assignment(text: str) -> tuple[str, str]:
    field, separator, value = text.partition("=")
    if not separator or field.strip() not in FIELDS:
        raise click.BadParameter(f"{text!r}: write FIELD=VALUE with FIELD one of {', '.join(FIELDS)}")
    return field.strip(), value


@cli.command()
@click.argument("project_id")
@click.argument("assignments", nargs=-1)
@click.option("--keep", "keep", metavar="FIELD", help="Keep a flagged correction against the changed source")
@click.option("--take-source", metavar="FIELD", help="Drop a correction and show what the source says")
@click.pass_context
def correct(
    ctx: click.Context,
    project_id: str,
    assignments: tuple[str, ...],
    keep: str | None,
    take_source: str | None,
) -> None:
    """Correct a project: FIELD=VALUE ... (lists separated by ';', a section as section:approach=TEXT)."""
    kb = _open(ctx, threads=1)
    if kb.project(project_id) is None:
        raise click.ClickException(f"{project_id}: no such project")
    try:
        for field, decision in ((keep, True), (take_source, False)):
            if field:
                kb.resolve_correction(project_id, field, keep=decision)
                click.echo(
                    f"{FIELD_LABELS.get(field, field)}: " + ("kept" if decision else "source value taken")
                )
        if assignments:
            changed = kb.correct_project(project_id, dict(_assignment(a) for a in assignments))
            click.echo(f"{len(changed)} field(s) changed" + (f": {', '.join(changed)}" if changed else ""))
    except CorrectionError as error:
        raise click.ClickException(str(error)) from error
    except KeyError as error:
        raise click.ClickException(f"{project_id}: no correction of {error} to settle") from error


@cli.command()
@click.argument("project_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON")
@click.pass_context
def corrections(ctx: click.Context, project_id: str | None, as_json: bool) -> None:
    """Corrections flagged for review, or one project's corrections and history."""
    store = _open(ctx, threads=1).corrections
    if project_id:
        data = {"corrections": store.of(project_id), "history": store.history(project_id)}
    else:
        data = {"review": store.in_review()}
    if as_json:
        _emit(data)
        return
    for row in data.get("review", []) + data.get("corrections", []):
        flag = (
            " [to review: source now says " + repr(row["source_value"]) + "]"
            if row["state"] == "review"
            else ""
        )
        click.echo(f"{row['project_id']}  {row['label']}: {row['value']!r} (source: {row['base']!r}){flag}")
    for row in data.get("history", []):
        click.echo(
            f"{row['at']}  {row['label']}  {row['action']}: {row['old_value']!r} -> {row['new_value']!r}"
        )
