"""Speed of the brochure parser against PyMuPDF's bare text extraction of the same PDF.

    python bench/ingest_pdf.py [PDF] [--repeat 15]

Without a PDF it builds the sample brochure into a temporary folder first. Prints pages per
second for both and the ratio parser/bare (goal: at most 3). The two are measured alternately
and the medians compared, so that load from other processes hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pymupdf  # noqa: E402

from ingest import pdf_brochure  # noqa: E402


def bare_text(data: bytes) -> int:
    with pymupdf.open(stream=data, filetype="pdf") as document:
        for page in document:
            page.get_text()
        return document.page_count


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def measure(data: bytes, path: str, repeat: int) -> dict[str, float]:
    pages = bare_text(data)
    pdf_brochure.parse(path, data)  # warm up imports and caches
    bare, parsed = [], []
    for _ in range(repeat):
        bare.append(timed(lambda: bare_text(data)))
        parsed.append(timed(lambda: pdf_brochure.parse(path, data)))
    bare_s, parse_s = statistics.median(bare), statistics.median(parsed)
    return {
        "pages": pages,
        "bare_pages_per_s": pages / bare_s,
        "parse_pages_per_s": pages / parse_s,
        "ratio": parse_s / bare_s,
    }


def sample_brochure(folder: Path) -> Path:
    out = folder / "brochure.pdf"
    subprocess.run(
        [sys.executable, str(ROOT / "samples" / "make_brochure.py"), "--out", str(out)], check=True
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="brochure parser speed vs bare PyMuPDF text extraction")
    parser.add_argument("pdf", nargs="?", type=Path, help="a brochure PDF (default: build the sample one)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.pdf or sample_brochure(Path(folder))
        result = measure(path.read_bytes(), str(path), args.repeat)
    print(
        f"{path.name}: {result['pages']} pages; bare get_text {result['bare_pages_per_s']:.0f} pages/s; "
        f"parser {result['parse_pages_per_s']:.0f} pages/s; ratio {result['ratio']:.2f} "
        f"(median of {args.repeat}, goal <= 3)"
    )


if __name__ == "__main__":
    main()
