"""A brochure in another layout than the sample generator's: inline labels, coloured headings,
"Seite N" footers; written page by page with PyMuPDF. Used by the parser and provenance tests."""

from __future__ import annotations

import pymupdf

BLUE = (0.0, 0.3, 0.6)


class PageWriter:
    """Writes lines onto A4 pages the way a different layout program would."""

    def __init__(self, document: pymupdf.Document, header: str | None):
        self.page = document.new_page(width=595, height=842)
        self.y = 90.0
        if header:
            number = document.page_count
            self.page.insert_text((60, 40), "Praxisbeispiele 2023", fontname="helv", fontsize=8)
            self.page.insert_text((420, 40), header, fontname="helv", fontsize=8)
            self.page.insert_text((280, 815), f"Seite {number}", fontname="helv", fontsize=8)

    def line(self, text: str, x: float = 60, size: float = 9.5, font: str = "helv", color=(0, 0, 0)):
        self.page.insert_text((x, self.y), text, fontname=font, fontsize=size, color=color)
        self.y += size * 1.3

    def field(self, label: str, value: str) -> None:
        """An inline label: bold "Label:" and its value on the same line."""
        self.page.insert_text((60, self.y), label, fontname="hebo", fontsize=9.5)
        # get_text_length mis-measures umlauts in the base fonts; "a" is as wide as "ä".
        width = pymupdf.get_text_length(label.replace("ä", "a"), fontname="hebo", fontsize=9.5)
        self.line(value, x=60 + width + 3)

    def heading(self, text: str, coloured: bool = True, x: float = 60) -> None:
        self.y += 10
        if coloured:
            self.line(text, x=x, size=12, color=BLUE)
        else:
            self.line(text, x=x, font="hebo")

    def gap(self, points: float = 7) -> None:
        self.y += points


def other_layout_pdf() -> bytes:
    document = pymupdf.open()
    cover = PageWriter(document, None)
    cover.line("Integration gestalten", size=26, font="hebo")
    cover.line("Praxisbeispiele aus dem Landkreis", size=14)
    toc = PageWriter(document, "Inhalt")
    toc.line("Inhaltsverzeichnis", size=16, font="hebo")
    toc.line("Willkommen im Quartier . . . . . . . . . . . . . . . . . . . . 3")
    toc.line("Gemeinsam kochen, gemeinsam reden . . . . . . . . . . . . . 5")

    first = PageWriter(document, "Handlungsfeld Gesundheit")
    first.line("Willkommen im Quartier: Nachbarschaftslotsen", size=16, font="hebo")
    first.line("für neu zugezogene Familien", size=16, font="hebo")
    first.gap(6)
    first.field("Träger:", "Nachbarschaftsverein Ost e. V.")
    first.field("Zielgruppen:", "Familien; Alleinerziehende; ältere Menschen")
    first.field("Ort:", "Böblingen")
    first.field("Zeitraum:", "2022 bis 2024")
    first.field("Ansprechperson:", "Frau Muster, Telefon 07031 111, lotsen@example.org,")
    first.line("erreichbar dienstags und donnerstags")
    first.gap(14)
    first.line("Ein Angebot für alle, die neu im Viertel sind.")
    first.heading("Vorgehen")
    first.line("Ehrenamtliche Lotsinnen begleiten neue Familien in den ersten Wochen. Sie zeigen den")
    first.line("Weg zum Integrations-")
    first.line("kurs, zur Kinderärztin und zur Eltern-")
    first.line("Kind-Gruppe im Stadtteilzentrum.")
    first.gap()
    first.line("Bei Bedarf kommen Sprach-")
    first.line("und Kulturmittlerinnen dazu.")
    first.heading("Kooperationspartner")
    first.line("Das Stadtteilzentrum, die Kinderarztpraxis am Markt und das Familienbüro arbeiten eng")
    first.line("zusammen und treffen sich jedes Vierteljahr.")
    first.heading("Nutzen")
    first.line("Familien finden schneller Anschluss und wissen, wohin sie sich mit Fragen wenden kön-")
    second = PageWriter(document, "Handlungsfeld Gesundheit")
    second.line("nen. Die Lotsinnen sammeln wertvolle Erfahrungen.")
    second.heading("Das Besondere")
    second.line("Viele Lotsinnen waren selbst einmal neu im Viertel.")
    second.heading("Ausblick", coloured=False)
    second.line("Im nächsten Jahr soll ein zweites Quartier dazukommen.")

    third = PageWriter(document, "Gesellschaftliche Teilhabe")
    third.line("Gemeinsam kochen, gemeinsam reden", size=16, font="hebo")
    third.gap(6)
    third.field("Bereich:", "Gesellschaftliche Teilhabe")
    third.field("Träger:", "Kulturverein Mosaik e. V.")
    third.field("Partner:", "Stadtteilbibliothek, Seniorenrat")
    third.gap(14)
    top = third.y
    third.heading("Vorgehen")
    for text in [
        "Einmal im Monat kochen Nachbarin-",
        "nen aus verschiedenen Ländern",
        "gemeinsam. Jede bringt ein Rezept mit.",
    ]:
        third.line(text)
    third.gap()
    third.page.insert_text((60, third.y), "-", fontname="helv", fontsize=9.5)
    third.line("Rezepte werden gesammelt", x=72)
    third.page.insert_text((60, third.y), "-", fontname="helv", fontsize=9.5)
    third.line("Einkauf auf dem Wochen-", x=72)
    third.line("markt", x=72)
    third.heading("Kooperationspartner")
    third.line("Die Stadtteilbibliothek leiht Koch-")
    third.line("bücher in vielen Sprachen aus.")
    third.y = top
    for heading, lines in [
        ("Nutzen", ["Beim Kochen kommen Menschen ins", "Gespräch, die sich sonst nicht", "begegnen würden."]),
        ("Das Besondere", ["Die Rezepte erscheinen jedes Jahr", "als kleines Kochbuch."]),
    ]:
        third.heading(heading, x=320)
        for text in lines:
            third.line(text, x=320)
    imprint = PageWriter(document, "Impressum")
    imprint.line("Impressum", size=16, font="hebo")
    imprint.field("Herausgeber:", "Landratsamt (Beispiel)")
    imprint.field("Kontakt:", "integration@example.org")
    return document.tobytes()


