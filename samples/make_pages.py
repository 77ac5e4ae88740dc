"""Render the illustrative funded-project web pages from the sample project descriptions.

Every sample project with `format: html` becomes one page in the style of a county website
(header, navigation, cookie banner, sidebar, footer, scripts), clearly marked as a demo. The
markup varies from page to page the way real CMS pages do, so the HTML parser meets <main>,
<article>, a bare <div id="content"> and a page without any of them; fields as <dl>, <table>
or "Label: value" lines; sections as h2 or h3; UTF-8 and windows-1252 (declared and not).

Usage: python samples/make_pages.py [--projects DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script from anywhere in the checkout
    sys.path.insert(0, str(REPO_ROOT))

from ingest import IngestError, ProjectRecord, parse_file  # noqa: E402
from samples import sample_format  # noqa: E402

DEFAULT_PROJECTS = REPO_ROOT / "samples" / "projects"
DEFAULT_OUT = REPO_ROOT / "samples" / "build" / "pages"

SITE_NAME = "Landkreis Böblingen – Integrationsfonds"
SITE_ADDRESS = "https://www.landkreis-beispiel.example/integrationsfonds"  # invented, like the projects
DEMO_NOTICE = "Illustrative Demoseite – keine offizielle Seite des Landkreises"
NAV_LABELS = (
    "Startseite", "Bürgerservice online", "Kreistag & Politik", "Abfallwirtschaft",
    "Zulassungsstelle", "Stellenangebote", "Pressemitteilungen", "Integrationsfonds",
    "Förderrichtlinien", "Antragsformulare", "Veranstaltungskalender", "Sitemap",
)  # fmt: skip
BREADCRUMB = ("Startseite", "Soziales & Integration", "Integrationsfonds", "Geförderte Projekte")
COOKIE_TEXT = (
    "Wir verwenden Cookies, um die Nutzung unserer Website zu analysieren. "
    "Sie können selbst entscheiden, welche Cookies Sie zulassen."
)
COOKIE_BUTTONS = ("Alle Cookies akzeptieren", "Nur notwendige Cookies")
FOOTER_ADDRESS = ("Landratsamt (Demo)", "Beispielstraße 1", "71000 Musterstadt", "Telefon 07000 000-0")
FOOTER_LINKS = ("Impressum", "Datenschutzerklärung", "Barrierefreiheitserklärung", "Cookie-Einstellungen")
SOCIAL_LINKS = ("Facebook", "Instagram", "Mastodon", "YouTube")
SHARE_TEXT = "Diese Seite teilen"
BACK_LINK = "Zurück zur Übersicht der geförderten Projekte"
HIDDEN_TEXT = "Druckversion erstellt mit dem Seitenbaukasten"
NOSCRIPT_TEXT = "Bitte aktivieren Sie JavaScript, um alle Funktionen dieser Seite zu nutzen."
SCRIPT_MARKER = "pfAnalyticsStub"
RELATED_HEADING = "Weitere Projekte"
FUNDING_NOTE = "Integrationsfonds des Landkreises"

# Strings that belong to the page chrome; none of them may reach a parsed project record.
NOISE_STRINGS = (
    *[label for label in NAV_LABELS if label != "Integrationsfonds"],
    "Soziales & Integration", "Geförderte Projekte", COOKIE_TEXT[:40], *COOKIE_BUTTONS,
    *FOOTER_ADDRESS, *FOOTER_LINKS, *SOCIAL_LINKS, SHARE_TEXT, BACK_LINK, HIDDEN_TEXT,
    NOSCRIPT_TEXT, SCRIPT_MARKER, RELATED_HEADING, DEMO_NOTICE, "dataLayer",
)  # fmt: skip

LAYOUTS = ("main", "div-content", "article", "bare")
FIELD_STYLES = ("dl", "table", "lines")
LABELS = {
    "area": ("Handlungsfeld", "Bereich", "Themenfeld"),
    "organisation": ("Träger", "Projektträger", "Träger"),
    "town": ("Ort", "Standort", "Ort"),
    "target_groups": ("Zielgruppe", "Zielgruppen", "Zielgruppe"),
    "partners": ("Partner", "Kooperationspartner", "Netzwerkpartner"),
    "period": ("Laufzeit", "Projektlaufzeit", "Zeitraum"),
    "contact": ("Kontakt", "Ansprechpartnerin", "Ansprechperson"),
}


@dataclass(frozen=True)
class PageStyle:
    layout: str  # one of LAYOUTS
    fields: str  # one of FIELD_STYLES
    section_level: int  # 2 or 3
    contact_box: bool  # contact under its own "Kontakt" heading instead of in the fields
    encoding: str  # "utf-8", "cp1252" (declared) or "cp1252-undeclared"
    labels: int  # which label variant to use


def page_style(index: int) -> PageStyle:
    """The markup variant of the index-th page; fixed so that the output is deterministic."""
    encoding = {1: "cp1252", 4: "cp1252", 2: "cp1252-undeclared"}.get(index, "utf-8")
    return PageStyle(
        layout=LAYOUTS[index % len(LAYOUTS)],
        fields=FIELD_STYLES[index % len(FIELD_STYLES)],
        section_level=3 if (index // 3) % 2 else 2,
        contact_box=index % 4 == 2,
        encoding=encoding,
        labels=index % 3,
    )


def load_html_projects(projects_dir: Path) -> list[tuple[str, ProjectRecord]]:
    """(file stem, record) for every sample project marked `format: html`, in file-name order."""
    projects = []
    for path in sorted(projects_dir.glob("*.md")):
        if sample_format(path) == "html":
            projects.extend((path.stem, record) for record in parse_file(path).records)
    return projects


def lead_text(record: ProjectRecord) -> str | None:
    """The lead paragraph of a page: the project's summary; a page without one has no lead."""
    return record.summary or None


