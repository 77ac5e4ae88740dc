"""Layout zoo, HTML designs printed to PDF: a magazine by Chromium, a report by WeasyPrint.

Chromium "Magazin" (A4, printed through Playwright): body in three columns, the info block in a
coloured box at the top of the first column (labels above values, no colons), heading variants
("Unser Ansatz", "Netzwerk und Partner", "Mehrwert für die Zielgruppe", "Das Besondere"), a pull
quote across the columns, photos with captions, page numbers at the right. Projects follow each
other without page breaks, so short ones share a page.

WeasyPrint "Bericht" (A4): every project on a new page, the info block as a two-column table under
the title, body in two columns, a photo with caption, the third section always opening the
project's second page right below the running header, which carries the project's title; the
page number stands in the side margin. (WeasyPrint interleaves columns that break across pages,
so its columns here never do; Chromium's do.)
"""

from __future__ import annotations

import base64
import html
import re

import pyphen
from zoo_common import BROCHURE_NOTE, CAPTIONS, VARIANTS, info_rows, paragraphs, photo_png, pull_quote

from ingest import ProjectRecord

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

MAGAZINE_CSS = """
@page { size: A4; margin: 22mm 18mm 20mm 18mm; }
html { font: 8.6pt/1.38 'DejaVu Serif'; hyphens: auto; }
.cover { break-after: page; padding-top: 80mm; }
.cover h1 { font: bold 26pt 'DejaVu Sans'; string-set: none; }
article { margin-bottom: 9mm; }
.kicker { font: bold 7.5pt 'DejaVu Sans'; color: #2a6f3a; letter-spacing: 0.08em; margin: 0; }
h1 { font: bold 17pt/1.15 'DejaVu Sans'; margin: 1mm 0 3mm; }
.cols { columns: 3; column-gap: 6mm; }
.info { background: #e3efe0; padding: 2.5mm 3mm; margin-bottom: 3mm; font: 7.8pt/1.3 'DejaVu Sans'; break-inside: avoid; }
.info b { display: block; color: #1d4d29; }
.info p { margin: 0 0 1.6mm; }
h2 { font: bold 9.6pt 'DejaVu Sans'; color: #2a6f3a; margin: 3mm 0 1mm; break-after: avoid; }
p { margin: 0 0 1.6mm; }
blockquote { column-span: all; font: italic 15pt/1.25 'DejaVu Serif'; color: #2a6f3a;
  margin: 3mm 8mm; text-align: center; hyphens: manual; }
figure { margin: 1mm 0 3mm; break-inside: avoid; }
figure img { width: 100%; display: block; }
figcaption { font: italic 7pt/1.25 'DejaVu Sans'; color: #555; margin-top: 1mm; hyphens: manual; }
"""

