"""Brochure PDFs of good-practice projects: one record per project, from the page layout.

Pages are read into lines with their size, weight and position (pdf_layout); running headers,
footers and page numbers are removed and two-column pages put in reading order; the brochure's
structure (titles, info blocks, sections, dividers) is then read from that (pdf_structure).
"""

from __future__ import annotations

import re

import pymupdf

from ingest.pdf_columns import reading_order
from ingest.pdf_furniture import (
    split_captions,
    split_footnotes,
    split_page_numbers,
    split_pull_quotes,
    split_running_text,
)
from ingest.pdf_layout import MARGIN_SHARE, TextLine, body_size, page_lines
from ingest.pdf_structure import BrochureReader, area_name
from ingest.provenance import edition_in_text, pdf_date
from ingest.record import IngestError, ParseResult, ProjectRecord, SourceInfo


def parse(path: str, data: bytes) -> ParseResult:
    """Parse a brochure PDF into project records; IngestError when it cannot be read at all."""
    pages, heights, problems, metadata = _read_pages(path, data)
    body = body_size(pages)
    footnotes = split_footnotes(pages, body)  # first: a footnote may repeat at the foot of pages
    running = split_running_text(pages, heights, body)
    split_page_numbers(pages)
    split_captions(pages, body)
    hints = [
        _header_area(removed + kept, height, body)
        for removed, kept, height in zip(running, pages, heights, strict=True)
    ]
    stream = [
        line
        for lines, height in zip(pages, heights, strict=True)
        for line in reading_order(lines, height, body)
    ]
    quotes = split_pull_quotes(stream, body)
    reader = BrochureReader(stream, hints, body)
    records = reader.records()
    _keep_aside(records, footnotes, quotes)
    if not records:
        raise IngestError(
            path,
            "no projects recognised: expected pages with a large title followed by info fields "
            "(Träger:, Ort:, ...) or section headings (Herangehensweise, Mehrwert, ...)",
        )
    return ParseResult(
        records=records, problems=problems, info=_document_info(metadata, running[:3] + pages[:3])
    )


def _document_info(metadata: dict, pages: list[list[TextLine]]) -> SourceInfo:
    """The brochure's date (metadata: modified, else created) and its edition from these pages' text."""
    day = pdf_date(metadata.get("modDate")) or pdf_date(metadata.get("creationDate"))
    front = " ".join(line.text for lines in pages for line in lines)
    return SourceInfo(date=day, edition=edition_in_text(front))


def _keep_aside(
    records: list[ProjectRecord], footnotes: dict[int, list[str]], quotes: dict[int, list[str]]
) -> None:
    """Footnotes, and pull quotes the text does not repeat, kept with the project on their page."""
    for record in records:
        pages = range((record.page_start or 1) - 1, record.page_end or record.page_start or 1)
        notes = [note for page in pages for note in footnotes.get(page, ())]
        if notes:
            record.extra["Fußnoten"] = " ".join(notes)
        printed = [quote for page in pages for quote in quotes.get(page, ())]
        told = _normal(" ".join(section.text for section in record.sections)) if printed else ""
        said = [quote for quote in printed if _normal(quote) not in told]
        if said:
            record.extra["Zitat"] = " ".join(said)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w ]", " ", text.lower()).split())


def _header_area(lines: list[TextLine], height: float, body: float) -> str | None:
    """The area named in small print at the top of a page (a running header, or a lone page's)."""
    for line in sorted(lines, key=lambda item: item.baseline):
        if line.y1 <= height * MARGIN_SHARE and line.size <= 1.2 * body:
            area = area_name(line.text)
            if area:
                return area
    return None


def _open(path: str, data: bytes) -> pymupdf.Document:
    if b"%PDF-" not in data[:1024]:
        raise IngestError(path, "not a readable PDF: no PDF header — is this really a PDF file?")
    try:
        document = pymupdf.open(stream=data, filetype="pdf")
    except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase) as error:
        raise IngestError(path, f"not a readable PDF: {error}") from error
    if document.needs_pass:
        document.close()
        raise IngestError(path, "encrypted PDF — remove the password first")
    if document.is_repaired and b"%%EOF" not in data[-2048:]:
        document.close()
        raise IngestError(path, "not a readable PDF: the file is truncated — copy or download it again")
    if document.page_count == 0:
        document.close()
        raise IngestError(path, "not a readable PDF: it has no pages")
    return document


def _read_pages(path: str, data: bytes) -> tuple[list[list[TextLine]], list[float], list[IngestError], dict]:
    """Text lines and height of every page, problems with pages that hold no text, the metadata."""
    pages: list[list[TextLine]] = []
    heights: list[float] = []
    problems: list[IngestError] = []
    scanned: list[int] = []
    with _open(path, data) as document:
        metadata = document.metadata or {}
        for index in range(document.page_count):
            try:
                page = document.load_page(index)
            except ValueError:  # the page tree holds fewer pages than the document claims
                break
            except (RuntimeError, pymupdf.mupdf.FzErrorBase) as error:
                # A damaged page tree (a cycle, a missing object): the page cannot even be loaded.
                raise IngestError(path, f"not a readable PDF: {error}", f"page {index + 1}") from error
            try:
                lines = page_lines(page, index)
            except (RuntimeError, pymupdf.mupdf.FzErrorBase) as error:
                problems.append(IngestError(path, f"page text cannot be read: {error}", f"page {index + 1}"))
                lines = []
            if not lines and page.get_images():
                scanned.append(index + 1)
            pages.append(lines)
            heights.append(page.rect.height)
    if not any(pages):
        if scanned:
            raise IngestError(path, "no text layer — scanned document? Run OCR first.", f"page {scanned[0]}")
        raise IngestError(path, "empty PDF: no text on any page")
    if scanned:
        where = ("page " if len(scanned) == 1 else "pages ") + ", ".join(map(str, scanned))
        problems.append(
            IngestError(
                path, "no text layer (a scan or a picture) — skipped; run OCR if it holds text", where
            )
        )
    return pages, heights, problems, metadata
