"""The `kb` command: the shell around the knowledge base (options, terminal output, serving, the demo).

It sits on top of everything: cli -> webui -> kb -> {ingest, index}, and nothing imports it.
"""

from cli import records  # noqa: F401  (registers `kb correct` and `kb corrections`)
from cli.commands import cli, main

__all__ = ["cli", "main"]
