"""What a brochure prints around the projects' text: running headers and footers, page numbers,
footnotes, photo captions and pull quotes. Each is taken out of the pages before the structure
is read, so that none of it ends up inside a section.

Every rule works from what the page shows, never from which program made it: running text
repeats at the page edge; a page number counts with the pages wherever it stands; a footnote is
small print below the text whose number also stands after a word above it; a caption is small
print right under or over a picture; a pull quote is large type in quotation marks.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.headings import section_kind
from ingest.hyphenation import join_all
from ingest.pdf_layout import MARGIN_SHARE, TextLine, rows

_PAGE_NUMBER = re.compile(
    r"^(seite\s*|s\.\s*|page\s*|[-–]\s*)?\d{1,4}(\s*(/|von|of)\s*\d{1,4})?(\s*[-–])?$", re.I
)
_DIGITS = re.compile(r"\d+")
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
_FOOTNOTE_START = re.compile(r"^(\d{1,3}|\*{1,3})(?:\)|\.)?\s?(?=[^\W\d_])")
_OPENING_QUOTES = "„“\"»«‚‘'"
_CLOSING_QUOTES = "“”\"«»‘’'"

_MAX_FOOTNOTE_LINES = 40  # a page's foot holds no more: bounds the search for their markers
_CAPTION_WORDS = re.compile(r"^(foto|fotos|bild|abb\.|abbildung|quelle|©)\b", re.I)


def _margin_key(line: TextLine) -> tuple[str, int]:
    """What makes two margin lines "the same": text with numbers blanked, and height on the page."""
    return _DIGITS.sub("#", line.text.lower()), round(line.baseline / 3)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w ]", " ", text.lower()).split())


def split_running_text(
    pages: list[list[TextLine]], heights: list[float], body: float
) -> list[list[TextLine]]:
    """Remove running headers, footers and page numbers from every page; return what was removed.

    Rows at the top and bottom edge are taken from the edge inwards, stopping at the first row
    that is not running text. A line is running text when it is a bare page number, or when the
    same text (numbers ignored) stands at the same height on enough pages: small print on a
    quarter of the pages, or on two in the row nearest the edge, or once there when it repeats a
    title (a header naming the project); anything at body size or a little larger on most pages;
    large type never. A line that looks like a section heading ("Mehrwert", bold or larger) is
    never running text, however often it opens a page.
    """
    counts: Counter = Counter()
    for number, lines in enumerate(pages):
        low, high = heights[number] * MARGIN_SHARE, heights[number] * (1 - MARGIN_SHARE)
        counts.update({_margin_key(line) for line in lines if line.y1 <= low or line.y0 >= high})
    with_text = sum(1 for lines in pages if lines)
    titles = {_normal(line.text) for lines in pages for line in lines if line.size >= 1.35 * body}
    rule = _RunningRule(counts, body, max(2, round(0.25 * with_text)), max(2, with_text // 2 + 1), titles)
    removed: list[list[TextLine]] = []
    for number, lines in enumerate(pages):
        height = heights[number]
        top = [line for line in lines if line.y1 <= height * MARGIN_SHARE]
        bottom = [line for line in lines if line.y0 >= height * (1 - MARGIN_SHARE)]
        running: list[TextLine] = []
        for edge_rows in (rows(top), list(reversed(rows(bottom)))):
            for depth, row in enumerate(edge_rows):
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
    titles: set[str]  # large lines of the document, normalised

    def is_running(self, line: TextLine, outermost: bool) -> bool:
        if _PAGE_NUMBER.match(line.text):
            return True
        if line.size > 1.2 * self.body or looks_like_heading(line, self.body):
            return False  # titles repeating at the same place ("Projekt 1", "Projekt 2") stay
        count = self.counts[_margin_key(line)]
        if line.size < 0.95 * self.body:
            if outermost and (count >= 2 or _normal(line.text) in self.titles):
                return True
            return count >= self.quarter
        if outermost and not line.bold and line.size <= 1.05 * self.body and count >= self.quarter:
            return True
        return count >= self.most


def looks_like_heading(line: TextLine, body: float) -> bool:
    """A known section heading or a variant of one, set bold or larger than the body text."""
    if len(line.text) > 60 or not (line.bold or line.size >= 1.05 * body):
        return False
    return section_kind(line.text) is not None


def split_page_numbers(pages: list[list[TextLine]]) -> None:
    """Remove page numbers that stand anywhere (in a side margin, say): bare numbers alone on their
    row or outside the text beside them, that count with the pages (number minus page index the
    same on at least two pages)."""
    found: dict[int, list[tuple[int, TextLine]]] = {}
    for index, lines in enumerate(pages):
        if not any(line.text.isdigit() for line in lines):
            continue
        for row in rows(lines):
            for line in row:
                if _BARE_NUMBER.match(line.text) and (
                    len(row) == 1 or line is max(row, key=_x0) or line is min(row, key=_x0)
                ):
                    found.setdefault(int(line.text) - index, []).append((index, line))
    offset, hits = max(found.items(), key=lambda item: len(item[1]), default=(0, []))
    if len({index for index, _ in hits}) < 2:
        return
    for index, line in hits:
        pages[index] = [item for item in pages[index] if item is not line]


def _x0(line: TextLine) -> float:
    return line.x0


def split_captions(pages: list[list[TextLine]], body: float) -> int:
    """Remove photo captions; return how many lines were removed.

    A caption stands under a picture: above it, in its own width, a wide stretch holds no text
    (three lines' height or more, measured from the text above or from where the page's text
    begins). It is set apart from body text: smaller, centred under the picture, or opened by
    "Foto", "Bild", "Abb.". Up to three lines of the same size follow it. Found from the text
    alone, so the pictures need not be read (that would double the cost of a page).
    """
    removed = 0
    tops = sorted(min(line.y0 for line in lines) for lines in pages if lines)
    text_top = tops[len(tops) // 2] if tops else 0.0  # where text usually begins on a page
    for index, lines in enumerate(pages):
        if len(lines) >= 3:
            caption = _captions_on_page(lines, text_top, body)
            removed += len(caption)
            pages[index] = [line for line in lines if id(line) not in caption]
    return removed


_LOOK_BACK = 200  # lines searched upwards for the text above a caption: bounds a page of thousands


def _captions_on_page(lines: list[TextLine], text_top: float, body: float) -> set[int]:
    top = min(text_top, min(line.y0 for line in lines))
    left, right = min(line.x0 for line in lines), max(line.x1 for line in lines)
    by_top = sorted(lines, key=lambda item: item.y0)
    starts = Counter(round(line.x0) for line in lines)
    rows_by_baseline: dict[int, list[TextLine]] = {}
    for line in lines:
        rows_by_baseline.setdefault(round(line.baseline / 4), []).append(line)
    caption: set[int] = set()
    for number, line in enumerate(by_top):
        if id(line) in caption or line.bold or not _looks_like_caption(line, left, right, body, starts):
            continue
        above = _text_above(by_top, number, top)
        if above is None or line.y0 - above < 3 * body or _has_neighbour(line, rows_by_baseline, body):
            continue
        caption.add(id(line))
        block, end = 1, line
        for following in by_top[number + 1 :]:
            if following.y0 - end.y1 > line.size or block >= 3:
                break
            overlaps = following.x0 < end.x1 and following.x1 > end.x0
            if overlaps and abs(following.size - line.size) < 0.3 and following.y0 > end.y1:
                caption.add(id(following))
                block, end = block + 1, following
    return caption


def _text_above(by_top: list[TextLine], number: int, top: float) -> float | None:
    """The bottom of the nearest text above by_top[number] in its width; `top` when there is none;
    None when too many lines stand in between to tell."""
    line = by_top[number]
    for other in reversed(by_top[max(0, number - _LOOK_BACK) : number]):
        if other.x0 < line.x1 and other.x1 > line.x0:
            return other.y1
    return top if number <= _LOOK_BACK else None


def _has_neighbour(line: TextLine, rows_by_baseline: dict[int, list[TextLine]], body: float) -> bool:
    """A label on the same row left of it, or other text close beside it: a field, not a caption."""
    key = round(line.baseline / 4)
    for other in (
        rows_by_baseline.get(key - 1, []) + rows_by_baseline.get(key, []) + rows_by_baseline.get(key + 1, [])
    ):
        if other is line or abs(other.baseline - line.baseline) > 2:
            continue
        if other.x1 <= line.x0 and (other.bold or other.text.endswith(":")):
            return True
        if max(other.x0 - line.x1, line.x0 - other.x1) < 3 * body:
            return True
    return False


def _looks_like_caption(line: TextLine, left: float, right: float, body: float, starts: Counter) -> bool:
    if line.size <= 0.92 * body:
        return True
    middle, width = (line.x0 + line.x1) / 2, line.x1 - line.x0
    if abs(middle - (left + right) / 2) < 0.03 * (right - left) and width < 0.8 * (right - left):
        # Centred under a picture: not at the left edge of a column, where other lines start too.
        x = round(line.x0)
        return starts[x - 1] + starts[x] + starts[x + 1] <= 1
    return line.text[:1] in "FfBbAaQq©" and bool(_CAPTION_WORDS.match(line.text))


def split_footnotes(pages: list[list[TextLine]], body: float) -> dict[int, list[str]]:
    """Remove footnotes and their markers; return the footnote texts per page.

    A footnote is small print below the page's last line of body text, opening with a number
    ("1 Angaben des Trägers") that also stands right after a word of the text above ("kommen.1").
    """
    notes: dict[int, list[str]] = {}
    for index, lines in enumerate(pages):
        text_lines = [line for line in lines if line.size >= 0.95 * body]
        if not text_lines:
            continue
        last = max(line.y1 for line in text_lines)
        below = sorted(
            (line for line in lines if line.y0 >= last - 1 and line.size <= 0.9 * body),
            key=lambda item: item.y0,
        )
        found: list[list[TextLine]] = []
        for line in below[:_MAX_FOOTNOTE_LINES]:
            match = _FOOTNOTE_START.match(line.text)
            if match and _strip_marker(text_lines, match.group(1)):
                line.text = line.text[match.end() :]  # the note without its number
                found.append([line])
            elif found and 0 < line.y0 - found[-1][-1].y1 <= line.size:
                found[-1].append(line)
        if found:
            marked = {id(line) for note in found for line in note}
            pages[index] = [line for line in lines if id(line) not in marked]
            notes[index] = [join_all(line.text for line in note) for note in found]
    return notes


def _strip_marker(lines: list[TextLine], number: str) -> bool:
    """Remove a footnote marker after a word ("kommen.1", "Gäste*"); whether one was found."""
    marker = re.compile(r"(?<=[a-zäöüß.,;:!?“”\"»)])" + re.escape(number) + r"(?=\s|$|[.,;:)])")
    for line in lines:
        changed = marker.sub("", line.text, count=1)
        if changed != line.text:
            line.text = changed
            return True
    return False


def split_pull_quotes(stream: list[TextLine], body: float) -> dict[int, list[str]]:
    """Remove pull quotes (large type in quotation marks, six words or more) from the reading stream."""
    quotes: dict[int, list[str]] = {}
    kept: list[TextLine] = []
    index = 0
    while index < len(stream):
        line = stream[index]
        block = _quote_at(stream, index, body) if line.text[:1] in _OPENING_QUOTES else None
        if block is None:
            kept.append(line)
            index += 1
            continue
        quotes.setdefault(line.page, []).append(" ".join(item.text for item in block))
        index += len(block)
    stream[:] = kept
    return quotes


def _quote_at(stream: list[TextLine], index: int, body: float) -> list[TextLine] | None:
    """The lines of a pull quote opening at stream[index] (at most six), or None."""
    line = stream[index]
    if line.size < 1.15 * body:
        return None
    for end in range(index, min(index + 6, len(stream))):
        if abs(stream[end].size - line.size) > 0.6:
            return None
        if stream[end].text[-1:] in _CLOSING_QUOTES:
            block = stream[index : end + 1]
            return block if sum(len(item.text.split()) for item in block) >= 6 else None
    return None