_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_STRONG = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]+)`")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


def inline_markdown(text: str) -> str:
    """Escape text and turn the inline Markdown the samples use into HTML."""
    out = html.escape(text, quote=False)
    out = _LINK.sub(lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', out)
    out = _STRONG.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", out)
    out = _EMPHASIS.sub(r"<em>\1</em>", out)
    return _CODE.sub(r"<code>\1</code>", out)


def markdown_to_html(text: str) -> str:
    """Paragraphs and flat lists of a section's text as HTML blocks."""
    blocks: list[str] = []
    kind, items = "", []

    def flush() -> None:
        if kind == "p":
            blocks.append(f"<p>{inline_markdown(' '.join(items))}</p>")
        elif kind in ("ul", "ol"):
            lis = "".join(f"<li>{inline_markdown(item)}</li>" for item in items)
            blocks.append(f"<{kind}>{lis}</{kind}>")
        items.clear()

    for line in text.splitlines() + [""]:
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        line_kind = "ul" if bullet else "ol" if numbered else "p" if line.strip() else ""
        if line_kind != kind or not line.strip():
            flush()
            kind = line_kind
        if line_kind:
            items.append((bullet or numbered).group(1) if line_kind != "p" else line.strip())
    return "\n".join(blocks)


def _list_html(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>"


def _value_html(name: str, value: str | list[str], style: str) -> str:
    if isinstance(value, list):
        if style == "dl" or any("," in item for item in value):
            return _list_html(value)
        return html.escape(", ".join(value))
    escaped = html.escape(value)
    if name == "contact":
        escaped = re.sub(r"([\w.+-]+@[\w-]+\.[\w.]+)", r'<a href="mailto:\1">\1</a>', escaped)
    return escaped.replace("\n", "<br>\n")


def field_rows(record: ProjectRecord, style: PageStyle) -> list[tuple[str, str, str | list[str]]]:
    """(field name, label, value) for the fields a page shows in its info block."""
    rows = []
    for name, labels in LABELS.items():
        value = getattr(record, name)
        if value and not (name == "contact" and style.contact_box):
            rows.append((name, labels[style.labels], value))
    return rows


def render_fields(record: ProjectRecord, style: PageStyle) -> str:
    rows = field_rows(record, style)
    funding = ("", "Förderung", FUNDING_NOTE)
    if style.fields == "dl":
        pairs = "".join(
            f"<dt>{label}</dt><dd>{_value_html(n, v, 'dl')}</dd>\n" for n, label, v in [*rows, funding]
        )
        return f'<dl class="projektdaten">\n{pairs}</dl>'
    if style.fields == "table":
        trs = "".join(
            f'<tr><th scope="row">{label}</th><td>{_value_html(n, v, "table")}</td></tr>\n'
            for n, label, v in [*rows, funding]
        )
        return f'<table class="contenttable"><caption>Projektdaten</caption>\n<tbody>\n{trs}</tbody></table>'
    lines, lists = [], []
    for name, label, value in rows:
        if isinstance(value, list) and any("," in item for item in value):
            lists.append(f"<p><strong>{label}:</strong></p>\n{_list_html(value)}")
        else:
            lines.append(f"<strong>{label}:</strong> {_value_html(name, value, 'lines')}")
    return '<div class="infobox"><p>' + "<br>\n".join(lines) + "</p>\n" + "\n".join(lists) + "</div>"


def render_sections(record: ProjectRecord, style: PageStyle) -> str:
    level = style.section_level
    parts = ["<h2>Projektbeschreibung</h2>"] if level == 3 else []
    for section in record.sections:
        parts.append(f"<h{level}>{html.escape(section.heading)}</h{level}>\n{markdown_to_html(section.text)}")
    if style.contact_box and record.contact:
        parts.append(
            f'<h{level}>Kontakt</h{level}>\n<p class="kontakt">{_value_html("contact", record.contact, "")}</p>'
        )
    return "\n".join(parts)


def _links(labels: tuple[str, ...], css: str) -> str:
    items = "".join(
        f'<li><a href="#{re.sub(r"[^a-z]+", "-", label.lower())}">{html.escape(label)}</a></li>'
        for label in labels
    )
    return f'<ul class="{css}">{items}</ul>'


def render_related(others: list[tuple[str, str]], heading: str | None) -> str:
    """The "Weitere Projekte" link list, under a heading element like "h2" (or none)."""
    items = "".join(f'<li><a href="{stem}.html">{html.escape(title)}</a></li>' for stem, title in others)
    title = f"<{heading}>{RELATED_HEADING}</{heading}>\n" if heading else ""
    return f'{title}<ul class="related-links">{items}</ul>'


def _cookie_banner(css: str) -> str:
    buttons = "".join(
        f'<button type="button" onclick="pfConsent({i})">{html.escape(label)}</button>'
        for i, label in enumerate(COOKIE_BUTTONS)
    )
    return f'<div id="cookie-consent" class="{css}" role="dialog" aria-label="Cookie-Hinweis"><p>{html.escape(COOKIE_TEXT)}</p>{buttons}</div>'


def _script() -> str:
    return (
        "<script>window.dataLayer = window.dataLayer || [];\n"
        f"function {SCRIPT_MARKER}(event) {{ window.dataLayer.push({{event: event, path: location.pathname}}); }}\n"
        f"{SCRIPT_MARKER}('pageview');</script>"
    )


def _footer_inner() -> str:
    address = "<br>".join(html.escape(line) for line in FOOTER_ADDRESS)
    return (
        f"<address>{address}</address>\n{_links(FOOTER_LINKS, 'footer-links')}\n"
        f'<p class="social">Folgen Sie uns: {_links(SOCIAL_LINKS, "social-links")}</p>'
    )


def render_content(record: ProjectRecord, style: PageStyle) -> str:
    """The project itself: title, lead, info block and sections (plus in-content noise on some layouts)."""
    title = html.escape(record.title)
    lead_line = lead_text(record)
    lead = f'<p class="lead"><strong>{html.escape(lead_line)}</strong></p>' if lead_line else ""
    body = f"{render_fields(record, style)}\n{render_sections(record, style)}"
    share = f'<div class="share-links"><span>{SHARE_TEXT}:</span>{_links(SOCIAL_LINKS[:2], "share")}</div>'
    back = f'<p><a href="index.html" class="back">{BACK_LINK}</a></p>'
    if style.layout == "article":
        hidden = f'<div class="print-only" hidden>{HIDDEN_TEXT}</div>'
        return f"<header><h1>{title}</h1>\n{lead}</header>\n{hidden}\n{body}\n{share}"
    if style.layout == "div-content":
        return f"{_cookie_banner('cookie-notice')}\n<h1>{title}</h1>\n{lead}\n{body}\n{share}\n{back}"
    if style.layout == "main":
        hidden = f'<p style="display: none">{HIDDEN_TEXT}</p>'
        return f"<h1>{title}</h1>\n{lead}\n{hidden}\n{body}\n{_script()}\n{back}"
    return f"<h1>{title}</h1>\n{lead}\n{body}\n{back}"


def render_page(
    record: ProjectRecord,
    style: PageStyle,
    others: list[tuple[str, str]],
    address: str | None = None,
    updated: str | None = None,
) -> str:
    """A whole demo page for one project; `others` are (stem, title) of the sidebar links."""
    content = render_content(record, style)
    nav = _links(NAV_LABELS, "menu")
    crumbs = " › ".join(f'<a href="#">{html.escape(c)}</a>' for c in BREADCRUMB)
    logo = (
        f'<a class="logo" href="#">{html.escape(SITE_NAME)}</a><div class="demo-hinweis">{DEMO_NOTICE}</div>'
    )
    search = '<form class="suche" action="#"><input type="search" name="q" placeholder="Suchbegriff"><button>Suchen</button></form>'
    if style.layout == "main":
        page = (
            f'<header>{logo}\n<nav aria-label="Hauptnavigation">{nav}</nav>{search}</header>\n'
            f'<nav aria-label="Brotkrumen" class="breadcrumb">{crumbs}</nav>\n'
            f'<div class="layout"><main id="inhalt">\n{content}\n</main>\n'
            f'<aside class="sidebar">{render_related(others, "h2")}</aside></div>\n'
            f"<footer>{_footer_inner()}</footer>\n{_cookie_banner('cookie-banner')}"
        )
    elif style.layout == "div-content":
        page = (
            f'<div id="kopf" class="header">{logo}<div class="menu-wrap">{nav}</div></div>\n'
            f'<div class="breadcrumb">Sie sind hier: {crumbs}</div>\n'
            f'<div class="row"><div id="content" class="col-md-9 page-content">\n{content}\n</div>\n'
            f'<div class="col-md-3 marginal">{render_related(others, "h3")}</div></div>\n'
            f'<div id="footer">{_footer_inner()}</div>'
        )
    elif style.layout == "article":
        page = (
            f'<header class="site-header">{logo}<nav>{nav}</nav></header>\n'
            f'<ol class="breadcrumb">{"".join(f"<li>{html.escape(c)}</li>" for c in BREADCRUMB)}</ol>\n'
            f'<div class="container"><article class="project">\n{content}\n'
            f'<aside class="related">{render_related(others, "h3")}</aside>\n'
            f'<footer class="article-footer"><a href="#" onclick="window.print()">Seite drucken</a></footer>\n'
            f"</article></div>\n<footer>{_footer_inner()}</footer>\n{_cookie_banner('cc-window')}"
        )
    else:
        page = (
            f'<div class="wrapper"><div class="kopf">{logo}{nav}</div>\n<div class="pfad">{crumbs}</div>\n'
            f'<div class="zeile"><div class="spalte breit">\n{content}\n</div>\n'
            f'<div class="spalte schmal"><p><b>{RELATED_HEADING}</b></p>{render_related(others, None)}</div></div>\n'
            f'<div class="fuss">{_footer_inner()}</div></div>\n{_cookie_banner("consent-layer")}'
        )
    return _document(record, style, page, address, updated)


def _document(
    record: ProjectRecord, style: PageStyle, page: str, address: str | None = None, updated: str | None = None
) -> str:
    if style.encoding == "utf-8":
        charset = '<meta charset="utf-8">'
    elif style.encoding == "cp1252":
        charset = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    else:
        charset = ""
    title = html.escape(f"{record.title} | Integrationsfonds | Landkreis Böblingen")
    head = charset
    if address:  # the page's own address, as a CMS writes it
        head += f'\n<link rel="canonical" href="{html.escape(address)}">'
    if updated:
        head += f'\n<meta property="article:modified_time" content="{updated}T09:00:00+01:00">'
    return (
        f'<!DOCTYPE html>\n<html lang="de">\n<head>\n{head}\n<title>{title}</title>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<style>body { font-family: sans-serif; } .demo-hinweis { color: #a00; }</style>\n"
        f"{_script()}\n</head>\n<body>\n<noscript><p>{NOSCRIPT_TEXT}</p></noscript>\n{page}\n"
        f'<script>document.querySelectorAll("button").forEach(function (b) {{ b.onclick = function () {{ {SCRIPT_MARKER}("consent"); }}; }});</script>\n'
        "</body>\n</html>\n"
    )


def encode_page(page: str, style: PageStyle) -> bytes:
    """Bytes as the server would send them; characters windows-1252 lacks become references."""
    if style.encoding == "utf-8":
        return page.encode("utf-8")
    return page.encode("cp1252", errors="xmlcharrefreplace")


def build_pages(projects_dir: Path, out_dir: Path) -> list[Path]:
    """Write one page per html sample project into out_dir; returns the written paths."""
    projects = load_html_projects(projects_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for index, (stem, record) in enumerate(projects):
        others = [(s, r.title) for s, r in projects if s != stem][:6]
        style = page_style(index)
        path = out_dir / f"{stem}.html"
        address = f"{SITE_ADDRESS}/{stem}"
        updated = f"2024-{index % 12 + 1:02d}-15"
        path.write_bytes(encode_page(render_page(record, style, others, address, updated), style))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the illustrative funded-project pages.")
    parser.add_argument(
        "--projects", type=Path, default=DEFAULT_PROJECTS, help="folder of sample project .md files"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the generated pages")
    args = parser.parse_args(argv)
    if not args.projects.is_dir():
        print(f"Error: {args.projects}: no such folder", file=sys.stderr)
        return 1
    try:
        written = build_pages(args.projects, args.out)
    except IngestError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    if not written:
        print(f"Error: {args.projects}: no project with 'format: html'", file=sys.stderr)
        return 1
    print(f"{len(written)} pages written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
