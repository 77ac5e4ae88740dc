"""Page geometry for PDF text: lines with their type, running headers and footers, columns.

Works from what the page shows (positions, sizes, bold type), not from how a particular
program wrote the file, so that brochures from any layout program read the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import pymupdf

from ingest.hyphenation import WordEvidence, join_all

# Text without images or accurate glyph boxes: faster, and positions per line are all we need.
TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_MEDIABOX_CLIP
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
# Soft hyphens inside a line are invisible (some programs export every syllable break); one at the
# end of a line is the hyphen the reader sees.
_SOFT_HYPHENS = re.compile("\u00ad(?!$)")
MARGIN_SHARE = 0.12  # running headers and footers live in this share of the page height


class Span(NamedTuple):
    """A visible run of text in one font within a line."""

    text: str
    bold: bool
    size: float
    x0: float
    x1: float


@dataclass
class TextLine:
    """One line of text as shown on a page (0-based page index, PDF points, y grows downwards)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    baseline: float
    text: str
    size: float  # the size most of its characters have
    bold: bool  # every visible character is bold
    color: int
    spans: list[Span] = field(default_factory=list)  # the visible ones
    column: int = 0  # set by pdf_columns.reading_order: 0, 1, 2, ... from the left; -1 across a gutter


def page_lines(page: pymupdf.Page, index: int) -> list[TextLine]:
    """The horizontal text lines of a page, split where a wide gap separates two texts."""
    lines: list[TextLine] = []
    bold_fonts: dict[str, bool] = {}
    # The text page directly: get_text("dict") builds the same through a slower wrapper.
    for block in page.get_textpage(flags=TEXT_FLAGS).extractDICT()["blocks"]:
        for line in block.get("lines", ()):
            if abs(line["dir"][1]) > 0.05:  # vertical or rotated text: margin decoration
                continue
            for spans in _split_at_gaps(line["spans"]):
                made = _make_line(spans, index, bold_fonts)
                if made is not None:
                    lines.append(made)
    return _merge_neighbours(lines)


def _merge_neighbours(lines: list[TextLine]) -> list[TextLine]:
    """Join pieces of one visual line that the PDF wrote separately ("–" and its list item)."""
    merged: list[TextLine] = []
    for line in sorted(lines, key=lambda item: (round(item.baseline), item.x0)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and abs(last.baseline - line.baseline) <= 1
            and 0 <= line.x0 - last.x1 <= 1.5 * line.size
        ):
            joiner = "" if last.text.endswith(" ") or line.text.startswith(" ") else " "
            last.text += joiner + line.text
            last.x1, last.y0, last.y1 = line.x1, min(last.y0, line.y0), max(last.y1, line.y1)
            last.bold = last.bold and line.bold
            last.spans = last.spans + line.spans
        else:
            merged.append(line)
    return merged


def _split_at_gaps(spans: list[dict]) -> list[list[dict]]:
    """Groups of spans without a gap wider than twice the font size between them."""
    groups: list[list[dict]] = []
    for span in spans:
        if groups and span["bbox"][0] - groups[-1][-1]["bbox"][2] <= 2 * span["size"]:
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups


def _make_line(spans: list[dict], index: int, bold_fonts: dict[str, bool]) -> TextLine | None:
    visible: list[Span] = []
    text = ""
    sizes: dict[float, int] = {}
    previous_x1 = 0.0
    y0, y1 = spans[0]["bbox"][1], spans[0]["bbox"][3]
    x0, x1 = float("inf"), float("-inf")
    for span in spans:
        content, (left, top, right, bottom), size = span["text"], span["bbox"], span["size"]
        if text and text[-1] != " " and content[:1] != " " and left - previous_x1 > 0.2 * size:
            text += " "  # a visible gap without a space character is still a word break
        text += content
        previous_x1 = right
        y0, y1 = min(y0, top), max(y1, bottom)
        if content.strip():
            font = span["font"]
            bold = bold_fonts.get(font)
            if bold is None:
                bold = bold_fonts[font] = bool(_BOLD_FONT.search(font))
            visible.append(Span(content, bold or bool(span["flags"] & 16), size, left, right))
            sizes[size] = sizes.get(size, 0) + len(content)
            x0, x1 = min(x0, left), max(x1, right)
    if not visible:
        return None
    return TextLine(
        page=index,
        x0=x0,
        y0=y0,
        x1=x1,
        y1=y1,
        baseline=spans[0]["origin"][1],
        text=_SOFT_HYPHENS.sub("", text.strip()) if "\u00ad" in text else text.strip(),
        size=round(max(sizes, key=sizes.__getitem__), 1),
        bold=all(part.bold for part in visible),
        color=spans[0]["color"],
        spans=visible,
    )


