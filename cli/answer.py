"""`kb answer`: the answer letter for chosen projects, as text or as a .docx file (kb.answer_letter)."""

from __future__ import annotations

from pathlib import Path

import click

from kb.answer_letter import compose_letter, letter_docx

MAX_PROJECTS = 20


def register(cli: click.Group, open_kb) -> None:
    """Add the command to the `kb` command (open_kb(ctx) opens the knowledge base)."""

    @cli.command(name="answer")
    @click.argument("project_ids", nargs=-1, required=True)
    @click.option(
        "--docx", "docx_path", type=click.Path(dir_okay=False, writable=True), help="Also write a .docx"
    )
    @click.option(
        "--base-url",
        default="http://127.0.0.1:8000",
        show_default=True,
        help="Where the web UI runs: each project's address in the letter starts with it",
    )
    @click.pass_context
    def answer(
        ctx: click.Context, project_ids: tuple[str, ...], docx_path: str | None, base_url: str
    ) -> None:
        """The German letter answering an enquiry with these projects (at most 20)."""
        wanted = list(dict.fromkeys(project_ids))
        if len(wanted) > MAX_PROJECTS:
            raise click.ClickException(f"at most {MAX_PROJECTS} projects in one letter, got {len(wanted)}")
        kb = open_kb(ctx)
        projects = [kb.project(project_id) for project_id in wanted]
        unknown = [pid for pid, found in zip(wanted, projects, strict=True) if found is None]
        if unknown:
            raise click.ClickException(f"no such project: {', '.join(unknown)}")
        root = base_url.rstrip("/")
        text = compose_letter(projects, lambda pid: f"{root}/projekte/{pid}")
        click.echo(text, nl=False)
        if docx_path:
            Path(docx_path).write_bytes(letter_docx(text))
            click.echo(f"Written: {docx_path}", err=True)
