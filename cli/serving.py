"""Serving the web UI through waitress, a production WSGI server."""

from __future__ import annotations

import click

from kb.settings import Settings


def serve_app(settings: Settings, host: str, port: int, threads: int = 4) -> None:
    from waitress import serve

    from webui import create_app

    app = create_app({"KB_SETTINGS": settings})
    click.echo(f"Praxisfinder on http://{host}:{port}/  (Ctrl+C to stop)")
    serve(app, host=host, port=port, threads=threads, ident="praxisfinder")
