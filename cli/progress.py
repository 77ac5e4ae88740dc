"""Progress bars for the CLI (tqdm, on stderr; silent when quiet or not a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from kb.pipeline import FileOutcome, expand_paths


@contextmanager
def file_progress(paths: list[str], quiet: bool) -> Iterator:
    files = expand_paths(paths)
    bar = tqdm(
        total=len(files), unit="file", desc="Ingest", disable=quiet or None, file=sys.stderr, leave=False
    )

    def on_file(outcome: FileOutcome) -> None:
        bar.set_postfix_str(outcome.path[-40:], refresh=False)
        bar.update(1)

    try:
        yield on_file
    finally:
        bar.close()


@contextmanager
def embed_progress(quiet: bool) -> Iterator:
    bar: list[tqdm] = []

    def on_embed(done: int, total: int) -> None:
        if not bar:
            bar.append(
                tqdm(
                    total=total,
                    unit="text",
                    desc="Embed",
                    disable=quiet or None,
                    file=sys.stderr,
                    leave=False,
                )
            )
        bar[0].update(done - bar[0].n)

    try:
        yield on_embed
    finally:
        for b in bar:
            b.close()
