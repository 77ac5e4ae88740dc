"""Page geometry for PDF text: lines with their type, running headers and footers, columns.

Works from what the page shows (positions, sizes, bold type), not from how a particular
program wrote the file, so that brochures from any layout program read the same way.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import pymupdf

from ingest.headings import section_kind
from ingest.hyphenation import WordEvidence, join_all

# Text without images or accurate glyph boxes: faster, and positions per line are all we need.
TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_MEDIABOX_CLIP
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_PAGE_NUMBER = re.compile(
    r"^(seite\s*|s\.\s*|page\s*|[-–]\s*)?\d{1,4}(\s*(/|von|of)\s*\d{1,4})?(\s*[-–])?$", re.I
)
_DIGITS = re.compile(r"\d+")
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
    column: int = 0  # set by reading_order: 0 single or left column, 1 right column, 2 across both


def page_lines(page: pymupdf.Page, index: int) -> list[TextLine]:
    """The horizontal text lines of a page, split where a wide gap separates two texts."""
    lines: list[TextLine] = []
    bold_fonts: dict[str, bool] = {}
    for block in page.get_text("dict", flags=TEXT_FLAGS)["blocks"]:
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
        text=text.strip(),
        size=round(max(sizes, key=sizes.__getitem__), 1),
        bold=all(part.bold for part in visible),
        color=spans[0]["color"],
        spans=visible,
    )


def _margin_key(line: TextLine) -> tuple[str, int]:
    """What makes two margin lines "the same": text with numbers blanked, and height on the page."""
    return _DIGITS.sub("#", line.text.lower()), round(line.baseline / 3)


def _rows(lines: list[TextLine]) -> list[list[TextLine]]:
    """Lines grouped into rows sharing a baseline, top to bottom."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda item: item.baseline):
        if rows and abs(rows[-1][0].baseline - line.baseline) <= 2:
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def split_running_text(
    pages: list[list[TextLine]], heights: list[float], body: float
) -> list[list[TextLine]]:
    """Remove running headers, footers and page numbers from every page; return what was removed.

    Rows at the top and bottom edge are taken from the edge inwards, stopping at the first row
    that is not running text. A line is running text when it is a bare page number, or when the
    same text (numbers ignored) stands at the same height on enough pages: small print on a
    quarter of the pages (or on two, in the row nearest the edge: a header naming the project),
    anything at body size or a little larger on most pages; large type never. A line that looks like a section heading
    ("Mehrwert", bold or larger) is never running text, however often it opens a page.
    """
    counts: Counter = Counter()
    for number, lines in enumerate(pages):
        low, high = heights[number] * MARGIN_SHARE, heights[number] * (1 - MARGIN_SHARE)
        counts.update({_margin_key(line) for line in lines if line.y1 <= low or line.y0 >= high})
    with_text = sum(1 for lines in pages if lines)
    rule = _RunningRule(counts, body, max(2, round(0.25 * with_text)), max(2, with_text // 2 + 1))
    removed: list[list[TextLine]] = []
    for number, lines in enumerate(pages):
        height = heights[number]
        top = [line for line in lines if line.y1 <= height * MARGIN_SHARE]
        bottom = [line for line in lines if line.y0 >= height * (1 - MARGIN_SHARE)]
        running: list[TextLine] = []
        for rows in (_rows(top), list(reversed(_rows(bottom)))):
            for depth, row in enumerate(rows):
                if not any(rule.is_running(line, outermost=depth == 0) for line in row):
                    break
                running.extend(row)
        removed.append(running)
        marked = {id(line) for line in running}
        pages[number] = [line for line in lines if id(line) not in marked]
    return removed


@dataclass
class _RunningRule:
    counts: Counter
    body: float
    quarter: int  # pages: a quarter of those with text, at least two
    most: int  # pages: more than half of those with text

    def is_running(self, line: TextLine, outermost: bool) -> bool:
        if _PAGE_NUMBER.match(line.text):
            return True
        if line.size > 1.2 * self.body or looks_like_heading(line, self.body):
            return False  # titles repeating at the same place ("Projekt 1", "Projekt 2") stay
        count = self.counts[_margin_key(line)]
        if line.size < 0.95 * self.body:
            return count >= self.quarter or (outermost and count >= 2)
        if outermost and not line.bold and line.size <= 1.05 * self.body and count >= self.quarter:
            return True
        return count >= self.most


def looks_like_heading(line: TextLine, body: float) -> bool:
    """A known section heading or a variant of one, set bold or larger than the body text."""
    if len(line.text) > 60 or not (line.bold or line.size >= 1.05 * body):
        return False
    return section_kind(line.text) is not None


def body_size(pages: list[list[TextLine]]) -> float:
    """The font size most characters of the document are set in."""
    sizes: Counter = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def column_split(lines: list[TextLine], body: float) -> float | None:
    """The x of the gutter between two text columns on a page, or None for a one-column page."""
    if len(lines) < 6:
        return None
    starts = sorted(line.x0 for line in lines)
    ends = sorted(line.x1 for line in lines)
    left, right = starts[0], ends[-1]
    centre = (left + right) / 2
    best: tuple[int, float, float] | None = None
    x = left + 0.3 * (right - left)
    while x <= left + 0.7 * (right - left):
        # Lines crossing x: started before it, minus those that ended before it.
        crossing = bisect_left(starts, x - 1) - bisect_right(ends, x + 1)
        candidate = (crossing, abs(x - centre), x)
        if best is None or candidate < best:
            best = candidate
        x += 3
    if best is None:
        return None
    split = best[2]
    left_lines = [line for line in lines if line.x1 <= split + 1]
    right_lines = [line for line in lines if line.x0 >= split - 1]
    if len(left_lines) < 3 or len(right_lines) < 3:
        return None
    return split if _look_like_columns(left_lines, right_lines, body) else None


def _look_like_columns(left: list[TextLine], right: list[TextLine], body: float) -> bool:
    """Columns of running text, not a table of short labels beside their values.

    Body text in a column fills most of its width: three in four lines reach at least 65 % of
    it. A label column does not, and is far narrower than its value column.
    """
    left_start, left_end = min(line.x0 for line in left), max(line.x1 for line in left)
    right_start, right_end = min(line.x0 for line in right), max(line.x1 for line in right)
    left_width, right_width = left_end - left_start, right_end - right_start
    if min(left_width, right_width) < 0.3 * max(left_width, right_width):
        return False
    ends = sorted(line.x1 for line in left if not line.bold and abs(line.size - body) < 0.6)
    return len(ends) >= 3 and ends[len(ends) // 4] >= left_start + 0.65 * left_width


def reading_order(lines: list[TextLine], height: float, body: float) -> list[TextLine]:
    """Lines of one page in reading order: full-width parts top to bottom, columns left before right.

    Small print along the top and bottom edge (a header the page does not share with others)
    is read first and last. Lines crossing the gutter divide the rest into bands; inside a band
    the left column is read completely before the right one.
    """
    rows = _rows(lines)
    top = 0
    while top < len(rows) and _is_edge_row(rows[top], height, body, top_edge=True):
        top += 1
    bottom = len(rows)
    while bottom > top and _is_edge_row(rows[bottom - 1], height, body, top_edge=False):
        bottom -= 1
    middle = [line for row in rows[top:bottom] for line in row]
    head = [line for row in rows[:top] for line in sorted(row, key=lambda item: item.x0)]
    tail = [line for row in rows[bottom:] for line in sorted(row, key=lambda item: item.x0)]
    return head + _columns_in_order(middle, body) + tail


def _is_edge_row(row: list[TextLine], height: float, body: float, top_edge: bool) -> bool:
    inside = (
        all(line.y1 <= height * MARGIN_SHARE for line in row)
        if top_edge
        else all(line.y0 >= height * (1 - MARGIN_SHARE) for line in row)
    )
    return inside and all(line.size < 0.95 * body for line in row)


def _columns_in_order(lines: list[TextLine], body: float) -> list[TextLine]:
    by_position = sorted(lines, key=lambda line: (round(line.baseline, 0), line.x0))
    split = column_split(lines, body)
    if split is None:
        return _rows_in_order(by_position)
    ordered: list[TextLine] = []
    left: list[TextLine] = []
    right: list[TextLine] = []
    for line in by_position:
        if line.x0 < split - 1 and line.x1 > split + 1:
            line.column = 2
            ordered += _rows_in_order(left) + _rows_in_order(right) + [line]
            left, right = [], []
        elif line.x1 <= split + 1:
            left.append(line)
        else:
            line.column = 1
            right.append(line)
    return ordered + _rows_in_order(left) + _rows_in_order(right)


def _rows_in_order(lines: list[TextLine]) -> list[TextLine]:
    return [line for row in _rows(lines) for line in sorted(row, key=lambda item: item.x0)]


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
