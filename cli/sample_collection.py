"""Building the bundled illustrative sample collection: a brochure PDF and web pages from the sources."""

from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def build_sample_collection(target: Path) -> Path:
    """Write brochure.pdf and pages/*.html into target, generated from samples/projects."""
    if not (SAMPLES / "projects").is_dir():
        raise FileNotFoundError(
            f"sample sources not found in {SAMPLES}: run from a checkout of the repository"
        )
    from samples.make_brochure import build_brochure
    from samples.make_pages import build_pages

    target.mkdir(parents=True, exist_ok=True)
    build_brochure(SAMPLES / "projects", target / "brochure.pdf")
    build_pages(SAMPLES / "projects", target / "pages")
    return target