# The failure of issue 10: 20 projects over two or three pages, bold headings 1.1x the body size,
# the third heading of most projects opening the project's second page right below the header.

BODY, HEADING = 10.0, 11.0  # bold headings at 1.1x the body size
HEADER_Y, FIRST_LINE_Y = 40.0, 72.0  # the heading sits inside the top 12 % of the page


class Page:
    def __init__(self, document: pymupdf.Document, header: str):
        self.page = document.new_page(width=595, height=842)
        number = document.page_count
        self.page.insert_text((60, HEADER_Y), header, fontname="helv", fontsize=8)
        self.page.insert_text((300, 815), str(number), fontname="helv", fontsize=8)
        self.y = FIRST_LINE_Y

    def line(self, text: str, size: float = BODY, font: str = "helv") -> None:
        self.page.insert_text((60, self.y), text, fontname=font, fontsize=size)
        self.y += size * 1.35

    def heading(self, text: str) -> None:
        if self.y > FIRST_LINE_Y:
            self.y += 8
        self.line(text, size=HEADING, font="hebo")


def _paragraph(page: Page, words: str, lines: int) -> None:
    for number in range(lines):
        page.line(f"{words} Zeile {number + 1} erzählt vom Alltag im Projekt und seinen Menschen.")


def twenty_projects() -> bytes:
    """20 projects; in 19 the third heading opens the second page, one has it on its first page."""
    document = pymupdf.open()
    header = "Praxisbeispiele 2024 · Landkreis (Beispiel)"
    for number in range(1, 21):
        first = Page(document, header)
        first.line(f"Projekt {number}: Lernen im Quartier", size=18, font="hebo")
        first.y += 6
        first.line(f"Träger: Verein {number} e. V.")
        first.line("Ort: Böblingen")
        first.heading("Herangehensweise")
        _paragraph(first, f"Ansatz {number}", 4 if number == 7 else 22)
        first.heading("Zusammenarbeit mit Netzwerkpartnern")
        _paragraph(first, f"Partner {number}", 3 if number == 7 else 12)
        page = first if number == 7 else Page(document, header)
        page.heading("Mehrwert")
        _paragraph(page, f"Mehrwert {number}", 6)
        page.heading("Besonderheiten")
        _paragraph(page, f"Besonderes {number}", 5)
        if number % 4 == 0:  # a third page, opened by a heading too
            third = Page(document, header)
            third.heading("Ausblick")
            _paragraph(third, f"Ausblick {number}", 4)
    return document.tobytes()
