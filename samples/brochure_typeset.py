"""Typesetting for the sample brochure: line filling with German hyphenation, one- and two-column flow.

Used by make_brochure.py; kept apart so that each file stays small enough to read in one go.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import pyphen
from fpdf import FPDF

# Page geometry in millimetres (A4).
LEFT, RIGHT, TOP, BOTTOM = 22.0, 188.0, 26.0, 274.0
WIDTH = RIGHT - LEFT
GUTTER = 8.0
BODY_SIZE, BODY_LEADING = 10.0, 4.7
ACCENT = (0, 94, 110)
GREY = (110, 110, 110)


# Characters the core fonts lack, and what print would show instead.
_SUBSTITUTES = {"\u2010": "-", "\u2011": "-", "\u2212": "-", "\u2192": "->", "\u00ad": "", "\u202f": " "}
# After a line-end hyphen these words mean "the hyphen belongs here" ("Sprach- und Kulturmittler"),
# so a generated break must never leave one of them as the rest of a word.
_CONJUNCTIONS = {"und", "oder", "bzw", "sowie", "als", "bis", "wie"}


def pdf_safe(text: str) -> str:
    """The text as the brochure prints it: characters outside Windows-1252 substituted."""
    out = []
    for char in text:
        char = _SUBSTITUTES.get(char, char)
        try:
            char.encode("cp1252")
        except UnicodeEncodeError:
            bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            char = bare if bare and bare.isascii() else "?"
        out.append(char)
    return "".join(out)


class LineFiller:
    """Greedy line filling with German hyphenation at syllable points (pyphen, de_DE)."""

    def __init__(self, measure: Callable[[str], float]):
        self.measure = measure
        self.dictionary = pyphen.Pyphen(lang="de_DE")
        self.hyphenated: list[str] = []
        self.compound_breaks: list[str] = []

    def breaks(self, word: str) -> list[tuple[str, str, bool]]:
        """Ways to split a word at a line end, longest head first: (head, tail, is_new_hyphen)."""
        match = re.fullmatch(r"([^\w]*)([\w-]+?)([^\w]*)", word)
        if not match or re.search(r"\d|@|/|www", word):
            return []
        lead, core, trail = match.groups()
        options: list[tuple[str, str, bool]] = []
        offset = 0
        for part in core.split("-"):
            for position in self.dictionary.positions(part):
                tail = core[offset + position :]
                if tail[0].islower() and re.sub(r"\W", "", tail).lower() not in _CONJUNCTIONS:
                    options.append((lead + core[: offset + position] + "-", tail + trail, True))
            offset += len(part) + 1
            # An existing hyphen is a clean break when an uppercase word follows ("Eltern-|Kind").
            if offset < len(core) and core[offset].isupper():
                options.append((lead + core[:offset], core[offset:] + trail, False))
        return sorted(options, key=lambda option: -len(option[0]))

    def fill(self, text: str, width: float, hyphenate: bool = True) -> list[str]:
        """Break text into lines no wider than width (a lone unbreakable word may overflow)."""
        lines: list[str] = []
        current = ""
        pending = text.split()
        while pending:
            word = pending.pop(0)
            candidate = f"{current} {word}" if current else word
            if self.measure(candidate) <= width:
                current = candidate
                continue
            prefix = f"{current} " if current else ""
            split = next(
                (o for o in (self.breaks(word) if hyphenate else []) if self.measure(prefix + o[0]) <= width),
                None,
            )
            if split:
                head, tail, is_new = split
                (self.hyphenated if is_new else self.compound_breaks).append(f"{head}|{tail}")
                lines.append(prefix + head)
                current = ""
                pending.insert(0, tail)
            elif current:
                lines.append(current)
                current = ""
                pending.insert(0, word)
            else:
                current = word  # wider than the line and unbreakable: let it overflow
        if current:
            lines.append(current)
        return lines


class TypesetPDF(FPDF):
    """An FPDF document with a line filler measuring in its current font."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.filler = LineFiller(self.get_string_width)

    def write_lines(self, lines: list[str], x: float, y: float, leading: float) -> float:
        """Write pre-broken lines from baseline y; return the baseline after the last one."""
        for line in lines:
            self.text(x, y, line)
            y += leading
        return y


