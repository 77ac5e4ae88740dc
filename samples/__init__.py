"""The illustrative sample collection (invented projects) and the generators that typeset it as a
brochure PDF and as web pages; imported by `kb demo` and the tests, runnable as scripts too."""

from __future__ import annotations

from pathlib import Path

from ingest.markdown_text import front_matter


def sample_format(path: Path) -> str:
    """What a sample project's `format:` key asks the generators for: "pdf" (the brochure) or
    "html" (a web page). An instruction to the generators, not a field of the project."""
    meta, _ = front_matter(str(path), path.read_text(encoding="utf-8"))
    return str(meta.get("format", "")).strip().lower()
