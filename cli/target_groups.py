"""`kb target-groups`: the vocabulary with counts, how each wording is filed, and corrections."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from kb.knowledge_base import KnowledgeBase

METHOD_LABELS = {
    "rule": "rule",
    "model": "model",
    "manual": "corrected",
    "none": "no group",
    "pending": "pending",
}


def register(cli: click.Group, open_kb) -> None:
    """Add the command group to the `kb` command (open_kb(ctx) opens the knowledge base)."""

    @cli.group(name="target-groups")
    def target_groups() -> None:
        """The target-group vocabulary: list it, see how wordings are filed, correct a wording."""

    @target_groups.command(name="list")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def list_groups(ctx: click.Context, as_json: bool) -> None:
        """The groups (sub-groups indented) with the number of projects each filter finds."""
        _echo_rows(open_kb(ctx).target_groups(), as_json, _group_line)

    @target_groups.command(name="mappings")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_context
    def mappings(ctx: click.Context, as_json: bool) -> None:
        """Every wording in use, the groups it is filed under and how (rule, model, corrected)."""
        _echo_rows(open_kb(ctx).target_group_mappings(), as_json, _mapping_line)

    @target_groups.command(name="set")
    @click.argument("wording")
    @click.argument("groups", nargs=-1)
    @click.pass_context
    def set_mapping(ctx: click.Context, wording: str, groups: tuple[str, ...]) -> None:
        """File WORDING under GROUPS (ids or labels; none: under no group), for every project using
        it, kept over re-ingests."""
        kb: KnowledgeBase = open_kb(ctx)
        try:
            kb.correct_target_group(wording, list(groups))
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        labels = ", ".join(g["label"] for g in _row(kb, wording)["groups"]) or "no group"
        click.echo(f"{wording!r} is now filed under: {labels}")

    @target_groups.command(name="reset")
    @click.argument("wording")
    @click.pass_context
    def reset_mapping(ctx: click.Context, wording: str) -> None:
        """Drop the correction of WORDING: the automatic mapping is in force again."""
        if not open_kb(ctx).reset_target_group(wording):
            raise click.ClickException(f"{wording!r} has no correction")
        click.echo(f"{wording!r}: the automatic mapping is in force again")


def _echo_rows(rows: list[dict], as_json: bool, line: Callable[[dict], str]) -> None:
    """The rows as one JSON document, or one line each."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(line(row))


def _group_line(group: dict) -> str:
    return f"{'  ' * group['depth']}{group['label']} [{group['id']}]  {group['count']}"


def _mapping_line(row: dict) -> str:
    groups = ", ".join(g["label"] for g in row["groups"]) or "-"
    method = METHOD_LABELS.get(row["method"], row["method"])
    return f"{row['text']}  ->  {groups}  ({method}; {row['projects']} project(s))"


def _row(kb: KnowledgeBase, wording: str) -> dict:
    from kb.group_mapping import phrase_key

    key = phrase_key(wording)
    return next((row for row in kb.target_group_mappings() if row["phrase"] == key), {"groups": []})