REPORT_CSS = """
@page { size: A4; margin: 24mm 24mm 22mm 18mm;
  @top-left { content: string(project); font: 7.5pt 'Liberation Sans'; color: #555; }
  @top-right { content: "Praxisbericht Integration (illustrativ)"; font: 7.5pt 'Liberation Sans'; color: #555; }
  @right-middle { content: counter(page); font: bold 9pt 'Liberation Sans'; color: #0b3d6b; }
}
@page :first { @top-left { content: none; } @top-right { content: none; } @right-middle { content: none; } }
html { font: 10pt/1.42 'Liberation Serif'; hyphens: auto; }
.cover { padding-top: 90mm; }
.cover h1 { font: bold 28pt 'Liberation Sans'; }
article { break-before: page; }
h1 { font: bold 20pt/1.2 'Liberation Sans'; margin: 0 0 4mm; color: #0b3d6b; string-set: project content(); }
.cover h1 { string-set: none; }
table { border-collapse: collapse; width: 100%; margin-bottom: 5mm; font: 9pt/1.3 'Liberation Sans'; }
th { text-align: left; vertical-align: top; width: 32mm; padding: 1.2mm 3mm 1.2mm 0; }
td { vertical-align: top; padding: 1.2mm 0; }
tr { border-top: 0.3pt solid #9ab; }
.cols { columns: 2; column-gap: 8mm; }
.cols.next { break-before: page; }
h2 { font: bold 11pt 'Liberation Sans'; color: #0b3d6b; margin: 0 0 1.5mm; break-after: avoid; }
h2 ~ h2 { margin-top: 4mm; }
p { margin: 0 0 2mm; text-align: justify; }
figure { margin: 0 0 4mm; break-inside: avoid; }
figure img { width: 100%; display: block; }
figcaption { font: italic 7.5pt 'Liberation Sans'; color: #444; margin-top: 1mm; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=False)


_WORD = re.compile(r"[^\W\d_]{8,}")


def _soft(text: str) -> str:
    """Text with soft hyphens at German syllable breaks, as a word processor exports them
    (Chromium has no hyphenation dictionary of its own here)."""
    dictionary = pyphen.Pyphen(lang="de_DE")
    return _WORD.sub(lambda match: dictionary.inserted(match.group(), hyphen="\u00ad"), text)


def _figure(seed: int) -> str:
    data = base64.b64encode(photo_png(seed)).decode()
    caption = CAPTIONS[seed % len(CAPTIONS)]
    return f'<figure><img src="data:image/png;base64,{data}" alt=""><figcaption>{_e(caption)}</figcaption></figure>'


def _sections(sections, variants: bool, soft: bool = False) -> list[str]:
    parts = []
    for section in sections:
        heading = VARIANTS.get(section.kind, section.heading) if variants else section.heading
        parts.append(f"<h2>{_e(heading)}</h2>")
        parts += [f"<p>{_soft(_e(text)) if soft else _e(text)}</p>" for text in paragraphs(section.text)]
    return parts


def magazine_html(records: list[ProjectRecord]) -> str:
    body = [f'<div class="cover"><h1>Gute Praxis – Magazin</h1><p>{_e(BROCHURE_NOTE)}</p></div>']
    for number, record in enumerate(records):
        info = "".join(f"<p><b>{_e(label)}</b>{_e(value)}</p>" for label, value in info_rows(record))
        sections = _sections(record.sections, variants=True, soft=True)
        if number % 3 == 1:
            sections.insert(2, _figure(number))  # after the first section's first paragraph
        info_box = f'<div class="info">{info}</div>'
        quote = pull_quote(record) if number % 2 == 0 else None
        if quote:  # the quote across the columns, between the second and the third section
            first, after = _split_before_third_heading(sections)
            blocks = [
                f'<div class="cols">{info_box}{"".join(first)}</div>',
                f"<blockquote>„{_e(quote)}“</blockquote>",
                f'<div class="cols">{"".join(after)}</div>',
            ]
        else:
            blocks = [f'<div class="cols">{info_box}{"".join(sections)}</div>']
        body.append(
            f'<article><p class="kicker">{_e((record.area or "").upper())}</p>'
            f"<h1>{_e(record.title)}</h1>{''.join(blocks)}</article>"
        )
    return _page(MAGAZINE_CSS, body)


def report_html(records: list[ProjectRecord]) -> str:
    body = [f'<div class="cover"><h1>Praxisbericht Integration</h1><p>{_e(BROCHURE_NOTE)}</p></div>']
    for number, record in enumerate(records):
        rows = "".join(
            f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>" for label, value in info_rows(record)
        )
        sections = _sections(record.sections, variants=number % 2 == 1)
        first, rest = _split_before_third_heading(sections)
        figure = _figure(number) if number % 2 == 0 else ""
        body.append(
            f"<article><h1>{_e(record.title)}</h1><table>{rows}</table>"
            f'<div class="cols">{figure}{"".join(first)}</div>'
            f'<div class="cols next">{"".join(rest)}</div></article>'
        )
    return _page(REPORT_CSS, body)


def _split_before_third_heading(parts: list[str]) -> tuple[list[str], list[str]]:
    headings = [index for index, part in enumerate(parts) if part.startswith("<h2>")]
    cut = headings[2] if len(headings) > 2 else len(parts)
    return parts[:cut], parts[cut:]


def _page(css: str, body: list[str]) -> str:
    return (
        f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Gute Praxis (illustrativ)</title>'
        f"<style>{css}</style></head><body>{''.join(body)}</body></html>"
    )


def build_weasyprint(records: list[ProjectRecord]) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=report_html(records)).write_pdf()


def build_chromium(records: list[ProjectRecord]) -> bytes:
    from playwright.sync_api import sync_playwright

    header = (
        '<div style="font: 7pt sans-serif; color: #555; width: 100%; margin: 0 18mm;">'
        "Gute Praxis – Magazin · Landkreis (illustrativ)</div>"
    )
    footer = (
        '<div style="font: 8pt sans-serif; color: #555; width: 100%; margin: 0 12mm; text-align: right;">'
        '<span class="pageNumber"></span></div>'
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(magazine_html(records), wait_until="load")
            return page.pdf(
                format="A4",
                display_header_footer=True,
                header_template=header,
                footer_template=footer,
                margin={"top": "22mm", "bottom": "20mm", "left": "18mm", "right": "18mm"},
                print_background=True,
            )
        finally:
            browser.close()