def rows(lines: list[TextLine]) -> list[list[TextLine]]:
    """Lines grouped into rows sharing a baseline, top to bottom."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda item: item.baseline):
        if rows and abs(rows[-1][0].baseline - line.baseline) <= 2:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def body_size(pages: list[list[TextLine]]) -> float:
    """The font size most characters of the document are set in."""
    sizes: Counter = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def assign_column_edges(lines: list[TextLine]) -> dict[tuple[int, int], float]:
    """The right edge of each (page, column): where a full line of text ends."""
    edges: dict[tuple[int, int], float] = {}
    for line in lines:
        key = (line.page, line.column)
        edges[key] = max(edges.get(key, 0.0), line.x1)
    return edges


def typical_leading(lines: list[TextLine], size: float) -> float:
    """The usual distance between baselines of consecutive body lines."""
    gaps = sorted(
        b.baseline - a.baseline
        for a, b in zip(lines, lines[1:], strict=False)
        if a.page == b.page
        and a.column == b.column
        and a.size == b.size == size
        and 0.9 * size < b.baseline - a.baseline < 2.2 * size
    )
    return gaps[len(gaps) // 2] if gaps else 1.2 * size


_BULLETS = "•▪◦‣●■►✓"
_DASH_BULLETS = "-–*"


def bullet_text(line: TextLine) -> str | None:
    """The item text when a line starts a list item ("• Beratung" → "Beratung"), else None."""
    text = line.text
    if text[0] in _BULLETS:
        return text[1:].strip()
    if text[0] in _DASH_BULLETS and text[1:2] == " ":
        # A dash opens a list item only when set apart like a bullet, not as a sentence dash.
        visible = line.spans
        if len(visible) > 1 and visible[0].text.strip() == text[0]:
            if visible[1].x0 - visible[0].x1 >= 0.6 * line.size:
                return text[1:].strip()
    return None


def _starts_paragraph(prev: TextLine, line: TextLine, first: TextLine, context: LayoutContext) -> bool:
    if prev.page != line.page or prev.column != line.column or line.baseline < prev.baseline:
        edge = context.edges.get((prev.page, prev.column), prev.x1)
        short = prev.x1 < edge - 2 * prev.size
        return short and prev.text.rstrip()[-1] in '.!?:…"“”)'
    if line.baseline - prev.baseline > 1.3 * context.leading:
        return True
    if bullet_text(first) is not None:
        return line.x0 < first.x0 + 1  # a hanging indent continues the item
    return line.x0 - prev.x0 >= 0.8 * line.size  # an indented first line


@dataclass
class LayoutContext:
    """Document-wide measures the paragraph rules compare against."""

    edges: dict[tuple[int, int], float]
    leading: float
    evidence: WordEvidence


def lines_to_text(lines: list[TextLine], context: LayoutContext) -> str:
    """Body lines → text: paragraphs separated by blank lines, list items as "- item" lines."""
    paragraphs: list[list[TextLine]] = []
    for line in lines:
        if bullet_text(line) is not None or not paragraphs:
            paragraphs.append([line])
            continue
        current = paragraphs[-1]
        if _starts_paragraph(current[-1], line, current[0], context):
            paragraphs.append([line])
        else:
            current.append(line)
    text = ""
    previous_bullet = False
    for paragraph in paragraphs:
        item = bullet_text(paragraph[0])
        texts = [item if item is not None else paragraph[0].text] + [line.text for line in paragraph[1:]]
        joined = join_all(texts, context.evidence)
        if item is not None:
            joined = "- " + joined
        if text:
            text += "\n" if item is not None and previous_bullet else "\n\n"
        text += joined
        previous_bullet = item is not None
    return text