class TextFlow:
    """Flows headed paragraphs through one or two columns, continuing on new pages.

    With `draw=False` it only measures: `overflowed` tells whether the text left the first page.
    """

    def __init__(
        self, pdf: TypesetPDF, columns: int, top: float, two_column_pages: list[int], bottom: float = BOTTOM
    ):
        self.pdf, self.columns, self.two_column_pages = pdf, columns, two_column_pages
        self.column_width = (WIDTH - GUTTER * (columns - 1)) / columns
        self.column, self.y, self.top, self.bottom = 0, top, top, bottom
        self.draw, self.overflowed = True, False
        self.note_page()

    def note_page(self) -> None:
        if self.draw and self.columns == 2 and self.pdf.page_no() not in self.two_column_pages:
            self.two_column_pages.append(self.pdf.page_no())

    def x(self) -> float:
        return LEFT + self.column * (self.column_width + GUTTER)

    def text(self, x: float, y: float, text: str) -> None:
        if self.draw:
            self.pdf.text(x, y, text)

    def make_room(self, height: float) -> None:
        if self.y + height <= self.bottom:
            return
        if self.column + 1 < self.columns:
            self.column += 1
        elif not self.draw:
            self.overflowed = True
            self.column, self.top = 0, TOP + 2
        else:
            self.pdf.add_page()
            self.column, self.top, self.bottom = 0, TOP + 2, BOTTOM
            self.note_page()
        self.y = self.top

    def heading(self, text: str) -> None:
        self.make_room(6 + 3 * BODY_LEADING)  # keep a heading with the start of its text
        if self.y > self.top + 1:
            self.y += 3.5
        self.pdf.set_font("Helvetica", "B", 11.5)
        self.pdf.set_text_color(*ACCENT)
        for line in self.pdf.filler.fill(pdf_safe(text), self.column_width, hyphenate=False):
            self.make_room(5.5)
            self.text(self.x(), self.y, line)
            self.y += 5.5
        self.pdf.set_text_color(0, 0, 0)
        self.y += 0.5

    def paragraph(self, text: str, bullet: bool = False) -> None:
        self.pdf.set_font("Helvetica", "", BODY_SIZE)
        indent = 4.0 if bullet else 0.0
        lines = self.pdf.filler.fill(pdf_safe(text), self.column_width - indent, hyphenate=True)
        for number, line in enumerate(lines):
            self.make_room(BODY_LEADING)
            if bullet and number == 0:
                self.text(self.x() + 0.5, self.y, "•")
            self.text(self.x() + indent, self.y, line)
            self.y += BODY_LEADING
        self.y += 0.6 if bullet else 2.2

    def run(self, blocks: list[tuple[str, str]]) -> None:
        """Flow ("heading" | "paragraph" | "bullet", text) blocks."""
        for kind, text in blocks:
            if kind == "heading":
                self.heading(text)
            else:
                self.paragraph(text, bullet=kind == "bullet")


def balanced_bottom(pdf: TypesetPDF, blocks: list[tuple[str, str]], top: float) -> float:
    """The lowest column bottom that still fits two columns on one page: columns end level."""
    bottom = top + 20
    filler = pdf.filler
    while bottom < BOTTOM:
        counts = len(filler.hyphenated), len(filler.compound_breaks)
        trial = TextFlow(pdf, 2, top, [], bottom)
        trial.draw = False
        trial.run(blocks)
        del filler.hyphenated[counts[0] :], filler.compound_breaks[counts[1] :]  # a trial prints nothing
        if not trial.overflowed:
            return bottom
        bottom += 4
    return BOTTOM


def section_blocks(text: str) -> list[tuple[str, str]]:
    """Split section text into ("paragraph" | "bullet", text) blocks."""
    blocks: list[tuple[str, str]] = []
    for paragraph in text.split("\n\n"):
        prose: list[str] = []
        for line in paragraph.splitlines():
            stripped = line.strip()
            if stripped[:2] in ("- ", "* ", "• "):
                if prose:
                    blocks.append(("paragraph", " ".join(prose)))
                    prose = []
                blocks.append(("bullet", stripped[2:].strip()))
            elif stripped:
                prose.append(stripped)
        if prose:
            blocks.append(("paragraph", " ".join(prose)))
    return blocks
