"""Building the bundled illustrative sample collection: a brochure PDF and web pages from the sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def build_sample_collection(target: Path) -> Path:
    """Write brochure.pdf and pages/*.html into target, generated from samples/projects."""
    if not (SAMPLES / "projects").is_dir():
        raise FileNotFoundError(
            f"sample sources not found in {SAMPLES}: run from a checkout of the repository"
        )
    target.mkdir(parents=True, exist_ok=True)
    for script, args in (
        ("make_brochure.py", ["--out", str(target / "brochure.pdf")]),
        ("make_pages.py", ["--out", str(target / "pages")]),
    ):
        subprocess.run(
            [sys.executable, str(SAMPLES / script), "--projects", str(SAMPLES / "projects"), *args],
            check=True,
        )
    return target
